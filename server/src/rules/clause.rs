//! The part of a statement a finding is about, found in its tokens by a small pattern
//! ([`find`]): `ALTER [COLUMN] {} SET NOT NULL` finds the clause that sets NOT NULL on the
//! named column, among the other actions of the same `ALTER TABLE`.
//!
//! A pattern is words separated by spaces:
//! - `WORD`: that key word;
//! - `[A B]`: the key words `A B`, or nothing;
//! - `{}`: a name, possibly qualified (`s.t`), whose last part is the next of the names given
//!   (compared as the dialect compares names: quoted exactly on PostgreSQL, else without
//!   regard to case);
//! - `…`: any tokens of the same clause; at the end of a pattern, the rest of the clause;
//! - `<expr>`: an expression: the tokens up to the end of the clause or to a column
//!   constraint's key word at its own nesting level (`NOT`, `NULL`, `CONSTRAINT`, …);
//! - `(`, `,` and other punctuation: that character;
//! - `@`: the range starts at the next part (else at the pattern's first token), and the
//!   clause is the one of the next token (`( @ {} …`: a column definition);
//! - `^`: the next token begins its clause (it follows `(` or `,`, or begins the statement);
//! - `|` between patterns: alternatives, tried in order.
//!
//! A clause is what lies between commas at one nesting level of parentheses: an action of an
//! `ALTER TABLE`, a column definition of a `CREATE TABLE`. No part of a match crosses the end
//! of the clause it starts in.

use crate::diagnostic::TextRange;
use crate::sql::facts::{AlterAction, ConstraintKind, ConstraintSpec};
use crate::sql::lexer::{Token, TokenKind};
use crate::sql::Dialect;

/// Key words that end a column's `DEFAULT` expression at its own nesting level.
const EXPRESSION_ENDS: &[&str] = &[
    "NOT",
    "NULL",
    "CONSTRAINT",
    "PRIMARY",
    "UNIQUE",
    "CHECK",
    "REFERENCES",
    "GENERATED",
    "COLLATE",
    "ON",
    "COMMENT",
    "FIRST",
    "AFTER",
    "AUTO_INCREMENT",
    "DEFAULT",
];

/// Statements longer than this are not searched (the first line stands for them).
const MAX_STATEMENT: usize = 1 << 20;

#[derive(Debug, PartialEq)]
enum Part<'p> {
    Word(&'p str),
    Optional(Vec<&'p str>),
    Name,
    Gap,
    Expression,
    Start,
    ClauseStart,
}

fn parse(pattern: &str) -> Vec<Part<'_>> {
    let mut parts = Vec::new();
    let mut optional: Option<Vec<&str>> = None;
    for word in pattern.split_whitespace() {
        if let Some(words) = optional.as_mut() {
            match word.strip_suffix(']') {
                Some(last) => {
                    words.push(last);
                    parts.push(Part::Optional(optional.take().unwrap_or_default()));
                }
                None => words.push(word),
            }
            continue;
        }
        match word {
            "{}" => parts.push(Part::Name),
            "…" => parts.push(Part::Gap),
            "<expr>" => parts.push(Part::Expression),
            "@" => parts.push(Part::Start),
            "^" => parts.push(Part::ClauseStart),
            _ => match word.strip_prefix('[') {
                Some(rest) => match rest.strip_suffix(']') {
                    Some(only) => parts.push(Part::Optional(vec![only])),
                    None => optional = Some(vec![rest]),
                },
                None => parts.push(Part::Word(word)),
            },
        }
    }
    parts
}

/// The significant tokens of a statement with their nesting levels.
struct Tokens<'t> {
    text: &'t str,
    dialect: Dialect,
    tokens: &'t [Token],
    /// The nesting level of each token: a `(` counts outside what it opens, a `)` outside
    /// what it closes.
    depth: Vec<usize>,
}

