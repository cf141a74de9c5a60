use crate::config::Level;
use crate::rules::{FileContext, Rule, Sink};
use crate::sql::facts::{AlterAction, ConstraintKind};
use crate::sql::Dialect;

use super::existing_table_actions;

pub static RULE: Rule = Rule {
    id: "constraint-without-not-valid",
    category: "postgres",
    default_level: Level::Warning,
    summary:
        "ADD FOREIGN KEY / CHECK without NOT VALID validates every row under a lock (PostgreSQL)",
    doc: r#"## What it does
Flags `ALTER TABLE … ADD CONSTRAINT … FOREIGN KEY` or `CHECK` without `NOT VALID` on an existing
table.

## Why is this bad?
PostgreSQL validates all existing rows while holding a lock that blocks writes (and, for a
foreign key, also locks the referenced table). On a large table that is minutes of blocked
writes.

## Example
```sql
ALTER TABLE orders ADD CONSTRAINT orders_user_fk FOREIGN KEY (user_id) REFERENCES users (id);
```

## Use instead
```sql
ALTER TABLE orders ADD CONSTRAINT orders_user_fk FOREIGN KEY (user_id) REFERENCES users (id) NOT VALID;
ALTER TABLE orders VALIDATE CONSTRAINT orders_user_fk;  -- takes a weaker lock, ideally in a later migration
```
"#,
    convention: None,
    tag: None,
};

pub fn check(cx: &FileContext, sink: &mut Sink) {
    if cx.dialect() != Dialect::Postgres || cx.is_undo() {
        return;
    }
    for (_, statement, table, action) in existing_table_actions(cx) {
        let AlterAction::AddConstraint {
            constraint,
            not_valid: false,
        } = action
        else {
            continue;
        };
        let kind = match constraint.kind {
            ConstraintKind::ForeignKey => "FOREIGN KEY",
            ConstraintKind::Check => "CHECK",
            _ => continue,
        };
        sink.range(
            &RULE,
            cx,
            cx.action(statement, action),
            format!(
                "Adding a {kind} constraint to {table} validates every existing row while blocking writes; add it NOT VALID, then VALIDATE CONSTRAINT separately"
            ),
        );
    }
}
