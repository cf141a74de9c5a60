//! Flyway's view of a folder against its schema history: the state of every migration (what
//! `flyway info` shows) and the errors `flyway validate` reports, with Flyway's own texts.
//!
//! Pure: the rows come in as values (read by [`super::client`]), so every rule here is unit
//! tested without a database. The order of the checks follows Flyway's `MigrationInfoImpl`:
//! ignore patterns, failed, applied-but-not-resolved, ignored, pending, outdated, then the
//! type / checksum / description mismatches (first one wins).

use std::collections::HashMap;
use std::path::PathBuf;

use super::settings::IgnorePattern;
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
    /// `SQL` or `SQL_BASELINE`.
    pub migration_type: &'static str,
    /// For repeatables with placeholder replacement: over the replaced text.
    pub checksum: i32,
    /// The raw text's checksum, also accepted (Flyway's "equivalent checksum").
    pub equivalent_checksum: Option<i32>,
    pub path: PathBuf,
}

impl Resolved {
    fn checksum_matches(&self, applied: Option<i32>) -> bool {
        match applied {
            None => false,
            Some(c) => c == self.checksum || Some(c) == self.equivalent_checksum,
        }
    }
}

/// Flyway's `MigrationState`, with its display names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum State {
    Pending,
    AboveTarget,
    BelowBaseline,
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
}

impl State {
    pub fn name(self) -> &'static str {
        match self {
            State::Pending => "Pending",
            State::AboveTarget => "Above Target",
            State::BelowBaseline => "Below Baseline",
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
            State::Pending | State::AboveTarget | State::BelowBaseline | State::Ignored
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
        }
    }
}

