//! `dry-run --on-target` against the real PostgreSQL: each test makes its own target database.
//! The mode runs only where no user code exists and admits only statements that create none
//! (`server/src/database/on_target.rs`). Each escape a review found in its first version is
//! arranged here on a target of its own: the run is refused whole (user code on the target) or
//! the statement is refused, and the target's full fingerprint (dump, rows, sequences,
//! databases, roles, grants, global settings) is identical afterwards. What is admitted runs
//! for real, so failures that depend on the target's rows and real lock waits are found.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use flyway_lsp::database::on_target::{ALLOWED_FUNCTIONS, USER_CODE};
use flyway_lsp::sql::server::Flavor;

use super::db::{assert_has, connect, postgres_target, write, TestDb};
use super::dry_run_safety::{assert_same, full_fingerprint};
use super::{run_in, Run};

fn postgres() -> TestDb {
    TestDb::create(Flavor::Postgres)
}

fn on_target(dir: &std::path::Path, db: &TestDb, extra: &[&str]) -> Run {
    let mut args = vec!["dry-run", "sql", "--url", &db.url, "--on-target"];
    args.extend_from_slice(extra);
    run_in(dir, &args)
}

/// A target at V2 (`users` with a serial, two rows) with `setup` applied, V3 = `migration` and
/// V4 after it: runs `--on-target` (JSON), checks that the target's fingerprint and its
/// sequence are unchanged and that V4 did not run, and returns the report.
fn arranged(name: &str, setup: &str, migration: &str) -> serde_json::Value {
    let db = postgres();
    let dir = postgres_target(&db);
    if !setup.is_empty() {
        db.execute(&setup.replace("{db}", &db.name));
    }
    let sql = dir.path().join("sql");
    write(&sql, "V3__escape.sql", migration);
    write(&sql, "V4__after.sql", "CREATE TABLE after_v3 (id int);\n");
    let before = full_fingerprint(&db);
    let r = on_target(dir.path(), &db, &["--format", "json"]);
    assert_eq!(r.code, 2, "{name}: {}{}", r.stdout, r.stderr);
    let json: serde_json::Value =
        serde_json::from_str(&r.stdout).unwrap_or_else(|e| panic!("{name}: {e}: {}", r.stdout));
    let report = json["dry_runs"][0].clone();
    assert_eq!(report["on_target"], true, "{name}");
    assert_eq!(report["target_written"], false, "{name}");
    assert_eq!(report["migrations"][1]["outcome"], "not run", "{name}");
    assert_same(
        &before,
        &full_fingerprint(&db),
        &format!("{name}: the target changed\n{}", r.stdout),
    );
    let last: Vec<Vec<Option<String>>> = db.query("SELECT last_value::text FROM users_id_seq");
    assert_eq!(last, vec![vec![Some("2".to_string())]], "{name}");
    report
}

/// The whole run was refused for the target's user code, naming `found`; nothing ran.
#[track_caller]
fn whole_run_refused(report: &serde_json::Value, found: &[&str]) {
    let notes = report["notes"].to_string();
    for f in found {
        assert!(notes.contains(f), "expected {f:?} in {notes}");
    }
    assert!(notes.contains(USER_CODE), "{notes}");
    assert_eq!(report["migrations"][0]["outcome"], "not run", "{report:#}");
    assert!(report["migrations"][0]["statements"]
        .as_array()
        .is_some_and(|s| s.is_empty()));
}

/// V3's statement at `line` was refused for `because`.
#[track_caller]
fn statement_refused(report: &serde_json::Value, line: u64, because: &str) {
    let m = &report["migrations"][0];
    assert_eq!(m["outcome"], "refused", "{report:#}");
    assert_eq!(m["refused"]["line"], line, "{report:#}");
    let message = m["refused"]["message"].as_str().unwrap_or_default();
    assert!(
        message.starts_with("not dry-run on the target; run it isolated: ")
            && message.contains(because),
        "{message}"
    );
}

