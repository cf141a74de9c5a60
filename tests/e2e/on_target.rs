//! `dry-run --on-target` against the real PostgreSQL: each test makes its own target database.
//! The hostile migrations of the isolation issue must be refused before they run ("not dry-run
//! on the target; run it isolated") and leave the target's full fingerprint (dump, rows,
//! sequences, databases, roles, grants, global settings) and another database's identical;
//! what is allowed runs for real, so failures that depend on the target's rows and real lock
//! waits are found.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use flyway_lsp::sql::server::Flavor;

use super::db::{assert_has, connect, postgres_target, write, TestDb};
use super::dry_run_safety::{assert_same, full_fingerprint};
use super::{run_in, Run};

fn on_target(dir: &std::path::Path, db: &TestDb, extra: &[&str]) -> Run {
    let mut args = vec!["dry-run", "sql", "--url", &db.url, "--on-target"];
    args.extend_from_slice(extra);
    run_in(dir, &args)
}

/// The first statement of `refused` in the JSON report's V3.
fn v3(report: &serde_json::Value) -> &serde_json::Value {
    &report["dry_runs"][0]["migrations"][0]
}

#[test]
fn postgres_on_target_refuses_everything_that_could_escape_the_transaction() {
    let Some(db) = TestDb::create(Flavor::Postgres) else {
        return;
    };
    let Some(victim) = TestDb::create(Flavor::Postgres) else {
        return;
    };
    victim.execute("CREATE TABLE canary (x int); INSERT INTO canary VALUES (1);");
    let dir = postgres_target(&db);
    // The target as applications have it: dblink installed; a table with a trigger whose
    // function moves a sequence; a table whose default is a user function that does the same.
    db.execute(
        "CREATE EXTENSION dblink;
         CREATE FUNCTION bump() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN PERFORM setval('users_id_seq', 7000); RETURN NEW; END $$;
         CREATE TABLE audited (id int);
         CREATE TRIGGER audited_bump BEFORE INSERT ON audited FOR EACH ROW EXECUTE FUNCTION bump();
         CREATE FUNCTION next_tag() RETURNS text LANGUAGE plpgsql AS $$ BEGIN PERFORM setval('users_id_seq', 8000); RETURN 'x'; END $$;
         CREATE TABLE tagged (id int, tag text DEFAULT next_tag());
         CREATE FUNCTION positive(int) RETURNS bool LANGUAGE plpgsql AS $$ BEGIN PERFORM setval('users_id_seq', 9500); RETURN true; END $$;
         CREATE TABLE checked (n int CHECK (positive(n)));
         CREATE TABLE child (id int, user_id int REFERENCES users (id) ON DELETE CASCADE);
         CREATE TRIGGER child_bump BEFORE DELETE ON child FOR EACH ROW EXECUTE FUNCTION bump();
         CREATE VIEW user_names AS SELECT name FROM users;
         CREATE VIEW tags AS SELECT next_tag() AS tag;
         CREATE TABLE measures (at date, v int) PARTITION BY RANGE (at);
         CREATE TABLE measures_2026 PARTITION OF measures FOR VALUES FROM ('2026-01-01') TO ('2027-01-01');
         ALTER TABLE measures_2026 ADD CONSTRAINT v_positive CHECK (positive(v));
         CREATE TABLE secret (id int);
         ALTER TABLE secret ENABLE ROW LEVEL SECURITY;
         CREATE VIEW secrets AS SELECT n.name FROM user_names n, secret s;",
    );
    let marker = tempfile::tempdir().unwrap();
    let marker = marker.path().join("pwned-by-copy-program");
    let victim_conn = format!(
        "host=127.0.0.1 port=5432 user=postgres dbname={}",
        victim.name
    );
    let runtime = flyway_lsp::database::runtime().unwrap();
    let (mut canary, canary_pid) = runtime.block_on(async {
        let mut c = connect(&db.url).await.unwrap();
        let pid = c.session_id().await.unwrap();
        (c, pid)
    });
    let cases: Vec<(&str, String, &str)> = vec![
        (
            "setval in a DO block",
            "DO $$ BEGIN PERFORM setval('users_id_seq', 1000); END $$;\n".into(),
            "a DO block",
        ),
        (
            "setval quoted",
            "SELECT \"setval\"('users_id_seq', 2000);\n".into(),
            "calls setval()",
        ),
        (
            "dblink_exec to another database",
            format!("SELECT dblink_exec('{victim_conn}', 'DROP TABLE canary');\n"),
            "calls dblink_exec()",
        ),
        (
            "dblink_exec quoted, in a DO block",
            format!("DO $$ BEGIN PERFORM \"dblink_exec\"('{victim_conn}', 'DROP TABLE canary'); END $$;\n"),
            "a DO block",
        ),
        (
            "COPY TO PROGRAM",
            format!("COPY (SELECT 1) TO PROGRAM 'touch {}';\n", marker.display()),
            "COPY",
        ),
        (
            "pg_terminate_backend",
            format!("SELECT pg_terminate_backend({canary_pid});\n"),
            "calls pg_terminate_backend()",
        ),
        (
            "timeouts lifted",
            "SET lock_timeout = 0;\nLOCK TABLE users IN ACCESS EXCLUSIVE MODE;\n".into(),
            "SET / RESET",
        ),
        ("RESET ALL", "RESET ALL;\n".into(), "SET / RESET"),
        (
            "BEGIN ATOMIC body, then COMMIT and destruction",
            "CREATE FUNCTION evil() RETURNS int LANGUAGE sql\nBEGIN ATOMIC\n  SELECT CASE WHEN 1 = 1 THEN 1 ELSE 2 END;\nEND;\nCOMMIT;\nDELETE FROM users;\nDROP TABLE flyway_schema_history;\n".into(),
            "transaction control",
        ),
        (
            "INSERT into a table with a trigger",
            "INSERT INTO audited VALUES (1);\n".into(),
            "has trigger audited_bump",
        ),
        (
            "INSERT with a nextval default (serial)",
            "INSERT INTO users (name) VALUES ('eve');\n".into(),
            "calls nextval()",
        ),
        (
            "INSERT with a user function as default",
            "INSERT INTO tagged (id) VALUES (1);\n".into(),
            "calls next_tag()",
        ),
        (
            "INSERT into a table whose CHECK calls a user function",
            "INSERT INTO checked VALUES (1);\n".into(),
            "calls positive()",
        ),
        (
            "DELETE cascading to a table with a trigger",
            "DELETE FROM users WHERE id = 1;\n".into(),
            "has trigger child_bump",
        ),
        (
            "ALTER TABLE rewriting a partition whose CHECK calls a user function",
            "ALTER TABLE measures ALTER COLUMN v TYPE bigint;\n".into(),
            "constraint v_positive of public.measures_2026 calls positive()",
        ),
        (
            "INSERT routed to a partition whose CHECK calls a user function",
            "INSERT INTO measures VALUES ('2026-05-01', 1);\n".into(),
            "constraint v_positive of public.measures_2026 calls positive()",
        ),
        (
            "a query over a view that calls a user function",
            "CREATE TABLE names AS SELECT * FROM tags;\n".into(),
            "the query of view public.tags calls next_tag()",
        ),
        (
            "a query over a view over a table with row-level security",
            "CREATE TABLE names AS SELECT * FROM secrets;\n".into(),
            "public.secret has row-level security",
        ),
        (
            "a write through a view",
            "INSERT INTO user_names VALUES ('eve');\n".into(),
            "writing through it is not checked",
        ),
        (
            "a query over a table with row-level security",
            "CREATE TABLE leak AS SELECT count(*) AS n FROM secret;\n".into(),
            "row-level security",
        ),
        (
            "a trigger made by the migration itself",
            "CREATE TABLE t3 (id int);\nCREATE TRIGGER t3_bump BEFORE INSERT ON t3 FOR EACH ROW EXECUTE FUNCTION bump();\nINSERT INTO t3 VALUES (1);\n".into(),
            "has trigger t3_bump",
        ),
        (
            "a shadowing function of an allowed name",
            "CREATE FUNCTION lower(int) RETURNS int LANGUAGE sql AS 'SELECT setval(''users_id_seq'', 9000)::int';\nSELECT lower(1);\n".into(),
            "the target has a function public.lower()",
        ),
        (
            "a built-in redefined inside pg_catalog",
            "CREATE FUNCTION pg_catalog.lower(int) RETURNS int LANGUAGE sql AS 'SELECT setval(''users_id_seq'', 9100)::int';\nSELECT lower(1);\n".into(),
            "creates or replaces a function in pg_catalog",
        ),
        (
            "a built-in renamed to an allowed name",
            "ALTER FUNCTION pg_terminate_backend(int, bigint) RENAME TO lower;\nSELECT lower(pid) FROM pg_stat_activity;\n".into(),
            "named like the built-in function pg_catalog.pg_terminate_backend",
        ),
        (
            "a built-in moved into pg_catalog under a trusted name",
            "CREATE FUNCTION public.lower(int) RETURNS int LANGUAGE sql AS 'SELECT setval(''users_id_seq'', 9200)::int';\nALTER FUNCTION public.lower(int) SET SCHEMA pg_catalog;\nSELECT lower(1);\n".into(),
            "into pg_catalog",
        ),
        (
            "a write to the system catalogs",
            "UPDATE pg_catalog.pg_proc SET prosrc = prosrc WHERE proname = 'lower';\n".into(),
            "writes the system catalog pg_catalog.pg_proc",
        ),
        (
            "roles, system settings, databases",
            format!("CREATE ROLE {}_evil SUPERUSER LOGIN;\nALTER SYSTEM SET work_mem = '77MB';\nCREATE DATABASE {}_evil;\n", db.name, db.name),
            "acts on roles",
        ),
    ];
    let before = full_fingerprint(&db);
    let victim_before = full_fingerprint(&victim);
    for (name, text, because) in &cases {
        let _ = std::fs::remove_file(dir.path().join("sql/V3__hostile.sql"));
        write(&dir.path().join("sql"), "V3__hostile.sql", text);
        write(
            &dir.path().join("sql"),
            "V4__after.sql",
            "CREATE TABLE after_v3 (id int);\n",
        );
        let r = on_target(dir.path(), &db, &["--format", "json"]);
        assert_eq!(r.code, 2, "{name}: {}{}", r.stdout, r.stderr);
        let json: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
        let report = &json["dry_runs"][0];
        assert_eq!(report["on_target"], true);
        assert_eq!(report["target_written"], false);
        let m = v3(&json);
        assert_eq!(m["outcome"], "refused", "{name}: {report:#}");
        let message = m["refused"]["message"].as_str().unwrap_or_default();
        assert!(
            message.starts_with("not dry-run on the target; run it isolated: ")
                && message.contains(because),
            "{name}: {message}"
        );
        // What follows is not run.
        assert_eq!(report["migrations"][1]["outcome"], "not run", "{name}");
        assert_same(
            &before,
            &full_fingerprint(&db),
            &format!("{name}: the target changed\n{}", r.stdout),
        );
        assert_same(
            &victim_before,
            &full_fingerprint(&victim),
            &format!("{name}: another database changed\n{}", r.stdout),
        );
        assert!(!marker.exists(), "{name}: COPY TO PROGRAM ran a command");
        runtime.block_on(async {
            canary
                .query_one("SELECT 1")
                .await
                .unwrap_or_else(|e| panic!("{name}: the application's session was ended: {e}"));
        });
    }
    // The text report names the statement and says what happened to the target.
    write(
        &dir.path().join("sql"),
        "V3__hostile.sql",
        "CREATE TABLE t3 (id int);\nSELECT setval('users_id_seq', 5000);\nCREATE TABLE t4 (id int);\n",
    );
    let r = on_target(dir.path(), &db, &[]);
    assert_eq!(r.code, 2, "{}{}", r.stdout, r.stderr);
    assert_has(
        &r.stdout,
        "  refused  sql/V3__hostile.sql:2:1: not dry-run on the target; run it isolated: calls setval(), which changes a sequence, which a rollback does not undo",
    );
    assert_has(&r.stdout, "  not run  sql/V4__after.sql");
    assert_has(
        &r.stdout,
        "2 pending migration(s): 0 ok, 0 failed, 1 refused, 1 not run. The target",
    );
    assert_has(
        &r.stdout,
        "was not changed (every statement ran inside a transaction that was rolled back)",
    );
    assert_same(&before, &full_fingerprint(&db), "text report");
    // An enabled event trigger fires on any DDL: nothing runs on the target.
    db.execute(
        "CREATE FUNCTION on_ddl() RETURNS event_trigger LANGUAGE plpgsql AS $$ BEGIN PERFORM setval('users_id_seq', 6000); END $$;
         CREATE EVENT TRIGGER ddl_bump ON ddl_command_end EXECUTE FUNCTION on_ddl();",
    );
    let before = full_fingerprint(&db);
    write(
        &dir.path().join("sql"),
        "V3__hostile.sql",
        "ALTER TABLE users ADD COLUMN email text;\n",
    );
    let r = on_target(dir.path(), &db, &[]);
    assert_eq!(r.code, 2, "{}{}", r.stdout, r.stderr);
    assert_has(&r.stdout, "enabled event triggers (ddl_bump)");
    assert_has(&r.stdout, "0 ok, 0 failed, 0 refused, 2 not run");
    assert_same(&before, &full_fingerprint(&db), "event trigger");
    db.execute("DROP EVENT TRIGGER ddl_bump");
    runtime.block_on(canary.close());
}

