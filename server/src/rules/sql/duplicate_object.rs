use crate::config::Level;
use crate::rules::{FileContext, Rule, Sink};
use crate::schema::{Catalog, Origin};
use crate::sql::facts::{AlterAction, Op};

pub static RULE: Rule = Rule {
    id: "duplicate-object",
    category: "schema",
    default_level: Level::Error,
    summary: "Table, index or column created again (in this or an earlier migration)",
    doc: r#"## What it does
Replays every migration in version order and flags `CREATE TABLE`, `CREATE INDEX` and
`ADD COLUMN` (without `IF NOT EXISTS`) of an object that already exists at that point, naming the
migration that created it first. This is the "duplicate operations" / "schema conflicts" check,
across files. Objects that dynamic code (routines, `DO` blocks, `PREPARE`) may have dropped are
not flagged.

## Why is this bad?
The migration fails ("already exists"). It typically happens when two branches add the same
table or index, or a change is copied into a new migration without removing the old one.

## Example
```sql
-- V3: CREATE INDEX idx_lender_name ON lender (name);
CREATE INDEX idx_lender_name ON lender (name);   -- V7
```

## Use instead
Remove the duplicate, or give the new object another name.
"#,
    convention: None,
    tag: None,
};

fn describe(origin: &Origin) -> String {
    origin
        .path()
        .file_name()
        .map(|f| f.to_string_lossy().into_owned())
        .unwrap_or_else(|| origin.migration().to_string())
}

pub fn check(cx: &FileContext, index: usize, catalog: &Catalog, sink: &mut Sink) {
    if cx.is_undo() {
        return;
    }
    let statement = &cx.sql.statements[index];
    let mut found = Vec::new();
    match &statement.parsed.op {
        Op::CreateTable {
            table,
            if_not_exists: false,
            ..
        } => {
            if let Some(existing) = catalog
                .table(table)
                .filter(|t| !t.maybe_gone && !catalog.touched_by_dynamic_sql(&table.name))
            {
                found.push((
                    format!(
                        "Table {table} already exists (created by {})",
                        describe(&existing.origin)
                    ),
                    cx.clause(statement, "CREATE … TABLE … {}", &[&table.name]),
                ));
            }
        }
        Op::CreateIndex {
            name: Some(name),
            if_not_exists: false,
            ..
        } => {
            if let Some(existing) = catalog
                .index(&name.name)
                .filter(|i| !i.maybe_gone && !catalog.touched_by_dynamic_sql(&name.name))
            {
                found.push((
                    format!(
                        "Index {name} already exists (created by {})",
                        describe(&existing.origin)
                    ),
                    cx.clause(statement, "CREATE … INDEX … {}", &[&name.name]),
                ));
            }
        }
        Op::AlterTable { table, actions, .. } => {
            // A table dynamic code or an unparsed change may have altered, or that a migration
            // the model cannot read may have dropped: its columns are not known for sure.
            if let Some(t) = catalog
                .table(table)
                .filter(|t| !t.uncertain && !t.maybe_gone)
            {
                for action in actions.iter() {
                    if let AlterAction::AddColumn {
                        column,
                        if_not_exists: false,
                    } = action
                    {
                        if let Some(existing) = t.column(&column.name) {
                            found.push((
                                format!(
                                    "Column {table}.{} already exists (created by {})",
                                    column.name,
                                    describe(&existing.origin)
                                ),
                                cx.action(statement, action),
                            ));
                        }
                    }
                }
            }
        }
        _ => {}
    }
    // Each with what it is about: the name created again, or the ADD COLUMN clause.
    for (message, range) in found {
        sink.range(&RULE, cx, range, format!("{message}; this statement fails"));
    }
}
