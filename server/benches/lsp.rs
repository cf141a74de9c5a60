//! Language server benchmark on a realistic folder: N migrations (default 10,000) of ~4 KB of
//! DDL each (tables, indexes, a PL/pgSQL trigger function and its trigger, a view, comments,
//! ALTERs of earlier tables: some with findings), generated here. Measures the time to first
//! diagnostics and resident memory; then, editing an ordinary migration in the middle of the
//! folder, didChange → publishDiagnostics latency and hover latency while typing (a hover sent
//! right after each change), and resident memory after 500 edits; then the didChange → publish
//! latency on a 2,000-line migration (in that workspace and in a small one).
//!
//! Run: `cargo bench -p flyway-lsp --bench lsp` (add `-- --files N` for another size,
//! `--edits N` for another number of edits while typing, `--progress` for a client that shows
//! work-done progress; `--write DIR` only writes the folder, to profile `flyway-lsp check DIR`
//! on it).
//! Targets (issue #14, 2 cores): first diagnostics < 1.5 s, edit → publish p99 < 100 ms, hover
//! while typing p99 < 100 ms, RSS < 200 MB after 500 edits, 2,000-line file edit p99 < 10 ms.

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

    /// CPU time the server has used so far (user + system), in milliseconds: unlike latencies,
    /// hardly changed by what else the machine runs.
    fn cpu_ms(&self) -> f64 {
        let stat =
            std::fs::read_to_string(format!("/proc/{}/stat", self.child.id())).unwrap_or_default();
        // Fields after the command name (which is in parentheses): utime is the 12th, stime
        // the 13th, in clock ticks (100 per second on Linux).
        let fields: Vec<&str> = stat
            .rsplit_once(')')
            .map_or("", |(_, rest)| rest)
            .split_whitespace()
            .collect();
        let ticks = |i: usize| {
            fields
                .get(i)
                .and_then(|v| v.parse::<f64>().ok())
                .unwrap_or(0.0)
        };
        (ticks(11) + ticks(12)) * 10.0
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

/// One ordinary migration of the realistic folder: ~4 KB of DDL on table `t{i}`, touching the
/// table of an earlier migration (every 7th file with a finding: a blocking index on it).
fn realistic_migration(i: usize) -> String {
    let mut text = format!(
        "-- Migration {i}: the t{i} table, its audit trigger and its report view.\n\
         SET lock_timeout = '2s';\n\
         CREATE TABLE t{i} (\n    id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,\n    \
         account_id bigint NOT NULL,\n    name text NOT NULL,\n    status text NOT NULL DEFAULT 'new',\n    \
         amount numeric(12, 2) NOT NULL DEFAULT 0,\n    payload jsonb,\n    \
         created_at timestamptz NOT NULL DEFAULT now(),\n    updated_at timestamptz\n);\n\
         CREATE INDEX t{i}_account_idx ON t{i} (account_id);\n\
         CREATE INDEX t{i}_status_idx ON t{i} (status, created_at);\n\
         COMMENT ON TABLE t{i} IS 'Rows of kind {i}';\n\
         COMMENT ON COLUMN t{i}.payload IS 'Raw payload as received';\n\
         CREATE OR REPLACE FUNCTION t{i}_touch() RETURNS trigger AS $$\n\
         BEGIN\n    NEW.updated_at := now();\n    IF NEW.status IS NULL THEN\n        \
         NEW.status := 'new';\n    END IF;\n    RETURN NEW;\nEND;\n$$ LANGUAGE plpgsql;\n\
         CREATE TRIGGER t{i}_touch BEFORE UPDATE ON t{i}\n    \
         FOR EACH ROW EXECUTE FUNCTION t{i}_touch();\n\
         CREATE VIEW t{i}_report AS\n    SELECT account_id, status, count(*) AS n, sum(amount) AS total\n    \
         FROM t{i}\n    GROUP BY account_id, status;\n"
    );
    if i > 1 {
        let p = i - 1;
        text.push_str(&format!(
            "ALTER TABLE t{p} ADD COLUMN note_{i} text;\n\
             ALTER TABLE t{p} ALTER COLUMN note_{i} SET DEFAULT 'none';\n"
        ));
        if i.is_multiple_of(7) {
            text.push_str(&format!(
                "CREATE INDEX t{p}_note_{i}_idx ON t{p} (note_{i});\n"
            ));
        }
    }
    let mut k = 0;
    while text.len() < 4000 {
        text.push_str(&format!(
            "-- Keep the history of kind {i} searchable ({k}).\n\
             CREATE INDEX IF NOT EXISTS t{i}_name_{k}_idx ON t{i} (lower(name), id);\n"
        ));
        k += 1;
    }
    text
}

fn generate(root: &Path, files: usize) {
    let dir = root.join("db/migration");
    std::fs::create_dir_all(&dir).expect("mkdir");
    for i in 1..=files {
        std::fs::write(
            dir.join(format!("V{i}__add_table_{i}.sql")),
            realistic_migration(i),
        )
        .expect("write");
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

fn run(files: usize, typing: usize, progress: bool) {
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
    // `--progress`: a client that shows work-done progress (its create requests are answered).
    let capabilities = if progress {
        json!({"window": {"workDoneProgress": true}})
    } else {
        json!({})
    };
    server.send(json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {"processId": null, "rootUri": root, "capabilities": capabilities}}));
    server.wait(|v| v["id"] == 1);
    server.send(json!({"jsonrpc": "2.0", "method": "initialized", "params": {}}));
    // The server logs when indexing is done, then publishes; nothing to publish means clean.
    server.wait(|v| v["method"] == "window/logMessage");
    let first = start.elapsed();
    let first_cpu = server.cpu_ms();
    let rss = server.rss_mb();

    // Typing in an ordinary migration in the middle of the folder: a character added and
    // removed at the end of its CREATE TABLE line, a hover on the table name right after each
    // change (answered while the re-check of that change may still run).
    let middle_n = files / 2;
    let middle = dir.path().join(format!(
        "db/migration/V{middle_n}__add_table_{middle_n}.sql"
    ));
    let middle_text = realistic_migration(middle_n);
    let middle_uri = format!("file://{}", middle.display());
    server.send(json!({"jsonrpc": "2.0", "method": "textDocument/didOpen", "params": {"textDocument": {"uri": middle_uri, "languageId": "sql", "version": 1, "text": middle_text}}}));
    let line = 2u32;
    let column = format!("CREATE TABLE t{middle_n}").len() as u32;
    let mut edits = Vec::new();
    let mut hovers = Vec::new();
    let cpu_before = server.cpu_ms();
    for version in 2..=(typing as i32 + 1) {
        let add = version % 2 == 0;
        let change = if add {
            json!({"range": {"start": {"line": line, "character": column}, "end": {"line": line, "character": column}}, "text": "x"})
        } else {
            json!({"range": {"start": {"line": line, "character": column}, "end": {"line": line, "character": column + 1}}, "text": ""})
        };
        let sent = Instant::now();
        server.send(json!({"jsonrpc": "2.0", "method": "textDocument/didChange", "params": {"textDocument": {"uri": middle_uri, "version": version}, "contentChanges": [change]}}));
        let id = 100_000 + version;
        server.send(json!({"jsonrpc": "2.0", "id": id, "method": "textDocument/hover", "params": {"textDocument": {"uri": middle_uri}, "position": {"line": line, "character": column - 2}}}));
        let (mut hovered, mut published) = (None, None);
        let u = middle_uri.clone();
        while hovered.is_none() || published.is_none() {
            let v = server.wait(|_| true);
            if v["id"] == id {
                hovered = Some(sent.elapsed());
            } else if v["method"] == "textDocument/publishDiagnostics"
                && v["params"]["uri"] == u
                && v["params"]["version"] == version
            {
                published = Some(sent.elapsed());
            }
        }
        hovers.push(hovered.unwrap_or_default());
        edits.push(published.unwrap_or_default());
    }
    let rss_typing = server.rss_mb();
    let cpu_per_edit = (server.cpu_ms() - cpu_before) / typing as f64;
    // What an editor left idle holds: the server frees and trims once the model settles.
    std::thread::sleep(Duration::from_secs(1));
    let rss_settled = server.rss_mb();
    let percentile = |v: &mut Vec<Duration>, p: f64| {
        v.sort();
        v[((v.len() as f64 - 1.0) * p) as usize].as_secs_f64() * 1000.0
    };
    println!(
        "{files:>6} files: typing in an ordinary migration: didChange→publish p50 {:.1} ms, p99 {:.1} ms; hover while typing p50 {:.1} ms, p99 {:.1} ms; server CPU per edit (with its hover) {cpu_per_edit:.1} ms; RSS after {typing} edits {rss_typing:.0} MB, 1 s later {rss_settled:.0} MB",
        percentile(&mut edits, 0.5),
        percentile(&mut edits, 0.99),
        percentile(&mut hovers, 0.5),
        percentile(&mut hovers, 0.99)
    );

    server.send(json!({"jsonrpc": "2.0", "method": "textDocument/didOpen", "params": {"textDocument": {"uri": uri, "languageId": "sql", "version": 1, "text": text}}}));
    // Toggle a NOT NULL on the last line: each change adds or removes one finding.
    let line = 1999;
    let base = "ALTER TABLE t1 ADD COLUMN c1998 text".len();
    let mut latencies = Vec::new();
    let big_cpu_before = server.cpu_ms();
    for version in 2..=201 {
        let add = version % 2 == 0;
        let change = if add {
            json!({"range": {"start": {"line": line, "character": base}, "end": {"line": line, "character": base}}, "text": " NOT NULL"})
        } else {
            json!({"range": {"start": {"line": line, "character": base}, "end": {"line": line, "character": base + 9}}, "text": ""})
        };
        let sent = Instant::now();
        server.send(json!({"jsonrpc": "2.0", "method": "textDocument/didChange", "params": {"textDocument": {"uri": uri, "version": version}, "contentChanges": [change]}}));
        // The NOT NULL's own finding (other rules may flag the file too: it is 2,000 ALTERs of
        // one table).
        let expect = usize::from(add);
        let u = uri.clone();
        server.wait(move |v| {
            v["method"] == "textDocument/publishDiagnostics"
                && v["params"]["uri"] == u
                && v["params"]["version"] == version
                && v["params"]["diagnostics"].as_array().map_or(0, |d| {
                    d.iter()
                        .filter(|d| d["code"] == "add-column-not-null-without-default")
                        .count()
                }) == expect
        });
        latencies.push(sent.elapsed());
    }
    // The first change right after didOpen waits for the open's own check.
    let first_edit = latencies[0].as_secs_f64() * 1000.0;
    latencies.sort();
    let pct =
        |p: f64| latencies[((latencies.len() as f64 - 1.0) * p) as usize].as_secs_f64() * 1000.0;
    let rss_after = server.rss_mb();
    let big_cpu = (server.cpu_ms() - big_cpu_before) / 200.0;
    println!(
        "{files:>6} files: first diagnostics {:.0} ms (server CPU {first_cpu:.0} ms), RSS {rss:.0} MB (after editing {rss_after:.0} MB); didChange→publish on a 2,000-line file: p50 {:.1} ms, p99 {:.1} ms, server CPU per edit {big_cpu:.1} ms, first edit (sent right after didOpen) {first_edit:.0} ms",
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
    let edits = args
        .iter()
        .position(|a| a == "--edits")
        .and_then(|i| args.get(i + 1))
        .and_then(|n| n.parse().ok())
        .unwrap_or(500usize);
    // `--write DIR`: only write the folder (for profiling `flyway-lsp check DIR`).
    if let Some(dir) = args
        .iter()
        .position(|a| a == "--write")
        .and_then(|i| args.get(i + 1))
    {
        generate(Path::new(dir), files);
        return;
    }
    let progress = args.iter().any(|a| a == "--progress");
    run(20, edits, progress);
    run(files, edits, progress);
}
