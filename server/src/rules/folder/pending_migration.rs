use crate::config::Level;
use crate::rules::{FolderContext, Rule, Sink};

pub static RULE: Rule = Rule {
    id: "pending-migration",
    category: "history",
    default_level: Level::Info,
    summary: "The migration is not applied yet on the configured database (or is a changed repeatable that will re-run)",
    doc: r#"## What it does
With a configured, reachable database, marks the migrations its `flyway_schema_history` has not
applied yet ("Pending"), and repeatable migrations whose checksum changed since they last ran
("Outdated": `flyway migrate` runs them again).

## Why is this bad?
It is not: it tells you what the next `flyway migrate` will run there, so the file can still be
edited freely. Once applied, edits become `applied-migration-edited`.

## Example
`V7__add_orders.sql`, new on this branch, against the staging database.

## Use instead
Nothing to change. Run `flyway-lsp dry-run` (or the editor's "Dry-run pending migrations")
to try the pending files without changing the database.
"#,
    convention: None,
    tag: None,
};

pub fn check(cx: &FolderContext, sink: &mut Sink) {
    let Some(db) = &cx.applied.database else {
        return;
    };
    for file in &cx.set.files {
        let Some(state) = cx.applied.database_state(&file.path) else {
            continue;
        };
        let message = match state.state {
            "Pending" => format!("Pending on {}: flyway migrate will apply it", db.source),
            "Outdated" => format!(
                "Outdated on {}: changed since it last ran; flyway migrate will run it again",
                db.source
            ),
            _ => continue,
        };
        sink.file(&RULE, file, message);
    }
}
