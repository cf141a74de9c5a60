//! File contents: decoding in every encoding and Flyway's checksum never panic; the checksum
//! ignores line terminators and a BOM, as Flyway's does.
//! The property lives in the library (`flyway_lsp::fuzzing::checksum`), which the test suite also replays.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    flyway_lsp::fuzzing::checksum(data);
});
