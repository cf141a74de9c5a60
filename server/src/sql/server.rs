//! Which database and version a migration set targets: from the config, else the JDBC URL,
//! else the scripts themselves.

use std::fmt;

use super::lexer::TokenKind;
use super::Dialect;
use crate::config::{Config, ConfigError, DialectSetting};
use crate::index::MigrationSet;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flavor {
    Postgres,
    MySql,
    MariaDb,
}

impl Flavor {
    /// The product's name (`PostgreSQL`, `MySQL`, `MariaDB`).
    pub fn name(self) -> &'static str {
        match self {
            Flavor::Postgres => "PostgreSQL",
            Flavor::MySql => "MySQL",
            Flavor::MariaDb => "MariaDB",
        }
    }
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
    /// The set targets a database without SQL rules: its scripts are not analysed.
    pub unsupported: Option<super::unsupported::Unsupported>,
    /// How Flyway's placeholders are written in the scripts it sends to this server (Flyway
    /// replaces them before the server, or any parser, reads the text).
    pub placeholders: super::lexer::Placeholders,
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
        // The signs of MySQL and PostgreSQL in the scripts, counted once if at all (the
        // dialect's detection and the unsupported database's both weigh them).
        let counted = std::cell::OnceCell::new();
        let markers = || *counted.get_or_init(|| marker_counts(set));
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
                None => match detect(location_names, markers) {
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
        let unsupported = match config.tool.dialect {
            Some(_) => None,
            None => unsupported_target(config, set, location_names, markers),
        };
        let flyway = &config.flyway;
        Ok(Server {
            flavor,
            version,
            version_configured,
            dialect_source,
            unsupported,
            placeholders: super::lexer::Placeholders::new(
                flyway.placeholder_replacement,
                &flyway.placeholder_prefix,
                &flyway.placeholder_suffix,
            ),
        })
    }
}

/// The unsupported database a set targets, unless the URL or a folder name says PostgreSQL or
/// MySQL: from the URL, else the location folder's name, else the scripts' code.
fn unsupported_target(
    config: &Config,
    set: &MigrationSet,
    location_names: &[String],
    markers: impl Fn() -> (usize, usize),
) -> Option<super::unsupported::Unsupported> {
    use super::unsupported::{of_code, of_folder, of_url, Unsupported};
    if let Some((url, _)) = config.layers.get("url").ok().flatten() {
        if let Some(database) = of_url(&url) {
            return Some(Unsupported {
                database,
                because: "the `url` setting names it".to_string(),
            });
        }
        if flavor_of_url(&url).is_some() {
            return None;
        }
    }
    for name in location_names {
        if let Some(database) = of_folder(name) {
            return Some(Unsupported {
                database,
                because: format!("the location folder is named `{name}`"),
            });
        }
        if matches!(
            name.to_ascii_lowercase().as_str(),
            "mysql" | "mariadb" | "postgres" | "postgresql" | "pg"
        ) {
            return None;
        }
    }
    let (mysql, postgres) = markers();
    of_code(set, mysql.max(postgres)).map(|(database, count)| Unsupported {
        database,
        because: format!(
            "its SQL has {count} signs of {database} and fewer of PostgreSQL or MySQL"
        ),
    })
}

impl fmt::Display for Server {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let version: Vec<String> = self.version.iter().map(u32::to_string).collect();
        write!(f, "{} {}", self.flavor.name(), version.join("."))
    }
}

pub fn parse_version(text: &str) -> Option<Vec<u32>> {
    let parts: Option<Vec<u32>> = text.trim().split('.').map(|p| p.parse().ok()).collect();
    parts.filter(|p| !p.is_empty())
}

