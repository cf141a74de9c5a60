//! Folders read as Flyway reads them: detection without a config (depth, sets that must not be
//! merged), command-line locations, Java migrations and unsupported databases.

use std::fs;
use std::path::Path;

use crate::run_in;

fn write(path: &Path, text: &str) {
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    fs::write(path, text).unwrap();
}

fn rules_of(stdout: &str) -> Vec<String> {
    let json: serde_json::Value = serde_json::from_str(stdout).expect("JSON");
    json["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["rule"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn colliding_sibling_folders_are_separate_sets() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    for db in ["core_db", "list_db"] {
        for v in 1..=6 {
            write(
                &root.join(format!("sql/migrations/{db}/V{v}__step_{v}.sql")),
                &format!("CREATE TABLE {db}_t{v} (id bigint PRIMARY KEY);\n"),
            );
        }
    }
    let out = run_in(root, &["check", "--format", "json", "."]);
    assert!(out.stderr.is_empty(), "{}", out.stderr);
    assert!(
        !rules_of(&out.stdout).contains(&"duplicate-version".to_string()),
        "{}",
        out.stdout
    );
    let json: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(json["summary"]["migration_sets"], 2);

    let out = run_in(root, &["info", "."]);
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
    assert!(
        out.stdout
            .contains("Locations: sql/migrations/core_db (detected: no `locations` configured)"),
        "{}",
        out.stdout
    );
    assert!(out
        .stdout
        .contains("Locations: sql/migrations/list_db (detected: no `locations` configured)"));
    assert!(
        out.stdout.contains("2 migration sets were detected"),
        "{}",
        out.stdout
    );
    let out = run_in(root, &["info", "--format", "json", "."]);
    let json: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(json["migration_sets"][0]["detected"], true);
}

#[test]
fn deep_release_folders_are_one_set() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let deep = "a/b/c/d/e/f/g/h/i/j/k/l/m/n/db/migration";
    write(
        &root.join(deep).join("2.31/V2_31_0__create.sql"),
        "CREATE TABLE t (id bigint PRIMARY KEY);\n",
    );
    write(
        &root.join(deep).join("2.32/V2_32_0__alter.sql"),
        "ALTER TABLE t ADD COLUMN name text;\n",
    );
    let out = run_in(root, &["info", "--format", "json", "."]);
    assert!(out.stderr.is_empty(), "{}", out.stderr);
    let json: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    let sets = json["migration_sets"].as_array().unwrap();
    assert_eq!(sets.len(), 1, "{}", out.stdout);
    assert_eq!(sets[0]["locations"][0], deep);
    assert_eq!(sets[0]["migrations"].as_array().unwrap().len(), 2);
}

#[test]
fn command_line_locations_resolve_against_the_working_folder() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    // The working folder has `sql/`; the checked project folder has a `sql/` too.
    write(&root.join("sql/V1__from_cwd.sql"), "SELECT 1;\n");
    write(
        &root.join("project/sql/V1__from_project.sql"),
        "SELECT 1;\n",
    );
    for args in [
        vec![
            "info",
            "--format",
            "json",
            "--locations",
            "filesystem:sql",
            "project",
        ],
        vec![
            "info",
            "--format",
            "json",
            "--set",
            "locations=filesystem:sql",
            "project",
        ],
    ] {
        let out = run_in(root, &args);
        assert!(out.stderr.is_empty(), "{}", out.stderr);
        let json: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
        let migrations = json["migration_sets"][0]["migrations"].as_array().unwrap();
        assert_eq!(migrations.len(), 1, "{}", out.stdout);
        assert_eq!(migrations[0]["script"], "V1__from_cwd.sql", "{args:?}");
    }
}

/// A Maven / Gradle module: SQL in resources, Java and Kotlin migrations in the sources.
fn maven_module(root: &Path) {
    let res = root.join("src/main/resources/db/migration");
    write(
        &res.join("2.29/V2_29_0__Create.sql"),
        "CREATE TABLE t (id bigint PRIMARY KEY);\n",
    );
    write(
        &root.join("src/main/java/db/migration/V2_30_0__Populate_schema.java"),
        "package db.migration;\npublic class V2_30_0__Populate_schema extends BaseJavaMigration {}\n",
    );
    write(
        &root.join("src/main/java/db/migration/MigrationHelper.java"),
        "package db.migration;\nclass MigrationHelper {}\n",
    );
    write(
        &root.join("src/main/kotlin/db/migration/R__Refresh_views.kt"),
        "package db.migration\nclass R__Refresh_views : BaseJavaMigration()\n",
    );
    // After the Java migration the schema is unknown: no unknown-table, no duplicate-object.
    write(
        &res.join("2.31/V2_31_0__Use.sql"),
        "CREATE TABLE t (id bigint PRIMARY KEY, name text);\nINSERT INTO filled_by_java (id) VALUES (1);\n",
    );
}

