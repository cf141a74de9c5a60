//! Flyway's view of a folder against its schema history: the state of every migration (what
//! `flyway info` shows) and the errors `flyway validate` reports, with Flyway's own texts.
//!
//! Pure: the rows come in as values (read by [`super::client`]), so every rule here is unit
//! tested without a database. Rows and files are matched as `MigrationInfoServiceImpl` does
//! (versioned by (version, type), repeatables by description); the states follow
//! `ResolvedMigration.getState` / `BaseAppliedMigration.getState`, the order
//! `MigrationInfoImpl.compareTo`. The order of the checks follows Flyway's `MigrationInfoImpl`:
//! ignore patterns, failed, applied-but-not-resolved, ignored, pending, outdated, then the
//! type / checksum / description mismatches (first one wins), none at or below the applied
//! baseline.
//!
//! Undo (issue #12 row 19) depends on the edition ([`Edition`]). Flyway Community has no
//! `UNDO_SQL` migration type: `JdbcTableSchemaHistory` builds every row through
//! `BaseAppliedMigration`, whose `CoreMigrationType.fromString` (`Enum.valueOf`) throws, and the
//! command line prints the exception (`Main.getMessagesFromException`). Teams resolves `U` files
//! as `UNDO_SQL` migrations and reads the rows. `MigrationInfoImpl` (public) says what follows:
//! an undone row is "Undone" and never checked, an undo row is never "not resolved locally" nor
//! compared with its file, an unapplied `U` file is "Available" and left out of `info`
//! (`CommandResultFactory.removeAvailableUndoMigrations`). Which rows an undo row marks undone is
//! Teams code that is not public (`AppliedMigration.updateAttributes`): as in the public
//! native-connectors calculator (`CoreMigrationStateCalculator`), every earlier row of its
//! version, and neither undo rows nor undone rows count as the last applied version.

use std::collections::HashMap;
use std::path::PathBuf;

use super::settings::IgnorePattern;
use crate::config::Edition;
use crate::version::Version;

/// One row of `flyway_schema_history`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HistoryRow {
    pub installed_rank: i32,
    pub version: Option<String>,
    pub description: String,
    pub migration_type: String,
    pub script: String,
    pub checksum: Option<i32>,
    pub installed_by: String,
    /// As the database prints it (`2026-11-23 10:00:00.123`).
    pub installed_on: String,
    pub execution_time: i32,
    pub success: bool,
}

/// A migration found in the folder, as Flyway resolves it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resolved {
    pub version: Option<Version>,
    pub description: String,
    /// Flyway's `script`: the path relative to the location.
    pub script: String,
    /// `SQL`, `SQL_BASELINE`, `UNDO_SQL` (Teams), or `JDBC` (a Java or Kotlin migration).
    pub migration_type: &'static str,
    /// For repeatables with placeholder replacement: over the replaced text. `None` for a Java or
    /// Kotlin migration: its class decides (`getChecksum()`, null unless overridden), which
    /// cannot be read from the folder, so no checksum mismatch is ever claimed for it.
    pub checksum: Option<i32>,
    /// The raw text's checksum, also accepted (Flyway's "equivalent checksum").
    pub equivalent_checksum: Option<i32>,
    pub path: PathBuf,
}

impl Resolved {
    fn checksum_matches(&self, applied: Option<i32>) -> bool {
        match (self.checksum, applied) {
            (None, _) => true,
            (Some(_), None) => false,
            (Some(own), Some(c)) => c == own || Some(c) == self.equivalent_checksum,
        }
    }
}

/// Flyway's `target`: the version up to which migrations count (`MigrationVersion.fromVersion`
/// with `current`, `latest` and `next`; a trailing `?` turns `failOnMissingTarget` off).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Target {
    #[default]
    Latest,
    Current,
    Next,
    Version {
        version: Version,
        fail_on_missing: bool,
    },
}

impl Target {
    /// Parses the setting's value; the error is Flyway's kind of message for a bad version.
    pub fn parse(text: &str) -> Result<Target, String> {
        let text = text.trim();
        let (text, fail_on_missing) = match text.strip_suffix('?') {
            Some(rest) => (rest.trim(), false),
            None => (text, true),
        };
        match text.to_ascii_lowercase().as_str() {
            "" | "latest" => Ok(Target::Latest),
            "current" => Ok(Target::Current),
            "next" => Ok(Target::Next),
            _ => Version::parse(text)
                .map(|version| Target::Version {
                    version,
                    fail_on_missing,
                })
                .map_err(|e| {
                    format!(
                        "`target`: \"{text}\" is not a version (\"{}\" is not a number); use numbers separated by dots, current, latest or next",
                        e.part
                    )
                }),
        }
    }
}

/// Flyway's `MigrationState`, with its display names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum State {
    Pending,
    AboveTarget,
    BelowBaseline,
    BaselineIgnored,
    Baseline,
    Ignored,
    MissingSuccess,
    MissingFailed,
    Success,
    Failed,
    OutOfOrder,
    FutureSuccess,
    FutureFailed,
    Outdated,
    Superseded,
    Deleted,
    /// Teams: a versioned row a later undo row took back.
    Undone,
}

impl State {
    pub fn name(self) -> &'static str {
        match self {
            State::Pending => "Pending",
            State::AboveTarget => "Above Target",
            State::BelowBaseline => "Below Baseline",
            State::BaselineIgnored => "Ignored (Baseline)",
            State::Baseline => "Baseline",
            State::Ignored => "Ignored",
            State::MissingSuccess => "Missing",
            State::MissingFailed => "Failed (Missing)",
            State::Success => "Success",
            State::Failed => "Failed",
            State::OutOfOrder => "Out of Order",
            State::FutureSuccess => "Future",
            State::FutureFailed => "Failed (Future)",
            State::Outdated => "Outdated",
            State::Superseded => "Superseded",
            State::Deleted => "Deleted",
            State::Undone => "Undone",
        }
    }

    pub fn is_failed(self) -> bool {
        matches!(
            self,
            State::Failed | State::MissingFailed | State::FutureFailed
        )
    }

    pub fn is_applied(self) -> bool {
        !matches!(
            self,
            State::Pending
                | State::AboveTarget
                | State::BelowBaseline
                | State::BaselineIgnored
                | State::Ignored
        )
    }
}

/// One line of `info`: a resolved migration, an applied row, or both.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Info {
    pub resolved: Option<usize>,
    pub applied: Option<usize>,
    pub state: State,
}

/// Flyway's error codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorCode {
    FailedVersionedMigration,
    FailedRepeatableMigration,
    AppliedVersionedMigrationNotResolved,
    AppliedRepeatableMigrationNotResolved,
    ResolvedVersionedMigrationNotApplied,
    ResolvedRepeatableMigrationNotApplied,
    OutdatedRepeatableMigration,
    TypeMismatch,
    ChecksumMismatch,
    DescriptionMismatch,
    SchemaDoesNotExist,
    /// A `FlywayException` without a code of its own (`CoreErrorCode.ERROR`): two files of one
    /// version or description, refused while resolving, before any validation.
    Error,
}

impl ErrorCode {
    pub fn name(self) -> &'static str {
        match self {
            ErrorCode::FailedVersionedMigration => "FAILED_VERSIONED_MIGRATION",
            ErrorCode::FailedRepeatableMigration => "FAILED_REPEATABLE_MIGRATION",
            ErrorCode::AppliedVersionedMigrationNotResolved => {
                "APPLIED_VERSIONED_MIGRATION_NOT_RESOLVED"
            }
            ErrorCode::AppliedRepeatableMigrationNotResolved => {
                "APPLIED_REPEATABLE_MIGRATION_NOT_RESOLVED"
            }
            ErrorCode::ResolvedVersionedMigrationNotApplied => {
                "RESOLVED_VERSIONED_MIGRATION_NOT_APPLIED"
            }
            ErrorCode::ResolvedRepeatableMigrationNotApplied => {
                "RESOLVED_REPEATABLE_MIGRATION_NOT_APPLIED"
            }
            ErrorCode::OutdatedRepeatableMigration => "OUTDATED_REPEATABLE_MIGRATION",
            ErrorCode::TypeMismatch => "TYPE_MISMATCH",
            ErrorCode::ChecksumMismatch => "CHECKSUM_MISMATCH",
            ErrorCode::DescriptionMismatch => "DESCRIPTION_MISMATCH",
            ErrorCode::SchemaDoesNotExist => "SCHEMA_DOES_NOT_EXIST",
            ErrorCode::Error => "ERROR",
        }
    }
}

