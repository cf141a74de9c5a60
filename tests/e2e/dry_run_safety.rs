//! `dry-run` cannot harm the target, by construction: hostile migrations (every case a hostile
//! review found reaching a real server through the old on-target dry-run) are dry-run against
//! real PostgreSQL and MariaDB, and the target's full fingerprint — dump, rows, databases,
//! roles/users, grants, global settings — must be identical afterwards. No temporary server or
//! folder may remain after SIGINT, SIGTERM, SIGHUP or SIGKILL.
//!
//! Every run gets a TMPDIR of its own, so "nothing left behind" is checked on folders and
//! processes that only this test made.

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use flyway_lsp::sql::server::Flavor;

use super::db::{assert_has, connect, mysql_target, postgres_target, write, TestDb};
use super::{run_with_env, Run};

/// A TMPDIR of the test's own that the temporary server's account can pass through.
pub(crate) fn private_tmp() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o711)).unwrap();
    dir
}

fn dry_run(project: &Path, tmp: &Path, args: &[&str]) -> Run {
    let mut all = vec!["dry-run", "sql"];
    all.extend_from_slice(args);
    run_with_env(project, &all, &[("TMPDIR", tmp.to_str().unwrap())])
}

/// Processes whose command line names `path` (a temporary server started in it).
fn processes_in(path: &Path) -> Vec<String> {
    let needle = path.to_string_lossy().into_owned();
    let mut found = Vec::new();
    for entry in std::fs::read_dir("/proc").unwrap().flatten() {
        if !entry
            .file_name()
            .to_string_lossy()
            .bytes()
            .all(|b| b.is_ascii_digit())
        {
            continue;
        }
        if let Ok(cmdline) = std::fs::read(entry.path().join("cmdline")) {
            let cmdline = String::from_utf8_lossy(&cmdline).replace('\0', " ");
            if cmdline.contains(&needle) {
                found.push(format!(
                    "{}: {cmdline}",
                    entry.file_name().to_string_lossy()
                ));
            }
        }
    }
    found
}

#[track_caller]
pub(crate) fn assert_nothing_left(tmp: &Path, context: &str) {
    let started = Instant::now();
    // A killed server's backends may take a moment to notice their postmaster is gone.
    while !processes_in(tmp).is_empty() && started.elapsed() < Duration::from_secs(10) {
        std::thread::sleep(Duration::from_millis(100));
    }
    assert_eq!(
        processes_in(tmp),
        Vec::<String>::new(),
        "{context}: a temporary server is still running"
    );
    let left: Vec<_> = std::fs::read_dir(tmp)
        .unwrap()
        .flatten()
        .map(|e| e.file_name())
        .collect();
    assert!(
        left.is_empty(),
        "{context}: left behind in TMPDIR: {left:?}"
    );
}

/// The target as a whole: the test database's fingerprint (schema, rows, sequences) and dump,
/// the databases, roles/users and grants that carry this test's prefix, and the server's global
/// settings.
pub(crate) fn full_fingerprint(db: &TestDb) -> String {
    let mut out = db.fingerprint();
    let prefix = db.name.replace('_', "\\_");
    let queries: Vec<String> = match db.flavor {
        Flavor::Postgres => vec![
            format!("SELECT datname FROM pg_database WHERE datname LIKE '{prefix}%' ORDER BY 1"),
            format!("SELECT rolname, rolsuper::text, rolcanlogin::text FROM pg_roles WHERE rolname LIKE '{prefix}%' ORDER BY 1"),
            "SELECT grantee, table_name, privilege_type FROM information_schema.role_table_grants WHERE table_schema = 'public' ORDER BY 1, 2, 3".into(),
            "SELECT name, setting FROM pg_settings WHERE context IN ('postmaster', 'sighup', 'superuser-backend', 'backend') ORDER BY 1".into(),
            "SELECT name, setting FROM pg_file_settings ORDER BY 1".into(),
        ],
        _ => vec![
            format!("SHOW DATABASES LIKE '{prefix}%'"),
            format!("SELECT user, host FROM mysql.user WHERE user LIKE '{prefix}%' ORDER BY 1, 2"),
            format!("SELECT grantee, table_schema, privilege_type FROM information_schema.schema_privileges WHERE table_schema LIKE '{prefix}%' ORDER BY 1, 2, 3"),
            "SELECT variable_name, variable_value FROM information_schema.global_variables WHERE variable_name NOT LIKE 'GTID%' ORDER BY 1".into(),
        ],
    };
    for sql in queries {
        out.push_str(&format!("{sql}\n{:?}\n", db.query(&sql)));
    }
    let dump = match db.flavor {
        Flavor::Postgres => Command::new("pg_dump")
            .args([
                "-h",
                "127.0.0.1",
                "-U",
                "postgres",
                "--no-password",
                &db.name,
            ])
            .output(),
        _ => Command::new("mysqldump")
            .args([
                "-h",
                "127.0.0.1",
                "-u",
                "root",
                "--skip-dump-date",
                "--routines",
                "--triggers",
                &db.name,
            ])
            .output(),
    }
    .expect("pg_dump / mysqldump run");
    assert!(
        dump.status.success(),
        "{}",
        String::from_utf8_lossy(&dump.stderr)
    );
    // pg_dump's \restrict lines carry a random key: not part of the database.
    for line in String::from_utf8_lossy(&dump.stdout).lines() {
        if !line.starts_with("\\restrict") && !line.starts_with("\\unrestrict") {
            out.push_str(line);
            out.push('\n');
        }
    }
    out
}

