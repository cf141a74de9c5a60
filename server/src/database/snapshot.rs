//! What a dry-run takes from the target: its schema, its history rows, its sequence values and
//! its role names, read in read-only transactions with lock and statement timeouts, and loaded
//! into a private temporary server ([`super::embedded`]) where the migrations then run.
//!
//! Architecture invariant: nothing here writes to the target. PostgreSQL's schema comes from
//! `pg_dump` (which reads in a `REPEATABLE READ, READ ONLY` transaction; the session is also
//! started with `default_transaction_read_only=on`); everything else is read through
//! [`Client`] inside `BEGIN READ ONLY` / `START TRANSACTION READ ONLY`, rolled back.

use std::path::{Path, PathBuf};
use std::process::Stdio;

use tokio::io::AsyncWriteExt;

use super::client::{quote_ident, quote_literal, Client, DbError, ReadLimits, CONNECT_TIMEOUT};
use super::embedded::{Embedded, PG_ADMIN};
use super::settings::DbSettings;
use super::url::{redact_text, Connection, TargetServer, Tls};
use crate::sql::server::leading_version;
use crate::sql::server::Flavor;

/// The target's state that the temporary server is loaded with.
#[derive(Debug, Default)]
pub struct Snapshot {
    /// PostgreSQL: role names (other than `pg_*`); created as NOLOGIN roles.
    roles: Vec<String>,
    /// PostgreSQL: `(quoted name, last value)` of each sequence that has been used.
    sequences: Vec<(String, String)>,
    /// MySQL: the database's default character set and collation.
    charset: Option<(String, String)>,
    /// MySQL: `CREATE TABLE` statements (the history table's included).
    tables: Vec<(String, String)>,
    /// MySQL: `CREATE VIEW` statements.
    views: Vec<(String, String)>,
    /// MySQL: routines and triggers.
    routines: Vec<(String, String)>,
    /// MySQL: the history table's rows, as SQL literals.
    history: Vec<Vec<Option<String>>>,
    /// What could not be read (shown in the report).
    pub notes: Vec<String>,
}

/// The names the migrations run under in the temporary server: the target's database (or
/// MySQL schema) and user, so `current_user`, `current_database()` and qualified names mean
/// what they mean on the target.
#[derive(Debug, Clone)]
pub struct Names {
    pub database: String,
    pub user: String,
}

impl Names {
    pub fn for_target(flavor: Flavor, settings: Option<&DbSettings>, schema: &str) -> Names {
        let admin = match flavor {
            Flavor::Postgres => PG_ADMIN,
            _ => "root",
        };
        let user = settings
            .and_then(|s| s.connection.user.clone())
            .filter(|u| !u.is_empty() && u != admin && !u.starts_with("pg_"))
            .unwrap_or_else(|| "flyway".into());
        let database = match flavor {
            Flavor::Postgres => settings
                .map(|s| s.connection.database.clone())
                .filter(|d| !d.is_empty())
                .unwrap_or_else(|| "flyway".into()),
            _ => Some(schema.to_string())
                .filter(|d| !d.is_empty())
                .unwrap_or_else(|| "flyway".into()),
        };
        Names { database, user }
    }
}

/// Reads what the temporary server needs from the target (everything but PostgreSQL's schema,
/// which [`load`] takes with `pg_dump`).
pub async fn read(
    client: &mut Client,
    schema: &str,
    table: &str,
    limits: ReadLimits,
) -> Result<Snapshot, DbError> {
    match client.flavor {
        Flavor::Postgres => client.read_only(limits, async |c: &mut Client| {
            let mut snapshot = Snapshot {
                roles: c
                    .query_text("SELECT rolname FROM pg_roles WHERE rolname !~ '^pg_' ORDER BY 1")
                    .await?
                    .into_iter()
                    .filter_map(|r| r.into_iter().next().flatten())
                    .collect(),
                ..Snapshot::default()
            };
            for row in c
                .query_text(
                    "SELECT format('%I.%I', schemaname, sequencename), last_value::text FROM pg_sequences WHERE last_value IS NOT NULL ORDER BY 1",
                )
                .await?
            {
                if let [Some(name), Some(value)] = &row[..] {
                    snapshot.sequences.push((name.clone(), value.clone()));
                }
            }
            Ok(snapshot)
        })
        .await,
        flavor => client.read_only(limits, async |c: &mut Client| {
            read_mysql(c, flavor, schema, table).await
        })
        .await,
    }
}

