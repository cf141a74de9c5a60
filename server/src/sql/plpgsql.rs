//! The literal SQL statements of a PostgreSQL `DO` block: what the block runs when the migration
//! runs, found in its PL/pgSQL body so the SQL rules can read them where they are written.
//!
//! Only statements written out are found: `EXECUTE` strings (dynamic SQL), `PERFORM`, `SELECT …
//! INTO`, assignments and `RAISE` are not SQL the rules can judge, and are left out. Control
//! structure is peeled off the front of a statement (`BEGIN`, `IF … THEN`, `ELSIF … THEN`,
//! `LOOP`, `FOR … LOOP`, `<<label>>`), so a statement inside an `IF` is found too: it may run.
//! Of exclusive branches only the first is read (see [`literal_statements`]). Function and procedure bodies are not read here: they run when
//! called, not when the migration runs.

use super::lexer::{tokenize_with, Placeholders, Token, TokenKind};
use super::Dialect;
use crate::diagnostic::TextRange;

/// The words a literal SQL statement of a PL/pgSQL body starts with (that the rules read).
const SQL_STARTS: &[&str] = &[
    "ALTER", "CREATE", "DROP", "TRUNCATE", "LOCK", "UPDATE", "INSERT", "DELETE", "COMMENT",
    "GRANT", "REVOKE", "REINDEX", "CLUSTER", "REFRESH", "SET",
];

/// For a `DO` statement at `range` of `text` whose body is PL/pgSQL in a dollar-quoted string:
/// the body's range (inside the quotes) and the ranges of the literal SQL statements in it
/// (without their `;`), lexed with the project's placeholder syntax. `None` for anything else.
pub fn do_block(
    text: &str,
    range: TextRange,
    placeholders: &Placeholders,
) -> Option<(TextRange, Vec<TextRange>)> {
    let statement = text.get(range.start..range.end)?;
    let tokens: Vec<Token> = tokenize_with(statement, Dialect::Postgres, placeholders)
        .into_iter()
        .filter(|t| !t.is_trivia())
        .collect();
    if !tokens.first()?.is_keyword(statement, "DO") {
        return None;
    }
    // DO [ LANGUAGE name ] code [ LANGUAGE name ]
    let mut body = None;
    let mut k = 1;
    while let Some(t) = tokens.get(k) {
        if t.is_keyword(statement, "LANGUAGE") {
            let language = tokens.get(k + 1)?.text(statement).trim_matches(['\'', '"']);
            if !language.eq_ignore_ascii_case("plpgsql") {
                return None;
            }
            k += 2;
        } else if t.kind == TokenKind::DollarString && !t.unterminated {
            body = Some(*t);
            k += 1;
        } else {
            return None;
        }
    }
    let quoted = body?.text(statement);
    let tag_len = quoted[1..].find('$')? + 2;
    let inner = TextRange::new(
        range.start + body?.start + tag_len,
        range.start + body?.end - tag_len,
    );
    if inner.start > inner.end {
        return None;
    }
    Some((inner, literal_statements(text, inner, placeholders)))
}

/// The literal SQL statements of the PL/pgSQL code at `body` of `text`. Of branches that
/// exclude each other, only the first is read (`IF … THEN` but not `ELSIF` / `ELSE`, the first
/// `WHEN` of a `CASE`, a block but not its `EXCEPTION` handlers): the rules read the statements
/// as a sequence, and two exclusive branches never run one after the other.
fn literal_statements(text: &str, body: TextRange, placeholders: &Placeholders) -> Vec<TextRange> {
    let code = &text[body.start..body.end];
    let tokens: Vec<Token> = tokenize_with(code, Dialect::Postgres, placeholders)
        .into_iter()
        .filter(|t| !t.is_trivia())
        .collect();
    let mut walk = Walk::default();
    let mut out = Vec::new();
    let mut depth = 0i32;
    let mut start = 0;
    for (k, t) in tokens.iter().enumerate() {
        match t.text(code) {
            "(" => depth += 1,
            ")" => depth -= 1,
            ";" if depth == 0 => {
                if let Some(found) = walk.piece(code, &tokens[start..k]) {
                    out.push(TextRange::new(
                        body.start + found.start,
                        body.start + found.end,
                    ));
                }
                start = k + 1;
            }
            _ => {}
        }
    }
    out
}

/// Where a walk through PL/pgSQL pieces is: how many blocks, `IF`s, loops and `CASE`s are
/// open, and from which depth on an exclusive branch is being skipped.
#[derive(Default)]
struct Walk {
    depth: i32,
    skip_from: Option<i32>,
}

