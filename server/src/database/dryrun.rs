//! `dry-run`: runs the pending migrations for real, where they cannot harm the target.
//!
//! Isolated by construction: the target is only read (history, schema, sequence values, role
//! names; read-only transactions with lock and statement timeouts — [`super::snapshot`]); the
//! migrations run one statement at a time in a private temporary server loaded with that
//! state, as an unprivileged account ([`super::embedded`]), which is removed afterwards.
//! Nothing a migration says can reach the target, whatever the splitter or a skip list makes of
//! it.
//!
//! - PostgreSQL: in one transaction, rolled back at the end. Statements that cannot run in a
//!   transaction are rewritten (`CREATE INDEX CONCURRENTLY` → `CREATE INDEX`) or skipped, and
//!   the report says which. After each statement the locks it took are read from `pg_locks`;
//!   ACCESS EXCLUSIVE locks on tables that already existed (on the target) are flagged.
//! - MySQL / MariaDB: DDL commits by itself, in the temporary server's copy of the database.
//!   Statements that act on the server (users, grants, databases, global settings, files) are
//!   skipped and reported, as they would fail for the unprivileged account anyway.
//!
//! Statement planning ([`plan_statement`]) is pure and unit tested; execution goes through
//! [`super::client::Client`].

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;
use std::time::{Duration, Instant};

use super::client::ReadLimits;
use super::client::{quote_ident, Client, DbError, StatementError, CONNECT_TIMEOUT};
use super::embedded;
use super::settings::DbSettings;
use super::snapshot::{self, Snapshot};
use super::validate::State;
use super::DbStatus;
use crate::diagnostic::{LineCol, TextRange};
use crate::index::MigrationSet;
use crate::placeholders::replace_placeholders;
use crate::project::Project;
use crate::sql::lexer::{tokenize, Token, TokenKind};
use crate::sql::server::Flavor;
use crate::sql::split::split;
use crate::sql::Dialect;

/// Limits that keep a dry-run from hanging on a busy database.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub lock_timeout: Duration,
    pub statement_timeout: Duration,
}

impl Limits {
    /// The same limits for reading the target.
    pub fn reads(self) -> ReadLimits {
        ReadLimits {
            lock_timeout: self.lock_timeout,
            statement_timeout: self.statement_timeout,
        }
    }
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            lock_timeout: Duration::from_secs(5),
            statement_timeout: Duration::from_secs(300),
        }
    }
}

/// What the dry-run does with one statement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Plan {
    Run,
    /// Runs this text instead, for the reason given.
    Rewrite(String, String),
    /// Not run, for the reason given.
    Skip(String),
}

/// A lock a statement took (PostgreSQL).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lock {
    /// `AccessExclusiveLock`, `ShareLock`, …
    pub mode: String,
    /// `schema.name`.
    pub relation: String,
    /// The relation existed before the dry-run started.
    pub existing: bool,
}

impl Lock {
    /// The mode as PostgreSQL's documentation names it (`ACCESS EXCLUSIVE`).
    pub fn mode_name(&self) -> String {
        let base = self.mode.trim_end_matches("Lock");
        let mut out = String::new();
        for (i, c) in base.char_indices() {
            if i > 0 && c.is_ascii_uppercase() {
                out.push(' ');
            }
            out.push(c.to_ascii_uppercase());
        }
        out
    }

    /// ACCESS EXCLUSIVE on a table that was already there: blocks every reader and writer.
    pub fn is_blocking(&self) -> bool {
        self.existing && self.mode == "AccessExclusiveLock"
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Ok,
    Rewritten(String),
    Skipped(String),
    Failed(StatementError),
    /// `--on-target`: not run, for the reason given (it and what follows).
    Refused(String),
}

/// One statement of a migration, as run.
#[derive(Debug, Clone)]
pub struct StatementRun {
    pub range: TextRange,
    pub start: LineCol,
    pub outcome: Outcome,
    pub elapsed: Duration,
    pub locks: Vec<Lock>,
}

/// Where a failure is in the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    pub at: LineCol,
    /// Byte offset of `at` in the migration's text.
    pub offset: usize,
    pub message: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MigrationOutcome {
    Ok,
    Failed,
    /// An earlier migration failed (or was refused).
    NotRun,
    /// `--on-target`: a statement was refused (not run on the target); see `refused`.
    Refused,
}

#[derive(Debug, Clone)]
pub struct MigrationRun {
    pub path: PathBuf,
    pub script: String,
    pub version: Option<String>,
    pub description: String,
    pub outcome: MigrationOutcome,
    pub elapsed: Duration,
    pub statements: Vec<StatementRun>,
    pub failure: Option<Failure>,
    /// `--on-target`: the statement that was not run on the target, and why.
    pub refused: Option<Failure>,
}

impl MigrationRun {
    /// Records a statement that ran (or was skipped) without failing.
    pub(super) fn record(
        &mut self,
        text: &str,
        range: TextRange,
        outcome: Outcome,
        elapsed: Duration,
        locks: Vec<Lock>,
    ) {
        self.statements.push(StatementRun {
            range,
            start: LineCol::of(text, range.start),
            outcome,
            elapsed,
            locks,
        });
    }

