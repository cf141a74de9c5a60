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

/// The folder rules that read what is in a file (its text, its checksum, or what reading it
/// found: bad encoding, too large, unreadable), directly or through another rule's code. Every
/// other folder rule reads only the files' names and places, the configuration, the server and
/// the applied history, so a text edit that keeps every name leaves its findings as they were:
/// [`run`] reuses them (but for the first-line position of a finding on the edited file).
/// `tests::content_readers_are_listed` fails for a rule whose code reads contents but is not
/// listed here, and `tests::name_rules_ignore_contents` checks the others on changed contents.
pub const READS_CONTENTS: &[&str] = &[
    "invalid-encoding",
    "unreadable-file",
    "skipped-file",
    "empty-migration",
    "applied-migration-edited",
    "dry-run-lock",
    "dry-run-failed",
];

type FileCheck = fn(&FolderContext, &crate::index::ScriptFile, &mut Sink);

/// What each rule of [`READS_CONTENTS`] finds on one file's path, which depends only on that
/// file (its content, name and path), on names and on the applied history: after a text edit,
/// [`run`] keeps such a rule's findings on the other files and runs this on the edited one.
/// (`tests::file_checks_find_what_the_rule_finds` checks each against its rule.)
static FILE_CHECKS: &[(&str, FileCheck)] = &[
    ("invalid-encoding", invalid_encoding::check_file),
    ("unreadable-file", unreadable_file::check_file),
    ("skipped-file", skipped_file::check_file),
    ("empty-migration", empty_migration::check_file),
    (
        "applied-migration-edited",
        applied_migration_edited::check_file,
    ),
    ("dry-run-lock", dry_run_lock::check_file),
    ("dry-run-failed", dry_run_failed::check_file),
];

/// The walk problems at `file`'s path that were left out on purpose (`skipped`) or not.
fn walk_problems_at<'a>(
    cx: &'a FolderContext,
    file: &'a crate::index::ScriptFile,
    skipped: bool,
) -> impl Iterator<Item = &'a crate::index::WalkProblem> + 'a {
    cx.set
        .walk_problems
        .iter()
        .filter(move |p| p.skipped == skipped && p.path.as_os_str() == file.path.as_os_str())
}

fn file_check(rule: &Rule) -> Option<FileCheck> {
    FILE_CHECKS
        .iter()
        .find(|(id, _)| *id == rule.id)
        .map(|(_, check)| *check)
}

/// Whether `rule` is one of [`READS_CONTENTS`].
pub fn reads_contents(rule: &Rule) -> bool {
    READS_CONTENTS.contains(&rule.id)
}

/// What the folder rules found in a run, per rule of [`CHECKS`] (those that read only names,
/// and those of [`FILE_CHECKS`]), with the indexes of their findings on a whole file (see
/// [`crate::rules::Sink::whole_file`]).
#[derive(Debug, Clone, Default)]
pub struct NameFindings {
    per_rule: Vec<Option<(Vec<crate::diagnostic::Diagnostic>, Vec<usize>)>>,
}

