//! Language server benchmark: time to first diagnostics and resident memory in a workspace of
//! N migrations (default 10,000), and didChange → publishDiagnostics latency while editing a
//! 2,000-line migration (in that workspace and in a small one).
//!
//! Run: `cargo bench -p flyway-lsp --bench lsp` (add `-- --files N` for another size).

use std::io::{BufRead, BufReader, Read, Write};
use std::path::Path;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{channel, Receiver};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

struct Server {
    child: Child,
    stdin: ChildStdin,
    incoming: Receiver<Value>,
}

impl Server {
    fn start() -> Server {
        let mut child = Command::new(env!("CARGO_BIN_EXE_flyway-lsp"))
            .arg("serve")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("server starts");
        let stdin = child.stdin.take().expect("stdin");
        let stdout = child.stdout.take().expect("stdout");
        let (tx, incoming) = channel();
        std::thread::spawn(move || {
            let mut reader = BufReader::new(stdout);
            loop {
                let mut length = 0;
                loop {
                    let mut line = String::new();
                    if reader.read_line(&mut line).unwrap_or(0) == 0 {
                        return;
                    }
                    if line.trim().is_empty() {
                        break;
                    }
                    if let Some(v) = line.trim().strip_prefix("Content-Length: ") {
                        length = v.parse().unwrap_or(0);
                    }
                }
                let mut body = vec![0; length];
                if reader.read_exact(&mut body).is_err() {
                    return;
                }
                if let Ok(v) = serde_json::from_slice::<Value>(&body) {
                    if tx.send(v).is_err() {
                        return;
                    }
                }
            }
        });
        Server {
            child,
            stdin,
            incoming,
        }
    }

    fn send(&mut self, v: Value) {
        let body = v.to_string();
        write!(self.stdin, "Content-Length: {}\r\n\r\n{body}", body.len()).expect("write");
        self.stdin.flush().expect("flush");
    }

    fn wait(&mut self, pred: impl Fn(&Value) -> bool) -> Value {
        let deadline = Instant::now() + Duration::from_secs(120);
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let v = self
                .incoming
                .recv_timeout(left)
                .expect("server answered in time");
            if v.get("id").is_some() && v.get("method").is_some() {
                let id = v["id"].clone();
                self.send(json!({"jsonrpc": "2.0", "id": id, "result": null}));
            }
            if pred(&v) {
                return v;
            }
        }
    }

    fn rss_mb(&self) -> f64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id()))
            .unwrap_or_default();
        status
            .lines()
            .find(|l| l.starts_with("VmRSS:"))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|kb| kb.parse::<f64>().ok())
            .map_or(0.0, |kb| kb / 1024.0)
    }
}

fn generate(root: &Path, files: usize) {
    let dir = root.join("db/migration");
    std::fs::create_dir_all(&dir).expect("mkdir");
    for i in 1..=files {
        let mut text = format!("SET lock_timeout = '1s';\nCREATE TABLE IF NOT EXISTS t{i} (id bigint PRIMARY KEY, name text NOT NULL);\n");
        while text.len() < 4000 {
            text.push_str(&format!(
                "INSERT INTO t{i} (id, name) VALUES ({}, 'seed row');\n",
                text.len()
            ));
        }
        std::fs::write(dir.join(format!("V{i}__add_table_{i}.sql")), text).expect("write");
    }
}

/// A 2,000-line migration: ALTERs on the table of V1.
fn big_migration(n: usize) -> String {
    let mut text = String::from("SET lock_timeout = '1s';\n");
    for i in 0..1999 {
        text.push_str(&format!("ALTER TABLE t1 ADD COLUMN c{i} text;\n"));
    }
    let _ = n;
    text
}

fn run(files: usize) {
    let dir = tempfile::tempdir().expect("temp dir");
    generate(dir.path(), files);
    let big = dir
        .path()
        .join(format!("db/migration/V{}__big.sql", files + 1));
    let text = big_migration(files);
    std::fs::write(&big, &text).expect("write");
    let uri = format!("file://{}", big.display());

    let mut server = Server::start();
    let start = Instant::now();
    let root = format!("file://{}", dir.path().display());
    server.send(json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {"processId": null, "rootUri": root, "capabilities": {}}}));
    server.wait(|v| v["id"] == 1);
    server.send(json!({"jsonrpc": "2.0", "method": "initialized", "params": {}}));
    // The server logs when indexing is done, then publishes; nothing to publish means clean.
    server.wait(|v| v["method"] == "window/logMessage");
    let first = start.elapsed();
    let rss = server.rss_mb();

    server.send(json!({"jsonrpc": "2.0", "method": "textDocument/didOpen", "params": {"textDocument": {"uri": uri, "languageId": "sql", "version": 1, "text": text}}}));
    // Toggle a NOT NULL on the last line: each change adds or removes one finding.
    let line = 1999;
    let base = "ALTER TABLE t1 ADD COLUMN c1998 text".len();
    let mut latencies = Vec::new();
    for version in 2..=201 {
        let add = version % 2 == 0;
        let change = if add {
            json!({"range": {"start": {"line": line, "character": base}, "end": {"line": line, "character": base}}, "text": " NOT NULL"})
        } else {
            json!({"range": {"start": {"line": line, "character": base}, "end": {"line": line, "character": base + 9}}, "text": ""})
        };
        let sent = Instant::now();
        server.send(json!({"jsonrpc": "2.0", "method": "textDocument/didChange", "params": {"textDocument": {"uri": uri, "version": version}, "contentChanges": [change]}}));
        let expect = usize::from(add);
        let u = uri.clone();
        server.wait(move |v| {
            v["method"] == "textDocument/publishDiagnostics"
                && v["params"]["uri"] == u
                && v["params"]["version"] == version
                && v["params"]["diagnostics"].as_array().map_or(0, |d| d.len()) == expect
        });
        latencies.push(sent.elapsed());
    }
    latencies.sort();
    let pct =
        |p: f64| latencies[((latencies.len() as f64 - 1.0) * p) as usize].as_secs_f64() * 1000.0;
    let rss_after = server.rss_mb();
    println!(
        "{files:>6} files: first diagnostics {:.0} ms, RSS {rss:.0} MB (after editing {rss_after:.0} MB); didChange→publish on a 2,000-line file: p50 {:.1} ms, p99 {:.1} ms",
        first.as_secs_f64() * 1000.0,
        pct(0.5),
        pct(0.99)
    );
    server.send(json!({"jsonrpc": "2.0", "id": 9, "method": "shutdown"}));
    server.wait(|v| v["id"] == 9);
    server.send(json!({"jsonrpc": "2.0", "method": "exit"}));
    let _ = server.child.wait();
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let files = args
        .iter()
        .position(|a| a == "--files")
        .and_then(|i| args.get(i + 1))
        .and_then(|n| n.parse().ok())
        .unwrap_or(10_000usize);
    run(20);
    run(files);
}
