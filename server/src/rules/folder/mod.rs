//! Rules on the migration folder: file names, versions, pairs and file contents as files.

mod applied_migration_edited;
mod database_validate;
mod description_case;
mod dry_run_failed;
mod dry_run_lock;
mod duplicate_callback;
mod duplicate_repeatable;
mod duplicate_version;
mod empty_migration;
mod hash_suffix;
pub(crate) use hash_suffix::example_hash;
mod inconsistent_padding;
mod invalid_encoding;
mod invalid_version;
mod lowercase_prefix;
mod malformed_version;
mod misread_version;
mod missing_description;
mod missing_location;
mod missing_version;
mod pending_migration;
mod repeatable_with_version;
mod single_underscore;
mod skipped_file;
mod undo_pair;
mod undo_without_versioned;
mod unreadable_file;
mod unrecognised_name;
mod unsupported_database;
mod version_gap;
mod wrong_suffix;

use super::{FolderContext, Rule, Sink};

type Check = fn(&FolderContext, &mut Sink);

/// The folder rules with their checks, in listing order.
pub static CHECKS: &[(&Rule, Check)] = &[
    (&lowercase_prefix::RULE, lowercase_prefix::check),
    (&single_underscore::RULE, single_underscore::check),
    (&missing_version::RULE, missing_version::check),
    (&invalid_version::RULE, invalid_version::check),
    (&malformed_version::RULE, malformed_version::check),
    (&misread_version::RULE, misread_version::check),
    (&missing_description::RULE, missing_description::check),
    (&wrong_suffix::RULE, wrong_suffix::check),
    (&unrecognised_name::RULE, unrecognised_name::check),
    (
        &repeatable_with_version::RULE,
        repeatable_with_version::check,
    ),
    (&duplicate_version::RULE, duplicate_version::check),
    (&duplicate_repeatable::RULE, duplicate_repeatable::check),
    (&duplicate_callback::RULE, duplicate_callback::check),
    (&version_gap::RULE, version_gap::check),
    (&inconsistent_padding::RULE, inconsistent_padding::check),
    (&undo_without_versioned::RULE, undo_without_versioned::check),
    (&undo_pair::RULE, undo_pair::check),
    (&hash_suffix::RULE, hash_suffix::check),
    (&description_case::RULE, description_case::check),
    (&invalid_encoding::RULE, invalid_encoding::check),
    (&unreadable_file::RULE, unreadable_file::check),
    (&skipped_file::RULE, skipped_file::check),
    (&empty_migration::RULE, empty_migration::check),
    (&missing_location::RULE, missing_location::check),
    (&unsupported_database::RULE, unsupported_database::check),
    (
        &applied_migration_edited::RULE,
        applied_migration_edited::check,
    ),
    (&database_validate::RULE, database_validate::check),
    (&pending_migration::RULE, pending_migration::check),
    (&dry_run_failed::RULE, dry_run_failed::check),
    (&dry_run_lock::RULE, dry_run_lock::check),
];

/// Runs every enabled folder rule.
pub fn run(cx: &FolderContext, sink: &mut Sink) {
    let from = sink.diagnostics.len();
    for (rule, check) in CHECKS {
        if sink.enabled(rule) {
            check(cx, sink);
        }
    }
    // Renaming an applied migration makes Flyway see a new migration (and the old one
    // missing): never offered, whatever the rule.
    for d in &mut sink.diagnostics[from..] {
        if !matches!(d.fix, Some(crate::diagnostic::Fix::RenameFile { .. })) {
            continue;
        }
        if let Some(source) = cx.applied.applied_source(&d.path) {
            d.fix = None;
            d.message.push_str(&format!(
                " (not offered as a fix: this migration is applied according to {source}, and Flyway would take the renamed file for a new migration)"
            ));
        }
    }
}

/// Splits an Oro-style description `AddLenderTable__migration_a1b2c3d4` into the description
/// and the hash; `None` when it has no such suffix.
pub(crate) fn split_hash_suffix(raw_description: &str) -> Option<(&str, &str)> {
    let (head, hash) = raw_description.rsplit_once("__migration_")?;
    (hash.len() == 8
        && hash
            .bytes()
            .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase()))
    .then_some((head, hash))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hash_suffixes() {
        assert_eq!(
            split_hash_suffix("AddLenderTable__migration_a1b2c3d4"),
            Some(("AddLenderTable", "a1b2c3d4"))
        );
        assert_eq!(
            split_hash_suffix("AddLenderTable__migration_A1B2C3D4"),
            None
        );
        assert_eq!(split_hash_suffix("AddLenderTable__migration_a1b2c3"), None);
        assert_eq!(split_hash_suffix("AddLenderTable"), None);
    }
}

#[cfg(test)]
mod rule_cases;

/// The other files of a group of clashing files, as related places of `file`'s finding.
pub(crate) fn others(
    files: &[&crate::index::ScriptFile],
    file: &crate::index::ScriptFile,
    message: &str,
) -> Vec<crate::diagnostic::Related> {
    files
        .iter()
        .filter(|other| other.path != file.path)
        .map(|other| crate::diagnostic::Related {
            path: other.path.clone(),
            message: message.to_string(),
        })
        .collect()
}
