//! The engine: the one entry point both front ends (CLI and language server) call.
//!
//! Architecture invariant: no LSP types and no printing here; it returns values.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};

use crate::config::{ConfigError, LoadOptions};
use crate::diagnostic::{self, Diagnostic};
use crate::history::AppliedHistory;
use crate::index::{index_project, MigrationSet, ScriptFile};
use crate::naming::{Kind, NameParser};
use crate::project::{discover_projects, Project};
use crate::rules::{self, FileContext, FolderContext, Levels, Sink};
use crate::schema::{Catalog, Origin};
use crate::sql::analysis::SqlFile;
use crate::sql::server::Server;
use crate::version::Version;

/// The analysed SQL of each file of a set, aligned with `MigrationSet::files`.
/// Shared per file, so that a copy of the list (an editor's snapshot) copies pointers only.
pub type Analyses = Vec<Option<std::sync::Arc<SqlFile>>>;

/// The analyses a language server's model holds, aligned with `MigrationSet::files`: a
/// script's analysis is kept once an editor has given its text, else dropped after the check
/// that made it and made again from the file's unchanged text when something reads it. A large
/// folder's statements and their facts are most of a model's memory, while a re-check reads
/// only the files it checks again, and requests mostly the files open in the editor.
#[derive(Debug, Clone, Default)]
pub struct HeldAnalyses(Vec<Held>);

/// One file's analysis in [`HeldAnalyses`].
#[derive(Debug, Clone)]
pub enum Held {
    /// Not analysed (not a SQL migration, over the size limit, a database without SQL rules).
    None,
    Kept(std::sync::Arc<SqlFile>),
    /// Analysed, then dropped. Only a script without suppression comments is dropped: the
    /// folder rules' findings are filtered by them without the script being analysed again.
    Dropped,
}

impl HeldAnalyses {
    /// The analyses of a full run, those of the scripts with suppression comments kept, the
    /// others dropped; the dropped ones come back too, for the caller to free where it costs
    /// the least.
    pub fn dropping(sql: Analyses) -> (HeldAnalyses, Vec<std::sync::Arc<SqlFile>>) {
        let mut dropped = Vec::with_capacity(sql.len());
        let held = sql
            .into_iter()
            .map(|analysis| match analysis {
                None => Held::None,
                Some(a) if a.has_suppressions() => Held::Kept(a),
                Some(a) => {
                    dropped.push(a);
                    Held::Dropped
                }
            })
            .collect();
        (HeldAnalyses(held), dropped)
    }

    /// Every analysis kept (a model whose files are all analysed when read, as in tests).
    #[cfg(test)]
    pub fn keeping(sql: Analyses) -> HeldAnalyses {
        HeldAnalyses(
            sql.into_iter()
                .map(|a| a.map_or(Held::None, Held::Kept))
                .collect(),
        )
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Sets file `index`'s analysis (kept).
    pub fn set(&mut self, index: usize, analysis: Option<std::sync::Arc<SqlFile>>) {
        self.0[index] = analysis.map_or(Held::None, Held::Kept);
    }

    /// A file inserted at `index`, not analysed yet.
    pub fn insert(&mut self, index: usize) {
        self.0.insert(index, Held::None);
    }

    pub fn remove(&mut self, index: usize) {
        self.0.remove(index);
    }

    /// File `index`'s analysis if it is kept.
    pub fn kept(&self, index: usize) -> Option<&std::sync::Arc<SqlFile>> {
        match self.0.get(index)? {
            Held::Kept(a) => Some(a),
            _ => None,
        }
    }

    /// Whether any file is analysed (kept or dropped).
    pub fn any_analysed(&self) -> bool {
        self.0.iter().any(|h| !matches!(h, Held::None))
    }

    /// Whether file `index`'s analysis was dropped (it is made again when read).
    pub fn is_dropped(&self, index: usize) -> bool {
        matches!(self.0.get(index), Some(Held::Dropped))
    }

    /// File `index`'s analysis: the kept one, or, dropped, made again from the file's text as
    /// the check that dropped it made it (`is_file`: whether a path is one of the set's files,
    /// for the script's `.conf` file).
    pub fn get(
        &self,
        set: &MigrationSet,
        server: &Server,
        index: usize,
        is_file: impl Fn(&Path) -> bool,
    ) -> Option<std::sync::Arc<SqlFile>> {
        match self.0.get(index)? {
            Held::None => None,
            Held::Kept(a) => Some(a.clone()),
            Held::Dropped => Some(std::sync::Arc::new(analyze_loaded(
                set.files.get(index)?,
                server,
                is_file,
            ))),
        }
    }
}

/// A project with its indexed files and its diagnostics.
#[derive(Debug, Clone)]
pub struct ProjectReport {
    pub project: Project,
    pub set: MigrationSet,
    pub server: Server,
    /// The analysed SQL of each file, aligned with `set.files` (`None`: not analysed).
    pub sql: Analyses,
    /// The schema after every migration (versioned, then repeatable) is replayed.
    pub catalog: Catalog,
    /// Migrations known to be applied (from `applied-ref`).
    pub applied: AppliedHistory,
    pub diagnostics: diagnostic::Findings,
}

/// Indexes and checks one project.
pub fn check_project(project: Project) -> Result<ProjectReport, ConfigError> {
    check_project_with(project, &mut RuleCache::default(), None)
}

/// How far full runs have got, for a front end to show while they run (the language server
/// reads it on a timer): the migrations they will check in Flyway's order (each run adds its
/// own once it knows them) and those checked so far. Bumping it costs one atomic add per file.
#[derive(Debug, Default)]
pub struct Progress {
    pub total: std::sync::atomic::AtomicUsize,
    pub done: std::sync::atomic::AtomicUsize,
}

/// [`check_project`], leaving in `cache` what a later incremental re-check reuses, and
/// counting the migrations it checks in `progress`.
pub fn check_project_with(
    project: Project,
    cache: &mut RuleCache,
    progress: Option<&Progress>,
) -> Result<ProjectReport, ConfigError> {
    let levels = Levels::from_settings(&project.config.tool)?;
    let set = index_project(&project);
    let location_names: Vec<String> = project
        .locations
        .iter()
        .filter_map(|l| l.path.file_name().map(|n| n.to_string_lossy().into_owned()))
        .collect();
    let server = Server::resolve(&project.config, &set, &location_names)?;
    let applied = load_applied(&project)?;
    let (sql, diagnostics, catalog) =
        analyze_and_check(&project, &set, &server, &levels, &applied, cache, progress);
    Ok(ProjectReport {
        project,
        set,
        server,
        sql,
        catalog,
        applied,
        diagnostics,
    })
}

/// Runs the rules of `report` again with a different applied state (e.g. read from the
/// database).
pub fn rerun_with(report: &mut ProjectReport, applied: AppliedHistory) -> Result<(), ConfigError> {
    let levels = Levels::from_settings(&report.project.config.tool)?;
    let (diagnostics, catalog) = run_rules(
        &report.project,
        &report.set,
        &report.server,
        &report.sql,
        &levels,
        &applied,
    );
    report.diagnostics = diagnostics;
    report.catalog = catalog;
    report.applied = applied;
    Ok(())
}

/// The applied migrations of `applied-ref`, if configured.
pub fn load_applied(project: &Project) -> Result<AppliedHistory, ConfigError> {
    let Some(reference) = &project.config.tool.applied_ref else {
        return Ok(AppliedHistory::new());
    };
    let locations: Vec<PathBuf> = project.locations.iter().map(|l| l.path.clone()).collect();
    crate::history::from_git(
        &project.config.base_dir,
        reference,
        &locations,
        project.config.flyway.encoding,
    )
    .map_err(|e| ConfigError::new(format!("applied-ref `{reference}`: {e}")))
}

/// The files whose SQL is analysed: valid migrations and callbacks.
fn analysed_kinds() -> &'static [Kind] {
    &[
        Kind::Versioned,
        Kind::Baseline,
        Kind::Undo,
        Kind::Repeatable,
        Kind::Callback,
    ]
}

/// Splits and parses every migration, on all cores.
pub fn analyze_all(set: &MigrationSet, server: &Server) -> Analyses {
    // A database without SQL rules: its scripts are never parsed as PostgreSQL or MySQL.
    if server.unsupported.is_some() {
        return vec![None; set.files.len()];
    }
    let conf_files = conf_files(set);
    let work: Vec<(usize, &ScriptFile)> = set
        .files
        .iter()
        .map(|f| &**f)
        .enumerate()
        .filter(|(_, f)| analysed(f))
        .collect();
    let analyse = |(i, file): &(usize, &ScriptFile)| -> (usize, SqlFile) {
        (*i, analyze_loaded(file, server, |p| conf_files.contains(p)))
    };
    let threads = analysis_threads();
    let mut out: Analyses = vec![None; set.files.len()];
    let results: Vec<(usize, SqlFile)> = if threads <= 1 || work.len() < 32 {
        work.iter().map(analyse).collect()
    } else {
        let chunk = work.len().div_ceil(threads);
        std::thread::scope(|scope| {
            let handles: Vec<_> = work
                .chunks(chunk)
                .map(|part| scope.spawn(move || part.iter().map(analyse).collect::<Vec<_>>()))
                .collect();
            handles
                .into_iter()
                .flat_map(|h| h.join().unwrap_or_default())
                .collect()
        })
    };
    for (i, analysis) in results {
        out[i] = Some(std::sync::Arc::new(analysis));
    }
    out
}

