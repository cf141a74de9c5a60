//! Database tests against real servers: PostgreSQL on 127.0.0.1:5432 (user postgres, trust)
//! and MariaDB/MySQL on 127.0.0.1:3306 (root, no password), or FLYWAY_LSP_TEST_PG_URL /
//! FLYWAY_LSP_TEST_MYSQL_URL. Each test creates its own database and drops it.
//!
//! A server that cannot be reached fails the test, with the command that starts it: a database
//! test never passes without its database.

use std::path::Path;
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use flyway_lsp::checksum::checksum_text;
use flyway_lsp::database::client::{quote_ident, Client};
use flyway_lsp::database::url::Connection;
use flyway_lsp::sql::server::Flavor;

use super::run_in;

static COUNTER: AtomicUsize = AtomicUsize::new(0);

pub(crate) fn admin_url(flavor: Flavor) -> String {
    match flavor {
        Flavor::Postgres => std::env::var("FLYWAY_LSP_TEST_PG_URL")
            .unwrap_or_else(|_| "postgresql://postgres@127.0.0.1:5432/postgres".into()),
        _ => std::env::var("FLYWAY_LSP_TEST_MYSQL_URL")
            .unwrap_or_else(|_| "mysql://root@127.0.0.1:3306/".into()),
    }
}

pub(crate) fn block_on<F: std::future::Future>(future: F) -> F::Output {
    flyway_lsp::database::runtime()
        .expect("a tokio runtime")
        .block_on(future)
}

pub(crate) async fn connect(url: &str) -> Result<Client, String> {
    let connection = Connection::parse(url, None, None).map_err(|e| e.to_string())?;
    Client::connect(&connection, Duration::from_secs(5))
        .await
        .map_err(|e| e.to_string())
}

/// A database of its own for one test, dropped at the end.
pub(crate) struct TestDb {
    pub(crate) flavor: Flavor,
    pub(crate) name: String,
    pub(crate) url: String,
}

impl TestDb {
    /// A database of the test's own; a panic, saying how to start the server, when it cannot be
    /// reached (a database test never passes without its database).
    pub(crate) fn create(flavor: Flavor) -> TestDb {
        let admin = admin_url(flavor);
        let name = format!(
            "flt_{}_{}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::SeqCst)
        );
        let result = block_on(async {
            let mut client = connect(&admin).await?;
            client
                .execute(&format!(
                    "DROP DATABASE IF EXISTS {}",
                    quote_ident(flavor, &name)
                ))
                .await
                .map_err(|e| e.to_string())?;
            client
                .execute(&format!("CREATE DATABASE {}", quote_ident(flavor, &name)))
                .await
                .map_err(|e| e.to_string())?;
            client.close().await;
            Ok::<(), String>(())
        });
        if let Err(e) = result {
            let how = match flavor {
                Flavor::Postgres => {
                    "pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start"
                }
                _ => "start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd",
            };
            panic!("database server not reachable ({e}): the database tests need it. Start it with: {how}");
        }
        let base = admin.trim_end_matches('/');
        let url = match flavor {
            Flavor::Postgres => format!("{}/{name}", base.rsplit_once('/').unwrap().0),
            _ => format!("{base}/{name}"),
        };
        TestDb { flavor, name, url }
    }

    pub(crate) fn execute(&self, sql: &str) {
        block_on(async {
            let mut client = connect(&self.url).await.unwrap();
            client
                .execute(sql)
                .await
                .unwrap_or_else(|e| panic!("{sql}: {e}"));
            client.close().await;
        })
    }

    pub(crate) fn query(&self, sql: &str) -> Vec<Vec<Option<String>>> {
        block_on(async {
            let mut client = connect(&self.url).await.unwrap();
            let rows = client
                .query_text(sql)
                .await
                .unwrap_or_else(|e| panic!("{sql}: {e}"));
            client.close().await;
            rows
        })
    }

