//! The one place that talks to a database server: connect (with a timeout), run SQL, read
//! text results. PostgreSQL through tokio-postgres, MySQL and MariaDB through mysql_async.
//! Errors come back as [`DbError`] values whose text never contains the password.

use std::fmt;
use std::time::Duration;

use mysql_async::prelude::Queryable;

use super::url::{redact_text, Connection, Tls};
use super::validate::HistoryRow;
use crate::sql::server::Flavor;

/// How long a connection attempt may take.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// A failure talking to the database.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DbError {
    /// Could not connect (or TLS was asked for and is unsupported): one line, no password.
    Connect(String),
    /// A statement failed.
    Statement(StatementError),
}

/// A statement's failure as the server reported it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatementError {
    pub message: String,
    /// SQLSTATE (PostgreSQL) or error number (MySQL).
    pub code: Option<String>,
    /// PostgreSQL: 1-based character position in the statement text.
    pub position: Option<u32>,
    /// MySQL: "at line N" of the statement.
    pub line: Option<u32>,
}

impl fmt::Display for DbError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DbError::Connect(message) => f.write_str(message),
            DbError::Statement(e) => match &e.code {
                Some(code) => write!(f, "{} ({code})", e.message),
                None => f.write_str(&e.message),
            },
        }
    }
}

impl DbError {
    fn statement(message: impl Into<String>) -> DbError {
        DbError::Statement(StatementError {
            message: message.into(),
            code: None,
            position: None,
            line: None,
        })
    }
}

/// Quotes an identifier for `flavor`.
pub fn quote_ident(flavor: Flavor, name: &str) -> String {
    match flavor {
        Flavor::Postgres => format!("\"{}\"", name.replace('"', "\"\"")),
        _ => format!("`{}`", name.replace('`', "``")),
    }
}

/// Quotes a string literal (standard quoting; backslashes doubled for MySQL).
pub fn quote_literal(flavor: Flavor, text: &str) -> String {
    let escaped = text.replace('\'', "''");
    match flavor {
        Flavor::Postgres => format!("'{escaped}'"),
        _ => format!("'{}'", escaped.replace('\\', "\\\\")),
    }
}

enum Inner {
    Postgres(tokio_postgres::Client),
    MySql(mysql_async::Conn),
}

/// An open connection.
pub struct Client {
    inner: Inner,
    pub flavor: Flavor,
    /// The redacted URL, for messages.
    pub target: String,
}

fn connect_error(connection: &Connection, reason: impl fmt::Display) -> DbError {
    DbError::Connect(redact_text(&format!(
        "cannot connect to {} (host {}, port {}, database `{}`): {reason}",
        connection.redacted(),
        connection.host,
        connection.port,
        connection.database
    )))
}

fn pg_error(err: tokio_postgres::Error) -> DbError {
    match err.as_db_error() {
        Some(db) => DbError::Statement(StatementError {
            message: db.message().to_string(),
            code: Some(db.code().code().to_string()),
            position: match db.position() {
                Some(tokio_postgres::error::ErrorPosition::Original(p)) => Some(*p),
                _ => None,
            },
            line: None,
        }),
        None => DbError::statement(redact_text(&err.to_string())),
    }
}

/// "… at line 3" in a MySQL error message.
fn mysql_line(message: &str) -> Option<u32> {
    let at = message.rfind("at line ")?;
    message[at + 8..]
        .split(|c: char| !c.is_ascii_digit())
        .next()?
        .parse()
        .ok()
}

fn mysql_error(err: mysql_async::Error) -> DbError {
    match err {
        mysql_async::Error::Server(server) => DbError::Statement(StatementError {
            line: mysql_line(&server.message),
            message: server.message,
            code: Some(server.code.to_string()),
            position: None,
        }),
        other => DbError::statement(redact_text(&other.to_string())),
    }
}