/// Asserts two fingerprints are equal, showing only the lines that differ.
#[track_caller]
pub(crate) fn assert_same(before: &str, after: &str, context: &str) {
    if before == after {
        return;
    }
    let gone: Vec<&str> = before
        .lines()
        .filter(|l| !after.lines().any(|a| a == *l))
        .collect();
    let new: Vec<&str> = after
        .lines()
        .filter(|l| !before.lines().any(|b| b == *l))
        .collect();
    panic!("{context}\nonly before: {gone:#?}\nonly after: {new:#?}");
}

/// Dry-runs each hostile `V3` of `cases` against `db`: the target and `victim` keep their full
/// fingerprints, nothing is left in `tmp`, and `check` holds after each.
fn dry_run_each(
    db: &TestDb,
    victim: &TestDb,
    dir: &Path,
    tmp: &Path,
    cases: &[(&str, String)],
    mut check: impl FnMut(&str),
) {
    let before = full_fingerprint(db);
    let victim_before = full_fingerprint(victim);
    for (name, text) in cases {
        let _ = std::fs::remove_file(dir.join("sql/V3__hostile.sql"));
        write(&dir.join("sql"), "V3__hostile.sql", text);
        let r = dry_run(dir, tmp, &["--url", &db.url]);
        assert!(
            r.code == 0 || r.code == 1 || r.code == 2,
            "{name}: {}{}",
            r.stdout,
            r.stderr
        );
        assert_has(&r.stdout, "was only read, never written");
        assert_same(
            &before,
            &full_fingerprint(db),
            &format!("{name}: the target changed\n{}", r.stdout),
        );
        assert_same(
            &victim_before,
            &full_fingerprint(victim),
            &format!("{name}: another database changed\n{}", r.stdout),
        );
        check(name);
        assert_nothing_left(tmp, name);
    }
}