/// The `.conf` files of a set (Flyway's per-script settings are read from them).
fn conf_files(set: &MigrationSet) -> HashSet<&Path> {
    set.files
        .iter()
        .filter(|f| f.file_name.ends_with(".conf"))
        .map(|f| f.path.as_path())
        .collect()
}

/// Whether `analyze_all` analyses the file.
fn analysed(file: &ScriptFile) -> bool {
    file.migration(analysed_kinds()).is_some() && file.has_text()
}

/// One file of a loaded set analysed, with its `.conf` file if the set has one (`is_file`:
/// whether a path is one of the set's files).
fn analyze_loaded(file: &ScriptFile, server: &Server, is_file: impl Fn(&Path) -> bool) -> SqlFile {
    let has_sidecar = is_file(&sidecar_path(file));
    analyze_script(file, &file.text().unwrap_or_default(), server, has_sidecar)
}

fn analysis_threads() -> usize {
    std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1)
        .min(8)
}

/// The analyses of a full run as they arrive from the threads making them, for the rules to
/// take in Flyway's order while the later files are still being analysed.
struct Arrivals<'a> {
    /// Per file of the set: set once its analysis is made (`None`: not analysed).
    slots: Vec<std::sync::OnceLock<Option<std::sync::Arc<SqlFile>>>>,
    lock: std::sync::Mutex<()>,
    arrived: std::sync::Condvar,
    /// The files to analyse (indexes), in the order the rules take them; the next one to take.
    work: Vec<usize>,
    next: std::sync::atomic::AtomicUsize,
    make: &'a (dyn Fn(usize) -> SqlFile + Sync),
}

impl Arrivals<'_> {
    fn put(&self, i: usize, analysis: Option<SqlFile>) {
        let _ = self.slots[i].set(analysis.map(std::sync::Arc::new));
        // Under the lock: a waiter between its look and its wait cannot miss this.
        let _guard = self
            .lock
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        self.arrived.notify_all();
    }

    /// Analyses the next file nobody took yet; false when none is left.
    fn work_one(&self) -> bool {
        let k = self.next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let Some(&i) = self.work.get(k) else {
            return false;
        };
        // A panic loses this file's analysis, never the run (the rules wait for it).
        let made = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| (self.make)(i))).ok();
        self.put(i, made);
        true
    }

    /// File `i`'s analysis, once made; meanwhile this thread analyses later files.
    fn wait(&self, i: usize) -> Option<&SqlFile> {
        loop {
            if let Some(made) = self.slots[i].get() {
                return made.as_deref();
            }
            if !self.work_one() {
                break;
            }
        }
        let mut guard = self
            .lock
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        loop {
            if let Some(made) = self.slots[i].get() {
                return made.as_deref();
            }
            guard = self
                .arrived
                .wait(guard)
                .unwrap_or_else(std::sync::PoisonError::into_inner);
        }
    }

    /// Every analysis (once all are made).
    fn all(&self) -> Analyses {
        (0..self.slots.len())
            .map(|i| {
                self.wait(i);
                self.slots[i].get().cloned().flatten()
            })
            .collect()
    }
}

/// A full run: [`analyze_all`] and then [`run_rules_incremental`] (with nothing changed), but
/// overlapped: the files are analysed in Flyway's apply order, by other threads and by this one
/// whenever the rules would wait, and the rules take each file as soon as it and the files
/// before it are analysed. Same results.
fn analyze_and_check(
    project: &Project,
    set: &MigrationSet,
    server: &Server,
    levels: &Levels,
    applied: &AppliedHistory,
    cache: &mut RuleCache,
    progress: Option<&Progress>,
) -> (Analyses, diagnostic::Findings, Catalog) {
    let threads = analysis_threads();
    if server.unsupported.is_some() || threads <= 1 || set.files.len() < 32 {
        let sql = analyze_all(set, server);
        let source = Source::Made(&sql);
        let (diagnostics, catalog) = run_rules_from(
            project, set, server, &source, levels, applied, cache, None, progress,
        );
        return (sql, std::sync::Arc::unwrap_or_clone(diagnostics), catalog);
    }
    let conf_files = conf_files(set);
    let make = |i: usize| analyze_loaded(&set.files[i], server, |p| conf_files.contains(p));
    // The files in the order the rules take them: the apply order, then the others.
    let mut work: Vec<usize> = apply_order(set);
    let mut queued = vec![false; set.files.len()];
    for &i in &work {
        queued[i] = true;
    }
    work.extend((0..set.files.len()).filter(|&i| !queued[i]));
    let (work, skipped): (Vec<usize>, Vec<usize>) =
        work.into_iter().partition(|&i| analysed(&set.files[i]));
    let arrivals = Arrivals {
        slots: (0..set.files.len())
            .map(|_| std::sync::OnceLock::new())
            .collect(),
        lock: std::sync::Mutex::new(()),
        arrived: std::sync::Condvar::new(),
        work,
        next: std::sync::atomic::AtomicUsize::new(0),
        make: &make,
    };
    for i in skipped {
        arrivals.put(i, None);
    }
    let (diagnostics, catalog) = std::thread::scope(|scope| {
        // The rules' thread analyses too, while it would wait: one thread less.
        for _ in 1..threads {
            scope.spawn(|| while arrivals.work_one() {});
        }
        run_rules_from(
            project,
            set,
            server,
            &Source::Arriving(&arrivals),
            levels,
            applied,
            cache,
            None,
            progress,
        )
    });
    (
        arrivals.all(),
        std::sync::Arc::unwrap_or_clone(diagnostics),
        catalog,
    )
}

/// The dropped analyses a run made again, by file index (made on first need).
type MadeSlots = std::sync::OnceLock<Vec<std::sync::OnceLock<Option<std::sync::Arc<SqlFile>>>>>;

/// The dropped analyses a re-check made again, by file index ([`run_rules_incremental`]).
pub type MadeAgain = Vec<(usize, std::sync::Arc<SqlFile>)>;

/// Where a run of the rules finds each file's analysis.
enum Source<'a> {
    /// All made before the run.
    Made(&'a Analyses),
    /// Arriving while it runs ([`analyze_and_check`]).
    Arriving(&'a Arrivals<'a>),
    /// A model's: the dropped ones made again as the run reads them (given back to the model
    /// by [`run_rules_incremental`]).
    Held {
        held: &'a HeldAnalyses,
        made: &'a MadeSlots,
        /// Set once the run made every dropped analysis again ([`Source::make_all`]).
        all: &'a std::sync::atomic::AtomicBool,
        make: &'a (dyn Fn(usize) -> SqlFile + Sync),
    },
}

impl Source<'_> {
    fn wait(&self, i: usize) -> Option<&SqlFile> {
        match self {
            Source::Made(sql) => sql.get(i).and_then(Option::as_deref),
            Source::Arriving(arrivals) => arrivals.wait(i),
            Source::Held {
                held, made, make, ..
            } => match held.0.get(i)? {
                Held::None => None,
                Held::Kept(a) => Some(a),
                Held::Dropped => {
                    let made =
                        made.get_or_init(|| (0..held.len()).map(|_| Default::default()).collect());
                    made[i]
                        .get_or_init(|| {
                            // A panic loses this file's analysis, never the run.
                            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| make(i)))
                                .ok()
                                .map(std::sync::Arc::new)
                        })
                        .as_deref()
                }
            },
        }
    }

    /// File `i`'s analysis if it is at hand without making it: every analysis of a run's
    /// files but a dropped one not made again, which has no suppression comments.
    fn at_hand(&self, i: usize) -> Option<&SqlFile> {
        match self {
            Source::Held { held, made, .. } => match held.0.get(i)? {
                Held::None => None,
                Held::Kept(a) => Some(a),
                Held::Dropped => made.get()?.get(i)?.get()?.as_deref(),
            },
            _ => self.wait(i),
        }
    }

    /// Makes the dropped analyses of the files in `order` on every core, in that order (a run
    /// that checks every file, as after files came or went).
    fn make_all(&self, order: &[usize]) {
        let Source::Held { held, all, .. } = self else {
            return;
        };
        all.store(true, std::sync::atomic::Ordering::Relaxed);
        let dropped: Vec<usize> = order
            .iter()
            .copied()
            .filter(|&i| held.is_dropped(i))
            .collect();
        if dropped.is_empty() {
            return;
        }
        let next = std::sync::atomic::AtomicUsize::new(0);
        std::thread::scope(|scope| {
            for _ in 0..analysis_threads() {
                scope.spawn(|| loop {
                    let k = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    let Some(&i) = dropped.get(k) else { break };
                    self.wait(i);
                });
            }
        });
    }
}

/// Analyses one file's current text the way `analyze_all` does (for editors, after a change),
/// re-parsing only the statements not in `cache`.
/// `is_file` says whether a path is one of the set's files (a look-up in the caller's index of
/// them, not a walk through the list: its `.sql.conf` is looked for on every edit).
pub fn analyze_file(
    set: &MigrationSet,
    index: usize,
    server: &Server,
    cache: &mut crate::sql::analysis::ParseCache,
    is_file: impl Fn(&Path) -> bool,
) -> Option<std::sync::Arc<SqlFile>> {
    if server.unsupported.is_some() {
        return None;
    }
    let file = set.files.get(index)?;
    file.migration(analysed_kinds())?;
    // Unpacked once (a packed text), for the analysis and the cache.
    let text = file.shared_text()?;
    let sidecar = sidecar_text(file, is_file(&sidecar_path(file)));
    Some(cache.analyze(
        text,
        server.dialect(),
        &server.placeholders,
        sidecar.as_deref(),
    ))
}