/// The version at the start of a server's or program's version text: `[15, 20]` from
/// `15.20 (Debian 15.20-1)`, `[10, 11, 6]` from `10.11.6-MariaDB-0+deb12u1`.
pub fn leading_version(text: &str) -> Option<Vec<u32>> {
    let text = text.trim();
    let end = text
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(text.len());
    parse_version(text[..end].trim_end_matches('.'))
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
fn detect(location_names: &[String], markers: impl Fn() -> (usize, usize)) -> Option<Flavor> {
    for name in location_names {
        match name.to_ascii_lowercase().as_str() {
            "mysql" => return Some(Flavor::MySql),
            "mariadb" => return Some(Flavor::MariaDb),
            "postgres" | "postgresql" | "pg" => return Some(Flavor::Postgres),
            _ => {}
        }
    }
    let (mysql, postgres) = markers();
    match mysql.cmp(&postgres) {
        std::cmp::Ordering::Greater => Some(Flavor::MySql),
        std::cmp::Ordering::Less => Some(Flavor::Postgres),
        std::cmp::Ordering::Equal => None,
    }
}

/// The signs of MySQL and of PostgreSQL in the code of the first 500 scripts (each read up to
/// 64 KB).
fn marker_counts(set: &MigrationSet) -> (usize, usize) {
    set.map_samples(500, |sample| {
        (mysql_markers(sample), postgres_markers(sample))
    })
    .into_iter()
    .fold((0, 0), |(m, p), (mysql, postgres)| {
        (m + mysql, p + postgres)
    })
}

/// The code of `sample` read with `dialect`'s lexical rules, comments, strings and quoted names
/// blanked (so "```" in a comment or `'ENGINE=InnoDB'` in a string say nothing), upper-cased.
/// Each quoted name and dollar-quoted body is kept as its opening mark alone (`` ` ``, `$$`);
/// MySQL's executable comments (`/*! … */`) are code there and kept whole.
fn code_only(sample: &str, dialect: Dialect) -> String {
    let mut code = String::with_capacity(sample.len());
    for token in super::lexer::tokenize(sample, dialect) {
        let text = token.text(sample);
        match token.kind {
            // MySQL runs the text of `/*! … */` (killbill's `bigint /*! unsigned */`).
            TokenKind::BlockComment if dialect == Dialect::MySql && text.starts_with("/*!") => {
                push_upper(&mut code, text)
            }
            TokenKind::LineComment | TokenKind::BlockComment | TokenKind::String => code.push(' '),
            TokenKind::QuotedIdent if text.starts_with('`') => code.push_str(" ` "),
            TokenKind::QuotedIdent => code.push(' '),
            TokenKind::DollarString => code.push_str(" $$ "),
            _ => push_upper(&mut code, text),
        }
    }
    code
}

/// Appends `text` upper-cased (ASCII letters only), without a string of its own per token.
pub(super) fn push_upper(code: &mut String, text: &str) {
    let at = code.len();
    code.push_str(text);
    code[at..].make_ascii_uppercase();
}

/// MySQL / MariaDB signs in code read by MySQL's lexical rules.
fn mysql_markers(sample: &str) -> usize {
    let code = code_only(sample, Dialect::MySql);
    [
        "`",
        "/*!",
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
    ]
    .iter()
    .map(|marker| code.matches(marker).count())
    .sum()
}

/// PostgreSQL signs in code read by PostgreSQL's lexical rules.
fn postgres_markers(sample: &str) -> usize {
    let code = code_only(sample, Dialect::Postgres);
    [
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
    ]
    .iter()
    .map(|marker| code.matches(marker).count())
    .sum()
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
        assert_eq!(
            leading_version("10.11.6-MariaDB-0+deb12u1"),
            Some(vec![10, 11, 6])
        );
        assert_eq!(
            leading_version("15.20 (Debian 15.20-1)"),
            Some(vec![15, 20])
        );
        assert_eq!(leading_version("16beta1"), Some(vec![16]));
        assert_eq!(leading_version("MariaDB"), None);
        let server = Server {
            flavor: Flavor::MySql,
            version: vec![8, 0, 12],
            version_configured: true,
            dialect_source: DialectSource::Config,
            unsupported: None,
            placeholders: Default::default(),
        };
        assert!(server.at_least(&[8, 0, 12]));
        assert!(server.at_least(&[8]));
        assert!(!server.at_least(&[8, 0, 29]));
        assert!(!server.at_least(&[9]));
        assert_eq!(server.to_string(), "MySQL 8.0.12");
    }

    #[test]
    fn markers_in_comments_and_strings_say_nothing() {
        // A PostgreSQL script whose comment shows a fenced block and a MySQL example.
        let pg = "-- ```sql\n-- CREATE TABLE t (id INT AUTO_INCREMENT) ENGINE=InnoDB;\n-- ```\n\
                  /* `quoted` ENGINE=MyISAM */\n\
                  COMMENT ON TABLE t IS 'MySQL used `t` with TINYINT';\n\
                  CREATE TABLE t (id bigint);\n";
        assert_eq!(mysql_markers(pg), 0);
        assert_eq!(postgres_markers(pg), 0);
        let pg_code = "CREATE INDEX CONCURRENTLY i ON t (a); SELECT x::text;";
        assert_eq!(postgres_markers(pg_code), 2);
        // MySQL's own comments (`#`) and backquoted names.
        let mysql = "# don't use $$ or ::\nCREATE TABLE `t` (id INT UNSIGNED) ENGINE=InnoDB;";
        assert_eq!(mysql_markers(mysql), 3);
        // killbill: portable SQL but for MySQL's executable comments.
        let killbill =
            "create table t (record_id serial unique, tenant bigint /*! unsigned */ not null);";
        assert_eq!(mysql_markers(killbill), 2);
        assert_eq!(postgres_markers(killbill), 1);
        let pg_body = "CREATE FUNCTION f() RETURNS int AS $$ SELECT 1 $$ LANGUAGE sql;";
        assert_eq!(postgres_markers(pg_body), 1);
    }
}
