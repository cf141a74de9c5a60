//! The language server: a thin adapter from LSP to the [`Workspace`] model. It keeps open
//! documents (ropes, incremental sync), feeds their text to the workspace, converts positions and
//! diagnostics at the edge ([`proto`]), and runs the engine's scaffolding for commands. No rule or
//! message lives here.

mod database;
mod editor;
mod features;
mod memory;
mod poll;
mod progress;
pub mod proto;
mod pull;
pub mod transport;

use std::collections::{BTreeSet, HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use dashmap::DashMap;
use ropey::Rope;
use tokio::sync::Mutex;
use tower_lsp_server::jsonrpc::Result;
use tower_lsp_server::ls_types::*;
use tower_lsp_server::{Client, LanguageServer, LspService};

use crate::config::LoadOptions;
use crate::workspace::Workspace;

/// Commands the server executes (`workspace/executeCommand`), for editors to bind keys to.
pub const CMD_NEXT_MIGRATION: &str = "flyway-lsp.createNextMigration";
pub const CMD_UNDO_MIGRATION: &str = "flyway-lsp.createUndoMigration";
pub const CMD_RECHECK: &str = "flyway-lsp.recheck";
pub const CMD_MOVE_CHANGE: &str = "flyway-lsp.moveChangeToNewMigration";
pub const CMD_VALIDATE: &str = "flyway-lsp.validateDatabase";
pub const CMD_DRY_RUN: &str = "flyway-lsp.dryRunPending";
pub const CMD_FOLDER_STATE: &str = "flyway-lsp.folderState";
pub const COMMANDS: &[&str] = &[
    CMD_NEXT_MIGRATION,
    CMD_UNDO_MIGRATION,
    CMD_RECHECK,
    CMD_MOVE_CHANGE,
    CMD_VALIDATE,
    CMD_DRY_RUN,
    CMD_FOLDER_STATE,
];

/// Runs the server on stdin/stdout until the client says exit (status 0 after `shutdown`, else
/// 1, as LSP says) or closes stdin (status 0). Malformed input is answered, never fatal
/// ([`transport`]).
pub fn serve() -> i32 {
    memory::limit_arenas();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("flyway-lsp: cannot start the runtime: {e}");
            return 1;
        }
    };
    let ended = runtime.block_on(async {
        let (service, socket) = LspService::new(Backend::new);
        transport::run(tokio::io::stdin(), tokio::io::stdout(), service, socket).await
    });
    // Background work (a folder walk, a database read) and the blocked read of stdin must not
    // keep the process alive once the session is over.
    runtime.shutdown_background();
    ended.status()
}

/// An open document.
pub(crate) struct Document {
    pub rope: Rope,
    pub version: i32,
    /// Bumped on every change; a pending re-check runs only if it is still the latest.
    pub generation: u64,
    /// The generation the workspace model last saw.
    pub synced: u64,
    /// A re-check of this document is under way ([`Backend::check_until_current`]): a change
    /// made meanwhile is taken by its next run, not by a run of its own.
    pub checking: bool,
}

impl Document {
    /// Whether a change should start a re-check: none is under way (it is noted as started).
    fn start_check(&mut self) -> bool {
        !std::mem::replace(&mut self.checking, true)
    }

    /// Whether the re-check that ran on generation `ran_on` (`None`: nothing was checked) is
    /// done: the text has not changed since (it is noted as no longer under way); else it
    /// runs again.
    fn check_done(&mut self, ran_on: Option<u64>) -> bool {
        let done = ran_on.is_none_or(|g| g == self.generation);
        if done {
            self.checking = false;
        }
        done
    }
}

/// Notes that no re-check of a document is under way if its run panics: one failed run must
/// not stop the document's re-checks for good (a normal end is noted by
/// [`Document::check_done`], under the same map entry as the change that might start the next).
struct EndsCheckOnPanic<'a> {
    documents: &'a DashMap<PathBuf, Document>,
    path: &'a Path,
}

impl Drop for EndsCheckOnPanic<'_> {
    fn drop(&mut self) {
        if std::thread::panicking() {
            if let Some(mut doc) = self.documents.get_mut(self.path) {
                doc.checking = false;
            }
        }
    }
}

pub(crate) struct State {
    pub roots: Vec<PathBuf>,
    pub options: LoadOptions,
    pub workspace: Workspace,
    /// What is published per file (the engine's findings and the document version they were
    /// computed on), to convert and send only changes and to clear files that went clean.
    /// The findings are the engine's own slices ([`crate::diagnostic::Findings`]): a file whose
    /// slice is the same pointer is known unchanged without comparing its findings.
    /// (A fast hash: a publish looks up every file with findings, tens of thousands in a large
    /// folder, on every keystroke.)
    pub published: foldhash::HashMap<std::ffi::OsString, (Option<i32>, FileFindings)>,
    /// The last publish's files in their order, each as the address of its slice (which
    /// `published` holds, so no other slice can have it meanwhile) and its version: a publish
    /// of one project passes over a file whose slice and version are those at its place here
    /// without reading its findings or hashing its path. Empty when that does not apply
    /// (several projects, a pulling client).
    pub published_order: Vec<(usize, Option<i32>)>,
    /// The version of each open document whose text the model holds (what its findings and
    /// their positions were computed on).
    pub analysed: HashMap<PathBuf, i32>,
    /// The client can register file watchers dynamically.
    pub dynamic_watch: bool,
    /// Projects whose database history is being read right now.
    pub db_busy: HashSet<(PathBuf, Vec<PathBuf>)>,
    /// The last database error per project (said once, not on every read).
    pub db_errors: HashMap<(PathBuf, Vec<PathBuf>), String>,
    /// Bumped by every whole reload; only the latest one's result is kept.
    pub load_generation: u64,
    /// Whole reloads walking the folders right now (without the lock); a watch channel, so that
    /// callers can wait for the walks to end without polling.
    pub loading: tokio::sync::watch::Sender<usize>,
    /// Files changed on disk while a reload was walking: read again once its result is in.
    pub changed_while_loading: BTreeSet<PathBuf>,
    /// The client takes `workspace/semanticTokens/refresh` (asked after a reload: tokens
    /// requested while the folders were walked were answered without a model).
    pub semantic_refresh: bool,
    /// The client pulls diagnostics ([`pull`]): nothing is published to it.
    pub pull_diagnostics: bool,
    /// The client shows work-done progress (`window.workDoneProgress`): loads report theirs
    /// ([`progress`]).
    pub work_done_progress: bool,
}

