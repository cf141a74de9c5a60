use crate::config::Level;
use crate::rules::{FileContext, Rule, Sink};
use crate::sql::facts::AlterAction;
use crate::sql::Dialect;

use super::{existing_table_actions, is_volatile_default};

pub static RULE: Rule = Rule {
    id: "volatile-default",
    category: "postgres",
    default_level: Level::Warning,
    summary: "ADD COLUMN with a volatile DEFAULT (or any DEFAULT before PostgreSQL 11) rewrites the table",
    doc: r#"## What it does
Flags `ADD COLUMN … DEFAULT` on an existing table when the default is volatile (`random()`,
`gen_random_uuid()`, `clock_timestamp()`, `nextval()`, …), or any default when the configured
server is older than PostgreSQL 11.

## Why is this bad?
Since PostgreSQL 11 a constant (or stable, like `now()`) default is stored once and the column is
added instantly. A volatile default must be computed per row: the whole table is rewritten under
an ACCESS EXCLUSIVE lock, blocking reads and writes for the duration.

## Example
```sql
ALTER TABLE orders ADD COLUMN token uuid DEFAULT gen_random_uuid();
```

## Use instead
```sql
ALTER TABLE orders ADD COLUMN token uuid;
ALTER TABLE orders ALTER COLUMN token SET DEFAULT gen_random_uuid();
-- then backfill existing rows in batches
```
"#,
    convention: None,
    tag: None,
};

pub fn check(cx: &FileContext, sink: &mut Sink) {
    if cx.dialect() != Dialect::Postgres || cx.is_undo() {
        return;
    }
    let old_server = !cx.server.at_least(&[11]);
    for (_, statement, table, action) in existing_table_actions(cx) {
        let AlterAction::AddColumn { column, .. } = action else {
            continue;
        };
        let Some(default) = &column.default else {
            continue;
        };
        let why = if is_volatile_default(default) {
            format!("DEFAULT {default} is volatile, so every row is rewritten")
        } else if old_server {
            format!(
                "before PostgreSQL 11 any DEFAULT rewrites the table ({} configured)",
                cx.server
            )
        } else {
            continue;
        };
        // The DEFAULT expression, else the column's definition.
        let range = cx.clause(
            statement,
            "ADD [COLUMN] [IF NOT EXISTS] {} … @ DEFAULT <expr>|ADD [COLUMN] [IF NOT EXISTS] {} …",
            &[&column.name],
        );
        sink.range(
            &RULE,
            cx,
            range,
            format!(
                "Adding column {}.{}: {why} under an ACCESS EXCLUSIVE lock. Add the column without the default, set the default, then backfill in batches",
                table, column.name
            ),
        );
    }
}