/// One validation failure, with the file it concerns when there is one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidateError {
    pub code: ErrorCode,
    pub message: String,
    pub path: Option<PathBuf>,
    /// Index into [`Status::infos`].
    pub info: usize,
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
    /// Flyway's message for a failed validate: the header, each error, repeated hint lines
    /// printed once (as Flyway prints them).
    pub fn failure_message(&self) -> Option<String> {
        if self.errors.is_empty() {
            return None;
        }
        let mut lines: Vec<&str> = vec![VALIDATE_FAILED];
        let mut seen_hints = std::collections::HashSet::new();
        for error in &self.errors {
            for (i, line) in error.message.lines().enumerate() {
                // Only the hint lines repeat; a detail line always prints.
                if i > 0 && !line.starts_with("->") && !seen_hints.insert(line) {
                    continue;
                }
                lines.push(line);
            }
        }
        lines.push(VALIDATE_HINT);
        Some(lines.join("\n"))
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

fn is_undo(migration_type: &str) -> bool {
    migration_type.starts_with("UNDO_")
}

/// Compares `resolved` with the history `rows` (any order) under `patterns` and `out_of_order`.
pub fn compare(
    resolved: Vec<Resolved>,
    mut rows: Vec<HistoryRow>,
    patterns: &[IgnorePattern],
    out_of_order: bool,
) -> Status {
    rows.sort_by_key(|r| r.installed_rank);
    let covers = |state: &str| patterns.iter().any(|p| p.covers_state(state));
    let (ignore_missing, ignore_future, ignore_ignored, ignore_pending) = (
        covers("missing"),
        covers("future"),
        covers("ignored"),
        covers("pending"),
    );

    // Versions marked deleted by `repair` (rows of type DELETE), and undone ones.
    let mut deleted: HashMap<Version, i32> = HashMap::new();
    for row in &rows {
        if row.migration_type == "DELETE" || is_undo(&row.migration_type) {
            if let Some(v) = row_version(row) {
                deleted.insert(v, row.installed_rank);
            }
        }
    }
    let versioned_rows: Vec<usize> = (0..rows.len())
        .filter(|&i| {
            let row = &rows[i];
            row.migration_type != "DELETE" && !is_undo(&row.migration_type)
        })
        .collect();

    // Context, as Flyway computes it.
    let baseline: Option<Version> = rows
        .iter()
        .filter(|r| r.migration_type == "BASELINE")
        .filter_map(row_version)
        .max();
    let has_applied_versions = versioned_rows
        .iter()
        .any(|&i| rows[i].migration_type != "SCHEMA" && row_version(&rows[i]).is_some());
    let last_applied: Option<Version> = versioned_rows
        .iter()
        .filter(|&&i| rows[i].migration_type != "SCHEMA")
        .filter_map(|&i| row_version(&rows[i]))
        .filter(|v| !deleted.contains_key(v))
        .max();
    let last_resolved: Option<Version> = resolved.iter().filter_map(|r| r.version.clone()).max();
    let mut latest_repeatable: HashMap<&str, i32> = HashMap::new();
    for row in &rows {
        if row.version.as_deref().is_none_or(str::is_empty) && !is_synthetic(&row.migration_type) {
            latest_repeatable.insert(row.description.as_str(), row.installed_rank);
        }
    }

    // Baseline migrations (B files) only count on an empty history; otherwise V files do.
    let mut resolved_by_version: HashMap<Version, usize> = HashMap::new();
    let mut resolved_by_description: HashMap<String, usize> = HashMap::new();
    for (i, r) in resolved.iter().enumerate() {
        match &r.version {
            Some(v) => {
                let is_baseline_file = r.migration_type == "SQL_BASELINE";
                match resolved_by_version.get(v) {
                    Some(&other) => {
                        let other_is_baseline = resolved[other].migration_type == "SQL_BASELINE";
                        // With history: V wins over B; without: B wins.
                        if other_is_baseline != is_baseline_file
                            && (is_baseline_file != has_applied_versions)
                        {
                            resolved_by_version.insert(v.clone(), i);
                        }
                    }
                    None => {
                        resolved_by_version.insert(v.clone(), i);
                    }
                }
            }
            None => {
                resolved_by_description
                    .entry(abbreviate_description(&r.description))
                    .or_insert(i);
            }
        }
    }
    // On an empty history the newest baseline migration replaces everything up to it.
    let baseline_file_version: Option<Version> = if has_applied_versions {
        None
    } else {
        resolved
            .iter()
            .filter(|r| r.migration_type == "SQL_BASELINE")
            .filter_map(|r| r.version.clone())
            .max()
    };

    let mut infos: Vec<Info> = Vec::new();
    let mut used_resolved = vec![false; resolved.len()];
    let mut max_applied_so_far: Option<Version> = None;
    for &i in &versioned_rows {
        let row = &rows[i];
        let version = row_version(row);
        let is_repeatable_row =
            row.version.as_deref().is_none_or(str::is_empty) && !is_synthetic(&row.migration_type);
        let resolved_index = if let Some(v) = &version {
            if row.migration_type == "SCHEMA" {
                None
            } else {
                resolved_by_version.get(v).copied()
            }
        } else if is_repeatable_row {
            resolved_by_description.get(&row.description).copied()
        } else {
            None
        };
        if let Some(r) = resolved_index {
            used_resolved[r] = true;
        }
        let state = if version.as_ref().is_some_and(|v| {
            deleted
                .get(v)
                .is_some_and(|&rank| rank > row.installed_rank)
        }) {
            State::Deleted
        } else if row.migration_type == "BASELINE" {
            State::Baseline
        } else if row.migration_type == "SCHEMA" {
            State::Success
        } else {
            match resolved_index {
                None => {
                    let is_missing = match (&version, &last_resolved) {
                        (None, _) => true,
                        (Some(v), Some(last)) => v < last,
                        (Some(_), None) => false,
                    };
                    match (is_missing, row.success) {
                        (true, true) => State::MissingSuccess,
                        (true, false) => State::MissingFailed,
                        (false, true) => State::FutureSuccess,
                        (false, false) => State::FutureFailed,
                    }
                }
                Some(r) => {
                    if !row.success {
                        State::Failed
                    } else if version.is_none() {
                        if latest_repeatable.get(row.description.as_str())
                            == Some(&row.installed_rank)
                        {
                            if resolved[r].checksum_matches(row.checksum) {
                                State::Success
                            } else {
                                State::Outdated
                            }
                        } else {
                            State::Superseded
                        }
                    } else if max_applied_so_far
                        .as_ref()
                        .is_some_and(|m| version.as_ref().is_some_and(|v| v < m))
                    {
                        State::OutOfOrder
                    } else {
                        State::Success
                    }
                }
            }
        };
        if let Some(v) = &version {
            if row.migration_type != "SCHEMA" && max_applied_so_far.as_ref().is_none_or(|m| v > m) {
                max_applied_so_far = Some(v.clone());
            }
        }
        infos.push(Info {
            resolved: resolved_index,
            applied: Some(i),
            state,
        });
    }

    // Resolved migrations that were not applied.
    let mut unapplied_versioned: Vec<Info> = Vec::new();
    let mut pending_repeatable: Vec<Info> = Vec::new();
    for (i, r) in resolved.iter().enumerate() {
        match &r.version {
            Some(v) => {
                if used_resolved[i] || resolved_by_version.get(v) != Some(&i) {
                    continue;
                }
                let state = if let Some(b) = baseline_file_version.as_ref().filter(|b| v <= *b) {
                    if v == b {
                        State::Pending
                    } else {
                        State::BelowBaseline
                    }
                } else if r.migration_type == "SQL_BASELINE" {
                    // A baseline migration on a history that has versions: not used.
                    continue;
                } else if baseline.as_ref().is_some_and(|b| v < b) {
                    State::BelowBaseline
                } else if last_applied.as_ref().is_some_and(|l| v < l) && !out_of_order {
                    State::Ignored
                } else {
                    State::Pending
                };
                unapplied_versioned.push(Info {
                    resolved: Some(i),
                    applied: None,
                    state,
                });
            }
            None => {
                if resolved_by_description.get(&abbreviate_description(&r.description)) != Some(&i)
                {
                    continue;
                }
                // Pending unless its latest run succeeded with the same checksum.
                let latest = latest_repeatable
                    .get(abbreviate_description(&r.description).as_str())
                    .and_then(|rank| rows.iter().find(|row| row.installed_rank == *rank));
                let up_to_date =
                    latest.is_some_and(|row| row.success && r.checksum_matches(row.checksum));
                if !up_to_date {
                    pending_repeatable.push(Info {
                        resolved: Some(i),
                        applied: None,
                        state: State::Pending,
                    });
                }
            }
        }
    }
    unapplied_versioned.sort_by(|a, b| {
        resolved[a.resolved.unwrap_or(0)]
            .version
            .cmp(&resolved[b.resolved.unwrap_or(0)].version)
    });
    // Below-baseline first; ignored ones among the applied rows by version; pending after.
    let mut ordered: Vec<Info> = unapplied_versioned
        .iter()
        .filter(|i| i.state == State::BelowBaseline)
        .cloned()
        .collect();
    let ignored: Vec<&Info> = unapplied_versioned
        .iter()
        .filter(|i| i.state == State::Ignored)
        .collect();
    let mut ignored_iter = ignored.into_iter().peekable();
    for info in infos {
        if let Some(v) = info.applied.and_then(|a| row_version(&rows[a])) {
            while let Some(next) = ignored_iter.peek() {
                let nv = resolved[next.resolved.unwrap_or(0)].version.as_ref();
                if nv.is_some_and(|nv| nv < &v) {
                    ordered.push((*next).clone());
                    ignored_iter.next();
                } else {
                    break;
                }
            }
        }
        ordered.push(info);
    }
    ordered.extend(ignored_iter.cloned());
    ordered.extend(
        unapplied_versioned
            .iter()
            .filter(|i| i.state == State::Pending)
            .cloned(),
    );
    pending_repeatable.sort_by(|a, b| {
        resolved[a.resolved.unwrap_or(0)]
            .description
            .cmp(&resolved[b.resolved.unwrap_or(0)].description)
    });
    ordered.extend(pending_repeatable);

    let mut status = Status {
        resolved,
        rows,
        infos: ordered,
        errors: Vec::new(),
    };
    let flags = Flags {
        missing: ignore_missing,
        future: ignore_future,
        ignored: ignore_ignored,
        pending: ignore_pending,
    };
    let mut errors = Vec::new();
    for (index, info) in status.infos.iter().enumerate() {
        if let Some((code, message)) = validate_one(&status, info, patterns, &flags, &baseline) {
            errors.push(ValidateError {
                code,
                message,
                path: info.resolved.map(|r| status.resolved[r].path.clone()),
                info: index,
            });
        }
    }
    status.errors = errors;
    status
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
        State::AboveTarget | State::Deleted | State::BelowBaseline
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
    if row.migration_type == "DELETE" {
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
                &resolved.checksum.to_string(),
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
            checksum,
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
            checksum,
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
                "Detected resolved migration not applied to database: 1.5.\nTo ignore this migration, set -ignoreMigrationPatterns='*:ignored'. To allow executing this migration, set -outOfOrder=true.",
                "Migration description mismatch for migration version 2\n-> Applied to database : users\n-> Resolved locally    : renamed\nEither revert the changes to the migration, or run repair to update the schema history.",
                "Detected applied migration not resolved locally: 3.\nIf you removed this migration intentionally, run repair to mark the migration as deleted.",
                "Detected failed migration to version 4 (broken).\nPlease remove any half-completed changes then run repair to fix the schema history.",
                "Detected outdated resolved repeatable migration that should be re-applied to database: views.\nRun migrate to execute this migration.",
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
                "1.5:Ignored",
                "2:Success",
                "3:Missing",
                "4:Failed",
                ":Outdated",
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
        assert_eq!(status.infos[0].state, State::Ignored);
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
            // 1 is below the baseline; 2.0 equals the baseline version 2 (not a mismatch).
            vec![v("1", "old", 1), v("2.0", "base", 2), v("3", "next", 3)],
            vec![baseline, row(2, Some("3"), "next", 3)],
            &default_patterns(),
            false,
        );
        assert!(status.errors.is_empty(), "{:?}", status.errors);
        assert_eq!(
            states(&status).iter().map(|(_, s)| *s).collect::<Vec<_>>(),
            vec!["Below Baseline", "Baseline", "Success"]
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

    #[test]
    fn failure_message_prints_repeated_hints_once() {
        let status = compare(
            vec![v("1", "a", 1), v("2", "b", 2)],
            vec![],
            &default_patterns(),
            false,
        );
        assert_eq!(
            status.failure_message().unwrap(),
            format!("{VALIDATE_FAILED}\nDetected resolved migration not applied to database: 1.\nTo fix this error, either run migrate, or set -ignoreMigrationPatterns='*:pending'.\nDetected resolved migration not applied to database: 2.\n{VALIDATE_HINT}")
        );
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
