use crate::config::Level;
use crate::rules::{FileContext, Rule, Sink};
use crate::sql::facts::{AlterAction, ConstraintKind};
use crate::sql::Dialect;

use super::existing_table_actions;

pub static RULE: Rule = Rule {
    id: "unique-constraint-builds-index",
    category: "postgres",
    default_level: Level::Warning,
    summary: "ADD UNIQUE / PRIMARY KEY builds its index under an exclusive lock (PostgreSQL)",
    doc: r#"## What it does
Flags `ALTER TABLE … ADD UNIQUE` or `ADD PRIMARY KEY` on an existing table, unless it uses an
existing index (`USING INDEX`).

## Why is this bad?
The constraint's index is built while the table is locked against writes (ACCESS EXCLUSIVE for a
primary key), exactly like a non-concurrent `CREATE INDEX`.

## Example
```sql
ALTER TABLE users ADD CONSTRAINT users_email_key UNIQUE (email);
```

## Use instead
```sql
CREATE UNIQUE INDEX CONCURRENTLY users_email_key ON users (email);   -- own migration
ALTER TABLE users ADD CONSTRAINT users_email_key UNIQUE USING INDEX users_email_key;
```
"#,
    convention: None,
    tag: None,
};

pub fn check(cx: &FileContext, sink: &mut Sink) {
    if cx.dialect() != Dialect::Postgres || cx.is_undo() {
        return;
    }
    for (_, statement, table, action) in existing_table_actions(cx) {
        let AlterAction::AddConstraint { constraint, .. } = action else {
            continue;
        };
        let kind = match constraint.kind {
            ConstraintKind::Unique => "UNIQUE",
            ConstraintKind::PrimaryKey => "PRIMARY KEY",
            _ => continue,
        };
        if constraint.using_index {
            continue;
        }
        sink.range(
            &RULE,
            cx,
            cx.action(statement, action),
            format!(
                "Adding a {kind} constraint to {table} builds its index while blocking writes; build it with CREATE UNIQUE INDEX CONCURRENTLY, then ADD CONSTRAINT … {kind} USING INDEX"
            ),
        );
    }
}
