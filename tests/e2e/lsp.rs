//! The language server driven over stdio as an editor would: a small JSON-RPC client that
//! frames messages, answers the server's own requests (applyEdit, showDocument, registration),
//! and waits for notifications with a deadline.

use std::io::{BufRead, BufReader, Read, Write};
use std::path::Path;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{channel, Receiver};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

pub(crate) struct Client {
    child: Child,
    /// None once closed.
    stdin: Option<ChildStdin>,
    incoming: Receiver<Value>,
    next_id: i64,
    /// Notifications and server requests seen while waiting for something else.
    backlog: Vec<Value>,
    /// `workspace/applyEdit` requests received (answered with applied: true).
    applied_edits: Vec<Value>,
    /// The server's answer to `initialize`.
    pub(crate) initialized: Value,
}

pub(crate) fn uri(path: &Path) -> String {
    format!("file://{}", path.display())
}

impl Client {
    pub(crate) fn start(root: &Path) -> Client {
        Client::start_with(root, Value::Null)
    }

    pub(crate) fn start_with(root: &Path, initialization_options: Value) -> Client {
        Client::start_with_capabilities(
            root,
            initialization_options,
            json!({
                "workspace": {"applyEdit": true, "didChangeWatchedFiles": {"dynamicRegistration": true},
                              "semanticTokens": {"refreshSupport": true}},
                "window": {"showDocument": {"support": true}}
            }),
        )
    }

    /// A client declaring `capabilities`; the `initialize` result is kept in
    /// [`Client::initialized`].
    pub(crate) fn start_with_capabilities(
        root: &Path,
        initialization_options: Value,
        capabilities: Value,
    ) -> Client {
        let mut child = Command::new(env!("CARGO_BIN_EXE_flyway-lsp"))
            .arg("serve")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("server starts");
        let stdin = child.stdin.take().unwrap();
        let stdout = child.stdout.take().unwrap();
        let (tx, incoming) = channel();
        std::thread::spawn(move || {
            let mut reader = BufReader::new(stdout);
            loop {
                let mut length = 0usize;
                loop {
                    let mut line = String::new();
                    if reader.read_line(&mut line).unwrap_or(0) == 0 {
                        return;
                    }
                    let line = line.trim_end();
                    if line.is_empty() {
                        break;
                    }
                    if let Some(v) = line.strip_prefix("Content-Length: ") {
                        length = v.parse().unwrap_or(0);
                    }
                }
                let mut body = vec![0; length];
                if reader.read_exact(&mut body).is_err() {
                    return;
                }
                let value: Value = serde_json::from_slice(&body).expect("server sends JSON");
                if tx.send(value).is_err() {
                    return;
                }
            }
        });
        let mut client = Client {
            child,
            stdin: Some(stdin),
            incoming,
            next_id: 1,
            backlog: Vec::new(),
            applied_edits: Vec::new(),
            initialized: Value::Null,
        };
        let result = client.request(
            "initialize",
            json!({
                "processId": null,
                "rootUri": uri(root),
                "workspaceFolders": [{"uri": uri(root), "name": "root"}],
                "initializationOptions": initialization_options,
                "capabilities": capabilities,
            }),
        );
        assert_eq!(
            result["capabilities"]["textDocumentSync"]["change"], 2,
            "incremental sync"
        );
        client.notify("initialized", json!({}));
        client.initialized = result;
        client
    }

    pub(crate) fn send(&mut self, message: Value) {
        let body = message.to_string();
        self.send_raw(format!("Content-Length: {}\r\n\r\n{body}", body.len()).as_bytes());
    }

    pub(crate) fn notify(&mut self, method: &str, params: Value) {
        self.send(json!({"jsonrpc": "2.0", "method": method, "params": params}));
    }

    /// Reads one message, answering server requests on the way.
    fn receive(&mut self, deadline: Instant) -> Option<Value> {
        let left = deadline.checked_duration_since(Instant::now())?;
        let message = self.incoming.recv_timeout(left).ok()?;
        if message.get("method").is_some() && message.get("id").is_some() {
            let result = match message["method"].as_str() {
                Some("workspace/applyEdit") => {
                    self.applied_edits.push(message["params"].clone());
                    json!({"applied": true})
                }
                Some("window/showDocument") => json!({"success": true}),
                _ => Value::Null,
            };
            self.send(json!({"jsonrpc": "2.0", "id": message["id"], "result": result}));
        }
        Some(message)
    }

    pub(crate) fn request(&mut self, method: &str, params: Value) -> Value {
        let id = self.next_id;
        self.next_id += 1;
        self.send(json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}));
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let message = self
                .receive(deadline)
                .unwrap_or_else(|| panic!("no answer to {method}"));
            if message.get("id") == Some(&json!(id)) && message.get("method").is_none() {
                if let Some(error) = message.get("error") {
                    panic!("{method} failed: {error}");
                }
                return message["result"].clone();
            }
            self.backlog.push(message);
        }
    }

    /// The latest diagnostics for `path`, waiting until `accept` is satisfied.
    pub(crate) fn diagnostics_until(
        &mut self,
        path: &Path,
        accept: impl Fn(&[Value]) -> bool,
    ) -> Vec<Value> {
        let target = uri(path);
        let deadline = Instant::now() + Duration::from_secs(20);
        let mut latest: Option<Vec<Value>> = None;
        let check = |message: &Value, latest: &mut Option<Vec<Value>>| {
            if message["method"] == "textDocument/publishDiagnostics"
                && message["params"]["uri"] == target
            {
                *latest = Some(
                    message["params"]["diagnostics"]
                        .as_array()
                        .cloned()
                        .unwrap_or_default(),
                );
            }
        };
        for message in std::mem::take(&mut self.backlog) {
            check(&message, &mut latest);
        }
        loop {
            if let Some(found) = &latest {
                if accept(found) {
                    return found.clone();
                }
            }
            let message = self.receive(deadline).unwrap_or_else(|| {
                panic!("no acceptable diagnostics for {target}; last: {latest:?}")
            });
            check(&message, &mut latest);
        }
    }

    /// The first `method` notification, from the backlog or arriving within `wait` (the
    /// server's notifications and responses are not ordered with each other).
    pub(crate) fn notification(&mut self, method: &str, wait: Duration) -> Option<Value> {
        if let Some(i) = self.backlog.iter().position(|m| m["method"] == method) {
            return Some(self.backlog.remove(i));
        }
        let deadline = Instant::now() + wait;
        while let Some(message) = self.receive(deadline) {
            if message["method"] == method {
                return Some(message);
            }
            self.backlog.push(message);
        }
        None
    }

    /// Every message from the backlog and then as they arrive, in order, up to and with the
    /// first one `last` accepts, or all that came within `wait`.
    pub(crate) fn messages_until(
        &mut self,
        wait: Duration,
        last: impl Fn(&Value) -> bool,
    ) -> Vec<Value> {
        let mut seen = std::mem::take(&mut self.backlog);
        if let Some(i) = seen.iter().position(&last) {
            self.backlog = seen.split_off(i + 1);
            return seen;
        }
        let deadline = Instant::now() + wait;
        while let Some(message) = self.receive(deadline) {
            let end = last(&message);
            seen.push(message);
            if end {
                break;
            }
        }
        seen
    }

    /// Writes bytes as they are, framed or not (for malformed input).
    pub(crate) fn send_raw(&mut self, bytes: &[u8]) {
        let stdin = self.stdin.as_mut().expect("input open");
        stdin.write_all(bytes).unwrap();
        stdin.flush().unwrap();
    }

    /// Error responses with id null received so far (the answers to malformed input), taken
    /// out of the backlog, waiting up to `wait` for at least `count` of them.
    pub(crate) fn null_id_errors(&mut self, count: usize, wait: Duration) -> Vec<Value> {
        let deadline = Instant::now() + wait;
        loop {
            let found = self
                .backlog
                .iter()
                .filter(|m| m.get("error").is_some() && m["id"].is_null())
                .count();
            if found >= count {
                break;
            }
            match self.receive(deadline) {
                Some(message) => self.backlog.push(message),
                None => break,
            }
        }
        let (errors, rest): (Vec<Value>, Vec<Value>) = std::mem::take(&mut self.backlog)
            .into_iter()
            .partition(|m| m.get("error").is_some() && m["id"].is_null());
        self.backlog = rest;
        errors
    }

    /// Waits for the server process to end (after `end` did something to end it).
    pub(crate) fn exit_status(mut self, end: impl FnOnce(&mut Client)) -> std::process::ExitStatus {
        end(&mut self);
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if let Ok(Some(status)) = self.child.try_wait() {
                return status;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = self.child.kill();
        panic!("the server did not end");
    }

    /// Closes the server's input (end of file).
    pub(crate) fn close_input(&mut self) {
        self.stdin = None;
    }

    pub(crate) fn shutdown(mut self) {
        self.request("shutdown", Value::Null);
        self.notify("exit", Value::Null);
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if let Ok(Some(status)) = self.child.try_wait() {
                assert!(status.success(), "server exit status {status}");
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = self.child.kill();
        panic!("server did not exit after shutdown/exit");
    }
}

pub(crate) fn rules(diagnostics: &[Value]) -> Vec<String> {
    diagnostics
        .iter()
        .map(|d| d["code"].as_str().unwrap_or("").to_string())
        .collect()
}

pub(crate) fn project() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let sql = dir.path().join("db/migration");
    std::fs::create_dir_all(&sql).unwrap();
    std::fs::write(
        sql.join("V1__create_users.sql"),
        "CREATE TABLE users (id bigint PRIMARY KEY, email text);\n",
    )
    .unwrap();
    std::fs::write(
        sql.join("V2__add_name.sql"),
        "SET lock_timeout = '1s';\nALTER TABLE users ADD COLUMN name text;\n",
    )
    .unwrap();
    std::fs::write(sql.join("V4__gap.sql"), "SELECT 1;\n").unwrap();
    dir
}

