use crate::config::Level;
use crate::rules::{FileContext, Rule, Sink};
use crate::sql::facts::Op;

pub static RULE: Rule = Rule {
    id: "mixed-ddl-dml",
    category: "both",
    default_level: Level::Warning,
    summary:
        "Schema changes and data changes (UPDATE/DELETE/INSERT on existing tables) in one migration",
    doc: r#"## What it does
Flags a migration that changes the schema (DDL) and also changes rows of tables that existed
before it (`INSERT`, `UPDATE`, `DELETE`, `MERGE`, `COPY`). Seeding a table created in the same
migration is not flagged.

## Why is this bad?
On MySQL and MariaDB each DDL statement commits implicitly (the data changes before it with
it), so a migration that fails part-way cannot be rolled back: the schema change stays applied,
Flyway records the migration as failed, and it must be repaired by hand before a retry. On PostgreSQL the data change runs in the same transaction as the
DDL, holding its exclusive locks for as long as the update takes.

## Example
```sql
ALTER TABLE orders ADD COLUMN status text;
UPDATE orders SET status = 'open';
```

## Use instead
Put the schema change and the backfill in separate migrations (and batch large backfills).
"#,
    convention: None,
    tag: None,
};

pub fn check(cx: &FileContext, sink: &mut Sink) {
    if !cx
        .sql
        .statements
        .iter()
        .any(|s| s.parsed.op.is_ddl() && !matches!(s.parsed.op, Op::Routine))
    {
        return;
    }
    for (i, (statement, op)) in cx.statements().enumerate() {
        let Op::Dml { table, .. } = op else { continue };
        if !op.is_dml() {
            continue;
        }
        if table.as_ref().is_some_and(|t| cx.created_before(i, t)) {
            continue;
        }
        let message = if cx.dialect() == crate::sql::Dialect::MySql {
            format!(
                "This migration changes data and also the schema; on {} each DDL statement commits implicitly, so if the file fails part-way it cannot be rolled back and stays half applied. Put the data change in a migration of its own so each can fail and be retried on its own",
                cx.server.flavor.name()
            )
        } else {
            "This migration changes data and also the schema; put the data change in a migration of its own so each can fail and be retried on its own".to_string()
        };
        sink.statement(&RULE, cx, statement, message);
        return;
    }
}
