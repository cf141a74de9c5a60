//! The command-line front end: argument parsing, exit codes and printing. No rule logic lives
//! here; it calls [`crate::engine`] and formats what comes back.

mod ci_formats;
mod db;
mod frames;
mod info;
mod output;
mod progress;
mod rules_cmd;

use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;
use std::path::{Component, Path, PathBuf};

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::config::{ConfigError, LoadOptions};
use crate::engine::{self, ProjectReport};

/// Exit status: no error or warning.
pub const EXIT_OK: i32 = 0;
/// Exit status: at least one error.
pub const EXIT_ERRORS: i32 = 1;
/// Exit status: warnings but no error.
pub const EXIT_WARNINGS: i32 = 2;
/// Exit status: bad usage, a path that does not exist, or a configuration that cannot be read.
pub const EXIT_USAGE: i32 = 3;
/// Exit status: the database could not be reached (or refused the connection), or did not
/// answer in time (its history table locked by another session).
pub const EXIT_CONNECTION: i32 = 4;
/// Exit status: the schema history table is not laid out as Flyway's (a column missing or of
/// another type).
pub const EXIT_HISTORY_TABLE: i32 = 5;

#[derive(Parser, Debug)]
#[command(
    name = "flyway-lsp",
    version,
    about = "Checks Flyway SQL migration folders; language server for editors",
    after_help = "Exit status: 0 no problems, 1 errors, 2 warnings only, 3 usage or configuration error, 4 database connection failure (or its history table locked by another session), 5 the schema history table is not Flyway's (a column missing or of another type)."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Check migration folders and print diagnostics.
    Check(CheckArgs),
    /// List migrations in version order, like `flyway info` without a database.
    Info(InfoArgs),
    /// List the rules, or show one rule's documentation.
    Rules(RulesArgs),
    /// Compare the folder with the database's flyway_schema_history, as `flyway validate` does
    /// (read-only).
    Validate(ValidateArgs),
    /// Run the pending migrations where they cannot change the target: the target is only
    /// read, and they run in a private temporary server loaded with its schema (or, with
    /// --on-target, on a PostgreSQL target without user code, in a transaction that is always
    /// rolled back).
    DryRun(DryRunArgs),
    /// Run the language server on standard input and output (LSP 3.17).
    Serve,
}

#[derive(Args, Debug, Clone, Default)]
struct ConfigArgs {
    /// Read these config files instead of flyway.toml / flyway.conf in the project folder.
    #[arg(long = "config", value_name = "FILE")]
    config: Vec<PathBuf>,
    /// The flyway.toml environment to use (default: [flyway] environment, else "default").
    #[arg(long, value_name = "NAME")]
    environment: Option<String>,
    /// Flyway locations, comma-separated (e.g. filesystem:db/migration); overrides config.
    #[arg(long, value_name = "LOCATIONS")]
    locations: Option<String>,
    /// Set any Flyway setting, as with Flyway's -key=value (e.g. --set sqlMigrationPrefix=M).
    #[arg(long = "set", value_name = "KEY=VALUE")]
    set: Vec<String>,
    /// Git reference whose migrations count as applied (e.g. origin/main): edits to them are errors.
    #[arg(long, value_name = "REF")]
    applied_ref: Option<String>,
}

#[derive(Args, Debug)]
struct CheckArgs {
    /// Project folders, migration folders or single migration files (default: .).
    paths: Vec<PathBuf>,
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
    /// Also read the configured database's flyway_schema_history (read-only): edited, failed,
    /// ignored, missing and pending migrations become findings (implied by --url).
    #[arg(long)]
    connect: bool,
    /// Report only findings in files that differ from this git reference (committed, staged,
    /// unstaged or untracked changes); the whole folder is still read.
    #[arg(long, value_name = "REF")]
    changed_since: Option<String>,
    /// Text format: show the offending line under each finding (default on a terminal).
    #[arg(long, conflicts_with = "no_source")]
    show_source: bool,
    /// Text format: never show the offending lines.
    #[arg(long)]
    no_source: bool,
    /// Text format: colours (auto: on a terminal, unless NO_COLOR is set).
    #[arg(long, value_enum, value_name = "WHEN", default_value_t = ColorChoice::Auto)]
    color: ColorChoice,
    /// Text format: print only the findings (no closing line, no progress).
    #[arg(long, short)]
    quiet: bool,
    /// Text format: print the number of findings of each rule instead of each finding.
    #[arg(long)]
    statistics: bool,
    #[command(flatten)]
    config: ConfigArgs,
    #[command(flatten)]
    db: DbArgs,
}

