//! The live model an editor session works on: projects whose files can be changed one at a time
//! (unsaved editor text, files created, renamed or deleted) and re-checked incrementally: only
//! the changed script is re-parsed; the rules and the schema replay run on cached analyses.
//!
//! Architecture invariant: no LSP types here; the language server converts at its edge.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::config::{ConfigError, LoadOptions};
use crate::diagnostic::{Diagnostic, Findings};
use crate::engine::{self, Analyses, HeldAnalyses};
use crate::index::{content_from_buffer, read_file, Content, MigrationSet, ScriptFile};
use crate::naming::NameParser;
use crate::project::{discover_projects, Project};
use crate::rules::Levels;
use crate::schema::Catalog;
use crate::sql::analysis::ParseCache;
use crate::sql::server::Server;

/// One project, checked, and able to take changes.
///
/// Cloning is cheap (the language server publishes a clone as the snapshot requests read): the
/// big parts are shared (`Arc`), and a change copies only what it touches ([`Arc::make_mut`]):
/// the file list and the list of analyses as pointers per file, not the texts or analyses.
#[derive(Debug, Clone)]
pub struct ProjectState {
    pub project: Arc<Project>,
    pub set: Arc<MigrationSet>,
    pub server: Server,
    pub levels: Levels,
    /// The scripts' analyses: kept for the files an editor gave a text, else made again when
    /// read ([`ProjectState::analysis`]).
    sql: Arc<HeldAnalyses>,
    /// The findings by file, each file's a shared slice that a re-check leaving them as they
    /// were keeps (so the language server publishes only files whose slice changed).
    pub diagnostics: Arc<Findings>,
    pub catalog: Arc<Catalog>,
    pub applied: Arc<crate::history::AppliedHistory>,
    /// What `applied-ref` says (the database's history is merged over it).
    pub git_applied: Arc<crate::history::AppliedHistory>,
    /// Parsed statements of the files edited through [`ProjectState::set_text`].
    parse_cache: Arc<HashMap<PathBuf, ParseCache>>,
    /// Findings and schema snapshots of the last run, for incremental re-checks.
    rule_cache: Arc<engine::RuleCache>,
    /// Index in `set.files` of each path (rebuilt when files come or go).
    by_path: Arc<HashMap<PathBuf, usize>>,
    /// Which state of the project this is: every change gives it a new number, unique in the
    /// process (see [`ProjectState::revision`]).
    revision: u64,
}

/// Frees `value` on a thread of its own, off the caller's way: a large folder's analyses are
/// millions of allocations, freed in a few hundred milliseconds that the first findings need
/// not wait for (freed here if no thread can be started).
fn free_elsewhere<T: Send + 'static>(value: T) {
    // A thread that cannot start drops its closure, and `value` with it, here.
    let _ = std::thread::Builder::new()
        .name("flyway-lsp-free".into())
        .spawn(move || drop(value));
}

/// The source of [`ProjectState::revision`] numbers: unique across projects and reloads.
static REVISIONS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);

fn next_revision() -> u64 {
    REVISIONS.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
}

impl ProjectState {
    pub fn load(project: Project) -> Result<ProjectState, ConfigError> {
        ProjectState::load_counted(project, None)
    }

    /// [`ProjectState::load`], counting the migrations checked in `progress`.
    pub fn load_counted(
        project: Project,
        progress: Option<&engine::Progress>,
    ) -> Result<ProjectState, ConfigError> {
        let levels = Levels::from_settings(&project.config.tool)?;
        let mut rule_cache = engine::RuleCache::for_edits();
        let report = engine::check_project_with(project, &mut rule_cache, progress)?;
        // Checked: the analyses are dropped, but for the scripts with suppression comments.
        // (The texts are kept as read: a front end that holds the model packs them once its
        // first findings are out, [`Workspace::pack_texts`].)
        let (sql, dropped) = HeldAnalyses::dropping(report.sql);
        free_elsewhere(dropped);
        let applied = Arc::new(report.applied);
        Ok(ProjectState {
            project: Arc::new(report.project),
            set: Arc::new(report.set),
            server: report.server,
            levels,
            sql: Arc::new(sql),
            diagnostics: Arc::new(report.diagnostics),
            catalog: Arc::new(report.catalog),
            git_applied: applied.clone(),
            applied,
            parse_cache: Arc::default(),
            rule_cache: Arc::new(rule_cache),
            by_path: Arc::default(),
            revision: next_revision(),
        }
        .indexed())
    }

    fn indexed(mut self) -> ProjectState {
        self.reindex();
        self
    }

    /// Which state of the project this is. Every change (a text, a file come or gone, the
    /// applied state) gives a new number, never one used before in this process, by any
    /// project, so a result computed on a copy of revision `r` can be installed only while the
    /// project is still at `r` (else it is stale: the copy missed a change made meanwhile).
    pub fn revision(&self) -> u64 {
        self.revision
    }

    /// Rebuilds the path index after files came or went.
    fn reindex(&mut self) {
        self.by_path = Arc::new(
            self.set
                .files
                .iter()
                .enumerate()
                .map(|(i, f)| (f.path.clone(), i))
                .collect(),
        );
    }

    /// Takes a new applied state (e.g. from the database) and runs the rules again.
    pub fn set_applied(&mut self, applied: crate::history::AppliedHistory) {
        if *self.applied != applied {
            self.applied = Arc::new(applied);
            self.recheck(None);
        }
    }

    /// What Flyway will say when an applied migration is renamed or deleted: the warning an
    /// editor shows before the file operation happens (`None` when it is not known applied).
    pub fn removal_warning(&self, path: &Path, renamed: bool) -> Option<String> {
        let file = self.file(path)?;
        let name = file.name().filter(|n| n.is_valid())?;
        let version = name.version.as_ref()?.raw().to_string();
        let source = match (self.applied.get(path), self.applied.database_state(path)) {
            (Some(applied), _) => applied.source.clone(),
            (None, Some(state)) if state.installed_on.is_some() => self
                .applied
                .database
                .as_ref()
                .map(|db| db.source.clone())
                .unwrap_or_default(),
            _ => return None,
        };
        let not_resolved = format!("Detected applied migration not resolved locally: {version}");
        Some(if renamed {
            format!(
                "{} is applied (in {source}): with another version Flyway validate fails with \"{not_resolved}\", with another description with a description mismatch. Keep the name, or run flyway repair on every database that applied it.",
                file.file_name
            )
        } else {
            format!(
                "{} is applied (in {source}): without it Flyway validate fails with \"{not_resolved}\". Keep the file, or run flyway repair on every database that applied it.",
                file.file_name
            )
        })
    }

    /// Identifies the project across reloads: its config folder and locations.
    pub fn key(&self) -> (PathBuf, Vec<PathBuf>) {
        (
            self.project.config.base_dir.clone(),
            self.project
                .locations
                .iter()
                .map(|l| l.path.clone())
                .collect(),
        )
    }