#[test]
fn diagnostics_follow_typing_and_file_events() {
    let dir = project();
    let sql = dir.path().join("db/migration");
    let mut client = Client::start(dir.path());

    // Folder-level findings are published for files nobody opened.
    let gap = client.diagnostics_until(&sql.join("V4__gap.sql"), |d| !d.is_empty());
    assert_eq!(rules(&gap), ["version-gap"]);

    // Open V2 and type a NOT NULL column without default, with non-ASCII text before it.
    let v2 = sql.join("V2__add_name.sql");
    let text = std::fs::read_to_string(&v2).unwrap();
    client.notify(
        "textDocument/didOpen",
        json!({"textDocument": {"uri": uri(&v2), "languageId": "sql", "version": 1, "text": text}}),
    );
    client.notify(
        "textDocument/didChange",
        json!({
            "textDocument": {"uri": uri(&v2), "version": 2},
            "contentChanges": [{
                "range": {"start": {"line": 2, "character": 0}, "end": {"line": 2, "character": 0}},
                "text": "-- café 😀\nALTER TABLE users ADD COLUMN age int NOT NULL;\n"
            }]
        }),
    );
    let found = client.diagnostics_until(&v2, |d| !d.is_empty());
    // The hint: line 2's ALTER holds its ACCESS EXCLUSIVE lock while the typed one runs.
    // The hint starts at the statement, the warning at the column's definition inside it.
    assert_eq!(
        rules(&found),
        [
            "statement-after-exclusive-lock",
            "add-column-not-null-without-default"
        ]
    );
    let not_null = &found[1];
    // The column's definition, not the whole statement.
    assert_eq!(
        not_null["range"],
        json!({"start": {"line": 3, "character": 18}, "end": {"line": 3, "character": 45}})
    );
    // A warning: PostgreSQL fails only if the table has rows.
    assert_eq!(not_null["severity"], 2);

    // Quick fixes: suppression comments and the commands.
    let actions = client.request(
        "textDocument/codeAction",
        json!({
            "textDocument": {"uri": uri(&v2)},
            "range": not_null["range"],
            "context": {"diagnostics": [not_null.clone()]}
        }),
    );
    let titles: Vec<&str> = actions
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["title"].as_str().unwrap())
        .collect();
    assert!(
        titles.contains(&"Ignore add-column-not-null-without-default for this statement"),
        "{titles:?}"
    );
    assert!(
        titles.contains(&"Create matching undo (U) migration"),
        "{titles:?}"
    );
    assert!(titles.contains(&"Create next migration"), "{titles:?}");

    // `context.only`: a quickfix request gets no refactor actions, a refactor request no quick
    // fixes (VS Code drops and logs actions of kinds it did not ask for).
    let kinds_for = |client: &mut Client, only: serde_json::Value| -> Vec<String> {
        let actions = client.request(
            "textDocument/codeAction",
            json!({
                "textDocument": {"uri": uri(&v2)},
                "range": not_null["range"],
                "context": {"diagnostics": [not_null.clone()], "only": only}
            }),
        );
        actions
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a["kind"].as_str().unwrap().to_string())
            .collect()
    };
    let quick = kinds_for(&mut client, json!(["quickfix"]));
    assert!(
        !quick.is_empty() && quick.iter().all(|k| k == "quickfix"),
        "{quick:?}"
    );
    let refactor = kinds_for(&mut client, json!(["refactor"]));
    assert!(
        !refactor.is_empty() && refactor.iter().all(|k| k == "refactor"),
        "{refactor:?}"
    );
    assert_eq!(
        kinds_for(&mut client, json!(["source"])),
        Vec::<String>::new()
    );
    let all = kinds_for(&mut client, json!(["quickfix", "refactor"]));
    assert_eq!(all.len(), quick.len() + refactor.len(), "{all:?}");

    // Hover on the finding shows the rule's documentation.
    let hover = client.request(
        "textDocument/hover",
        json!({"textDocument": {"uri": uri(&v2)}, "position": {"line": 3, "character": 20}}),
    );
    assert!(hover["contents"]["value"]
        .as_str()
        .unwrap()
        .contains("## Why is this bad?"));

    // Fixing the text clears it (and stale results never come back); the hint stays true.
    client.notify(
        "textDocument/didChange",
        json!({
            "textDocument": {"uri": uri(&v2), "version": 3},
            "contentChanges": [{
                "range": {"start": {"line": 3, "character": 45}, "end": {"line": 3, "character": 45}},
                "text": " DEFAULT 0"
            }]
        }),
    );
    let found = client.diagnostics_until(&v2, |d| d.len() < 2);
    assert_eq!(rules(&found), ["statement-after-exclusive-lock"]);

    // A new file on disk filling the gap, announced by the client.
    std::fs::write(sql.join("V3__fill.sql"), "SELECT 3;\n").unwrap();
    client.notify(
        "workspace/didChangeWatchedFiles",
        json!({"changes": [{"uri": uri(&sql.join("V3__fill.sql")), "type": 1}]}),
    );
    client.diagnostics_until(&sql.join("V4__gap.sql"), |d| d.is_empty());

    // Robustness: a change to a never-opened document and out-of-range positions.
    client.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": uri(&sql.join("nope.sql")), "version": 1}, "contentChanges": [{"text": "x"}]}),
    );
    client.notify(
        "textDocument/didChange",
        json!({
            "textDocument": {"uri": uri(&v2), "version": 4},
            "contentChanges": [{"range": {"start": {"line": 999, "character": 9}, "end": {"line": 1000, "character": 0}}, "text": "\nSELECT 1;"}]
        }),
    );
    // Requests answer from the last finished check (they never wait for one): the symbols
    // are the edited text's once its re-check (2 ms after the change) is done.
    let deadline = Instant::now() + Duration::from_secs(20);
    let symbols = loop {
        let symbols = client.request(
            "textDocument/documentSymbol",
            json!({"textDocument": {"uri": uri(&v2)}}),
        );
        let n = symbols.as_array().map_or(0, Vec::len);
        assert!(n == 3 || n == 4, "{symbols}");
        if n == 4 || Instant::now() > deadline {
            break symbols;
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    assert_eq!(symbols.as_array().unwrap().len(), 4, "{symbols}");
    client.shutdown();
}

#[test]
fn commands_create_the_next_and_the_undo_migration() {
    let dir = project();
    let sql = dir.path().join("db/migration");
    let mut client = Client::start(dir.path());
    client.diagnostics_until(&sql.join("V4__gap.sql"), |d| !d.is_empty());

    let created = client.request(
        "workspace/executeCommand",
        json!({"command": "flyway-lsp.createNextMigration", "arguments": [uri(&sql.join("V2__add_name.sql")), "add orders table"]}),
    );
    assert_eq!(created, json!(uri(&sql.join("V5__add_orders_table.sql"))));
    let edit = &client.applied_edits[0]["edit"]["documentChanges"][0];
    assert_eq!(edit["kind"], "create");
    assert_eq!(edit["options"]["overwrite"], false);

    let created = client.request(
        "workspace/executeCommand",
        json!({"command": "flyway-lsp.createUndoMigration", "arguments": [uri(&sql.join("V2__add_name.sql"))]}),
    );
    assert_eq!(created, json!(uri(&sql.join("U2__add_name.sql"))));
    let changes = &client.applied_edits[1]["edit"]["documentChanges"];
    assert_eq!(
        changes[1]["edits"][0]["newText"],
        "ALTER TABLE users DROP COLUMN IF EXISTS name;\n"
    );

    // Hover on a table name: its definition as of this migration; go to definition.
    let v2 = sql.join("V2__add_name.sql");
    let hover = client.request(
        "textDocument/hover",
        json!({"textDocument": {"uri": uri(&v2)}, "position": {"line": 1, "character": 14}}),
    );
    let text = hover["contents"]["value"].as_str().unwrap();
    assert!(
        text.contains("**table users**") && text.contains("| email | TEXT |"),
        "{text}"
    );
    let definition = client.request(
        "textDocument/definition",
        json!({"textDocument": {"uri": uri(&v2)}, "position": {"line": 1, "character": 14}}),
    );
    assert_eq!(
        definition["uri"],
        json!(uri(&sql.join("V1__create_users.sql")))
    );
    let completion = client.request(
        "textDocument/completion",
        json!({"textDocument": {"uri": uri(&v2)}, "position": {"line": 1, "character": 0}}),
    );
    let labels: Vec<&str> = completion["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["label"].as_str().unwrap())
        .collect();
    // At the start of a statement: tables and key words, not every column.
    assert!(
        labels.contains(&"users") && labels.contains(&"ALTER TABLE") && !labels.contains(&"email"),
        "{labels:?}"
    );
    client.shutdown();
}

#[test]
fn the_undo_command_reverses_against_the_schema_as_of_the_migration() {
    let dir = tempfile::tempdir().unwrap();
    let sql = dir.path().join("db/migration");
    std::fs::create_dir_all(&sql).unwrap();
    std::fs::write(
        sql.join("V1__create.sql"),
        "CREATE TABLE t (id bigint PRIMARY KEY, a int DEFAULT 1);\n",
    )
    .unwrap();
    std::fs::write(
        sql.join("V2__change.sql"),
        "ALTER TABLE t ADD COLUMN IF NOT EXISTS a int;\nALTER TABLE t ALTER COLUMN a SET DEFAULT 2;\n",
    )
    .unwrap();
    // A later migration changes the default again: the undo of V2 must restore V1's.
    std::fs::write(
        sql.join("V3__later.sql"),
        "ALTER TABLE t ALTER COLUMN a SET DEFAULT 3;\n",
    )
    .unwrap();
    let mut client = Client::start(dir.path());
    // Loaded once the first findings are out (V3 has no lock timeout).
    client.diagnostics_until(&sql.join("V3__later.sql"), |d| !d.is_empty());
    let created = client.request(
        "workspace/executeCommand",
        json!({"command": "flyway-lsp.createUndoMigration", "arguments": [uri(&sql.join("V2__change.sql"))]}),
    );
    assert_eq!(created, json!(uri(&sql.join("U2__change.sql"))));
    let changes = &client.applied_edits[0]["edit"]["documentChanges"];
    assert_eq!(
        changes[1]["edits"][0]["newText"],
        "ALTER TABLE t ALTER COLUMN a SET DEFAULT 1;\n-- column a of t existed before this migration (ADD COLUMN IF NOT EXISTS): nothing to undo\n"
    );
    client.shutdown();
}

#[test]
fn edited_applied_migration_moves_its_change_to_a_new_migration() {
    let dir = project();
    std::fs::remove_file(dir.path().join("db/migration/V4__gap.sql")).unwrap();
    std::fs::write(
        dir.path().join("flyway-lsp.toml"),
        "applied-ref = \"HEAD\"\n",
    )
    .unwrap();
    commit_all(dir.path());
    let v2 = dir.path().join("db/migration/V2__add_name.sql");
    let original = std::fs::read_to_string(&v2).unwrap();
    let mut client = Client::start(dir.path());
    client.notify(
        "textDocument/didOpen",
        json!({"textDocument": {"uri": uri(&v2), "languageId": "sql", "version": 1, "text": format!("{original}ALTER TABLE users ADD COLUMN nick text;\n")}}),
    );
    let found = client.diagnostics_until(&v2, |d| !d.is_empty());
    assert_eq!(
        rules(&found),
        ["applied-migration-edited", "statement-after-exclusive-lock"]
    );
    assert!(found[0]["message"]
        .as_str()
        .unwrap()
        .starts_with("Migration checksum mismatch for migration version 2"));
    let created = client.request(
        "workspace/executeCommand",
        json!({"command": "flyway-lsp.moveChangeToNewMigration", "arguments": [uri(&v2)]}),
    );
    assert_eq!(
        created,
        json!(uri(&dir.path().join("db/migration/V3__follow_up_to_2.sql")))
    );
    let restore = &client.applied_edits[0]["edit"]["documentChanges"][0]["edits"][0];
    assert_eq!(restore["newText"], json!(original));
    let new_text = client.applied_edits[1]["edit"]["documentChanges"][1]["edits"][0]["newText"]
        .as_str()
        .unwrap();
    // A header comment, then the moved statement.
    assert!(
        new_text.starts_with("-- V3__follow_up_to_2.sql: follow up to 2, 20")
            && new_text.ends_with("\nALTER TABLE users ADD COLUMN nick text;\n"),
        "{new_text}"
    );

    // Before an applied migration is deleted or renamed, the editor hears what Flyway will say.
    for (method, params, expected) in [
        (
            "workspace/willDeleteFiles",
            json!({"files": [{"uri": uri(&v2)}]}),
            "without it Flyway validate fails",
        ),
        (
            "workspace/willRenameFiles",
            json!({"files": [{"oldUri": uri(&v2), "newUri": uri(&v2.with_file_name("V7__x.sql"))}]}),
            "with another version",
        ),
    ] {
        client.backlog.clear();
        assert_eq!(client.request(method, params), Value::Null);
        let warning = client
            .notification("window/showMessage", Duration::from_secs(10))
            .unwrap_or_else(|| panic!("no warning for {method}: {:?}", client.backlog));
        let text = warning["params"]["message"].as_str().unwrap();
        assert!(
            text.contains("V2__add_name.sql is applied (in HEAD)")
                && text.contains("Detected applied migration not resolved locally: 2")
                && text.contains(expected),
            "{text}"
        );
    }
    // Not applied: no warning.
    client.backlog.clear();
    client.request(
        "workspace/willDeleteFiles",
        json!({"files": [{"uri": uri(&dir.path().join("db/migration/V3__follow_up_to_2.sql"))}]}),
    );
    assert_eq!(
        client.notification("window/showMessage", Duration::from_millis(500)),
        None
    );
    client.shutdown();
}

/// Documents in another SQL language mode (`pgsql`, `mysql`, … from other extensions) are
/// checked like `sql` ones, by path: inside a migration location only. Empty migrations carry
/// the `Unnecessary` tag.
#[test]
fn other_sql_language_modes_get_live_diagnostics_in_migration_folders_only() {
    let dir = project();
    let v3 = dir.path().join("db/migration/V3__typed.sql");
    let outside = dir.path().join("scratch.sql");
    std::fs::write(&outside, "").unwrap();
    let mut client = Client::start(dir.path());
    client.diagnostics_until(&dir.path().join("db/migration/V4__gap.sql"), |d| {
        !d.is_empty()
    });
    for (path, language) in [(&outside, "postgres"), (&v3, "pgsql")] {
        client.notify(
            "textDocument/didOpen",
            json!({"textDocument": {"uri": uri(path), "languageId": language, "version": 1,
                "text": "ALTER TABLE users ADD COLUMN age int NOT NULL;\n"}}),
        );
    }
    let found = client.diagnostics_until(&v3, |d| !d.is_empty());
    assert_eq!(
        rules(&found),
        // In position order: the lock from the statement's start, the column from its clause.
        [
            "require-lock-timeout",
            "add-column-not-null-without-default"
        ]
    );
    client.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": uri(&v3), "version": 2}, "contentChanges": [{"text": "-- nothing yet\n"}]}),
    );
    let found = client.diagnostics_until(&v3, |d| rules(d) == ["empty-migration"]);
    assert_eq!(found[0]["tags"], json!([1]), "{found:?}");
    // The scratch file outside the location gets nothing, whatever is typed there.
    client.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": uri(&outside), "version": 2}, "contentChanges": [{"text": "DROP TABLE a;\n"}]}),
    );
    let target = uri(&outside);
    while let Some(published) =
        client.notification("textDocument/publishDiagnostics", Duration::from_secs(2))
    {
        assert!(
            published["params"]["uri"] != target || published["params"]["diagnostics"] == json!([]),
            "{published:#}"
        );
    }
    client.shutdown();
}

