//! A fault-tolerant SQL lexer for PostgreSQL and MySQL/MariaDB migration scripts.
//!
//! It never fails: every byte belongs to exactly one token, and an unterminated string, quoted
//! identifier, dollar-quoted body or block comment runs to the end of the text and is marked
//! [`Token::unterminated`]. Flyway placeholders (`${name}`, or the project's own
//! `placeholderPrefix` / `placeholderSuffix`) are single tokens.

use std::sync::Arc;

use super::Dialect;

/// How Flyway's placeholders are written in a project's scripts: Flyway replaces them in the
/// text before any parser sees it, so the lexer makes each one a single token (the parsers then
/// never judge a placeholder as SQL).
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub enum Placeholders {
    /// `${name}`, Flyway's default prefix and suffix.
    #[default]
    Flyway,
    /// The `placeholderPrefix` and `placeholderSuffix` settings (`#[name]`, `@@name@@`, …).
    Custom { prefix: Arc<str>, suffix: Arc<str> },
    /// `placeholderReplacement=false`: the text reaches the database as written; a script whose
    /// own `.sql.conf` turns replacement on uses `when_on`.
    Off { when_on: Arc<Placeholders> },
}

impl Placeholders {
    /// The syntax of Flyway's `placeholderReplacement`, `placeholderPrefix` and
    /// `placeholderSuffix` settings.
    pub fn new(replacement: bool, prefix: &str, suffix: &str) -> Placeholders {
        let syntax = if prefix == "${" && suffix == "}" || prefix.is_empty() || suffix.is_empty() {
            // (An empty prefix or suffix is not a syntax anyone writes placeholders in.)
            Placeholders::Flyway
        } else {
            Placeholders::Custom {
                prefix: prefix.into(),
                suffix: suffix.into(),
            }
        };
        syntax.replaced(Some(replacement))
    }

    /// The syntax for a script whose own `placeholderReplacement` setting is `replacement`
    /// (`None`: not set, the project's holds).
    pub fn replaced(&self, replacement: Option<bool>) -> Placeholders {
        match (self, replacement) {
            (Placeholders::Off { when_on }, Some(true)) => (**when_on).clone(),
            (Placeholders::Off { .. }, _) | (_, None) | (_, Some(true)) => self.clone(),
            (on, Some(false)) => Placeholders::Off {
                when_on: Arc::new(on.clone()),
            },
        }
    }

    /// Whether all of `text` is one placeholder.
    pub fn is_placeholder(&self, text: &str) -> bool {
        self.end_at(text, 0) == Some(text.len())
    }

    /// The end of the placeholder starting at byte `i` of `source`, if one starts there: the
    /// prefix, then up to the first suffix on the same line (a placeholder's name never spans
    /// lines in a script Flyway ran: an unclosed one would have no value).
    #[inline]
    fn end_at(&self, source: &str, i: usize) -> Option<usize> {
        // Most bytes are ruled out by the first one, here, without a call.
        if source.as_bytes().get(i).copied() != self.first_byte() {
            return None;
        }
        self.end_from(source, i)
    }

    /// The byte every placeholder starts with (`None`: no text is a placeholder).
    #[inline]
    fn first_byte(&self) -> Option<u8> {
        match self {
            Placeholders::Flyway => Some(b'$'),
            Placeholders::Custom { prefix, .. } => prefix.as_bytes().first().copied(),
            Placeholders::Off { .. } => None,
        }
    }

