//! The database: connections, Flyway's `flyway_schema_history`, `validate` and `dry-run`.
//!
//! Architecture invariant: every database access lives below this module ([`client`] is the
//! only file that calls a driver); the engine and the front ends see plain values. Validation
//! itself ([`validate`]) is pure and shared by the CLI and the language server.

pub mod client;
pub mod dryrun;
pub mod embedded;
pub mod on_target;
pub mod resolve;
pub mod settings;
pub mod snapshot;
pub mod tls;
pub mod tls_files;
pub mod url;
pub mod validate;

use crate::placeholders::BuiltIns;
use client::{Client, DbError, CONNECT_TIMEOUT};
use resolve::resolved_migrations;
use settings::DbSettings;
use validate::{compare_to, Status};

use crate::index::MigrationSet;
use crate::project::Project;

/// The folder compared with a live database's history.
#[derive(Debug, Clone)]
pub struct DbStatus {
    pub status: Status,
    /// The schema (PostgreSQL) or database (MySQL) holding the history table.
    pub schema: String,
    pub table: String,
    /// False when the history table does not exist (every migration is then pending).
    pub history_exists: bool,
    pub server_version: String,
    /// The redacted URL.
    pub target: String,
    /// The flyway.toml environment it was read for.
    pub environment: String,
    /// The server's name for the session's user (`${flyway:user}`).
    pub current_user: Option<String>,
}

impl DbStatus {
    /// `"public"."flyway_schema_history"` / `` `app`.`flyway_schema_history` ``, as Flyway
    /// names the table.
    pub fn table_name(&self, flavor: crate::sql::server::Flavor) -> String {
        format!(
            "{}.{}",
            client::quote_ident(flavor, &self.schema),
            client::quote_ident(flavor, &self.table)
        )
    }
}

/// The built-in placeholder values for this connection (`ParsingContext.populate`).
pub fn builtins(
    flyway: &crate::config::FlywaySettings,
    settings: &DbSettings,
    schema: &str,
) -> BuiltIns {
    BuiltIns {
        default_schema: Some(schema.to_string()),
        schemas: flyway.schemas.clone(),
        user: settings.connection.user.clone(),
        database: Some(settings.connection.database.clone()),
        table: settings.table.clone(),
        environment: settings.environment.clone(),
        timestamp: crate::placeholders::timestamp_now(),
        working_directory: crate::placeholders::working_directory(flyway),
    }
}

/// Connects, reads the history (read-only) and compares it with the folder.
pub async fn read_status(
    project: &Project,
    set: &MigrationSet,
    settings: &DbSettings,
) -> Result<DbStatus, DbError> {
    let mut client = Client::connect(&settings.connection, CONNECT_TIMEOUT).await?;
    let result = read_with(&mut client, project, set, settings).await;
    client.close().await;
    result
}

/// [`read_status`] over an open connection, within `settings.read_limits`: the server's own
/// lock and statement timeouts, and the client's overall bound for a server that stops
/// answering (the connection is then in an unknown state: close it).
pub async fn read_with(
    client: &mut Client,
    project: &Project,
    set: &MigrationSet,
    settings: &DbSettings,
) -> Result<DbStatus, DbError> {
    let overall = settings.read_limits.overall();
    let target = client.target.clone();
    match tokio::time::timeout(overall, read_unbounded(client, project, set, settings)).await {
        Ok(result) => result,
        Err(_) => Err(DbError::Busy(format!(
            "the database {target} did not answer a read of the schema history within {}; gave up",
            client::seconds(overall)
        ))),
    }
}