/// What requests (hover, completion, symbols, code actions, …) answer from: the model as the
/// last finished check left it, with the texts that check read. Taken as a pointer copy, so a
/// request never waits for a re-check, a reload or a database read that holds the state lock.
pub(crate) struct Snapshot {
    pub workspace: Workspace,
    pub db_errors: HashMap<(PathBuf, Vec<PathBuf>), String>,
}

pub struct Backend {
    pub(crate) client: Client,
    pub(crate) documents: Arc<DashMap<PathBuf, Document>>,
    pub(crate) state: Arc<Mutex<State>>,
    /// The latest finished [`Snapshot`]; its lock is held only to copy or replace the pointer.
    pub(crate) snapshot: Arc<std::sync::RwLock<Arc<Snapshot>>>,
    /// Orders re-reads of single files (taken before the state lock, never with it held).
    pub(crate) disk_reads: Arc<Mutex<()>>,
    /// Set on `shutdown`: background loops (the polling watcher) end.
    pub(crate) stopping: Arc<tokio::sync::watch::Sender<bool>>,
    /// Files a pulling client was given findings for and has not yet been told are clean
    /// (see [`pull::workspace`]).
    pub(crate) pulled: Arc<std::sync::Mutex<std::collections::HashSet<PathBuf>>>,
}

impl State {
    /// Gives the model an open document's text, noting the version it is.
    fn take_document(&mut self, path: &Path, doc: &Document) {
        if let Some(p) = self.workspace.project_for(path) {
            self.workspace.projects[p].set_text(path, &doc.rope.to_string());
            self.analysed.insert(path.to_path_buf(), doc.version);
        }
    }

    /// Notes files changed on disk while a reload is walking, to read them again after it.
    fn note_changed(&mut self, paths: &[PathBuf]) {
        if *self.loading.borrow() > 0 {
            self.changed_while_loading.extend(paths.iter().cloned());
        }
    }
}

impl Backend {
    pub fn new(client: Client) -> Backend {
        Backend {
            client,
            documents: Arc::new(DashMap::new()),
            state: Arc::new(Mutex::new(State {
                roots: Vec::new(),
                options: LoadOptions {
                    env: std::env::vars().collect(),
                    ..LoadOptions::default()
                },
                workspace: Workspace::default(),
                published: Default::default(),
                published_order: Vec::new(),
                analysed: HashMap::new(),
                dynamic_watch: false,
                db_busy: HashSet::new(),
                db_errors: HashMap::new(),
                load_generation: 0,
                loading: tokio::sync::watch::Sender::new(0),
                changed_while_loading: BTreeSet::new(),
                semantic_refresh: false,
                pull_diagnostics: false,
                work_done_progress: false,
            })),
            disk_reads: Arc::new(Mutex::new(())),
            stopping: Arc::new(tokio::sync::watch::Sender::new(false)),
            pulled: Arc::default(),
            snapshot: Arc::new(std::sync::RwLock::new(Arc::new(Snapshot {
                workspace: Workspace::default(),
                db_errors: HashMap::new(),
            }))),
        }
    }

    /// The latest finished model (see [`Snapshot`]): a pointer copy, never a wait.
    pub(crate) fn snapshot(&self) -> Arc<Snapshot> {
        let guard = self
            .snapshot
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        Arc::clone(&guard)
    }