    /// Everything a dry-run must leave alone: tables, columns, indexes, constraints, views,
    /// every row of every table (the history table included) and sequence values.
    pub(crate) fn fingerprint(&self) -> String {
        let mut out = String::new();
        let (schema_filter, catalog_queries): (String, Vec<String>) = match self.flavor {
            Flavor::Postgres => (
                "'public'".into(),
                vec![
                    "SELECT table_name, column_name, data_type, is_nullable, column_default FROM information_schema.columns WHERE table_schema = 'public' ORDER BY 1, 2".into(),
                    "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = 'public' ORDER BY 1".into(),
                    "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint WHERE connamespace = 'public'::regnamespace ORDER BY 1".into(),
                    "SELECT table_name, view_definition FROM information_schema.views WHERE table_schema = 'public' ORDER BY 1".into(),
                    "SELECT sequencename, last_value::text FROM pg_sequences WHERE schemaname = 'public' ORDER BY 1".into(),
                ],
            ),
            _ => (
                format!("'{}'", self.name),
                vec![
                    format!("SELECT table_name, column_name, column_type, is_nullable, column_default FROM information_schema.columns WHERE table_schema = '{}' ORDER BY 1, 2", self.name),
                    format!("SELECT table_name, index_name, seq_in_index, column_name FROM information_schema.statistics WHERE table_schema = '{}' ORDER BY 1, 2, 3", self.name),
                    format!("SELECT table_name, view_definition FROM information_schema.views WHERE table_schema = '{}' ORDER BY 1", self.name),
                ],
            ),
        };
        for sql in catalog_queries {
            out.push_str(&format!("{:?}\n", self.query(&sql)));
        }
        let tables = self.query(&format!(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = {schema_filter} AND table_type = 'BASE TABLE' ORDER BY 1"
        ));
        for row in tables {
            let table = row[0].clone().unwrap();
            let q = quote_ident(self.flavor, &table);
            let sql = match self.flavor {
                Flavor::Postgres => format!("SELECT t::text FROM {q} t ORDER BY 1"),
                _ => format!("SELECT * FROM {q} ORDER BY 1"),
            };
            out.push_str(&format!("{table}: {:?}\n", self.query(&sql)));
        }
        out
    }

    /// Flyway's history table, laid out exactly as Flyway creates it.
    pub(crate) fn create_history(&self) {
        match self.flavor {
            Flavor::Postgres => self.execute(
                r#"CREATE TABLE "public"."flyway_schema_history" (
    "installed_rank" INT NOT NULL,
    "version" VARCHAR(50),
    "description" VARCHAR(200) NOT NULL,
    "type" VARCHAR(20) NOT NULL,
    "script" VARCHAR(1000) NOT NULL,
    "checksum" INTEGER,
    "installed_by" VARCHAR(100) NOT NULL,
    "installed_on" TIMESTAMP NOT NULL DEFAULT now(),
    "execution_time" INTEGER NOT NULL,
    "success" BOOLEAN NOT NULL
);
ALTER TABLE "public"."flyway_schema_history" ADD CONSTRAINT "flyway_schema_history_pk" PRIMARY KEY ("installed_rank");
CREATE INDEX "flyway_schema_history_s_idx" ON "public"."flyway_schema_history" ("success");"#,
            ),
            _ => {
                self.execute(
                    "CREATE TABLE `flyway_schema_history` (
    `installed_rank` INT NOT NULL,
    `version` VARCHAR(50),
    `description` VARCHAR(200) NOT NULL,
    `type` VARCHAR(20) NOT NULL,
    `script` VARCHAR(1000) NOT NULL,
    `checksum` INT,
    `installed_by` VARCHAR(100) NOT NULL,
    `installed_on` TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
    `execution_time` INT NOT NULL,
    `success` BOOL NOT NULL,
    CONSTRAINT `flyway_schema_history_pk` PRIMARY KEY (`installed_rank`)
) ENGINE=InnoDB",
                );
                self.execute(
                    "CREATE INDEX `flyway_schema_history_s_idx` ON `flyway_schema_history` (`success`)",
                );
            }
        }
    }

    /// Adds a history row as Flyway writes it.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn history_row(
        &self,
        rank: i32,
        version: Option<&str>,
        description: &str,
        kind: &str,
        script: &str,
        checksum: Option<i32>,
        success: bool,
    ) {
        let version = version.map_or("NULL".to_string(), |v| format!("'{v}'"));
        let checksum = checksum.map_or("NULL".to_string(), |c| c.to_string());
        let success = match (self.flavor, success) {
            (Flavor::Postgres, s) => s.to_string(),
            (_, true) => "1".into(),
            (_, false) => "0".into(),
        };
        self.execute(&format!(
            "INSERT INTO flyway_schema_history (installed_rank, version, description, type, script, checksum, installed_by, execution_time, success) VALUES ({rank}, {version}, '{description}', '{kind}', '{script}', {checksum}, 'flyway', 7, {success})"
        ));
    }

    /// Databases whose name starts with this test database's name followed by `_dryrun_`.
    pub(crate) fn leftover_clones(&self) -> Vec<String> {
        let sql = match self.flavor {
            Flavor::Postgres => format!(
                "SELECT datname FROM pg_database WHERE datname LIKE '{}\\_dryrun\\_%'",
                self.name
            ),
            _ => format!("SHOW DATABASES LIKE '{}\\_dryrun\\_%'", self.name),
        };
        self.query(&sql)
            .into_iter()
            .filter_map(|r| r.into_iter().next().flatten())
            .collect()
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        let (flavor, name, admin) = (self.flavor, self.name.clone(), admin_url(self.flavor));
        block_on(async move {
            if let Ok(mut client) = connect(&admin).await {
                let force = if flavor == Flavor::Postgres {
                    " WITH (FORCE)"
                } else {
                    ""
                };
                let _ = client
                    .execute(&format!(
                        "DROP DATABASE IF EXISTS {}{force}",
                        quote_ident(flavor, &name)
                    ))
                    .await;
                client.close().await;
            }
        });
    }
}

