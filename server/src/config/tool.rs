//! The tool's own settings: naming conventions and rule levels.
//!
//! ```toml
//! # flyway-lsp.toml, or a [flyway-lsp] table in flyway.toml
//! dialect = "postgres"             # "postgres" | "mysql" | "mariadb" (default: from the URL or the scripts)
//! server-version = "16"             # what is safe depends on it (default: 16 / 8.0 / 10.11)
//! applied-ref = "origin/main"        # migrations in this git ref count as applied
//! template = "db/MIGRATION_TEMPLATE.sql"  # text of new migrations ({{version}}, {{description}}, {{date}}, {{file}})
//!
//! [conventions]
//! description-case = "snake_case"   # "snake_case" | "PascalCase" | "any" (default)
//! undo-pairs = true                 # every V file needs its U file and vice versa
//! hash-suffix = true                # descriptions end in __migration_<8 hex digits>
//!
//! [rules]
//! version-gap = "error"             # "error" | "warning" | "info" | "hint" | "off"
//! ```

use std::collections::BTreeMap;

use serde::Deserialize;

use super::{ConfigError, ConfigFile};

/// How serious a finding is; `Off` disables a rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    Off,
    Hint,
    Info,
    Warning,
    Error,
}

impl Level {
    pub fn name(self) -> &'static str {
        match self {
            Level::Off => "off",
            Level::Hint => "hint",
            Level::Info => "info",
            Level::Warning => "warning",
            Level::Error => "error",
        }
    }
}

/// The required case of migration descriptions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
pub enum DescriptionCase {
    #[default]
    #[serde(rename = "any")]
    Any,
    #[serde(rename = "snake_case")]
    SnakeCase,
    #[serde(rename = "PascalCase")]
    PascalCase,
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Conventions {
    #[serde(default)]
    pub description_case: DescriptionCase,
    /// Every versioned migration has an undo migration of the same version, and vice versa.
    #[serde(default)]
    pub undo_pairs: bool,
    /// Descriptions end in `__migration_` and 8 hex digits, shared by a V file and its U file.
    #[serde(default)]
    pub hash_suffix: bool,
}

/// The database the migrations are written for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub enum DialectSetting {
    #[serde(rename = "postgres", alias = "postgresql")]
    Postgres,
    #[serde(rename = "mysql")]
    MySql,
    #[serde(rename = "mariadb")]
    MariaDb,
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct ToolSettings {
    /// "postgres" | "mysql" | "mariadb"; else from the JDBC URL, else from the scripts.
    #[serde(default)]
    pub dialect: Option<DialectSetting>,
    /// The server version the migrations run on (e.g. "11", "16.2", "8.0.12", "10.11").
    #[serde(default)]
    pub server_version: Option<String>,
    /// A file whose text starts every new migration (`{{version}}`, `{{description}}`,
    /// `{{file}}`, `{{date}}` are filled in), relative to the project folder.
    #[serde(default)]
    pub template: Option<String>,
    /// A git reference whose migrations count as applied (e.g. "origin/main"): editing one of
    /// them is reported, as Flyway's validate would fail on it.
    #[serde(default)]
    pub applied_ref: Option<String>,
    /// The language server reads the configured database's history in the background
    /// (default true when a `url` is configured; false keeps the editor offline).
    #[serde(default)]
    pub database: Option<bool>,
    /// Seconds between background reads of the history in the language server (0 or unset:
    /// only on start, on save and on the "Validate against database" command).
    #[serde(default)]
    pub database_interval: Option<u64>,
    #[serde(default)]
    pub conventions: Conventions,
    /// Rule id to level; ids are checked against the rule registry by the engine.
    #[serde(default)]
    pub rules: BTreeMap<String, Level>,
}

impl ToolSettings {
    /// Merges the tool tables of `files` (later files win, key by key) and reads them.
    pub fn from_files(files: &[ConfigFile]) -> Result<ToolSettings, ConfigError> {
        let mut merged = toml::Table::new();
        let mut origin = Vec::new();
        for file in files {
            if let Some(table) = file.tool_table() {
                merge(&mut merged, table);
                origin.push(file.path().display().to_string());
            }
        }
        if merged.is_empty() {
            return Ok(ToolSettings::default());
        }
        ToolSettings::deserialize(toml::Value::Table(merged)).map_err(|e| {
            ConfigError::new(format!(
                "{}: invalid flyway-lsp settings: {}",
                origin.join(", "),
                e.to_string().trim_end()
            ))
        })
    }
}

fn merge(into: &mut toml::Table, from: &toml::Table) {
    for (key, value) in from {
        match (into.get_mut(key), value) {
            (Some(toml::Value::Table(existing)), toml::Value::Table(incoming)) => {
                merge(existing, incoming)
            }
            _ => {
                into.insert(key.clone(), value.clone());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    fn file(name: &str, text: &str) -> ConfigFile {
        ConfigFile::Toml {
            path: PathBuf::from(name),
            table: text.parse().unwrap(),
        }
    }

    #[test]
    fn tool_file_overrides_flyway_toml_section() {
        let settings = ToolSettings::from_files(&[
            file(
                "flyway.toml",
                "[flyway-lsp.conventions]\nundo-pairs = true\ndescription-case = \"PascalCase\"\n[flyway-lsp.rules]\nversion-gap = \"off\"",
            ),
            file(
                "flyway-lsp.toml",
                "[conventions]\ndescription-case = \"snake_case\"\n",
            ),
        ])
        .unwrap();
        assert!(settings.conventions.undo_pairs);
        assert_eq!(
            settings.conventions.description_case,
            DescriptionCase::SnakeCase
        );
        assert_eq!(settings.rules["version-gap"], Level::Off);
    }

    #[test]
    fn unknown_keys_and_bad_values_are_errors() {
        let err = ToolSettings::from_files(&[file(
            "flyway-lsp.toml",
            "[conventions]\nundo-pair = true\n",
        )])
        .unwrap_err()
        .to_string();
        assert!(err.contains("undo-pair"), "{err}");
        let err = ToolSettings::from_files(&[file(
            "flyway-lsp.toml",
            "[rules]\nversion-gap = \"loud\"\n",
        )])
        .unwrap_err()
        .to_string();
        assert!(err.contains("loud"), "{err}");
    }
}