#[test]
fn postgres_on_target_finds_failures_that_depend_on_the_targets_rows() {
    let Some(db) = TestDb::create(Flavor::Postgres) else {
        return;
    };
    let dir = postgres_target(&db);
    let sql = dir.path().join("sql");
    // Rows the target has and the migrations did not make: a duplicate name, a NULL.
    db.execute("INSERT INTO users (name) VALUES ('ada'); ALTER TABLE users ADD COLUMN nick text; UPDATE users SET nick = 'x' WHERE id = 1; CREATE VIEW user_names AS SELECT upper(name) AS name FROM users;");
    let before = full_fingerprint(&db);
    // Allowed statements run for real, and an existing table's ACCESS EXCLUSIVE lock is a
    // warning, as in the isolated mode.
    write(
        &sql,
        "V3__audit.sql",
        "CREATE TABLE audit (id int, at timestamptz DEFAULT now());\nINSERT INTO audit (id) SELECT id FROM users WHERE lower(name) = 'ada';\nCREATE TABLE names AS SELECT * FROM user_names;\n",
    );
    let r = on_target(dir.path(), &db, &[]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    assert_has(&r.stdout, "  ok       sql/V3__audit.sql");
    assert_has(
        &r.stdout,
        "1 pending migration(s): 1 ok, 0 failed, 0 refused, 0 not run.",
    );
    assert_same(&before, &full_fingerprint(&db), "ok run");
    // A unique constraint over duplicate rows.
    write(
        &sql,
        "V4__unique.sql",
        "ALTER TABLE users\n  ADD CONSTRAINT users_name_key UNIQUE (name);\n",
    );
    write(&sql, "V5__after.sql", "CREATE TABLE t5 (id int);\n");
    let r = on_target(dir.path(), &db, &[]);
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    assert_has(
        &r.stdout,
        "  FAILED   sql/V4__unique.sql:1:1: could not create unique index \"users_name_key\"",
    );
    assert_has(&r.stdout, "  not run  sql/V5__after.sql");
    assert_same(&before, &full_fingerprint(&db), "unique");
    // The isolated dry-run cannot see it: the temporary server has no rows.
    let isolated = run_in(dir.path(), &["dry-run", "sql", "--url", &db.url]);
    assert_has(&isolated.stdout, "  ok       sql/V4__unique.sql");
    // NOT NULL over a column with NULLs.
    std::fs::remove_file(sql.join("V4__unique.sql")).unwrap();
    write(
        &sql,
        "V4__nick.sql",
        "ALTER TABLE users ALTER COLUMN nick SET NOT NULL;\n",
    );
    let r = on_target(dir.path(), &db, &["--format", "json"]);
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    let json: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    let m = &json["dry_runs"][0]["migrations"];
    assert_eq!(m[0]["outcome"], "ok");
    assert_eq!(m[1]["outcome"], "failed");
    assert_eq!(
        m[1]["failure"]["message"],
        "column \"nick\" of relation \"users\" contains null values"
    );
    assert_eq!(m[2]["outcome"], "not run");
    assert_same(&before, &full_fingerprint(&db), "not null");
}

#[test]
fn postgres_on_target_ends_a_real_lock_wait_at_the_lock_timeout() {
    let Some(db) = TestDb::create(Flavor::Postgres) else {
        return;
    };
    let dir = postgres_target(&db);
    write(
        &dir.path().join("sql"),
        "V3__email.sql",
        "ALTER TABLE users ADD COLUMN email text;\n",
    );
    let before = full_fingerprint(&db);
    // The application reads `users` in a long transaction.
    let runtime = flyway_lsp::database::runtime().unwrap();
    let mut holder = runtime.block_on(connect(&db.url)).unwrap();
    let holder_pid = runtime.block_on(holder.session_id()).unwrap();
    runtime
        .block_on(holder.execute("BEGIN; LOCK TABLE users IN ACCESS SHARE MODE"))
        .unwrap();
    let started = Instant::now();
    let r = on_target(dir.path(), &db, &["--lock-timeout", "2"]);
    let took = started.elapsed();
    assert!(took < Duration::from_secs(30), "took {took:?}");
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    assert_has(
        &r.stdout,
        "  FAILED   sql/V3__email.sql:1:1: canceling statement due to lock timeout: another session holds a lock it needs, and it waited the lock timeout (2 s, --lock-timeout)",
    );
    // SIGTERM during the wait: the transaction is never committed and the session ends.
    let child = Command::new(env!("CARGO_BIN_EXE_flyway-lsp"))
        .args([
            "dry-run",
            "sql",
            "--url",
            &db.url,
            "--on-target",
            "--lock-timeout",
            "60",
        ])
        .current_dir(dir.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let waiting = "SELECT count(*)::text FROM pg_stat_activity WHERE application_name = 'flyway-lsp' AND wait_event_type = 'Lock'";
    let started = Instant::now();
    while db.query(waiting)[0][0].as_deref() != Some("1") {
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "never waited for the lock"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let output = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(143), "{stderr}");
    assert_has(
        &stderr,
        "the target was not changed: its transaction was never committed",
    );
    let sessions = format!(
        "SELECT count(*)::text FROM pg_stat_activity WHERE application_name = 'flyway-lsp' AND datname = '{}' AND pid <> pg_backend_pid() AND pid <> {holder_pid}",
        db.name
    );
    let started = Instant::now();
    while db.query(&sessions)[0][0].as_deref() != Some("0") {
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "the dry-run's session outlived it"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    runtime.block_on(async {
        let _ = holder.execute("ROLLBACK").await;
        holder.close().await;
    });
    assert_same(&before, &full_fingerprint(&db), "lock wait");
}

#[test]
fn on_target_is_postgresql_only() {
    let dir = super::db::folder();
    write(&dir.path().join("sql"), "V1__a.sql", "SELECT 1;\n");
    let r = run_in(
        dir.path(),
        &[
            "dry-run",
            "sql",
            "--url",
            "jdbc:mariadb://127.0.0.1:1/app?password=hunter2",
            "--on-target",
        ],
    );
    assert_eq!(r.code, 3, "{}{}", r.stdout, r.stderr);
    assert_has(&r.stderr, "--on-target is PostgreSQL only");
    assert_eq!(r.stderr.trim().lines().count(), 1, "{}", r.stderr);
    assert!(!r.stderr.contains("hunter2"));
    let r = run_in(dir.path(), &["dry-run", "sql", "--on-target"]);
    assert_eq!(r.code, 3, "{}{}", r.stdout, r.stderr);
    assert_has(&r.stderr, "--on-target needs a database");
}