#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
enum ColorChoice {
    Auto,
    Always,
    Never,
}

#[derive(Args, Debug)]
struct InfoArgs {
    /// Project folder or migration folder (default: .).
    path: Option<PathBuf>,
    #[arg(long, value_enum, default_value_t = InfoFormat::Table)]
    format: InfoFormat,
    /// Read the applied state from the configured database (implied by --url).
    #[arg(long)]
    connect: bool,
    #[command(flatten)]
    config: ConfigArgs,
    #[command(flatten)]
    db: DbArgs,
}

/// The connection, as Flyway's settings of the same names (these win over config files).
#[derive(Args, Debug, Clone, Default)]
struct DbArgs {
    /// Database URL, JDBC or plain (jdbc:postgresql://host:5432/db, mysql://host/db).
    #[arg(long, value_name = "URL")]
    url: Option<String>,
    #[arg(long, value_name = "USER")]
    user: Option<String>,
    /// Prefer FLYWAY_PASSWORD: other users can see command lines.
    #[arg(long, value_name = "PASSWORD")]
    password: Option<String>,
    /// Schemas, comma-separated; the first holds the history table.
    #[arg(long, value_name = "SCHEMAS")]
    schemas: Option<String>,
    /// The history table (default flyway_schema_history).
    #[arg(long, value_name = "TABLE")]
    table: Option<String>,
}

impl DbArgs {
    fn overrides(&self) -> Vec<(String, String)> {
        [
            ("url", &self.url),
            ("user", &self.user),
            ("password", &self.password),
            ("schemas", &self.schemas),
            ("table", &self.table),
        ]
        .into_iter()
        .filter_map(|(k, v)| v.as_ref().map(|v| (k.to_string(), v.clone())))
        .collect()
    }
}

#[derive(Args, Debug)]
struct ValidateArgs {
    /// Project folders or migration folders (default: .).
    paths: Vec<PathBuf>,
    #[arg(long, value_enum, default_value_t = InfoFormat::Table)]
    format: InfoFormat,
    #[command(flatten)]
    config: ConfigArgs,
    #[command(flatten)]
    db: DbArgs,
}

#[derive(Args, Debug)]
struct DryRunArgs {
    /// Project folders or migration folders (default: .).
    paths: Vec<PathBuf>,
    #[arg(long, value_enum, default_value_t = InfoFormat::Table)]
    format: InfoFormat,
    /// Seconds a statement may wait for a lock before it fails.
    #[arg(long, value_name = "SECONDS", default_value_t = 5)]
    lock_timeout: u64,
    /// Seconds a statement may run before it is cancelled.
    #[arg(long, value_name = "SECONDS", default_value_t = 300)]
    statement_timeout: u64,
    /// Ignore the configured database: run the whole folder in an empty temporary server.
    /// (With a database configured, its schema and history are read, read-only, and only the
    /// pending migrations run, in a private temporary server; the target is never written.)
    #[arg(long)]
    embedded: bool,
    /// PostgreSQL only: run the pending migrations on the target itself, in one transaction
    /// that is always rolled back, to find failures that depend on its rows and its real lock
    /// waits. Only on a target without user code (no user functions, casts, operators,
    /// operator classes, triggers, rules, policies, foreign tables, extensions other than
    /// plpgsql; stored expressions calling only allow-listed built-ins): otherwise nothing runs.
    /// Each statement is checked first (no code created, every function call allow-listed, no
    /// DO, COPY, CALL, SET/RESET, transaction control, no write that would advance an existing
    /// sequence): anything else is reported "not dry-run on the target; run it isolated", and
    /// what follows it is not run.
    #[arg(long, conflicts_with = "embedded")]
    on_target: bool,
    #[command(flatten)]
    config: ConfigArgs,
    #[command(flatten)]
    db: DbArgs,
}