/// A database the editor cannot reach is said once as a message, then only in the folder state
/// (the status bar) on later reads; an explicit Validate says it again.
#[test]
fn an_unreachable_database_is_one_message_then_the_status_bar() {
    let dir = project();
    // Port 1 on the loopback: nothing listens there, the connection is refused at once.
    std::fs::write(
        dir.path().join("flyway.toml"),
        "[environments.default]\nurl = \"jdbc:postgresql://127.0.0.1:1/none\"\nuser = \"nobody\"\n\n[flyway]\nlocations = [\"filesystem:db/migration\"]\n",
    )
    .unwrap();
    let v2 = dir.path().join("db/migration/V2__add_name.sql");
    let mut client = Client::start(dir.path());
    let first = client
        .notification("window/showMessage", Duration::from_secs(30))
        .unwrap_or_else(|| {
            panic!(
                "no message for the unreachable database: {:?}",
                client.backlog
            )
        });
    let text = first["params"]["message"].as_str().unwrap().to_string();
    assert!(text.contains("127.0.0.1"), "{text}");
    // A save reads the history again: it fails again, silently.
    client.backlog.clear();
    let saved = std::fs::read_to_string(&v2).unwrap();
    client.notify(
        "textDocument/didOpen",
        json!({"textDocument": {"uri": uri(&v2), "languageId": "sql", "version": 1, "text": saved}}),
    );
    client.notify(
        "textDocument/didSave",
        json!({"textDocument": {"uri": uri(&v2)}}),
    );
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let logged = client
            .notification("window/logMessage", Duration::from_secs(1))
            .map(|m| m["params"]["message"].as_str().unwrap_or("").to_string());
        if logged.as_deref() == Some(text.as_str()) {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the second read was not logged: {:?}",
            client.backlog
        );
    }
    assert_eq!(
        client.notification("window/showMessage", Duration::from_millis(500)),
        None
    );
    let state = client.request(
        "workspace/executeCommand",
        json!({"command": "flyway-lsp.folderState", "arguments": [uri(&v2)]}),
    );
    assert!(
        state["database_error"]
            .as_str()
            .is_some_and(|e| e.contains("127.0.0.1")),
        "{state:#}"
    );
    // Asked for: said again.
    client.backlog.clear();
    client.request(
        "workspace/executeCommand",
        json!({"command": "flyway-lsp.validateDatabase", "arguments": [uri(&v2)]}),
    );
    assert!(
        client
            .notification("window/showMessage", Duration::from_secs(30))
            .is_some(),
        "{:?}",
        client.backlog
    );
    client.shutdown();
}

