use crate::config::Level;
use crate::rules::{FileContext, Rule, Sink};
use crate::sql::facts::{AlterAction, Op};
use crate::sql::Dialect;

use super::existing_table_actions;

pub static RULE: Rule = Rule {
    id: "set-not-null",
    category: "postgres",
    default_level: Level::Warning,
    summary: "ALTER COLUMN … SET NOT NULL scans the whole table under an ACCESS EXCLUSIVE lock (PostgreSQL)",
    doc: r#"## What it does
Flags `ALTER TABLE … ALTER COLUMN … SET NOT NULL` on an existing table.

## Why is this bad?
PostgreSQL checks every row while holding an ACCESS EXCLUSIVE lock: reads and writes wait for
the full scan.

## Example
```sql
ALTER TABLE users ALTER COLUMN email SET NOT NULL;
```

## Use instead
On PostgreSQL 12 and later, prove it first with a constraint that is validated without the
exclusive lock; SET NOT NULL then skips the scan:
```sql
ALTER TABLE users ADD CONSTRAINT users_email_not_null CHECK (email IS NOT NULL) NOT VALID;
ALTER TABLE users VALIDATE CONSTRAINT users_email_not_null;
ALTER TABLE users ALTER COLUMN email SET NOT NULL;
ALTER TABLE users DROP CONSTRAINT users_email_not_null;
```
"#,
    convention: None,
    tag: None,
};

pub fn check(cx: &FileContext, sink: &mut Sink) {
    if cx.dialect() != Dialect::Postgres || cx.is_undo() {
        return;
    }
    for (i, statement, table, action) in existing_table_actions(cx) {
        let AlterAction::SetNotNull { column } = action else {
            continue;
        };
        // A validated CHECK (col IS NOT NULL) earlier in the script makes it cheap (PG 12+).
        let validated_before = cx.sql.statements[..i].iter().any(|s| {
            matches!(&s.parsed.op, Op::AlterTable { table: t, actions, .. }
                if **t == *table && actions.iter().any(|a| matches!(a, AlterAction::ValidateConstraint { .. })))
        });
        if validated_before && cx.server.at_least(&[12]) {
            continue;
        }
        sink.range(
            &RULE,
            cx,
            cx.action(statement, action),
            format!(
                "SET NOT NULL on {table}.{column} scans every row under an ACCESS EXCLUSIVE lock; first add CHECK ({column} IS NOT NULL) NOT VALID and VALIDATE it (PostgreSQL 12+ then skips the scan)"
            ),
        );
    }
}