    /// Records the statement at `range` of `text` as the one that failed, with the error mapped
    /// into the file (`exact`: the server saw the statement exactly as the file has it).
    pub(super) fn fail(
        &mut self,
        text: &str,
        range: TextRange,
        exact: bool,
        error: StatementError,
        elapsed: Duration,
    ) {
        let offset = failure_offset(text, range, exact, &error);
        self.failure = Some(Failure {
            at: LineCol::of(text, offset),
            offset,
            message: error.message.clone(),
        });
        self.statements.push(StatementRun {
            range,
            start: LineCol::of(text, range.start),
            outcome: Outcome::Failed(error),
            elapsed,
            locks: Vec::new(),
        });
        self.outcome = MigrationOutcome::Failed;
    }
}

/// The whole dry-run.
#[derive(Debug, Clone)]
pub struct DryRunReport {
    /// How it ran (what was read from where, and the temporary server it ran in).
    pub how: String,
    /// The target (redacted URL); `None` when no database was involved. Isolated, only
    /// read-only transactions reach it; with `on_target`, the migrations ran on it inside a
    /// transaction that was rolled back.
    pub target: Option<String>,
    /// `--on-target`: the statements ran on the target itself, in a rolled-back transaction.
    pub on_target: bool,
    pub migrations: Vec<MigrationRun>,
    /// Things the user should know (skipped objects, sequences, validate problems).
    pub notes: Vec<String>,
}

impl DryRunReport {
    pub fn failed(&self) -> bool {
        self.migrations
            .iter()
            .any(|m| m.outcome == MigrationOutcome::Failed)
    }

    /// `--on-target`: a statement was not run there (or nothing was, for an event trigger).
    pub fn refused(&self) -> bool {
        self.on_target
            && self.migrations.iter().any(|m| {
                m.outcome == MigrationOutcome::Refused || m.outcome == MigrationOutcome::NotRun
            })
            && !self.failed()
    }

