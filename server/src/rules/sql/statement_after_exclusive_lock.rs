use crate::config::Level;
use crate::rules::{FileContext, Rule, Sink};
use crate::sql::facts::{Name, Op, TransactionControl};

use super::concurrently_in_transaction::non_transactional;
use super::require_lock_timeout::access_exclusive_lock;

pub static RULE: Rule = Rule {
    id: "statement-after-exclusive-lock",
    category: "postgres",
    default_level: Level::Hint,
    summary: "Statements run while an ACCESS EXCLUSIVE lock taken earlier in the migration's transaction is still held (PostgreSQL)",
    doc: r#"## What it does
Flags the first statement that runs after an earlier statement of the same transaction took an
ACCESS EXCLUSIVE lock on a table that existed before the migration: an `ALTER TABLE` in a form
that takes it (most do; not `VALIDATE CONSTRAINT`, adding a foreign key, `SET STATISTICS`,
storage parameters, triggers, `ATTACH PARTITION`), `DROP TABLE`, `TRUNCATE`, or `LOCK TABLE` in
ACCESS EXCLUSIVE mode (its default). The message counts the statements that follow it in the
same transaction: all of them run while the lock is held.

Not flagged: scripts that run without a transaction (`executeInTransaction=false`, or a script
Flyway runs outside one because it holds `CREATE INDEX CONCURRENTLY` or `VACUUM`), statements
after a `COMMIT` or `ROLLBACK` that ended the lock's transaction, `SET` statements, and locks on
tables created earlier in the same migration (nobody else can be waiting for them). `IF EXISTS`
forms are not counted as locks (when the table is missing they take none).

## Why is this bad?
PostgreSQL holds a lock until the transaction ends, and Flyway runs a PostgreSQL migration in
one transaction. While the table is locked ACCESS EXCLUSIVE, every query on it, reads included,
waits. The lock itself may be brief (an `ADD COLUMN` without a default is instant), but every
later statement of the migration lengthens the window: a data `UPDATE`, an index build, or a
second lock that has to wait behind another session's query turns a millisecond lock into
an outage as long as the rest of the migration.

The rule is a hint by default: a statement after the lock is often instant too, and only the
slow ones matter; the finding says which table is held and since which line, so the slow ones
can be moved.

Corresponds to eugene's E4 (running more statements after taking an access exclusive lock).
eugene reports every later statement; this rule reports the first one, with the count of the
rest, so one lock gives one finding.

## Example
```sql
ALTER TABLE orders ADD COLUMN note text;
UPDATE orders SET note = '';
```

## Use instead
Take the lock last, or give the slow statement a migration of its own:
```sql
-- V8__add_orders_note.sql
ALTER TABLE orders ADD COLUMN note text;
-- V9__backfill_orders_note.sql
UPDATE orders SET note = '';
```
"#,
    convention: None,
    tag: None,
};

pub fn check(cx: &FileContext, sink: &mut Sink) {
    if !super::postgres_in_transaction(cx)
        || cx
            .statements()
            .any(|(_, op)| non_transactional(op).is_some())
    {
        return;
    }
    // The first ACCESS EXCLUSIVE lock of the current transaction (its line, 1-based; the table),
    // then the first statement after it with the number that follow it in the transaction.
    let mut held = None;
    let mut after: Option<(&crate::sql::analysis::Statement, usize)> = None;
    let report = |held: &Option<(usize, Name)>, after: &mut Option<_>, sink: &mut Sink| {
        if let (Some((line, table)), Some((statement, more))) = (held, after.take()) {
            let others = match more {
                0 => String::new(),
                1 => " (so does the statement after it)".to_string(),
                n => format!(" (so do the {n} statements after it)"),
            };
            sink.statement(
                &RULE,
                cx,
                statement,
                format!(
                    "Table {table} has been locked ACCESS EXCLUSIVE since line {line}, and the lock is held until the migration's transaction commits: this statement runs while it is held{others}, and every query on {table} waits meanwhile. Keep the lock's transaction short: move slow statements to a migration of their own, or before the lock"
                ),
            );
        }
    };
    for (i, (statement, op)) in cx.statements().enumerate() {
        match op {
            Op::Transaction(TransactionControl::Commit | TransactionControl::Rollback) => {
                report(&held, &mut after, sink);
                held = None;
                continue;
            }
            Op::Transaction(_) | Op::Set { .. } => continue,
            _ => {}
        }
        if held.is_some() {
            match &mut after {
                Some((_, more)) => *more += 1,
                None => after = Some((statement, 0)),
            }
        } else if let Some(table) = access_exclusive_lock(cx, i, statement, op) {
            let line = cx.line_index().line_of(statement.range().start) + 1;
            held = Some((line, table));
        }
    }
    report(&held, &mut after, sink);
}
