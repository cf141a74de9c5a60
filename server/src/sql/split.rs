//! Splitting a script into statements with exact byte ranges, the way Flyway's parsers do.
//!
//! Statements end at `;` outside strings, comments, dollar-quoted bodies and routine blocks
//! (`CREATE PROCEDURE … BEGIN … END`, PostgreSQL `BEGIN ATOMIC … END`). MySQL's `DELIMITER`
//! directive changes the terminator until the next directive; the directive line is not a
//! statement. Nothing here fails: malformed input still yields statements.

use std::ops::Range;

use super::lexer::{Placeholders, TokenKind, Tokens};
use super::Dialect;
use crate::diagnostic::TextRange;

/// One statement of a script.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawStatement {
    /// From the first to the last significant token (terminator excluded).
    pub range: TextRange,
    /// Index range into [`Split::tokens`] of the statement's tokens (trivia included).
    pub tokens: Range<usize>,
    /// Where the text before the statement starts (after the previous terminator): comments
    /// in there belong to this statement (suppressions, documentation).
    pub leading_start: usize,
}

#[derive(Debug, Clone)]
pub struct Split {
    pub tokens: Tokens,
    pub statements: Vec<RawStatement>,
    /// `DELIMITER …` directive lines (MySQL).
    pub directives: Vec<TextRange>,
    /// Whether PostgreSQL `COPY … FROM STDIN` data was blanked out before lexing.
    pub masked: bool,
}

/// Splits a script whose placeholders are Flyway's default `${…}` (or already replaced).
pub fn split(source: &str, dialect: Dialect) -> Split {
    split_with(source, dialect, &Placeholders::Flyway)
}

/// Splits a script whose placeholders are written as `placeholders` says.
pub fn split_with(source: &str, dialect: Dialect, placeholders: &Placeholders) -> Split {
    // The data of PostgreSQL's `COPY … FROM STDIN` is not SQL: lexed as blank space.
    let regions = if dialect == Dialect::Postgres {
        copy_data(source, placeholders)
    } else {
        Vec::new()
    };
    let tokens = if regions.is_empty() {
        Tokens::new(source, dialect, placeholders)
    } else {
        let mut masked = source.as_bytes().to_vec();
        for r in &regions {
            for b in &mut masked[r.clone()] {
                if *b != b'\n' && *b != b'\r' {
                    *b = b' ';
                }
            }
        }
        // Only ASCII bytes were written over whole characters: still UTF-8.
        let masked = String::from_utf8(masked).unwrap_or_else(|_| source.to_string());
        Tokens::new(&masked, dialect, placeholders)
    };
    let (split, _) = split_tokens(source, tokens, dialect, 0);
    Split {
        masked: !regions.is_empty(),
        ..split
    }
}