    /// The location a path lies in, if any.
    pub fn location_of(&self, path: &Path) -> Option<usize> {
        self.project
            .locations
            .iter()
            .position(|l| path.starts_with(&l.path))
    }

    pub fn file_index(&self, path: &Path) -> Option<usize> {
        let i = *self.by_path.get(path)?;
        debug_assert_eq!(self.set.files[i].path, path, "the path index is current");
        Some(i)
    }

    /// The schema as the migrations before file `index` leave it: the last re-check's snapshot
    /// when it is the file being edited, else the recorded effects of the files before it
    /// replayed on the last check's checkpoint before it, if any (replayed from their
    /// statements when a Java migration makes effects unknown).
    pub fn schema_before(&self, index: usize) -> Catalog {
        match self
            .rule_cache
            .schema_before(&self.set, index, self.server.dialect())
        {
            Some(catalog) => catalog,
            None => engine::catalog_before_with(
                &self.set,
                self.sql.any_analysed().then(|| self.server.dialect()),
                |i| self.analysis(i),
                index,
            ),
        }
    }

    /// File `index`'s analysis: kept (a file an editor gave a text, a script with suppression
    /// comments), else made again from its text, as the check made it.
    pub fn analysis(&self, index: usize) -> Option<Arc<crate::sql::analysis::SqlFile>> {
        self.sql.get(&self.set, &self.server, index, |p| {
            self.by_path.contains_key(p)
        })
    }

    /// Every file's analysis, as a full check makes them ([`ProjectState::analysis`]).
    pub fn analyses(&self) -> Analyses {
        (0..self.sql.len()).map(|i| self.analysis(i)).collect()
    }

    /// The schema a statement of file `index` reads: [`ProjectState::schema_before`] and the
    /// file's own statements that end before byte `offset` (a table the file created or renamed
    /// above the statement is known by its name there).
    pub fn schema_at(&self, index: usize, offset: usize) -> Catalog {
        let mut catalog = self.schema_before(index);
        if let Some(sql) = self.analysis(index) {
            engine::replay_until(&mut catalog, &self.set.files[index], &sql, offset);
        }
        catalog
    }

    pub fn file(&self, path: &Path) -> Option<&ScriptFile> {
        self.file_index(path).map(|i| &*self.set.files[i])
    }

    /// Diagnostics of one file.
    pub fn diagnostics_for<'a>(
        &'a self,
        path: &'a Path,
    ) -> impl Iterator<Item = &'a Diagnostic> + 'a {
        self.diagnostics.for_path(path).iter()
    }

    /// Sets a file's text (an editor's unsaved buffer, or a new file), and re-checks; a text over
    /// `max-analysis-size` is checksummed, not analysed, as on disk.
    /// Returns false when the path is in none of this project's locations.
    ///
    /// While the file's bytes on disk are not valid in its encoding, that finding stays and the
    /// buffer is not analysed: an editor shows such bytes decoded (lossily, or in an encoding it
    /// guessed), but Flyway reads the disk and fails on it. A disk read that finds valid text
    /// (after a save) ends it ([`Self::disk_encoding_invalid`]).
    pub fn set_text(&mut self, path: &Path, text: &str) -> bool {
        if self.disk_encoding_invalid(path) {
            return true;
        }
        let encoding = crate::index::script_encoding(path, self.project.config.flyway.encoding);
        let limit = self.project.config.tool.max_analysis_size();
        let content = content_from_buffer(text, encoding, limit);
        self.upsert(path, content)
    }

    /// Whether `path`'s content is bytes on disk that are not valid in its encoding.
    pub fn disk_encoding_invalid(&self, path: &Path) -> bool {
        self.file(path)
            .is_some_and(|f| matches!(f.content, Content::InvalidEncoding { .. }))
    }

    /// What to read to take `path` from disk again: taken under a lock, read without it
    /// ([`DiskRead::read`]), applied under it again ([`ProjectState::apply_disk_read`]), so that
    /// no lock is held while the disk is read.
    pub fn disk_read(&self, path: &Path) -> DiskRead {
        DiskRead {
            path: path.to_path_buf(),
            file: self.new_file(path),
            encoding: self.project.config.flyway.encoding,
            limit: self.project.config.tool.max_analysis_size(),
        }
    }

    /// Takes what [`DiskRead::read`] found: the file's content, or its removal.
    pub fn apply_disk_read(&mut self, path: &Path, read: Option<Option<ScriptFile>>) -> bool {
        match read {
            Some(None) => self.remove(path),
            Some(Some(file)) => self.upsert(path, file.content),
            None => false,
        }
    }

    /// Forgets a file (deleted on disk), and re-checks.
    pub fn remove(&mut self, path: &Path) -> bool {
        // A deleted folder removes everything below it.
        let doomed: Vec<usize> = (0..self.set.files.len())
            .filter(|&i| self.set.files[i].path.starts_with(path))
            .collect();
        if doomed.is_empty() {
            return false;
        }
        Arc::make_mut(&mut self.parse_cache).retain(|p, _| !p.starts_with(path));
        let (files, sql) = (Arc::make_mut(&mut self.set), Arc::make_mut(&mut self.sql));
        for i in doomed.into_iter().rev() {
            files.files.remove(i);
            sql.remove(i);
        }
        files.names_changed();
        self.reindex();
        self.sidecar_changed(path);
        self.recheck(None);
        true
    }

    fn new_file(&self, path: &Path) -> Option<ScriptFile> {
        let location = self.location_of(path)?;
        let root = &self.project.locations[location].path;
        let file_name = path.file_name()?.to_string_lossy().into_owned();
        let script = path
            .strip_prefix(root)
            .ok()?
            .components()
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .collect::<Vec<_>>()
            .join("/");
        let parser = NameParser::new(&self.project.config.flyway);
        Some(ScriptFile {
            path: path.to_path_buf(),
            location,
            class: parser.classify(&file_name),
            file_name,
            script,
            content: Content::NotRead,
        })
    }

    fn upsert(&mut self, path: &Path, content: Content) -> bool {
        let existed = self.file_index(path).is_some();
        let index = match self.file_index(path) {
            Some(i) => {
                Arc::make_mut(&mut Arc::make_mut(&mut self.set).files[i]).content = content;
                i
            }
            None => {
                let Some(mut file) = self.new_file(path) else {
                    return false;
                };
                file.content = content;
                let key = (file.location, file.script.clone());
                let at = self
                    .set
                    .files
                    .partition_point(|f| (f.location, f.script.clone()) < key);
                let set = Arc::make_mut(&mut self.set);
                set.files.insert(at, Arc::new(file));
                set.names_changed();
                Arc::make_mut(&mut self.sql).insert(at);
                self.reindex();
                at
            }
        };
        let cache = Arc::make_mut(&mut self.parse_cache)
            .entry(path.to_path_buf())
            .or_default();
        let by_path = &self.by_path;
        let analysis = engine::analyze_file(&self.set, index, &self.server, cache, |p| {
            by_path.contains_key(p)
        });
        Arc::make_mut(&mut self.sql).set(index, analysis);
        self.sidecar_changed(path);
        // A new file can change the order of everything; an edit only its own text.
        self.recheck(existed.then_some(path));
        true
    }

    /// After `path` came, changed or went: if it is a script's `.conf` file (Flyway's
    /// per-script settings), the script's kept analysis, which read it, is made again now (a
    /// dropped one reads it when it is made again).
    fn sidecar_changed(&mut self, path: &Path) {
        let Some(script) = path
            .to_str()
            .and_then(|p| p.strip_suffix(".conf"))
            .map(PathBuf::from)
        else {
            return;
        };
        let Some(index) = self.file_index(&script) else {
            return;
        };
        if self.sql.is_dropped(index) {
            return;
        }
        // Parsed afresh: the settings may change how its statements read.
        let by_path = &self.by_path;
        let analysis = engine::analyze_file(
            &self.set,
            index,
            &self.server,
            &mut ParseCache::default(),
            |p| by_path.contains_key(p),
        );
        Arc::make_mut(&mut self.sql).set(index, analysis);
    }

    /// Runs the rules again over the cached analyses; `changed` names the one file whose text
    /// changed since the last run (None: anything may have).
    pub fn recheck(&mut self, changed: Option<&Path>) {
        self.revision = next_revision();
        let (diagnostics, catalog, made) = engine::run_rules_incremental(
            &self.project,
            &self.set,
            &self.server,
            &self.sql,
            &self.levels,
            &self.applied,
            Arc::make_mut(&mut self.rule_cache),
            changed,
        );
        // The analyses it made again are kept: the files a change reached are likely to be
        // reached by the next one (typing in one migration re-checks the same few files).
        if !made.is_empty() {
            let sql = Arc::make_mut(&mut self.sql);
            for (i, analysis) in made {
                sql.set(i, Some(analysis));
            }
        }
        self.diagnostics = diagnostics;
        self.catalog = Arc::new(catalog);
    }
}

