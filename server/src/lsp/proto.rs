//! The edge between the engine's byte offsets and LSP's positions (lines, UTF-16 code units).
//! `\n`, `\r\n` and a lone `\r` all end a line, as LSP 3.17 says.

use tower_lsp_server::ls_types::{
    Diagnostic as LspDiagnostic, DiagnosticRelatedInformation, DiagnosticSeverity, Location,
    NumberOrString, Position, Range, Uri,
};

use crate::config::Level;
use crate::diagnostic::{Diagnostic, LineCol, TextRange};

/// Byte offsets where each line starts.
pub struct LineIndex<'a> {
    text: &'a str,
    starts: Vec<usize>,
}

impl<'a> LineIndex<'a> {
    pub fn new(text: &'a str) -> LineIndex<'a> {
        let bytes = text.as_bytes();
        let mut starts = vec![0];
        let mut i = 0;
        while i < bytes.len() {
            match bytes[i] {
                b'\n' => starts.push(i + 1),
                b'\r' if bytes.get(i + 1) != Some(&b'\n') => starts.push(i + 1),
                _ => {}
            }
            i += 1;
        }
        LineIndex { text, starts }
    }

    /// The LSP position of a byte offset (clamped to the text and to a character boundary).
    pub fn position(&self, offset: usize) -> Position {
        let mut offset = offset.min(self.text.len());
        while !self.text.is_char_boundary(offset) {
            offset -= 1;
        }
        let line = self.starts.partition_point(|&s| s <= offset) - 1;
        let start = self.starts[line];
        let character: usize = self.text[start..offset].chars().map(char::len_utf16).sum();
        Position::new(line as u32, character as u32)
    }

    pub fn range(&self, range: TextRange) -> Range {
        Range::new(self.position(range.start), self.position(range.end))
    }

    /// The byte offset of an LSP position; positions past a line's end or the text's end are
    /// clamped to them, as LSP asks.
    pub fn offset(&self, position: Position) -> usize {
        let line = position.line as usize;
        if line >= self.starts.len() {
            return self.text.len();
        }
        let start = self.starts[line];
        let end = self
            .starts
            .get(line + 1)
            .copied()
            .unwrap_or(self.text.len());
        let content = self.text[start..end].trim_end_matches(['\n', '\r']);
        let mut units = 0usize;
        for (i, c) in content.char_indices() {
            if units >= position.character as usize {
                return start + i;
            }
            units += c.len_utf16();
        }
        start + content.len()
    }
}

pub fn severity(level: Level) -> DiagnosticSeverity {
    match level {
        Level::Error => DiagnosticSeverity::ERROR,
        Level::Warning => DiagnosticSeverity::WARNING,
        Level::Info => DiagnosticSeverity::INFORMATION,
        _ => DiagnosticSeverity::HINT,
    }
}

/// Position from the engine's 1-based character line/column, for files whose text is unknown.
fn from_line_col(lc: LineCol) -> Position {
    Position::new(lc.line.saturating_sub(1), lc.column.saturating_sub(1))
}

/// Converts an engine diagnostic; `lines` indexes the file's current text when known (build it
/// once per file: indexing per diagnostic would cost the file's size for every finding).
pub fn diagnostic(d: &Diagnostic, lines: Option<&LineIndex>) -> LspDiagnostic {
    let range = match lines {
        Some(lines) => lines.range(d.range),
        None => Range::new(from_line_col(d.start), from_line_col(d.end)),
    };
    let related = (!d.related.is_empty()).then(|| {
        d.related
            .iter()
            .filter_map(|r| {
                Some(DiagnosticRelatedInformation {
                    location: Location::new(Uri::from_file_path(&r.path)?, Range::default()),
                    message: r.message.clone(),
                })
            })
            .collect()
    });
    LspDiagnostic {
        range,
        severity: Some(severity(d.level)),
        code: Some(NumberOrString::String(d.rule.to_string())),
        source: Some("flyway-lsp".to_string()),
        message: d.message.clone(),
        related_information: related,
        ..LspDiagnostic::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utf16_positions_round_trip() {
        let text = "select 'é😀x';\r\nline two\rthree\n";
        let index = LineIndex::new(text);
        let x = text.find('x').unwrap();
        // é is one UTF-16 unit, 😀 is two.
        assert_eq!(index.position(x), Position::new(0, 11));
        assert_eq!(index.offset(Position::new(0, 11)), x);
        assert_eq!(
            index.position(text.find("line").unwrap()),
            Position::new(1, 0)
        );
        assert_eq!(
            index.position(text.find("three").unwrap()),
            Position::new(2, 0)
        );
        // Out of range positions clamp.
        assert_eq!(
            index.offset(Position::new(0, 999)),
            text.find('\r').unwrap()
        );
        assert_eq!(index.offset(Position::new(99, 0)), text.len());
        // Inside a surrogate pair: clamps back to the character start.
        let emoji = text.find('😀').unwrap();
        assert_eq!(index.position(emoji + 2), Position::new(0, 9));
    }
}