async fn read_unbounded(
    client: &mut Client,
    project: &Project,
    set: &MigrationSet,
    settings: &DbSettings,
) -> Result<DbStatus, DbError> {
    let schema = match &settings.schema {
        Some(s) => s.clone(),
        None => client.current_schema().await?,
    };
    let server_version = client.server_version().await?;
    let rows = client
        .read_history(&schema, &settings.table, settings.read_limits)
        .await?;
    let history_exists = rows.is_some();
    let schema_exists = history_exists
        || client
            .read_only(settings.read_limits, async |c: &mut Client| {
                c.schema_exists(&schema).await
            })
            .await?;
    let mut builtins = builtins(&project.config.flyway, settings, &schema);
    // `${flyway:user}` is the server's answer (`Database.getCurrentUser`), not the configured
    // user name (they differ for `SET ROLE`-less proxies, LDAP names, MySQL anonymous users).
    let current_user = client.current_user().await?;
    if let Some(user) = &current_user {
        builtins.user = Some(user.clone());
    }
    let resolved = resolved_migrations(project, set, settings, &builtins)
        .map_err(|(script, e)| DbError::Resolve(format!("{script}: {e}")))?;
    let mut status = compare_to(
        resolved,
        rows.unwrap_or_default(),
        &settings.ignore_patterns,
        project.config.flyway.out_of_order,
        &settings.target,
        project.config.tool.edition,
    );
    if let Some(message) = resolve::duplicate_callback(set) {
        // Flyway builds its callbacks before the command runs: nothing else is reported.
        status.errors = vec![validate::ValidateError {
            code: validate::ErrorCode::Error,
            message,
            path: None,
            info: None,
        }];
    }
    if !schema_exists {
        status.schema_missing(
            &client::quote_ident(client.flavor, &schema),
            &settings.ignore_patterns,
        );
    }
    Ok(DbStatus {
        status,
        schema,
        table: settings.table.clone(),
        history_exists,
        server_version,
        target: client.target.clone(),
        environment: settings.environment.clone(),
        current_user,
    })
}

/// A runtime for the command line's database work.
pub fn runtime() -> std::io::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
}

/// What `status` means for the folder rules: the applied checksum of each file (kept with the
/// text `git` knows when it is the same one) and each file's state, for `database-validate` and
/// `pending-migration`.
pub fn applied_history(
    status: &DbStatus,
    git: &crate::history::AppliedHistory,
) -> crate::history::AppliedHistory {
    use crate::history::{Applied, DatabaseState, FileState, Unresolved};
    use validate::ErrorCode;
    let source = format!(
        "the {} environment's database {}",
        status.environment, status.target
    );
    let s = &status.status;
    let mut files = git.files.clone();
    let mut db = DatabaseState {
        source: source.clone(),
        ..DatabaseState::default()
    };
    for (index, info) in s.infos.iter().enumerate() {
        let error = s.errors.iter().find(|e| e.info == Some(index));
        let row = info.applied.map(|a| &s.rows[a]);
        match info.resolved {
            Some(r) => {
                let resolved = &s.resolved[r];
                // Versioned migrations that ran and whose checksum Flyway compares: not the
                // baseline rows (nothing at the applied baseline is compared) nor rows `repair`
                // marked deleted.
                let compared = !matches!(
                    info.state,
                    validate::State::Baseline | validate::State::Deleted | validate::State::Undone
                );
                if let Some(row) = row.filter(|row| {
                    compared
                        && row.success
                        && resolved.version.is_some()
                        && row.migration_type != "BASELINE"
                }) {
                    if let Some(checksum) = row.checksum {
                        let text = git
                            .get(&resolved.path)
                            .filter(|g| g.checksum == checksum)
                            .and_then(|g| g.text.clone());
                        files.insert(
                            resolved.path.clone(),
                            Applied {
                                checksum,
                                source: format!("{source}, installed {}", row.installed_on),
                                text,
                            },
                        );
                    }
                }
                let state = FileState {
                    state: info.state.name(),
                    installed_on: row.map(|r| r.installed_on.clone()),
                    error: error
                        .filter(|e| e.code != ErrorCode::ChecksumMismatch)
                        .map(|e| (e.code.name(), e.message.clone())),
                };
                // A repeatable can have two lines (its outdated run and its pending one): keep
                // the one with an error.
                let keep_old = db
                    .files
                    .get(&resolved.path)
                    .is_some_and(|old| old.error.is_some() && state.error.is_none());
                if !keep_old {
                    db.files.insert(resolved.path.clone(), state);
                }
            }
            None => {
                if let (Some(error), Some(row)) = (error, row) {
                    db.unresolved.push(Unresolved {
                        version: row
                            .version
                            .as_deref()
                            .and_then(|v| crate::version::Version::parse(v).ok()),
                        description: row.description.clone(),
                        message: error.message.clone(),
                    });
                }
            }
        }
    }
    crate::history::AppliedHistory {
        files,
        database: Some(db),
    }
}

