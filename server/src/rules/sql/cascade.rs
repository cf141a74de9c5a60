use crate::config::Level;
use crate::rules::{FileContext, Rule, Sink};
use crate::sql::facts::Op;
use crate::sql::Dialect;

pub static RULE: Rule = Rule {
    id: "cascade",
    category: "postgres",
    default_level: Level::Warning,
    summary: "DROP … CASCADE / TRUNCATE … CASCADE also drops or empties objects the statement does not name",
    doc: r#"## What it does
Flags `CASCADE` on `DROP TABLE`, `DROP VIEW`, `DROP FUNCTION` and the other `DROP` commands, on
`ALTER TABLE … DROP COLUMN / DROP CONSTRAINT`, and on `TRUNCATE` (PostgreSQL). `ON DELETE CASCADE`
in a foreign key is not this and is not flagged; `DROP SCHEMA … CASCADE` is left to
`drop-database`. MySQL accepts `CASCADE` on `DROP TABLE` and ignores it, so MySQL is not checked.

## Why is this bad?
`CASCADE` tells PostgreSQL to go on past the objects the statement names: `DROP … CASCADE` also
drops every view, foreign key, default, trigger or function that depends on them, and
`TRUNCATE … CASCADE` also empties every table with a foreign key to them (and, recursively,
theirs). None of those appear in the migration; whatever depends on the object in production,
which may differ from development, goes silently with it.

Corresponds to squawk's `ban-truncate-cascade` (for `TRUNCATE`).

## Example
```sql
DROP TABLE legacy_orders CASCADE;
TRUNCATE audit_log CASCADE;
```

## Use instead
Drop or empty the dependent objects by name first, then the object itself without `CASCADE`
(`RESTRICT`, the default, makes PostgreSQL refuse if anything still depends on it):
```sql
DROP VIEW legacy_order_totals;
ALTER TABLE invoices DROP CONSTRAINT invoices_order_fk;
DROP TABLE legacy_orders;
```
"#,
    convention: None,
    tag: None,
};

pub fn check(cx: &FileContext, sink: &mut Sink) {
    if cx.dialect() != Dialect::Postgres || cx.is_undo() {
        return;
    }
    for (statement, op) in cx.statements() {
        // Only a TRUNCATE, an ALTER TABLE or a DROP is judged (below): the others are not
        // searched for the word.
        let judged = matches!(op, Op::Truncate { .. } | Op::AlterTable { .. })
            || cx.starts_with(statement, "DROP");
        if !judged || !cx.mentions(statement, "CASCADE") {
            continue;
        }
        let tokens = cx.significant_tokens(statement);
        let word = |k: usize| tokens.get(k).map(|t| t.text(cx.text)).unwrap_or("");
        let (what, reach) = match op {
            Op::Truncate { .. } => (
                "TRUNCATE … CASCADE",
                "also empties every table with a foreign key to it, and theirs in turn",
            ),
            Op::AlterTable { .. } => (
                "ALTER TABLE … DROP … CASCADE",
                "also drops every view, foreign key or index that depends on what it drops",
            ),
            // Every DROP (functions, types, … are not all modelled), but schemas and databases.
            _ if word(0).eq_ignore_ascii_case("DROP")
                && !["SCHEMA", "DATABASE"]
                    .iter()
                    .any(|w| word(1).eq_ignore_ascii_case(w)) =>
            {
                (
                    "DROP … CASCADE",
                    "also drops every view, foreign key, trigger or function that depends on it",
                )
            }
            _ => continue,
        };
        let cascade = tokens.iter().enumerate().find(|(k, t)| {
            t.is_keyword(cx.text, "CASCADE")
                && !k
                    .checked_sub(1)
                    .and_then(|p| tokens.get(p))
                    .is_some_and(|p| {
                        p.is_keyword(cx.text, "DELETE") || p.is_keyword(cx.text, "UPDATE")
                    })
        });
        let Some((_, cascade)) = cascade else {
            continue;
        };
        // In ALTER TABLE, only a CASCADE that ends a DROP COLUMN / DROP CONSTRAINT.
        if matches!(op, Op::AlterTable { .. })
            && !tokens.iter().any(|t| t.is_keyword(cx.text, "DROP"))
        {
            continue;
        }
        sink.range(
            &RULE,
            cx,
            crate::diagnostic::TextRange::new(cascade.start, cascade.end),
            format!(
                "{what} {reach}, none of which this migration names; drop or empty the dependent objects by name first, then this one without CASCADE"
            ),
        );
    }
}