/// `V1__x.sql.conf`, Flyway's per-script configuration file.
fn sidecar_path(file: &ScriptFile) -> PathBuf {
    PathBuf::from(format!("{}.conf", file.path.display()))
}

/// The text of `file`'s `.sql.conf`, if it has one.
fn sidecar_text(file: &ScriptFile, has_sidecar: bool) -> Option<String> {
    has_sidecar
        .then(|| std::fs::read_to_string(sidecar_path(file)).ok())
        .flatten()
}

/// Analyses `text`, `file`'s text.
fn analyze_script(file: &ScriptFile, text: &str, server: &Server, has_sidecar: bool) -> SqlFile {
    let sidecar = sidecar_text(file, has_sidecar);
    crate::sql::analysis::analyze_cached(
        text,
        server.dialect(),
        &server.placeholders,
        sidecar.as_deref(),
        None,
    )
}

/// The order Flyway applies migrations to an empty database: the latest baseline migration (if
/// any) and the versioned migrations above it, by version; then repeatables by description.
/// Indexes into `set.files`.
pub fn apply_order(set: &MigrationSet) -> Vec<usize> {
    let mut versioned: Vec<(&Version, Kind, usize)> = set
        .files
        .iter()
        .enumerate()
        .filter_map(|(i, f)| {
            let name = f.migration(&[Kind::Versioned, Kind::Baseline])?;
            Some((name.version.as_ref()?, name.kind, i))
        })
        .collect();
    versioned.sort_by(|a, b| (a.0, a.1, a.2).cmp(&(b.0, b.1, b.2)));
    let baseline = versioned
        .iter()
        .filter(|(_, kind, _)| *kind == Kind::Baseline)
        .map(|(v, _, i)| (*v, *i))
        .next_back();
    let mut order: Vec<usize> = match baseline {
        Some((version, index)) => std::iter::once(index)
            .chain(
                versioned
                    .iter()
                    .filter(|(v, kind, _)| *kind == Kind::Versioned && *v > version)
                    .map(|(_, _, i)| *i),
            )
            .collect(),
        None => versioned
            .iter()
            .filter(|(_, kind, _)| *kind == Kind::Versioned)
            .map(|(_, _, i)| *i)
            .collect(),
    };
    let mut repeatables: Vec<(String, usize)> = set
        .files
        .iter()
        .enumerate()
        .filter_map(|(i, f)| Some((f.migration(&[Kind::Repeatable])?.description(), i)))
        .collect();
    repeatables.sort();
    order.extend(repeatables.into_iter().map(|(_, i)| i));
    order
}

/// Where Java and Kotlin migrations fall in Flyway's apply order: the files of `order` before
/// which one of them runs (its effect on the schema is unknown, so the replay forgets what it
/// knew there), and whether one runs after all of them.
fn code_points(set: &MigrationSet, order: &[usize]) -> (HashSet<usize>, bool) {
    let mut before = HashSet::new();
    let mut after_all = false;
    let baseline = order
        .first()
        .and_then(|&i| set.files[i].migration(&[Kind::Baseline]))
        .and_then(|n| n.version.as_ref());
    let first_repeatable = order
        .iter()
        .position(|&i| set.files[i].migration(&[Kind::Repeatable]).is_some());
    for (_, name) in set.code.iter().filter_map(|f| f.name().map(|n| (f, n))) {
        let at = match &name.version {
            // Below the baseline: never applied.
            Some(v) if baseline.is_some_and(|b| v <= b) => continue,
            Some(v) => order
                .iter()
                .position(|&i| {
                    set.files[i]
                        .migration(&[Kind::Versioned])
                        .and_then(|n| n.version.as_ref())
                        .is_some_and(|sv| sv > v)
                })
                .or(first_repeatable),
            // A repeatable one: before every SQL repeatable, to be safe.
            None => first_repeatable,
        };
        match at {
            Some(k) => {
                before.insert(order[k]);
            }
            None => after_all = true,
        }
    }
    (before, after_all)
}

/// What one run of the rules leaves for the next (editors re-check after every change): each
/// file's findings and what its check read from the schema and changed in it
/// ([`crate::schema::Record`]), the final schema, and the schema before the file being edited.
#[derive(Debug, Clone, Default)]
pub struct RuleCache {
    /// Per file of the set the run checked (by index in its `files`), shared in chunks: a
    /// copy of the cache (the language server keeps the model a re-check starts from) costs
    /// a pointer per chunk, and a re-check copies the chunks of the files it checks.
    per_file: Chunked<Option<FileResult>>,
    /// No Java or Kotlin migration ran in it: every file's effects are in its record.
    replayable: bool,
    end: Option<Catalog>,
    edited: Option<EditedSnapshot>,
    /// The schema at a few points of the apply order ([`Checkpoints`]), taken only for a
    /// model that is re-checked after edits ([`RuleCache::for_edits`]).
    checkpoints: Checkpoints,
    wants_checkpoints: bool,
    /// How many files the last run checked (the others' findings were reused).
    checked: usize,
    /// What the folder rules that read only names found, and a hash of the names they read.
    names: Option<(u64, std::sync::Arc<rules::folder::NameFindings>)>,
    /// Whether the last run reused them.
    names_reused: bool,
    /// The apply order of the last run, which follows from the names alone.
    plan: Option<std::sync::Arc<Plan>>,
    /// What the last run found, by file: a file whose findings are the same keeps its slice.
    findings: Option<std::sync::Arc<diagnostic::Findings>>,
    /// The folder rules' findings of the last run (sorted, suppressions applied): when a run
    /// finds the same, the files it did not check again keep their slices as they are.
    folder: Option<std::sync::Arc<Vec<Diagnostic>>>,
}

/// Flyway's apply order (indexes into the set's files) and where Java and Kotlin migrations
/// fall in it ([`code_points`]).
#[derive(Debug, Clone)]
struct Plan {
    order: Vec<usize>,
    code_before: HashSet<usize>,
    code_after_all: bool,
    /// The files outside it (undo migrations, callbacks, versioned migrations below a
    /// baseline), by index in ascending order.
    outside: Vec<usize>,
    /// The files (indexes) sorted by path: findings come out in that order.
    by_path: Vec<usize>,
}

/// A vector shared in chunks of [`Chunked::CHUNK`] entries: a copy copies the chunks'
/// pointers, and a change after it copies the one chunk it changes.
#[derive(Debug, Clone, Default)]
struct Chunked<T> {
    chunks: Vec<std::sync::Arc<Vec<T>>>,
    len: usize,
}

impl<T: Clone> Chunked<T> {
    const CHUNK: usize = 64;

    /// `len` copies of `value`.
    fn filled(value: T, len: usize) -> Self {
        let chunks = (0..len.div_ceil(Self::CHUNK))
            .map(|c| {
                std::sync::Arc::new(vec![value.clone(); Self::CHUNK.min(len - c * Self::CHUNK)])
            })
            .collect();
        Chunked { chunks, len }
    }

    fn len(&self) -> usize {
        self.len
    }

    fn get(&self, i: usize) -> Option<&T> {
        self.chunks.get(i / Self::CHUNK)?.get(i % Self::CHUNK)
    }

    /// Sets entry `i` (which must exist), copying its chunk first if it is shared.
    fn set(&mut self, i: usize, value: T) {
        std::sync::Arc::make_mut(&mut self.chunks[i / Self::CHUNK])[i % Self::CHUNK] = value;
    }

    #[cfg(test)]
    fn iter(&self) -> impl Iterator<Item = &T> {
        self.chunks.iter().flat_map(|c| c.iter())
    }
}

#[derive(Debug, Clone)]
struct FileResult {
    findings: std::sync::Arc<[Diagnostic]>,
    record: std::sync::Arc<crate::schema::Record>,
    /// The record's reads and parts read whole, held here too: a re-check asks thousands of
    /// files whether a change reaches them, and these sit side by side in the results, where
    /// the records are each a pointer away.
    reads: std::sync::Arc<[u32]>,
    whole: u16,
}

impl FileResult {
    fn new(findings: std::sync::Arc<[Diagnostic]>, record: crate::schema::Record) -> FileResult {
        FileResult {
            findings,
            reads: record.reads.clone(),
            whole: record.whole,
            record: record.into(),
        }
    }
}

impl RuleCache {
    /// A cache for a model that is re-checked after edits (the language server's): its full
    /// runs keep [`Checkpoints`] of the schema. A one-off check has no use for them.
    pub fn for_edits() -> RuleCache {
        RuleCache {
            wants_checkpoints: true,
            ..RuleCache::default()
        }
    }

