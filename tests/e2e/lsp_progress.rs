//! The language server's work-done progress while it loads a workspace: asked for only of a
//! client that advertises `window.workDoneProgress`, and then create → begin → reports → end,
//! the end before the load's findings.

use std::time::Duration;

use serde_json::{json, Value};

use crate::lsp::{rules, uri, Client};

/// A folder of `count` migrations, versions 1 to `count` but for a gap before the last one.
fn folder(count: usize) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let sql = dir.path().join("db/migration");
    std::fs::create_dir_all(&sql).unwrap();
    for i in 1..count {
        std::fs::write(
            sql.join(format!("V{i}__t{i}.sql")),
            format!("CREATE TABLE t{i} (id bigint PRIMARY KEY, note text);\n"),
        )
        .unwrap();
    }
    std::fs::write(sql.join(last_file(count)), "SELECT 1;\n").unwrap();
    dir
}

/// A client declaring `capabilities` on a [`folder`] of `count` migrations, and the file with
/// the gap (whose `version-gap` finding [`error_gaps`] makes an error).
fn start(count: usize, capabilities: Value) -> (tempfile::TempDir, std::path::PathBuf, Client) {
    let dir = folder(count);
    let gap = dir.path().join("db/migration").join(last_file(count));
    let client = Client::start_with_capabilities(dir.path(), Value::Null, capabilities);
    (dir, gap, client)
}

fn last_file(count: usize) -> String {
    format!("V{}__gap.sql", count + 1)
}

/// Changed settings: the server loads the workspace again.
fn error_gaps(client: &mut Client) {
    client.notify(
        "workspace/didChangeConfiguration",
        json!({"settings": {"flyway-lsp": {"rules": {"version-gap": "error"}}}}),
    );
}

fn is_progress(message: &Value) -> bool {
    message["method"] == "$/progress"
}

fn is_progress_end(message: &Value) -> bool {
    is_progress(message) && message["params"]["value"]["kind"] == "end"
}

fn is_create(message: &Value) -> bool {
    message["method"] == "window/workDoneProgress/create" && message.get("id").is_some()
}

fn is_indexed_log(message: &Value) -> bool {
    message["method"] == "window/logMessage"
        && message["params"]["message"]
            .as_str()
            .unwrap_or_default()
            .contains("file(s) indexed")
}

/// Checks one load's messages (`messages`, up to its progress end) and returns its token: the
/// create request first, then begin, reports whose percentages never go down and whose last
/// says every one of `count` migrations was checked, then the end; nothing published before it.
fn one_load(messages: &[Value], count: usize) -> Value {
    let create = messages
        .iter()
        .position(is_create)
        .expect("the server asks for a progress token");
    let token = messages[create]["params"]["token"].clone();
    assert!(!token.is_null(), "{}", messages[create]);
    let values: Vec<&Value> = messages
        .iter()
        .filter(|m| is_progress(m) && m["params"]["token"] == token)
        .map(|m| &m["params"]["value"])
        .collect();
    assert!(
        messages[..create].iter().all(|m| !is_progress(m)),
        "progress before the token was asked for"
    );
    assert!(values.len() >= 3, "begin, report(s), end: {values:?}");
    let (begin, end) = (values[0], values[values.len() - 1]);
    assert_eq!(begin["kind"], "begin", "{begin}");
    assert_eq!(begin["title"], "flyway-lsp", "{begin}");
    assert_eq!(begin["message"], "indexing", "{begin}");
    assert_eq!(end["kind"], "end", "{end}");
    let reports = &values[1..values.len() - 1];
    let mut last = begin["percentage"].as_u64().unwrap_or(0);
    let mut checked = 0;
    for report in reports {
        assert_eq!(report["kind"], "report", "{report}");
        let percent = report["percentage"].as_u64().expect("a percentage");
        assert!(
            (last..=100).contains(&percent),
            "{percent}% after {last}%: {reports:?}"
        );
        last = percent;
        let message = report["message"].as_str().unwrap_or_default();
        let k: usize = message
            .strip_prefix("checked ")
            .and_then(|m| m.strip_suffix(&format!(" of {count} migrations")))
            .and_then(|k| k.parse().ok())
            .unwrap_or_else(|| panic!("message {message:?}"));
        assert!(k >= checked, "{message} after {checked}");
        checked = k;
    }
    assert_eq!(
        (last, checked),
        (100, count),
        "the last report: {reports:?}"
    );
    assert!(
        messages
            .iter()
            .all(|m| m["method"] != "textDocument/publishDiagnostics"),
        "findings published before the progress ended"
    );
    token
}

#[test]
fn a_client_showing_progress_sees_each_load_counted_before_its_findings() {
    let count = 600;
    let (_dir, gap, mut client) = start(count, json!({"window": {"workDoneProgress": true}}));
    let first = client.messages_until(Duration::from_secs(120), is_progress_end);
    assert!(
        first.last().is_some_and(is_progress_end),
        "the load's progress ends"
    );
    let token = one_load(&first, count);
    // Then the findings.
    client.diagnostics_until(&gap, |d| rules(d).contains(&"version-gap".to_string()));

    // A reload (the settings changed) shows its own progress, under a new token.
    error_gaps(&mut client);
    let second = client.messages_until(Duration::from_secs(120), is_progress_end);
    assert!(
        second.last().is_some_and(is_progress_end),
        "the reload's progress ends"
    );
    let again = one_load(&second, count);
    assert_ne!(token, again, "a new token for the reload");
    client.diagnostics_until(&gap, |d| d.iter().any(|d| d["severity"] == 1));
    client.shutdown();
}

/// Waits for the next load's "indexed" log line and a moment more; returns what came.
fn next_load(client: &mut Client) -> Vec<Value> {
    let mut seen = client.messages_until(Duration::from_secs(60), is_indexed_log);
    assert!(seen.last().is_some_and(is_indexed_log), "the load ends");
    seen.extend(client.messages_until(Duration::from_millis(500), |_| false));
    seen
}

#[test]
fn a_client_without_progress_support_is_sent_none() {
    let count = 200;
    // A window section, without `workDoneProgress`.
    let (_dir, gap, mut client) = start(
        count,
        json!({"window": {"showDocument": {"support": true}}}),
    );
    let mut seen = next_load(&mut client);
    error_gaps(&mut client);
    seen.extend(next_load(&mut client));
    // The reload's findings came (the gap now an error).
    let published = seen
        .iter()
        .rfind(|m| {
            m["method"] == "textDocument/publishDiagnostics" && m["params"]["uri"] == uri(&gap)
        })
        .expect("the gap's findings");
    assert_eq!(
        published["params"]["diagnostics"][0]["code"], "version-gap",
        "{published}"
    );
    assert_eq!(published["params"]["diagnostics"][0]["severity"], 1);
    let loads = seen.iter().filter(|m| is_indexed_log(m)).count();
    assert_eq!(loads, 2, "the load and the reload");
    let progress: Vec<&Value> = seen
        .iter()
        .filter(|m| is_progress(m) || is_create(m))
        .collect();
    assert!(progress.is_empty(), "{progress:?}");
    client.shutdown();
}