/// One validation failure, with the file it concerns when there is one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidateError {
    pub code: ErrorCode,
    pub message: String,
    pub path: Option<PathBuf>,
    /// Index into [`Status::infos`]; none for an error about the whole database.
    pub info: Option<usize>,
}

/// The folder compared with the history.
#[derive(Debug, Clone)]
pub struct Status {
    pub resolved: Vec<Resolved>,
    pub rows: Vec<HistoryRow>,
    /// In Flyway's `info` order.
    pub infos: Vec<Info>,
    pub errors: Vec<ValidateError>,
}

/// The first line of Flyway's validate failure.
pub const VALIDATE_FAILED: &str = "Validate failed: Migrations have failed validation";
/// Flyway's closing hint.
pub const VALIDATE_HINT: &str =
    "Need more flexibility with validation rules? Learn more: https://rd.gt/3AbJUZE";

impl Status {
    /// Flyway's message for a failed validate (`FlywayValidateException`): "Validate failed: ",
    /// the reason, then every error's whole message (its hint line included, each time), then
    /// the closing hint.
    pub fn failure_message(&self) -> Option<String> {
        if let Some(error) = self.errors.iter().find(|e| e.code == ErrorCode::Error) {
            // Thrown while resolving: the message alone.
            return Some(error.message.clone());
        }
        if let Some(error) = self
            .errors
            .iter()
            .find(|e| e.code == ErrorCode::SchemaDoesNotExist)
        {
            // DbValidate stops there: no migration is listed.
            return Some(format!(
                "Validate failed: {}\n\n{VALIDATE_HINT}",
                error.message
            ));
        }
        if self.errors.is_empty() {
            return None;
        }
        let mut lines: Vec<&str> = vec![VALIDATE_FAILED];
        lines.extend(self.errors.iter().map(|e| e.message.as_str()));
        lines.push(VALIDATE_HINT);
        Some(lines.join("\n"))
    }

    /// The schema holding the history table does not exist: Flyway's `DbValidate` fails with
    /// `Schema "x" doesn't exist yet` (`quoted` as the database quotes it) unless there is
    /// nothing to migrate or pending migrations may pass (`ValidatePatternUtils`).
    pub fn schema_missing(&mut self, quoted: &str, patterns: &[IgnorePattern]) {
        let resolving_failed = self.errors.iter().any(|e| e.code == ErrorCode::Error);
        if resolving_failed
            || self.resolved.is_empty()
            || category_ignored(patterns, State::Pending)
        {
            return;
        }
        self.errors = vec![ValidateError {
            code: ErrorCode::SchemaDoesNotExist,
            message: format!("Schema {quoted} doesn't exist yet"),
            path: None,
            info: None,
        }];
    }

    pub fn info_version(&self, info: &Info) -> Option<String> {
        match (info.applied, info.resolved) {
            (Some(a), _) => self.rows[a].version.clone(),
            (None, Some(r)) => self.resolved[r]
                .version
                .as_ref()
                .map(|v| v.raw().to_string()),
            _ => None,
        }
    }

    pub fn info_description(&self, info: &Info) -> String {
        match (info.applied, info.resolved) {
            (Some(a), _) => self.rows[a].description.clone(),
            (None, Some(r)) => self.resolved[r].description.clone(),
            _ => String::new(),
        }
    }

    pub fn info_type(&self, info: &Info) -> String {
        match (info.applied, info.resolved) {
            (Some(a), _) => self.rows[a].migration_type.clone(),
            (None, Some(r)) => self.resolved[r].migration_type.to_string(),
            _ => String::new(),
        }
    }
}

/// Flyway's `AbbreviationUtils.abbreviateDescription`: at most 200 characters.
pub fn abbreviate_description(description: &str) -> String {
    if description.chars().count() <= 200 {
        return description.to_string();
    }
    let kept: String = description.chars().take(197).collect();
    format!("{kept}...")
}

fn row_version(row: &HistoryRow) -> Option<Version> {
    row.version
        .as_deref()
        .filter(|v| !v.is_empty())
        .and_then(|v| Version::parse(v).ok())
}

fn is_synthetic(migration_type: &str) -> bool {
    matches!(migration_type, "SCHEMA" | "BASELINE" | "DELETE")
}

/// `MigrationType.isUndo()`: `UNDO_SQL`, `UNDO_JDBC`, ... (Teams) and `UNDO_SCRIPT` (a
/// Community type too).
fn type_is_undo(migration_type: &str) -> bool {
    migration_type.starts_with("UNDO_")
}

/// An undo that takes its version back: Teams only (Community's rows have no
/// `updateAttributes`).
fn is_undo(migration_type: &str, edition: Edition) -> bool {
    edition == Edition::Teams && type_is_undo(migration_type)
}

/// The history row type Flyway Community cannot read: an undo type other than `UNDO_SCRIPT`
/// (`CoreMigrationType.fromString` has no such constant).
fn unreadable_in_community(migration_type: &str) -> bool {
    migration_type.starts_with("UNDO_") && migration_type != "UNDO_SCRIPT"
}

/// Flyway's `CoreMigrationType.isBaseline()`: the `baseline` command's marker and baseline
/// migrations (`B` files) as they are recorded.
fn is_baseline_type(migration_type: &str) -> bool {
    matches!(
        migration_type,
        "BASELINE" | "SQL_BASELINE" | "JDBC_BASELINE"
    )
}

fn is_repeatable_row(row: &HistoryRow) -> bool {
    row.version.as_deref().is_none_or(str::is_empty)
}

/// Flyway's `ValidatePatternUtils.is…Ignored`: a category passes as a whole only when both
/// kinds of migration are covered (`*:pending`, or `versioned:pending` with
/// `repeatable:pending`); one kind alone only silences that kind's migrations one by one.
fn category_ignored(patterns: &[IgnorePattern], state: State) -> bool {
    patterns.iter().any(|p| p.matches(true, state.name()))
        && patterns.iter().any(|p| p.matches(false, state.name()))
}

/// [`compare_to`] with the default target (`latest`).
pub fn compare(
    resolved: Vec<Resolved>,
    rows: Vec<HistoryRow>,
    patterns: &[IgnorePattern],
    out_of_order: bool,
) -> Status {
    compare_to(
        resolved,
        rows,
        patterns,
        out_of_order,
        &Target::Latest,
        Edition::Community,
    )
}

