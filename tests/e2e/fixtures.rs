//! `check` and `info` on the fixtures: exact diagnostics and exit codes.

use crate::{assert_expected, run};

const VARIANTS: &[&str] = &["postgres-snake", "flyway-naming", "mysql-oro"];

#[test]
fn clean_fixtures_have_no_diagnostics() {
    for fixture in VARIANTS {
        let path = format!("fixtures/{fixture}/clean");
        let out = run(&["check", "--format", "json", &path]);
        assert_eq!(out.code, 0, "{path}: {}{}", out.stdout, out.stderr);
        let json: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
        assert_eq!(json["diagnostics"], serde_json::json!([]), "{path}");
        assert!(json["summary"]["files"].as_u64().unwrap() >= 5, "{path}");
    }
}

#[test]
fn broken_fixtures_report_exact_diagnostics() {
    for fixture in VARIANTS {
        let path = format!("fixtures/{fixture}/broken");
        let out = run(&["check", "--format", "json", &path]);
        assert_eq!(out.code, 1, "{path}: {}", out.stderr);
        assert!(out.stderr.is_empty(), "{}", out.stderr);
        assert_expected(&format!("{fixture}.check.json"), &out.stdout);
        let text = run(&["check", &path]);
        assert_eq!(text.code, 1);
        assert_expected(&format!("{fixture}.check.txt"), &text.stdout);
    }
}

#[test]
fn each_broken_fixture_shows_its_mistakes() {
    // The rules each fixture exists to demonstrate (the exact texts are in expected/).
    let expectations: &[(&str, &[&str])] = &[
        (
            "postgres-snake",
            &[
                "duplicate-version",
                "inconsistent-padding",
                "single-underscore",
                "lowercase-prefix",
                "description-case",
                "missing-description",
                "wrong-suffix",
                "empty-migration",
                "invalid-encoding",
                "misread-version",
                "version-gap",
            ],
        ),
        (
            "flyway-naming",
            &[
                "duplicate-version",
                "missing-version",
                "invalid-version",
                "malformed-version",
                "repeatable-with-version",
                "duplicate-repeatable",
                "undo-without-versioned",
                "unrecognised-name",
                "misread-version",
            ],
        ),
        (
            "mysql-oro",
            &[
                "undo-pair",
                "hash-suffix",
                "description-case",
                "version-gap",
                "undo-without-versioned",
            ],
        ),
    ];
    for (fixture, rules) in expectations {
        let out = run(&[
            "check",
            "--format",
            "json",
            &format!("fixtures/{fixture}/broken"),
        ]);
        let json: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
        let found: Vec<&str> = json["diagnostics"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| d["rule"].as_str().unwrap())
            .collect();
        for rule in *rules {
            assert!(found.contains(rule), "{fixture}: no {rule} in {found:?}");
        }
    }
}