    /// Makes the state's model the one requests read. Called with the state lock held, so
    /// snapshots replace each other in the order the changes were made (never an older one
    /// over a newer one). Cheap: a project's big parts are shared, not copied.
    fn take_snapshot(&self, state: &State) {
        let snapshot = Arc::new(Snapshot {
            workspace: state.workspace.clone(),
            db_errors: state.db_errors.clone(),
        });
        let old = std::mem::replace(
            &mut *self
                .snapshot
                .write()
                .unwrap_or_else(std::sync::PoisonError::into_inner),
            snapshot,
        );
        // Freed after the write lock is released, on the freeing thread: freeing a model can
        // take a while, and the state lock is held here. The pages left free go back to the
        // system once the model settles.
        memory::free_later(old);
        if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            drop(memory::release_free_when_settled(&runtime));
        }
    }

    /// Waits (at most `limit`) until no whole reload is walking the folders.
    pub(crate) async fn walks_done(&self, limit: std::time::Duration) {
        let mut walks = self.state.lock().await.loading.subscribe();
        let _ = tokio::time::timeout(limit, walks.wait_for(|&n| n == 0)).await;
    }

    /// Takes editor settings (`{"flyway": {…}, "flyway-lsp": {…}}`, optionally under a
    /// `flywayLsp` or `flyway-lsp-settings` key) for the next load.
    async fn apply_settings(&self, value: &serde_json::Value) -> std::result::Result<(), String> {
        let value = value
            .get("flywayLsp")
            .or_else(|| value.get("flyway-lsp-settings"))
            .unwrap_or(value);
        if value.is_null() {
            return Ok(());
        }
        let table = crate::config::editor_settings_from_json(value).map_err(|e| e.to_string())?;
        self.state.lock().await.options.editor_settings = Some(table);
        Ok(())
    }

    /// Reloads every project from disk, then re-applies open buffers. The folders are walked
    /// without the state lock (requests keep being answered from the previous model); the result
    /// is swapped in unless a newer reload started meanwhile, and files that changed on disk
    /// during the walk are read again.
    async fn reload_workspace(&self) {
        let (roots, options, generation, progress) = {
            let mut state = self.state.lock().await;
            state.load_generation += 1;
            state.loading.send_modify(|n| *n += 1);
            let progress = state
                .work_done_progress
                .then(|| progress::LoadProgress::start(&self.client, state.load_generation));
            (
                state.roots.clone(),
                state.options.clone(),
                state.load_generation,
                progress,
            )
        };
        let counter = progress.as_ref().map(progress::LoadProgress::counter);
        // The open buffers as they are now, applied to the new model off the lock too.
        let buffers: Vec<(PathBuf, i32, u64, String)> = self
            .documents
            .iter()
            .map(|d| (d.key().clone(), d.version, d.generation, d.rope.to_string()))
            .collect();
        let (workspace, errors, buffers) = tokio::task::spawn_blocking(move || {
            let (mut workspace, errors) =
                Workspace::load_counted(&roots, &options, counter.as_deref());
            for (path, _, _, text) in &buffers {
                if let Some(p) = workspace.project_for(path) {
                    workspace.projects[p].set_text(path, text);
                }
            }
            (workspace, errors, buffers)
        })
        .await
        .unwrap_or_default();
        // The client's progress of this load ends just before its findings come (the state
        // lock is not held while the end is sent).
        if let Some(progress) = progress {
            progress.finish().await;
        }
        let mut state = self.state.lock().await;
        state.loading.send_modify(|n| *n = n.saturating_sub(1));
        if generation != state.load_generation {
            return; // a newer reload is walking; its result replaces this one
        }
        state.workspace = workspace;
        state.analysed.clear();
        let mut behind = Vec::new();
        let taken: HashSet<PathBuf> = buffers.iter().map(|b| b.0.clone()).collect();
        for (path, version, generation, _) in buffers {
            match self.documents.get_mut(&path) {
                Some(mut doc) => {
                    if state.workspace.project_for(&path).is_some() {
                        state.analysed.insert(path.clone(), version);
                    }
                    doc.synced = generation;
                    if doc.generation != generation {
                        behind.push(path); // changed during the walk: checked again below
                    }
                }
                // Closed during the walk: what counts is the file on disk.
                None => {
                    state.changed_while_loading.insert(path);
                }
            }
        }
        // Opened during the walk.
        behind.extend(
            self.documents
                .iter()
                .filter(|d| !taken.contains(d.key()))
                .map(|d| d.key().clone()),
        );
        let changed: Vec<PathBuf> = std::mem::take(&mut state.changed_while_loading)
            .into_iter()
            .collect();
        for error in errors {
            self.client
                .show_message(MessageType::ERROR, format!("flyway-lsp: {error}"))
                .await;
        }
        let projects = state.workspace.projects.len();
        let files: usize = state
            .workspace
            .projects
            .iter()
            .map(|p| p.set.files.len())
            .sum();
        self.client
            .log_message(
                MessageType::INFO,
                format!("flyway-lsp: {projects} migration set(s), {files} file(s) indexed"),
            )
            .await;
        self.publish_all(&mut state).await;
        if state.semantic_refresh {
            // Without waiting: a client slow to answer must not hold anything up.
            let client = self.client.clone();
            tokio::spawn(async move {
                let _ = client.semantic_tokens_refresh().await;
            });
        }
        self.pack_texts(&mut state).await;
        drop(state);
        for path in behind {
            self.check_document(&path).await;
        }
        if !changed.is_empty() {
            self.reload_from_disk(changed).await;
        }
        // The database's view, in the background (the reload dropped the previous one).
        self.refresh_databases(None);
    }

    /// Keeps the loaded texts compressed ([`Workspace::pack_texts`]) once the load's findings
    /// are out (the snapshot taken then gives the load's freed pages back once the model
    /// settles). Packed on a blocking thread with the state lock held (a re-check started
    /// meanwhile waits; requests answer from the snapshot), on a copy: a failure keeps the
    /// model as it is.
    async fn pack_texts(&self, state: &mut State) {
        let mut copy = state.workspace.clone();
        // An open document's text stays as it is: requests read it on every call.
        let open: HashSet<PathBuf> = self.documents.iter().map(|d| d.key().clone()).collect();
        let packed = tokio::task::spawn_blocking(move || {
            copy.pack_texts(|path| open.contains(path));
            copy
        })
        .await;
        if let Ok(packed) = packed {
            state.workspace = packed;
            self.take_snapshot(state);
        }
    }

    /// Takes files from disk again (changed, created or deleted; open buffers win), reading them
    /// without the state lock.
    async fn reload_from_disk(&self, paths: Vec<PathBuf>) {
        self.disk_changes(Vec::new(), paths).await;
    }

    /// Forgets files (deleted), and notes them for a reload under way.
    async fn forget(&self, paths: Vec<PathBuf>) {
        self.disk_changes(paths, Vec::new()).await;
    }

    /// Forgets `removed` and takes `changed` from disk again, reading without the state lock,
    /// then publishes once. Such changes apply in the order they came (`disk_reads`).
    async fn disk_changes(&self, removed: Vec<PathBuf>, changed: Vec<PathBuf>) {
        if removed.is_empty() && changed.is_empty() {
            return;
        }
        let _in_order = self.disk_reads.lock().await;
        let plans: Vec<_> = {
            let mut state = self.state.lock().await;
            state.note_changed(&removed);
            state.note_changed(&changed);
            for path in &removed {
                if let Some(p) = state.workspace.project_for(path) {
                    state.workspace.projects[p].remove(path);
                }
            }
            // An open document's disk is read only while its bytes there are not valid in
            // their encoding: that finding is about the disk (see `Project::set_text`).
            changed
                .into_iter()
                .filter_map(|path| {
                    let p = state.workspace.project_for(&path)?;
                    let project = &state.workspace.projects[p];
                    if self.documents.contains_key(&path) && !project.disk_encoding_invalid(&path) {
                        return None;
                    }
                    Some((path.clone(), project.disk_read(&path)))
                })
                .collect()
        };
        let read = tokio::task::spawn_blocking(move || {
            plans
                .into_iter()
                .map(|(path, plan)| (path, plan.read()))
                .collect::<Vec<_>>()
        })
        .await
        .unwrap_or_default();
        let mut state = self.state.lock().await;
        let mut buffers_again = Vec::new();
        for (path, file) in read {
            let Some(p) = state.workspace.project_for(&path) else {
                continue;
            };
            let project = &mut state.workspace.projects[p];
            if self.documents.contains_key(&path) {
                // The buffer wins, except over a disk whose bytes are still not valid.
                let still_invalid = matches!(
                    &file,
                    Some(Some(f)) if matches!(f.content, crate::index::Content::InvalidEncoding { .. })
                );
                if !project.disk_encoding_invalid(&path) {
                    continue;
                }
                project.apply_disk_read(&path, file);
                if !still_invalid {
                    buffers_again.push(path);
                }
                continue;
            }
            project.apply_disk_read(&path, file);
        }
        self.publish_all(&mut state).await;
        drop(state);
        // Valid on disk now (saved): the open buffer is what is analysed again.
        for path in buffers_again {
            self.check_document(&path).await;
        }
    }

    /// Publishes the findings of every file that changed since the last publish, and clears
    /// files that went clean. Positions are converted with the text the findings were computed
    /// on, and the publish carries that text's document version (never a newer one).
    pub(crate) async fn publish_all(&self, state: &mut State) {
        self.take_snapshot(state);
        if state.pull_diagnostics {
            state.published_order.clear();
            pull::refresh_if_changed(self, state);
            return;
        }
        let State {
            workspace,
            published,
            published_order,
            analysed,
            ..
        } = state;
        // Open documents whose model is of the disk file (closed meanwhile) have no version.
        // The few open ones are collected once, not looked up per file with findings.
        let versions: foldhash::HashMap<&std::ffi::OsStr, i32> = analysed
            .iter()
            .filter(|(path, _)| self.documents.contains_key(*path))
            .map(|(path, version)| (path.as_os_str(), *version))
            .collect();
        let version_of = |path: &Path| versions.get(path.as_os_str()).copied();
        // One project: its slices as they are (nothing copied or read), and the open
        // documents' versions by the address of their slice.
        let joined;
        type Current<'a> = Vec<(usize, &'a FileFindings)>;
        let (current, open): (Current, Option<Vec<(usize, i32)>>) = match &workspace.projects[..] {
            [project] => (
                project.diagnostics.files().map(|f| (0, f)).collect(),
                Some(
                    versions
                        .iter()
                        .filter_map(|(path, version)| {
                            let f = project.diagnostics.file(Path::new(path))?;
                            Some((slice_address(f), *version))
                        })
                        .collect(),
                ),
            ),
            _ => {
                joined = findings_by_file(workspace);
                (joined.iter().map(|(_, p, f)| (*p, f)).collect(), None)
            }
        };
        let last = std::mem::take(published_order);
        // The files whose findings (the same slice, else equal ones) or version changed; the
        // others are passed over: by address when the slice and version are the last
        // publish's at (about) the same place in the list, else at the cost of a look-up.
        let mut order = Vec::with_capacity(if open.is_some() { current.len() } else { 0 });
        let mut cursor = 0;
        let mut still_published = 0;
        let mut changed = Vec::new();
        for &(owner, diagnostics) in &current {
            let address = slice_address(diagnostics);
            if let Some(open) = &open {
                let version = open.iter().find(|(a, _)| *a == address).map(|(_, v)| *v);
                // The same address as a slice `published` holds is that very slice, on the
                // same path. A change or a removal just before it is stepped over.
                let at = (cursor..cursor + 2).find(|&k| last.get(k) == Some(&(address, version)));
                if let Some(k) = at {
                    cursor = k + 1;
                    still_published += 1;
                    order.push((address, version));
                    continue;
                }
            }
            let key = diagnostics[0].path.as_os_str();
            let version = version_of(Path::new(key));
            if open.is_some() {
                order.push((address, version));
            }
            if let Some((v, old)) = published.get_mut(key) {
                still_published += 1;
                if *v == version && same_findings(old, diagnostics) {
                    // Equal findings in a new slice: the new one is kept (its address is
                    // the one `published_order` notes).
                    if !Arc::ptr_eq(old, diagnostics) {
                        *old = diagnostics.clone();
                    }
                    continue;
                }
            }
            changed.push((key, owner, diagnostics, version));
        }
        // Files that went clean: only when some published file is not among the current ones.
        if still_published < published.len() {
            let now: HashSet<&std::ffi::OsStr> =
                current.iter().map(|(_, f)| f[0].path.as_os_str()).collect();
            let mut gone: Vec<std::ffi::OsString> = published
                .keys()
                .filter(|p| !now.contains(p.as_os_str()))
                .cloned()
                .collect();
            gone.sort();
            for key in gone {
                let path = Path::new(&key);
                if let Some(uri) = Uri::from_file_path(path) {
                    self.client
                        .publish_diagnostics(uri, Vec::new(), version_of(path))
                        .await;
                }
                published.remove(&key);
            }
        }
        changed.sort_by_key(|(key, ..)| *key);
        for (key, owner, diagnostics, version) in changed {
            let path = Path::new(key);
            let project = &workspace.projects[owner];
            let text = project.file(path).and_then(|f| f.text());
            let lines = text.as_deref().map(proto::LineIndex::new);
            let converted = diagnostics
                .iter()
                .map(|d| proto::diagnostic(d, lines.as_ref()))
                .collect();
            if let Some(uri) = Uri::from_file_path(path) {
                self.client
                    .publish_diagnostics(uri, converted, version)
                    .await;
            }
            published.insert(key.to_os_string(), (version, diagnostics.clone()));
        }
        // Only now that `published` holds every slice it notes (a publish cut short leaves it
        // empty).
        *published_order = order;
    }

    /// The state, with every open buffer's latest text applied: requests answer about what the
    /// user sees now, even while a debounced re-check is still waiting.
    pub(crate) async fn synced_state(&self) -> tokio::sync::MutexGuard<'_, State> {
        let mut state = self.state.lock().await;
        for mut doc in self.documents.iter_mut() {
            if doc.synced == doc.generation {
                continue;
            }
            state.take_document(doc.key(), &doc);
            doc.synced = doc.generation;
        }
        state
    }

    /// Warns (window/showMessage) before an applied migration is renamed or deleted; the
    /// operation itself is the user's call.
    async fn warn_before_removal(&self, paths: &[PathBuf], renamed: bool) {
        let warnings: Vec<String> = {
            let state = self.state.lock().await;
            paths
                .iter()
                .filter_map(|path| {
                    let p = state.workspace.project_for(path)?;
                    state.workspace.projects[p].removal_warning(path, renamed)
                })
                .collect()
        };
        for warning in warnings {
            self.client
                .show_message(MessageType::WARNING, format!("flyway-lsp: {warning}"))
                .await;
        }
    }

    /// Re-checks a changed document at once, unless a re-check of it is under way: that one
    /// runs again for the changes made meanwhile, all of them in one run (a burst of changes
    /// costs a few runs, not one each, and a lone change waits for nothing).
    fn schedule_check(&self, path: PathBuf) {
        let started = self
            .documents
            .get_mut(&path)
            .is_some_and(|mut doc| doc.start_check());
        if !started {
            return;
        }
        let backend = self.clone_handle();
        tokio::spawn(async move { backend.check_until_current(&path).await });
    }

    /// Re-checks an open document until the model holds its latest text (see
    /// [`Backend::schedule_check`]), then notes that no re-check of it is under way.
    async fn check_until_current(&self, path: &Path) {
        let _unwinding = EndsCheckOnPanic {
            documents: &self.documents,
            path,
        };
        loop {
            let ran_on = self.check_document(path).await;
            let done = self
                .documents
                .get_mut(path)
                .is_none_or(|mut doc| doc.check_done(ran_on));
            if done {
                return;
            }
        }
    }

    /// Re-checks the model with an open document's latest text, then publishes; returns the
    /// document's generation it ran on (`None`: nothing to check). The state lock is held only
    /// to copy the document's project (a pointer copy) and to install the result: the analysis
    /// runs on a blocking thread against the copy. A result is installed only if the project is
    /// still at the revision it was copied at ([`Workspace::install`]); else it is stale
    /// (another change came in meanwhile) and the check runs again, on the newer model and the
    /// document's latest text. The findings carry the version of the text they ran on.
    async fn check_document(&self, path: &Path) -> Option<u64> {
        loop {
            let (revision, project, version, ran_on, text) = {
                let state = self.state.lock().await;
                let mut doc = self.documents.get_mut(path)?;
                let Some(p) = state.workspace.project_for(path) else {
                    doc.synced = doc.generation;
                    return None;
                };
                let project = state.workspace.projects[p].clone();
                (
                    project.revision(),
                    project,
                    doc.version,
                    doc.generation,
                    doc.rope.to_string(),
                )
            };
            let owned = path.to_path_buf();
            let Ok(checked) = tokio::task::spawn_blocking(move || {
                let mut project = project;
                project.set_text(&owned, &text);
                project
            })
            .await
            else {
                return None;
            };
            let mut state = self.state.lock().await;
            let Some(replaced) = state.workspace.install(revision, checked) else {
                continue; // stale
            };
            state.analysed.insert(path.to_path_buf(), version);
            if let Some(mut doc) = self.documents.get_mut(path) {
                doc.synced = doc.synced.max(ran_on);
            }
            self.publish_all(&mut state).await;
            drop(state);
            // Freed after the publish, on the freeing thread: what only it still holds (the
            // edited file's previous analysis, say) can take a while to free.
            memory::free_later(replaced);
            return Some(ran_on);
        }
    }
}