    /// The schema before `path` as the last run left it: the snapshot taken before the edited
    /// file, or the recorded effects of the migrations before it replayed on the checkpoint
    /// before it, if any (what [`catalog_before`] computes, without analysing any statement
    /// again).
    /// `index` is the file's index in `set`, the set the last run checked.
    pub fn schema_before(
        &self,
        set: &MigrationSet,
        index: usize,
        dialect: crate::sql::Dialect,
    ) -> Option<Catalog> {
        let path = &set.files.get(index)?.path;
        if let Some(s) = self.edited.as_ref().filter(|s| &s.path == path) {
            return Some(s.before.clone());
        }
        if !self.replayable || self.per_file.len() != set.files.len() {
            return None;
        }
        let order = &self.plan.as_ref()?.order;
        let Some(pos) = order.iter().position(|&i| i == index) else {
            // Outside the apply order (an undo migration, a callback): the whole schema, as
            // the last run left it (a copy is a pointer copy), read as `catalog_before` reads.
            let end = self.end.as_ref()?.clone();
            return Some(end.with_placeholders(Default::default()));
        };
        let (from, mut catalog) = match self.checkpoints.before(pos) {
            // Read as `catalog_before` reads, without the set's placeholders.
            Some((at, c)) => (*at, c.clone().with_placeholders(Default::default())),
            None => (0, Catalog::new(dialect)),
        };
        for &i in &order[from..pos] {
            catalog.apply_effects(&self.per_file.get(i)?.as_ref()?.record.effects);
        }
        Some(catalog)
    }

    /// How many files the last run checked; the others' findings were reused.
    pub fn checked(&self) -> usize {
        self.checked
    }

    /// Whether the last run reused the findings of the folder rules that read only names.
    pub fn names_reused(&self) -> bool {
        self.names_reused
    }

    /// The positions in the apply order whose schema the last run keeps ([`Checkpoints`]).
    #[cfg(test)]
    pub fn checkpoint_positions(&self) -> Vec<usize> {
        self.checkpoints.0.iter().map(|(at, _)| *at).collect()
    }

    /// Whether the last run snapshotted the schema before `path` (the file being edited).
    pub fn has_snapshot(&self, path: &Path) -> bool {
        self.edited.as_ref().is_some_and(|s| s.path == path)
    }
}

/// The schema before the file at every [`Checkpoints::stride`]-th position of the apply order,
/// as the last full run found it: a re-check of a file with no snapshot of its own (the first
/// edit of a file just opened) and a request's schema before a file replay the effects of the
/// files from the checkpoint before it, not from the first migration (on 10,000 files, a
/// replay from the start took ~200 ms). A copy of a catalog is a pointer copy; a change
/// after it copies the chunks it changes, so each checkpoint holds at most one copy of the
/// catalog's chunks (the values themselves are shared). A re-check makes again those its edit
/// may have changed ([`Checkpoints::after_edit`]).
#[derive(Debug, Clone, Default)]
struct Checkpoints(std::sync::Arc<Vec<(usize, Catalog)>>);

impl Checkpoints {
    /// The most checkpoints a run takes: the stride grows with the folder.
    const MOST: usize = 8;
    /// None in a shorter order: a replay of a few hundred files' effects takes a few
    /// milliseconds. (Small in the unit tests, so that the random-edit test's folders have
    /// checkpoints and compare every re-check made from one with a full check.)
    const LEAST: usize = if cfg!(test) { 8 } else { 512 };
    const SHORTEST_STRIDE: usize = if cfg!(test) { 2 } else { 256 };

    /// Every how many positions a run of `len` migrations takes one.
    fn stride(len: usize) -> Option<usize> {
        (len >= Self::LEAST).then(|| len.div_ceil(Self::MOST + 1).max(Self::SHORTEST_STRIDE))
    }

    /// The last checkpoint at or before position `pos`.
    fn before(&self, pos: usize) -> Option<&(usize, Catalog)> {
        self.0.iter().take_while(|(at, _)| *at <= pos).last()
    }

    /// The checkpoint at position `pos`, if there is one.
    fn at(&self, pos: usize) -> Option<&Catalog> {
        let k = self.0.binary_search_by_key(&pos, |(at, _)| *at).ok()?;
        Some(&self.0[k].1)
    }

    /// Those true after a re-check of the file at position `edited`: the schema before each
    /// position up to it is unchanged, and from `same_from` on (where the re-check found
    /// nothing differing from the last run any more, if it did); between them, the ones the
    /// re-check made again (`remade`, in order of position).
    fn after_edit(
        &self,
        edited: usize,
        same_from: Option<usize>,
        remade: Vec<(usize, Catalog)>,
    ) -> Checkpoints {
        let mut remade = remade.into_iter().peekable();
        let mut kept = Vec::with_capacity(self.0.len());
        for (at, catalog) in self.0.iter() {
            if *at <= edited || same_from.is_some_and(|s| *at >= s) {
                kept.push((*at, catalog.clone()));
            } else if let Some(new) = remade.next_if(|(r, _)| r == at) {
                kept.push(new);
            }
        }
        Checkpoints(std::sync::Arc::new(kept))
    }
}

#[derive(Debug, Clone)]
struct EditedSnapshot {
    path: PathBuf,
    before: Catalog,
}

/// The keys whose value may differ, at the current point of a re-check's replay, from what the
/// previous run had there.
#[derive(Debug, Default)]
struct Delta {
    /// Each key with its hash (as records keep the keys they read) and its value now.
    keys: HashMap<(crate::schema::Part, String), (u32, crate::schema::Value)>,
    /// The keys' hashes, sorted, and their parts' bits: what [`Delta::reaches`] compares with
    /// a record's (sorted) hashes, once per file reused.
    hashes: Vec<u32>,
    parts: u16,
    /// The keys' hashes as bits of a 65,536-bit map (their low 16 bits): a file none of whose
    /// reads' hashes finds its bit set read none of the keys, told without walking both sorted
    /// lists (a file reads more keys than a change alters, and thousands of files are asked).
    filter: Vec<u64>,
}

/// Words in [`Delta::filter`].
const FILTER_WORDS: usize = 1024;

impl Delta {
    /// `previous`, a schema the last run had at the current point of the walk, as it is now:
    /// the keys that differ put in a copy.
    fn applied_to(&self, previous: &Catalog) -> Catalog {
        let mut now = previous.clone();
        for ((part, key), (_, value)) in &self.keys {
            now.put(*part, key, value);
        }
        now
    }

    /// Whether no key differs.
    fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    /// Whether a file whose last check read what `file` says may now see something else: it
    /// read one of the keys (its hash: a collision says yes) or their part whole.
    ///
    /// (A file it does not reach neither wrote any of the keys, since records count what a
    /// file writes as read: replayed from its effects, it leaves them as they are.)
    fn reaches(&self, file: &FileResult) -> bool {
        if self.hashes.is_empty() {
            return false;
        }
        if file.whole & self.parts != 0 {
            return true;
        }
        let reads = &file.reads;
        if self.hashes.len() * 8 >= reads.len() {
            // One pass, without a branch per hash: the bit of each hash, or-ed together.
            let hit = reads.iter().fold(0u64, |hit, &h| {
                hit | self.filter[(h as usize >> 6) % FILTER_WORDS] >> (h & 63)
            });
            if hit & 1 == 0 {
                return false;
            }
        }
        sorted_intersect(&self.hashes, reads)
    }

    /// `hashes` and `parts` after `keys` changed.
    fn index(&mut self) {
        self.hashes = self.keys.values().map(|(hash, _)| *hash).collect();
        self.hashes.sort_unstable();
        self.hashes.dedup();
        self.filter.clear();
        self.filter.resize(FILTER_WORDS, 0);
        for &h in &self.hashes {
            self.filter[(h as usize >> 6) % FILTER_WORDS] |= 1 << (h & 63);
        }
        self.parts = self
            .keys
            .keys()
            .fold(0, |bits, (part, _)| bits | part.bit());
    }

    /// A file was checked again: compares what it left with what its previous run left.
    /// `written` holds every key it wrote now, with the value before; `old` is its previous
    /// record.
    fn update(
        &mut self,
        catalog: &Catalog,
        old: &crate::schema::Record,
        written: &[(
            crate::schema::Part,
            std::sync::Arc<str>,
            crate::schema::Value,
        )],
    ) {
        use crate::schema::{Part, Value};
        let old_effects: HashMap<(Part, &str), &Value> = old
            .effects
            .iter()
            .map(|e| ((e.part, &*e.key), &e.value))
            .collect();
        let now_before: HashMap<(Part, &str), &Value> =
            written.iter().map(|(p, k, v)| ((*p, &**k), v)).collect();
        let mut candidates: Vec<(Part, &str)> = old_effects.keys().copied().collect();
        candidates.extend(now_before.keys().copied());
        candidates.sort_unstable();
        candidates.dedup();
        let mut changes = Vec::new();
        for (part, key) in candidates {
            let after = catalog.value(part, key);
            let known = (part, key.to_string());
            let previous = match old_effects.get(&(part, key)) {
                Some(v) => Some((*v).clone()),
                // It left the key as it found it; what it found was what this run had
                // before it, unless the key already differed.
                None if self.keys.contains_key(&known) => None,
                None => Some(
                    now_before
                        .get(&(part, key))
                        .map_or_else(|| after.clone(), |v| (*v).clone()),
                ),
            };
            let differs = previous.as_ref().is_none_or(|v| *v != after);
            changes.push((known, differs.then_some(after)));
        }
        for (key, now) in changes {
            match now {
                Some(value) => {
                    let hash = crate::schema::key_hash(key.0, &key.1);
                    self.keys.insert(key, (hash, value));
                }
                None => {
                    self.keys.remove(&key);
                }
            }
        }
        self.index();
    }
}

