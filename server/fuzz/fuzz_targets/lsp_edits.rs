//! The language server's per-change path: random edits at random LSP positions (UTF-16,
//! out-of-range included) applied to a migration of a real project, then the re-check, the
//! conversion of every diagnostic to LSP, and the quick fixes. No panic, and every published
//! range is inside the text.
#![no_main]

use std::path::PathBuf;
use std::sync::{Mutex, OnceLock};

use flyway_lsp::config::LoadOptions;
use flyway_lsp::lsp::proto::{diagnostic, LineIndex};
use flyway_lsp::project::discover_projects;
use flyway_lsp::workspace::ProjectState;
use libfuzzer_sys::fuzz_target;
use tower_lsp_server::ls_types::Position;

struct Fixture {
    _dir: tempfile::TempDir,
    state: ProjectState,
    path: PathBuf,
}

fn fixture() -> &'static Mutex<Fixture> {
    static FIXTURE: OnceLock<Mutex<Fixture>> = OnceLock::new();
    FIXTURE.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let sql = dir.path().join("db/migration");
        std::fs::create_dir_all(&sql).unwrap();
        std::fs::write(sql.join("V1__users.sql"), "CREATE TABLE users (id bigint PRIMARY KEY, name text);\n").unwrap();
        let path = sql.join("V2__change.sql");
        std::fs::write(&path, "ALTER TABLE users ADD COLUMN email text;\n").unwrap();
        let project = discover_projects(dir.path(), &LoadOptions::default()).unwrap().remove(0);
        let state = ProjectState::load(project).unwrap();
        Mutex::new(Fixture { _dir: dir, state, path })
    })
}

fuzz_target!(|data: &[u8]| {
    let mut fixture = fixture().lock().unwrap();
    let mut text = String::from("ALTER TABLE users ADD COLUMN email text;\n");
    // Each edit: 2 bytes line, 2 bytes character (start), 1 byte length, then up to 16 bytes
    // of replacement text ending at a 0 byte.
    let mut rest = data;
    while rest.len() >= 5 {
        let line = u32::from(rest[0]) % 8;
        let character = u32::from(u16::from_le_bytes([rest[1], rest[2]])) % 300;
        let length = usize::from(rest[3]);
        let end = rest[4..].iter().position(|&b| b == 0).map_or(rest.len(), |i| 4 + i);
        let insert = String::from_utf8_lossy(&rest[4..end.min(4 + 16)]).into_owned();
        rest = &rest[(end + 1).min(rest.len())..];
        let start = LineIndex::new(&text).offset(Position { line, character });
        let mut stop = (start + length).min(text.len());
        while !text.is_char_boundary(stop) {
            stop += 1;
        }
        text.replace_range(start..stop, &insert);
        let path = fixture.path.clone();
        fixture.state.set_text(&path, &text);
    }
    let path = fixture.path.clone();
    let index = LineIndex::new(&text);
    // The last position of the text, as LSP counts lines (\n, \r\n and a lone \r end one).
    let last = index.position(text.len());
    let diagnostics: Vec<_> = fixture.state.diagnostics_for(&path).cloned().collect();
    for d in &diagnostics {
        let converted = diagnostic(d, Some(&index));
        assert!(
            converted.range.start <= converted.range.end && converted.range.end <= last,
            "{d:?} -> {:?} beyond {last:?}",
            converted.range
        );
        let _ = index.range(d.range);
        if let Some(i) = fixture.state.file_index(&path) {
            if let Some(Some(sql)) = fixture.state.sql.get(i) {
                for fix in flyway_lsp::fixes::text_fixes(d, sql, &text) {
                    let _ = fix.title;
                }
            }
        }
        let _ = flyway_lsp::fixes::suppression_fixes(d, &text);
    }
});
