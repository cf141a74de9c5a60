use crate::config::Level;
use crate::rules::{FileContext, Rule, Sink};
use crate::schema::Catalog;
use crate::sql::facts::{AlterAction, Op};

pub static RULE: Rule = Rule {
    id: "unknown-index",
    category: "schema",
    default_level: Level::Warning,
    summary: "DROP INDEX of an index that no earlier migration creates",
    doc: r#"## What it does
Replays every migration in version order and flags `DROP INDEX` (without `IF EXISTS`) and MySQL
`ALTER TABLE … DROP INDEX` of an index that does not exist at that point: one an earlier statement
dropped, or one that no migration creates when every table the set uses was created by the set.
The schema a set starts from is unknown: once a migration uses a table it did not create (a
baseline, a restored dump), that table's indexes are unknown too. Indexes MySQL names after
their first column, and anything after statements the model cannot follow (dynamic code whose
names cannot be told, Java migrations), are not flagged. Nor is an index whose name dynamic code
(routines, `DO` blocks, `PREPARE`, calls of routines that build statements) writes, string
literals included: that code may have created it.

## Why is this bad?
The migration fails on every database where the index is missing: usually a typo, or an index
already dropped or renamed by an earlier migration.

## Example
```sql
-- V3: CREATE INDEX idx_lender_name ON lender (name);
DROP INDEX idx_lender_nmae ON lender;
```

## Use instead
```sql
DROP INDEX idx_lender_name ON lender;
```
"#,
    convention: None,
    tag: None,
};

pub fn check(cx: &FileContext, index: usize, catalog: &Catalog, sink: &mut Sink) {
    if cx.is_undo() || catalog.is_uncertain() {
        return;
    }
    let statement = &cx.sql.statements[index];
    let names: Vec<&str> = match &statement.parsed.op {
        Op::DropIndex {
            names,
            if_exists: false,
            ..
        } => names.iter().map(|n| &*n.name).collect(),
        Op::AlterTable { actions, .. } => actions
            .iter()
            .filter_map(|a| match a {
                AlterAction::DropIndex { name } => Some(name.as_str()),
                _ => None,
            })
            .collect(),
        _ => return,
    };
    // A table the set did not create (or cannot follow) has indexes the model does not know
    // (looked up only for a statement that drops an index: most statements do not).
    if names.is_empty()
        || statement
            .parsed
            .op
            .tables()
            .iter()
            .any(|t| catalog.table(t).is_none_or(|t| t.uncertain))
    {
        return;
    }
    for name in names {
        // Not surely missing: it exists, may exist (from before the set, or made by dynamic
        // code that names it), or the model cannot tell.
        let known = !catalog.surely_missing_index(name)
            // MySQL names an unnamed index after its first column; PostgreSQL names constraint
            // indexes itself: neither is in the model, so do not guess.
            || catalog.tables().any(|t| t.uncertain || t.column(name).is_some())
            || name.ends_with("_pkey")
            || name.ends_with("_key");
        if !known {
            sink.range(
                &RULE,
                cx,
                cx.clause(statement, "{}", &[name]),
                format!(
                    "Index {name} does not exist at this point: no earlier migration creates it, or one dropped it"
                ),
            );
        }
    }
}
