use crate::config::Level;
use crate::rules::{FolderContext, Rule, Sink};

pub static RULE: Rule = Rule {
    id: "dry-run-failed",
    category: "history",
    default_level: Level::Error,
    summary: "The statement failed when the pending migrations were dry-run against the database",
    doc: r#"## What it does
After `flyway-lsp dry-run` from the editor ("Dry-run pending migrations"), shows the database's
error on the exact statement that failed (PostgreSQL's character position, or MySQL's line,
mapped into the file). The finding disappears as soon as the file is edited.

## Why is this bad?
The same statement would fail during `flyway migrate`; on MySQL/MariaDB, where DDL commits by
itself, the statements before it would stay applied and leave a half-done migration.

## Example
`ALTER TABLE loans ADD COLUMN x nope;`: "Unknown data type: 'nope'".

## Use instead
Fix the statement and dry-run again.
"#,
    convention: None,
    tag: None,
};

pub fn check(cx: &FolderContext, sink: &mut Sink) {
    super::dry_run_lock::report(cx, sink, &RULE, true);
}

/// What [`check`] finds on `file`: it reads that file and the dry-run's findings on it.
pub fn check_file(cx: &FolderContext, file: &crate::index::ScriptFile, sink: &mut Sink) {
    super::dry_run_lock::report_file(cx, file, sink, &RULE, true);
}
