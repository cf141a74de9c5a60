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
CONCURRENTLY`, `REINDEX SCHEMA/DATABASE/SYSTEM`, `VACUUM`) when the same migration also has ordinary
statements (including `SET` and `DO`), unless Flyway's `mixed` setting is on or the script sets
`executeInTransaction`; and when the script forces a transaction with `executeInTransaction=true`.
With `executeInTransaction=false` (in `V1__x.sql.conf` or a `-- flyway:executeInTransaction=false`
line) the mix is accepted, and reported as a warning at most: the other statements then run
without a transaction too.

## Why is this bad?
Flyway runs a migration outside a transaction only when all its statements are
non-transactional. Otherwise, unless the script's own `executeInTransaction` is set, it stops
with "Detected both transactional and non-transactional statements within the same migration
(even though mixed is false)" (`ParserSqlScript`). With `executeInTransaction=false` Flyway runs
the whole script without a transaction: a failure half-way leaves the statements before it
applied and the migration failed. Forced into a transaction, PostgreSQL fails with "CREATE INDEX
CONCURRENTLY cannot run inside a transaction block".

Flyway's PostgreSQL parser (`PostgreSQLParser`) recognises `REINDEX [VERBOSE] SCHEMA | DATABASE |
SYSTEM` as non-transactional, not `REINDEX INDEX/TABLE … CONCURRENTLY` nor a REINDEX with an
options list: those run in the migration's transaction and PostgreSQL refuses them, unless the
script sets `executeInTransaction=false`. They are flagged too.

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
or set `mixed = true` in the Flyway configuration. Outside a transaction a failed concurrent
build is not rolled back: it leaves an INVALID index, which a retry with `IF NOT EXISTS` keeps
without building it (see `require-concurrent-index`); drop it before retrying.
"#,
    convention: None,
    tag: None,
};

/// What Flyway's PostgreSQL parser runs outside a transaction.
pub(super) fn non_transactional(op: &Op) -> Option<&'static str> {
    match op {
        Op::CreateIndex {
            concurrently: true, ..
        } => Some("CREATE INDEX CONCURRENTLY"),
        Op::DropIndex {
            concurrently: true, ..
        } => Some("DROP INDEX CONCURRENTLY"),
        Op::Reindex {
            flyway_outside: true,
            ..
        } => Some("REINDEX SCHEMA, DATABASE or SYSTEM"),
        Op::Vacuum => Some("VACUUM"),
        _ => None,
    }
}

/// A REINDEX PostgreSQL refuses in a transaction block that Flyway's parser does not detect
/// (`REINDEX INDEX|TABLE … CONCURRENTLY`, any REINDEX with an options list `( … )` that is
/// concurrent or of a schema, database or system): Flyway runs it in the migration's transaction.
fn reindex_forced_into_transaction(op: &Op) -> Option<&'static str> {
    match op {
        Op::Reindex {
            flyway_outside: false,
            concurrently,
            whole,
        } if *concurrently || *whole => Some(if *concurrently {
            "REINDEX … CONCURRENTLY"
        } else {
            "REINDEX SCHEMA, DATABASE or SYSTEM"
        }),
        _ => None,
    }
}

/// The words that make `statement` non-transactional (`CREATE INDEX CONCURRENTLY`, `REINDEX
/// SCHEMA`), else its first line (VACUUM: the whole statement).
fn blamed(
    cx: &FileContext,
    statement: &crate::sql::analysis::Statement,
    what: &str,
) -> crate::diagnostic::TextRange {
    let pattern = match what {
        "CREATE INDEX CONCURRENTLY" => "CREATE [UNIQUE] INDEX CONCURRENTLY",
        "DROP INDEX CONCURRENTLY" => "DROP INDEX CONCURRENTLY",
        "REINDEX … CONCURRENTLY" => "REINDEX … @ CONCURRENTLY",
        "REINDEX SCHEMA, DATABASE or SYSTEM" => {
            "REINDEX … SCHEMA|REINDEX … DATABASE|REINDEX … SYSTEM"
        }
        _ => return cx.head(statement),
    };
    cx.clause(statement, pattern, &[])
}

pub fn check(cx: &FileContext, sink: &mut Sink) {
    if cx.dialect() != Dialect::Postgres {
        return;
    }
    if cx.sql.script_config.execute_in_transaction != Some(false) {
        for (statement, what) in cx
            .statements()
            .filter_map(|(s, op)| reindex_forced_into_transaction(op).map(|what| (s, what)))
        {
            sink.range(
                &RULE,
                cx,
                blamed(cx, statement, what),
                format!(
                    "{what} cannot run inside a transaction block, and Flyway runs this one inside the migration's transaction (its PostgreSQL parser runs only `REINDEX [VERBOSE] SCHEMA|DATABASE|SYSTEM` and `CREATE/DROP INDEX CONCURRENTLY` without one): PostgreSQL refuses it. Give it a migration of its own with executeInTransaction=false (in its .sql.conf file or a `-- flyway:executeInTransaction=false` line)"
                ),
            );
        }
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
    let setting = cx.sql.script_config.execute_in_transaction;
    for (statement, what) in non_tx {
        let (message, warning) = if setting == Some(true) {
            (format!(
                "{what} cannot run inside a transaction block, and this script sets executeInTransaction=true; remove that setting and keep the statement in a migration of its own"
            ), false)
        } else if transactional && setting == Some(false) {
            // ParserSqlScript refuses the mix only when executeInTransaction is not set.
            (format!(
                "{what} is mixed with transactional statements under executeInTransaction=false: Flyway accepts it, but runs the other statements without a transaction too, so a failure half-way leaves the earlier ones applied; consider giving {what} a migration of its own"
            ), true)
        } else if transactional && !mixed_allowed {
            (format!(
                "{what} cannot run in a transaction, and this migration also has transactional statements: Flyway refuses it (\"Detected both transactional and non-transactional statements within the same migration\"). Move it to a migration of its own, or set mixed=true or executeInTransaction=false for this script"
            ), false)
        } else {
            continue;
        };
        if let Some(d) = sink.range(&RULE, cx, blamed(cx, statement, what), message) {
            if warning && d.level == Level::Error {
                d.level = Level::Warning;
            }
        }
    }
}
