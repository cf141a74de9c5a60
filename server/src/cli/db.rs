//! `validate`, `dry-run` and `info --url`: the database commands. Printing only; the work is
//! in [`crate::database`].

use std::io::{IsTerminal, Write};
use std::path::Path;
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use super::display_path;
use crate::database::dryrun::{self, DryRunReport, Limits, MigrationOutcome, Outcome};
use crate::database::settings::DbSettings;
use crate::database::{read_status, DbStatus};
use crate::engine::ProjectReport;
use crate::sql::server::Flavor;

/// Flyway's execution time format: `00:00.012s`.
fn flyway_duration(d: Duration) -> String {
    let ms = d.as_millis();
    format!(
        "{:02}:{:02}.{:03}s",
        ms / 60_000,
        (ms / 1000) % 60,
        ms % 1000
    )
}

fn millis(d: Duration) -> String {
    let ms = d.as_secs_f64() * 1000.0;
    if ms < 10.0 {
        format!("{ms:.1} ms")
    } else {
        format!("{ms:.0} ms")
    }
}

/// The database settings of a report, or the CLI's message when there are none.
pub fn settings_of(report: &ProjectReport, cwd: &Path) -> Result<DbSettings, String> {
    match DbSettings::from_config(&report.project.config) {
        Ok(Some(s)) => Ok(s),
        Ok(None) => Err(format!(
            "no database configured for {}: set `url` in flyway.toml / flyway.conf, FLYWAY_URL, or pass --url",
            report
                .project
                .locations
                .iter()
                .map(|l| display_path(cwd, &l.path))
                .collect::<Vec<_>>()
                .join(", ")
        )),
        Err(e) => Err(e.to_string()),
    }
}

fn table_name(status: &DbStatus, report: &ProjectReport) -> String {
    status.table_name(report.server.flavor)
}

/// The exit status of a failed read: 5 for a history table that is not Flyway's, 1 for a
/// folder Flyway cannot resolve (a placeholder without a value), else 4.
fn read_exit_code(error: &crate::database::client::DbError) -> i32 {
    match error {
        crate::database::client::DbError::History(_) => super::EXIT_HISTORY_TABLE,
        crate::database::client::DbError::Resolve(_) => super::EXIT_ERRORS,
        _ => super::EXIT_CONNECTION,
    }
}

/// Reads the status of every report; the first connection failure stops.
pub fn statuses(
    reports: &[ProjectReport],
    cwd: &Path,
) -> Result<Vec<(DbStatus, Duration)>, (i32, String)> {
    let runtime = crate::database::runtime()
        .map_err(|e| (super::EXIT_USAGE, format!("cannot start: {e}")))?;
    let mut out = Vec::new();
    for report in reports {
        let settings = settings_of(report, cwd).map_err(|m| (super::EXIT_USAGE, m))?;
        let started = Instant::now();
        let status = runtime
            .block_on(read_status(&report.project, &report.set, &settings))
            .map_err(|e| (read_exit_code(&e), e.to_string()))?;
        out.push((status, started.elapsed()));
    }
    Ok(out)
}

/// `check --connect`: the rules run again with each database's history.
pub fn apply_database(reports: &mut [ProjectReport], cwd: &Path) -> Result<(), (i32, String)> {
    let statuses = statuses(reports, cwd)?;
    for (report, (status, _)) in reports.iter_mut().zip(statuses) {
        let applied = crate::database::applied_history(&status, &report.applied);
        crate::engine::rerun_with(report, applied)
            .map_err(|e| (super::EXIT_USAGE, e.to_string()))?;
    }
    Ok(())
}

