use crate::config::Level;
use crate::rules::{FileContext, Rule, Sink};
use crate::sql::facts::AlterAction;
use crate::sql::Dialect;

use super::existing_table_actions;

pub static RULE: Rule = Rule {
    id: "drop-constraint",
    category: "postgres",
    default_level: Level::Off,
    summary: "DROP CONSTRAINT removes a guarantee the running code may rely on (off by default)",
    doc: r#"## What it does
Flags `ALTER TABLE … DROP CONSTRAINT` on a table that existed before the migration. Off by
default: a backward-compatibility policy for deployments where old and new application versions
run side by side.

## Why is this bad?
A `CHECK`, `UNIQUE`, primary key or foreign key is a guarantee about the data that application
code (and other services reading the database) may rely on: that values are in range, that a
lookup returns at most one row, that a referenced row exists. Once it is dropped, new writes may
break it, and code deployed before the migration does not expect that. Dropping a `UNIQUE` or
primary key also drops its index, which queries may need.

squawk and strong_migrations have no equivalent for constraints.

## Example
```sql
ALTER TABLE orders DROP CONSTRAINT orders_total_positive;
```

## Use instead
Make sure no reader relies on the guarantee (and, for `UNIQUE` / primary keys, that no query
needs the index), then suppress the finding for this statement.
"#,
    convention: None,
    tag: None,
};

pub fn check(cx: &FileContext, sink: &mut Sink) {
    if cx.dialect() != Dialect::Postgres || cx.is_undo() {
        return;
    }
    for (_, statement, table, action) in existing_table_actions(cx) {
        let AlterAction::DropConstraint { name, .. } = action else {
            continue;
        };
        sink.range(
            &RULE,
            cx,
            cx.action(statement, action),
            format!(
                "Dropping constraint {name} of {table} removes a guarantee that code deployed before this migration may rely on"
            ),
        );
    }
}
