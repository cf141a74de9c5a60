use crate::config::Level;
use crate::rules::{FileContext, Rule, Sink};
use crate::sql::facts::{AlterAction, ConstraintKind, Op};
use crate::sql::Dialect;

use super::existing_table;

pub static RULE: Rule = Rule {
    id: "mysql-add-unique",
    category: "mysql",
    default_level: Level::Hint,
    summary: "Unique key added to an existing table (MySQL): fails if rows already hold duplicates",
    doc: r#"## What it does
Points at `ALTER TABLE … ADD UNIQUE` (or `ADD CONSTRAINT … UNIQUE`) and `CREATE UNIQUE INDEX` on
a table that existed before the migration. Whether it succeeds depends on the data, which a
linter cannot see: a hint, not a warning.

## Why is this bad?
If two rows of the table hold the same values the statement fails with a duplicate-key error,
after building most of the index, and the statements before it in the migration stay applied
(MySQL commits each DDL statement). With `ALGORITHM=INPLACE` writes continue during
the build, and a duplicate inserted meanwhile also makes it fail at the end. Bytebase's MySQL
review and pt-online-schema-change's documentation warn about unique keys added to live tables
for the same reason (pt-osc copies rows with `INSERT IGNORE` and drops the duplicates
silently unless `--check-unique-key-change` stops it).

## Example
```sql
ALTER TABLE lender ADD UNIQUE KEY uk_lender_email (email);
```

## Use instead
Check for duplicates first, in the same migration or just before it, and clean them up:
```sql
SELECT email, COUNT(*) FROM lender GROUP BY email HAVING COUNT(*) > 1;
```
"#,
    convention: None,
    tag: None,
};

pub fn check(cx: &FileContext, sink: &mut Sink) {
    if cx.dialect() != Dialect::MySql || cx.is_undo() {
        return;
    }
    for (i, (statement, op)) in cx.statements().enumerate() {
        // With the range to underline: `CREATE UNIQUE INDEX name`, or the ADD UNIQUE clause.
        let (table, columns, range) = match op {
            Op::CreateIndex {
                table,
                name,
                unique: true,
                columns,
                ..
            } => {
                let name = name.as_ref().map_or("", |n| &*n.name);
                let range = cx.clause(statement, "CREATE … INDEX {}|CREATE … INDEX", &[name]);
                (&**table, columns.join(", "), range)
            }
            Op::AlterTable { table, actions, .. } => {
                let Some((columns, range)) = actions.iter().find_map(|a| match a {
                    AlterAction::AddConstraint { constraint, .. }
                        if constraint.kind == ConstraintKind::Unique =>
                    {
                        Some((constraint.columns.join(", "), cx.action(statement, a)))
                    }
                    _ => None,
                }) else {
                    continue;
                };
                (&**table, columns, range)
            }
            _ => continue,
        };
        if !existing_table(cx, i, table) {
            continue;
        }
        sink.range(
            &RULE,
            cx,
            range,
            format!(
                "This unique key fails if rows of {table} already hold the same ({columns}); check for duplicates before running it"
            ),
        );
    }
}
