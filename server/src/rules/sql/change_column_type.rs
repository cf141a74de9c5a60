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
a rewrite are not flagged: `varchar` to `text` or to a longer (or unbounded) `varchar`, `text` to
unbounded `varchar`. A change to `text` from a built-in type PostgreSQL must convert (`int`,
`uuid`, `timestamp`, `char(n)`, …) rewrites and is flagged; from a type the schema model does not
know, it is not claimed.

Corresponds to squawk's `changing-column-type`, strong_migrations' `change_column`, and eugene's
E5 (type change that requires a table rewrite).

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
        let Some(from) = rewrite_from(cx, table, column, data_type) else {
            continue;
        };
        sink.range(
            &RULE,
            cx,
            cx.action(statement, action),
            format!(
                "Changing {table}.{column}{from} to {data_type} rewrites the table under an ACCESS EXCLUSIVE lock; add a new column and backfill it instead"
            ),
        );
    }
}

/// `Some(" from OLD")` (or `Some("")` when the old type is not shown) when changing
/// `table.column` to `data_type` rewrites the table; `None` for the binary-compatible targets
/// that need no rewrite: `text` from a string type, a longer `varchar`. To `text` from another
/// type is a rewrite only when the old type is a built-in one known to need a conversion (a
/// user type may be binary-coercible).
pub(crate) fn rewrite_from(
    cx: &FileContext,
    table: &crate::sql::facts::Name,
    column: &str,
    data_type: &str,
) -> Option<String> {
    if data_type == "TEXT" {
        match old_type(cx, table, column) {
            Some(old) if converted_to_text(&old) => Some(format!(" from {old}")),
            _ => None,
        }
    } else if is_varchar(data_type) && widening(cx, table, column, data_type) {
        None
    } else {
        Some(String::new())
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
    let Some(old) = old_type(cx, table, column) else {
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
        // To a `varchar` without a length: from any `varchar` or `text` (checked on PostgreSQL
        // 15: `varchar(255)` to `varchar` keeps the table's file).
        (_, None) => {
            matches!(new_type, "VARCHAR" | "CHARACTER VARYING")
                && (is_varchar(&old) || old == "TEXT")
        }
        _ => false,
    }
}

/// The column's type as the migrations before this one left it, when the schema model knows it.
fn old_type(cx: &FileContext, table: &crate::sql::facts::Name, column: &str) -> Option<String> {
    cx.schema
        .table(table)
        .and_then(|t| t.column(column))
        .map(|c| c.spec.data_type.clone())
}

/// True for the built-in types whose values PostgreSQL converts (so rewrites the table) on the
/// way to `text`: numbers, booleans, times, `uuid`, JSON, `bytea`, `name`, and `char(n)` (whose
/// cast strips trailing blanks). `varchar` and `text` are binary-coercible to `text`.
fn converted_to_text(old: &str) -> bool {
    let base = old.split('(').next().unwrap_or(old).trim();
    if base.ends_with(']') {
        return false;
    }
    matches!(
        base,
        "SMALLINT"
            | "INT"
            | "INTEGER"
            | "BIGINT"
            | "INT2"
            | "INT4"
            | "INT8"
            | "SERIAL"
            | "BIGSERIAL"
            | "SMALLSERIAL"
            | "SERIAL2"
            | "SERIAL4"
            | "SERIAL8"
            | "NUMERIC"
            | "DECIMAL"
            | "REAL"
            | "FLOAT"
            | "FLOAT4"
            | "FLOAT8"
            | "DOUBLE PRECISION"
            | "BOOLEAN"
            | "BOOL"
            | "DATE"
            | "TIMESTAMP"
            | "TIMESTAMPTZ"
            | "TIMESTAMP WITH TIME ZONE"
            | "TIMESTAMP WITHOUT TIME ZONE"
            | "TIME"
            | "TIMETZ"
            | "TIME WITH TIME ZONE"
            | "TIME WITHOUT TIME ZONE"
            | "INTERVAL"
            | "UUID"
            | "JSON"
            | "JSONB"
            | "BYTEA"
            | "NAME"
            | "CHAR"
            | "CHARACTER"
            | "BPCHAR"
    )
}