#[test]
fn postgres_hostile_migrations_cannot_touch_the_target() {
    let db = TestDb::create(Flavor::Postgres);
    let victim = TestDb::create(Flavor::Postgres);
    victim.execute("CREATE TABLE canary (x int); INSERT INTO canary VALUES (1);");
    let dir = postgres_target(&db);
    let tmp = private_tmp();
    let marker = tmp.path().join("pwned-by-copy-program");
    let victim_conn = format!(
        "host=127.0.0.1 port=5432 user=postgres dbname={}",
        victim.name
    );
    // A session of "the application" on the target, which no dry-run may end.
    // One runtime for the sessions the test keeps open (a connection lives on its runtime).
    let runtime = flyway_lsp::database::runtime().unwrap();
    let canary = runtime.block_on(async {
        let mut c = connect(&db.url).await.unwrap();
        let pid = c.session_id().await.unwrap();
        (c, pid)
    });
    let (mut canary_client, canary_pid) = canary;
    let cases: Vec<(&str, String)> = vec![
        (
            "BEGIN ATOMIC body the splitter misreads, then COMMIT and destruction",
            "CREATE FUNCTION evil() RETURNS int LANGUAGE sql\nBEGIN ATOMIC\n  SELECT CASE WHEN 1 = 1 THEN 1 ELSE 2 END;\nEND;\nCOMMIT;\nDELETE FROM users;\nDROP TABLE flyway_schema_history;\n".into(),
        ),
        (
            "setval in a DO block",
            "DO $$ BEGIN PERFORM setval('users_id_seq', 1000); END $$;\n".into(),
        ),
        ("setval quoted", "SELECT \"setval\"('users_id_seq', 2000);\n".into()),
        (
            "dblink_exec to another database",
            format!("CREATE EXTENSION IF NOT EXISTS dblink;\nSELECT dblink_exec('{victim_conn}', 'DROP TABLE canary');\n"),
        ),
        (
            "dblink_exec quoted, in a DO block",
            format!("DO $$ BEGIN PERFORM \"dblink_exec\"('{victim_conn}', 'DROP TABLE canary'); END $$;\n"),
        ),
        (
            "COPY TO PROGRAM in a DO block",
            format!(
                "DO $$ BEGIN EXECUTE 'COPY (SELECT 1) TO PROGRAM ''touch {}'''; END $$;\n",
                marker.display()
            ),
        ),
        (
            "pg_terminate_backend in a DO block",
            format!("DO $$ BEGIN PERFORM pg_terminate_backend({canary_pid}); END $$;\nSELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE pid <> pg_backend_pid();\n"),
        ),
        (
            "timeouts lifted, then a long lock",
            "SET lock_timeout = 0;\nRESET ALL;\nSET statement_timeout = 0;\nLOCK TABLE users IN ACCESS EXCLUSIVE MODE;\nSELECT pg_sleep(1);\n".into(),
        ),
        (
            "roles, system settings, databases",
            format!("CREATE ROLE {}_evil SUPERUSER LOGIN;\nALTER SYSTEM SET work_mem = '77MB';\nCREATE DATABASE {}_evil;\n", db.name, db.name),
        ),
    ];
    dry_run_each(&db, &victim, dir.path(), tmp.path(), &cases, |name| {
        assert!(!marker.exists(), "{name}: COPY TO PROGRAM ran a command");
        runtime.block_on(async {
            canary_client
                .query_one("SELECT 1")
                .await
                .unwrap_or_else(|e| panic!("{name}: the application's session was ended: {e}"));
        });
    });
    runtime.block_on(canary_client.close());
}

#[test]
fn postgres_dry_run_gives_up_on_a_locked_target_instead_of_hanging() {
    let db = TestDb::create(Flavor::Postgres);
    let dir = postgres_target(&db);
    write(
        &dir.path().join("sql"),
        "V3__email.sql",
        "ALTER TABLE users ADD COLUMN email text;\n",
    );
    let tmp = private_tmp();
    // Another session holds an exclusive lock on a table the schema read needs.
    let runtime = flyway_lsp::database::runtime().unwrap();
    let mut holder = runtime.block_on(connect(&db.url)).unwrap();
    runtime
        .block_on(holder.execute("BEGIN; LOCK TABLE users IN ACCESS EXCLUSIVE MODE"))
        .unwrap();
    let started = Instant::now();
    let r = dry_run(
        dir.path(),
        tmp.path(),
        &["--url", &db.url, "--lock-timeout", "2"],
    );
    let took = started.elapsed();
    runtime.block_on(async {
        let _ = holder.execute("ROLLBACK").await;
        holder.close().await;
    });
    assert!(took < Duration::from_secs(30), "took {took:?}");
    assert_ne!(r.code, 0, "{}{}", r.stdout, r.stderr);
    assert_has(&r.stderr, "lock");
    assert_eq!(r.stderr.trim().lines().count(), 1, "{}", r.stderr);
    assert_nothing_left(tmp.path(), "locked target");
}

