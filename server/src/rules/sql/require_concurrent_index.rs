use crate::config::Level;
use crate::rules::{FileContext, Rule, Sink};
use crate::sql::facts::Op;
use crate::sql::Dialect;

use super::existing_table;

pub static RULE: Rule = Rule {
    id: "require-concurrent-index",
    category: "postgres",
    default_level: Level::Warning,
    summary:
        "CREATE INDEX without CONCURRENTLY on an existing table blocks its writes (PostgreSQL)",
    doc: r#"## What it does
Flags `CREATE INDEX` without `CONCURRENTLY` on a table that existed before this migration
(indexes on a table created in the same migration are fine).

## Why is this bad?
A plain `CREATE INDEX` holds a SHARE lock on the table for the whole build: every INSERT, UPDATE
and DELETE waits, for minutes on a large table.

## Example
```sql
CREATE INDEX orders_user_id_idx ON orders (user_id);
```

## Use instead
```sql
CREATE INDEX CONCURRENTLY orders_user_id_idx ON orders (user_id);
```
`CONCURRENTLY` cannot run in a transaction: put the statement in a migration of its own (Flyway
then runs it outside a transaction).

A concurrent build that fails (a lock or statement timeout, a deadlock, a duplicate under a
unique index) does not remove what it started: it leaves an INVALID index of that name, which
queries do not use but every write still maintains. Beware `CREATE INDEX CONCURRENTLY IF NOT
EXISTS`: when the failed migration is retried, `IF NOT EXISTS` finds the name taken and keeps the
INVALID index, silently, without building it. After a failure, drop the index first
(`DROP INDEX CONCURRENTLY IF EXISTS orders_user_id_idx;`, or check `pg_index.indisvalid`), then
retry. The `dry-run` report says so beside each `CREATE INDEX CONCURRENTLY IF NOT EXISTS`.
"#,
    convention: None,
    tag: None,
};

pub fn check(cx: &FileContext, sink: &mut Sink) {
    if cx.dialect() != Dialect::Postgres || cx.is_undo() {
        return;
    }
    for (i, (statement, op)) in cx.statements().enumerate() {
        if let Op::CreateIndex {
            table,
            name,
            concurrently: false,
            ..
        } = op
        {
            if existing_table(cx, i, table) {
                // `CREATE INDEX` up to the index's name.
                let name = name.as_ref().map_or("", |n| &*n.name);
                let range = cx.clause(
                    statement,
                    "CREATE [UNIQUE] INDEX [IF NOT EXISTS] {}|CREATE [UNIQUE] INDEX",
                    &[name],
                );
                sink.range(
                    &RULE,
                    cx,
                    range,
                    format!(
                        "CREATE INDEX on existing table {table} without CONCURRENTLY blocks writes to it while the index builds; use CREATE INDEX CONCURRENTLY in a migration of its own"
                    ),
                );
            }
        }
    }
}
