use crate::config::Level;
use crate::diagnostic::LineIndex;
use crate::index::ScriptFile;
use crate::rules::{FolderContext, Rule, Sink};

pub static RULE: Rule = Rule {
    id: "dry-run-lock",
    category: "locking",
    default_level: Level::Warning,
    summary:
        "In the dry-run, the statement took an ACCESS EXCLUSIVE lock on a table that already exists",
    doc: r#"## What it does
After a PostgreSQL dry-run from the editor, flags statements that took an ACCESS EXCLUSIVE lock
(read from `pg_locks` inside the rolled-back transaction) on a table that existed before the
migrations ran. The finding disappears as soon as the file is edited.

## Why is this bad?
ACCESS EXCLUSIVE blocks every read and write of the table until the migration's transaction
commits; queued behind a long-running query it also blocks everything queued after it.

## Example
`ALTER TABLE users ALTER COLUMN name TYPE varchar(100);` rewrites and locks `users`.

## Use instead
Keep the locking statement short and alone in its migration, set a `lock_timeout`, or use the
non-blocking form (`CREATE INDEX CONCURRENTLY`, `ADD CONSTRAINT … NOT VALID` then `VALIDATE`).
"#,
    convention: None,
    tag: None,
};

pub fn check(cx: &FolderContext, sink: &mut Sink) {
    report(cx, sink, &RULE, false);
}

/// Reports the last dry-run's findings of one kind, on files still as they were then.
/// What [`check`] finds on `file`: it reads that file and the dry-run's findings on it.
pub fn check_file(cx: &FolderContext, file: &ScriptFile, sink: &mut Sink) {
    report_file(cx, file, sink, &RULE, false);
}

pub(super) fn report(cx: &FolderContext, sink: &mut Sink, rule: &Rule, failed: bool) {
    if cx.applied.database.is_none() {
        return;
    }
    for file in &cx.set.files {
        report_file(cx, file, sink, rule, failed);
    }
}

pub(super) fn report_file(
    cx: &FolderContext,
    file: &ScriptFile,
    sink: &mut Sink,
    rule: &Rule,
    failed: bool,
) {
    let Some(db) = &cx.applied.database else {
        return;
    };
    let (Some(findings), Some(text), Some(checksum)) =
        (db.dry_run.get(&file.path), file.text(), file.checksum())
    else {
        return;
    };
    // One line index per file: a dry-run can report on every statement.
    let lines = std::cell::OnceCell::new();
    for finding in findings
        .iter()
        .filter(|f| f.failed == failed && f.checksum == checksum)
    {
        let range = finding.range;
        let lines = lines.get_or_init(|| LineIndex::new(&text));
        sink.at(
            rule,
            &file.path,
            range,
            lines.line_col(&text, range.start),
            lines.line_col(&text, range.end),
            finding.message.clone(),
        );
    }
}