/// One file's findings: the engine's shared slice ([`crate::diagnostic::Findings::files`]).
pub(crate) type FileFindings = std::sync::Arc<[crate::diagnostic::Diagnostic]>;

/// Where a slice of findings lives: the same address as a slice still held is the same slice.
fn slice_address(findings: &FileFindings) -> usize {
    std::sync::Arc::as_ptr(findings).cast::<crate::diagnostic::Diagnostic>() as usize
}

/// Whether two slices of a file's findings say the same: the same slice (a re-check that kept
/// them), else equal findings.
pub(crate) fn same_findings(a: &FileFindings, b: &FileFindings) -> bool {
    std::sync::Arc::ptr_eq(a, b) || **a == **b
}

/// Every project's findings by file (the path's bytes, each once), with the project that holds
/// them: the engine's slices as they are (pointer copies), but for a path two projects both
/// hold, whose findings are joined under the first project.
pub(crate) fn findings_by_file(
    workspace: &Workspace,
) -> Vec<(&std::ffi::OsStr, usize, FileFindings)> {
    let mut current: Vec<(&std::ffi::OsStr, usize, FileFindings)> = workspace
        .projects
        .iter()
        .enumerate()
        .flat_map(|(p, project)| {
            project
                .diagnostics
                .files()
                .map(move |f| (f[0].path.as_os_str(), p, f.clone()))
        })
        .collect();
    if workspace.projects.len() > 1 {
        current.sort_by_key(|(key, p, _)| (*key, *p));
        let mut joined: Vec<(&std::ffi::OsStr, usize, FileFindings)> = Vec::new();
        for (key, p, findings) in current {
            match joined.last_mut() {
                Some((last, _, into)) if *last == key => {
                    *into = into.iter().chain(findings.iter()).cloned().collect();
                }
                _ => joined.push((key, p, findings)),
            }
        }
        current = joined;
    }
    current
}

