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
                .filter_map(|c| c.references.as_deref())
                .chain(constraints.iter().filter_map(|c| c.references.as_ref()))
                .collect(),
        ),
        Op::AlterTable { table, actions, .. } => (
            table,
            actions
                .iter()
                .filter_map(|a| match a {
                    AlterAction::AddColumn { column, .. } => column.references.as_deref(),
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

/// The table statement `index` takes an ACCESS EXCLUSIVE lock on, when that table existed before
/// this script: `ALTER TABLE` in a form that takes it (most do; not `VALIDATE CONSTRAINT`, a
/// foreign key, `SET STATISTICS`, storage parameters, triggers, `ATTACH PARTITION`,
/// `DETACH PARTITION … CONCURRENTLY`, `CLUSTER ON`; a form not known here is not claimed), `DROP TABLE`, `TRUNCATE`, and `LOCK TABLE`
/// in its default mode or `IN ACCESS EXCLUSIVE MODE`. `IF EXISTS` forms are left out: when the
/// table is missing they lock nothing.
pub(super) fn access_exclusive_lock(
    cx: &FileContext,
    index: usize,
    statement: &Statement,
    op: &Op,
) -> Option<Name> {
    let existing = |table: &Name| existing_table(cx, index, table);
    match op {
        Op::AlterTable {
            table,
            if_exists: false,
            actions,
        } if actions.iter().any(takes_access_exclusive) && existing(table) => {
            Some((**table).clone())
        }
        Op::Truncate { tables } => tables.iter().find(|t| existing(t)).cloned(),
        Op::DropTable {
            names,
            if_exists: false,
        } => names.iter().find(|t| existing(t)).cloned(),
        Op::Other { .. } => locked_table(cx, statement).filter(|t| existing(t)),
        _ => None,
    }
}

/// Whether PostgreSQL takes ACCESS EXCLUSIVE for this `ALTER TABLE` action (its documented lock
/// levels: the weaker ones are listed; a form not known here is not claimed to take it).
fn takes_access_exclusive(action: &AlterAction) -> bool {
    match action {
        AlterAction::ValidateConstraint { .. } => false,
        AlterAction::AddConstraint { constraint, .. } => {
            constraint.kind != crate::sql::facts::ConstraintKind::ForeignKey
        }
        AlterAction::Other(written) => {
            // sqlparser's text (`ENABLE TRIGGER t`) or libpg_query's subcommand name
            // (`AtSetStatistics`), compared without spaces or case.
            let squeezed: String = written
                .chars()
                .filter(|c| !c.is_whitespace() && *c != '_')
                .collect::<String>()
                .to_ascii_uppercase();
            let weaker = [
                "SETSTATISTICS",
                "SET(",
                "RESET(",
                "OPTIONS",
                "TRIG",
                "ATTACHPARTITION",
                // libpg_query's name does not say whether it is CONCURRENTLY.
                "ATDETACHPARTITION",
                "CONCURRENTLY",
                "CLUSTERON",
                "WITHOUTCLUSTER",
                "DROPCLUSTER",
            ];
            !weaker.iter().any(|w| squeezed.contains(w))
        }
        AlterAction::Algorithm(_) | AlterAction::Lock(_) => false,
        _ => true,
    }
}

/// The first table of `LOCK [TABLE] [ONLY] name …` when the mode is ACCESS EXCLUSIVE (written,
/// or the default when no `IN … MODE` is given).
fn locked_table(cx: &FileContext, statement: &Statement) -> Option<Name> {
    if !cx.mentions(statement, "LOCK") {
        return None;
    }
    let tokens = cx.significant_tokens(statement);
    let word = |k: usize| tokens.get(k).map_or("", |t| t.text(cx.text));
    if !word(0).eq_ignore_ascii_case("LOCK") {
        return None;
    }
    let mode_at = tokens.iter().position(|t| t.is_keyword(cx.text, "IN"));
    if let Some(at) = mode_at {
        if !(word(at + 1).eq_ignore_ascii_case("ACCESS")
            && word(at + 2).eq_ignore_ascii_case("EXCLUSIVE"))
        {
            return None;
        }
    }
    let mut at = 1;
    for skip in ["TABLE", "ONLY"] {
        if word(at).eq_ignore_ascii_case(skip) {
            at += 1;
        }
    }
    super::name_in_statement(cx, &tokens, at)
}
