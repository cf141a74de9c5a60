use crate::config::Level;
use crate::history::Applied;
use crate::index::ScriptFile;
use crate::naming::{Classified, Kind, ResourceName};
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
migration whose Flyway checksum differs from the applied one, or (applied in a git reference)
that was renamed to another description: Flyway matches the history to files by version, so
`validate` then fails with "Migration description mismatch".

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

const KINDS: &[Kind] = &[Kind::Versioned, Kind::Baseline];

pub fn check(cx: &FolderContext, sink: &mut Sink) {
    if cx.applied.is_empty() {
        return;
    }
    let here: std::collections::HashSet<&std::path::Path> =
        cx.set.files.iter().map(|f| f.path.as_path()).collect();
    let moved: Vec<(ResourceName, &Applied)> = moved(cx, |path| !here.contains(path)).collect();
    for (file, name) in cx.set.migrations(KINDS) {
        check_one(
            file,
            name,
            || {
                moved
                    .iter()
                    .find(|(n, _)| n.kind == name.kind && n.version == name.version)
                    .map(|(n, applied)| (n.clone(), *applied))
            },
            cx,
            sink,
        );
    }
}

/// What [`check`] finds on `file`: it reads that file, the applied history and the names of
/// the others (a moved applied migration is one whose path no file has).
pub fn check_file(cx: &FolderContext, file: &ScriptFile, sink: &mut Sink) {
    if cx.applied.is_empty() {
        return;
    }
    let Some(name) = file.migration(KINDS) else {
        return;
    };
    let here = |path: &std::path::Path| cx.set.files.iter().any(|f| f.path == path);
    check_one(
        file,
        name,
        || {
            moved(cx, |path| !here(path))
                .find(|(n, _)| n.kind == name.kind && n.version == name.version)
        },
        cx,
        sink,
    );
}

/// Files applied in a git reference that are no longer at their path (`gone` says which paths
/// no file has), in the history's order: Flyway matches history rows to files by version, so a
/// file renamed to another description is still that migration (a database's history is
/// validated by `database-validate` instead).
fn moved<'a>(
    cx: &'a FolderContext,
    gone: impl Fn(&std::path::Path) -> bool + 'a,
) -> impl Iterator<Item = (ResourceName, &'a Applied)> + 'a {
    cx.applied
        .files
        .iter()
        .filter(|(_, applied)| applied.text.is_some())
        .filter_map(|(path, applied)| {
            let name = path.file_name()?.to_str()?;
            match cx.parser.classify(name) {
                Classified::Named(n)
                    if n.is_valid() && matches!(n.kind, Kind::Versioned | Kind::Baseline) =>
                {
                    Some((path, n, applied))
                }
                _ => None,
            }
        })
        .filter(move |(path, _, _)| gone(path))
        .map(|(_, n, applied)| (n, applied))
}

/// Checks one versioned or baseline migration against its applied state: the one at its path,
/// else the one `moved` finds.
fn check_one<'a>(
    file: &ScriptFile,
    name: &ResourceName,
    moved: impl FnOnce() -> Option<(ResourceName, &'a Applied)>,
    cx: &'a FolderContext,
    sink: &mut Sink,
) {
    let (applied, applied_name) = match cx.applied.get(&file.path) {
        Some(applied) => (applied, None),
        None => match moved() {
            Some((n, applied)) => (applied, Some(n)),
            None => return,
        },
    };
    let Some(current) = file.checksum() else {
        return;
    };
    let version = name
        .version
        .as_ref()
        .map(|v| v.raw().to_string())
        .unwrap_or_default();
    // Flyway's order (MigrationInfoImpl.validate): the checksum first, then the description.
    if applied.checksum != current {
        sink.file(
            &RULE,
            file,
            format!(
                "Migration checksum mismatch for migration version {version}: applied (in {}) {}, resolved locally {current}. Flyway validate will fail; restore the applied text and put the change in a new migration",
                applied.source, applied.checksum
            ),
        );
    } else if let Some(applied_name) =
        applied_name.filter(|n| n.description() != name.description())
    {
        sink.file(
            &RULE,
            file,
            format!(
                "Migration description mismatch for migration version {version}: applied (in {}) as {}, resolved locally \"{}\". Flyway validate will fail; keep the applied name, or run flyway repair on every database that applied it",
                applied.source,
                applied_name.file_name,
                name.description()
            ),
        );
    }
}