/// The file path of a `file:` URI, the only scheme whose documents are on disk. Anything else
/// (`untitled:`, `http:`, `vscode-notebook-cell:`, …) is `None`: such documents are ignored and
/// never lead to a disk read, whatever their path looks like. So is a `file:` URI naming another
/// host, or with `..` segments (its path would not be what it seems to the folder checks).
pub(crate) fn path_of(uri: &Uri) -> Option<PathBuf> {
    if !uri.scheme().as_str().eq_ignore_ascii_case("file") {
        return None;
    }
    if let Some(authority) = uri.authority() {
        let host = authority.host();
        if !host.is_empty() && !host.eq_ignore_ascii_case("localhost") {
            return None;
        }
    }
    let path = uri.to_file_path()?.into_owned();
    let plain = path.is_absolute()
        && !path
            .components()
            .any(|c| c == std::path::Component::ParentDir);
    plain.then_some(path)
}

/// The char index in `rope` of an LSP position, clamped to the line and the text.
fn char_index(rope: &Rope, position: Position) -> usize {
    let line = position.line as usize;
    if line >= rope.len_lines() {
        return rope.len_chars();
    }
    let start = rope.line_to_char(line);
    let mut units = 0usize;
    for (i, c) in rope.line(line).chars().enumerate() {
        if units >= position.character as usize || c == '\n' || c == '\r' {
            return start + i;
        }
        units += c.len_utf16();
    }
    start + rope.line(line).len_chars()
}

fn apply_change(rope: &mut Rope, change: TextDocumentContentChangeEvent) {
    match change.range {
        None => *rope = Rope::from_str(&change.text),
        Some(range) => {
            let start = char_index(rope, range.start);
            let end = char_index(rope, range.end).max(start);
            rope.remove(start..end);
            rope.insert(start, &change.text);
        }
    }
}

/// A glob for the file names ending in `suffix` in any case, as Flyway compares suffixes
/// (`**/*.[sS][qQ][lL]`); None for a suffix a glob cannot say.
fn suffix_glob(suffix: &str) -> Option<String> {
    if suffix.is_empty() || suffix.contains(['*', '?', '[', ']', '{', '}', '/', '\\']) {
        return None;
    }
    let mut glob = "**/*".to_string();
    for c in suffix.chars() {
        let (lower, upper) = (c.to_lowercase().to_string(), c.to_uppercase().to_string());
        if lower == upper {
            glob.push(c);
        } else {
            glob.push_str(&format!("[{lower}{upper}]"));
        }
    }
    Some(glob)
}

impl Backend {
    /// Files created, changed, renamed or deleted on disk (a client's file events, or the
    /// server's own watcher): a settings file reloads everything, else each file is taken again.
    async fn files_changed(&self, paths: Vec<PathBuf>) {
        let mut reload_all = false;
        let mut changed = Vec::new();
        for path in paths {
            let name = path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            if poll::SETTINGS_FILES.contains(&name.as_str()) {
                reload_all = true;
                continue;
            }
            // Deleted or not, the disk says what is there now (the open buffer wins).
            changed.push(path);
        }
        if reload_all {
            self.reload_workspace().await;
        } else if !changed.is_empty() {
            self.reload_from_disk(changed).await;
        }
    }

    /// What the server's own watcher looks at: each project's locations with its suffixes, and
    /// the roots' settings files.
    async fn watched(&self) -> poll::Watched {
        let state = self.state.lock().await;
        let mut watched = poll::Watched {
            folders: Vec::new(),
            roots: state.roots.clone(),
        };
        for p in &state.workspace.projects {
            let suffixes = &p.project.config.flyway.sql_migration_suffixes;
            for location in &p.project.locations {
                watched
                    .folders
                    .push((location.path.clone(), suffixes.clone()));
            }
        }
        watched.folders.sort();
        watched.folders.dedup();
        watched
    }