#[test]
fn settings_from_the_editor() {
    let dir = project();
    let gap = dir.path().join("db/migration/V4__gap.sql");
    let mut client = Client::start_with(
        dir.path(),
        json!({"flyway-lsp": {"rules": {"version-gap": "error"}}}),
    );
    let found = client.diagnostics_until(&gap, |d| !d.is_empty());
    assert_eq!(found[0]["severity"], 1, "{found:?}");
    client.notify(
        "workspace/didChangeConfiguration",
        json!({"settings": {"flywayLsp": {"flyway-lsp": {"rules": {"version-gap": "off"}}}}}),
    );
    client.diagnostics_until(&gap, |d| d.is_empty());
    client.shutdown();
}

#[test]
fn semantic_tokens_mark_placeholders_and_suppressions() {
    let dir = project();
    let v2 = dir.path().join("db/migration/V2__add_name.sql");
    let mut client = Client::start(dir.path());
    // Indexed (requests during the walk answer without a model).
    client.diagnostics_until(&dir.path().join("db/migration/V4__gap.sql"), |d| {
        !d.is_empty()
    });
    // Tokens asked for before that were answered without a model: the client hears to ask again.
    assert!(client
        .notification("workspace/semanticTokens/refresh", Duration::from_secs(10))
        .is_some());
    client.notify(
        "textDocument/didOpen",
        json!({"textDocument": {"uri": uri(&v2), "languageId": "sql", "version": 1,
            "text": "-- flyway-lsp-ignore drop-table\nDROP TABLE ${schema}.old; -- é ${x}\n"}}),
    );
    let tokens = client.request(
        "textDocument/semanticTokens/full",
        json!({"textDocument": {"uri": uri(&v2)}}),
    );
    // [deltaLine, deltaStart, length, type, modifiers] per token: the comment, then ${schema}.
    // (`${x}` inside a comment is not a placeholder.)
    assert_eq!(tokens["data"], json!([0, 0, 31, 1, 0, 1, 11, 9, 0, 0]));
    client.shutdown();
}

/// Placeholders written with the project's `placeholderPrefix` / `placeholderSuffix` are marked
/// too (no grammar knows them); `${…}` is then plain text.
#[test]
fn semantic_tokens_follow_the_projects_placeholder_syntax() {
    let dir = project();
    std::fs::write(
        dir.path().join("flyway.conf"),
        "flyway.locations=filesystem:db/migration\nflyway.placeholderPrefix=@{\nflyway.placeholderSuffix=}@\n",
    )
    .unwrap();
    let v2 = dir.path().join("db/migration/V2__add_name.sql");
    let mut client = Client::start(dir.path());
    client.diagnostics_until(&dir.path().join("db/migration/V4__gap.sql"), |d| {
        !d.is_empty()
    });
    client.notify(
        "textDocument/didOpen",
        json!({"textDocument": {"uri": uri(&v2), "languageId": "sql", "version": 1,
            "text": "DROP TABLE @{schema}@.old, ${kept};\n"}}),
    );
    let tokens = client.request(
        "textDocument/semanticTokens/full",
        json!({"textDocument": {"uri": uri(&v2)}}),
    );
    assert_eq!(tokens["data"], json!([0, 11, 10, 0, 0]), "{tokens}");
    client.shutdown();
}

/// An unsaved buffer over `max-analysis-size` is treated as such a file on disk: checksummed,
/// reported as not analysed, never lexed (no tokens, no findings from its SQL).
#[test]
fn buffers_over_the_analysis_limit_are_not_analysed() {
    let dir = project();
    std::fs::write(
        dir.path().join("flyway-lsp.toml"),
        "max-analysis-size = \"1KB\"\n",
    )
    .unwrap();
    let v2 = dir.path().join("db/migration/V2__add_name.sql");
    let mut client = Client::start(dir.path());
    client.diagnostics_until(&dir.path().join("db/migration/V4__gap.sql"), |d| {
        !d.is_empty()
    });
    let mut text = String::from("ALTER TABLE nope DROP COLUMN gone;\n");
    text.push_str(&"-- ${placeholder} padding\n".repeat(100));
    client.notify(
        "textDocument/didOpen",
        json!({"textDocument": {"uri": uri(&v2), "languageId": "sql", "version": 1,
            "text": text}}),
    );
    let found = client.diagnostics_until(&v2, |d| rules(d).contains(&"skipped-file".into()));
    assert_eq!(rules(&found), ["skipped-file"], "{found:?}");
    let tokens = client.request(
        "textDocument/semanticTokens/full",
        json!({"textDocument": {"uri": uri(&v2)}}),
    );
    assert!(tokens.is_null() || tokens["data"] == json!([]), "{tokens}");
    // Back under the limit: analysed again.
    client.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": uri(&v2), "version": 2},
            "contentChanges": [{"text": "ALTER TABLE nope DROP COLUMN gone;\n"}]}),
    );
    // (A table no migration creates existed before the set: the sign of analysis is drop-column.)
    let found = client.diagnostics_until(&v2, |d| rules(d).contains(&"drop-column".into()));
    assert!(!rules(&found).contains(&"skipped-file".into()), "{found:?}");
    client.shutdown();
}

/// Issue #14: bytes on disk that are not valid UTF-8 keep their `invalid-encoding` finding while
/// the file is open (the editor shows them decoded, Flyway reads the disk), whatever the buffer
/// holds, until a save makes the disk valid; then the buffer is checked.
#[test]
fn disk_encoding_finding_stays_while_open_until_a_save_fixes_the_disk() {
    let dir = project();
    let sql = dir.path().join("db/migration");
    let v5 = sql.join("V5__latin1.sql");
    std::fs::write(&v5, b"select 'caf\xe9';\n").unwrap();
    let mut client = Client::start(dir.path());
    client.diagnostics_until(&v5, |d| rules(d) == ["invalid-encoding"]);
    // Opened as an editor shows it (U+FFFD for the bad byte), then edited.
    client.notify(
        "textDocument/didOpen",
        json!({"textDocument": {"uri": uri(&v5), "languageId": "sql", "version": 1,
               "text": "select 'caf\u{FFFD}';\n"}}),
    );
    let edited = "ALTER TABLE users DROP COLUMN email;\n";
    client.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": uri(&v5), "version": 2}, "contentChanges": [{"text": edited}]}),
    );
    // The publish for the edited version still says what the disk holds.
    let target = uri(&v5);
    let deadline = Instant::now() + Duration::from_secs(20);
    let mut backlog = std::mem::take(&mut client.backlog).into_iter();
    let published = loop {
        let message = match backlog.next() {
            Some(message) => message,
            None => client
                .receive(deadline)
                .expect("no publish for version 2 of V5"),
        };
        if message["method"] == "textDocument/publishDiagnostics"
            && message["params"]["uri"] == target
            && message["params"]["version"] == 2
        {
            break message["params"]["diagnostics"]
                .as_array()
                .cloned()
                .unwrap_or_default();
        }
    };
    assert_eq!(rules(&published), ["invalid-encoding"]);
    // Saved as UTF-8: the disk is valid, and the buffer is what is checked.
    std::fs::write(&v5, edited).unwrap();
    client.notify(
        "textDocument/didSave",
        json!({"textDocument": {"uri": uri(&v5)}}),
    );
    let fixed = client.diagnostics_until(&v5, |d| {
        !d.is_empty() && !rules(d).contains(&"invalid-encoding".to_string())
    });
    assert!(
        rules(&fixed).contains(&"drop-column".to_string()),
        "{fixed:?}"
    );
    client.shutdown();
}

