//! Which database and version a migration set targets: from the config, else the JDBC URL,
//! else the scripts themselves.

use std::fmt;

use super::Dialect;
use crate::config::{Config, ConfigError, DialectSetting};
use crate::index::MigrationSet;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flavor {
    Postgres,
    MySql,
    MariaDb,
}

/// How the dialect was decided, for messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DialectSource {
    Config,
    Url,
    Content,
    Default,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Server {
    pub flavor: Flavor,
    /// Numeric version parts (`[8, 0, 12]`).
    pub version: Vec<u32>,
    /// True when the version was configured, not assumed.
    pub version_configured: bool,
    pub dialect_source: DialectSource,
}

impl Server {
    pub fn dialect(&self) -> Dialect {
        match self.flavor {
            Flavor::Postgres => Dialect::Postgres,
            Flavor::MySql | Flavor::MariaDb => Dialect::MySql,
        }
    }

    /// True when the server version is at least `min` (missing parts count as zero).
    pub fn at_least(&self, min: &[u32]) -> bool {
        for i in 0..min.len().max(self.version.len()) {
            let have = self.version.get(i).copied().unwrap_or(0);
            let want = min.get(i).copied().unwrap_or(0);
            if have != want {
                return have > want;
            }
        }
        true
    }

    /// Resolves the target of a project.
    pub fn resolve(
        config: &Config,
        set: &MigrationSet,
        location_names: &[String],
    ) -> Result<Server, ConfigError> {
        let (flavor, dialect_source) = match config.tool.dialect {
            Some(DialectSetting::Postgres) => (Flavor::Postgres, DialectSource::Config),
            Some(DialectSetting::MySql) => (Flavor::MySql, DialectSource::Config),
            Some(DialectSetting::MariaDb) => (Flavor::MariaDb, DialectSource::Config),
            None => match config
                .layers
                .get("url")
                .ok()
                .flatten()
                .and_then(|(url, _)| flavor_of_url(&url))
            {
                Some(flavor) => (flavor, DialectSource::Url),
                None => match detect(set, location_names) {
                    Some(flavor) => (flavor, DialectSource::Content),
                    None => (Flavor::Postgres, DialectSource::Default),
                },
            },
        };
        let (version, version_configured) = match &config.tool.server_version {
            Some(text) => (parse_version(text).ok_or_else(|| {
                ConfigError::new(format!(
                    "invalid flyway-lsp `server-version` \"{text}\": expected numbers separated by dots, e.g. \"16\" or \"8.0.12\""
                ))
            })?, true),
            None => (
                match flavor {
                    Flavor::Postgres => vec![16],
                    Flavor::MySql => vec![8, 0, 35],
                    Flavor::MariaDb => vec![10, 11],
                },
                false,
            ),
        };
        Ok(Server {
            flavor,
            version,
            version_configured,
            dialect_source,
        })
    }
}

impl fmt::Display for Server {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = match self.flavor {
            Flavor::Postgres => "PostgreSQL",
            Flavor::MySql => "MySQL",
            Flavor::MariaDb => "MariaDB",
        };
        let version: Vec<String> = self.version.iter().map(u32::to_string).collect();
        write!(f, "{name} {}", version.join("."))
    }
}

pub fn parse_version(text: &str) -> Option<Vec<u32>> {
    let parts: Option<Vec<u32>> = text.trim().split('.').map(|p| p.parse().ok()).collect();
    parts.filter(|p| !p.is_empty())
}

/// The database a JDBC or plain URL points at.
pub fn flavor_of_url(url: &str) -> Option<Flavor> {
    let url = url.trim().to_ascii_lowercase();
    let url = url.strip_prefix("jdbc:").unwrap_or(&url);
    if url.starts_with("postgresql:") || url.starts_with("postgres:") || url.starts_with("pgsql:") {
        Some(Flavor::Postgres)
    } else if url.starts_with("mariadb:") {
        Some(Flavor::MariaDb)
    } else if url.starts_with("mysql:") {
        Some(Flavor::MySql)
    } else {
        None
    }
}

/// Guesses the dialect from folder names and script contents.
fn detect(set: &MigrationSet, location_names: &[String]) -> Option<Flavor> {
    for name in location_names {
        match name.to_ascii_lowercase().as_str() {
            "mysql" => return Some(Flavor::MySql),
            "mariadb" => return Some(Flavor::MariaDb),
            "postgres" | "postgresql" | "pg" => return Some(Flavor::Postgres),
            _ => {}
        }
    }
    let (mut mysql, mut postgres) = (0usize, 0usize);
    for file in set.files.iter().take(500) {
        let Some(text) = file.text() else { continue };
        let sample = &text[..floor_boundary(text, 64 * 1024)];
        let upper = sample.to_ascii_uppercase();
        for marker in [
            "`",
            "ENGINE=",
            "ENGINE =",
            "AUTO_INCREMENT",
            "UNSIGNED",
            " MODIFY ",
            "CHANGE COLUMN",
            "DELIMITER ",
            "TINYINT",
            "MEDIUMTEXT",
            "LONGTEXT",
            "CHARSET=",
        ] {
            mysql += upper.matches(marker).count();
        }
        for marker in [
            "$$",
            "SERIAL",
            "TIMESTAMPTZ",
            "::",
            "CONCURRENTLY",
            "JSONB",
            "CREATE EXTENSION",
            "PLPGSQL",
            "BYTEA",
            "RETURNING ",
        ] {
            postgres += upper.matches(marker).count();
        }
    }
    match mysql.cmp(&postgres) {
        std::cmp::Ordering::Greater => Some(Flavor::MySql),
        std::cmp::Ordering::Less => Some(Flavor::Postgres),
        std::cmp::Ordering::Equal => None,
    }
}

fn floor_boundary(text: &str, mut at: usize) -> usize {
    at = at.min(text.len());
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    at
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_and_versions() {
        assert_eq!(
            flavor_of_url("jdbc:postgresql://h:5432/db?ssl=true"),
            Some(Flavor::Postgres)
        );
        assert_eq!(flavor_of_url("jdbc:mysql://h/db"), Some(Flavor::MySql));
        assert_eq!(flavor_of_url("jdbc:mariadb://h/db"), Some(Flavor::MariaDb));
        assert_eq!(flavor_of_url("postgres://u@h/db"), Some(Flavor::Postgres));
        assert_eq!(flavor_of_url("jdbc:h2:mem:x"), None);
        assert_eq!(parse_version("8.0.12"), Some(vec![8, 0, 12]));
        assert_eq!(parse_version("x"), None);
        let server = Server {
            flavor: Flavor::MySql,
            version: vec![8, 0, 12],
            version_configured: true,
            dialect_source: DialectSource::Config,
        };
        assert!(server.at_least(&[8, 0, 12]));
        assert!(server.at_least(&[8]));
        assert!(!server.at_least(&[8, 0, 29]));
        assert!(!server.at_least(&[9]));
        assert_eq!(server.to_string(), "MySQL 8.0.12");
    }
}
