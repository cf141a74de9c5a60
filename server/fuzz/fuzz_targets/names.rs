//! File names: Flyway's name parser and version parsing never panic, and what they accept
//! round-trips (a valid versioned name's version, other than Flyway's special ones, parses again
//! from its raw text).
//! The property lives in the library (`flyway_lsp::fuzzing::names`), which the test suite also replays.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    flyway_lsp::fuzzing::names(data);
});
