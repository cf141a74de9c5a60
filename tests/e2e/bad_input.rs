//! Bad input never panics: each case gives a clear message and the run goes on.

use std::fs;
use std::path::Path;

use crate::run_in;

fn json_check(dir: &Path, args: &[&str]) -> (i32, serde_json::Value, String) {
    let mut all = vec!["check", "--format", "json"];
    all.extend_from_slice(args);
    let out = run_in(dir, &all);
    assert!(!out.stderr.contains("panicked"), "{}", out.stderr);
    let json = serde_json::from_str(&out.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}{}", out.stdout, out.stderr));
    (out.code, json, out.stderr)
}

fn rules_of(json: &serde_json::Value) -> Vec<(String, String)> {
    json["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["path"].as_str().unwrap().to_string(),
                d["rule"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[test]
fn odd_contents() {
    let dir = tempfile::tempdir().unwrap();
    let sql = dir.path().join("sql");
    fs::create_dir(&sql).unwrap();
    fs::write(sql.join("V1__empty.sql"), "").unwrap();
    fs::write(sql.join("V2__binary.sql"), [0u8, 159, 146, 150, 0, 1, 2]).unwrap();
    fs::write(sql.join("V3__latin1.sql"), b"select 'caf\xe9';\nselect 2;").unwrap();
    fs::write(
        sql.join("V4__bom_crlf.sql"),
        "\u{feff}select 1;\r\nselect 2;\r\n",
    )
    .unwrap();
    fs::write(sql.join("V5__lf.sql"), "select 1;\nselect 2;\n").unwrap();
    fs::write(sql.join("V6__cr.sql"), "select 1;\rselect 2;\r").unwrap();
    // One line of 10 MB.
    fs::write(
        sql.join("V7__long_line.sql"),
        format!("select '{}';", "x".repeat(10 << 20)),
    )
    .unwrap();
    // 50 MB of statements: over the default max-analysis-size (20 MB), so checksummed and
    // reported as skipped, not analysed.
    let statement = "insert into t values (1, 'some text to fill the line');\n";
    fs::write(
        sql.join("V8__big.sql"),
        statement.repeat((50 << 20) / statement.len()),
    )
    .unwrap();
    fs::write(sql.join("V9__with spaces.sql"), "select 9;").unwrap();
    fs::write(sql.join("V10__ünïcödé_😀.sql"), "select 10;").unwrap();
    fs::write(
        sql.join(format!("V11__{}.sql", "long".repeat(60))),
        "select 11;",
    )
    .unwrap();

    let (code, json, stderr) = json_check(dir.path(), &[]);
    assert_eq!(code, 1, "{json}{stderr}");
    let found = rules_of(&json);
    assert_eq!(
        found,
        vec![
            (
                "sql/V1__empty.sql".to_string(),
                "empty-migration".to_string()
            ),
            (
                "sql/V2__binary.sql".to_string(),
                "invalid-encoding".to_string()
            ),
            (
                "sql/V3__latin1.sql".to_string(),
                "invalid-encoding".to_string()
            ),
            ("sql/V8__big.sql".to_string(), "skipped-file".to_string()),
        ]
    );
    let latin = &json["diagnostics"][2];
    assert_eq!(latin["start"], serde_json::json!({"line": 1, "column": 12}));

    // Line endings and one BOM do not change the checksum; the value is derived by hand from the
    // rule: CRC-32 of "select 1;select 2;".
    let out = run_in(dir.path(), &["info", "--format", "json"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let info: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    let checksum_of = |script: &str| {
        info["migration_sets"][0]["migrations"]
            .as_array()
            .unwrap()
            .iter()
            .find(|m| m["script"] == script)
            .map(|m| m["checksum"].clone())
            .unwrap()
    };
    let expected = crc32_reference(b"select 1;select 2;") as i32;
    for script in ["V4__bom_crlf.sql", "V5__lf.sql", "V6__cr.sql"] {
        assert_eq!(checksum_of(script), serde_json::json!(expected), "{script}");
    }
    assert_eq!(checksum_of("V1__empty.sql"), serde_json::json!(0));
    assert_eq!(checksum_of("V2__binary.sql"), serde_json::Value::Null);
    assert_eq!(
        checksum_of("V10__ünïcödé_😀.sql"),
        serde_json::json!(crc32_reference(b"select 10;") as i32)
    );
}

/// CRC-32 (IEEE) from its definition, independent of the code under test.
fn crc32_reference(bytes: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &b in bytes {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

#[cfg(unix)]
#[test]
fn links_loops_and_special_files() {
    use std::os::unix::fs::symlink;
    let dir = tempfile::tempdir().unwrap();
    let sql = dir.path().join("sql");
    fs::create_dir_all(sql.join("nested")).unwrap();
    fs::write(sql.join("V1__ok.sql"), "select 1;").unwrap();
    fs::write(sql.join("V2__ok.sql"), "select 2;").unwrap();
    symlink(&sql, sql.join("nested/loop")).unwrap();
    symlink(sql.join("missing.sql"), sql.join("V3__dangling.sql")).unwrap();
    let fifo = sql.join("V4__fifo.sql");
    let status = std::process::Command::new("mkfifo").arg(&fifo).status();
    let made_fifo = status.is_ok_and(|s| s.success());
    fs::create_dir(sql.join(".hidden")).unwrap();
    fs::write(sql.join(".hidden/V1__hidden_dup.sql"), "select 1;").unwrap();

    let (code, json, _) = json_check(dir.path(), &[]);
    assert_eq!(code, 1, "{json}");
    let found = rules_of(&json);
    assert!(
        found.contains(&("sql/V3__dangling.sql".into(), "unreadable-file".into())),
        "{found:?}"
    );
    assert!(
        found.contains(&("sql/nested/loop".into(), "unreadable-file".into())),
        "{found:?}"
    );
    if made_fifo {
        assert!(
            found.contains(&("sql/V4__fifo.sql".into(), "unreadable-file".into())),
            "{found:?}"
        );
    }
    // The hidden folder is skipped, so V1 is not a duplicate.
    assert!(
        !found.iter().any(|(_, rule)| rule == "duplicate-version"),
        "{found:?}"
    );
}

#[cfg(unix)]
#[test]
fn unreadable_folder_is_reported_when_not_root() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let sql = dir.path().join("sql");
    fs::create_dir_all(sql.join("locked")).unwrap();
    fs::write(sql.join("V1__ok.sql"), "select 1;").unwrap();
    fs::write(sql.join("locked/V2__x.sql"), "select 2;").unwrap();
    fs::set_permissions(sql.join("locked"), fs::Permissions::from_mode(0o000)).unwrap();
    let readable = fs::read_dir(sql.join("locked")).is_ok();
    let (code, json, _) = json_check(dir.path(), &[]);
    fs::set_permissions(sql.join("locked"), fs::Permissions::from_mode(0o755)).unwrap();
    if readable {
        // Running as root: permissions do not apply, both files are read.
        assert_eq!(code, 0, "{json}");
        assert_eq!(json["summary"]["files"], 2);
    } else {
        assert_eq!(code, 1, "{json}");
        assert_eq!(
            rules_of(&json),
            vec![("sql/locked".into(), "unreadable-file".into())]
        );
    }
}

#[test]
fn a_location_that_is_a_file() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("sql"), "not a folder").unwrap();
    fs::create_dir(dir.path().join("db")).unwrap();
    fs::write(dir.path().join("db/V1__a.sql"), "select 1;").unwrap();
    fs::write(
        dir.path().join("flyway.conf"),
        "flyway.locations=filesystem:sql,filesystem:db\n",
    )
    .unwrap();
    let (code, json, _) = json_check(dir.path(), &[]);
    assert_eq!(code, 2, "{json}");
    let d = &json["diagnostics"][0];
    assert_eq!(d["rule"], "missing-location");
    assert_eq!(d["path"], "flyway.conf");
    assert!(d["message"].as_str().unwrap().contains("is a file"), "{d}");
}

#[test]
fn truncated_and_random_names_do_not_panic() {
    let dir = tempfile::tempdir().unwrap();
    let sql = dir.path().join("sql");
    fs::create_dir(&sql).unwrap();
    let names = [
        "V.sql",
        "V_.sql",
        "V__.sql",
        "V___.sql",
        "V1__",
        "V1",
        "R.sql",
        "R_.sql",
        "U.sql",
        "B__.sql",
        "V1.2.3.4.5.6.7.8.9.10__deep.sql",
        "V99999999999999999999999999__huge.sql",
        "V-1__neg.sql",
        "V+1__pos.sql",
        "V1..2__x.sql",
        "V.1__x.sql",
        "afterMigrate.sql",
        "beforeMigrate1.sql",
        ".sql",
        "V1__x.sql.conf",
        "V2__x.sql~",
    ];
    for name in names {
        fs::write(sql.join(name), "select 1;").unwrap();
    }
    let (code, json, stderr) = json_check(dir.path(), &[]);
    assert!(code == 1 || code == 2, "{code} {stderr}");
    assert!(json["diagnostics"].as_array().unwrap().len() >= 10);
}

#[test]
fn a_folder_of_fifty_thousand_files() {
    let dir = tempfile::tempdir().unwrap();
    let sql = dir.path().join("db/migration");
    for chunk in 0..50 {
        let sub = sql.join(format!("{chunk:02}"));
        std::fs::create_dir_all(&sub).unwrap();
        for i in 0..1000 {
            let v = chunk * 1000 + i + 1;
            std::fs::write(
                sub.join(format!("V{v}__t{v}.sql")),
                format!("CREATE TABLE t{v} (id bigint PRIMARY KEY);\n"),
            )
            .unwrap();
        }
    }
    // One file Flyway would skip, somewhere in the middle.
    std::fs::write(sql.join("25/V25001_oops.sql"), "SELECT 1;\n").unwrap();
    let started = std::time::Instant::now();
    let (code, json, stderr) = json_check(dir.path(), &[]);
    assert!(stderr.is_empty(), "{stderr}");
    assert_eq!(json["summary"]["files"], 50_001, "{}", json["summary"]);
    assert_eq!(
        rules_of(&json),
        [(
            "db/migration/25/V25001_oops.sql".to_string(),
            "single-underscore".to_string()
        )]
    );
    assert_eq!(code, 1);
    eprintln!(
        "50,001 files checked in {:?} (debug build)",
        started.elapsed()
    );
}