/// Whether two sorted lists share a value: the shorter one's values looked up in the longer
/// when it is much shorter, else one walk through both.
fn sorted_intersect(a: &[u32], b: &[u32]) -> bool {
    let (short, long) = if a.len() <= b.len() { (a, b) } else { (b, a) };
    if short.len() * 8 < long.len() {
        return short.iter().any(|h| long.binary_search(h).is_ok());
    }
    let (mut i, mut j) = (0, 0);
    while i < short.len() && j < long.len() {
        match short[i].cmp(&long[j]) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => return true,
        }
    }
    false
}

/// Runs every enabled rule over an indexed, analysed set; returns the diagnostics (sorted, with
/// suppressions applied) and the final schema.
pub fn run_rules(
    project: &Project,
    set: &MigrationSet,
    server: &Server,
    sql: &Analyses,
    levels: &Levels,
    applied: &AppliedHistory,
) -> (diagnostic::Findings, Catalog) {
    let mut cache = RuleCache::default();
    let (diagnostics, catalog) = run_rules_from(
        project,
        set,
        server,
        &Source::Made(sql),
        levels,
        applied,
        &mut cache,
        None,
        None,
    );
    drop(cache);
    (std::sync::Arc::unwrap_or_clone(diagnostics), catalog)
}

/// [`run_rules`] after only `changed` (a file's text) changed since the run that filled
/// `cache`. Files before it in Flyway's order keep their findings and are replayed from their
/// recorded effects; after it, only the files that read a part of the schema whose value the
/// change altered are checked again, the others keep their findings and are replayed from
/// their effects; once nothing differs any more, the rest is the previous run's.
/// `changed: None` runs everything. It gives back the dropped analyses it made again (by file
/// index), for the model to keep: a file checked again after one change is likely to be after
/// the next; none when it checked every file (it made them all).
#[allow(clippy::too_many_arguments)]
pub fn run_rules_incremental(
    project: &Project,
    set: &MigrationSet,
    server: &Server,
    sql: &HeldAnalyses,
    levels: &Levels,
    applied: &AppliedHistory,
    cache: &mut RuleCache,
    changed: Option<&Path>,
) -> (std::sync::Arc<diagnostic::Findings>, Catalog, MadeAgain) {
    // Read only when a dropped analysis is made again: an edit that makes none does not pay
    // for a walk through every file.
    let confs = std::sync::OnceLock::new();
    let make = |i: usize| {
        let confs = confs.get_or_init(|| conf_files(set));
        analyze_loaded(&set.files[i], server, |p| confs.contains(p))
    };
    let made = std::sync::OnceLock::new();
    let all = std::sync::atomic::AtomicBool::new(false);
    let source = Source::Held {
        held: sql,
        made: &made,
        all: &all,
        make: &make,
    };
    let (diagnostics, catalog) = run_rules_from(
        project, set, server, &source, levels, applied, cache, changed, None,
    );
    if all.into_inner() {
        return (diagnostics, catalog, Vec::new());
    }
    let made = made
        .into_inner()
        .unwrap_or_default()
        .into_iter()
        .enumerate()
        .filter_map(|(i, slot)| Some((i, slot.into_inner()??)))
        .collect();
    (diagnostics, catalog, made)
}