#[derive(Args, Debug)]
struct RulesArgs {
    /// Show this rule's full documentation.
    rule: Option<String>,
    #[arg(long, value_enum, default_value_t = RulesFormat::Text)]
    format: RulesFormat,
}

#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Text,
    Json,
    Sarif,
    Github,
    /// GitLab Code Quality report.
    Gitlab,
    /// JUnit XML: one test suite per file with findings.
    Junit,
    /// A Markdown table (the GitHub Action's summary and pull-request comment).
    Markdown,
}

#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
enum InfoFormat {
    Table,
    Json,
}

#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
enum RulesFormat {
    Text,
    Markdown,
    Json,
}

/// Runs the CLI with the process arguments and environment; returns the exit status.
pub fn main() -> i32 {
    let args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    let env: BTreeMap<String, String> = std::env::vars().collect();
    let cwd = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."));
    use std::io::IsTerminal;
    let terminal = std::io::stdout().is_terminal();
    // Not a held lock: `serve` writes to stdout through its own handle.
    let mut out = std::io::BufWriter::new(std::io::stdout());
    let code = run_on(args, env, &cwd, &mut out, terminal);
    let _ = out.flush();
    code
}

/// Runs the CLI; errors go to stderr, results to `out` (not a terminal).
pub fn run(
    args: Vec<std::ffi::OsString>,
    env: BTreeMap<String, String>,
    cwd: &Path,
    out: &mut dyn Write,
) -> i32 {
    run_on(args, env, cwd, out, false)
}

/// Runs the CLI; `terminal` says whether `out` is a terminal (code frames and colour by default).
fn run_on(
    args: Vec<std::ffi::OsString>,
    env: BTreeMap<String, String>,
    cwd: &Path,
    out: &mut dyn Write,
    terminal: bool,
) -> i32 {
    let cli = match Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(err) => {
            let code = match err.kind() {
                clap::error::ErrorKind::DisplayHelp
                | clap::error::ErrorKind::DisplayVersion
                | clap::error::ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => EXIT_OK,
                _ => EXIT_USAGE,
            };
            let _ = err.print();
            return code;
        }
    };
    let result = match cli.command {
        Command::Check(args) => check(args, env, cwd, out, terminal),
        Command::Info(args) => info(args, env, cwd, out),
        Command::Rules(args) => rules_cmd::run(args.rule.as_deref(), args.format, out),
        Command::Validate(args) => validate(args, env, cwd, out),
        Command::DryRun(args) => dry_run(args, env, cwd, out),
        Command::Serve => return crate::lsp::serve(),
    };
    match result {
        Ok(code) => code,
        Err(CliError::Config(err)) => {
            eprintln!("flyway-lsp: {}", output::escape_control(&err.to_string()));
            EXIT_USAGE
        }
        Err(CliError::Database(code, message)) => {
            eprintln!("flyway-lsp: {}", output::escape_control(&message));
            code
        }
        Err(CliError::Io(err)) if err.kind() == std::io::ErrorKind::BrokenPipe => EXIT_OK,
        Err(CliError::Io(err)) => {
            eprintln!("flyway-lsp: cannot write output: {err}");
            EXIT_USAGE
        }
    }
}

#[derive(Debug)]
enum CliError {
    Config(ConfigError),
    /// Exit status and one line (never a password).
    Database(i32, String),
    Io(std::io::Error),
}

impl From<ConfigError> for CliError {
    fn from(err: ConfigError) -> Self {
        CliError::Config(err)
    }
}

impl From<serde_json::Error> for CliError {
    fn from(err: serde_json::Error) -> Self {
        CliError::Io(err.into())
    }
}

impl From<std::io::Error> for CliError {
    fn from(err: std::io::Error) -> Self {
        CliError::Io(err)
    }
}

