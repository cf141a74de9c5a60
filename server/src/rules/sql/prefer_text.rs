use crate::config::Level;
use crate::rules::{FileContext, Rule, Sink};
use crate::sql::Dialect;

use super::column_types;

pub static RULE: Rule = Rule {
    id: "prefer-text",
    category: "style",
    default_level: Level::Off,
    summary: "VARCHAR(n) column: prefer TEXT with a CHECK constraint (PostgreSQL; debatable, off by default)",
    doc: r#"## What it does
When enabled, flags `VARCHAR(n)` columns in PostgreSQL migrations.

## Why is this bad?
In PostgreSQL `varchar(n)` is no faster than `text`, and raising the limit later is a schema
change; a `CHECK (length(col) <= n)` can be changed without touching the column type. Many teams
prefer the explicit limit anyway, so this rule is off unless enabled.

## Example
```sql
CREATE TABLE users (email varchar(255));
```

## Use instead
```sql
CREATE TABLE users (email text CHECK (length(email) <= 255));
```
"#,
    convention: None,
};

pub fn check(cx: &FileContext, sink: &mut Sink) {
    if cx.dialect() != Dialect::Postgres {
        return;
    }
    for (statement, table, column, data_type) in column_types(cx) {
        if data_type.starts_with("VARCHAR(") || data_type.starts_with("CHARACTER VARYING(") {
            sink.statement(
                &RULE,
                cx,
                statement,
                format!("Column {table}.{column} is {data_type}; prefer TEXT with a CHECK on its length"),
            );
        }
    }
}
