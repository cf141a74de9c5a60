use crate::config::Level;
use crate::rules::{FileContext, Rule, Sink};
use crate::sql::facts::{AlterAction, Op};
use crate::sql::Dialect;

use super::existing_table;

pub static RULE: Rule = Rule {
    id: "mysql-blocking-lock",
    category: "mysql",
    default_level: Level::Warning,
    summary: "Explicit LOCK=SHARED or LOCK=EXCLUSIVE on ALTER TABLE / CREATE INDEX / DROP INDEX of an existing table (MySQL)",
    doc: r#"## What it does
Flags `ALTER TABLE`, `CREATE INDEX` and `DROP INDEX` on a table that existed before the
migration when they ask for `LOCK=SHARED` (writes blocked) or `LOCK=EXCLUSIVE` (reads and writes
blocked). An explicit `ALGORITHM=COPY` is flagged by `mysql-copy-algorithm`.

## Why is this bad?
The lock is held for the whole operation, which on a large table takes minutes to hours: every
write (with `EXCLUSIVE`, every read too) waits, connection pools fill up and the application
stops. Most operations that need no copy run with `LOCK=NONE`; asking for a stronger lock blocks
the application for nothing. Bytebase's MySQL review and gh-ost / pt-online-schema-change
guidance agree: schema changes on live tables must not block writes.

## Example
```sql
CREATE INDEX idx_lender_name ON lender (name) LOCK=SHARED;
```

## Use instead
```sql
CREATE INDEX idx_lender_name ON lender (name) ALGORITHM=INPLACE LOCK=NONE;
```
If MySQL refuses `LOCK=NONE` for the operation, run it with gh-ost or pt-online-schema-change.
"#,
    convention: None,
    tag: None,
};

pub fn check(cx: &FileContext, sink: &mut Sink) {
    if cx.dialect() != Dialect::MySql || cx.is_undo() {
        return;
    }
    for (i, (statement, op)) in cx.statements().enumerate() {
        let (table, options) = match op {
            Op::AlterTable { table, actions, .. } => (Some(&**table), &actions[..]),
            Op::CreateIndex { table, options, .. } => (
                Some(&**table),
                options.as_deref().map_or(&[][..], Vec::as_slice),
            ),
            Op::DropIndex { table, options, .. } => (
                table.as_deref(),
                options.as_deref().map_or(&[][..], Vec::as_slice),
            ),
            _ => continue,
        };
        if table.is_some_and(|t| !existing_table(cx, i, t)) {
            continue;
        }
        let Some(lock) = options.iter().find_map(|a| match a {
            AlterAction::Lock(lock) if lock == "SHARED" || lock == "EXCLUSIVE" => Some(lock),
            _ => None,
        }) else {
            continue;
        };
        let blocked = if lock == "SHARED" {
            "every write"
        } else {
            "every read and write"
        };
        let on = table.map(|t| format!(" of {t}")).unwrap_or_default();
        sink.range(
            &RULE,
            cx,
            cx.clause(statement, "LOCK = …|LOCK SHARED|LOCK EXCLUSIVE", &[]),
            format!(
                "LOCK={lock} blocks {blocked}{on} until the statement ends; use LOCK=NONE (with ALGORITHM=INPLACE or INSTANT), or an online schema change tool if MySQL refuses it"
            ),
        );
    }
}