/// A file to take from disk again (see [`ProjectState::disk_read`]).
#[derive(Debug)]
pub struct DiskRead {
    path: PathBuf,
    /// None: the path is no file of the project's (nothing to read).
    file: Option<ScriptFile>,
    encoding: crate::config::Encoding,
    /// `max-analysis-size`: larger files are checksummed, not analysed.
    limit: u64,
}

impl DiskRead {
    /// Reads the disk: `Some(None)` when the path is no longer a file (deleted), `None` when it
    /// is nothing the project reads.
    pub fn read(self) -> Option<Option<ScriptFile>> {
        if !self.path.is_file() {
            return Some(None);
        }
        let mut file = self.file?;
        read_file(&mut file, self.encoding, self.limit);
        Some(Some(file))
    }
}

/// All projects of an editor's workspace folders.
#[derive(Debug, Clone, Default)]
pub struct Workspace {
    pub projects: Vec<ProjectState>,
}

impl Workspace {
    /// Finds and checks the projects of each root; problems come back as messages.
    pub fn load(roots: &[PathBuf], options: &LoadOptions) -> (Workspace, Vec<String>) {
        Workspace::load_counted(roots, options, None)
    }

    /// [`Workspace::load`], counting the migrations checked in `progress` (for a front end to
    /// show how far the load got).
    pub fn load_counted(
        roots: &[PathBuf],
        options: &LoadOptions,
        progress: Option<&engine::Progress>,
    ) -> (Workspace, Vec<String>) {
        let mut workspace = Workspace::default();
        let mut errors = Vec::new();
        for root in roots {
            match discover_projects(root, options) {
                Ok(projects) => {
                    for project in projects {
                        let locations: Vec<PathBuf> =
                            project.locations.iter().map(|l| l.path.clone()).collect();
                        if workspace.projects.iter().any(|p| {
                            p.project
                                .locations
                                .iter()
                                .map(|l| &l.path)
                                .eq(locations.iter())
                        }) {
                            continue;
                        }
                        match ProjectState::load_counted(project, progress) {
                            Ok(state) => workspace.projects.push(state),
                            Err(e) => errors.push(e.to_string()),
                        }
                    }
                }
                Err(e) => errors.push(e.to_string()),
            }
        }
        (workspace, errors)
    }

    /// Keeps every project's texts compressed ([`MigrationSet::pack_texts`]), but those of the
    /// files `open` names (an editor's buffers, read on every request): the others are read
    /// again only for a re-check or a request. A load leaves them as read, so that a language
    /// server's first findings do not wait for this (a quarter of a second of CPU on a
    /// 10,000-file folder).
    pub fn pack_texts(&mut self, open: impl Fn(&Path) -> bool + Sync) {
        for project in &mut self.projects {
            Arc::make_mut(&mut project.set).pack_texts(&open);
        }
    }

    /// The project with this [`ProjectState::key`] (it may have moved in a reload).
    pub fn project_by_key(&self, key: &(PathBuf, Vec<PathBuf>)) -> Option<usize> {
        self.projects.iter().position(|p| &p.key() == key)
    }

    /// Installs `project`, computed off the lock on a copy of the project with its key taken at
    /// revision `from`, if the project is still at `from`; else the copy missed a change made
    /// meanwhile and `project` is stale: dropped, and `None` returned (the caller checks
    /// again). Installed, it returns the state it replaced, for the caller to free where that
    /// delays nothing.
    pub fn install(&mut self, from: u64, project: ProjectState) -> Option<ProjectState> {
        let Some(p) = self.project_by_key(&project.key()) else {
            return None; // reloaded without it
        };
        if self.projects[p].revision != from {
            return None;
        }
        Some(std::mem::replace(&mut self.projects[p], project))
    }