impl Tokens<'_> {
    fn punct(&self, i: usize, c: &str) -> bool {
        let t = &self.tokens[i];
        t.kind == TokenKind::Punct && t.text(self.text) == c
    }

    /// True when token `i` ends (or lies outside) a clause at nesting level `depth`.
    fn ends_clause(&self, i: usize, depth: usize) -> bool {
        i >= self.tokens.len()
            || self.depth[i] < depth
            || (self.depth[i] == depth && (self.punct(i, ",") || self.punct(i, ";")))
    }

    /// The index after the last token of the clause at level `depth` that holds token `i`.
    fn clause_end(&self, mut i: usize, depth: usize) -> usize {
        while !self.ends_clause(i, depth) {
            i += 1;
        }
        i
    }

    /// A key word, or (for a pattern word that is not a word) that punctuation.
    fn keyword(&self, i: usize, word: &str) -> bool {
        let t = &self.tokens[i];
        if word.starts_with(|c: char| c.is_alphabetic()) {
            t.is_keyword(self.text, word)
        } else {
            t.kind == TokenKind::Punct && t.text(self.text) == word
        }
    }

    /// The index after a name starting at `i` whose last part is `name`.
    fn name(&self, i: usize, depth: usize, name: &str) -> Option<usize> {
        let mut at = i;
        loop {
            if self.ends_clause(at, depth) {
                return None;
            }
            let t = &self.tokens[at];
            let (part, quoted) = match t.kind {
                TokenKind::Word | TokenKind::Placeholder => (t.text(self.text).to_string(), false),
                TokenKind::QuotedIdent => (crate::sql::parse::unquote(t, self.text), true),
                _ => return None,
            };
            at += 1;
            if !self.ends_clause(at, depth) && self.punct(at, ".") {
                at += 1;
                continue;
            }
            let same = if quoted && self.dialect == Dialect::Postgres {
                part == name
            } else {
                part.eq_ignore_ascii_case(name)
            };
            return same.then_some(at);
        }
    }

    /// Matches `parts` from token `i` within the clause at level `depth`: the index after the
    /// last token matched, and the index where the range starts if a `@` set it.
    fn matches(
        &self,
        parts: &[Part],
        names: &[&str],
        i: usize,
        depth: usize,
        start: Option<usize>,
    ) -> Option<(usize, Option<usize>)> {
        let Some((part, rest)) = parts.split_first() else {
            return Some((i, start));
        };
        match part {
            Part::Word(word) => {
                // A punctuation word (`(`, `,`) may be the clause's own boundary.
                let outside = if word.starts_with(|c: char| c.is_alphabetic()) {
                    self.ends_clause(i, depth)
                } else {
                    i >= self.tokens.len() || self.depth[i] < depth
                };
                if outside || !self.keyword(i, word) {
                    return None;
                }
                self.matches(rest, names, i + 1, depth, start)
            }
            Part::Optional(words) => {
                let all = words
                    .iter()
                    .enumerate()
                    .all(|(k, w)| !self.ends_clause(i + k, depth) && self.keyword(i + k, w));
                let at = if all { i + words.len() } else { i };
                self.matches(rest, names, at, depth, start)
            }
            Part::Name => {
                let (name, others) = names.split_first()?;
                let at = self.name(i, depth, name)?;
                self.matches(rest, others, at, depth, start)
            }
            Part::Gap if rest.is_empty() => Some((self.clause_end(i, depth), start)),
            Part::Gap => {
                let end = self.clause_end(i, depth);
                (i..end).find_map(|at| self.matches(rest, names, at, depth, start))
            }
            Part::Expression => {
                let mut at = i;
                let ends = |at: usize| {
                    self.ends_clause(at, depth)
                        || (at > i
                            && self.depth[at] == depth
                            && EXPRESSION_ENDS.iter().any(|w| self.keyword(at, w)))
                };
                while !ends(at) {
                    at += 1;
                }
                if at == i {
                    return None;
                }
                self.matches(rest, names, at, depth, start)
            }
            // The clause is now the one the next token is in (`( @ {} …`: a column
            // definition inside the parentheses).
            Part::Start if i < self.tokens.len() => {
                self.matches(rest, names, i, self.depth[i], Some(i))
            }
            Part::Start => None,
            Part::ClauseStart => {
                let first = i == 0 || self.punct(i - 1, "(") || self.punct(i - 1, ",");
                if !first {
                    return None;
                }
                self.matches(rest, names, i, depth, start)
            }
        }
    }
}