/// Splits `tokens`, the tokens of `source` from byte `leading_start` on (a point where no
/// statement is open: the script's start or the end of a `;` terminator). Also says whether
/// the tokens end with a `;` that ended a statement (nothing is open after them).
fn split_tokens(
    source: &str,
    tokens: Tokens,
    dialect: Dialect,
    mut leading_start: usize,
) -> (Split, bool) {
    let mut statements = Vec::new();
    let mut directives = Vec::new();
    let mut delimiter = ";".to_string();
    let mut first: Option<usize> = None;
    let mut last = 0usize;
    let mut words: Vec<usize> = Vec::new();
    let mut depth = 0usize;
    let mut routine: Option<bool> = None;
    let mut token_start = 0usize;
    // Whether the last token seen ended a statement with `;`.
    let mut closed = false;

    let mut idx = 0;
    while idx < tokens.len() {
        let t = tokens.get(idx);
        closed = false;
        if t.is_trivia() {
            // MySQL runs the text of a version comment (`/*!40101 SET NAMES utf8 */;`): it
            // belongs to a statement, even one made of nothing else.
            if dialect == Dialect::MySql
                && t.kind == TokenKind::BlockComment
                && is_version_comment(t.text(source))
            {
                first.get_or_insert(idx);
                last = idx;
            }
            idx += 1;
            continue;
        }
        // DELIMITER directive at the start of a statement (MySQL client syntax, which Flyway
        // understands too).
        if dialect == Dialect::MySql && first.is_none() && t.is_keyword(source, "DELIMITER") {
            let line_end = source[t.end..]
                .find(['\n', '\r'])
                .map_or(source.len(), |i| t.end + i);
            let new = source[t.end..line_end].trim();
            if !new.is_empty() {
                delimiter = new.to_string();
            }
            directives.push(TextRange::new(t.start, line_end));
            while idx < tokens.len() && tokens.get(idx).start < line_end {
                idx += 1;
            }
            leading_start = line_end;
            token_start = idx;
            continue;
        }
        let at_terminator = if delimiter == ";" {
            t.kind == TokenKind::Punct && t.text(source) == ";" && depth == 0
        } else {
            !matches!(
                t.kind,
                TokenKind::String | TokenKind::QuotedIdent | TokenKind::DollarString
            ) && source[t.start..].starts_with(delimiter.as_str())
        };
        // A custom delimiter glued to the end of a word (`END$$`): words may hold `$`,
        // but Flyway, like the mysql client, ends the statement where the delimiter starts.
        let glued = if delimiter != ";" && !at_terminator && t.kind == TokenKind::Word {
            t.text(source)
                .find(delimiter.as_str())
                .filter(|&p| p > 0)
                .map(|p| t.start + p)
        } else {
            None
        };
        if let Some(cut) = glued {
            let f = first.unwrap_or(idx);
            statements.push(RawStatement {
                range: TextRange::new(tokens.get(f).start, cut),
                tokens: token_start..idx + 1,
                leading_start,
            });
            let end = (cut + delimiter.len()).min(t.end);
            idx += 1;
            first = None;
            words.clear();
            depth = 0;
            routine = None;
            leading_start = end;
            token_start = idx;
            continue;
        }
        if at_terminator {
            let end = t.start + if delimiter == ";" { 1 } else { delimiter.len() };
            if let Some(f) = first {
                statements.push(RawStatement {
                    range: TextRange::new(tokens.get(f).start, tokens.get(last).end),
                    tokens: token_start..idx,
                    leading_start,
                });
            }
            // Skip the tokens the terminator covers.
            while idx < tokens.len() && tokens.get(idx).start < end {
                idx += 1;
            }
            closed = delimiter == ";";
            first = None;
            words.clear();
            depth = 0;
            routine = None;
            leading_start = end;
            token_start = idx;
            continue;
        }
        if first.is_none() {
            first = Some(idx);
        }
        last = idx;
        if t.kind == TokenKind::Word {
            words.push(idx);
            track_blocks(
                source,
                &tokens,
                &words,
                idx,
                dialect,
                &mut routine,
                &mut depth,
            );
        }
        idx += 1;
    }
    if let Some(f) = first {
        statements.push(RawStatement {
            range: TextRange::new(tokens.get(f).start, tokens.get(last).end),
            tokens: token_start..tokens.len(),
            leading_start,
        });
    }
    let open = first.is_some() || delimiter != ";";
    (
        Split {
            tokens,
            statements,
            directives,
            masked: false,
        },
        closed && !open,
    )
}

/// An edited script split again from its last split: the statements before the edit and
/// those after it are the last split's (the latter moved by `shift` bytes); only the text
/// between is lexed and split again.
#[derive(Debug)]
pub struct Resplit {
    /// The last split's statements `..kept` are unchanged, at the same offsets.
    pub kept: usize,
    /// The last split's statements `resumed..` are unchanged, `shift` bytes further.
    pub resumed: usize,
    pub shift: isize,
    /// The new text's bytes `from..to`, split again: its tokens and statements (token indexes
    /// into its own tokens).
    pub from: usize,
    pub to: usize,
    pub middle: Split,
}

