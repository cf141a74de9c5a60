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
    // Hash the runs between line terminators; every '\r' and '\n' byte ends a line in Java's
    // readLine, and neither byte can occur inside a multi-byte UTF-8 sequence. The runs are
    // gathered into a buffer first: the CRC of a concatenation is the CRC fed piece by piece,
    // and crc32fast hashes long inputs many times faster than a line's worth.
    let mut buffer = [0u8; 4096];
    let mut filled = 0;
    let mut feed = |mut run: &[u8]| {
        while !run.is_empty() {
            if filled == buffer.len() {
                hasher.update(&buffer);
                filled = 0;
            }
            let n = run.len().min(buffer.len() - filled);
            buffer[filled..filled + n].copy_from_slice(&run[..n]);
            filled += n;
            run = &run[n..];
        }
    };
    let mut start = 0;
    for end in memchr::memchr2_iter(b'\n', b'\r', body) {
        feed(&body[start..end]);
        start = end + 1;
    }
    feed(&body[start..]);
    hasher.update(&buffer[..filled]);
    hasher.finalize() as i32
}

/// Flyway's checksum computed while reading (for scripts too large to hold in memory): the bytes
/// are decoded strictly, chunk by chunk, and hashed exactly as [`checksum_text`] hashes the
/// decoded text. Memory stays at one buffer whatever the size.
#[derive(Debug)]
pub struct StreamingChecksum {
    encoding: Encoding,
    hasher: crc32fast::Hasher,
    /// Bytes read so far (offsets of decoding errors are absolute).
    offset: usize,
    /// An incomplete UTF-8 sequence at the end of the last chunk.
    pending: Vec<u8>,
    /// Nothing hashed yet: a byte-order mark here is removed.
    at_start: bool,
    /// Position of the next character, for a decoding error's line and column.
    line: u32,
    column: u32,
    after_cr: bool,
    /// Scratch space for decoded Latin-1.
    scratch: Vec<u8>,
}

/// Where the strict decoding of a stream failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StreamError {
    pub offset: usize,
    pub at: crate::diagnostic::LineCol,
}

impl StreamingChecksum {
    pub fn new(encoding: Encoding) -> StreamingChecksum {
        StreamingChecksum {
            encoding,
            hasher: crc32fast::Hasher::new(),
            offset: 0,
            pending: Vec::new(),
            at_start: true,
            line: 1,
            column: 1,
            after_cr: false,
            scratch: Vec::new(),
        }
    }

    /// Feeds the next bytes of the file.
    pub fn update(&mut self, bytes: &[u8]) -> Result<(), StreamError> {
        match self.encoding {
            Encoding::Latin1 => {
                // Every byte is a character; hash its UTF-8 form.
                let mut scratch = std::mem::take(&mut self.scratch);
                scratch.clear();
                for &b in bytes {
                    let mut buf = [0u8; 2];
                    scratch.extend_from_slice((b as char).encode_utf8(&mut buf).as_bytes());
                }
                self.hash_valid(&scratch);
                self.scratch = scratch;
                self.offset += bytes.len();
                Ok(())
            }
            Encoding::Ascii => {
                if let Some(bad) = bytes.iter().position(|b| !b.is_ascii()) {
                    self.hash_valid(&bytes[..bad]);
                    return Err(self.error_at(self.offset + bad));
                }
                self.hash_valid(bytes);
                self.offset += bytes.len();
                Ok(())
            }
            Encoding::Utf8 => {
                let joined;
                let (data, carried) = if self.pending.is_empty() {
                    (bytes, 0)
                } else {
                    let carried = self.pending.len();
                    let mut all = std::mem::take(&mut self.pending);
                    all.extend_from_slice(bytes);
                    joined = all;
                    (joined.as_slice(), carried)
                };
                // Offsets in `data` start `carried` bytes before the new chunk.
                let base = self.offset - carried;
                match std::str::from_utf8(data) {
                    Ok(_) => {
                        self.hash_valid(data);
                    }
                    Err(e) => {
                        let valid = e.valid_up_to();
                        self.hash_valid(&data[..valid]);
                        if e.error_len().is_some() {
                            return Err(self.error_at(base + valid));
                        }
                        // An incomplete sequence at the end: wait for the next chunk.
                        self.pending = data[valid..].to_vec();
                    }
                }
                self.offset += bytes.len();
                Ok(())
            }
        }
    }

    /// The checksum, once every byte was fed.
    pub fn finish(self) -> Result<i32, StreamError> {
        if !self.pending.is_empty() {
            let at = self.offset - self.pending.len();
            return Err(self.error_at(at));
        }
        Ok(self.hasher.finalize() as i32)
    }

    fn error_at(&self, offset: usize) -> StreamError {
        StreamError {
            offset,
            at: crate::diagnostic::LineCol {
                line: self.line,
                column: self.column,
            },
        }
    }

