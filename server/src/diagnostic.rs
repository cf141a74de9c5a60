//! Diagnostics as the engine reports them: byte ranges in a file's text, 1-based line/column for
//! people, and an optional mechanical fix. Front ends convert these at their edge (LSP positions
//! are UTF-16; the CLI prints these line/column numbers as they are).

use std::path::PathBuf;

use crate::config::Level;

/// A byte range in a file's text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct TextRange {
    pub start: usize,
    pub end: usize,
}

impl TextRange {
    pub fn new(start: usize, end: usize) -> TextRange {
        TextRange { start, end }
    }
}

/// A 1-based line and column; columns count Unicode scalar values (characters).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct LineCol {
    pub line: u32,
    pub column: u32,
}

impl LineCol {
    pub const START: LineCol = LineCol { line: 1, column: 1 };

    /// The position of byte `offset` in `text` (clamped to the text and to a char boundary).
    /// `\n`, `\r\n` and a lone `\r` all end a line, as Flyway and LSP count them.
    pub fn of(text: &str, offset: usize) -> LineCol {
        let mut offset = offset.min(text.len());
        while !text.is_char_boundary(offset) {
            offset -= 1;
        }
        let before = &text.as_bytes()[..offset];
        let mut line = 1u32;
        let mut line_start = 0;
        let mut i = 0;
        while i < before.len() {
            match before[i] {
                b'\n' => {
                    line += 1;
                    line_start = i + 1;
                }
                b'\r' if before.get(i + 1) != Some(&b'\n') => {
                    line += 1;
                    line_start = i + 1;
                }
                _ => {}
            }
            i += 1;
        }
        let column = text[line_start..offset].chars().count() as u32 + 1;
        LineCol { line, column }
    }
}

/// The byte range of the first line of `text` (without its terminator and without a BOM).
pub fn first_line(text: &str) -> TextRange {
    let start = if text.starts_with('\u{feff}') { 3 } else { 0 };
    let end = text[start..]
        .find(['\n', '\r'])
        .map_or(text.len(), |i| start + i);
    TextRange::new(start, end)
}

/// A related place, e.g. the other file of a duplicate version.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Related {
    pub path: PathBuf,
    pub message: String,
}

/// A mechanical fix the front ends can offer.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Fix {
    /// Rename the file to this name, in the same folder.
    RenameFile { new_name: String },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    pub rule: &'static str,
    pub level: Level,
    pub path: PathBuf,
    pub range: TextRange,
    pub start: LineCol,
    pub end: LineCol,
    pub message: String,
    pub related: Vec<Related>,
    pub fix: Option<Fix>,
}

/// Sorts diagnostics deterministically and removes exact duplicates.
pub fn sort(diagnostics: &mut Vec<Diagnostic>) {
    diagnostics.sort_by(|a, b| {
        (&a.path, a.start, a.end, a.rule, &a.message)
            .cmp(&(&b.path, b.start, b.end, b.rule, &b.message))
    });
    diagnostics.dedup();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions() {
        let text = "ab\ncd\r\nef\rgh";
        assert_eq!(LineCol::of(text, 0), LineCol { line: 1, column: 1 });
        assert_eq!(LineCol::of(text, 2), LineCol { line: 1, column: 3 });
        assert_eq!(LineCol::of(text, 3), LineCol { line: 2, column: 1 });
        assert_eq!(LineCol::of(text, 7), LineCol { line: 3, column: 1 });
        assert_eq!(LineCol::of(text, 10), LineCol { line: 4, column: 1 });
        assert_eq!(LineCol::of(text, 999), LineCol { line: 4, column: 3 });
        // Columns count characters, and offsets inside a character are clamped back.
        let text = "é😀x";
        assert_eq!(LineCol::of(text, 6), LineCol { line: 1, column: 3 });
        assert_eq!(LineCol::of(text, 4), LineCol { line: 1, column: 2 });
    }

    #[test]
    fn first_line_range() {
        assert_eq!(first_line("abc\ndef"), TextRange::new(0, 3));
        assert_eq!(first_line("\u{feff}abc\r\n"), TextRange::new(3, 6));
        assert_eq!(first_line(""), TextRange::new(0, 0));
    }
}
