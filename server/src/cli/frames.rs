//! Code frames for the text format (rustc / Ruff style): the line a finding starts on, with the
//! finding underlined by `^`, and ANSI colour when asked for.
//!
//! Columns on screen are not characters: a tab is shown as spaces up to the next multiple of 4,
//! East Asian wide characters and emoji take two cells, combining marks none, and a control
//! character is shown as its visible escape (as in the finding's line). The underline is built
//! from the same cells, so it sits under the finding whatever the line holds.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use crate::diagnostic::Diagnostic;

/// Files larger than this get no frame (the text format must stay fast on huge scripts).
const MAX_FILE: u64 = 8 * 1024 * 1024;
/// Cells of a line shown around the finding at most; longer lines are cut with `…`.
const MAX_CELLS: usize = 120;
const TAB: usize = 4;

/// ANSI styles; empty strings when colour is off.
#[derive(Debug, Clone, Copy)]
pub struct Palette {
    pub error: &'static str,
    pub warning: &'static str,
    pub info: &'static str,
    pub bold: &'static str,
    pub dim: &'static str,
    pub reset: &'static str,
}

impl Palette {
    pub fn new(colour: bool) -> Palette {
        if colour {
            Palette {
                error: "\x1b[1;31m",
                warning: "\x1b[1;33m",
                info: "\x1b[1;36m",
                bold: "\x1b[1m",
                dim: "\x1b[2;34m",
                reset: "\x1b[0m",
            }
        } else {
            Palette {
                error: "",
                warning: "",
                info: "",
                bold: "",
                dim: "",
                reset: "",
            }
        }
    }

    pub fn level(&self, level: crate::config::Level) -> &'static str {
        match level {
            crate::config::Level::Error => self.error,
            crate::config::Level::Warning => self.warning,
            _ => self.info,
        }
    }
}

/// Cells a character takes on a terminal.
fn width(c: char) -> usize {
    let u = c as u32;
    if c == '\t' {
        return TAB; // handled by the caller; never reached with a column
    }
    if c.is_control() || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}') {
        return super::output::escape_control(&c.to_string())
            .chars()
            .count();
    }
    // Combining marks, zero-width characters and variation selectors.
    if matches!(u, 0x0300..=0x036f | 0x1ab0..=0x1aff | 0x1dc0..=0x1dff | 0x20d0..=0x20ff
        | 0xfe20..=0xfe2f | 0x200b..=0x200f | 0xfe00..=0xfe0f | 0xe0100..=0xe01ef)
    {
        return 0;
    }
    // East Asian wide and full-width ranges, and emoji.
    if matches!(u, 0x1100..=0x115f | 0x2e80..=0x303e | 0x3041..=0x33ff | 0x3400..=0x4dbf
        | 0x4e00..=0x9fff | 0xa000..=0xa4cf | 0xac00..=0xd7a3 | 0xf900..=0xfaff
        | 0xfe30..=0xfe4f | 0xff00..=0xff60 | 0xffe0..=0xffe6 | 0x1f300..=0x1f64f
        | 0x1f900..=0x1f9ff | 0x20000..=0x2fffd | 0x30000..=0x3fffd)
    {
        return 2;
    }
    1
}

/// One character as shown: a tab expands to the next tab stop from `cell`.
fn shown(c: char, cell: usize) -> (String, usize) {
    if c == '\t' {
        let n = TAB - cell % TAB;
        return (" ".repeat(n), n);
    }
    if c.is_control() || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}') {
        let escaped = super::output::escape_control(&c.to_string()).into_owned();
        let n = escaped.chars().count();
        return (escaped, n);
    }
    (c.to_string(), width(c))
}

/// The shown line and the underline for characters `[from, to)` of `line` (0-based character
/// indexes; `to == from` underlines one cell).
pub fn underline(line: &str, from: usize, to: usize) -> (String, String) {
    let mut cells = Vec::new(); // (text, start cell, width) per character
    let mut cell = 0;
    for c in line.chars() {
        let (text, n) = shown(c, cell);
        cells.push((text, cell, n));
        cell += n;
    }
    let total = cell;
    let start_cell = cells.get(from).map_or(total, |c| c.1);
    let end_cell = if to > from {
        cells.get(to - 1).map_or(total, |c| c.1 + c.2)
    } else {
        start_cell
    };
    let marks = (end_cell - start_cell).max(1);
    // Cut long lines to a window that holds the start of the finding.
    let window_start = if total > MAX_CELLS && start_cell > MAX_CELLS / 3 {
        start_cell - MAX_CELLS / 3
    } else {
        0
    };
    let window_end = window_start + MAX_CELLS;
    let mut text = String::new();
    let mut lead = 0; // cells before the underline, inside the window
    if window_start > 0 {
        text.push('…');
        lead += 1;
    }
    for (t, s, n) in &cells {
        if *s >= window_start && s + n <= window_end {
            text.push_str(t);
        }
    }
    if total > window_end {
        text.push('…');
    }
    lead += start_cell - window_start;
    let marks = marks.min(window_end.saturating_sub(start_cell)).max(1);
    (text, format!("{}{}", " ".repeat(lead), "^".repeat(marks)))
}

