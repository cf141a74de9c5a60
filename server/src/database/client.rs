//! The one place that talks to a database server: connect (with a timeout), run SQL, read
//! text results. PostgreSQL through tokio-postgres, MySQL and MariaDB through mysql_async.
//! Errors come back as [`DbError`] values whose text never contains the password.

use std::fmt;
use std::time::Duration;

use mysql_async::prelude::Queryable;

use super::url::{redact_text, Connection, TargetServer, Tls};
use super::validate::HistoryRow;
use crate::sql::server::Flavor;

/// How long a connection attempt may take.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// How long a read of the schema history may wait (validate, `info --url`, `check --connect`,
/// the editor's background reads): a migration holding the history table locked, or a server
/// that stops answering, gives an error after these, never a hang.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReadLimits {
    /// How long a statement may wait for a lock (PostgreSQL `lock_timeout`; MySQL
    /// `lock_wait_timeout` and `innodb_lock_wait_timeout`, whole seconds, at least 1).
    pub lock_timeout: Duration,
    /// How long one statement may run (PostgreSQL `statement_timeout`; MariaDB
    /// `max_statement_time`; MySQL `max_execution_time`).
    pub statement_timeout: Duration,
}

impl Default for ReadLimits {
    fn default() -> Self {
        ReadLimits {
            lock_timeout: Duration::from_secs(5),
            statement_timeout: Duration::from_secs(30),
        }
    }
}

impl ReadLimits {
    /// The client's own bound on a whole read, for a server that stops answering: the
    /// server-side limits and a margin.
    pub fn overall(&self) -> Duration {
        self.lock_timeout + self.statement_timeout + Duration::from_secs(5)
    }
}

/// `5 s`, `0.5 s`.
pub fn seconds(d: Duration) -> String {
    let s = d.as_secs_f64();
    if s.fract() == 0.0 {
        format!("{s:.0} s")
    } else {
        format!("{s} s")
    }
}

/// A failure talking to the database.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DbError {
    /// Could not connect (or TLS was asked for and is unsupported): one line, no password.
    Connect(String),
    /// A statement failed.
    Statement(StatementError),
    /// The history could not be read in time: locked by another session, or too slow.
    Busy(String),
    /// The history table is not laid out as Flyway's: a column missing or of another type, or
    /// a value that cannot be Flyway's.
    History(String),
    /// The folder's migrations cannot be resolved as Flyway resolves them (a repeatable's
    /// placeholder has no value): Flyway fails the command the same way.
    Resolve(String),
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
            DbError::Connect(message)
            | DbError::Busy(message)
            | DbError::History(message)
            | DbError::Resolve(message) => f.write_str(message),
            DbError::Statement(e) => match &e.code {
                Some(code) => write!(f, "{} ({code})", e.message),
                None => f.write_str(&e.message),
            },
        }
    }
}

