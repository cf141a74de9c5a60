//! The quick fixes of a finding as changes to files: text edits, renames and new files, each
//! checked against the whole project (free versions, V and U renamed together, nothing applied
//! renamed as if it were safe). The language server turns them into workspace edits; the proof
//! test (`tests/e2e/fix_proof.rs`) applies every one on the fixtures and re-checks.

use std::path::{Path, PathBuf};

use crate::diagnostic::{Diagnostic, Fix, TextRange};
use crate::naming::{Classified, Kind, NameParser, ResourceName};
use crate::sql::analysis::SqlFile;
use crate::sql::facts::Op;
use crate::workspace::ProjectState;

/// One change an action makes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    /// Byte-range edits of a file's current text.
    Edit {
        path: PathBuf,
        edits: Vec<(TextRange, String)>,
    },
    /// A rename inside the same folder, onto nothing.
    Rename { from: PathBuf, to: PathBuf },
    /// A new file, over nothing.
    Create { path: PathBuf, text: String },
}

/// A quick fix: its title, whether it is safe enough to apply without reading it
/// (`isPreferred`), and its changes, applied in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Action {
    pub title: String,
    pub preferred: bool,
    pub changes: Vec<Change>,
}

/// The quick fixes for finding `d` of `state`, where `text` is the current text of `d.path`
/// (suppression comments are not among them: see [`crate::fixes::suppression_fixes`]).
pub fn for_diagnostic(state: &ProjectState, d: &Diagnostic, text: &str) -> Vec<Action> {
    let mut actions = Vec::new();
    let path = d.path.as_path();
    if let Some(Fix::RenameFile { new_name }) = &d.fix {
        actions.extend(rename(state, path, new_name));
    }
    let name = state.file(path).and_then(|f| f.name()).cloned();
    match (d.rule, &name) {
        ("hash-suffix", Some(name)) => actions.extend(hash_suffix(state, path, name)),
        ("malformed-version", Some(name)) => actions.extend(malformed_version(state, path, name)),
        ("undo-pair", Some(name)) => actions.extend(undo_pair(state, path, name, text)),
        _ => {}
    }
    let sql = state.file_index(path).and_then(|i| state.analysis(i));
    if let Some(sql) = &sql {
        for fix in crate::fixes::text_fixes(d, sql, text) {
            actions.push(Action {
                title: fix.title,
                preferred: false,
                changes: vec![Change::Edit {
                    path: path.to_path_buf(),
                    edits: fix.edits,
                }],
            });
        }
        if matches!(
            d.rule,
            "require-concurrent-index" | "require-concurrent-index-drop"
        ) {
            actions.extend(move_concurrently(state, path, sql, text, d));
        }
    }
    actions
}

/// The suppression comments for finding `d` (for its statement, for its file), offered only
/// where they work: in a script that is analysed (a file Flyway skips by its name, or one too
/// large or not text, has no comments read).
pub fn suppressions(state: &ProjectState, d: &Diagnostic, text: &str) -> Vec<Action> {
    let sql = state.file_index(&d.path).and_then(|i| state.analysis(i));
    if sql.is_none() || text.is_empty() {
        return Vec::new();
    }
    crate::fixes::suppression_fixes(d, sql.as_deref(), text)
        .into_iter()
        .map(|fix| Action {
            title: fix.title,
            preferred: false,
            changes: vec![Change::Edit {
                path: d.path.clone(),
                edits: fix.edits,
            }],
        })
        .collect()
}

/// Whether `path` is known to be applied somewhere (git reference or database).
fn applied(state: &ProjectState, path: &Path) -> bool {
    state.applied.applied_source(path).is_some()
}

fn parser(state: &ProjectState) -> NameParser {
    NameParser::new(&state.project.config.flyway)
}

/// A name the project's settings read as a valid migration name.
fn parse(state: &ProjectState, file_name: &str) -> Option<ResourceName> {
    match parser(state).classify(file_name) {
        Classified::Named(n) if n.is_valid() => Some(n),
        _ => None,
    }
}

/// The target of a rename inside `from`'s folder: a plain name, inside the location, over
/// nothing on disk and nothing the editor holds.
fn free_beside(state: &ProjectState, from: &Path, name: &str) -> Option<PathBuf> {
    let target = crate::scaffold::target_beside(state, from, name).ok()?;
    state.file(&target).is_none().then_some(target)
}

