//! What is already applied, and where that knowledge comes from. Offline, from a git reference
//! (`[flyway-lsp] applied-ref = "origin/main"`): every migration in that commit counts as applied
//! with the checksum of its text there. (The database's `flyway_schema_history` is the other
//! source, in the database module.)
//!
//! Architecture invariant: the only module besides the database one that runs external commands;
//! failures come back as values.

use std::collections::{BTreeSet, HashMap};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::checksum::checksum_text;
use crate::config::Encoding;
use crate::index::{content_from_bytes, Content};

/// A migration as it was applied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Applied {
    pub checksum: i32,
    /// Where this is known from, for messages ("origin/main", "the default database …").
    pub source: String,
    /// The applied text, to restore it (known from git, not from a database).
    pub text: Option<String>,
}

/// What a database's `flyway_schema_history` says about one file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileState {
    /// Flyway's state name ("Success", "Pending", "Failed", "Ignored", "Outdated", …).
    pub state: &'static str,
    pub installed_on: Option<String>,
    /// Flyway's validate error for it, other than a checksum mismatch (reported by
    /// `applied-migration-edited`): (error code, message).
    pub error: Option<(&'static str, String)>,
}

/// An applied row with no file here (Flyway: "Detected applied migration not resolved locally").
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unresolved {
    pub version: Option<crate::version::Version>,
    pub description: String,
    pub message: String,
}

/// A dry-run finding on a statement, valid while the file keeps `checksum`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DryRunFinding {
    pub checksum: i32,
    pub range: crate::diagnostic::TextRange,
    /// True for a failure, false for a lock warning.
    pub failed: bool,
    pub message: String,
}

/// A database's view of the folder.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct DatabaseState {
    /// "the default environment's database postgresql://…/app".
    pub source: String,
    pub files: HashMap<PathBuf, FileState>,
    pub unresolved: Vec<Unresolved>,
    /// The last dry-run's findings, by file.
    pub dry_run: HashMap<PathBuf, Vec<DryRunFinding>>,
}

/// What is known to be applied: by file (from git or the database), and the database's states.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct AppliedHistory {
    pub files: HashMap<PathBuf, Applied>,
    pub database: Option<DatabaseState>,
}

impl AppliedHistory {
    pub fn new() -> AppliedHistory {
        AppliedHistory::default()
    }

    /// The applied version of `path` (also found through its canonical path).
    pub fn get(&self, path: &Path) -> Option<&Applied> {
        by_path(&self.files, path)
    }

    pub fn is_empty(&self) -> bool {
        self.files.is_empty() && self.database.is_none()
    }

    /// The database's state of `path`.
    pub fn database_state(&self, path: &Path) -> Option<&FileState> {
        by_path(&self.database.as_ref()?.files, path)
    }

    /// Where `path` is known to be applied from ("origin/main", the database), if it is: in the
    /// git reference, or with a row in the database's history.
    pub fn applied_source(&self, path: &Path) -> Option<&str> {
        if let Some(applied) = self.get(path) {
            return Some(&applied.source);
        }
        let db = self.database.as_ref()?;
        let state = by_path(&db.files, path)?;
        matches!(
            state.state,
            "Success" | "Failed" | "Outdated" | "Superseded" | "Baseline" | "Future"
        )
        .then_some(db.source.as_str())
    }
}

/// `map[path]`, or `map[canonical path]` (git and the database key files by real path; the
/// editor may name them through a link).
fn by_path<'a, T>(map: &'a HashMap<PathBuf, T>, path: &Path) -> Option<&'a T> {
    map.get(path)
        .or_else(|| std::fs::canonicalize(path).ok().and_then(|p| map.get(&p)))
}

fn git(dir: &Path, args: &[&str]) -> Result<String, String> {
    let output = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .output()
        .map_err(|e| format!("cannot run git: {e}"))?;
    if !output.status.success() {
        return Err(String::from_utf8_lossy(&output.stderr).trim().to_string());
    }
    Ok(String::from_utf8_lossy(&output.stdout).into_owned())
}

/// The files under the git work tree of `dir` that differ from `reference`: changed in commits
/// since it, staged, unstaged, or untracked (not ignored); a renamed file by its new name. Paths
/// are canonical. Errors are one line: no git, not a repository, an unknown reference.
pub fn changed_since(dir: &Path, reference: &str) -> Result<BTreeSet<PathBuf>, String> {
    if reference.starts_with('-') {
        return Err(format!("`{reference}` is not a git reference"));
    }
    let root = git(dir, &["rev-parse", "--show-toplevel"]).map_err(|e| {
        if e.starts_with("cannot run git") {
            e
        } else {
            format!("{} is not inside a git work tree", dir.display())
        }
    })?;
    let root = PathBuf::from(root.trim_end_matches(['\n', '\r']));
    let root = std::fs::canonicalize(&root).unwrap_or(root);
    git(
        &root,
        &[
            "rev-parse",
            "--verify",
            "--quiet",
            &format!("{reference}^{{commit}}"),
        ],
    )
    .map_err(|_| format!("git reference `{reference}` does not exist"))?;
    let changed = git(
        &root,
        &[
            "-c",
            "core.quotePath=false",
            "diff",
            "--name-only",
            "--no-renames",
            "-z",
            reference,
            "--",
        ],
    )?;
    let untracked = git(
        &root,
        &["ls-files", "--others", "--exclude-standard", "-z", "--"],
    )?;
    Ok(changed
        .split('\0')
        .chain(untracked.split('\0'))
        .filter(|name| !name.is_empty())
        .map(|name| {
            let path = root.join(name);
            std::fs::canonicalize(&path).unwrap_or(path)
        })
        .collect())
}

