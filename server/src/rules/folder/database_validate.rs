use crate::config::Level;
use crate::naming::Kind;
use crate::rules::{FolderContext, Rule, Sink};

pub static RULE: Rule = Rule {
    id: "database-validate",
    category: "history",
    default_level: Level::Error,
    summary: "Flyway validate fails against the configured database (failed, ignored, missing or mismatched migration)",
    doc: r#"## What it does
When a database is configured (`url` in flyway.toml / flyway.conf, `FLYWAY_URL`, or the
editor's settings) and reachable, flyway-lsp reads its `flyway_schema_history` (read-only) and
reports what `flyway validate` would fail on, with Flyway's own message: a failed migration, a
migration that is ignored because a higher version is already applied, an applied migration
whose file is gone, or a description or type that differs from the applied one. (An edited
applied migration is `applied-migration-edited`; pending ones are `pending-migration`.)

## Why is this bad?
`flyway migrate` validates first and stops on any of these, so the deploy fails.

## Example
`V4__add_index.sql` merged after `V5` was deployed: Flyway ignores V4 ("Detected resolved
migration not applied to database: 4").

## Use instead
Renumber the migration above the applied ones, restore a deleted file, or, if the difference is
intended, run `flyway repair` (or set `outOfOrder` / `ignoreMigrationPatterns` deliberately).
"#,
    convention: None,
    tag: None,
};

fn one_line(message: &str) -> String {
    message.lines().collect::<Vec<_>>().join(" ")
}

pub fn check(cx: &FolderContext, sink: &mut Sink) {
    let Some(db) = &cx.applied.database else {
        return;
    };
    for file in &cx.set.files {
        let Some(state) = cx.applied.database_state(&file.path) else {
            continue;
        };
        let Some((code, message)) = &state.error else {
            continue;
        };
        if matches!(state.state, "Pending" | "Outdated") {
            continue; // pending-migration
        }
        sink.file(
            &RULE,
            file,
            format!(
                "Flyway validate fails against {} ({code}): {}",
                db.source,
                one_line(message)
            ),
        );
    }
    // Applied rows without a file: reported on the next higher version that is here.
    let mut versioned: Vec<_> = cx
        .set
        .migrations(&[Kind::Versioned])
        .filter_map(|(f, n)| n.version.as_ref().map(|v| (v, f)))
        .collect();
    versioned.sort_by(|a, b| a.0.cmp(b.0));
    for missing in &db.unresolved {
        let target = match &missing.version {
            Some(v) => versioned
                .iter()
                .find(|(fv, _)| *fv > v)
                .or(versioned.last())
                .map(|(_, f)| *f),
            None => versioned.last().map(|(_, f)| *f),
        };
        let Some(file) = target else {
            continue;
        };
        sink.file(
            &RULE,
            file,
            format!(
                "Flyway validate fails against {}: {}",
                db.source,
                one_line(&missing.message)
            ),
        );
    }
}