    pub fn blocking_locks(&self) -> impl Iterator<Item = (&MigrationRun, &StatementRun, &Lock)> {
        self.migrations.iter().flat_map(|m| {
            m.statements.iter().flat_map(move |s| {
                s.locks
                    .iter()
                    .filter(|l| l.is_blocking())
                    .map(move |l| (m, s, l))
            })
        })
    }
}

fn significant(tokens: &[Token]) -> Vec<Token> {
    tokens.iter().filter(|t| !t.is_trivia()).copied().collect()
}

fn word_at(tokens: &[Token], text: &str, i: usize) -> String {
    tokens
        .get(i)
        .filter(|t| t.kind == TokenKind::Word)
        .map(|t| t.text(text).to_ascii_uppercase())
        .unwrap_or_default()
}

/// What the dry-run says of `CREATE INDEX CONCURRENTLY IF NOT EXISTS`: a retry after a failed
/// concurrent build silently keeps the INVALID index the failure left.
pub const CONCURRENT_IF_NOT_EXISTS: &str = "Beware CREATE INDEX CONCURRENTLY IF NOT EXISTS: a concurrent build that fails (lock or statement timeout, deadlock, a duplicate under a unique index) leaves an INVALID index of this name behind, and a retry of this statement then finds the name taken and keeps the invalid index without building it, silently; after a failure, drop the index (DROP INDEX CONCURRENTLY) before retrying, or check pg_index.indisvalid";

/// Decides how one statement runs in a dry-run. `databases` are the database names on the
/// temporary MySQL server (a statement naming one of them, other than `clone`, is skipped).
pub fn plan_statement(
    text: &str,
    flavor: Flavor,
    server_version: &[u32],
    databases: &HashSet<String>,
    clone: &str,
) -> Plan {
    let dialect = match flavor {
        Flavor::Postgres => Dialect::Postgres,
        _ => Dialect::MySql,
    };
    let all = tokenize(text, dialect);
    let tokens = significant(&all);
    let w = |i: usize| word_at(&tokens, text, i);
    let first = w(0);
    let words: Vec<String> = tokens
        .iter()
        .filter(|t| t.kind == TokenKind::Word)
        .map(|t| t.text(text).to_ascii_uppercase())
        .collect();
    let has = |word: &str| words.iter().any(|x| x == word);
    let calls = |function: &str| {
        tokens.windows(2).any(|p| {
            p[0].kind == TokenKind::Word
                && p[0].text(text).eq_ignore_ascii_case(function)
                && p[1].text(text) == "("
        })
    };
    match flavor {
        Flavor::Postgres => {
            let transaction_control = matches!(
                first.as_str(),
                "BEGIN" | "COMMIT" | "END" | "ROLLBACK" | "ABORT" | "SAVEPOINT" | "RELEASE"
            ) || (first == "START" && w(1) == "TRANSACTION")
                || (first == "PREPARE" && w(1) == "TRANSACTION");
            if transaction_control {
                return Plan::Skip(
                    "transaction control: the dry-run keeps everything in one transaction that is rolled back".into(),
                );
            }
            let outside_transaction = matches!(first.as_str(), "VACUUM")
                || (matches!(first.as_str(), "CREATE" | "DROP")
                    && matches!(w(1).as_str(), "DATABASE" | "TABLESPACE" | "SUBSCRIPTION"))
                || (first == "ALTER" && matches!(w(1).as_str(), "SYSTEM" | "SUBSCRIPTION"))
                || (first == "DISCARD" && w(1) == "ALL")
                || (first == "CLUSTER" && tokens.len() == 1);
            if outside_transaction {
                return Plan::Skip(
                    "cannot run inside a transaction, so it cannot be dry-run".into(),
                );
            }
            if first == "ALTER"
                && w(1) == "TYPE"
                && has("ADD")
                && has("VALUE")
                && !server_version.is_empty()
                && server_version[0] < 12
            {
                return Plan::Skip(format!(
                    "ALTER TYPE … ADD VALUE cannot run inside a transaction on PostgreSQL {}",
                    server_version[0]
                ));
            }
            if calls("dblink_exec") || calls("dblink") {
                return Plan::Skip(
                    "dblink reaches another database outside this transaction".into(),
                );
            }
            if calls("setval") {
                return Plan::Skip(
                    "setval() is not rolled back by PostgreSQL: it would change the target's sequence".into(),
                );
            }
            if calls("pg_terminate_backend") || calls("pg_cancel_backend") {
                return Plan::Skip("acts on other sessions of the target".into());
            }
            if first == "COPY" && (has("STDIN") || has("STDOUT") || has("TO") || has("PROGRAM")) {
                return Plan::Skip(
                    "COPY to or from the client, a file or a program is not run in a dry-run"
                        .into(),
                );
            }
            // CONCURRENTLY cannot run in a transaction: run the plain form.
            let concurrently = all.iter().find(|t| t.is_keyword(text, "CONCURRENTLY"));
            let can_rewrite = matches!(
                (first.as_str(), w(1).as_str()),
                ("CREATE", "INDEX")
                    | ("CREATE", "UNIQUE")
                    | ("DROP", "INDEX")
                    | ("REINDEX", _)
                    | ("ALTER", "TABLE")
            );
            if let (Some(token), true) = (concurrently, can_rewrite) {
                let mut end = token.end;
                // Also remove the whitespace after the keyword.
                while text[end..].starts_with([' ', '\t']) {
                    end += 1;
                }
                let rewritten = format!("{}{}", &text[..token.start], &text[end..]);
                let mut why = "run without CONCURRENTLY (not allowed in a transaction): the locks shown are the plain form's, which CONCURRENTLY avoids".to_string();
                let if_not_exists = words
                    .windows(3)
                    .any(|w| w[0] == "IF" && w[1] == "NOT" && w[2] == "EXISTS");
                if first == "CREATE" && if_not_exists {
                    why = format!("{why}. {CONCURRENT_IF_NOT_EXISTS}");
                }
                return Plan::Rewrite(rewritten, why);
            }
            Plan::Run
        }
        Flavor::MySql | Flavor::MariaDb => {
            if first == "USE" {
                return Plan::Skip(
                    "changes the current database; the dry-run stays in its temporary copy".into(),
                );
            }
            let server_level = matches!(
                first.as_str(),
                "GRANT"
                    | "REVOKE"
                    | "FLUSH"
                    | "KILL"
                    | "SHUTDOWN"
                    | "INSTALL"
                    | "UNINSTALL"
                    | "PURGE"
                    | "RESET"
                    | "CHANGE"
                    | "START"
                    | "STOP"
            ) && !(first == "START" && w(1) == "TRANSACTION")
                || (matches!(first.as_str(), "CREATE" | "DROP" | "ALTER")
                    && matches!(
                        w(1).as_str(),
                        "DATABASE" | "SCHEMA" | "USER" | "ROLE" | "SERVER" | "TABLESPACE"
                    ))
                || (first == "RENAME" && w(1) == "USER")
                || (first == "SET"
                    && matches!(
                        w(1).as_str(),
                        "GLOBAL" | "PERSIST" | "PERSIST_ONLY" | "PASSWORD" | "ROLE" | "DEFAULT"
                    ))
                || (first == "SET" && {
                    let rest = text
                        .get(tokens[0].end..)
                        .unwrap_or("")
                        .trim_start()
                        .to_ascii_uppercase();
                    rest.starts_with("@@GLOBAL.") || rest.starts_with("@@PERSIST")
                })
                || (first == "LOAD" && w(1) == "DATA");
            if server_level {
                return Plan::Skip(
                    "acts on the server (databases, users, grants, global settings or files), not on a schema: not run in a dry-run".into(),
                );
            }
            if has("OUTFILE") || has("DUMPFILE") {
                return Plan::Skip("writes a file on the database server".into());
            }
            // `db.table` naming a database other than the temporary copy.
            for pair in tokens.windows(2) {
                if pair[1].text(text) != "." {
                    continue;
                }
                let name = match pair[0].kind {
                    TokenKind::Word => pair[0].text(text).to_string(),
                    TokenKind::QuotedIdent => crate::sql::parse::unquote(&pair[0], text),
                    _ => continue,
                };
                if !name.eq_ignore_ascii_case(clone)
                    && databases.iter().any(|d| d.eq_ignore_ascii_case(&name))
                {
                    return Plan::Skip(format!(
                        "names database `{name}` explicitly: not run, so the dry-run cannot touch it"
                    ));
                }
            }
            Plan::Run
        }
    }
}

/// The server refused the statement for lack of privileges: the dry-run's account is
/// deliberately unprivileged, so this says nothing about the target (PostgreSQL SQLSTATE 42501;
/// MySQL/MariaDB access-denied errors).
fn needs_privileges(flavor: Flavor, error: &StatementError) -> bool {
    let code = error.code.as_deref().unwrap_or("");
    match flavor {
        Flavor::Postgres => code == "42501",
        _ => matches!(
            code,
            "1044" | "1045" | "1142" | "1143" | "1227" | "1370" | "1410" | "1419"
        ),
    }
}

fn privileges_note(error: &StatementError) -> String {
    format!(
        "not dry-run: it needs privileges that the temporary server's unprivileged account does not have ({})",
        error.message
    )
}

/// Maps a server error to a place in the file: PostgreSQL's character position, or MySQL's
/// "at line N" (relative to the statement).
fn failure_offset(
    file_text: &str,
    range: TextRange,
    sent_exact: bool,
    error: &StatementError,
) -> usize {
    if let Some(position) = error.position.filter(|_| sent_exact) {
        let statement = &file_text[range.start..range.end];
        let offset = statement
            .char_indices()
            .nth(position.saturating_sub(1) as usize)
            .map_or(statement.len(), |(i, _)| i);
        return range.start + offset;
    }
    // MySQL: "near 'text' at line N" (N counts from the statement's first line), or a quoted
    // name ("Unknown column 'x'"): find that text in the statement.
    let statement = &file_text[range.start..range.end.min(file_text.len())];
    let line_offset = match error.line.filter(|&l| l > 1) {
        Some(line) => statement
            .match_indices('\n')
            .nth(line as usize - 2)
            .map_or(0, |(i, _)| i + 1),
        None => 0,
    };
    let quoted = error
        .message
        .split_once("near '")
        .or_else(|| error.message.split_once('\''))
        .and_then(|(_, rest)| rest.split_once('\''))
        .map(|(q, _)| q.lines().next().unwrap_or(""))
        .filter(|q| !q.is_empty());
    if let Some(found) =
        quoted.and_then(|q| crate::sql::find_ignore_ascii_case(&statement[line_offset..], q))
    {
        return range.start + line_offset + found;
    }
    if line_offset > 0 {
        return range.start + line_offset;
    }
    range.start
}

/// [`failure_offset`] as a line and column.
#[cfg(test)]
fn failure_at(
    file_text: &str,
    range: TextRange,
    sent_exact: bool,
    error: &StatementError,
) -> LineCol {
    LineCol::of(
        file_text,
        failure_offset(file_text, range, sent_exact, error),
    )
}

/// The pending migrations of `status`, in the order Flyway would run them.
fn pending(status: &DbStatus) -> Vec<usize> {
    status
        .status
        .infos
        .iter()
        .filter(|i| i.state == State::Pending)
        .filter_map(|i| i.resolved)
        .collect()
}

/// Dry-runs the pending migrations. The target (when there is one) is only read — its history,
/// schema, sequence values and role names, in read-only transactions with the limits' timeouts —
/// and the migrations run in a private temporary server loaded with that state, as an
/// unprivileged account ([`super::embedded`], [`super::snapshot`]). Without a target, the whole
/// folder runs in an empty temporary server of `flavor`. `progress` receives one line per step.
pub async fn dry_run(
    project: &Project,
    set: &MigrationSet,
    target: Option<&DbSettings>,
    flavor: Flavor,
    limits: Limits,
    progress: &mut (dyn FnMut(&str) + Send),
) -> Result<DryRunReport, DbError> {
    let stale = tokio::task::spawn_blocking(embedded::clean_stale)
        .await
        .unwrap_or(0);
    let mut notes = Vec::new();
    if stale > 0 {
        notes.push(format!(
            "removed {stale} temporary server folder(s) left by earlier dry-runs that were killed"
        ));
    }
    // 1. Read the target (read-only).
    let read = match target {
        Some(settings) => {
            progress(&format!(
                "reading the history and schema of {} (read only)",
                settings.connection.redacted()
            ));
            let mut client = Client::connect(&settings.connection, CONNECT_TIMEOUT).await?;
            let read = async {
                let status = super::read_with(&mut client, project, set, settings).await?;
                let snapshot =
                    snapshot::read(&mut client, &status.schema, &status.table, limits.reads())
                        .await?;
                Ok::<_, DbError>((status, snapshot))
            }
            .await;
            client.close().await;
            Some(read?)
        }
        None => None,
    };
    let flavor = target.map_or(flavor, |s| s.connection.flavor);
    let target_version = read
        .as_ref()
        .and_then(|(status, _)| crate::sql::server::leading_version(&status.server_version));
    // 2. A private temporary server.
    progress("starting a private temporary database server");
    let server = tokio::task::spawn_blocking(move || {
        embedded::Embedded::start(flavor, target_version.as_deref())
    })
    .await
    .map_err(|e| DbError::Connect(format!("cannot start the temporary server: {e}")))??;
    let result = run_in(project, set, target, read, &server, limits, progress).await;
    // Stopping waits for the server to exit: off the async threads.
    let _ = tokio::task::spawn_blocking(move || drop(server)).await;
    let mut report = result?;
    notes.append(&mut report.notes);
    report.notes = notes;
    Ok(report)
}

#[allow(clippy::too_many_arguments)]
async fn run_in(
    project: &Project,
    set: &MigrationSet,
    target: Option<&DbSettings>,
    read: Option<(DbStatus, Snapshot)>,
    server: &embedded::Embedded,
    limits: Limits,
    progress: &mut (dyn FnMut(&str) + Send),
) -> Result<DryRunReport, DbError> {
    let mut notes = Vec::new();
    // The settings the migrations see (placeholders, schema, table): the target's, or the
    // project's own for the temporary server.
    let own;
    let settings = match target {
        Some(s) => s,
        None => {
            own = DbSettings::with_url(&project.config, &server_url(server.flavor))
                .map_err(|e| DbError::Connect(e.to_string()))?;
            &own
        }
    };
    let schema_hint = match &read {
        Some((status, _)) => status.schema.clone(),
        None => settings.schema.clone().unwrap_or_default(),
    };
    let names = snapshot::Names::for_target(server.flavor, target, &schema_hint);
    progress(match &read {
        Some(_) => "loading the target's schema into the temporary server",
        None => "preparing the temporary server",
    });
    let loaded = snapshot::load(
        server,
        target.zip(read.as_ref().map(|(_, s)| s)),
        read.as_ref()
            .map(|(status, _)| (status.schema.as_str(), status.table.as_str())),
        &names,
        limits.reads(),
    )
    .await?;
    if let Some((status, snapshot)) = &read {
        notes.extend(snapshot.notes.iter().cloned());
        notes.extend(snapshot::version_note(
            &status.server_version,
            settings.connection.flavor,
            server,
        ));
    }
    notes.extend(loaded.notes);
    let mut runner = Client::connect(
        &server.connection(&names.user, &names.database),
        CONNECT_TIMEOUT,
    )
    .await?;
    let status = match read {
        Some((status, _)) => status,
        None => match super::read_with(&mut runner, project, set, settings).await {
            Ok(status) => status,
            Err(e) => {
                runner.close().await;
                return Err(e);
            }
        },
    };
    let pending_count = pending(&status).len();
    let result = match server.flavor {
        Flavor::Postgres => {
            // Flyway creates the default schema when it is missing (createSchemas).
            let made = runner
                .execute(&format!(
                    "CREATE SCHEMA IF NOT EXISTS {}",
                    quote_ident(Flavor::Postgres, &status.schema)
                ))
                .await;
            match made {
                Ok(()) => {
                    let result = run_postgres(
                        &mut runner,
                        project,
                        set,
                        settings,
                        &status,
                        limits,
                        progress,
                    )
                    .await;
                    let _ = runner.execute("ROLLBACK").await;
                    result
                }
                Err(e) => Err(e),
            }
        }
        _ => {
            run_mysql(
                &mut runner,
                project,
                set,
                settings,
                &status,
                limits,
                progress,
                &names.database,
            )
            .await
        }
    };
    runner.close().await;
    let mut report = result?;
    report.target = target.map(|_| status.target.clone());
    report.how = match target {
        Some(_) => format!(
            "{} {} at {} was only read (history, schema, sequence values and role names, in read-only transactions): the target was not changed. The {pending_count} pending migration(s) ran in {}, as the unprivileged account `{}`, removed afterwards",
            flavor_name(settings.connection.flavor, &status.server_version),
            status.server_version,
            status.target,
            server.description,
            names.user
        ),
        None => format!(
            "no database configured: the whole folder ran in {}, as the unprivileged account `{}`, removed afterwards",
            server.description, names.user
        ),
    };
    if target.is_some() {
        notes.push("the temporary server has the target's schema but none of its rows (the history table's aside): failures that depend on the data, such as a unique index over duplicates or NOT NULL over nulls, are not found".into());
    }
    notes.append(&mut report.notes);
    report.notes = notes;
    Ok(report)
}

/// The product a server is, by its flavor and version text (a `mysql:` URL may reach MariaDB).
fn flavor_name(flavor: Flavor, version: &str) -> &'static str {
    if flavor != Flavor::Postgres && version.to_ascii_lowercase().contains("mariadb") {
        Flavor::MariaDb.name()
    } else {
        flavor.name()
    }
}