/// Asserts that `output` contains `needle`, showing the whole output when it does not.
#[track_caller]
pub(crate) fn assert_has(output: &str, needle: &str) {
    assert!(output.contains(needle), "expected {needle:?} in:\n{output}");
}

pub(crate) fn write(dir: &Path, name: &str, text: &str) -> i32 {
    std::fs::write(dir.join(name), text).unwrap();
    checksum_text(text)
}

pub(crate) fn folder() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("sql")).unwrap();
    dir
}

#[test]
fn postgres_validate_reports_every_category_with_flyways_messages() {
    let db = TestDb::create(Flavor::Postgres);
    db.create_history();
    let dir = folder();
    let sql = dir.path().join("sql");
    let c1 = write(&sql, "V1__init.sql", "CREATE TABLE a (id int);\n");
    let c2 = write(
        &sql,
        "V2__users.sql",
        "CREATE TABLE users (id int, name text);\n",
    );
    let c3 = write(&sql, "V3__renamed_thing.sql", "SELECT 3;\n");
    write(&sql, "V4__late.sql", "SELECT 4;\n");
    let c5 = write(&sql, "V5__five.sql", "SELECT 5;\n");
    write(&sql, "V8__pending.sql", "SELECT 8;\n");
    write(
        &sql,
        "R__views.sql",
        "CREATE OR REPLACE VIEW v AS SELECT 2;\n",
    );
    write(
        &sql,
        "R__fresh.sql",
        "CREATE OR REPLACE VIEW f AS SELECT 1;\n",
    );
    db.history_row(1, Some("1"), "init", "SQL", "V1__init.sql", Some(c1), true);
    db.history_row(
        2,
        Some("2"),
        "users",
        "SQL",
        "V2__users.sql",
        Some(c2 ^ 1),
        true,
    );
    db.history_row(
        3,
        Some("3"),
        "old thing",
        "SQL",
        "V3__old_thing.sql",
        Some(c3),
        true,
    );
    db.history_row(4, Some("5"), "five", "SQL", "V5__five.sql", Some(c5), true);
    db.history_row(5, Some("6"), "gone", "SQL", "V6__gone.sql", Some(6), true);
    db.history_row(6, None, "views", "SQL", "R__views.sql", Some(1234), true);
    db.history_row(
        7,
        Some("7"),
        "seven",
        "SQL",
        "V7__seven.sql",
        Some(7),
        false,
    );

    let r = run_in(dir.path(), &["validate", "sql", "--url", &db.url]);
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    let expected_errors = format!(
        "ERROR: Validate failed: Migrations have failed validation
Migration checksum mismatch for migration version 2
-> Applied to database : {}
-> Resolved locally    : {c2}
Either revert the changes to the migration, or run repair to update the schema history.
Migration description mismatch for migration version 3
-> Applied to database : old thing
-> Resolved locally    : renamed thing
Either revert the changes to the migration, or run repair to update the schema history.
Detected applied migration not resolved locally: 6.
If you removed this migration intentionally, run repair to mark the migration as deleted.
Detected outdated resolved repeatable migration that should be re-applied to database: views.
Run migrate to execute this migration.
Detected failed migration to version 7 (seven).
Please remove any half-completed changes then run repair to fix the schema history.
Detected resolved migration not applied to database: 4.
To ignore this migration, set -ignoreMigrationPatterns='*:ignored'. To allow executing this migration, set -outOfOrder=true.
Detected resolved migration not applied to database: 8.
To fix this error, either run migrate, or set -ignoreMigrationPatterns='*:pending'.
Detected resolved repeatable migration not applied to database: fresh.
To fix this error, either run migrate, or set -ignoreMigrationPatterns='*:pending'.
Detected resolved repeatable migration not applied to database: views.
To fix this error, either run migrate, or set -ignoreMigrationPatterns='*:pending'.
Need more flexibility with validation rules? Learn more: https://rd.gt/3AbJUZE
",
        c2 ^ 1
    );
    assert!(
        r.stdout.contains(&expected_errors),
        "expected:\n{expected_errors}\ngot:\n{}",
        r.stdout
    );
    assert!(r.stdout.contains("sql/V2__users.sql: CHECKSUM_MISMATCH"));

    // info shows Flyway's states.
    let r = run_in(dir.path(), &["info", "sql", "--url", &db.url]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    for (version, state) in [
        ("| 1 ", "| Success "),
        ("| 4 ", "| Ignored "),
        ("| 6 ", "| Missing "),
        ("| 7 ", "| Failed (Missing) "),
        ("| 8 ", "| Pending "),
    ] {
        assert!(
            r.stdout
                .lines()
                .any(|l| l.contains(version) && l.contains(state)),
            "{version} {state} in\n{}",
            r.stdout
        );
    }
    assert_has(&r.stdout, "| Outdated ");

    // Patterns from the command line silence categories, as in Flyway.
    let r = run_in(
        dir.path(),
        &[
            "validate",
            "sql",
            "--url",
            &db.url,
            "--set",
            "ignoreMigrationPatterns=*:pending,*:ignored,*:missing",
            "--format",
            "json",
        ],
    );
    let json: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    let codes: Vec<&str> = json["validations"][0]["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["code"].as_str().unwrap())
        .collect();
    assert_eq!(
        codes,
        [
            "CHECKSUM_MISMATCH",
            "DESCRIPTION_MISMATCH",
            "FAILED_VERSIONED_MIGRATION"
        ],
        "{}",
        r.stdout
    );
}

#[test]
fn postgres_validate_passes_with_baseline_schema_and_future_rows_and_never_writes() {
    let db = TestDb::create(Flavor::Postgres);
    let dir = folder();
    let sql = dir.path().join("sql");
    // No history table yet: every migration is pending, and validate does not create it.
    write(&sql, "V1__old.sql", "SELECT 1;\n");
    let c2 = write(&sql, "V2__two.sql", "SELECT 2;\n");
    let r3 = write(
        &sql,
        "R__grants.sql",
        "GRANT SELECT ON ALL TABLES IN SCHEMA public TO ${role};\n",
    );
    // Without a value for ${role} Flyway cannot checksum the repeatable (issue #12 row 20).
    let r = run_in(dir.path(), &["validate", "sql", "--url", &db.url]);
    assert_eq!(r.code, 1);
    assert!(
        r.stderr.contains(
            "R__grants.sql: No value provided for placeholder: ${role}.  Check your configuration!"
        ),
        "{}",
        r.stderr
    );
    let r = run_in(
        dir.path(),
        &[
            "validate",
            "sql",
            "--url",
            &db.url,
            "--set",
            "placeholders.role=app",
        ],
    );
    assert_eq!(r.code, 1);
    assert!(r
        .stdout
        .contains("Schema history table \"public\".\"flyway_schema_history\" does not exist yet"));
    assert!(db.query("SELECT to_regclass('public.flyway_schema_history')::text")[0][0].is_none());

    db.create_history();
    db.history_row(
        1,
        Some("0"),
        "<< Flyway Schema Creation >>",
        "SCHEMA",
        "\"public\"",
        None,
        true,
    );
    db.history_row(
        2,
        Some("1"),
        "<< Flyway Baseline >>",
        "BASELINE",
        "<< Flyway Baseline >>",
        None,
        true,
    );
    db.history_row(3, Some("2"), "two", "SQL", "V2__two.sql", Some(c2), true);
    // The repeatable was applied with the placeholder replaced.
    let replaced = checksum_text("GRANT SELECT ON ALL TABLES IN SCHEMA public TO app;\n");
    assert_ne!(replaced, r3);
    db.history_row(
        4,
        None,
        "grants",
        "SQL",
        "R__grants.sql",
        Some(replaced),
        true,
    );
    db.history_row(
        5,
        Some("3"),
        "from a newer branch",
        "SQL",
        "V3__from_a_newer_branch.sql",
        Some(3),
        true,
    );
    let before = db.fingerprint();
    let r = run_in(
        dir.path(),
        &[
            "validate",
            "sql",
            "--url",
            &db.url,
            "--set",
            "placeholders.role=app",
        ],
    );
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    // DbValidate counts every info line: V1__old.sql is listed too, "Ignored (Baseline)".
    assert_has(&r.stdout, "Successfully validated 6 migrations");
    assert_eq!(before, db.fingerprint(), "validate changed the database");
    // A different placeholder value makes the repeatable outdated.
    let r = run_in(
        dir.path(),
        &[
            "validate",
            "sql",
            "--url",
            &db.url,
            "--set",
            "placeholders.role=other",
        ],
    );
    assert_has(&r.stdout, "Detected outdated resolved repeatable migration that should be re-applied to database: grants.");
    // Without the default `*:future` the newer row is an error.
    let r = run_in(
        dir.path(),
        &[
            "validate",
            "sql",
            "--url",
            &db.url,
            "--set",
            "placeholders.role=app",
            "--set",
            "ignoreMigrationPatterns=",
        ],
    );
    assert_has(
        &r.stdout,
        "Detected applied migration not resolved locally: 3.",
    );
}

#[test]
fn connection_failures_are_one_line_with_exit_four_and_no_password() {
    let dir = folder();
    write(&dir.path().join("sql"), "V1__a.sql", "SELECT 1;\n");
    // A port nobody listens on.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    for url in [
        format!("jdbc:postgresql://127.0.0.1:{port}/app?user=u&password=hunter2"),
        format!("jdbc:mysql://u:hunter2@127.0.0.1:{port}/app"),
    ] {
        let r = run_in(dir.path(), &["validate", "sql", "--url", &url]);
        assert_eq!(r.code, 4, "{}", r.stderr);
        assert_eq!(r.stderr.lines().count(), 1, "{}", r.stderr);
        assert!(r.stderr.contains(&format!("port {port}")), "{}", r.stderr);
        assert!(!r.stderr.contains("hunter2") && !r.stdout.contains("hunter2"));
    }
    // A certificate that cannot be verified (verify-full against a root file that does not
    // exist): one line naming the file, before any connection.
    let r = run_in(
        dir.path(),
        &[
            "dry-run",
            "sql",
            "--url",
            "jdbc:postgresql://127.0.0.1:5432/x?sslmode=verify-full&sslrootcert=/nonexistent/ca.pem&password=hunter2",
        ],
    );
    assert_eq!(r.code, 4, "{}", r.stderr);
    assert_eq!(r.stderr.lines().count(), 1, "{}", r.stderr);
    assert!(r.stderr.contains("/nonexistent/ca.pem"), "{}", r.stderr);
    assert!(!r.stderr.contains("hunter2"), "{}", r.stderr);
    // No URL at all: a usage error that says what to set.
    let r = run_in(dir.path(), &["validate", "sql"]);
    assert_eq!(r.code, 3);
    assert!(r.stderr.contains("no database configured"), "{}", r.stderr);
}

/// A PostgreSQL target at V2: V1 (a table with a serial) and V2 (two rows) applied for real,
/// with Flyway's history rows.
pub(crate) fn postgres_target(db: &TestDb) -> tempfile::TempDir {
    let dir = folder();
    let sql = dir.path().join("sql");
    let v1 = "CREATE TABLE users (id serial PRIMARY KEY, name text NOT NULL);\n";
    let v2 = "INSERT INTO users (name) VALUES ('ada'), ('grace');\n";
    let c1 = write(&sql, "V1__users.sql", v1);
    let c2 = write(&sql, "V2__seed.sql", v2);
    db.execute(v1);
    db.execute(v2);
    db.create_history();
    db.history_row(
        1,
        Some("1"),
        "users",
        "SQL",
        "V1__users.sql",
        Some(c1),
        true,
    );
    db.history_row(2, Some("2"), "seed", "SQL", "V2__seed.sql", Some(c2), true);
    dir
}

/// The PostgreSQL scenario: the target at V2; V3 adds a column, rows and an index
/// (CONCURRENTLY).
fn postgres_project(db: &TestDb) -> tempfile::TempDir {
    let dir = postgres_target(db);
    let sql = dir.path().join("sql");
    write(
        &sql,
        "V3__email.sql",
        "ALTER TABLE users ADD COLUMN email text;\nUPDATE users SET email = name || '@example.com';\nCREATE INDEX CONCURRENTLY users_email ON users (email);\nCOMMIT;\n",
    );
    dir
}

#[test]
fn postgres_dry_run_reports_and_never_changes_the_target() {
    let db = TestDb::create(Flavor::Postgres);
    let dir = postgres_project(&db);
    let before = db.fingerprint();
    let r = run_in(dir.path(), &["dry-run", "sql", "--url", &db.url]);
    assert_eq!(before, db.fingerprint(), "the dry-run changed the database");
    // The ACCESS EXCLUSIVE lock of ADD COLUMN on an existing table is a warning.
    assert_eq!(r.code, 2, "{}{}", r.stdout, r.stderr);
    assert_has(&r.stdout, "was only read (history, schema, sequence values and role names, in read-only transactions): the target was not changed");
    assert_has(&r.stdout, "ran in a private temporary PostgreSQL");
    assert_has(&r.stdout, "  ok       sql/V3__email.sql");
    assert_has(
        &r.stdout,
        "  warning  sql/V3__email.sql:1:1: ACCESS EXCLUSIVE lock on existing table public.users",
    );
    assert_has(&r.stdout, "line 3: rewritten: run without CONCURRENTLY");
    assert_has(&r.stdout, "line 4: skipped: transaction control");
    assert_has(&r.stdout, "line 3: locks SHARE on public.users");

    // A migration failing half-way: mapped to file, line and column; later ones not run.
    let dir = postgres_project_again(&db, &dir);
    let before = db.fingerprint();
    let r = run_in(
        dir.path(),
        &["dry-run", "sql", "--url", &db.url, "--format", "json"],
    );
    assert_eq!(
        before,
        db.fingerprint(),
        "the failed dry-run changed the database"
    );
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    let json: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    let migrations = &json["dry_runs"][0]["migrations"];
    assert_eq!(migrations[0]["outcome"], "ok");
    assert_eq!(migrations[1]["outcome"], "failed");
    assert_eq!(
        migrations[1]["failure"]["message"],
        "column \"nope\" does not exist"
    );
    assert_eq!(migrations[1]["failure"]["line"], 4);
    assert_eq!(migrations[1]["failure"]["column"], 3);
    assert_eq!(migrations[2]["outcome"], "not run");
}

/// The same database with the failing V4 added to the folder.
fn postgres_project_again(_db: &TestDb, dir: &tempfile::TempDir) -> tempfile::TempDir {
    let copy = folder();
    for entry in std::fs::read_dir(dir.path().join("sql")).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(
            entry.path(),
            copy.path().join("sql").join(entry.file_name()),
        )
        .unwrap();
    }
    write(
        &copy.path().join("sql"),
        "V4__broken.sql",
        "CREATE TABLE audit (id int);\nDELETE FROM users;\nSELECT id,\n  nope FROM users;\n",
    );
    write(&copy.path().join("sql"), "V5__after.sql", "SELECT 5;\n");
    copy
}

