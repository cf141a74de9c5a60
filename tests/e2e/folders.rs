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