    /// [`Placeholders::end_at`] at a byte that starts the prefix.
    #[inline(never)]
    fn end_from(&self, source: &str, i: usize) -> Option<usize> {
        let (prefix, suffix) = match self {
            Placeholders::Flyway => ("${", "}"),
            Placeholders::Custom { prefix, suffix } => (&**prefix, &**suffix),
            Placeholders::Off { .. } => return None,
        };
        let rest = source.get(i..)?.strip_prefix(prefix)?;
        let line = &rest[..rest.find(['\n', '\r']).unwrap_or(rest.len())];
        let close = line.find(suffix)?;
        Some(i + prefix.len() + close + suffix.len())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenKind {
    /// Keyword or unquoted identifier.
    Word,
    /// `"ident"` (PostgreSQL) or `` `ident` `` (MySQL).
    QuotedIdent,
    /// `'text'`, `E'text'`, MySQL `"text"`.
    String,
    /// `$tag$ … $tag$` (PostgreSQL).
    DollarString,
    Number,
    LineComment,
    BlockComment,
    Whitespace,
    /// Flyway placeholder `${name}`.
    Placeholder,
    /// Any other character: punctuation and operators, one character each.
    Punct,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Token {
    pub kind: TokenKind,
    pub start: usize,
    pub end: usize,
    pub unterminated: bool,
}

impl Token {
    pub fn text<'a>(&self, source: &'a str) -> &'a str {
        &source[self.start..self.end]
    }

    /// Comments and whitespace.
    pub fn is_trivia(&self) -> bool {
        matches!(
            self.kind,
            TokenKind::Whitespace | TokenKind::LineComment | TokenKind::BlockComment
        )
    }

    /// True for a word equal to `keyword`, ignoring ASCII case.
    pub fn is_keyword(&self, source: &str, keyword: &str) -> bool {
        self.kind == TokenKind::Word && self.text(source).eq_ignore_ascii_case(keyword)
    }
}

/// Splits `source` into tokens covering it completely (24 bytes a token: for a statement or an
/// editor's view; a whole script's tokens are kept as [`Tokens`]).
pub fn tokenize(source: &str, dialect: Dialect) -> Vec<Token> {
    tokenize_with(source, dialect, &Placeholders::Flyway)
}

/// [`tokenize`] for a project whose placeholders are written as `placeholders` says.
pub fn tokenize_with(source: &str, dialect: Dialect, placeholders: &Placeholders) -> Vec<Token> {
    // About a token every three bytes in dense SQL: most texts lexed here are statements, so
    // the list rarely grows (a whole script's tokens are kept as `Tokens`); a whole script,
    // mostly strings or comments maybe, starts from the room of a large statement's.
    let mut tokens = Vec::with_capacity((source.len() / 3 + 4).min(4096));
    lex(source, dialect, placeholders, |t| tokens.push(t));
    tokens
}

/// A script's tokens in 5 bytes each (a `u32` start and a byte for kind and flag; a token ends
/// where the next starts): about twice the script's size for dense SQL, where a `Vec<Token>`
/// took ten times it. Offsets are 32-bit: analysis is limited to scripts under 4 GiB
/// (`max-analysis-size`); beyond, offsets saturate.
#[derive(Debug, Clone, Default)]
pub struct Tokens {
    starts: Vec<u32>,
    meta: Vec<u8>,
    /// End of the last token (the source's length).
    end: u32,
}

/// The kinds in their declared order, indexed by the low four bits of a token's byte (the six
/// values no kind has read as punctuation: a lookup without a bounds check or a division).
const KINDS: [TokenKind; 16] = [
    TokenKind::Word,
    TokenKind::QuotedIdent,
    TokenKind::String,
    TokenKind::DollarString,
    TokenKind::Number,
    TokenKind::LineComment,
    TokenKind::BlockComment,
    TokenKind::Whitespace,
    TokenKind::Placeholder,
    TokenKind::Punct,
    TokenKind::Punct,
    TokenKind::Punct,
    TokenKind::Punct,
    TokenKind::Punct,
    TokenKind::Punct,
    TokenKind::Punct,
];
const UNTERMINATED: u8 = 0x80;

/// `v` as a 32-bit offset (saturating: scripts over 4 GiB are not analysed).
pub(crate) fn offset32(v: usize) -> u32 {
    u32::try_from(v).unwrap_or(u32::MAX)
}

impl Tokens {
    /// Lexes `source` into the compact store.
    pub fn new(source: &str, dialect: Dialect, placeholders: &Placeholders) -> Tokens {
        let mut tokens = Tokens::default();
        // The lexer covers every byte: the last token ends where the source does.
        tokens.extend_from(source, 0, dialect, placeholders, |_| false);
        tokens.starts.shrink_to_fit();
        tokens.meta.shrink_to_fit();
        tokens
    }

    /// Lexes `source` from byte `start` (a token boundary at or after the last token's end),
    /// adding the tokens until one for which `last` is true (kept) or the end of the text.
    /// Returns whether `last` stopped it.
    pub(crate) fn extend_from(
        &mut self,
        source: &str,
        start: usize,
        dialect: Dialect,
        placeholders: &Placeholders,
        mut last: impl FnMut(&Token) -> bool,
    ) -> bool {
        let mut stopped = false;
        let mut end = start;
        lex_from(source, start, dialect, placeholders, |t| {
            // KINDS lists the kinds in their declared order.
            let kind = t.kind as u8;
            debug_assert_eq!(KINDS[usize::from(kind)], t.kind);
            self.starts.push(offset32(t.start));
            self.meta
                .push(kind | if t.unterminated { UNTERMINATED } else { 0 });
            end = t.end;
            stopped = last(&t);
            !stopped
        });
        self.end = offset32(end);
        stopped
    }

