//! The language server's database work, always in the background: reading each project's
//! `flyway_schema_history` (on start, on save, on the validate command, at an interval) and
//! dry-runs on command. Typing never waits for it: the state lock is held only to copy the
//! project out and to put the result back.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde_json::{json, Value};
use tower_lsp_server::ls_types::MessageType;

use super::Backend;
use crate::database::client::DbError;
use crate::database::dryrun::{self, Limits, MigrationOutcome};
use crate::database::settings::DbSettings;
use crate::database::{applied_history, dry_run_findings, read_status};
use crate::index::MigrationSet;
use crate::project::Project;

type Key = (PathBuf, Vec<PathBuf>);

/// A project copied out of the state for database work.
struct Snapshot {
    key: Key,
    project: Arc<Project>,
    set: Arc<MigrationSet>,
    settings: DbSettings,
}

impl Backend {
    /// The projects (all, or the one holding `path`) that have a database to talk to.
    async fn snapshots(&self, path: Option<&Path>) -> Vec<Snapshot> {
        let state = self.synced_state().await;
        let wanted = path.and_then(|p| state.workspace.project_for(p));
        state
            .workspace
            .projects
            .iter()
            .enumerate()
            .filter(|(i, _)| wanted.is_none_or(|w| w == *i))
            .filter(|(_, p)| p.project.config.tool.database != Some(false))
            .filter_map(|(_, p)| {
                let settings = DbSettings::from_config(&p.project.config).ok()??;
                Some(Snapshot {
                    key: p.key(),
                    project: p.project.clone(),
                    set: p.set.clone(),
                    settings,
                })
            })
            .collect()
    }

    /// Reads the history of the projects in the background and publishes what changes.
    pub(crate) fn refresh_databases(&self, path: Option<PathBuf>) {
        let backend = self.clone_handle();
        tokio::spawn(async move {
            let _ = backend.validate_now(path.as_deref(), false).await;
        });
    }

    /// Reads the history now; returns one summary per project (Flyway's validate outcome).
    pub(crate) async fn validate_now(&self, path: Option<&Path>, announce: bool) -> Vec<Value> {
        let mut summaries = Vec::new();
        for snapshot in self.snapshots(path).await {
            {
                let mut state = self.state.lock().await;
                if !state.db_busy.insert(snapshot.key.clone()) {
                    // A read of this project is already under way: say so, so the command
                    // never answers as if no database were configured.
                    summaries.push(json!({
                        "error": format!("database busy: a read of {} is already under way", snapshot.settings.connection.redacted()),
                        "busy": true,
                    }));
                    continue;
                }
            }
            let result = read_status(&snapshot.project, &snapshot.set, &snapshot.settings).await;
            let mut state = self.state.lock().await;
            state.db_busy.remove(&snapshot.key);
            let index = state.workspace.project_by_key(&snapshot.key);
            match result {
                Ok(status) => {
                    state.db_errors.remove(&snapshot.key);
                    let message = status.status.failure_message();
                    summaries.push(json!({
                        "database": status.target,
                        "valid": message.is_none(),
                        "message": message.clone().unwrap_or_else(|| format!("Successfully validated {} migrations", status.status.infos.len())),
                    }));
                    if let Some(i) = index {
                        let project = &mut state.workspace.projects[i];
                        let mut applied = applied_history(&status, &project.git_applied);
                        // A dry-run's findings stay until the next dry-run (or the file changes).
                        if let (Some(new), Some(old)) =
                            (applied.database.as_mut(), project.applied.database.as_ref())
                        {
                            new.dry_run = old.dry_run.clone();
                        }
                        project.set_applied(applied);
                    }
                    if announce {
                        let (kind, text) = match &message {
                            None => (
                                MessageType::INFO,
                                format!(
                                    "flyway-lsp: {} — Successfully validated {} migrations",
                                    status.target,
                                    status.status.infos.len()
                                ),
                            ),
                            Some(m) => (
                                MessageType::WARNING,
                                format!("flyway-lsp: {}\n{m}", status.target),
                            ),
                        };
                        self.client.show_message(kind, text).await;
                    }
                }
                Err(error) => {
                    // Busy (the history locked by a migration, or a slow server): the last
                    // state read stays, and the message says the database is busy.
                    let busy = matches!(error, DbError::Busy(_));
                    let text = if busy {
                        format!("database busy: {error}")
                    } else {
                        error.to_string()
                    };
                    summaries.push(json!({"error": text, "busy": busy}));
                    if let Some(i) = index.filter(|_| !busy) {
                        let project = &mut state.workspace.projects[i];
                        let git = (*project.git_applied).clone();
                        project.set_applied(git);
                    }
                    // Shown once until a read succeeds (a database down stays down across
                    // opens and saves: the status bar's `database_error` says it from then on),
                    // and on every explicit command; the log gets every one.
                    self.client
                        .log_message(MessageType::WARNING, format!("flyway-lsp: {text}"))
                        .await;
                    let repeated = state.db_errors.contains_key(&snapshot.key);
                    if announce || !repeated {
                        self.client
                            .show_message(MessageType::WARNING, format!("flyway-lsp: {text}"))
                            .await;
                    }
                    state.db_errors.insert(snapshot.key.clone(), text);
                }
            }
            self.publish_all(&mut state).await;
        }
        summaries
    }