/// A PL/pgSQL function that moves the target's sequence when it runs.
fn mover(signature: &str, returns: &str, value: &str, result: &str) -> String {
    format!("CREATE FUNCTION {signature} RETURNS {returns} LANGUAGE plpgsql AS $$ BEGIN PERFORM setval('users_id_seq', {value}); RETURN {result}; END $$;")
}

// The first version's escapes, one test each.

#[test]
fn escape_1_a_partition_bound_calling_setval_is_refused() {
    // The bound is evaluated when the partition is made; the whole CREATE TABLE is walked.
    let report = arranged(
        "partition bound",
        "CREATE TABLE pb (a bigint) PARTITION BY LIST (a);",
        "CREATE TABLE pb0 PARTITION OF pb FOR VALUES IN (0);\nCREATE TABLE pb1 PARTITION OF pb FOR VALUES IN (setval('public.users_id_seq', 6666));\n",
    );
    statement_refused(&report, 2, "calls setval(), which changes a sequence");
    assert_eq!(report["migrations"][0]["statements"][0]["outcome"], "ok");
}

#[test]
fn escape_2_a_function_called_in_column_syntax_needs_a_user_function() {
    // `u.bump` is `bump(u)`: no function call in the parse tree, but a user function exists.
    let setup = mover("bump(users)", "int", "7000", "1");
    let report = arranged(
        "column syntax",
        &setup,
        "CREATE TABLE b AS SELECT u.bump FROM users u;\n",
    );
    whole_run_refused(
        &report,
        &["the target has user-defined functions (public.bump(users))"],
    );
}

#[test]
fn escape_3_a_domain_check_on_a_new_column_is_refused() {
    let setup = format!(
        "{} CREATE DOMAIN pos AS int CHECK (positive(VALUE));",
        mover("positive(int)", "bool", "7100", "true")
    );
    let report = arranged(
        "domain check (user function)",
        &setup,
        "ALTER TABLE users ADD COLUMN n pos DEFAULT 1;\n",
    );
    whole_run_refused(
        &report,
        &["user-defined functions (public.positive(integer))"],
    );
    // The same with a built-in: the domain's CHECK is walked when it is made.
    let report = arranged(
        "domain check (built-in)",
        "",
        "CREATE DOMAIN pos AS int CHECK (setval('users_id_seq', VALUE) > 0);\nALTER TABLE users ADD COLUMN n pos DEFAULT 7150;\n",
    );
    statement_refused(&report, 1, "calls setval()");
}

#[test]
fn escape_4_a_partition_key_calling_a_function_is_refused() {
    let setup = format!(
        "{} ALTER FUNCTION part_of(int) IMMUTABLE; CREATE TABLE pk (a int) PARTITION BY RANGE (part_of(a)); CREATE TABLE pk1 PARTITION OF pk FOR VALUES FROM (MINVALUE) TO (MAXVALUE);",
        mover("part_of(int)", "int", "7200", "1")
    );
    let report = arranged("partition key", &setup, "INSERT INTO pk VALUES (1);\n");
    whole_run_refused(
        &report,
        &["user-defined functions (public.part_of(integer))"],
    );
    // A partition key made by the migration is walked like any expression.
    let report = arranged(
        "partition key (built-in)",
        "",
        "CREATE TABLE pk (a bigint) PARTITION BY LIST ((setval('users_id_seq', a)));\n",
    );
    statement_refused(&report, 1, "calls setval()");
}

#[test]
fn escape_5_implicit_and_assignment_casts_need_a_user_cast() {
    let setup = format!(
        "CREATE TYPE mood AS ENUM ('ok'); {} CREATE CAST (int AS mood) WITH FUNCTION mood_of(int) AS ASSIGNMENT; CREATE TABLE feelings (m mood);",
        mover("mood_of(int)", "mood", "7300", "'ok'")
    );
    let report = arranged("cast", &setup, "INSERT INTO feelings VALUES (1);\n");
    whole_run_refused(
        &report,
        &[
            "user-defined functions (public.mood_of(integer))",
            "casts (integer AS mood)",
        ],
    );
}

