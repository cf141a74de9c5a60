//! Migration file names, parsed exactly as Flyway's `ResourceNameParser` does.
//!
//! Flyway strips the first configured suffix the name ends with (in any case), then takes the longest prefix
//! the name starts with (callback event names such as `afterMigrate` first, then `V`, `B`, `R`,
//! `U`; matching is case-sensitive), splits the rest at the first separator (`__`) into version
//! and description, and checks that versioned kinds have a parseable version and repeatables and
//! callbacks have none. Names that fail are skipped silently by `migrate` unless
//! `validateMigrationNaming` is on; the messages here are Flyway's own.

use crate::config::FlywaySettings;
use crate::version::{Version, VersionError};

/// Flyway's callback event ids (`org.flywaydb.core.api.callback.Event`; the list of events in
/// Flyway's own documentation, `documentation/Reference/Callback Events.md`, adds the deploy and
/// connect events and `beforeCreateSchema`).
pub const CALLBACK_EVENTS: &[&str] = &[
    "beforeClean",
    "afterClean",
    "afterCleanError",
    "beforeMigrate",
    "beforeEachMigrate",
    "beforeEachMigrateStatement",
    "afterEachMigrateStatement",
    "afterEachMigrateStatementError",
    "afterEachMigrate",
    "afterEachMigrateError",
    "beforeRepeatables",
    "afterVersioned",
    "afterMigrateApplied",
    "afterMigrate",
    "afterMigrateError",
    "beforeUndo",
    "beforeEachUndo",
    "beforeEachUndoStatement",
    "afterEachUndoStatement",
    "afterEachUndoStatementError",
    "afterEachUndo",
    "afterEachUndoError",
    "afterUndo",
    "afterUndoError",
    "beforeValidate",
    "afterValidate",
    "afterValidateError",
    "beforeBaseline",
    "afterBaseline",
    "afterBaselineError",
    "beforeRepair",
    "afterRepair",
    "afterRepairError",
    "beforeInfo",
    "afterInfo",
    "afterInfoError",
    "beforeDeploy",
    "afterDeploy",
    "afterDeployError",
    "afterMigrateOperationFinish",
    "afterInfoOperationFinish",
    "createSchema",
    "beforeCreateSchema",
    "beforeConnect",
    "afterConnect",
];

/// What a file is to Flyway.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Kind {
    Versioned,
    Baseline,
    Repeatable,
    Undo,
    Callback,
}

impl Kind {
    /// Whether Flyway requires a version for this kind.
    pub fn is_versioned(self) -> bool {
        matches!(self, Kind::Versioned | Kind::Baseline | Kind::Undo)
    }

    /// Flyway's word for the kind (`flyway info` "Category"/"Type" wording).
    pub fn name(self) -> &'static str {
        match self {
            Kind::Versioned => "Versioned",
            Kind::Baseline => "Baseline",
            Kind::Repeatable => "Repeatable",
            Kind::Undo => "Undo",
            Kind::Callback => "Callback",
        }
    }
}

/// Why Flyway rejects a name whose prefix and suffix it recognised.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NameProblem {
    /// A versioned kind with nothing before the separator (`V__init.sql`).
    MissingVersion,
    /// Text before the separator that is not a version (`V1_init.sql`, `V1-2__x.sql`).
    InvalidVersion(VersionError),
    /// A repeatable migration or callback with text before the separator (`R1__views.sql`).
    VersionNotAllowed,
}

/// A name Flyway recognised by prefix and suffix.
#[derive(Debug, Clone)]
pub struct ResourceName {
    pub file_name: String,
    pub prefix: String,
    pub kind: Kind,
    /// Text between prefix and separator (the whole rest when there is no separator).
    pub version_text: String,
    pub separator_found: bool,
    /// Text after the separator, underscores kept (`add_users`).
    pub raw_description: String,
    pub suffix: String,
    /// The parsed version, for valid versioned names.
    pub version: Option<Version>,
    pub problem: Option<NameProblem>,
}

impl ResourceName {
    pub fn is_valid(&self) -> bool {
        self.problem.is_none()
    }