async fn read_mysql(
    c: &mut Client,
    flavor: Flavor,
    schema: &str,
    table: &str,
) -> Result<Snapshot, DbError> {
    let q = |s: &str| quote_ident(flavor, s);
    let lit = |s: &str| quote_literal(flavor, s);
    let mut snapshot = Snapshot::default();
    if let Some([Some(cs), Some(coll)]) = c
        .query_text(&format!(
            "SELECT default_character_set_name, default_collation_name FROM information_schema.schemata WHERE schema_name = {}",
            lit(schema)
        ))
        .await?
        .first()
        .map(|r| &r[..])
    {
        snapshot.charset = Some((cs.clone(), coll.clone()));
    }
    let objects = c
        .query_text(&format!(
            "SELECT table_name, table_type FROM information_schema.tables WHERE table_schema = {} ORDER BY table_name",
            lit(schema)
        ))
        .await?;
    for row in objects {
        let [Some(name), Some(kind)] = &row[..] else {
            continue;
        };
        let is_view = kind == "VIEW";
        let sql = format!(
            "SHOW CREATE {} {}.{}",
            if is_view { "VIEW" } else { "TABLE" },
            q(schema),
            q(name)
        );
        match c.query_text(&sql).await {
            Ok(rows) => {
                if let Some(Some(ddl)) = rows.first().and_then(|r| r.get(1)) {
                    let entry = (name.clone(), ddl.clone());
                    if is_view {
                        snapshot.views.push(entry);
                    } else {
                        snapshot.tables.push(entry);
                    }
                }
            }
            Err(e) => snapshot.notes.push(format!("cannot read `{name}`: {e}")),
        }
    }
    // Routines and triggers (their bodies need privileges the user may not have).
    let routines = c
        .query_text(&format!(
            "SELECT routine_type, routine_name FROM information_schema.routines WHERE routine_schema = {0} UNION ALL SELECT 'TRIGGER', trigger_name FROM information_schema.triggers WHERE trigger_schema = {0} ORDER BY 1, 2",
            lit(schema)
        ))
        .await?;
    let mut unreadable = Vec::new();
    for row in routines {
        let [Some(kind), Some(name)] = &row[..] else {
            continue;
        };
        let sql = format!("SHOW CREATE {kind} {}.{}", q(schema), q(name));
        // The statement is in the third column (procedures, functions and triggers alike).
        let ddl = c
            .query_text(&sql)
            .await
            .ok()
            .and_then(|rows| rows.into_iter().next())
            .and_then(|r| r.into_iter().nth(2).flatten());
        match ddl {
            Some(ddl) => snapshot.routines.push((name.clone(), ddl)),
            None => unreadable.push(name.clone()),
        }
    }
    if !unreadable.is_empty() {
        snapshot.notes.push(format!(
            "routines/triggers whose definition the user may not read were not copied: {}",
            unreadable.join(", ")
        ));
    }
    if snapshot.tables.iter().any(|(n, _)| n == table) {
        snapshot.history = c
            .query_text(&format!("SELECT * FROM {}.{}", q(schema), q(table)))
            .await?;
    }
    Ok(snapshot)
}