#[test]
fn escape_6_operator_class_support_functions_need_a_user_operator_class() {
    let setup = format!(
        "{} CREATE OPERATOR CLASS evil_ops FOR TYPE int USING btree AS OPERATOR 1 <, OPERATOR 2 <=, OPERATOR 3 =, OPERATOR 4 >=, OPERATOR 5 >, FUNCTION 1 evil_cmp(int, int);",
        mover("evil_cmp(int, int)", "int", "7400", "btint4cmp($1, $2)")
    );
    let report = arranged(
        "operator class",
        &setup,
        "CREATE INDEX users_evil ON users (id evil_ops);\n",
    );
    whole_run_refused(
        &report,
        &[
            "user-defined functions (public.evil_cmp(integer, integer))",
            "operator classes (public.evil_ops)",
            "operator families (public.evil_ops)",
        ],
    );
}

#[test]
fn escape_7_truncate_cascade_reaching_a_trigger_needs_a_user_trigger() {
    let setup = format!(
        "{} CREATE TABLE child (user_id int REFERENCES users (id)); CREATE TRIGGER child_truncate BEFORE TRUNCATE ON child FOR EACH STATEMENT EXECUTE FUNCTION bump();",
        mover("bump()", "trigger", "7500", "NULL")
    );
    let report = arranged("truncate cascade", &setup, "TRUNCATE users CASCADE;\n");
    whole_run_refused(
        &report,
        &[
            "user-defined functions (public.bump())",
            "triggers (public.child.child_truncate)",
        ],
    );
}

#[test]
fn escape_8_a_foreign_child_of_a_read_parent_needs_a_foreign_table() {
    // A loopback server: the foreign child reads a table of the target itself.
    let setup = "CREATE EXTENSION postgres_fdw; CREATE SERVER elsewhere FOREIGN DATA WRAPPER postgres_fdw OPTIONS (host '127.0.0.1', port '5432', dbname '{db}'); CREATE USER MAPPING FOR CURRENT_USER SERVER elsewhere OPTIONS (user 'postgres'); CREATE TABLE remote_src (v int); INSERT INTO remote_src VALUES (1); CREATE TABLE measures (v int); CREATE FOREIGN TABLE measures_remote () INHERITS (measures) SERVER elsewhere OPTIONS (table_name 'remote_src');";
    let report = arranged(
        "foreign child",
        setup,
        "CREATE TABLE copy AS SELECT * FROM measures;\n",
    );
    whole_run_refused(
        &report,
        &[
            "extensions (postgres_fdw)",
            "foreign-data wrappers (postgres_fdw)",
            "foreign servers (elsewhere)",
            "foreign tables (public.measures_remote)",
        ],
    );
}

#[test]
fn escape_9_a_delete_setting_a_child_to_its_nextval_default_is_refused() {
    // ON DELETE SET DEFAULT evaluates the child's default: nextval on a sequence of the
    // target. (The first version checked defaults for INSERT only.)
    let setup = "CREATE SEQUENCE tag_seq; CREATE TABLE tagged (id int, user_id int DEFAULT nextval('tag_seq') REFERENCES users (id) ON DELETE SET DEFAULT); INSERT INTO tagged VALUES (1, 1);";
    let report = arranged(
        "on delete set default",
        setup,
        "UPDATE users SET name = upper(name);\nDELETE FROM users WHERE id = 1;\n",
    );
    statement_refused(
        &report,
        2,
        "public.tagged.user_id takes its default from sequence public.tag_seq",
    );
}

