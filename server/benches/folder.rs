//! Indexing + checking benchmark: generates a 10,000-file (~40 MB) migration tree and reports
//! files/s and MB/s for `check` through the engine (the same path the CLI takes).
//!
//! Run: `cargo bench -p flyway-lsp --bench folder` (add `-- --files N` for another size).

use std::path::Path;
use std::time::{Duration, Instant};

use flyway_lsp::config::LoadOptions;
use flyway_lsp::engine;

fn migration_text(i: usize, target_bytes: usize) -> String {
    let mut text = format!(
        "-- Migration {i}: add table t{i}\nCREATE TABLE IF NOT EXISTS t{i} (\n    id bigint PRIMARY KEY,\n    name text NOT NULL,\n    created_at timestamptz NOT NULL DEFAULT now()\n);\n"
    );
    let mut n = 0;
    while text.len() < target_bytes {
        text.push_str(&format!(
            "INSERT INTO t{i} (id, name) VALUES ({n}, 'row {n} of a seed statement with some text');\r\n"
        ));
        n += 1;
    }
    text
}

fn generate(root: &Path, files: usize, bytes_each: usize) -> u64 {
    let dir = root.join("db/migration");
    let mut total = 0;
    for i in 1..=files {
        // Spread over subfolders, as large projects do.
        let sub = dir.join(format!("{:03}", i / 500));
        std::fs::create_dir_all(&sub).expect("create folder");
        let text = migration_text(i, bytes_each);
        total += text.len() as u64;
        std::fs::write(sub.join(format!("V{i}__add_table_{i}.sql")), text).expect("write file");
    }
    total
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let files = args
        .iter()
        .position(|a| a == "--files")
        .and_then(|i| args.get(i + 1))
        .and_then(|n| n.parse().ok())
        .unwrap_or(10_000usize);
    let dir = tempfile::tempdir().expect("temp dir");
    eprintln!("generating {files} migration files…");
    let bytes = generate(dir.path(), files, 4_000);
    let mb = bytes as f64 / 1_048_576.0;
    eprintln!("generated {mb:.1} MB in {}", dir.path().display());

    let options = LoadOptions::default();
    let mut times = Vec::new();
    for run in 0..6 {
        let start = Instant::now();
        let reports = engine::check_path(dir.path(), &options).expect("check runs");
        let elapsed = start.elapsed();
        let checked: usize = reports.iter().map(|r| r.set.files.len()).sum();
        let diagnostics: usize = reports.iter().map(|r| r.diagnostics.len()).sum();
        assert_eq!(checked, files, "every generated file is indexed");
        assert_eq!(diagnostics, 0, "the generated tree is clean");
        // The first run warms the page cache; it is reported but not counted.
        if run == 0 {
            eprintln!("warm-up run: {:.1} ms", ms(elapsed));
        } else {
            times.push(elapsed);
        }
    }
    times.sort();
    let median = times[times.len() / 2];
    let best = times[0];
    println!(
        "check {files} files ({mb:.1} MB): median {:.1} ms, best {:.1} ms; {:.0} files/s, {:.0} MB/s (median)",
        ms(median),
        ms(best),
        files as f64 / median.as_secs_f64(),
        mb / median.as_secs_f64()
    );
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}
