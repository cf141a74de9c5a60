use crate::config::Level;
use crate::rules::{FileContext, Rule, Sink};
use crate::sql::facts::AlterAction;

use super::existing_table_actions;

pub static RULE: Rule = Rule {
    id: "drop-column",
    category: "both",
    default_level: Level::Warning,
    summary: "DROP COLUMN loses data and breaks the application version still running",
    doc: r#"## What it does
Flags `ALTER TABLE … DROP COLUMN` on an existing table in versioned migrations (undo migrations
are meant to drop things).

## Why is this bad?
The data is gone, and queries of the running application that still use the column fail. On
MySQL the table is rebuilt.

## Example
```sql
ALTER TABLE users DROP COLUMN legacy_flag;
```

## Use instead
Stop using the column in the application first, release, then drop it in a later migration, with
a backup if the data may be needed.
"#,
    convention: None,
    tag: None,
};

pub fn check(cx: &FileContext, sink: &mut Sink) {
    if cx.is_undo() {
        return;
    }
    for (_, statement, table, action) in existing_table_actions(cx) {
        if let AlterAction::DropColumn { names, .. } = action {
            sink.range(
                &RULE,
                cx,
                cx.action(statement, action),
                format!(
                    "Dropping column {} of {table} deletes its data and breaks the application version still using it; remove it from the code first",
                    names.join(", ")
                ),
            );
        }
    }
}
