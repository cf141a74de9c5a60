//! `dry-run --on-target` is withdrawn: a hostile review found statements that pass its
//! allow-list and still change the target behind the rolled-back transaction (a partition bound
//! calling `setval`, functions called in column syntax, domain checks, implicit casts, operator
//! classes, `TRUNCATE … CASCADE` triggers, foreign tables under a parent). Until its checks are
//! proven it refuses to run, with one line, whatever the target, and touches nothing. (The
//! classifier and its hostile tests are in the history of `server/src/database/on_target.rs` and
//! this file, for the fix.)

use flyway_lsp::sql::server::Flavor;

use super::db::{assert_has, postgres_target, write, TestDb};
use super::dry_run_safety::{assert_same, full_fingerprint};
use super::run_in;

#[test]
fn on_target_is_withdrawn_and_leaves_the_target_untouched() {
    let db = TestDb::create(Flavor::Postgres).expect("the database server must run for this test");
    let dir = postgres_target(&db);
    // One of the review's escapes: a partition bound that moves the target's sequence.
    write(
        &dir.path().join("sql"),
        "V3__escape.sql",
        "CREATE TABLE pb (a bigint) PARTITION BY LIST (a);\nCREATE TABLE pb1 PARTITION OF pb FOR VALUES IN (setval('public.users_id_seq', 6666));\n",
    );
    let before = full_fingerprint(&db);
    let r = run_in(
        dir.path(),
        &["dry-run", "sql", "--url", &db.url, "--on-target"],
    );
    assert_eq!(r.code, 3, "{}{}", r.stdout, r.stderr);
    assert_has(&r.stderr, "dry-run --on-target is withdrawn");
    assert_eq!(r.stderr.trim().lines().count(), 1, "{}", r.stderr);
    assert!(r.stdout.is_empty(), "{}", r.stdout);
    assert_same(&before, &full_fingerprint(&db), "on-target withdrawn");
    let last: Vec<Vec<Option<String>>> = db.query("SELECT last_value::text FROM users_id_seq");
    assert_eq!(last, vec![vec![Some("2".to_string())]]);
}

#[test]
fn on_target_is_refused_for_every_target_without_leaking_a_password() {
    let dir = super::db::folder();
    write(&dir.path().join("sql"), "V1__a.sql", "SELECT 1;\n");
    for args in [
        vec![
            "dry-run",
            "sql",
            "--url",
            "jdbc:mariadb://127.0.0.1:1/app?password=hunter2",
            "--on-target",
        ],
        vec!["dry-run", "sql", "--on-target"],
    ] {
        let r = run_in(dir.path(), &args);
        assert_eq!(r.code, 3, "{}{}", r.stdout, r.stderr);
        assert_has(&r.stderr, "dry-run --on-target is withdrawn");
        assert_eq!(r.stderr.trim().lines().count(), 1, "{}", r.stderr);
        assert!(!r.stderr.contains("hunter2"));
    }
}
