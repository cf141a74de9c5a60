use crate::config::Level;
use crate::rules::{FileContext, Rule, Sink};
use crate::sql::facts::Op;
use crate::sql::Dialect;

use super::existing_table;

pub static RULE: Rule = Rule {
    id: "require-lock-timeout",
    category: "postgres",
    default_level: Level::Warning,
    summary: "Lock-taking DDL on an existing table without `SET lock_timeout` first (PostgreSQL)",
    doc: r#"## What it does
Flags the first statement of a migration that takes a strong lock on an existing table
(`ALTER TABLE`, non-concurrent `CREATE INDEX` / `DROP INDEX`, `DROP TABLE`, `TRUNCATE`) when no
`SET lock_timeout` (or `SET LOCAL lock_timeout`) comes before it in the script.

## Why is this bad?
Even an instant `ALTER TABLE` must wait for its lock. While it waits behind one long-running
query, every other query on the table queues behind it: a brief migration becomes an outage.
A lock timeout makes the migration fail fast instead, to be retried.

## Example
```sql
ALTER TABLE orders ADD COLUMN note text;
```

## Use instead
```sql
SET lock_timeout = '5s';
ALTER TABLE orders ADD COLUMN note text;
```
"#,
    convention: None,
    tag: None,
};

pub fn check(cx: &FileContext, sink: &mut Sink) {
    if cx.dialect() != Dialect::Postgres || cx.is_undo() {
        return;
    }
    for (i, (statement, op)) in cx.statements().enumerate() {
        if let Op::Set { name, .. } = op {
            if name.ends_with("lock_timeout") {
                return;
            }
        }
        let locked = match op {
            Op::AlterTable { table, .. } => Some(&**table),
            Op::CreateIndex {
                table,
                concurrently: false,
                ..
            } => Some(&**table),
            Op::Truncate { tables } => tables.first(),
            Op::DropTable { names, .. } => names.first(),
            _ => None,
        };
        let Some(table) = locked else { continue };
        if !existing_table(cx, i, table) {
            continue;
        }
        sink.statement(
            &RULE,
            cx,
            statement,
            format!(
                "This locks table {table} and may queue all its queries while it waits; start the migration with SET lock_timeout = '5s' (or another bound) so it fails fast instead"
            ),
        );
        return;
    }
}