/// The migrations under `locations` as they are in `reference`, with their Flyway checksums.
pub fn from_git(
    base_dir: &Path,
    reference: &str,
    locations: &[PathBuf],
    encoding: Encoding,
) -> Result<AppliedHistory, String> {
    let root = PathBuf::from(git(base_dir, &["rev-parse", "--show-toplevel"])?.trim());
    let root = std::fs::canonicalize(&root).unwrap_or(root);
    git(
        &root,
        &[
            "rev-parse",
            "--verify",
            "--quiet",
            &format!("{reference}^{{commit}}"),
        ],
    )
    .map_err(|_| {
        format!(
            "git reference `{reference}` does not exist in {}",
            root.display()
        )
    })?;
    let mut relative = Vec::new();
    for location in locations {
        let absolute = std::fs::canonicalize(location).unwrap_or_else(|_| location.clone());
        if let Ok(rel) = absolute.strip_prefix(&root) {
            relative.push(rel.to_string_lossy().into_owned());
        }
    }
    if relative.is_empty() {
        return Ok(AppliedHistory::new());
    }
    let mut args = vec!["ls-tree", "-r", "--name-only", "-z", reference, "--"];
    args.extend(relative.iter().map(String::as_str));
    let listing = git(&root, &args)?;
    let names: Vec<&str> = listing
        .split('\0')
        .filter(|n| n.ends_with(".sql"))
        .collect();
    // One `git cat-file --batch` for all blobs.
    let mut child = Command::new("git")
        .arg("-C")
        .arg(&root)
        .args(["cat-file", "--batch"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| format!("cannot run git: {e}"))?;
    let mut stdin = child.stdin.take().ok_or("git cat-file has no stdin")?;
    let requests: String = names.iter().map(|n| format!("{reference}:{n}\n")).collect();
    let writer = std::thread::spawn(move || {
        let _ = stdin.write_all(requests.as_bytes());
    });
    let mut out = Vec::new();
    child
        .stdout
        .take()
        .ok_or("git cat-file has no stdout")?
        .read_to_end(&mut out)
        .map_err(|e| format!("reading git cat-file: {e}"))?;
    let _ = writer.join();
    let _ = child.wait();
    let mut history = AppliedHistory::new();
    let mut pos = 0;
    for name in names {
        let Some(header_end) = out[pos..].iter().position(|&b| b == b'\n') else {
            break;
        };
        let header = String::from_utf8_lossy(&out[pos..pos + header_end]).into_owned();
        pos += header_end + 1;
        let Some(size) = header
            .split(' ')
            .nth(2)
            .and_then(|s| s.parse::<usize>().ok())
        else {
            continue; // "missing"
        };
        let bytes = out
            .get(pos..pos + size)
            .map(<[u8]>::to_vec)
            .unwrap_or_default();
        pos += size + 1;
        if let Content::Text { text, .. } = content_from_bytes(bytes, encoding) {
            history.files.insert(
                root.join(name),
                Applied {
                    checksum: checksum_text(&text),
                    source: reference.to_string(),
                    text: Some(text.to_string()),
                },
            );
        }
    }
    Ok(history)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(dir: &Path, args: &[&str]) {
        let status = Command::new("git")
            .arg("-C")
            .arg(dir)
            .args(args)
            .status()
            .unwrap();
        assert!(status.success(), "git {args:?}");
    }

    #[test]
    fn reads_migrations_at_a_reference() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        run(root, &["init", "-q"]);
        run(root, &["config", "user.email", "t@example.com"]);
        run(root, &["config", "user.name", "t"]);
        std::fs::create_dir_all(root.join("sql")).unwrap();
        std::fs::write(root.join("sql/V1__a.sql"), "select 1;\n").unwrap();
        std::fs::write(root.join("README.md"), "x").unwrap();
        run(root, &["add", "."]);
        run(root, &["commit", "-q", "-m", "one"]);
        std::fs::write(root.join("sql/V1__a.sql"), "select 2;\n").unwrap();
        let history = from_git(root, "HEAD", &[root.join("sql")], Encoding::Utf8).unwrap();
        let root = std::fs::canonicalize(root).unwrap();
        let applied = history.get(&root.join("sql/V1__a.sql")).unwrap();
        assert_eq!(applied.checksum, checksum_text("select 1;\n"));
        assert_eq!(applied.text.as_deref(), Some("select 1;\n"));
        assert_eq!(history.files.len(), 1);
        let err = from_git(&root, "no-such-ref", &[root.join("sql")], Encoding::Utf8).unwrap_err();
        assert!(err.contains("no-such-ref"), "{err}");
    }
}