/// The findings of a dry-run, by file, for `dry-run-failed` and `dry-run-lock`.
pub fn dry_run_findings(
    report: &dryrun::DryRunReport,
    set: &MigrationSet,
) -> std::collections::HashMap<std::path::PathBuf, Vec<crate::history::DryRunFinding>> {
    use crate::diagnostic::TextRange;
    use crate::history::DryRunFinding;
    let mut out: std::collections::HashMap<_, Vec<DryRunFinding>> = Default::default();
    for m in &report.migrations {
        let Some(file) = set.files.iter().find(|f| f.path == m.path) else {
            continue;
        };
        let (Some(text), Some(checksum)) = (file.text(), file.checksum()) else {
            continue;
        };
        let line_end = |start: usize| {
            let start = start.min(text.len());
            text[start..]
                .find(['\n', '\r'])
                .map_or(text.len(), |i| start + i)
        };
        let findings = out.entry(m.path.clone()).or_default();
        if let Some(failure) = &m.failure {
            let start = failure.offset.min(text.len());
            // The failing statement's text, from the error's position to the end of its line.
            let end = line_end(start).max(start);
            findings.push(DryRunFinding {
                checksum,
                range: TextRange::new(start, end),
                failed: true,
                message: format!("Dry-run failed: {}", failure.message),
            });
        }
        for statement in &m.statements {
            for lock in statement.locks.iter().filter(|l| l.is_blocking()) {
                let start = statement.range.start.min(text.len());
                findings.push(DryRunFinding {
                    checksum,
                    range: TextRange::new(start, line_end(start)),
                    failed: false,
                    message: format!(
                        "Dry-run: this statement took an ACCESS EXCLUSIVE lock on existing table {}: it blocks all reads and writes of it until the migration commits",
                        lock.relation
                    ),
                });
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::validate::{compare, HistoryRow, Resolved};
    use super::*;
    use crate::version::Version;
    use std::path::PathBuf;

    fn file(prefix: &str, version: &str, migration_type: &'static str, checksum: i32) -> Resolved {
        Resolved {
            version: Some(Version::parse(version).unwrap()),
            description: "x".into(),
            script: format!("{prefix}{version}__x.sql"),
            migration_type,
            checksum: Some(checksum),
            equivalent_checksum: None,
            path: PathBuf::from(format!("/m/{prefix}{version}__x.sql")),
        }
    }

    fn row(rank: i32, version: &str, migration_type: &str, checksum: i32) -> HistoryRow {
        HistoryRow {
            installed_rank: rank,
            version: Some(version.into()),
            description: "x".into(),
            migration_type: migration_type.into(),
            script: format!("V{version}__x.sql"),
            checksum: Some(checksum),
            installed_by: "flyway".into(),
            installed_on: "2026-01-01 00:00:00".into(),
            execution_time: 1,
            success: true,
        }
    }

    /// Flyway compares nothing at the applied baseline (MigrationInfoImpl.validate) and a row
    /// `repair` deleted no longer stands for its file: neither gives the rules an applied
    /// checksum, so an edited B3 or a file put back is not "applied and edited".
    #[test]
    fn baseline_and_deleted_rows_give_no_applied_checksum() {
        let status = compare(
            vec![
                file("B", "3", "SQL_BASELINE", 30),
                file("V", "4", "SQL", 40),
                file("V", "5", "SQL", 50),
            ],
            vec![
                row(1, "3", "SQL_BASELINE", 31),
                row(2, "4", "SQL", 40),
                row(3, "5", "SQL", 51),
                row(4, "5", "DELETE", 51),
            ],
            &[],
            false,
        );
        let db = DbStatus {
            status,
            schema: "public".into(),
            table: "flyway_schema_history".into(),
            history_exists: true,
            server_version: "15".into(),
            target: "postgresql://h/db".into(),
            environment: "default".into(),
            current_user: None,
        };
        let history = applied_history(&db, &crate::history::AppliedHistory::new());
        let mut applied: Vec<_> = history
            .files
            .iter()
            .map(|(p, a)| (p.display().to_string(), a.checksum))
            .collect();
        applied.sort();
        assert_eq!(applied, vec![("/m/V4__x.sql".to_string(), 40)]);
    }
}
