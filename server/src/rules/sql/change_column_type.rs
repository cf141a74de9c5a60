use crate::config::Level;
use crate::rules::{FileContext, Rule, Sink};
use crate::sql::facts::AlterAction;
use crate::sql::Dialect;

use super::existing_table_actions;

pub static RULE: Rule = Rule {
    id: "change-column-type",
    category: "postgres",
    default_level: Level::Warning,
    summary:
        "ALTER COLUMN … TYPE usually rewrites the table under an ACCESS EXCLUSIVE lock (PostgreSQL)",
    doc: r#"## What it does
Flags `ALTER TABLE … ALTER COLUMN … TYPE` on an existing table. Changes PostgreSQL makes without
a rewrite (to `text`, or to a longer `varchar`) are not flagged.

## Why is this bad?
Most type changes rewrite the table and rebuild its indexes while holding an ACCESS EXCLUSIVE
lock: no reads or writes until it finishes. Running application code may also break on the new
type.

## Example
```sql
ALTER TABLE orders ALTER COLUMN total TYPE numeric(14, 2);
```

## Use instead
Add a new column, backfill it in batches, switch the application, then drop the old column.
"#,
    convention: None,
    tag: None,
};

pub fn check(cx: &FileContext, sink: &mut Sink) {
    if cx.dialect() != Dialect::Postgres || cx.is_undo() {
        return;
    }
    for (_, statement, table, action) in existing_table_actions(cx) {
        let AlterAction::SetType { column, data_type } = action else {
            continue;
        };
        // Binary-compatible targets that need no rewrite.
        if data_type == "TEXT" || (is_varchar(data_type) && widening(cx, table, column, data_type))
        {
            continue;
        }
        sink.statement(
            &RULE,
            cx,
            statement,
            format!(
                "Changing {table}.{column} to {data_type} rewrites the table under an ACCESS EXCLUSIVE lock; add a new column and backfill it instead"
            ),
        );
    }
}

/// `VARCHAR` in either spelling (`CHARACTER VARYING`), with or without a length.
fn is_varchar(data_type: &str) -> bool {
    data_type.starts_with("VARCHAR") || data_type.starts_with("CHARACTER VARYING")
}

/// True when the schema model knows the column is a shorter VARCHAR (no rewrite needed).
fn widening(
    cx: &FileContext,
    table: &crate::sql::facts::Name,
    column: &str,
    new_type: &str,
) -> bool {
    let Some(old) = cx
        .schema
        .table(table)
        .and_then(|t| t.column(column))
        .map(|c| c.spec.data_type.clone())
    else {
        return false;
    };
    let length = |t: &str| -> Option<u64> {
        t.strip_prefix("VARCHAR(")
            .or_else(|| t.strip_prefix("CHARACTER VARYING("))?
            .trim_end_matches(')')
            .parse()
            .ok()
    };
    match (length(&old), length(new_type)) {
        (Some(a), Some(b)) => b >= a,
        (None, None) => matches!(new_type, "VARCHAR" | "CHARACTER VARYING") && is_varchar(&old),
        _ => false,
    }
}