/// `CREATE … DEFINER=`u`@`h` …` without the definer (the account does not exist in the
/// temporary server; the object then belongs to the one who creates it).
fn without_definer(ddl: &str) -> String {
    let Some(start) = ddl.find("DEFINER=") else {
        return ddl.to_string();
    };
    let rest = &ddl[start + "DEFINER=".len()..];
    // `user`@`host`, each part quoted with back-quotes or quotes, or bare.
    let mut end = 0;
    let bytes = rest.as_bytes();
    for _part in 0..2 {
        match bytes.get(end) {
            Some(&q @ (b'`' | b'\'' | b'"')) => {
                end += 1;
                while end < bytes.len() {
                    if bytes[end] == q {
                        if bytes.get(end + 1) == Some(&q) {
                            end += 2;
                            continue;
                        }
                        end += 1;
                        break;
                    }
                    end += 1;
                }
            }
            _ => {
                while end < bytes.len() && !matches!(bytes[end], b'@' | b' ') {
                    end += 1;
                }
            }
        }
        if bytes.get(end) == Some(&b'@') {
            end += 1;
        } else {
            break;
        }
    }
    format!("{}{}", &ddl[..start], rest[end..].trim_start())
}

/// MySQL 8's collations that MariaDB does not have, mapped to MariaDB's nearest.
fn mariadb_collations(ddl: &str) -> String {
    let mut out = ddl.to_string();
    for (mysql, mariadb) in [
        ("utf8mb4_0900_ai_ci", "utf8mb4_unicode_520_ci"),
        ("utf8mb4_0900_as_ci", "utf8mb4_unicode_520_ci"),
        ("utf8mb4_0900_as_cs", "utf8mb4_bin"),
        ("utf8mb4_0900_bin", "utf8mb4_bin"),
    ] {
        out = out.replace(mysql, mariadb);
    }
    out
}

/// What the loading did, for the report.
#[derive(Debug, Default)]
pub struct Loaded {
    pub notes: Vec<String>,
}

/// Takes the target's schema with `pg_dump --schema-only` and its history rows with
/// `pg_dump --data-only --table`, in read-only sessions, killed after the statement timeout.
async fn pg_dump(
    server: &Embedded,
    settings: &DbSettings,
    extra: &[String],
    limits: ReadLimits,
) -> Result<Vec<u8>, DbError> {
    let c = &settings.connection;
    let mut dump = tokio::process::Command::new(server.bindir.join("pg_dump"));
    let hosts = c.hosts();
    let join = |part: &dyn Fn(&(String, u16)) -> String| {
        hosts.iter().map(part).collect::<Vec<_>>().join(",")
    };
    dump.args([
        "-h",
        &join(&|(h, _)| h.clone()),
        "-p",
        &join(&|(_, p)| p.to_string()),
    ]);
    if let Some(user) = &c.user {
        dump.args(["-U", user]);
    }
    dump.arg("--no-password")
        .arg(format!(
            "--lock-wait-timeout={}",
            limits.lock_timeout.as_millis().max(1)
        ))
        .args(extra)
        .arg("--dbname")
        .arg(&c.database)
        .env(
            "PGCONNECT_TIMEOUT",
            c.options
                .connect_timeout
                .unwrap_or(CONNECT_TIMEOUT)
                .as_secs()
                .max(2)
                .to_string(),
        )
        .env("PGAPPNAME", "flyway-lsp dry-run (read only)")
        .env(
            "PGOPTIONS",
            "-c default_transaction_read_only=on -c idle_in_transaction_session_timeout=60000",
        )
        .env_remove("PGSERVICE")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    match &c.password {
        Some(password) => dump.env("PGPASSWORD", password),
        None => dump.env_remove("PGPASSWORD"),
    };
    let tls = libpq_tls(server.dir(), c)?;
    for (key, value) in &tls.env {
        dump.env(key, value);
    }
    let output = tokio::time::timeout(limits.statement_timeout, dump.output())
        .await
        .map_err(|_| {
            DbError::connect(format!(
                "pg_dump of the target's schema took longer than {} s: gave up",
                limits.statement_timeout.as_secs()
            ))
        })?
        .map_err(|e| DbError::connect(format!("cannot run pg_dump: {e}")))?;
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        let line = stderr
            .lines()
            .find(|l| l.contains("error:"))
            .or_else(|| stderr.lines().next())
            .unwrap_or("no message");
        if stderr.contains("lock") || stderr.contains("statement timeout") {
            return Err(DbError::connect(format!(
                "the target is busy: another session holds a lock on a table whose definition the dry-run reads, and it gave up after {} s (nothing was changed); try again when the schema change running there has finished",
                limits.lock_timeout.as_secs().max(1)
            )));
        }
        return Err(DbError::connect(format!(
            "pg_dump could not read the target's schema: {}",
            redact_text(line.trim())
        )));
    }
    Ok(output.stdout)
}