/// Renames `path` to `new_name`, with what must move along: the undo migration of a renamed
/// versioned migration (same new version; its description follows when it matched), and the
/// script configuration files (`<name>.conf`) of both. `None` when the new name is not a valid
/// migration name, when its version is taken by any other migration of the project (all
/// locations, Java migrations, versions the database has applied; an orphan undo migration at
/// that version becomes its pair), or when a target is taken.
/// Preferred only when nothing renamed is known to be applied.
pub fn rename(state: &ProjectState, path: &Path, new_name: &str) -> Option<Action> {
    let file = state.file(path)?;
    let new = parse(state, new_name)?;
    let old = file.name().filter(|n| n.is_valid());
    let separator = parser(state).separator().to_string();
    let version_changes = old.map(|o| &o.version) != Some(&new.version);
    // What moves along: a versioned migration's undo migrations (the new version; the new
    // description where theirs matched), or an undo migration's versioned migration when their
    // descriptions matched (the new description).
    let mut companions: Vec<(PathBuf, String)> = Vec::new();
    match old {
        Some(old) if old.kind == Kind::Versioned && old.version.is_some() => {
            let undos: Vec<_> = state
                .set
                .migrations(&[Kind::Undo])
                .filter(|(_, u)| u.version == old.version)
                .collect();
            if undos.len() > 1 && version_changes {
                return None;
            }
            for (undo, u) in undos {
                let description = if u.raw_description == old.raw_description {
                    &new.raw_description
                } else {
                    &u.raw_description
                };
                let name = format!(
                    "{}{}{separator}{description}{}",
                    u.prefix, new.version_text, u.suffix
                );
                if name != undo.file_name {
                    companions.push((undo.path.clone(), name));
                }
            }
        }
        Some(old) if old.kind == Kind::Undo && old.version.is_some() => {
            let versioned = state
                .set
                .migrations(&[Kind::Versioned])
                .find(|(_, v)| v.version == old.version);
            if let Some((v_file, v)) = versioned {
                if version_changes {
                    return None;
                }
                if v.raw_description == old.raw_description
                    && new.raw_description != old.raw_description
                {
                    companions.push((
                        v_file.path.clone(),
                        format!(
                            "{}{}{separator}{}{}",
                            v.prefix, v.version_text, new.raw_description, v.suffix
                        ),
                    ));
                }
            }
        }
        _ => {}
    }
    if let Some(version) = new.version.as_ref().filter(|_| version_changes) {
        let moving: Vec<&Path> = std::iter::once(path)
            .chain(companions.iter().map(|(p, _)| p.as_path()))
            .collect();
        // A migration of the same kind at that version is a duplicate; an undo migration there
        // becomes this versioned migration's pair, unless its own undo migration moves along.
        let undo_moves = !companions.is_empty();
        let same_kind = |k: Kind| k == new.kind || (k == Kind::Undo && undo_moves);
        let taken = state
            .set
            .with_code(&[Kind::Versioned, Kind::Undo])
            .any(|(f, n)| {
                same_kind(n.kind)
                    && n.version.as_ref() == Some(version)
                    && !moving.contains(&f.path.as_path())
            })
            || state.applied.database.as_ref().is_some_and(|db| {
                db.unresolved
                    .iter()
                    .any(|u| u.version.as_ref() == Some(version))
            });
        if taken {
            return None;
        }
    }
    let mut pairs = vec![(path.to_path_buf(), free_beside(state, path, new_name)?)];
    for (from, name) in &companions {
        pairs.push((from.clone(), free_beside(state, from, name)?));
    }
    // Script configuration files travel with their scripts.
    for (from, to) in pairs.clone() {
        let conf = |p: &Path| PathBuf::from(format!("{}.conf", p.display()));
        if std::fs::symlink_metadata(conf(&from)).is_ok() {
            let to_name = to.file_name()?.to_str()?;
            pairs.push((
                conf(&from),
                free_beside(state, &from, &format!("{to_name}.conf"))?,
            ));
        }
    }
    let preferred = pairs.iter().all(|(from, _)| !applied(state, from));
    let names: Vec<String> = pairs
        .iter()
        .filter_map(|(_, to)| to.file_name()?.to_str().map(str::to_string))
        .collect();
    Some(Action {
        title: format!(
            "Rename to {}{}",
            names[0],
            if names.len() > 1 {
                format!(" (with {})", names[1..].join(", "))
            } else {
                String::new()
            }
        ),
        preferred,
        changes: pairs
            .into_iter()
            .map(|(from, to)| Change::Rename { from, to })
            .collect(),
    })
}

