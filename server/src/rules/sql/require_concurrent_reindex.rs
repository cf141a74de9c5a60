use crate::config::Level;
use crate::rules::{FileContext, Rule, Sink};
use crate::sql::facts::Op;
use crate::sql::Dialect;

use super::{made_earlier_in_script, name_in_statement};

pub static RULE: Rule = Rule {
    id: "require-concurrent-reindex",
    category: "postgres",
    default_level: Level::Warning,
    summary: "REINDEX without CONCURRENTLY blocks writes to the table and reads through the index (PostgreSQL 12+)",
    doc: r#"## What it does
Flags `REINDEX INDEX`, `REINDEX TABLE`, `REINDEX SCHEMA` and `REINDEX DATABASE` without
`CONCURRENTLY` when the configured server is PostgreSQL 12 or later (the first version with
`REINDEX CONCURRENTLY`). An index or table created earlier in the same migration is not flagged,
nor is `REINDEX SYSTEM` (which has no concurrent form).

## Why is this bad?
A plain `REINDEX` locks out writes to the index's table for the whole rebuild and takes an ACCESS
EXCLUSIVE lock on the index itself. Since the planner locks every index of a table it plans a
query on, almost every query on the table waits too. On a large table that is an outage for as
long as the rebuild runs.

The counterpart of `require-concurrent-index` (squawk's `require-concurrent-index-creation`) for
rebuilds; squawk and strong_migrations have no REINDEX rule, eugene's lock tracing (`eugene
trace`) reports the locks it takes.

## Example
```sql
REINDEX INDEX orders_user_id_idx;
```

## Use instead
`REINDEX … CONCURRENTLY` cannot run inside a transaction, and Flyway only detects
`REINDEX SCHEMA / DATABASE / SYSTEM` as non-transactional: give it a migration of its own that
runs without a transaction.
```sql
-- V9__reindex_orders.sql, with V9__reindex_orders.sql.conf: executeInTransaction=false
REINDEX INDEX CONCURRENTLY orders_user_id_idx;
```
A failed concurrent rebuild leaves an invalid `…_ccnew` index behind: drop it before retrying.
"#,
    convention: None,
    tag: None,
};

pub fn check(cx: &FileContext, sink: &mut Sink) {
    if cx.dialect() != Dialect::Postgres || cx.is_undo() || !cx.server.at_least(&[12]) {
        return;
    }
    for (i, (statement, op)) in cx.statements().enumerate() {
        if !matches!(
            op,
            Op::Reindex {
                concurrently: false,
                ..
            }
        ) {
            continue;
        }
        let tokens = cx.significant_tokens(statement);
        // REINDEX [ ( options ) ] [ VERBOSE ] kind name
        let mut at = 1;
        if tokens.get(at).is_some_and(|t| t.text(cx.text) == "(") {
            let mut depth = 0;
            while let Some(t) = tokens.get(at) {
                match t.text(cx.text) {
                    "(" => depth += 1,
                    ")" => depth -= 1,
                    _ => {}
                }
                at += 1;
                if depth == 0 {
                    break;
                }
            }
        }
        if tokens
            .get(at)
            .is_some_and(|t| t.is_keyword(cx.text, "VERBOSE"))
        {
            at += 1;
        }
        let Some(kind) = tokens.get(at).map(|t| t.text(cx.text).to_ascii_uppercase()) else {
            continue;
        };
        let target = name_in_statement(cx, &tokens, at + 1);
        let what = match kind.as_str() {
            "INDEX" | "TABLE" => {
                let Some(name) = target else { continue };
                if made_earlier_in_script(cx, i, &name) {
                    continue;
                }
                format!("{} {name}", kind.to_ascii_lowercase())
            }
            "SCHEMA" | "DATABASE" => match target {
                Some(name) => format!("every index of {} {name}", kind.to_ascii_lowercase()),
                None => "every index of the database".to_string(),
            },
            // SYSTEM has no concurrent form.
            _ => continue,
        };
        sink.statement(
            &RULE,
            cx,
            statement,
            format!(
                "REINDEX of {what} without CONCURRENTLY blocks writes to the table and nearly every read of it until the rebuild ends; on PostgreSQL 12+ use REINDEX … CONCURRENTLY in a migration of its own that runs without a transaction"
            ),
        );
    }
}
