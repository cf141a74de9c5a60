use crate::config::Level;
use crate::rules::{FileContext, Rule, Sink};

use super::flag_postgres_column_types;

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
    tag: None,
};

pub fn check(cx: &FileContext, sink: &mut Sink) {
    flag_postgres_column_types(
        cx,
        sink,
        &RULE,
        |t: &str| t.starts_with("VARCHAR(") || t.starts_with("CHARACTER VARYING("),
        "prefer TEXT with a CHECK on its length",
    );
}