impl Walk {
    /// The SQL statement that ends one `;`-separated piece of PL/pgSQL, once the control
    /// structure in front of it is peeled off; `None` in a skipped branch.
    fn piece(&mut self, code: &str, piece: &[Token]) -> Option<TextRange> {
        let word = |k: usize| piece.get(k).map_or("", |t| t.text(code));
        let is = |k: usize, w: &str| word(k).eq_ignore_ascii_case(w);
        // The first token at or after `from`, at parenthesis depth 0, that is `keyword`.
        let find = |from: usize, keyword: &str| {
            let mut depth = 0i32;
            (from..piece.len()).find(|&k| {
                match word(k) {
                    "(" => depth += 1,
                    ")" => depth -= 1,
                    _ => {}
                }
                depth == 0 && is(k, keyword)
            })
        };
        if is(0, "END") {
            // END [IF | LOOP | CASE | label]: closes what is open.
            self.depth -= 1;
            if self.skip_from.is_some_and(|from| self.depth < from) {
                self.skip_from = None;
            }
            return None;
        }
        let mut at = 0;
        let mut case_opened = false;
        loop {
            if word(at) == "<" && word(at + 1) == "<" {
                // <<label>>
                at = (at..piece.len()).find(|&k| word(k) == ">" && word(k + 1) == ">")? + 2;
            } else if is(at, "DECLARE") {
                // Declarations up to BEGIN (the first one shares this piece).
                at = find(at, "BEGIN")?;
            } else if is(at, "BEGIN") || is(at, "LOOP") {
                self.depth += 1;
                at += 1;
            } else if is(at, "IF") {
                self.depth += 1;
                at = find(at + 1, "THEN")? + 1;
            } else if is(at, "CASE") {
                self.depth += 1;
                case_opened = true;
                at = find(at + 1, "WHEN")?;
            } else if is(at, "FOR") || is(at, "FOREACH") || is(at, "WHILE") {
                self.depth += 1;
                at = find(at + 1, "LOOP")? + 1;
            } else if is(at, "ELSE") || is(at, "EXCEPTION") {
                self.skip_from.get_or_insert(self.depth);
                at += 1;
            } else if is(at, "ELSIF") || is(at, "ELSEIF") || is(at, "WHEN") {
                if !std::mem::take(&mut case_opened) {
                    self.skip_from.get_or_insert(self.depth);
                }
                at = find(at + 1, "THEN")? + 1;
            } else {
                break;
            }
        }
        if self.skip_from.is_some() {
            return None;
        }
        let first = piece.get(at)?;
        if first.kind != TokenKind::Word
            || !SQL_STARTS.iter().any(|w| first.text(code).eq_ignore_ascii_case(w))
            // `SET` in PL/pgSQL is SQL's; an assignment is `name := …`.
            || word(at + 1) == ":"
        {
            return None;
        }
        Some(TextRange::new(first.start, piece.last()?.end))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn found(sql: &str) -> Vec<&str> {
        let (_, statements) =
            do_block(sql, TextRange::new(0, sql.len()), &Placeholders::Flyway).unwrap_or_default();
        statements.iter().map(|r| &sql[r.start..r.end]).collect()
    }

    #[test]
    fn finds_literal_statements_through_control_structure() {
        let sql = "DO $$\nDECLARE n int := 0;\nBEGIN\n  ALTER TABLE a ADD COLUMN b int;\n  IF NOT EXISTS (SELECT 1 FROM pg_class WHERE relname = 'i; x') THEN\n    CREATE INDEX i ON a (b);\n  ELSIF false THEN\n    DROP TABLE a;\n  ELSE\n    DROP TABLE a;\n  END IF;\n  BEGIN\n    UPDATE a SET b = 1;\n  EXCEPTION WHEN others THEN\n    DROP TABLE a;\n  END;\n  CASE WHEN true THEN TRUNCATE a; WHEN false THEN DROP TABLE a; END CASE;\n  EXECUTE 'ALTER TABLE a DROP COLUMN b';\n  PERFORM pg_sleep(1);\n  n := 1;\n  <<outer>> FOR r IN SELECT * FROM a LOOP DELETE FROM a WHERE b = r.b; END LOOP;\nEXCEPTION WHEN others THEN RAISE NOTICE 'x';\nEND\n$$";
        assert_eq!(
            found(sql),
            [
                "ALTER TABLE a ADD COLUMN b int",
                "CREATE INDEX i ON a (b)",
                "UPDATE a SET b = 1",
                "TRUNCATE a",
                "DELETE FROM a WHERE b = r.b",
            ]
        );
    }

    #[test]
    fn reads_only_plpgsql_do_blocks() {
        assert_eq!(
            found("DO LANGUAGE plpgsql $x$ BEGIN DROP TABLE a; END $x$"),
            ["DROP TABLE a"]
        );
        assert!(found("DO LANGUAGE plperl $$ DROP TABLE a; $$").is_empty());
        assert!(found("DO 'BEGIN DROP TABLE a; END'").is_empty());
        assert!(found(
            "CREATE FUNCTION f() RETURNS void AS $$ BEGIN DROP TABLE a; END $$ LANGUAGE plpgsql"
        )
        .is_empty());
        // Nothing but dynamic SQL.
        assert!(found("DO $$ BEGIN EXECUTE format('DROP TABLE %I', 'a'); END $$").is_empty());
    }
}