    /// Every file the model holds.
    async fn known_files(&self) -> BTreeSet<PathBuf> {
        let state = self.state.lock().await;
        state
            .workspace
            .projects
            .iter()
            .flat_map(|p| p.set.files.iter().map(|f| f.path.clone()))
            .collect()
    }

    /// Starts the server's own watcher ([`poll`]) for a client without file watching: a look
    /// every [`poll::pause_after`] (off the async threads, at the lowest CPU priority, and so is
    /// the comparison with the last look: [`poll::look`]), the changes taken as file events;
    /// it ends on `shutdown`.
    fn start_polling(&self) {
        let backend = self.clone_handle();
        let mut stopping = self.stopping.subscribe();
        tokio::spawn(async move {
            let mut pause = poll::INTERVAL;
            let mut last: Option<(poll::Watched, poll::Seen)> = None;
            loop {
                tokio::select! {
                    _ = tokio::time::sleep(pause) => {}
                    _ = stopping.wait_for(|stop| *stop) => return,
                }
                let watched = backend.watched().await;
                // The last look goes to the looking thread and comes back with the new one.
                let Some((now, compared, took)) = poll::look(watched.clone(), last.take()).await
                else {
                    continue;
                };
                pause = poll::pause_after(took);
                // The first look, or one after the locations changed (a reload, which read
                // everything), is compared with what the model holds: files made or removed
                // while the folders were walked are not lost.
                let changed = match compared {
                    Some(changed) => changed,
                    None => {
                        let known = backend.known_files().await;
                        poll::unknown(&now, &known, &watched)
                    }
                };
                if !changed.is_empty() {
                    backend.files_changed(changed).await;
                }
                last = Some((watched, now));
            }
        });
    }
}

fn watched(pattern: &str) -> FileSystemWatcher {
    FileSystemWatcher {
        glob_pattern: GlobPattern::String(pattern.to_string()),
        kind: None,
    }
}

impl LanguageServer for Backend {
    async fn initialize(&self, params: InitializeParams) -> Result<InitializeResult> {
        let mut roots: Vec<PathBuf> = params
            .workspace_folders
            .unwrap_or_default()
            .iter()
            .filter_map(|f| path_of(&f.uri))
            .collect();
        #[allow(deprecated)]
        if roots.is_empty() {
            if let Some(root) = params.root_uri.as_ref().and_then(path_of) {
                roots.push(root);
            }
        }
        let settings_error = match params.initialization_options.as_ref() {
            Some(value) => self.apply_settings(value).await.err(),
            None => None,
        };
        if let Some(error) = settings_error {
            self.client
                .show_message(MessageType::ERROR, format!("flyway-lsp: {error}"))
                .await;
        }
        let pull_diagnostics = pull::client_pulls(&params.capabilities);
        {
            let mut state = self.state.lock().await;
            state.roots = roots;
            state.pull_diagnostics = pull_diagnostics;
            state.dynamic_watch = params
                .capabilities
                .workspace
                .as_ref()
                .and_then(|w| w.did_change_watched_files.as_ref())
                .and_then(|d| d.dynamic_registration)
                .unwrap_or(false);
            state.semantic_refresh = params
                .capabilities
                .workspace
                .as_ref()
                .and_then(|w| w.semantic_tokens.as_ref())
                .and_then(|s| s.refresh_support)
                .unwrap_or(false);
            state.work_done_progress = params
                .capabilities
                .window
                .as_ref()
                .and_then(|w| w.work_done_progress)
                .unwrap_or(false);
        }
        let sql_files = FileOperationRegistrationOptions {
            filters: vec![FileOperationFilter {
                scheme: Some("file".into()),
                pattern: FileOperationPattern {
                    glob: "**/*".into(),
                    matches: None,
                    options: None,
                },
            }],
        };
        Ok(InitializeResult {
            server_info: Some(ServerInfo {
                name: "flyway-lsp".into(),
                version: Some(env!("CARGO_PKG_VERSION").into()),
            }),
            capabilities: ServerCapabilities {
                position_encoding: Some(PositionEncodingKind::UTF16),
                text_document_sync: Some(TextDocumentSyncCapability::Options(
                    TextDocumentSyncOptions {
                        open_close: Some(true),
                        change: Some(TextDocumentSyncKind::INCREMENTAL),
                        save: Some(TextDocumentSyncSaveOptions::Supported(true)),
                        ..TextDocumentSyncOptions::default()
                    },
                )),
                hover_provider: Some(HoverProviderCapability::Simple(true)),
                definition_provider: Some(OneOf::Left(true)),
                references_provider: Some(OneOf::Left(true)),
                document_symbol_provider: Some(OneOf::Left(true)),
                semantic_tokens_provider: Some(
                    SemanticTokensServerCapabilities::SemanticTokensOptions(
                        SemanticTokensOptions {
                            legend: SemanticTokensLegend {
                                token_types: features::TOKEN_TYPES.to_vec(),
                                token_modifiers: Vec::new(),
                            },
                            full: Some(SemanticTokensFullOptions::Bool(true)),
                            range: None,
                            ..SemanticTokensOptions::default()
                        },
                    ),
                ),
                completion_provider: Some(CompletionOptions {
                    // `.` for a table's columns; never space (each space would pop a list up).
                    trigger_characters: Some(vec![".".into()]),
                    ..CompletionOptions::default()
                }),
                code_action_provider: Some(CodeActionProviderCapability::Options(
                    CodeActionOptions {
                        code_action_kinds: Some(vec![
                            CodeActionKind::QUICKFIX,
                            CodeActionKind::REFACTOR,
                        ]),
                        ..CodeActionOptions::default()
                    },
                )),
                folding_range_provider: Some(FoldingRangeProviderCapability::Simple(true)),
                selection_range_provider: Some(SelectionRangeProviderCapability::Simple(true)),
                code_lens_provider: Some(CodeLensOptions {
                    resolve_provider: Some(false),
                }),
                inlay_hint_provider: Some(OneOf::Left(true)),
                diagnostic_provider: pull_diagnostics.then(pull::capability),
                execute_command_provider: Some(ExecuteCommandOptions {
                    commands: COMMANDS.iter().map(|c| c.to_string()).collect(),
                    ..ExecuteCommandOptions::default()
                }),
                workspace: Some(WorkspaceServerCapabilities {
                    workspace_folders: Some(WorkspaceFoldersServerCapabilities {
                        supported: Some(true),
                        change_notifications: Some(OneOf::Left(true)),
                    }),
                    file_operations: Some(WorkspaceFileOperationsServerCapabilities {
                        did_create: Some(sql_files.clone()),
                        did_rename: Some(sql_files.clone()),
                        did_delete: Some(sql_files.clone()),
                        will_rename: Some(sql_files.clone()),
                        will_delete: Some(sql_files),
                        ..WorkspaceFileOperationsServerCapabilities::default()
                    }),
                }),
                ..ServerCapabilities::default()
            },
            ..InitializeResult::default()
        })
    }