/// A URL that gives the project's settings for the temporary server (its connection is
/// replaced by the private socket's).
fn server_url(flavor: Flavor) -> String {
    match flavor {
        Flavor::Postgres => "postgresql://flyway@localhost/flyway".into(),
        _ => "mariadb://flyway@localhost/flyway".into(),
    }
}

pub(super) struct Prepared {
    pub(super) file: usize,
    pub(super) text: String,
}

pub(super) fn prepare(
    project: &Project,
    set: &MigrationSet,
    status: &DbStatus,
    settings: &DbSettings,
) -> (Vec<Prepared>, Vec<String>) {
    let mut notes = Vec::new();
    let mut out = Vec::new();
    let mut builtins = super::builtins(&project.config.flyway, settings, &status.schema);
    if let Some(user) = &status.current_user {
        builtins.user = Some(user.clone());
    }
    for index in pending(status) {
        let resolved = &status.status.resolved[index];
        if resolved.migration_type == "JDBC" {
            notes.push(format!(
                "{}: a Java or Kotlin migration, not dry-run (flyway-lsp does not run Java code); the migrations after it ran without its changes",
                resolved.script
            ));
            continue;
        }
        let Some(file) = set.files.iter().position(|f| f.path == resolved.path) else {
            continue;
        };
        let Some(text) = set.files[file].text() else {
            continue;
        };
        let replace = crate::index::script_placeholder_replacement(
            &set.files[file].path,
            settings.placeholder_replacement,
        );
        let text = if replace {
            match replace_placeholders(
                &text,
                &project.config.flyway,
                &builtins,
                &set.files[file].file_name,
            ) {
                Ok(t) => t,
                Err(e) => {
                    notes.push(format!("{}: {e} (run with the raw text)", resolved.script));
                    text.to_string()
                }
            }
        } else {
            text.to_string()
        };
        out.push(Prepared { file, text });
    }
    (out, notes)
}

