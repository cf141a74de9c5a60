//! The tool's own settings: naming conventions and rule levels.
//!
//! ```toml
//! # flyway-lsp.toml, or a [flyway-lsp] table in flyway.toml
//! dialect = "postgres"             # "postgres" | "mysql" | "mariadb" (default: from the URL or the scripts)
//! server-version = "16"             # what is safe depends on it (default: 16 / 8.0 / 10.11)
//! applied-ref = "origin/main"        # migrations in this git ref count as applied
//! template = "db/MIGRATION_TEMPLATE.sql"  # text of new migrations ({{version}}, {{description}}, {{date}}, {{file}})
//! max-analysis-size = "20MB"        # larger scripts are checksummed, not analysed
//! edition = "teams"                 # "teams" (default) | "community": Flyway's edition, for undo
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

/// The Flyway edition the project runs (`edition`): Flyway decides it from the licence, which no
/// file holds, so the tool is told. Only Teams (and Enterprise) resolve `U` files and read
/// `UNDO_SQL` history rows; Community fails on such a row (see `database::validate`). Teams is
/// the default: the undo conventions (`U` files, `undo-pairs`) only exist there.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
pub enum Edition {
    #[serde(rename = "community")]
    Community,
    #[default]
    #[serde(rename = "teams", alias = "enterprise")]
    Teams,
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
    /// Scripts larger than this (bytes) are checksummed but not analysed (`max-analysis-size =
    /// "20MB"`, or a number of bytes); see [`ToolSettings::max_analysis_size`].
    #[serde(default, deserialize_with = "byte_size")]
    pub max_analysis_size: Option<u64>,
    /// "teams" (default; or "enterprise") | "community".
    #[serde(default)]
    pub edition: Edition,
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

/// The default of `max-analysis-size`: 20 MB.
pub const DEFAULT_MAX_ANALYSIS_SIZE: u64 = 20 << 20;
/// The largest `max-analysis-size`: analysis keeps byte offsets in 32 bits.
pub const MAX_ANALYSIS_SIZE_LIMIT: u64 = (4 << 30) - 1;

impl ToolSettings {
    /// Scripts larger than this many bytes are checksummed by streaming and not analysed.
    pub fn max_analysis_size(&self) -> u64 {
        self.max_analysis_size.unwrap_or(DEFAULT_MAX_ANALYSIS_SIZE)
    }
}

/// `max-analysis-size`: a number of bytes, or a string with a unit (`"512KB"`, `"20 MB"`,
/// `"1GiB"`; K, M and G are powers of 1024), at most 4 GiB - 1.
fn byte_size<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
    use serde::de::Error;
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Raw {
        Bytes(i64),
        Text(String),
    }
    let invalid = |shown: &str| {
        D::Error::custom(format!(
            "max-analysis-size `{shown}` is not a size: use a number of bytes or e.g. \"20MB\" (at most 4GB - 1)"
        ))
    };
    let bytes = match Raw::deserialize(d)? {
        Raw::Bytes(n) => u64::try_from(n).map_err(|_| invalid(&n.to_string()))?,
        Raw::Text(text) => {
            let trimmed = text.trim();
            let split = trimmed
                .find(|c: char| !c.is_ascii_digit())
                .unwrap_or(trimmed.len());
            let (number, unit) = trimmed.split_at(split);
            let number: u64 = number.parse().map_err(|_| invalid(&text))?;
            let shift = match unit.trim().to_ascii_lowercase().as_str() {
                "" | "b" => 0,
                "k" | "kb" | "kib" => 10,
                "m" | "mb" | "mib" => 20,
                "g" | "gb" | "gib" => 30,
                _ => return Err(invalid(&text)),
            };
            number
                .checked_mul(1 << shift)
                .ok_or_else(|| invalid(&text))?
        }
    };
    if bytes > MAX_ANALYSIS_SIZE_LIMIT {
        return Err(invalid(&bytes.to_string()));
    }
    Ok(Some(bytes))
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
        assert_eq!(settings.edition, Edition::Teams);
    }

    #[test]
    fn edition_is_community_teams_or_enterprise() {
        let edition = |text: &str| {
            ToolSettings::from_files(&[file("flyway-lsp.toml", text)])
                .map(|s| s.edition)
                .map_err(|e| e.to_string())
        };
        assert_eq!(edition("edition = \"teams\""), Ok(Edition::Teams));
        assert_eq!(edition("edition = \"enterprise\""), Ok(Edition::Teams));
        assert_eq!(edition("edition = \"community\""), Ok(Edition::Community));
        assert!(edition("edition = \"pro\"").unwrap_err().contains("pro"));
    }

    #[test]
    fn max_analysis_size_takes_bytes_or_units() {
        let size = |text: &str| {
            ToolSettings::from_files(&[file("flyway-lsp.toml", text)])
                .map(|s| s.max_analysis_size())
                .map_err(|e| e.to_string())
        };
        assert_eq!(size(""), Ok(DEFAULT_MAX_ANALYSIS_SIZE));
        assert_eq!(size("max-analysis-size = 1000"), Ok(1000));
        assert_eq!(size("max-analysis-size = \"512KB\""), Ok(512 << 10));
        assert_eq!(size("max-analysis-size = \"20 MiB\""), Ok(20 << 20));
        assert_eq!(size("max-analysis-size = \"1g\""), Ok(1 << 30));
        for bad in [
            "-1",
            "\"lots\"",
            "\"5TB\"",
            "\"4GB\"",
            "\"99999999999999999999G\"",
        ] {
            let err = size(&format!("max-analysis-size = {bad}")).unwrap_err();
            assert!(err.contains("max-analysis-size"), "{bad}: {err}");
        }
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
