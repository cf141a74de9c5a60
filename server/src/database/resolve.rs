//! The folder's migrations as Flyway resolves them for `validate`: version, description,
//! script, type and checksum (Java and Kotlin migrations too, as type JDBC with no checksum). Repeatable migrations are checksummed over their text with
//! placeholders replaced (so a changed placeholder value re-runs them), the raw text's checksum
//! being accepted too; versioned ones over the raw text. A repeatable with a placeholder that
//! has no value fails the whole read, as Flyway's resolver does. With `edition = "teams"`, `U`
//! files are resolved too, as `UNDO_SQL` migrations checksummed over their raw text.

use super::settings::DbSettings;
use super::validate::Resolved;
use crate::checksum::checksum_text;
use crate::config::Edition;
use crate::index::MigrationSet;
use crate::naming::Kind;
use crate::placeholders::{replace_placeholders, BuiltIns, PlaceholderError};
use crate::project::Project;

/// The resolved migrations of a checked project (valid V, B and R files that could be read);
/// `Err` with the script and Flyway's message when a repeatable's placeholder has no value.
pub fn resolved_migrations(
    project: &Project,
    set: &MigrationSet,
    settings: &DbSettings,
    builtins: &BuiltIns,
) -> Result<Vec<Resolved>, (String, PlaceholderError)> {
    let mut out = Vec::new();
    let kinds: &[Kind] = match project.config.tool.edition {
        Edition::Community => &[Kind::Versioned, Kind::Baseline, Kind::Repeatable],
        Edition::Teams => &[
            Kind::Versioned,
            Kind::Baseline,
            Kind::Repeatable,
            Kind::Undo,
        ],
    };
    for (file, name) in set.migrations(kinds) {
        let Some(raw) = file.checksum() else {
            continue;
        };
        // `SqlMigrationResolver`: the script's own `placeholderReplacement` wins.
        let (checksum, equivalent_checksum) = if name.kind == Kind::Repeatable
            && crate::index::script_placeholder_replacement(
                &file.path,
                settings.placeholder_replacement,
            ) {
            let Some(text) = file.text() else {
                continue;
            };
            match replace_placeholders(&text, &project.config.flyway, builtins, &file.file_name) {
                Ok(replaced) => (checksum_text(&replaced), Some(raw)),
                Err(e) => return Err((file.script.clone(), e)),
            }
        } else {
            (raw, None)
        };
        out.push(Resolved {
            version: name.version.clone(),
            description: name.description(),
            script: file.script.clone(),
            migration_type: match name.kind {
                Kind::Baseline => "SQL_BASELINE",
                Kind::Undo => "UNDO_SQL",
                _ => "SQL",
            },
            checksum: Some(checksum),
            equivalent_checksum,
            path: file.path.clone(),
        });
    }
    // Java and Kotlin migrations (found by class name): type JDBC, the fully qualified class
    // name as the script, and no checksum the folder can tell (the class decides).
    for (file, name) in set.code.iter().filter_map(|f| {
        f.migration(&[Kind::Versioned, Kind::Repeatable])
            .map(|n| (f, n))
    }) {
        out.push(Resolved {
            version: name.version.clone(),
            description: name.description(),
            script: file.script.clone(),
            migration_type: "JDBC",
            checksum: None,
            equivalent_checksum: None,
            path: file.path.clone(),
        });
    }
    Ok(out)
}

/// `SqlScriptCallbackFactory`: two SQL callbacks of one name (the file name without its suffix,
/// `afterMigrate` or `afterMigrate__x`) in the set's locations make Flyway stop before any
/// command, with this message (the first such name, offenders by path).
pub fn duplicate_callback(set: &MigrationSet) -> Option<String> {
    let mut by_name: std::collections::BTreeMap<&str, Vec<&std::path::Path>> = Default::default();
    for (file, name) in set.migrations(&[Kind::Callback]) {
        let stem = &name.file_name[..name.file_name.len() - name.suffix.len()];
        by_name.entry(stem).or_default().push(&file.path);
    }
    by_name.into_iter().find_map(|(stem, mut paths)| {
        (paths.len() > 1).then(|| {
            paths.sort();
            format!(
                "Found more than 1 SQL callback script called {stem}!\nOffenders:\n-> {}\n-> {}",
                paths[0].display(),
                paths[1].display()
            )
        })
    })
}