    pub fn len(&self) -> usize {
        self.starts.len()
    }

    pub fn is_empty(&self) -> bool {
        self.starts.is_empty()
    }

    /// Token `i` (`i < len()`; past the end, an empty whitespace token at the end).
    pub fn get(&self, i: usize) -> Token {
        let Some(&start) = self.starts.get(i) else {
            return Token {
                kind: TokenKind::Whitespace,
                start: self.end as usize,
                end: self.end as usize,
                unterminated: false,
            };
        };
        let end = self.starts.get(i + 1).copied().unwrap_or(self.end);
        let meta = self.meta.get(i).copied().unwrap_or(0);
        Token {
            kind: KINDS[usize::from(meta & 0x0f)],
            start: start as usize,
            end: end as usize,
            unterminated: meta & UNTERMINATED != 0,
        }
    }

    pub fn iter(&self) -> impl Iterator<Item = Token> + '_ {
        (0..self.len()).map(|i| self.get(i))
    }

    /// Whether a token of `range` (clamped to the store) is unterminated.
    pub fn any_unterminated(&self, range: std::ops::Range<usize>) -> bool {
        let end = range.end.min(self.meta.len());
        self.meta[range.start.min(end)..end]
            .iter()
            .any(|m| m & UNTERMINATED != 0)
    }

    /// The tokens of `range` (clamped to the store), for one statement.
    pub fn slice(&self, range: std::ops::Range<usize>) -> Vec<Token> {
        let end = range.end.min(self.len());
        (range.start.min(end)..end).map(|i| self.get(i)).collect()
    }
}

/// Lexes `source`, handing each token to `push` in order.
fn lex(source: &str, dialect: Dialect, placeholders: &Placeholders, mut push: impl FnMut(Token)) {
    lex_from(source, 0, dialect, placeholders, |t| {
        push(t);
        true
    });
}