    pub fn project_for(&self, path: &Path) -> Option<usize> {
        self.projects
            .iter()
            .position(|p| p.location_of(path).is_some())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;

    fn rules_of(state: &ProjectState) -> Vec<(String, &'static str)> {
        state
            .diagnostics
            .iter()
            .map(|d| {
                (
                    d.path.file_name().unwrap().to_string_lossy().into_owned(),
                    d.rule,
                )
            })
            .collect()
    }

    #[test]
    fn next_migration_uses_the_conventions_and_the_template() {
        let dir = tempfile::tempdir().unwrap();
        let sql = dir.path().join("migrations");
        fs::create_dir(&sql).unwrap();
        fs::write(
            sql.join("V007__AddLender__migration_0a1b2c3d.sql"),
            "SELECT 1;",
        )
        .unwrap();
        fs::write(
            dir.path().join("flyway-lsp.toml"),
            "template = \"TEMPLATE.sql\"\n[conventions]\ndescription-case = \"PascalCase\"\nhash-suffix = true\n",
        )
        .unwrap();
        fs::write(
            dir.path().join("TEMPLATE.sql"),
            "-- Migration: {{description}} (V{{version}})\n-- File: {{file}}\n-- Date: {{date}}\n",
        )
        .unwrap();
        let (ws, errors) = Workspace::load(&[dir.path().to_path_buf()], &LoadOptions::default());
        assert!(errors.is_empty(), "{errors:?}");
        let next = crate::scaffold::next_migration(&ws.projects[0], "add lender rate").unwrap();
        let name = next
            .path
            .file_name()
            .unwrap()
            .to_string_lossy()
            .into_owned();
        assert!(
            name.starts_with("V008__AddLenderRate__migration_"),
            "{name}"
        );
        assert_eq!(
            name.len(),
            "V008__AddLenderRate__migration_12345678.sql".len()
        );
        assert!(
            next.text
                .starts_with("-- Migration: AddLenderRate__migration_"),
            "{}",
            next.text
        );
        assert!(next.text.contains("(V008)") && next.text.contains(&format!("-- File: {name}")));
        assert!(!next.text.contains("{{"), "{}", next.text);
    }

    fn full_findings(state: &ProjectState) -> Findings {
        engine::run_rules(
            &state.project,
            &state.set,
            &state.server,
            &state.analyses(),
            &state.levels,
            &state.applied,
        )
        .0
    }

    /// A project folder with a folder `sql` holding `files`.
    fn sql_folder(files: &[(&str, &str)]) -> (tempfile::TempDir, PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        let sql = dir.path().join("sql");
        fs::create_dir(&sql).unwrap();
        for (name, text) in files {
            fs::write(sql.join(name), text).unwrap();
        }
        (dir, sql)
    }

    /// Migrations `V1__t1.sql` … `V{n}__t{n}.sql`, each creating its table, loaded.
    fn tables_loaded(n: usize) -> (tempfile::TempDir, PathBuf, Workspace) {
        let texts: Vec<(String, String)> = (1..=n)
            .map(|i| {
                (
                    format!("V{i}__t{i}.sql"),
                    format!("CREATE TABLE t{i} (id int);"),
                )
            })
            .collect();
        let files: Vec<(&str, &str)> = texts
            .iter()
            .map(|(n, t)| (n.as_str(), t.as_str()))
            .collect();
        let (dir, sql) = sql_folder(&files);
        let (ws, errors) = Workspace::load(&[dir.path().to_path_buf()], &LoadOptions::default());
        assert!(errors.is_empty(), "{errors:?}");
        (dir, sql, ws)
    }

    /// A full check keeps the schema at evenly spaced points of the apply order; an edit
    /// keeps those it cannot have changed and makes the others again, and a re-check or a
    /// schema before a file started from one is what a full check gives.
    #[test]
    fn an_edit_keeps_the_schema_checkpoints_it_cannot_have_changed() {
        let (_dir, sql, mut ws) = tables_loaded(40);
        let names: Vec<String> = (1..=40).map(|i| format!("V{i}__t{i}.sql")).collect();
        let state = &mut ws.projects[0];
        // 40 migrations (the unit tests' thresholds): every 5th position.
        let all = vec![5, 10, 15, 20, 25, 30, 35];
        assert_eq!(state.rule_cache.checkpoint_positions(), all);
        let compare = |state: &ProjectState, why: &str| {
            assert_eq!(*state.diagnostics, full_findings(state), "{why}");
            let analyses = state.analyses();
            for i in [0, 4, 5, 12, 30, 39] {
                let index = state.file_index(&sql.join(&names[i])).unwrap();
                assert_eq!(
                    state.schema_before(index),
                    engine::catalog_before(&state.set, &analyses, index),
                    "{why}: the schema before {}",
                    names[i]
                );
            }
        };
        compare(state, "loaded");
        // A comment after the statement: the schema after the file is what it was (the
        // statement did not move: its table's origin is the same), every checkpoint stays.
        let v20 = sql.join("V20__t20.sql");
        assert!(state.set_text(&v20, "CREATE TABLE t20 (id int); -- note"));
        assert_eq!(state.rule_cache.checkpoint_positions(), all);
        compare(state, "a comment added");
        // A change that stays to the end: those after the edited file (position 19) are made
        // again with it.
        assert!(state.set_text(&v20, "CREATE TABLE t20 (id int, x int);"));
        assert_eq!(state.rule_cache.checkpoint_positions(), all);
        compare(state, "a column added");
        // The first edit of a file further on starts from the checkpoint before it.
        let v33 = sql.join("V33__t33.sql");
        assert!(!state.rule_cache.has_snapshot(&v33));
        assert!(state.set_text(&v33, "CREATE TABLE t33 (id int);\nALTER TABLE t20 DROP x;"));
        assert_eq!(state.rule_cache.checkpoint_positions(), all);
        compare(state, "a column dropped further on");
        assert!(state.set_text(&v20, "CREATE TABLE t20 (id int, y int);"));
        compare(state, "another column added");
        // A change that a later file undoes: those between are made again, those after it
        // (nothing differs any more there) kept.
        let v27 = sql.join("V27__t27.sql");
        assert!(state.set_text(&v27, "CREATE TABLE t27 (id int);\nDROP TABLE t20;"));
        assert!(state.set_text(&v20, "CREATE TABLE t20 (id int, z int);"));
        assert_eq!(state.rule_cache.checkpoint_positions(), all);
        compare(state, "a change dropped later");
    }

    #[test]
    fn a_text_edit_reuses_the_name_rules_findings() {
        let (dir, sql) = sql_folder(&[
            ("V1__a.sql", "CREATE TABLE a (id int);"),
            ("V001__b.sql", "CREATE TABLE b (id int);"),
            ("V3__c.sql", ""),
        ]);
        let (mut ws, errors) =
            Workspace::load(&[dir.path().to_path_buf()], &LoadOptions::default());
        assert!(errors.is_empty(), "{errors:?}");
        let state = &mut ws.projects[0];
        assert!(!state.rule_cache.names_reused(), "the first run runs them");
        let duplicate = |state: &ProjectState| {
            state
                .diagnostics
                .iter()
                .filter(|d| d.rule == "duplicate-version" && d.path.ends_with("V1__a.sql"))
                .map(|d| (d.start, d.end))
                .collect::<Vec<_>>()
        };
        assert_eq!(duplicate(state).len(), 1);
        // The edit moves the first line: the reused whole-file finding moves with it.
        assert!(state.set_text(
            &sql.join("V1__a.sql"),
            "-- a longer first line\nCREATE TABLE a (id int);"
        ));
        assert!(state.rule_cache.names_reused());
        assert_eq!(*state.diagnostics, full_findings(state));
        assert_eq!(duplicate(state)[0].1.column, 23);
        // A content rule still runs: the empty file filled, then emptied again.
        assert!(state.set_text(&sql.join("V3__c.sql"), "SELECT 1;"));
        assert!(state.rule_cache.names_reused());
        assert!(!rules_of(state).contains(&("V3__c.sql".into(), "empty-migration")));
        assert!(state.set_text(&sql.join("V3__c.sql"), "-- nothing"));
        assert!(rules_of(state).contains(&("V3__c.sql".into(), "empty-migration")));
        assert_eq!(*state.diagnostics, full_findings(state));
        // A new name: everything runs again.
        assert!(state.set_text(&sql.join("V4__d.sql"), "SELECT 1;"));
        assert!(!state.rule_cache.names_reused());
        assert_eq!(*state.diagnostics, full_findings(state));
        assert!(state.set_text(&sql.join("V4__d.sql"), "SELECT 2;"));
        assert!(state.rule_cache.names_reused());
        assert!(state.remove(&sql.join("V001__b.sql")));
        assert!(!state.rule_cache.names_reused());
        assert!(duplicate(state).is_empty());
        assert_eq!(*state.diagnostics, full_findings(state));
    }

    /// A folder large enough for the overlapped full run: the first text edit after the load
    /// reuses the name rules' findings too (the load's run left what an edit's run compares).
    #[test]
    fn the_first_edit_after_a_large_load_reuses_the_name_rules_findings() {
        let (_dir, sql, mut ws) = tables_loaded(40);
        let state = &mut ws.projects[0];
        assert!(state.set.files.len() >= 32, "the overlapped load runs");
        assert!(state.set_text(&sql.join("V20__t20.sql"), "CREATE TABLE t20 (id bigint);"));
        assert!(state.rule_cache.names_reused());
        assert_eq!(*state.diagnostics, full_findings(state));
    }

    /// An edit changes the findings of the files it reaches (one appears in another file, then
    /// goes) and of the edited file's content rules; every other file keeps its slice of
    /// findings, the same pointer (what the language server's publish relies on).
    #[test]
    fn an_edit_updates_the_files_it_reaches_and_keeps_the_others_slices() {
        let (dir, sql) = sql_folder(&[
            (
                "V1__a.sql",
                "CREATE TABLE a (id int);\nCREATE TABLE b (id int);\n",
            ),
            ("V2__b.sql", "ALTER TABLE a ADD COLUMN x int;\n"),
            ("V3__c.sql", "ALTER TABLE b ADD COLUMN y int NOT NULL;\n"),
            ("V4__d.sql", "-- nothing yet\n"),
            ("V5__e.sql", "-- nothing either\n"),
        ]);
        let (mut ws, errors) =
            Workspace::load(&[dir.path().to_path_buf()], &LoadOptions::default());
        assert!(errors.is_empty(), "{errors:?}");
        let state = &mut ws.projects[0];
        let slice = |state: &ProjectState, name: &str| {
            state
                .diagnostics
                .files()
                .find(|f| f[0].path == sql.join(name))
                .cloned()
        };
        let v3 = slice(state, "V3__c.sql").expect("V3 has findings");
        let v5 = slice(state, "V5__e.sql").expect("V5 is empty");
        let v2_before = slice(state, "V2__b.sql").map(|s| s.to_vec());
        assert!(rules_of(state).contains(&("V4__d.sql".into(), "empty-migration")));
        let same = |a: &Option<Arc<[Diagnostic]>>, b: &Arc<[Diagnostic]>| {
            a.as_ref().is_some_and(|a| Arc::ptr_eq(a, b))
        };
        // V1 drops the table V2 alters.
        let v1 = sql.join("V1__a.sql");
        let original = state.file(&v1).unwrap().text().unwrap().to_string();
        assert!(state.set_text(&v1, &format!("{original}DROP TABLE a;\n")));
        assert!(rules_of(state).contains(&("V2__b.sql".into(), "unknown-table")));
        assert_eq!(*state.diagnostics, full_findings(state));
        assert!(same(&slice(state, "V3__c.sql"), &v3));
        assert!(same(&slice(state, "V5__e.sql"), &v5));
        // V4 filled: its empty-migration goes, V5's stays.
        assert!(state.set_text(&sql.join("V4__d.sql"), "SELECT 1;\n"));
        assert!(!rules_of(state).contains(&("V4__d.sql".into(), "empty-migration")));
        assert!(rules_of(state).contains(&("V5__e.sql".into(), "empty-migration")));
        assert_eq!(*state.diagnostics, full_findings(state));
        // V1 as it was: V2's finding goes.
        assert!(state.set_text(&v1, &original));
        assert!(!rules_of(state).contains(&("V2__b.sql".into(), "unknown-table")));
        assert_eq!(slice(state, "V2__b.sql").map(|s| s.to_vec()), v2_before);
        assert_eq!(*state.diagnostics, full_findings(state));
        assert!(same(&slice(state, "V3__c.sql"), &v3));
        // V4 emptied again: its finding is back.
        assert!(state.set_text(&sql.join("V4__d.sql"), "-- nothing\n"));
        assert!(rules_of(state).contains(&("V4__d.sql".into(), "empty-migration")));
        assert_eq!(*state.diagnostics, full_findings(state));
    }

    #[test]
    fn a_result_computed_on_a_stale_copy_is_dropped() {
        let (dir, sql) = sql_folder(&[
            ("V1__a.sql", "CREATE TABLE a (id int);"),
            ("V2__b.sql", "ALTER TABLE a ADD COLUMN b int;"),
        ]);
        let roots = [dir.path().to_path_buf()];
        let (mut ws, errors) = Workspace::load(&roots, &LoadOptions::default());
        assert!(errors.is_empty(), "{errors:?}");
        let (v1, v2) = (sql.join("V1__a.sql"), sql.join("V2__b.sql"));
        let text = |ws: &Workspace, path: &Path| {
            ws.projects[0]
                .file(path)
                .unwrap()
                .text()
                .unwrap()
                .to_string()
        };

        // A check runs on a copy; meanwhile another change is made to the model.
        let mut copy = ws.projects[0].clone();
        let from = copy.revision();
        assert!(copy.set_text(&v2, "ALTER TABLE a DROP COLUMN nope;"));
        assert!(ws.projects[0].set_text(&v1, "CREATE TABLE a (id int, c int);"));
        assert!(
            ws.install(from, copy).is_none(),
            "stale: it misses the change to V1"
        );
        assert_eq!(text(&ws, &v1), "CREATE TABLE a (id int, c int);");
        assert_eq!(text(&ws, &v2), "ALTER TABLE a ADD COLUMN b int;");

        // Checked again on the newer model, it is installed, with both changes.
        let mut copy = ws.projects[0].clone();
        let from = copy.revision();
        assert!(copy.set_text(&v2, "ALTER TABLE a DROP COLUMN nope;"));
        assert_ne!(copy.revision(), from, "a change gives a new revision");
        assert!(ws.install(from, copy).is_some());
        assert_eq!(text(&ws, &v1), "CREATE TABLE a (id int, c int);");
        assert_eq!(text(&ws, &v2), "ALTER TABLE a DROP COLUMN nope;");
        assert!(rules_of(&ws.projects[0]).contains(&("V2__b.sql".into(), "unknown-column")));
        assert_eq!(*ws.projects[0].diagnostics, full_findings(&ws.projects[0]));

        // A copy taken before a reload is stale after it, though the reloaded project is
        // unchanged: revisions are never reused.
        let mut copy = ws.projects[0].clone();
        let from = copy.revision();
        assert!(copy.set_text(&v1, "CREATE TABLE a (id int, d int);"));
        let (reloaded, _) = Workspace::load(&roots, &LoadOptions::default());
        ws = reloaded;
        assert!(ws.install(from, copy).is_none());
        assert_eq!(text(&ws, &v1), "CREATE TABLE a (id int);");
        // A project no longer loaded takes nothing.
        let copy = ws.projects[0].clone();
        let from = copy.revision();
        ws.projects.clear();
        assert!(ws.install(from, copy).is_none());
    }

    #[test]
    fn incremental_changes() {
        let dir = tempfile::tempdir().unwrap();
        let sql = dir.path().join("sql");
        fs::create_dir(&sql).unwrap();
        fs::write(
            sql.join("V1__a.sql"),
            "CREATE TABLE a (id bigint PRIMARY KEY);",
        )
        .unwrap();
        fs::write(
            sql.join("V2__b.sql"),
            "SET lock_timeout = '1s';\nALTER TABLE a ADD COLUMN b int;",
        )
        .unwrap();
        let (mut ws, errors) =
            Workspace::load(&[dir.path().to_path_buf()], &LoadOptions::default());
        assert!(errors.is_empty());
        let p = ws.project_for(&sql.join("V2__b.sql")).unwrap();
        let state = &mut ws.projects[p];
        assert!(state.diagnostics.is_empty());

        // Typing in V2 (unsaved): a column that does not exist.
        assert!(state.set_text(
            &sql.join("V2__b.sql"),
            "SET lock_timeout = '1s';\nALTER TABLE a DROP COLUMN nope;"
        ));
        assert!(rules_of(state).contains(&("V2__b.sql".into(), "unknown-column")));

        // A new file with a duplicate version, then the same on disk and deleted.
        let dup = sql.join("V2__dup.sql");
        assert!(state.set_text(&dup, "SELECT 1;"));
        assert_eq!(
            rules_of(state)
                .iter()
                .filter(|(_, r)| *r == "duplicate-version")
                .count(),
            2
        );
        assert!(state.remove(&dup));
        assert!(!rules_of(state)
            .iter()
            .any(|(_, r)| *r == "duplicate-version"));

        // The schema before the edited file comes from the re-check's snapshot and is what a
        // replay gives; for another file it is replayed.
        assert!(state.set_text(
            &sql.join("V2__b.sql"),
            "SET lock_timeout = '1s';\nALTER TABLE a ADD COLUMN c int;"
        ));
        for path in [sql.join("V2__b.sql"), sql.join("V1__a.sql")] {
            let i = state.file_index(&path).unwrap();
            assert_eq!(
                state.schema_before(i),
                engine::catalog_before(&state.set, &state.analyses(), i),
                "{path:?}"
            );
        }
        assert!(state.rule_cache.has_snapshot(&sql.join("V2__b.sql")));

        // An unsaved buffer over max-analysis-size is checksummed, not analysed, as on disk.
        let mut big = String::from("SET lock_timeout = '1s';\nALTER TABLE a DROP COLUMN nope;\n");
        let limit = state.project.config.tool.max_analysis_size() as usize;
        big.push_str(&"-- padding\n".repeat(limit / 11 + 1));
        assert!(state.set_text(&sql.join("V2__b.sql"), &big));
        let rules = rules_of(state);
        assert!(
            rules.contains(&("V2__b.sql".into(), "skipped-file")),
            "{rules:?}"
        );
        assert!(
            !rules.iter().any(|(_, r)| *r == "unknown-column"),
            "{rules:?}"
        );
        assert_eq!(
            state.file(&sql.join("V2__b.sql")).unwrap().checksum(),
            Some(crate::checksum::checksum_text(&big))
        );

        // Reverting the buffer to what is on disk.
        let v2 = sql.join("V2__b.sql");
        assert!(state.apply_disk_read(&v2, state.disk_read(&v2).read()));
        assert!(state.diagnostics.is_empty());

        // The next migration follows the folder's convention and is never an existing file.
        let next = crate::scaffold::next_migration(state, "add email").unwrap();
        assert_eq!(next.path, sql.join("V3__add_email.sql"));
        assert!(next.text.starts_with("-- V3__add_email.sql: add email, 20"));

        // Incremental re-checks give what a full run gives, whatever is edited.
        let edits = [
            ("V1__a.sql", "CREATE TABLE a (id bigint PRIMARY KEY, b int);"),
            ("V2__b.sql", "SET lock_timeout = '1s';\nALTER TABLE a DROP COLUMN b;"),
            ("V2__b.sql", "SET lock_timeout = '1s';\nALTER TABLE a DROP COLUMN b; ALTER TABLE a DROP COLUMN id;"),
            ("V1__a.sql", "CREATE TABLE a (id bigint PRIMARY KEY);"),
            ("V1__a.sql", "CREATE TABLE a (id bigint PRIMARY KEY, b int);"),
            ("V2__b.sql", "SET lock_timeout = '1s';\nALTER TABLE a DROP COLUMN b;"),
        ];
        for (name, text) in edits {
            assert!(state.set_text(&sql.join(name), text));
            let (full, catalog) = engine::run_rules(
                &state.project,
                &state.set,
                &state.server,
                &state.analyses(),
                &state.levels,
                &state.applied,
            );
            assert_eq!(*state.diagnostics, full, "after editing {name}");
            assert_eq!(*state.catalog, catalog, "after editing {name}");
        }

        // Paths outside the locations are not taken.
        assert!(!state.set_text(&dir.path().join("other.sql"), "x"));
    }
    /// A small seeded generator (splitmix64): the same edits on every run.
    struct Rng(u64);

    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut z = self.0;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            z ^ (z >> 31)
        }

