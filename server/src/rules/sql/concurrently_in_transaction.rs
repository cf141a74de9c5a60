use crate::config::Level;
use crate::rules::{FileContext, Rule, Sink};
use crate::sql::facts::Op;
use crate::sql::Dialect;

pub static RULE: Rule = Rule {
    id: "concurrently-in-transaction",
    category: "postgres",
    default_level: Level::Error,
    summary: "Non-transactional statement (CONCURRENTLY, VACUUM, …) mixed with others, or forced into a transaction: Flyway or PostgreSQL refuses it",
    doc: r#"## What it does
Flags statements that PostgreSQL cannot run inside a transaction (`CREATE/DROP INDEX
CONCURRENTLY`, `REINDEX CONCURRENTLY`, `VACUUM`) when the same migration also has ordinary
statements (including `SET` and `DO`), unless Flyway's `mixed` setting is on; and when the script
forces a transaction with `executeInTransaction=true`.

## Why is this bad?
Flyway runs a migration outside a transaction only when all its statements are
non-transactional. Otherwise it stops with "Detected both transactional and non-transactional
statements within the same migration (even though mixed is false)". `executeInTransaction=false`
does not lift that check. Forced into a transaction, PostgreSQL fails with "CREATE INDEX
CONCURRENTLY cannot run inside a transaction block".

## Example
```sql
SET lock_timeout = '5s';
CREATE INDEX CONCURRENTLY orders_user_id_idx ON orders (user_id);
```

## Use instead
Give the non-transactional statement a migration of its own:
```sql
-- V8__add_orders_user_id_index.sql
CREATE INDEX CONCURRENTLY IF NOT EXISTS orders_user_id_idx ON orders (user_id);
```
or set `mixed = true` in the Flyway configuration.
"#,
    convention: None,
};

/// What Flyway's PostgreSQL parser runs outside a transaction.
fn non_transactional(op: &Op) -> Option<&'static str> {
    match op {
        Op::CreateIndex {
            concurrently: true, ..
        } => Some("CREATE INDEX CONCURRENTLY"),
        Op::DropIndex {
            concurrently: true, ..
        } => Some("DROP INDEX CONCURRENTLY"),
        Op::Reindex { concurrently: true } => Some("REINDEX CONCURRENTLY"),
        Op::Vacuum => Some("VACUUM"),
        _ => None,
    }
}

pub fn check(cx: &FileContext, sink: &mut Sink) {
    if cx.dialect() != Dialect::Postgres {
        return;
    }
    let non_tx: Vec<_> = cx
        .statements()
        .filter_map(|(s, op)| non_transactional(op).map(|what| (s, what)))
        .collect();
    if non_tx.is_empty() {
        return;
    }
    let transactional = cx.sql.statements.len() > non_tx.len();
    let mixed_allowed = cx
        .project
        .config
        .layers
        .get("mixed")
        .ok()
        .flatten()
        .is_some_and(|(v, _)| v.trim().eq_ignore_ascii_case("true"));
    let forced = cx.sql.script_config.execute_in_transaction == Some(true);
    for (statement, what) in non_tx {
        let message = if forced {
            format!(
                "{what} cannot run inside a transaction block, and this script sets executeInTransaction=true; remove that setting and keep the statement in a migration of its own"
            )
        } else if transactional && !mixed_allowed {
            format!(
                "{what} cannot run in a transaction, and this migration also has transactional statements: Flyway refuses it (\"Detected both transactional and non-transactional statements within the same migration\"). Move it to a migration of its own, or set mixed=true; executeInTransaction=false does not lift this check"
            )
        } else {
            continue;
        };
        sink.statement(&RULE, cx, statement, message);
    }
}
