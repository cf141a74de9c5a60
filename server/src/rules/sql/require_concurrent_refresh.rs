use crate::config::Level;
use crate::rules::{FileContext, Rule, Sink};
use crate::sql::Dialect;

use super::{made_earlier_in_script, name_in_statement};

pub static RULE: Rule = Rule {
    id: "require-concurrent-refresh",
    category: "postgres",
    default_level: Level::Warning,
    summary:
        "REFRESH MATERIALIZED VIEW without CONCURRENTLY blocks every read of the view while it runs",
    doc: r#"## What it does
Flags `REFRESH MATERIALIZED VIEW name` without `CONCURRENTLY` on a materialized view that existed
before the migration. A view created earlier in the same migration is not flagged, nor is
`… WITH NO DATA` (which only empties the view and cannot be concurrent).

## Why is this bad?
A plain refresh re-runs the view's query and swaps the result in under an ACCESS EXCLUSIVE lock
on the view: every query reading it waits for the whole refresh, and everything queued behind
them waits too. `REFRESH MATERIALIZED VIEW CONCURRENTLY` (PostgreSQL 9.4+) builds the new
contents beside the old and lets reads continue.

squawk, strong_migrations and Atlas have no equivalent rule; eugene's lock tracing (`eugene
trace`) reports the ACCESS EXCLUSIVE lock.

## Example
```sql
REFRESH MATERIALIZED VIEW order_totals;
```

## Use instead
```sql
-- needs a UNIQUE index on the view, on plain columns, without WHERE
CREATE UNIQUE INDEX IF NOT EXISTS order_totals_key ON order_totals (customer_id);
REFRESH MATERIALIZED VIEW CONCURRENTLY order_totals;
```
"#,
    convention: None,
    tag: None,
};

pub fn check(cx: &FileContext, sink: &mut Sink) {
    if cx.dialect() != Dialect::Postgres || cx.is_undo() || !cx.server.at_least(&[9, 4]) {
        return;
    }
    for (i, (statement, _)) in cx.statements().enumerate() {
        if !cx.starts_with(statement, "REFRESH") {
            continue;
        }
        let tokens = cx.significant_tokens(statement);
        let starts = ["REFRESH", "MATERIALIZED", "VIEW"]
            .iter()
            .enumerate()
            .all(|(k, w)| tokens.get(k).is_some_and(|t| t.is_keyword(cx.text, w)));
        if !starts
            || tokens
                .get(3)
                .is_some_and(|t| t.is_keyword(cx.text, "CONCURRENTLY"))
        {
            continue;
        }
        let no_data = tokens
            .windows(2)
            .any(|w| w[0].is_keyword(cx.text, "NO") && w[1].is_keyword(cx.text, "DATA"));
        let Some(view) = name_in_statement(cx, &tokens, 3) else {
            continue;
        };
        if no_data || made_earlier_in_script(cx, i, &view) {
            continue;
        }
        sink.statement(
            &RULE,
            cx,
            statement,
            format!(
                "REFRESH MATERIALIZED VIEW {view} without CONCURRENTLY holds an ACCESS EXCLUSIVE lock on the view, blocking every read of it until the refresh ends; refresh CONCURRENTLY (it needs a unique index on the view)"
            ),
        );
    }
}
