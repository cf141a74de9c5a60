//! Databases flyway-lsp has no SQL rules for (H2, HSQLDB, SQLite, SQL Server, Oracle, DB2, …):
//! recognised from the JDBC URL, the location folder's name, or the scripts' code. Their SQL is
//! never parsed as PostgreSQL or MySQL; only the naming and version rules run on them.

use super::lexer::TokenKind;
use super::Dialect;
use crate::index::MigrationSet;

/// An unsupported target and how it was recognised (for the message; never the URL itself,
/// which may hold a password).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unsupported {
    /// The product's name (`H2`, `SQL Server`).
    pub database: &'static str,
    /// How it was recognised: "the JDBC URL", "the folder name `h2`", "its SQL (…)".
    pub because: String,
}

/// Folder names (lower-case) and JDBC sub-protocols of the databases without SQL rules.
const FOLDERS: &[(&str, &str)] = &[
    ("h2", "H2"),
    ("hsqldb", "HSQLDB"),
    ("hsql", "HSQLDB"),
    ("sqlite", "SQLite"),
    ("sqlserver", "SQL Server"),
    ("mssql", "SQL Server"),
    ("oracle", "Oracle"),
    ("db2", "DB2"),
    ("derby", "Derby"),
    ("redshift", "Redshift"),
    ("snowflake", "Snowflake"),
    ("sybase", "Sybase ASE"),
    ("informix", "Informix"),
    ("firebird", "Firebird"),
    ("saphana", "SAP HANA"),
    ("hana", "SAP HANA"),
    ("bigquery", "BigQuery"),
    ("spanner", "Cloud Spanner"),
    ("clickhouse", "ClickHouse"),
];

const URLS: &[(&str, &str)] = &[
    ("h2:", "H2"),
    ("hsqldb:", "HSQLDB"),
    ("sqlite:", "SQLite"),
    ("sqlserver:", "SQL Server"),
    ("jtds:sqlserver:", "SQL Server"),
    ("jtds:sybase:", "Sybase ASE"),
    ("sybase:", "Sybase ASE"),
    ("oracle:", "Oracle"),
    ("db2:", "DB2"),
    ("as400:", "DB2"),
    ("derby:", "Derby"),
    ("redshift:", "Redshift"),
    ("snowflake:", "Snowflake"),
    ("informix-sqli:", "Informix"),
    ("firebirdsql:", "Firebird"),
    ("firebird:", "Firebird"),
    ("sap:", "SAP HANA"),
    ("bigquery:", "BigQuery"),
    ("cloudspanner:", "Cloud Spanner"),
    ("clickhouse:", "ClickHouse"),
];

/// The unsupported database a JDBC (or plain) URL names.
pub fn of_url(url: &str) -> Option<&'static str> {
    let url = url.trim().to_ascii_lowercase();
    let url = url.strip_prefix("jdbc:").unwrap_or(&url);
    URLS.iter()
        .find(|(prefix, _)| url.starts_with(prefix))
        .map(|(_, name)| *name)
}

/// The unsupported database a location folder's name names.
pub fn of_folder(name: &str) -> Option<&'static str> {
    let name = name.to_ascii_lowercase();
    FOLDERS
        .iter()
        .find(|(folder, _)| *folder == name)
        .map(|(_, database)| *database)
}

/// Signs of a database's own SQL, each impossible in PostgreSQL and MySQL scripts.
const CODE_SIGNS: &[(&str, &[&str])] = &[
    (
        "SQL Server",
        &[
            // NVARCHAR(MAX), VARBINARY(MAX), …
            "(MAX)",
            "[DBO].",
            "IDENTITY(1,1)",
            "IDENTITY(1, 1)",
            "UNIQUEIDENTIFIER",
            "DATETIME2",
            "SP_RENAME",
        ],
    ),
    ("Oracle", &["VARCHAR2", "NVARCHAR2", "NUMBER(", "NUMBER ("]),
    ("SQLite", &["AUTOINCREMENT", "PRAGMA ", "WITHOUT ROWID"]),
];

/// The unsupported database the scripts' code points to: at least `min` signs of one database,
/// more than `outweigh` (the PostgreSQL or MySQL signs found). Comments and strings say nothing.
pub fn of_code(set: &MigrationSet, outweigh: usize) -> Option<(&'static str, usize)> {
    let mut counts = vec![0usize; CODE_SIGNS.len()];
    let per_file = set.map_samples(500, |sample| {
        let code = code_of(sample);
        CODE_SIGNS
            .iter()
            .map(|(database, signs)| {
                let mut count = signs.iter().map(|s| count_word(&code, s)).sum::<usize>();
                // SQL Server's batch separator: `GO` alone on a line.
                if *database == "SQL Server" {
                    count += code.lines().filter(|l| l.trim() == "GO").count();
                }
                count
            })
            .collect::<Vec<usize>>()
    });
    for file in per_file {
        for (count, found) in counts.iter_mut().zip(file) {
            *count += found;
        }
    }
    let (best, count) = counts
        .iter()
        .enumerate()
        .max_by_key(|(i, c)| (**c, std::cmp::Reverse(*i)))?;
    (*count >= 2 && *count > outweigh).then(|| (CODE_SIGNS[best].0, *count))
}