pub(super) fn migration_header(set: &MigrationSet, status: &DbStatus, file: usize) -> MigrationRun {
    let f = &set.files[file];
    let resolved = status.status.resolved.iter().find(|r| r.path == f.path);
    MigrationRun {
        path: f.path.clone(),
        script: f.script.clone(),
        version: resolved.and_then(|r| r.version.as_ref().map(|v| v.raw().to_string())),
        description: resolved.map(|r| r.description.clone()).unwrap_or_default(),
        outcome: MigrationOutcome::NotRun,
        elapsed: Duration::ZERO,
        statements: Vec::new(),
        failure: None,
        refused: None,
    }
}

pub(super) fn validate_note(status: &DbStatus) -> Option<String> {
    let blocking: Vec<&str> = status
        .status
        .errors
        .iter()
        .filter(|e| {
            !matches!(
                e.code,
                super::validate::ErrorCode::ResolvedVersionedMigrationNotApplied
                    | super::validate::ErrorCode::ResolvedRepeatableMigrationNotApplied
                    | super::validate::ErrorCode::OutdatedRepeatableMigration
            )
        })
        .map(|e| e.message.lines().next().unwrap_or(""))
        .collect();
    if blocking.is_empty() {
        None
    } else {
        Some(format!(
            "flyway migrate would refuse to run: validate fails ({}); run `flyway-lsp validate` for details",
            blocking.join("; ")
        ))
    }
}