    /// The description as Flyway reports and stores it: underscores become spaces.
    pub fn description(&self) -> String {
        self.raw_description.replace('_', " ")
    }

    /// Flyway's validation message for an invalid name.
    pub fn flyway_message(&self, settings: &FlywaySettings) -> Option<String> {
        let example_description = if self.raw_description.is_empty() {
            "description"
        } else {
            &self.raw_description
        };
        let separator = &settings.sql_migration_separator;
        let suffix = &self.suffix;
        Some(match self.problem.as_ref()? {
            NameProblem::MissingVersion => format!(
                "Invalid versioned migration name format: {} (It must contain a version and should look like this: {}1.2{separator}{example_description}{suffix})",
                self.file_name, self.prefix
            ),
            NameProblem::InvalidVersion(_) => format!(
                "Invalid versioned migration name format: {} (could not recognise version number {})",
                self.file_name, self.version_text
            ),
            NameProblem::VersionNotAllowed => format!(
                "Invalid repeatable migration / callback name format: {} (It cannot contain a version and should look like this: {}{separator}{example_description}{suffix})",
                self.file_name, self.prefix
            ),
        })
    }
}

/// How Flyway classifies a file name.
#[derive(Debug, Clone)]
pub enum Classified {
    /// The name does not end with an SQL migration suffix: Flyway does not read it as SQL.
    NotSql,
    /// An SQL suffix but no known prefix: "Unrecognised migration name format".
    Unrecognised { suffix: String },
    /// A recognised prefix and suffix (valid or not; see [`ResourceName::problem`]).
    Named(ResourceName),
}

/// The parser, built once from the Flyway settings.
#[derive(Debug, Clone)]
pub struct NameParser {
    prefixes: Vec<(String, Kind)>,
    separator: String,
    suffixes: Vec<String>,
}

impl NameParser {
    pub fn new(settings: &FlywaySettings) -> NameParser {
        let mut prefixes = vec![
            (settings.sql_migration_prefix.clone(), Kind::Versioned),
            (settings.baseline_migration_prefix.clone(), Kind::Baseline),
            (
                settings.repeatable_sql_migration_prefix.clone(),
                Kind::Repeatable,
            ),
            (settings.undo_sql_migration_prefix.clone(), Kind::Undo),
        ];
        prefixes.extend(
            CALLBACK_EVENTS
                .iter()
                .map(|e| (e.to_string(), Kind::Callback)),
        );
        // Longest first, as Flyway sorts them; a stable sort keeps V, B, R, U in that order.
        prefixes.sort_by_key(|p| std::cmp::Reverse(p.0.len()));
        NameParser {
            prefixes,
            separator: settings.sql_migration_separator.clone(),
            suffixes: settings.sql_migration_suffixes.clone(),
        }
    }

    pub fn suffixes(&self) -> &[String] {
        &self.suffixes
    }

    pub fn separator(&self) -> &str {
        &self.separator
    }

    /// The prefix configured for a kind (callbacks have none).
    pub fn prefix_of(&self, kind: Kind) -> Option<&str> {
        if kind == Kind::Callback {
            return None;
        }
        self.prefixes
            .iter()
            .find(|(_, k)| *k == kind)
            .map(|(p, _)| p.as_str())
    }

    /// The configured suffix `file_name` ends with, compared without regard to case as Flyway's
    /// scanner (`StringUtils.startsAndEndsWith`: `toUpperCase().endsWith`) and
    /// `ResourceNameParser` do: `V1__x.SQL` is a migration. (Flyway before that compared case
    /// and ignored such files: the `wrong-suffix` rule says so.)
    pub fn sql_suffix(&self, file_name: &str) -> Option<&String> {
        self.suffixes.iter().find(|s| {
            file_name.len() >= s.len()
                && file_name.is_char_boundary(file_name.len() - s.len())
                && file_name[file_name.len() - s.len()..].eq_ignore_ascii_case(s)
        })
    }