/// A MariaDB target at V2: a table, two rows and a view, with Flyway's history rows.
pub(crate) fn mysql_target(db: &TestDb) -> tempfile::TempDir {
    let dir = folder();
    let sql = dir.path().join("sql");
    let v1 = "CREATE TABLE loans (id INT AUTO_INCREMENT PRIMARY KEY, amount INT NOT NULL)";
    let v2 = "INSERT INTO loans (amount) VALUES (10), (20)";
    let c1 = write(&sql, "V1__loans.sql", &format!("{v1};\n"));
    let c2 = write(&sql, "V2__seed.sql", &format!("{v2};\n"));
    db.execute(v1);
    db.execute(v2);
    db.execute("CREATE VIEW big_loans AS SELECT id FROM loans WHERE amount > 15");
    db.create_history();
    db.history_row(
        1,
        Some("1"),
        "loans",
        "SQL",
        "V1__loans.sql",
        Some(c1),
        true,
    );
    db.history_row(2, Some("2"), "seed", "SQL", "V2__seed.sql", Some(c2), true);
    dir
}

fn mysql_project(db: &TestDb) -> tempfile::TempDir {
    let dir = mysql_target(db);
    let sql = dir.path().join("sql");
    write(
        &sql,
        "V3__lender.sql",
        &format!(
            "CREATE TABLE lender (id INT PRIMARY KEY);\nALTER TABLE loans ADD COLUMN lender_id INT, ALGORITHM=INPLACE, LOCK=NONE;\nINSERT INTO loans (amount) VALUES (30);\nDROP VIEW big_loans;\nALTER TABLE {}.loans ADD COLUMN sneaky INT;\nUSE {};\n",
            db.name, db.name
        ),
    );
    dir
}

