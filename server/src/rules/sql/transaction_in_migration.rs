use crate::config::Level;
use crate::rules::{FileContext, Rule, Sink};
use crate::sql::facts::{Op, TransactionControl};
use crate::sql::Dialect;

pub static RULE: Rule = Rule {
    id: "transaction-in-migration",
    category: "postgres",
    default_level: Level::Error,
    summary: "BEGIN / COMMIT / ROLLBACK inside a migration Flyway already runs in a transaction (PostgreSQL)",
    doc: r#"## What it does
Flags transaction control statements (`BEGIN`, `START TRANSACTION`, `COMMIT`, `END`, `ROLLBACK`)
in a PostgreSQL migration that Flyway runs in its own transaction (the default).

## Why is this bad?
Flyway wraps each migration in a transaction and records it in the schema history in that same
transaction. A `COMMIT` in the script ends Flyway's transaction early: if a later statement
fails, the first part stays applied while the history says the migration failed, and a rerun
fails on the half-applied changes.

## Example
```sql
BEGIN;
ALTER TABLE orders ADD COLUMN note text;
COMMIT;
```

## Use instead
```sql
ALTER TABLE orders ADD COLUMN note text;
```
"#,
    convention: None,
};

pub fn check(cx: &FileContext, sink: &mut Sink) {
    if cx.dialect() != Dialect::Postgres
        || cx.sql.script_config.execute_in_transaction == Some(false)
    {
        return;
    }
    for (statement, op) in cx.statements() {
        let Op::Transaction(control) = op else {
            continue;
        };
        let what = match control {
            TransactionControl::Begin => "BEGIN",
            TransactionControl::Commit => "COMMIT",
            TransactionControl::Rollback => "ROLLBACK",
        };
        sink.statement(
            &RULE,
            cx,
            statement,
            format!(
                "{what} inside a migration: Flyway already runs it in a transaction, and ending that transaction early can leave the migration half applied. Remove the transaction control statements"
            ),
        );
    }
}