    /// Dry-runs the pending migrations of the project holding `path` (or of every project);
    /// failures and blocking locks become diagnostics on their statements.
    pub(crate) async fn dry_run_now(&self, path: Option<&Path>) -> Vec<Value> {
        let mut summaries = Vec::new();
        for snapshot in self.snapshots(path).await {
            let mut progress = |_: &str| {};
            let result = dryrun::dry_run(
                &snapshot.project,
                &snapshot.set,
                Some(&snapshot.settings),
                snapshot.settings.connection.flavor,
                Limits::default(),
                &mut progress,
            )
            .await;
            let mut state = self.state.lock().await;
            let index = state.workspace.project_by_key(&snapshot.key);
            match result {
                Ok(report) => {
                    let failed = report.failed();
                    let ok = report
                        .migrations
                        .iter()
                        .filter(|m| m.outcome == MigrationOutcome::Ok)
                        .count();
                    let text = format!(
                        "flyway-lsp: dry-run of {} pending migration(s): {ok} ok{}. {}",
                        report.migrations.len(),
                        if failed { ", 1 failed" } else { "" },
                        report.how
                    );
                    summaries.push(json!({
                        "how": report.how,
                        "migrations": report.migrations.len(),
                        "ok": ok,
                        "failed": failed,
                    }));
                    if let Some(i) = index {
                        let project = &mut state.workspace.projects[i];
                        let mut applied = (*project.applied).clone();
                        let findings = dry_run_findings(&report, &project.set);
                        let db = applied.database.get_or_insert_with(Default::default);
                        db.dry_run = findings;
                        project.set_applied(applied);
                    }
                    let kind = if failed {
                        MessageType::WARNING
                    } else {
                        MessageType::INFO
                    };
                    self.client.show_message(kind, text).await;
                }
                Err(error) => {
                    let text = error.to_string();
                    summaries.push(json!({"error": text}));
                    self.client
                        .show_message(MessageType::ERROR, format!("flyway-lsp: dry-run: {text}"))
                        .await;
                }
            }
            self.publish_all(&mut state).await;
        }
        summaries
    }

    /// Starts the interval reads, if a project asks for them.
    pub(crate) async fn start_database_interval(&self) {
        let interval = {
            let state = self.state.lock().await;
            state
                .workspace
                .projects
                .iter()
                .filter_map(|p| p.project.config.tool.database_interval)
                .filter(|&s| s > 0)
                .min()
        };
        let Some(seconds) = interval else {
            return;
        };
        let backend = self.clone_handle();
        tokio::spawn(async move {
            let mut ticker = tokio::time::interval(std::time::Duration::from_secs(seconds));
            ticker.tick().await;
            loop {
                ticker.tick().await;
                let _ = backend.validate_now(None, false).await;
            }
        });
    }

    /// Another handle on the same server state, for background tasks.
    pub(crate) fn clone_handle(&self) -> Backend {
        Backend {
            client: self.client.clone(),
            documents: Arc::clone(&self.documents),
            state: Arc::clone(&self.state),
            disk_reads: Arc::clone(&self.disk_reads),
            pulled: Arc::clone(&self.pulled),
            snapshot: Arc::clone(&self.snapshot),
            stopping: Arc::clone(&self.stopping),
        }
    }
}