/// The libpq environment that makes `pg_dump` connect as the client did: the same TLS mode,
/// the same roots (the operating system's and the URL's, written as PEM, since libpq 15 has no
/// `sslrootcert=system` and reads no PKCS#12), the client's identity written as a plain PEM
/// certificate and key (libpq reads no PKCS#12 store and has no environment variable for
/// `sslpassword`), the same kind of server. The files live in a private folder (0700, files
/// 0600) inside the temporary server's, removed when the value is dropped; no password is on
/// a command line. In `prefer` / `require` the root file is one that does not exist, so libpq
/// checks no certificate (it would check against `~/.postgresql/root.crt` otherwise).
struct LibpqTls {
    env: Vec<(&'static str, String)>,
    folder: PathBuf,
}

impl Drop for LibpqTls {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.folder);
    }
}

/// Writes a file only its owner reads.
fn private_file(path: &Path, text: &str) -> Result<(), DbError> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
        .and_then(|mut f| f.write_all(text.as_bytes()))
        .map_err(|e| DbError::connect(format!("cannot write {}: {e}", path.display())))
}

fn libpq_tls(dir: &Path, c: &Connection) -> Result<LibpqTls, DbError> {
    use std::os::unix::fs::DirBuilderExt;
    static NEXT: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
    let folder = dir.join(format!(
        "client-tls-{}",
        NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
    ));
    std::fs::DirBuilder::new()
        .mode(0o700)
        .create(&folder)
        .map_err(|e| DbError::connect(format!("cannot create {}: {e}", folder.display())))?;
    let mut tls = LibpqTls {
        env: vec![("PGSSLMODE", c.tls.name().to_string())],
        folder,
    };
    let folder = tls.folder.clone();
    let nothing = folder.join("none").to_string_lossy().into_owned();
    let files = &c.options.tls_files;
    let root = match c.tls {
        Tls::VerifyCa | Tls::VerifyFull => {
            let path = folder.join("roots.pem");
            let mut pem = String::new();
            for cert in super::tls::native_roots() {
                pem.push_str(&super::tls_files::pem("CERTIFICATE", cert));
            }
            if let Some(file) = &files.root_cert {
                for cert in super::tls_files::read_roots(file, files.root_password.as_deref())
                    .map_err(DbError::connect)?
                {
                    pem.push_str(&super::tls_files::pem("CERTIFICATE", &cert));
                }
            }
            private_file(&path, &pem)?;
            path.to_string_lossy().into_owned()
        }
        _ => nothing.clone(),
    };
    tls.env.push(("PGSSLROOTCERT", root));
    let (cert, key) = match super::tls_files::read_identity(files).map_err(DbError::connect)? {
        Some(identity) => {
            let cert = folder.join("client.crt");
            let key = folder.join("client.key");
            let chain: String = identity
                .chain
                .iter()
                .map(|c| super::tls_files::pem("CERTIFICATE", c))
                .collect();
            private_file(&cert, &chain)?;
            private_file(&key, &super::tls_files::key_pem(&identity.key))?;
            (
                cert.to_string_lossy().into_owned(),
                key.to_string_lossy().into_owned(),
            )
        }
        None => (nothing.clone(), nothing),
    };
    tls.env.push(("PGSSLCERT", cert));
    tls.env.push(("PGSSLKEY", key));
    let attrs = match c.options.target_server {
        TargetServer::Any | TargetServer::PreferPrimary => "any",
        TargetServer::Primary => "read-write",
        TargetServer::Secondary => "read-only",
        TargetServer::PreferSecondary => "prefer-standby",
    };
    tls.env.push(("PGTARGETSESSIONATTRS", attrs.to_string()));
    Ok(tls)
}

