//! `dry-run`: runs the pending migrations for real, somewhere they cannot harm the target.
//!
//! - PostgreSQL: one transaction that is always rolled back. Statements that cannot run in a
//!   transaction are rewritten (`CREATE INDEX CONCURRENTLY` → `CREATE INDEX`) or skipped, and
//!   the report says which. After each statement the locks it took are read from `pg_locks`;
//!   ACCESS EXCLUSIVE locks on tables that existed before are flagged.
//! - MySQL / MariaDB (DDL commits by itself): a throwaway database `<db>_dryrun_<timestamp>`
//!   made from the target's schema (tables and views, no rows), dropped afterwards whatever
//!   happens. Statements that name another database, or act on the server (users, grants,
//!   databases, global settings, files), are skipped so the target cannot be touched.
//!
//! Statement planning ([`plan_statement`]) is pure and unit tested; execution goes through
//! [`super::client::Client`].

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;
use std::time::{Duration, Instant};

use super::client::{quote_ident, quote_literal, Client, DbError, StatementError, CONNECT_TIMEOUT};
use super::resolve::replace_placeholders;
use super::settings::DbSettings;
use super::validate::State;
use super::DbStatus;
use crate::diagnostic::{LineCol, TextRange};
use crate::index::MigrationSet;
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
    /// An earlier migration failed.
    NotRun,
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
}