    /// Hashes valid UTF-8 without its line terminators (and without a leading BOM), and keeps
    /// the line and column of the next character as `LineCol::of` counts them.
    fn hash_valid(&mut self, mut bytes: &[u8]) {
        if bytes.is_empty() {
            return;
        }
        if self.at_start {
            self.at_start = false;
            if let Some(rest) = bytes.strip_prefix("\u{feff}".as_bytes()) {
                self.column += 1;
                bytes = rest;
            }
        }
        let mut start = 0;
        for (i, &b) in bytes.iter().enumerate() {
            match b {
                b'\n' | b'\r' => {
                    if start < i {
                        self.hasher.update(&bytes[start..i]);
                    }
                    start = i + 1;
                    // `\r\n` ends one line; its `\n` does not start another.
                    if !(b == b'\n' && self.after_cr) {
                        self.line = self.line.saturating_add(1);
                    }
                    self.column = 1;
                }
                b if (b & 0xc0) != 0x80 => self.column = self.column.saturating_add(1),
                _ => {}
            }
            self.after_cr = b == b'\r';
        }
        if start < bytes.len() {
            self.hasher.update(&bytes[start..]);
        }
    }
}

/// Flyway's checksum of everything `reader` yields, read in 64 KB chunks.
pub fn checksum_reader(
    mut reader: impl std::io::Read,
    encoding: Encoding,
) -> std::io::Result<Result<i32, StreamError>> {
    let mut state = StreamingChecksum::new(encoding);
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        let n = match reader.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if let Err(e) = state.update(&buf[..n]) {
            return Ok(Err(e));
        }
    }
    Ok(state.finish())
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

    /// Texts longer than the buffer the runs are gathered in, with lines shorter and longer
    /// than it: the same checksum as the runs hashed one after another.
    #[test]
    fn long_texts_hash_as_their_runs() {
        for line in [1usize, 7, 80, 4095, 4096, 4097, 10_000] {
            let mut text = String::new();
            let mut runs = Vec::new();
            for k in 0..40 {
                let run: String = (0..line + k)
                    .map(|j| (b'a' + (j % 26) as u8) as char)
                    .collect();
                runs.extend_from_slice(run.as_bytes());
                text.push_str(&run);
                text.push_str(["\n", "\r\n", "\r", "\n\n"][k % 4]);
            }
            assert_eq!(checksum_text(&text), reference_crc(&runs) as i32, "{line}");
        }
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

    /// Feeds `bytes` in chunks of `chunk` bytes.
    fn streamed(bytes: &[u8], encoding: Encoding, chunk: usize) -> Result<i32, StreamError> {
        let mut state = StreamingChecksum::new(encoding);
        for part in bytes.chunks(chunk.max(1)) {
            state.update(part)?;
        }
        state.finish()
    }

    #[test]
    fn streaming_equals_in_memory() {
        let texts = [
            "",
            "\u{feff}select 1;\r\nselect 'é';\n",
            "\u{feff}\u{feff}x",
            "-- café ☕ 😀\rselect 'ü';\r\n\r\n",
            "a\n\n\nb",
            "x\u{feff}",
        ];
        for text in texts {
            for chunk in [1, 2, 3, 5, 64 * 1024] {
                assert_eq!(
                    streamed(text.as_bytes(), Encoding::Utf8, chunk),
                    Ok(checksum_text(text)),
                    "{text:?} in chunks of {chunk}"
                );
            }
            if text.is_ascii() {
                assert_eq!(
                    streamed(text.as_bytes(), Encoding::Ascii, 2),
                    Ok(checksum_text(text))
                );
            }
        }
        let latin1 = b"caf\xe9\r\n\xef\xbb\xbf;";
        let decoded = decode(latin1, Encoding::Latin1).unwrap();
        assert_eq!(
            streamed(latin1, Encoding::Latin1, 3),
            Ok(checksum_text(&decoded))
        );
        // Through a reader, as files are read.
        let big = "INSERT INTO t VALUES (1, 'é');\r\n".repeat(10_000);
        assert_eq!(
            checksum_reader(big.as_bytes(), Encoding::Utf8).unwrap(),
            Ok(checksum_text(&big))
        );
    }

    #[test]
    fn streaming_reports_the_first_bad_byte_where_decode_does() {
        let bytes = b"select 1;\r\n-- \xc3\xa9 ok\nx \xff y";
        let DecodeError::InvalidUtf8 { offset } = decode(bytes, Encoding::Utf8).unwrap_err();
        let prefix = std::str::from_utf8(&bytes[..offset]).unwrap();
        for chunk in [1, 2, 7, 100] {
            let err = streamed(bytes, Encoding::Utf8, chunk).unwrap_err();
            assert_eq!(err.offset, offset);
            assert_eq!(err.at, crate::diagnostic::LineCol::of(prefix, prefix.len()));
        }
        // A sequence cut off by the end of the file.
        let err = streamed(b"ab\xe2\x98", Encoding::Utf8, 1).unwrap_err();
        assert_eq!(err.offset, 2);
        let err = streamed(b"ab\r\xe9", Encoding::Ascii, 1).unwrap_err();
        assert_eq!(err.offset, 3);
        assert_eq!(err.at, crate::diagnostic::LineCol { line: 2, column: 1 });
    }
}