#[test]
fn stored_expressions_calling_built_ins_off_the_list_refuse_the_run() {
    // A default that is not a nextval, a view's query: each would run when used.
    let report = arranged(
        "view calling pg_backend_pid",
        "CREATE VIEW pids AS SELECT pg_backend_pid() AS x;",
        "CREATE TABLE t3 (id int);\n",
    );
    whole_run_refused(
        &report,
        &["the query of view public.pids calls pg_backend_pid(), which is a server function"],
    );
    let report = arranged(
        "default calling setval",
        "CREATE TABLE marks (n bigint DEFAULT setval('users_id_seq', 8000));",
        "CREATE TABLE t3 (id int);\n",
    );
    whole_run_refused(&report, &["the default of public.marks.n calls setval()"]);
}

#[test]
fn statements_that_could_escape_the_transaction_are_refused_on_a_target_without_user_code() {
    let db = postgres();
    let victim = postgres();
    victim.execute("CREATE TABLE canary (x int); INSERT INTO canary VALUES (1);");
    let dir = postgres_target(&db);
    db.execute("CREATE VIEW user_names AS SELECT name FROM users;");
    let marker = tempfile::tempdir().unwrap();
    let marker = marker.path().join("pwned-by-copy-program");
    let runtime = flyway_lsp::database::runtime().unwrap();
    let (mut canary, canary_pid) = runtime.block_on(async {
        let mut c = connect(&db.url).await.unwrap();
        let pid = c.session_id().await.unwrap();
        (c, pid)
    });
    let victim_conn = format!("host=127.0.0.1 user=postgres dbname={}", victim.name);
    let cases: Vec<(&str, String, &str)> = vec![
        ("DO", "DO $$ BEGIN PERFORM setval('users_id_seq', 1000); END $$;\n".into(), "a DO block"),
        ("setval quoted", "SELECT \"setval\"('users_id_seq', 2000);\n".into(), "calls setval()"),
        ("dblink_exec", format!("SELECT dblink_exec('{victim_conn}', 'DROP TABLE canary');\n"), "calls dblink_exec()"),
        ("COPY TO PROGRAM", format!("COPY (SELECT 1) TO PROGRAM 'touch {}';\n", marker.display()), "COPY"),
        ("pg_terminate_backend", format!("SELECT pg_terminate_backend({canary_pid});\n"), "calls pg_terminate_backend()"),
        ("timeouts lifted", "SET lock_timeout = 0;\nLOCK TABLE users IN ACCESS EXCLUSIVE MODE;\n".into(), "SET / RESET"),
        ("RESET ALL", "RESET ALL;\n".into(), "SET / RESET"),
        (
            "BEGIN ATOMIC body, then COMMIT",
            "CREATE FUNCTION evil() RETURNS int LANGUAGE sql\nBEGIN ATOMIC\n  SELECT CASE WHEN 1 = 1 THEN 1 ELSE 2 END;\nEND;\nCOMMIT;\nDELETE FROM users;\n".into(),
            "nothing may add code",
        ),
        ("COMMIT", "CREATE TABLE t3 (id int);\nCOMMIT;\nDELETE FROM users;\n".into(), "transaction control"),
        ("INSERT with a serial default", "INSERT INTO users (name) VALUES ('eve');\n".into(), "public.users.id takes its default from sequence public.users_id_seq"),
        ("UPDATE SET DEFAULT", "UPDATE users SET id = DEFAULT WHERE id = 1;\n".into(), "takes its default from sequence public.users_id_seq"),
        (
            "a default on an existing sequence in a new table",
            "CREATE TABLE t3 (id int DEFAULT nextval('users_id_seq'), n text);\nINSERT INTO t3 (n) VALUES ('x');\n".into(),
            "public.t3.id takes its default from sequence public.users_id_seq",
        ),
        ("a write through a view", "INSERT INTO user_names VALUES ('eve');\n".into(), "writing through it is not checked"),
        ("a write to the system catalogs", "UPDATE pg_catalog.pg_proc SET prosrc = prosrc WHERE proname = 'lower';\n".into(), "system catalog pg_catalog.pg_proc"),
        ("a lock of a shared catalog", "LOCK TABLE pg_catalog.pg_authid IN ACCESS EXCLUSIVE MODE;\n".into(), "system catalog pg_catalog.pg_authid"),
        ("an operator over setval", "CREATE OPERATOR ### (FUNCTION = setval, LEFTARG = regclass, RIGHTARG = bigint);\nSELECT 'users_id_seq'::regclass ### 9000;\n".into(), "defines code"),
        ("a trigger made by the migration", "CREATE TABLE t3 (id int);\nCREATE TRIGGER t3_bump BEFORE INSERT ON t3 FOR EACH ROW EXECUTE FUNCTION suppress_redundant_updates_trigger();\n".into(), "CREATE TRIGGER"),
        ("an extension", "CREATE EXTENSION dblink;\n".into(), "EXTENSION"),
        ("roles, system settings, databases", format!("CREATE ROLE {}_evil SUPERUSER LOGIN;\nALTER SYSTEM SET work_mem = '77MB';\nCREATE DATABASE {}_evil;\n", db.name, db.name), "acts on roles"),
    ];
    let before = full_fingerprint(&db);
    let victim_before = full_fingerprint(&victim);
    for (name, text, because) in &cases {
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
        assert_eq!(
            report["migrations"][0]["outcome"], "refused",
            "{name}: {report:#}"
        );
        let message = report["migrations"][0]["refused"]["message"]
            .as_str()
            .unwrap_or_default();
        assert!(
            message.starts_with("not dry-run on the target; run it isolated: ")
                && message.contains(because),
            "{name}: {message}"
        );
        assert_eq!(report["migrations"][1]["outcome"], "not run", "{name}");
        assert_same(
            &before,
            &full_fingerprint(&db),
            &format!("{name}: the target changed\n{}", r.stdout),
        );
        assert_same(
            &victim_before,
            &full_fingerprint(&victim),
            &format!("{name}: another database changed"),
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
    assert_same(&before, &full_fingerprint(&db), "text report");
    runtime.block_on(canary.close());
}

#[test]
fn user_code_on_the_target_refuses_the_whole_run_in_one_line() {
    let db = postgres();
    let dir = postgres_target(&db);
    db.execute(&format!(
        "{} {} CREATE FUNCTION on_ddl() RETURNS event_trigger LANGUAGE plpgsql AS $$ BEGIN PERFORM setval('users_id_seq', 6000); END $$; CREATE EVENT TRIGGER ddl_bump ON ddl_command_end EXECUTE FUNCTION on_ddl(); CREATE TABLE secret (id int); ALTER TABLE secret ENABLE ROW LEVEL SECURITY; CREATE RULE quiet AS ON DELETE TO secret DO INSTEAD NOTHING;",
        mover("f1()", "int", "1", "1"),
        mover("f2()", "int", "1", "1"),
    ));
    write(
        &dir.path().join("sql"),
        "V3__email.sql",
        "ALTER TABLE users ADD COLUMN email text;\n",
    );
    let before = full_fingerprint(&db);
    let r = on_target(dir.path(), &db, &[]);
    assert_eq!(r.code, 2, "{}{}", r.stdout, r.stderr);
    assert_has(
        &r.stdout,
        &format!("Note: the target has user-defined functions (public.f1(), public.f2(), public.on_ddl()); rules (public.secret.quiet); event triggers (ddl_bump); tables with row-level security (public.secret): {USER_CODE}"),
    );
    assert_eq!(
        r.stdout.matches("Note: the target has").count(),
        1,
        "{}",
        r.stdout
    );
    assert_has(
        &r.stdout,
        "1 pending migration(s): 0 ok, 0 failed, 0 refused, 1 not run.",
    );
    assert_same(&before, &full_fingerprint(&db), "user code");
    db.execute("DROP EVENT TRIGGER ddl_bump");
}

#[test]
fn on_target_finds_failures_that_depend_on_the_targets_rows() {
    let db = postgres();
    let dir = postgres_target(&db);
    let sql = dir.path().join("sql");
    // Rows the target has and the migrations did not make: a duplicate name, a NULL; an index
    // and a view the gate accepts (built-ins on the list only).
    db.execute("INSERT INTO users (name) VALUES ('ada'); ALTER TABLE users ADD COLUMN nick text; UPDATE users SET nick = 'x' WHERE id = 1; CREATE INDEX users_lower ON users (lower(name)); CREATE VIEW user_names AS SELECT upper(name) AS name FROM users;");
    let before = full_fingerprint(&db);
    write(
        &sql,
        "V3__audit.sql",
        "CREATE TABLE audit (id serial PRIMARY KEY, user_id int, at timestamptz DEFAULT now());\nINSERT INTO audit (user_id) SELECT id FROM users WHERE lower(name) = 'ada';\nALTER TABLE users ADD COLUMN email text;\nUPDATE users SET email = lower(name) || '@example.com';\nCREATE INDEX users_email ON users (email);\nCREATE TABLE names AS SELECT * FROM user_names;\n",
    );
    let r = on_target(dir.path(), &db, &[]);
    // The ALTER's ACCESS EXCLUSIVE lock on an existing table is a warning, as in the isolated run.
    assert_eq!(r.code, 2, "{}{}", r.stdout, r.stderr);
    assert_has(&r.stdout, "  ok       sql/V3__audit.sql");
    assert_has(
        &r.stdout,
        "  warning  sql/V3__audit.sql:3:1: ACCESS EXCLUSIVE lock on existing table public.users",
    );
    assert_has(
        &r.stdout,
        "1 pending migration(s): 1 ok, 0 failed, 0 refused, 0 not run.",
    );
    assert_has(
        &r.stdout,
        "was not changed (every statement ran inside a transaction that was rolled back)",
    );
    assert_same(&before, &full_fingerprint(&db), "ok run");
    // A unique index over duplicate rows, at its line.
    write(
        &sql,
        "V4__unique.sql",
        "CREATE TABLE t4 (id int);\nCREATE UNIQUE INDEX users_name_u ON users (name);\n",
    );
    write(&sql, "V5__after.sql", "CREATE TABLE t5 (id int);\n");
    let r = on_target(dir.path(), &db, &[]);
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    assert_has(
        &r.stdout,
        "  FAILED   sql/V4__unique.sql:2:1: could not create unique index \"users_name_u\"",
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
        "ALTER TABLE users\n  ALTER COLUMN nick SET NOT NULL;\n",
    );
    let r = on_target(dir.path(), &db, &["--format", "json"]);
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    let json: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    let m = &json["dry_runs"][0]["migrations"];
    assert_eq!(m[0]["outcome"], "ok");
    assert_eq!(m[1]["outcome"], "failed");
    assert_eq!(m[1]["failure"]["line"], 1);
    assert_eq!(m[1]["failure"]["column"], 1);
    assert_eq!(
        m[1]["failure"]["message"],
        "column \"nick\" of relation \"users\" contains null values"
    );
    assert_eq!(m[2]["outcome"], "not run");
    assert_same(&before, &full_fingerprint(&db), "not null");
}

#[test]
fn on_target_ends_a_real_lock_wait_and_a_killed_run_leaves_no_transaction() {
    let db = postgres();
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
    let sessions = format!(
        "SELECT count(*)::text FROM pg_stat_activity WHERE application_name = 'flyway-lsp' AND datname = '{}' AND pid <> pg_backend_pid() AND pid <> {holder_pid}",
        db.name
    );
    let waiting = format!(
        "SELECT count(*)::text FROM pg_stat_activity WHERE application_name = 'flyway-lsp' AND datname = '{}' AND wait_event_type = 'Lock'",
        db.name
    );
    // SIGTERM, then SIGKILL, during the wait: the transaction is never committed and the
    // session ends with the process.
    for signal in ["TERM", "KILL"] {
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
        let started = Instant::now();
        while db.query(&waiting)[0][0].as_deref() != Some("1") {
            assert!(
                started.elapsed() < Duration::from_secs(30),
                "{signal}: never waited for the lock"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        let status = Command::new("kill")
            .args([&format!("-{signal}"), &child.id().to_string()])
            .status()
            .unwrap();
        assert!(status.success());
        let output = child.wait_with_output().unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        if signal == "TERM" {
            assert_eq!(output.status.code(), Some(143), "{stderr}");
            assert_has(
                &stderr,
                "the target was not changed: its transaction was never committed",
            );
        } else {
            assert_eq!(output.status.code(), None, "{stderr}");
        }
        let started = Instant::now();
        while db.query(&sessions)[0][0].as_deref() != Some("0") {
            assert!(
                started.elapsed() < Duration::from_secs(10),
                "{signal}: the dry-run's session outlived it"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        let locks = format!(
            "SELECT count(*)::text FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid WHERE a.datname = '{}' AND a.pid <> pg_backend_pid() AND a.pid <> {holder_pid}",
            db.name
        );
        assert_eq!(db.query(&locks)[0][0].as_deref(), Some("0"), "{signal}");
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

/// The premise's claim about the built-ins, checked on the server: with no user code, the code
/// PostgreSQL runs implicitly (operators, casts, type input and output, operator classes'
/// support functions, one-argument functions a composite reaches in column syntax) is built-in
/// and none of it is volatile; the allow-listed functions exist in pg_catalog and the only
/// volatile ones are those judged harmless (the clock, the session's random state).
#[test]
fn the_built_ins_that_run_implicitly_are_not_volatile() {
    let db = postgres();
    for (what, sql) in [
        ("operators", "SELECT o.oid::regoperator::text FROM pg_operator o JOIN pg_proc p ON p.oid = o.oprcode WHERE p.provolatile = 'v'"),
        ("casts", "SELECT c.oid::text FROM pg_cast c JOIN pg_proc p ON p.oid = c.castfunc WHERE p.provolatile = 'v'"),
        ("type input and output", "SELECT t.typname::text FROM pg_type t JOIN pg_proc p ON p.oid IN (t.typinput, t.typoutput, t.typreceive, t.typsend, t.typmodin, t.typmodout, t.typanalyze, t.typsubscript) WHERE p.provolatile = 'v'"),
        ("operator class support functions", "SELECT a.amproc::text FROM pg_amproc a JOIN pg_proc p ON p.oid = a.amproc WHERE p.provolatile = 'v'"),
        ("column syntax", "SELECT p.oid::regprocedure::text FROM pg_proc p WHERE p.pronargs = 1 AND p.proargtypes[0] IN ('record'::regtype, '\"any\"'::regtype, 'anyelement'::regtype, 'anynonarray'::regtype, 'anycompatible'::regtype, 'anycompatiblenonarray'::regtype) AND p.provolatile = 'v'"),
    ] {
        assert_eq!(db.query(sql), Vec::<Vec<Option<String>>>::new(), "volatile built-ins behind {what}");
    }
    let list = ALLOWED_FUNCTIONS.join(" ");
    let missing = db.query(&format!("SELECT f FROM unnest(string_to_array('{list}', ' ')) f WHERE NOT EXISTS (SELECT 1 FROM pg_proc p WHERE p.proname = f AND p.pronamespace = 'pg_catalog'::regnamespace) AND f NOT IN ('extract', 'position', 'substring', 'trim', 'overlaps', 'similar_escape') ORDER BY 1"));
    assert_eq!(
        missing,
        Vec::<Vec<Option<String>>>::new(),
        "allow-listed names that are not functions"
    );
    let volatile = db.query(&format!("SELECT DISTINCT p.proname::text FROM pg_proc p WHERE p.proname = ANY (string_to_array('{list}', ' ')) AND p.pronamespace = 'pg_catalog'::regnamespace AND p.provolatile = 'v' ORDER BY 1"));
    let volatile: Vec<&str> = volatile.iter().filter_map(|r| r[0].as_deref()).collect();
    assert_eq!(
        volatile,
        vec!["clock_timestamp", "gen_random_uuid", "random", "timeofday"]
    );
}

// The second review's escapes, one test each.

#[test]
fn review_2_field_selection_calling_a_one_argument_built_in_is_refused() {
    // `(expr).f` is `f(expr)` for any argument type: `('s'::regclass).nextval` advances `s`
    // although no function call is in the parse tree.
    let report = arranged(
        "field selection",
        "CREATE SEQUENCE s;",
        "CREATE TABLE ok_first (id int);\nSELECT ('public.users_id_seq'::regclass).nextval;\n",
    );
    statement_refused(&report, 2, "selects .nextval from an expression");
    let report = arranged(
        "field selection in a domain check",
        "",
        "CREATE DOMAIN d AS regclass CHECK ((VALUE).nextval > 0);\n",
    );
    statement_refused(&report, 1, "selects .nextval from an expression");
}

#[test]
fn review_2_a_target_reading_strings_without_standard_conforming_strings_is_read_as_pg_query_reads()
{
    // With standard_conforming_strings off on the target, `'x\''` ends after the escaped quote
    // for the server but not for pg_query: the setval pg_query takes for part of a string would
    // run. The tool's transaction turns the setting on, so both read the same statement (the
    // test fails without it: users_id_seq at 4242).
    let db = postgres();
    let dir = postgres_target(&db);
    db.execute(&format!(
        "ALTER DATABASE {} SET standard_conforming_strings = off",
        db.name
    ));
    let sql = dir.path().join("sql");
    write(
        &sql,
        "V3__strings.sql",
        "SELECT 'x\\'' , setval((chr(117)||$q$sers_id_seq$q$)::regclass, 4242) , ' AS c, $a$' AS d, $b$ $a$ AS e -- $b$\n, 1 AS f;\n",
    );
    let before = full_fingerprint(&db);
    let r = on_target(dir.path(), &db, &["--format", "json"]);
    assert_same(
        &before,
        &full_fingerprint(&db),
        &format!("{}{}", r.stdout, r.stderr),
    );
    let last: Vec<Vec<Option<String>>> = db.query("SELECT last_value::text FROM users_id_seq");
    assert_eq!(last, vec![vec![Some("2".to_string())]], "{}", r.stdout);
}

#[test]
fn review_2_a_nextval_default_naming_its_sequence_at_run_time_is_refused() {
    // One constant nextval on a new sequence hid a second whose sequence is found at run time.
    let report = arranged(
        "late-bound nextval default",
        "",
        "CREATE SEQUENCE newseq;\nCREATE TABLE t (id bigint DEFAULT nextval('newseq') + nextval(lower('USERS_ID_SEQ')));\nINSERT INTO t DEFAULT VALUES;\n",
    );
    statement_refused(&report, 2, "nextval() on a sequence named at run time");
}

#[test]
fn review_2_row_locks_on_system_catalogs_are_refused() {
    // `FOR UPDATE` on pg_authid or pg_database would block every other session's ALTER ROLE
    // or DROP DATABASE on the whole server for as long as the run lasts.
    let report = arranged(
        "row locks on a system catalog",
        "",
        "SELECT rolname FROM pg_catalog.pg_authid FOR UPDATE;\n",
    );
    statement_refused(&report, 1, "row locks (FOR UPDATE / SHARE)");
}
