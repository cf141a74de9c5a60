use crate::config::Level;
use crate::rules::{FileContext, Rule, Sink};
use crate::sql::facts::{AlterAction, Name, Op};

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
    tag: None,
};

pub fn check(cx: &FileContext, sink: &mut Sink) {
    if cx.is_undo() {
        return;
    }
    for (index, statement, table, action) in existing_table_actions(cx) {
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
        // A column this script added (the swap idiom: add `c_new`, backfill, drop `c`, rename
        // `c_new` to `c`): no running application version knows its name.
        if added_before(cx, index, table, from) {
            continue;
        }
        sink.range(
            &RULE,
            cx,
            cx.action(statement, action),
            format!(
                "Renaming {table}.{from} to {to} breaks queries of the application version still running; add the new column and migrate in steps instead"
            ),
        );
    }
}

/// True when a statement before `index` in this script added column `column` to `table`.
fn added_before(cx: &FileContext, index: usize, table: &Name, column: &str) -> bool {
    let mysql = cx.dialect() == crate::sql::Dialect::MySql;
    let same = |a: &str, b: &str| {
        if mysql {
            a.eq_ignore_ascii_case(b)
        } else {
            a == b
        }
    };
    cx.statements().take(index).any(|(_, op)| match op {
        Op::AlterTable {
            table: t, actions, ..
        } if same(&t.name, &table.name) => actions.iter().any(
            |a| matches!(a, AlterAction::AddColumn { column: c, .. } if same(&c.name, column)),
        ),
        _ => false,
    })
}
