use crate::config::Level;
use crate::rules::{FileContext, Rule, Sink};
use crate::sql::facts::Op;
use crate::sql::Dialect;

use super::existing_table;

pub static RULE: Rule = Rule {
    id: "require-concurrent-detach-partition",
    category: "postgres",
    default_level: Level::Warning,
    summary: "DETACH PARTITION without CONCURRENTLY takes an ACCESS EXCLUSIVE lock on the partitioned table (PostgreSQL 14+)",
    doc: r#"## What it does
Flags `ALTER TABLE parent DETACH PARTITION child` without `CONCURRENTLY` (or `FINALIZE`) when the
configured server is PostgreSQL 14 or later (the first version with `DETACH PARTITION …
CONCURRENTLY`) and the partitioned table existed before the migration.

## Why is this bad?
A plain detach takes an ACCESS EXCLUSIVE lock on the partitioned table: every read and write of
every partition waits for it, and everything queued behind it waits too. With `CONCURRENTLY`
the parent is only locked with SHARE UPDATE EXCLUSIVE, which ordinary queries do not conflict
with.

squawk and strong_migrations have no equivalent rule; eugene's lock tracing (`eugene trace`)
reports the ACCESS EXCLUSIVE lock it takes.

## Example
```sql
ALTER TABLE events DETACH PARTITION events_2019;
```

## Use instead
`DETACH PARTITION … CONCURRENTLY` cannot run inside a transaction and Flyway does not detect it
as non-transactional: give it a migration of its own that runs without a transaction.
```sql
-- V9__detach_events_2019.sql, with V9__detach_events_2019.sql.conf: executeInTransaction=false
ALTER TABLE events DETACH PARTITION events_2019 CONCURRENTLY;
```
If it is interrupted, finish it with `ALTER TABLE events DETACH PARTITION events_2019 FINALIZE`.
"#,
    convention: None,
    tag: None,
};

pub fn check(cx: &FileContext, sink: &mut Sink) {
    if cx.dialect() != Dialect::Postgres || cx.is_undo() || !cx.server.at_least(&[14]) {
        return;
    }
    for (i, (statement, op)) in cx.statements().enumerate() {
        let Op::AlterTable { table, .. } = op else {
            continue;
        };
        if !cx.mentions(statement, "DETACH") {
            continue;
        }
        let tokens = cx.significant_tokens(statement);
        let detach = tokens
            .windows(2)
            .any(|w| w[0].is_keyword(cx.text, "DETACH") && w[1].is_keyword(cx.text, "PARTITION"));
        let concurrent = tokens
            .iter()
            .any(|t| t.is_keyword(cx.text, "CONCURRENTLY") || t.is_keyword(cx.text, "FINALIZE"));
        if !detach || concurrent || !existing_table(cx, i, table) {
            continue;
        }
        sink.range(
            &RULE,
            cx,
            cx.clause(statement, "DETACH PARTITION …", &[]),
            format!(
                "DETACH PARTITION without CONCURRENTLY holds an ACCESS EXCLUSIVE lock on {table}, blocking every query on all its partitions; on PostgreSQL 14+ detach CONCURRENTLY, in a migration of its own that runs without a transaction"
            ),
        );
    }
}