#[test]
fn postgres_dry_run_sees_the_targets_schema_roles_and_sequences() {
    let db = TestDb::create(Flavor::Postgres);
    let dir = postgres_target(&db);
    let role = format!("{}_reader", db.name);
    db.execute(&format!("CREATE ROLE {role} NOLOGIN"));
    let sql = dir.path().join("sql");
    // Needs the target's table, rows-independent; the role; and the sequence's position.
    write(
        &sql,
        "V3__grants.sql",
        &format!(
            "ALTER TABLE users ADD COLUMN email text;\nGRANT SELECT ON users TO {role};\nCREATE TABLE next_id AS SELECT nextval('users_id_seq') AS id;\nDO $$ BEGIN IF (SELECT id FROM next_id) <> 3 THEN RAISE EXCEPTION 'sequence not carried over'; END IF; END $$;\nCREATE INDEX CONCURRENTLY users_email ON users (email);\nCREATE INDEX CONCURRENTLY IF NOT EXISTS users_email_name ON users (email, name);\n"
        ),
    );
    write(
        &sql,
        "V4__broken.sql",
        "CREATE TABLE audit (id int);\nSELECT id,\n  nope FROM users;\n",
    );
    write(&sql, "V5__after.sql", "SELECT 5;\n");
    let tmp = private_tmp();
    let before = full_fingerprint(&db);
    let r = dry_run(
        dir.path(),
        tmp.path(),
        &["--url", &db.url, "--format", "json"],
    );
    assert_same(&before, &full_fingerprint(&db), "the dry-run");
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    let json: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    let report = &json["dry_runs"][0];
    assert_eq!(report["target_written"], false);
    let migrations = &report["migrations"];
    assert_eq!(migrations[0]["outcome"], "ok", "{report:#}");
    // Beside CREATE INDEX CONCURRENTLY IF NOT EXISTS only: the INVALID index a failed build
    // leaves, which a retry keeps.
    let rewritten: Vec<&str> = migrations[0]["statements"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|s| s["outcome"]["rewritten"].as_str())
        .collect();
    assert_eq!(rewritten.len(), 2, "{report:#}");
    assert!(!rewritten[0].contains("INVALID index"), "{}", rewritten[0]);
    assert!(
        rewritten[1].contains("keeps the invalid index"),
        "{}",
        rewritten[1]
    );
    assert_eq!(migrations[1]["outcome"], "failed");
    assert_eq!(
        migrations[1]["failure"]["message"],
        "column \"nope\" does not exist"
    );
    assert_eq!(migrations[1]["failure"]["line"], 3);
    assert_eq!(migrations[1]["failure"]["column"], 3);
    assert_eq!(migrations[2]["outcome"], "not run");
    assert_nothing_left(tmp.path(), "schema");
}

#[test]
fn mariadb_hostile_migrations_cannot_touch_the_server() {
    let db = TestDb::create(Flavor::MariaDb);
    let victim = TestDb::create(Flavor::MariaDb);
    victim.execute("CREATE TABLE canary (x INT)");
    victim.execute("INSERT INTO canary VALUES (1)");
    let dir = mysql_target(&db);
    let tmp = private_tmp();
    let (d, v) = (&db.name, &victim.name);
    let cases: Vec<(&str, String)> = vec![
        (
            "a table `event` with a column `begin` folding the file",
            format!("CREATE TABLE event (id INT, `begin` INT);\nINSERT INTO event VALUES (1, 2);\nDROP DATABASE {v};\nGRANT ALL ON *.* TO '{d}_evil'@'%' IDENTIFIED BY 'x';\nDROP TABLE {d}.loans;\n"),
        ),
        ("EXECUTE IMMEDIATE", format!("EXECUTE IMMEDIATE 'DROP DATABASE {v}';\n")),
        (
            "PREPARE / EXECUTE",
            format!("PREPARE s FROM 'DROP TABLE {v}.canary';\nEXECUTE s;\nDEALLOCATE PREPARE s;\n"),
        ),
        (
            "SET STATEMENT … FOR",
            format!("SET STATEMENT max_statement_time = 10 FOR DROP DATABASE {v};\n"),
        ),
        ("version comment", format!("/*!50000 DROP DATABASE {v}*/;\n")),
        (
            "CREATE OR REPLACE DATABASE / USER",
            format!("CREATE OR REPLACE DATABASE {v};\nCREATE OR REPLACE USER '{d}_evil'@'%';\n"),
        ),
        ("SET @@GLOBAL", "SET @@GLOBAL.general_log = 1;\nSET GLOBAL read_only = 1;\n".into()),
        (
            "files on the server",
            format!("SELECT 1 INTO OUTFILE '{}/pwned';\n", tmp.path().display()),
        ),
    ];
    dry_run_each(&db, &victim, dir.path(), tmp.path(), &cases, |_| {});
}