/// File texts read once each for the frames; unreadable, binary or huge files give no frame.
#[derive(Default)]
pub struct Sources {
    texts: HashMap<PathBuf, Option<String>>,
}

impl Sources {
    fn text(&mut self, path: &Path) -> Option<&str> {
        self.texts
            .entry(path.to_path_buf())
            .or_insert_with(|| {
                let meta = std::fs::metadata(path).ok()?;
                if !meta.is_file() || meta.len() > MAX_FILE {
                    return None;
                }
                let bytes = std::fs::read(path).ok()?;
                String::from_utf8(bytes).ok()
            })
            .as_deref()
    }

    /// The frame of `d` (lines to print, without the final newline), or nothing when the file
    /// cannot be shown or the finding is about the file as a whole (its name).
    pub fn frame(&mut self, d: &Diagnostic, p: &Palette) -> Option<String> {
        // A folder rule's finding at the file's start is about the file (its name, its place in
        // the sequence), not about the first line.
        let about_the_file = d.start == crate::diagnostic::LineCol::START
            && crate::rules::folder::CHECKS
                .iter()
                .any(|(rule, _)| rule.id == d.rule);
        if about_the_file {
            return None;
        }
        let text = self.text(&d.path)?;
        if text.is_empty() {
            return None;
        }
        // The finding's start and end as character columns of its first line.
        let line_no = d.start.line as usize;
        let index = crate::diagnostic::LineIndex::new(text);
        let start = index.line_start(line_no.checked_sub(1)?)?;
        let end = index.line_start(line_no).unwrap_or(text.len());
        let line = &text[start..end];
        let line = line.trim_end_matches(['\n', '\r']);
        let from = (d.start.column as usize).saturating_sub(1);
        let chars = line.chars().count();
        let to = if d.end.line == d.start.line {
            (d.end.column as usize).saturating_sub(1).max(from)
        } else {
            chars.max(from)
        };
        let (shown, marks) = underline(line, from, to);
        let number = line_no.to_string();
        let pad = " ".repeat(number.len());
        Some(format!(
            "{dim}{pad} |{reset}\n{dim}{number} |{reset} {shown}\n{dim}{pad} |{reset} {colour}{marks}{reset}",
            dim = p.dim,
            reset = p.reset,
            colour = p.level(d.level),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_ascii() {
        let (line, marks) = underline("ALTER TABLE t ADD c int;", 6, 11);
        assert_eq!(line, "ALTER TABLE t ADD c int;");
        assert_eq!(marks, "      ^^^^^");
    }

    #[test]
    fn tabs_expand_to_stops_and_the_underline_follows() {
        let (line, marks) = underline("\tx\ty", 3, 4);
        assert_eq!(line, "    x   y");
        assert_eq!(marks, "        ^");
    }

    #[test]
    fn wide_and_combining_characters() {
        // 表 takes two cells; é written as e + U+0301 takes one.
        let (line, marks) = underline("表e\u{301}x", 3, 4);
        assert_eq!(line, "表e\u{301}x");
        assert_eq!(marks, "   ^");
        let (_, marks) = underline("a表b", 1, 2);
        assert_eq!(marks, " ^^");
    }

    #[test]
    fn controls_are_shown_escaped_with_the_underline_after_them() {
        let (line, marks) = underline("\x1b[2Jx", 4, 5);
        assert_eq!(line, "\\x1b[2Jx");
        assert_eq!(marks, "       ^");
    }

    #[test]
    fn empty_ranges_and_ranges_past_the_end_mark_one_cell() {
        assert_eq!(underline("abc", 1, 1).1, " ^");
        assert_eq!(underline("abc", 3, 3).1, "   ^");
        assert_eq!(underline("", 0, 0), (String::new(), "^".to_string()));
        assert_eq!(underline("abc", 9, 12).1, "   ^");
    }

    #[test]
    fn long_lines_are_cut_around_the_finding() {
        let line = format!("{}HERE{}", "a".repeat(500), "b".repeat(500));
        let (shown, marks) = underline(&line, 500, 504);
        assert!(shown.starts_with('…') && shown.ends_with('…'), "{shown}");
        assert_eq!(shown.chars().count(), MAX_CELLS + 2);
        let at = marks.find('^').unwrap();
        assert_eq!(&shown.chars().skip(at).take(4).collect::<String>(), "HERE");
        assert_eq!(marks.len() - at, 4);
    }
}
