//! The properties the fuzz targets check, one function per target, so that two drivers run the
//! same code: libFuzzer in `server/fuzz/` (coverage-guided, `bash server/fuzz/run.sh SECONDS`),
//! and the test suite, which replays every kept regression input and the fixtures' names and
//! scripts through them (`tests/e2e/fuzz_replay.rs`). Each panics when its property fails.

use std::path::{Path, PathBuf};

use crate::checksum::checksum_text;
use crate::config::{Encoding, FlywaySettings, LoadOptions};
use crate::index::content_from_bytes;
use crate::lsp::proto::{diagnostic, LineIndex};
use crate::naming::{Classified, NameParser};
use crate::project::discover_projects;
use crate::sql::analysis::analyze;
use crate::sql::Dialect;
use crate::version::Version;
use crate::workspace::ProjectState;
use tower_lsp_server::ls_types::Position;

/// File names: Flyway's name parser and version parsing never panic, and what they accept
/// round-trips (a valid versioned name's version, other than Flyway's special ones, parses again
/// from its raw text).
pub fn names(data: &[u8]) {
    let name = String::from_utf8_lossy(data);
    let parser = NameParser::new(&FlywaySettings::default());
    let _ = parser.looks_like_migration(&name);
    if let Classified::Named(n) = parser.classify(&name) {
        let _ = n.description();
        let _ = n.flyway_message(&FlywaySettings::default());
        // A special version (`Vlatest`) shows as Flyway names it ("<< Latest Version >>"),
        // which is no version text; every other version round-trips.
        if let Some(v) = n.version.as_ref().filter(|v| v.special().is_none()) {
            let again = Version::parse(v.raw()).expect("a parsed version parses again");
            assert_eq!(&again, v);
        }
    }
    if let Ok(v) = Version::parse(&name) {
        let _ = v.normalized();
        let _ = v.as_integer();
    }
}

/// File contents: decoding in every encoding and Flyway's checksum never panic; the checksum
/// ignores line terminators and a BOM, as Flyway's does.
pub fn checksum(data: &[u8]) {
    for encoding in [Encoding::Utf8, Encoding::Latin1, Encoding::Ascii] {
        let _ = content_from_bytes(data.to_vec(), encoding);
    }
    let text = String::from_utf8_lossy(data);
    let sum = checksum_text(&text);
    // Same lines with other terminators: same checksum.
    let crlf: String = text
        .replace("\r\n", "\n")
        .replace('\r', "\n")
        .replace('\n', "\r\n");
    assert_eq!(checksum_text(&crlf), sum);
}

/// SQL: splitting and analysis of arbitrary text never panic, in both dialects, and statement
/// ranges are ordered, non-overlapping and inside the text.
pub fn sql(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    for dialect in [Dialect::Postgres, Dialect::MySql] {
        let file = analyze(&text, dialect, None);
        let mut last_end = 0;
        for statement in &file.statements {
            let r = statement.range();
            assert!(
                r.start <= r.end && r.end <= text.len(),
                "range inside the text"
            );
            assert!(r.start >= last_end, "ranges ordered and disjoint");
            assert!(text.is_char_boundary(r.start) && text.is_char_boundary(r.end));
            last_end = r.end;
        }
    }
}

/// The project the `lsp_edits` property edits: `V1__users.sql` and the edited `V2__change.sql`.
pub struct EditFixture {
    state: ProjectState,
    path: PathBuf,
}

impl EditFixture {
    /// Writes the project into `dir` (an empty folder the caller owns) and loads it.
    pub fn new(dir: &Path) -> EditFixture {
        let sql = dir.join("db/migration");
        std::fs::create_dir_all(&sql).unwrap();
        std::fs::write(
            sql.join("V1__users.sql"),
            "CREATE TABLE users (id bigint PRIMARY KEY, name text);\n",
        )
        .unwrap();
        let path = sql.join("V2__change.sql");
        std::fs::write(&path, EDITED).unwrap();
        let project = discover_projects(dir, &LoadOptions::default())
            .unwrap()
            .remove(0);
        let state = ProjectState::load(project).unwrap();
        EditFixture { state, path }
    }
}

const EDITED: &str = "ALTER TABLE users ADD COLUMN email text;\n";

/// The language server's per-change path: random edits at random LSP positions (UTF-16,
/// out-of-range included) applied to a migration of a real project, then the re-check, the
/// conversion of every diagnostic to LSP, and the quick fixes. No panic, and every published
/// range is inside the text.
pub fn lsp_edits(fixture: &mut EditFixture, data: &[u8]) {
    let mut text = String::from(EDITED);
    // Each edit: 2 bytes line, 2 bytes character (start), 1 byte length, then up to 16 bytes
    // of replacement text ending at a 0 byte.
    let mut rest = data;
    while rest.len() >= 5 {
        let line = u32::from(rest[0]) % 8;
        let character = u32::from(u16::from_le_bytes([rest[1], rest[2]])) % 300;
        let length = usize::from(rest[3]);
        let end = rest[4..]
            .iter()
            .position(|&b| b == 0)
            .map_or(rest.len(), |i| 4 + i);
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
            if let Some(sql) = fixture.state.analysis(i) {
                for fix in crate::fixes::text_fixes(d, &sql, &text) {
                    let _ = fix.title;
                }
            }
        }
        let _ = crate::fixes::suppression_fixes(d, None, &text);
    }
}

/// The language server's framing layer: see [`crate::lsp::transport::check_stream`].
pub fn lsp_transport(data: &[u8]) {
    crate::lsp::transport::check_stream(data);
}
