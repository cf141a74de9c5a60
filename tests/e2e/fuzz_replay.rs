//! The fuzz targets' properties (`flyway_lsp::fuzzing`) over every kept regression input
//! (`server/fuzz/regressions/<target>/`) and the seeds `server/fuzz/run.sh` starts from: the
//! fixtures' file names and scripts, and well-formed LSP frames. CI runs this instead of
//! building the instrumented targets; coverage-guided fuzzing is `bash server/fuzz/run.sh
//! SECONDS` (cargo-fuzz).

use std::path::{Path, PathBuf};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

/// The files below `dir`, sorted (the same inputs in the same order every run).
fn files_below(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = walkdir::WalkDir::new(dir)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file())
        .map(|e| e.into_path())
        .collect();
    files.sort();
    files
}

/// The kept regression inputs of `target` (each once made the target fail).
fn regressions(target: &str) -> Vec<Vec<u8>> {
    let dir = repo().join("server/fuzz/regressions").join(target);
    files_below(&dir)
        .iter()
        .map(|f| std::fs::read(f).unwrap())
        .collect()
}

/// The fixtures' SQL scripts under 8 KB (as `run.sh` seeds them).
fn scripts() -> Vec<Vec<u8>> {
    files_below(&repo().join("fixtures"))
        .into_iter()
        .filter(|f| f.extension().is_some_and(|e| e.eq_ignore_ascii_case("sql")))
        .filter(|f| std::fs::metadata(f).is_ok_and(|m| m.len() < 8 * 1024))
        .map(|f| std::fs::read(f).unwrap())
        .collect()
}

#[test]
fn fuzz_names_regressions_and_every_fixture_name() {
    let mut inputs = regressions("names");
    assert!(!inputs.is_empty(), "the names regressions are kept");
    for file in files_below(&repo().join("fixtures")) {
        let name = file.file_name().unwrap().to_string_lossy().into_owned();
        inputs.push(name.into_bytes());
    }
    for input in &inputs {
        flyway_lsp::fuzzing::names(input);
    }
}

#[test]
fn fuzz_checksum_and_sql_over_the_fixture_scripts() {
    let scripts = scripts();
    assert!(scripts.len() > 300, "{} scripts", scripts.len());
    for input in regressions("checksum").iter().chain(&scripts) {
        flyway_lsp::fuzzing::checksum(input);
    }
    for input in regressions("sql").iter().chain(&scripts) {
        flyway_lsp::fuzzing::sql(input);
    }
}

#[test]
fn fuzz_lsp_edits_regressions_and_scripts_as_edits() {
    let dir = tempfile::tempdir().unwrap();
    let mut fixture = flyway_lsp::fuzzing::EditFixture::new(dir.path());
    let inputs = regressions("lsp_edits");
    assert!(!inputs.is_empty(), "the lsp_edits regressions are kept");
    // Every 30th script read as a stream of edits (each re-checks the project).
    for input in inputs.iter().chain(scripts().iter().step_by(30)) {
        flyway_lsp::fuzzing::lsp_edits(&mut fixture, input);
    }
}

#[test]
fn fuzz_lsp_transport_regressions_and_frames() {
    let frame = |body: &str| format!("Content-Length: {}\r\n\r\n{body}", body.len());
    let mut inputs = regressions("lsp_transport");
    assert!(!inputs.is_empty(), "the lsp_transport regressions are kept");
    inputs.push(
        frame(r#"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"capabilities":{}}}"#)
            .into_bytes(),
    );
    inputs.push(
        [
            frame(r#"{"jsonrpc":"2.0","method":"initialized","params":{}}"#),
            frame(r#"{"jsonrpc":"2.0","id":2,"method":"shutdown"}"#),
        ]
        .concat()
        .into_bytes(),
    );
    for input in &inputs {
        flyway_lsp::fuzzing::lsp_transport(input);
    }
}
