//! Database reads that cannot hang, inject or leak: a locked history table (PostgreSQL
//! `LOCK TABLE … IN ACCESS EXCLUSIVE MODE`, MariaDB `LOCK TABLES … WRITE`), hostile `--table` /
//! `--schemas` values against real servers, history tables not laid out as Flyway's, passwords
//! in every kind of bad input, and config files that are FIFOs or folders.
//!
//! Servers and helpers as in `db.rs`: each test makes and drops its own database.

use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use flyway_lsp::database::client::quote_ident;
use flyway_lsp::sql::server::Flavor;

use super::db::{assert_has, block_on, connect, folder, write, TestDb};
use super::{run_in, run_with_env, Run};

/// A session of its own holding a lock until dropped.
struct LockHolder {
    release: Option<mpsc::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl LockHolder {
    /// Runs `lock` in a new session and keeps it open; `unlock` runs when dropped.
    fn take(db: &TestDb, lock: &str, unlock: &str) -> LockHolder {
        let (ready_tx, ready_rx) = mpsc::channel();
        let (release_tx, release_rx) = mpsc::channel::<()>();
        let (url, lock, unlock) = (db.url.clone(), lock.to_string(), unlock.to_string());
        let thread = std::thread::spawn(move || {
            block_on(async move {
                let mut client = connect(&url).await.expect("the lock session connects");
                client
                    .execute(&lock)
                    .await
                    .unwrap_or_else(|e| panic!("{lock}: {e}"));
                ready_tx.send(()).unwrap();
                let _ = tokio::task::spawn_blocking(move || {
                    release_rx.recv_timeout(Duration::from_secs(120))
                })
                .await;
                let _ = client.execute(&unlock).await;
                client.close().await;
            })
        });
        ready_rx
            .recv_timeout(Duration::from_secs(30))
            .expect("the lock is taken");
        LockHolder {
            release: Some(release_tx),
            thread: Some(thread),
        }
    }
}

impl Drop for LockHolder {
    fn drop(&mut self) {
        drop(self.release.take());
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

fn lock_statements(flavor: Flavor) -> (&'static str, &'static str) {
    match flavor {
        Flavor::Postgres => (
            "BEGIN; LOCK TABLE flyway_schema_history IN ACCESS EXCLUSIVE MODE",
            "ROLLBACK",
        ),
        _ => ("LOCK TABLES flyway_schema_history WRITE", "UNLOCK TABLES"),
    }
}

/// validate, `info --url` and `check --connect` (at the same time, to keep the test short)
/// against a locked history table: each gives up after the 5 s lock timeout, exit 4, one line.
fn locked_history_is_one_line_not_a_hang(flavor: Flavor) {
    let db = TestDb::create(flavor);
    db.create_history();
    let dir = folder();
    write(&dir.path().join("sql"), "V1__a.sql", "SELECT 1;\n");
    let (lock, unlock) = lock_statements(flavor);
    let holder = LockHolder::take(&db, lock, unlock);
    let started = Instant::now();
    let runs: Vec<(&str, Run)> = std::thread::scope(|scope| {
        let handles: Vec<_> = [
            (
                "validate",
                vec!["validate", "sql", "--url", db.url.as_str()],
            ),
            ("info", vec!["info", "sql", "--url", db.url.as_str()]),
            (
                "check",
                vec!["check", "sql", "--connect", "--url", db.url.as_str()],
            ),
        ]
        .into_iter()
        .map(|(name, args)| {
            let dir = dir.path();
            scope.spawn(move || (name, run_in(dir, &args)))
        })
        .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let elapsed = started.elapsed();
    drop(holder);
    for (name, r) in &runs {
        assert_eq!(r.code, 4, "{name}: {}{}", r.stdout, r.stderr);
        assert_eq!(r.stderr.lines().count(), 1, "{name}: {}", r.stderr);
        assert_has(&r.stderr, "flyway_schema_history");
        assert_has(
            &r.stderr,
            "is locked by another session (a migration running?); gave up after 5 s",
        );
    }
    assert!(
        elapsed >= Duration::from_secs(4) && elapsed < Duration::from_secs(20),
        "the reads waited {elapsed:?}, not the 5 s lock timeout"
    );
    // With the lock gone the same read succeeds at once.
    let r = run_in(dir.path(), &["validate", "sql", "--url", &db.url]);
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    assert_has(
        &r.stdout,
        "Detected resolved migration not applied to database: 1.",
    );
}

#[test]
fn postgres_locked_history_is_one_line_not_a_hang() {
    locked_history_is_one_line_not_a_hang(Flavor::Postgres);
}

#[test]
fn mariadb_locked_history_is_one_line_not_a_hang() {
    locked_history_is_one_line_not_a_hang(Flavor::MariaDb);
}

#[test]
fn language_server_says_database_busy_when_the_history_is_locked() {
    use super::lsp::{uri, Client};
    use serde_json::json;
    let db = TestDb::create(Flavor::Postgres);
    db.create_history();
    let dir = folder();
    let v1 = dir.path().join("sql/V1__a.sql");
    write(&dir.path().join("sql"), "V1__a.sql", "SELECT 1;\n");
    std::fs::write(
        dir.path().join("flyway.toml"),
        format!(
            "[flyway]\nlocations = [\"filesystem:sql\"]\n\n[environments.default]\nurl = \"{}\"\n",
            db.url
        ),
    )
    .unwrap();
    let (lock, unlock) = lock_statements(Flavor::Postgres);
    let holder = LockHolder::take(&db, lock, unlock);
    let mut client = Client::start(dir.path());
    let validate = |client: &mut Client| {
        client.request(
            "workspace/executeCommand",
            json!({"command": "flyway-lsp.validateDatabase", "arguments": [uri(&v1)]}),
        )
    };
    // Either this read times out on the lock, or the start-up read is still waiting on it.
    let result = validate(&mut client);
    assert_eq!(result[0]["busy"], true, "{result}");
    let error = result[0]["error"].as_str().unwrap_or_default();
    assert!(error.starts_with("database busy: "), "{result}");
    assert!(!error.contains("no database configured"), "{result}");
    // The status bar's state and the first-line hover say so too.
    let deadline = Instant::now() + Duration::from_secs(20);
    let state = loop {
        let state = client.request(
            "workspace/executeCommand",
            json!({"command": "flyway-lsp.folderState", "arguments": [uri(&v1)]}),
        );
        let busy = state["database_error"]
            .as_str()
            .is_some_and(|e| e.starts_with("database busy: "));
        if busy || Instant::now() > deadline {
            break state;
        }
        std::thread::sleep(Duration::from_millis(200));
    };
    assert!(
        state["database_error"]
            .as_str()
            .is_some_and(|e| e.starts_with("database busy: ")),
        "{state}"
    );
    client.notify(
        "textDocument/didOpen",
        json!({"textDocument": {"uri": uri(&v1), "languageId": "sql", "version": 1, "text": "SELECT 1;\n"}}),
    );
    let hover = client.request(
        "textDocument/hover",
        json!({"textDocument": {"uri": uri(&v1)}, "position": {"line": 0, "character": 1}}),
    );
    let text = hover["contents"]["value"].as_str().unwrap_or_default();
    assert!(text.contains("not known (database busy: "), "{hover}");
    drop(holder);
    // Once the lock is released the command answers with Flyway's outcome.
    let deadline = Instant::now() + Duration::from_secs(30);
    let result = loop {
        let result = validate(&mut client);
        if result[0]["busy"] != true || Instant::now() > deadline {
            break result;
        }
        std::thread::sleep(Duration::from_millis(200));
    };
    assert_eq!(result[0]["valid"], false, "{result}");
    assert!(result[0]["message"]
        .as_str()
        .unwrap()
        .contains("Detected resolved migration not applied to database: 1."));
    client.shutdown();
}

/// Values that would break out of a string literal or an identifier built as text.
const HOSTILE: &[&str] = &[
    "x'; DROP TABLE canary; --",
    "x\\'; DROP TABLE canary; --",
    "x\\\\'; DROP TABLE canary; --",
    "x\"; DROP TABLE canary; --",
    "x`; DROP TABLE canary; --",
    "x' OR '1'='1",
    "x\\",
];

fn canary(db: &TestDb) -> Vec<Vec<Option<String>>> {
    db.query("SELECT id FROM canary")
}

/// Every hostile `--table` and `--schemas` value: "does not exist yet", nothing written.
fn hostile_names_only_read(db: &TestDb, dir: &Path) {
    let before = db.fingerprint();
    for value in HOSTILE {
        for flag in ["--table", "--schemas"] {
            let r = run_in(dir, &["validate", "sql", "--url", &db.url, flag, value]);
            assert_eq!(r.code, 1, "{flag} {value}: {}{}", r.stdout, r.stderr);
            assert_has(&r.stdout, "does not exist yet");
            assert_eq!(
                canary(db),
                vec![vec![Some("42".to_string())]],
                "{flag} {value}"
            );
        }
    }
    assert_eq!(before, db.fingerprint(), "a read changed the database");
}

#[test]
fn postgres_hostile_table_and_schema_names_only_read() {
    let db = TestDb::create(Flavor::Postgres);
    db.execute("CREATE TABLE canary (id int); INSERT INTO canary VALUES (42)");
    // New sessions get standard_conforming_strings off: backslashes escape in '…'.
    db.execute(&format!(
        "ALTER DATABASE {} SET standard_conforming_strings = off",
        quote_ident(Flavor::Postgres, &db.name)
    ));
    let dir = folder();
    let c1 = write(&dir.path().join("sql"), "V1__a.sql", "SELECT 1;\n");
    hostile_names_only_read(&db, dir.path());

    // An oddly named history table in an oddly named schema is read correctly.
    let (schema, table) = ("o'dd\\sch\"ema", "we'ird\\\"na`me");
    let qualified = format!(
        "{}.{}",
        quote_ident(Flavor::Postgres, schema),
        quote_ident(Flavor::Postgres, table)
    );
    db.execute(&format!(
        "CREATE SCHEMA {}; CREATE TABLE {qualified} (installed_rank INT NOT NULL, version VARCHAR(50), description VARCHAR(200) NOT NULL, type VARCHAR(20) NOT NULL, script VARCHAR(1000) NOT NULL, checksum INTEGER, installed_by VARCHAR(100) NOT NULL, installed_on TIMESTAMP NOT NULL DEFAULT now(), execution_time INTEGER NOT NULL, success BOOLEAN NOT NULL); INSERT INTO {qualified} VALUES (1, '1', 'a', 'SQL', 'V1__a.sql', {c1}, 'flyway', now(), 3, true)",
        quote_ident(Flavor::Postgres, schema)
    ));
    let r = run_in(
        dir.path(),
        &[
            "validate",
            "sql",
            "--url",
            &db.url,
            "--schemas",
            schema,
            "--table",
            table,
        ],
    );
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    assert_has(&r.stdout, "Successfully validated 1 migration");
    assert_eq!(canary(&db), vec![vec![Some("42".to_string())]]);
}

#[test]
fn mariadb_hostile_table_and_schema_names_only_read() {
    let db = TestDb::create(Flavor::MariaDb);
    db.execute("CREATE TABLE canary (id int)");
    db.execute("INSERT INTO canary VALUES (42)");
    let dir = folder();
    let c1 = write(&dir.path().join("sql"), "V1__a.sql", "SELECT 1;\n");
    hostile_names_only_read(&db, dir.path());

    let table = "we'ird\\\"na`me";
    let quoted = quote_ident(Flavor::MariaDb, table);
    db.execute(&format!(
        "CREATE TABLE {quoted} (installed_rank INT NOT NULL, version VARCHAR(50), description VARCHAR(200) NOT NULL, type VARCHAR(20) NOT NULL, script VARCHAR(1000) NOT NULL, checksum INT, installed_by VARCHAR(100) NOT NULL, installed_on TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP, execution_time INT NOT NULL, success BOOL NOT NULL)"
    ));
    db.execute(&format!(
        "INSERT INTO {quoted} (installed_rank, version, description, type, script, checksum, installed_by, execution_time, success) VALUES (1, '1', 'a', 'SQL', 'V1__a.sql', {c1}, 'flyway', 3, 1)"
    ));
    let r = run_in(
        dir.path(),
        &["validate", "sql", "--url", &db.url, "--table", table],
    );
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    assert_has(&r.stdout, "Successfully validated 1 migration");
    assert_eq!(canary(&db), vec![vec![Some("42".to_string())]]);
}

/// validate, `info --url` and `check --connect` on a table not laid out as Flyway's: exit 5,
/// one line naming the table and the column.
fn wrong_history_layout(db: &TestDb, create: &str, table: &str, column: &str) {
    db.execute(create);
    let dir = folder();
    write(&dir.path().join("sql"), "V1__a.sql", "SELECT 1;\n");
    for args in [
        vec![
            "validate",
            "sql",
            "--url",
            db.url.as_str(),
            "--table",
            table,
        ],
        vec!["info", "sql", "--url", db.url.as_str(), "--table", table],
        vec![
            "check",
            "sql",
            "--connect",
            "--url",
            db.url.as_str(),
            "--table",
            table,
        ],
    ] {
        let r = run_in(dir.path(), &args);
        assert_eq!(r.code, 5, "{args:?}: {}{}", r.stdout, r.stderr);
        assert_eq!(r.stderr.lines().count(), 1, "{}", r.stderr);
        assert_has(&r.stderr, table);
        assert_has(&r.stderr, &format!("`{column}`"));
        assert_has(&r.stderr, "not laid out as Flyway's");
        assert_eq!(r.stdout, "", "{args:?}");
    }
}

#[test]
fn postgres_history_table_with_missing_or_mistyped_columns_exits_five() {
    let db = TestDb::create(Flavor::Postgres);
    wrong_history_layout(
        &db,
        "CREATE TABLE no_checksum (installed_rank INT, version VARCHAR(50), description VARCHAR(200), type VARCHAR(20), script VARCHAR(1000), installed_by VARCHAR(100), installed_on TIMESTAMP, execution_time INT, success BOOLEAN)",
        "no_checksum",
        "checksum",
    );
    wrong_history_layout(
        &db,
        "CREATE TABLE text_rank (installed_rank TEXT, version VARCHAR(50), description VARCHAR(200), type VARCHAR(20), script VARCHAR(1000), checksum INT, installed_by VARCHAR(100), installed_on TIMESTAMP, execution_time INT, success BOOLEAN); INSERT INTO text_rank VALUES ('first', '1', 'a', 'SQL', 'V1__a.sql', 1, 'me', now(), 1, true)",
        "text_rank",
        "installed_rank",
    );
}

#[test]
fn mariadb_history_table_with_missing_columns_exits_five() {
    let db = TestDb::create(Flavor::MariaDb);
    wrong_history_layout(
        &db,
        "CREATE TABLE no_checksum (installed_rank INT, version VARCHAR(50), description VARCHAR(200), type VARCHAR(20), script VARCHAR(1000), installed_by VARCHAR(100), installed_on TIMESTAMP, execution_time INT, success BOOL)",
        "no_checksum",
        "checksum",
    );
}

#[track_caller]
fn assert_hidden(r: &Run, secret: &str, what: &str) {
    assert!(
        !r.stdout.contains(secret) && !r.stderr.contains(secret),
        "{what}: the password reached the output:\n{}{}",
        r.stdout,
        r.stderr
    );
    assert!(
        r.code == 3 || r.code == 4,
        "{what}: exit {}: {}",
        r.code,
        r.stderr
    );
    assert_eq!(r.stderr.lines().count(), 1, "{what}: {}", r.stderr);
}

/// A port nobody listens on.
fn closed_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    port
}

#[test]
fn passwords_never_reach_the_output_whatever_the_input() {
    const S: &str = "Sw0rdf1sh";
    let dir = folder();
    write(&dir.path().join("sql"), "V1__a.sql", "SELECT 1;\n");
    let port = closed_port();
    let urls = [
        format!("jdbc:postgresql://u:{S}/x@127.0.0.1:{port}/db"),
        format!("jdbc:postgresql://u:{S}?x@127.0.0.1:{port}/db"),
        format!("jdbc:postgresql://u:{S}@x@127.0.0.1:{port}/db"),
        format!("jdbc:postgresql://u/{S}@127.0.0.1:{port}/db"),
        format!("jdbc:postgresql://u:{S}/db"),
        format!("u/{S}@127.0.0.1:1521/orcl"),
        format!("jdbc:oracle:thin:u/{S}@127.0.0.1:1521:orcl"),
        format!("jdbc:oracle://u:{S}@127.0.0.1/db"),
        S.to_string(),
        format!("jdbc:postgresql//u:{S}@127.0.0.1/db"),
        format!("jdbc:postgresql://127.0.0.1:{port}/db?password=first&password={S}"),
        format!("jdbc:postgresql://127.0.0.1:{port}/db?password={S}&password=again"),
        format!("jdbc:mysql://u:{S}@127.0.0.1:{port}/db"),
        format!("postgres://u:{S}@127.0.0.1:notaport/db"),
        // A wrong password against a real server (MariaDB's root has none).
        format!("mysql://root:{S}@127.0.0.1:3306/"),
    ];
    for url in &urls {
        for args in [
            vec!["validate", "sql", "--url", url.as_str()],
            vec!["info", "sql", "--url", url.as_str()],
            vec!["check", "sql", "--connect", "--url", url.as_str()],
        ] {
            let r = run_in(dir.path(), &args);
            assert_hidden(&r, S, &format!("{args:?}"));
        }
        // In FLYWAY_URL, and with the password given separately as well.
        let r = run_with_env(
            dir.path(),
            &["validate", "sql"],
            &[("FLYWAY_URL", url.as_str()), ("FLYWAY_PASSWORD", S)],
        );
        assert_hidden(&r, S, &format!("FLYWAY_URL={url}"));
    }
    // A URL in flyway.conf; --set without `=`.
    std::fs::write(
        dir.path().join("flyway.conf"),
        format!("flyway.locations=filesystem:sql\nflyway.url=jdbc:postgresql://u:{S}/db\n"),
    )
    .unwrap();
    let r = run_in(dir.path(), &["validate"]);
    assert_hidden(&r, S, "flyway.conf url");
    let r = run_in(dir.path(), &["check", "--set", &format!("password:{S}")]);
    assert_hidden(&r, S, "--set");
    std::fs::remove_file(dir.path().join("flyway.conf")).unwrap();

    // flyway.toml whose syntax error is on the password line: the file and line, not the text.
    for (line, text) in [
        (3, format!("password = \"{S}\n")),
        (3, format!("password = {S}\n")),
        (3, format!("password = \"{S}\" trailing\n")),
        (4, format!("password = \"a\"\npassword = \"{S}\"\n")),
        (3, format!("password = \"{S}\\q\"\n")),
    ] {
        std::fs::write(
            dir.path().join("flyway.toml"),
            format!("[flyway]\nlocations = [\"filesystem:sql\"]\n{text}url = \"jdbc:postgresql://127.0.0.1:{port}/db\"\n"),
        )
        .unwrap();
        for args in [vec!["validate"], vec!["check"], vec!["info"]] {
            let r = run_in(dir.path(), &args);
            assert_hidden(&r, S, &format!("flyway.toml {text:?}"));
            assert_eq!(r.code, 3);
            assert_has(&r.stderr, &format!("flyway.toml:{line}:"));
        }
    }
}

/// Runs the binary, killing it (and failing) if it has not finished within `limit`.
fn run_with_deadline(cwd: &Path, args: &[&str], limit: Duration) -> Run {
    let mut child = Command::new(env!("CARGO_BIN_EXE_flyway-lsp"))
        .args(args)
        .current_dir(cwd)
        .env_remove("FLYWAY_CONFIG_FILES")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary runs");
    let started = Instant::now();
    while child.try_wait().expect("wait").is_none() {
        if started.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            panic!("flyway-lsp {args:?} still running after {limit:?}: it blocked");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let output = child.wait_with_output().expect("output");
    Run {
        code: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

#[test]
fn config_files_that_are_fifos_or_folders_are_one_line_errors() {
    let dir = folder();
    write(&dir.path().join("sql"), "V1__a.sql", "SELECT 1;\n");
    let limit = Duration::from_secs(10);
    // A folder named flyway.conf, then a FIFO named flyway.toml (nobody ever writes to it).
    std::fs::create_dir(dir.path().join("flyway.conf")).unwrap();
    let r = run_with_deadline(dir.path(), &["check"], limit);
    assert_eq!(r.code, 3, "{}{}", r.stdout, r.stderr);
    assert_eq!(r.stderr.lines().count(), 1, "{}", r.stderr);
    assert_has(&r.stderr, "flyway.conf is a folder, not a regular file");
    std::fs::remove_dir(dir.path().join("flyway.conf")).unwrap();

    let fifo = dir.path().join("flyway.toml");
    let made = Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .expect("mkfifo runs");
    assert!(made.success());
    for args in [vec!["check"], vec!["validate"], vec!["info"]] {
        let r = run_with_deadline(dir.path(), &args, limit);
        assert_eq!(r.code, 3, "{args:?}: {}{}", r.stdout, r.stderr);
        assert_eq!(r.stderr.lines().count(), 1, "{}", r.stderr);
        assert_has(
            &r.stderr,
            "flyway.toml is a FIFO (named pipe), not a regular file",
        );
    }
    std::fs::remove_file(&fifo).unwrap();
    // Named with --config.
    let other = dir.path().join("pipe.conf");
    assert!(Command::new("mkfifo")
        .arg(&other)
        .status()
        .unwrap()
        .success());
    let r = run_with_deadline(dir.path(), &["check", "--config", "pipe.conf"], limit);
    assert_eq!(r.code, 3, "{}{}", r.stdout, r.stderr);
    assert_has(
        &r.stderr,
        "pipe.conf is a FIFO (named pipe), not a regular file",
    );
}
