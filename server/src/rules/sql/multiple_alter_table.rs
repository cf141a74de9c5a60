use crate::config::Level;
use crate::rules::{FileContext, Rule, Sink};
use crate::sql::analysis::Statement;
use crate::sql::facts::{AlterAction, ConstraintKind, Name, Op};
use crate::sql::Dialect;
use std::borrow::Cow;

use super::{change_column_type, existing_table, is_volatile_default};

pub static RULE: Rule = Rule {
    id: "multiple-alter-table",
    category: "style",
    default_level: Level::Hint,
    summary: "Consecutive ALTER TABLE statements on one existing table that each check or rewrite every row: merged, PostgreSQL makes one pass",
    doc: r#"## What it does
Flags a run of consecutive `ALTER TABLE` statements on the same table that existed before the
migration, when at least two of them read every row: `SET NOT NULL`, a `CHECK` added without
`NOT VALID`, a type change that rewrites the table, an added column that rewrites it (volatile
default, identity, serial or stored generated). Only runs that can be merged are flagged: nothing
else runs between the statements, none of them is of a form PostgreSQL cannot combine with others
(`RENAME`, `SET SCHEMA`, `ATTACH` / `DETACH PARTITION`), none validates a constraint, and no
statement touches a column or constraint an earlier one of the run touched (an `ADD COLUMN` then
an `ALTER COLUMN` of it stay separate).

## Why is this bad?
Each `ALTER TABLE` that checks or rewrites the table makes its own pass over every row under its
ACCESS EXCLUSIVE lock. One `ALTER TABLE` with several actions makes one: PostgreSQL rewrites the
table once for all the rewriting actions and checks the new `NOT NULL` and `CHECK` constraints
in that same pass (or in one scan when nothing rewrites). On a large table that multiplies the
time every query on it waits.

No squawk, eugene or strong_migrations rule covers it (strong_migrations' advice to combine
`ALTER TABLE` statements on MySQL is about the same cost).

## Example
```sql
ALTER TABLE orders ALTER COLUMN user_id SET NOT NULL;
ALTER TABLE orders ALTER COLUMN total SET NOT NULL;
```

## Use instead
```sql
ALTER TABLE orders
    ALTER COLUMN user_id SET NOT NULL,
    ALTER COLUMN total SET NOT NULL;
```
"#,
    convention: None,
    tag: None,
};

/// Whether `action` reads every row of `table` (a check or a rewrite).
fn reads_every_row(cx: &FileContext, table: &Name, action: &AlterAction) -> bool {
    match action {
        AlterAction::SetType { column, data_type } => {
            change_column_type::rewrite_from(cx, table, column, data_type).is_some()
        }
        other => may_read_every_row(other),
    }
}

/// [`reads_every_row`] without looking at the schema: a type change counts whatever it
/// changes.
fn may_read_every_row(action: &AlterAction) -> bool {
    match action {
        AlterAction::SetNotNull { .. } | AlterAction::SetType { .. } => true,
        AlterAction::AddConstraint {
            constraint,
            not_valid,
        } => constraint.kind == ConstraintKind::Check && !not_valid,
        AlterAction::AddColumn { column, .. } => {
            column.generated || column.default.as_deref().is_some_and(is_volatile_default)
        }
        _ => false,
    }
}

