//! The database: connections, Flyway's `flyway_schema_history`, `validate` and `dry-run`.
//!
//! Architecture invariant: every database access lives below this module ([`client`] is the
//! only file that calls a driver); the engine and the front ends see plain values. Validation
//! itself ([`validate`]) is pure and shared by the CLI and the language server.

pub mod client;
pub mod dryrun;
pub mod resolve;
pub mod settings;
pub mod url;
pub mod validate;

use client::{Client, DbError, CONNECT_TIMEOUT};
use resolve::{resolved_migrations, BuiltIns};
use settings::DbSettings;
use validate::{compare, Status};

use crate::engine::ProjectReport;

/// The folder compared with a live database's history.
#[derive(Debug, Clone)]
pub struct DbStatus {
    pub status: Status,
    /// The schema (PostgreSQL) or database (MySQL) holding the history table.
    pub schema: String,
    pub table: String,
    /// False when the history table does not exist (every migration is then pending).
    pub history_exists: bool,
    pub server_version: String,
    /// The redacted URL.
    pub target: String,
}

impl DbStatus {
    /// `"public"."flyway_schema_history"` / `` `app`.`flyway_schema_history` ``, as Flyway
    /// names the table.
    pub fn table_name(&self, flavor: crate::sql::server::Flavor) -> String {
        format!(
            "{}.{}",
            client::quote_ident(flavor, &self.schema),
            client::quote_ident(flavor, &self.table)
        )
    }
}

/// The built-in placeholder values for this connection.
pub fn builtins(settings: &DbSettings, schema: &str) -> BuiltIns {
    BuiltIns {
        default_schema: schema.to_string(),
        user: settings.connection.user.clone().unwrap_or_default(),
        database: settings.connection.database.clone(),
        table: settings.table.clone(),
        environment: settings.environment.clone(),
    }
}

/// Connects, reads the history (read-only) and compares it with the folder.
pub async fn read_status(
    report: &ProjectReport,
    settings: &DbSettings,
) -> Result<DbStatus, DbError> {
    let mut client = Client::connect(&settings.connection, CONNECT_TIMEOUT).await?;
    let result = read_with(&mut client, report, settings).await;
    client.close().await;
    result
}

/// [`read_status`] over an open connection.
pub async fn read_with(
    client: &mut Client,
    report: &ProjectReport,
    settings: &DbSettings,
) -> Result<DbStatus, DbError> {
    let schema = match &settings.schema {
        Some(s) => s.clone(),
        None => client.current_schema().await?,
    };
    let server_version = client.server_version().await?;
    let rows = client.read_history(&schema, &settings.table).await?;
    let history_exists = rows.is_some();
    let resolved = resolved_migrations(report, settings, &builtins(settings, &schema));
    let status = compare(
        resolved,
        rows.unwrap_or_default(),
        &settings.ignore_patterns,
        report.project.config.flyway.out_of_order,
    );
    Ok(DbStatus {
        status,
        schema,
        table: settings.table.clone(),
        history_exists,
        server_version,
        target: client.target.clone(),
    })
}

/// A runtime for the command line's database work.
pub fn runtime() -> std::io::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
}
