use crate::config::Level;
use crate::rules::{FileContext, Rule, Sink};
use crate::sql::facts::{AlterAction, ConstraintKind, Op, TransactionControl};

pub static RULE: Rule = Rule {
    id: "validate-in-same-migration",
    category: "postgres",
    default_level: Level::Warning,
    summary:
        "VALIDATE CONSTRAINT in the same migration (transaction) as the NOT VALID that added it",
    doc: r#"## What it does
Flags `ALTER TABLE … VALIDATE CONSTRAINT c` when the same migration added `c` with `NOT VALID`
earlier and both run in one transaction (Flyway's default for PostgreSQL: no `COMMIT` between
them, no `executeInTransaction=false`).

## Why is this bad?
`NOT VALID` exists to split a constraint in two: a quick `ADD … NOT VALID` under a strong lock,
then a `VALIDATE` that scans the table under a weak lock (SHARE UPDATE EXCLUSIVE) that lets reads
and writes continue. Locks are held until the transaction ends, so in one transaction the strong
lock of the `ADD` (ACCESS EXCLUSIVE for a `CHECK`, SHARE ROW EXCLUSIVE on both tables for a
foreign key) is still held while `VALIDATE` scans every row: writes wait for the whole scan, as
if `NOT VALID` had not been written.

Corresponds to squawk's `constraint-missing-not-valid` (its same-transaction case) and
strong_migrations' advice to validate in a separate migration.

## Example
```sql
ALTER TABLE orders ADD CONSTRAINT orders_total_positive CHECK (total > 0) NOT VALID;
ALTER TABLE orders VALIDATE CONSTRAINT orders_total_positive;
```

## Use instead
Validate in the next migration:
```sql
-- V8__add_orders_total_check.sql
ALTER TABLE orders ADD CONSTRAINT orders_total_positive CHECK (total > 0) NOT VALID;
-- V9__validate_orders_total_check.sql
ALTER TABLE orders VALIDATE CONSTRAINT orders_total_positive;
```
"#,
    convention: None,
    tag: None,
};

pub fn check(cx: &FileContext, sink: &mut Sink) {
    if !super::postgres_in_transaction(cx) {
        return;
    }
    // Constraints added NOT VALID since the last COMMIT: (table, name, kind).
    let mut pending: Vec<(&crate::sql::facts::Name, &str, ConstraintKind)> = Vec::new();
    for (statement, op) in cx.statements() {
        match op {
            Op::Transaction(TransactionControl::Commit | TransactionControl::Rollback) => {
                pending.clear();
            }
            Op::AlterTable { table, actions, .. } => {
                for action in actions.iter() {
                    match action {
                        AlterAction::AddConstraint {
                            constraint,
                            not_valid: true,
                        } => {
                            if let Some(name) = &constraint.name {
                                pending.push((table, name, constraint.kind));
                            }
                        }
                        AlterAction::ValidateConstraint { name } => {
                            let Some(&(_, _, kind)) = pending
                                .iter()
                                .find(|(t, n, _)| t.name == table.name && *n == name.as_str())
                            else {
                                continue;
                            };
                            let lock = if kind == ConstraintKind::ForeignKey {
                                "SHARE ROW EXCLUSIVE lock on both tables"
                            } else {
                                "ACCESS EXCLUSIVE lock"
                            };
                            sink.range(
                                &RULE,
                                cx,
                                cx.action(statement, action),
                                format!(
                                    "Constraint {name} was added NOT VALID earlier in this migration: in the same transaction its {lock} is still held while VALIDATE scans {table}, so writes wait for the whole scan; validate in a later migration"
                                ),
                            );
                        }
                        _ => {}
                    }
                }
            }
            _ => {}
        }
    }
}
