use crate::config::Level;
use crate::naming::Kind;
use crate::rules::{FolderContext, Rule, Sink};

pub static RULE: Rule = Rule {
    id: "applied-migration-edited",
    category: "history",
    default_level: Level::Error,
    summary: "A migration that is already applied was edited: Flyway validate fails with a checksum mismatch",
    doc: r#"## What it does
When flyway-lsp knows which migrations are applied (from the configured database's
`flyway_schema_history`, or from `[flyway-lsp] applied-ref`, e.g. `"origin/main"`, or
`--applied-ref` on the command line), flags a versioned or baseline
migration whose Flyway checksum differs from the applied one.

## Why is this bad?
Databases that ran the migration keep the old checksum in `flyway_schema_history`. Flyway's
`validate` (run by default before `migrate`) stops with "Migration checksum mismatch", and the
edit never reaches those databases anyway: environments drift apart.

## Example
Adding a column to `V3__create_orders.sql` after it was merged and deployed.

## Use instead
Restore the applied text and put the change into a new migration (the editor's "Move the change
into a new migration" action does both).
"#,
    convention: None,
    tag: None,
};

pub fn check(cx: &FolderContext, sink: &mut Sink) {
    if cx.applied.is_empty() {
        return;
    }
    for (file, name) in cx.set.migrations(&[Kind::Versioned, Kind::Baseline]) {
        let applied = cx.applied.get(&file.path);
        let (Some(applied), Some(current)) = (applied, file.checksum()) else {
            continue;
        };
        if applied.checksum == current {
            continue;
        }
        let version = name
            .version
            .as_ref()
            .map(|v| v.raw().to_string())
            .unwrap_or_default();
        sink.file(
            &RULE,
            file,
            format!(
                "Migration checksum mismatch for migration version {version}: applied (in {}) {}, resolved locally {current}. Flyway validate will fail; restore the applied text and put the change in a new migration",
                applied.source, applied.checksum
            ),
        );
    }
}