#[test]
fn robustness_rapid_changes_deleted_files_and_bad_bytes() {
    let dir = project();
    let sql = dir.path().join("db/migration");
    std::fs::write(sql.join("V5__latin1.sql"), b"select 'caf\xe9';\n").unwrap();
    let v2 = sql.join("V2__add_name.sql");
    let mut client = Client::start(dir.path());
    // Invalid UTF-8 on disk is a diagnostic, not a crash.
    let bad = client.diagnostics_until(&sql.join("V5__latin1.sql"), |d| !d.is_empty());
    assert!(
        rules(&bad).contains(&"invalid-encoding".to_string()),
        "{bad:?}"
    );

    // 1,000 rapid changes: the final state wins.
    client.notify(
        "textDocument/didOpen",
        json!({"textDocument": {"uri": uri(&v2), "languageId": "sql", "version": 1, "text": ""}}),
    );
    for version in 2..=1001 {
        client.notify(
            "textDocument/didChange",
            json!({"textDocument": {"uri": uri(&v2), "version": version},
                   "contentChanges": [{"text": format!("ALTER TABLE users ADD COLUMN c{version} int NOT NULL;\n")}]}),
        );
    }
    let last = client.diagnostics_until(&v2, |d| {
        d.iter()
            .any(|x| x["message"].as_str().unwrap_or("").contains("users.c1001"))
    });
    assert_eq!(
        rules(&last),
        // In position order: the lock from the statement's start, the column from its clause.
        [
            "require-lock-timeout",
            "add-column-not-null-without-default"
        ]
    );

    // The file is deleted while open: the buffer still counts until it is closed.
    std::fs::remove_file(&v2).unwrap();
    client.notify(
        "workspace/didChangeWatchedFiles",
        json!({"changes": [{"uri": uri(&v2), "type": 3}]}),
    );
    client.notify(
        "textDocument/didClose",
        json!({"textDocument": {"uri": uri(&v2)}}),
    );
    // Closed and gone: its diagnostics are cleared, and V4 now follows V1 (gap 2..3).
    client.diagnostics_until(&v2, |d| d.is_empty());
    let gap = client.diagnostics_until(&sql.join("V4__gap.sql"), |d| {
        d.iter().any(|x| {
            x["message"]
                .as_str()
                .unwrap_or("")
                .contains("versions 2 to 3")
        })
    });
    assert_eq!(rules(&gap), ["version-gap"]);
    // Requests on unknown documents and out-of-range positions answer without failing.
    let hover = client.request(
        "textDocument/hover",
        json!({"textDocument": {"uri": uri(&sql.join("nope.sql"))}, "position": {"line": 99, "character": 99}}),
    );
    assert_eq!(hover, Value::Null);
    client.shutdown();
}

/// A small deterministic generator (64-bit LCG), so a failing sequence reproduces from its seed.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        self.0 >> 33
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// Protocol fuzzing with the real binary: random sequences of didOpen / incremental didChange at
/// random (often out-of-range) UTF-16 positions / codeAction / hover / completion / symbols /
/// didClose on several files, non-ASCII text included. The server must answer every request
/// with a well-formed result and stay alive and consistent: afterwards a fresh buffer gets
/// exactly its findings, with ranges inside its text.
#[test]
fn random_message_sequences_never_break_the_server() {
    const PIECES: &[&str] = &[
        "CREATE TABLE ",
        "t (id int)",
        "ALTER TABLE users ADD COLUMN ",
        "x int NOT NULL",
        ";\n",
        "\n",
        "CREATE INDEX CONCURRENTLY i ON users (name)",
        "-- flyway-lsp-ignore ",
        "${p}",
        "'",
        "\"",
        "$$",
        "é",
        "😀",
        "\r\n",
        "DROP TABLE users",
        "BEGIN",
        "DELIMITER //\n",
        "`",
        "/*",
    ];
    for seed in [1u64, 7, 42] {
        let dir = project();
        let sql = dir.path().join("db/migration");
        let files: Vec<_> = ["V2__add_name.sql", "V9__fuzz.sql", "V10__fuzz.sql"]
            .iter()
            .map(|f| sql.join(f))
            .collect();
        let mut client = Client::start(dir.path());
        let mut rng = Lcg(seed);
        let mut open: Vec<Option<i32>> = vec![None; files.len()];
        for step in 0..300 {
            let f = rng.below(files.len() as u64) as usize;
            let uri_f = uri(&files[f]);
            match (rng.below(8), &mut open[f]) {
                (_, slot @ None) => {
                    let text: String = (0..rng.below(6))
                        .map(|_| PIECES[rng.below(PIECES.len() as u64) as usize])
                        .collect();
                    client.notify(
                        "textDocument/didOpen",
                        json!({"textDocument": {"uri": uri_f, "languageId": "sql", "version": 1, "text": text}}),
                    );
                    *slot = Some(1);
                }
                (0..=3, Some(version)) => {
                    *version += 1;
                    let line = rng.below(6) as u32;
                    let character = rng.below(40) as u32;
                    let insert = PIECES[rng.below(PIECES.len() as u64) as usize];
                    client.notify(
                        "textDocument/didChange",
                        json!({"textDocument": {"uri": uri_f, "version": *version},
                               "contentChanges": [{"range": {"start": {"line": line, "character": character},
                                                             "end": {"line": line + rng.below(2) as u32, "character": character + rng.below(5) as u32}},
                                                   "text": insert}]}),
                    );
                }
                (4, Some(_)) => {
                    let r = client.request(
                        "textDocument/codeAction",
                        json!({"textDocument": {"uri": uri_f},
                               "range": {"start": {"line": rng.below(4), "character": rng.below(30)},
                                         "end": {"line": rng.below(9), "character": rng.below(300)}},
                               "context": {"diagnostics": []}}),
                    );
                    assert!(r.is_null() || r.is_array(), "seed {seed} step {step}: {r}");
                }
                (5, Some(_)) => {
                    let method = [
                        "textDocument/hover",
                        "textDocument/completion",
                        "textDocument/definition",
                    ][rng.below(3) as usize];
                    client.request(
                        method,
                        json!({"textDocument": {"uri": uri_f},
                               "position": {"line": rng.below(8), "character": rng.below(200)}}),
                    );
                }
                (6, Some(_)) => {
                    let r = client.request(
                        "textDocument/documentSymbol",
                        json!({"textDocument": {"uri": uri_f}}),
                    );
                    assert!(r.is_null() || r.is_array(), "seed {seed} step {step}: {r}");
                }
                (_, slot @ Some(_)) => {
                    client.notify(
                        "textDocument/didClose",
                        json!({"textDocument": {"uri": uri_f}}),
                    );
                    *slot = None;
                }
            }
        }
        // Still alive and consistent: a fresh buffer gets exactly its findings.
        let probe = sql.join("V11__probe.sql");
        client.notify(
            "textDocument/didOpen",
            json!({"textDocument": {"uri": uri(&probe), "languageId": "sql", "version": 1,
                                    "text": "CREATE INDEX i ON users (name);\n"}}),
        );
        let found = client.diagnostics_until(&probe, |d| !d.is_empty());
        assert!(
            rules(&found).contains(&"require-concurrent-index".to_string()),
            "seed {seed}: {found:?}"
        );
        for d in &found {
            assert!(
                d["range"]["end"]["line"].as_u64().unwrap() <= 1,
                "seed {seed}: {d}"
            );
        }
        client.shutdown();
    }
}

