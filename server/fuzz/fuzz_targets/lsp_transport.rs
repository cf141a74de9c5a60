//! The language server's framing layer (`lsp::transport::Decoder`): a stream built from
//! well-formed frames, raw random bytes, frames with a wrong Content-Length and frames with
//! random bodies, decoded in one piece and in random chunks. No panic; the same frames whatever
//! the chunking; every well-formed frame delivered, in order (garbage before it never swallows
//! it); every delivered message is JSON-RPC; errors bounded (per piece and per header terminator in the bytes). The
//! property lives in the library (`transport::check_stream`) so the unit tests run it too.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    flyway_lsp::fuzzing::lsp_transport(data);
});