/// Compares `resolved` with the history `rows` (any order) under `patterns`, `out_of_order` and
/// `target`, as Flyway's `MigrationInfoServiceImpl.refresh` does: versioned files and rows are
/// matched by (version, type), repeatables by description. `edition` decides what undo rows
/// and files are (see the module's documentation).
pub fn compare_to(
    resolved: Vec<Resolved>,
    mut rows: Vec<HistoryRow>,
    patterns: &[IgnorePattern],
    out_of_order: bool,
    target: &Target,
    edition: Edition,
) -> Status {
    rows.sort_by_key(|r| r.installed_rank);
    for row in &mut rows {
        // `CoreMigrationType.fromString`: the legacy name of JDBC.
        if row.migration_type == "SPRING_JDBC" {
            row.migration_type = "JDBC".into();
        }
    }
    let unreadable = (edition == Edition::Community)
        .then(|| {
            rows.iter()
                .find(|r| unreadable_in_community(&r.migration_type))
        })
        .flatten()
        .map(|r| ValidateError {
            code: ErrorCode::Error,
            message: format!(
                "java.lang.IllegalArgumentException: No enum constant org.flywaydb.core.api.CoreMigrationType.{}",
                r.migration_type
            ),
            path: None,
            info: None,
        });

    // Resolved migrations: versioned by (version, type), repeatables by description.
    let mut resolved_versioned: HashMap<(Version, String), usize> = HashMap::new();
    let mut resolved_repeatable: HashMap<String, usize> = HashMap::new();
    let last_resolved: Option<Version> = resolved
        .iter()
        .filter(|r| !is_undo(r.migration_type, edition))
        .filter_map(|r| r.version.clone())
        .max();
    for (i, r) in resolved.iter().enumerate() {
        match &r.version {
            Some(v) => {
                resolved_versioned
                    .entry((v.clone(), r.migration_type.to_string()))
                    .or_insert(i);
            }
            None => {
                resolved_repeatable
                    .entry(abbreviate_description(&r.description))
                    .or_insert(i);
            }
        }
    }

    // Applied versioned rows (`getAppliedVersionedMigrations`): a successful DELETE row marks
    // the latest earlier row of its version deleted and is not listed itself; an undo row
    // (Teams) marks every earlier row of its version undone and is listed.
    let mut deleted = vec![false; rows.len()];
    let mut undone = vec![false; rows.len()];
    let mut corrupted: Option<ValidateError> = None;
    let mut applied_versioned: Vec<usize> = Vec::new();
    let mut applied_baseline: Option<Version> = None;
    for i in 0..rows.len() {
        let Some(v) = row_version(&rows[i]) else {
            continue;
        };
        let row = &rows[i];
        if is_baseline_type(&row.migration_type) && applied_baseline.as_ref().is_none_or(|b| &v > b)
        {
            applied_baseline = Some(v.clone());
        }
        if is_undo(&row.migration_type, edition) {
            for &j in &applied_versioned {
                if !is_synthetic(&rows[j].migration_type)
                    && !is_undo(&rows[j].migration_type, edition)
                    && row_version(&rows[j]).as_ref() == Some(&v)
                {
                    undone[j] = true;
                }
            }
            applied_versioned.push(i);
            continue;
        }
        if row.migration_type == "DELETE" && row.success {
            // `markAsDeleted`: the latest row of the version; one already deleted is a
            // corrupted history, and Flyway stops there.
            if let Some(&earlier) = applied_versioned.iter().rev().find(|&&j| {
                !is_synthetic(&rows[j].migration_type) && row_version(&rows[j]).as_ref() == Some(&v)
            }) {
                if deleted[earlier] && corrupted.is_none() {
                    corrupted = Some(ValidateError {
                        code: ErrorCode::Error,
                        message: format!(
                            "Corrupted schema history: multiple delete entries for version {v}"
                        ),
                        path: None,
                        info: None,
                    });
                }
                deleted[earlier] = true;
            }
            continue;
        }
        applied_versioned.push(i);
    }
    // Applied repeatable rows (`getAppliedRepeatableMigrations`): a DELETE row marks the latest
    // earlier run of its description deleted.
    let mut applied_repeatable: Vec<usize> = Vec::new();
    for i in 0..rows.len() {
        if !is_repeatable_row(&rows[i]) {
            continue;
        }
        applied_repeatable.push(i);
        if rows[i].migration_type == "DELETE" && rows[i].success {
            if let Some(&earlier) = applied_repeatable.iter().rev().find(|&&j| {
                !is_synthetic(&rows[j].migration_type) && rows[j].description == rows[i].description
            }) {
                deleted[earlier] = true;
            }
        }
    }

    // `updateContextFromAppliedVersionedMigrations`: the last applied version, and the rows
    // applied out of order.
    let mut last_applied: Option<Version> = None;
    let mut applied_out_of_order = vec![false; rows.len()];
    for &i in &applied_versioned {
        let row = &rows[i];
        if row.migration_type == "SCHEMA" || is_undo(&row.migration_type, edition) {
            continue;
        }
        let v = row_version(row).expect("versioned rows have a version");
        if last_applied.as_ref().is_none_or(|l| &v > l) {
            if !deleted[i] && !undone[i] && row.migration_type != "DELETE" {
                last_applied = Some(v);
            }
        } else {
            applied_out_of_order[i] = true;
        }
    }

    let mut infos: Vec<Info> = Vec::new();
    let mut matched = vec![false; resolved.len()];
    for &i in &applied_versioned {
        let row = &rows[i];
        let version = row_version(row).expect("versioned rows have a version");
        let resolved_index = resolved_versioned
            .get(&(version.clone(), row.migration_type.clone()))
            .copied();
        if let Some(r) = resolved_index {
            if !deleted[i] && !undone[i] {
                matched[r] = true;
            }
        }
        // `BaseAppliedMigration.getState`, after `MigrationInfoImpl`'s undone and deleted checks.
        let state = if undone[i] {
            State::Undone
        } else if deleted[i] {
            State::Deleted
        } else if row.migration_type == "DELETE" {
            // A failed DELETE row stays listed (`BaseAppliedMigration.getState`).
            State::Success
        } else if is_baseline_type(&row.migration_type) {
            State::Baseline
        } else if resolved_index.is_none() {
            if row.migration_type == "SCHEMA" {
                State::Success
            } else {
                let missing = last_resolved.as_ref().is_some_and(|last| &version < last);
                match (missing, row.success) {
                    (true, true) => State::MissingSuccess,
                    (true, false) => State::MissingFailed,
                    (false, true) => State::FutureSuccess,
                    (false, false) => State::FutureFailed,
                }
            }
        } else if !row.success {
            State::Failed
        } else if applied_out_of_order[i] && !is_undo(&row.migration_type, edition) {
            State::OutOfOrder
        } else {
            State::Success
        };
        infos.push(Info {
            resolved: resolved_index,
            applied: Some(i),
            state,
        });
    }

    // Versioned files no (undeleted) row matches: `getPendingResolvedVersionedMigrations` and
    // `ResolvedMigration.getState` (with `SqlMigration`'s rule for baseline migrations).
    let pending_versioned: Vec<usize> = (0..resolved.len())
        .filter(|&i| resolved[i].version.is_some() && !matched[i])
        .filter(|&i| {
            let r = &resolved[i];
            r.version.clone().is_some_and(|v| {
                resolved_versioned.get(&(v, r.migration_type.to_string())) == Some(&i)
            })
        })
        .collect();
    let pending_baseline: Option<Version> = pending_versioned
        .iter()
        .filter(|&&i| resolved[i].migration_type == "SQL_BASELINE")
        .filter_map(|&i| resolved[i].version.clone())
        .max();
    let applied_or_baseline = applied_baseline.is_some() || last_applied.is_some();
    // `current` is the last applied version (`EMPTY`, below every version, when none is:
    // every file is then above it); `next` is decided after the states (below).
    let target_version: Option<Option<Version>> = match target {
        Target::Latest | Target::Next => None,
        Target::Current => Some(last_applied.clone()),
        Target::Version { version, .. } => Some(Some(version.clone())),
    };
    let baseline = if last_applied.is_none() {
        pending_baseline.clone()
    } else {
        applied_baseline.clone()
    };
    for &i in &pending_versioned {
        let r = &resolved[i];
        let v = r.version.as_ref().expect("versioned");
        if is_undo(r.migration_type, edition) {
            // "Available": never an error, and left out of `info`.
            continue;
        }
        let mut state = match &baseline {
            Some(b) if v < b => State::BelowBaseline,
            Some(b) if v == b => State::BaselineIgnored,
            _ => {
                if target_version
                    .as_ref()
                    .is_some_and(|t| t.as_ref().is_none_or(|t| v > t))
                {
                    State::AboveTarget
                } else if last_applied.as_ref().is_some_and(|l| v < l) && !out_of_order {
                    State::Ignored
                } else {
                    State::Pending
                }
            }
        };
        if r.migration_type == "SQL_BASELINE" {
            if state == State::Pending && applied_or_baseline {
                // A baseline migration on a history that has versions is never run; Flyway
                // lists it as Ignored. Not listed here (see the README's differences).
                continue;
            }
            if state == State::BaselineIgnored
                && pending_baseline.as_ref() == Some(v)
                && !applied_or_baseline
            {
                state = State::Pending;
            }
        }
        infos.push(Info {
            resolved: Some(i),
            applied: None,
            state,
        });
    }

    // Repeatables: the latest run of each description decides.
    let mut latest_repeatable: HashMap<&str, i32> = HashMap::new();
    for &i in &applied_repeatable {
        let row = &rows[i];
        let latest = latest_repeatable
            .entry(row.description.as_str())
            .or_insert(row.installed_rank);
        *latest = (*latest).max(row.installed_rank);
    }
    let mut repeatable_up_to_date = vec![false; resolved.len()];
    for &i in &applied_repeatable {
        let row = &rows[i];
        let resolved_index = resolved_repeatable.get(&row.description).copied();
        let latest = latest_repeatable.get(row.description.as_str()) == Some(&row.installed_rank);
        if let Some(r) = resolved_index {
            // `getPendingResolvedRepeatableMigrations`: the latest run with this checksum, failed
            // or not, keeps the file from being pending again.
            if !deleted[i]
                && row.migration_type != "DELETE"
                && latest
                && resolved[r].checksum_matches(row.checksum)
            {
                repeatable_up_to_date[r] = true;
            }
        }
        let state = if deleted[i] {
            State::Deleted
        } else if row.migration_type == "DELETE" {
            State::Success
        } else if resolved_index.is_none() && latest {
            if row.success {
                State::MissingSuccess
            } else {
                State::MissingFailed
            }
        } else if !row.success {
            State::Failed
        } else if latest {
            if resolved_index.is_some_and(|r| resolved[r].checksum_matches(row.checksum)) {
                State::Success
            } else {
                State::Outdated
            }
        } else {
            State::Superseded
        };
        infos.push(Info {
            resolved: resolved_index,
            applied: Some(i),
            state,
        });
    }
    for (i, r) in resolved.iter().enumerate() {
        if r.version.is_none()
            && !repeatable_up_to_date[i]
            && resolved_repeatable.get(&abbreviate_description(&r.description)) == Some(&i)
        {
            infos.push(Info {
                resolved: Some(i),
                applied: None,
                state: State::Pending,
            });
        }
    }

    // `MigrationInfoImpl.compareTo`: below-baseline and baseline-ignored files first, then the applied rows by rank,
    // then the rest by version, versioned before repeatable, repeatables by description.
    let sort_key = |info: &Info| -> (u8, i32, Option<Version>, String) {
        match info.applied {
            Some(a) => (1, rows[a].installed_rank, None, String::new()),
            None => {
                let r = &resolved[info.resolved.expect("unapplied infos have a file")];
                let group = if matches!(info.state, State::BelowBaseline | State::BaselineIgnored) {
                    0
                } else {
                    2
                };
                match &r.version {
                    // At one version, the versioned file before its undo file.
                    Some(v) => (group, 0, Some(v.clone()), r.migration_type.to_string()),
                    None => (3, 0, None, r.description.clone()),
                }
            }
        }
    };
    infos.sort_by_cached_key(sort_key);
    if *target == Target::Next {
        // The first pending migration is the target: the pending ones after it are above it.
        let first = infos
            .iter()
            .find(|i| i.state == State::Pending)
            .and_then(|i| i.resolved)
            .and_then(|r| resolved[r].version.clone());
        if let Some(first) = first {
            for info in infos.iter_mut().filter(|i| i.state == State::Pending) {
                let version = info.resolved.and_then(|r| resolved[r].version.as_ref());
                if version.is_some_and(|v| v > &first) {
                    info.state = State::AboveTarget;
                }
            }
        }
    }
    // `validateTarget`: a version target must name a migration (unless it ends in `?`).
    let missing_target = match target {
        Target::Version {
            version,
            fail_on_missing: true,
        } => {
            let named = infos.iter().any(|i| {
                let v = match (i.applied, i.resolved) {
                    (Some(a), _) => row_version(&rows[a]),
                    (None, Some(r)) => resolved[r].version.clone(),
                    _ => None,
                };
                v.as_ref() == Some(version)
            });
            (!named).then(|| ValidateError {
                code: ErrorCode::Error,
                message: format!("No migration with a target version {version} could be found. Ensure target is specified correctly and the migration exists."),
                path: None,
                info: None,
            })
        }
        _ => None,
    };

    let mut status = Status {
        resolved,
        rows,
        infos,
        errors: Vec::new(),
    };
    let flags = Flags {
        missing: category_ignored(patterns, State::MissingSuccess),
        future: category_ignored(patterns, State::FutureSuccess),
        ignored: category_ignored(patterns, State::Ignored),
        pending: category_ignored(patterns, State::Pending),
    };
    let mut errors = Vec::new();
    for (index, info) in status.infos.iter().enumerate() {
        if let Some((code, message)) =
            validate_one(&status, info, patterns, &flags, &applied_baseline)
        {
            errors.push(ValidateError {
                code,
                message,
                path: info.resolved.map(|r| status.resolved[r].path.clone()),
                info: Some(index),
            });
        }
    }
    // In `refresh`'s order: resolving, reading the rows, `markAsDeleted`, `validateTarget`.
    status.errors = match duplicate(&status.resolved)
        .or(unreadable)
        .or(corrupted)
        .or(missing_target)
    {
        Some(error) => vec![error],
        None => errors,
    };
    status
}