pub fn write_validate(
    reports: &[ProjectReport],
    statuses: &[(DbStatus, Duration)],
    json_format: bool,
    cwd: &Path,
    out: &mut dyn Write,
) -> std::io::Result<i32> {
    let failed = statuses.iter().any(|(s, _)| !s.status.errors.is_empty());
    if json_format {
        let sets: Vec<Value> = reports
            .iter()
            .zip(statuses)
            .map(|(report, (status, elapsed))| {
                json!({
                    "database": status.target,
                    "server_version": status.server_version,
                    "table": table_name(status, report),
                    "history_exists": status.history_exists,
                    "valid": status.status.errors.is_empty(),
                    "validated": status.status.infos.len(),
                    "execution_ms": elapsed.as_millis() as u64,
                    "errors": status.status.errors.iter().map(|e| json!({
                        "code": e.code.name(),
                        "message": e.message,
                        "path": e.path.as_ref().map(|p| display_path(cwd, p)),
                        "version": e.info.and_then(|i| status.status.info_version(&status.status.infos[i])),
                        "description": e.info.map(|i| status.status.info_description(&status.status.infos[i])),
                    })).collect::<Vec<_>>(),
                    "message": status.status.failure_message(),
                })
            })
            .collect();
        serde_json::to_writer_pretty(&mut *out, &json!({"version": 1, "validations": sets}))?;
        writeln!(out)?;
    } else {
        for (report, (status, elapsed)) in reports.iter().zip(statuses) {
            write_header(report, status, out)?;
            match status.status.failure_message() {
                None => writeln!(
                    out,
                    "Successfully validated {} migration{} (execution time {})",
                    status.status.infos.len(),
                    if status.status.infos.len() == 1 {
                        ""
                    } else {
                        "s"
                    },
                    flyway_duration(*elapsed)
                )?,
                Some(message) => {
                    writeln!(out, "ERROR: {message}")?;
                    let files: Vec<String> = status
                        .status
                        .errors
                        .iter()
                        .filter_map(|e| {
                            e.path
                                .as_ref()
                                .map(|p| format!("  {}: {}", display_path(cwd, p), e.code.name()))
                        })
                        .collect();
                    if !files.is_empty() {
                        writeln!(out, "Files:")?;
                        for f in files {
                            writeln!(out, "{f}")?;
                        }
                    }
                }
            }
        }
    }
    Ok(if failed {
        super::EXIT_ERRORS
    } else {
        super::EXIT_OK
    })
}

/// "Database: … (PostgreSQL 15.2)", and Flyway's line when the history table is missing.
fn write_header(
    report: &ProjectReport,
    status: &DbStatus,
    out: &mut dyn Write,
) -> std::io::Result<()> {
    writeln!(
        out,
        "Database: {} ({} {})",
        status.target,
        flavor_name(report.server.flavor, &status.server_version),
        status.server_version
    )?;
    if !status.history_exists {
        writeln!(
            out,
            "Schema history table {} does not exist yet",
            table_name(status, report)
        )?;
    }
    Ok(())
}

fn flavor_name(flavor: Flavor, server_version: &str) -> &'static str {
    if server_version.to_ascii_lowercase().contains("mariadb") {
        return "MariaDB";
    }
    match flavor {
        Flavor::Postgres => "PostgreSQL",
        Flavor::MySql => "MySQL",
        Flavor::MariaDb => "MariaDB",
    }
}

/// The error Flyway's `info` stops on before listing anything: the resolver's (two files of one
/// version) or `validateTarget`'s (a target no migration has).
pub fn resolve_failure(statuses: &[(DbStatus, Duration)]) -> Option<String> {
    statuses.iter().find_map(|(status, _)| {
        status
            .status
            .errors
            .iter()
            .find(|e| e.code == crate::database::validate::ErrorCode::Error)
            .map(|e| e.message.clone())
    })
}