fn load_options(
    args: &ConfigArgs,
    env: BTreeMap<String, String>,
    cwd: &Path,
) -> Result<LoadOptions, ConfigError> {
    let mut overrides = Vec::new();
    if let Some(locations) = &args.locations {
        overrides.push((
            "locations".to_string(),
            crate::project::locations_from_cwd(locations, cwd),
        ));
    }
    for item in &args.set {
        let Some((key, value)) = item.split_once('=') else {
            // Not echoed: it may be a password typed with another separator.
            return Err(ConfigError::new(
                "--set expects KEY=VALUE (e.g. --set table=history), got an argument without `=`",
            ));
        };
        let key = key.trim().trim_start_matches("flyway.");
        let value = if key == "locations" {
            crate::project::locations_from_cwd(value, cwd)
        } else {
            value.to_string()
        };
        overrides.push((key.to_string(), value));
    }
    Ok(LoadOptions {
        config_files: args.config.iter().map(|p| absolute(cwd, p)).collect(),
        environment: args.environment.clone(),
        overrides,
        env,
        applied_ref: args.applied_ref.clone(),
        editor_settings: None,
    })
}

/// `path` made absolute against `cwd`, with `.` and `..` resolved lexically.
fn absolute(cwd: &Path, path: &Path) -> PathBuf {
    let joined = if path.is_absolute() {
        path.to_path_buf()
    } else {
        cwd.join(path)
    };
    let mut out = PathBuf::new();
    for component in joined.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}

/// How a path is shown: relative to the working folder when inside it, with `/` separators.
pub(crate) fn display_path(cwd: &Path, path: &Path) -> String {
    let shown = path.strip_prefix(cwd).unwrap_or(path);
    let text = shown
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect::<Vec<_>>()
        .join("/");
    let text = text.replacen("//", "/", 1);
    if text.is_empty() {
        ".".to_string()
    } else {
        text
    }
}

/// Finds and checks the projects of every path (each project once).
fn check_paths(
    paths: &[PathBuf],
    options: &LoadOptions,
    cwd: &Path,
) -> Result<(Vec<ProjectReport>, BTreeSet<PathBuf>), ConfigError> {
    let mut reports: Vec<ProjectReport> = Vec::new();
    let mut only_files = BTreeSet::new();
    let mut seen_locations = BTreeSet::new();
    let defaults = [PathBuf::from(".")];
    let paths = if paths.is_empty() {
        &defaults[..]
    } else {
        paths
    };
    for given in paths {
        let path = absolute(cwd, given);
        if !path.exists() {
            return Err(ConfigError::new(format!(
                "{} does not exist",
                given.display()
            )));
        }
        if path.is_file() {
            only_files.insert(path.clone());
        }
        let found = engine::check_path(&path, options)?;
        if found.is_empty() {
            return Err(ConfigError::new(format!(
                "no Flyway migrations found under {}: pass the migration folder, or set `locations` in flyway.toml / flyway.conf",
                given.display()
            )));
        }
        for report in found {
            let key: Vec<PathBuf> = report
                .project
                .locations
                .iter()
                .map(|l| l.path.clone())
                .collect();
            if seen_locations.insert(key) {
                reports.push(report);
            }
        }
    }
    Ok((reports, only_files))
}