/// Documents whose URI is not `file:` are never taken for files on disk, whatever their path
/// looks like: hovering them answers nothing, their text changes no file's findings.
#[test]
fn only_file_uris_are_read_from_disk() {
    let dir = project();
    let sql = dir.path().join("db/migration");
    let v2 = sql.join("V2__add_name.sql");
    let mut client = Client::start(dir.path());
    client.diagnostics_until(&sql.join("V4__gap.sql"), |d| !d.is_empty());
    let at_table = json!({"line": 1, "character": 14});
    let hover = client.request(
        "textDocument/hover",
        json!({"textDocument": {"uri": uri(&v2)}, "position": at_table}),
    );
    assert!(hover["contents"]["value"]
        .as_str()
        .unwrap_or_default()
        .contains("**table users**"));
    let path = v2.display().to_string();
    for other in [
        format!("untitled:{path}"),
        format!("vscode-notebook-cell:{path}#W0sZmlsZQ%3D%3D"),
        format!("http://example.com{path}"),
        format!("file://elsewhere{path}"),
    ] {
        client.notify(
            "textDocument/didOpen",
            json!({"textDocument": {"uri": other, "languageId": "sql", "version": 1,
                                    "text": "SET lock_timeout = '1s';\nALTER TABLE users ADD COLUMN age int NOT NULL;\n"}}),
        );
        for method in ["textDocument/hover", "textDocument/definition"] {
            let answer = client.request(
                method,
                json!({"textDocument": {"uri": other}, "position": at_table}),
            );
            assert_eq!(answer, Value::Null, "{method} on {other}");
        }
        let symbols = client.request(
            "textDocument/documentSymbol",
            json!({"textDocument": {"uri": other}}),
        );
        assert_eq!(symbols, Value::Null, "{other}");
        client.notify(
            "textDocument/didClose",
            json!({"textDocument": {"uri": other}}),
        );
    }
    // The session goes on: a file: document opened after them gets its findings.
    let probe = sql.join("V5__probe.sql");
    client.notify(
        "textDocument/didOpen",
        json!({"textDocument": {"uri": uri(&probe), "languageId": "sql", "version": 1,
                                "text": "CREATE INDEX i ON users (name);\n"}}),
    );
    client.diagnostics_until(&probe, |d| !d.is_empty());
    client.shutdown();
}

/// Folders are walked without the state lock: while a workspace folder with a huge migration is
/// being indexed (seconds), a hover on a file of another folder is answered, from the model as
/// it was, before the indexing is done.
#[test]
fn requests_are_answered_while_a_huge_folder_is_indexed() {
    let dir = project();
    let v2 = dir.path().join("db/migration/V2__add_name.sql");
    let huge = tempfile::tempdir().unwrap();
    let huge_sql = huge.path().join("db/migration");
    std::fs::create_dir_all(&huge_sql).unwrap();
    let mut text = String::from("CREATE TABLE t (id bigint PRIMARY KEY);\n");
    for i in 0..150_000 {
        text.push_str(&format!("ALTER TABLE t ADD COLUMN c{i} int;\n"));
    }
    std::fs::write(huge_sql.join("V1__huge.sql"), text).unwrap();

    let mut client = Client::start(dir.path());
    let indexed = |client: &mut Client, sets: &str, wait: Duration| -> bool {
        let deadline = Instant::now() + wait;
        while let Some(left) = deadline.checked_duration_since(Instant::now()) {
            match client.notification("window/logMessage", left) {
                Some(m) if m["params"]["message"].as_str().unwrap_or("").contains(sets) => {
                    return true
                }
                Some(_) => {}
                None => return false,
            }
        }
        false
    };
    assert!(indexed(
        &mut client,
        "1 migration set(s)",
        Duration::from_secs(20)
    ));

    client.notify(
        "workspace/didChangeWorkspaceFolders",
        json!({"event": {"added": [{"uri": uri(huge.path()), "name": "huge"}], "removed": []}}),
    );
    let started = Instant::now();
    let hover = client.request(
        "textDocument/hover",
        json!({"textDocument": {"uri": uri(&v2)}, "position": {"line": 1, "character": 14}}),
    );
    let answered = started.elapsed();
    assert!(
        hover["contents"]["value"]
            .as_str()
            .unwrap_or_default()
            .contains("**table users**"),
        "{hover}"
    );
    let symbols = client.request(
        "textDocument/documentSymbol",
        json!({"textDocument": {"uri": uri(&v2)}}),
    );
    assert_eq!(symbols.as_array().map(Vec::len), Some(2), "{symbols}");
    let done_before = client.backlog.iter().any(|m| {
        m["method"] == "window/logMessage"
            && m["params"]["message"]
                .as_str()
                .unwrap_or("")
                .contains("2 migration set(s)")
    });
    assert!(
        !done_before,
        "the hover waited for the indexing (answered after {answered:?})"
    );
    // And the indexing does finish, with both folders.
    assert!(indexed(
        &mut client,
        "2 migration set(s)",
        Duration::from_secs(120)
    ));
    eprintln!(
        "hover answered after {answered:?}; indexing took {:?}",
        started.elapsed()
    );
    client.shutdown();
}

#[test]
fn pair_renames_move_the_undo_file_and_new_migrations_come_in_pairs() {
    let dir = tempfile::tempdir().unwrap();
    let sql = dir.path().join("db/migration");
    std::fs::create_dir_all(&sql).unwrap();
    std::fs::write(
        dir.path().join("flyway.toml"),
        "[flyway]\nlocations = [\"filesystem:db/migration\"]\n[flyway-lsp.conventions]\nhash-suffix = true\nundo-pairs = true\n",
    )
    .unwrap();
    for (name, text) in [
        (
            "V1__create__migration_0a1b2c3d.sql",
            "CREATE TABLE t (id int);\n",
        ),
        ("U1__create__migration_0a1b2c3d.sql", "DROP TABLE t;\n"),
        ("V2__add.sql", "ALTER TABLE t ADD COLUMN a int;\n"),
        ("U2__add.sql", "ALTER TABLE t DROP COLUMN a;\n"),
    ] {
        std::fs::write(sql.join(name), text).unwrap();
    }
    let v2 = sql.join("V2__add.sql");
    let mut client = Client::start(dir.path());
    let found = client.diagnostics_until(&v2, |d| d.iter().any(|d| d["code"] == "hash-suffix"));
    let finding = found.iter().find(|d| d["code"] == "hash-suffix").unwrap();
    let actions = client.request(
        "textDocument/codeAction",
        json!({
            "textDocument": {"uri": uri(&v2)},
            "range": finding["range"],
            "context": {"diagnostics": [finding.clone()]}
        }),
    );
    let rename = actions
        .as_array()
        .unwrap()
        .iter()
        .find(|a| {
            a["title"]
                .as_str()
                .unwrap()
                .starts_with("Rename to V2__add__migration_")
        })
        .unwrap_or_else(|| panic!("{actions:#}"));
    // One workspace edit renames the pair; nothing is applied, so it is preferred.
    assert_eq!(rename["isPreferred"], true, "{rename:#}");
    let changes = rename["edit"]["documentChanges"].as_array().unwrap();
    assert_eq!(changes.len(), 2, "{rename:#}");
    let new_v = changes[0]["newUri"].as_str().unwrap();
    let new_u = changes[1]["newUri"].as_str().unwrap();
    assert_eq!(changes[1]["oldUri"], json!(uri(&sql.join("U2__add.sql"))));
    let hash = new_v.rsplit_once("__migration_").unwrap().1;
    assert!(
        new_u.ends_with(&format!("/U2__add__migration_{hash}")),
        "{new_u}"
    );

    // The next migration comes with its undo migration, both with the same hash.
    let created = client.request(
        "workspace/executeCommand",
        json!({"command": "flyway-lsp.createNextMigration", "arguments": [uri(&v2), "add b"]}),
    );
    let created = created.as_str().unwrap();
    assert!(created.contains("/V3__add_b__migration_"), "{created}");
    let files: Vec<&str> = client
        .applied_edits
        .iter()
        .map(|e| e["edit"]["documentChanges"][0]["uri"].as_str().unwrap())
        .collect();
    assert_eq!(files.len(), 2, "{files:?}");
    assert_eq!(files[1], created);
    assert_eq!(
        files[0].replace("/U3__", "/V3__"),
        created,
        "the undo migration is the same name with U"
    );
    client.shutdown();
}

/// The position (line, UTF-16 character) of the `nth` occurrence of `needle` in `text`, plus
/// `add` characters.
fn position_of(text: &str, needle: &str, nth: usize, add: usize) -> Value {
    let offset = text
        .match_indices(needle)
        .nth(nth)
        .unwrap_or_else(|| panic!("{needle:?} #{nth} in {text:?}"))
        .0;
    let line = text[..offset].matches('\n').count();
    let start = text[..offset].rfind('\n').map_or(0, |i| i + 1);
    let character = text[start..offset].encode_utf16().count() + add;
    json!({"line": line, "character": character})
}

/// A location as (file name, start line, start character, end character).
fn place(location: &Value) -> (String, u64, u64, u64) {
    let uri = location["uri"].as_str().unwrap_or_default();
    (
        uri.rsplit('/').next().unwrap_or_default().to_string(),
        location["range"]["start"]["line"].as_u64().unwrap(),
        location["range"]["start"]["character"].as_u64().unwrap(),
        location["range"]["end"]["character"].as_u64().unwrap(),
    )
}

fn places(locations: &Value) -> Vec<(String, u64, u64, u64)> {
    let mut out: Vec<_> = locations.as_array().unwrap().iter().map(place).collect();
    out.sort();
    out
}

const NAV_V1: &str =
    "CREATE TABLE \"Order\" (id bigint PRIMARY KEY, total numeric);\nCREATE TABLE orders (id bigint PRIMARY KEY, note text);\n";
