//! Command-line behaviour: exit codes, usage errors, configuration sources, `rules`.

use std::fs;

use crate::{repo_root, run, run_in, run_with_env};

fn project(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (name, content) in files {
        let path = dir.path().join(name);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, content).unwrap();
    }
    dir
}

#[test]
fn exit_code_two_for_warnings_only() {
    let dir = project(&[
        ("sql/V1__a.sql", "select 1;"),
        ("sql/V3__c.sql", "select 3;"),
    ]);
    let out = run_in(dir.path(), &["check"]);
    assert_eq!(out.code, 2, "{}{}", out.stdout, out.stderr);
    assert_eq!(
        out.stdout,
        "sql/V3__c.sql:1:1: warning[version-gap] Version 3 follows 1: version 2 is missing; if nothing else will take it, rename this file to V2__c.sql\n  fix: rename to V2__c.sql\nFound 0 errors, 1 warning (2 files in 1 migration set checked).\n"
    );
}

/// A project's own `placeholderPrefix` / `placeholderSuffix`: Flyway replaces those before any
/// parser reads the script, so they are never judged as SQL (`#` would even start a MySQL
/// comment); with `${…}` then plain text, the default syntax is judged as written.
#[test]
fn custom_placeholder_syntax_is_never_judged_as_sql() {
    let scripts = [
        (
            "sql/V1__a.sql",
            "CREATE TABLE #[schema].users (id int) #[table_options];\nCREATE INDEX users_id ON #[schema].users (id);\n",
        ),
        ("sql/V2__b.sql", "ALTER TABLE audit_#[suffix] ADD COLUMN note text;\n"),
    ];
    for (dialect, conf) in [
        (
            "postgres",
            "flyway.placeholderPrefix=#[\nflyway.placeholderSuffix=]\n",
        ),
        (
            "mysql",
            "flyway.placeholderPrefix=#[\nflyway.placeholderSuffix=]\n",
        ),
    ] {
        let mut files = scripts.to_vec();
        files.push(("flyway.conf", conf));
        let lsp = format!("dialect = \"{dialect}\"\n[rules]\nrequire-lock-timeout = \"off\"\n");
        files.push(("flyway-lsp.toml", &lsp));
        let dir = project(&files);
        let out = run_in(dir.path(), &["check", "--format", "json"]);
        // The first statement stops the parsers at `#[table_options]`: not analysed (info),
        // never an error; its table is still known to be created here, so the index on it is
        // not on an existing table.
        assert!(
            !out.stdout.contains("syntax-error")
                && !out.stdout.contains("require-concurrent-index")
                && !out.stdout.contains("\"error\""),
            "{dialect}: {}{}",
            out.stdout,
            out.stderr
        );
        assert!(
            out.stdout
                .contains("the unresolved placeholder #[table_options] stands where")
                || dialect == "mysql",
            "{}",
            out.stdout
        );
        // Without the setting, `#[…]` is SQL as written: PostgreSQL's parser rejects it.
        if dialect == "postgres" {
            fs::remove_file(dir.path().join("flyway.conf")).unwrap();
            let out = run_in(dir.path(), &["check", "--format", "json"]);
            assert!(
                out.stdout.contains("syntax-error"),
                "{}{}",
                out.stdout,
                out.stderr
            );
        }
    }
}

#[test]
fn exit_code_zero_when_clean_and_rule_levels_apply() {
    let dir = project(&[
        ("sql/V1__a.sql", "select 1;"),
        ("sql/V3__c.sql", "select 3;"),
        ("flyway-lsp.toml", "[rules]\nversion-gap = \"off\"\n"),
    ]);
    let out = run_in(dir.path(), &["check"]);
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
    assert_eq!(
        out.stdout,
        "No problems found (2 files in 1 migration set checked).\n"
    );
    fs::write(
        dir.path().join("flyway-lsp.toml"),
        "[rules]\nversion-gap = \"error\"\n",
    )
    .unwrap();
    assert_eq!(run_in(dir.path(), &["check"]).code, 1);
    fs::write(
        dir.path().join("flyway-lsp.toml"),
        "[rules]\nversion-gap = \"info\"\n",
    )
    .unwrap();
    let out = run_in(dir.path(), &["check"]);
    assert_eq!(out.code, 0);
    assert!(out.stdout.contains("info[version-gap]"), "{}", out.stdout);
}