fn check(
    args: CheckArgs,
    env: BTreeMap<String, String>,
    cwd: &Path,
    out: &mut dyn Write,
    terminal: bool,
) -> Result<i32, CliError> {
    let text_only = [
        (args.show_source, "--show-source"),
        (args.no_source, "--no-source"),
        (args.quiet, "--quiet"),
        (args.statistics, "--statistics"),
    ];
    if args.format != Format::Text {
        if let Some((_, flag)) = text_only.iter().find(|(set, _)| *set) {
            return Err(CliError::Config(ConfigError::new(format!(
                "{flag} applies to the text format only"
            ))));
        }
    }
    let no_colour = env.get("NO_COLOR").is_some_and(|v| !v.is_empty())
        || env.get("TERM").is_some_and(|t| t == "dumb");
    let style = output::TextStyle {
        source: args.show_source || (terminal && !args.no_source),
        colour: match args.color {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => terminal && !no_colour,
        },
        quiet: args.quiet,
        statistics: args.statistics,
    };
    let progress = (args.format == Format::Text && !args.quiet)
        .then(|| progress::Progress::start("checking"))
        .flatten();
    let mut options = load_options(&args.config, env, cwd)?;
    let connect = args.connect || args.db.url.is_some();
    options.overrides.extend(args.db.overrides());
    // The reference is checked before the (possibly long) check.
    let changed = match &args.changed_since {
        // The repository is the one holding the first path (the working folder may be outside it).
        Some(reference) => Some(
            crate::history::changed_since(&git_folder(&args.paths, cwd), reference)
                .map_err(|m| CliError::Config(ConfigError::new(format!("--changed-since: {m}"))))?,
        ),
        None => None,
    };
    let (mut reports, only_files) = check_paths(&args.paths, &options, cwd)?;
    if connect {
        db::apply_database(&mut reports, cwd).map_err(|(code, m)| CliError::Database(code, m))?;
    }
    let mut diagnostics: Vec<_> = reports
        .iter()
        .flat_map(|r| r.diagnostics.iter().cloned())
        .collect();
    // Given single files, report only on those (folder-level findings included).
    let explicit_dirs = args.paths.iter().any(|p| !absolute(cwd, p).is_file());
    if !only_files.is_empty() && !explicit_dirs {
        diagnostics.retain(|d| only_files.contains(&d.path));
    }
    // Only what the change touched: a finding on a changed file, or one that names a changed
    // file as a related place (a duplicate version the change introduced, on the older file).
    if let Some(changed) = &changed {
        let touched = |path: &Path| {
            changed.contains(path)
                || std::fs::canonicalize(path).is_ok_and(|p| changed.contains(&p))
        };
        diagnostics.retain(|d| touched(&d.path) || d.related.iter().any(|r| touched(&r.path)));
    }
    crate::diagnostic::sort(&mut diagnostics);
    let files = reports.iter().map(|r| r.set.files.len()).sum();
    let summary = output::Summary::of(&diagnostics, files, reports.len());
    drop(progress);
    output::write(args.format, &diagnostics, &summary, cwd, style, out)?;
    // Freed on a thread of its own: a large folder's model takes a while to free, and the
    // process that exits next needs none of that work done.
    std::thread::spawn(move || drop((reports, diagnostics)));
    Ok(summary.exit_code())
}

/// The folder whose git work tree `--changed-since` reads: the first path's (its folder for a
/// file), else the working folder.
fn git_folder(paths: &[PathBuf], cwd: &Path) -> PathBuf {
    match paths.first().map(|p| absolute(cwd, p)) {
        Some(path) if path.is_dir() => path,
        Some(path) => path
            .parent()
            .map_or_else(|| cwd.to_path_buf(), Path::to_path_buf),
        None => cwd.to_path_buf(),
    }
}

fn info(
    args: InfoArgs,
    env: BTreeMap<String, String>,
    cwd: &Path,
    out: &mut dyn Write,
) -> Result<i32, CliError> {
    let connect = args.connect || args.db.url.is_some();
    let paths: Vec<PathBuf> = args.path.into_iter().collect();
    let reports = db_reports(&paths, &args.config, &args.db, env, cwd)?;
    if let Some(message) = naming_failure(&reports) {
        writeln!(out, "ERROR: {message}")?;
        return Ok(EXIT_ERRORS);
    }
    if connect {
        let statuses =
            db::statuses(&reports, cwd).map_err(|(code, m)| CliError::Database(code, m))?;
        if let Some(message) = db::resolve_failure(&statuses) {
            writeln!(out, "ERROR: {message}")?;
            return Ok(EXIT_ERRORS);
        }
        db::write_info(
            &reports,
            &statuses,
            args.format == InfoFormat::Json,
            cwd,
            out,
        )?;
        return Ok(EXIT_OK);
    }
    match args.format {
        InfoFormat::Table => info::write_table(&reports, cwd, out)?,
        InfoFormat::Json => info::write_json(&reports, cwd, out)?,
    }
    Ok(EXIT_OK)
}