/// `CompositeMigrationResolver.checkForIncompatibilities`: two versioned files of one version
/// (a baseline migration and a versioned one do not compare) or two repeatables of one
/// description make Flyway refuse the folder before validating anything. The first pair in
/// version order (then path) is reported.
fn duplicate(resolved: &[Resolved]) -> Option<ValidateError> {
    let mut order: Vec<usize> = (0..resolved.len()).collect();
    order.sort_by(|&a, &b| {
        let (ra, rb) = (&resolved[a], &resolved[b]);
        match (&ra.version, &rb.version) {
            (Some(va), Some(vb)) => va
                .cmp(vb)
                .then_with(|| ra.migration_type.cmp(rb.migration_type)),
            (Some(_), None) => std::cmp::Ordering::Less,
            (None, Some(_)) => std::cmp::Ordering::Greater,
            (None, None) => ra.description.cmp(&rb.description),
        }
        .then_with(|| ra.path.cmp(&rb.path))
    });
    order.windows(2).find_map(|pair| {
        let (current, next) = (&resolved[pair[0]], &resolved[pair[1]]);
        let offenders = format!(
            "Offenders:\n-> {} ({})\n-> {} ({})",
            current.path.display(),
            current.migration_type,
            next.path.display(),
            next.migration_type
        );
        let message = match (&current.version, &next.version) {
            (Some(a), Some(b)) if a == b && current.migration_type == next.migration_type => {
                format!("Found more than one migration with version {a}\n{offenders}")
            }
            (None, None) if current.description == next.description => format!(
                "Found more than one repeatable migration with description {}\n{offenders}",
                current.description
            ),
            _ => return None,
        };
        Some(ValidateError {
            code: ErrorCode::Error,
            message,
            path: Some(current.path.clone()),
            info: None,
        })
    })
}

struct Flags {
    missing: bool,
    future: bool,
    ignored: bool,
    pending: bool,
}

fn mismatch(kind: &str, identifier: &str, applied: &str, resolved: &str) -> String {
    format!(
        "Migration {kind} mismatch for migration {identifier}\n-> Applied to database : {applied}\n-> Resolved locally    : {resolved}\nEither revert the changes to the migration, or run repair to update the schema history."
    )
}