#[test]
fn usage_errors_exit_three_with_one_clear_line() {
    let out = run(&["check", "no/such/folder"]);
    assert_eq!(out.code, 3);
    assert_eq!(out.stderr, "flyway-lsp: no/such/folder does not exist\n");
    assert!(out.stdout.is_empty());

    let out = run(&["check", "--format", "xml", "fixtures"]);
    assert_eq!(out.code, 3);
    assert!(out.stderr.contains("invalid value 'xml'"), "{}", out.stderr);

    let out = run(&["frobnicate"]);
    assert_eq!(out.code, 3);

    let out = run(&["--help"]);
    assert_eq!(out.code, 0);
    assert!(out.stdout.contains("check"));

    let empty = tempfile::tempdir().unwrap();
    let out = run_in(empty.path(), &["check"]);
    assert_eq!(out.code, 3);
    assert!(
        out.stderr
            .starts_with("flyway-lsp: no Flyway migrations found under ."),
        "{}",
        out.stderr
    );
}

#[test]
fn bad_config_is_a_usage_error_naming_the_file() {
    let dir = project(&[
        ("sql/V1__a.sql", "select 1;"),
        (
            "flyway.toml",
            "[flyway]\nlocations = [\"filesystem:sql\"]\noutOfOrder = \"sometimes\"\n",
        ),
    ]);
    let out = run_in(dir.path(), &["check"]);
    assert_eq!(out.code, 3);
    assert!(
        out.stderr.contains("flyway.toml") && out.stderr.contains("outOfOrder"),
        "{}",
        out.stderr
    );

    fs::write(dir.path().join("flyway.toml"), "[flyway\n").unwrap();
    let out = run_in(dir.path(), &["check"]);
    assert_eq!(out.code, 3);
    assert!(out.stderr.contains("invalid TOML"), "{}", out.stderr);

    fs::write(
        dir.path().join("flyway.toml"),
        "[flyway-lsp.rules]\nversion-gaps = \"off\"\n",
    )
    .unwrap();
    let out = run_in(dir.path(), &["check"]);
    assert_eq!(out.code, 3);
    assert!(
        out.stderr.contains("did you mean `version-gap`"),
        "{}",
        out.stderr
    );

    fs::write(
        dir.path().join("flyway.toml"),
        "[flyway-lsp]\ndialect = 7\n",
    )
    .unwrap();
    let out = run_in(dir.path(), &["check"]);
    assert_eq!(out.code, 3);
    assert!(out.stderr.contains("dialect"), "{}", out.stderr);
}

#[test]
fn missing_configured_location_is_reported_on_the_config() {
    let dir = project(&[
        ("sql/V1__a.sql", "select 1;"),
        (
            "flyway.conf",
            "flyway.locations=filesystem:sql,filesystem:db/migrations\n",
        ),
    ]);
    let out = run_in(dir.path(), &["check"]);
    assert_eq!(out.code, 2, "{}{}", out.stdout, out.stderr);
    assert!(out.stdout.starts_with("flyway.conf:1:1: warning[missing-location] location `filesystem:db/migrations` does not exist"), "{}", out.stdout);
}

#[test]
fn precedence_cli_over_env_over_files() {
    let dir = project(&[
        ("a/V1__a.sql", "select 1;"),
        ("b/M1__b.sql", "select 1;"),
        ("b/M2__c.sql", "select 1;"),
        ("c/V1__x.sql", "select 1;"),
        ("flyway.toml", "[flyway]\nlocations = [\"filesystem:a\"]\n"),
    ]);
    let info = |args: &[&str], env: &[(&str, &str)]| {
        let mut all = vec!["info", "--format", "json"];
        all.extend_from_slice(args);
        let out = run_with_env(dir.path(), &all, env);
        assert_eq!(out.code, 0, "{}", out.stderr);
        let json: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
        json["migration_sets"][0]["migrations"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["script"].as_str().unwrap().to_string())
            .collect::<Vec<_>>()
    };
    assert_eq!(info(&[], &[]), ["V1__a.sql"]);
    let env = [
        ("FLYWAY_LOCATIONS", "filesystem:b"),
        ("FLYWAY_SQL_MIGRATION_PREFIX", "M"),
    ];
    assert_eq!(info(&[], &env), ["M1__b.sql", "M2__c.sql"]);
    assert_eq!(
        info(
            &[
                "--locations",
                "filesystem:c",
                "--set",
                "sqlMigrationPrefix=V"
            ],
            &env
        ),
        ["V1__x.sql"]
    );
}

