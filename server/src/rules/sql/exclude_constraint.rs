use crate::config::Level;
use crate::rules::{FileContext, Rule, Sink};
use crate::sql::facts::{AlterAction, ConstraintKind};
use crate::sql::Dialect;

use super::existing_table_actions;

pub static RULE: Rule = Rule {
    id: "exclude-constraint",
    category: "postgres",
    default_level: Level::Warning,
    summary: "ADD … EXCLUDE builds its index and checks every row under an ACCESS EXCLUSIVE lock",
    doc: r#"## What it does
Flags `ALTER TABLE … ADD [CONSTRAINT name] EXCLUDE …` on a table that existed before the
migration.

## Why is this bad?
An exclusion constraint is enforced by an index that PostgreSQL builds, checking every existing
row against every other, while the `ALTER TABLE` holds an ACCESS EXCLUSIVE lock: no query can read
or write the table until it finishes. Unlike `CHECK` and foreign keys it cannot be added
`NOT VALID`, and unlike `UNIQUE` it cannot be attached to an index built beforehand with
`CREATE INDEX CONCURRENTLY` (`USING INDEX` takes only unique B-tree indexes).

Corresponds to eugene's E8 (creating a new exclusion constraint); squawk and strong_migrations
have no equivalent.

## Example
```sql
ALTER TABLE bookings ADD CONSTRAINT no_overlap EXCLUDE USING gist (room WITH =, during WITH &&);
```

## Use instead
Add the constraint when the table is created, or on a table small enough that the lock is brief,
in a maintenance window and after `SET lock_timeout`. Where a trigger can enforce the rule, it can
be added without scanning the table.
"#,
    convention: None,
    tag: None,
};

pub fn check(cx: &FileContext, sink: &mut Sink) {
    if cx.dialect() != Dialect::Postgres || cx.is_undo() {
        return;
    }
    for (_, statement, table, action) in existing_table_actions(cx) {
        let AlterAction::AddConstraint { constraint, .. } = action else {
            continue;
        };
        if constraint.kind != ConstraintKind::Exclude {
            continue;
        }
        sink.range(
            &RULE,
            cx,
            cx.action(statement, action),
            format!(
                "Adding an EXCLUDE constraint to {table} builds its index and checks every row under an ACCESS EXCLUSIVE lock, blocking every query on the table; it has no NOT VALID or CONCURRENTLY form"
            ),
        );
    }
}
