use crate::config::Level;
use crate::rules::{FileContext, Rule, Sink};

use super::flag_postgres_column_types;

pub static RULE: Rule = Rule {
    id: "ban-char",
    category: "style",
    default_level: Level::Hint,
    summary: "CHAR(n) column: blank-padded, prefer TEXT or VARCHAR (PostgreSQL)",
    doc: r#"## What it does
Flags `CHAR(n)` / `CHARACTER(n)` columns in PostgreSQL migrations.

## Why is this bad?
`char(n)` pads values with spaces to n characters, and the padding is ignored in some comparisons
and not in others; it is also no faster than `text`.

## Example
```sql
CREATE TABLE countries (code char(2));
```

## Use instead
```sql
CREATE TABLE countries (code text CHECK (length(code) = 2));
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
            t == "CHAR" || t.starts_with("CHAR(") || t.starts_with("CHARACTER(") || t == "CHARACTER"
        },
        "it pads values with spaces; prefer TEXT",
    );
}
