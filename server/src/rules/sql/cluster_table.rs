use crate::config::Level;
use crate::rules::{FileContext, Rule, Sink};
use crate::sql::Dialect;

use super::{made_earlier_in_script, name_in_statement};

pub static RULE: Rule = Rule {
    id: "cluster-table",
    category: "postgres",
    default_level: Level::Warning,
    summary: "CLUSTER rewrites the table under an ACCESS EXCLUSIVE lock",
    doc: r#"## What it does
Flags the `CLUSTER` command in versioned migrations, unless the table it names was created
earlier in the same migration. (`ALTER TABLE … CLUSTER ON index` only records the index and is
not flagged.)

## Why is this bad?
`CLUSTER` writes a new copy of the table in index order, and of its indexes, holding an ACCESS
EXCLUSIVE lock for the whole copy: no query can read or write the table until it finishes. A bare
`CLUSTER` does this to every table that was clustered before.

squawk and strong_migrations have no equivalent rule; eugene's lock tracing (`eugene trace`)
reports the ACCESS EXCLUSIVE lock.

## Example
```sql
CLUSTER orders USING orders_created_idx;
```

## Use instead
Cluster by hand in a maintenance window, or online with `pg_repack --order-by`; in a migration,
at most record the index with `ALTER TABLE orders CLUSTER ON orders_created_idx`.
"#,
    convention: None,
    tag: None,
};

pub fn check(cx: &FileContext, sink: &mut Sink) {
    if cx.dialect() != Dialect::Postgres || cx.is_undo() {
        return;
    }
    for (i, (statement, _)) in cx.statements().enumerate() {
        if !cx.starts_with(statement, "CLUSTER") {
            continue;
        }
        let tokens = cx.significant_tokens(statement);
        if !tokens
            .first()
            .is_some_and(|t| t.is_keyword(cx.text, "CLUSTER"))
        {
            continue;
        }
        // CLUSTER [ ( options ) | VERBOSE ] [ table [ USING index ] ], or the old
        // CLUSTER index ON table.
        let mut at = 1;
        if tokens.get(at).is_some_and(|t| t.text(cx.text) == "(") {
            while tokens.get(at).is_some_and(|t| t.text(cx.text) != ")") {
                at += 1;
            }
            at += 1;
        }
        if tokens
            .get(at)
            .is_some_and(|t| t.is_keyword(cx.text, "VERBOSE"))
        {
            at += 1;
        }
        let table = match tokens.iter().position(|t| t.is_keyword(cx.text, "ON")) {
            Some(on) => name_in_statement(cx, &tokens, on + 1),
            None => name_in_statement(cx, &tokens, at),
        };
        let what = match &table {
            Some(table) if made_earlier_in_script(cx, i, table) => continue,
            Some(table) => format!("table {table}"),
            None => "every table clustered before".to_string(),
        };
        sink.statement(
            &RULE,
            cx,
            statement,
            format!(
                "CLUSTER rewrites {what} under an ACCESS EXCLUSIVE lock, blocking every query on it until the copy ends; cluster by hand (or with pg_repack) outside the migration"
            ),
        );
    }
}
