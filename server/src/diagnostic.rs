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

/// Line starts of one text, built once (one pass), so that the positions of many findings cost
/// a binary search and a short count each instead of a scan from the file start.
///
/// Columns count characters; the count from the line start is taken from checkpoints every
/// [`LineIndex::CHECKPOINT`] bytes, so even a one-line file of many megabytes answers quickly.
///
/// The index does not borrow the text (so it can be cached beside it); pass the same text to
/// [`LineIndex::line_col`].
#[derive(Debug, Clone, Default)]
pub struct LineIndex {
    /// Length of the indexed text.
    len: usize,
    /// Byte offset where each line starts (the first is 0).
    starts: Vec<usize>,
    /// Characters before byte `k * CHECKPOINT` (rounded down to a character boundary).
    chars_before: Vec<usize>,
    /// UTF-16 code units before the same boundaries (what LSP positions count).
    units_before: Vec<usize>,
}

impl LineIndex {
    pub const CHECKPOINT: usize = 4096;

    /// Indexes `text`; `\n`, `\r\n` and a lone `\r` end a line, as in [`LineCol::of`].
    /// Line ends are found by `memchr` and characters counted a block at a time: a publish
    /// indexes every file it sends, a long migration on each keystroke.
    pub fn new(text: &str) -> LineIndex {
        let bytes = text.as_bytes();
        let mut starts = vec![0];
        for i in memchr::memchr2_iter(b'\n', b'\r', bytes) {
            if bytes[i] == b'\n' || bytes.get(i + 1) != Some(&b'\n') {
                starts.push(i + 1);
            }
        }
        let blocks = bytes.len().div_ceil(Self::CHECKPOINT);
        if bytes.is_ascii() {
            // A byte a character and a UTF-16 unit (most migrations): nothing to count.
            let before: Vec<usize> = (0..blocks).map(|k| k * Self::CHECKPOINT).collect();
            return LineIndex {
                len: text.len(),
                starts,
                chars_before: before.clone(),
                units_before: before,
            };
        }
        let mut chars_before = Vec::with_capacity(blocks);
        let mut units_before = Vec::with_capacity(blocks);
        let (mut chars, mut units) = (0usize, 0usize);
        for (k, block) in bytes.chunks(Self::CHECKPOINT).enumerate() {
            // Counts before the boundary: a continuation byte there means the character
            // started earlier and is already counted.
            let at = k * Self::CHECKPOINT;
            if is_continuation(block[0]) && chars > 0 {
                let lead = bytes[..at]
                    .iter()
                    .rev()
                    .find(|b| !is_continuation(**b))
                    .map_or(1, |&b| utf16_units(b));
                chars_before.push(chars - 1);
                units_before.push(units - lead);
            } else {
                chars_before.push(chars);
                units_before.push(units);
            }
            let starting = block.iter().filter(|b| !is_continuation(**b)).count();
            let wide = block.iter().filter(|&&b| b >= 0xf0).count();
            chars += starting;
            units += starting + wide;
        }
        LineIndex {
            len: text.len(),
            starts,
            chars_before,
            units_before,
        }
    }

    /// The 0-based line holding byte `offset`.
    pub fn line_of(&self, offset: usize) -> usize {
        self.starts
            .partition_point(|&s| s <= offset)
            .saturating_sub(1)
    }

    /// The byte offset where 0-based `line` starts, if the text has that line.
    pub fn line_start(&self, line: usize) -> Option<usize> {
        self.starts.get(line).copied()
    }

    /// The 0-based line and UTF-16 column of byte `offset` (clamped to the text and to a
    /// character boundary), as LSP positions count. Logarithmic in the text's size, whatever the
    /// line's length.
    pub fn utf16_position(&self, text: &str, offset: usize) -> (usize, usize) {
        let offset = floor_boundary(text, offset.min(self.len));
        let line = self.line_of(offset);
        let start = self.starts.get(line).copied().unwrap_or(0);
        let column = if offset - start < Self::CHECKPOINT {
            count_units(&text.as_bytes()[start..offset])
        } else {
            self.units_at(text, offset) - self.units_at(text, start)
        };
        (line, column)
    }