/// Occurrences of `sign` in `code` not preceded by a name character (`PHONE_NUMBER(` is not
/// Oracle's `NUMBER(`).
fn count_word(code: &str, sign: &str) -> usize {
    let word = sign.starts_with(|c: char| c.is_ascii_alphanumeric());
    code.match_indices(sign)
        .filter(|(at, _)| {
            !word
                || !code[..*at]
                    .chars()
                    .next_back()
                    .is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '$')
        })
        .count()
}

/// The code of `sample`, upper-cased, with comments and strings blanked (line breaks kept).
fn code_of(sample: &str) -> String {
    let mut code = String::with_capacity(sample.len());
    for token in super::lexer::tokenize(sample, Dialect::Postgres) {
        let text = token.text(sample);
        match token.kind {
            TokenKind::LineComment => code.push(' '),
            TokenKind::BlockComment | TokenKind::String | TokenKind::DollarString => {
                code.extend(text.chars().filter(|c| *c == '\n'));
                code.push(' ');
            }
            _ => super::server::push_upper(&mut code, text),
        }
    }
    code
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::index::{Content, ScriptFile};
    use crate::naming::Classified;

    fn set(texts: &[&str]) -> MigrationSet {
        MigrationSet {
            files: texts
                .iter()
                .enumerate()
                .map(|(i, text)| {
                    std::sync::Arc::new(ScriptFile {
                        path: format!("V{i}__x.sql").into(),
                        location: 0,
                        script: format!("V{i}__x.sql"),
                        file_name: format!("V{i}__x.sql"),
                        class: Classified::NotSql,
                        content: Content::Text {
                            text: (*text).into(),
                            checksum: 0,
                        },
                    })
                })
                .collect(),
            ..MigrationSet::default()
        }
    }

    #[test]
    fn urls_and_folders() {
        assert_eq!(of_url("jdbc:h2:mem:test;MODE=PostgreSQL"), Some("H2"));
        assert_eq!(
            of_url("jdbc:sqlserver://h:1433;databaseName=x"),
            Some("SQL Server")
        );
        assert_eq!(of_url("jdbc:oracle:thin:@h:1521:x"), Some("Oracle"));
        assert_eq!(of_url("jdbc:postgresql://h/db"), None);
        assert_eq!(of_url("jdbc:mysql://h/db"), None);
        assert_eq!(of_folder("H2"), Some("H2"));
        assert_eq!(of_folder("MSSQL"), Some("SQL Server"));
        assert_eq!(of_folder("postgresql"), None);
        assert_eq!(of_folder("migration"), None);
    }

    #[test]
    fn code_signs_outside_comments_and_strings() {
        let tsql = "CREATE TABLE [dbo].[t] (id INT IDENTITY(1,1), n NVARCHAR(MAX))\nGO\n";
        assert_eq!(of_code(&set(&[tsql]), 0), Some(("SQL Server", 4)));
        // Outweighed by PostgreSQL or MySQL signs, or too few: nothing.
        assert_eq!(of_code(&set(&[tsql]), 4), None);
        assert_eq!(
            of_code(&set(&["CREATE TABLE t (a VARCHAR2(10));"]), 0),
            None
        );
        let oracle = "CREATE TABLE t (a VARCHAR2(10), b NUMBER(10));";
        assert_eq!(of_code(&set(&[oracle]), 0), Some(("Oracle", 2)));
        // Comments and strings say nothing.
        let pg = "-- like VARCHAR2 and NUMBER(10) in Oracle\nCOMMENT ON TABLE t IS 'AUTOINCREMENT PRAGMA x';\n/* GO\nGO */ SELECT 1;";
        assert_eq!(of_code(&set(&[pg]), 0), None);
        // Names that merely contain a sign say nothing.
        let names =
            "SELECT phone_number(a), my_varchar2 FROM t; CREATE TABLE x (old_datetime2 int);";
        assert_eq!(of_code(&set(&[names, names]), 0), None);
        let sqlite =
            "CREATE TABLE t (id INTEGER PRIMARY KEY AUTOINCREMENT);\nPRAGMA foreign_keys = ON;";
        assert_eq!(of_code(&set(&[sqlite]), 0), Some(("SQLite", 2)));
    }
}
