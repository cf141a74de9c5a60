//! Table-driven cases for the folder rules: for each rule, folders that must be flagged and
//! folders that must not be. Each case names files (with content) and optional settings.

use std::fs;

use crate::config::LoadOptions;
use crate::engine::check_path;

/// Runs the engine on a temporary folder and returns `(script, rule)` pairs.
fn check(files: &[(&str, &str)], tool_config: &str, flyway_conf: &str) -> Vec<(String, String)> {
    let dir = tempfile::tempdir().unwrap();
    let sql = dir.path().join("sql");
    fs::create_dir(&sql).unwrap();
    for (name, content) in files {
        let path = sql.join(name);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, content).unwrap();
    }
    if !tool_config.is_empty() {
        fs::write(dir.path().join("flyway-lsp.toml"), tool_config).unwrap();
    }
    fs::write(
        dir.path().join("flyway.conf"),
        format!("flyway.locations=filesystem:sql\n{flyway_conf}"),
    )
    .unwrap();
    let reports = check_path(dir.path(), &LoadOptions::default()).unwrap();
    reports
        .iter()
        .flat_map(|r| r.diagnostics.iter())
        .map(|d| {
            let script = d
                .path
                .strip_prefix(&sql)
                .map(|p| p.to_string_lossy().into_owned())
                .unwrap_or_else(|_| d.path.display().to_string());
            (script, d.rule.to_string())
        })
        .collect()
}