/// Runs every enabled folder rule. With `reuse` (the last run's [`NameFindings`] and the one
/// file whose text changed since, every name as it was), the rules that read only names are
/// not run again: their findings are taken from it, those on the whole changed file moved to
/// its first line as it is now; the rules that read contents keep their findings on the other
/// files and check the changed one again ([`FILE_CHECKS`]). Returns what they found, for the
/// next run.
pub fn run(
    cx: &FolderContext,
    sink: &mut Sink,
    reuse: Option<(&NameFindings, &std::path::Path)>,
) -> NameFindings {
    let mut names = NameFindings::default();
    // The changed file, found once (paths compared as bytes: component by component, paths of
    // one length that differ cost a walk from the end, at every file of a large folder).
    let changed_file = reuse.and_then(|(_, changed)| {
        cx.set
            .files
            .iter()
            .find(|f| f.path.as_os_str() == changed.as_os_str())
    });
    for (k, (rule, check)) in CHECKS.iter().enumerate() {
        let kept = reuse.and_then(|(found, _)| found.per_rule.get(k)?.as_ref());
        let per_file = file_check(rule);
        if let (Some((found, whole_file)), Some(check_file), Some(changed)) =
            (kept, per_file, changed_file)
        {
            // The other files' findings as they were, the changed file checked again.
            let (from, whole_from) = (sink.diagnostics.len(), sink.whole_file.len());
            let changed_path = changed.path.as_os_str();
            let whole: std::collections::HashSet<usize> = whole_file.iter().copied().collect();
            for (i, d) in found.iter().enumerate() {
                if d.path.as_os_str() != changed_path {
                    if whole.contains(&i) {
                        sink.whole_file.push(sink.diagnostics.len());
                    }
                    sink.diagnostics.push(d.clone());
                }
            }
            let new_from = sink.diagnostics.len();
            check_file(cx, changed, sink);
            fix_renames_of_applied(cx, &mut sink.diagnostics[new_from..]);
            names
                .per_rule
                .push(Some(found_since(sink, from, whole_from)));
            continue;
        }
        let kept = kept.filter(|_| !reads_contents(rule));
        if let Some((found, whole_file)) = kept {
            let from = sink.diagnostics.len();
            sink.diagnostics.extend(found.iter().cloned());
            for &i in whole_file {
                let d = &mut sink.diagnostics[from + i];
                if let Some(file) =
                    changed_file.filter(|f| f.path.as_os_str() == d.path.as_os_str())
                {
                    (d.range, d.start, d.end) = crate::rules::whole_file_position(file);
                }
            }
            sink.whole_file.extend(whole_file.iter().map(|i| from + i));
            names.per_rule.push(Some((
                sink.diagnostics[from..].to_vec(),
                whole_file.clone(),
            )));
            continue;
        }
        if !sink.enabled(rule) {
            names.per_rule.push(None);
            continue;
        }
        let (from, whole_from) = (sink.diagnostics.len(), sink.whole_file.len());
        check(cx, sink);
        fix_renames_of_applied(cx, &mut sink.diagnostics[from..]);
        names.per_rule.push(
            (!reads_contents(rule) || per_file.is_some())
                .then(|| found_since(sink, from, whole_from)),
        );
    }
    names
}