/// Relations that exist before anything runs (PostgreSQL), by oid: `schema.name`. Catalog
/// names are qualified, so nothing a migration creates can stand in for them.
pub(super) async fn existing_relations(
    client: &mut Client,
) -> Result<HashMap<String, String>, DbError> {
    let mut existing = HashMap::new();
    for row in client
        .query_text(
            "SELECT c.oid::pg_catalog.text, n.nspname::pg_catalog.text || '.' || c.relname::pg_catalog.text FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg_toast%'",
        )
        .await?
    {
        if let [Some(oid), Some(name)] = &row[..] {
            existing.insert(oid.clone(), name.clone());
        }
    }
    Ok(existing)
}

/// The relation locks this session holds that `held` does not list yet (and adds them).
pub(super) async fn new_locks(
    client: &mut Client,
    existing: &HashMap<String, String>,
    held: &mut HashSet<(String, String)>,
) -> Result<Vec<Lock>, DbError> {
    let locks_sql = "SELECT l.relation::pg_catalog.text, l.mode, n.nspname::pg_catalog.text || '.' || c.relname::pg_catalog.text FROM pg_catalog.pg_locks l LEFT JOIN pg_catalog.pg_class c ON c.oid = l.relation LEFT JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace WHERE l.pid = pg_catalog.pg_backend_pid() AND l.locktype = 'relation' AND l.granted AND (n.nspname IS NULL OR (n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg_toast%'))";
    let mut locks = Vec::new();
    for row in client.query_text(locks_sql).await? {
        let [Some(oid), Some(mode), name] = &row[..] else {
            continue;
        };
        if !held.insert((oid.clone(), mode.clone())) {
            continue;
        }
        let relation = match (existing.get(oid), name) {
            (Some(n), _) => n.clone(),
            (None, Some(n)) => n.clone(),
            (None, None) => continue,
        };
        locks.push(Lock {
            mode: mode.clone(),
            relation,
            existing: existing.contains_key(oid),
        });
    }
    locks.sort_by(|a, b| (&a.relation, &a.mode).cmp(&(&b.relation, &b.mode)));
    Ok(locks)
}

