//! Hostile folders and names: links into pseudo file systems and around the root end quickly
//! and say what was skipped; scripts over `max-analysis-size` are checksummed, not analysed;
//! terminal control characters in names never reach the terminal raw.

use std::fs;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Runs the binary in `cwd`; fails the test (after stopping the child) if it takes longer than
/// `limit`.
fn run_within(cwd: &Path, args: &[&str], limit: Duration) -> (i32, String, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_flyway-lsp"))
        .args(args)
        .current_dir(cwd)
        .env_remove("FLYWAY_LOCATIONS")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the flyway-lsp binary runs");
    // Drain the pipes on threads so a large output cannot stall the child.
    let mut stdout = child.stdout.take().expect("piped stdout");
    let mut stderr = child.stderr.take().expect("piped stderr");
    let out = std::thread::spawn(move || {
        let mut s = Vec::new();
        std::io::Read::read_to_end(&mut stdout, &mut s).ok();
        s
    });
    let err = std::thread::spawn(move || {
        let mut s = Vec::new();
        std::io::Read::read_to_end(&mut stderr, &mut s).ok();
        s
    });
    let start = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait for flyway-lsp") {
            break status;
        }
        if start.elapsed() > limit {
            child.kill().ok();
            child.wait().ok();
            panic!("flyway-lsp {args:?} did not finish within {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let stdout = String::from_utf8(out.join().unwrap()).expect("stdout is UTF-8");
    let stderr = String::from_utf8(err.join().unwrap()).expect("stderr is UTF-8");
    assert!(!stderr.contains("panicked"), "{stderr}");
    (status.code().unwrap_or(-1), stdout, stderr)
}

fn findings(stdout: &str) -> Vec<(String, String, String)> {
    let json: serde_json::Value =
        serde_json::from_str(stdout).unwrap_or_else(|e| panic!("not JSON ({e}): {stdout}"));
    json["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["path"].as_str().unwrap().to_string(),
                d["rule"].as_str().unwrap().to_string(),
                d["message"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[cfg(target_os = "linux")]
#[test]
fn links_to_kernel_folders_and_to_the_root_are_skipped_quickly() {
    use std::os::unix::fs::symlink;
    let dir = tempfile::tempdir().unwrap();
    let sql = dir.path().join("sql");
    fs::create_dir(&sql).unwrap();
    fs::write(sql.join("V1__a.sql"), "CREATE TABLE a (id int);\n").unwrap();
    for (name, target) in [
        ("proc", "/proc"),
        ("sys", "/sys"),
        ("dev", "/dev"),
        ("slash", "/"),
    ] {
        symlink(target, sql.join(name)).unwrap();
    }
    symlink(dir.path(), sql.join("up")).unwrap();
    // A script that is a link to a kernel file (reading /proc/kmsg blocks for ever).
    symlink("/proc/kmsg", sql.join("V2__kernel.sql")).unwrap();
    fs::write(
        dir.path().join("flyway.toml"),
        "[flyway]\nlocations = [\"filesystem:sql\"]\n",
    )
    .unwrap();

    let limit = Duration::from_secs(30);
    let (_, stdout, stderr) = run_within(dir.path(), &["check", "--format", "json"], limit);
    let found = findings(&stdout);
    let of = |path: &str| -> Vec<(String, String)> {
        found
            .iter()
            .filter(|(p, _, _)| p == path)
            .map(|(_, rule, message)| (rule.clone(), message.clone()))
            .collect()
    };
    for (link, fs_name) in [
        ("proc", "proc"),
        ("dev", "devtmpfs"),
        ("V2__kernel.sql", "proc"),
    ] {
        let got = of(&format!("sql/{link}"));
        assert_eq!(got.len(), 1, "{link}: {found:?} {stderr}");
        assert_eq!(got[0].0, "skipped-file", "{link}: {got:?}");
        assert!(
            got[0]
                .1
                .contains(&format!("on the {fs_name} pseudo file system"))
                && got[0].1.ends_with("skipped"),
            "{link}: {got:?}"
        );
    }
    if Path::new("/sys/kernel").exists() {
        assert_eq!(of("sql/sys")[0].0, "skipped-file", "{found:?}");
    }
    for link in ["slash", "up"] {
        let got = of(&format!("sql/{link}"));
        assert_eq!(got.len(), 1, "{link}: {found:?}");
        assert_eq!(got[0].0, "unreadable-file");
        assert!(got[0].1.starts_with("symbolic link loop:"), "{got:?}");
    }
    // Nothing was read through the links: only V1 is a migration.
    assert!(found
        .iter()
        .all(|(p, _, _)| !p.contains("sql/slash/") && !p.contains("sql/proc/")));

    // The text output says what was skipped.
    let (_, text, _) = run_within(dir.path(), &["check"], limit);
    assert!(text.contains("info[skipped-file]"), "{text}");

    // Without a configured location, detection below the folder ends quickly too.
    fs::remove_file(dir.path().join("flyway.toml")).unwrap();
    let (code, stdout, _) = run_within(dir.path(), &["check", "--format", "json"], limit);
    assert_ne!(code, 3, "{stdout}");
    assert!(findings(&stdout)
        .iter()
        .any(|(p, rule, _)| p == "sql/proc" && rule == "skipped-file"));
}

fn checksums(stdout: &str) -> Vec<(String, serde_json::Value)> {
    let json: serde_json::Value = serde_json::from_str(stdout).unwrap();
    json["migration_sets"][0]["migrations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            (
                m["script"].as_str().unwrap().to_string(),
                m["checksum"].clone(),
            )
        })
        .collect()
}

#[test]
fn scripts_over_the_size_limit_are_checksummed_not_analysed() {
    let dir = tempfile::tempdir().unwrap();
    let sql = dir.path().join("sql");
    fs::create_dir(&sql).unwrap();
    fs::write(
        dir.path().join("flyway.toml"),
        "[flyway]\nlocations = [\"filesystem:sql\"]\n",
    )
    .unwrap();
    fs::write(sql.join("V1__small.sql"), "CREATE TABLE a (id int);\n").unwrap();
    // Over the limit below, with a syntax error that analysis would report, CRLF, a BOM and
    // multi-byte text: the streamed checksum must be Flyway's, as computed in memory.
    let big = format!(
        "\u{feff}{}SELEC broken;\r\n",
        "INSERT INTO a VALUES (1); -- café ☕\r\n".repeat(200)
    );
    fs::write(sql.join("V2__big.sql"), &big).unwrap();
    // Invalid UTF-8 on line 3 of a large file.
    let mut bad = "select 1;\n".repeat(150).into_bytes();
    bad.extend_from_slice(b"select 'caf\xe9';\n");
    fs::write(sql.join("V3__bad.sql"), &bad).unwrap();

    let limit = Duration::from_secs(60);
    // In memory: the default limit (20 MB) analyses every file.
    let (_, in_memory, _) = run_within(dir.path(), &["info", "--format", "json"], limit);
    let (_, analysed, _) = run_within(dir.path(), &["check", "--format", "json"], limit);
    let analysed = findings(&analysed);
    assert!(
        analysed
            .iter()
            .any(|(p, r, _)| p == "sql/V2__big.sql" && r == "syntax-error"),
        "{analysed:?}"
    );

    fs::write(
        dir.path().join("flyway-lsp.toml"),
        "max-analysis-size = \"1KB\"\n",
    )
    .unwrap();
    let (_, streamed, _) = run_within(dir.path(), &["info", "--format", "json"], limit);
    let streamed_sums = checksums(&streamed);
    assert_eq!(streamed_sums, checksums(&in_memory));
    assert!(streamed_sums[1].1.is_i64(), "{streamed_sums:?}");

    let (_, stdout, _) = run_within(dir.path(), &["check", "--format", "json"], limit);
    let found = findings(&stdout);
    let big_findings: Vec<_> = found
        .iter()
        .filter(|(p, _, _)| p == "sql/V2__big.sql")
        .collect();
    assert_eq!(big_findings.len(), 1, "{found:?}");
    assert_eq!(big_findings[0].1, "skipped-file");
    assert!(
        big_findings[0].2.contains(&format!(
            "too large to analyse ({} bytes, over max-analysis-size 1024)",
            big.len()
        )),
        "{big_findings:?}"
    );
    // The invalid byte is placed where the in-memory path places it.
    let encoding = |found: &[(String, String, String)]| {
        found
            .iter()
            .find(|(p, r, _)| p == "sql/V3__bad.sql" && r == "invalid-encoding")
            .map(|(_, _, m)| m.clone())
    };
    assert_eq!(encoding(&found), encoding(&analysed));
    assert!(
        encoding(&found).unwrap().contains("(line 151, column 12)"),
        "{found:?}"
    );

    // A size that is not one is a one-line configuration error.
    fs::write(
        dir.path().join("flyway-lsp.toml"),
        "max-analysis-size = \"huge\"\n",
    )
    .unwrap();
    let (code, _, stderr) = run_within(dir.path(), &["check"], limit);
    assert_eq!(code, 3);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.contains("max-analysis-size `huge`"), "{stderr}");
}

#[cfg(unix)]
#[test]
fn control_characters_in_file_names_are_escaped() {
    let dir = tempfile::tempdir().unwrap();
    let sql = dir.path().join("sql");
    fs::create_dir(&sql).unwrap();
    fs::write(
        dir.path().join("flyway.toml"),
        "[flyway]\nlocations = [\"filesystem:sql\"]\n",
    )
    .unwrap();
    fs::write(sql.join("V1__init.sql"), "CREATE TABLE a (id int);\n").unwrap();
    // A clear-screen sequence and a carriage return in names Flyway reads (V2) and does not (x).
    fs::write(
        sql.join("V2__clear\x1b[2J\r.sql"),
        "CREATE TABLE b (id int);\n",
    )
    .unwrap();
    fs::write(sql.join("x\x1b]0;title\x07.sql"), "select 1;\n").unwrap();

    let limit = Duration::from_secs(30);
    for args in [
        &["check"][..],
        &["check", "--format", "github"][..],
        &["info"][..],
    ] {
        let (_, stdout, stderr) = run_within(dir.path(), args, limit);
        for raw in ['\x1b', '\r', '\x07'] {
            assert!(
                !stdout.contains(raw) && !stderr.contains(raw),
                "{args:?}: {stdout:?}"
            );
        }
        assert!(stdout.contains("\\x1b"), "{args:?}: {stdout}");
    }
    let (_, text, _) = run_within(dir.path(), &["check"], limit);
    assert!(
        text.contains("sql/x\\x1b]0;title\\x07.sql:1:1: warning[unrecognised-name]"),
        "{text}"
    );
    let (_, table, _) = run_within(dir.path(), &["info"], limit);
    assert!(table.contains("| V2__clear\\x1b[2J\\r.sql |"), "{table}");
    // JSON and SARIF stay valid, with the real names.
    let (_, json, _) = run_within(dir.path(), &["info", "--format", "json"], limit);
    let scripts: Vec<String> = checksums(&json).into_iter().map(|(s, _)| s).collect();
    assert_eq!(scripts, ["V1__init.sql", "V2__clear\x1b[2J\r.sql"]);
    let (_, sarif, _) = run_within(dir.path(), &["check", "--format", "sarif"], limit);
    let sarif: serde_json::Value = serde_json::from_str(&sarif).unwrap();
    assert!(sarif["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .any(|r| {
            r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
                == "sql/x\x1b]0;title\x07.sql"
        }));
}