/// How many `;` after the edit the re-split tries as the point where the last split takes
/// over again (each failed try, a `;` inside a routine body, splits the middle again), before
/// it splits to the end of the text.
const RESUME_TRIES: usize = 4;

/// Splits `new`, an edit of `old`, again from `old`'s split, given as the `leading_start` of
/// each of its statements. `old` was split with the same dialect and placeholder syntax, had
/// no `DELIMITER` directive and no `COPY … FROM STDIN` data; `None` when the edit brings one
/// (the caller splits the whole text).
///
/// Lexing and splitting are left to right and start afresh after a statement's `;`: the new
/// text is split from such a point of the last split before the first changed byte (and
/// before the end of its line, as far as the lexer looks ahead for a placeholder's end),
/// until a `;` that ends a statement where the rest of the text is unchanged and the last
/// split had a statement start too. From there both read the same bytes in the same state.
pub fn resplit(
    old: &str,
    leading: &[u32],
    new: &str,
    dialect: Dialect,
    placeholders: &Placeholders,
) -> Option<Resplit> {
    // What follows holds for a placeholder prefix with no `;` and no line break in it (a
    // placeholder then ends on the line where it starts, and holds no statement's end).
    if let Placeholders::Custom { prefix, .. } = placeholders {
        if prefix.contains([';', '\n', '\r']) {
            return None;
        }
    }
    let prefix = common_prefix(old.as_bytes(), new.as_bytes());
    let most = old.len().min(new.len()) - prefix;
    let suffix = common_suffix(old.as_bytes(), new.as_bytes(), most);
    let shift = new.len() as isize - old.len() as isize;
    // The last statement start at or before the first change whose preceding `;` and line
    // were read the same way.
    let mut kept = leading.partition_point(|&l| l as usize <= prefix);
    let from = loop {
        kept = kept.saturating_sub(1);
        if kept == 0 {
            break 0;
        }
        let at = leading[kept] as usize;
        let line_end = old
            .as_bytes()
            .get(at.saturating_sub(1)..)
            .and_then(|rest| memchr::memchr2(b'\n', b'\r', rest))
            .map(|i| at.saturating_sub(1) + i);
        if at > 0 && line_end.is_some_and(|e| e < prefix) {
            break at;
        }
    };
    let unchanged_from = new.len() - suffix;
    let resumes_at = |t: &super::lexer::Token| {
        t.kind == TokenKind::Punct
            && t.end >= unchanged_from
            && &new[t.start..t.end] == ";"
            && leading
                .binary_search(&u32::try_from(t.end as isize - shift).unwrap_or(u32::MAX))
                .is_ok()
    };
    let mut tokens = Tokens::default();
    let mut at = from;
    let mut tries = 0;
    let (middle, to) = loop {
        let stopped = if tries < RESUME_TRIES {
            tokens.extend_from(new, at, dialect, placeholders, resumes_at)
        } else {
            tokens.extend_from(new, at, dialect, placeholders, |_| false)
        };
        let (middle, closed) = split_tokens(new, tokens, dialect, from);
        if !stopped {
            break (middle, new.len());
        }
        let end = middle.tokens.get(middle.tokens.len() - 1).end;
        if closed {
            break (middle, end);
        }
        tokens = middle.tokens;
        at = end;
        tries += 1;
    };
    if !middle.directives.is_empty() || (dialect == Dialect::Postgres && has_copy(new, &middle)) {
        return None;
    }
    let resumed = if to == new.len() {
        leading.len()
    } else {
        leading
            .binary_search(&((to as isize - shift) as u32))
            .ok()?
    };
    Some(Resplit {
        kept,
        resumed,
        shift,
        from,
        to,
        middle,
    })
}