fn validate_one(
    status: &Status,
    info: &Info,
    patterns: &[IgnorePattern],
    flags: &Flags,
    baseline: &Option<Version>,
) -> Option<(ErrorCode, String)> {
    let state = info.state;
    if matches!(
        state,
        State::AboveTarget
            | State::Deleted
            | State::Undone
            | State::BelowBaseline
            | State::BaselineIgnored
    ) {
        return None;
    }
    let version = status.info_version(info).filter(|v| !v.is_empty());
    let description = status.info_description(info);
    if patterns
        .iter()
        .any(|p| p.matches(version.is_some(), state.name()))
    {
        return None;
    }
    let row = info.applied.map(|a| &status.rows[a]);
    let resolved = info.resolved.map(|r| &status.resolved[r]);
    if state.is_failed() && (!flags.future || state != State::FutureFailed) {
        return Some(match &version {
            None => (
                ErrorCode::FailedRepeatableMigration,
                format!("Detected failed repeatable migration: {description}.\nPlease remove any half-completed changes then run repair to fix the schema history."),
            ),
            Some(v) => (
                ErrorCode::FailedVersionedMigration,
                format!("Detected failed migration to version {v} ({description}).\nPlease remove any half-completed changes then run repair to fix the schema history."),
            ),
        });
    }
    if let (None, Some(row)) = (resolved, row) {
        let missing = matches!(state, State::MissingSuccess | State::MissingFailed);
        let future = matches!(state, State::FutureSuccess | State::FutureFailed);
        if !is_synthetic(&row.migration_type)
            && !type_is_undo(&row.migration_type)
            && state != State::Superseded
            && (!flags.missing || !missing)
            && (!flags.future || !future)
        {
            return Some(match &version {
                Some(v) => (
                    ErrorCode::AppliedVersionedMigrationNotResolved,
                    format!("Detected applied migration not resolved locally: {v}.\nIf you removed this migration intentionally, run repair to mark the migration as deleted."),
                ),
                None => (
                    ErrorCode::AppliedRepeatableMigrationNotResolved,
                    format!("Detected applied migration not resolved locally: {description}.\nIf you removed this migration intentionally, run repair to mark the migration as deleted."),
                ),
            });
        }
    }
    if !flags.ignored && state == State::Ignored {
        return Some(match &version {
            Some(v) => (
                ErrorCode::ResolvedVersionedMigrationNotApplied,
                format!("Detected resolved migration not applied to database: {v}.\nTo ignore this migration, set -ignoreMigrationPatterns='*:ignored'. To allow executing this migration, set -outOfOrder=true."),
            ),
            None => (
                ErrorCode::ResolvedRepeatableMigrationNotApplied,
                format!("Detected resolved repeatable migration not applied to database: {description}.\nTo ignore this migration, set -ignoreMigrationPatterns='*:ignored'. To allow executing this migration, set -outOfOrder=true."),
            ),
        });
    }
    if !flags.pending && state == State::Pending {
        return Some(match &version {
            Some(v) => (
                ErrorCode::ResolvedVersionedMigrationNotApplied,
                format!("Detected resolved migration not applied to database: {v}.\nTo fix this error, either run migrate, or set -ignoreMigrationPatterns='*:pending'."),
            ),
            None => (
                ErrorCode::ResolvedRepeatableMigrationNotApplied,
                format!("Detected resolved repeatable migration not applied to database: {description}.\nTo fix this error, either run migrate, or set -ignoreMigrationPatterns='*:pending'."),
            ),
        });
    }
    if !flags.pending && state == State::Outdated {
        return Some((
            ErrorCode::OutdatedRepeatableMigration,
            format!("Detected outdated resolved repeatable migration that should be re-applied to database: {description}.\nRun migrate to execute this migration."),
        ));
    }
    let (Some(resolved), Some(row)) = (resolved, row) else {
        return None;
    };
    if row.migration_type == "DELETE" || type_is_undo(&row.migration_type) {
        return None;
    }
    let identifier = match &row.version {
        Some(v) if !v.is_empty() => format!("version {v}"),
        _ => row.script.clone(),
    };
    let above_baseline = match (resolved.version.as_ref(), baseline) {
        (None, _) | (_, None) => true,
        (Some(v), Some(b)) => v > b,
    };
    if !above_baseline {
        return None;
    }
    if resolved.migration_type != row.migration_type {
        return Some((
            ErrorCode::TypeMismatch,
            mismatch(
                "type",
                &identifier,
                &row.migration_type,
                resolved.migration_type,
            ),
        ));
    }
    let checksum_counts = resolved.version.is_some()
        || (flags.pending && !matches!(state, State::Outdated | State::Superseded));
    if checksum_counts && !resolved.checksum_matches(row.checksum) {
        let applied = row
            .checksum
            .map_or_else(|| "null".to_string(), |c| c.to_string());
        return Some((
            ErrorCode::ChecksumMismatch,
            mismatch(
                "checksum",
                &identifier,
                &applied,
                &resolved
                    .checksum
                    .map_or_else(|| "null".to_string(), |c| c.to_string()),
            ),
        ));
    }
    // Some databases cannot store an empty description; Flyway writes "<< no description >>".
    let description_differs = if row.description == "<< no description >>" {
        !resolved.description.is_empty()
    } else {
        abbreviate_description(&resolved.description) != row.description
    };
    if description_differs {
        return Some((
            ErrorCode::DescriptionMismatch,
            mismatch(
                "description",
                &identifier,
                &row.description,
                &resolved.description,
            ),
        ));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(version: &str, description: &str, checksum: i32) -> Resolved {
        Resolved {
            version: Some(Version::parse(version).unwrap()),
            description: description.into(),
            script: format!("V{version}__{}.sql", description.replace(' ', "_")),
            migration_type: "SQL",
            checksum: Some(checksum),
            equivalent_checksum: None,
            path: PathBuf::from(format!("/m/V{version}.sql")),
        }
    }

    fn r(description: &str, checksum: i32, raw: i32) -> Resolved {
        Resolved {
            version: None,
            description: description.into(),
            script: format!("R__{}.sql", description.replace(' ', "_")),
            migration_type: "SQL",
            checksum: Some(checksum),
            equivalent_checksum: Some(raw),
            path: PathBuf::from(format!("/m/R__{description}.sql")),
        }
    }

    fn row(rank: i32, version: Option<&str>, description: &str, checksum: i32) -> HistoryRow {
        HistoryRow {
            installed_rank: rank,
            version: version.map(str::to_string),
            description: description.into(),
            migration_type: "SQL".into(),
            script: match version {
                Some(v) => format!("V{v}__{}.sql", description.replace(' ', "_")),
                None => format!("R__{}.sql", description.replace(' ', "_")),
            },
            checksum: Some(checksum),
            installed_by: "flyway".into(),
            installed_on: "2026-01-01 00:00:00".into(),
            execution_time: 5,
            success: true,
        }
    }

    fn default_patterns() -> Vec<IgnorePattern> {
        vec![IgnorePattern::parse("*:future").unwrap()]
    }

    fn states(status: &Status) -> Vec<(Option<String>, &'static str)> {
        status
            .infos
            .iter()
            .map(|i| (status.info_version(i), i.state.name()))
            .collect()
    }

    fn typed(mut row: HistoryRow, migration_type: &str) -> HistoryRow {
        row.migration_type = migration_type.into();
        row
    }

    fn b(version: &str, description: &str, checksum: i32) -> Resolved {
        Resolved {
            migration_type: "SQL_BASELINE",
            script: format!("B{version}__{}.sql", description.replace(' ', "_")),
            path: PathBuf::from(format!("/m/B{version}.sql")),
            ..v(version, description, checksum)
        }
    }

    /// Issue #12 row 2: a database built from `B3__…` (MigrationInfoServiceImpl sets the applied
    /// baseline from the SQL_BASELINE row; ResolvedMigration.getState; MigrationInfoImpl.validate
    /// compares nothing at or below it).
    #[test]
    fn sql_baseline_row_sets_the_applied_baseline() {
        let status = compare(
            vec![
                v("1", "one", 1),
                v("2", "two", 2),
                v("3", "three", 3),
                b("3", "base", 30), // changed since it ran: not compared
                v("4", "four", 4),
            ],
            vec![
                typed(row(1, Some("3"), "base", 99), "SQL_BASELINE"),
                row(2, Some("4"), "four", 4),
            ],
            &default_patterns(),
            false,
        );
        assert!(status.errors.is_empty(), "{:?}", status.errors);
        assert_eq!(
            states(&status),
            vec![
                (Some("1".into()), "Below Baseline"),
                (Some("2".into()), "Below Baseline"),
                (Some("3".into()), "Ignored (Baseline)"),
                (Some("3".into()), "Baseline"),
                (Some("4".into()), "Success"),
            ]
        );
        // On an empty history the B file is pending and the V files up to it are not run.
        let status = compare(
            vec![v("1", "one", 1), v("3", "three", 3), b("3", "base", 30)],
            vec![],
            &default_patterns(),
            false,
        );
        let types: Vec<(String, &str)> = status
            .infos
            .iter()
            .map(|i| (status.info_type(i), i.state.name()))
            .collect();
        assert_eq!(
            types,
            vec![
                ("SQL".to_string(), "Below Baseline"),
                ("SQL".to_string(), "Ignored (Baseline)"),
                ("SQL_BASELINE".to_string(), "Pending"),
            ]
        );
    }

    /// Issue #12 row 6: ValidatePatternUtils.isPendingIgnored needs both kinds covered.
    #[test]
    fn one_kinds_pending_pattern_leaves_the_other_kind_an_error() {
        let resolved = || vec![v("1", "a", 1), v("2", "b", 2), r("views", 70, 70)];
        let rows = || vec![row(1, Some("1"), "a", 1), row(2, None, "views", 69)];
        let codes = |patterns: &[&str]| -> Vec<ErrorCode> {
            let patterns: Vec<IgnorePattern> = patterns
                .iter()
                .map(|p| IgnorePattern::parse(p).unwrap())
                .collect();
            compare(resolved(), rows(), &patterns, false)
                .errors
                .iter()
                .map(|e| e.code)
                .collect()
        };
        // versioned:pending silences the pending V2 only; the outdated repeatable (its old run
        // and its new one) stays.
        assert_eq!(
            codes(&["versioned:pending"]),
            vec![
                ErrorCode::OutdatedRepeatableMigration,
                ErrorCode::ResolvedRepeatableMigrationNotApplied
            ]
        );
        assert_eq!(codes(&["*:pending"]), vec![]);
        assert_eq!(codes(&["versioned:pending", "repeatable:pending"]), vec![]);
        // versioned:missing alone does not make missing repeatables pass.
        let status = compare(
            vec![v("2", "b", 2)],
            vec![
                row(1, Some("1"), "a", 1),
                row(2, Some("2"), "b", 2),
                row(3, None, "views", 69),
            ],
            &[IgnorePattern::parse("versioned:missing").unwrap()],
            false,
        );
        let codes: Vec<ErrorCode> = status.errors.iter().map(|e| e.code).collect();
        assert_eq!(
            codes,
            vec![ErrorCode::AppliedRepeatableMigrationNotResolved]
        );
    }

    /// Issue #12 row 13: MigrationInfoServiceImpl leaves a deleted row's file pending.
    #[test]
    fn a_file_put_back_after_repair_deleted_it_is_pending_again() {
        let status = compare(
            vec![v("1", "a", 1), v("2", "b", 2)],
            vec![
                row(1, Some("1"), "a", 1),
                row(2, Some("2"), "b", 2),
                typed(row(3, Some("2"), "b", 2), "DELETE"),
            ],
            &default_patterns(),
            false,
        );
        assert_eq!(
            states(&status),
            vec![
                (Some("1".into()), "Success"),
                (Some("2".into()), "Deleted"),
                (Some("2".into()), "Pending"),
            ]
        );
        assert_eq!(status.errors.len(), 1);
        assert!(status.errors[0]
            .message
            .starts_with("Detected resolved migration not applied to database: 2."));
        // A failed DELETE row deletes nothing; it is listed, Success, and not the last applied.
        let mut failed_delete = typed(row(3, Some("3"), "c", 3), "DELETE");
        failed_delete.success = false;
        let status = compare(
            vec![v("1", "a", 1), v("2", "b", 2)],
            vec![row(1, Some("2"), "b", 2), failed_delete],
            &[IgnorePattern::parse("*:ignored").unwrap()],
            false,
        );
        assert_eq!(
            states(&status),
            vec![
                (Some("2".into()), "Success"),
                (Some("3".into()), "Success"),
                (Some("1".into()), "Ignored"),
            ]
        );
        assert!(status.errors.is_empty(), "{:?}", status.errors);
    }

    /// Issue #12 row 17: a failed repeatable whose file is unchanged is not pending
    /// (getPendingResolvedRepeatableMigrations ignores success).
    #[test]
    fn failed_repeatable_with_unchanged_checksum_is_only_failed() {
        let mut failed = row(1, None, "views", 70);
        failed.success = false;
        let status = compare(
            vec![r("views", 70, 70)],
            vec![failed.clone()],
            &default_patterns(),
            false,
        );
        let messages: Vec<&str> = status.errors.iter().map(|e| e.message.as_str()).collect();
        assert_eq!(
            messages,
            vec!["Detected failed repeatable migration: views.\nPlease remove any half-completed changes then run repair to fix the schema history."]
        );
        // Changed since: pending again as well.
        let status = compare(
            vec![r("views", 71, 71)],
            vec![failed],
            &default_patterns(),
            false,
        );
        assert_eq!(status.errors.len(), 2);
    }

    /// Issue #12 row 18: rows and files are matched by (version, type)
    /// (MigrationInfoServiceImpl.getResolvedVersionedMigrations).
    #[test]
    fn a_jdbc_row_and_a_sql_file_of_one_version_are_not_matched() {
        let status = compare(
            vec![v("1", "a", 1), v("2", "b", 2)],
            vec![
                row(1, Some("1"), "a", 1),
                typed(row(2, Some("2"), "b", 0), "JDBC"),
            ],
            &default_patterns(),
            false,
        );
        assert_eq!(
            states(&status),
            vec![
                (Some("1".into()), "Success"),
                (Some("2".into()), "Future"),
                (Some("2".into()), "Pending"),
            ]
        );
        let codes: Vec<ErrorCode> = status.errors.iter().map(|e| e.code).collect();
        assert_eq!(codes, vec![ErrorCode::ResolvedVersionedMigrationNotApplied]);
    }

    /// Issue #12 row 12: CompositeMigrationResolver refuses two files of one version (or two
    /// repeatables of one description) before validating; a B and a V file may share one.
    #[test]
    fn duplicate_versions_fail_as_the_resolver_does() {
        let mut second = v("1", "b", 2);
        second.path = PathBuf::from("/m/V1__b.sql");
        let mut first = v("1", "a", 1);
        first.path = PathBuf::from("/m/V1__a.sql");
        let status = compare(
            vec![second, first, v("2", "c", 3)],
            vec![row(1, Some("1"), "a", 1)],
            &default_patterns(),
            false,
        );
        assert_eq!(status.errors.len(), 1);
        assert_eq!(status.errors[0].code.name(), "ERROR");
        assert_eq!(
            status.failure_message().unwrap(),
            "Found more than one migration with version 1\nOffenders:\n-> /m/V1__a.sql (SQL)\n-> /m/V1__b.sql (SQL)"
        );
        let mut other = r("views", 5, 5);
        other.path = PathBuf::from("/n/R__views.sql");
        let status = compare(
            vec![r("views", 4, 4), other],
            vec![],
            &default_patterns(),
            false,
        );
        assert_eq!(
            status.failure_message().unwrap(),
            "Found more than one repeatable migration with description views\nOffenders:\n-> /m/R__views.sql (SQL)\n-> /n/R__views.sql (SQL)"
        );
        let status = compare(
            vec![v("3", "a", 1), b("3", "base", 2)],
            vec![],
            &default_patterns(),
            false,
        );
        assert!(status.errors.iter().all(|e| e.code != ErrorCode::Error));
    }

    /// Issue #12 row 11: with `target=2`, V3 is "Above Target" and no error
    /// (ResolvedMigration.getState, MigrationInfoImpl.validate); `current`, `next`, and a
    /// target no migration has (MigrationInfoServiceImpl.validateTarget).
    #[test]
    fn target_puts_later_files_above_it() {
        let files = || vec![v("1", "a", 1), v("2", "b", 2), v("3", "c", 3)];
        let applied = || vec![row(1, Some("1"), "a", 1)];
        let status = compare_to(
            files(),
            applied(),
            &default_patterns(),
            false,
            &Target::parse("2").unwrap(),
            Edition::Community,
        );
        assert_eq!(
            states(&status),
            vec![
                (Some("1".into()), "Success"),
                (Some("2".into()), "Pending"),
                (Some("3".into()), "Above Target")
            ]
        );
        let codes: Vec<ErrorCode> = status.errors.iter().map(|e| e.code).collect();
        assert_eq!(codes, vec![ErrorCode::ResolvedVersionedMigrationNotApplied]);
        let next = compare_to(
            files(),
            applied(),
            &default_patterns(),
            false,
            &Target::Next,
            Edition::Community,
        );
        assert_eq!(next.infos[2].state, State::AboveTarget);
        assert_eq!(next.infos[1].state, State::Pending);
        let current = compare_to(
            files(),
            applied(),
            &default_patterns(),
            false,
            &Target::Current,
            Edition::Community,
        );
        assert!(current.errors.is_empty(), "{:?}", current.errors);
        let status = compare_to(
            files(),
            applied(),
            &default_patterns(),
            false,
            &Target::parse("7").unwrap(),
            Edition::Community,
        );
        assert_eq!(
            status.failure_message().unwrap(),
            "No migration with a target version 7 could be found. Ensure target is specified correctly and the migration exists."
        );
        let lenient = compare_to(
            files(),
            applied(),
            &default_patterns(),
            false,
            &Target::parse("7?").unwrap(),
            Edition::Community,
        );
        assert!(lenient.errors.iter().all(|e| e.code != ErrorCode::Error));
        assert_eq!(Target::parse("LATEST").unwrap(), Target::Latest);
        assert!(Target::parse("1.x").is_err());
    }

    fn undo_file(version: &str, description: &str, checksum: i32) -> Resolved {
        Resolved {
            migration_type: "UNDO_SQL",
            path: PathBuf::from(format!("/m/U{version}.sql")),
            ..v(version, description, checksum)
        }
    }

    fn teams(resolved: Vec<Resolved>, rows: Vec<HistoryRow>) -> Status {
        compare_to(
            resolved,
            rows,
            &default_patterns(),
            false,
            &Target::Latest,
            Edition::Teams,
        )
    }

    /// Issue #12 row 19, Teams: the V row a later UNDO_SQL row took back is "Undone" and never
    /// checked, the file pending again, the undo row matched with its U file ("Success"); an
    /// unapplied U file is "Available", left out of info (MigrationInfoImpl.getState / validate,
    /// CommandResultFactory.removeAvailableUndoMigrations).
    #[test]
    fn teams_undo_row_makes_its_version_undone_and_pending() {
        let files = || {
            vec![
                v("1", "a", 1),
                v("2", "b", 2),
                undo_file("1", "a", 11),
                undo_file("2", "b", 12),
            ]
        };
        let rows = || {
            vec![
                row(1, Some("1"), "a", 1),
                row(2, Some("2"), "b", 2),
                typed(row(3, Some("2"), "b", 12), "UNDO_SQL"),
            ]
        };
        let status = teams(files(), rows());
        assert_eq!(
            states(&status),
            vec![
                (Some("1".into()), "Success"),
                (Some("2".into()), "Undone"),
                (Some("2".into()), "Success"),
                (Some("2".into()), "Pending"),
            ]
        );
        assert_eq!(
            status.failure_message().unwrap(),
            format!("{VALIDATE_FAILED}\nDetected resolved migration not applied to database: 2.\nTo fix this error, either run migrate, or set -ignoreMigrationPatterns='*:pending'.\n{VALIDATE_HINT}")
        );
        // The file edited after the undo: no checksum claim against the undone row.
        let mut edited = files();
        edited[1].checksum = Some(99);
        let status = teams(edited, rows());
        assert_eq!(
            status.errors.iter().map(|e| e.code).collect::<Vec<_>>(),
            vec![ErrorCode::ResolvedVersionedMigrationNotApplied]
        );
        // Re-applied after the undo: Success again, nothing pending.
        let mut again = rows();
        again.push(row(4, Some("2"), "b", 2));
        let status = teams(files(), again);
        assert!(status.errors.is_empty(), "{:?}", status.errors);
        assert_eq!(status.infos[1].state, State::Undone);
        assert_eq!(status.infos[3].state, State::Success);
        // An undo row whose U file is gone is Missing, but never "not resolved locally", and
        // an undo row is not compared with its file (MigrationInfoImpl.validate: isUndo).
        let mut both = rows();
        both.push(typed(row(4, Some("1"), "a", 11), "UNDO_SQL"));
        let mut changed_u2 = undo_file("2", "b", 13);
        changed_u2.description = "other".into();
        let status = teams(vec![v("1", "a", 1), v("2", "b", 2), changed_u2], both);
        assert_eq!(status.infos[0].state, State::Undone);
        assert_eq!(status.infos[2].state, State::Success);
        assert_eq!(status.infos[3].state, State::MissingSuccess);
        assert_eq!(
            status
                .errors
                .iter()
                .map(|e| e.message.lines().next().unwrap())
                .collect::<Vec<_>>(),
            vec![
                "Detected resolved migration not applied to database: 1.",
                "Detected resolved migration not applied to database: 2.",
            ]
        );
    }

    /// Issue #12 row 19, Community: CoreMigrationType has no UNDO_SQL, so reading the history
    /// fails (`CoreMigrationType.fromString` → `Enum.valueOf`), printed by `Main` as the
    /// exception; UNDO_SCRIPT is a Community type and an ordinary row.
    #[test]
    fn community_cannot_read_an_undo_sql_row() {
        let rows = vec![
            row(1, Some("1"), "a", 1),
            typed(row(2, Some("1"), "a", 11), "UNDO_SQL"),
        ];
        let status = compare(vec![v("1", "a", 1)], rows, &default_patterns(), false);
        assert_eq!(
            status.failure_message().unwrap(),
            "java.lang.IllegalArgumentException: No enum constant org.flywaydb.core.api.CoreMigrationType.UNDO_SQL"
        );
        let status = compare(
            vec![v("1", "a", 1)],
            vec![
                row(1, Some("1"), "a", 1),
                typed(row(2, Some("1"), "a", 11), "UNDO_SCRIPT"),
            ],
            &default_patterns(),
            false,
        );
        assert!(status.errors.iter().all(|e| e.code != ErrorCode::Error));
        assert_eq!(status.infos[0].state, State::Success);
    }

    /// Found by the differential test (tests/e2e/differential.rs): `markAsDeleted` takes the
    /// latest row of the version; when that one is already deleted the history is corrupted
    /// and `refresh` throws (MigrationInfoServiceImpl, DUPLICATE_DELETED_MIGRATION). The tool
    /// used to mark an earlier row instead.
    #[test]
    fn a_second_delete_row_of_one_version_is_a_corrupted_history() {
        let delete = |rank| typed(row(rank, Some("2"), "b", 2), "DELETE");
        let status = compare(
            vec![v("1", "a", 1), v("2", "b", 2)],
            vec![
                row(1, Some("2"), "b", 2),
                row(2, Some("2"), "b", 2),
                delete(3),
                delete(4),
            ],
            &default_patterns(),
            false,
        );
        assert_eq!(
            status.failure_message().unwrap(),
            "Corrupted schema history: multiple delete entries for version 2"
        );
        // Deleted, applied again, deleted again: each DELETE takes its own row.
        let status = compare(
            vec![v("2", "b", 2)],
            vec![
                row(1, Some("2"), "b", 2),
                delete(2),
                row(3, Some("2"), "b", 2),
                delete(4),
            ],
            &default_patterns(),
            false,
        );
        assert!(status.errors.iter().all(|e| e.code != ErrorCode::Error));
    }

    /// Found by the differential test: `target=current` is the last applied version, `EMPTY`
    /// when nothing is applied, and every version compares above `EMPTY`
    /// (MigrationInfoServiceImpl.refresh, ResolvedMigration.getState): nothing is pending.
    #[test]
    fn target_current_with_nothing_applied_puts_every_file_above_it() {
        let status = compare_to(
            vec![v("1", "a", 1), v("2", "b", 2), r("views", 3, 3)],
            vec![],
            &default_patterns(),
            false,
            &Target::Current,
            Edition::Community,
        );
        assert_eq!(
            states(&status),
            vec![
                (Some("1".into()), "Above Target"),
                (Some("2".into()), "Above Target"),
                (None, "Pending"),
            ]
        );
    }

    #[test]
    fn clean_history_validates() {
        let status = compare(
            vec![v("1", "init", 10), v("2", "users", 20)],
            vec![
                row(1, Some("1"), "init", 10),
                row(2, Some("2"), "users", 20),
            ],
            &default_patterns(),
            false,
        );
        assert!(status.errors.is_empty(), "{:?}", status.errors);
        assert_eq!(status.failure_message(), None);
    }

    #[test]
    fn every_category_has_flywayss_message() {
        let mut failed = row(4, Some("4"), "broken", 40);
        failed.success = false;
        let status = compare(
            vec![
                v("1", "init", 11),    // checksum changed
                v("1.5", "late", 15),  // below the last applied: ignored
                v("2", "renamed", 20), // description changed
                v("4", "broken", 40),
                v("6", "new", 60),  // pending
                r("views", 70, 71), // outdated
            ],
            vec![
                row(1, Some("1"), "init", 10),
                row(2, Some("2"), "users", 20),
                row(3, Some("3"), "gone", 30), // missing locally
                failed,
                row(5, None, "views", 69),
            ],
            &default_patterns(),
            false,
        );
        let messages: Vec<&str> = status.errors.iter().map(|e| e.message.as_str()).collect();
        assert_eq!(
            messages,
            vec![
                "Migration checksum mismatch for migration version 1\n-> Applied to database : 10\n-> Resolved locally    : 11\nEither revert the changes to the migration, or run repair to update the schema history.",
                "Migration description mismatch for migration version 2\n-> Applied to database : users\n-> Resolved locally    : renamed\nEither revert the changes to the migration, or run repair to update the schema history.",
                "Detected applied migration not resolved locally: 3.\nIf you removed this migration intentionally, run repair to mark the migration as deleted.",
                "Detected failed migration to version 4 (broken).\nPlease remove any half-completed changes then run repair to fix the schema history.",
                "Detected outdated resolved repeatable migration that should be re-applied to database: views.\nRun migrate to execute this migration.",
                // MigrationInfoImpl.compareTo: the applied rows first, then the rest by version.
                "Detected resolved migration not applied to database: 1.5.\nTo ignore this migration, set -ignoreMigrationPatterns='*:ignored'. To allow executing this migration, set -outOfOrder=true.",
                "Detected resolved migration not applied to database: 6.\nTo fix this error, either run migrate, or set -ignoreMigrationPatterns='*:pending'.",
                "Detected resolved repeatable migration not applied to database: views.\nTo fix this error, either run migrate, or set -ignoreMigrationPatterns='*:pending'.",
            ]
        );
        assert_eq!(
            states(&status)
                .iter()
                .map(|(v, s)| format!("{}:{s}", v.clone().unwrap_or_default()))
                .collect::<Vec<_>>(),
            vec![
                "1:Success",
                "2:Success",
                "3:Missing",
                "4:Failed",
                ":Outdated",
                "1.5:Ignored",
                "6:Pending",
                ":Pending",
            ]
        );
        let message = status.failure_message().unwrap();
        assert!(message.starts_with(VALIDATE_FAILED));
        assert!(message.ends_with(VALIDATE_HINT));
    }

    #[test]
    fn patterns_out_of_order_and_raw_repeatable_checksums() {
        // The raw checksum of a repeatable is accepted too.
        let status = compare(
            vec![v("1", "a", 1), v("2", "b", 2), r("views", 70, 71)],
            vec![row(1, Some("2"), "b", 2), row(2, None, "views", 71)],
            &[IgnorePattern::parse("*:ignored").unwrap()],
            false,
        );
        assert!(status.errors.is_empty(), "{:?}", status.errors);
        assert_eq!(
            states(&status),
            vec![
                (Some("2".into()), "Success"),
                (None, "Success"),
                (Some("1".into()), "Ignored")
            ]
        );
        // outOfOrder: the lower version is pending, not ignored; applied later: Out of Order.
        let status = compare(
            vec![v("1", "a", 1), v("2", "b", 2)],
            vec![row(1, Some("2"), "b", 2)],
            &default_patterns(),
            true,
        );
        assert_eq!(
            status.errors[0].code,
            ErrorCode::ResolvedVersionedMigrationNotApplied
        );
        assert!(status.errors[0].message.contains("either run migrate"));
        let status = compare(
            vec![v("1", "a", 1), v("2", "b", 2)],
            vec![row(1, Some("2"), "b", 2), row(2, Some("1"), "a", 1)],
            &default_patterns(),
            true,
        );
        assert_eq!(status.infos[1].state, State::OutOfOrder);
        assert!(status.errors.is_empty());
        // A row newer than every file is Future: passes under the default `*:future`...
        let status = compare(
            vec![v("1", "a", 1)],
            vec![row(1, Some("1"), "a", 1), row(2, Some("2"), "b", 2)],
            &default_patterns(),
            false,
        );
        assert!(status.errors.is_empty(), "{:?}", status.errors);
        assert_eq!(status.infos[1].state, State::FutureSuccess);
        // ...and is an error without it.
        let status = compare(
            vec![v("1", "a", 1)],
            vec![row(1, Some("1"), "a", 1), row(2, Some("2"), "b", 2)],
            &[],
            false,
        );
        assert_eq!(
            status.errors[0].code,
            ErrorCode::AppliedVersionedMigrationNotResolved
        );
        // `*:missing` lets a deleted file pass.
        let status = compare(
            vec![v("2", "b", 2)],
            vec![row(1, Some("1"), "a", 1), row(2, Some("2"), "b", 2)],
            &[IgnorePattern::parse("*:missing").unwrap()],
            false,
        );
        assert!(status.errors.is_empty(), "{:?}", status.errors);
    }

    #[test]
    fn baseline_rows_and_versions_compare_like_flyway() {
        let baseline = HistoryRow {
            migration_type: "BASELINE".into(),
            description: "<< Flyway Baseline >>".into(),
            script: "<< Flyway Baseline >>".into(),
            checksum: None,
            ..row(1, Some("2"), "", 0)
        };
        let status = compare(
            // 1 is below the baseline; the V file of the baseline version (2.0 = 2) is not the
            // marker's type, so it is not matched with it: Ignored (Baseline), no error
            // (`ResolvedMigration.getState`).
            vec![v("1", "old", 1), v("2.0", "base", 2), v("3", "next", 3)],
            vec![baseline, row(2, Some("3"), "next", 3)],
            &default_patterns(),
            false,
        );
        assert!(status.errors.is_empty(), "{:?}", status.errors);
        assert_eq!(
            states(&status).iter().map(|(_, s)| *s).collect::<Vec<_>>(),
            // MigrationInfoImpl.compareTo (2024): Ignored (Baseline) before the applied rows.
            vec![
                "Below Baseline",
                "Ignored (Baseline)",
                "Baseline",
                "Success"
            ]
        );
        // A repair-deleted row is not reported missing.
        let mut delete = row(3, Some("1"), "gone", 0);
        delete.migration_type = "DELETE".into();
        let status = compare(
            vec![v("2", "b", 2)],
            vec![
                row(1, Some("1"), "gone", 1),
                row(2, Some("2"), "b", 2),
                delete,
            ],
            &default_patterns(),
            false,
        );
        assert!(status.errors.is_empty(), "{:?}", status.errors);
        assert_eq!(status.infos[0].state, State::Deleted);
    }

    /// Issue #12 row 24: FlywayValidateException joins the errors' whole messages, so the hint
    /// line repeats after every error; a missing schema is DbValidate's one error.
    #[test]
    fn failure_message_repeats_each_errors_hint() {
        let status = compare(
            vec![v("1", "a", 1), v("2", "b", 2)],
            vec![],
            &default_patterns(),
            false,
        );
        assert_eq!(
            status.failure_message().unwrap(),
            format!("{VALIDATE_FAILED}\nDetected resolved migration not applied to database: 1.\nTo fix this error, either run migrate, or set -ignoreMigrationPatterns='*:pending'.\nDetected resolved migration not applied to database: 2.\nTo fix this error, either run migrate, or set -ignoreMigrationPatterns='*:pending'.\n{VALIDATE_HINT}")
        );
        let mut missing = compare(vec![v("1", "a", 1)], vec![], &default_patterns(), false);
        missing.schema_missing("\"app\"", &default_patterns());
        assert_eq!(
            missing.failure_message().unwrap(),
            format!("Validate failed: Schema \"app\" doesn't exist yet\n\n{VALIDATE_HINT}")
        );
        assert_eq!(missing.errors[0].code.name(), "SCHEMA_DOES_NOT_EXIST");
        // Nothing to migrate, or pending migrations allowed: no error.
        let mut empty = compare(vec![], vec![], &default_patterns(), false);
        empty.schema_missing("\"app\"", &default_patterns());
        assert!(empty.errors.is_empty());
        let pending = [IgnorePattern::parse("*:pending").unwrap()];
        let mut allowed = compare(vec![v("1", "a", 1)], vec![], &pending, false);
        allowed.schema_missing("\"app\"", &pending);
        assert!(allowed.errors.is_empty());
    }

    #[test]
    fn long_descriptions_are_abbreviated() {
        let long = "x".repeat(250);
        assert_eq!(abbreviate_description(&long).chars().count(), 200);
        assert!(abbreviate_description(&long).ends_with("..."));
        let status = compare(
            vec![v("1", &long, 1)],
            vec![row(1, Some("1"), &abbreviate_description(&long), 1)],
            &default_patterns(),
            false,
        );
        assert!(status.errors.is_empty());
    }
}