/// `hash-suffix`: the description gets `__migration_` and a hash: the rule's example hash (from
/// version and description, so a V file and its U file get the same), the versioned
/// migration's when an undo migration's description matches it, or the hash written in upper
/// case made lower case.
fn hash_suffix(state: &ProjectState, path: &Path, name: &ResourceName) -> Option<Action> {
    let (base, written) = match name.raw_description.rsplit_once("__migration_") {
        Some((base, hash)) => (base, Some(hash)),
        None => (name.raw_description.as_str(), None),
    };
    let lowered = written
        .map(str::to_ascii_lowercase)
        .filter(|h| h.len() == 8 && h.bytes().all(|b| b.is_ascii_hexdigit()));
    let from_versioned = (name.kind == Kind::Undo)
        .then(|| {
            state
                .set
                .migrations(&[Kind::Versioned])
                .find(|(_, v)| v.version == name.version)
        })
        .flatten()
        .and_then(|(_, v)| crate::rules::folder::split_hash_suffix(&v.raw_description))
        .filter(|(head, _)| *head == base)
        .map(|(_, hash)| hash.to_string());
    let hash = from_versioned
        .or(lowered)
        .unwrap_or_else(|| crate::rules::folder::example_hash(&name.version_text, base));
    let new_name = format!(
        "{}{}{}{base}__migration_{hash}{}",
        name.prefix,
        name.version_text,
        parser(state).separator(),
        name.suffix
    );
    rename(state, path, &new_name)
}

/// `malformed-version`: a signed version or one in other digits, renamed to the number Flyway
/// reads (the same version, so no other migration moves). Flyway's special versions get no fix:
/// which number keeps their order is the author's choice.
fn malformed_version(state: &ProjectState, path: &Path, name: &ResourceName) -> Option<Action> {
    let version = name.version.as_ref()?;
    if version.special().is_some() {
        return None;
    }
    let written = version.normalized();
    if !written.bytes().all(|b| b.is_ascii_digit() || b == b'.') || written == name.version_text {
        return None;
    }
    let new_name = format!(
        "{}{written}{}{}{}",
        name.prefix,
        parser(state).separator(),
        name.raw_description,
        name.suffix
    );
    rename(state, path, &new_name)
}

/// `undo-pair`: a versioned migration without an undo migration gets one, generated by the undo
/// generator (review it: a `TODO flyway-lsp` line says what it could not reverse); an undo
/// migration named differently from its versioned migration is renamed to match.
fn undo_pair(state: &ProjectState, path: &Path, name: &ResourceName, text: &str) -> Option<Action> {
    match name.kind {
        Kind::Versioned => {
            let index = state.file_index(path)?;
            let sql = state.analysis(index)?;
            let sql = &*sql;
            let undo = crate::scaffold::undo_path(state, path).ok()?;
            let script =
                crate::scaffold::undo_script(sql, text, &state.server, &state.schema_before(index));
            Some(Action {
                title: format!(
                    "Create {} (generated undo migration: review it)",
                    undo.file_name()?.to_string_lossy()
                ),
                preferred: false,
                changes: vec![Change::Create {
                    path: undo,
                    text: script,
                }],
            })
        }
        Kind::Undo => {
            let (_, versioned) = state
                .set
                .migrations(&[Kind::Versioned])
                .find(|(_, v)| v.version == name.version)?;
            let new_name = format!(
                "{}{}{}{}{}",
                name.prefix,
                versioned.version_text,
                parser(state).separator(),
                versioned.raw_description,
                versioned.suffix
            );
            rename(state, path, &new_name)
        }
        _ => None,
    }
}

/// The bytes a statement takes in its script, to remove it: from its line's start (when only
/// blanks come before it there) through its `;` and the rest of that line when blank.
fn statement_extent(text: &str, range: TextRange) -> TextRange {
    let before = &text[..range.start];
    let line_start = before.rfind(['\n', '\r']).map_or(0, |i| i + 1);
    let start = if before[line_start..].trim().is_empty() {
        line_start
    } else {
        range.start
    };
    let mut end = range.end;
    let rest = &text[end..];
    let blank = rest.len() - rest.trim_start_matches([' ', '\t']).len();
    if rest[blank..].starts_with(';') {
        end += blank + 1;
    }
    let rest = &text[end..];
    let blank = rest.len() - rest.trim_start_matches([' ', '\t']).len();
    let after = &rest[blank..];
    if after.starts_with("\r\n") {
        end += blank + 2;
    } else if after.starts_with(['\n', '\r']) {
        end += blank + 1;
    }
    TextRange::new(start, end)
}