/// Lexes `source` from byte `start` (a token boundary), handing each token to `push` until it
/// returns false.
pub(crate) fn lex_from(
    source: &str,
    start: usize,
    dialect: Dialect,
    placeholders: &Placeholders,
    mut push: impl FnMut(Token) -> bool,
) {
    let bytes = source.as_bytes();
    // Where a placeholder may start inside a word (`tbl_${suffix}`), read once.
    let placeholder_start = placeholders.first_byte();
    let mut i = start;
    while i < bytes.len() {
        let start = i;
        let mut unterminated = false;
        let b = bytes[i];
        // Flyway replaces placeholders before any parser reads the text.
        let placeholder_end = placeholders.end_at(source, i);
        let kind = match b {
            _ if placeholder_end.is_some() => {
                i = placeholder_end.unwrap_or(i + 1);
                TokenKind::Placeholder
            }
            // A byte-order mark is blank space.
            0xef if source[i..].starts_with('\u{feff}') => {
                i += 3;
                TokenKind::Whitespace
            }
            // So is a no-break space (U+00A0) between tokens: editors and web pages leave them
            // after statements in folders Flyway ran (issue #11), and PostgreSQL's and MySQL's
            // lexers never see it there, as the statement ends before it.
            0xc2 if bytes.get(i + 1) == Some(&0xa0) => {
                i += 2;
                TokenKind::Whitespace
            }
            b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c => {
                i += bytes[i..]
                    .iter()
                    .position(|&c| CLASS[usize::from(c)] & SPACE == 0)
                    .unwrap_or(bytes.len() - i);
                TokenKind::Whitespace
            }
            b'-' if bytes.get(i + 1) == Some(&b'-') => {
                i = line_end(bytes, i);
                TokenKind::LineComment
            }
            b'#' if dialect == Dialect::MySql => {
                i = line_end(bytes, i);
                TokenKind::LineComment
            }
            b'/' if bytes.get(i + 1) == Some(&b'*') => {
                let (end, closed) = block_comment_end(bytes, i, dialect == Dialect::Postgres);
                i = end;
                unterminated = !closed;
                TokenKind::BlockComment
            }
            b'\'' => {
                let (end, closed) = quoted_end(bytes, i, b'\'', dialect == Dialect::MySql);
                i = end;
                unterminated = !closed;
                TokenKind::String
            }
            b'"' => {
                let mysql = dialect == Dialect::MySql;
                let (end, closed) = quoted_end(bytes, i, b'"', mysql);
                i = end;
                unterminated = !closed;
                if mysql {
                    TokenKind::String
                } else {
                    TokenKind::QuotedIdent
                }
            }
            b'`' if dialect == Dialect::MySql => {
                let (end, closed) = quoted_end(bytes, i, b'`', false);
                i = end;
                unterminated = !closed;
                TokenKind::QuotedIdent
            }
            b'$' if dialect == Dialect::Postgres => match dollar_tag(bytes, i) {
                Some(tag_end) => {
                    let tag = &source[i..tag_end];
                    match source[tag_end..].find(tag) {
                        Some(close) => i = tag_end + close + tag.len(),
                        None => {
                            i = bytes.len();
                            unterminated = true;
                        }
                    }
                    TokenKind::DollarString
                }
                None => {
                    // `$1` parameter or a lone `$`.
                    i += 1;
                    while i < bytes.len() && bytes[i].is_ascii_digit() {
                        i += 1;
                    }
                    TokenKind::Punct
                }
            },
            b'0'..=b'9' => {
                while i < bytes.len()
                    && (bytes[i].is_ascii_alphanumeric() || bytes[i] == b'.' || bytes[i] == b'_')
                {
                    i += 1;
                }
                TokenKind::Number
            }
            b'.' if bytes.get(i + 1).is_some_and(u8::is_ascii_digit) => {
                i += 1;
                while i < bytes.len() && (bytes[i].is_ascii_alphanumeric() || bytes[i] == b'_') {
                    i += 1;
                }
                TokenKind::Number
            }
            b if b.is_ascii_alphabetic() || b == b'_' || b >= 0x80 => {
                // E'…' escape strings (PostgreSQL) and other prefixed strings (N'', B'', X'').
                if matches!(b, b'E' | b'e' | b'N' | b'n' | b'B' | b'b' | b'X' | b'x')
                    && bytes.get(i + 1) == Some(&b'\'')
                {
                    let backslash = dialect == Dialect::MySql || matches!(b, b'E' | b'e');
                    let (end, closed) = quoted_end(bytes, i + 1, b'\'', backslash);
                    i = end;
                    unterminated = !closed;
                    TokenKind::String
                } else {
                    i += char_len(b);
                    while let Some(&c) = bytes.get(i) {
                        if Some(c) == placeholder_start
                            && placeholders.end_from(source, i).is_some()
                        {
                            // `tbl_${suffix}`: the placeholder is a token of its own.
                            break;
                        } else if CLASS[usize::from(c)] & WORD != 0 {
                            i += 1;
                        } else if c >= 0x80 {
                            i += char_len(c);
                        } else {
                            break;
                        }
                    }
                    TokenKind::Word
                }
            }
            _ => {
                i += char_len(b);
                TokenKind::Punct
            }
        };
        let end = i.min(bytes.len());
        if !push(Token {
            kind,
            start,
            end,
            unterminated,
        }) {
            return;
        }
        i = end;
    }
}

/// Length of the UTF-8 character starting with byte `b` (1 for stray continuation bytes).
#[inline]
fn char_len(b: u8) -> usize {
    if b < 0x80 {
        return 1;
    }
    match b {
        0xc0..=0xdf => 2,
        0xe0..=0xef => 3,
        0xf0..=0xf7 => 4,
        _ => 1,
    }
}

fn line_end(bytes: &[u8], i: usize) -> usize {
    memchr::memchr2(b'\n', b'\r', &bytes[i..]).map_or(bytes.len(), |n| i + n)
}

/// [`CLASS`] bits: blank space between tokens, and a byte that continues an unquoted word.
const SPACE: u8 = 1;
const WORD: u8 = 2;

/// Each ASCII byte's class (bytes from 0x80 on are in none: a word takes them whole characters
/// at a time).
const CLASS: [u8; 256] = {
    let mut class = [0u8; 256];
    let mut b = 0;
    while b < 128 {
        let c = b as u8;
        if matches!(c, b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c) {
            class[b] |= SPACE;
        }
        if c.is_ascii_alphanumeric() || c == b'_' || c == b'$' {
            class[b] |= WORD;
        }
        b += 1;
    }
    class
};

