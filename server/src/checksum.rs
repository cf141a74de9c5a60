//! Flyway's checksum of an SQL migration, the value stored in `flyway_schema_history.checksum`.
//!
//! Flyway reads the script line by line (`BufferedReader.readLine`, so `\n`, `\r` and `\r\n` all end
//! a line and are not part of it), removes a byte-order mark from the first line, and feeds each
//! line's UTF-8 bytes to one CRC-32. The result is the CRC as a signed 32-bit integer. The line
//! ending style therefore never changes the checksum, and neither does a final newline.

use crate::config::Encoding;

/// Why a checksum could not be computed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DecodeError {
    /// The bytes are not valid in the configured encoding; `offset` is the first bad byte.
    InvalidUtf8 { offset: usize },
}

/// Decodes a script's bytes as Flyway would (strictly: Flyway's decoder reports malformed input).
/// A leading UTF-8 byte-order mark is kept in the text; see [`strip_bom`].
pub fn decode(bytes: &[u8], encoding: Encoding) -> Result<std::borrow::Cow<'_, str>, DecodeError> {
    match encoding {
        Encoding::Utf8 => std::str::from_utf8(bytes)
            .map(std::borrow::Cow::Borrowed)
            .map_err(|e| DecodeError::InvalidUtf8 {
                offset: e.valid_up_to(),
            }),
        Encoding::Latin1 => Ok(std::borrow::Cow::Owned(
            bytes.iter().map(|&b| b as char).collect(),
        )),
        Encoding::Ascii => match bytes.iter().position(|b| !b.is_ascii()) {
            Some(offset) => Err(DecodeError::InvalidUtf8 { offset }),
            None => std::str::from_utf8(bytes)
                .map(std::borrow::Cow::Borrowed)
                .map_err(|e| DecodeError::InvalidUtf8 {
                    offset: e.valid_up_to(),
                }),
        },
    }
}

/// The text without one leading byte-order mark (U+FEFF).
pub fn strip_bom(text: &str) -> &str {
    text.strip_prefix('\u{feff}').unwrap_or(text)
}

/// Flyway's checksum of already decoded script text.
pub fn checksum_text(text: &str) -> i32 {
    let mut hasher = crc32fast::Hasher::new();
    let body = strip_bom(text).as_bytes();
    // Feed the runs between line terminators; every '\r' and '\n' byte ends a line in Java's
    // readLine, and neither byte can occur inside a multi-byte UTF-8 sequence.
    let mut start = 0;
    for (i, &b) in body.iter().enumerate() {
        if b == b'\n' || b == b'\r' {
            if start < i {
                hasher.update(&body[start..i]);
            }
            start = i + 1;
        }
    }
    if start < body.len() {
        hasher.update(&body[start..]);
    }
    hasher.finalize() as i32
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Bit-by-bit CRC-32 (IEEE, reflected, polynomial 0xEDB88320), written from the definition
    /// so the expected values below do not come from the code under test.
    fn reference_crc(bytes: &[u8]) -> u32 {
        let mut crc = 0xFFFF_FFFFu32;
        for &byte in bytes {
            crc ^= byte as u32;
            for _ in 0..8 {
                crc = if crc & 1 != 0 {
                    (crc >> 1) ^ 0xEDB8_8320
                } else {
                    crc >> 1
                };
            }
        }
        !crc
    }

    #[test]
    fn reference_crc_matches_the_standard_check_value() {
        // The CRC-32 "check" value of the ASCII digits 123456789.
        assert_eq!(reference_crc(b"123456789"), 0xCBF4_3926);
    }

    #[test]
    fn known_values() {
        // "123456789" has CRC 0xCBF43926, which as a signed int is -873187034.
        assert_eq!(checksum_text("123456789"), -873_187_034);
        assert_eq!(checksum_text("123456789\n"), -873_187_034);
        // Empty script: CRC of nothing is 0.
        assert_eq!(checksum_text(""), 0);
        assert_eq!(checksum_text("\n\r\n"), 0);
    }

    #[test]
    fn line_endings_do_not_matter() {
        let lf = "CREATE TABLE a (id int);\nINSERT INTO a VALUES (1);\n";
        let crlf = lf.replace('\n', "\r\n");
        let cr = lf.replace('\n', "\r");
        let expected = reference_crc(b"CREATE TABLE a (id int);INSERT INTO a VALUES (1);") as i32;
        assert_eq!(checksum_text(lf), expected);
        assert_eq!(checksum_text(&crlf), expected);
        assert_eq!(checksum_text(&cr), expected);
        assert_eq!(checksum_text(lf.trim_end()), expected);
    }

    #[test]
    fn blank_lines_are_dropped_but_spaces_are_kept() {
        assert_eq!(checksum_text("a\n\n\nb"), reference_crc(b"ab") as i32);
        assert_eq!(checksum_text("a \n b"), reference_crc(b"a  b") as i32);
    }

    #[test]
    fn one_leading_bom_is_removed() {
        assert_eq!(
            checksum_text("\u{feff}select 1;"),
            checksum_text("select 1;")
        );
        // Only one BOM, only at the start.
        assert_eq!(
            checksum_text("\u{feff}\u{feff}x"),
            reference_crc("\u{feff}x".as_bytes()) as i32
        );
        assert_eq!(
            checksum_text("x\u{feff}"),
            reference_crc("x\u{feff}".as_bytes()) as i32
        );
    }

    #[test]
    fn non_ascii_is_hashed_as_utf8() {
        let text = "-- café ☕ 😀\nselect 'ü';";
        let expected = reference_crc("-- café ☕ 😀select 'ü';".as_bytes()) as i32;
        assert_eq!(checksum_text(text), expected);
    }

    #[test]
    fn strict_decoding() {
        assert_eq!(
            decode(b"select 1;\xff", Encoding::Utf8).unwrap_err(),
            DecodeError::InvalidUtf8 { offset: 9 }
        );
        assert_eq!(decode(b"caf\xe9", Encoding::Latin1).unwrap(), "café");
        assert!(decode("é".as_bytes(), Encoding::Ascii).is_err());
        // Latin-1 text hashes as its UTF-8 re-encoding, as Java's getBytes(UTF_8) does.
        let text = decode(b"caf\xe9", Encoding::Latin1).unwrap();
        assert_eq!(
            checksum_text(&text),
            reference_crc("café".as_bytes()) as i32
        );
    }
}