/// `require-concurrent-index(-drop)` in a script with other statements: the statement moves,
/// with CONCURRENTLY, into a new migration of its own (PostgreSQL cannot run it in a
/// transaction, and Flyway refuses scripts that mix it with statements that need one). The new
/// migration runs after every other, so the move is offered only where running the statement
/// later changes nothing else: the script is not applied, and no later statement (in this script
/// or a later versioned migration) names the index, nor, for a unique index, its table (a
/// foreign key or `ON CONFLICT` may need the uniqueness).
fn move_concurrently(
    state: &ProjectState,
    path: &Path,
    sql: &SqlFile,
    text: &str,
    d: &Diagnostic,
) -> Option<Action> {
    if sql.statements.len() < 2 || applied(state, path) {
        return None;
    }
    let file = state.file(path)?;
    let version = file.migration(&[Kind::Versioned])?.version.clone()?;
    let position = sql
        .statements
        .iter()
        .position(|s| s.range().start <= d.range.start && d.range.start <= s.range().end)?;
    let statement = &sql.statements[position];
    let (verb, mut names): (&str, Vec<String>) = match &statement.parsed.op {
        Op::CreateIndex {
            name,
            concurrently: false,
            unique,
            table,
            ..
        } => {
            let mut names: Vec<String> = name.iter().map(|n| n.name.to_lowercase()).collect();
            if *unique {
                names.push(table.name.to_lowercase());
            }
            ("create", names)
        }
        Op::DropIndex {
            names,
            concurrently: false,
            ..
        } => (
            "drop",
            names.iter().map(|n| n.name.to_lowercase()).collect(),
        ),
        _ => return None,
    };
    names.retain(|n| !n.is_empty());
    let dialect = state.server.dialect();
    let mentions = |body: &str| {
        crate::sql::lexer::tokenize(body, dialect)
            .iter()
            .any(|t| names.contains(&unquoted(t.text(body))))
    };
    let rest_of_file = &text[statement.range().end.min(text.len())..];
    let later_files = state
        .set
        .with_code(&[Kind::Versioned])
        .filter(|(_, n)| n.version.as_ref().is_some_and(|v| *v > version));
    for (later, _) in later_files {
        // A Java migration's effects are unknown; a script too large to analyse is unread.
        match later.text() {
            Some(body) if !mentions(&body) => {}
            _ => return None,
        }
    }
    if mentions(rest_of_file) {
        return None;
    }
    let tokens = sql.statement_tokens(text, statement);
    let index_keyword = tokens.iter().find(|t| t.is_keyword(text, "INDEX"))?;
    let range = statement.range();
    let moved = format!(
        "{} CONCURRENTLY{};\n",
        &text[range.start..index_keyword.end],
        &text[index_keyword.end..range.end]
    );
    let index_name = match &statement.parsed.op {
        Op::CreateIndex { name, .. } => name.as_ref().map(|n| n.name.clone()),
        Op::DropIndex { names, .. } => names.first().map(|n| n.name.clone()),
        _ => None,
    };
    let description = match index_name {
        Some(n) => format!("{verb} index {n} concurrently"),
        None => format!("{verb} index concurrently"),
    };
    let mut new_file = crate::scaffold::next_migration(state, &description).ok()?;
    // A template with statements of its own would put the index beside them again.
    if !crate::sql::analysis::analyze(&new_file.text, dialect, None)
        .statements
        .is_empty()
    {
        return None;
    }
    new_file.text.push_str(&moved);
    Some(Action {
        title: format!(
            "Move to a migration of its own ({}), with CONCURRENTLY",
            new_file.path.file_name()?.to_string_lossy()
        ),
        preferred: false,
        changes: vec![
            Change::Edit {
                path: path.to_path_buf(),
                edits: vec![(statement_extent(text, range), String::new())],
            },
            Change::Create {
                path: new_file.path,
                text: new_file.text,
            },
        ],
    })
}