/// Runs `sql` through psql into the temporary server; returns the error lines psql printed.
async fn psql(
    server: &Embedded,
    user: &str,
    database: &str,
    sql: &[u8],
) -> Result<Vec<String>, DbError> {
    let connection = server.connection(user, database);
    let mut load = tokio::process::Command::new(server.bindir.join("psql"));
    load.args(["-h", &connection.host, "-p", &connection.port.to_string()])
        .args([
            "-U",
            user,
            "-d",
            database,
            "-X",
            "-q",
            "-v",
            "ON_ERROR_STOP=0",
        ])
        .env_remove("PGPASSWORD")
        .env_remove("PGOPTIONS")
        .env_remove("PGSERVICE")
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    let mut child = load
        .spawn()
        .map_err(|e| DbError::connect(format!("cannot run psql: {e}")))?;
    let mut stdin = child
        .stdin
        .take()
        .ok_or_else(|| DbError::connect("psql: no standard input"))?;
    let input = sql.to_vec();
    let writer = tokio::spawn(async move {
        let _ = stdin.write_all(&input).await;
        drop(stdin);
    });
    let output = child
        .wait_with_output()
        .await
        .map_err(|e| DbError::connect(format!("psql: {e}")))?;
    let _ = writer.await;
    Ok(String::from_utf8_lossy(&output.stderr)
        .lines()
        .filter(|l| l.contains("ERROR:"))
        .map(|l| {
            l.split_once("ERROR:")
                .map_or(l, |(_, m)| m)
                .trim()
                .to_string()
        })
        .collect())
}

/// Prepares the temporary server: the target's roles, schema, history rows and sequence values
/// (none without a target), the database and the unprivileged account the migrations run as.
pub async fn load(
    server: &Embedded,
    target: Option<(&DbSettings, &Snapshot)>,
    history: Option<(&str, &str)>,
    names: &Names,
    limits: ReadLimits,
) -> Result<Loaded, DbError> {
    match server.flavor {
        Flavor::Postgres => load_postgres(server, target, history, names, limits).await,
        _ => load_mariadb(server, target.map(|(_, s)| s), history, names).await,
    }
}