/// The pattern that finds a column's definition (by its name) in `CREATE TABLE` or
/// `ALTER TABLE … ADD / CHANGE / MODIFY` (or its new type: `ALTER COLUMN … TYPE`).
pub const COLUMN_DEFINITION: &str =
    "ALTER [COLUMN] {} [SET DATA] TYPE …|ADD [COLUMN] [IF NOT EXISTS] {} …|CHANGE [COLUMN] … {} …|MODIFY [COLUMN] {} …|^ {} …";

/// The pattern and names that find the clause of one `ALTER TABLE` action, when its tokens
/// can tell it from the statement's other actions.
pub fn alter_action(action: &AlterAction) -> Option<(&'static str, Vec<&str>)> {
    use AlterAction as A;
    Some(match action {
        A::AddColumn { column, .. } => (
            "ADD [COLUMN] [IF NOT EXISTS] {} …",
            vec![column.name.as_str()],
        ),
        A::DropColumn { names, .. } => (
            "DROP [COLUMN] [IF EXISTS] {}",
            vec![names.first()?.as_str()],
        ),
        A::RenameColumn { from, to } => {
            ("RENAME [COLUMN] {} TO {}", vec![from.as_str(), to.as_str()])
        }
        A::RenameTo { to } => ("RENAME [TO] {}|RENAME AS {}", vec![&*to.name]),
        A::SetNotNull { column } => ("ALTER [COLUMN] {} SET NOT NULL", vec![column.as_str()]),
        A::DropNotNull { column } => ("ALTER [COLUMN] {} DROP NOT NULL", vec![column.as_str()]),
        A::SetDefault { column, .. } => ("ALTER [COLUMN] {} SET DEFAULT …", vec![column.as_str()]),
        A::DropDefault { column } => ("ALTER [COLUMN] {} DROP DEFAULT", vec![column.as_str()]),
        A::SetType { column, .. } => ("ALTER [COLUMN] {} [SET DATA] TYPE …", vec![column.as_str()]),
        A::ChangeColumn { from, column } => (
            "CHANGE [COLUMN] {} {} …|MODIFY [COLUMN] {} …",
            vec![from.as_str(), column.name.as_str()],
        ),
        A::AddConstraint { constraint, .. } => {
            let ConstraintSpec {
                kind,
                name,
                columns,
                ..
            } = constraint;
            match (name, columns.first()) {
                (Some(name), _) => ("ADD CONSTRAINT {} …|ADD … {} …", vec![name.as_str()]),
                (None, column) => {
                    let (with, without) = match kind {
                        ConstraintKind::PrimaryKey => {
                            ("ADD … PRIMARY KEY … {} …", "ADD … PRIMARY KEY …")
                        }
                        ConstraintKind::Unique => ("ADD … UNIQUE … {} …", "ADD … UNIQUE …"),
                        ConstraintKind::ForeignKey => {
                            ("ADD … FOREIGN KEY … {} …", "ADD … FOREIGN KEY …")
                        }
                        ConstraintKind::Check => ("ADD … CHECK … {} …", "ADD … CHECK …"),
                        ConstraintKind::Index => (
                            "ADD … INDEX … {} …|ADD … KEY … {} …",
                            "ADD … INDEX …|ADD … KEY …",
                        ),
                        ConstraintKind::Exclude => ("ADD … EXCLUDE … {} …", "ADD … EXCLUDE …"),
                    };
                    match column {
                        Some(column) => (with, vec![column.as_str()]),
                        None => (without, Vec::new()),
                    }
                }
            }
        }
        A::DropConstraint { name, .. } => (
            "DROP CONSTRAINT [IF EXISTS] {}|DROP CHECK {}",
            vec![name.as_str()],
        ),
        A::ValidateConstraint { name } => ("VALIDATE CONSTRAINT {}", vec![name.as_str()]),
        A::DropPrimaryKey => ("DROP PRIMARY KEY", Vec::new()),
        A::DropForeignKey { name } => ("DROP FOREIGN KEY {}", vec![name.as_str()]),
        A::DropIndex { name } => ("DROP INDEX {}|DROP KEY {}", vec![name.as_str()]),
        A::ConvertCharset => ("CONVERT TO …", Vec::new()),
        A::Algorithm(_) => ("ALGORITHM …", Vec::new()),
        A::Lock(_) => ("LOCK …", Vec::new()),
        A::Other(_) => return None,
    })
}