/// A token's text as a name: quotes removed, lower-cased.
fn unquoted(token: &str) -> String {
    token.trim_matches(['"', '`']).to_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::LoadOptions;
    use crate::workspace::Workspace;

    fn project(files: &[(&str, &str)]) -> (tempfile::TempDir, ProjectState) {
        let dir = tempfile::tempdir().unwrap();
        let sql = dir.path().join("sql");
        std::fs::create_dir_all(&sql).unwrap();
        for (name, text) in files {
            std::fs::write(sql.join(name), text).unwrap();
        }
        let (mut ws, errors) =
            Workspace::load(&[dir.path().to_path_buf()], &LoadOptions::default());
        assert!(errors.is_empty(), "{errors:?}");
        let state = ws.projects.remove(0);
        (dir, state)
    }

    fn renamed(action: &Action) -> Vec<String> {
        action
            .changes
            .iter()
            .map(|c| match c {
                Change::Rename { from, to } => format!(
                    "{} -> {}",
                    from.file_name().unwrap().to_string_lossy(),
                    to.file_name().unwrap().to_string_lossy()
                ),
                other => format!("{other:?}"),
            })
            .collect()
    }

    #[test]
    fn renames_move_pairs_avoid_taken_versions_and_are_preferred_only_when_unapplied() {
        let (dir, mut state) = project(&[
            ("V1__a.sql", "SELECT 1;\n"),
            ("V3__c.sql", "SELECT 3;\n"),
            ("U3__c.sql", "SELECT 3;\n"),
            ("V3__c.sql.conf", "executeInTransaction=true\n"),
            ("V+4__d.sql", "SELECT 4;\n"),
        ]);
        let sql = dir.path().join("sql").canonicalize().unwrap();
        let v3 = state
            .set
            .files
            .iter()
            .find(|f| f.file_name == "V3__c.sql")
            .unwrap()
            .path
            .clone();
        assert_eq!(v3.parent().unwrap().canonicalize().unwrap(), sql);
        let action = rename(&state, &v3, "V2__c.sql").unwrap();
        assert_eq!(
            renamed(&action),
            [
                "V3__c.sql -> V2__c.sql",
                "U3__c.sql -> U2__c.sql",
                "V3__c.sql.conf -> V2__c.sql.conf"
            ]
        );
        assert!(action.preferred);
        // Versions another migration holds are never chosen (V1; 4 is V+4's).
        assert_eq!(rename(&state, &v3, "V1__c.sql"), None);
        assert_eq!(rename(&state, &v3, "V4__c.sql"), None);
        assert_eq!(rename(&state, &v3, "V004__c.sql"), None);
        // An undo migration renamed alone takes its versioned migration along when their
        // descriptions matched.
        let u3 = v3.with_file_name("U3__c.sql");
        assert_eq!(
            renamed(&rename(&state, &u3, "U3__C.sql").unwrap()),
            [
                "U3__c.sql -> U3__C.sql",
                "V3__c.sql -> V3__C.sql",
                "V3__c.sql.conf -> V3__C.sql.conf"
            ]
        );
        // malformed-version: the number Flyway reads.
        let v4 = v3.with_file_name("V+4__d.sql");
        let name = state.file(&v4).unwrap().name().unwrap().clone();
        assert_eq!(
            renamed(&malformed_version(&state, &v4, &name).unwrap()),
            ["V+4__d.sql -> V4__d.sql"]
        );
        // Applied: still offered, never preferred.
        std::sync::Arc::make_mut(&mut state.applied).files.insert(
            v3.clone(),
            crate::history::Applied {
                checksum: 0,
                source: "origin/main".into(),
                text: None,
            },
        );
        assert!(!rename(&state, &v3, "V2__c.sql").unwrap().preferred);
    }

    #[test]
    fn statement_extents() {
        let text = "CREATE TABLE a (id int);\n  CREATE INDEX i ON a (id) ;  \nSELECT 1;";
        let start = text.find("CREATE INDEX").unwrap();
        let end = text.find(" ;").unwrap();
        let extent = statement_extent(text, TextRange::new(start, end));
        let mut out = text.to_string();
        out.replace_range(extent.start..extent.end, "");
        assert_eq!(out, "CREATE TABLE a (id int);\nSELECT 1;");
        // Another statement on the same line stays.
        let text = "SELECT 1; DROP INDEX i;\n";
        let start = text.find("DROP").unwrap();
        let extent = statement_extent(text, TextRange::new(start, text.len() - 2));
        assert_eq!(&text[..extent.start], "SELECT 1; ");
        assert_eq!(extent.end, text.len());
    }
}
