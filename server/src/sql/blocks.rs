//! The nested structure of a script, for editors to fold and to grow a selection by: statements
//! (from [`super::split`]), dollar-quoted bodies (`$$ … $$`), `BEGIN … END` blocks (in routine
//! bodies, inside or outside dollar quotes), and comments that span lines.
//!
//! Nothing here fails: unbalanced `BEGIN` / `END` leave no block, an unterminated dollar quote is a
//! body to the end of the script.

use super::lexer::{tokenize_with, Placeholders, Token, TokenKind};
use super::split::split_with;
use super::Dialect;
use crate::diagnostic::TextRange;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum BlockKind {
    /// One statement, terminator excluded.
    Statement,
    /// A dollar-quoted body, its quotes included.
    Body,
    /// `BEGIN … END`, both words included.
    BeginEnd,
    /// A block comment, or line comments on consecutive lines.
    Comment,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Block {
    pub kind: BlockKind,
    pub range: TextRange,
}

/// Every block of `text`, ordered by start, then outer before inner.
pub fn blocks(text: &str, dialect: Dialect, placeholders: &Placeholders) -> Vec<Block> {
    let split = split_with(text, dialect, placeholders);
    let mut found = Vec::new();
    for statement in &split.statements {
        found.push(Block {
            kind: BlockKind::Statement,
            range: statement.range,
        });
        let tokens = split.tokens.slice(statement.tokens.clone());
        nested(text, &tokens, dialect, placeholders, &mut found);
    }
    comments(text, split.tokens.iter(), &mut found);
    found.sort_by_key(|b| (b.range.start, std::cmp::Reverse(b.range.end), b.kind));
    found.dedup();
    found
}

/// The bodies and `BEGIN … END` blocks among `tokens` (offsets into `text`), and those inside
/// the bodies.
fn nested(
    text: &str,
    tokens: &[Token],
    dialect: Dialect,
    placeholders: &Placeholders,
    found: &mut Vec<Block>,
) {
    let significant: Vec<&Token> = tokens.iter().filter(|t| !t.is_trivia()).collect();
    // Open `BEGIN` (Some(start)) and `CASE` (None) words, innermost last.
    let mut open: Vec<Option<usize>> = Vec::new();
    let mut skip_next = false;
    for (i, t) in significant.iter().enumerate() {
        if std::mem::take(&mut skip_next) {
            continue;
        }
        let next = significant.get(i + 1).copied();
        let next_word = next
            .filter(|n| n.kind == TokenKind::Word)
            .map(|n| n.text(text).to_ascii_uppercase());
        match t.kind {
            TokenKind::DollarString => {
                found.push(Block {
                    kind: BlockKind::Body,
                    range: TextRange::new(t.start, t.end),
                });
                if let Some(inner) = dollar_inner(text, t) {
                    let inner_tokens: Vec<Token> =
                        tokenize_with(&text[inner.start..inner.end], dialect, placeholders)
                            .into_iter()
                            .map(|x| Token {
                                start: x.start + inner.start,
                                end: x.end + inner.start,
                                ..x
                            })
                            .collect();
                    nested(text, &inner_tokens, dialect, placeholders, found);
                }
            }
            TokenKind::Word if t.is_keyword(text, "BEGIN") => {
                // `BEGIN;`, `BEGIN TRANSACTION`, `BEGIN WORK` start a transaction.
                let transaction = next.is_none_or(|n| n.text(text) == ";")
                    || matches!(
                        next_word.as_deref(),
                        Some("TRANSACTION" | "WORK" | "ISOLATION")
                    );
                if !transaction {
                    open.push(Some(t.start));
                }
            }
            TokenKind::Word if t.is_keyword(text, "CASE") => open.push(None),
            TokenKind::Word if t.is_keyword(text, "END") => match next_word.as_deref() {
                // Closers of statements not tracked here.
                Some("IF" | "LOOP" | "WHILE" | "REPEAT" | "FOR") => {}
                Some(w) => {
                    if w == "CASE" {
                        skip_next = true;
                    }
                    close(&mut open, t, found);
                }
                None => close(&mut open, t, found),
            },
            _ => {}
        }
    }
}

fn close(open: &mut Vec<Option<usize>>, end: &Token, found: &mut Vec<Block>) {
    if let Some(Some(start)) = open.pop() {
        found.push(Block {
            kind: BlockKind::BeginEnd,
            range: TextRange::new(start, end.end),
        });
    }
}

/// The text between a dollar quote's tags, when it is terminated.
fn dollar_inner(text: &str, t: &Token) -> Option<TextRange> {
    if t.unterminated {
        return None;
    }
    let body = t.text(text);
    let tag_len = body[1..].find('$')? + 2;
    (body.len() >= 2 * tag_len).then(|| TextRange::new(t.start + tag_len, t.end - tag_len))
}

/// Block comments over more than one line, and runs of line comments on consecutive lines.
fn comments(text: &str, tokens: impl Iterator<Item = Token>, found: &mut Vec<Block>) {
    let mut run: Option<TextRange> = None;
    let flush = |run: &mut Option<TextRange>, found: &mut Vec<Block>| {
        if let Some(r) = run.take() {
            if text[r.start..r.end].contains('\n') {
                found.push(Block {
                    kind: BlockKind::Comment,
                    range: r,
                });
            }
        }
    };
    for t in tokens {
        match t.kind {
            TokenKind::LineComment => match &mut run {
                Some(r) => r.end = t.end,
                None => run = Some(TextRange::new(t.start, t.end)),
            },
            // One line break (the one ending a line comment) keeps the run going.
            TokenKind::Whitespace
                if text[t.start..t.end].matches('\n').count()
                    + usize::from(text[..t.start].ends_with('\n'))
                    <= 1 => {}
            TokenKind::BlockComment => {
                flush(&mut run, found);
                run = Some(TextRange::new(t.start, t.end));
                flush(&mut run, found);
            }
            _ => flush(&mut run, found),
        }
    }
    flush(&mut run, found);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shown(text: &str, dialect: Dialect) -> Vec<(BlockKind, &str)> {
        blocks(text, dialect, &Placeholders::Flyway)
            .into_iter()
            .map(|b| (b.kind, &text[b.range.start..b.range.end]))
            .collect()
    }

    #[test]
    fn dollar_bodies_and_their_begin_end_blocks() {
        let text = "CREATE FUNCTION f() RETURNS int AS $fn$\nBEGIN\n  IF true THEN\n    BEGIN RETURN 1; END;\n  END IF;\n  RETURN CASE WHEN true THEN 1 END;\nEND;\n$fn$ LANGUAGE plpgsql;\nSELECT 1;";
        assert_eq!(
            shown(text, Dialect::Postgres),
            vec![
                (
                    BlockKind::Statement,
                    &text[..text.find(" LANGUAGE").unwrap() + 17]
                ),
                (
                    BlockKind::Body,
                    &text[text.find("$fn$").unwrap()..text.rfind("$fn$").unwrap() + 4]
                ),
                (
                    BlockKind::BeginEnd,
                    &text[text.find("BEGIN").unwrap()..text.rfind("END;").unwrap() + 3]
                ),
                (BlockKind::BeginEnd, "BEGIN RETURN 1; END"),
                (BlockKind::Statement, "SELECT 1"),
            ]
        );
    }

    #[test]
    fn transactions_are_not_blocks_and_mysql_routines_are() {
        assert_eq!(
            shown("BEGIN;\nSELECT 1;\nCOMMIT;", Dialect::Postgres),
            vec![
                (BlockKind::Statement, "BEGIN"),
                (BlockKind::Statement, "SELECT 1"),
                (BlockKind::Statement, "COMMIT"),
            ]
        );
        let text = "DELIMITER //\nCREATE PROCEDURE p()\nBEGIN\n  CASE WHEN 1 THEN SELECT 1; END CASE;\n  WHILE 0 DO SELECT 2; END WHILE;\nEND //\nDELIMITER ;";
        let body = &text[text.find("BEGIN").unwrap()..text.find(" //\nDELIMITER ;").unwrap()];
        assert_eq!(
            shown(text, Dialect::MySql),
            vec![
                (
                    BlockKind::Statement,
                    &text[13..text.find(" //\nDELIMITER ;").unwrap()]
                ),
                (BlockKind::BeginEnd, body),
            ]
        );
    }

    #[test]
    fn comments_over_lines() {
        let text =
            "-- header\n-- more\n\n-- alone\n/* one */\n/* two\n lines */\nSELECT 1 -- tail\n;";
        assert_eq!(
            shown(text, Dialect::Postgres),
            vec![
                (BlockKind::Comment, "-- header\n-- more"),
                (BlockKind::Comment, "/* two\n lines */"),
                (BlockKind::Statement, "SELECT 1"),
            ]
        );
    }

    #[test]
    fn unbalanced_and_unterminated_input_never_fails() {
        for text in [
            "END; END END CASE",
            "BEGIN BEGIN",
            "DO $$ BEGIN",
            "$",
            "$a$",
            "/*",
            "--",
        ] {
            for dialect in [Dialect::Postgres, Dialect::MySql] {
                let found = blocks(text, dialect, &Placeholders::Flyway);
                assert!(found
                    .iter()
                    .all(|b| b.range.start <= b.range.end && b.range.end <= text.len()));
            }
        }
        assert_eq!(
            shown("DO $$ BEGIN NULL;", Dialect::Postgres),
            vec![
                (BlockKind::Statement, "DO $$ BEGIN NULL;"),
                (BlockKind::Body, "$$ BEGIN NULL;"),
            ]
        );
    }
}
