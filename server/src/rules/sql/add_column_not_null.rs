use crate::config::Level;
use crate::rules::{FileContext, Rule, Sink};
use crate::sql::facts::AlterAction;
use crate::sql::Dialect;

use super::existing_table_actions;

pub static RULE: Rule = Rule {
    id: "add-column-not-null-without-default",
    category: "both",
    default_level: Level::Error,
    summary: "ADD COLUMN … NOT NULL without a DEFAULT on an existing table",
    doc: r#"## What it does
Flags `ALTER TABLE … ADD COLUMN … NOT NULL` without a `DEFAULT` (and not generated, identity or
auto-increment) on a table that existed before this migration.

## Why is this bad?
PostgreSQL fails the migration as soon as the table has a row ("column contains null values").
MySQL and MariaDB silently fill existing rows with an implicit default (0, '' or a zero date,
which strict modes then reject in other statements): data nobody chose.

## Example
```sql
ALTER TABLE users ADD COLUMN status text NOT NULL;
```

## Use instead
```sql
ALTER TABLE users ADD COLUMN status text NOT NULL DEFAULT 'active';
```
or add it nullable, backfill in batches, then add the NOT NULL constraint safely.
"#,
    convention: None,
};

pub fn check(cx: &FileContext, sink: &mut Sink) {
    if cx.is_undo() {
        return;
    }
    for (_, statement, table, action) in existing_table_actions(cx) {
        let AlterAction::AddColumn { column, .. } = action else {
            continue;
        };
        if column.not_null && column.default.is_none() && !column.generated {
            let consequence = match cx.dialect() {
                Dialect::Postgres => "fails as soon as the table has rows",
                Dialect::MySql => {
                    "fills existing rows with an implicit default (0, '' or a zero date)"
                }
            };
            sink.statement(
                &RULE,
                cx,
                statement,
                format!(
                    "Adding NOT NULL column {}.{} without a DEFAULT {consequence}; add a DEFAULT, or add the column nullable and backfill it first",
                    table, column.name
                ),
            );
        }
    }
}