#[test]
fn mysql_validate_and_dry_run_in_a_temporary_server() {
    let db = TestDb::create(Flavor::MariaDb);
    let dir = mysql_project(&db);
    let sql = dir.path().join("sql");
    // validate: V3 pending; a failed row is reported with Flyway's message.
    let r = run_in(dir.path(), &["validate", "sql", "--url", &db.url]);
    assert_eq!(r.code, 1);
    assert_has(
        &r.stdout,
        "Detected resolved migration not applied to database: 3.",
    );
    let before = db.fingerprint();

    let r = run_in(dir.path(), &["dry-run", "sql", "--url", &db.url]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    assert_has(&r.stdout, "ran in a private temporary MariaDB");
    assert_has(&r.stdout, "  ok       sql/V3__lender.sql");
    assert_has(&r.stdout, "line 6: skipped: changes the current database");
    assert_eq!(before, db.fingerprint(), "the dry-run changed the database");
    assert!(
        db.leftover_clones().is_empty(),
        "{:?}",
        db.leftover_clones()
    );

    // A failing migration: line and column from the server's message; the copy is dropped.
    write(
        &sql,
        "V4__broken.sql",
        "CREATE TABLE t4 (id INT);\nALTER TABLE loans\n  ADD COLUMN x nope;\n",
    );
    write(&sql, "V5__after.sql", "CREATE TABLE t5 (id INT);\n");
    let r = run_in(dir.path(), &["dry-run", "sql", "--url", &db.url]);
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    assert_has(&r.stdout, "  FAILED   sql/V4__broken.sql:3:16: ");
    assert_has(&r.stdout, "  not run  sql/V5__after.sql");
    assert_eq!(
        before,
        db.fingerprint(),
        "the failed dry-run changed the database"
    );
    assert!(
        db.leftover_clones().is_empty(),
        "{:?}",
        db.leftover_clones()
    );

    // A failed history row.
    db.history_row(
        3,
        Some("3"),
        "lender",
        "SQL",
        "V3__lender.sql",
        Some(1),
        false,
    );
    let r = run_in(dir.path(), &["validate", "sql", "--url", &db.url]);
    assert_has(
        &r.stdout,
        "Detected failed migration to version 3 (lender).",
    );
}

#[test]
fn language_server_shows_the_database_state_and_dry_run_failures() {
    use super::lsp::{rules, uri, Client};
    use serde_json::json;
    let db = TestDb::create(Flavor::Postgres);
    let dir = folder();
    let sql = dir.path().join("sql");
    std::fs::write(
        dir.path().join("flyway.toml"),
        format!(
            "[flyway]\nlocations = [\"filesystem:sql\"]\n\n[environments.default]\nurl = \"{}\"\n",
            db.url
        ),
    )
    .unwrap();
    let v1 = "CREATE TABLE users (id bigint PRIMARY KEY);\n";
    let c1 = write(&sql, "V1__users.sql", v1);
    db.execute(v1);
    db.create_history();
    db.history_row(
        1,
        Some("1"),
        "users",
        "SQL",
        "V1__users.sql",
        Some(c1),
        true,
    );
    let v2 = sql.join("V2__email.sql");
    write(
        &sql,
        "V2__email.sql",
        "ALTER TABLE users ADD COLUMN email text;\nSELECT nope FROM users;\n",
    );

    let mut client = Client::start(dir.path());
    // Pending on the database: an info on V2; nothing on V1 while it is unchanged.
    let found =
        client.diagnostics_until(&v2, |d| rules(d).contains(&"pending-migration".to_string()));
    assert!(found.iter().any(|d| d["message"].as_str().unwrap().starts_with("Pending on the default environment's database postgresql://postgres@127.0.0.1:5432/")), "{found:?}");
    // The first line's hover says so too.
    let hover = client.request(
        "textDocument/hover",
        json!({"textDocument": {"uri": uri(&v2)}, "position": {"line": 0, "character": 0}}),
    );
    let text = hover.to_string();
    assert!(text.contains("Pending"), "{text}");
    // The status bar's question.
    let state = client.request(
        "workspace/executeCommand",
        json!({"command": "flyway-lsp.folderState", "arguments": [uri(&v2)]}),
    );
    assert_eq!(state["latest"], "2", "{state}");
    assert_eq!(state["database"]["pending"], 1, "{state}");
    assert_eq!(state["database"]["applied"], 1, "{state}");

    // Editing the applied V1: Flyway's checksum mismatch, naming the database.
    let v1_path = sql.join("V1__users.sql");
    client.notify(
        "textDocument/didOpen",
        json!({"textDocument": {"uri": uri(&v1_path), "languageId": "sql", "version": 1, "text": "CREATE TABLE users (id bigint PRIMARY KEY, x int);\n"}}),
    );
    let found = client.diagnostics_until(&v1_path, |d| {
        rules(d).contains(&"applied-migration-edited".to_string())
    });
    let message = found
        .iter()
        .find(|d| d["code"] == "applied-migration-edited")
        .unwrap()["message"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(
        message.contains("the default environment's database"),
        "{message}"
    );

    // The dry-run command: the failing statement gets the database's error, at its column.
    let before = db.fingerprint();
    let result = client.request(
        "workspace/executeCommand",
        json!({"command": "flyway-lsp.dryRunPending", "arguments": [uri(&v2)]}),
    );
    assert_eq!(result[0]["failed"], true, "{result}");
    assert_eq!(
        before,
        db.fingerprint(),
        "the editor's dry-run changed the database"
    );
    let found = client.diagnostics_until(&v2, |d| rules(d).contains(&"dry-run-failed".to_string()));
    let failure = found
        .iter()
        .find(|d| d["code"] == "dry-run-failed")
        .unwrap();
    assert_eq!(
        failure["range"]["start"],
        json!({"line": 1, "character": 7}),
        "{failure}"
    );
    assert!(failure["message"]
        .as_str()
        .unwrap()
        .contains("column \"nope\" does not exist"));
    // ADD COLUMN took ACCESS EXCLUSIVE on the existing users table.
    assert!(
        rules(&found).contains(&"dry-run-lock".to_string()),
        "{found:?}"
    );

    // Validate command answers with Flyway's outcome.
    let result = client.request(
        "workspace/executeCommand",
        json!({"command": "flyway-lsp.validateDatabase", "arguments": [uri(&v2)]}),
    );
    assert_eq!(result[0]["valid"], false, "{result}");
    assert!(result[0]["message"]
        .as_str()
        .unwrap()
        .contains("Detected resolved migration not applied to database: 2."));
    client.shutdown();
}

#[test]
fn dry_run_without_a_database_replays_the_folder_into_a_temporary_server() {
    for (dialect, expected_how, failure) in [
        (
            "postgres",
            "temporary PostgreSQL",
            "type \"nope\" does not exist",
        ),
        ("mariadb", "temporary MariaDB", "Unknown data type: 'nope'"),
    ] {
        let dir = folder();
        let sql = dir.path().join("sql");
        std::fs::write(
            dir.path().join("flyway-lsp.toml"),
            format!("dialect = \"{dialect}\"\n"),
        )
        .unwrap();
        std::fs::write(
            dir.path().join("flyway.conf"),
            "flyway.locations=filesystem:sql\n",
        )
        .unwrap();
        write(&sql, "V1__t.sql", "CREATE TABLE t (id INT PRIMARY KEY);\n");
        write(
            &sql,
            "V2__more.sql",
            "ALTER TABLE t ADD COLUMN a INT;\nALTER TABLE t ADD COLUMN b nope;\n",
        );
        // A TMPDIR of its own: only what this run started is looked for afterwards.
        let tmp = super::dry_run_safety::private_tmp();
        let child = Command::new(env!("CARGO_BIN_EXE_flyway-lsp"))
            .args(["dry-run", ".", "--format", "json"])
            .current_dir(dir.path())
            .env("TMPDIR", tmp.path())
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&child.stdout);
        let stderr = String::from_utf8_lossy(&child.stderr);
        assert_eq!(child.status.code(), Some(1), "{dialect}: {stdout}{stderr}");
        let json: serde_json::Value = serde_json::from_str(&stdout).unwrap();
        let run = &json["dry_runs"][0];
        assert!(run["how"].as_str().unwrap().contains(expected_how), "{run}");
        assert_eq!(run["migrations"][0]["outcome"], "ok");
        assert_eq!(run["migrations"][1]["failure"]["message"], failure);
        assert_eq!(run["migrations"][1]["failure"]["line"], 2);
        assert_eq!(run["migrations"][1]["failure"]["column"], 28);
        super::dry_run_safety::assert_nothing_left(tmp.path(), dialect);
    }
}

#[test]
fn connection_settings_come_from_flyway_config_environments_and_variables() {
    use super::run_with_env;
    let db = TestDb::create(Flavor::Postgres);
    db.execute("CREATE SCHEMA app");
    let dir = folder();
    write(&dir.path().join("sql"), "V1__a.sql", "SELECT 1;\n");
    std::fs::write(
        dir.path().join("flyway.toml"),
        format!(
            "[flyway]\nlocations = [\"filesystem:sql\"]\n\n[environments.default]\nurl = \"jdbc:postgresql://127.0.0.1:1/nowhere\"\n\n[environments.staging]\nurl = \"{}\"\nschemas = [\"app\"]\ntable = \"history\"\n",
            db.url
        ),
    )
    .unwrap();
    // The staging environment: its schema and table.
    let r = run_in(dir.path(), &["validate", "--environment", "staging"]);
    assert!(
        r.stdout
            .contains("Schema history table \"app\".\"history\" does not exist yet"),
        "{}{}",
        r.stdout,
        r.stderr
    );
    // The default environment points nowhere: exit 4.
    let r = run_in(dir.path(), &["validate"]);
    assert_eq!(r.code, 4, "{}", r.stderr);
    // FLYWAY_URL wins over the files, as in Flyway.
    let r = run_with_env(
        dir.path(),
        &["validate"],
        &[("FLYWAY_URL", db.url.as_str())],
    );
    assert!(
        r.stdout.contains(
            "Schema history table \"public\".\"flyway_schema_history\" does not exist yet"
        ),
        "{}{}",
        r.stdout,
        r.stderr
    );
}