const NAV_V2: &str = "SET lock_timeout = '1s';\nALTER TABLE orders ADD COLUMN state text;\nALTER TABLE \"Order\" ADD COLUMN paid boolean;\n";
const NAV_V3: &str = "SET lock_timeout = '1s';\nALTER TABLE orders RENAME TO purchases;\n";
const NAV_V4: &str = "SET lock_timeout = '1s';\nALTER TABLE purchases ADD COLUMN x int;\nSELECT o.id FROM purchases o;\n";

fn navigation_project() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let sql = dir.path().join("db/migration");
    std::fs::create_dir_all(&sql).unwrap();
    for (name, text) in [
        ("V1__create.sql", NAV_V1),
        ("V2__use.sql", NAV_V2),
        ("V3__rename.sql", NAV_V3),
        ("V4__later.sql", NAV_V4),
    ] {
        std::fs::write(sql.join(name), text).unwrap();
    }
    dir
}

#[test]
fn navigation_resolves_names_as_of_the_statement() {
    let dir = navigation_project();
    let sql = dir.path().join("db/migration");
    let (v2, v3) = (sql.join("V2__use.sql"), sql.join("V3__rename.sql"));
    let mut client = Client::start(dir.path());
    client.diagnostics_until(&v3, |d| rules(d).contains(&"rename-table".to_string()));
    let at = |path: &Path, position: Value| json!({"textDocument": {"uri": uri(path)}, "position": position});

    // V3 renames `orders` later: from V2 it is still `orders`, with V1's columns.
    let hover = client.request(
        "textDocument/hover",
        at(&v2, position_of(NAV_V2, "orders", 0, 2)),
    );
    let text = hover["contents"]["value"].as_str().unwrap();
    assert!(text.contains("**table orders**"), "{text}");
    assert!(
        text.contains("| note | TEXT |") && !text.contains("| total"),
        "{text}"
    );
    // A quoted name is its own table: "Order" is not orders.
    let hover = client.request(
        "textDocument/hover",
        at(&v2, position_of(NAV_V2, "\"Order\"", 0, 3)),
    );
    let text = hover["contents"]["value"].as_str().unwrap();
    assert!(
        text.contains("**table Order**") && text.contains("| total |"),
        "{text}"
    );

    // Definition: the name token in V1, not the whole statement.
    let definition = client.request(
        "textDocument/definition",
        at(&v2, position_of(NAV_V2, "orders", 0, 0)),
    );
    assert_eq!(place(&definition), ("V1__create.sql".into(), 1, 13, 19));
    let definition = client.request(
        "textDocument/definition",
        at(&v2, position_of(NAV_V2, "Order", 0, 1)),
    );
    assert_eq!(place(&definition), ("V1__create.sql".into(), 0, 13, 20));
    // From after the rename, the new name leads to the same table.
    let definition = client.request(
        "textDocument/definition",
        at(
            &sql.join("V4__later.sql"),
            position_of(NAV_V4, "purchases", 1, 1),
        ),
    );
    assert_eq!(place(&definition), ("V1__create.sql".into(), 1, 13, 19));

    // References follow the rename and point at names; the declaration only when asked.
    let references = |client: &mut Client, declaration: bool| {
        let mut params = at(&v2, position_of(NAV_V2, "orders", 0, 3));
        params["context"] = json!({"includeDeclaration": declaration});
        places(&client.request("textDocument/references", params))
    };
    let later = vec![
        ("V2__use.sql".to_string(), 1, 12, 18),
        ("V3__rename.sql".to_string(), 1, 12, 18),
        ("V3__rename.sql".to_string(), 1, 29, 38),
        ("V4__later.sql".to_string(), 1, 12, 21),
        ("V4__later.sql".to_string(), 2, 17, 26),
    ];
    assert_eq!(references(&mut client, false), later);
    let mut all = later.clone();
    all.insert(0, ("V1__create.sql".to_string(), 1, 13, 19));
    assert_eq!(references(&mut client, true), all);
    let mut params = at(&v2, position_of(NAV_V2, "\"Order\"", 0, 0));
    params["context"] = json!({"includeDeclaration": true});
    assert_eq!(
        places(&client.request("textDocument/references", params)),
        vec![
            ("V1__create.sql".to_string(), 0, 13, 20),
            ("V2__use.sql".to_string(), 2, 12, 19),
        ]
    );

    // A table inside a statement with findings: the table and every finding of the statement.
    let hover = client.request(
        "textDocument/hover",
        at(&v3, position_of(NAV_V3, "orders", 0, 1)),
    );
    let text = hover["contents"]["value"].as_str().unwrap();
    assert!(text.contains("**table orders**"), "{text}");
    assert!(text.contains("**rename-table** ("), "{text}");
    client.shutdown();
}

#[test]
fn navigation_compares_mysql_names_as_mysql_does() {
    let dir = tempfile::tempdir().unwrap();
    let sql = dir.path().join("sql");
    std::fs::create_dir_all(&sql).unwrap();
    std::fs::write(
        dir.path().join("flyway.toml"),
        "[flyway]\nlocations = [\"filesystem:sql\"]\n[flyway-lsp]\ndialect = \"mysql\"\n",
    )
    .unwrap();
    let v1 = "CREATE TABLE `Order` (id BIGINT NOT NULL, total DECIMAL(10, 2), PRIMARY KEY (id)) ENGINE=InnoDB;\n";
    let v2 = "ALTER TABLE `order` ADD COLUMN note TEXT, ALGORITHM=INSTANT;\nSELECT id FROM ORDER_LINES;\n";
    std::fs::write(sql.join("V1__create.sql"), v1).unwrap();
    // V3: a gap, so that the file has a finding to wait for.
    std::fs::write(sql.join("V3__use.sql"), v2).unwrap();
    let mut client = Client::start(dir.path());
    let path = sql.join("V3__use.sql");
    client.diagnostics_until(&path, |d| rules(d).contains(&"version-gap".to_string()));
    let at = |position: Value| json!({"textDocument": {"uri": uri(&path)}, "position": position});
    let definition = client.request(
        "textDocument/definition",
        at(position_of(v2, "order", 0, 0)),
    );
    assert_eq!(place(&definition), ("V1__create.sql".into(), 0, 13, 20));
    let mut params = at(position_of(v2, "order", 0, 2));
    params["context"] = json!({"includeDeclaration": false});
    assert_eq!(
        places(&client.request("textDocument/references", params)),
        vec![("V3__use.sql".to_string(), 0, 12, 19)]
    );
    client.shutdown();
}

