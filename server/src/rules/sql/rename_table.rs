use crate::config::Level;
use crate::diagnostic::TextRange;
use crate::rules::{FileContext, Rule, Sink};
use crate::sql::facts::{AlterAction, Op};

use super::existing_table;

pub static RULE: Rule = Rule {
    id: "rename-table",
    category: "both",
    default_level: Level::Warning,
    summary: "Renaming a table breaks the application version still running",
    doc: r#"## What it does
Flags `ALTER TABLE … RENAME TO …` and MySQL's `RENAME TABLE a TO b` for tables that existed before
this migration.

## Why is this bad?
The running application still queries the old name, and fails until every instance is replaced.

## Example
```sql
ALTER TABLE users RENAME TO accounts;
```

## Use instead
Create the new table (or a view with the new name), migrate readers and writers in steps, and
drop the old name in a later release.
"#,
    convention: None,
    tag: None,
};

pub fn check(cx: &FileContext, sink: &mut Sink) {
    if cx.is_undo() {
        return;
    }
    for (i, (statement, op)) in cx.statements().enumerate() {
        // Each rename with its clause: `RENAME TO b`, or `a TO b` of `RENAME TABLE a TO b, …`.
        let renames: Vec<(String, String, TextRange)> = match op {
            Op::AlterTable { table, actions, .. } if existing_table(cx, i, table) => actions
                .iter()
                .filter_map(|a| match a {
                    AlterAction::RenameTo { to } => {
                        Some((table.to_string(), to.to_string(), cx.action(statement, a)))
                    }
                    _ => None,
                })
                .collect(),
            Op::RenameTable { pairs } => pairs
                .iter()
                .filter(|(from, _)| existing_table(cx, i, from))
                .map(|(a, b)| {
                    let range = cx.clause(statement, "{} TO {}", &[&a.name, &b.name]);
                    (a.to_string(), b.to_string(), range)
                })
                .collect(),
            _ => continue,
        };
        for (from, to, range) in renames {
            sink.range(
                &RULE,
                cx,
                range,
                format!(
                    "Renaming table {from} to {to} breaks the application version still running; migrate to the new name in steps"
                ),
            );
        }
    }
}
