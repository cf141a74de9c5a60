use crate::config::Level;
use crate::rules::{FileContext, Rule, Sink};
use crate::sql::facts::{Op, TransactionControl};
use crate::sql::Dialect;

pub static RULE: Rule = Rule {
    id: "transaction-in-migration",
    category: "postgres",
    default_level: Level::Warning,
    summary:
        "COMMIT or ROLLBACK in the middle of a migration Flyway runs in a transaction (PostgreSQL)",
    doc: r#"## What it does
Flags `COMMIT` / `END` followed by more statements, and `ROLLBACK`, in a PostgreSQL migration
that Flyway runs in its own transaction (the default).

## Why is this bad?
Flyway sends the script's statements as they are, in one transaction per migration (its parser
gives transaction control no special meaning), and records the migration in the schema history
when the script ends. A `COMMIT` makes PostgreSQL commit Flyway's transaction there; the driver
starts a new one for the rest. The migration still runs, but it is no longer atomic: if a later
statement fails, Flyway rolls back only what came after the `COMMIT`, the history has no
successful row, and the next run executes the committed part again. A `ROLLBACK` silently undoes
what ran before it, and Flyway still records the migration as applied.

Not flagged: a `COMMIT` with nothing after it (everything it commits has run; Flyway then records
the migration) or nothing before it (it commits nothing), and `BEGIN` / `START TRANSACTION` (PostgreSQL only warns that a transaction is
already in progress and carries on).

## Example
```sql
ALTER TYPE mood ADD VALUE 'sad';
COMMIT;   -- so that the new value can be used below
UPDATE person SET current_mood = 'sad' WHERE id = 1;
```

## Use instead
Split the migration where it commits: `V5__add_mood_value.sql` ends after the `ALTER TYPE`,
`V6__use_mood_value.sql` holds the rest. Each is then applied, or not, as a whole.
"#,
    convention: None,
    tag: None,
};

pub fn check(cx: &FileContext, sink: &mut Sink) {
    if cx.dialect() != Dialect::Postgres
        || cx.sql.script_config.execute_in_transaction == Some(false)
    {
        return;
    }
    let statements: Vec<_> = cx.statements().collect();
    for (i, (statement, op)) in statements.iter().enumerate() {
        let Op::Transaction(control) = op else {
            continue;
        };
        // Statements before and after this one that do something (not transaction control).
        let work = |s: &[(&crate::sql::analysis::Statement, &Op)]| {
            s.iter().any(|(_, op)| !matches!(op, Op::Transaction(_)))
        };
        let work_follows = work(&statements[..i]) && work(&statements[i + 1..]);
        let message = match control {
            TransactionControl::Begin => continue,
            TransactionControl::Commit if !work_follows => continue,
            TransactionControl::Commit => "COMMIT ends the transaction Flyway runs this migration in: if a later statement fails, what ran before the COMMIT stays applied, the history records no success, and the next run executes it again. Split the migration here instead",
            // `ROLLBACK TO [SAVEPOINT] s`: back to a savepoint of the same transaction.
            TransactionControl::Rollback if cx.keyword(statement, "TO").is_some() => continue,
            TransactionControl::Rollback => "ROLLBACK undoes what this migration ran before it, and Flyway still records the migration as applied. Remove it",
        };
        sink.statement(&RULE, cx, statement, message.to_string());
    }
}
