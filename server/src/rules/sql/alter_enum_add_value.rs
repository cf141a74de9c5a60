use crate::config::Level;
use crate::rules::{FileContext, Rule, Sink};
use crate::sql::facts::Op;
use crate::sql::Dialect;

pub static RULE: Rule = Rule {
    id: "alter-enum-add-value",
    category: "postgres",
    default_level: Level::Error,
    summary: "ALTER TYPE … ADD VALUE inside a transaction before PostgreSQL 12",
    doc: r#"## What it does
Flags `ALTER TYPE … ADD VALUE` when the configured server is older than PostgreSQL 12 and the
migration also has other statements (so Flyway runs it in a transaction).

## Why is this bad?
Before PostgreSQL 12, `ALTER TYPE … ADD VALUE cannot run inside a transaction block`: the
migration fails at deploy time.

## Example
```sql
ALTER TYPE order_status ADD VALUE 'refunded';
UPDATE orders SET status = 'refunded' WHERE refunded_at IS NOT NULL;
```

## Use instead
Put the `ALTER TYPE … ADD VALUE` in a migration of its own (and upgrade: from PostgreSQL 12 it
may run in a transaction, though the new value cannot be used until it commits).
"#,
    convention: None,
    tag: None,
};

pub fn check(cx: &FileContext, sink: &mut Sink) {
    if cx.dialect() != Dialect::Postgres || cx.server.at_least(&[12]) {
        return;
    }
    let alone = cx.sql.statements.len() == 1;
    if alone && cx.sql.script_config.execute_in_transaction != Some(true) {
        return;
    }
    for (statement, op) in cx.statements() {
        if let Op::AlterTypeAddValue { type_name, .. } = op {
            sink.range(
                &RULE,
                cx,
                cx.clause(statement, "ADD VALUE …", &[]),
                format!(
                    "ALTER TYPE {type_name} ADD VALUE cannot run inside a transaction block on {}; put it in a migration of its own",
                    cx.server
                ),
            );
        }
    }
}