impl Client {
    /// Connects, giving up after `timeout`.
    pub async fn connect(connection: &Connection, timeout: Duration) -> Result<Client, DbError> {
        if connection.tls == Tls::Require {
            return Err(connect_error(
                connection,
                "the URL requires TLS, which this build of flyway-lsp does not support; connect through a TLS tunnel (e.g. stunnel or an SSH tunnel) and use sslmode=disable",
            ));
        }
        let user = connection
            .user
            .clone()
            .or_else(|| std::env::var("USER").ok())
            .unwrap_or_else(|| "root".into());
        match connection.flavor {
            Flavor::Postgres => {
                let mut config = tokio_postgres::Config::new();
                config
                    .host(&connection.host)
                    .port(connection.port)
                    .user(&user)
                    .dbname(if connection.database.is_empty() {
                        &user
                    } else {
                        &connection.database
                    })
                    .application_name("flyway-lsp")
                    .connect_timeout(timeout)
                    .ssl_mode(tokio_postgres::config::SslMode::Disable);
                if let Some(password) = &connection.password {
                    config.password(password);
                }
                let attempt = tokio::time::timeout(timeout, config.connect(tokio_postgres::NoTls));
                let (client, conn) = match attempt.await {
                    Err(_) => return Err(connect_error(connection, "timed out")),
                    Ok(Err(e)) => return Err(connect_error(connection, pg_reason(&e))),
                    Ok(Ok(pair)) => pair,
                };
                tokio::spawn(async move {
                    let _ = conn.await;
                });
                Ok(Client {
                    inner: Inner::Postgres(client),
                    flavor: Flavor::Postgres,
                    target: connection.redacted(),
                })
            }
            flavor => {
                let mut opts = mysql_async::OptsBuilder::default();
                // A host that is a path is a Unix socket (the dry-run's private server).
                opts = if connection.host.starts_with('/') {
                    opts.socket(Some(connection.host.clone()))
                } else {
                    opts.ip_or_hostname(connection.host.clone())
                        .tcp_port(connection.port)
                };
                let opts = opts
                    .user(Some(user))
                    .pass(connection.password.clone())
                    .db_name(Some(connection.database.clone()).filter(|d| !d.is_empty()))
                    .prefer_socket(false)
                    .stmt_cache_size(0);
                let attempt = tokio::time::timeout(timeout, mysql_async::Conn::new(opts));
                let conn = match attempt.await {
                    Err(_) => return Err(connect_error(connection, "timed out")),
                    Ok(Err(e)) => return Err(connect_error(connection, mysql_reason(&e))),
                    Ok(Ok(conn)) => conn,
                };
                Ok(Client {
                    inner: Inner::MySql(conn),
                    flavor,
                    target: connection.redacted(),
                })
            }
        }
    }

    /// Runs SQL (one or more statements, nothing returned).
    pub async fn execute(&mut self, sql: &str) -> Result<(), DbError> {
        match &mut self.inner {
            Inner::Postgres(client) => client.batch_execute(sql).await.map_err(pg_error),
            Inner::MySql(conn) => conn.query_drop(sql).await.map_err(mysql_error),
        }
    }

    /// Runs a query and returns every value as text (`None` for NULL).
    pub async fn query_text(&mut self, sql: &str) -> Result<Vec<Vec<Option<String>>>, DbError> {
        match &mut self.inner {
            Inner::Postgres(client) => {
                let messages = client.simple_query(sql).await.map_err(pg_error)?;
                Ok(messages
                    .into_iter()
                    .filter_map(|m| match m {
                        tokio_postgres::SimpleQueryMessage::Row(row) => Some(
                            (0..row.len())
                                .map(|i| row.get(i).map(str::to_string))
                                .collect(),
                        ),
                        _ => None,
                    })
                    .collect())
            }
            Inner::MySql(conn) => {
                let rows: Vec<mysql_async::Row> = conn.query(sql).await.map_err(mysql_error)?;
                Ok(rows
                    .into_iter()
                    .map(|row| {
                        row.unwrap()
                            .into_iter()
                            .map(|value| match value {
                                mysql_async::Value::NULL => None,
                                mysql_async::Value::Bytes(b) => {
                                    Some(String::from_utf8_lossy(&b).into_owned())
                                }
                                other => Some(other.as_sql(true).trim_matches('\'').to_string()),
                            })
                            .collect()
                    })
                    .collect())
            }
        }
    }

    /// The first value of the first row.
    pub async fn query_one(&mut self, sql: &str) -> Result<Option<String>, DbError> {
        Ok(self
            .query_text(sql)
            .await?
            .into_iter()
            .next()
            .and_then(|row| row.into_iter().next().flatten()))
    }

    /// The schema (PostgreSQL) or database (MySQL) unqualified names resolve to.
    pub async fn current_schema(&mut self) -> Result<String, DbError> {
        let sql = match self.flavor {
            Flavor::Postgres => "SELECT current_schema()",
            _ => "SELECT DATABASE()",
        };
        self.query_one(sql).await?.ok_or_else(|| {
            DbError::statement(
                "no current schema: set `schemas` or `defaultSchema`, or put a database in the URL",
            )
        })
    }

    /// The server's version string (`15.20`, `10.11.19-MariaDB-…`).
    pub async fn server_version(&mut self) -> Result<String, DbError> {
        let sql = match self.flavor {
            Flavor::Postgres => "SHOW server_version",
            _ => "SELECT VERSION()",
        };
        Ok(self.query_one(sql).await?.unwrap_or_default())
    }

    /// The server-side id of this session (`pg_backend_pid()` / `CONNECTION_ID()`).
    pub async fn session_id(&mut self) -> Result<String, DbError> {
        let sql = match self.flavor {
            Flavor::Postgres => "SELECT pg_backend_pid()",
            _ => "SELECT CONNECTION_ID()",
        };
        Ok(self.query_one(sql).await?.unwrap_or_default())
    }