/// [`run_rules_incremental`], taking the analyses from `source`; each migration checked in
/// Flyway's order counts in `progress`.
#[allow(clippy::too_many_arguments)]
fn run_rules_from(
    project: &Project,
    set: &MigrationSet,
    server: &Server,
    source: &Source<'_>,
    levels: &Levels,
    applied: &AppliedHistory,
    cache: &mut RuleCache,
    changed: Option<&Path>,
    progress: Option<&Progress>,
) -> (std::sync::Arc<diagnostic::Findings>, Catalog) {
    let parser = NameParser::new(&project.config.flyway);
    let cx = FolderContext {
        project,
        server,
        set,
        parser: &parser,
        applied,
    };
    let mut sink = Sink::new(levels);
    // A text edit that keeps every name: the folder rules that read only names found what they
    // found last time.
    let names_hash = set.names_hash();
    let old_names = cache.names.take();
    let reuse = changed.zip(
        old_names
            .as_ref()
            .filter(|(hash, _)| *hash == names_hash)
            .map(|(_, found)| found),
    );
    let names_reused = reuse.is_some();
    let names = rules::folder::run(&cx, &mut sink, reuse.map(|(path, found)| (&**found, path)));
    drop(old_names);
    let mut diagnostics = sink.diagnostics;

    // Only undo migrations read it: built on the first one.
    let versioned_by_version = std::cell::OnceCell::new();
    let versioned_by_version = || {
        versioned_by_version.get_or_init(|| {
            set.files
                .iter()
                .enumerate()
                .filter_map(|(i, f)| Some((f.migration(&[Kind::Versioned])?.version.as_ref()?, i)))
                .collect::<BTreeMap<&Version, usize>>()
        })
    };
    // The apply order follows from the names alone: the last run's, when they are the same.
    let same_names = names_reused;
    let plan = match cache.plan.take().filter(|_| same_names) {
        Some(plan) => plan,
        None => {
            let order = apply_order(set);
            let (code_before, code_after_all) = code_points(set, &order);
            let mut in_order = vec![false; set.files.len()];
            for &i in &order {
                in_order[i] = true;
            }
            let outside = (0..set.files.len()).filter(|&i| !in_order[i]).collect();
            let mut by_path: Vec<usize> = (0..set.files.len()).collect();
            by_path.sort_by(|&a, &b| set.files[a].path.cmp(&set.files[b].path));
            std::sync::Arc::new(Plan {
                order,
                code_before,
                code_after_all,
                outside,
                by_path,
            })
        }
    };
    let (order, code_before, code_after_all) =
        (&plan.order, &plan.code_before, plan.code_after_all);
    let replayable = code_before.is_empty() && !code_after_all;
    let count = |files: usize| {
        if let Some(progress) = progress {
            progress
                .done
                .fetch_add(files, std::sync::atomic::Ordering::Relaxed);
        }
    };
    if let Some(progress) = progress {
        (progress.total).fetch_add(order.len(), std::sync::atomic::Ordering::Relaxed);
    }
    // The changed file found by path in the files sorted by path, then in the order by index
    // (paths compared only on the way of a binary search).
    let changed_index = changed.and_then(|p| {
        let at = plan
            .by_path
            .binary_search_by(|&i| set.files[i].path.as_path().cmp(p))
            .ok()?;
        Some(plan.by_path[at])
    });
    let changed_pos = changed_index.and_then(|index| order.iter().position(|&i| i == index));
    // A script outside the apply order (an undo migration, a callback): its text is read by
    // its own check alone, which runs with the files outside the order below.
    let outside_edit =
        changed_index.is_some_and(|i| changed_pos.is_none() && analysed(&set.files[i]));
    let mut per_file = std::mem::take(&mut cache.per_file);
    let old_end = cache.end.take();
    // The same names: the same files at the same indexes in the same order, each with its
    // result from the last run.
    let incremental = (changed_pos.is_some() || outside_edit)
        && replayable
        && cache.replayable
        && old_end.is_some()
        && same_names
        && per_file.len() == set.files.len();
    // Incremental: the previous results, replaced where a file is checked again.
    if !incremental {
        per_file = Chunked::filled(None, set.files.len());
        source.make_all(order);
    }
    let mut catalog = Catalog::new(server.dialect()).with_placeholders(server.placeholders.clone());
    let mut delta = Delta::default();
    let mut before_edited = None;
    let mut checked = 0;
    // The files checked again whose findings are not the last run's slice.
    let mut new_findings: Vec<usize> = Vec::new();
    // Files reused whose effects are not yet in `catalog` (applied when a later file must be
    // checked again; at the end the previous final schema with `delta` stands for them).
    let mut pending: Vec<usize> = Vec::new();
    let snapshot = cache
        .edited
        .take()
        .filter(|s| incremental && Some(s.path.as_path()) == changed);
    // With the schema before the edited file at hand, the files before it (none of which
    // changed) are the last run's: the walk starts at the edit. (A run is incremental only
    // after a run that left a result for every file in the order, which this relies on.)
    let old_checkpoints = std::mem::take(&mut cache.checkpoints);
    // Without it, the walk starts at the last checkpoint before the edit (the files before
    // it are unchanged).
    let checkpoint = match (&snapshot, changed_pos) {
        (None, Some(p)) if incremental => old_checkpoints.before(p),
        _ => None,
    };
    let start = match (&snapshot, changed_pos) {
        (Some(_), Some(p)) => p,
        _ => checkpoint.map_or(0, |(at, _)| *at),
    };
    if let Some((_, c)) = checkpoint {
        catalog = c.clone();
    }
    // A full run takes checkpoints; a re-check keeps them or makes them again.
    let stride = Checkpoints::stride(order.len())
        .filter(|_| !incremental && replayable && cache.wants_checkpoints);
    let mut checkpoints = Vec::new();
    // Past the edited file, the checkpoints made again: the last run's, with the keys that
    // differ at that point (the others are what they were there: a file a difference does
    // not reach wrote none of its keys either).
    let mut remade = Vec::new();
    count(start);
    // Where the walk stopped because nothing differed any more from the last run, if it did.
    let mut same_from = None;
    for (k, &i) in order.iter().enumerate().skip(start) {
        let past_edit = incremental && changed_pos.is_some_and(|p| k > p);
        if past_edit && delta.is_empty() {
            // What the files from here on read is what it was: the rest is the last run's.
            same_from = Some(k);
            count(order.len() - k);
            break;
        }
        if past_edit {
            if let Some(old) = old_checkpoints.at(k) {
                remade.push((k, delta.applied_to(old)));
            }
        }
        if !code_before.is_empty() && code_before.contains(&i) {
            catalog.forget();
        }
        let previous = per_file
            .get(i)
            .and_then(Option::as_ref)
            .filter(|_| incremental);
        if previous.is_some_and(|prev| changed_pos != Some(k) && !delta.reaches(prev)) {
            // Nothing it read differs: its findings and effects are what they were.
            pending.push(i);
            count(1);
            continue;
        }
        let previous = previous.cloned();
        if Some(k) == changed_pos {
            if let Some(s) = &snapshot {
                // The schema before the edited file is what the last run found.
                catalog = s.before.clone();
                pending.clear();
            }
        }
        for j in pending.drain(..) {
            if let Some(prev) = per_file.get(j).and_then(Option::as_ref) {
                catalog.apply_effects(&prev.record.effects);
            }
        }
        if Some(k) == changed_pos {
            before_edited = Some(catalog.clone());
        }
        if stride.is_some_and(|s| k > 0 && k % s == 0) {
            checkpoints.push((k, catalog.clone()));
        }
        catalog.begin_journal();
        checked += 1;
        let mut found = check_applied_file(
            project,
            set,
            server,
            source.wait(i),
            levels,
            i,
            &mut catalog,
        );
        let (record, written) = catalog.end_journal();
        if let Some(prev) = &previous {
            delta.update(&catalog, &prev.record, &written);
        }
        diagnostic::sort(&mut found);
        let findings = same_or_new(previous.as_ref(), found);
        if previous.is_none_or(|p| !std::sync::Arc::ptr_eq(&p.findings, &findings)) {
            new_findings.push(i);
        }
        per_file.set(i, Some(FileResult::new(findings, record)));
        count(1);
    }
    if !pending.is_empty() || same_from.is_some() {
        // The files at the end were all reused: the previous final schema, but for the keys
        // that still differ.
        catalog = delta.applied_to(old_end.as_ref().unwrap_or(&catalog));
    }
    if code_after_all {
        catalog.forget();
    }
    if let Source::Arriving(arrivals) = source {
        // Every analysis is made by now.
        for i in 0..arrivals.slots.len() {
            arrivals.wait(i);
        }
    }
    // The folder rules' findings silenced by comments in the scripts.
    apply_suppressions(&mut diagnostics, set, |i| source.at_hand(i));
    // Undo migrations, callbacks, and versioned migrations below a baseline: checked against the
    // final schema, without replaying them.
    for &i in &plan.outside {
        let file = &set.files[i];
        if !analysed(file) {
            continue;
        }
        let Some(name) = file.name() else { continue };
        let target = (name.kind == Kind::Undo)
            .then_some(name.version.as_ref())
            .flatten()
            .and_then(|v| versioned_by_version().get(v).copied());
        let untouched = incremental
            && Some(file.path.as_path()) != changed
            && target.is_none_or(|t| Some(set.files[t].path.as_path()) != changed);
        if untouched
            && per_file
                .get(i)
                .and_then(Option::as_ref)
                .is_some_and(|p| !delta.reaches(p))
        {
            continue;
        }
        let Some(file_sql) = source.wait(i) else {
            continue;
        };
        let undo_target = target.and_then(|vi| source.wait(vi).map(|s| (&*set.files[vi], s)));
        let lines = std::cell::OnceCell::new();
        let tokens = rules::StatementTokens::for_file(file_sql);
        let text = file.text().unwrap_or_default();
        let fcx = FileContext {
            project,
            file,
            name,
            text: &text,
            sql: file_sql,
            server,
            schema: &catalog,
            undo_target,
            lines: &lines,
            tokens: &tokens,
        };
        let mut sink = Sink::new(levels);
        catalog.begin_journal();
        checked += 1;
        rules::sql::run_file(&fcx, &mut sink);
        let (record, _) = catalog.end_journal();
        let mut found = sink.diagnostics;
        found.retain(|d| !file_sql.is_suppressed(d.rule, d.range.start));
        diagnostic::sort(&mut found);
        let previous = per_file.get(i).and_then(Option::as_ref);
        let findings = same_or_new(previous, found);
        if previous.is_none_or(|p| !std::sync::Arc::ptr_eq(&p.findings, &findings)) {
            new_findings.push(i);
        }
        per_file.set(i, Some(FileResult::new(findings, record)));
    }
    diagnostic::sort(&mut diagnostics);
    let folder = std::sync::Arc::new(diagnostics);
    let previous = cache.findings.as_deref().filter(|_| incremental);
    let diagnostics = std::sync::Arc::new(match previous {
        // The same folder findings: only the files whose own findings are new change.
        Some(previous) if cache.folder.as_ref() == Some(&folder) => {
            reassemble(set, &per_file, &new_findings, &folder, previous)
        }
        _ => assemble(set, &plan.by_path, &per_file, &folder, previous),
    });
    *cache = RuleCache {
        per_file,
        replayable,
        end: Some(catalog.clone()),
        checkpoints: match changed_pos {
            _ if !incremental => Checkpoints(std::sync::Arc::new(checkpoints)),
            Some(p) => old_checkpoints.after_edit(p, same_from, remade),
            None => old_checkpoints,
        },
        wants_checkpoints: cache.wants_checkpoints,
        edited: changed
            .zip(before_edited)
            .map(|(path, before)| EditedSnapshot {
                path: path.to_path_buf(),
                before,
            }),
        checked,
        names: Some((names_hash, std::sync::Arc::new(names))),
        names_reused,
        plan: Some(plan),
        findings: Some(diagnostics.clone()),
        folder: Some(folder),
    };
    (diagnostics, catalog)
}

/// A file's findings checked again: the previous slice when they are the same (readers of
/// [`diagnostic::Findings`] see by pointer that nothing changed there).
fn same_or_new(
    previous: Option<&FileResult>,
    mut found: Vec<Diagnostic>,
) -> std::sync::Arc<[Diagnostic]> {
    match previous {
        Some(prev) if *prev.findings == *found => prev.findings.clone(),
        _ => {
            // Kept until the file changes: each message at its length (`format!` reserves
            // room for twice its literal text, and a large folder keeps thousands of them).
            for d in &mut found {
                d.message.shrink_to_fit();
            }
            found.into()
        }
    }
}

/// The findings of a run, by file: each file's own (shared with `per_file`, so a file whose
/// findings were reused keeps the same slice) and the folder rules' (`folder`, unsorted),
/// merged into the slice of the file they are on. Costs the files with findings, not the
/// findings.
fn assemble(
    set: &MigrationSet,
    by_path: &[usize],
    per_file: &Chunked<Option<FileResult>>,
    folder: &[Diagnostic],
    previous: Option<&diagnostic::Findings>,
) -> diagnostic::Findings {
    // A file with folder findings: its previous slice when they are the same.
    let shared = |found: &[Diagnostic]| -> std::sync::Arc<[Diagnostic]> {
        match previous.and_then(|p| p.file(&found[0].path)) {
            Some(old) if **old == *found => old.clone(),
            _ => found.into(),
        }
    };
    let mut groups = folder
        .chunk_by(|a, b| a.path.as_os_str() == b.path.as_os_str())
        .peekable();
    let mut files: Vec<std::sync::Arc<[Diagnostic]>> = Vec::new();
    for &i in by_path {
        let Some(own) = per_file
            .get(i)
            .and_then(Option::as_ref)
            .map(|r| &r.findings)
        else {
            continue;
        };
        if own.is_empty() {
            continue;
        }
        if groups.peek().is_none() {
            files.push(own.clone());
            continue;
        }
        let path = set.files[i].path.as_path();
        // Folder findings on paths before this one (paths compared only while some are left).
        while let Some(group) = groups.next_if(|g| g[0].path.as_path() < path) {
            files.push(shared(group));
        }
        match groups.next_if(|g| g[0].path.as_os_str() == path.as_os_str()) {
            Some(group) => {
                // The folder rules' first, as in one sort of them all (it is stable).
                let mut merged = group.to_vec();
                merged.extend(own.iter().cloned());
                diagnostic::sort(&mut merged);
                files.push(shared(&merged));
            }
            None => files.push(own.clone()),
        }
    }
    files.extend(groups.map(shared));
    diagnostic::Findings::from_files(files)
}

