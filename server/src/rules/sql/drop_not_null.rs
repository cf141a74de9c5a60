use crate::config::Level;
use crate::rules::{FileContext, Rule, Sink};
use crate::sql::facts::AlterAction;
use crate::sql::Dialect;

use super::existing_table_actions;

pub static RULE: Rule = Rule {
    id: "drop-not-null",
    category: "postgres",
    default_level: Level::Off,
    summary: "DROP NOT NULL lets new code write NULLs that the running code does not expect (off by default)",
    doc: r#"## What it does
Flags `ALTER TABLE … ALTER COLUMN … DROP NOT NULL` on a table that existed before the migration.
Off by default: a backward-compatibility policy for deployments where old and new application
versions run side by side.

## Why is this bad?
The change is instant, but from then on the column may hold NULLs. Application code deployed
before the migration (still running during a rolling deploy, or after a rollback) reads the
column as never null and may fail on the first NULL the new code writes.

Corresponds to squawk's `ban-drop-not-null`.

## Example
```sql
ALTER TABLE users ALTER COLUMN email DROP NOT NULL;
```

## Use instead
First deploy code that handles NULL in the column, then drop the constraint in a later release.
Suppress the finding (`-- flyway-lsp-ignore drop-not-null`) once that is the case.
"#,
    convention: None,
    tag: None,
};

pub fn check(cx: &FileContext, sink: &mut Sink) {
    if cx.dialect() != Dialect::Postgres || cx.is_undo() {
        return;
    }
    for (_, statement, table, action) in existing_table_actions(cx) {
        let AlterAction::DropNotNull { column } = action else {
            continue;
        };
        sink.range(
            &RULE,
            cx,
            cx.action(statement, action),
            format!(
                "Dropping NOT NULL on {table}.{column} lets NULLs in; code deployed before this migration that reads the column as never null may fail on them"
            ),
        );
    }
}