    pub fn classify(&self, file_name: &str) -> Classified {
        let Some(suffix) = self.sql_suffix(file_name) else {
            return Classified::NotSql;
        };
        let stem = &file_name[..file_name.len() - suffix.len()];
        let Some((prefix, kind)) = self
            .prefixes
            .iter()
            .find(|(p, _)| stem.starts_with(p.as_str()))
        else {
            return Classified::Unrecognised {
                suffix: suffix.clone(),
            };
        };
        let rest = &stem[prefix.len()..];
        let (version_text, raw_description, separator_found) = match rest.find(&self.separator) {
            Some(i) => (&rest[..i], &rest[i + self.separator.len()..], true),
            None => (rest, "", false),
        };
        let mut version = None;
        let problem = if kind.is_versioned() {
            if version_text.is_empty() {
                Some(NameProblem::MissingVersion)
            } else {
                match Version::parse(version_text) {
                    Ok(v) => {
                        version = Some(v);
                        None
                    }
                    Err(e) => Some(NameProblem::InvalidVersion(e)),
                }
            }
        } else if !version_text.is_empty() {
            Some(NameProblem::VersionNotAllowed)
        } else {
            None
        };
        Classified::Named(ResourceName {
            file_name: file_name.to_string(),
            prefix: prefix.clone(),
            kind: *kind,
            version_text: version_text.to_string(),
            separator_found,
            raw_description: raw_description.to_string(),
            suffix: suffix.clone(),
            version,
            problem,
        })
    }

