//! Positions of many findings in one file: 100,000 findings, line/column computed the old way
//! (`LineCol::of`, a scan from the file start for every finding) and through the per-file
//! `LineIndex` (line starts indexed once, binary search), then the whole engine on a migration
//! with 100,000 findings; last, LSP positions (UTF-16) of the same findings on one 20 MB line
//! (a minified dump), through the LSP line index and by counting from the line start.
//!
//! Run: `cargo bench -p flyway-lsp --bench positions` (add `-- --findings N` for another count).
//! The old way is quadratic: it is timed on an evenly spread sample of the findings and the
//! total is extrapolated (printed as such); `--full` times every finding instead.

use std::time::{Duration, Instant};

use flyway_lsp::config::LoadOptions;
use flyway_lsp::diagnostic::{LineCol, LineIndex};
use flyway_lsp::engine;

fn arg(args: &[String], name: &str) -> Option<usize> {
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .and_then(|n| n.parse().ok())
}

/// A script of `findings` statements, each a finding (a blocking CREATE INDEX), with CRLF line
/// ends and some non-ASCII text so columns count characters.
fn script(findings: usize) -> String {
    let mut text = String::new();
    for i in 0..findings {
        text.push_str(&format!(
            "-- índice {i} ☕\r\nCREATE INDEX idx_{i} ON accounts (name);\r\n"
        ));
    }
    text
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let findings = arg(&args, "--findings").unwrap_or(100_000);
    let full = args.iter().any(|a| a == "--full");
    let text = script(findings);
    let offsets: Vec<usize> = text.match_indices("CREATE INDEX").map(|(i, _)| i).collect();
    eprintln!(
        "{} findings in one {:.1} MB file",
        offsets.len(),
        text.len() as f64 / 1_048_576.0
    );

    // After: one index, one lookup per finding (start and end, as the engine does).
    let start = Instant::now();
    let index = LineIndex::new(&text);
    let after: Vec<(LineCol, LineCol)> = offsets
        .iter()
        .map(|&o| (index.line_col(&text, o), index.line_col(&text, o + 12)))
        .collect();
    let after_time = start.elapsed();

    // Before: LineCol::of for every position.
    let sample: Vec<usize> = if full {
        (0..offsets.len()).collect()
    } else {
        let step = (offsets.len() / 2_000).max(1);
        (0..offsets.len()).step_by(step).collect()
    };
    let start = Instant::now();
    for &k in &sample {
        let o = offsets[k];
        let before = (LineCol::of(&text, o), LineCol::of(&text, o + 12));
        assert_eq!(before, after[k], "the index gives the same positions");
    }
    let sampled = start.elapsed();
    let before_time = sampled.mul_f64(offsets.len() as f64 / sample.len() as f64);
    println!(
        "positions of {} findings: LineIndex {:.1} ms; LineCol::of {:.1} s{} ({:.0}x)",
        offsets.len(),
        ms(after_time),
        before_time.as_secs_f64(),
        if full {
            String::new()
        } else {
            format!(
                " (extrapolated from {} evenly spread findings, {:.2} s)",
                sample.len(),
                sampled.as_secs_f64()
            )
        },
        before_time.as_secs_f64() / after_time.as_secs_f64().max(1e-9)
    );

    // The engine end to end: V1 creates the table, V2 holds every finding.
    let dir = tempfile::tempdir().expect("temp dir");
    let sql = dir.path().join("sql");
    std::fs::create_dir_all(&sql).expect("create folder");
    std::fs::write(
        sql.join("V1__accounts.sql"),
        "CREATE TABLE accounts (id bigint PRIMARY KEY, name text);\n",
    )
    .expect("write V1");
    std::fs::write(sql.join("V2__indexes.sql"), &text).expect("write V2");
    let start = Instant::now();
    let reports = engine::check_path(dir.path(), &LoadOptions::default()).expect("check runs");
    let elapsed = start.elapsed();
    let reported: usize = reports.iter().map(|r| r.diagnostics.len()).sum();
    assert!(reported >= findings, "every statement is a finding");
    println!(
        "check of a migration with {reported} findings: {:.2} s",
        elapsed.as_secs_f64()
    );

    // LSP positions on one long line: the statements without their line ends.
    let line: String = text.replace("\r\n", " ");
    let offsets: Vec<usize> = line.match_indices("CREATE INDEX").map(|(i, _)| i).collect();
    let start = Instant::now();
    let index = flyway_lsp::lsp::proto::LineIndex::new(&line);
    let indexed: Vec<u32> = offsets
        .iter()
        .map(|&o| index.position(o).character)
        .collect();
    let indexed_time = start.elapsed();
    let step = (offsets.len() / 500).max(1);
    let start = Instant::now();
    let mut counted = 0usize;
    for k in (0..offsets.len()).step_by(step) {
        let units: usize = line[..offsets[k]].chars().map(char::len_utf16).sum();
        assert_eq!(units as u32, indexed[k], "the index gives the same columns");
        counted += 1;
    }
    let counted_time = start
        .elapsed()
        .mul_f64(offsets.len() as f64 / counted as f64);
    println!(
        "LSP positions of {} findings on one {:.1} MB line: indexed {:.1} ms; counted from the \
         line start {:.1} s (extrapolated from {counted}) ({:.0}x)",
        offsets.len(),
        line.len() as f64 / 1_048_576.0,
        ms(indexed_time),
        counted_time.as_secs_f64(),
        counted_time.as_secs_f64() / indexed_time.as_secs_f64().max(1e-9)
    );
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}