impl MigrationRun {
    /// Records a statement that ran (or was skipped) without failing.
    fn record(
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
    fn fail(
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
    /// How it ran ("PostgreSQL 15.20 at …, in a transaction that was rolled back").
    pub how: String,
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

/// Decides how one statement runs in a dry-run. `databases` are the database names on a
/// MySQL server (a statement naming one of them, other than `clone`, is skipped).
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
                return Plan::Rewrite(
                    rewritten,
                    "run without CONCURRENTLY (not allowed in a transaction): the locks shown are the plain form's, which CONCURRENTLY avoids".into(),
                );
            }
            Plan::Run
        }
        Flavor::MySql | Flavor::MariaDb => {
            if first == "USE" {
                return Plan::Skip(
                    "changes the current database; the dry-run stays in its throwaway copy".into(),
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
                || (first == "LOAD" && w(1) == "DATA");
            if server_level {
                return Plan::Skip(
                    "acts on the server (databases, users, grants, global settings or files), not on a schema: not run in a dry-run".into(),
                );
            }
            if has("OUTFILE") || has("DUMPFILE") {
                return Plan::Skip("writes a file on the database server".into());
            }
            // `db.table` naming a real database other than the throwaway copy.
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
    if let Some(found) = quoted.and_then(|q| find_ignore_case(&statement[line_offset..], q)) {
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

fn find_ignore_case(haystack: &str, needle: &str) -> Option<usize> {
    let lower = haystack.to_ascii_lowercase();
    lower.find(&needle.to_ascii_lowercase())
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

/// Runs the pending migrations of `report` against `settings`' database without changing it.
/// `progress` receives one line per migration as it starts.
/// `clone` (PostgreSQL): run in a throwaway database made from the target's schema
/// (`pg_dump --schema-only`), still in a rolled-back transaction, dropped afterwards.
pub async fn dry_run(
    project: &Project,
    set: &MigrationSet,
    settings: &DbSettings,
    limits: Limits,
    clone: bool,
    progress: &mut (dyn FnMut(&str) + Send),
) -> Result<DryRunReport, DbError> {
    let mut client = Client::connect(&settings.connection, CONNECT_TIMEOUT).await?;
    let status = match super::read_with(&mut client, project, set, settings).await {
        Ok(s) => s,
        Err(e) => {
            client.close().await;
            return Err(e);
        }
    };
    match client.flavor {
        Flavor::Postgres if clone => {
            run_postgres_clone(client, project, set, settings, &status, limits, progress).await
        }
        Flavor::Postgres => {
            let result = run_postgres(
                &mut client,
                project,
                set,
                settings,
                &status,
                limits,
                progress,
            )
            .await;
            // The transaction is never committed; closing also ends it.
            let _ = client.execute("ROLLBACK").await;
            client.close().await;
            result
        }
        _ => {
            let result = run_mysql(client, project, set, settings, &status, limits, progress).await;
            result
        }
    }
}

struct Prepared {
    file: usize,
    text: String,
}

fn prepare(
    project: &Project,
    set: &MigrationSet,
    status: &DbStatus,
    settings: &DbSettings,
) -> (Vec<Prepared>, Vec<String>) {
    let mut notes = Vec::new();
    let mut out = Vec::new();
    let builtins = super::builtins(settings, &status.schema);
    for index in pending(status) {
        let resolved = &status.status.resolved[index];
        let Some(file) = set.files.iter().position(|f| f.path == resolved.path) else {
            continue;
        };
        let Some(text) = set.files[file].text() else {
            continue;
        };
        let text = if settings.placeholder_replacement {
            match replace_placeholders(
                text,
                &project.config.flyway.placeholders,
                &builtins,
                &set.files[file].file_name,
            ) {
                Ok(t) => t,
                Err(name) => {
                    notes.push(format!(
                        "{}: No value provided for placeholder: ${{{name}}}. Check your configuration! (run with the raw text)",
                        resolved.script
                    ));
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

fn migration_header(set: &MigrationSet, status: &DbStatus, file: usize) -> MigrationRun {
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
    }
}

fn validate_note(status: &DbStatus) -> Option<String> {
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

async fn run_postgres(
    client: &mut Client,
    project: &Project,
    set: &MigrationSet,
    settings: &DbSettings,
    status: &DbStatus,
    limits: Limits,
    progress: &mut (dyn FnMut(&str) + Send),
) -> Result<DryRunReport, DbError> {
    let version = crate::sql::server::parse_version(&status.server_version).unwrap_or_default();
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
    // Relations that exist before anything runs, by oid.
    let mut existing: HashMap<String, String> = HashMap::new();
    for row in client
        .query_text(
            "SELECT c.oid::text, n.nspname || '.' || c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg_toast%'",
        )
        .await?
    {
        if let [Some(oid), Some(name)] = &row[..] {
            existing.insert(oid.clone(), name.clone());
        }
    }
    let locks_sql = "SELECT l.relation::text, l.mode, n.nspname || '.' || c.relname FROM pg_locks l LEFT JOIN pg_class c ON c.oid = l.relation LEFT JOIN pg_namespace n ON n.oid = c.relnamespace WHERE l.pid = pg_backend_pid() AND l.locktype = 'relation' AND l.granted AND (n.nspname IS NULL OR (n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg_toast%'))";
    let mut held: HashSet<(String, String)> = HashSet::new();
    let mut migrations = Vec::new();
    let mut failed = false;
    let mut sequence_note = false;
    for item in &prepared {
        let mut run = migration_header(set, status, item.file);
        if failed {
            migrations.push(run);
            continue;
        }
        progress(&format!("dry-run {}", run.script));
        let original = set.files[item.file].text().unwrap_or("");
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
            let upper = sql.to_ascii_uppercase();
            if upper.contains("NEXTVAL") || upper.contains("SERIAL") || upper.starts_with("INSERT")
            {
                sequence_note = true;
            }
            let t = Instant::now();
            let result = client.execute(&to_run).await;
            let elapsed = t.elapsed();
            match result {
                Ok(()) => {
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
    if sequence_note {
        notes.push("PostgreSQL never rolls back sequence increments: sequences used by these statements may have advanced on the target (gaps in ids only; no rows or schema changed)".into());
    }
    Ok(DryRunReport {
        how: format!(
            "PostgreSQL {} at {}, schema {}: in one transaction that was rolled back",
            status.server_version, status.target, status.schema
        ),
        migrations,
        notes,
    })
}

/// Copies the schema of the target database into `clone` with `pg_dump --schema-only | psql`.
async fn pg_copy_schema(settings: &DbSettings, clone: &str) -> Result<(), DbError> {
    let bindir = super::embedded::postgres_bindir().ok_or_else(|| {
        DbError::Connect("--clone needs pg_dump and psql (PostgreSQL's client programs): install them, or dry-run without --clone".into())
    })?;
    let c = &settings.connection;
    let mut common: Vec<String> =
        vec!["-h".into(), c.host.clone(), "-p".into(), c.port.to_string()];
    if let Some(user) = &c.user {
        common.push("-U".into());
        common.push(user.clone());
    }
    let mut dump = tokio::process::Command::new(bindir.join("pg_dump"));
    dump.args(&common)
        .args([
            "--schema-only",
            "--no-owner",
            "--no-privileges",
            "-d",
            &c.database,
        ])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .kill_on_drop(true);
    let mut load = tokio::process::Command::new(bindir.join("psql"));
    load.args(&common)
        .args(["-q", "-X", "-v", "ON_ERROR_STOP=0", "-d", clone])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .kill_on_drop(true);
    if let Some(password) = &c.password {
        dump.env("PGPASSWORD", password);
        load.env("PGPASSWORD", password);
    }
    let output = dump
        .output()
        .await
        .map_err(|e| DbError::Connect(format!("cannot run pg_dump: {e}")))?;
    if !output.status.success() {
        return Err(DbError::Connect(format!(
            "pg_dump --schema-only failed: {}",
            super::url::redact_text(String::from_utf8_lossy(&output.stderr).trim())
        )));
    }
    load.stdin(std::process::Stdio::piped());
    let mut child = load
        .spawn()
        .map_err(|e| DbError::Connect(format!("cannot run psql: {e}")))?;
    if let Some(mut stdin) = child.stdin.take() {
        use tokio::io::AsyncWriteExt;
        stdin
            .write_all(&output.stdout)
            .await
            .map_err(|e| DbError::Connect(format!("psql: {e}")))?;
    }
    child
        .wait()
        .await
        .map_err(|e| DbError::Connect(format!("psql: {e}")))?;
    Ok(())
}

async fn run_postgres_clone(
    mut admin: Client,
    project: &Project,
    set: &MigrationSet,
    settings: &DbSettings,
    status: &DbStatus,
    limits: Limits,
    progress: &mut (dyn FnMut(&str) + Send),
) -> Result<DryRunReport, DbError> {
    let clone = clone_name(&settings.connection.database, &timestamp())
        .chars()
        .take(63)
        .collect::<String>();
    let quoted = quote_ident(Flavor::Postgres, &clone);
    if let Err(e) = admin.execute(&format!("CREATE DATABASE {quoted}")).await {
        admin.close().await;
        return Err(e);
    }
    progress(&format!(
        "copying the schema of `{}` into `{clone}`",
        settings.connection.database
    ));
    let work = async {
        pg_copy_schema(settings, &clone).await?;
        let mut connection = settings.connection.clone();
        connection.database = clone.clone();
        let mut client = Client::connect(&connection, CONNECT_TIMEOUT).await?;
        let result = run_postgres(
            &mut client,
            project,
            set,
            settings,
            status,
            limits,
            progress,
        )
        .await;
        let _ = client.execute("ROLLBACK").await;
        client.close().await;
        result
    };
    let outcome = tokio::select! {
        result = work => Some(result),
        _ = tokio::signal::ctrl_c() => None,
    };
    let dropped = admin
        .execute(&format!("DROP DATABASE IF EXISTS {quoted} WITH (FORCE)"))
        .await;
    admin.close().await;
    if let Err(e) = dropped {
        return Err(DbError::Connect(format!(
            "could not drop the throwaway database `{clone}`: {e}; drop it by hand"
        )));
    }
    match outcome {
        None => Err(DbError::Connect(format!(
            "interrupted; the throwaway database `{clone}` was dropped"
        ))),
        Some(Err(e)) => Err(e),
        Some(Ok(mut report)) => {
            report.how = format!(
                "PostgreSQL {} at {}: in the throwaway database `{clone}` (schema of `{}`, no rows, dropped afterwards), in one transaction that was rolled back",
                status.server_version, status.target, settings.connection.database
            );
            Ok(report)
        }
    }
}

/// A MySQL database name for the throwaway copy (at most 64 characters).
pub fn clone_name(database: &str, stamp: &str) -> String {
    let suffix = format!("_dryrun_{stamp}");
    let keep = 64usize.saturating_sub(suffix.len());
    let base: String = database.chars().take(keep).collect();
    format!("{base}{suffix}")
}

fn timestamp() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    format!("{secs}_{}", std::process::id())
}

/// Creates the throwaway copy of `source`'s schema in `clone`; returns notes.
async fn copy_schema(
    client: &mut Client,
    source: &str,
    clone: &str,
) -> Result<Vec<String>, DbError> {
    let flavor = client.flavor;
    let q = |s: &str| quote_ident(flavor, s);
    let charset = client
        .query_text(&format!(
            "SELECT default_character_set_name, default_collation_name FROM information_schema.schemata WHERE schema_name = {}",
            quote_literal(flavor, source)
        ))
        .await?;
    let (cs, coll) = match charset.first().map(|r| &r[..]) {
        Some([Some(cs), Some(coll)]) => (cs.clone(), coll.clone()),
        _ => ("utf8mb4".into(), String::new()),
    };
    let collate = if coll.is_empty() {
        String::new()
    } else {
        format!(" COLLATE {coll}")
    };
    client
        .execute(&format!(
            "CREATE DATABASE {} CHARACTER SET {cs}{collate}",
            q(clone)
        ))
        .await?;
    client.execute(&format!("USE {}", q(clone))).await?;
    client.execute("SET SESSION foreign_key_checks = 0").await?;
    let objects = client
        .query_text(&format!(
            "SELECT table_name, table_type FROM information_schema.tables WHERE table_schema = {} ORDER BY table_name",
            quote_literal(flavor, source)
        ))
        .await?;
    let mut views = Vec::new();
    for row in objects {
        let [Some(name), Some(kind)] = &row[..] else {
            continue;
        };
        if kind == "VIEW" {
            views.push(name.clone());
            continue;
        }
        let create = client
            .query_text(&format!("SHOW CREATE TABLE {}.{}", q(source), q(name)))
            .await?;
        if let Some(Some(ddl)) = create.first().and_then(|r| r.get(1)) {
            client.execute(ddl).await?;
        }
    }
    // Views may depend on views: retry until no progress.
    let source_prefix = format!("{}.", q(source));
    let mut remaining: Vec<(String, String)> = Vec::new();
    for name in views {
        let create = client
            .query_text(&format!("SHOW CREATE VIEW {}.{}", q(source), q(&name)))
            .await?;
        if let Some(Some(ddl)) = create.first().and_then(|r| r.get(1)) {
            let mut ddl = ddl.replace(&source_prefix, "");
            // The definer may not exist here; run the view with the caller's rights.
            if let Some(start) = ddl.find("DEFINER=") {
                if let Some(len) = ddl[start..].find(" SQL SECURITY") {
                    ddl.replace_range(start..start + len, "");
                }
            }
            remaining.push((name, ddl));
        }
    }
    let mut notes = Vec::new();
    while !remaining.is_empty() {
        let before = remaining.len();
        let mut next = Vec::new();
        for (name, ddl) in remaining {
            if client.execute(&ddl).await.is_err() {
                next.push((name, ddl));
            }
        }
        remaining = next;
        if remaining.len() == before {
            notes.push(format!(
                "views not copied into the throwaway database: {}",
                remaining
                    .iter()
                    .map(|(n, _)| n.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
            break;
        }
    }
    let routines = client
        .query_one(&format!(
            "SELECT (SELECT COUNT(*) FROM information_schema.routines WHERE routine_schema = {0}) + (SELECT COUNT(*) FROM information_schema.triggers WHERE trigger_schema = {0})",
            quote_literal(flavor, source)
        ))
        .await?
        .unwrap_or_default();
    if routines != "0" && !routines.is_empty() {
        notes.push(format!(
            "{routines} routine(s)/trigger(s) of `{source}` are not copied into the throwaway database"
        ));
    }
    client.execute("SET SESSION foreign_key_checks = 1").await?;
    Ok(notes)
}

async fn run_mysql(
    mut client: Client,
    project: &Project,
    set: &MigrationSet,
    settings: &DbSettings,
    status: &DbStatus,
    limits: Limits,
    progress: &mut (dyn FnMut(&str) + Send),
) -> Result<DryRunReport, DbError> {
    let flavor = client.flavor;
    let clone = clone_name(&status.schema, &timestamp());
    let worker_id = client.session_id().await?;
    let work = run_mysql_in_clone(
        &mut client,
        project,
        set,
        settings,
        status,
        limits,
        progress,
        &clone,
    );
    let outcome = tokio::select! {
        result = work => Some(result),
        _ = tokio::signal::ctrl_c() => None,
    };
    // Always drop the copy, over a fresh connection (the worker may be mid-statement).
    let mut cleanup_error = None;
    match Client::connect(&settings.connection, CONNECT_TIMEOUT).await {
        Ok(mut admin) => {
            if outcome.is_none() {
                let _ = admin.execute(&format!("KILL {worker_id}")).await;
            }
            if let Err(e) = admin
                .execute(&format!(
                    "DROP DATABASE IF EXISTS {}",
                    quote_ident(flavor, &clone)
                ))
                .await
            {
                cleanup_error = Some(e);
            }
            admin.close().await;
        }
        Err(e) => cleanup_error = Some(e),
    }
    client.close().await;
    if let Some(e) = cleanup_error {
        return Err(DbError::Connect(format!(
            "could not drop the throwaway database `{clone}`: {e}; drop it by hand"
        )));
    }
    match outcome {
        None => Err(DbError::Connect(format!(
            "interrupted; the throwaway database `{clone}` was dropped"
        ))),
        Some(result) => result,
    }
}

#[allow(clippy::too_many_arguments)]
async fn run_mysql_in_clone(
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
    let version = crate::sql::server::parse_version(&status.server_version).unwrap_or_default();
    let databases: HashSet<String> = client
        .query_text("SHOW DATABASES")
        .await?
        .into_iter()
        .filter_map(|r| r.into_iter().next().flatten())
        .collect();
    progress(&format!(
        "copying the schema of `{}` into `{clone}`",
        status.schema
    ));
    let mut notes = copy_schema(client, &status.schema, clone).await?;
    let (prepared, more) = prepare(project, set, status, settings);
    notes.extend(more);
    notes.extend(validate_note(status));
    let is_mariadb = status
        .server_version
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
    let kind = if is_mariadb { "MariaDB" } else { "MySQL" };
    Ok(DryRunReport {
        how: format!(
            "{kind} {} at {}: in the throwaway database `{clone}` (schema of `{}`, no rows), dropped afterwards",
            status.server_version, status.target, status.schema
        ),
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
    fn clone_names_fit_mysql() {
        assert_eq!(clone_name("app", "17_2"), "app_dryrun_17_2");
        assert_eq!(
            clone_name(&"d".repeat(80), "1234567890_12345")
                .chars()
                .count(),
            64
        );
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