    /// The byte offset of UTF-16 column `units` on 0-based `line`: past the line's end or the
    /// text's end it clamps to them (as LSP asks); inside a surrogate pair, to the next character.
    pub fn utf16_offset(&self, text: &str, line: usize, units: usize) -> usize {
        let Some(&start) = self.starts.get(line) else {
            return text.len();
        };
        let end = self.starts.get(line + 1).copied().unwrap_or(text.len());
        let end = start + text[start..end].trim_end_matches(['\n', '\r']).len();
        // Start from the last checkpoint inside the line that is not past the wanted column.
        let base = self.units_at(text, start);
        let first = start.div_ceil(Self::CHECKPOINT);
        let last = (end / Self::CHECKPOINT).min(self.units_before.len().saturating_sub(1));
        let mut from = start;
        if first <= last && !self.units_before.is_empty() {
            let n = self.units_before[first..=last].partition_point(|&u| u - base <= units);
            if n > 0 {
                from = floor_boundary(text, (first + n - 1) * Self::CHECKPOINT).max(start);
            }
        }
        let mut seen = self.units_at(text, from) - base;
        for (i, c) in text[from..end].char_indices() {
            if seen >= units {
                return from + i;
            }
            seen += c.len_utf16();
        }
        end
    }

    /// UTF-16 code units before the character boundary `offset`.
    fn units_at(&self, text: &str, offset: usize) -> usize {
        let k = (offset / Self::CHECKPOINT).min(self.units_before.len().saturating_sub(1));
        let Some(&base) = self.units_before.get(k) else {
            return 0;
        };
        let from = floor_boundary(text, k * Self::CHECKPOINT).min(offset);
        base + count_units(&text.as_bytes()[from..offset])
    }

    /// Number of lines (a text without a line terminator has one).
    pub fn lines(&self) -> usize {
        self.starts.len()
    }

    /// The position of byte `offset` in `text` (the text the index was built for), as
    /// [`LineCol::of`] computes it. Another text gives positions clamped to both, never a panic.
    pub fn line_col(&self, text: &str, offset: usize) -> LineCol {
        debug_assert_eq!(
            text.len(),
            self.len,
            "a line index is used with its own text"
        );
        let offset = floor_boundary(text, offset.min(self.len));
        let line = self
            .starts
            .partition_point(|&s| s <= offset)
            .saturating_sub(1);
        // Between the `\r` and the `\n` of a CRLF: the `\r` already ended the line, as
        // `LineCol::of` counts it.
        let bytes = text.as_bytes();
        if offset > 0 && bytes.get(offset - 1) == Some(&b'\r') && bytes.get(offset) == Some(&b'\n')
        {
            return LineCol {
                line: saturate(line + 2),
                column: 1,
            };
        }
        let start = floor_boundary(text, self.starts.get(line).copied().unwrap_or(0));
        let column = if offset - start < Self::CHECKPOINT {
            count_chars(&text.as_bytes()[start..offset])
        } else {
            self.chars_at(text, offset)
                .saturating_sub(self.chars_at(text, start))
        } + 1;
        LineCol {
            line: saturate(line + 1),
            column: saturate(column),
        }
    }

    /// Characters before the character boundary `offset`.
    fn chars_at(&self, text: &str, offset: usize) -> usize {
        // The end of a text whose length is a multiple of CHECKPOINT has no checkpoint of its own.
        let k = (offset / Self::CHECKPOINT).min(self.chars_before.len().saturating_sub(1));
        let Some(&base) = self.chars_before.get(k) else {
            return 0;
        };
        let from = floor_boundary(text, k * Self::CHECKPOINT).min(offset);
        base + count_chars(&text.as_bytes()[from..offset])
    }
}