/// Whether a `;`-ended run of `split`'s tokens is a `COPY … FROM STDIN` (as [`copy_data`]
/// finds them).
fn has_copy(source: &str, split: &Split) -> bool {
    let mut words: Vec<&str> = Vec::new();
    for t in split.tokens.iter() {
        match t.kind {
            TokenKind::Word => words.push(t.text(source)),
            TokenKind::Punct if t.text(source) == ";" => {
                if copies_from_stdin(&words) {
                    return true;
                }
                words.clear();
            }
            _ => {}
        }
    }
    false
}

/// Whether the words of a statement make it `COPY … FROM STDIN`.
fn copies_from_stdin(words: &[&str]) -> bool {
    words
        .first()
        .is_some_and(|w| w.eq_ignore_ascii_case("COPY"))
        && words
            .windows(2)
            .any(|w| w[0].eq_ignore_ascii_case("FROM") && w[1].eq_ignore_ascii_case("STDIN"))
}

/// How many bytes `a` and `b` start with in common.
fn common_prefix(a: &[u8], b: &[u8]) -> usize {
    let n = a.len().min(b.len());
    let mut i = 0;
    // Compared a block at a time (a slice comparison is a `memcmp`).
    while i + 64 <= n && a[i..i + 64] == b[i..i + 64] {
        i += 64;
    }
    while i < n && a[i] == b[i] {
        i += 1;
    }
    i
}

/// How many bytes `a` and `b` end with in common, at most `most`.
fn common_suffix(a: &[u8], b: &[u8], most: usize) -> usize {
    let (la, lb) = (a.len(), b.len());
    let mut i = 0;
    while i + 64 <= most && a[la - i - 64..la - i] == b[lb - i - 64..lb - i] {
        i += 64;
    }
    while i < most && a[la - i - 1] == b[lb - i - 1] {
        i += 1;
    }
    i
}

/// The byte ranges of the data after PostgreSQL's `COPY … FROM STDIN;` statements, as Flyway
/// reads them (`PostgreSQLParser`): the rest of the statement's line after its `;` (skipped), then
/// the lines up to and including the one that is `\.` (trimmed), or to the end of the script.
fn copy_data(source: &str, placeholders: &Placeholders) -> Vec<Range<usize>> {
    let mut regions = Vec::new();
    // Without the word no `COPY … FROM STDIN` can be there: a search costs less than a lex.
    if crate::sql::find_ignore_ascii_case(source, "STDIN").is_none() {
        return regions;
    }
    let mut pos = 0;
    while pos < source.len() {
        // Up to the first `COPY … FROM STDIN;` from `pos`, lexing only as far as needed.
        let mut words: Vec<&str> = Vec::new();
        let mut found = None;
        super::lexer::lex_from(source, pos, Dialect::Postgres, placeholders, |t| {
            match t.kind {
                TokenKind::Word => words.push(&source[t.start..t.end]),
                TokenKind::Punct if &source[t.start..t.end] == ";" => {
                    if copies_from_stdin(&words) {
                        found = Some(t.end);
                        return false;
                    }
                    words.clear();
                }
                _ => {}
            }
            true
        });
        let Some(end) = found else {
            break;
        };
        // The rest of the statement's line is skipped, then lines up to `\.`.
        let start = end;
        let mut at = source[end..]
            .find('\n')
            .map_or(source.len(), |i| end + i + 1);
        while at < source.len() {
            let line_end = source[at..].find('\n').map_or(source.len(), |i| at + i + 1);
            let line = &source[at..line_end];
            at = line_end;
            if line.trim() == "\\." {
                break;
            }
        }
        if at > start {
            regions.push(start..at);
        }
        pos = at;
    }
    regions
}

/// MySQL's `/*! … */` and MariaDB's `/*M! … */`: code for the server, a comment elsewhere.
pub fn is_version_comment(comment: &str) -> bool {
    comment.starts_with("/*!") || comment.starts_with("/*M!")
}

