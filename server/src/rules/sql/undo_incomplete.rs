use std::collections::BTreeSet;

use crate::config::Level;
use crate::rules::{FileContext, Rule, Sink};
use crate::sql::facts::{AlterAction, ConstraintKind, Op};

pub static RULE: Rule = Rule {
    id: "undo-incomplete",
    category: "undo",
    default_level: Level::Warning,
    summary:
        "Undo migration that does not drop a table, column or index its versioned migration creates",
    doc: r#"## What it does
Compares an undo migration with the versioned migration of the same version and lists the
tables, columns and indexes the versioned migration creates that the undo migration neither drops
(directly, or by dropping their table) nor renames away.

## Why is this bad?
Running the undo leaves objects behind; running the versioned migration again then fails on
them ("already exists"), so the rollback cannot be rolled forward.

What the versioned migration creates with `IF NOT EXISTS` is not required: it may have existed
before (an undo that drops it would destroy it), and running the migration again does not fail
on it.

## Example
```sql
-- V3__add_lender_rate.sql
ALTER TABLE lender ADD COLUMN rate DECIMAL(5, 2);
CREATE INDEX idx_lender_rate ON lender (rate);
-- U3__add_lender_rate.sql
DROP INDEX IF EXISTS idx_lender_rate ON lender;
```

## Use instead
```sql
-- U3__add_lender_rate.sql
DROP INDEX IF EXISTS idx_lender_rate ON lender;
ALTER TABLE lender DROP COLUMN IF EXISTS rate;
```
"#,
    convention: None,
    tag: None,
};

pub fn check(cx: &FileContext, sink: &mut Sink) {
    let (Some((versioned, versioned_sql)), true) = (cx.undo_target, cx.is_undo()) else {
        return;
    };
    // What the versioned migration creates.
    let mut tables = BTreeSet::new();
    let mut columns = BTreeSet::new();
    let mut indexes = BTreeSet::new();
    for s in &versioned_sql.statements {
        match &s.parsed.op {
            // What is created only `IF NOT EXISTS` may have existed before (the undo must then
            // leave it), and running the migration again does not fail on it.
            Op::CreateTable {
                table,
                if_not_exists: false,
                ..
            } => {
                tables.insert(table.name.to_string());
            }
            Op::CreateIndex {
                name: Some(name),
                if_not_exists: false,
                ..
            } => {
                indexes.insert(name.name.to_string());
            }
            Op::AlterTable { table, actions, .. } => {
                for action in actions.iter() {
                    match action {
                        AlterAction::AddColumn {
                            column,
                            if_not_exists: false,
                        } => {
                            columns.insert((table.name.to_string(), column.name.clone()));
                        }
                        AlterAction::AddConstraint { constraint, .. }
                            if matches!(
                                constraint.kind,
                                ConstraintKind::Index | ConstraintKind::Unique
                            ) =>
                        {
                            if let Some(name) = &constraint.name {
                                indexes.insert(name.clone());
                            }
                        }
                        _ => {}
                    }
                }
            }
            _ => {}
        }
    }
    // What the undo migration removes.
    let mut dropped_tables = BTreeSet::new();
    let mut dropped_columns = BTreeSet::new();
    let mut dropped_indexes = BTreeSet::new();
    let mut unknown = false;
    for s in &cx.sql.statements {
        match &s.parsed.op {
            Op::DropTable { names, .. } => {
                dropped_tables.extend(names.iter().map(|n| n.name.to_string()))
            }
            Op::RenameTable { pairs } => {
                dropped_tables.extend(pairs.iter().map(|(from, _)| from.name.to_string()))
            }
            Op::DropIndex { names, .. } => {
                dropped_indexes.extend(names.iter().map(|n| n.name.to_string()))
            }
            Op::AlterTable { table, actions, .. } => {
                for action in actions.iter() {
                    match action {
                        AlterAction::DropColumn { names, .. } => dropped_columns
                            .extend(names.iter().map(|c| (table.name.to_string(), c.clone()))),
                        AlterAction::RenameColumn { from, .. }
                        | AlterAction::ChangeColumn { from, .. } => {
                            dropped_columns.insert((table.name.to_string(), from.clone()));
                        }
                        AlterAction::DropIndex { name }
                        | AlterAction::DropConstraint { name, .. } => {
                            dropped_indexes.insert(name.clone());
                        }
                        AlterAction::RenameTo { .. } => {
                            dropped_tables.insert(table.name.to_string());
                        }
                        AlterAction::Other(_) => unknown = true,
                        _ => {}
                    }
                }
            }
            Op::Routine | Op::Other { .. } => unknown = true,
            _ => {}
        }
    }
    if unknown {
        return;
    }
    let mut missing = Vec::new();
    missing.extend(
        tables
            .iter()
            .filter(|t| !dropped_tables.contains(*t))
            .map(|t| format!("table {t}")),
    );
    missing.extend(
        columns
            .iter()
            .filter(|(t, c)| {
                !dropped_tables.contains(t)
                    && !tables.contains(t)
                    && !dropped_columns.contains(&(t.clone(), c.clone()))
            })
            .map(|(t, c)| format!("column {t}.{c}")),
    );
    missing.extend(indexes.iter().filter(|i| !dropped_indexes.contains(*i)).filter(|i| {
        // An index goes with its table.
        !versioned_sql.statements.iter().any(|s| matches!(&s.parsed.op,
            Op::CreateIndex { name: Some(n), table, .. } if *n.name == **i && dropped_tables.contains(&*table.name)))
    }).map(|i| format!("index {i}")));
    if missing.is_empty() {
        return;
    }
    let Some(first) = cx.sql.statements.first() else {
        sink.file(
            &RULE,
            cx.file,
            format!(
                "Undo migration is empty but {} creates {}",
                versioned.file_name,
                missing.join(", ")
            ),
        );
        return;
    };
    sink.statement(
        &RULE,
        cx,
        first,
        format!(
            "This undo migration does not remove {} created by {}",
            missing.join(", "),
            versioned.file_name
        ),
    );
}
