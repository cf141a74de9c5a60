//! SQL: splitting and analysis of arbitrary text never panic, in both dialects, and statement
//! ranges are ordered, non-overlapping and inside the text.
#![no_main]

use flyway_lsp::sql::analysis::analyze;
use flyway_lsp::sql::Dialect;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    for dialect in [Dialect::Postgres, Dialect::MySql] {
        let file = analyze(&text, dialect, None);
        let mut last_end = 0;
        for statement in &file.statements {
            let r = statement.range();
            assert!(r.start <= r.end && r.end <= text.len(), "range inside the text");
            assert!(r.start >= last_end, "ranges ordered and disjoint");
            assert!(text.is_char_boundary(r.start) && text.is_char_boundary(r.end));
            last_end = r.end;
        }
    }
});
