//! Issue #12: `validate` and `info --url` agree with Flyway on the schema history. Each test runs
//! against real PostgreSQL and MariaDB history tables written with Flyway's DDL (see `db.rs`),
//! and cites the Flyway class whose behaviour it pins.

use flyway_lsp::sql::server::Flavor;

use super::db::{assert_has, folder, write, TestDb};
use super::run_in;

const FLAVORS: [Flavor; 2] = [Flavor::Postgres, Flavor::MariaDb];

/// `info --url --format json` as (version, type, state), in the order printed.
fn info_states(dir: &std::path::Path, db: &TestDb) -> Vec<(String, String, String)> {
    let r = run_in(dir, &["info", "sql", "--url", &db.url, "--format", "json"]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    let json: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    json["migration_sets"][0]["migrations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            (
                m["version"].as_str().unwrap_or("").to_string(),
                m["type"].as_str().unwrap().to_string(),
                m["state"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

fn triples(expected: &[(&str, &str, &str)]) -> Vec<(String, String, String)> {
    expected
        .iter()
        .map(|(v, t, s)| (v.to_string(), t.to_string(), s.to_string()))
        .collect()
}

/// Row 2: a database built from `B3__base.sql` has a SQL_BASELINE row. Flyway takes it as the
/// applied baseline (`MigrationInfoServiceImpl.getAppliedVersionedMigrations`): the row is
/// "Baseline", V1 and V2 "Below Baseline", V3 "Ignored (Baseline)" (`ResolvedMigration.getState`)
/// and nothing at the baseline version is compared (`MigrationInfoImpl.validate`), so an edited B3
/// passes.
#[test]
fn sql_baseline_row_is_the_applied_baseline() {
    for flavor in FLAVORS {
        let db = TestDb::create(flavor);
        db.create_history();
        let dir = folder();
        let sql = dir.path().join("sql");
        write(&sql, "V1__one.sql", "CREATE TABLE one (id int);\n");
        write(&sql, "V2__two.sql", "CREATE TABLE two (id int);\n");
        write(&sql, "V3__three.sql", "CREATE TABLE three (id int);\n");
        let b3 = write(
            &sql,
            "B3__base.sql",
            "CREATE TABLE one (id int);\nCREATE TABLE two (id int);\n-- edited since\n",
        );
        let c4 = write(&sql, "V4__four.sql", "CREATE TABLE four (id int);\n");
        db.history_row(
            1,
            Some("3"),
            "base",
            "SQL_BASELINE",
            "B3__base.sql",
            Some(b3 ^ 1),
            true,
        );
        db.history_row(2, Some("4"), "four", "SQL", "V4__four.sql", Some(c4), true);
        let r = run_in(dir.path(), &["validate", "sql", "--url", &db.url]);
        assert_eq!(r.code, 0, "{flavor:?}: {}{}", r.stdout, r.stderr);
        assert_has(&r.stdout, "Successfully validated 5 migrations");
        assert_eq!(
            info_states(dir.path(), &db),
            // `MigrationInfoImpl.compareTo`: below-baseline and baseline-ignored files before
            // the applied rows.
            triples(&[
                ("1", "SQL", "Below Baseline"),
                ("2", "SQL", "Below Baseline"),
                ("3", "SQL", "Ignored (Baseline)"),
                ("3", "SQL_BASELINE", "Baseline"),
                ("4", "SQL", "Success"),
            ]),
            "{flavor:?}"
        );
    }
}

/// Row 6: `versioned:pending` lets only versioned pending migrations pass; a repeatable's
/// pending and outdated errors stay (`ValidatePatternUtils.isPendingIgnored` needs `*:pending`
/// or both kinds).
#[test]
fn versioned_pending_pattern_leaves_repeatables_errors() {
    for flavor in FLAVORS {
        let db = TestDb::create(flavor);
        db.create_history();
        let dir = folder();
        let sql = dir.path().join("sql");
        let c1 = write(&sql, "V1__one.sql", "CREATE TABLE one (id int);\n");
        write(&sql, "V2__two.sql", "CREATE TABLE two (id int);\n");
        let old = write(&sql, "R__views.sql", "CREATE VIEW v AS SELECT 1 AS x;\n");
        write(&sql, "R__views.sql", "CREATE VIEW v AS SELECT 2 AS x;\n");
        db.history_row(1, Some("1"), "one", "SQL", "V1__one.sql", Some(c1), true);
        db.history_row(2, None, "views", "SQL", "R__views.sql", Some(old), true);
        let r = run_in(
            dir.path(),
            &[
                "validate",
                "sql",
                "--url",
                &db.url,
                "--set",
                "ignoreMigrationPatterns=versioned:pending",
            ],
        );
        assert_eq!(r.code, 1, "{flavor:?}: {}{}", r.stdout, r.stderr);
        assert_has(&r.stdout, "Detected outdated resolved repeatable migration that should be re-applied to database: views.\nRun migrate to execute this migration.\n");
        assert_has(
            &r.stdout,
            "Detected resolved repeatable migration not applied to database: views.",
        );
        assert!(
            !r.stdout.contains("database: 2."),
            "{flavor:?}: {}",
            r.stdout
        );
        let r = run_in(
            dir.path(),
            &[
                "validate",
                "sql",
                "--url",
                &db.url,
                "--set",
                "ignoreMigrationPatterns=versioned:pending,repeatable:pending",
            ],
        );
        assert_eq!(r.code, 0, "{flavor:?}: {}{}", r.stdout, r.stderr);
    }
}

/// Row 13: after `repair` marked V2 deleted (a DELETE row), the file put back is pending again
/// (`MigrationInfoServiceImpl.getPendingResolvedVersionedMigrations` skips deleted rows).
#[test]
fn a_file_put_back_after_a_delete_row_is_pending() {
    for flavor in FLAVORS {
        let db = TestDb::create(flavor);
        db.create_history();
        let dir = folder();
        let sql = dir.path().join("sql");
        let c1 = write(&sql, "V1__one.sql", "CREATE TABLE one (id int);\n");
        let c2 = write(&sql, "V2__two.sql", "CREATE TABLE two (id int);\n");
        db.history_row(1, Some("1"), "one", "SQL", "V1__one.sql", Some(c1), true);
        db.history_row(2, Some("2"), "two", "SQL", "V2__two.sql", Some(c2), true);
        db.history_row(3, Some("2"), "two", "DELETE", "V2__two.sql", Some(c2), true);
        let r = run_in(dir.path(), &["validate", "sql", "--url", &db.url]);
        assert_eq!(r.code, 1, "{flavor:?}: {}{}", r.stdout, r.stderr);
        assert_has(&r.stdout, "ERROR: Validate failed: Migrations have failed validation\nDetected resolved migration not applied to database: 2.\nTo fix this error, either run migrate, or set -ignoreMigrationPatterns='*:pending'.\n");
        assert_eq!(
            info_states(dir.path(), &db),
            triples(&[
                ("1", "SQL", "Success"),
                ("2", "SQL", "Deleted"),
                ("2", "SQL", "Pending"),
            ]),
            "{flavor:?}"
        );
    }
}

/// Row 17: a repeatable whose last run failed, file unchanged: only "Detected failed repeatable
/// migration" (`getPendingResolvedRepeatableMigrations` does not look at success).
#[test]
fn failed_repeatable_with_its_checksum_is_only_failed() {
    for flavor in FLAVORS {
        let db = TestDb::create(flavor);
        db.create_history();
        let dir = folder();
        let sql = dir.path().join("sql");
        let c = write(&sql, "R__views.sql", "CREATE VIEW v AS SELECT 1 AS x;\n");
        db.history_row(1, None, "views", "SQL", "R__views.sql", Some(c), false);
        let r = run_in(dir.path(), &["validate", "sql", "--url", &db.url]);
        assert_eq!(r.code, 1, "{flavor:?}: {}{}", r.stdout, r.stderr);
        assert_has(&r.stdout, "ERROR: Validate failed: Migrations have failed validation\nDetected failed repeatable migration: views.\nPlease remove any half-completed changes then run repair to fix the schema history.\nNeed more flexibility");
        assert!(
            !r.stdout.contains("not applied"),
            "{flavor:?}: {}",
            r.stdout
        );
    }
}

/// Row 18: a JDBC row and a SQL file of the same version are different migrations
/// (`MigrationInfoServiceImpl` keys both by (version, type)): the row is Future (passes under
/// the default `*:future`), the file Pending; no type mismatch.
#[test]
fn jdbc_row_and_sql_file_of_one_version_are_matched_by_type() {
    for flavor in FLAVORS {
        let db = TestDb::create(flavor);
        db.create_history();
        let dir = folder();
        let sql = dir.path().join("sql");
        let c1 = write(&sql, "V1__one.sql", "CREATE TABLE one (id int);\n");
        write(&sql, "V2__two.sql", "CREATE TABLE two (id int);\n");
        db.history_row(1, Some("1"), "one", "SQL", "V1__one.sql", Some(c1), true);
        db.history_row(
            2,
            Some("2"),
            "two",
            "JDBC",
            "db.migration.V2__two",
            None,
            true,
        );
        let r = run_in(dir.path(), &["validate", "sql", "--url", &db.url]);
        assert_eq!(r.code, 1, "{flavor:?}: {}{}", r.stdout, r.stderr);
        assert_has(&r.stdout, "ERROR: Validate failed: Migrations have failed validation\nDetected resolved migration not applied to database: 2.\n");
        assert!(!r.stdout.contains("TYPE_MISMATCH"), "{}", r.stdout);
        assert_eq!(
            info_states(dir.path(), &db),
            triples(&[
                ("1", "SQL", "Success"),
                ("2", "JDBC", "Future"),
                ("2", "SQL", "Pending"),
            ]),
            "{flavor:?}"
        );
    }
}

/// Row 21: `info` lists the applied rows before the unapplied files, an ignored one included
/// (`MigrationInfoImpl.compareTo`: installed before pending).
#[test]
fn info_lists_applied_rows_before_ignored_files() {
    for flavor in FLAVORS {
        let db = TestDb::create(flavor);
        db.create_history();
        let dir = folder();
        let sql = dir.path().join("sql");
        write(&sql, "V1__one.sql", "CREATE TABLE one (id int);\n");
        let c2 = write(&sql, "V2__two.sql", "CREATE TABLE two (id int);\n");
        write(&sql, "V3__three.sql", "CREATE TABLE three (id int);\n");
        db.history_row(1, Some("2"), "two", "SQL", "V2__two.sql", Some(c2), true);
        assert_eq!(
            info_states(dir.path(), &db),
            triples(&[
                ("2", "SQL", "Success"),
                ("1", "SQL", "Ignored"),
                ("3", "SQL", "Pending"),
            ]),
            "{flavor:?}"
        );
    }
}

/// Row 24: `FlywayValidateException` prints every error's whole message, so each error's hint
/// line repeats; a schema that does not exist is `DbValidate`'s only error, `Schema "x" doesn't
/// exist yet` (quoted as the database quotes names), unless pending migrations may pass.
#[test]
fn validate_text_repeats_hints_and_names_a_missing_schema() {
    for flavor in FLAVORS {
        let db = TestDb::create(flavor);
        let dir = folder();
        let sql = dir.path().join("sql");
        write(&sql, "V1__one.sql", "CREATE TABLE one (id int);\n");
        write(&sql, "V2__two.sql", "CREATE TABLE two (id int);\n");
        let hint =
            "To fix this error, either run migrate, or set -ignoreMigrationPatterns='*:pending'.";
        let r = run_in(dir.path(), &["validate", "sql", "--url", &db.url]);
        assert_eq!(r.code, 1, "{flavor:?}: {}{}", r.stdout, r.stderr);
        assert_has(
            &r.stdout,
            &format!("ERROR: Validate failed: Migrations have failed validation\nDetected resolved migration not applied to database: 1.\n{hint}\nDetected resolved migration not applied to database: 2.\n{hint}\nNeed more flexibility with validation rules? Learn more: https://rd.gt/3AbJUZE\n"),
        );

        let missing = format!("{}_missing", db.name);
        std::fs::write(
            dir.path().join("flyway.toml"),
            format!(
                "[flyway]\nlocations = [\"filesystem:sql\"]\n\n[environments.default]\nurl = \"{}\"\nschemas = [\"{missing}\"]\n",
                db.url
            ),
        )
        .unwrap();
        let quoted = match flavor {
            Flavor::Postgres => format!("\"{missing}\""),
            _ => format!("`{missing}`"),
        };
        let r = run_in(dir.path(), &["validate"]);
        assert_eq!(r.code, 1, "{flavor:?}: {}{}", r.stdout, r.stderr);
        assert_has(
            &r.stdout,
            &format!("ERROR: Validate failed: Schema {quoted} doesn't exist yet\n\nNeed more flexibility with validation rules? Learn more: https://rd.gt/3AbJUZE\n"),
        );
        assert!(!r.stdout.contains("not applied"), "{}", r.stdout);
        let r = run_in(
            dir.path(),
            &["validate", "--set", "ignoreMigrationPatterns=*:pending"],
        );
        assert_eq!(r.code, 0, "{flavor:?}: {}{}", r.stdout, r.stderr);
    }
}

/// Row 12: two files of one version make Flyway refuse the folder while resolving
/// (`CompositeMigrationResolver.checkForIncompatibilities`), with the two physical locations
/// and types; no checksum is compared.
#[test]
fn duplicate_versions_fail_as_flywayss_resolver_does() {
    for flavor in FLAVORS {
        let db = TestDb::create(flavor);
        db.create_history();
        let dir = folder();
        let sql = dir.path().join("sql");
        let c1 = write(&sql, "V1__one.sql", "CREATE TABLE one (id int);\n");
        write(&sql, "V1__uno.sql", "CREATE TABLE uno (id int);\n");
        db.history_row(1, Some("1"), "one", "SQL", "V1__one.sql", Some(c1), true);
        let r = run_in(dir.path(), &["validate", "sql", "--url", &db.url]);
        assert_eq!(r.code, 1, "{flavor:?}: {}{}", r.stdout, r.stderr);
        let sql = std::fs::canonicalize(&sql).unwrap();
        assert_has(
            &r.stdout,
            &format!(
                "ERROR: Found more than one migration with version 1\nOffenders:\n-> {} (SQL)\n-> {} (SQL)\n",
                sql.join("V1__one.sql").display(),
                sql.join("V1__uno.sql").display()
            ),
        );
        assert!(!r.stdout.contains("mismatch"), "{}", r.stdout);
        // Flyway's info resolves first too: it fails the same way.
        let r = run_in(dir.path(), &["info", "sql", "--url", &db.url]);
        assert_eq!(r.code, 1, "{flavor:?}: {}{}", r.stdout, r.stderr);
        assert_has(
            &r.stdout,
            "ERROR: Found more than one migration with version 1\nOffenders:\n",
        );
    }
}

/// Row 11: `target=2` is passed to validate: V3 is "Above Target" and no error
/// (`ResolvedMigration.getState`, `MigrationInfoImpl.validate`); a target no migration has fails
/// (`MigrationInfoServiceImpl.validateTarget`) unless it ends in `?`.
#[test]
fn target_leaves_later_migrations_above_it() {
    for flavor in FLAVORS {
        let db = TestDb::create(flavor);
        db.create_history();
        let dir = folder();
        let sql = dir.path().join("sql");
        let c1 = write(&sql, "V1__one.sql", "CREATE TABLE one (id int);\n");
        let c2 = write(&sql, "V2__two.sql", "CREATE TABLE two (id int);\n");
        write(&sql, "V3__three.sql", "CREATE TABLE three (id int);\n");
        db.history_row(1, Some("1"), "one", "SQL", "V1__one.sql", Some(c1), true);
        db.history_row(2, Some("2"), "two", "SQL", "V2__two.sql", Some(c2), true);
        let validate = |target: &str| {
            run_in(
                dir.path(),
                &[
                    "validate",
                    "sql",
                    "--url",
                    &db.url,
                    "--set",
                    &format!("target={target}"),
                ],
            )
        };
        let r = validate("2");
        assert_eq!(r.code, 0, "{flavor:?}: {}{}", r.stdout, r.stderr);
        let r = run_in(
            dir.path(),
            &[
                "info", "sql", "--url", &db.url, "--set", "target=2", "--format", "json",
            ],
        );
        assert_has(&r.stdout, "\"state\": \"Above Target\"");
        // Without a target V3 is pending.
        let r = validate("latest");
        assert_eq!(r.code, 1, "{flavor:?}: {}{}", r.stdout, r.stderr);
        assert_has(
            &r.stdout,
            "Detected resolved migration not applied to database: 3.",
        );
        let r = validate("7");
        assert_eq!(r.code, 1, "{flavor:?}: {}{}", r.stdout, r.stderr);
        assert_has(&r.stdout, "ERROR: No migration with a target version 7 could be found. Ensure target is specified correctly and the migration exists.\n");
        let r = validate("7?");
        assert_has(
            &r.stdout,
            "Detected resolved migration not applied to database: 3.",
        );
    }
}

/// Row 1: Flyway's scanner compares the suffix without regard to case
/// (`StringUtils.startsAndEndsWith`: `toUpperCase().endsWith`), so `V2__two.SQL` is version 2: an
/// applied row of it matches it, and unapplied it is pending.
#[test]
fn a_suffix_in_another_case_is_a_migration() {
    for flavor in FLAVORS {
        let db = TestDb::create(flavor);
        db.create_history();
        let dir = folder();
        let sql = dir.path().join("sql");
        let c1 = write(&sql, "V1__one.sql", "CREATE TABLE one (id int);\n");
        let c2 = write(&sql, "V2__two.SQL", "CREATE TABLE two (id int);\n");
        write(&sql, "V3__three.Sql", "CREATE TABLE three (id int);\n");
        db.history_row(1, Some("1"), "one", "SQL", "V1__one.sql", Some(c1), true);
        db.history_row(2, Some("2"), "two", "SQL", "V2__two.SQL", Some(c2), true);
        assert_eq!(
            info_states(dir.path(), &db),
            triples(&[
                ("1", "SQL", "Success"),
                ("2", "SQL", "Success"),
                ("3", "SQL", "Pending"),
            ]),
            "{flavor:?}"
        );
        let r = run_in(dir.path(), &["validate", "sql", "--url", &db.url]);
        assert_eq!(r.code, 1, "{flavor:?}: {}{}", r.stdout, r.stderr);
        assert_has(
            &r.stdout,
            "Detected resolved migration not applied to database: 3",
        );
    }
}

/// Row 3: `MigrationVersion` splits a version only at a dot followed by a digit, so `1.`, `1.2.`
/// and `1.-2` are no versions: `ResourceNameParser` rejects the names and Flyway skips the files
/// (no pending error, not in `info`).
#[test]
fn versions_with_a_dot_before_no_digit_are_skipped_files() {
    for flavor in FLAVORS {
        let db = TestDb::create(flavor);
        db.create_history();
        let dir = folder();
        let sql = dir.path().join("sql");
        let c1 = write(&sql, "V1__one.sql", "CREATE TABLE one (id int);\n");
        write(&sql, "V1.__x.sql", "CREATE TABLE x (id int);\n");
        write(&sql, "V1.2.__y.sql", "CREATE TABLE y (id int);\n");
        write(&sql, "V1.-2__z.sql", "CREATE TABLE z (id int);\n");
        db.history_row(1, Some("1"), "one", "SQL", "V1__one.sql", Some(c1), true);
        let r = run_in(dir.path(), &["validate", "sql", "--url", &db.url]);
        assert_eq!(r.code, 0, "{flavor:?}: {}{}", r.stdout, r.stderr);
        assert_eq!(
            info_states(dir.path(), &db),
            triples(&[("1", "SQL", "Success")]),
            "{flavor:?}"
        );
        let r = run_in(dir.path(), &["check", "sql"]);
        for (name, version) in [
            ("V1.__x.sql", "1."),
            ("V1.2.__y.sql", "1.2."),
            ("V1.-2__z.sql", "1.-2"),
        ] {
            assert_has(
                &r.stdout,
                &format!("error[invalid-version] Invalid versioned migration name format: {name} (could not recognise version number {version})"),
            );
        }
    }
}

/// Row 25: `MigrationVersion.fromVersion` reads `current` / `next` / `latest` as its special
/// versions and every part with `BigInteger`, which takes any Unicode decimal digit: the file
/// `V٢__two.sql` is version 2 and matches the applied row "2"; `Vlatest__last.sql` is a valid,
/// pending migration.
#[test]
fn special_versions_and_unicode_digits_are_versions() {
    for flavor in FLAVORS {
        let db = TestDb::create(flavor);
        db.create_history();
        let dir = folder();
        let sql = dir.path().join("sql");
        let c1 = write(&sql, "V1__one.sql", "CREATE TABLE one (id int);\n");
        let c2 = write(&sql, "V\u{662}__two.sql", "CREATE TABLE two (id int);\n");
        write(&sql, "Vlatest__last.sql", "CREATE TABLE last (id int);\n");
        db.history_row(1, Some("1"), "one", "SQL", "V1__one.sql", Some(c1), true);
        db.history_row(
            2,
            Some("2"),
            "two",
            "SQL",
            "V\u{662}__two.sql",
            Some(c2),
            true,
        );
        let r = run_in(dir.path(), &["validate", "sql", "--url", &db.url]);
        assert_eq!(r.code, 1, "{flavor:?}: {}{}", r.stdout, r.stderr);
        assert_has(
            &r.stdout,
            "Detected resolved migration not applied to database: << Latest Version >>.",
        );
        assert!(!r.stdout.contains("version 2"), "{flavor:?}: {}", r.stdout);
        assert_eq!(
            info_states(dir.path(), &db),
            triples(&[
                ("1", "SQL", "Success"),
                ("2", "SQL", "Success"),
                ("<< Latest Version >>", "SQL", "Pending"),
            ]),
            "{flavor:?}"
        );
    }
}

/// `flyway.toml` with the database and placeholder settings for the `sql` folder.
fn placeholder_config(dir: &std::path::Path, url: &str, extra: &str) {
    std::fs::write(
        dir.join("flyway.toml"),
        format!(
            "[flyway]\nlocations = [\"filesystem:sql\"]\n{extra}\n[flyway.placeholders]\nowner = \"app\"\n\n[environments.default]\nurl = \"{url}\"\n"
        ),
    )
    .unwrap();
}

/// Row 20: placeholders as `PlaceholderReplacingReader` replaces them: `$${owner}` is not a
/// placeholder (the second `$` was read ahead and passed on), `${flyway:workingDirectory}` is one
/// of `ParsingContext`'s built-ins, and a name without a value fails the command with Flyway's
/// message. A repeatable's checksum is over the replaced text, so the history rows below hold the
/// checksum of the text as Flyway replaced it.
#[test]
fn placeholders_replaced_as_placeholder_replacing_reader_does() {
    for flavor in FLAVORS {
        let db = TestDb::create(flavor);
        db.create_history();
        let dir = folder();
        let sql = dir.path().join("sql");
        placeholder_config(dir.path(), &db.url, "");
        write(
            &sql,
            "R__grants.sql",
            "-- $${owner} stays; ${owner} does not\nSELECT '${owner}', '${flyway:workingDirectory}';\n",
        );
        let cwd = std::fs::canonicalize(dir.path()).unwrap();
        let replaced = format!(
            "-- $${{owner}} stays; app does not\nSELECT 'app', '{}';\n",
            cwd.display()
        );
        let c = flyway_lsp::checksum::checksum_text(&replaced);
        db.history_row(1, None, "grants", "SQL", "R__grants.sql", Some(c), true);
        let r = run_in(dir.path(), &["validate"]);
        assert_eq!(r.code, 0, "{flavor:?}: {}{}", r.stdout, r.stderr);

        write(&sql, "R__nope.sql", "SELECT '${nope}';\n");
        let r = run_in(dir.path(), &["validate"]);
        assert_eq!(r.code, 1, "{flavor:?}: {}{}", r.stdout, r.stderr);
        assert_has(
            &r.stderr,
            "R__nope.sql: No value provided for placeholder: ${nope}.  Check your configuration!",
        );
    }
}

/// Row 10: `placeholderPrefix` / `placeholderSuffix` are the ones `PlaceholderReplacingReader`
/// looks for; `${owner}` is then plain text.
#[test]
fn placeholder_prefix_and_suffix_are_used() {
    for flavor in FLAVORS {
        let db = TestDb::create(flavor);
        db.create_history();
        let dir = folder();
        let sql = dir.path().join("sql");
        placeholder_config(
            dir.path(),
            &db.url,
            "placeholderPrefix = \"#[\"\nplaceholderSuffix = \"]]\"\n",
        );
        write(&sql, "R__grants.sql", "SELECT '#[owner]]', '${owner}';\n");
        let c = flyway_lsp::checksum::checksum_text("SELECT 'app', '${owner}';\n");
        db.history_row(1, None, "grants", "SQL", "R__grants.sql", Some(c), true);
        let r = run_in(dir.path(), &["validate"]);
        assert_eq!(r.code, 0, "{flavor:?}: {}{}", r.stdout, r.stderr);
        let states = info_states_configured(dir.path(), &db.url);
        assert_eq!(states, triples(&[("", "SQL", "Success")]), "{flavor:?}");
    }
}

/// A script's own `.sql.conf` with `placeholderReplacement=false` (`SqlScriptMetadata`, used by
/// `SqlMigrationResolver` for the checksum of a repeatable): Flyway checksums and runs its raw
/// text, so `${nope}` without a value is no failure there, and the raw checksum matches.
#[test]
fn a_scripts_own_placeholder_replacement_setting_wins() {
    for flavor in FLAVORS {
        let db = TestDb::create(flavor);
        db.create_history();
        let dir = folder();
        let sql = dir.path().join("sql");
        placeholder_config(dir.path(), &db.url, "");
        let raw = "SELECT '${nope}', '${owner}';\n";
        write(&sql, "R__raw.sql", raw);
        write(&sql, "R__raw.sql.conf", "placeholderReplacement=false\n");
        let c = flyway_lsp::checksum::checksum_text(raw);
        db.history_row(1, None, "raw", "SQL", "R__raw.sql", Some(c), true);
        let r = run_in(dir.path(), &["validate"]);
        assert_eq!(r.code, 0, "{flavor:?}: {}{}", r.stdout, r.stderr);
        let states = info_states_configured(dir.path(), &db.url);
        assert_eq!(states, triples(&[("", "SQL", "Success")]), "{flavor:?}");
        // Turned back on by the script's file: replaced again, and `${nope}` has no value.
        write(&sql, "R__raw.sql.conf", "placeholderReplacement=TRUE\n");
        let r = run_in(dir.path(), &["validate"]);
        assert_eq!(r.code, 1, "{flavor:?}: {}{}", r.stdout, r.stderr);
        assert_has(&r.stderr, "No value provided for placeholder: ${nope}");
    }
}

/// `info --url --format json` of the configured project as (version, type, state).
fn info_states_configured(dir: &std::path::Path, url: &str) -> Vec<(String, String, String)> {
    let r = run_in(dir, &["info", "--url", url, "--format", "json"]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    let json: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    json["migration_sets"][0]["migrations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            (
                m["version"].as_str().unwrap_or("").to_string(),
                m["type"].as_str().unwrap().to_string(),
                m["state"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

/// Row 22: offline `info` gives a repeatable the checksum Flyway's `SqlMigrationResolver` gives
/// it, over the placeholder-replaced text; a placeholder with no value offline is named.
#[test]
fn offline_info_checksums_repeatables_over_replaced_text() {
    let dir = folder();
    let sql = dir.path().join("sql");
    std::fs::write(
        dir.path().join("flyway.toml"),
        "[flyway]\nlocations = [\"filesystem:sql\"]\n\n[flyway.placeholders]\nowner = \"app\"\n",
    )
    .unwrap();
    write(&sql, "V1__t.sql", "GRANT SELECT ON t TO ${owner};\n");
    write(&sql, "R__g.sql", "GRANT SELECT ON v TO ${owner};\n");
    let r = run_in(dir.path(), &["info", "--format", "json"]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    let json: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    let rows = json["migration_sets"][0]["migrations"].as_array().unwrap();
    let checksum = |script: &str| {
        rows.iter().find(|m| m["script"] == script).unwrap()["checksum"]
            .as_i64()
            .unwrap()
    };
    // Versioned: the raw text.
    assert_eq!(
        checksum("V1__t.sql"),
        i64::from(flyway_lsp::checksum::checksum_text(
            "GRANT SELECT ON t TO ${owner};\n"
        ))
    );
    assert_eq!(
        checksum("R__g.sql"),
        i64::from(flyway_lsp::checksum::checksum_text(
            "GRANT SELECT ON v TO app;\n"
        ))
    );

    write(&sql, "R__u.sql", "GRANT SELECT ON v TO ${flyway:user};\n");
    let r = run_in(dir.path(), &["info", "--format", "json"]);
    let json: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    let row = json["migration_sets"][0]["migrations"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["script"] == "R__u.sql")
        .unwrap()
        .clone();
    assert!(row["checksum"].is_null(), "{row}");
    assert_eq!(
        row["checksum_error"],
        "Failed to populate value for default placeholder: ${flyway:user}"
    );
    let r = run_in(dir.path(), &["info"]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    assert_has(
        &r.stdout,
        "R__u.sql: checksum unresolved: Failed to populate value for default placeholder: ${flyway:user}",
    );
}

/// Rows 9 and 15: with a TOML file present Flyway's command line reads the TOML files only
/// (`ConfigurationManagerImpl`), `flyway.user.toml` after `flyway.toml`
/// (`ConfigUtils.getDefaultTomlConfigFileLocations`).
#[test]
fn toml_configuration_replaces_conf_and_user_toml_overrides_it() {
    let dir = folder();
    for name in ["from_conf", "from_toml", "from_user"] {
        std::fs::create_dir(dir.path().join(name)).unwrap();
        write(&dir.path().join(name), "V1__a.sql", "SELECT 1;\n");
    }
    let locations = |dir: &std::path::Path| {
        let r = run_in(dir, &["info", "--format", "json"]);
        assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
        let json: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
        (
            json["migration_sets"][0]["locations"].clone(),
            json["migration_sets"][0]["migrations"]
                .as_array()
                .unwrap()
                .len(),
        )
    };
    std::fs::write(
        dir.path().join("flyway.conf"),
        "flyway.locations=filesystem:from_conf\nflyway.sqlMigrationPrefix=M\n",
    )
    .unwrap();
    // `M` is the prefix: V1__a.sql is not a migration.
    assert_eq!(locations(dir.path()), (serde_json::json!(["from_conf"]), 0));
    std::fs::write(
        dir.path().join("flyway.toml"),
        "[flyway]\nlocations = [\"filesystem:from_toml\"]\n",
    )
    .unwrap();
    // flyway.conf is not read at all: the prefix is `V` again.
    assert_eq!(locations(dir.path()), (serde_json::json!(["from_toml"]), 1));
    std::fs::write(
        dir.path().join("flyway.user.toml"),
        "[flyway]\nlocations = [\"filesystem:from_user\"]\n",
    )
    .unwrap();
    assert_eq!(locations(dir.path()), (serde_json::json!(["from_user"]), 1));
}

/// Row 7: `V1__x.sql.conf` with `encoding=ISO-8859-1`: Flyway's `FileSystemScanner` reads the
/// script in its metadata's encoding, so the Latin-1 bytes are text, not invalid UTF-8, and the
/// checksum is over the decoded text.
#[test]
fn script_conf_encoding_decodes_the_script() {
    let dir = folder();
    let sql = dir.path().join("sql");
    std::fs::write(
        sql.join("V1__x.sql"),
        b"INSERT INTO t VALUES ('caf\xe9');\n",
    )
    .unwrap();
    let info = |dir: &std::path::Path| {
        let r = run_in(dir, &["info", "sql", "--format", "json"]);
        assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
        let json: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
        json["migration_sets"][0]["migrations"][0]["checksum"].clone()
    };
    // Without the script's own encoding the bytes are invalid UTF-8.
    assert!(info(dir.path()).is_null());
    let r = run_in(dir.path(), &["check", "sql"]);
    assert_has(&r.stdout, "invalid-encoding");

    std::fs::write(sql.join("V1__x.sql.conf"), "encoding=ISO-8859-1\n").unwrap();
    assert_eq!(
        info(dir.path()),
        serde_json::json!(flyway_lsp::checksum::checksum_text(
            "INSERT INTO t VALUES ('café');\n"
        ))
    );
    let r = run_in(dir.path(), &["check", "sql"]);
    assert!(!r.stdout.contains("invalid-encoding"), "{}", r.stdout);
}

/// Row 8: `executeInTransaction=false` in `V1__x.sql.conf` lifts Flyway's refusal of a script
/// mixing CONCURRENTLY with other statements (`ParserSqlScript`): a warning, not an error.
#[test]
fn execute_in_transaction_false_accepts_a_mixed_script_with_a_warning() {
    let dir = folder();
    let sql = dir.path().join("sql");
    std::fs::write(
        dir.path().join("flyway-lsp.toml"),
        "dialect = \"postgres\"\n",
    )
    .unwrap();
    write(&sql, "V1__t.sql", "CREATE TABLE t (a int);\n");
    write(
        &sql,
        "V2__i.sql",
        "SET lock_timeout = '1s';\nCREATE INDEX CONCURRENTLY i ON t (a);\n",
    );
    let r = run_in(dir.path(), &["check", "sql"]);
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    assert_has(&r.stdout, "error[concurrently-in-transaction]");
    std::fs::write(sql.join("V2__i.sql.conf"), "executeInTransaction=false\n").unwrap();
    let r = run_in(dir.path(), &["check", "sql"]);
    assert_eq!(r.code, 2, "{}{}", r.stdout, r.stderr);
    assert_has(
        &r.stdout,
        "warning[concurrently-in-transaction] CREATE INDEX CONCURRENTLY is mixed with transactional statements under executeInTransaction=false: Flyway accepts it",
    );
}

/// Row 5: with `validateMigrationNaming=true` an invalid SQL file name fails every command
/// before anything else (`ScannerUtils.validateMigrationNaming`, run by `FlywayExecutor`), with
/// each name's validity message (`ResourceNameParser`).
#[test]
fn validate_migration_naming_fails_every_command_first() {
    for flavor in FLAVORS {
        let db = TestDb::create(flavor);
        let dir = folder();
        let sql = dir.path().join("sql");
        write(&sql, "V1__ok.sql", "CREATE TABLE ok (id int);\n");
        write(&sql, "V2_bad.sql", "CREATE TABLE bad (id int);\n");
        write(&sql, "notes.sql", "SELECT 1;\n");
        std::fs::write(
            dir.path().join("flyway.toml"),
            format!(
                "[flyway]\nlocations = [\"filesystem:sql\"]\nvalidateMigrationNaming = true\n\n[environments.default]\nurl = \"{}\"\n",
                db.url
            ),
        )
        .unwrap();
        // In path order (`V` sorts before `n`).
        let expected = "ERROR: Invalid SQL filenames found:\nInvalid versioned migration name format: V2_bad.sql (could not recognise version number 2_bad)\nUnrecognised migration name format: notes.sql\n";
        for args in [&["validate"][..], &["info"][..], &["info", "--connect"][..]] {
            let r = run_in(dir.path(), args);
            assert_eq!(r.code, 1, "{flavor:?} {args:?}: {}{}", r.stdout, r.stderr);
            assert_eq!(r.stdout, expected, "{flavor:?} {args:?}");
        }
        // Without the setting the names are skipped, as Flyway does.
        let r = run_in(
            dir.path(),
            &["validate", "--set", "validateMigrationNaming=false"],
        );
        assert!(!r.stdout.contains("Invalid SQL filenames"), "{}", r.stdout);
    }
}

/// Java and Kotlin migrations are resolved as Flyway's class-path scanner resolves them: type
/// JDBC, the fully qualified class name as the script, and the checksum the class decides
/// (`JavaMigration.getChecksum()`, null unless overridden: not readable from the folder, so never
/// claimed to mismatch). An applied Java migration is therefore no "applied migration not
/// resolved locally", and a pending one is pending.
#[test]
fn java_migrations_are_resolved_as_jdbc() {
    for flavor in FLAVORS {
        let db = TestDb::create(flavor);
        db.create_history();
        let dir = folder();
        let res = dir.path().join("src/main/resources/db/migration");
        let java = dir.path().join("src/main/java/db/migration");
        std::fs::create_dir_all(&res).unwrap();
        std::fs::create_dir_all(&java).unwrap();
        let c1 = write(&res, "V1__one.sql", "CREATE TABLE one (id int);\n");
        write(
            &java,
            "V2__Backfill_one.java",
            "package db.migration;\npublic class V2__Backfill_one extends BaseJavaMigration {}\n",
        );
        write(
            &java,
            "V3__Later.java",
            "package db.migration;\npublic class V3__Later extends BaseJavaMigration {}\n",
        );
        std::fs::write(
            dir.path().join("flyway.conf"),
            "flyway.locations=classpath:db/migration\n",
        )
        .unwrap();
        db.history_row(1, Some("1"), "one", "SQL", "V1__one.sql", Some(c1), true);
        // A class that overrides getChecksum() wrote one: still no mismatch is claimed.
        db.history_row(
            2,
            Some("2"),
            "Backfill one",
            "JDBC",
            "db.migration.V2__Backfill_one",
            Some(12345),
            true,
        );
        let r = run_in(dir.path(), &["validate", "--url", &db.url]);
        assert_eq!(r.code, 1, "{flavor:?}: {}{}", r.stdout, r.stderr);
        assert!(
            !r.stdout.contains("not resolved locally") && !r.stdout.contains("checksum"),
            "{flavor:?}: {}",
            r.stdout
        );
        assert_has(
            &r.stdout,
            "Detected resolved migration not applied to database: 3.",
        );
        assert_eq!(
            info_states_configured(dir.path(), &db.url),
            triples(&[
                ("1", "SQL", "Success"),
                ("2", "JDBC", "Success"),
                ("3", "JDBC", "Pending"),
            ]),
            "{flavor:?}"
        );
        // The dry-run cannot run Java code: it says so instead of skipping it silently.
        let tmp = crate::dry_run_safety::private_tmp();
        let r = crate::run_with_env(
            dir.path(),
            &["dry-run", "--url", &db.url],
            &[("TMPDIR", tmp.path().to_str().unwrap())],
        );
        assert_has(
            &r.stdout,
            "db.migration.V3__Later: a Java or Kotlin migration, not dry-run",
        );
    }
}

/// Row 19: an `UNDO_SQL` row. Teams (`[flyway-lsp] edition = "teams"`): the V row it took back
/// is "Undone" and the file pending again, the undo row is matched with its U file, an unapplied
/// U file ("Available") is not listed (`MigrationInfoImpl`, `CommandResultFactory`).
/// Community: `CoreMigrationType` has no `UNDO_SQL`, so reading the history throws
/// (`BaseAppliedMigration` → `CoreMigrationType.fromString`) and `Main` prints the exception:
/// `validate` and `info` both fail.
#[test]
fn undo_rows_are_undone_in_teams_and_unreadable_in_community() {
    for flavor in FLAVORS {
        let db = TestDb::create(flavor);
        db.create_history();
        let dir = folder();
        let sql = dir.path().join("sql");
        let c1 = write(&sql, "V1__one.sql", "CREATE TABLE one (id int);\n");
        let c2 = write(&sql, "V2__two.sql", "CREATE TABLE two (id int);\n");
        write(&sql, "U1__one.sql", "DROP TABLE one;\n");
        let u2 = write(&sql, "U2__two.sql", "DROP TABLE two;\n");
        db.history_row(1, Some("1"), "one", "SQL", "V1__one.sql", Some(c1), true);
        db.history_row(2, Some("2"), "two", "SQL", "V2__two.sql", Some(c2), true);
        db.history_row(
            3,
            Some("2"),
            "two",
            "UNDO_SQL",
            "U2__two.sql",
            Some(u2),
            true,
        );

        // Community.
        std::fs::write(
            dir.path().join("flyway-lsp.toml"),
            "edition = \"community\"\n",
        )
        .unwrap();
        let unreadable = "ERROR: java.lang.IllegalArgumentException: No enum constant org.flywaydb.core.api.CoreMigrationType.UNDO_SQL\n";
        let r = run_in(dir.path(), &["validate", "sql", "--url", &db.url]);
        assert_eq!(r.code, 1, "{flavor:?}: {}{}", r.stdout, r.stderr);
        assert_has(&r.stdout, unreadable);
        let r = run_in(dir.path(), &["info", "sql", "--url", &db.url]);
        assert_eq!(r.code, 1, "{flavor:?}: {}{}", r.stdout, r.stderr);
        assert_has(&r.stdout, unreadable);

        // Teams (the default).
        std::fs::remove_file(dir.path().join("flyway-lsp.toml")).unwrap();
        let r = run_in(dir.path(), &["validate", "sql", "--url", &db.url]);
        assert_eq!(r.code, 1, "{flavor:?}: {}{}", r.stdout, r.stderr);
        assert_has(&r.stdout, "ERROR: Validate failed: Migrations have failed validation\nDetected resolved migration not applied to database: 2.\nTo fix this error, either run migrate, or set -ignoreMigrationPatterns='*:pending'.\nNeed more flexibility");
        assert!(!r.stdout.contains("mismatch"), "{flavor:?}: {}", r.stdout);
        assert_eq!(
            info_states(dir.path(), &db),
            triples(&[
                ("1", "SQL", "Success"),
                ("2", "SQL", "Undone"),
                ("2", "UNDO_SQL", "Success"),
                ("2", "SQL", "Pending"),
            ]),
            "{flavor:?}"
        );
        // Flyway's categories (`CommandResultFactory.getCategory`): "Undo" for the undo row.
        let r = run_in(
            dir.path(),
            &["info", "sql", "--url", &db.url, "--format", "json"],
        );
        let json: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
        let categories: Vec<&str> = json["migration_sets"][0]["migrations"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["category"].as_str().unwrap())
            .collect();
        assert_eq!(
            categories,
            ["Versioned", "Versioned", "Undo", "Versioned"],
            "{flavor:?}"
        );
        // Migrated again: nothing to report.
        db.history_row(4, Some("2"), "two", "SQL", "V2__two.sql", Some(c2), true);
        let r = run_in(dir.path(), &["validate", "sql", "--url", &db.url]);
        assert_eq!(r.code, 0, "{flavor:?}: {}{}", r.stdout, r.stderr);
    }
}

/// Row 23: two SQL callbacks of one name in two locations stop `validate` and `info` before
/// anything else (`SqlScriptCallbackFactory`, built by `FlywayExecutor` for every command):
/// "Found more than 1 SQL callback script called afterMigrate!" and both paths.
#[test]
fn duplicate_sql_callbacks_stop_validate_and_info() {
    for flavor in FLAVORS {
        let db = TestDb::create(flavor);
        db.create_history();
        let dir = folder();
        let a = dir.path().join("sql");
        let b = dir.path().join("more");
        std::fs::create_dir(&b).unwrap();
        std::fs::write(
            dir.path().join("flyway.toml"),
            format!(
                "[flyway]\nlocations = [\"filesystem:sql\", \"filesystem:more\"]\n\n[environments.default]\nurl = \"{}\"\n",
                db.url
            ),
        )
        .unwrap();
        let c1 = write(&a, "V1__one.sql", "CREATE TABLE one (id int);\n");
        write(&a, "afterMigrate.sql", "SELECT 1;\n");
        write(&b, "afterMigrate.sql", "SELECT 2;\n");
        db.history_row(1, Some("1"), "one", "SQL", "V1__one.sql", Some(c1), true);
        let (a, b) = (
            std::fs::canonicalize(&a).unwrap(),
            std::fs::canonicalize(&b).unwrap(),
        );
        let (first, second) = {
            let (x, y) = (b.join("afterMigrate.sql"), a.join("afterMigrate.sql"));
            if x < y {
                (x, y)
            } else {
                (y, x)
            }
        };
        let expected = format!(
            "ERROR: Found more than 1 SQL callback script called afterMigrate!\nOffenders:\n-> {}\n-> {}\n",
            first.display(),
            second.display()
        );
        let r = run_in(dir.path(), &["validate"]);
        assert_eq!(r.code, 1, "{flavor:?}: {}{}", r.stdout, r.stderr);
        assert_has(&r.stdout, &expected);
        let r = run_in(dir.path(), &["info", "--url", &db.url]);
        assert_eq!(r.code, 1, "{flavor:?}: {}{}", r.stdout, r.stderr);
        assert_has(&r.stdout, &expected);
    }
}

/// Found by the differential test (`differential.rs`): two DELETE rows for one applied row
/// make Flyway's `markAsDeleted` stop ("Corrupted schema history: multiple delete entries for
/// version 2"), and `target=current` with nothing applied is `EMPTY`, below every version, so
/// every file is "Above Target" and nothing is pending (`MigrationInfoServiceImpl.refresh`).
#[test]
fn double_delete_rows_and_target_current_on_an_empty_history() {
    for flavor in FLAVORS {
        let db = TestDb::create(flavor);
        db.create_history();
        let dir = folder();
        let sql = dir.path().join("sql");
        write(&sql, "V1__one.sql", "CREATE TABLE one (id int);\n");
        write(&sql, "V2__two.sql", "CREATE TABLE two (id int);\n");
        let r = run_in(
            dir.path(),
            &[
                "validate",
                "sql",
                "--url",
                &db.url,
                "--set",
                "target=current",
            ],
        );
        assert_eq!(r.code, 0, "{flavor:?}: {}{}", r.stdout, r.stderr);
        let c2 = flyway_lsp::checksum::checksum_text("CREATE TABLE two (id int);\n");
        db.history_row(1, Some("2"), "two", "SQL", "V2__two.sql", Some(c2), true);
        db.history_row(2, Some("2"), "two", "DELETE", "V2__two.sql", Some(c2), true);
        db.history_row(3, Some("2"), "two", "DELETE", "V2__two.sql", Some(c2), true);
        let r = run_in(dir.path(), &["validate", "sql", "--url", &db.url]);
        assert_eq!(r.code, 1, "{flavor:?}: {}{}", r.stdout, r.stderr);
        assert_has(
            &r.stdout,
            "ERROR: Corrupted schema history: multiple delete entries for version 2\n",
        );
    }
}

/// Row 20 residual: `${flyway:user}` is the server's name for the session user
/// (`Database.getCurrentUser`: PostgreSQL `current_user`, MySQL `USER()` up to the `@`), not
/// the configured user name. On PostgreSQL a login role with a default `role` setting is
/// another role once connected: the repeatable's checksum is over that name.
#[test]
fn flyway_user_placeholder_is_the_servers_current_user() {
    for flavor in FLAVORS {
        let db = TestDb::create(flavor);
        db.create_history();
        let dir = folder();
        let sql = dir.path().join("sql");
        write(&sql, "R__owner.sql", "SELECT '${flyway:user}';\n");
        let (login, expected_user) = match flavor {
            Flavor::Postgres => {
                let login = format!("{}_login", db.name);
                let acting = format!("{}_acting", db.name);
                db.execute(&format!("CREATE ROLE \"{acting}\""));
                db.execute(&format!(
                    "CREATE ROLE \"{login}\" LOGIN IN ROLE \"{acting}\""
                ));
                db.execute(&format!("ALTER ROLE \"{login}\" SET role = '{acting}'"));
                db.execute(&format!(
                    "GRANT SELECT ON \"public\".\"flyway_schema_history\" TO \"{acting}\""
                ));
                (Some(login), acting)
            }
            _ => (None, "root".to_string()),
        };
        let c = flyway_lsp::checksum::checksum_text(&format!("SELECT '{expected_user}';\n"));
        db.history_row(1, None, "owner", "SQL", "R__owner.sql", Some(c), true);
        let user_line = login
            .as_ref()
            .map(|l| format!("user = \"{l}\"\n"))
            .unwrap_or_default();
        std::fs::write(
            dir.path().join("flyway.toml"),
            format!(
                "[flyway]\nlocations = [\"filesystem:sql\"]\n\n[environments.default]\nurl = \"{}\"\n{user_line}",
                db.url
            ),
        )
        .unwrap();
        let r = run_in(dir.path(), &["validate"]);
        if let Some(login) = &login {
            let acting = &expected_user;
            db.execute(&format!(
                "REVOKE SELECT ON \"public\".\"flyway_schema_history\" FROM \"{acting}\""
            ));
            db.execute(&format!("DROP ROLE \"{login}\""));
            db.execute(&format!("DROP ROLE \"{acting}\""));
        }
        assert_eq!(r.code, 0, "{flavor:?}: {}{}", r.stdout, r.stderr);
    }
}