async fn run_postgres(
    client: &mut Client,
    project: &Project,
    set: &MigrationSet,
    settings: &DbSettings,
    status: &DbStatus,
    limits: Limits,
    progress: &mut (dyn FnMut(&str) + Send),
) -> Result<DryRunReport, DbError> {
    let version = crate::sql::server::leading_version(&status.server_version).unwrap_or_default();
    let (prepared, mut notes) = prepare(project, set, status, settings);
    notes.extend(validate_note(status));
    client.execute("BEGIN").await?;
    client
        .execute(&format!(
            "SET LOCAL lock_timeout = '{}ms'; SET LOCAL statement_timeout = '{}ms'; SET LOCAL search_path TO {}",
            limits.lock_timeout.as_millis(),
            limits.statement_timeout.as_millis(),
            quote_ident(Flavor::Postgres, &status.schema)
        ))
        .await?;
    let existing = existing_relations(client).await?;
    let mut held: HashSet<(String, String)> = HashSet::new();
    let mut migrations = Vec::new();
    let mut failed = false;
    for item in &prepared {
        let mut run = migration_header(set, status, item.file);
        if failed {
            migrations.push(run);
            continue;
        }
        progress(&format!("dry-run {}", run.script));
        let original = set.files[item.file].text().unwrap_or_default();
        let exact = original == item.text;
        let started = Instant::now();
        let split_text = split(&item.text, Dialect::Postgres);
        run.outcome = MigrationOutcome::Ok;
        for statement in &split_text.statements {
            let sql = &item.text[statement.range.start..statement.range.end];
            let plan = plan_statement(sql, Flavor::Postgres, &version, &HashSet::new(), "");
            let (to_run, outcome_ok) = match &plan {
                Plan::Run => (sql.to_string(), Outcome::Ok),
                Plan::Rewrite(text, why) => (text.clone(), Outcome::Rewritten(why.clone())),
                Plan::Skip(why) => {
                    run.record(
                        &item.text,
                        statement.range,
                        Outcome::Skipped(why.clone()),
                        Duration::ZERO,
                        Vec::new(),
                    );
                    continue;
                }
            };
            let t = Instant::now();
            // A savepoint per statement, so one refused for lack of privileges is skipped
            // without aborting the transaction.
            client.execute("SAVEPOINT flyway_lsp_statement").await?;
            let result = client.execute(&to_run).await;
            let elapsed = t.elapsed();
            match result {
                Err(DbError::Statement(error)) if needs_privileges(Flavor::Postgres, &error) => {
                    client
                        .execute("ROLLBACK TO SAVEPOINT flyway_lsp_statement")
                        .await?;
                    run.record(
                        &item.text,
                        statement.range,
                        Outcome::Skipped(privileges_note(&error)),
                        elapsed,
                        Vec::new(),
                    );
                }
                Ok(()) => {
                    client
                        .execute("RELEASE SAVEPOINT flyway_lsp_statement")
                        .await?;
                    let locks = new_locks(client, &existing, &mut held).await?;
                    run.record(&item.text, statement.range, outcome_ok, elapsed, locks);
                }
                Err(DbError::Statement(error)) => {
                    let exact = exact && plan == Plan::Run;
                    run.fail(&item.text, statement.range, exact, error, elapsed);
                    failed = true;
                    break;
                }
                Err(other) => return Err(other),
            }
        }
        run.elapsed = started.elapsed();
        migrations.push(run);
    }
    Ok(DryRunReport {
        how: String::new(),
        target: None,
        on_target: false,
        migrations,
        notes,
    })
}