/// Characters in valid UTF-8 bytes.
fn count_chars(bytes: &[u8]) -> usize {
    bytes.iter().filter(|&&b| !is_continuation(b)).count()
}

/// UTF-16 code units in valid UTF-8 bytes.
fn count_units(bytes: &[u8]) -> usize {
    bytes
        .iter()
        .filter(|&&b| !is_continuation(b))
        .map(|&b| utf16_units(b))
        .sum()
}

/// UTF-16 code units of the character whose UTF-8 encoding starts with `lead`.
fn utf16_units(lead: u8) -> usize {
    if lead >= 0xf0 {
        2
    } else {
        1
    }
}

fn is_continuation(b: u8) -> bool {
    (0x80..0xc0).contains(&b)
}

fn floor_boundary(text: &str, offset: usize) -> usize {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    offset
}

fn saturate(v: usize) -> u32 {
    u32::try_from(v).unwrap_or(u32::MAX)
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

/// A project's findings, grouped by file: one shared, sorted slice per path that has findings,
/// in the order [`sort`] puts paths. A re-check that leaves a file's findings as they were keeps
/// its slice (the same `Arc`), so a reader that kept the last one (the language server's
/// publish) sees what changed by pointer, without comparing every file's findings; the whole
/// list reads in [`sort`]'s order ([`Findings::iter`]), as the CLI prints it.
///
/// The slices are held in shared chunks of [`Findings::CHUNK`] files (up to twice that after
/// changes): a re-check that changes a few files' findings copies the chunks they are in
/// ([`Findings::replaced`]), not a
/// pointer to every file's slice (taking a new reference to each of a 10,000-file folder's
/// slices, each in memory of its own, was a twentieth of a keystroke's re-check).
#[derive(Debug, Clone, Default)]
pub struct Findings {
    /// Non-empty chunks of non-empty slices, each on one path, in path order.
    chunks: Vec<std::sync::Arc<[std::sync::Arc<[Diagnostic]>]>>,
    len: usize,
}

/// Equal findings, however they are cut into chunks.
impl PartialEq for Findings {
    fn eq(&self, other: &Self) -> bool {
        self.len == other.len && self.files().eq(other.files())
    }
}

impl Eq for Findings {}

impl Findings {
    /// The most files a chunk holds when made; one that grows past twice that is cut into
    /// chunks of at most this many.
    pub const CHUNK: usize = 64;

    /// Groups findings already in [`sort`]'s order.
    pub fn from_sorted(diagnostics: Vec<Diagnostic>) -> Findings {
        Findings::from_files(
            diagnostics
                .chunk_by(|a, b| a.path.as_os_str() == b.path.as_os_str())
                .map(std::sync::Arc::from)
                .collect(),
        )
    }

    /// From each file's findings, given in path order (each sorted, all on one path).
    pub fn from_files(files: Vec<std::sync::Arc<[Diagnostic]>>) -> Findings {
        debug_assert!(files.iter().all(|f| f
            .first()
            .is_some_and(|d| f.iter().all(|o| o.path == d.path))));
        debug_assert!(files.windows(2).all(|w| w[0][0].path < w[1][0].path));
        let len = files.iter().map(|f| f.len()).sum();
        let chunks = files.chunks(Self::CHUNK).map(Into::into).collect();
        Findings { chunks, len }
    }

    /// These findings with the files of `changes` given new findings (`None` or an empty
    /// slice: the file has none now). `changes` are on distinct paths, in path order. The
    /// chunks no change falls in are shared with `self`.
    pub fn replaced(
        &self,
        changes: Vec<(&std::path::Path, Option<std::sync::Arc<[Diagnostic]>>)>,
    ) -> Findings {
        debug_assert!(changes.windows(2).all(|w| w[0].0 < w[1].0));
        let mut chunks = Vec::with_capacity(self.chunks.len() + 1);
        let mut len = self.len;
        let mut changes = changes.into_iter().peekable();
        for (c, chunk) in self.chunks.iter().enumerate() {
            // The changes up to this chunk's last path, or all that are left for the last one.
            let last = c + 1 == self.chunks.len();
            let end = &chunk[chunk.len() - 1][0].path;
            let mut mine = Vec::new();
            while let Some(change) = changes.next_if(|(path, _)| last || *path <= end.as_path()) {
                mine.push(change);
            }
            // Copied only where a change changes something.
            let mut files: Option<Vec<std::sync::Arc<[Diagnostic]>>> = None;
            for (path, findings) in mine {
                let findings = findings.filter(|f| !f.is_empty());
                let list = files.as_deref().unwrap_or(chunk);
                match (
                    list.binary_search_by(|f| f[0].path.as_path().cmp(path)),
                    findings,
                ) {
                    (Ok(at), Some(f)) if std::sync::Arc::ptr_eq(&list[at], &f) => {}
                    (Err(_), None) => {}
                    (Ok(at), findings) => {
                        let files = files.get_or_insert_with(|| chunk.to_vec());
                        len -= files[at].len();
                        match findings {
                            Some(f) => {
                                len += f.len();
                                files[at] = f;
                            }
                            None => {
                                files.remove(at);
                            }
                        }
                    }
                    (Err(at), Some(f)) => {
                        len += f.len();
                        files.get_or_insert_with(|| chunk.to_vec()).insert(at, f);
                    }
                }
            }
            match files {
                None => chunks.push(chunk.clone()),
                Some(files) if files.len() <= 2 * Self::CHUNK => {
                    if !files.is_empty() {
                        chunks.push(files.into());
                    }
                }
                Some(files) => {
                    // Cut into equal parts of at most CHUNK files.
                    let parts = files.len().div_ceil(Self::CHUNK);
                    for part in files.chunks(files.len().div_ceil(parts)) {
                        chunks.push(part.into());
                    }
                }
            }
        }
        // Findings on paths after every file, when there were none at all before.
        let rest: Vec<std::sync::Arc<[Diagnostic]>> = changes
            .filter_map(|(_, f)| f.filter(|f| !f.is_empty()))
            .collect();
        len += rest.iter().map(|f| f.len()).sum::<usize>();
        chunks.extend(rest.chunks(Self::CHUNK).map(Into::into));
        Findings { chunks, len }
    }

    /// Every finding, in [`sort`]'s order.
    pub fn iter(&self) -> impl Iterator<Item = &Diagnostic> + '_ {
        self.files().flat_map(|f| f.iter())
    }

    /// Each file's findings (never empty), in path order.
    pub fn files(&self) -> impl Iterator<Item = &std::sync::Arc<[Diagnostic]>> + '_ {
        self.chunks.iter().flat_map(|c| c.iter())
    }

    /// How many files have findings.
    pub fn file_count(&self) -> usize {
        self.chunks.iter().map(|c| c.len()).sum()
    }

    /// The findings on `path` (sorted).
    pub fn for_path(&self, path: &std::path::Path) -> &[Diagnostic] {
        self.file(path).map_or(&[], |f| f)
    }

    /// The slice of `path`'s findings, if it has some.
    pub fn file(&self, path: &std::path::Path) -> Option<&std::sync::Arc<[Diagnostic]>> {
        // The last chunk whose first path is not after `path`.
        let c = self
            .chunks
            .partition_point(|c| c[0][0].path.as_path() <= path)
            .checked_sub(1)?;
        let chunk = &self.chunks[c];
        chunk
            .binary_search_by(|f| f[0].path.as_path().cmp(path))
            .ok()
            .map(|i| &chunk[i])
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Every finding, copied, in [`sort`]'s order.
    pub fn to_vec(&self) -> Vec<Diagnostic> {
        self.iter().cloned().collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replacing_files_findings_equals_grouping_them_again_and_shares_the_rest() {
        use std::collections::BTreeMap;
        use std::sync::Arc;
        let finding = |file: usize, n: usize| Diagnostic {
            rule: "r",
            level: Level::Warning,
            path: PathBuf::from(format!("/m/V{file}__x.sql")),
            range: TextRange::new(n, n + 1),
            start: LineCol {
                line: n as u32 + 1,
                column: 1,
            },
            end: LineCol {
                line: n as u32 + 1,
                column: 2,
            },
            message: format!("finding {n}"),
            related: Vec::new(),
            fix: None,
        };
        let slice = |file: usize, n: usize| -> Arc<[Diagnostic]> {
            (0..n).map(|k| finding(file, k)).collect::<Vec<_>>().into()
        };
        // Files 0..1000, by path (`V10__` sorts before `V2__`), some with findings.
        let mut expected: BTreeMap<PathBuf, Arc<[Diagnostic]>> = BTreeMap::new();
        for file in (0..1000).filter(|f| f % 3 != 0) {
            let s = slice(file, 1 + file % 4);
            expected.insert(s[0].path.clone(), s);
        }
        let mut findings = Findings::from_files(expected.values().cloned().collect());
        let mut seed = 7u64;
        let mut next = |m: u64| {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (seed >> 33) % m
        };
        for round in 0..200 {
            // A few files gain, change or lose findings; a run of them now and then.
            let mut changed: BTreeMap<PathBuf, Option<Arc<[Diagnostic]>>> = BTreeMap::new();
            let (at, run) = (next(1000) as usize, if round % 10 == 0 { 150 } else { 3 });
            for file in (at..at + run).map(|f| f % 1000) {
                let n = next(4) as usize;
                let s = slice(file, n);
                let path = PathBuf::from(format!("/m/V{file}__x.sql"));
                changed.insert(path, (n > 0).then_some(s));
            }
            let changes = changed
                .iter()
                .map(|(p, s)| (p.as_path(), s.clone()))
                .collect();
            let next_findings = findings.replaced(changes);
            for (path, s) in &changed {
                match s {
                    Some(s) => expected.insert(path.clone(), s.clone()),
                    None => expected.remove(path),
                };
            }
            let grouped = Findings::from_files(expected.values().cloned().collect());
            assert_eq!(next_findings, grouped, "round {round}");
            assert_eq!(next_findings.len(), grouped.len());
            assert_eq!(next_findings.file_count(), expected.len());
            assert!(next_findings
                .chunks
                .iter()
                .all(|c| !c.is_empty() && c.len() <= 2 * Findings::CHUNK));
            for (path, s) in &expected {
                assert!(
                    Arc::ptr_eq(next_findings.file(path).unwrap(), s),
                    "{path:?}"
                );
            }
            assert!(next_findings
                .file(std::path::Path::new("/m/none"))
                .is_none());
            // A chunk no change fell in is the previous one.
            let kept = next_findings
                .chunks
                .iter()
                .filter(|c| findings.chunks.iter().any(|o| Arc::ptr_eq(o, c)))
                .count();
            assert!(kept + changed.len() >= findings.chunks.len().min(next_findings.chunks.len()));
            findings = next_findings;
        }
        let emptied = findings.replaced(expected.keys().map(|p| (p.as_path(), None)).collect());
        assert!(emptied.is_empty() && emptied.file_count() == 0);
        let refilled = Findings::default().replaced(
            expected
                .iter()
                .map(|(p, s)| (p.as_path(), Some(s.clone())))
                .collect(),
        );
        assert_eq!(refilled, findings);
        // Hundreds of files gaining findings in one chunk: it is cut into chunks of at most 64.
        let few = Findings::from_files(expected.values().take(10).cloned().collect());
        let grown = few.replaced(
            expected
                .iter()
                .map(|(p, s)| (p.as_path(), Some(s.clone())))
                .collect(),
        );
        assert_eq!(grown, findings);
        assert!(grown.chunks.len() > 2);
        assert!(grown.chunks.iter().all(|c| c.len() <= Findings::CHUNK));
    }

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

    /// A small deterministic generator (xorshift), so the test needs no extra crate and every
    /// run checks the same texts.
    struct Rng(u64);
    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0
        }
        fn below(&mut self, n: usize) -> usize {
            (self.next() % n as u64) as usize
        }
    }

    #[test]
    fn line_index_equals_line_col_of_on_random_texts() {
        let pieces = [
            "a", "x", " ", ";", "\n", "\r", "\r\n", "\n\r", "é", "😀", "☕", "\u{feff}", "--",
        ];
        let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
        for round in 0..120 {
            // Some texts cross several checkpoints, some are long single lines.
            let len = match round % 3 {
                0 => rng.below(40),
                1 => rng.below(3 * LineIndex::CHECKPOINT),
                _ => LineIndex::CHECKPOINT * 2 + rng.below(50),
            };
            let mut text = String::new();
            while text.len() < len {
                let piece = pieces[rng.below(pieces.len())];
                // Long lines: fewer terminators in every third text.
                if round % 3 == 2 && piece.contains(['\n', '\r']) && rng.below(50) > 0 {
                    continue;
                }
                text.push_str(piece);
            }
            let index = LineIndex::new(&text);
            // Every offset of short texts; a sample (and the ends) of long ones.
            let offsets: Vec<usize> = if text.len() < 200 {
                (0..=text.len() + 2).collect()
            } else {
                (0..150)
                    .map(|_| rng.below(text.len() + 3))
                    .chain([0, text.len(), text.len() + 5])
                    .chain((1..4).map(|k| k * LineIndex::CHECKPOINT))
                    .collect()
            };
            for offset in offsets {
                let expected = LineCol::of(&text, offset);
                assert_eq!(
                    index.line_col(&text, offset),
                    expected,
                    "offset {offset} of {text:?}"
                );
                // LSP positions: UTF-16 units from the line's start (not between the two
                // bytes of a CRLF, which no finding starts at).
                if offset > 0 && text.get(offset - 1..=offset) == Some("\r\n") {
                    continue;
                }
                let (line, units) = index.utf16_position(&text, offset);
                let start = index.line_start(line).unwrap();
                let at = floor_boundary(&text, offset);
                assert_eq!(
                    (line + 1, units),
                    (
                        expected.line as usize,
                        text[start..at].encode_utf16().count()
                    ),
                    "UTF-16 position of offset {offset} of {text:?}"
                );
            }
        }
    }

    #[test]
    fn line_index_at_exact_checkpoint_lengths() {
        for len in [0, 1, LineIndex::CHECKPOINT, 2 * LineIndex::CHECKPOINT] {
            let text = "é".repeat(len / 2) + &"x".repeat(len % 2);
            let index = LineIndex::new(&text);
            assert_eq!(
                index.line_col(&text, text.len()),
                LineCol::of(&text, text.len())
            );
        }
    }

    /// A checkpoint that falls inside a character: the counts before it leave that character
    /// to the block it starts in.
    #[test]
    fn checkpoints_inside_a_character() {
        for wide in ["é", "☕", "😀"] {
            for pad in 0..4 {
                let text = "x".repeat(LineIndex::CHECKPOINT - pad)
                    + &wide.repeat(3)
                    + &"y".repeat(LineIndex::CHECKPOINT + 10);
                let index = LineIndex::new(&text);
                for offset in [text.len() - 1, LineIndex::CHECKPOINT + 8, text.len()] {
                    let at = floor_boundary(&text, offset);
                    assert_eq!(
                        index.utf16_position(&text, offset),
                        (0, text[..at].encode_utf16().count()),
                        "{wide} after {pad} fewer"
                    );
                    assert_eq!(
                        index.line_col(&text, offset),
                        LineCol::of(&text, offset),
                        "{wide} after {pad} fewer"
                    );
                }
            }
        }
    }

    #[test]
    fn first_line_range() {
        assert_eq!(first_line("abc\ndef"), TextRange::new(0, 3));
        assert_eq!(first_line("\u{feff}abc\r\n"), TextRange::new(3, 6));
        assert_eq!(first_line(""), TextRange::new(0, 0));
    }
}
