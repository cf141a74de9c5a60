use crate::config::Level;
use crate::rules::{FileContext, Rule, Sink};
use crate::sql::facts::AlterAction;

use super::existing_table_actions;

pub static RULE: Rule = Rule {
    id: "rename-column",
    category: "both",
    default_level: Level::Warning,
    summary: "RENAME COLUMN (or MySQL CHANGE with a new name) breaks the application version still running",
    doc: r#"## What it does
Flags renaming a column of an existing table: `RENAME COLUMN a TO b`, and MySQL's
`CHANGE a b …` when the name changes.

## Why is this bad?
During a deployment the old application version keeps running against the migrated schema; every
query that names the old column fails until all instances are replaced.

## Example
```sql
ALTER TABLE users RENAME COLUMN name TO full_name;
```

## Use instead
Expand and contract: add the new column, write to both, backfill, switch reads, then drop the old
column in a later release.
"#,
    convention: None,
};

pub fn check(cx: &FileContext, sink: &mut Sink) {
    if cx.is_undo() {
        return;
    }
    for (_, statement, table, action) in existing_table_actions(cx) {
        let (from, to) = match action {
            AlterAction::RenameColumn { from, to } => (from, to),
            // MySQL column names ignore case: ``CHANGE `level_Id` `level_id` `` renames nothing.
            AlterAction::ChangeColumn { from, column }
                if from.to_lowercase() != column.name.to_lowercase() =>
            {
                (from, &column.name)
            }
            _ => continue,
        };
        sink.statement(
            &RULE,
            cx,
            statement,
            format!(
                "Renaming {table}.{from} to {to} breaks queries of the application version still running; add the new column and migrate in steps instead"
            ),
        );
    }
}