/// `info` with the database: Flyway's columns.
pub fn write_info(
    reports: &[ProjectReport],
    statuses: &[(DbStatus, Duration)],
    json_format: bool,
    cwd: &Path,
    out: &mut dyn Write,
) -> std::io::Result<()> {
    if json_format {
        let sets: Vec<Value> = reports
            .iter()
            .zip(statuses)
            .map(|(report, (status, _))| {
                let s = &status.status;
                json!({
                    "database": status.target,
                    "table": table_name(status, report),
                    "history_exists": status.history_exists,
                    "migrations": s.infos.iter().map(|info| {
                        let row = info.applied.map(|a| &s.rows[a]);
                        json!({
                            "category": category(status, info),
                            "version": s.info_version(info),
                            "description": s.info_description(info),
                            "type": s.info_type(info),
                            "installed_on": row.map(|r| r.installed_on.clone()),
                            "installed_rank": row.map(|r| r.installed_rank),
                            "state": info.state.name(),
                            "checksum": row.and_then(|r| r.checksum).or(info.resolved.and_then(|r| s.resolved[r].checksum)),
                            "path": info.resolved.map(|r| display_path(cwd, &s.resolved[r].path)),
                        })
                    }).collect::<Vec<_>>(),
                })
            })
            .collect();
        serde_json::to_writer_pretty(&mut *out, &json!({"version": 1, "migration_sets": sets}))?;
        return writeln!(out);
    }
    for (i, (report, (status, _))) in reports.iter().zip(statuses).enumerate() {
        if i > 0 {
            writeln!(out)?;
        }
        write_header(report, status, out)?;
        let s = &status.status;
        let headers = [
            "Category",
            "Version",
            "Description",
            "Type",
            "Installed On",
            "State",
        ];
        let rows: Vec<Vec<String>> = s
            .infos
            .iter()
            .map(|info| {
                vec![
                    category(status, info).to_string(),
                    s.info_version(info).unwrap_or_default(),
                    s.info_description(info),
                    s.info_type(info),
                    info.applied
                        .map(|a| s.rows[a].installed_on.clone())
                        .unwrap_or_default(),
                    info.state.name().to_string(),
                ]
            })
            .collect();
        super::info::write_grid(&headers, &rows, "No migrations found", out)?;
    }
    Ok(())
}

fn category(status: &DbStatus, info: &crate::database::validate::Info) -> &'static str {
    let s = &status.status;
    // `CommandResultFactory.getCategory`: synthetic rows (the schema and baseline markers,
    // DELETE rows) have none; then repeatable, undo, baseline migration, versioned.
    let ty = s.info_type(info);
    if matches!(ty.as_str(), "SCHEMA" | "BASELINE" | "DELETE") {
        ""
    } else if s.info_version(info).is_none_or(|v| v.is_empty()) {
        "Repeatable"
    } else if ty.starts_with("UNDO_") {
        "Undo"
    } else if ty.contains("BASELINE") {
        "Baseline"
    } else {
        "Versioned"
    }
}

