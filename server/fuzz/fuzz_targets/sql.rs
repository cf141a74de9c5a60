//! SQL: splitting and analysis of arbitrary text never panic, in both dialects, and statement
//! ranges are ordered, non-overlapping and inside the text.
//! The property lives in the library (`flyway_lsp::fuzzing::sql`), which the test suite also replays.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    flyway_lsp::fuzzing::sql(data);
});