/// Renaming an applied migration makes Flyway see a new migration (and the old one missing):
/// never offered, whatever the rule.
fn fix_renames_of_applied(cx: &FolderContext, found: &mut [crate::diagnostic::Diagnostic]) {
    for d in found {
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

/// The findings in `sink` from index `from` on, with the indexes (from `from`) of those on a
/// whole file (`sink.whole_file` from `whole_from` on).
fn found_since(
    sink: &Sink,
    from: usize,
    whole_from: usize,
) -> (Vec<crate::diagnostic::Diagnostic>, Vec<usize>) {
    (
        sink.diagnostics[from..].to_vec(),
        sink.whole_file[whole_from..]
            .iter()
            .map(|i| i - from)
            .collect(),
    )
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

    /// The folder rules' source files, as (rule id, code without its doc).
    fn rule_sources() -> Vec<(String, String, String)> {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/rules/folder");
        let mut sources = Vec::new();
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            let module = path.file_stem().unwrap().to_string_lossy().into_owned();
            if matches!(module.as_str(), "mod" | "rule_cases") {
                continue;
            }
            let text = std::fs::read_to_string(&path).unwrap();
            let id = text
                .split_once("id: \"")
                .and_then(|(_, rest)| rest.split_once('"'))
                .map(|(id, _)| id.to_string())
                .unwrap_or_else(|| panic!("{module} has no rule id"));
            // The doc is prose: what counts is the code around it.
            let code = match (text.find("doc: r#\""), text.find("\"#,")) {
                (Some(start), Some(end)) if start < end => {
                    format!("{}{}", &text[..start], &text[end..])
                }
                _ => text,
            };
            sources.push((module, id, code));
        }
        assert_eq!(sources.len(), CHECKS.len(), "one file per folder rule");
        sources
    }

    #[test]
    fn content_readers_are_listed() {
        // What a folder rule can read of a file's contents: its text, its checksum, its
        // `Content` (what reading it found), or another folder rule's code that does.
        const READERS: &[&str] = &[".text()", ".checksum()", ".content", "Content::"];
        let sources = rule_sources();
        let listed = |id: &str| READS_CONTENTS.contains(&id);
        for id in READS_CONTENTS {
            assert!(
                CHECKS.iter().any(|(rule, _)| rule.id == *id),
                "{id} is listed but is no folder rule"
            );
        }
        for (module, id, code) in &sources {
            for reader in READERS {
                assert!(
                    !code.contains(reader) || listed(id),
                    "{id} ({module}.rs) reads contents ({reader}): list it in READS_CONTENTS"
                );
            }
            for (other, other_id, _) in &sources {
                if code.contains(&format!("super::{other}::")) {
                    assert!(
                        !listed(other_id) || listed(id),
                        "{id} ({module}.rs) calls {other}.rs, which reads contents: list it in READS_CONTENTS"
                    );
                }
            }
        }
    }

    /// Contents other than a text: bad bytes, too large, unreadable, not read.
    fn contents_not_text() -> Vec<crate::index::Content> {
        use crate::index::Content;
        vec![
            Content::InvalidEncoding {
                encoding: crate::config::Encoding::Utf8,
                offset: 3,
                at: crate::diagnostic::LineCol::START,
            },
            Content::TooLarge {
                size: 1 << 30,
                limit: 1 << 20,
                checksum: 7,
            },
            Content::Unreadable("denied".into()),
            Content::NotRead,
        ]
    }

    /// Each rule of [`READS_CONTENTS`] has a check of one file, which finds on the file's path
    /// exactly what the whole rule finds there, whatever the files hold: so after a text edit
    /// its findings on the other files can be kept.
    /// A project of empty-but-for-a-header migrations `names` in `sql/`, loaded as an editor
    /// workspace.
    fn folder_of(names: &[&str]) -> (tempfile::TempDir, crate::workspace::Workspace) {
        let dir = tempfile::tempdir().unwrap();
        let sql = dir.path().join("sql");
        std::fs::create_dir(&sql).unwrap();
        for name in names {
            std::fs::write(sql.join(name), "-- header\nCREATE TABLE t (id int);\n").unwrap();
        }
        std::fs::write(
            dir.path().join("flyway.toml"),
            "[flyway]\nlocations = [\"filesystem:sql\"]\n",
        )
        .unwrap();
        let (ws, errors) = crate::workspace::Workspace::load(
            &[dir.path().to_path_buf()],
            &crate::config::LoadOptions::default(),
        );
        assert!(errors.is_empty(), "{errors:?}");
        (dir, ws)
    }

    #[test]
    fn file_checks_find_what_the_rule_finds() {
        use crate::diagnostic::TextRange;
        use crate::history::{Applied, AppliedHistory, DatabaseState, DryRunFinding};
        use crate::index::{Content, WalkProblem};
        assert_eq!(FILE_CHECKS.len(), READS_CONTENTS.len());
        for id in READS_CONTENTS {
            assert!(
                FILE_CHECKS.iter().any(|(f, _)| f == id),
                "{id} has a file check"
            );
        }
        let names = [
            "V1__first.sql",
            "V2__second.sql",
            "V3__third.sql",
            "U3__third.sql",
            "V4__renamed.sql",
            "V5__five.sql",
            "R__views.sql",
            "afterMigrate.sql",
        ];
        let (dir, ws) = folder_of(&names);
        let sql = dir.path().join("sql");
        let state = &ws.projects[0];
        let checksum = state.set.files[0].checksum().unwrap();
        let applied_as = |checksum: i32| Applied {
            checksum,
            source: "HEAD".into(),
            text: Some("-- header\nCREATE TABLE t (id int);\n".into()),
        };
        let mut applied = AppliedHistory::new();
        for (name, sum) in [
            ("V1__first.sql", 42),
            ("V2__second.sql", checksum),
            // Moved: V4 now has another description; V5 has two moved candidates; V9 is gone.
            ("V4__old.sql", checksum),
            ("V5__old.sql", 7),
            ("V5__older.sql", checksum),
            ("V9__gone.sql", 1),
        ] {
            applied.files.insert(sql.join(name), applied_as(sum));
        }
        let finding = |failed: bool, checksum: i32| DryRunFinding {
            checksum,
            range: TextRange::new(10, 22),
            failed,
            message: "from the dry-run".into(),
        };
        let mut database = DatabaseState::default();
        for (name, found) in [
            (
                "V1__first.sql",
                vec![finding(true, checksum), finding(false, checksum)],
            ),
            (
                "V2__second.sql",
                vec![finding(false, checksum), finding(true, 3)],
            ),
            ("V3__third.sql", vec![finding(true, checksum)]),
        ] {
            database.dry_run.insert(sql.join(name), found);
        }
        applied.database = Some(database);
        let parser = crate::naming::NameParser::new(&state.project.config.flyway);
        type Rewrite = Box<dyn Fn(&Content) -> Content>;
        let contents: Vec<Rewrite> = vec![
            Box::new(|c| c.clone()),
            Box::new(|_| Content::Text {
                text: "-- nothing\n".into(),
                checksum: 5,
            }),
        ];
        let mut contents = contents;
        for other in contents_not_text() {
            contents.push(Box::new(move |_: &Content| other.clone()));
        }
        let mut found_by_rule = std::collections::HashMap::new();
        for rotation in 0..contents.len() {
            let mut set = (*state.set).clone();
            for (i, file) in set.files.iter_mut().enumerate() {
                let file = std::sync::Arc::make_mut(file);
                file.content = contents[(i + rotation) % contents.len()](&file.content);
            }
            set.walk_problems = vec![
                WalkProblem {
                    path: sql.join(names[rotation]),
                    message: "a problem there".into(),
                    skipped: rotation % 2 == 0,
                },
                WalkProblem {
                    path: sql.join("elsewhere"),
                    message: "a problem elsewhere".into(),
                    skipped: rotation % 2 == 1,
                },
            ];
            let cx = FolderContext {
                project: &state.project,
                server: &state.server,
                set: &set,
                parser: &parser,
                applied: &applied,
            };
            for (rule, check) in CHECKS.iter().filter(|(r, _)| reads_contents(r)) {
                let check_file = file_check(rule).unwrap();
                let mut whole = Sink::new(&state.levels);
                check(&cx, &mut whole);
                *found_by_rule.entry(rule.id).or_insert(0) += whole.diagnostics.len();
                for file in &set.files {
                    let mut one = Sink::new(&state.levels);
                    check_file(&cx, file, &mut one);
                    let expected: Vec<_> = whole
                        .diagnostics
                        .iter()
                        .filter(|d| d.path == file.path)
                        .cloned()
                        .collect();
                    assert_eq!(
                        one.diagnostics, expected,
                        "{} on {} (rotation {rotation})",
                        rule.id, file.file_name
                    );
                }
            }
        }
        for id in READS_CONTENTS {
            assert!(
                found_by_rule.get(id).is_some_and(|n| *n > 0),
                "{id} finds something here: {found_by_rule:?}"
            );
        }
    }

    /// The rules not in [`READS_CONTENTS`] find the same (but for where a finding on a whole
    /// file starts: its first line) whatever the files hold.
    #[test]
    fn name_rules_ignore_contents() {
        use crate::diagnostic::{Diagnostic, LineCol};
        use crate::index::Content;
        let (dir, ws) = folder_of(&[
            "V1__first.sql",
            "V001__again.sql",
            "V3__gap.sql",
            "U3__gap.sql",
            "U9__orphan.sql",
            "v4__lower.sql",
            "V5_single.sql",
            "V6__.sql",
            "R1__versioned_repeatable.sql",
            "R__views.sql",
            "R__views.SQL",
            "afterMigrate.sql",
            "V7__hashed__migration_0a1b2c3d.sql",
            "V7.x__bad.sql",
            "V08__padded.sql",
            "notes.txt",
            "V10__AddPascal.sql",
        ]);
        let sql = dir.path().join("sql");
        let state = &ws.projects[0];
        let mut applied = crate::history::AppliedHistory::new();
        applied.files.insert(
            sql.join("V1__first.sql"),
            crate::history::Applied {
                checksum: 42,
                source: "HEAD".into(),
                text: None,
            },
        );
        let parser = crate::naming::NameParser::new(&state.project.config.flyway);
        let names_only = |set: &crate::index::MigrationSet| -> Vec<Diagnostic> {
            let cx = FolderContext {
                project: &state.project,
                server: &state.server,
                set,
                parser: &parser,
                applied: &applied,
            };
            let mut sink = Sink::new(&state.levels);
            run(&cx, &mut sink, None);
            let mut found: Vec<Diagnostic> = sink
                .diagnostics
                .into_iter()
                .filter(|d| !READS_CONTENTS.contains(&d.rule))
                .collect();
            for d in &mut found {
                (d.range, d.start, d.end) = (Default::default(), LineCol::START, LineCol::START);
            }
            found
        };
        let original = names_only(&state.set);
        assert!(
            original.len() >= 8,
            "the folder gives the name rules something to find: {original:#?}"
        );
        let variants: Vec<Box<dyn Fn(usize) -> Content>> = vec![
            Box::new(|i| Content::Text {
                text: format!("\n\nDROP TABLE t{i};").into(),
                checksum: i as i32,
            }),
            Box::new(|_| Content::Text {
                text: "".into(),
                checksum: 0,
            }),
        ];
        let mut variants = variants;
        for other in contents_not_text() {
            variants.push(Box::new(move |_: usize| other.clone()));
        }
        for (v, variant) in variants.iter().enumerate() {
            let mut set = (*state.set).clone();
            for (i, file) in set.files.iter_mut().enumerate() {
                std::sync::Arc::make_mut(file).content = variant(i);
            }
            assert_eq!(names_only(&set), original, "contents variant {v}");
        }
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