#[test]
fn mariadb_dry_run_sees_the_targets_schema() {
    let db = TestDb::create(Flavor::MariaDb);
    let dir = mysql_target(&db);
    let sql = dir.path().join("sql");
    write(
        &sql,
        "V3__lender.sql",
        "CREATE TABLE lender (id INT PRIMARY KEY);\nALTER TABLE loans ADD COLUMN lender_id INT, ALGORITHM=INPLACE, LOCK=NONE;\nDROP VIEW big_loans;\n",
    );
    write(
        &sql,
        "V4__broken.sql",
        "CREATE TABLE t4 (id INT);\nALTER TABLE loans\n  ADD COLUMN x nope;\n",
    );
    write(&sql, "V5__after.sql", "CREATE TABLE t5 (id INT);\n");
    let tmp = private_tmp();
    let before = full_fingerprint(&db);
    let r = dry_run(dir.path(), tmp.path(), &["--url", &db.url]);
    assert_same(&before, &full_fingerprint(&db), "the dry-run");
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    assert_has(&r.stdout, "  ok       sql/V3__lender.sql");
    assert_has(&r.stdout, "  FAILED   sql/V4__broken.sql:3:16: ");
    assert_has(&r.stdout, "  not run  sql/V5__after.sql");
    assert_nothing_left(tmp.path(), "schema");
}

/// Starts a dry-run of `dir` whose V3 sleeps, and waits until its temporary server is up.
fn start_sleeping(flavor: Flavor, db: &TestDb, dir: &Path, tmp: &Path) -> std::process::Child {
    let sleep = match flavor {
        Flavor::Postgres => "SELECT pg_sleep(60);\n",
        _ => "SELECT SLEEP(60);\n",
    };
    let _ = std::fs::remove_file(dir.join("sql/V3__slow.sql"));
    write(&dir.join("sql"), "V3__slow.sql", sleep);
    let child = Command::new(env!("CARGO_BIN_EXE_flyway-lsp"))
        .args(["dry-run", "sql", "--url", &db.url])
        .current_dir(dir)
        .env("TMPDIR", tmp)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let started = Instant::now();
    // The server is up once a process runs in TMPDIR; then give the migration a moment.
    while processes_in(tmp).is_empty() {
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "no temporary server started"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    std::thread::sleep(Duration::from_secs(3));
    child
}

fn signal_survivors(flavor: Flavor) {
    let db = TestDb::create(flavor);
    let dir = match flavor {
        Flavor::Postgres => postgres_target(&db),
        _ => mysql_target(&db),
    };
    let before = full_fingerprint(&db);
    for (signal, code) in [("INT", 130), ("TERM", 143), ("HUP", 129)] {
        let tmp = private_tmp();
        let child = start_sleeping(flavor, &db, dir.path(), tmp.path());
        let status = Command::new("kill")
            .args([&format!("-{signal}"), &child.id().to_string()])
            .status()
            .unwrap();
        assert!(status.success());
        let output = child.wait_with_output().unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(code), "SIG{signal}: {stderr}");
        assert_has(&stderr, "the temporary server was removed");
        assert_same(
            &before,
            &full_fingerprint(&db),
            &format!("SIG{signal}: the target changed"),
        );
        assert_nothing_left(tmp.path(), &format!("SIG{signal}"));
    }
    // kill -9: the server dies with its parent; the next run removes the folder.
    let tmp = private_tmp();
    let mut child = start_sleeping(flavor, &db, dir.path(), tmp.path());
    child.kill().unwrap();
    child.wait().unwrap();
    let started = Instant::now();
    while !processes_in(tmp.path()).is_empty() {
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "the server outlived kill -9: {:?}",
            processes_in(tmp.path())
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    assert_same(
        &before,
        &full_fingerprint(&db),
        "SIGKILL: the target changed",
    );
    std::fs::remove_file(dir.path().join("sql/V3__slow.sql")).unwrap();
    let r = dry_run(dir.path(), tmp.path(), &["--url", &db.url]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    assert_has(&r.stdout, "left by earlier dry-runs that were killed");
    assert_nothing_left(tmp.path(), "after SIGKILL and another run");
}

#[test]
fn postgres_dry_run_leaves_nothing_after_any_signal() {
    signal_survivors(Flavor::Postgres);
}

#[test]
fn mariadb_dry_run_leaves_nothing_after_any_signal() {
    signal_survivors(Flavor::MariaDb);
}