impl DbError {
    /// A failure to reach or prepare a server: one line, no password.
    pub fn connect(message: impl Into<String>) -> DbError {
        DbError::Connect(message.into())
    }

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

/// Quotes a string literal (standard quoting; backslashes doubled for MySQL). PostgreSQL text
/// with a backslash becomes an escape string (`E'a\\b'`), which reads the same whatever
/// `standard_conforming_strings` is. Reads never use this: their values are bound parameters.
pub fn quote_literal(flavor: Flavor, text: &str) -> String {
    let escaped = text.replace('\'', "''");
    match flavor {
        Flavor::Postgres if text.contains('\\') => {
            format!("E'{}'", escaped.replace('\\', "\\\\"))
        }
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
    /// The server's version, once asked (it does not change during a connection).
    version: Option<String>,
}

fn connect_error(connection: &Connection, reason: impl fmt::Display) -> DbError {
    DbError::Connect(redact_text(&format!(
        "{}: {reason}",
        connect_prefix(connection)
    )))
}

fn connect_prefix(connection: &Connection) -> String {
    format!(
        "cannot connect to {} (host {}, port {}, database `{}`)",
        connection.redacted(),
        connection.host,
        connection.port,
        connection.database
    )
}

/// Why a connection failed: the server's own message (which never holds the password, and is
/// shown as the server wrote it: `Access denied for user 'app'@'10.0.0.1'`), or the driver's
/// (passed through redaction like any free text).
enum Reason {
    Server(String),
    Driver(String),
}

fn reason_error(connection: &Connection, reason: Reason) -> DbError {
    match reason {
        Reason::Server(message) => {
            let mut message = message;
            for secret in connection
                .password
                .as_deref()
                .filter(|s| !s.is_empty())
                .into_iter()
                .chain(connection.options.tls_files.secrets())
            {
                message = message.replace(secret, "***");
            }
            DbError::Connect(format!(
                "{}: {}",
                redact_text(&connect_prefix(connection)),
                message.replace('\n', " ")
            ))
        }
        Reason::Driver(text) => connect_error(connection, explained(connection, text)),
    }
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
    /// Connects (TLS as the URL asks), giving up after `timeout` (or the URL's connect timeout)
    /// per host; retries as Flyway's `connectRetries` says (waits of 1 s, doubling, capped at
    /// `connectRetriesInterval`), then runs `initSql`.
    pub async fn connect(connection: &Connection, timeout: Duration) -> Result<Client, DbError> {
        let timeout = connection.options.connect_timeout.unwrap_or(timeout);
        let mut wait = Duration::from_secs(1);
        let mut failures = 0;
        let mut client = loop {
            match Client::connect_once(connection, timeout).await {
                Ok(client) => break client,
                Err(_) if failures < connection.options.retries => {
                    failures += 1;
                    tokio::time::sleep(wait).await;
                    wait = (wait * 2).min(
                        connection
                            .options
                            .retries_interval
                            .max(Duration::from_secs(1)),
                    );
                }
                Err(e) => return Err(e),
            }
        };
        if let Some(sql) = &connection.options.init_sql {
            client.run_init_sql(connection, sql).await?;
        }
        Ok(client)
    }

    async fn connect_once(connection: &Connection, timeout: Duration) -> Result<Client, DbError> {
        let user = connection
            .user
            .clone()
            .or_else(|| std::env::var("USER").ok())
            .unwrap_or_else(|| "root".into());
        let hosts = connection.hosts();
        // Each host gets the whole timeout, as the drivers give it.
        let overall = timeout * u32::try_from(hosts.len()).unwrap_or(u32::MAX).max(1);
        match connection.flavor {
            Flavor::Postgres => {
                let mut config = tokio_postgres::Config::new();
                for (host, port) in &hosts {
                    config.host(host).port(*port);
                }
                config
                    .user(&user)
                    .dbname(if connection.database.is_empty() {
                        &user
                    } else {
                        &connection.database
                    })
                    .application_name("flyway-lsp")
                    .connect_timeout(timeout);
                if let Some(password) = &connection.password {
                    config.password(password);
                }
                use tokio_postgres::config::TargetSessionAttrs as Attrs;
                // The preferred kind of server first, then (for the `prefer…` types) any.
                let attempts: &[Attrs] = match connection.options.target_server {
                    TargetServer::Any => &[Attrs::Any],
                    TargetServer::Primary => &[Attrs::ReadWrite],
                    TargetServer::Secondary => &[Attrs::ReadOnly],
                    TargetServer::PreferPrimary => &[Attrs::ReadWrite, Attrs::Any],
                    TargetServer::PreferSecondary => &[Attrs::ReadOnly, Attrs::Any],
                };
                let tls = match connection.tls {
                    Tls::Disable => None,
                    _ => Some(
                        super::tls::client_config(connection)
                            .map_err(|e| connect_error(connection, e))?,
                    ),
                };
                config.ssl_mode(match connection.tls {
                    Tls::Disable => tokio_postgres::config::SslMode::Disable,
                    Tls::Prefer => tokio_postgres::config::SslMode::Prefer,
                    _ => tokio_postgres::config::SslMode::Require,
                });
                let mut last = None;
                for attrs in attempts {
                    config.target_session_attrs(*attrs);
                    let result = match &tls {
                        None => pg_connect(&config, tokio_postgres::NoTls, overall).await,
                        Some(tls) => {
                            let make = tokio_postgres_rustls::MakeRustlsConnect::new(tls.clone());
                            pg_connect(&config, make, overall).await
                        }
                    };
                    match result {
                        Ok(client) => {
                            return Ok(Client {
                                inner: Inner::Postgres(client),
                                flavor: Flavor::Postgres,
                                target: connection.redacted(),
                                version: None,
                            })
                        }
                        Err(reason) => last = Some(reason),
                    }
                }
                Err(reason_error(
                    connection,
                    last.unwrap_or(Reason::Driver(String::new())),
                ))
            }
            flavor => {
                let mut last = Reason::Driver(String::new());
                for (host, port) in &hosts {
                    match mysql_connect(connection, host, *port, &user, overall).await {
                        Ok(conn) => {
                            return Ok(Client {
                                inner: Inner::MySql(conn),
                                flavor,
                                target: connection.redacted(),
                                version: None,
                            })
                        }
                        Err(reason) => last = reason,
                    }
                }
                Err(reason_error(connection, last))
            }
        }
    }

    /// Flyway's `initSql`, when it only sets session variables: the reads that follow are
    /// promised never to write, and a statement of any other kind could. Anything else is
    /// refused before it runs, with the statement's first words.
    async fn run_init_sql(&mut self, connection: &Connection, sql: &str) -> Result<(), DbError> {
        let statements = session_settings(self.flavor, sql).map_err(|e| {
            DbError::Connect(redact_text(&format!(
                "initSql on {}: {e}",
                connection.redacted()
            )))
        })?;
        for statement in statements {
            self.execute(&statement).await.map_err(|e| {
                DbError::Connect(redact_text(&format!(
                    "initSql on {} failed: {e}",
                    connection.redacted()
                )))
            })?;
        }
        Ok(())
    }

    /// Runs SQL (one or more statements, nothing returned).
    pub async fn execute(&mut self, sql: &str) -> Result<(), DbError> {
        match &mut self.inner {
            Inner::Postgres(client) => client.batch_execute(sql).await.map_err(pg_error),
            Inner::MySql(conn) => conn.query_drop(sql).await.map_err(mysql_error),
        }
    }

    /// Runs exactly one statement through PostgreSQL's extended protocol (Parse, Bind,
    /// Execute): the server refuses a text holding more than one statement ("cannot insert
    /// multiple commands into a prepared statement"), so nothing hidden in it can run. Used by
    /// `dry-run --on-target` for the migrations' statements; PostgreSQL only.
    pub async fn execute_one(&mut self, sql: &str) -> Result<u64, DbError> {
        match &mut self.inner {
            Inner::Postgres(client) => client.execute(sql, &[]).await.map_err(pg_error),
            Inner::MySql(_) => Err(DbError::statement(
                "one-statement execution through the extended protocol is PostgreSQL only",
            )),
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
                Ok(rows.into_iter().map(mysql_row_text).collect())
            }
        }
    }

    /// Runs a query with bound text parameters (`$1`, `$2`, … in `sql`, in order; `?` on
    /// MySQL) and returns every value as text. On PostgreSQL every selected value must be text
    /// (cast it: `x::text`).
    pub async fn query_bound(
        &mut self,
        sql: &str,
        params: &[&str],
    ) -> Result<Vec<Vec<Option<String>>>, DbError> {
        match &mut self.inner {
            Inner::Postgres(client) => {
                let bound: Vec<&(dyn tokio_postgres::types::ToSql + Sync)> = params
                    .iter()
                    .map(|p| p as &(dyn tokio_postgres::types::ToSql + Sync))
                    .collect();
                let rows = client.query(sql, &bound).await.map_err(pg_error)?;
                rows.iter()
                    .map(|row| {
                        (0..row.len())
                            .map(|i| {
                                row.try_get::<_, Option<String>>(i).map_err(|e| {
                                    DbError::statement(format!("reading column {}: {e}", i + 1))
                                })
                            })
                            .collect()
                    })
                    .collect()
            }
            Inner::MySql(conn) => {
                let sql = mysql_placeholders(sql);
                let values: Vec<mysql_async::Value> = params
                    .iter()
                    .map(|p| mysql_async::Value::from(*p))
                    .collect();
                let rows: Vec<mysql_async::Row> =
                    conn.exec(sql, values).await.map_err(mysql_error)?;
                Ok(rows.into_iter().map(mysql_row_text).collect())
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

    /// The user the server says this session is, as Flyway's `Database.getCurrentUser` asks
    /// (`PostgreSQLDatabase`: `current_user`; `MySQLDatabase`: `USER()` up to the `@`): the
    /// value of `${flyway:user}`.
    pub async fn current_user(&mut self) -> Result<Option<String>, DbError> {
        let sql = match self.flavor {
            Flavor::Postgres => "SELECT current_user",
            _ => "SELECT SUBSTRING_INDEX(USER(),'@',1)",
        };
        self.query_one(sql).await
    }

    /// The server's version string (`15.20`, `10.11.19-MariaDB-…`).
    pub async fn server_version(&mut self) -> Result<String, DbError> {
        if let Some(version) = &self.version {
            return Ok(version.clone());
        }
        let sql = match self.flavor {
            Flavor::Postgres => "SHOW server_version",
            _ => "SELECT VERSION()",
        };
        let version = self.query_one(sql).await?.unwrap_or_default();
        self.version = Some(version.clone());
        Ok(version)
    }

    /// The server-side id of this session (`pg_backend_pid()` / `CONNECTION_ID()`).
    pub async fn session_id(&mut self) -> Result<String, DbError> {
        let sql = match self.flavor {
            Flavor::Postgres => "SELECT pg_backend_pid()",
            _ => "SELECT CONNECTION_ID()",
        };
        Ok(self.query_one(sql).await?.unwrap_or_default())
    }

    /// Whether `schema.table` exists (the names are bound parameters).
    pub async fn table_exists(&mut self, schema: &str, table: &str) -> Result<bool, DbError> {
        let sql = match self.flavor {
            Flavor::Postgres => "SELECT COUNT(*)::text FROM information_schema.tables WHERE table_schema = $1::text AND table_name = $2::text",
            _ => "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = $1 AND table_name = $2",
        };
        let rows = self.query_bound(sql, &[schema, table]).await?;
        let count = rows
            .into_iter()
            .next()
            .and_then(|r| r.into_iter().next().flatten());
        Ok(count.as_deref().is_some_and(|c| c.trim() != "0"))
    }

    /// Whether the schema (PostgreSQL) or database (MySQL) exists (the name is a bound
    /// parameter).
    pub async fn schema_exists(&mut self, schema: &str) -> Result<bool, DbError> {
        let sql = match self.flavor {
            Flavor::Postgres => "SELECT COUNT(*)::text FROM information_schema.schemata WHERE schema_name = $1::text",
            _ => "SELECT COUNT(*) FROM information_schema.schemata WHERE schema_name = $1",
        };
        let rows = self.query_bound(sql, &[schema]).await?;
        let count = rows
            .into_iter()
            .next()
            .and_then(|r| r.into_iter().next().flatten());
        Ok(count.as_deref().is_some_and(|c| c.trim() != "0"))
    }

    /// The columns of `schema.table` and their types, as `information_schema.columns` names
    /// them (the names are bound parameters).
    async fn columns(
        &mut self,
        schema: &str,
        table: &str,
    ) -> Result<Vec<(String, String)>, DbError> {
        let sql = match self.flavor {
            Flavor::Postgres => "SELECT column_name::text, data_type::text FROM information_schema.columns WHERE table_schema = $1::text AND table_name = $2::text ORDER BY ordinal_position",
            _ => "SELECT column_name, data_type FROM information_schema.columns WHERE table_schema = $1 AND table_name = $2 ORDER BY ordinal_position",
        };
        Ok(self
            .query_bound(sql, &[schema, table])
            .await?
            .into_iter()
            .filter_map(|row| {
                let mut values = row.into_iter();
                Some((values.next()??, values.next().flatten().unwrap_or_default()))
            })
            .collect())
    }

    /// Reads Flyway's history table in a read-only transaction, within `limits`; `Ok(None)`
    /// when it does not exist. A lock held by another session or a slow server gives
    /// [`DbError::Busy`]; a table that is not laid out as Flyway's, [`DbError::History`].
    pub async fn read_history(
        &mut self,
        schema: &str,
        table: &str,
        limits: ReadLimits,
    ) -> Result<Option<Vec<HistoryRow>>, DbError> {
        let qualified = format!(
            "{}.{}",
            quote_ident(self.flavor, schema),
            quote_ident(self.flavor, table)
        );
        let result = self
            .read_only(limits, async |c: &mut Client| {
                c.read_history_in_transaction(schema, table).await
            })
            .await;
        result.map_err(|e| limit_error(e, &qualified, limits))
    }

    /// Runs `body` in a read-only transaction within `limits`, always rolled back. PostgreSQL:
    /// `lock_timeout`, `statement_timeout` and `standard_conforming_strings = on`, local to the
    /// transaction. MySQL / MariaDB: the session's lock and statement limits, put back after the
    /// read, so a later use of the connection keeps its own.
    pub async fn read_only<T>(
        &mut self,
        limits: ReadLimits,
        body: impl AsyncFnOnce(&mut Client) -> Result<T, DbError>,
    ) -> Result<T, DbError> {
        if self.flavor == Flavor::Postgres {
            self.execute("START TRANSACTION READ ONLY").await?;
            let settings = format!(
                "SET LOCAL lock_timeout = '{}ms'; SET LOCAL statement_timeout = '{}ms'; SET LOCAL standard_conforming_strings = on",
                limits.lock_timeout.as_millis().max(1),
                limits.statement_timeout.as_millis().max(1)
            );
            let result = match self.execute(&settings).await {
                Ok(()) => body(self).await,
                Err(e) => Err(e),
            };
            let end = self.execute("ROLLBACK").await;
            let value = result?;
            end?;
            return Ok(value);
        }
        let mariadb = self
            .server_version()
            .await?
            .to_ascii_lowercase()
            .contains("mariadb");
        let lock = limits.lock_timeout.as_secs().max(1);
        self.execute(&format!(
            "SET SESSION lock_wait_timeout = {lock}, innodb_lock_wait_timeout = {lock}"
        ))
        .await?;
        let (statement_var, statement_value) = if mariadb {
            (
                "max_statement_time",
                format!("{}", limits.statement_timeout.as_secs_f64().max(0.001)),
            )
        } else {
            (
                "max_execution_time",
                limits.statement_timeout.as_millis().max(1).to_string(),
            )
        };
        // Servers older than the variable (MySQL before 5.7.8) refuse it: the client-side
        // bound of `read_with` still holds.
        let statement_limit = match self
            .execute(&format!("SET SESSION {statement_var} = {statement_value}"))
            .await
        {
            Ok(()) => true,
            Err(DbError::Statement(e)) if e.code.as_deref() == Some("1193") => false,
            Err(e) => return Err(e),
        };
        let result = match self.execute("START TRANSACTION READ ONLY").await {
            Ok(()) => {
                let value = body(self).await;
                let end = self.execute("ROLLBACK").await;
                value.and_then(|value| end.map(|()| value))
            }
            Err(e) => Err(e),
        };
        let mut restore =
            "SET SESSION lock_wait_timeout = DEFAULT, innodb_lock_wait_timeout = DEFAULT"
                .to_string();
        if statement_limit {
            restore.push_str(&format!(", {statement_var} = DEFAULT"));
        }
        let restored = self.execute(&restore).await;
        let value = result?;
        restored?;
        Ok(value)
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
        let columns = self.columns(schema, table).await?;
        check_history_columns(self.flavor, &qualified, &columns)?;
        let c = |name: &str| quote_ident(self.flavor, name);
        let sql = match self.flavor {
            Flavor::Postgres => format!(
                "SELECT {}::text, {}::text, {}::text, {}::text, {}::text, {}::text, {}::text, to_char({}, 'YYYY-MM-DD HH24:MI:SS'), {}::text, CASE WHEN {} THEN '1' ELSE '0' END FROM {qualified} ORDER BY {}",
                c("installed_rank"), c("version"), c("description"), c("type"), c("script"), c("checksum"), c("installed_by"), c("installed_on"), c("execution_time"), c("success"), c("installed_rank")
            ),
            _ => format!(
                "SELECT {}, {}, {}, {}, {}, {}, {}, DATE_FORMAT({}, '%Y-%m-%d %H:%i:%s'), {}, CASE WHEN {} THEN '1' ELSE '0' END FROM {qualified} ORDER BY {}",
                c("installed_rank"), c("version"), c("description"), c("type"), c("script"), c("checksum"), c("installed_by"), c("installed_on"), c("execution_time"), c("success"), c("installed_rank")
            ),
        };
        let rows = self.query_text(&sql).await?;
        let mut out = Vec::with_capacity(rows.len());
        for row in rows {
            let text = |i: usize| row.get(i).cloned().flatten().unwrap_or_default();
            let number = |i: usize, column: &str| -> Result<i32, DbError> {
                let value = text(i);
                value.trim().parse::<i32>().map_err(|_| {
                    DbError::History(format!(
                        "the schema history table {qualified}: column `{column}` holds `{}`, not a 32-bit integer as Flyway writes",
                        value.chars().take(40).collect::<String>()
                    ))
                })
            };
            out.push(HistoryRow {
                installed_rank: number(0, "installed_rank")?,
                version: row.get(1).cloned().flatten(),
                description: text(2),
                migration_type: text(3),
                script: text(4),
                checksum: match row.get(5).cloned().flatten() {
                    Some(_) => Some(number(5, "checksum")?),
                    None => None,
                },
                installed_by: text(6),
                installed_on: text(7),
                execution_time: number(8, "execution_time").unwrap_or(0),
                success: text(9) == "1",
            });
        }
        Ok(Some(out))
    }

    /// Closes the connection politely (giving up after a moment: a server that stopped
    /// answering does not hold the caller).
    pub async fn close(self) {
        match self.inner {
            Inner::Postgres(client) => drop(client),
            Inner::MySql(conn) => {
                let _ = tokio::time::timeout(Duration::from_secs(2), conn.disconnect()).await;
            }
        }
    }
}

/// One MySQL row as text (`None` for NULL).
fn mysql_row_text(row: mysql_async::Row) -> Vec<Option<String>> {
    row.unwrap()
        .into_iter()
        .map(|value| match value {
            mysql_async::Value::NULL => None,
            mysql_async::Value::Bytes(b) => Some(String::from_utf8_lossy(&b).into_owned()),
            other => Some(other.as_sql(true).trim_matches('\'').to_string()),
        })
        .collect()
}

/// `$1`, `$2`, … as MySQL's `?` (the constant SQL of this file only: no `$` in literals).
fn mysql_placeholders(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len());
    let mut chars = sql.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '$' && chars.peek().is_some_and(char::is_ascii_digit) {
            while chars.peek().is_some_and(char::is_ascii_digit) {
                chars.next();
            }
            out.push('?');
        } else {
            out.push(c);
        }
    }
    out
}

/// A timeout of the read as the one line users see; other errors unchanged.
fn limit_error(error: DbError, qualified: &str, limits: ReadLimits) -> DbError {
    let DbError::Statement(e) = &error else {
        return error;
    };
    let locked = || {
        DbError::Busy(format!(
            "the schema history table {qualified} is locked by another session (a migration running?); gave up after {}",
            seconds(limits.lock_timeout)
        ))
    };
    let slow = || {
        DbError::Busy(format!(
            "reading the schema history table {qualified} took longer than {}; gave up",
            seconds(limits.statement_timeout)
        ))
    };
    match e.code.as_deref() {
        // lock_not_available; ER_LOCK_WAIT_TIMEOUT (row locks and metadata locks alike)
        Some("55P03") | Some("1205") => locked(),
        // query_canceled by statement_timeout (not by an administrator)
        Some("57014") if e.message.contains("statement timeout") => slow(),
        // MariaDB's max_statement_time; MySQL's max_execution_time
        Some("1969") | Some("3024") => slow(),
        _ => error,
    }
}

/// Which types Flyway's columns may have and still be read.
#[derive(Clone, Copy)]
enum ColumnKind {
    Integer,
    Text,
    Time,
    Boolean,
}

impl ColumnKind {
    fn accepts(self, flavor: Flavor, data_type: &str) -> bool {
        let t = data_type.to_ascii_lowercase();
        let t = t.as_str();
        let integer = matches!(
            t,
            "smallint"
                | "integer"
                | "bigint"
                | "int"
                | "tinyint"
                | "mediumint"
                | "numeric"
                | "decimal"
        );
        match self {
            ColumnKind::Integer => integer,
            ColumnKind::Text => matches!(
                t,
                "character varying"
                    | "varchar"
                    | "text"
                    | "character"
                    | "char"
                    | "tinytext"
                    | "mediumtext"
                    | "longtext"
                    | "nvarchar"
                    | "nchar"
            ),
            ColumnKind::Time => t.starts_with("timestamp") || matches!(t, "datetime" | "date"),
            ColumnKind::Boolean => match flavor {
                Flavor::Postgres => t == "boolean",
                _ => integer || matches!(t, "bit" | "boolean" | "bool"),
            },
        }
    }

    fn name(self) -> &'static str {
        match self {
            ColumnKind::Integer => "an integer",
            ColumnKind::Text => "text (VARCHAR)",
            ColumnKind::Time => "a timestamp",
            ColumnKind::Boolean => "a boolean",
        }
    }
}

/// The columns Flyway's history table has, in Flyway's order.
const HISTORY_COLUMNS: [(&str, ColumnKind); 10] = [
    ("installed_rank", ColumnKind::Integer),
    ("version", ColumnKind::Text),
    ("description", ColumnKind::Text),
    ("type", ColumnKind::Text),
    ("script", ColumnKind::Text),
    ("checksum", ColumnKind::Integer),
    ("installed_by", ColumnKind::Text),
    ("installed_on", ColumnKind::Time),
    ("execution_time", ColumnKind::Integer),
    ("success", ColumnKind::Boolean),
];

/// One line naming the table and the first column that is missing or of another type.
fn check_history_columns(
    flavor: Flavor,
    qualified: &str,
    columns: &[(String, String)],
) -> Result<(), DbError> {
    let mut problems = Vec::new();
    for (name, kind) in HISTORY_COLUMNS {
        // PostgreSQL names are exact (Flyway creates them quoted, lower case); MySQL's are not
        // case-sensitive.
        let found = columns.iter().find(|(c, _)| match flavor {
            Flavor::Postgres => c == name,
            _ => c.eq_ignore_ascii_case(name),
        });
        match found {
            None => problems.push(format!("has no column `{name}`")),
            Some((_, data_type)) if !kind.accepts(flavor, data_type) => problems.push(format!(
                "has column `{name}` of type {}, where Flyway writes {}",
                data_type.chars().take(40).collect::<String>(),
                kind.name()
            )),
            Some(_) => {}
        }
    }
    let Some(first) = problems.first() else {
        return Ok(());
    };
    let more = match problems.len() {
        1 => String::new(),
        n => format!(
            " (and {} more column problem{})",
            n - 1,
            if n == 2 { "" } else { "s" }
        ),
    };
    Err(DbError::History(format!(
        "the schema history table {qualified} {first}{more}: it is not laid out as Flyway's; set `table` / --table to Flyway's history table"
    )))
}

/// One PostgreSQL connection attempt (every host of `config` in order); the reason it failed.
async fn pg_connect<T>(
    config: &tokio_postgres::Config,
    tls: T,
    overall: Duration,
) -> Result<tokio_postgres::Client, Reason>
where
    T: tokio_postgres::tls::MakeTlsConnect<tokio_postgres::Socket> + Send,
    T::Stream: Send + 'static,
{
    match tokio::time::timeout(overall, config.connect(tls)).await {
        Err(_) => Err(Reason::Driver("timed out".into())),
        Ok(Err(e)) => Err(match e.as_db_error() {
            Some(db) => Reason::Server(db.message().to_string()),
            None => Reason::Driver(pg_reason(&e)),
        }),
        Ok(Ok((client, conn))) => {
            tokio::spawn(async move {
                let _ = conn.await;
            });
            Ok(client)
        }
    }
}

/// MySQL's and MariaDB's ER_ACCESS_DENIED_ERROR: a login refused.
const ACCESS_DENIED: u16 = 1045;

/// One MySQL / MariaDB connection attempt to one host, with TLS as the mode asks: `prefer`
/// falls back to plain text only when the server does not offer TLS.
async fn mysql_connect(
    connection: &Connection,
    host: &str,
    port: u16,
    user: &str,
    timeout: Duration,
) -> Result<mysql_async::Conn, Reason> {
    let mut opts = mysql_async::OptsBuilder::default();
    // A host that is a path is a Unix socket (the dry-run's private server).
    let socket = host.starts_with('/');
    opts = if socket {
        opts.socket(Some(host.to_string()))
    } else {
        opts.ip_or_hostname(host.to_string()).tcp_port(port)
    };
    let opts = opts
        .user(Some(user.to_string()))
        .pass(connection.password.clone())
        .db_name(Some(connection.database.clone()).filter(|d| !d.is_empty()))
        .prefer_socket(false)
        .stmt_cache_size(0);
    let ssl = if connection.tls == Tls::Disable || socket {
        None
    } else {
        Some(mysql_ssl(connection).map_err(Reason::Driver)?)
    };
    // mysql_async 0.36 (mysql_common 0.35) drops a trailing zero byte from the data of every
    // authentication switch. MariaDB's `ed25519` sends 32 random bytes there, so one login in
    // 256 signs 31 of them and is refused as a wrong password (mysql_common 0.38 strips the
    // byte only for the plugins whose data ends in one; no mysql_async release uses it yet).
    // A MariaDB login refused (1045) with a password is tried once more, with a fresh nonce.
    // Only MariaDB has `ed25519`, and Flyway reaches it only through MariaDB Connector/J, whose
    // URLs are `jdbc:mariadb:`. A wrong password there is refused twice: a server that blocks
    // an account after `max_password_errors` refusals (unlimited unless set) counts both.
    let retry_refused = connection.flavor == Flavor::MariaDb
        && connection
            .password
            .as_deref()
            .is_some_and(|p| !p.is_empty());
    let attempt = |ssl: Option<mysql_async::SslOpts>| {
        let opts = opts.clone().ssl_opts(ssl);
        async move {
            let mut again = retry_refused;
            loop {
                match tokio::time::timeout(timeout, mysql_async::Conn::new(opts.clone())).await {
                    Err(_) => return Err(None),
                    Ok(Err(mysql_async::Error::Server(e)))
                        if e.code == ACCESS_DENIED && std::mem::take(&mut again) => {}
                    Ok(Err(e)) => return Err(Some(e)),
                    Ok(Ok(conn)) => return Ok(conn),
                }
            }
        }
    };
    let reason = |e: Option<mysql_async::Error>| match e {
        None => Reason::Driver("timed out".to_string()),
        Some(mysql_async::Error::Server(server)) => Reason::Server(server.message),
        Some(e) => Reason::Driver(mysql_reason(&e)),
    };
    let with_tls = ssl.is_some();
    match attempt(ssl.clone()).await {
        Ok(conn) => Ok(conn),
        Err(Some(mysql_async::Error::Driver(
            mysql_async::DriverError::NoClientSslFlagFromServer,
        ))) if with_tls && connection.tls == Tls::Prefer => attempt(None).await.map_err(reason),
        Err(e) => {
            let first = reason(e);
            let text = match &first {
                Reason::Driver(text) => text.as_str(),
                Reason::Server(_) => "",
            };
            // verify-ca: mysql_async's "skip the host name" does not recognise rustls 0.23's
            // name error, so the chain is checked for a name the certificate holds instead.
            // rustls checks the chain before the name: a name error means the chain verified.
            match (
                connection.tls,
                ssl,
                super::tls::presented_dns_names(text).first(),
            ) {
                (Tls::VerifyCa, Some(ssl), Some(name)) => attempt(Some(
                    ssl.with_danger_skip_domain_validation(false)
                        .with_danger_tls_hostname_override(Some(name.clone())),
                ))
                .await
                .map_err(reason),
                _ => Err(first),
            }
        }
    }
}

/// The TLS options of mysql_async for a mode: the operating system's roots and the URL's file
/// (never the driver's built-in list), the checks the mode asks for, a client certificate.
fn mysql_ssl(connection: &Connection) -> Result<mysql_async::SslOpts, String> {
    let (accept_any, skip_name) = super::tls::mysql_checks(connection.tls);
    // mysql_async builds its certificate verifier even when it accepts any certificate, and
    // that needs at least one root: the operating system's are given in every mode.
    let mut roots: Vec<_> = super::tls::native_roots()
        .iter()
        .map(|c| c.to_vec().into())
        .collect();
    if !accept_any {
        if let Some(path) = &connection.options.tls_files.root_cert {
            for cert in super::tls_files::read_roots(
                path,
                connection.options.tls_files.root_password.as_deref(),
            )? {
                roots.push(cert.to_vec().into());
            }
        }
    }
    if roots.is_empty() {
        return Err(format!(
            "sslMode={} needs root certificates here, and there are none: the operating system's store is empty and no root file is set",
            connection.tls.name()
        ));
    }
    let identity = match super::tls_files::read_identity(&connection.options.tls_files)? {
        Some(identity) => Some(mysql_identity(identity)?),
        None => None,
    };
    Ok(mysql_async::SslOpts::default()
        .with_root_certs(roots)
        .with_disable_built_in_roots(true)
        .with_danger_accept_invalid_certs(accept_any)
        .with_danger_skip_domain_validation(skip_name)
        .with_client_identity(identity))
}

/// The client's identity as mysql_async's rustls reads it: the chain as PEM and the key as
/// PKCS#1 PEM, the only key form it reads, so an EC or Ed25519 client key cannot be used.
fn mysql_identity(
    identity: super::tls_files::Identity,
) -> Result<mysql_async::ClientIdentity, String> {
    let Some(key) = super::tls_files::rsa_pkcs1(&identity.key) else {
        return Err("the client's private key is not an RSA key: the MySQL/MariaDB driver here (mysql_async with rustls) accepts only RSA client keys, so issue the client an RSA certificate".into());
    };
    let chain: String = identity
        .chain
        .iter()
        .map(|c| super::tls_files::pem("CERTIFICATE", c))
        .collect();
    let key = super::tls_files::key_pem(&key.into());
    Ok(mysql_async::ClientIdentity::new(
        chain.into_bytes().into(),
        key.into_bytes().into(),
    ))
}

/// A driver's reason, or the one line that explains a TLS or authentication failure.
fn explained(connection: &Connection, reason: String) -> String {
    super::tls::explain(connection, &reason)
        .or_else(|| unsupported_authentication(&reason))
        .unwrap_or(reason)
}

/// The one line for an authentication method the drivers do not implement, naming it when the
/// driver says which: MySQL/MariaDB name the plugin (`dialog` for PAM, `auth_gssapi_client`…);
/// PostgreSQL's driver only says the method is one of those it lacks.
fn unsupported_authentication(reason: &str) -> Option<String> {
    const MYSQL: &str = "supported: mysql_native_password, caching_sha2_password, ed25519";
    if let Some(at) = reason.find("Unknown authentication plugin `") {
        let rest = &reason[at + "Unknown authentication plugin `".len()..];
        let name: String = rest
            .chars()
            .take_while(|c| !matches!(c, '\'' | '`'))
            .take(64)
            .collect();
        return Some(format!(
            "the server asks for the authentication plugin `{name}`, which flyway-lsp does not support ({MYSQL}): give the user one of those"
        ));
    }
    if reason.contains("mysql_clear_password must be enabled") {
        return Some(format!(
            "the server asks for the authentication plugin `mysql_clear_password` (a password in clear text), which flyway-lsp does not send ({MYSQL}): give the user one of those"
        ));
    }
    if reason.contains("unsupported authentication method") {
        return Some("the server asks for an authentication method flyway-lsp does not support (Kerberos, GSSAPI, SSPI or ident over a socket; supported: scram-sha-256, md5, password, trust, cert): change the user's line in pg_hba.conf".into());
    }
    if reason.contains("unsupported SASL mechanism") {
        return Some("the server asks for a SASL authentication mechanism flyway-lsp does not support (supported: SCRAM-SHA-256): set the user's password with password_encryption = 'scram-sha-256'".into());
    }
    None
}

/// The statements of `initSql` when each only sets session variables (`SET`, `RESET`, `SET
/// ROLE`, `SET NAMES`…): not transaction characteristics, not server-wide (`GLOBAL`,
/// `PERSIST`), no parentheses (no function call or subquery, which could write).
pub fn session_settings(flavor: Flavor, sql: &str) -> Result<Vec<String>, String> {
    let dialect = match flavor {
        Flavor::Postgres => crate::sql::Dialect::Postgres,
        _ => crate::sql::Dialect::MySql,
    };
    let split = crate::sql::split::split(sql, dialect);
    let mut out = Vec::new();
    for statement in &split.statements {
        let text = sql[statement.range.start..statement.range.end]
            .trim()
            .trim_end_matches(';')
            .trim();
        if text.is_empty() {
            continue;
        }
        let lower = text.to_ascii_lowercase();
        let words: Vec<&str> = lower
            .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '@'))
            .filter(|w| !w.is_empty())
            .collect();
        let first = words.first().copied().unwrap_or_default();
        let forbidden = [
            "transaction",
            "characteristics",
            "global",
            "persist",
            "persist_only",
            "@@global",
            "default_transaction_read_only",
            "transaction_read_only",
            "tx_read_only",
        ];
        let setting = matches!(first, "set" | "reset")
            && !words.iter().any(|w| forbidden.contains(w))
            && !text.contains(['(', ';']);
        if !setting {
            let shown: String = text
                .split_whitespace()
                .take(3)
                .collect::<Vec<_>>()
                .join(" ");
            let shown: String = shown.chars().take(40).collect();
            return Err(format!(
                "flyway-lsp runs only session SET statements of initSql, so that its reads never write, and `{shown}…` is not one; set initSql for flyway-lsp to the SET statements alone (e.g. --set initSql=\"SET ROLE app\")"
            ));
        }
        out.push(text.to_string());
    }
    Ok(out)
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
    fn unsupported_authentication_is_one_line_naming_the_plugin() {
        let line = unsupported_authentication(
            "Driver error: `Unknown authentication plugin `auth_gssapi_client'.'",
        )
        .unwrap();
        assert!(
            line.starts_with("the server asks for the authentication plugin `auth_gssapi_client`,"),
            "{line}"
        );
        let line = unsupported_authentication(
            "Driver error: `mysql_clear_password must be enabled on the client side'",
        )
        .unwrap();
        assert!(line.contains("`mysql_clear_password`"), "{line}");
        let line =
            unsupported_authentication("authentication error: unsupported authentication method")
                .unwrap();
        assert!(
            line.contains("GSSAPI") && line.contains("pg_hba.conf"),
            "{line}"
        );
        assert_eq!(
            unsupported_authentication("password authentication failed for user \"x\""),
            None
        );
        for line in [
            unsupported_authentication("Unknown authentication plugin `dialog'.").unwrap(),
            unsupported_authentication("unsupported SASL mechanism").unwrap(),
        ] {
            assert!(!line.contains('\n'), "{line}");
        }
    }

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

    #[test]
    fn postgres_literals_read_the_same_whatever_standard_conforming_strings_is() {
        assert_eq!(quote_literal(Flavor::Postgres, "it's"), "'it''s'");
        // With standard_conforming_strings off, '\' would end the literal early; E'' does not.
        assert_eq!(
            quote_literal(Flavor::Postgres, "x\\'; DROP TABLE t; --"),
            "E'x\\\\''; DROP TABLE t; --'"
        );
        assert_eq!(
            mysql_placeholders("a = $1 AND b = $2::text AND c = $10"),
            "a = ? AND b = ?::text AND c = ?"
        );
    }

    fn pg_columns(changes: &[(&str, Option<&str>)]) -> Vec<(String, String)> {
        let mut columns: Vec<(String, String)> = [
            ("installed_rank", "integer"),
            ("version", "character varying"),
            ("description", "character varying"),
            ("type", "character varying"),
            ("script", "character varying"),
            ("checksum", "integer"),
            ("installed_by", "character varying"),
            ("installed_on", "timestamp without time zone"),
            ("execution_time", "integer"),
            ("success", "boolean"),
        ]
        .iter()
        .map(|(n, t)| (n.to_string(), t.to_string()))
        .collect();
        for (name, change) in changes {
            match change {
                Some(t) => {
                    if let Some(c) = columns.iter_mut().find(|(n, _)| n == name) {
                        c.1 = t.to_string();
                    }
                }
                None => columns.retain(|(n, _)| n != name),
            }
        }
        columns
    }

    #[test]
    fn history_columns_are_checked_by_name_and_type() {
        let table = "\"public\".\"flyway_schema_history\"";
        assert!(check_history_columns(Flavor::Postgres, table, &pg_columns(&[])).is_ok());
        let Err(DbError::History(m)) =
            check_history_columns(Flavor::Postgres, table, &pg_columns(&[("checksum", None)]))
        else {
            panic!("a missing checksum column is a history error");
        };
        assert_eq!(m, "the schema history table \"public\".\"flyway_schema_history\" has no column `checksum`: it is not laid out as Flyway's; set `table` / --table to Flyway's history table");
        let Err(DbError::History(m)) = check_history_columns(
            Flavor::Postgres,
            table,
            &pg_columns(&[
                ("installed_rank", Some("text")),
                ("success", Some("integer")),
            ]),
        ) else {
            panic!("installed_rank as text is a history error");
        };
        assert!(
            m.contains("has column `installed_rank` of type text, where Flyway writes an integer (and 1 more column problem)"),
            "{m}"
        );
        // MySQL: names in any case, BOOL is tinyint, text types of every size.
        let mysql: Vec<(String, String)> = pg_columns(&[
            ("success", Some("tinyint")),
            ("description", Some("longtext")),
            ("installed_on", Some("datetime")),
        ])
        .into_iter()
        .map(|(n, t)| (n.to_uppercase(), t))
        .collect();
        assert!(check_history_columns(Flavor::MariaDb, "`db`.`h`", &mysql).is_ok());
        // PostgreSQL names are exact.
        let upper: Vec<(String, String)> = pg_columns(&[])
            .into_iter()
            .map(|(n, t)| (n.to_uppercase(), t))
            .collect();
        assert!(check_history_columns(Flavor::Postgres, table, &upper).is_err());
    }

    #[test]
    fn timeouts_become_one_line_busy_errors() {
        let limits = ReadLimits::default();
        let statement = |code: &str, message: &str| {
            DbError::Statement(StatementError {
                message: message.into(),
                code: Some(code.into()),
                position: None,
                line: None,
            })
        };
        let t = "\"public\".\"h\"";
        assert_eq!(
            limit_error(statement("55P03", "canceling statement due to lock timeout"), t, limits).to_string(),
            "the schema history table \"public\".\"h\" is locked by another session (a migration running?); gave up after 5 s"
        );
        assert!(matches!(
            limit_error(statement("1205", "Lock wait timeout exceeded"), t, limits),
            DbError::Busy(_)
        ));
        assert_eq!(
            limit_error(
                statement("57014", "canceling statement due to statement timeout"),
                t,
                limits
            )
            .to_string(),
            "reading the schema history table \"public\".\"h\" took longer than 30 s; gave up"
        );
        assert!(matches!(
            limit_error(statement("1969", "max_statement_time exceeded"), t, limits),
            DbError::Busy(_)
        ));
        // Cancelled by an administrator, or any other failure: unchanged.
        assert!(matches!(
            limit_error(
                statement("57014", "canceling statement due to user request"),
                t,
                limits
            ),
            DbError::Statement(_)
        ));
        assert!(matches!(
            limit_error(statement("42P01", "relation does not exist"), t, limits),
            DbError::Statement(_)
        ));
        assert_eq!(seconds(Duration::from_millis(500)), "0.5 s");
    }

    #[tokio::test]
    async fn a_root_file_that_cannot_be_read_is_one_line_without_the_password() {
        let c = Connection::parse(
            "jdbc:postgresql://127.0.0.1:1/db?sslmode=verify-full&sslrootcert=/nonexistent/ca.pem&password=hunter2",
            None,
            None,
        )
        .unwrap();
        let Err(DbError::Connect(message)) = Client::connect(&c, CONNECT_TIMEOUT).await else {
            panic!("expected a connection error");
        };
        assert!(
            message.contains("cannot read the certificate file /nonexistent/ca.pem")
                && !message.contains("hunter2"),
            "{message}"
        );
        assert!(!message.contains('\n'));
    }

    /// Flyway's connectRetries: a failed attempt is tried again after 1 s.
    #[tokio::test]
    async fn connect_retries_wait_and_try_again() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        drop(listener);
        let mut c = Connection::parse(
            &format!("jdbc:postgresql://127.0.0.1:{port}/db?sslmode=disable"),
            None,
            None,
        )
        .unwrap();
        let start = std::time::Instant::now();
        assert!(Client::connect(&c, CONNECT_TIMEOUT).await.is_err());
        assert!(start.elapsed() < Duration::from_secs(1));
        c.options.retries = 1;
        c.options.retries_interval = Duration::from_secs(120);
        let start = std::time::Instant::now();
        assert!(Client::connect(&c, CONNECT_TIMEOUT).await.is_err());
        assert!(
            start.elapsed() >= Duration::from_secs(1),
            "{:?}",
            start.elapsed()
        );
    }

    #[test]
    fn init_sql_runs_only_session_settings() {
        assert_eq!(
            session_settings(Flavor::Postgres, "SET search_path TO app; SET ROLE owner;").unwrap(),
            vec!["SET search_path TO app", "SET ROLE owner"]
        );
        assert_eq!(
            session_settings(
                Flavor::MySql,
                "SET NAMES utf8mb4; SET SESSION sql_mode = 'ANSI'"
            )
            .unwrap(),
            vec!["SET NAMES utf8mb4", "SET SESSION sql_mode = 'ANSI'"]
        );
        for refused in [
            "DELETE FROM t",
            "SET search_path TO x; COMMIT; DROP TABLE t",
            "SET SESSION CHARACTERISTICS AS TRANSACTION READ WRITE",
            "SET TRANSACTION READ WRITE",
            "SET default_transaction_read_only = off",
            "SET GLOBAL max_connections = 1",
            "SET PERSIST max_connections = 1",
            "SET @@global.sql_mode = ''",
            "SET @x = (SELECT f())",
            "SET @x = writes_something()",
            "SELECT set_config('search_path', 'x', false)",
        ] {
            let flavor = if refused.contains('@') {
                Flavor::MySql
            } else {
                Flavor::Postgres
            };
            let err = session_settings(flavor, refused).unwrap_err();
            assert!(
                err.contains("only session SET statements"),
                "{refused}: {err}"
            );
        }
    }
}
