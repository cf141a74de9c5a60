//! The database settings of a project, read from the same layers as every other Flyway setting
//! (`url`, `user`, `password`, `schemas`, `defaultSchema`, `table`, `ignoreMigrationPatterns`,
//! `placeholderReplacement`, `target`), so `--environment`, `FLYWAY_URL` and `--set url=…` all work.

use crate::config::{Config, ConfigError};

use super::client::ReadLimits;
use super::url::{redact_text, Connection};

pub use crate::config::IgnorePattern;

/// Everything needed to talk to a project's database.
#[derive(Debug, Clone)]
pub struct DbSettings {
    pub connection: Connection,
    /// The schema holding the history table: `defaultSchema`, else the first of `schemas`,
    /// else the connection's current schema (PostgreSQL) or database (MySQL).
    pub schema: Option<String>,
    pub table: String,
    pub ignore_patterns: Vec<IgnorePattern>,
    pub placeholder_replacement: bool,
    /// Flyway's `target` (default `latest`).
    pub target: super::validate::Target,
    /// The flyway.toml environment (for `${flyway:environment}` and messages).
    pub environment: String,
    /// How long a read of the history may wait (defaults: 5 s for a lock, 30 s a statement).
    pub read_limits: ReadLimits,
}

impl DbSettings {
    /// The database settings of `config`; `Ok(None)` when no `url` is configured.
    pub fn from_config(config: &Config) -> Result<Option<DbSettings>, ConfigError> {
        DbSettings::read(config, None)
    }

    /// The settings of `config` for another server (the temporary one of a dry-run): `url`
    /// replaced, credentials from the URL, everything else as configured.
    pub fn with_url(config: &Config, url: &str) -> Result<DbSettings, ConfigError> {
        DbSettings::read(config, Some(url))?
            .ok_or_else(|| ConfigError::new("the temporary server has no URL"))
    }

    fn read(
        config: &Config,
        url_override: Option<&str>,
    ) -> Result<Option<DbSettings>, ConfigError> {
        let layers = &config.layers;
        let configured = match url_override {
            Some(url) => Some((url.to_string(), crate::config::Source::Default)),
            None => layers.get("url")?,
        };
        let Some((url, source)) = configured else {
            return Ok(None);
        };
        if url.trim().is_empty() {
            return Ok(None);
        }
        let (user, password) = if url_override.is_some() {
            (None, None)
        } else {
            (
                layers.get("user")?.map(|(v, _)| v),
                layers.get("password")?.map(|(v, _)| v),
            )
        };
        let mut connection = Connection::parse(&url, user.as_deref(), password.as_deref())
            .map_err(|e| ConfigError::new(format!("{source}: `url`: {e}")))?;
        if url_override.is_none() {
            // Flyway's connection settings; the temporary server of a dry-run is local and
            // gets none of them.
            connection.options.init_sql = layers
                .get("initSql")?
                .map(|(v, _)| v)
                .filter(|v| !v.trim().is_empty());
            connection.options.retries = whole_number(layers, "connectRetries")?.unwrap_or(0);
            connection.options.retries_interval = std::time::Duration::from_secs(
                whole_number(layers, "connectRetriesInterval")?
                    .unwrap_or(120)
                    .into(),
            );
        }
        let schemas: Vec<String> = layers
            .get("schemas")?
            .map(|(v, _)| {
                v.split(',')
                    .map(|s| s.trim().to_string())
                    .filter(|s| !s.is_empty())
                    .collect()
            })
            .unwrap_or_default();
        let schema = if url_override.is_some() {
            None
        } else {
            layers
                .get("defaultSchema")?
                .map(|(v, _)| v.trim().to_string())
                .filter(|s| !s.is_empty())
                .or_else(|| schemas.first().cloned())
        };
        let table = layers
            .get("table")?
            .map(|(v, _)| v.trim().to_string())
            .filter(|s| !s.is_empty())
            .unwrap_or_else(|| "flyway_schema_history".to_string());
        let patterns_text = layers
            .get("ignoreMigrationPatterns")?
            .map(|(v, _)| v)
            .unwrap_or_else(|| "*:future".to_string());
        let ignore_patterns = patterns_text
            .split(',')
            .filter(|p| !p.trim().is_empty())
            .map(IgnorePattern::parse)
            .collect::<Result<Vec<_>, _>>()?;
        let placeholder_replacement = match layers.get("placeholderReplacement")? {
            None => true,
            Some((v, source)) => match v.trim().to_ascii_lowercase().as_str() {
                "true" => true,
                "false" => false,
                _ => {
                    return Err(ConfigError::new(format!(
                        "{source}: `placeholderReplacement` must be true or false, not \"{}\"",
                        redact_text(&v)
                    )))
                }
            },
        };
        let target = match layers.get("target")? {
            None => super::validate::Target::Latest,
            Some((v, source)) => super::validate::Target::parse(&v)
                .map_err(|e| ConfigError::new(format!("{source}: {}", redact_text(&e))))?,
        };
        Ok(Some(DbSettings {
            connection,
            target,
            schema,
            table,
            ignore_patterns,
            placeholder_replacement,
            environment: config.environment.clone(),
            read_limits: ReadLimits::default(),
        }))
    }
}

/// A setting that must be a whole number (`connectRetries`), as Flyway reads it.
fn whole_number(layers: &crate::config::Layers, key: &str) -> Result<Option<u32>, ConfigError> {
    match layers.get(key)? {
        None => Ok(None),
        Some((v, source)) => v.trim().parse::<u32>().map(Some).map_err(|_| {
            ConfigError::new(format!(
                "{source}: `{key}` must be a whole number, not \"{}\"",
                redact_text(&v).chars().take(40).collect::<String>()
            ))
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns_parse_and_match_like_flyway() {
        let p = IgnorePattern::parse("*:future").unwrap();
        assert!(p.matches(true, "Future") && p.matches(false, "Future"));
        assert!(!p.matches(true, "Failed (Future)"));
        let p = IgnorePattern::parse(" Versioned:Missing ").unwrap();
        assert!(p.matches(true, "Missing") && !p.matches(false, "Missing"));
        assert!(IgnorePattern::parse("repeatable:*")
            .unwrap()
            .matches(false, "Pending"));
        for bad in ["future", "*:done", "sql:missing", ""] {
            let err = IgnorePattern::parse(bad).unwrap_err();
            assert!(err.to_string().contains("Invalid pattern"), "{err}");
        }
    }
}
