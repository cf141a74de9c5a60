use crate::config::Level;
use crate::rules::{FileContext, Rule, Sink};
use crate::sql::facts::{ConstraintKind, Op};

pub static RULE: Rule = Rule {
    id: "prefer-bigint-key",
    category: "style",
    default_level: Level::Hint,
    summary: "INT / SERIAL primary key: prefer BIGINT (an int key runs out at 2.1 billion rows)",
    doc: r#"## What it does
Flags primary key columns of type `INT`, `INTEGER`, `SMALLINT`, `MEDIUMINT`, `SERIAL` or
`SMALLSERIAL` in new tables.

## Why is this bad?
A 32-bit key runs out after 2,147,483,647 values (4.3 billion unsigned); inserts then fail, and
widening the key later rewrites the table and every referencing foreign key under lock.

## Example
```sql
CREATE TABLE events (id serial PRIMARY KEY);
```

## Use instead
```sql
CREATE TABLE events (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY);
```
"#,
    convention: None,
    tag: None,
};

const SMALL: &[&str] = &[
    "INT",
    "INTEGER",
    "INT4",
    "SMALLINT",
    "INT2",
    "MEDIUMINT",
    "SERIAL",
    "SERIAL4",
    "SMALLSERIAL",
    "TINYINT",
];

pub fn check(cx: &FileContext, sink: &mut Sink) {
    for (statement, op) in cx.statements() {
        let Op::CreateTable {
            table,
            columns,
            constraints,
            ..
        } = op
        else {
            continue;
        };
        let pk_columns: Vec<&String> = constraints
            .iter()
            .filter(|c| c.kind == ConstraintKind::PrimaryKey)
            .flat_map(|c| c.columns.iter())
            .collect();
        for column in columns {
            let is_key =
                column.primary_key || (pk_columns.len() == 1 && pk_columns[0] == &column.name);
            let base = column.data_type.split(['(', ' ']).next().unwrap_or("");
            if is_key && SMALL.contains(&base) {
                sink.range(
                    &RULE,
                    cx,
                    cx.clause(
                        statement,
                        crate::rules::clause::COLUMN_DEFINITION,
                        &[&column.name],
                    ),
                    format!(
                        "Primary key {table}.{} is {}; prefer BIGINT before the table grows",
                        column.name, column.data_type
                    ),
                );
            }
        }
    }
}
