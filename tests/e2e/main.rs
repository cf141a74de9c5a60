//! Black-box tests: they run the built `flyway-lsp` binary on the fixtures and on generated
//! folders, and assert exact output and exit codes.
//!
//! Expected outputs live in `tests/e2e/expected/`. After an intended change, regenerate them with
//! `UPDATE_EXPECT=1 cargo test --test e2e`, then review the diff before committing.

mod bad_input;
mod cli;
mod corpora;
mod db;
mod db_reads;
mod differential;
mod dry_run_safety;
mod editor;
mod fidelity;
mod fix_proof;
mod fixtures;
mod folders;
mod formats;
mod fuzz_replay;
mod hostile_files;
mod lsp;
mod lsp_progress;
mod lsp_transport;
mod on_target;
mod queries;
mod syntax_proof;
mod tls;
mod undo_round_trip;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The repository root (tests run with the workspace member as working folder).
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("server/ has a parent")
        .to_path_buf()
}

pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

/// Runs the binary in `cwd` with a clean Flyway environment.
pub fn run_in(cwd: &Path, args: &[&str]) -> Run {
    run_with_env(cwd, args, &[])
}

pub fn run_with_env(cwd: &Path, args: &[&str], env: &[(&str, &str)]) -> Run {
    let mut command = Command::new(env!("CARGO_BIN_EXE_flyway-lsp"));
    command.args(args).current_dir(cwd);
    for (key, _) in std::env::vars() {
        if key.starts_with("FLYWAY_") {
            command.env_remove(key);
        }
    }
    for (key, value) in env {
        command.env(key, value);
    }
    let Output {
        status,
        stdout,
        stderr,
    } = command.output().expect("the flyway-lsp binary runs");
    Run {
        code: status.code().unwrap_or(-1),
        stdout: String::from_utf8(stdout).expect("stdout is UTF-8"),
        stderr: String::from_utf8(stderr).expect("stderr is UTF-8"),
    }
}

pub fn run(args: &[&str]) -> Run {
    run_in(&repo_root(), args)
}

/// Whether expected files are to be rewritten: `UPDATE_EXPECT=1` only (`0`, empty or unset: compare).
pub fn update_expect() -> bool {
    std::env::var("UPDATE_EXPECT").is_ok_and(|v| v == "1")
}

/// Compares `actual` with `tests/e2e/expected/NAME`, or rewrites it when UPDATE_EXPECT=1.
pub fn assert_expected(name: &str, actual: &str) {
    let path = repo_root().join("tests/e2e/expected").join(name);
    if update_expect() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, actual).unwrap();
        return;
    }
    let expected = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "cannot read {}: {e}; run with UPDATE_EXPECT=1 to create it",
            path.display()
        )
    });
    if expected != actual {
        let first_difference = expected
            .lines()
            .zip(actual.lines())
            .position(|(a, b)| a != b)
            .unwrap_or_else(|| expected.lines().count().min(actual.lines().count()));
        panic!(
            "{name} differs from the expected output at line {}:\n--- expected\n{}\n--- actual\n{}\n(UPDATE_EXPECT=1 regenerates it)",
            first_difference + 1,
            expected.lines().nth(first_difference).unwrap_or("<end>"),
            actual.lines().nth(first_difference).unwrap_or("<end>")
        );
    }
}