/// Updates the block depth inside routine bodies, where `;` does not end the statement.
fn track_blocks(
    source: &str,
    tokens: &Tokens,
    words: &[usize],
    idx: usize,
    dialect: Dialect,
    routine: &mut Option<bool>,
    depth: &mut usize,
) {
    let word = tokens.get(idx).text(source);
    let is = |w: &str| word.eq_ignore_ascii_case(w);
    if !(is("BEGIN") || is("END") || is("CASE")) {
        return;
    }
    let is_routine = *routine.get_or_insert_with(|| {
        let first = words.first().map(|&i| tokens.get(i).text(source));
        first.is_some_and(|w| w.eq_ignore_ascii_case("CREATE"))
            && words.iter().take(12).any(|&i| {
                let w = tokens.get(i).text(source);
                ["PROCEDURE", "FUNCTION", "TRIGGER", "EVENT"]
                    .iter()
                    .any(|k| w.eq_ignore_ascii_case(k))
            })
    });
    if !is_routine {
        return;
    }
    let next_word = (idx + 1..tokens.len())
        .map(|j| tokens.get(j))
        .find(|t| !t.is_trivia())
        .filter(|t| t.kind == TokenKind::Word)
        .map(|t| t.text(source).to_ascii_uppercase());
    if is("BEGIN") {
        let opens = match dialect {
            Dialect::Postgres => next_word.as_deref() == Some("ATOMIC"),
            Dialect::MySql => true,
        };
        if opens {
            *depth += 1;
        }
    } else if is("CASE") {
        // `END CASE` closes a CASE statement; the END already counted it.
        let after_end = words.len() >= 2
            && tokens
                .get(words[words.len() - 2])
                .text(source)
                .eq_ignore_ascii_case("END");
        if *depth > 0 && !after_end {
            *depth += 1;
        }
    } else if *depth > 0 {
        // END IF / END LOOP / END WHILE / END REPEAT close statements we do not count.
        if !matches!(
            next_word.as_deref(),
            Some("IF" | "LOOP" | "WHILE" | "REPEAT")
        ) {
            *depth -= 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(source: &str, dialect: Dialect) -> Vec<&str> {
        split(source, dialect)
            .statements
            .iter()
            .map(|s| &source[s.range.start..s.range.end])
            .collect()
    }

    #[test]
    fn simple_and_empty_statements() {
        assert_eq!(
            texts(
                "create table a (id int);\n;; -- c\ninsert into a values (1)",
                Dialect::Postgres
            ),
            vec!["create table a (id int)", "insert into a values (1)"]
        );
        assert!(texts("  -- only a comment\n", Dialect::Postgres).is_empty());
    }

    #[test]
    fn semicolons_inside_strings_comments_and_bodies() {
        let source = "select ';', \"a;b\" /* ; */ -- ;\n;\nDO $$ BEGIN RAISE NOTICE 'x;'; END $$;\nCREATE FUNCTION f() RETURNS int AS $body$ select 1; $body$ LANGUAGE sql;";
        assert_eq!(
            texts(source, Dialect::Postgres),
            vec![
                "select ';', \"a;b\"",
                "DO $$ BEGIN RAISE NOTICE 'x;'; END $$",
                "CREATE FUNCTION f() RETURNS int AS $body$ select 1; $body$ LANGUAGE sql",
            ]
        );
    }

    #[test]
    fn postgres_begin_is_a_transaction_but_begin_atomic_is_a_block() {
        let source = "BEGIN;\nCREATE FUNCTION f() RETURNS int LANGUAGE sql BEGIN ATOMIC select 1; select 2; END;\nCOMMIT;";
        assert_eq!(
            texts(source, Dialect::Postgres),
            vec![
                "BEGIN",
                "CREATE FUNCTION f() RETURNS int LANGUAGE sql BEGIN ATOMIC select 1; select 2; END",
                "COMMIT"
            ]
        );
    }

    #[test]
    fn mysql_delimiter_and_procedures() {
        let source = "DELIMITER //\nCREATE PROCEDURE p()\nBEGIN\n  SELECT 1;\nEND //\nDELIMITER ;\nSELECT 2;";
        let s = split(source, Dialect::MySql);
        let found: Vec<&str> = s
            .statements
            .iter()
            .map(|st| &source[st.range.start..st.range.end])
            .collect();
        assert_eq!(
            found,
            vec!["CREATE PROCEDURE p()\nBEGIN\n  SELECT 1;\nEND", "SELECT 2"]
        );
        assert_eq!(s.directives.len(), 2);
        // Without DELIMITER, Flyway-style block tracking keeps the body together.
        let source = "CREATE TRIGGER t BEFORE INSERT ON a FOR EACH ROW BEGIN\n IF NEW.x IS NULL THEN SET NEW.x = 1; END IF;\n CASE WHEN 1 THEN SET @a = 1; END CASE;\nEND;\nSELECT 1;";
        assert_eq!(
            texts(source, Dialect::MySql),
            vec![
                "CREATE TRIGGER t BEFORE INSERT ON a FOR EACH ROW BEGIN\n IF NEW.x IS NULL THEN SET NEW.x = 1; END IF;\n CASE WHEN 1 THEN SET @a = 1; END CASE;\nEND",
                "SELECT 1"
            ]
        );
        // BEGIN outside a routine is a transaction start.
        assert_eq!(
            texts("BEGIN;\nALTER TABLE a ADD b int;\nCOMMIT;", Dialect::MySql),
            vec!["BEGIN", "ALTER TABLE a ADD b int", "COMMIT"]
        );
    }

    #[test]
    fn mysql_delimiter_in_any_case_or_spacing() {
        let source = "delimiter $$\r\nCREATE PROCEDURE p() BEGIN SELECT 1; END$$\r\n  \tDelimiter\t;  \r\nSELECT 2;\nDELIMITER   //   \nSELECT 3//\nDeLiMiTeR ;\nSELECT 4;";
        assert_eq!(
            texts(source, Dialect::MySql),
            vec![
                "CREATE PROCEDURE p() BEGIN SELECT 1; END",
                "SELECT 2",
                "SELECT 3",
                "SELECT 4"
            ]
        );
        assert_eq!(split(source, Dialect::MySql).directives.len(), 4);
    }

    #[test]
    fn mysql_version_comments_are_statements() {
        assert_eq!(
            texts(
                "/*!40101 SET NAMES utf8 */;\n/* plain */;\nSELECT 1 /*! FOR UPDATE */;",
                Dialect::MySql
            ),
            vec!["/*!40101 SET NAMES utf8 */", "SELECT 1 /*! FOR UPDATE */"]
        );
        // Elsewhere it is a comment.
        assert!(texts("/*!40101 SET NAMES utf8 */;", Dialect::Postgres).is_empty());
    }

    #[test]
    fn postgres_copy_data_is_not_sql() {
        let source = "CREATE TABLE t (a int, b text);\nCOPY t (a, b) FROM stdin;\n1\tit's; here\n2\t\\N\n\\.\nSELECT 1;\ncopy t from STDIN with (format text);\n3\tx\n";
        assert_eq!(
            texts(source, Dialect::Postgres),
            vec![
                "CREATE TABLE t (a int, b text)",
                "COPY t (a, b) FROM stdin",
                "SELECT 1",
                "copy t from STDIN with (format text)"
            ]
        );
        // Elsewhere, and for COPY … TO STDOUT, lines after are statements.
        assert_eq!(
            texts("COPY t TO stdout;\nSELECT 1;", Dialect::Postgres),
            vec!["COPY t TO stdout", "SELECT 1"]
        );
    }

    #[test]
    fn unterminated_input_still_splits() {
        assert_eq!(
            texts("select 1; select 'open; select 2;", Dialect::Postgres),
            vec!["select 1", "select 'open; select 2;"]
        );
    }
}
