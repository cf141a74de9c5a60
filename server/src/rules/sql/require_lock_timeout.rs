use crate::config::Level;
use crate::rules::{FileContext, Rule, Sink};
use crate::sql::analysis::Statement;
use crate::sql::facts::{AlterAction, Name, Op};
use crate::sql::Dialect;

use super::existing_table;

pub static RULE: Rule = Rule {
    id: "require-lock-timeout",
    category: "postgres",
    default_level: Level::Warning,
    summary: "Lock-taking DDL on an existing table without `SET lock_timeout` first (PostgreSQL)",
    doc: r#"## What it does
Flags the first statement of a migration that takes a strong lock on an existing table
(`ALTER TABLE`, non-concurrent `CREATE INDEX` / `DROP INDEX`, `DROP TABLE`, `TRUNCATE`, and a
foreign key from a new table, or added to one, that references an existing table: PostgreSQL
locks the referenced table with SHARE ROW EXCLUSIVE) when no `SET lock_timeout` (or
`SET LOCAL lock_timeout`) comes before it in the script.

## Why is this bad?
Even an instant `ALTER TABLE` must wait for its lock. While it waits behind one long-running
query, every other query on the table queues behind it: a brief migration becomes an outage.
A lock timeout makes the migration fail fast instead, to be retried.

Corresponds to squawk's `require-timeout-settings` (its lock timeout part) and eugene's E9
(taking a dangerous lock without a timeout).

## Example
```sql
ALTER TABLE orders ADD COLUMN note text;
```

## Use instead
```sql
SET lock_timeout = '5s';
ALTER TABLE orders ADD COLUMN note text;
```
"#,
    convention: None,
    tag: None,
};

pub fn check(cx: &FileContext, sink: &mut Sink) {
    if cx.dialect() != Dialect::Postgres || cx.is_undo() {
        return;
    }
    if let Some((statement, lock)) = first_lock_before_setting(cx, "lock_timeout") {
        let message = format!(
            "{lock} while it waits; start the migration with SET lock_timeout = '5s' (or another bound) so it fails fast instead"
        );
        sink.statement(&RULE, cx, statement, message);
    }
}

/// The script's first statement that takes a strong lock on an existing table ([`lock_taken`]),
/// unless a `SET` of `setting` (`lock_timeout`, `statement_timeout`, schema-qualified or not)
/// comes before it.
pub(super) fn first_lock_before_setting<'a>(
    cx: &'a FileContext,
    setting: &str,
) -> Option<(&'a Statement, String)> {
    for (i, (statement, op)) in cx.statements().enumerate() {
        if let Op::Set { name, .. } = op {
            if name.ends_with(setting) {
                return None;
            }
        }
        if let Some(lock) = lock_taken(cx, i, op) {
            return Some((statement, lock));
        }
    }
    None
}

/// What statement `index` locks, when it takes a strong lock on a table that existed before this
/// script: "This locks table t and may queue …" (the caller ends the sentence).
pub(super) fn lock_taken(cx: &FileContext, index: usize, op: &Op) -> Option<String> {
    let locked = match op {
        Op::AlterTable { table, .. } if existing_table(cx, index, table) => Some(&**table),
        Op::CreateIndex {
            table,
            concurrently: false,
            ..
        } => Some(&**table),
        Op::Truncate { tables } => tables.first(),
        Op::DropTable { names, .. } => names.first(),
        _ => None,
    };
    match locked {
        Some(table) if existing_table(cx, index, table) => Some(format!(
            "This locks table {table} and may queue all its queries"
        )),
        _ => referenced_existing_table(cx, index, op).map(|referenced| {
            format!(
                "This foreign key locks the existing table {referenced} (SHARE ROW EXCLUSIVE) and may queue its writes"
            )
        }),
    }
}

/// A table that existed before this script and that a foreign key created by statement `index`
/// (in a new table, or added to one) references: PostgreSQL locks it with SHARE ROW EXCLUSIVE.
fn referenced_existing_table<'a>(cx: &FileContext, index: usize, op: &'a Op) -> Option<&'a Name> {
    let (own, references): (&Name, Vec<&Name>) = match op {
        Op::CreateTable {
            table,
            columns,
            constraints,
            ..
        } => (
            table,
            columns
                .iter()
                .filter_map(|c| c.references.as_ref())
                .chain(constraints.iter().filter_map(|c| c.references.as_ref()))
                .collect(),
        ),
        Op::AlterTable { table, actions, .. } => (
            table,
            actions
                .iter()
                .filter_map(|a| match a {
                    AlterAction::AddColumn { column, .. } => column.references.as_ref(),
                    AlterAction::AddConstraint { constraint, .. } => constraint.references.as_ref(),
                    _ => None,
                })
                .collect(),
        ),
        _ => return None,
    };
    references
        .into_iter()
        .find(|r| r.name != own.name && existing_table(cx, index, r))
}