#[allow(clippy::too_many_arguments)]
async fn run_mysql(
    client: &mut Client,
    project: &Project,
    set: &MigrationSet,
    settings: &DbSettings,
    status: &DbStatus,
    limits: Limits,
    progress: &mut (dyn FnMut(&str) + Send),
    clone: &str,
) -> Result<DryRunReport, DbError> {
    let flavor = client.flavor;
    let version = crate::sql::server::leading_version(&status.server_version).unwrap_or_default();
    let databases: HashSet<String> = client
        .query_text("SHOW DATABASES")
        .await?
        .into_iter()
        .filter_map(|r| r.into_iter().next().flatten())
        .collect();
    let (prepared, mut notes) = prepare(project, set, status, settings);
    notes.extend(validate_note(status));
    let is_mariadb = client
        .server_version()
        .await?
        .to_ascii_lowercase()
        .contains("mariadb");
    let mut timeouts = format!(
        "SET SESSION lock_wait_timeout = {0}, innodb_lock_wait_timeout = {0}",
        limits.lock_timeout.as_secs().max(1)
    );
    if is_mariadb {
        timeouts.push_str(&format!(
            ", max_statement_time = {}",
            limits.statement_timeout.as_secs().max(1)
        ));
    }
    client.execute(&timeouts).await?;
    let mut migrations = Vec::new();
    let mut failed = false;
    for item in &prepared {
        let mut run = migration_header(set, status, item.file);
        if failed {
            migrations.push(run);
            continue;
        }
        progress(&format!("dry-run {}", run.script));
        let started = Instant::now();
        let split_text = split(&item.text, Dialect::MySql);
        run.outcome = MigrationOutcome::Ok;
        for statement in &split_text.statements {
            let sql = &item.text[statement.range.start..statement.range.end];
            let plan = plan_statement(sql, flavor, &version, &databases, clone);
            if let Plan::Skip(why) = &plan {
                run.record(
                    &item.text,
                    statement.range,
                    Outcome::Skipped(why.clone()),
                    Duration::ZERO,
                    Vec::new(),
                );
                continue;
            }
            let t = Instant::now();
            let result = client.execute(sql).await;
            let elapsed = t.elapsed();
            match result {
                Err(DbError::Statement(error)) if needs_privileges(flavor, &error) => run.record(
                    &item.text,
                    statement.range,
                    Outcome::Skipped(privileges_note(&error)),
                    elapsed,
                    Vec::new(),
                ),
                Ok(()) => run.record(
                    &item.text,
                    statement.range,
                    Outcome::Ok,
                    elapsed,
                    Vec::new(),
                ),
                Err(DbError::Statement(error)) => {
                    run.fail(&item.text, statement.range, true, error, elapsed);
                    failed = true;
                    break;
                }
                Err(other) => return Err(other),
            }
        }
        run.elapsed = started.elapsed();
        migrations.push(run);
    }
    Ok(DryRunReport {
        how: String::new(),
        target: None,
        on_target: false,
        migrations,
        notes,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pg(text: &str) -> Plan {
        plan_statement(text, Flavor::Postgres, &[15], &HashSet::new(), "")
    }

    fn my(text: &str) -> Plan {
        let dbs: HashSet<String> = ["lending", "lending_dryrun_1", "mysql"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        plan_statement(text, Flavor::MariaDb, &[10, 11], &dbs, "lending_dryrun_1")
    }

    #[test]
    fn postgres_plans() {
        assert_eq!(pg("CREATE TABLE t (id int)"), Plan::Run);
        assert_eq!(
            pg("CREATE INDEX CONCURRENTLY i ON t (a)"),
            Plan::Rewrite(
                "CREATE INDEX i ON t (a)".into(),
                "run without CONCURRENTLY (not allowed in a transaction): the locks shown are the plain form's, which CONCURRENTLY avoids".into()
            )
        );
        assert!(
            matches!(pg("drop index concurrently if exists i"), Plan::Rewrite(t, _) if t == "drop index if exists i")
        );
        // A retry after a failed concurrent build keeps the INVALID index: the report says so.
        assert!(matches!(
            pg("CREATE INDEX CONCURRENTLY IF NOT EXISTS i ON t (a)"),
            Plan::Rewrite(t, why) if t == "CREATE INDEX IF NOT EXISTS i ON t (a)" && why.ends_with(CONCURRENT_IF_NOT_EXISTS)
        ));
        assert!(
            matches!(pg("CREATE INDEX CONCURRENTLY i ON t (a)"), Plan::Rewrite(_, why) if !why.contains("INVALID"))
        );
        for skipped in [
            "COMMIT",
            "begin",
            "START TRANSACTION",
            "VACUUM ANALYZE t",
            "CREATE DATABASE x",
            "ALTER SYSTEM SET work_mem = '1MB'",
            "SELECT setval('s', 10)",
            "SELECT dblink_exec('x', 'DROP TABLE t')",
            "COPY t FROM STDIN",
        ] {
            assert!(matches!(pg(skipped), Plan::Skip(_)), "{skipped}");
        }
        assert!(matches!(
            plan_statement(
                "ALTER TYPE mood ADD VALUE 'x'",
                Flavor::Postgres,
                &[11],
                &HashSet::new(),
                ""
            ),
            Plan::Skip(_)
        ));
        assert_eq!(pg("ALTER TYPE mood ADD VALUE 'x'"), Plan::Run);
        // A comment or string mentioning a keyword is not a statement of that kind.
        assert_eq!(pg("INSERT INTO t VALUES ('COMMIT') -- VACUUM"), Plan::Run);
    }

    #[test]
    fn mysql_plans_never_reach_another_database() {
        assert_eq!(my("ALTER TABLE loans ADD COLUMN x INT"), Plan::Run);
        assert_eq!(my("START TRANSACTION"), Plan::Run);
        for skipped in [
            "USE lending",
            "ALTER TABLE lending.loans ADD COLUMN x INT",
            "INSERT INTO `lending`.`t` VALUES (1)",
            "DROP DATABASE lending",
            "GRANT ALL ON *.* TO 'x'@'%'",
            "CREATE USER 'x'@'%'",
            "SET GLOBAL max_connections = 1",
            "SET @@GLOBAL.general_log = 1",
            "set @@persist.max_connections = 1",
            "SELECT * FROM t INTO OUTFILE '/tmp/x'",
            "UPDATE mysql.user SET x = 1",
        ] {
            assert!(matches!(my(skipped), Plan::Skip(_)), "{skipped}");
        }
        // The copy itself may be named.
        assert_eq!(my("ALTER TABLE lending_dryrun_1.t ADD x INT"), Plan::Run);
        // A column qualified by a table is fine.
        assert_eq!(my("UPDATE loans SET loans.x = 1"), Plan::Run);
    }

    #[test]
    fn lock_names_and_failure_positions() {
        let lock = Lock {
            mode: "AccessExclusiveLock".into(),
            relation: "public.users".into(),
            existing: true,
        };
        assert_eq!(lock.mode_name(), "ACCESS EXCLUSIVE");
        assert!(lock.is_blocking());
        let text = "-- x\nCREATE TABLE t (\n  id int,\n  bad nope\n);";
        let range = TextRange::new(5, text.len() - 1);
        let error = StatementError {
            message: "type \"nope\" does not exist".into(),
            code: Some("42704".into()),
            position: Some(34),
            line: None,
        };
        assert_eq!(
            failure_at(text, range, true, &error),
            LineCol { line: 4, column: 7 }
        );
        let error = StatementError {
            message: "near 'nope' at line 3".into(),
            code: Some("1064".into()),
            position: None,
            line: Some(3),
        };
        assert_eq!(
            failure_at(text, range, true, &error),
            LineCol { line: 4, column: 7 }
        );
        let error = StatementError {
            message: "Unknown data type: 'nope'".into(),
            code: Some("4161".into()),
            position: None,
            line: None,
        };
        assert_eq!(
            failure_at(text, range, true, &error),
            LineCol { line: 4, column: 7 }
        );
    }
}