    async fn initialized(&self, _: InitializedParams) {
        self.reload_workspace().await;
        // Only where the client supports it, and without waiting: a client that is slow to
        // answer must not hold up anything. Registered once the settings are read, so the
        // patterns cover the configured `sqlMigrationSuffixes`; a client that cannot watch
        // files gets the server's own watcher.
        let (dynamic_watch, suffixes) = {
            let state = self.state.lock().await;
            let mut suffixes: Vec<String> = state
                .workspace
                .projects
                .iter()
                .flat_map(|p| {
                    p.project
                        .config
                        .flyway
                        .sql_migration_suffixes
                        .iter()
                        .cloned()
                })
                .chain([".sql".to_string()])
                .collect();
            suffixes.sort();
            suffixes.dedup();
            (state.dynamic_watch, suffixes)
        };
        if dynamic_watch {
            let mut watchers: Vec<FileSystemWatcher> = suffixes
                .iter()
                .filter_map(|s| suffix_glob(s))
                .map(|g| watched(&g))
                .collect();
            watchers.extend(
                [
                    "**/*.[cC][oO][nN][fF]",
                    "**/flyway.toml",
                    "**/flyway.user.toml",
                    "**/flyway-lsp.toml",
                ]
                .map(watched),
            );
            let registration = Registration {
                id: "flyway-lsp-watch".into(),
                method: "workspace/didChangeWatchedFiles".into(),
                register_options: serde_json::to_value(DidChangeWatchedFilesRegistrationOptions {
                    watchers,
                })
                .ok(),
            };
            let client = self.client.clone();
            tokio::spawn(async move {
                let _ = client.register_capability(vec![registration]).await;
            });
        } else {
            self.start_polling();
        }
        self.start_database_interval().await;
    }

    async fn shutdown(&self) -> Result<()> {
        self.stopping.send_replace(true);
        Ok(())
    }

    async fn did_open(&self, params: DidOpenTextDocumentParams) {
        let doc = params.text_document;
        let Some(path) = path_of(&doc.uri) else {
            return;
        };
        self.documents.insert(
            path.clone(),
            Document {
                rope: Rope::from_str(&doc.text),
                version: doc.version,
                generation: 0,
                synced: 0,
                checking: false,
            },
        );
        // The buffer as it is when the check starts: changes may arrive meanwhile.
        self.check_document(&path).await;
    }

    async fn did_change(&self, params: DidChangeTextDocumentParams) {
        let Some(path) = path_of(&params.text_document.uri) else {
            return;
        };
        {
            let Some(mut doc) = self.documents.get_mut(&path) else {
                // A change to a document that was never opened: nothing to apply it to.
                return;
            };
            for change in params.content_changes {
                apply_change(&mut doc.rope, change);
            }
            doc.version = params.text_document.version;
            doc.generation += 1;
        }
        self.schedule_check(path);
    }

    async fn did_save(&self, params: DidSaveTextDocumentParams) {
        if let Some(path) = path_of(&params.text_document.uri) {
            // A save may have made the disk's bytes valid (read only while they are not).
            self.reload_from_disk(vec![path.clone()]).await;
            self.refresh_databases(Some(path));
        }
    }

    async fn did_close(&self, params: DidCloseTextDocumentParams) {
        let Some(path) = path_of(&params.text_document.uri) else {
            return;
        };
        self.documents.remove(&path);
        // The buffer is gone: what counts now is the file on disk (or nothing).
        self.reload_from_disk(vec![path]).await;
    }

    async fn did_change_watched_files(&self, params: DidChangeWatchedFilesParams) {
        let paths = params
            .changes
            .iter()
            .filter_map(|change| path_of(&change.uri))
            .collect();
        self.files_changed(paths).await;
    }

    async fn did_create_files(&self, params: CreateFilesParams) {
        let paths = params
            .files
            .iter()
            .filter_map(|f| f.uri.parse::<Uri>().ok().and_then(|u| path_of(&u)))
            .collect();
        self.reload_from_disk(paths).await;
    }

    async fn will_rename_files(&self, params: RenameFilesParams) -> Result<Option<WorkspaceEdit>> {
        let paths: Vec<PathBuf> = params
            .files
            .iter()
            .filter_map(|f| f.old_uri.parse::<Uri>().ok().and_then(|u| path_of(&u)))
            .collect();
        self.warn_before_removal(&paths, true).await;
        Ok(None)
    }

    async fn will_delete_files(&self, params: DeleteFilesParams) -> Result<Option<WorkspaceEdit>> {
        let paths: Vec<PathBuf> = params
            .files
            .iter()
            .filter_map(|f| f.uri.parse::<Uri>().ok().and_then(|u| path_of(&u)))
            .collect();
        self.warn_before_removal(&paths, false).await;
        Ok(None)
    }

    async fn did_rename_files(&self, params: RenameFilesParams) {
        let mut old = Vec::new();
        let mut new = Vec::new();
        for file in params.files {
            old.extend(file.old_uri.parse::<Uri>().ok().and_then(|u| path_of(&u)));
            new.extend(file.new_uri.parse::<Uri>().ok().and_then(|u| path_of(&u)));
        }
        // A folder moved: everything below it may have changed project or location.
        if new.iter().any(|p| p.is_dir()) {
            self.reload_workspace().await;
            return;
        }
        self.disk_changes(old, new).await;
    }

    async fn did_delete_files(&self, params: DeleteFilesParams) {
        let paths = params
            .files
            .iter()
            .filter_map(|f| f.uri.parse::<Uri>().ok().and_then(|u| path_of(&u)))
            .collect();
        self.forget(paths).await;
    }

    async fn did_change_configuration(&self, params: DidChangeConfigurationParams) {
        match self.apply_settings(&params.settings).await {
            Ok(()) => self.reload_workspace().await,
            Err(error) => {
                self.client
                    .show_message(MessageType::ERROR, format!("flyway-lsp: {error}"))
                    .await
            }
        }
    }

    async fn did_change_workspace_folders(&self, params: DidChangeWorkspaceFoldersParams) {
        {
            let mut state = self.state.lock().await;
            for removed in params.event.removed {
                if let Some(path) = path_of(&removed.uri) {
                    state.roots.retain(|r| r != &path);
                }
            }
            for added in params.event.added {
                if let Some(path) = path_of(&added.uri) {
                    state.roots.push(path);
                }
            }
        }
        self.reload_workspace().await;
    }