#[test]
fn java_and_kotlin_migrations_share_the_version_sequence() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    maven_module(root);
    // Detected (no config), then with Flyway's default classpath location.
    for detected in [true, false] {
        if !detected {
            write(
                &root.join("conf/flyway.conf"),
                "flyway.locations=classpath:db/migration\n",
            );
        }
        let out = run_in(root, &["info", "."]);
        assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
        let table = &out.stdout;
        let row = |script: &str| {
            table
                .lines()
                .find(|l| l.contains(script))
                .unwrap_or_else(|| panic!("{script} not listed:\n{table}"))
                .split('|')
                .map(str::trim)
                .collect::<Vec<_>>()
        };
        assert_eq!(
            row("db.migration.V2_30_0__Populate_schema")[1..7],
            [
                "Versioned",
                "2.30.0",
                "Populate schema",
                "JDBC",
                "db.migration.V2_30_0__Populate_schema",
                ""
            ],
            "{table}"
        );
        assert_eq!(row("db.migration.R__Refresh_views")[4], "JDBC");
        assert_eq!(row("V2_29_0__Create.sql")[4], "SQL");
        assert!(!table.contains("MigrationHelper"), "{table}");
        assert_eq!(table.contains("(detected"), detected, "{table}");
        // Flyway's order: 2.29.0, 2.30.0 (Java), 2.31.0, then repeatables.
        let at = |s: &str| table.find(s).unwrap();
        assert!(at("V2_29_0") < at("V2_30_0") && at("V2_30_0") < at("V2_31_0"));
        assert!(at("V2_31_0") < at("R__Refresh_views"));
    }
    let out = run_in(root, &["check", "--format", "json", "."]);
    assert!(out.stderr.is_empty(), "{}", out.stderr);
    let rules = rules_of(&out.stdout);
    for rule in [
        "version-gap",
        "unknown-table",
        "duplicate-object",
        "wrong-suffix",
        "duplicate-version",
    ] {
        assert!(!rules.contains(&rule.to_string()), "{rule}: {}", out.stdout);
    }
    // A Java migration with the version of an SQL one is a duplicate; the rename goes to the
    // SQL file, never to the class.
    write(
        &root.join("src/main/resources/db/migration/2.30/V2_30_0__Other.sql"),
        "SELECT 1;\n",
    );
    let out = run_in(root, &["check", "--format", "json", "."]);
    let json: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    let duplicates: Vec<&serde_json::Value> = json["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["rule"] == "duplicate-version")
        .collect();
    assert_eq!(duplicates.len(), 2, "{}", out.stdout);
    for d in &duplicates {
        if d["path"].as_str().unwrap().ends_with(".java") {
            assert!(d["fix"].is_null(), "{d}");
        }
    }
}

#[test]
fn unsupported_database_folders_are_named_not_parsed() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    // Flyway's `{vendor}` layout: one folder per database.
    write(
        &root.join("db/migration/h2/V1__init.sql"),
        "CREATE TABLE t (id IDENTITY, data CLOB);\nMERGE INTO t KEY (id) VALUES (1, 'a');\n",
    );
    write(&root.join("db/migration/h2/V3__x.sql"), "SELECT 1;\n");
    write(
        &root.join("db/migration/postgresql/V1__init.sql"),
        "CREATE TABLE t (id bigint PRIMARY KEY, data text);\n",
    );
    let out = run_in(root, &["check", "."]);
    assert!(out.stderr.is_empty(), "{}", out.stderr);
    assert_eq!(
        out.stdout
            .lines()
            .filter(|l| l.contains("[unsupported-database]"))
            .collect::<Vec<_>>(),
        vec!["db/migration/h2:1:1: info[unsupported-database] SQL rules skipped: H2 is not supported (the location folder is named `h2`); naming and version rules still run"],
        "{}",
        out.stdout
    );
    // Naming and version rules still run there; no SQL finding.
    assert!(
        out.stdout
            .contains("h2/V3__x.sql:1:1: warning[version-gap]"),
        "{}",
        out.stdout
    );
    assert!(!out.stdout.contains("syntax-error"), "{}", out.stdout);
}

/// Issue #12 row 14: every event of Flyway's `Event` names an SQL callback, the connect, deploy
/// and `beforeCreateSchema` events too; none of them is an unrecognised name or a migration.
#[test]
fn newer_callback_events_are_callbacks() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(&root.join("sql/V1__init.sql"), "CREATE TABLE t (id int);\n");
    for name in [
        "afterConnect.sql",
        "beforeCreateSchema.sql",
        "beforeDeploy.sql",
        "afterDeployError__notify.sql",
    ] {
        write(&root.join("sql").join(name), "SELECT 1;\n");
    }
    let out = run_in(root, &["check", "--format", "json", "sql"]);
    let rules = rules_of(&out.stdout);
    assert!(
        !rules.iter().any(|r| r == "unrecognised-name"),
        "{}",
        out.stdout
    );
    let out = run_in(root, &["info", "--format", "json", "sql"]);
    let json: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    let scripts: Vec<&str> = json["migration_sets"][0]["migrations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["script"].as_str().unwrap())
        .collect();
    assert_eq!(scripts, ["V1__init.sql"], "{}", out.stdout);
}

/// Issue #12 row 23: `SqlScriptCallbackFactory` refuses two SQL callbacks of one name across
/// the locations ("Found more than 1 SQL callback script called afterMigrate!").
#[test]
fn one_callback_name_in_two_locations_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(
        &root.join("flyway.conf"),
        "flyway.locations=filesystem:common,filesystem:reporting\n",
    );
    write(
        &root.join("common/V1__init.sql"),
        "CREATE TABLE t (id int);\n",
    );
    write(&root.join("common/afterMigrate.sql"), "SELECT 1;\n");
    write(&root.join("reporting/afterMigrate.sql"), "SELECT 2;\n");
    write(
        &root.join("reporting/afterMigrate__views.sql"),
        "SELECT 3;\n",
    );
    let out = run_in(root, &["check", "--format", "json", "."]);
    assert_ne!(out.code, 0, "{}", out.stdout);
    let json: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    let flagged: Vec<(String, String)> = json["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["rule"] == "duplicate-callback")
        .map(|d| {
            (
                d["path"].as_str().unwrap().to_string(),
                d["severity"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect();
    assert_eq!(flagged.len(), 2, "{}", out.stdout);
    assert!(
        flagged
            .iter()
            .all(|(p, s)| p.ends_with("afterMigrate.sql") && s == "error"),
        "{flagged:?}"
    );
}