    /// True for names with a migration prefix (V/U/R/B as configured, in any case) followed by a
    /// digit or the separator: used to spot migrations that a wrong suffix or case hides.
    pub fn looks_like_migration(&self, file_name: &str) -> bool {
        self.prefixes
            .iter()
            .filter(|(_, kind)| *kind != Kind::Callback)
            .any(|(prefix, _)| {
                let Some(head) = file_name.get(..prefix.len()) else {
                    return false;
                };
                if !head.eq_ignore_ascii_case(prefix) {
                    return false;
                }
                let rest = &file_name[prefix.len()..];
                rest.starts_with(|c: char| c.is_ascii_digit()) || rest.starts_with(&self.separator)
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parser() -> NameParser {
        NameParser::new(&FlywaySettings::default())
    }

    fn named(name: &str) -> ResourceName {
        match parser().classify(name) {
            Classified::Named(n) => n,
            other => panic!("{name}: {other:?}"),
        }
    }

    #[test]
    fn valid_names() {
        let n = named("V1_2__add_users.sql");
        assert_eq!(n.kind, Kind::Versioned);
        assert_eq!(n.version.as_ref().unwrap().raw(), "1.2");
        assert_eq!(n.description(), "add users");
        assert!(n.is_valid());

        let n = named("R__views.sql");
        assert_eq!(n.kind, Kind::Repeatable);
        assert!(n.version.is_none() && n.is_valid());

        assert_eq!(named("U3__x.sql").kind, Kind::Undo);
        assert_eq!(named("B5__baseline.sql").kind, Kind::Baseline);
        assert_eq!(named("afterMigrate.sql").kind, Kind::Callback);
        assert_eq!(named("afterMigrate__grants.sql").kind, Kind::Callback);
        // Every event of Flyway's `Event` names a callback, the newer ones too.
        for event in [
            "afterConnect",
            "beforeConnect",
            "beforeCreateSchema",
            "createSchema",
            "beforeDeploy",
            "afterDeploy",
            "afterDeployError",
            "afterMigrateApplied",
        ] {
            let n = named(&format!("{event}.sql"));
            assert_eq!((n.kind, n.prefix.as_str()), (Kind::Callback, event));
            assert!(n.is_valid(), "{event}");
        }
        assert_eq!(
            named("afterConnect__set_role.sql").description(),
            "set role"
        );
        // The longest callback prefix wins.
        assert_eq!(
            named("afterEachMigrateStatementError.sql").prefix,
            "afterEachMigrateStatementError"
        );

        // The Oro convention: everything after the first separator is description.
        let n = named("V3__AddLenderTable__migration_a1b2c3d4.sql");
        assert_eq!(n.raw_description, "AddLenderTable__migration_a1b2c3d4");
    }

    #[test]
    fn flyway_accepts_these_silently() {
        // No separator: the whole rest is the version, the description is empty.
        let n = named("V1_20210708.sql");
        assert!(n.is_valid());
        assert!(!n.separator_found);
        assert_eq!(n.version.as_ref().unwrap().raw(), "1.20210708");
        // MigrationVersion.fromVersion's special versions are valid names.
        assert!(named("Vnext__x.sql").is_valid());
        assert!(named("VLATEST__x.sql").is_valid());
    }

    #[test]
    fn migration_version_split_makes_a_trailing_dot_invalid() {
        // MigrationVersion splits at `\.(?=\d)` only: Flyway skips these files.
        let settings = FlywaySettings::default();
        for (name, version) in [
            ("V1.__x.sql", "1."),
            ("V1.2.__x.sql", "1.2."),
            ("V1.-2__x.sql", "1.-2"),
        ] {
            let n = named(name);
            assert!(
                matches!(n.problem, Some(NameProblem::InvalidVersion(_))),
                "{name}"
            );
            assert_eq!(
                n.flyway_message(&settings).unwrap(),
                format!("Invalid versioned migration name format: {name} (could not recognise version number {version})")
            );
        }
    }

    #[test]
    fn invalid_names_with_flyway_messages() {
        let settings = FlywaySettings::default();
        let n = named("V1_init.sql");
        assert!(matches!(n.problem, Some(NameProblem::InvalidVersion(_))));
        assert_eq!(
            n.flyway_message(&settings).unwrap(),
            "Invalid versioned migration name format: V1_init.sql (could not recognise version number 1_init)"
        );
        let n = named("V__init.sql");
        assert_eq!(
            n.flyway_message(&settings).unwrap(),
            "Invalid versioned migration name format: V__init.sql (It must contain a version and should look like this: V1.2__init.sql)"
        );
        let n = named("R1__views.sql");
        assert_eq!(
            n.flyway_message(&settings).unwrap(),
            "Invalid repeatable migration / callback name format: R1__views.sql (It cannot contain a version and should look like this: R__views.sql)"
        );
        assert!(!named("V1-2__x.sql").is_valid());
        // "README.sql" starts with R: a repeatable with a "version".
        assert_eq!(
            named("README.sql").problem,
            Some(NameProblem::VersionNotAllowed)
        );
    }

    #[test]
    fn not_recognised() {
        assert!(matches!(
            parser().classify("v1__x.sql"),
            Classified::Unrecognised { .. }
        ));
        // Flyway's suffix test ignores case (`StringUtils.startsAndEndsWith`, 2026 sources).
        let upper = named("V1__x.SQL");
        assert_eq!(
            upper.version.as_ref().map(|v| v.to_string()),
            Some("1".into())
        );
        assert_eq!(upper.description(), "x");
        assert!(matches!(
            parser().classify("V1__x.Sql"),
            Classified::Named(_)
        ));
        assert!(matches!(
            parser().classify("V1__x.sqlx"),
            Classified::NotSql
        ));
        assert!(matches!(
            parser().classify("V1__x.sql.conf"),
            Classified::NotSql
        ));
        assert!(parser().looks_like_migration("v1__x.sql"));
        assert!(parser().looks_like_migration("V1__x.SQL"));
        assert!(parser().looks_like_migration("r__x.sql"));
        assert!(!parser().looks_like_migration("README.md"));
        assert!(!parser().looks_like_migration("Vendor.sql"));
    }

    #[test]
    fn custom_settings() {
        let settings = FlywaySettings {
            sql_migration_prefix: "M".into(),
            sql_migration_separator: "-".into(),
            sql_migration_suffixes: vec![".pgsql".into(), ".sql".into()],
            ..FlywaySettings::default()
        };
        let p = NameParser::new(&settings);
        match p.classify("M7-seed.pgsql") {
            Classified::Named(n) => {
                assert_eq!(n.kind, Kind::Versioned);
                assert_eq!(n.version.unwrap().raw(), "7");
                assert_eq!(n.raw_description, "seed");
            }
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            p.classify("V1__x.sql"),
            Classified::Unrecognised { .. }
        ));
    }
}