/// End of a block comment starting at `i` and whether it was closed; PostgreSQL nests them.
fn block_comment_end(bytes: &[u8], mut i: usize, nested: bool) -> (usize, bool) {
    let mut depth = 0;
    while i < bytes.len() {
        if bytes[i] == b'/' && bytes.get(i + 1) == Some(&b'*') {
            if depth > 0 && !nested {
                i += 2;
                continue;
            }
            depth += 1;
            i += 2;
        } else if bytes[i] == b'*' && bytes.get(i + 1) == Some(&b'/') {
            depth -= 1;
            i += 2;
            if depth == 0 {
                return (i, true);
            }
        } else {
            i += 1;
        }
    }
    (bytes.len(), false)
}

/// End of a quoted run starting at `i` (the opening quote); a doubled quote escapes it, and so
/// does a backslash where `backslash` is set.
fn quoted_end(bytes: &[u8], i: usize, quote: u8, backslash: bool) -> (usize, bool) {
    let mut j = i + 1;
    while j < bytes.len() {
        let c = bytes[j];
        if backslash && c == b'\\' {
            j += 2;
            continue;
        }
        if c == quote {
            if bytes.get(j + 1) == Some(&quote) {
                j += 2;
                continue;
            }
            return (j + 1, true);
        }
        j += 1;
    }
    (bytes.len(), false)
}