/// Runs `dry-run` for every report: the configured database is only read and the pending
/// migrations run in a private temporary server; with none configured (or with `embedded`),
/// the whole folder runs in an empty one. With `on_target` (PostgreSQL only), they run on the
/// target in a transaction that is rolled back, only on a target without user code and each
/// statement checked first ([`crate::database::on_target`]). SIGINT, SIGTERM and SIGHUP stop
/// the temporary server and remove it (or end the target's uncommitted transaction) before exiting.
pub fn dry_run(
    reports: &[ProjectReport],
    limits: Limits,
    embedded: bool,
    on_target: bool,
    json_format: bool,
    cwd: &Path,
    out: &mut dyn Write,
) -> Result<i32, (i32, String)> {
    let runtime = crate::database::runtime()
        .map_err(|e| (super::EXIT_USAGE, format!("cannot start: {e}")))?;
    let show_progress = std::io::stderr().is_terminal();
    let mut results = Vec::new();
    for report in reports {
        let configured = match DbSettings::from_config(&report.project.config) {
            Ok(s) => s,
            Err(e) => return Err((super::EXIT_USAGE, e.to_string())),
        };
        let target = configured.filter(|_| !embedded);
        if on_target {
            match &target {
                None => return Err((
                    super::EXIT_USAGE,
                    "--on-target needs a database: set `url` in flyway.toml / flyway.conf, FLYWAY_URL, or pass --url".into(),
                )),
                Some(s) if s.connection.flavor != Flavor::Postgres => return Err((
                    super::EXIT_USAGE,
                    format!(
                        "--on-target is PostgreSQL only ({} is {}): run the dry-run isolated, without --on-target",
                        s.connection.redacted(),
                        s.connection.flavor.name()
                    ),
                )),
                Some(_) => {}
            }
        }
        let mut progress = |line: &str| {
            if show_progress {
                eprintln!("flyway-lsp: {line}");
            }
        };
        let outcome = runtime.block_on(async {
            let run = async {
                match (&target, on_target) {
                    (Some(settings), true) => {
                        crate::database::on_target::dry_run(
                            &report.project,
                            &report.set,
                            settings,
                            limits,
                            &mut progress,
                        )
                        .await
                    }
                    _ => {
                        dryrun::dry_run(
                            &report.project,
                            &report.set,
                            target.as_ref(),
                            report.server.flavor,
                            limits,
                            &mut progress,
                        )
                        .await
                    }
                }
            };
            tokio::select! {
                result = run => Ok(result),
                signal = termination() => Err(signal),
            }
        });
        let result = match outcome {
            Ok(result) => result.map_err(|e| (super::EXIT_CONNECTION, e.to_string()))?,
            Err((name, code)) if on_target => {
                return Err((
                    code,
                    format!("{name}: stopped; the target was not changed: its transaction was never committed and ends with the connection"),
                ))
            }
            Err((name, code)) => {
                return Err((
                    code,
                    format!("{name}: stopped; the temporary server was removed and the target was not changed"),
                ))
            }
        };
        results.push(result);
    }
    let io = |e: std::io::Error| (super::EXIT_USAGE, format!("cannot write output: {e}"));
    if json_format {
        let value = json!({
            "version": 1,
            "dry_runs": results.iter().map(|r| dry_run_json(r, cwd)).collect::<Vec<_>>(),
        });
        serde_json::to_writer_pretty(&mut *out, &value)
            .map_err(|e| io(std::io::Error::other(e)))?;
        writeln!(out).map_err(io)?;
    } else {
        for result in &results {
            write_dry_run_text(result, cwd, out).map_err(io)?;
        }
    }
    let failed = results.iter().any(DryRunReport::failed);
    let warned = results
        .iter()
        .any(|r| r.blocking_locks().next().is_some() || r.refused());
    Ok(if failed {
        super::EXIT_ERRORS
    } else if warned {
        super::EXIT_WARNINGS
    } else {
        super::EXIT_OK
    })
}

/// Resolves on SIGINT, SIGTERM or SIGHUP with the signal's name and the exit status a shell
/// gives a process it ended (128 + the signal's number).
async fn termination() -> (&'static str, i32) {
    use tokio::signal::unix::{signal, SignalKind};
    // A signal whose handler cannot be installed never fires.
    async fn on(kind: SignalKind) {
        match signal(kind) {
            Ok(mut stream) => {
                stream.recv().await;
            }
            Err(_) => std::future::pending().await,
        }
    }
    tokio::select! {
        _ = on(SignalKind::interrupt()) => ("interrupted", 130),
        _ = on(SignalKind::terminate()) => ("terminated", 143),
        _ = on(SignalKind::hangup()) => ("hung up", 129),
    }
}

fn outcome_name(outcome: MigrationOutcome) -> &'static str {
    match outcome {
        MigrationOutcome::Ok => "ok",
        MigrationOutcome::Failed => "failed",
        MigrationOutcome::NotRun => "not run",
        MigrationOutcome::Refused => "refused",
    }
}