#[test]
fn completion_offers_what_fits_the_place_as_of_the_migration() {
    let dir = navigation_project();
    let sql = dir.path().join("db/migration");
    let v2 = sql.join("V2__use.sql");
    let mut client = Client::start(dir.path());
    client.diagnostics_until(&sql.join("V3__rename.sql"), |d| {
        rules(d).contains(&"rename-table".to_string())
    });
    let typed =
        "SET lock_timeout = '1s';\nSELECT * FROM ord\nSELECT orders.\nUPDATE \"Order\" SET t";
    client.notify(
        "textDocument/didOpen",
        json!({"textDocument": {"uri": uri(&v2), "languageId": "sql", "version": 1, "text": typed}}),
    );
    client.diagnostics_until(&v2, |_| true);
    let complete = |client: &mut Client, line: u32, character: u32| {
        client.request(
            "textDocument/completion",
            json!({"textDocument": {"uri": uri(&v2)}, "position": {"line": line, "character": character}}),
        )
    };
    let labels = |list: &Value| -> Vec<String> {
        list["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["label"].as_str().unwrap().to_string())
            .collect()
    };
    // After FROM: tables as of V2 (`orders`, not V3's `purchases`), filtered by what is typed,
    // replacing the typed word.
    let list = complete(&mut client, 1, 17);
    assert_eq!(list["isIncomplete"], false);
    assert_eq!(labels(&list), vec!["Order", "orders"]);
    let item = &list["items"][1];
    assert_eq!(item["textEdit"]["newText"], "orders");
    assert_eq!(
        item["textEdit"]["range"]["start"],
        json!({"line": 1, "character": 14})
    );
    assert_eq!(
        item["textEdit"]["range"]["end"],
        json!({"line": 1, "character": 17})
    );
    assert!(item["sortText"].is_string(), "{item}");
    // Right after FROM with nothing typed: every table, quoted where PostgreSQL needs it.
    let list = complete(&mut client, 1, 14);
    assert_eq!(labels(&list), vec!["Order", "orders"]);
    assert_eq!(list["items"][0]["textEdit"]["newText"], "\"Order\"");
    // After `table.`: its columns as of this migration, in table order.
    let list = complete(&mut client, 2, 14);
    assert_eq!(labels(&list), vec!["id", "note"]);
    // No keyword list after UPDATE: tables only.
    let list = complete(&mut client, 3, 7);
    assert_eq!(labels(&list), vec!["Order", "orders"]);
    // Elsewhere: key words and tables, never columns.
    let list = complete(&mut client, 3, 20);
    let found = labels(&list);
    assert!(
        found.contains(&"TEXT".to_string()) && !found.contains(&"note".to_string()),
        "{found:?}"
    );
    client.shutdown();
}

#[test]
fn completion_is_bounded_and_triggered_by_a_dot_only() {
    let dir = tempfile::tempdir().unwrap();
    let sql = dir.path().join("db/migration");
    std::fs::create_dir_all(&sql).unwrap();
    let tables: String = (0..700)
        .map(|i| format!("CREATE TABLE t{i:03} (id bigint);\n"))
        .collect();
    std::fs::write(sql.join("V1__tables.sql"), tables).unwrap();
    std::fs::write(sql.join("V2__use.sql"), "SELECT * FROM \n").unwrap();
    let mut client = Client::start(dir.path());
    let v2 = sql.join("V2__use.sql");
    client.diagnostics_until(&v2, |_| true);
    let list = client.request(
        "textDocument/completion",
        json!({"textDocument": {"uri": uri(&v2)}, "position": {"line": 0, "character": 14}}),
    );
    assert_eq!(list["isIncomplete"], true);
    let items = list["items"].as_array().unwrap();
    assert_eq!(items.len(), 500);
    assert_eq!(items[0]["label"], "t000");
    client.shutdown();
}

#[test]
fn a_client_that_cannot_watch_files_gets_the_servers_watcher() {
    let dir = project();
    let sql = dir.path().join("db/migration");
    let mut client = Client::start_with_capabilities(dir.path(), Value::Null, json!({}));
    client.diagnostics_until(&sql.join("V4__gap.sql"), |d| {
        rules(d).contains(&"version-gap".to_string())
    });
    // A new file (suffix in capitals: Flyway reads it), an external edit, a rename.
    let new = sql.join("V3__fill.SQL");
    std::fs::write(&new, "SELECT 1;\n").unwrap();
    client.diagnostics_until(&sql.join("V4__gap.sql"), |d| {
        !rules(d).contains(&"version-gap".to_string())
    });
    std::fs::write(
        sql.join("V2__add_name.sql"),
        "ALTER TABLE users ADD COLUMN name text;\n",
    )
    .unwrap();
    client.diagnostics_until(&sql.join("V2__add_name.sql"), |d| {
        rules(d).contains(&"require-lock-timeout".to_string())
    });
    std::fs::rename(&new, sql.join("V5__fill.SQL")).unwrap();
    client.diagnostics_until(&sql.join("V4__gap.sql"), |d| {
        rules(d).contains(&"version-gap".to_string())
    });
    // No registration was asked of this client.
    assert!(client
        .notification("client/registerCapability", Duration::from_millis(10))
        .is_none());
    client.shutdown();
}

#[test]
fn watched_file_patterns_cover_flyways_suffixes() {
    let dir = project();
    std::fs::write(
        dir.path().join("flyway.toml"),
        "[flyway]\nlocations = [\"filesystem:db/migration\"]\nsqlMigrationSuffixes = [\".sql\", \".pgsql\"]\n",
    )
    .unwrap();
    let mut client = Client::start(dir.path());
    let registration = client
        .notification("client/registerCapability", Duration::from_secs(20))
        .expect("file watchers registered");
    let globs: Vec<&str> = registration["params"]["registrations"][0]["registerOptions"]
        ["watchers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["globPattern"].as_str().unwrap())
        .collect();
    assert!(globs.contains(&"**/*.[sS][qQ][lL]"), "{globs:?}");
    assert!(globs.contains(&"**/*.[pP][gG][sS][qQ][lL]"), "{globs:?}");
    client.shutdown();
}

/// A keystroke publishes the files whose findings changed (the edited one, with its new
/// version, and another file its edit reaches), clears a file that went clean, and leaves the
/// files whose findings stayed as they were alone.
#[test]
fn a_keystroke_publishes_only_the_files_whose_findings_changed() {
    let dir = tempfile::tempdir().unwrap();
    let sql = dir.path().join("db/migration");
    std::fs::create_dir_all(&sql).unwrap();
    let (v1, v2, v3, v5) = (
        sql.join("V1__create.sql"),
        sql.join("V2__alter_a.sql"),
        sql.join("V3__alter_b.sql"),
        sql.join("V5__gap.sql"),
    );
    std::fs::write(&v1, "CREATE TABLE a (id int);\nCREATE TABLE b (id int);\n").unwrap();
    std::fs::write(
        &v2,
        "SET lock_timeout = '1s';\nALTER TABLE a ADD COLUMN x int;\n",
    )
    .unwrap();
    // V3 (a SQL finding) and V5 (a folder rule's) have findings no edit of V1 below changes.
    std::fs::write(
        &v3,
        "SET lock_timeout = '1s';\nALTER TABLE b ADD COLUMN y int NOT NULL;\n",
    )
    .unwrap();
    std::fs::write(&v5, "SELECT 1;\n").unwrap();
    let mut client = Client::start(dir.path());
    let before_v3 = client.diagnostics_until(&v3, |d| !d.is_empty());
    assert_eq!(rules(&before_v3), ["add-column-not-null-without-default"]);
    let before_v5 = client.diagnostics_until(&v5, |d| !d.is_empty());
    assert_eq!(rules(&before_v5), ["version-gap"]);
    let text = std::fs::read_to_string(&v1).unwrap();
    client.notify(
        "textDocument/didOpen",
        json!({"textDocument": {"uri": uri(&v1), "languageId": "sql", "version": 1, "text": text}}),
    );
    // Every publish from here on, in order, until `path`'s findings satisfy `accept`.
    let publishes_until = |client: &mut Client, path: &Path, accept: &dyn Fn(&[Value]) -> bool| {
        let target = uri(path);
        let deadline = Instant::now() + Duration::from_secs(20);
        let mut seen: Vec<(String, Vec<Value>)> = Vec::new();
        for message in std::mem::take(&mut client.backlog) {
            if message["method"] == "textDocument/publishDiagnostics" {
                seen.push((
                    message["params"]["uri"].as_str().unwrap().to_string(),
                    message["params"]["diagnostics"].as_array().unwrap().clone(),
                ));
            }
        }
        loop {
            if seen.iter().any(|(u, d)| *u == target && accept(d)) {
                return seen;
            }
            let message = client
                .receive(deadline)
                .unwrap_or_else(|| panic!("no acceptable publish for {target}: {seen:?}"));
            if message["method"] == "textDocument/publishDiagnostics" {
                seen.push((
                    message["params"]["uri"].as_str().unwrap().to_string(),
                    message["params"]["diagnostics"].as_array().unwrap().clone(),
                ));
            }
        }
    };
    // V1 drops the table V2 alters: V2 gets a finding.
    client.notify(
        "textDocument/didChange",
        json!({
            "textDocument": {"uri": uri(&v1), "version": 2},
            "contentChanges": [{"range": {"start": {"line": 1, "character": 0}, "end": {"line": 1, "character": 0}}, "text": "DROP TABLE a;\n"}]
        }),
    );
    let mut seen = publishes_until(&mut client, &v2, &|d| {
        rules(d).contains(&"unknown-table".to_string())
    });
    // Back as it was: V2 goes clean (an empty publish).
    client.notify(
        "textDocument/didChange",
        json!({
            "textDocument": {"uri": uri(&v1), "version": 3},
            "contentChanges": [{"range": {"start": {"line": 1, "character": 0}, "end": {"line": 2, "character": 0}}, "text": ""}]
        }),
    );
    seen.extend(publishes_until(&mut client, &v2, &|d| d.is_empty()));
    // The publishes of the second change come after all of the first's: V3 and V5 would be
    // among them if they had been sent again.
    let sent_to = |path: &Path| seen.iter().filter(|(u, _)| *u == uri(path)).count();
    assert_eq!(sent_to(&v2), 2, "{seen:?}");
    assert_eq!(sent_to(&v3), 0, "V3's findings did not change: {seen:?}");
    assert_eq!(sent_to(&v5), 0, "V5's findings did not change: {seen:?}");
    client.shutdown();
}

/// Makes `root` a git repository with everything in it committed (the `applied-ref = "HEAD"` tests).
pub(crate) fn commit_all(root: &Path) {
    let git = |args: &[&str]| {
        let ok = Command::new("git")
            .arg("-C")
            .arg(root)
            .args(args)
            .status()
            .unwrap()
            .success();
        assert!(ok, "git {args:?}");
    };
    git(&["init", "-q"]);
    git(&["config", "user.email", "ci@example.com"]);
    git(&["config", "user.name", "ci"]);
    git(&["add", "."]);
    git(&["commit", "-q", "-m", "applied"]);
}
