use crate::config::Level;
use crate::rules::{FileContext, Rule, Sink};
use crate::sql::Dialect;

use super::{made_earlier_in_script, name_in_statement};

pub static RULE: Rule = Rule {
    id: "drop-object",
    category: "postgres",
    default_level: Level::Off,
    summary: "DROP VIEW / SEQUENCE / FUNCTION / PROCEDURE / TYPE / DOMAIN breaks code still using it (off by default)",
    doc: r#"## What it does
Flags `DROP VIEW`, `DROP MATERIALIZED VIEW`, `DROP SEQUENCE`, `DROP FUNCTION`, `DROP PROCEDURE`,
`DROP TYPE` and `DROP DOMAIN` of an object that was not created earlier in the same migration.
Off by default: a backward-compatibility policy for deployments where old and new application
versions run side by side. (Tables and columns have their own rules, `drop-table` and
`drop-column`.)

## Why is this bad?
Application code deployed before the migration (still running during a rolling deploy, or after
a rollback), reports and other services may still query the view, call the function or take
values from the sequence; they fail from the moment it is gone.

squawk and strong_migrations flag only dropped tables and columns (`drop-table` and `drop-column`
here).

## Example
```sql
DROP VIEW active_customers;
```

## Use instead
Deploy code that no longer uses the object first, then drop it in a later release, and suppress
the finding for that statement. To replace a view or function, `CREATE OR REPLACE` it instead.
"#,
    convention: None,
    tag: None,
};

const KINDS: &[&[&str]] = &[
    &["VIEW"],
    &["MATERIALIZED", "VIEW"],
    &["SEQUENCE"],
    &["FUNCTION"],
    &["PROCEDURE"],
    &["TYPE"],
    &["DOMAIN"],
];

pub fn check(cx: &FileContext, sink: &mut Sink) {
    if cx.dialect() != Dialect::Postgres || cx.is_undo() {
        return;
    }
    for (i, (statement, _)) in cx.statements().enumerate() {
        if !cx.mentions(statement, "DROP") {
            continue;
        }
        let tokens = cx.significant_tokens(statement);
        if !tokens
            .first()
            .is_some_and(|t| t.is_keyword(cx.text, "DROP"))
        {
            continue;
        }
        let Some(kind) = KINDS.iter().find(|kind| {
            kind.iter()
                .enumerate()
                .all(|(k, w)| tokens.get(k + 1).is_some_and(|t| t.is_keyword(cx.text, w)))
        }) else {
            continue;
        };
        let mut at = 1 + kind.len();
        if tokens.get(at).is_some_and(|t| t.is_keyword(cx.text, "IF")) {
            at += 2;
        }
        let Some(name) = name_in_statement(cx, &tokens, at) else {
            continue;
        };
        if made_earlier_in_script(cx, i, &name) || created_earlier(cx, i, kind, &name.name) {
            continue;
        }
        sink.statement(
            &RULE,
            cx,
            statement,
            format!(
                "Dropping {} {name}: code deployed before this migration that still uses it fails from now on",
                kind.join(" ").to_ascii_lowercase()
            ),
        );
    }
}

/// True when a statement before `index` creates an object of this kind and name
/// (`CREATE [OR REPLACE] … kind name`).
fn created_earlier(cx: &FileContext, index: usize, kind: &[&str], name: &str) -> bool {
    cx.statements().take(index).any(|(statement, _)| {
        if !cx.mentions(statement, "CREATE") {
            return false;
        }
        let tokens = cx.significant_tokens(statement);
        if !tokens
            .first()
            .is_some_and(|t| t.is_keyword(cx.text, "CREATE"))
        {
            return false;
        }
        let mut at = 1;
        while tokens.get(at).is_some_and(|t| {
            ["OR", "REPLACE", "TEMP", "TEMPORARY", "RECURSIVE"]
                .iter()
                .any(|w| t.is_keyword(cx.text, w))
        }) {
            at += 1;
        }
        let kind_matches = kind
            .iter()
            .enumerate()
            .all(|(k, w)| tokens.get(at + k).is_some_and(|t| t.is_keyword(cx.text, w)));
        if !kind_matches {
            return false;
        }
        at += kind.len();
        if tokens.get(at).is_some_and(|t| t.is_keyword(cx.text, "IF")) {
            at += 3;
        }
        name_in_statement(cx, &tokens, at).is_some_and(|n| *n.name == *name)
    })
}