/// Adds the columns and constraints an action names, lower-cased (copied only when they are
/// not already), to `out`; `false` when it cannot share an `ALTER TABLE` with others (or,
/// validating, should not). Into one list the caller reuses: a migration can be thousands of
/// `ALTER TABLE`s, and a list per statement and per action cost more than the rest of the rule.
fn names<'a>(action: &'a AlterAction, out: &mut Vec<Cow<'a, str>>) -> bool {
    fn lower(s: &str) -> Cow<'_, str> {
        let unchanged = |c: char| {
            let mut lower = c.to_lowercase();
            lower.next() == Some(c) && lower.next().is_none()
        };
        if s.chars().all(unchanged) {
            Cow::Borrowed(s)
        } else {
            Cow::Owned(s.to_lowercase())
        }
    }
    match action {
        AlterAction::AddColumn { column, .. } => out.push(lower(&column.name)),
        AlterAction::DropColumn { names, .. } => out.extend(names.iter().map(|n| lower(n))),
        AlterAction::SetNotNull { column }
        | AlterAction::DropNotNull { column }
        | AlterAction::SetDefault { column, .. }
        | AlterAction::DropDefault { column }
        | AlterAction::SetType { column, .. } => out.push(lower(column)),
        AlterAction::AddConstraint { constraint, .. } => out.extend(
            constraint
                .columns
                .iter()
                .map(|c| lower(c))
                .chain(constraint.name.as_deref().map(lower)),
        ),
        AlterAction::DropConstraint { name, .. } => out.push(lower(name)),
        AlterAction::Other(text) => {
            let upper = text.to_uppercase();
            if ["RENAME", "SCHEMA", "ATTACH", "DETACH", "VALIDATE"]
                .iter()
                .any(|w| upper.contains(w))
            {
                return false;
            }
        }
        AlterAction::RenameColumn { .. }
        | AlterAction::RenameTo { .. }
        | AlterAction::ValidateConstraint { .. } => return false,
        _ => {}
    }
    true
}

/// A run of consecutive `ALTER TABLE` statements on one table.
struct Run<'a> {
    table: &'a Name,
    first: &'a Statement,
    statements: usize,
    reading: usize,
    /// Names touched so far, lower-cased (a set: a run can be thousands of statements long;
    /// foldhash, as SipHash cost more than the rest of the rule on such a run).
    touched: foldhash::HashSet<Cow<'a, str>>,
}

fn report(cx: &FileContext, sink: &mut Sink, run: Option<Run>) {
    let Some(run) = run else {
        return;
    };
    if run.reading < 2 {
        return;
    }
    sink.statement(
        &RULE,
        cx,
        run.first,
        format!(
            "{} ALTER TABLE statements in a row on {}, {} of which check or rewrite every row: merged into one ALTER TABLE, PostgreSQL makes one pass over the table instead of {}",
            run.statements, run.table, run.reading, run.reading
        ),
    );
}

pub fn check(cx: &FileContext, sink: &mut Sink) {
    if cx.dialect() != Dialect::Postgres || cx.is_undo() {
        return;
    }
    // Fewer than two statements that may check or rewrite a table: no run to report (and a
    // migration of thousands of `ALTER TABLE`s that add plain columns costs only this count).
    let reading = cx.statements().filter(|(_, op)| {
        matches!(op, Op::AlterTable { actions, .. } if actions.iter().any(may_read_every_row))
    });
    if reading.take(2).count() < 2 {
        return;
    }
    let mut run: Option<Run> = None;
    // The names one statement touches (emptied after each).
    let mut touched: Vec<Cow<str>> = Vec::new();
    for (i, (statement, op)) in cx.statements().enumerate() {
        let Op::AlterTable { table, actions, .. } = op else {
            report(cx, sink, run.take());
            continue;
        };
        touched.clear();
        let mergeable = actions.iter().all(|a| names(a, &mut touched));
        if !mergeable || !existing_table(cx, i, table) {
            report(cx, sink, run.take());
            continue;
        }
        let reading = usize::from(actions.iter().any(|a| reads_every_row(cx, table, a)));
        let joins = run.as_ref().is_some_and(|r| {
            r.table.name == table.name
                && r.table.schema == table.schema
                && !touched.iter().any(|t| r.touched.contains(t))
        });
        if joins {
            if let Some(r) = run.as_mut() {
                r.statements += 1;
                r.reading += reading;
                r.touched.extend(touched.drain(..));
            }
            continue;
        }
        report(cx, sink, run.take());
        run = Some(Run {
            table,
            first: statement,
            statements: 1,
            reading,
            touched: touched.drain(..).collect(),
        });
    }
    report(cx, sink, run);
}
