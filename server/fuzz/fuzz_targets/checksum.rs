//! File contents: decoding in every encoding and Flyway's checksum never panic; the checksum
//! ignores line terminators and a BOM, as Flyway's does.
#![no_main]

use flyway_lsp::checksum::checksum_text;
use flyway_lsp::config::Encoding;
use flyway_lsp::index::content_from_bytes;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    for encoding in [Encoding::Utf8, Encoding::Latin1, Encoding::Ascii] {
        let _ = content_from_bytes(data.to_vec(), encoding);
    }
    let text = String::from_utf8_lossy(data);
    let sum = checksum_text(&text);
    // Same lines with other terminators: same checksum.
    let crlf: String = text.replace("\r\n", "\n").replace('\r', "\n").replace('\n', "\r\n");
    assert_eq!(checksum_text(&crlf), sum);
});
