use crate::config::Level;
use crate::rules::{FileContext, Rule, Sink};
use crate::schema::Catalog;
use crate::sql::facts::{AlterAction, Op};

pub static RULE: Rule = Rule {
    id: "unknown-column",
    category: "schema",
    default_level: Level::Warning,
    summary: "ALTER TABLE on a column that the table does not have at that point",
    doc: r#"## What it does
Replays every migration in version order and flags `DROP COLUMN` (without `IF EXISTS`),
`RENAME COLUMN`, `ALTER COLUMN` and MySQL `CHANGE` / `MODIFY` of a column the table does not have
at that point. Tables changed by statements the model cannot follow are skipped.

## Why is this bad?
The migration fails on every database: usually a typo, or a column renamed or dropped by an
earlier migration.

## Example
```sql
-- V1: CREATE TABLE users (id bigint, email text);
ALTER TABLE users ALTER COLUMN e_mail SET NOT NULL;
```

## Use instead
```sql
ALTER TABLE users ALTER COLUMN email SET NOT NULL;
```
"#,
    convention: None,
    tag: None,
};

pub fn check(cx: &FileContext, index: usize, catalog: &Catalog, sink: &mut Sink) {
    if cx.is_undo() {
        return;
    }
    let statement = &cx.sql.statements[index];
    let Op::AlterTable { table, actions, .. } = &statement.parsed.op else {
        return;
    };
    // Columns only added: none it names need exist (the table is not looked up).
    if actions
        .iter()
        .all(|a| matches!(a, AlterAction::AddColumn { .. }))
    {
        return;
    }
    let Some(known) = catalog.table(table).filter(|t| !t.uncertain) else {
        return;
    };
    // Columns added by earlier actions of the same statement count.
    let mut added: Vec<&str> = Vec::new();
    for action in actions.iter() {
        let column = match action {
            AlterAction::AddColumn { column, .. } => {
                added.push(&column.name);
                continue;
            }
            AlterAction::DropColumn {
                names,
                if_exists: false,
            } => names.iter().map(String::as_str).collect(),
            AlterAction::RenameColumn { from, .. } | AlterAction::ChangeColumn { from, .. } => {
                vec![from.as_str()]
            }
            AlterAction::SetNotNull { column }
            | AlterAction::DropNotNull { column }
            | AlterAction::SetDefault { column, .. }
            | AlterAction::DropDefault { column }
            | AlterAction::SetType { column, .. } => vec![column.as_str()],
            _ => continue,
        };
        for name in column {
            if known.column(name).is_none()
                && !added
                    .iter()
                    .any(|a| catalog.folded(a) == catalog.folded(name))
            {
                sink.range(
                    &RULE,
                    cx,
                    cx.action(statement, action),
                    format!(
                        "Table {table} has no column {name} at this point (created by {}, columns: {})",
                        known.origin.path().file_name().map(|f| f.to_string_lossy().into_owned()).unwrap_or_default(),
                        known.columns.iter().map(|c| c.spec.name.as_str()).collect::<Vec<_>>().join(", ")
                    ),
                );
            }
        }
    }
}