    async fn hover(&self, params: HoverParams) -> Result<Option<Hover>> {
        Ok(features::hover(self, params).await)
    }

    async fn goto_definition(
        &self,
        params: GotoDefinitionParams,
    ) -> Result<Option<GotoDefinitionResponse>> {
        Ok(features::definition(self, params).await)
    }

    async fn references(&self, params: ReferenceParams) -> Result<Option<Vec<Location>>> {
        Ok(features::references(self, params).await)
    }

    async fn completion(&self, params: CompletionParams) -> Result<Option<CompletionResponse>> {
        Ok(features::completion(self, params).await)
    }

    async fn document_symbol(
        &self,
        params: DocumentSymbolParams,
    ) -> Result<Option<DocumentSymbolResponse>> {
        Ok(features::document_symbols(self, params).await)
    }

    async fn semantic_tokens_full(
        &self,
        params: SemanticTokensParams,
    ) -> Result<Option<SemanticTokensResult>> {
        Ok(features::semantic_tokens(self, params).await)
    }

    async fn code_action(&self, params: CodeActionParams) -> Result<Option<CodeActionResponse>> {
        Ok(features::code_actions(self, params).await)
    }

    async fn execute_command(&self, params: ExecuteCommandParams) -> Result<Option<LSPAny>> {
        features::execute_command(self, params).await
    }

    async fn folding_range(&self, params: FoldingRangeParams) -> Result<Option<Vec<FoldingRange>>> {
        Ok(editor::folding_ranges(self, params).await)
    }

    async fn selection_range(
        &self,
        params: SelectionRangeParams,
    ) -> Result<Option<Vec<SelectionRange>>> {
        Ok(editor::selection_ranges(self, params).await)
    }

    async fn code_lens(&self, params: CodeLensParams) -> Result<Option<Vec<CodeLens>>> {
        Ok(editor::code_lenses(self, params).await)
    }

    async fn inlay_hint(&self, params: InlayHintParams) -> Result<Option<Vec<InlayHint>>> {
        Ok(editor::inlay_hints(self, params).await)
    }

    async fn diagnostic(
        &self,
        params: DocumentDiagnosticParams,
    ) -> Result<DocumentDiagnosticReportResult> {
        Ok(pull::document(self, params).await)
    }

    async fn workspace_diagnostic(
        &self,
        params: WorkspaceDiagnosticParams,
    ) -> Result<WorkspaceDiagnosticReportResult> {
        Ok(pull::workspace(self, params).await)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An open document changed once, with no re-check under way.
    fn changed_once() -> Document {
        Document {
            rope: Rope::from_str("select 1;"),
            version: 1,
            generation: 1,
            synced: 0,
            checking: false,
        }
    }

    #[test]
    fn a_change_during_a_recheck_is_taken_by_its_next_run() {
        let mut doc = changed_once();
        assert!(doc.start_check(), "the first change starts a re-check");
        // Changes while it runs start none of their own.
        doc.generation = 2;
        assert!(!doc.start_check());
        doc.generation = 3;
        assert!(!doc.start_check());
        // The run on generation 1 is not the end: the one after it takes 2 and 3 at once.
        assert!(!doc.check_done(Some(1)));
        assert!(!doc.start_check(), "still under way");
        assert!(doc.check_done(Some(3)));
        assert!(doc.start_check(), "the next change starts a re-check again");
        // A run that checked nothing (the document left the model) ends it too.
        assert!(doc.check_done(None));
        assert!(!doc.checking);
    }

    #[test]
    fn a_panicking_recheck_lets_the_next_change_start_one() {
        let documents = DashMap::new();
        let path = PathBuf::from("/m/V1__a.sql");
        documents.insert(path.clone(), changed_once());
        assert!(documents.get_mut(&path).unwrap().start_check());
        let run = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            let _unwinding = EndsCheckOnPanic {
                documents: &documents,
                path: &path,
            };
            panic!("a run fails");
        }));
        assert!(run.is_err());
        assert!(documents.get_mut(&path).unwrap().start_check());
        // A run that ends normally leaves the note to `check_done`.
        drop(EndsCheckOnPanic {
            documents: &documents,
            path: &path,
        });
        assert!(documents.get(&path).unwrap().checking);
    }

    #[test]
    fn only_plain_local_file_uris_are_paths() {
        let path = |text: &str| path_of(&text.parse::<Uri>().unwrap());
        assert_eq!(
            path("file:///ws/db/V1__a.sql"),
            Some(PathBuf::from("/ws/db/V1__a.sql"))
        );
        assert_eq!(
            path("FILE://localhost/ws/a%20b.sql"),
            Some(PathBuf::from("/ws/a b.sql"))
        );
        for other in [
            "untitled:/ws/db/V1__a.sql",
            "untitled:Untitled-1",
            "http://example.com/ws/db/V1__a.sql",
            "vscode-notebook-cell:/ws/db/V1__a.sql#W0sZmlsZQ%3D%3D",
            "git:/ws/db/V1__a.sql?%7B%22ref%22%3A%22HEAD%22%7D",
            "file://otherhost/ws/db/V1__a.sql",
            "file:///ws/db/../../etc/passwd",
            "file:///ws/db/%2E%2E/%2E%2E/etc/passwd",
        ] {
            assert_eq!(path(other), None, "{other}");
        }
    }

    #[test]
    fn incremental_edits_in_utf16() {
        let mut rope = Rope::from_str("select 'é😀';\nselect 2;\n");
        // Replace "2" on line 1.
        apply_change(
            &mut rope,
            TextDocumentContentChangeEvent {
                range: Some(Range::new(Position::new(1, 7), Position::new(1, 8))),
                range_length: None,
                text: "42".into(),
            },
        );
        assert_eq!(rope.to_string(), "select 'é😀';\nselect 42;\n");
        // Insert after the emoji (UTF-16 column 11 = after the surrogate pair).
        apply_change(
            &mut rope,
            TextDocumentContentChangeEvent {
                range: Some(Range::new(Position::new(0, 11), Position::new(0, 11))),
                range_length: None,
                text: "!".into(),
            },
        );
        assert_eq!(rope.to_string(), "select 'é😀!';\nselect 42;\n");
        // Out-of-range positions clamp instead of panicking.
        apply_change(
            &mut rope,
            TextDocumentContentChangeEvent {
                range: Some(Range::new(Position::new(0, 500), Position::new(99, 0))),
                range_length: None,
                text: "".into(),
            },
        );
        assert_eq!(rope.to_string(), "select 'é😀!';");
    }
}