/// The range of the first match of `pattern` (see the module's documentation) among the
/// significant tokens of the statement at `statement` (offsets into `text`), or `None`.
pub fn find(
    text: &str,
    dialect: Dialect,
    statement: TextRange,
    tokens: &[Token],
    pattern: &str,
    names: &[&str],
) -> Option<TextRange> {
    if statement.end - statement.start > MAX_STATEMENT {
        return None;
    }
    let mut depth = Vec::with_capacity(tokens.len());
    let mut level = 0usize;
    for t in tokens {
        let punct = t.kind == TokenKind::Punct;
        if punct && t.text(text) == ")" {
            level = level.saturating_sub(1);
        }
        depth.push(level);
        if punct && t.text(text) == "(" {
            level += 1;
        }
    }
    let tokens = Tokens {
        text,
        dialect,
        tokens,
        depth,
    };
    pattern.split('|').find_map(|alternative| {
        let parts = parse(alternative);
        (0..tokens.tokens.len()).find_map(|i| {
            let (end, start) = tokens.matches(&parts, names, i, tokens.depth[i], None)?;
            let start = start.unwrap_or(i);
            (end > start)
                .then(|| TextRange::new(tokens.tokens[start].start, tokens.tokens[end - 1].end))
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn found(sql: &str, dialect: Dialect, pattern: &str, names: &[&str]) -> Option<String> {
        let tokens = crate::sql::lexer::tokenize_with(
            sql,
            dialect,
            &crate::sql::lexer::Placeholders::Flyway,
        );
        let significant: Vec<Token> = tokens.into_iter().filter(|t| !t.is_trivia()).collect();
        find(
            sql,
            dialect,
            TextRange::new(0, sql.len()),
            &significant,
            pattern,
            names,
        )
        .map(|r| sql[r.start..r.end].to_string())
    }

    fn pg(sql: &str, pattern: &str, names: &[&str]) -> Option<String> {
        found(sql, Dialect::Postgres, pattern, names)
    }

    #[test]
    fn patterns_parse() {
        assert_eq!(
            parse("ADD [COLUMN] [IF NOT EXISTS] {} … @ DEFAULT <expr>"),
            vec![
                Part::Word("ADD"),
                Part::Optional(vec!["COLUMN"]),
                Part::Optional(vec!["IF", "NOT", "EXISTS"]),
                Part::Name,
                Part::Gap,
                Part::Start,
                Part::Word("DEFAULT"),
                Part::Expression,
            ]
        );
    }

    #[test]
    fn the_action_about_the_named_column() {
        let sql =
            "ALTER TABLE users ALTER COLUMN a SET NOT NULL,\n  ALTER COLUMN \"B\" SET NOT NULL;";
        let pattern = "ALTER [COLUMN] {} SET NOT NULL";
        assert_eq!(
            pg(sql, pattern, &["a"]).as_deref(),
            Some("ALTER COLUMN a SET NOT NULL")
        );
        assert_eq!(
            pg(sql, pattern, &["B"]).as_deref(),
            Some("ALTER COLUMN \"B\" SET NOT NULL")
        );
        // A quoted name is exact on PostgreSQL.
        assert_eq!(pg(sql, pattern, &["b"]), None);
        assert_eq!(pg(sql, pattern, &["c"]), None);
    }

    #[test]
    fn a_trailing_gap_is_the_rest_of_the_clause() {
        let sql = "ALTER TABLE t ADD COLUMN a int, ADD b numeric(10, 2) NOT NULL, ADD c int";
        assert_eq!(
            pg(sql, "ADD [COLUMN] [IF NOT EXISTS] {} …", &["b"]).as_deref(),
            Some("ADD b numeric(10, 2) NOT NULL")
        );
        assert_eq!(
            pg(sql, "ADD [COLUMN] [IF NOT EXISTS] {} …", &["c"]).as_deref(),
            Some("ADD c int")
        );
    }

    #[test]
    fn a_gap_stays_in_its_clause() {
        // `DEFAULT` is in the next action, not in `a`'s.
        let sql = "ALTER TABLE t ADD a int, ADD b int DEFAULT 1";
        let pattern = "ADD [COLUMN] {} … @ DEFAULT <expr>";
        assert_eq!(pg(sql, pattern, &["a"]), None);
        assert_eq!(pg(sql, pattern, &["b"]).as_deref(), Some("DEFAULT 1"));
    }

    #[test]
    fn an_expression_ends_at_a_constraint() {
        let sql =
            "ALTER TABLE t ADD COLUMN x timestamptz DEFAULT date_trunc('day', now()) NOT NULL";
        assert_eq!(
            pg(sql, "ADD [COLUMN] {} … @ DEFAULT <expr>", &["x"]).as_deref(),
            Some("DEFAULT date_trunc('day', now())")
        );
    }

    #[test]
    fn clauses_inside_parentheses() {
        let sql = "CREATE TABLE t (\n  id int PRIMARY KEY,\n  name text\n)";
        assert_eq!(pg(sql, "{} …", &["name"]).as_deref(), Some("name text"));
        assert_eq!(
            pg(sql, "{} …", &["id"]).as_deref(),
            Some("id int PRIMARY KEY")
        );
    }

    #[test]
    fn column_definitions() {
        let sql = "CREATE TABLE t (\n  id int CHECK (id > 0),\n  \"Name\" varchar(10)\n)";
        assert_eq!(
            pg(sql, COLUMN_DEFINITION, &["id"]).as_deref(),
            Some("id int CHECK (id > 0)")
        );
        assert_eq!(
            pg(sql, COLUMN_DEFINITION, &["Name"]).as_deref(),
            Some("\"Name\" varchar(10)")
        );
        let sql = "ALTER TABLE t ADD a int, ADD CONSTRAINT u UNIQUE (b), ADD b int";
        assert_eq!(
            pg(sql, COLUMN_DEFINITION, &["b"]).as_deref(),
            Some("ADD b int")
        );
        let sql = "ALTER TABLE t CHANGE old_name b int NOT NULL";
        assert_eq!(
            found(sql, Dialect::MySql, COLUMN_DEFINITION, &["b"]).as_deref(),
            Some("CHANGE old_name b int NOT NULL")
        );
    }

    #[test]
    fn qualified_names_and_alternatives() {
        let sql = "CREATE INDEX ON app.users (email)";
        let pattern = "CREATE [UNIQUE] INDEX [IF NOT EXISTS] {} | CREATE [UNIQUE] INDEX";
        assert_eq!(pg(sql, pattern, &["x"]).as_deref(), Some("CREATE INDEX"));
        let named = "CREATE UNIQUE INDEX IF NOT EXISTS users_email ON app.users (email)";
        assert_eq!(
            pg(named, pattern, &["users_email"]).as_deref(),
            Some("CREATE UNIQUE INDEX IF NOT EXISTS users_email")
        );
        assert_eq!(
            pg("UPDATE app.users SET a = 1", "{}", &["users"]).as_deref(),
            Some("app.users")
        );
    }

    #[test]
    fn mysql_names_ignore_case() {
        let sql = "ALTER TABLE t DROP COLUMN `Level_Id`, DROP level";
        let pattern = "DROP [COLUMN] [IF EXISTS] {}";
        assert_eq!(
            found(sql, Dialect::MySql, pattern, &["level_id"]).as_deref(),
            Some("DROP COLUMN `Level_Id`")
        );
        assert_eq!(
            found(sql, Dialect::MySql, pattern, &["LEVEL"]).as_deref(),
            Some("DROP level")
        );
    }
}
