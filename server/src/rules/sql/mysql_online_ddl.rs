use crate::config::Level;
use crate::rules::{FileContext, Rule, Sink};
use crate::sql::facts::Op;
use crate::sql::Dialect;

use super::{existing_table, table_option};

pub static RULE: Rule = Rule {
    id: "mysql-online-ddl",
    category: "mysql",
    default_level: Level::Off,
    summary: "ALTER TABLE / CREATE INDEX without ALGORITHM=INPLACE|INSTANT and LOCK=NONE (MySQL; for teams whose checklist requires them)",
    doc: r#"## What it does
For teams whose migration checklist requires explicit online DDL clauses (enable with
`[rules] mysql-online-ddl = "warning"`), flags `ALTER TABLE`, `CREATE INDEX` and `DROP INDEX` on
existing tables that do not say `ALGORITHM=INPLACE` (with `LOCK=NONE`) or `ALGORITHM=INSTANT`.

## Why is this bad?
Without the clauses MySQL silently picks the best algorithm it can, which may be COPY with writes
blocked. With them, MySQL refuses to run the statement if it cannot honour them, so a locking
change fails fast in staging instead of blocking production.

## Example
```sql
ALTER TABLE lender ADD COLUMN rate DECIMAL(5, 2) NULL;
```

## Use instead
```sql
ALTER TABLE lender ADD COLUMN rate DECIMAL(5, 2) NULL, ALGORITHM=INSTANT;
CREATE INDEX idx_lender_name ON lender (name) ALGORITHM=INPLACE LOCK=NONE;
```
"#,
    convention: None,
    tag: None,
};

pub fn check(cx: &FileContext, sink: &mut Sink) {
    if cx.dialect() != Dialect::MySql || cx.is_undo() {
        return;
    }
    for (i, (statement, op)) in cx.statements().enumerate() {
        let table = match op {
            Op::AlterTable { table, .. } => Some(&**table),
            Op::CreateIndex { table, .. } => Some(&**table),
            Op::DropIndex { table, .. } => table.as_deref(),
            _ => continue,
        };
        if table.is_some_and(|t| !existing_table(cx, i, t)) {
            continue;
        }
        let algorithm = table_option(cx, statement, "ALGORITHM");
        let lock = table_option(cx, statement, "LOCK");
        let ok = match algorithm.as_deref() {
            Some("INSTANT") => true,
            Some("INPLACE") => lock.as_deref() == Some("NONE"),
            _ => false,
        };
        if ok {
            continue;
        }
        let missing = match (algorithm.as_deref(), lock.as_deref()) {
            (Some("INPLACE"), _) => "LOCK=NONE".to_string(),
            (Some(other), _) => format!("ALGORITHM=INPLACE or INSTANT (not {other})"),
            (None, Some("NONE")) => "ALGORITHM=INPLACE or INSTANT".to_string(),
            _ => "ALGORITHM=INPLACE, LOCK=NONE (or ALGORITHM=INSTANT)".to_string(),
        };
        sink.statement(
            &RULE,
            cx,
            statement,
            format!(
                "Add {missing} so MySQL refuses to run this DDL with a blocking algorithm instead of silently locking the table"
            ),
        );
    }
}