async fn load_postgres(
    server: &Embedded,
    target: Option<(&DbSettings, &Snapshot)>,
    history: Option<(&str, &str)>,
    names: &Names,
    limits: ReadLimits,
) -> Result<Loaded, DbError> {
    let q = |s: &str| quote_ident(Flavor::Postgres, s);
    let mut loaded = Loaded::default();
    let mut admin = Client::connect(&server.admin("postgres"), CONNECT_TIMEOUT).await?;
    // The account loads the schema as a superuser (so it owns every object, as the target's
    // owner does), then loses superuser before any migration runs.
    let setup = async {
        admin
            .execute(&format!("CREATE ROLE {} LOGIN SUPERUSER", q(&names.user)))
            .await?;
        let exists = admin
            .query_one(&format!(
                "SELECT count(*) FROM pg_database WHERE datname = {}",
                quote_literal(Flavor::Postgres, &names.database)
            ))
            .await?;
        let database = if exists.as_deref() == Some("0") {
            format!(
                "CREATE DATABASE {} OWNER {} TEMPLATE template0 ENCODING 'UTF8'",
                q(&names.database),
                q(&names.user)
            )
        } else {
            format!(
                "ALTER DATABASE {} OWNER TO {}",
                q(&names.database),
                q(&names.user)
            )
        };
        admin.execute(&database).await?;
        if let Some((_, snapshot)) = target {
            for role in &snapshot.roles {
                if role == &names.user || role == PG_ADMIN {
                    continue;
                }
                let _ = admin
                    .execute(&format!("CREATE ROLE {} NOLOGIN", q(role)))
                    .await;
                let _ = admin
                    .execute(&format!("GRANT {} TO {}", q(role), q(&names.user)))
                    .await;
            }
        }
        Ok::<(), DbError>(())
    };
    let setup = setup.await;
    admin.close().await;
    setup?;
    if let Some((settings, snapshot)) = target {
        let schema = pg_dump(
            server,
            settings,
            &[
                "--schema-only".into(),
                "--no-owner".into(),
                "--no-privileges".into(),
                "--no-publications".into(),
                "--no-subscriptions".into(),
                "--no-security-labels".into(),
                "--no-tablespaces".into(),
            ],
            limits,
        )
        .await?;
        let mut errors = psql(server, &names.user, &names.database, &schema).await?;
        if let Some((schema_name, table)) = history {
            let pattern = format!("{}.{}", q(schema_name), q(table));
            let rows = pg_dump(
                server,
                settings,
                &[
                    "--data-only".into(),
                    "--no-owner".into(),
                    "--no-privileges".into(),
                    format!("--table={pattern}"),
                ],
                limits,
            )
            .await?;
            errors.extend(psql(server, &names.user, &names.database, &rows).await?);
        }
        let mut client = Client::connect(
            &server.connection(&names.user, &names.database),
            CONNECT_TIMEOUT,
        )
        .await?;
        for (name, value) in &snapshot.sequences {
            if let Err(e) = client
                .execute(&format!(
                    "SELECT pg_catalog.setval({}, {}, true)",
                    quote_literal(Flavor::Postgres, name),
                    value.parse::<i64>().unwrap_or(1)
                ))
                .await
            {
                errors.push(format!("sequence {name}: {e}"));
            }
        }
        client.close().await;
        if !errors.is_empty() {
            loaded.notes.push(format!(
                "{} statement(s) of the target's schema could not be recreated in the temporary server, so a migration that needs them may fail here and not on the target (first: {})",
                errors.len(),
                errors[0]
            ));
        }
    }
    // Cut the ways out of the sandbox that the schema may have brought: foreign-server
    // credentials; then the account loses superuser.
    let mut admin = Client::connect(&server.admin(&names.database), CONNECT_TIMEOUT).await?;
    let finish = async {
        let mappings = admin
            .query_text("SELECT CASE WHEN umuser = 0 THEN 'PUBLIC' ELSE quote_ident(usename) END, quote_ident(srvname) FROM pg_user_mappings")
            .await?;
        for row in mappings {
            if let [Some(user), Some(server_name)] = &row[..] {
                admin
                    .execute(&format!(
                        "DROP USER MAPPING FOR {user} SERVER {server_name}"
                    ))
                    .await?;
            }
        }
        admin
            .execute(&format!(
                "ALTER ROLE {} NOSUPERUSER CREATEROLE CREATEDB",
                q(&names.user)
            ))
            .await
    };
    let finish = finish.await;
    admin.close().await;
    finish?;
    Ok(loaded)
}