/// The end of a dollar-quote tag (`$$`, `$body$`) starting at `i`, if there is one.
fn dollar_tag(bytes: &[u8], i: usize) -> Option<usize> {
    let mut j = i + 1;
    if bytes.get(j).is_some_and(|b| b.is_ascii_digit()) {
        return None;
    }
    while j < bytes.len() {
        match bytes[j] {
            b'$' => return Some(j + 1),
            c if c.is_ascii_alphanumeric() || c == b'_' || c >= 0x80 => j += 1,
            _ => return None,
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(source: &str, dialect: Dialect) -> Vec<(TokenKind, &str)> {
        tokenize(source, dialect)
            .into_iter()
            .filter(|t| t.kind != TokenKind::Whitespace)
            .map(|t| (t.kind, t.text(source)))
            .collect()
    }

    #[test]
    fn covers_every_byte() {
        for source in [
            "select 'a''b', \"x\"\"y\", $$ body ; $$, $tag$ $$ $tag$ -- c\n/* a /* b */ c */ ;",
            "SELECT `a`, 'it\\'s', \"str\" # comment\n;",
            "ünïcode 😀 ; $1 ::int ${placeholder}",
            "'unterminated",
            "/* open",
            "$$ open",
            "\u{feff}select",
            "select 1;\u{a0}\nselect\u{a0}2",
        ] {
            for dialect in [Dialect::Postgres, Dialect::MySql] {
                let tokens = tokenize(source, dialect);
                let mut pos = 0;
                for t in &tokens {
                    assert_eq!(t.start, pos, "{source:?}");
                    assert!(t.end > t.start);
                    assert!(source.is_char_boundary(t.start) && source.is_char_boundary(t.end));
                    pos = t.end;
                }
                assert_eq!(pos, source.len());
            }
        }
    }

    #[test]
    fn no_break_space_is_whitespace() {
        // Left after a statement by an editor: blank, not the start of another statement.
        let source = "select 1;\u{a0}\n\u{a0}\u{a0}";
        for dialect in [Dialect::Postgres, Dialect::MySql] {
            let tokens = tokenize(source, dialect);
            assert!(tokens[tokens.len() - 1].kind == TokenKind::Whitespace);
            assert_eq!(tokens.iter().filter(|t| !t.is_trivia()).count(), 3);
        }
    }

    #[test]
    fn compact_tokens_equal_the_full_ones() {
        for source in [
            "select 'a''b', \"x\", $$ body ; $$ -- c\n/* a /* b */ c */ ; 'open",
            "SELECT `a`, \"str\" # comment\n; ${p} ünï 😀 /* open",
            "",
        ] {
            for dialect in [Dialect::Postgres, Dialect::MySql] {
                let full = tokenize(source, dialect);
                let compact = Tokens::new(source, dialect, &Placeholders::Flyway);
                assert_eq!(compact.len(), full.len());
                assert_eq!(compact.iter().collect::<Vec<_>>(), full, "{source:?}");
                assert_eq!(compact.slice(1..3), full.get(1..3).unwrap_or_default());
                assert_eq!(compact.slice(2..999).len(), full.len().saturating_sub(2));
            }
        }
        assert!(
            Tokens::new("'x", Dialect::Postgres, &Placeholders::Flyway)
                .get(0)
                .unterminated
        );
    }

    #[test]
    fn postgres_tokens() {
        let k = kinds(
            "select $$a;b$$, $f$ x $f$, E'\\'', \"Q\" /* a /* n */ b */ $1",
            Dialect::Postgres,
        );
        assert_eq!(
            k,
            vec![
                (TokenKind::Word, "select"),
                (TokenKind::DollarString, "$$a;b$$"),
                (TokenKind::Punct, ","),
                (TokenKind::DollarString, "$f$ x $f$"),
                (TokenKind::Punct, ","),
                (TokenKind::String, "E'\\''"),
                (TokenKind::Punct, ","),
                (TokenKind::QuotedIdent, "\"Q\""),
                (TokenKind::BlockComment, "/* a /* n */ b */"),
                (TokenKind::Punct, "$1"),
            ]
        );
    }

    #[test]
    fn mysql_tokens() {
        let k = kinds("SELECT `t`.x, \"s;\", 'a\\'b' # c;\n$$", Dialect::MySql);
        assert_eq!(
            k,
            vec![
                (TokenKind::Word, "SELECT"),
                (TokenKind::QuotedIdent, "`t`"),
                (TokenKind::Punct, "."),
                (TokenKind::Word, "x"),
                (TokenKind::Punct, ","),
                (TokenKind::String, "\"s;\""),
                (TokenKind::Punct, ","),
                (TokenKind::String, "'a\\'b'"),
                (TokenKind::LineComment, "# c;"),
                (TokenKind::Punct, "$"),
                (TokenKind::Punct, "$"),
            ]
        );
    }

    #[test]
    fn placeholders_and_unterminated() {
        let source = "create table ${schema}.t ('x";
        let tokens = tokenize(source, Dialect::Postgres);
        let placeholder = tokens
            .iter()
            .find(|t| t.kind == TokenKind::Placeholder)
            .unwrap();
        assert_eq!(placeholder.text(source), "${schema}");
        let last = tokens.last().unwrap();
        assert_eq!(last.kind, TokenKind::String);
        assert!(last.unterminated);
    }

    #[test]
    fn the_projects_own_placeholder_syntax() {
        // Flyway's `placeholderPrefix` / `placeholderSuffix` (PlaceholderReplacingReader reads
        // the prefix anywhere, then the name up to the first suffix).
        let custom = Placeholders::new(true, "#[", "]");
        let kinds = |source: &str, dialect, placeholders: &Placeholders| -> Vec<String> {
            tokenize_with(source, dialect, placeholders)
                .iter()
                .filter(|t| t.kind == TokenKind::Placeholder)
                .map(|t| t.text(source).to_string())
                .collect()
        };
        // `#` would start a MySQL comment: the placeholder comes first.
        let source = "CREATE TABLE #[schema].t (a INT) #[options];";
        for dialect in [Dialect::Postgres, Dialect::MySql] {
            assert_eq!(
                kinds(source, dialect, &custom),
                ["#[schema]", "#[options]"],
                "{dialect:?}"
            );
        }
        // `${…}` is plain text under another prefix, and with replacement off.
        assert!(kinds("SELECT '${x}' || ${y}", Dialect::Postgres, &custom).is_empty());
        let off = Placeholders::new(false, "#[", "]");
        assert!(kinds("SELECT ${y}, #[y]", Dialect::Postgres, &off).is_empty());
        // A script's own `.sql.conf` can turn replacement back on, or off.
        assert_eq!(off.replaced(Some(true)), custom);
        assert_eq!(custom.replaced(Some(false)), off);
        assert_eq!(custom.replaced(None), custom);
        // A prefix and suffix of one character, equal; unclosed on its line: no placeholder.
        let at = Placeholders::new(true, "@", "@");
        assert_eq!(kinds("SELECT @v@, @x\n@", Dialect::Postgres, &at), ["@v@"]);
        // Glued to a name: `tbl_${suffix}` is a name part and a placeholder.
        let source = "CREATE TABLE tbl_${suffix} (a int)";
        let tokens = tokenize(source, Dialect::Postgres);
        let texts: Vec<&str> = tokens
            .iter()
            .filter(|t| !t.is_trivia())
            .map(|t| t.text(source))
            .collect();
        assert_eq!(texts[..4], ["CREATE", "TABLE", "tbl_", "${suffix}"]);
        assert!(custom.is_placeholder("#[schema]"));
        assert!(!custom.is_placeholder("#[schema].t"));
        assert!(Placeholders::Flyway.is_placeholder("${schema}"));
    }
}