    /// Whether `schema.table` exists.
    pub async fn table_exists(&mut self, schema: &str, table: &str) -> Result<bool, DbError> {
        let sql = format!(
            "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = {} AND table_name = {}",
            quote_literal(self.flavor, schema),
            quote_literal(self.flavor, table)
        );
        Ok(self.query_one(&sql).await?.as_deref() != Some("0"))
    }

    /// Reads Flyway's history table in a read-only transaction; `Ok(None)` when it does not
    /// exist.
    pub async fn read_history(
        &mut self,
        schema: &str,
        table: &str,
    ) -> Result<Option<Vec<HistoryRow>>, DbError> {
        self.execute("START TRANSACTION READ ONLY").await?;
        let result = self.read_history_in_transaction(schema, table).await;
        let end = self.execute("ROLLBACK").await;
        let rows = result?;
        end?;
        Ok(rows)
    }

    async fn read_history_in_transaction(
        &mut self,
        schema: &str,
        table: &str,
    ) -> Result<Option<Vec<HistoryRow>>, DbError> {
        if !self.table_exists(schema, table).await? {
            return Ok(None);
        }
        let qualified = format!(
            "{}.{}",
            quote_ident(self.flavor, schema),
            quote_ident(self.flavor, table)
        );
        let sql = match self.flavor {
            Flavor::Postgres => format!(
                "SELECT installed_rank::text, version, description, type, script, checksum::text, installed_by, to_char(installed_on, 'YYYY-MM-DD HH24:MI:SS'), execution_time::text, CASE WHEN success THEN '1' ELSE '0' END FROM {qualified} ORDER BY installed_rank"
            ),
            _ => format!(
                "SELECT installed_rank, version, description, type, script, checksum, installed_by, DATE_FORMAT(installed_on, '%Y-%m-%d %H:%i:%s'), execution_time, CASE WHEN success THEN '1' ELSE '0' END FROM {qualified} ORDER BY installed_rank"
            ),
        };
        let rows = self.query_text(&sql).await?;
        let mut out = Vec::with_capacity(rows.len());
        for row in rows {
            let text = |i: usize| row.get(i).cloned().flatten().unwrap_or_default();
            let number = |i: usize| -> Result<i32, DbError> {
                text(i).trim().parse::<i32>().map_err(|_| {
                    DbError::statement(format!(
                        "{qualified}: column {i} holds `{}`, not a number: is this Flyway's history table?",
                        text(i)
                    ))
                })
            };
            out.push(HistoryRow {
                installed_rank: number(0)?,
                version: row.get(1).cloned().flatten(),
                description: text(2),
                migration_type: text(3),
                script: text(4),
                checksum: match row.get(5).cloned().flatten() {
                    Some(c) => Some(c.trim().parse::<i32>().map_err(|_| {
                        DbError::statement(format!("{qualified}: checksum `{c}` is not a number"))
                    })?),
                    None => None,
                },
                installed_by: text(6),
                installed_on: text(7),
                execution_time: number(8).unwrap_or(0),
                success: text(9) == "1",
            });
        }
        Ok(Some(out))
    }

    /// Closes the connection politely.
    pub async fn close(self) {
        match self.inner {
            Inner::Postgres(client) => drop(client),
            Inner::MySql(conn) => {
                let _ = conn.disconnect().await;
            }
        }
    }
}

fn pg_reason(err: &tokio_postgres::Error) -> String {
    if let Some(db) = err.as_db_error() {
        return db.message().to_string();
    }
    let text = err.to_string();
    let source = std::error::Error::source(err)
        .map(|s| s.to_string())
        .unwrap_or_default();
    if source.is_empty() || text.contains(&source) {
        text
    } else {
        format!("{text}: {source}")
    }
}

fn mysql_reason(err: &mysql_async::Error) -> String {
    match err {
        mysql_async::Error::Server(server) => server.message.clone(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoting_and_mysql_lines() {
        assert_eq!(quote_ident(Flavor::Postgres, "a\"b"), "\"a\"\"b\"");
        assert_eq!(quote_ident(Flavor::MySql, "a`b"), "`a``b`");
        assert_eq!(quote_literal(Flavor::MySql, "it's \\"), "'it''s \\\\'");
        assert_eq!(
            mysql_line("You have an error in your SQL syntax; check the manual near 'x' at line 3"),
            Some(3)
        );
        assert_eq!(mysql_line("Table 't' already exists"), None);
    }

    #[tokio::test]
    async fn tls_required_is_refused_with_one_clear_line() {
        let c = Connection::parse(
            "jdbc:postgresql://127.0.0.1:1/db?sslmode=require&password=hunter2",
            None,
            None,
        )
        .unwrap();
        let Err(DbError::Connect(message)) = Client::connect(&c, CONNECT_TIMEOUT).await else {
            panic!("expected a connection error");
        };
        assert!(
            message.contains("TLS") && !message.contains("hunter2"),
            "{message}"
        );
        assert!(!message.contains('\n'));
    }
}