fn write_dry_run_text(
    report: &DryRunReport,
    cwd: &Path,
    out: &mut dyn Write,
) -> std::io::Result<()> {
    writeln!(out, "Dry-run: {}", report.how)?;
    if report.migrations.is_empty() {
        writeln!(out, "No pending migrations: nothing to dry-run.")?;
    }
    for m in &report.migrations {
        let path = display_path(cwd, &m.path);
        match (&m.outcome, &m.failure) {
            (MigrationOutcome::Failed, Some(f)) => writeln!(
                out,
                "  FAILED   {path}:{}:{}: {}",
                f.at.line, f.at.column, f.message
            )?,
            (MigrationOutcome::Refused, _) if m.refused.is_some() => {
                let r = m.refused.as_ref().expect("checked");
                writeln!(
                    out,
                    "  refused  {path}:{}:{}: {}",
                    r.at.line, r.at.column, r.message
                )?
            }
            (MigrationOutcome::Ok, _) => {
                writeln!(out, "  ok       {path} ({})", millis(m.elapsed))?
            }
            _ => writeln!(out, "  {:<8} {path}", outcome_name(m.outcome))?,
        }
        for s in &m.statements {
            match &s.outcome {
                Outcome::Rewritten(why) => {
                    writeln!(out, "           line {}: rewritten: {why}", s.start.line)?
                }
                Outcome::Skipped(why) => {
                    writeln!(out, "           line {}: skipped: {why}", s.start.line)?
                }
                _ => {}
            }
            if !s.locks.is_empty() {
                let locks: Vec<String> = s
                    .locks
                    .iter()
                    .map(|l| {
                        format!(
                            "{} on {}{}",
                            l.mode_name(),
                            l.relation,
                            if l.existing { "" } else { " (new)" }
                        )
                    })
                    .collect();
                writeln!(
                    out,
                    "           line {}: locks {}",
                    s.start.line,
                    locks.join(", ")
                )?;
            }
            for l in s.locks.iter().filter(|l| l.is_blocking()) {
                writeln!(
                    out,
                    "  warning  {path}:{}:{}: ACCESS EXCLUSIVE lock on existing table {}: blocks all reads and writes of it until the migration commits",
                    s.start.line, s.start.column, l.relation
                )?;
            }
        }
    }
    for note in &report.notes {
        writeln!(out, "Note: {note}")?;
    }
    let ok = report
        .migrations
        .iter()
        .filter(|m| m.outcome == MigrationOutcome::Ok)
        .count();
    let failed = report
        .migrations
        .iter()
        .filter(|m| m.outcome == MigrationOutcome::Failed)
        .count();
    let refused = report
        .migrations
        .iter()
        .filter(|m| m.outcome == MigrationOutcome::Refused)
        .count();
    let not_run = report.migrations.len() - ok - failed - refused;
    let target = match (&report.target, report.on_target) {
        (Some(url), true) => format!("The target {url} was not changed (every statement ran inside a transaction that was rolled back)."),
        (Some(url), false) => format!("The target {url} was only read, never written."),
        (None, _) => "No database was involved.".into(),
    };
    let refused = if report.on_target {
        format!(", {refused} refused")
    } else {
        String::new()
    };
    writeln!(
        out,
        "{} pending migration(s): {ok} ok, {failed} failed{refused}, {not_run} not run. {target}",
        report.migrations.len()
    )
}

fn dry_run_json(report: &DryRunReport, cwd: &Path) -> Value {
    json!({
        "how": report.how,
        "target": report.target,
        "target_written": false,
        "on_target": report.on_target,
        "notes": report.notes,
        "migrations": report.migrations.iter().map(|m| json!({
            "path": display_path(cwd, &m.path),
            "script": m.script,
            "version": m.version,
            "description": m.description,
            "outcome": outcome_name(m.outcome),
            "elapsed_ms": m.elapsed.as_secs_f64() * 1000.0,
            "failure": m.failure.as_ref().map(|f| json!({
                "line": f.at.line, "column": f.at.column, "message": f.message,
            })),
            "refused": m.refused.as_ref().map(|f| json!({
                "line": f.at.line, "column": f.at.column, "message": f.message,
            })),
            "statements": m.statements.iter().map(|s| json!({
                "line": s.start.line,
                "column": s.start.column,
                "outcome": match &s.outcome {
                    Outcome::Ok => json!("ok"),
                    Outcome::Rewritten(why) => json!({"rewritten": why}),
                    Outcome::Skipped(why) => json!({"skipped": why}),
                    Outcome::Failed(e) => json!({"failed": e.message, "code": e.code}),
                    Outcome::Refused(why) => json!({"refused": why}),
                },
                "elapsed_ms": s.elapsed.as_secs_f64() * 1000.0,
                "locks": s.locks.iter().map(|l| json!({
                    "mode": l.mode_name(), "relation": l.relation, "existing": l.existing,
                })).collect::<Vec<_>>(),
            })).collect::<Vec<_>>(),
        })).collect::<Vec<_>>(),
    })
}