async fn load_mariadb(
    server: &Embedded,
    snapshot: Option<&Snapshot>,
    history: Option<(&str, &str)>,
    names: &Names,
) -> Result<Loaded, DbError> {
    let flavor = server.flavor;
    let q = |s: &str| quote_ident(flavor, s);
    let lit = |s: &str| quote_literal(flavor, s);
    let mut loaded = Loaded::default();
    let mut root = Client::connect(&server.admin(""), CONNECT_TIMEOUT).await?;
    let work = async {
        let charset = match snapshot.and_then(|s| s.charset.as_ref()) {
            Some((cs, coll)) => format!(
                " CHARACTER SET {} COLLATE {}",
                q(cs),
                q(&mariadb_collations(coll))
            ),
            None => " CHARACTER SET utf8mb4".into(),
        };
        root.execute(&format!("CREATE DATABASE {}{charset}", q(&names.database)))
            .await?;
        root.execute(&format!("USE {}", q(&names.database))).await?;
        let mut failed: Vec<String> = Vec::new();
        if let Some(snapshot) = snapshot {
            root.execute("SET SESSION foreign_key_checks = 0").await?;
            for (name, ddl) in &snapshot.tables {
                if let Err(e) = root.execute(&mariadb_collations(ddl)).await {
                    failed.push(format!("table `{name}`: {e}"));
                }
            }
            // Views may depend on views: retry until no progress.
            let mut remaining: Vec<(String, String)> = snapshot
                .views
                .iter()
                .map(|(n, d)| (n.clone(), without_definer(&mariadb_collations(d))))
                .collect();
            while !remaining.is_empty() {
                let before = remaining.len();
                let mut next = Vec::new();
                for (name, ddl) in remaining {
                    if root.execute(&ddl).await.is_err() {
                        next.push((name, ddl));
                    }
                }
                remaining = next;
                if remaining.len() == before {
                    failed.extend(remaining.iter().map(|(n, _)| format!("view `{n}`")));
                    break;
                }
            }
            for (name, ddl) in &snapshot.routines {
                if let Err(e) = root.execute(&without_definer(ddl)).await {
                    failed.push(format!("routine or trigger `{name}`: {e}"));
                }
            }
            if let (Some((_, table)), false) = (history, snapshot.history.is_empty()) {
                for row in &snapshot.history {
                    let values: Vec<String> = row
                        .iter()
                        .map(|v| v.as_deref().map_or("NULL".to_string(), lit))
                        .collect();
                    if let Err(e) = root
                        .execute(&format!(
                            "INSERT INTO {} VALUES ({})",
                            q(table),
                            values.join(", ")
                        ))
                        .await
                    {
                        failed.push(format!("history row: {e}"));
                        break;
                    }
                }
            }
            root.execute("SET SESSION foreign_key_checks = 1").await?;
        }
        let account = format!("{}@'localhost'", lit(&names.user));
        root.execute(&format!("CREATE USER {account}")).await?;
        root.execute(&format!(
            "GRANT ALL PRIVILEGES ON {}.* TO {account} WITH GRANT OPTION",
            q(&names.database)
        ))
        .await?;
        Ok::<Vec<String>, DbError>(failed)
    };
    let result = work.await;
    root.close().await;
    let failed = result?;
    if !failed.is_empty() {
        loaded.notes.push(format!(
            "{} object(s) of the target's schema could not be recreated in the temporary server, so a migration that needs them may fail here and not on the target (first: {})",
            failed.len(),
            failed[0]
        ));
    }
    Ok(loaded)
}

