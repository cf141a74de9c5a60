//! Editor features over stdio: folding and selection ranges, code lenses with a migration's
//! Flyway state, pull diagnostics for clients that ask for them, inlay hints for unusual versions.

use std::path::Path;
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use crate::db::{postgres_target, write, TestDb};
use crate::lsp::{commit_all, project, uri, Client};
use flyway_lsp::sql::server::Flavor;

fn open(client: &mut Client, path: &Path) {
    let text = std::fs::read_to_string(path).unwrap();
    client.notify(
        "textDocument/didOpen",
        json!({"textDocument": {"uri": uri(path), "languageId": "sql", "version": 1, "text": text}}),
    );
}

/// Waits until the project's folders are read: the folder state counts `versioned` migrations.
fn loaded(client: &mut Client, root: &Path, versioned: u64) {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let state = client.request(
            "workspace/executeCommand",
            json!({"command": "flyway-lsp.folderState", "arguments": [uri(root)]}),
        );
        if state["migrations"] == versioned {
            return;
        }
        assert!(Instant::now() < deadline, "folders not read: {state}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn lines(range: &Value) -> (u64, u64) {
    (
        range["start"]["line"].as_u64().unwrap(),
        range["end"]["line"].as_u64().unwrap(),
    )
}

const FUNCTION: &str = "-- Audit trigger.\n-- Keeps who changed what.\nCREATE TABLE audit (id bigint, who text);\nCREATE FUNCTION audit_it() RETURNS trigger AS $fn$\nBEGIN\n  IF true THEN\n    BEGIN\n      INSERT INTO audit VALUES (1, current_user);\n    END;\n  END IF;\n  RETURN NEW;\nEND;\n$fn$ LANGUAGE plpgsql;\n";

#[test]
fn folding_and_selection_ranges_follow_statements_and_blocks() {
    let dir = project();
    let v3 = dir.path().join("db/migration/V3__audit.sql");
    std::fs::write(&v3, FUNCTION).unwrap();
    let mut client = Client::start(dir.path());
    loaded(&mut client, dir.path(), 4);
    let folds = client.request(
        "textDocument/foldingRange",
        json!({"textDocument": {"uri": uri(&v3)}}),
    );
    let found: Vec<(u64, u64, &str)> = folds
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["startLine"].as_u64().unwrap(),
                f["endLine"].as_u64().unwrap(),
                f["kind"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        found,
        [
            (0, 1, "comment"), // the header comment
            (3, 12, "region"), // CREATE FUNCTION … LANGUAGE plpgsql
            (4, 11, "region"), // BEGIN … END (the $fn$ body, lines 3–12, is the statement's)
            (6, 8, "region"),  // the inner BEGIN … END
        ]
    );

    // From the word under the cursor outwards: the word, the inner block, the outer block, the
    // body, the statement, the script.
    let selection = client.request(
        "textDocument/selectionRange",
        json!({"textDocument": {"uri": uri(&v3)}, "positions": [{"line": 7, "character": 9}]}),
    );
    let mut chain = Vec::new();
    let mut at = &selection[0];
    while !at.is_null() {
        chain.push(at["range"].clone());
        at = &at["parent"];
    }
    let texts: Vec<String> = chain
        .iter()
        .map(|r| {
            let (start, end) = lines(r);
            format!(
                "{start}:{}-{end}:{}",
                r["start"]["character"], r["end"]["character"]
            )
        })
        .collect();
    assert_eq!(
        texts,
        [
            "7:6-7:12",  // INSERT
            "6:4-8:7",   // BEGIN … END (inner)
            "4:0-11:3",  // BEGIN … END (outer)
            "3:46-12:4", // $fn$ … $fn$
            "3:0-12:21", // the statement
            "0:0-13:0",  // the script
        ]
    );
    client.shutdown();
}

#[test]
fn inlay_hints_show_the_version_an_unusual_name_resolves_to() {
    let dir = project();
    let sql = dir.path().join("db/migration");
    let odd = sql.join("V3_1__split.sql");
    std::fs::write(&odd, "SELECT 1;\nSELECT 2;\n").unwrap();
    let padded = sql.join("V005__padded.sql");
    std::fs::write(&padded, "").unwrap();
    let mut client = Client::start(dir.path());
    loaded(&mut client, dir.path(), 5);
    let whole = json!({"start": {"line": 0, "character": 0}, "end": {"line": 9, "character": 0}});
    for (path, expected) in [
        (
            &odd,
            json!([{"position": {"line": 0, "character": 9}, "label": "version 3.1"}]),
        ),
        (
            &padded,
            json!([{"position": {"line": 0, "character": 0}, "label": "version 005 (= 5)"}]),
        ),
        (&sql.join("V2__add_name.sql"), json!([])),
    ] {
        let hints = client.request(
            "textDocument/inlayHint",
            json!({"textDocument": {"uri": uri(path)}, "range": whole}),
        );
        let shown: Vec<Value> = hints
            .as_array()
            .unwrap()
            .iter()
            .map(|h| json!({"position": h["position"], "label": h["label"]}))
            .collect();
        assert_eq!(json!(shown), expected, "{}", path.display());
    }
    client.shutdown();
}

fn lens_titles(client: &mut Client, path: &Path) -> Vec<(String, String)> {
    client
        .request(
            "textDocument/codeLens",
            json!({"textDocument": {"uri": uri(path)}}),
        )
        .as_array()
        .unwrap()
        .iter()
        .map(|l| {
            assert_eq!(l["range"]["start"]["line"], 0);
            (
                l["command"]["title"].as_str().unwrap().to_string(),
                l["command"]["command"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[test]
fn code_lenses_say_what_applied_ref_knows() {
    let dir = project();
    std::fs::write(
        dir.path().join("flyway-lsp.toml"),
        "applied-ref = \"HEAD\"\n",
    )
    .unwrap();
    let sql = dir.path().join("db/migration");
    commit_all(dir.path());
    std::fs::write(
        sql.join("V2__add_name.sql"),
        "ALTER TABLE users ADD COLUMN name text;\n",
    )
    .unwrap();
    std::fs::write(sql.join("V5__new.sql"), "SELECT 5;\n").unwrap();
    let mut client = Client::start(dir.path());
    client.diagnostics_until(&sql.join("V4__gap.sql"), |d| !d.is_empty());
    let label = |title: &str| vec![(title.to_string(), String::new())];
    assert_eq!(
        lens_titles(&mut client, &sql.join("V1__create_users.sql")),
        label("Flyway: applied in HEAD")
    );
    assert_eq!(
        lens_titles(&mut client, &sql.join("V2__add_name.sql")),
        label("Flyway: applied in HEAD, edited since")
    );
    assert_eq!(
        lens_titles(&mut client, &sql.join("V5__new.sql")),
        label("Flyway: pending (not in HEAD)")
    );
    // No database configured: no Validate or dry-run lens (they could do nothing).
    client.shutdown();
}

#[test]
fn code_lenses_say_the_databases_state_and_run_its_commands() {
    let db = TestDb::create(Flavor::Postgres);
    let dir = postgres_target(&db);
    let sql = dir.path().join("sql");
    write(&sql, "V3__more.sql", "CREATE TABLE more (id int);\n");
    std::fs::write(
        dir.path().join("flyway.toml"),
        format!(
            "[environments.default]\nurl = \"{}\"\n\n[flyway]\nlocations = [\"filesystem:sql\"]\n",
            db.url
        ),
    )
    .unwrap();
    let mut client = Client::start(dir.path());
    // The history is read in the background; the validate command waits for it.
    let v1 = sql.join("V1__users.sql");
    let v3 = sql.join("V3__more.sql");
    // The background read of the start may still be under way ("busy"): ask again after it.
    let deadline = Instant::now() + Duration::from_secs(20);
    let summary = loop {
        let summary = client.request(
            "workspace/executeCommand",
            json!({"command": "flyway-lsp.validateDatabase", "arguments": [uri(&v1)]}),
        );
        if summary[0]["busy"] != true || Instant::now() > deadline {
            break summary;
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    assert!(summary[0].get("error").is_none(), "{summary}");
    let applied = lens_titles(&mut client, &v1);
    assert_eq!(applied.len(), 2, "{applied:?} {summary}");
    assert!(
        applied[0].0.starts_with("Flyway: applied on 20") && applied[0].1.is_empty(),
        "{applied:?}"
    );
    assert_eq!(
        applied[1],
        (
            "Validate".to_string(),
            "flyway-lsp.validateDatabase".to_string()
        )
    );
    let pending = lens_titles(&mut client, &v3);
    assert_eq!(
        pending,
        [
            ("Flyway: pending".to_string(), String::new()),
            (
                "Validate".to_string(),
                "flyway-lsp.validateDatabase".to_string()
            ),
            (
                "Dry-run pending migrations".to_string(),
                "flyway-lsp.dryRunPending".to_string()
            ),
        ]
    );
    // The lens's command is one the server runs: the dry-run of V3 succeeds.
    let lenses = client.request(
        "textDocument/codeLens",
        json!({"textDocument": {"uri": uri(&v3)}}),
    );
    let dry_run = lenses[2]["command"].clone();
    let ran = client.request(
        "workspace/executeCommand",
        json!({"command": dry_run["command"], "arguments": dry_run["arguments"]}),
    );
    assert_eq!(ran[0]["migrations"], 1, "{ran}");
    assert_eq!(ran[0]["failed"], false, "{ran}");
    client.shutdown();
}

const PULLING: &str = r#"{
    "textDocument": {"diagnostic": {"dynamicRegistration": false}},
    "workspace": {"diagnostics": {"refreshSupport": true}}
}"#;

#[test]
fn pull_diagnostics_for_clients_that_pull_and_push_for_the_others() {
    let dir = project();
    let sql = dir.path().join("db/migration");
    let gap = sql.join("V4__gap.sql");
    let caps: Value = serde_json::from_str(PULLING).unwrap();
    let mut client = Client::start_with_capabilities(dir.path(), Value::Null, caps);
    assert_eq!(
        client.initialized["capabilities"]["diagnosticProvider"],
        json!({"identifier": "flyway-lsp", "interFileDependencies": true, "workspaceDiagnostics": true})
    );
    // The model is loaded when the first refresh is asked for.
    assert!(client
        .notification("workspace/diagnostic/refresh", Duration::from_secs(20))
        .is_some());
    let workspace = client.request("workspace/diagnostic", json!({"previousResultIds": []}));
    let items = workspace["items"].as_array().unwrap();
    assert_eq!(items.len(), 1, "{workspace:#}");
    assert_eq!(items[0]["uri"], json!(uri(&gap)));
    assert_eq!(items[0]["kind"], "full");
    assert_eq!(items[0]["items"][0]["code"], "version-gap");
    let id = items[0]["resultId"].as_str().unwrap().to_string();

    // Unchanged findings answer `unchanged`, in both requests.
    let again = client.request(
        "workspace/diagnostic",
        json!({"previousResultIds": [{"uri": uri(&gap), "value": id}]}),
    );
    assert_eq!(
        again["items"],
        json!([{"kind": "unchanged", "uri": uri(&gap), "resultId": id, "version": null}])
    );
    let document = client.request(
        "textDocument/diagnostic",
        json!({"textDocument": {"uri": uri(&gap)}, "previousResultId": id}),
    );
    assert_eq!(document, json!({"kind": "unchanged", "resultId": id}));

    // An edit that changes findings: a refresh, then a full report;.
    let v2 = sql.join("V2__add_name.sql");
    open(&mut client, &v2);
    client.notify(
        "textDocument/didChange",
        json!({
            "textDocument": {"uri": uri(&v2), "version": 2},
            "contentChanges": [{"text": "ALTER TABLE users ADD COLUMN age int NOT NULL;\n"}]
        }),
    );
    assert!(client
        .notification("workspace/diagnostic/refresh", Duration::from_secs(20))
        .is_some());
    let document = client.request(
        "textDocument/diagnostic",
        json!({"textDocument": {"uri": uri(&v2)}}),
    );
    assert_eq!(document["kind"], "full");
    let codes: Vec<&str> = document["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["code"].as_str().unwrap())
        .collect();
    assert!(
        codes.contains(&"add-column-not-null-without-default"),
        "{document:#}"
    );
    // Nothing was pushed to this client.
    assert_eq!(
        client.notification(
            "textDocument/publishDiagnostics",
            Duration::from_millis(300)
        ),
        None
    );
    client.shutdown();

    // Without refresh support the client is pushed to, and no pull is offered.
    let caps = json!({"textDocument": {"diagnostic": {}}});
    let mut client = Client::start_with_capabilities(dir.path(), Value::Null, caps);
    assert_eq!(
        client.initialized["capabilities"]["diagnosticProvider"],
        Value::Null
    );
    let found = client.diagnostics_until(&gap, |d| !d.is_empty());
    assert_eq!(found[0]["code"], "version-gap");
    client.shutdown();
}

/// VS Code's client pulls a closed document once more, then leaves it out of the ids it sends:
/// a file renamed while it had findings must still be told it has none, or they stay.
#[test]
fn pull_diagnostics_clear_a_renamed_file_the_client_no_longer_lists() {
    let dir = project();
    let sql = dir.path().join("db/migration");
    let gap = sql.join("V4__gap.sql");
    let caps: Value = serde_json::from_str(PULLING).unwrap();
    let mut client = Client::start_with_capabilities(dir.path(), Value::Null, caps);
    assert!(client
        .notification("workspace/diagnostic/refresh", Duration::from_secs(20))
        .is_some());
    let document = client.request(
        "textDocument/diagnostic",
        json!({"textDocument": {"uri": uri(&gap)}}),
    );
    assert_eq!(document["items"][0]["code"], "version-gap", "{document:#}");

    // Renamed to close the gap: the old name has no findings, and the client lists no ids.
    let renamed = sql.join("V3__gap.sql");
    std::fs::rename(&gap, &renamed).unwrap();
    client.notify(
        "workspace/didRenameFiles",
        json!({"files": [{"oldUri": uri(&gap), "newUri": uri(&renamed)}]}),
    );
    assert!(client
        .notification("workspace/diagnostic/refresh", Duration::from_secs(20))
        .is_some());
    let workspace = client.request("workspace/diagnostic", json!({"previousResultIds": []}));
    let old: Vec<&Value> = workspace["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|item| item["uri"] == json!(uri(&gap)))
        .collect();
    assert_eq!(old.len(), 1, "{workspace:#}");
    assert_eq!(old[0]["kind"], "full");
    assert_eq!(old[0]["items"], json!([]));
    let clean = old[0]["resultId"].clone();

    // Once the client holds the empty report, the old name is left to the ids it sends.
    let acknowledged = client.request(
        "workspace/diagnostic",
        json!({"previousResultIds": [{"uri": uri(&gap), "value": clean}]}),
    );
    assert_eq!(
        acknowledged["items"],
        json!([{"kind": "unchanged", "uri": uri(&gap), "resultId": clean, "version": null}])
    );
    let later = client.request("workspace/diagnostic", json!({"previousResultIds": []}));
    assert_eq!(later["items"], json!([]), "{later:#}");
    client.shutdown();
}
