//! The edge between the engine's byte offsets and LSP's positions (lines, UTF-16 code units).
//! `\n`, `\r\n` and a lone `\r` all end a line, as LSP 3.17 says.

use tower_lsp_server::ls_types::{
    CodeDescription, Diagnostic as LspDiagnostic, DiagnosticRelatedInformation, DiagnosticSeverity,
    DiagnosticTag, Location, NumberOrString, Position, Range, Uri,
};

use crate::config::Level;
use crate::diagnostic::{Diagnostic, LineCol, TextRange};

/// A text with its line index (`crate::diagnostic::LineIndex`, the engine's: one set of
/// line-ending rules), answering in LSP positions. Build it once per text.
pub struct LineIndex<'a> {
    text: &'a str,
    index: crate::diagnostic::LineIndex,
}

impl<'a> LineIndex<'a> {
    pub fn new(text: &'a str) -> LineIndex<'a> {
        LineIndex {
            text,
            index: crate::diagnostic::LineIndex::new(text),
        }
    }

    /// The LSP position of a byte offset (clamped to the text and to a character boundary).
    pub fn position(&self, offset: usize) -> Position {
        let (line, character) = self.index.utf16_position(self.text, offset);
        Position::new(saturate(line), saturate(character))
    }

    pub fn range(&self, range: TextRange) -> Range {
        Range::new(self.position(range.start), self.position(range.end))
    }

    /// The byte offset of an LSP position; positions past a line's end or the text's end are
    /// clamped to them, as LSP asks.
    pub fn offset(&self, position: Position) -> usize {
        self.index.utf16_offset(
            self.text,
            position.line as usize,
            position.character as usize,
        )
    }
}

fn saturate(v: usize) -> u32 {
    u32::try_from(v).unwrap_or(u32::MAX)
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
    let rule = crate::rules::find(d.rule);
    LspDiagnostic {
        range,
        severity: Some(severity(d.level)),
        code: Some(NumberOrString::String(d.rule.to_string())),
        code_description: rule_docs(d.rule, RULE_DOCS_URL),
        source: Some("flyway-lsp".to_string()),
        message: d.message.clone(),
        related_information: related,
        tags: rule.and_then(|r| r.tag).map(|tag| {
            vec![match tag {
                crate::rules::Tag::Unnecessary => DiagnosticTag::UNNECESSARY,
            }]
        }),
        ..LspDiagnostic::default()
    }
}

/// Where the rule pages (`docs/rules/<id>.md`, generated from the rules' docs) are published,
/// set when the binary is built (`FLYWAY_LSP_DOCS_URL`, e.g. the release's
/// `https://github.com/OWNER/flyway-lsp/blob/vX.Y.Z/docs/rules`). A build without it links
/// nothing rather than a guessed address.
const RULE_DOCS_URL: Option<&str> = option_env!("FLYWAY_LSP_DOCS_URL");

/// The link a diagnostic's rule id carries: `<base>/<id>.md`, for known rules only.
fn rule_docs(rule: &str, base: Option<&str>) -> Option<CodeDescription> {
    let base = base?.trim_end_matches('/');
    if base.is_empty() || crate::rules::find(rule).is_none() {
        return None;
    }
    Some(CodeDescription {
        href: format!("{base}/{rule}.md").parse().ok()?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rule_ids_link_to_their_page_and_tags_follow_the_rule() {
        let base = Some("https://example.org/flyway-lsp/blob/v1/docs/rules/");
        assert_eq!(
            rule_docs("version-gap", base).unwrap().href.as_str(),
            "https://example.org/flyway-lsp/blob/v1/docs/rules/version-gap.md"
        );
        assert!(rule_docs("no-such-rule", base).is_none());
        assert!(rule_docs("version-gap", None).is_none());
        assert!(rule_docs("version-gap", Some("")).is_none());
        let finding = |rule: &'static str| Diagnostic {
            rule,
            level: Level::Warning,
            path: "V1__x.sql".into(),
            range: TextRange { start: 0, end: 1 },
            start: LineCol { line: 1, column: 1 },
            end: LineCol { line: 1, column: 2 },
            message: String::new(),
            related: Vec::new(),
            fix: None,
        };
        for rule in ["empty-migration", "invalid-suppression"] {
            assert_eq!(
                diagnostic(&finding(rule), None).tags,
                Some(vec![DiagnosticTag::UNNECESSARY]),
                "{rule}"
            );
        }
        assert_eq!(diagnostic(&finding("drop-table"), None).tags, None);
    }

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

    /// The plain definitions, for comparison.
    fn plain_offset(text: &str, line: u32, character: u32) -> usize {
        let mut starts = vec![0];
        let b = text.as_bytes();
        for i in 0..b.len() {
            if b[i] == b'\n' || (b[i] == b'\r' && b.get(i + 1) != Some(&b'\n')) {
                starts.push(i + 1);
            }
        }
        let Some(&start) = starts.get(line as usize) else {
            return text.len();
        };
        let end = starts.get(line as usize + 1).copied().unwrap_or(text.len());
        let content = text[start..end].trim_end_matches(['\n', '\r']);
        let mut units = 0usize;
        for (i, c) in content.char_indices() {
            if units >= character as usize {
                return start + i;
            }
            units += c.len_utf16();
        }
        start + content.len()
    }

    #[test]
    fn random_texts_and_positions_agree_with_the_plain_definitions() {
        let pieces = ["a", "é", "€", "😀", "\n", "\r\n", "\r", "xxxxxxxxxxxxxxxx"];
        let mut seed = 12345u64;
        let mut next = |n: usize| {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            ((seed >> 33) as usize) % n
        };
        for round in 0..300 {
            let len = if round % 10 == 0 { 3000 } else { next(40) };
            let text: String = (0..len).map(|_| pieces[next(pieces.len())]).collect();
            let index = LineIndex::new(&text);
            let (mut line, mut units) = (0u32, 0u32);
            for (i, c) in text.char_indices() {
                assert_eq!(
                    index.position(i),
                    Position::new(line, units),
                    "{text:?} {i}"
                );
                match c {
                    '\r' if text[i + 1..].starts_with('\n') => units += 1,
                    '\n' | '\r' => (line, units) = (line + 1, 0),
                    _ => units += c.len_utf16() as u32,
                }
            }
            assert_eq!(index.position(text.len()), Position::new(line, units));
            for _ in 0..50 {
                let (line, character) = (next(8) as u32, next(20_000) as u32);
                assert_eq!(
                    index.offset(Position::new(line, character)),
                    plain_offset(&text, line, character),
                    "{text:?} {line}:{character}"
                );
            }
        }
    }

    /// Positions on a line far longer than the index's checkpoints agree with a plain count,
    /// both ways, with characters of every UTF-8 length straddling the checkpoints.
    #[test]
    fn long_lines_agree_with_a_plain_count() {
        let mut text = String::from("x\r\n");
        for i in 0..40_000 {
            text.push(['a', 'é', '€', '😀'][i % 4]);
            if i % 9_000 == 0 {
                text.push('\n');
            }
        }
        text.push_str("\r\nend");
        let index = LineIndex::new(&text);
        let (mut line, mut units) = (0u32, 0u32);
        for (i, c) in text.char_indices() {
            if i % 97 == 0 || text.len() - i < 8 {
                assert_eq!(index.position(i), Position::new(line, units), "offset {i}");
                if !matches!(c, '\r' | '\n') {
                    assert_eq!(
                        index.offset(Position::new(line, units)),
                        i,
                        "{line}:{units}"
                    );
                }
            }
            match c {
                '\n' => (line, units) = (line + 1, 0),
                '\r' if text[i + 1..].starts_with('\n') => units += 1,
                '\r' => (line, units) = (line + 1, 0),
                _ => units += c.len_utf16() as u32,
            }
        }
        assert_eq!(index.position(text.len()), Position::new(line, units));
        // Past the end of a long line (the third: 9,000 characters): its end.
        let lines: Vec<usize> = text.match_indices('\n').map(|(i, _)| i).collect();
        assert!(lines[2] - lines[1] > 4 * 4096);
        assert_eq!(index.offset(Position::new(2, u32::MAX)), lines[2]);
    }
}