/// The target's major version against the temporary server's, as a note when they differ.
pub fn version_note(target: &str, target_flavor: Flavor, server: &Embedded) -> Option<String> {
    let ours = leading_version(&server.version)?;
    let theirs = leading_version(target)?;
    let target_is_mysql =
        target_flavor != Flavor::Postgres && !target.to_ascii_lowercase().contains("mariadb");
    if target_is_mysql {
        return Some(format!(
            "the target runs MySQL {target}; the migrations ran on MariaDB {}: statements that only one of them accepts may fail here or pass here",
            server.version
        ));
    }
    let same = match target_flavor {
        Flavor::Postgres => ours.first() == theirs.first(),
        _ => ours.get(..2) == theirs.get(..2),
    };
    (!same).then(|| {
        format!(
            "the target runs version {target}; the migrations ran on {}: behaviour that changed between them may differ",
            server.version
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pg_dump_connects_as_the_client_does() {
        let dir = tempfile::tempdir().unwrap();
        let c = Connection::parse(
            "jdbc:postgresql://h1,h2:5433/d?sslmode=require&targetServerType=primary",
            None,
            None,
        )
        .unwrap();
        let tls = libpq_tls(dir.path(), &c).unwrap();
        let get = |k: &str| {
            tls.env
                .iter()
                .find(|(key, _)| *key == k)
                .map(|(_, v)| v.clone())
        };
        assert_eq!(get("PGSSLMODE").as_deref(), Some("require"));
        // No root file: libpq checks no certificate in require mode.
        assert!(!Path::new(&get("PGSSLROOTCERT").unwrap()).exists());
        assert_eq!(get("PGTARGETSESSIONATTRS").as_deref(), Some("read-write"));
    }

    #[test]
    fn pg_dump_gets_the_client_key_decrypted_in_a_private_folder_removed_afterwards() {
        use std::os::unix::fs::PermissionsExt;
        let material = super::super::tls_files::test_material::Material::new();
        let dir = tempfile::tempdir().unwrap();
        let url = format!(
            "jdbc:postgresql://h/d?sslmode=verify-full&sslrootcert={}&sslcert={}&sslkey={}&sslpassword={}",
            material.ca, material.cert, material.pbes2_der, material.password
        );
        let c = Connection::parse(&url, None, None).unwrap();
        let tls = libpq_tls(dir.path(), &c).unwrap();
        let get = |k: &str| {
            tls.env
                .iter()
                .find(|(key, _)| *key == k)
                .map(|(_, v)| PathBuf::from(v))
                .unwrap()
        };
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&tls.folder), 0o700);
        for key in ["PGSSLROOTCERT", "PGSSLCERT", "PGSSLKEY"] {
            let path = get(key);
            assert!(path.starts_with(&tls.folder), "{key}: {}", path.display());
            assert_eq!(mode(&path), 0o600, "{key}");
        }
        let key = std::fs::read_to_string(get("PGSSLKEY")).unwrap();
        assert!(key.starts_with("-----BEGIN PRIVATE KEY-----"), "{key}");
        assert!(tls.env.iter().all(|(_, v)| !v.contains(&material.password)));
        let folder = tls.folder.clone();
        drop(tls);
        assert!(!folder.exists());
    }

    #[test]
    fn definers_are_removed_whatever_their_quoting() {
        assert_eq!(
            without_definer("CREATE ALGORITHM=UNDEFINED DEFINER=`app`@`%` SQL SECURITY DEFINER VIEW `v` AS select 1"),
            "CREATE ALGORITHM=UNDEFINED SQL SECURITY DEFINER VIEW `v` AS select 1"
        );
        assert_eq!(
            without_definer("CREATE DEFINER=`we``ird`@`localhost` PROCEDURE `p`() BEGIN END"),
            "CREATE PROCEDURE `p`() BEGIN END"
        );
        assert_eq!(
            without_definer("CREATE DEFINER=root@localhost TRIGGER t BEFORE INSERT ON x FOR EACH ROW SET @a = 1"),
            "CREATE TRIGGER t BEFORE INSERT ON x FOR EACH ROW SET @a = 1"
        );
        assert_eq!(
            without_definer("CREATE TABLE t (a int)"),
            "CREATE TABLE t (a int)"
        );
    }

    #[test]
    fn mysql_8_collations_map_to_mariadb() {
        assert_eq!(
            mariadb_collations("DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_0900_ai_ci"),
            "DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_520_ci"
        );
    }

    #[test]
    fn migrations_run_as_the_targets_user_and_database_never_the_admin() {
        let names = Names::for_target(Flavor::Postgres, None, "public");
        assert_eq!(
            (names.user.as_str(), names.database.as_str()),
            ("flyway", "flyway")
        );
        let names = Names::for_target(Flavor::MariaDb, None, "lending");
        assert_eq!(names.database, "lending");
    }
}
