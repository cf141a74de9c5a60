//! The CI formats (GitLab Code Quality, JUnit, Markdown), the text format's code frames, colour,
//! `--quiet` and `--statistics`, and `check --changed-since`.

use std::path::Path;
use std::process::Command;

use super::{assert_expected, run, run_in, run_with_env};

const BROKEN: &str = "fixtures/postgres-snake/broken";

#[test]
fn format_gitlab_json_is_pinned_with_stable_unique_fingerprints() {
    let out = run(&["check", "--format", "gitlab", BROKEN]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert_expected("postgres-snake.check.gitlab.json", &out.stdout);
    let again = run(&["check", "--format", "gitlab", BROKEN]);
    assert_eq!(
        out.stdout, again.stdout,
        "fingerprints are stable across runs"
    );
    let issues: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    let issues = issues.as_array().unwrap();
    let json: serde_json::Value =
        serde_json::from_str(&run(&["check", "--format", "json", BROKEN]).stdout).unwrap();
    assert_eq!(issues.len(), json["diagnostics"].as_array().unwrap().len());
    let mut fingerprints: Vec<&str> = issues
        .iter()
        .map(|i| i["fingerprint"].as_str().unwrap())
        .collect();
    fingerprints.sort_unstable();
    fingerprints.dedup();
    assert_eq!(fingerprints.len(), issues.len(), "fingerprints are unique");
    for (issue, d) in issues.iter().zip(json["diagnostics"].as_array().unwrap()) {
        assert_eq!(issue["check_name"], d["rule"]);
        assert_eq!(issue["description"], d["message"]);
        assert_eq!(issue["location"]["path"], d["path"]);
        assert_eq!(issue["location"]["lines"]["begin"], d["start"]["line"]);
        let expected = match d["severity"].as_str().unwrap() {
            "error" => "major",
            "warning" => "minor",
            _ => "info",
        };
        assert_eq!(issue["severity"], expected);
    }
    // Moving a finding down a line keeps its fingerprint (new lines above it are not a new issue).
    let dir = tempfile::tempdir().unwrap();
    let sql = dir.path().join("sql");
    std::fs::create_dir(&sql).unwrap();
    std::fs::write(sql.join("V1__a.sql"), "CREATE TABLE a (id bigint);\n").unwrap();
    std::fs::write(sql.join("V2__b.sql"), "ALTER TABLE a DROP COLUMN id;\n").unwrap();
    let before = run_in(dir.path(), &["check", "--format", "gitlab", "sql"]).stdout;
    std::fs::write(
        sql.join("V2__b.sql"),
        "-- a comment\nALTER TABLE a DROP COLUMN id;\n",
    )
    .unwrap();
    let after = run_in(dir.path(), &["check", "--format", "gitlab", "sql"]).stdout;
    let fp = |text: &str| -> Vec<String> {
        let v: serde_json::Value = serde_json::from_str(text).unwrap();
        v.as_array()
            .unwrap()
            .iter()
            .filter(|i| i["check_name"] == "drop-column")
            .map(|i| format!("{} {}", i["fingerprint"], i["location"]["lines"]["begin"]))
            .collect()
    };
    let (b, a) = (fp(&before), fp(&after));
    assert_eq!(b.len(), 1, "{before}");
    assert_eq!(
        b[0].split(' ').next(),
        a[0].split(' ').next(),
        "{before}\n{after}"
    );
    assert_ne!(b[0], a[0], "the line moved");
}

#[test]
fn format_junit_and_markdown_are_pinned() {
    let junit = run(&["check", "--format", "junit", BROKEN]);
    assert_eq!(junit.code, 1);
    assert_expected("postgres-snake.check.junit.xml", &junit.stdout);
    let markdown = run(&["check", "--format", "markdown", BROKEN]);
    assert_eq!(markdown.code, 1);
    assert_expected("postgres-snake.check.md", &markdown.stdout);
    let clean = "fixtures/postgres-snake/clean";
    let junit = run(&["check", "--format", "junit", clean]);
    assert_eq!(junit.code, 0);
    assert!(
        junit.stdout.contains(r#"tests="1" failures="0""#)
            && junit.stdout.contains("<testcase name=\""),
        "a clean check is one passing test case:\n{}",
        junit.stdout
    );
    let markdown = run(&["check", "--format", "markdown", clean]);
    assert!(
        markdown
            .stdout
            .starts_with("### flyway-lsp\n\nNo problems found ("),
        "{}",
        markdown.stdout
    );
}

#[test]
fn format_junit_and_markdown_escape_hostile_names_and_messages() {
    let dir = tempfile::tempdir().unwrap();
    let sql = dir.path().join("sql");
    std::fs::create_dir(&sql).unwrap();
    std::fs::write(sql.join("V1__a.sql"), "CREATE TABLE a (id bigint);\n").unwrap();
    let hostile = "V1__x<b>&\"'|@team `c` \x1b[2J.sql";
    std::fs::write(sql.join(hostile), "SELECT 1;\n").unwrap();
    let junit = run_in(dir.path(), &["check", "--format", "junit", "sql"]);
    assert_eq!(junit.code, 1, "{}", junit.stderr);
    assert!(!junit.stdout.contains('\x1b') && !junit.stdout.contains("<b>"));
    assert!(
        junit
            .stdout
            .contains("V1__x&lt;b&gt;&amp;&quot;&apos;|@team `c` \\x1b[2J.sql"),
        "{}",
        junit.stdout
    );
    let markdown = run_in(dir.path(), &["check", "--format", "markdown", "sql"]);
    for line in markdown.stdout.lines().filter(|l| l.starts_with("| ")) {
        // Every row has its five cells: nothing in a name or message ends one.
        let cells = line.replace("\\|", "").matches('|').count();
        assert_eq!(cells, 6, "{line}");
        assert!(!line.contains("<b>") && !line.contains("@team") && !line.contains('\x1b'));
    }
}

fn tabs_and_wide_characters() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let sql = dir.path().join("sql");
    std::fs::create_dir(&sql).unwrap();
    std::fs::write(
        sql.join("V1__create.sql"),
        "CREATE TABLE IF NOT EXISTS \"表\" (id bigint, note text);\n",
    )
    .unwrap();
    std::fs::write(
        sql.join("V2__drop.sql"),
        "-- 日本語のコメント\n\tALTER TABLE \"表\"\tDROP COLUMN note;\n",
    )
    .unwrap();
    dir
}

#[test]
fn format_text_frames_underline_the_finding_across_tabs_and_wide_characters() {
    let dir = tabs_and_wide_characters();
    let out = run_in(dir.path(), &["check", "--show-source", "sql"]);
    assert_expected("frames.check.txt", &out.stdout);
    let frame: Vec<&str> = out
        .stdout
        .lines()
        .skip_while(|l| !l.contains("[drop-column]"))
        .take(4)
        .collect();
    // The tab before ALTER fills 4 cells, 表 takes 2, the tab after it stops at cell 24, where
    // the finding's clause (`DROP COLUMN note`, 16 cells) starts.
    assert_eq!(
        frame[2], "2 |     ALTER TABLE \"表\"    DROP COLUMN note;",
        "{frame:?}"
    );
    assert_eq!(
        frame[3],
        format!("  | {}{}", " ".repeat(24), "^".repeat(16)),
        "{frame:?}"
    );
    // Piped output has no frames and no colour unless asked for.
    let piped = run_in(dir.path(), &["check", "sql"]);
    assert!(!piped.stdout.contains(" | ") && !piped.stdout.contains('\x1b'));
    let coloured = run_in(
        dir.path(),
        &["check", "--show-source", "--color", "always", "sql"],
    );
    assert!(coloured
        .stdout
        .contains("\x1b[1;33mwarning[drop-column]\x1b[0m"));
    let no_colour = run_with_env(
        dir.path(),
        &["check", "--show-source", "--color", "auto", "sql"],
        &[("NO_COLOR", "1")],
    );
    assert!(!no_colour.stdout.contains('\x1b'));
    let no_source = run_in(dir.path(), &["check", "--no-source", "sql"]);
    assert_eq!(no_source.stdout, piped.stdout);
}

#[test]
fn format_text_quiet_and_statistics() {
    let full = run(&["check", BROKEN]);
    let quiet = run(&["check", "--quiet", BROKEN]);
    assert_eq!(quiet.code, full.code);
    let last = full.stdout.lines().last().unwrap();
    assert!(last.starts_with("Found "), "{last}");
    assert_eq!(
        quiet.stdout,
        full.stdout.strip_suffix(&format!("{last}\n")).unwrap()
    );
    let clean = run(&["check", "-q", "fixtures/postgres-snake/clean"]);
    assert_eq!((clean.code, clean.stdout.as_str()), (0, ""));
    let stats = run(&["check", "--statistics", BROKEN]);
    assert_eq!(stats.code, full.code);
    assert_expected("postgres-snake.check.statistics.txt", &stats.stdout);
    let usage = run(&["check", "--format", "json", "--statistics", BROKEN]);
    assert_eq!(usage.code, 3);
    assert_eq!(
        usage.stderr,
        "flyway-lsp: --statistics applies to the text format only\n"
    );
}

fn git(dir: &Path, args: &[&str]) {
    let status = Command::new("git")
        .args(args)
        .current_dir(dir)
        .env("GIT_AUTHOR_NAME", "t")
        .env("GIT_AUTHOR_EMAIL", "t@example.com")
        .env("GIT_COMMITTER_NAME", "t")
        .env("GIT_COMMITTER_EMAIL", "t@example.com")
        .status()
        .expect("git runs");
    assert!(status.success(), "git {args:?}");
}

fn rules_by_file(stdout: &str) -> Vec<String> {
    let v: serde_json::Value = serde_json::from_str(stdout).unwrap();
    v["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        // Every ALTER here also lacks a lock timeout: that rule adds nothing to what is tested.
        .filter(|d| d["rule"] != "require-lock-timeout")
        .map(|d| {
            format!(
                "{} {}",
                d["path"].as_str().unwrap(),
                d["rule"].as_str().unwrap()
            )
        })
        .collect()
}

#[test]
fn check_changed_since_reports_only_changed_files() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let sql = root.join("db/migration");
    std::fs::create_dir_all(&sql).unwrap();
    git(root, &["init", "-q", "-b", "main"]);
    std::fs::write(sql.join("V1__a.sql"), "CREATE TABLE a (id bigint);\n").unwrap();
    std::fs::write(sql.join("V2__b.sql"), "ALTER TABLE a DROP COLUMN id;\n").unwrap();
    std::fs::write(sql.join("V3__c.sql"), "CREATE TABLE c (id bigint);\n").unwrap();
    std::fs::write(sql.join("V4__d.sql"), "CREATE TABLE d (id bigint);\n").unwrap();
    std::fs::write(
        sql.join("V5__e.sql"),
        "CREATE TABLE e (id bigint);\nALTER TABLE a ADD COLUMN x int NOT NULL;\n",
    )
    .unwrap();
    git(root, &["add", "."]);
    git(root, &["commit", "-q", "-m", "base"]);
    git(root, &["tag", "base"]);
    let all = run_in(root, &["check", "--format", "json", "db"]);
    assert_eq!(
        rules_by_file(&all.stdout),
        [
            "db/migration/V2__b.sql drop-column",
            "db/migration/V5__e.sql add-column-not-null-without-default"
        ]
    );
    let nothing = run_in(root, &["check", "--changed-since", "base", "db"]);
    assert_eq!(nothing.code, 0, "{}{}", nothing.stdout, nothing.stderr);
    // Committed, staged, unstaged, untracked and renamed changes all count.
    std::fs::write(sql.join("V3__c.sql"), "ALTER TABLE c DROP COLUMN id;\n").unwrap();
    git(root, &["commit", "-q", "-am", "committed"]);
    std::fs::write(sql.join("V4__d.sql"), "ALTER TABLE d DROP COLUMN id;\n").unwrap();
    git(root, &["add", "db/migration/V4__d.sql"]);
    git(
        root,
        &[
            "mv",
            "db/migration/V5__e.sql",
            "db/migration/V5__renamed.sql",
        ],
    );
    std::fs::write(sql.join("V6__f.sql"), "ALTER TABLE e DROP COLUMN id;\n").unwrap();
    std::fs::write(sql.join("V7__g.sql"), "CREATE TABLE g (id bigint);\n").unwrap();
    git(root, &["add", "db/migration/V7__g.sql"]);
    std::fs::write(sql.join("V7__g.sql"), "ALTER TABLE g DROP COLUMN id;\n").unwrap();
    let changed = run_in(
        root,
        &["check", "--format", "json", "--changed-since", "base", "db"],
    );
    assert_eq!(
        rules_by_file(&changed.stdout),
        [
            "db/migration/V3__c.sql drop-column",
            "db/migration/V4__d.sql drop-column",
            "db/migration/V5__renamed.sql add-column-not-null-without-default",
            "db/migration/V6__f.sql drop-column",
            "db/migration/V7__g.sql drop-column",
        ],
        "{}",
        changed.stderr
    );
    // Run from outside the repository, the repository is the one holding the path.
    let outside = tempfile::tempdir().unwrap();
    let from_outside = run_in(
        outside.path(),
        &[
            "check",
            "--format",
            "json",
            "--changed-since",
            "base",
            root.join("db").to_str().unwrap(),
        ],
    );
    assert_eq!(
        rules_by_file(&from_outside.stdout).len(),
        5,
        "{}{}",
        from_outside.stdout,
        from_outside.stderr
    );
    // The whole folder is still read: a duplicate the change makes is reported on both files
    // (the unchanged one names the changed one).
    std::fs::write(sql.join("V01__dup.sql"), "CREATE TABLE h (id bigint);\n").unwrap();
    let dup = run_in(
        root,
        &["check", "--format", "json", "--changed-since", "HEAD", "db"],
    );
    let found = rules_by_file(&dup.stdout);
    assert!(
        found.contains(&"db/migration/V1__a.sql duplicate-version".to_string())
            && found.contains(&"db/migration/V01__dup.sql duplicate-version".to_string())
            && !found
                .iter()
                .any(|f| f.starts_with("db/migration/V2__b.sql")),
        "{found:?}"
    );
}

#[test]
fn check_changed_since_fails_with_one_line_without_a_ref_or_a_repository() {
    let dir = tempfile::tempdir().unwrap();
    let sql = dir.path().join("sql");
    std::fs::create_dir(&sql).unwrap();
    std::fs::write(sql.join("V1__a.sql"), "CREATE TABLE a (id bigint);\n").unwrap();
    let out = run_in(dir.path(), &["check", "--changed-since", "main", "sql"]);
    assert_eq!(out.code, 3);
    assert!(
        out.stderr.starts_with("flyway-lsp: --changed-since: ")
            && out.stderr.ends_with(" is not inside a git work tree\n")
            && out.stderr.lines().count() == 1,
        "{}",
        out.stderr
    );
    git(dir.path(), &["init", "-q"]);
    let out = run_in(dir.path(), &["check", "--changed-since", "nope", "sql"]);
    assert_eq!(
        (out.code, out.stderr.as_str()),
        (
            3,
            "flyway-lsp: --changed-since: git reference `nope` does not exist\n"
        )
    );
    let out = run_in(dir.path(), &["check", "--changed-since=--output=x", "sql"]);
    assert_eq!(out.code, 3, "{}", out.stderr);
    assert!(!dir.path().join("x").exists());
}