/// [`assemble`] after a run that found the folder findings (`folder`, sorted) of the run that
/// found `previous`: `previous` with the files of `changed` (indexes whose own findings are new)
/// given their findings, joined with their folder findings as [`assemble`] joins them.
fn reassemble(
    set: &MigrationSet,
    per_file: &Chunked<Option<FileResult>>,
    changed: &[usize],
    folder: &[Diagnostic],
    previous: &diagnostic::Findings,
) -> diagnostic::Findings {
    let mut changes: Vec<(&Path, Option<std::sync::Arc<[Diagnostic]>>)> = changed
        .iter()
        .map(|&i| {
            let path = set.files[i].path.as_path();
            let own = per_file
                .get(i)
                .and_then(Option::as_ref)
                .map(|r| r.findings.clone());
            let from = folder.partition_point(|d| d.path.as_path() < path);
            let to = folder.partition_point(|d| d.path.as_path() <= path);
            if from == to {
                return (path, own);
            }
            // The folder rules' first, as in one sort of them all (it is stable).
            let mut merged = folder[from..to].to_vec();
            merged.extend(own.iter().flat_map(|o| o.iter().cloned()));
            diagnostic::sort(&mut merged);
            let slice = match previous.file(path) {
                Some(old) if **old == *merged => old.clone(),
                _ => merged.into(),
            };
            (path, Some(slice))
        })
        .collect();
    changes.sort_by(|a, b| a.0.cmp(b.0));
    changes.dedup_by(|a, b| a.0 == b.0);
    previous.replaced(changes)
}

fn origin_label(file: &ScriptFile) -> std::sync::Arc<str> {
    file.name()
        .map(|name| {
            name.version
                .as_ref()
                .map(|v| v.raw().to_string())
                .unwrap_or_else(|| name.description())
        })
        .unwrap_or_default()
        .into()
}

/// Applies a script's statements to the schema without checking them.
fn replay(catalog: &mut Catalog, file: &ScriptFile, file_sql: &SqlFile) {
    replay_until(catalog, file, file_sql, usize::MAX);
}

/// Applies the statements of a script that end before byte `offset` (all of them for
/// `usize::MAX`): with [`catalog_before`], the schema as of a place in a migration, which the
/// statement there reads (a table the same file created or renamed above it included).
pub fn replay_until(catalog: &mut Catalog, file: &ScriptFile, file_sql: &SqlFile, offset: usize) {
    let origin = crate::schema::OriginFile::new(file.path.as_path(), origin_label(file));
    let text = file.text().unwrap_or_default();
    for statement in file_sql
        .statements
        .iter()
        .take_while(|s| s.range().end < offset)
    {
        let range = statement.range();
        catalog.apply_statement(
            &statement.parsed.op,
            text.get(range.start..range.end).unwrap_or_default(),
            &Origin::new(&origin, statement.range()),
        );
    }
}

/// Checks one migration of the apply order while replaying it into `catalog`.
fn check_applied_file(
    project: &Project,
    set: &MigrationSet,
    server: &Server,
    file_sql: Option<&SqlFile>,
    levels: &Levels,
    i: usize,
    catalog: &mut Catalog,
) -> Vec<Diagnostic> {
    let (Some(file_sql), Some(name)) = (file_sql, set.files[i].name()) else {
        return Vec::new();
    };
    let file = &set.files[i];
    let text = file.text().unwrap_or_default();
    let text: &str = &text;
    let mut sink = Sink::new(levels);
    // Positions of this file's findings: line starts indexed once, on the first finding.
    let lines = std::cell::OnceCell::new();
    let tokens = rules::StatementTokens::for_file(file_sql);
    // A context over the schema as it stands; rebuilt as statements change it (it only holds
    // references, so this costs nothing, unlike cloning the catalog).
    macro_rules! context {
        ($catalog:expr) => {
            FileContext {
                project,
                file,
                name,
                text,
                sql: file_sql,
                server,
                schema: $catalog,
                undo_target: None,
                lines: &lines,
                tokens: &tokens,
            }
        };
    }
    rules::sql::run_file(&context!(catalog), &mut sink);
    let origin = crate::schema::OriginFile::new(file.path.as_path(), origin_label(file));
    let checks = rules::sql::statement_checks(&sink);
    for (index, statement) in file_sql.statements.iter().enumerate() {
        rules::sql::run_statement(&checks, &context!(catalog), index, catalog, &mut sink);
        let range = statement.range();
        catalog.apply_statement(
            &statement.parsed.op,
            text.get(range.start..range.end).unwrap_or_default(),
            &Origin::new(&origin, statement.range()),
        );
    }
    let mut found = sink.diagnostics;
    found.retain(|d| !file_sql.is_suppressed(d.rule, d.range.start));
    found
}

/// The schema as the migrations before file `file_index` (an index into `set.files`) leave it,
/// in Flyway's apply order; for a file outside that order (undo, callback), the whole schema.
pub fn catalog_before(set: &MigrationSet, sql: &Analyses, file_index: usize) -> Catalog {
    // A set has one dialect: its scripts were analysed in it.
    let dialect = sql.iter().flatten().next().map(|s| s.dialect);
    catalog_before_with(
        set,
        dialect,
        |i| sql.get(i).and_then(Option::clone),
        file_index,
    )
}

/// [`catalog_before`] with each file's analysis from `sql`, in a set whose scripts were
/// analysed in `dialect` (`None`: none was).
pub fn catalog_before_with(
    set: &MigrationSet,
    dialect: Option<crate::sql::Dialect>,
    sql: impl Fn(usize) -> Option<std::sync::Arc<SqlFile>>,
    file_index: usize,
) -> Catalog {
    let mut catalog = dialect.map_or_else(Catalog::default, Catalog::new);
    let order = apply_order(set);
    let (code_before, code_after_all) = code_points(set, &order);
    let mut reached = false;
    for i in order {
        if code_before.contains(&i) {
            catalog.forget();
        }
        if i == file_index {
            reached = true;
            break;
        }
        if let Some(file_sql) = sql(i) {
            replay(&mut catalog, &set.files[i], &file_sql);
        }
    }
    if code_after_all && !reached {
        catalog.forget();
    }
    catalog
}

/// Drops diagnostics silenced by `flyway-lsp-ignore` comments.
fn apply_suppressions<'a>(
    diagnostics: &mut Vec<Diagnostic>,
    set: &MigrationSet,
    sql: impl Fn(usize) -> Option<&'a SqlFile>,
) {
    if diagnostics.is_empty() {
        return;
    }
    // The scripts of the files with findings (few, in a large folder).
    let flagged: HashSet<&Path> = diagnostics.iter().map(|d| d.path.as_path()).collect();
    let by_path: HashMap<&Path, &SqlFile> = (0..set.files.len())
        .filter(|&i| flagged.contains(set.files[i].path.as_path()))
        .filter_map(|i| Some((set.files[i].path.as_path(), sql(i)?)))
        .collect();
    diagnostics.retain(|d| match by_path.get(d.path.as_path()) {
        Some(file) => !file.is_suppressed(d.rule, d.range.start),
        None => true,
    });
}

