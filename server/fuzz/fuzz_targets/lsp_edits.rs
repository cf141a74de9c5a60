//! The language server's per-change path: random edits at random LSP positions (UTF-16,
//! out-of-range included) applied to a migration of a real project, then the re-check, the
//! conversion of every diagnostic to LSP, and the quick fixes. No panic, and every published
//! range is inside the text. The property lives in the library (`flyway_lsp::fuzzing`), which
//! the test suite also replays.
#![no_main]

use std::sync::{Mutex, OnceLock};

use flyway_lsp::fuzzing::{lsp_edits, EditFixture};
use libfuzzer_sys::fuzz_target;

fn fixture() -> &'static Mutex<(tempfile::TempDir, EditFixture)> {
    static FIXTURE: OnceLock<Mutex<(tempfile::TempDir, EditFixture)>> = OnceLock::new();
    FIXTURE.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let fixture = EditFixture::new(dir.path());
        Mutex::new((dir, fixture))
    })
}

fuzz_target!(|data: &[u8]| {
    let mut guard = fixture().lock().unwrap();
    lsp_edits(&mut guard.1, data);
});
