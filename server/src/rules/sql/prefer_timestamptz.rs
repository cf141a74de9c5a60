use crate::config::Level;
use crate::rules::{FileContext, Rule, Sink};

use super::flag_postgres_column_types;

pub static RULE: Rule = Rule {
    id: "prefer-timestamptz",
    category: "style",
    default_level: Level::Hint,
    summary: "TIMESTAMP (without time zone) column: prefer TIMESTAMPTZ (PostgreSQL)",
    doc: r#"## What it does
Flags columns declared `TIMESTAMP` / `TIMESTAMP WITHOUT TIME ZONE` in PostgreSQL migrations.

## Why is this bad?
A `timestamp` stores a wall-clock time with no zone: the same instant is stored differently by
clients in different zones, and comparisons across daylight-saving changes go wrong.
`timestamptz` stores an instant and converts on display.

## Example
```sql
CREATE TABLE events (created_at timestamp NOT NULL);
```

## Use instead
```sql
CREATE TABLE events (created_at timestamptz NOT NULL);
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
        |t: &str| {
            t == "TIMESTAMP" || t.starts_with("TIMESTAMP(") || t.contains("WITHOUT TIME ZONE")
        },
        "prefer TIMESTAMPTZ, which stores an instant",
    );
}