#[test]
fn single_files_report_only_on_themselves() {
    let dir = project(&[
        ("sql/V1__a.sql", "select 1;"),
        ("sql/V1__dup.sql", "select 1;"),
        ("sql/v2__b.sql", "select 1;"),
    ]);
    let out = run_in(dir.path(), &["check", "sql/V1__dup.sql"]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    let lines: Vec<&str> = out.stdout.lines().filter(|l| !l.starts_with(' ')).collect();
    assert_eq!(lines.len(), 2, "{}", out.stdout);
    assert!(
        lines[0].starts_with("sql/V1__dup.sql:1:1: error[duplicate-version]"),
        "{}",
        out.stdout
    );
}

#[test]
fn rules_command_lists_and_documents() {
    let out = run(&["rules"]);
    assert_eq!(out.code, 0);
    assert!(out
        .stdout
        .lines()
        .any(|l| l.starts_with("duplicate-version")));
    let out = run(&["rules", "single-underscore"]);
    assert_eq!(out.code, 0);
    assert!(out.stdout.starts_with("# single-underscore\n"));
    assert!(out.stdout.contains("## Why is this bad?"));
    let out = run(&["rules", "nope"]);
    assert_eq!(out.code, 3);
}

#[test]
fn readme_rule_table_matches_the_rules() {
    let table = run(&["rules", "--format", "markdown"]).stdout;
    let readme = fs::read_to_string(repo_root().join("README.md")).unwrap();
    let start = readme
        .find("<!-- rules:start -->\n")
        .expect("README has a rules:start marker")
        + "<!-- rules:start -->\n".len();
    let end = readme
        .find("<!-- rules:end -->")
        .expect("README has a rules:end marker");
    assert_eq!(
        &readme[start..end],
        table,
        "README rule table is stale: paste the output of `flyway-lsp rules --format markdown`"
    );
}

/// `docs/rules/<id>.md` is each rule's page (`flyway-lsp rules <id>`), the target of the
/// editor's `codeDescription.href`; `UPDATE_EXPECT=1` writes them.
#[test]
fn rule_pages_match_the_rules() {
    let listing: serde_json::Value =
        serde_json::from_str(&run(&["rules", "--format", "json"]).stdout).unwrap();
    let dir = repo_root().join("docs/rules");
    let update = std::env::var_os("UPDATE_EXPECT").is_some();
    if update {
        fs::create_dir_all(&dir).unwrap();
    }
    let mut expected = std::collections::BTreeSet::new();
    for rule in listing.as_array().unwrap() {
        let id = rule["id"].as_str().unwrap();
        let page = run(&["rules", id]);
        assert_eq!(page.code, 0, "{id}");
        let path = dir.join(format!("{id}.md"));
        if update {
            fs::write(&path, &page.stdout).unwrap();
        }
        let stored = fs::read_to_string(&path).unwrap_or_default();
        assert_eq!(
            stored,
            page.stdout,
            "{} is stale: run with UPDATE_EXPECT=1",
            path.display()
        );
        expected.insert(format!("{id}.md"));
    }
    let present: std::collections::BTreeSet<String> = fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(present, expected, "docs/rules/ holds a page of no rule");
}

#[test]
fn edits_to_applied_migrations_fail_against_a_git_reference() {
    let dir = project(&[
        (
            "sql/V1__create_users.sql",
            "CREATE TABLE users (id bigint PRIMARY KEY);\n",
        ),
        (
            "sql/V2__add_email.sql",
            "ALTER TABLE users ADD COLUMN email text;\n",
        ),
    ]);
    let git = |args: &[&str]| {
        let status = std::process::Command::new("git")
            .arg("-C")
            .arg(dir.path())
            .args(args)
            .status()
            .unwrap();
        assert!(status.success(), "git {args:?}");
    };
    git(&["init", "-q"]);
    git(&["config", "user.email", "ci@example.com"]);
    git(&["config", "user.name", "ci"]);
    git(&["add", "."]);
    git(&["commit", "-q", "-m", "applied"]);
    // Line endings do not change Flyway's checksum: not an edit.
    fs::write(
        dir.path().join("sql/V1__create_users.sql"),
        "CREATE TABLE users (id bigint PRIMARY KEY);\r\n",
    )
    .unwrap();
    let out = run_in(
        dir.path(),
        &[
            "check",
            "--applied-ref",
            "HEAD",
            "--set",
            "outOfOrder=false",
        ],
    );
    assert!(
        !out.stdout.contains("applied-migration-edited"),
        "{}",
        out.stdout
    );
    // A real edit is an error naming both checksums.
    fs::write(
        dir.path().join("sql/V2__add_email.sql"),
        "ALTER TABLE users ADD COLUMN email text NOT NULL DEFAULT '';\n",
    )
    .unwrap();
    let out = run_in(dir.path(), &["check", "--applied-ref", "HEAD"]);
    assert_eq!(out.code, 1, "{}{}", out.stdout, out.stderr);
    assert!(
        out.stdout.contains("sql/V2__add_email.sql:1:1: error[applied-migration-edited] Migration checksum mismatch for migration version 2: applied (in HEAD)"),
        "{}",
        out.stdout
    );
    // Renamed to another description (Flyway matches history rows to files by version):
    // MigrationInfoImpl's description mismatch. Only the padding changed: the same migration.
    fs::remove_file(dir.path().join("sql/V2__add_email.sql")).unwrap();
    let renamed = dir.path().join("sql/V2__add_email_address.sql");
    fs::write(&renamed, "ALTER TABLE users ADD COLUMN email text;\n").unwrap();
    let out = run_in(dir.path(), &["check", "--applied-ref", "HEAD"]);
    assert_eq!(out.code, 1, "{}{}", out.stdout, out.stderr);
    assert!(
        out.stdout.contains("sql/V2__add_email_address.sql:1:1: error[applied-migration-edited] Migration description mismatch for migration version 2: applied (in HEAD) as V2__add_email.sql, resolved locally \"add email address\""),
        "{}",
        out.stdout
    );
    fs::rename(&renamed, dir.path().join("sql/V002__add_email.sql")).unwrap();
    let out = run_in(dir.path(), &["check", "--applied-ref", "HEAD"]);
    assert!(
        !out.stdout.contains("applied-migration-edited"),
        "{}",
        out.stdout
    );
    // An unknown reference is a usage error.
    let out = run_in(dir.path(), &["check", "--applied-ref", "no-such-branch"]);
    assert_eq!(out.code, 3);
    assert!(out.stderr.contains("no-such-branch"), "{}", out.stderr);
}

#[test]
fn renames_are_never_offered_for_applied_migrations() {
    let dir = tempfile::tempdir().unwrap();
    let sql = dir.path().join("sql");
    fs::create_dir(&sql).unwrap();
    fs::write(
        dir.path().join("flyway.conf"),
        "flyway.locations=filesystem:sql\n",
    )
    .unwrap();
    fs::write(sql.join("V1__applied.sql"), "SELECT 1;\n").unwrap();
    fs::write(sql.join("V3__applied_too.sql"), "SELECT 1;\n").unwrap();
    let git = |args: &[&str]| {
        let status = std::process::Command::new("git")
            .arg("-C")
            .arg(dir.path())
            .args(args)
            .status()
            .unwrap();
        assert!(status.success(), "git {args:?}");
    };
    git(&["init", "-q"]);
    git(&["config", "user.email", "ci@example.com"]);
    git(&["config", "user.name", "ci"]);
    git(&["add", "."]);
    git(&["commit", "-q", "-m", "applied"]);
    // A new file takes version 1 again; it sorts before the applied one.
    fs::write(sql.join("V01__new.sql"), "SELECT 2;\n").unwrap();
    let out = run_in(
        dir.path(),
        &["check", "--format", "json", "--applied-ref", "HEAD"],
    );
    let json: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    let findings = |rule: &str| -> Vec<(String, String, serde_json::Value)> {
        json["diagnostics"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|d| d["rule"] == rule)
            .map(|d| {
                let path = d["path"].as_str().unwrap();
                let file = path.rsplit('/').next().unwrap().to_string();
                (
                    file,
                    d["message"].as_str().unwrap().to_string(),
                    d["fix"].clone(),
                )
            })
            .collect()
    };
    // The duplicate's rename goes to the file that is not applied, and says why.
    let duplicates = findings("duplicate-version");
    assert_eq!(duplicates.len(), 2, "{duplicates:?}");
    for (file, message, fix) in &duplicates {
        if file == "V1__applied.sql" {
            assert!(fix.is_null(), "{message}");
        } else {
            assert_eq!(file, "V01__new.sql");
            assert!(!fix.is_null(), "{message}");
            assert!(
                message
                    .contains("V1__applied.sql keeps the version: it is applied according to HEAD"),
                "{message}"
            );
        }
    }
    // The gap before the applied V3 is reported, but renaming V3 is not offered.
    let gaps = findings("version-gap");
    assert_eq!(gaps.len(), 1, "{gaps:?}");
    assert_eq!(gaps[0].0, "V3__applied_too.sql");
    assert!(gaps[0].2.is_null(), "{:?}", gaps[0]);
    assert!(gaps[0].1.contains("not offered as a fix"), "{}", gaps[0].1);
}