        fn below(&mut self, n: usize) -> usize {
            (self.next() % n.max(1) as u64) as usize
        }
    }

    /// One random edit of `text`: a line deleted, duplicated or taken from `other`, a word
    /// renamed or deleted, a statement cut short, or the text back as it was on disk.
    fn edit(rng: &mut Rng, text: &str, other: &str, original: &str) -> String {
        let lines: Vec<&str> = text.split_inclusive('\n').collect();
        let at = rng.below(lines.len());
        let words: Vec<(usize, &str)> = text
            .match_indices(|c: char| c.is_alphanumeric() || c == '_')
            .collect::<Vec<_>>()
            .chunk_by(|a, b| a.0 + a.1.len() == b.0)
            .map(|run| (run[0].0, &text[run[0].0..run.last().unwrap().0 + 1]))
            .collect();
        match rng.below(8) {
            0 if !lines.is_empty() => lines
                .iter()
                .enumerate()
                .filter(|(i, _)| *i != at)
                .map(|(_, l)| *l)
                .collect(),
            1 if !lines.is_empty() => {
                let mut out: Vec<&str> = lines.clone();
                out.insert(at, lines[at]);
                out.concat()
            }
            2 => {
                let theirs: Vec<&str> = other.split_inclusive('\n').collect();
                let mut out: Vec<&str> = lines.clone();
                if !theirs.is_empty() {
                    out.insert(at.min(out.len()), theirs[rng.below(theirs.len())]);
                }
                out.concat()
            }
            3 | 4 if !words.is_empty() => {
                // A name typed on (the bench's edit) or replaced by another name of the file.
                let (start, word) = words[rng.below(words.len())];
                let with = if rng.below(2) == 0 {
                    format!("{word}x")
                } else {
                    words[rng.below(words.len())].1.to_string()
                };
                format!("{}{with}{}", &text[..start], &text[start + word.len()..])
            }
            5 if !words.is_empty() => {
                let (start, word) = words[rng.below(words.len())];
                format!("{}{}", &text[..start], &text[start + word.len()..])
            }
            6 => {
                let mut cut = rng.below(text.len() + 1);
                while !text.is_char_boundary(cut) {
                    cut -= 1;
                }
                text[..cut].to_string()
            }
            _ => original.to_string(),
        }
    }

    /// Applies seeded random edits to every project of `root` through the workspace, and
    /// after each one compares the incremental result with a check from scratch: the edited
    /// file's analysis, findings, final schema, and the schema before the edited file.
    /// Returns the number of edits, and of those re-checked without checking every file.
    fn random_edits_match_full_checks(root: &Path, edits: usize, seed: u64) -> (usize, usize) {
        let (mut ws, errors) = Workspace::load(&[root.to_path_buf()], &LoadOptions::default());
        assert!(errors.is_empty(), "{root:?}: {errors:?}");
        assert!(!ws.projects.is_empty(), "{root:?} has projects");
        let mut rng = Rng(seed);
        let mut done = 0;
        // Edits after which fewer files were checked than a full run checks.
        let mut partial = 0;
        for state in &mut ws.projects {
            let scripts: Vec<usize> = (0..state.set.files.len())
                .filter(|&i| state.analysis(i).is_some())
                .collect();
            if scripts.is_empty() {
                continue;
            }
            let originals: Vec<(PathBuf, String)> = scripts
                .iter()
                .map(|&i| {
                    let f = &state.set.files[i];
                    (f.path.clone(), f.text().unwrap_or_default().to_string())
                })
                .collect();
            // Mostly one file edited again and again (typing), sometimes another one.
            let mut current = rng.below(originals.len());
            for step in 0..edits {
                if rng.below(4) == 0 {
                    current = rng.below(originals.len());
                }
                let (path, original) = &originals[current];
                let other = &originals[rng.below(originals.len())].1;
                let text = state.file(path).and_then(|f| f.text()).unwrap_or_default();
                let next = edit(&mut rng, &text, other, original);
                assert!(state.set_text(path, &next));
                assert!(
                    state.rule_cache.names_reused(),
                    "a text edit runs only the folder rules that read contents"
                );
                done += 1;
                let checked = state.rule_cache.checked();
                let i = state.file_index(path).unwrap();
                let fresh = engine::analyze_file(
                    &state.set,
                    i,
                    &state.server,
                    &mut ParseCache::default(),
                    |p| state.by_path.contains_key(p),
                );
                // Field by field: `created_tables` is a hash map (its order is not the point).
                let shown = |s: Option<&crate::sql::analysis::SqlFile>| {
                    s.as_ref().map(|s| {
                        let created: std::collections::BTreeMap<_, _> =
                            s.created_tables.iter().collect();
                        format!(
                            "{:?} {:?} {:?} {:?} {:?} {created:?}",
                            s.dialect, s.comments, s.statements, s.suppressions, s.script_config
                        )
                    })
                };
                assert_eq!(
                    shown(state.analysis(i).as_deref()),
                    shown(fresh.as_deref()),
                    "analysis of {path:?} after step {step} (seed {seed})"
                );
                let mut fresh_cache = engine::RuleCache::default();
                let (full, catalog, _) = engine::run_rules_incremental(
                    &state.project,
                    &state.set,
                    &state.server,
                    &state.sql,
                    &state.levels,
                    &state.applied,
                    &mut fresh_cache,
                    None,
                );
                partial += usize::from(checked < fresh_cache.checked());
                assert_eq!(
                    state.diagnostics, full,
                    "findings after step {step} editing {path:?} (seed {seed})"
                );
                assert_eq!(
                    *state.catalog, catalog,
                    "schema after step {step} editing {path:?} (seed {seed})"
                );
                // The edited file's (its snapshot) and another's (from a checkpoint, if any).
                let analyses = state.analyses();
                let other = rng.below(state.set.files.len());
                for j in [i, other] {
                    assert_eq!(
                        state.schema_before(j),
                        engine::catalog_before(&state.set, &analyses, j),
                        "schema before {:?} after step {step} editing {path:?} (seed {seed})",
                        state.set.files[j].path
                    );
                }
            }
        }
        (done, partial)
    }

    /// The texts a load read are kept packed and given back as read, byte for byte (a
    /// byte-order mark, CRLF line ends, characters outside ASCII); a short one stays as it is,
    /// and an edited file's text is its buffer.
    #[test]
    fn a_load_drops_the_analyses_and_makes_them_again_as_the_check_made_them() {
        let (dir, sql) = sql_folder(&[
            (
                "V1__a.sql",
                "CREATE TABLE a (id int);\nCREATE TABLE b (id int);",
            ),
            (
                "V2__b.sql",
                "-- flyway-lsp-ignore require-concurrent-index\nCREATE INDEX a_id ON a (id);",
            ),
            ("V3__c.sql", "ALTER TABLE a ADD COLUMN x int;"),
            ("V4__d.sql", "SELECT 1;"),
        ]);
        let (mut ws, errors) =
            Workspace::load(&[dir.path().to_path_buf()], &LoadOptions::default());
        assert!(errors.is_empty(), "{errors:?}");
        let state = &mut ws.projects[0];
        let index = |state: &ProjectState, name: &str| state.file_index(&sql.join(name)).unwrap();
        // Dropped, but for the script whose comment silences a rule.
        for (name, dropped) in [
            ("V1__a.sql", true),
            ("V2__b.sql", false),
            ("V3__c.sql", true),
            ("V4__d.sql", true),
        ] {
            assert_eq!(state.sql.is_dropped(index(state, name)), dropped, "{name}");
        }
        // Made again, each is what the check made.
        let full = engine::analyze_all(&state.set, &state.server);
        let shown = |a: Option<&crate::sql::analysis::SqlFile>| {
            a.map(|s| format!("{:?} {:?} {:?}", s.statements, s.suppressions, s.comments))
        };
        for (i, made) in full.iter().enumerate() {
            assert_eq!(shown(state.analysis(i).as_deref()), shown(made.as_deref()));
        }
        // An edit keeps the edited file's analysis, and those its re-check made again: renaming
        // `a` reaches V2 (kept anyway) and V3, not V4, which reads nothing of the schema.
        assert!(state.set_text(
            &sql.join("V1__a.sql"),
            "CREATE TABLE a2 (id int);\nCREATE TABLE b (id int);"
        ));
        assert!(!state.sql.is_dropped(index(state, "V1__a.sql")));
        assert!(!state.sql.is_dropped(index(state, "V3__c.sql")));
        assert!(state.sql.is_dropped(index(state, "V4__d.sql")));
        assert_eq!(*state.diagnostics, full_findings(state));
    }

    #[test]
    fn an_undo_migration_edited_is_checked_alone_against_the_whole_schema() {
        let (dir, sql) = sql_folder(&[
            ("V1__a.sql", "CREATE TABLE a (id int);"),
            ("V2__b.sql", "ALTER TABLE a ADD COLUMN b int;"),
            ("U2__b.sql", "ALTER TABLE a DROP COLUMN b;"),
        ]);
        let (mut ws, errors) =
            Workspace::load(&[dir.path().to_path_buf()], &LoadOptions::default());
        assert!(errors.is_empty(), "{errors:?}");
        let state = &mut ws.projects[0];
        let undo = sql.join("U2__b.sql");
        assert!(state.set_text(&undo, "ALTER TABLE a DROP COLUMN nope;"));
        assert_eq!(state.rule_cache.checked(), 1, "only the undo migration");
        assert_eq!(*state.diagnostics, full_findings(state));
        let i = state.file_index(&undo).unwrap();
        assert_eq!(
            state.schema_before(i),
            engine::catalog_before(&state.set, &state.analyses(), i)
        );
    }

    #[test]
    fn a_scripts_conf_file_changed_makes_its_kept_analysis_again() {
        let (dir, sql) = sql_folder(&[
            ("V1__a.sql", "CREATE TABLE a (id int);"),
            (
                "V2__b.sql",
                "-- flyway-lsp-ignore-file require-lock-timeout\nALTER TABLE a ADD COLUMN b int;\nUPDATE a SET b = 1;",
            ),
        ]);
        let (mut ws, errors) =
            Workspace::load(&[dir.path().to_path_buf()], &LoadOptions::default());
        assert!(errors.is_empty(), "{errors:?}");
        let state = &mut ws.projects[0];
        let v2 = state.file_index(&sql.join("V2__b.sql")).unwrap();
        assert!(!state.sql.is_dropped(v2), "kept: it silences a rule");
        let held = |state: &ProjectState| {
            let sql = state.sql.kept(v2).unwrap();
            sql.script_config.execute_in_transaction
        };
        assert_eq!(held(state), None);
        let conf = sql.join("V2__b.sql.conf");
        fs::write(&conf, "executeInTransaction=false\n").unwrap();
        assert!(state.set_text(&conf, "executeInTransaction=false\n"));
        assert_eq!(held(state), Some(false));
        assert_eq!(*state.diagnostics, full_findings(state));
        fs::remove_file(&conf).unwrap();
        assert!(state.remove(&conf));
        assert_eq!(held(state), None);
        assert_eq!(*state.diagnostics, full_findings(state));
    }

    #[test]
    fn a_load_keeps_texts_packed_and_gives_them_back_as_read() {
        let dir = tempfile::tempdir().unwrap();
        let sql = dir.path().join("migrations");
        fs::create_dir(&sql).unwrap();
        let long = "CREATE TABLE t (id int);\r\n-- é ü 漢字 🙂\r\n".repeat(20);
        let texts = [
            ("V1__a.sql", format!("\u{feff}{long}")),
            ("V2__b.sql", "SELECT 1;\n".to_string()),
            ("V3__c.sql", long.replace("t (", "u (")),
        ];
        for (name, text) in &texts {
            fs::write(sql.join(name), text).unwrap();
        }
        let (mut ws, errors) =
            Workspace::load(&[dir.path().to_path_buf()], &LoadOptions::default());
        assert!(errors.is_empty(), "{errors:?}");
        assert!(
            ws.projects[0]
                .set
                .files
                .iter()
                .all(|f| !matches!(f.content, Content::Packed { .. })),
            "a load leaves the texts as read"
        );
        // V3 is open in an editor: its text stays as it is.
        let open = sql.join("V3__c.sql");
        ws.pack_texts(|p| p == open);
        let mut state = ws.projects[0].clone();
        let path_of = |state: &ProjectState, name: &str| {
            state
                .set
                .files
                .iter()
                .find(|f| f.file_name == name)
                .map(|f| f.path.clone())
                .unwrap()
        };
        for (name, text) in &texts {
            let file = state.file(&path_of(&state, name)).unwrap();
            assert_eq!(file.text().as_deref(), Some(text.as_str()), "{name}");
            assert_eq!(
                matches!(file.content, Content::Packed { .. }),
                text.len() >= 256 && *name != "V3__c.sql",
                "{name} packed"
            );
            assert_eq!(
                file.checksum(),
                Some(crate::checksum::checksum_text(text)),
                "{name}"
            );
        }
        let v1 = path_of(&state, "V1__a.sql");
        assert!(state.set_text(&v1, "SELECT 2;"));
        let file = state.file(&v1).unwrap();
        assert!(matches!(file.content, Content::Text { .. }));
        assert_eq!(file.text().as_deref(), Some("SELECT 2;"));
    }

    #[test]
    fn random_edits_give_what_a_full_check_gives() {
        let repo = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let (mut total, mut partial) = (0, 0);
        for (folder, seed) in [
            ("fixtures/postgres-snake", 1),
            ("fixtures/mysql-oro", 2),
            ("fixtures/flyway-naming", 3),
            ("fixtures/corpora/marquez", 4),
            ("fixtures/corpora/zstack", 5),
            ("fixtures/corpora/steady", 6),
            ("fixtures/corpora/ccd-definition-store-api", 7),
            ("fixtures/corpora/killbill", 8),
        ] {
            let (edits, reused) = random_edits_match_full_checks(&repo.join(folder), 30, seed);
            total += edits;
            partial += reused;
        }
        assert!(total >= 240, "{total} edits checked");
        // The incremental path ran (folders with Java migrations are always checked whole).
        assert!(
            partial * 2 >= total,
            "{partial} of {total} edits re-checked in part"
        );
    }
}