#[test]
fn mysql_gap_is_an_error_by_config() {
    let out = run(&["check", "--format", "json", "fixtures/mysql-oro/broken"]);
    let json: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    let gap = json["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["rule"] == "version-gap")
        .expect("a version-gap diagnostic");
    assert_eq!(gap["severity"], "error");
    assert_eq!(
        gap["path"],
        "fixtures/mysql-oro/broken/migrations/V5__DropLegacyLender__migration_3d4e5f60.sql"
    );
}

#[test]
fn output_is_deterministic() {
    // The three fixture projects (fixtures/corpora/ holds third-party corpora, measured apart).
    let args = [
        "check",
        "--format",
        "json",
        "fixtures/flyway-naming",
        "fixtures/mysql-oro",
        "fixtures/postgres-snake",
    ];
    let first = run(&args);
    let second = run(&args);
    assert_eq!(first.stdout, second.stdout);
    assert_eq!(first.code, 1);
}

#[test]
fn info_lists_migrations_in_version_order() {
    let out = run(&["info", "fixtures/flyway-naming/clean"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_expected("flyway-naming.info.txt", &out.stdout);
    let out = run(&["info", "--format", "json", "fixtures/postgres-snake/clean"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_expected("postgres-snake.info.json", &out.stdout);
    let json: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    let versions: Vec<String> = json["migration_sets"][0]["migrations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["version"].as_str().unwrap_or("-").to_string())
        .collect();
    assert_eq!(versions, ["001", "002", "003", "004", "-"]);
}

#[test]
fn sarif_and_github_formats_carry_the_same_findings() {
    let path = "fixtures/flyway-naming/broken";
    let json: serde_json::Value =
        serde_json::from_str(&run(&["check", "--format", "json", path]).stdout).unwrap();
    let count = json["diagnostics"].as_array().unwrap().len();

    let sarif = run(&["check", "--format", "sarif", path]);
    assert_eq!(sarif.code, 1);
    let sarif: serde_json::Value = serde_json::from_str(&sarif.stdout).unwrap();
    assert_eq!(sarif["version"], "2.1.0");
    let run0 = &sarif["runs"][0];
    assert_eq!(run0["tool"]["driver"]["name"], "flyway-lsp");
    let results = run0["results"].as_array().unwrap();
    assert_eq!(results.len(), count);
    let rules = run0["tool"]["driver"]["rules"].as_array().unwrap();
    for result in results {
        let index = result["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(rules[index]["id"], result["ruleId"]);
        let region = &result["locations"][0]["physicalLocation"]["region"];
        assert!(region["startLine"].as_u64().unwrap() >= 1);
        assert!(
            region["endColumn"].as_u64().unwrap() > region["startColumn"].as_u64().unwrap()
                || region["endLine"].as_u64() > region["startLine"].as_u64()
        );
    }

    let github = run(&["check", "--format", "github", path]);
    assert_eq!(github.code, 1);
    let lines: Vec<&str> = github.stdout.lines().collect();
    assert_eq!(lines.len(), count);
    assert_eq!(
        lines[0],
        "::error file=fixtures/flyway-naming/broken/sql/R1__product_views.sql,line=1,col=1,endLine=1,endColumn=66,title=flyway-lsp repeatable-with-version::Invalid repeatable migration / callback name format: R1__product_views.sql (It cannot contain a version and should look like this: R__product_views.sql). Flyway skips this file"
    );
}

#[test]
fn real_world_corpus_findings() {
    let corpus = crate::repo_root().join("fixtures/corpora/hawkbit");
    assert!(corpus.is_dir(), "missing corpus {}", corpus.display());
    let out = run(&["check", "--format", "json", corpus.to_str().unwrap()]);
    assert!(out.stderr.is_empty(), "{}", out.stderr);
    let json: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    let diagnostics = json["diagnostics"].as_array().unwrap();
    let count = |rule: &str| diagnostics.iter().filter(|d| d["rule"] == rule).count();
    // Every statement of the 65 real migrations parses (one MySQL multi-table UPDATE through
    // the known-construct fallback), and the replayed schema model knows every table and column
    // they touch: no syntax errors, unknown objects or duplicates.
    for rule in [
        "syntax-error",
        "unknown-table",
        "unknown-column",
        "unknown-index",
        "duplicate-object",
    ] {
        assert_eq!(count(rule), 0, "{rule}: {diagnostics:?}");
    }
    // hawkbit's MySQL folder skips 1.12.5: the one folder-level finding.
    assert_eq!(count("version-gap"), 1);
    let gap = diagnostics
        .iter()
        .find(|d| d["rule"] == "version-gap")
        .unwrap();
    assert!(gap["path"]
        .as_str()
        .unwrap()
        .ends_with("MYSQL/V1_12_6__add_index___MYSQL.sql"));
    // Two sets, one per vendor folder, detected with their dialects.
    assert_eq!(json["summary"]["migration_sets"], 2);
    assert!(count("mysql-copy-algorithm") > 0 && count("require-concurrent-index") > 0);
    assert!(diagnostics
        .iter()
        .filter(|d| d["rule"].as_str().unwrap().starts_with("mysql-"))
        .all(|d| d["path"].as_str().unwrap().contains("/MYSQL/")));
    // The review's false positives stay fixed: MySQL NOT NULL columns that the same migration
    // backfills are not flagged, and neither is V1_12_16's VARCHAR (MySQL fills '' in, as
    // documented; only date and time columns, filled with the zero date, are at risk).
    assert_eq!(count("add-column-not-null-without-default"), 0);
    // The reviewed total (see the README's corpus section): 96, 10 statement-after-exclusive-lock
    // hints, and 16 foreign-key-without-index hints on the PostgreSQL baseline's foreign keys,
    // none of whose columns begins an index.
    assert_eq!(diagnostics.len(), 122, "{diagnostics:?}");
}