/// Finds and checks every project at `path`.
pub fn check_path(path: &Path, options: &LoadOptions) -> Result<Vec<ProjectReport>, ConfigError> {
    discover_projects(path, options)?
        .into_iter()
        .map(check_project)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sql::facts::Name;

    #[test]
    fn java_migrations_make_the_schema_unknown_where_they_run() {
        let dir = tempfile::tempdir().unwrap();
        let sql = dir.path().join("src/main/resources/db/migration");
        let java = dir.path().join("src/main/java/db/migration");
        std::fs::create_dir_all(&sql).unwrap();
        std::fs::create_dir_all(&java).unwrap();
        std::fs::write(
            sql.join("V1__a.sql"),
            "CREATE TABLE a (id int); CREATE TABLE gone (id int); DROP TABLE gone;",
        )
        .unwrap();
        std::fs::write(java.join("V2__Backfill.java"), "class V2__Backfill {}").unwrap();
        // After V2 (Java) anything may be: `a` may have been dropped (so V3 creates it again),
        // `gone` re-created, `a` given other columns.
        std::fs::write(
            sql.join("V3__c.sql"),
            "CREATE TABLE a (id int, b int);\nALTER TABLE gone ADD COLUMN x int;\nALTER TABLE a DROP COLUMN b;",
        )
        .unwrap();
        std::fs::write(
            sql.join("V4__d.sql"),
            "DROP TABLE a;\nALTER TABLE a ADD COLUMN y int;",
        )
        .unwrap();
        let report = check_path(dir.path(), &LoadOptions::default())
            .unwrap()
            .remove(0);
        assert_eq!(report.set.code.len(), 1);
        let rules: Vec<(&str, String)> = report
            .diagnostics
            .iter()
            .filter(|d| d.rule.starts_with("unknown-") || d.rule == "duplicate-object")
            .map(|d| {
                (
                    d.rule,
                    d.path.file_name().unwrap().to_string_lossy().into_owned(),
                )
            })
            .collect();
        // Only V4's use of the table it dropped itself is known to fail.
        assert_eq!(rules, vec![("unknown-table", "V4__d.sql".to_string())]);
        let index_of = |name: &str| {
            report
                .set
                .files
                .iter()
                .position(|f| f.file_name == name)
                .unwrap()
        };
        let before_v3 = catalog_before(&report.set, &report.sql, index_of("V3__c.sql"));
        assert!(!before_v3.surely_missing_table(&Name::new(None, "gone")));
        assert!(before_v3.table(&Name::new(None, "a")).unwrap().maybe_gone);
        // Without the Java migration, V3's CREATE TABLE a is a duplicate.
        std::fs::remove_file(java.join("V2__Backfill.java")).unwrap();
        let report = check_path(dir.path(), &LoadOptions::default())
            .unwrap()
            .remove(0);
        assert!(report
            .diagnostics
            .iter()
            .any(|d| d.rule == "duplicate-object"));
        assert!(report
            .diagnostics
            .iter()
            .any(|d| d.rule == "unknown-table" && d.path.ends_with("V3__c.sql")));
    }

    /// The overlapped full run (analysis in apply order while the rules run) gives what
    /// analysing everything first and then running the rules gives: findings, final schema and
    /// every file's record and findings (what incremental re-checks start from).
    #[test]
    fn overlapped_full_run_equals_analysis_then_rules() {
        let dir = tempfile::tempdir().unwrap();
        let sql = dir.path().join("sql");
        std::fs::create_dir(&sql).unwrap();
        // Versions whose order differs from the names' (V10 after V9), a gap, an undo, a
        // callback, a repeatable, a suppressed folder finding and findings on the schema.
        for i in 1..=60 {
            if i == 33 {
                continue;
            }
            let text = if i % 5 == 0 {
                format!(
                    "ALTER TABLE t{} ADD COLUMN c{i} int NOT NULL;\nCREATE INDEX i{i} ON t{} (id);",
                    i - 1,
                    i - 1
                )
            } else {
                format!(
                    "CREATE TABLE t{i} (id int);\nDROP TABLE IF EXISTS t{};",
                    i + 100
                )
            };
            std::fs::write(sql.join(format!("V{i}__m.sql")), text).unwrap();
        }
        std::fs::write(
            sql.join("V61__bad name.sql"),
            "-- flyway-lsp-ignore-file malformed-version\nCREATE TABLE x (id int);",
        )
        .unwrap();
        std::fs::write(sql.join("U7__m.sql"), "DROP TABLE t7;").unwrap();
        std::fs::write(
            sql.join("afterMigrate.sql"),
            "ALTER TABLE t1 ADD COLUMN z int;",
        )
        .unwrap();
        std::fs::write(
            sql.join("R__view.sql"),
            "CREATE VIEW v AS SELECT * FROM t2;\nALTER TABLE missing ADD COLUMN q int;",
        )
        .unwrap();
        let project = discover_projects(dir.path(), &LoadOptions::default())
            .unwrap()
            .remove(0);
        let mut overlapped = RuleCache::default();
        let progress = Progress::default();
        let report = check_project_with(project.clone(), &mut overlapped, Some(&progress)).unwrap();
        assert!(report.set.files.len() >= 32, "the overlapped path runs");
        // Every migration in Flyway's order counted, once.
        let in_order = apply_order(&report.set).len();
        assert!(in_order >= 60);
        assert_eq!(progress.total.into_inner(), in_order);
        assert_eq!(progress.done.into_inner(), in_order);
        let levels = Levels::from_settings(&project.config.tool).unwrap();
        let analyses = analyze_all(&report.set, &report.server);
        let mut sequential = RuleCache::default();
        let (diagnostics, catalog, _) = run_rules_incremental(
            &project,
            &report.set,
            &report.server,
            &HeldAnalyses::keeping(analyses.clone()),
            &levels,
            &report.applied,
            &mut sequential,
            None,
        );
        assert!(!diagnostics.is_empty());
        assert_eq!(report.diagnostics, *diagnostics);
        assert_eq!(report.catalog, catalog);
        assert_eq!(
            format!("{:?}", report.sql),
            format!("{analyses:?}"),
            "the same analyses"
        );
        assert_eq!(overlapped.per_file.len(), sequential.per_file.len());
        for (a, b) in overlapped.per_file.iter().zip(sequential.per_file.iter()) {
            assert_eq!(a.is_some(), b.is_some());
            if let (Some(a), Some(b)) = (a, b) {
                assert_eq!(a.findings, b.findings);
                assert_eq!(a.record, b.record);
            }
        }
        assert_eq!(overlapped.end, sequential.end);
        assert_eq!(overlapped.checked, sequential.checked);
    }

    /// A small set (analysed before the rules run) counts too, and the runs sharing one
    /// [`Progress`] (the projects of a workspace) add up.
    #[test]
    fn progress_counts_each_migration_checked_in_order() {
        let dir = tempfile::tempdir().unwrap();
        let sql = dir.path().join("sql");
        std::fs::create_dir(&sql).unwrap();
        for (name, text) in [
            ("V1__a.sql", "CREATE TABLE a (id int);"),
            ("V2__b.sql", "ALTER TABLE a ADD COLUMN b int;"),
            ("R__c.sql", "CREATE OR REPLACE VIEW c AS SELECT * FROM a;"),
            ("U2__b.sql", "ALTER TABLE a DROP COLUMN b;"),
        ] {
            std::fs::write(sql.join(name), text).unwrap();
        }
        let project = discover_projects(dir.path(), &LoadOptions::default())
            .unwrap()
            .remove(0);
        let progress = Progress::default();
        for run in 1..=2 {
            check_project_with(project.clone(), &mut RuleCache::default(), Some(&progress))
                .unwrap();
            // V1, V2 and R in Flyway's order; the undo file is checked apart, uncounted.
            let total = progress.total.load(std::sync::atomic::Ordering::Relaxed);
            let done = progress.done.load(std::sync::atomic::Ordering::Relaxed);
            assert_eq!((total, done), (3 * run, 3 * run));
        }
    }

    #[test]
    fn a_change_reaches_exactly_the_files_that_read_one_of_its_keys() {
        use crate::schema::{key_hash, Part, Record, Value};
        let file = |names: &[String], whole: u16| {
            let mut reads: Vec<u32> = names.iter().map(|n| key_hash(Part::Tables, n)).collect();
            reads.sort_unstable();
            reads.dedup();
            FileResult::new(
                Vec::new().into(),
                Record {
                    reads: reads.into(),
                    whole,
                    ..Record::default()
                },
            )
        };
        let names = |prefix: &str, n: usize| -> Vec<String> {
            (0..n).map(|i| format!("{prefix}{i}")).collect()
        };
        // Few keys (looked up one by one) and many (the bit map first), against files that
        // read many keys and few.
        for changed in [1, 3, 40, 300] {
            let mut delta = Delta::default();
            for name in names("changed_", changed) {
                let hash = key_hash(Part::Tables, &name);
                delta
                    .keys
                    .insert((Part::Tables, name), (hash, Value::Present(true)));
            }
            delta.index();
            for reads in [1, 8, 111, 2000] {
                let mut others = names("other_", reads);
                assert!(
                    !delta.reaches(&file(&others, 0)),
                    "{changed} keys, {reads} reads"
                );
                assert!(delta.reaches(&file(&others, Part::Tables.bit())));
                others[reads / 2] = format!("changed_{}", changed - 1);
                assert!(
                    delta.reaches(&file(&others, 0)),
                    "{changed} keys, {reads} reads"
                );
            }
        }
        assert!(!Delta::default().reaches(&file(&names("x", 3), u16::MAX)));
    }

    #[test]
    fn a_chunked_vector_copy_shares_what_a_change_leaves() {
        let mut original = Chunked::filled(0u32, 200);
        for i in 0..200 {
            original.set(i, i as u32);
        }
        let mut copy = original.clone();
        copy.set(130, 7);
        assert_eq!(copy.len(), 200);
        assert_eq!(copy.get(130), Some(&7));
        assert_eq!(original.get(130), Some(&130), "the original is unchanged");
        assert_eq!(copy.get(200), None);
        assert!(copy
            .iter()
            .copied()
            .eq((0..200).map(|i| if i == 130 { 7 } else { i })));
        // Only the changed entry's chunk was copied.
        let shared = (copy.chunks.iter().zip(&original.chunks))
            .filter(|(a, b)| std::sync::Arc::ptr_eq(a, b))
            .count();
        assert_eq!(shared, original.chunks.len() - 1);
    }

    #[test]
    fn catalog_before_a_migration() {
        let dir = tempfile::tempdir().unwrap();
        let sql = dir.path().join("sql");
        std::fs::create_dir(&sql).unwrap();
        std::fs::write(sql.join("V1__a.sql"), "CREATE TABLE a (id int);").unwrap();
        std::fs::write(sql.join("V2__b.sql"), "CREATE TABLE b (id int);").unwrap();
        std::fs::write(sql.join("V10__c.sql"), "ALTER TABLE b ADD COLUMN c int;").unwrap();
        let report = check_path(dir.path(), &LoadOptions::default())
            .unwrap()
            .remove(0);
        let index_of = |name: &str| {
            report
                .set
                .files
                .iter()
                .position(|f| f.file_name == name)
                .unwrap()
        };
        let before_v2 = catalog_before(&report.set, &report.sql, index_of("V2__b.sql"));
        assert!(before_v2.table(&Name::new(None, "a")).is_some());
        assert!(before_v2.table(&Name::new(None, "b")).is_none());
        // V10 sorts after V2 by version, not by name.
        let before_v10 = catalog_before(&report.set, &report.sql, index_of("V10__c.sql"));
        assert!(before_v10
            .table(&Name::new(None, "b"))
            .unwrap()
            .column("c")
            .is_none());
        assert!(report
            .catalog
            .table(&Name::new(None, "b"))
            .unwrap()
            .column("c")
            .is_some());
    }
}