/// With `validateMigrationNaming=true` Flyway fails every command before anything else when an
/// SQL file's name is invalid (`ScannerUtils.validateMigrationNaming`, run by `FlywayExecutor`):
/// "Invalid SQL filenames found:" and each name's validity message, one per line.
fn naming_failure(reports: &[ProjectReport]) -> Option<String> {
    let mut messages = Vec::new();
    for report in reports {
        let settings = &report.project.config.flyway;
        if !settings.validate_migration_naming {
            continue;
        }
        for file in &report.set.files {
            match &file.class {
                crate::naming::Classified::Unrecognised { .. } => messages.push(format!(
                    "Unrecognised migration name format: {}",
                    file.file_name
                )),
                crate::naming::Classified::Named(name) => {
                    messages.extend(name.flyway_message(settings));
                }
                crate::naming::Classified::NotSql => {}
            }
        }
    }
    // File names are shown escaped (one message per line).
    let messages: Vec<String> = messages
        .iter()
        .map(|m| output::escape_control(m).into_owned())
        .collect();
    (!messages.is_empty()).then(|| format!("Invalid SQL filenames found:\n{}", messages.join("\n")))
}

/// The projects of `paths`, with the connection flags applied over the configuration.
fn db_reports(
    paths: &[PathBuf],
    config: &ConfigArgs,
    db: &DbArgs,
    env: BTreeMap<String, String>,
    cwd: &Path,
) -> Result<Vec<ProjectReport>, CliError> {
    let mut options = load_options(config, env, cwd)?;
    options.overrides.extend(db.overrides());
    Ok(check_paths(paths, &options, cwd)?.0)
}

fn validate(
    args: ValidateArgs,
    env: BTreeMap<String, String>,
    cwd: &Path,
    out: &mut dyn Write,
) -> Result<i32, CliError> {
    let reports = db_reports(&args.paths, &args.config, &args.db, env, cwd)?;
    if let Some(message) = naming_failure(&reports) {
        writeln!(out, "ERROR: {message}")?;
        return Ok(EXIT_ERRORS);
    }
    let statuses = db::statuses(&reports, cwd).map_err(|(code, m)| CliError::Database(code, m))?;
    Ok(db::write_validate(
        &reports,
        &statuses,
        args.format == InfoFormat::Json,
        cwd,
        out,
    )?)
}

fn dry_run(
    args: DryRunArgs,
    env: BTreeMap<String, String>,
    cwd: &Path,
    out: &mut dyn Write,
) -> Result<i32, CliError> {
    let reports = db_reports(&args.paths, &args.config, &args.db, env, cwd)?;
    if let Some(message) = naming_failure(&reports) {
        writeln!(out, "ERROR: {message}")?;
        return Ok(EXIT_ERRORS);
    }
    let progress = (args.format == InfoFormat::Table)
        .then(|| progress::Progress::start("dry-running"))
        .flatten();
    let limits = crate::database::dryrun::Limits {
        lock_timeout: std::time::Duration::from_secs(args.lock_timeout.max(1)),
        statement_timeout: std::time::Duration::from_secs(args.statement_timeout.max(1)),
    };
    let result = db::dry_run(
        &reports,
        limits,
        args.embedded,
        args.on_target,
        args.format == InfoFormat::Json,
        cwd,
        out,
    )
    .map_err(|(code, m)| CliError::Database(code, m));
    drop(progress);
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn absolute_paths_are_normalised() {
        let cwd = Path::new("/work/project");
        assert_eq!(
            absolute(cwd, Path::new("./a/../b")),
            PathBuf::from("/work/project/b")
        );
        assert_eq!(absolute(cwd, Path::new("/x/./y")), PathBuf::from("/x/y"));
        assert_eq!(
            display_path(cwd, Path::new("/work/project/db/V1__a.sql")),
            "db/V1__a.sql"
        );
        assert_eq!(
            display_path(cwd, Path::new("/elsewhere/V1.sql")),
            "/elsewhere/V1.sql"
        );
        assert_eq!(display_path(cwd, cwd), ".");
    }
}
