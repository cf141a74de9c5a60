use crate::config::Level;
use crate::rules::{FileContext, Rule, Sink};
use crate::sql::analysis::Statement;
use crate::sql::facts::{serial_storage_type, AlterAction};
use crate::sql::Dialect;

use super::existing_table_actions;

pub static RULE: Rule = Rule {
    id: "add-column-rewrite",
    category: "postgres",
    default_level: Level::Warning,
    summary:
        "ADD COLUMN of a SERIAL, identity or stored generated column rewrites an existing table",
    doc: r#"## What it does
Flags `ALTER TABLE … ADD COLUMN` on a table that existed before the migration when the new column
is `SERIAL` / `BIGSERIAL` / `SMALLSERIAL`, `GENERATED … AS IDENTITY`, or
`GENERATED ALWAYS AS (…) STORED`. Tables created earlier in the same migration are not flagged
(they are empty), nor are virtual generated columns (PostgreSQL 18's default, computed on read).

## Why is this bad?
Each of these columns needs a value computed for every existing row: a serial or identity column
takes the next value of its sequence per row, a stored generated column evaluates its expression
per row. PostgreSQL rewrites the whole table to store them, holding an ACCESS EXCLUSIVE lock that
blocks every read and write of the table until the rewrite (and the migration's transaction)
ends.

Corresponds to squawk's `adding-field-with-default` (which flags stored generated columns),
strong_migrations' `add_column_generated_stored` and `add_column_auto_incrementing`, and eugene's
E11 (adding a `SERIAL` or `GENERATED … STORED` column).

## Example
```sql
ALTER TABLE orders ADD COLUMN id bigserial;
ALTER TABLE orders ADD COLUMN total numeric GENERATED ALWAYS AS (price * quantity) STORED;
```

## Use instead
Add a plain nullable column, fill it in batches, then attach the default or sequence:
```sql
ALTER TABLE orders ADD COLUMN id bigint;
CREATE SEQUENCE orders_id_seq OWNED BY orders.id;
ALTER TABLE orders ALTER COLUMN id SET DEFAULT nextval('orders_id_seq');
-- backfill existing rows in batches, then add constraints with NOT VALID / VALIDATE
```
For a stored generated column on a large table, a trigger-maintained column filled in batches
(or a view computing the expression) avoids the rewrite.
"#,
    convention: None,
    tag: None,
};

pub fn check(cx: &FileContext, sink: &mut Sink) {
    if cx.dialect() != Dialect::Postgres || cx.is_undo() {
        return;
    }
    for (_, statement, table, action) in existing_table_actions(cx) {
        let AlterAction::AddColumn { column, .. } = action else {
            continue;
        };
        if !column.generated {
            continue;
        }
        let why = if serial_storage_type(&column.data_type).is_some() {
            format!(
                "{} takes the next value of a new sequence for every existing row",
                column.data_type
            )
        } else {
            match generation(cx, statement, &column.name) {
                Some(Generation::Identity) => {
                    "an identity column takes the next value of its sequence for every existing row"
                        .to_string()
                }
                Some(Generation::Stored) => {
                    "a stored generated column computes its expression for every existing row"
                        .to_string()
                }
                None => continue,
            }
        };
        sink.range(
            &RULE,
            cx,
            cx.action(statement, action),
            format!(
                "Adding column {table}.{}: {why}, so PostgreSQL rewrites the table under an ACCESS EXCLUSIVE lock. Add a plain nullable column and backfill it in batches instead",
                column.name
            ),
        );
    }
}

enum Generation {
    Identity,
    Stored,
}

/// How the `ADD [COLUMN] [IF NOT EXISTS] name …` clause of `column` generates its values.
fn generation(cx: &FileContext, statement: &Statement, column: &str) -> Option<Generation> {
    let says = |word: &str| {
        let pattern = format!("ADD [COLUMN] [IF NOT EXISTS] {{}} … {word}");
        cx.find_clause(statement, &pattern, &[column]).is_some()
    };
    if says("IDENTITY") {
        Some(Generation::Identity)
    } else if says("STORED") {
        Some(Generation::Stored)
    } else {
        None
    }
}
