//! Flyway settings as layers of `key = value` strings, merged CLI > environment > files > defaults.
//!
//! Every source is reduced to Flyway's own string form (lists comma-separated, booleans `true` /
//! `false`), keyed by Flyway's camelCase key names, so one typed parser serves `flyway.toml`,
//! `flyway.conf`, `FLYWAY_*` variables and command-line flags alike. Values keep `${…}` references
//! until they are read, so an unset variable behind a key this tool never reads is harmless.

use std::collections::BTreeMap;
use std::fmt;
use std::path::PathBuf;

use super::ConfigError;

/// Where a setting came from, for error messages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    Default,
    File(PathBuf),
    Env(String),
    Cli,
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Source::Default => write!(f, "the default"),
            Source::File(path) => write!(f, "{}", path.display()),
            Source::Env(var) => write!(f, "environment variable {var}"),
            Source::Cli => write!(f, "the command line"),
        }
    }
}

/// How `${…}` references in a value are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Interpolation {
    /// `flyway.toml`: `${env.NAME}`.
    Toml,
    /// `flyway.conf`: `${NAME}`.
    Conf,
    /// Environment variables and CLI values are taken literally.
    None,
}

#[derive(Debug, Clone)]
pub struct Value {
    pub raw: String,
    pub source: Source,
    pub interpolation: Interpolation,
}

/// Settings from all sources; a later `set` of the same key from a stronger source wins.
#[derive(Debug, Clone, Default)]
pub struct Layers {
    values: BTreeMap<String, Value>,
    placeholders: BTreeMap<String, Value>,
    /// Snapshot of the process environment used for `${…}` references.
    env: BTreeMap<String, String>,
}

impl Layers {
    pub fn new(env: BTreeMap<String, String>) -> Self {
        Layers {
            env,
            ..Layers::default()
        }
    }

    pub fn env(&self) -> &BTreeMap<String, String> {
        &self.env
    }

    pub fn set(&mut self, key: &str, raw: String, source: Source, interpolation: Interpolation) {
        let value = Value {
            raw,
            source,
            interpolation,
        };
        if let Some(name) = key.strip_prefix("placeholders.") {
            self.placeholders.insert(name.to_string(), value);
        } else {
            self.values.insert(key.to_string(), value);
        }
    }

    /// The value of `key` with `${…}` references resolved, and where it came from.
    pub fn get(&self, key: &str) -> Result<Option<(String, Source)>, ConfigError> {
        match self.values.get(key) {
            None => Ok(None),
            Some(value) => Ok(Some((self.interpolate(key, value)?, value.source.clone()))),
        }
    }

    pub fn source(&self, key: &str) -> Option<&Source> {
        self.values.get(key).map(|v| &v.source)
    }

    /// All placeholders, resolved.
    pub fn placeholders(&self) -> Result<BTreeMap<String, String>, ConfigError> {
        let mut out = BTreeMap::new();
        for (name, value) in &self.placeholders {
            out.insert(
                name.clone(),
                self.interpolate(&format!("placeholders.{name}"), value)?,
            );
        }
        Ok(out)
    }

    fn interpolate(&self, key: &str, value: &Value) -> Result<String, ConfigError> {
        let (open, strip): (&str, fn(&str) -> Option<&str>) = match value.interpolation {
            Interpolation::None => return Ok(value.raw.clone()),
            Interpolation::Toml => ("${", |inner| inner.strip_prefix("env.")),
            Interpolation::Conf => ("${", |inner| Some(inner)),
        };
        let mut out = String::with_capacity(value.raw.len());
        let mut rest = value.raw.as_str();
        while let Some(start) = rest.find(open) {
            out.push_str(&rest[..start]);
            let after = &rest[start + open.len()..];
            let Some(end) = after.find('}') else {
                out.push_str(&rest[start..]);
                rest = "";
                break;
            };
            let inner = &after[..end];
            match strip(inner) {
                Some(var) => match self.env.get(var) {
                    Some(val) => out.push_str(val),
                    None => {
                        return Err(ConfigError::new(format!(
                            "{}: `{key}` refers to environment variable {var}, which is not set",
                            value.source
                        )))
                    }
                },
                // Other resolvers (`${localSecret.x}`, `${vault.x}`, …) are kept as written.
                None => out.push_str(&rest[start..start + open.len() + end + 1]),
            }
            rest = &after[end + 1..];
        }
        out.push_str(rest);
        Ok(out)
    }
}

/// Flyway's environment variable for a key: `sqlMigrationPrefix` is `FLYWAY_SQL_MIGRATION_PREFIX`.
pub fn env_var_for_key(key: &str) -> String {
    let mut out = String::from("FLYWAY_");
    for c in key.chars() {
        if c.is_ascii_uppercase() {
            out.push('_');
        }
        out.push(c.to_ascii_uppercase());
    }
    out
}

/// The Flyway key for an environment variable: `FLYWAY_OUT_OF_ORDER` is `outOfOrder`;
/// `FLYWAY_PLACEHOLDERS_MY_NAME` is the placeholder `my_name`.
pub fn key_for_env_var(var: &str) -> Option<String> {
    let rest = var.strip_prefix("FLYWAY_")?;
    if rest.is_empty() {
        return None;
    }
    if let Some(name) = rest.strip_prefix("PLACEHOLDERS_") {
        return Some(format!("placeholders.{}", name.to_ascii_lowercase()));
    }
    let mut key = String::new();
    for (i, word) in rest.split('_').enumerate() {
        let lower = word.to_ascii_lowercase();
        if i == 0 {
            key.push_str(&lower);
        } else {
            let mut chars = lower.chars();
            if let Some(first) = chars.next() {
                key.push(first.to_ascii_uppercase());
                key.push_str(chars.as_str());
            }
        }
    }
    Some(key)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn env_names_round_trip() {
        for key in [
            "locations",
            "sqlMigrationPrefix",
            "sqlMigrationSuffixes",
            "repeatableSqlMigrationPrefix",
            "outOfOrder",
            "validateMigrationNaming",
        ] {
            assert_eq!(key_for_env_var(&env_var_for_key(key)).unwrap(), key);
        }
        assert_eq!(
            key_for_env_var("FLYWAY_PLACEHOLDERS_TABLE_NAME").unwrap(),
            "placeholders.table_name"
        );
        assert_eq!(key_for_env_var("PATH"), None);
    }

    #[test]
    fn interpolation() {
        let env = BTreeMap::from([("DIR".to_string(), "sql".to_string())]);
        let mut layers = Layers::new(env);
        let file = Source::File("flyway.toml".into());
        layers.set(
            "locations",
            "filesystem:${env.DIR},${localSecret.x}".into(),
            file.clone(),
            Interpolation::Toml,
        );
        layers.set("url", "${env.MISSING}".into(), file, Interpolation::Toml);
        layers.set(
            "table",
            "${DIR}_history".into(),
            Source::File("flyway.conf".into()),
            Interpolation::Conf,
        );
        assert_eq!(
            layers.get("locations").unwrap().unwrap().0,
            "filesystem:sql,${localSecret.x}"
        );
        assert_eq!(layers.get("table").unwrap().unwrap().0, "sql_history");
        let err = layers.get("url").unwrap_err().to_string();
        assert!(err.contains("MISSING"), "{err}");
        assert_eq!(layers.get("user").unwrap(), None);
    }
}