fn names(names: &[&'static str]) -> Vec<(&'static str, &'static str)> {
    names.iter().map(|n| (*n, "select 1;")).collect()
}

fn pairs(expected: &[(&str, &str)]) -> Vec<(String, String)> {
    expected
        .iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect()
}

#[track_caller]
fn assert_rules(files: &[&'static str], expected: &[(&str, &str)]) {
    assert_eq!(check(&names(files), "", ""), pairs(expected), "{files:?}");
}

#[test]
fn naming_rules_flagged_and_clean() {
    assert_rules(
        &["V1__a.sql", "v2__b.sql"],
        &[("v2__b.sql", "lowercase-prefix")],
    );
    assert_rules(
        &["V1__a.sql", "V2_b.sql"],
        &[("V2_b.sql", "single-underscore")],
    );
    assert_rules(
        &["V1__a.sql", "V__b.sql"],
        &[("V__b.sql", "missing-version")],
    );
    assert_rules(
        &["V1__a.sql", "V1-2__b.sql"],
        &[("V1-2__b.sql", "invalid-version")],
    );
    // MigrationVersion splits only at a dot before a digit: `2.` is no number.
    assert_rules(
        &["V1__a.sql", "V2.__b.sql"],
        &[("V2.__b.sql", "invalid-version")],
    );
    assert_rules(
        &["V1__a.sql", "V+2__b.sql"],
        &[("V+2__b.sql", "malformed-version")],
    );
    assert_rules(
        &["V1__a.sql", "Vlatest__b.sql"],
        &[("Vlatest__b.sql", "malformed-version")],
    );
    assert_rules(
        &["V1__a.sql", "V\u{662}__b.sql"],
        &[("V\u{662}__b.sql", "malformed-version")],
    );
    assert_rules(
        &["V1__a.sql", "V2_20210708.sql"],
        &[("V2_20210708.sql", "misread-version")],
    );
    assert_rules(
        &["V1__a.sql", "V2.sql"],
        &[("V2.sql", "missing-description")],
    );
    assert_rules(
        &["V1__a.sql", "V2__b.SQL"],
        &[("V2__b.SQL", "wrong-suffix")],
    );
    assert_rules(
        &["V1__a.sql", "seed.sql"],
        &[("seed.sql", "unrecognised-name")],
    );
    assert_rules(
        &["V1__a.sql", "R1__v.sql"],
        &[("R1__v.sql", "repeatable-with-version")],
    );
    // Valid names of every kind, callbacks and config side files are not flagged.
    assert_rules(
        &[
            "V1__a.sql",
            "V1.1__b.sql",
            "V1_2__c.sql",
            "V2__d.sql",
            "U2__d.sql",
            "B2__baseline.sql",
            "R__views.sql",
            "afterMigrate.sql",
            "beforeEachMigrate__log.sql",
            "V2__d.sql.conf",
            "README.md",
            "notes.txt",
        ],
        &[],
    );
}

#[test]
fn version_rules_flagged_and_clean() {
    // Duplicates compare versions as Flyway does, across subfolders.
    assert_rules(
        &["a/V1__x.sql", "b/V001__y.sql", "V2__z.sql"],
        &[
            ("a/V1__x.sql", "duplicate-version"),
            ("b/V001__y.sql", "duplicate-version"),
        ],
    );
    assert_rules(
        &["V1__x.sql", "V1.0__y.sql"],
        &[
            ("V1.0__y.sql", "duplicate-version"),
            ("V1__x.sql", "duplicate-version"),
        ],
    );
    // A baseline may share a version with a versioned migration.
    assert_rules(&["V1__a.sql", "V2__b.sql", "B2__base.sql"], &[]);
    assert_rules(
        &["R__v.sql", "sub/R__v.sql"],
        &[
            ("R__v.sql", "duplicate-repeatable"),
            ("sub/R__v.sql", "duplicate-repeatable"),
        ],
    );
    // SqlScriptCallbackFactory: one name (without suffix) per SQL callback across locations.
    assert_rules(
        &["V1__a.sql", "afterMigrate.sql", "sub/afterMigrate.sql"],
        &[
            ("afterMigrate.sql", "duplicate-callback"),
            ("sub/afterMigrate.sql", "duplicate-callback"),
        ],
    );
    assert_rules(
        &[
            "V1__a.sql",
            "afterMigrate.sql",
            "sub/afterMigrate__grants.sql",
            "beforeMigrate.sql",
        ],
        &[],
    );
    assert_rules(
        &["V1__a.sql", "V2__b.sql", "V4__c.sql"],
        &[("V4__c.sql", "version-gap")],
    );
    assert_rules(
        &["V1.1__a.sql", "V1.3__b.sql", "V2.1__c.sql"],
        &[("V1.3__b.sql", "version-gap")],
    );
    // The real corpora (fixtures/corpora/): dates and timestamps in any spelling are not
    // sequences (steady, ccd-definition-store-api, killbill); a number whose sub-versions exist
    // is not missing (marquez V17.1 without V17, hedera V1.10.0 / V1.11.x between 1.9 and 1.12).
    assert_rules(&["V20161207.1200__a.sql", "V20170110.0900__b.sql"], &[]);
    assert_rules(&["V6.0_2016.04.01__a.sql", "V6.0_2016.04.04__b.sql"], &[]);
    assert_rules(&["V2021_03_04_1200__a.sql", "V2021_03_09_0900__b.sql"], &[]);
    assert_rules(&["V20201207__a.sql", "V20210107_10588__b.sql"], &[]);
    assert_rules(&["V16__a.sql", "V17.1__b.sql", "V18__c.sql"], &[]);
    assert_rules(
        &[
            "V1.9__a.sql",
            "V1.10.0__b.sql",
            "V1.11.1__c.sql",
            "V1.12__d.sql",
        ],
        &[],
    );
    // Numbered after product releases (zstack 4.3.x): most steps skip numbers, nothing is
    // missing. One gap among dense steps still is one.
    assert_rules(
        &[
            "V4.3.0__a.sql",
            "V4.3.6__b.sql",
            "V4.3.8__c.sql",
            "V4.3.9__d.sql",
            "V4.3.12__e.sql",
        ],
        &[],
    );
    assert_rules(
        &["V1__a.sql", "V2__b.sql", "V3__c.sql", "V5__d.sql"],
        &[("V5__d.sql", "version-gap")],
    );
    // A real gap beside sub-versions elsewhere is still one.
    assert_rules(
        &["V16__a.sql", "V17.1__b.sql", "V18__c.sql", "V20__d.sql"],
        &[("V20__d.sql", "version-gap")],
    );
    // Timestamps are not sequences; 1.9 → 1.10 is no gap; new major versions are no gap.
    assert_rules(&["V20240101120000__a.sql", "V20240305093000__b.sql"], &[]);
    assert_rules(
        &["V1.9__a.sql", "V1.10__b.sql", "V2.0__c.sql", "V3.0__d.sql"],
        &[],
    );
    assert_rules(
        &["V001__a.sql", "V002__b.sql", "V3__c.sql"],
        &[("V3__c.sql", "inconsistent-padding")],
    );
    // Versions too wide for the padding are fine; so is a folder without padding.
    assert_rules(&["V998__a.sql", "V999__b.sql", "V1000__c.sql"], &[]);
    assert_rules(&["V098__a.sql", "V099__b.sql", "V100__c.sql"], &[]);
    assert_rules(
        &["V1__a.sql", "U2__b.sql"],
        &[("U2__b.sql", "undo-without-versioned")],
    );
}

#[test]
fn convention_rules_only_when_configured() {
    let oro =
        "[conventions]\nundo-pairs = true\nhash-suffix = true\ndescription-case = \"PascalCase\"\n";
    let files = names(&[
        "V1__AddA__migration_0a1b2c3d.sql",
        "U1__AddA__migration_0a1b2c3d.sql",
        "V2__AddB__migration_1b2c3d4e.sql",
        "U2__AddB__migration_ffffffff.sql",
        "V3__add_c.sql",
    ]);
    assert_eq!(
        check(&files, oro, ""),
        pairs(&[
            ("U2__AddB__migration_ffffffff.sql", "undo-pair"),
            ("V3__add_c.sql", "description-case"),
            ("V3__add_c.sql", "hash-suffix"),
            ("V3__add_c.sql", "undo-pair"),
        ])
    );
    // Without the conventions, the same folder is clean.
    assert_eq!(check(&files, "", ""), pairs(&[]));
    let snake = "[conventions]\ndescription-case = \"snake_case\"\n";
    assert_eq!(
        check(
            &names(&["V1__add_users.sql", "V2__AddOrders.sql", "R__views_v2.sql"]),
            snake,
            ""
        ),
        pairs(&[("V2__AddOrders.sql", "description-case")])
    );
}

#[test]
fn file_rules_flagged_and_clean() {
    let files = [
        ("V1__a.sql", "select 1;"),
        ("V2__empty.sql", "  \n-- nothing yet\n/* still nothing */\n"),
        ("V3__nul.sql", "select '\u{0}';"), // NUL is valid UTF-8
    ];
    assert_eq!(
        check(&files, "", ""),
        pairs(&[("V2__empty.sql", "empty-migration")])
    );
    let utf8_text = [("V1__a.sql", "select 1;"), ("V2__b.sql", "select 'é';")];
    assert_eq!(check(&utf8_text, "", ""), pairs(&[]));
}

#[test]
fn validate_migration_naming_changes_the_outcome_text() {
    let dir = tempfile::tempdir().unwrap();
    fs::create_dir(dir.path().join("sql")).unwrap();
    fs::write(dir.path().join("sql/V1_a.sql"), "select 1;").unwrap();
    fs::write(
        dir.path().join("flyway.conf"),
        "flyway.locations=filesystem:sql\nflyway.validateMigrationNaming=true\n",
    )
    .unwrap();
    let reports = check_path(dir.path(), &LoadOptions::default()).unwrap();
    let message = &reports[0].diagnostics.iter().next().unwrap().message;
    assert!(
        message.contains("Flyway fails on it (validateMigrationNaming is on)"),
        "{message}"
    );
}

#[test]
fn version_gap_respects_ignored_missing_and_keeps_spelling() {
    let files = names(&["V1_12_4__a.sql", "V1_12_6__b.sql"]);
    // hedera-mirror-node: ignoreMigrationPatterns ["*:missing", "*:ignored"].
    for conf in [
        "flyway.ignoreMigrationPatterns=*:missing,*:ignored\n",
        "flyway.ignoreMigrationPatterns=Versioned:Missing\n",
    ] {
        assert_eq!(check(&files, "", conf), vec![], "{conf}");
    }
    assert_eq!(
        check(&files, "", "flyway.ignoreMigrationPatterns=*:future\n"),
        pairs(&[("V1_12_6__b.sql", "version-gap")])
    );

    let dir = tempfile::tempdir().unwrap();
    for (name, text) in &files {
        fs::write(dir.path().join(name), text).unwrap();
    }
    let reports = check_path(dir.path(), &LoadOptions::default()).unwrap();
    let messages: Vec<&str> = reports
        .iter()
        .flat_map(|r| r.diagnostics.iter())
        .filter(|d| d.rule == "version-gap")
        .map(|d| d.message.as_str())
        .collect();
    assert_eq!(
        messages,
        ["Version 1_12_6 follows 1_12_4: version 1_12_5 is missing; if nothing else will take it, rename this file to V1_12_5__b.sql"]
    );
}

/// `SqlScriptCallbackFactory` keys callbacks by the name without its suffix: two suffixes in one
/// folder collide too; the message is Flyway's.
#[test]
fn duplicate_callbacks_by_name_without_suffix() {
    let files = [
        ("V1__a.sql", "select 1;"),
        ("beforeMigrate__grants.sql", "select 1;"),
        ("beforeMigrate__grants.pgsql", "select 1;"),
    ];
    assert_eq!(
        check(&files, "", ""),
        pairs(&[]),
        "a .pgsql file is no script without the suffix configured"
    );
    assert_eq!(
        check(&files, "", "flyway.sqlMigrationSuffixes=.sql,.pgsql\n"),
        pairs(&[
            ("beforeMigrate__grants.pgsql", "duplicate-callback"),
            ("beforeMigrate__grants.sql", "duplicate-callback"),
        ])
    );
    let dir = tempfile::tempdir().unwrap();
    for folder in ["a", "b"] {
        fs::create_dir(dir.path().join(folder)).unwrap();
        fs::write(
            dir.path().join(folder).join("afterMigrate.sql"),
            "select 1;",
        )
        .unwrap();
    }
    fs::write(
        dir.path().join("flyway.conf"),
        "flyway.locations=filesystem:a,filesystem:b\n",
    )
    .unwrap();
    let reports = check_path(dir.path(), &LoadOptions::default()).unwrap();
    let messages: Vec<&str> = reports
        .iter()
        .flat_map(|r| r.diagnostics.iter())
        .filter(|d| d.rule == "duplicate-callback")
        .map(|d| d.message.as_str())
        .collect();
    assert_eq!(messages.len(), 2, "{messages:?}");
    assert!(
        messages[0].starts_with(
            "Found more than 1 SQL callback script called afterMigrate! (a/afterMigrate.sql, b/afterMigrate.sql)"
        ),
        "{messages:?}"
    );
}

#[test]
fn version_messages_keep_the_spelling() {
    let messages = |files: &[&'static str], rule: &str| -> Vec<String> {
        let dir = tempfile::tempdir().unwrap();
        for name in files {
            fs::write(dir.path().join(name), "select 1;").unwrap();
        }
        let reports = check_path(dir.path(), &LoadOptions::default()).unwrap();
        let mut out: Vec<String> = reports
            .iter()
            .flat_map(|r| r.diagnostics.iter())
            .filter(|d| d.rule == rule)
            .map(|d| d.message.clone())
            .collect();
        out.sort();
        out
    };
    let duplicates = messages(
        &["V6.0_2016.04.04__a.sql", "V6.0.2016.04.04.0__b.sql"],
        "duplicate-version",
    );
    assert_eq!(duplicates.len(), 2, "{duplicates:?}");
    assert!(
        duplicates
            .iter()
            .all(|m| m.contains("with version 6.0.2016.04.04") && !m.contains("2016.4.4")),
        "{duplicates:?}"
    );
    assert_eq!(
        messages(&["V1__a.sql", "V2016.04.__b.sql"], "invalid-version"),
        ["Invalid versioned migration name format: V2016.04.__b.sql (could not recognise version number 2016.04.): `04.` is not a number. A version is numbers separated by `.` or `_` (e.g. 1.2); Flyway skips this file"]
    );
    // MigrationVersion.fromVersion's special versions and BigInteger's Unicode digits.
    assert_eq!(
        messages(&["V1__a.sql", "VCurrent__b.sql"], "malformed-version"),
        ["Version `Current` is Flyway's special version << Current Version >>, ordered before every other version, not a number. Give the migration a numeric version"]
    );
    assert_eq!(
        messages(&["V1__a.sql", "V\u{661}_2__b.sql"], "malformed-version"),
        ["Version `\u{661}_2` has digits other than 0-9; Flyway reads it as version 1.2. Write it as V1.2__b.sql"]
    );
}

#[test]
fn unsupported_databases_skip_sql_rules_only() {
    use crate::engine::check_project;
    use crate::project::discover_projects;
    let rules_for = |folder: &str, conf: &str, script: &str| -> Vec<String> {
        let dir = tempfile::tempdir().unwrap();
        let sql = dir.path().join(folder);
        fs::create_dir_all(&sql).unwrap();
        // Valid T-SQL, a syntax error to PostgreSQL and MySQL; and a naming problem.
        fs::write(sql.join("V1__init.sql"), script).unwrap();
        fs::write(sql.join("V3_init.sql"), "SELECT 1;").unwrap();
        fs::write(
            dir.path().join("flyway.conf"),
            format!("flyway.locations=filesystem:{folder}\n{conf}"),
        )
        .unwrap();
        let projects = discover_projects(dir.path(), &LoadOptions::default()).unwrap();
        let report = check_project(projects.into_iter().next().unwrap()).unwrap();
        assert!(report.sql.iter().all(Option::is_none) || report.server.unsupported.is_none());
        let mut rules: Vec<String> = report
            .diagnostics
            .iter()
            .map(|d| {
                if d.rule == "unsupported-database" {
                    d.message.clone()
                } else {
                    d.rule.to_string()
                }
            })
            .collect();
        rules.sort();
        rules
    };
    let tsql = "CREATE TABLE [dbo].[t] (id INT IDENTITY(1,1) NOT NULL, n NVARCHAR(MAX))\nGO\n";
    assert_eq!(
        rules_for("h2", "", tsql),
        vec![
            "SQL rules skipped: H2 is not supported (the location folder is named `h2`); naming and version rules still run",
            "single-underscore",
        ]
    );
    assert_eq!(
        rules_for("sql", "flyway.url=jdbc:sqlserver://db:1433;databaseName=app;password=hunter2\n", tsql),
        vec![
            "SQL rules skipped: SQL Server is not supported (the `url` setting names it); naming and version rules still run",
            "single-underscore",
        ]
    );
    assert_eq!(
        rules_for("sql", "", tsql),
        vec![
            "SQL rules skipped: SQL Server is not supported (its SQL has 4 signs of SQL Server and fewer of PostgreSQL or MySQL); naming and version rules still run",
            "single-underscore",
        ]
    );
    // A PostgreSQL URL, a configured dialect, or a PostgreSQL folder: analysed as before.
    for (folder, conf) in [
        ("sql", "flyway.url=jdbc:postgresql://db/app\n"),
        ("postgresql", ""),
    ] {
        let rules = rules_for(folder, conf, tsql);
        assert!(
            rules.contains(&"syntax-error".to_string()),
            "{folder}: {rules:?}"
        );
        assert!(!rules.iter().any(|r| r.contains("SQL rules skipped")));
    }
}
