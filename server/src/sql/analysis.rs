//! One script analysed: its statements with their facts, its suppression comments and its
//! Flyway script configuration.
//!
//! Suppression comments (the rule ids are required; several are separated by commas):
//! - `-- flyway-lsp-ignore rule-id, other-id` before a statement, or after it on the same line,
//!   silences those rules for that statement;
//! - `-- flyway-lsp-ignore-file rule-id` anywhere silences them for the whole file (file-level
//!   findings such as naming included).
//!
//! Block comments work too: `/* flyway-lsp-ignore rule-id */`.

use std::collections::HashMap;

use super::lexer::{offset32, Placeholders, Token, TokenKind};
use super::parse::{parse_statement, Parsed};
use super::split::{resplit, split_with, RawStatement, Split};
use super::Dialect;
use crate::diagnostic::TextRange;

/// A statement with its facts.
#[derive(Debug, Clone)]
pub struct Statement {
    /// From the first to the last significant token (terminator excluded), as `u32` offsets
    /// to keep statements small (read it with [`Statement::range`]).
    start: u32,
    end: u32,
    pub parsed: Parsed,
    /// Rule ids silenced for this statement (boxed: almost always empty, and statements are
    /// many).
    pub ignored: Option<Box<Vec<String>>>,
}

impl Statement {
    pub fn range(&self) -> TextRange {
        TextRange::new(self.start as usize, self.end as usize)
    }

    /// A statement at `range` (scripts over 4 GiB are not migrations; offsets saturate).
    pub fn new(range: TextRange, parsed: Parsed) -> Statement {
        Statement {
            start: offset32(range.start),
            end: offset32(range.end),
            parsed,
            ignored: None,
        }
    }
}

/// Makes the DML and `CREATE INDEX` statements of a file that name the same table share one
/// name (seed files have thousands of `INSERT INTO t …`, and a large folder's migrations many
/// indexes on the table each creates).
fn share_table_names(statements: &mut [Statement]) {
    use std::collections::HashMap;
    use std::sync::Arc;
    let mut seen: HashMap<crate::sql::facts::Name, Arc<crate::sql::facts::Name>> = HashMap::new();
    for statement in statements {
        let table = match &mut statement.parsed.op {
            crate::sql::facts::Op::Dml {
                table: Some(table), ..
            }
            | crate::sql::facts::Op::CreateIndex { table, .. } => table,
            _ => continue,
        };
        match seen.get(&**table) {
            Some(shared) => *table = Arc::clone(shared),
            None => {
                seen.insert((**table).clone(), Arc::clone(table));
            }
        }
    }
}

/// Makes the `CREATE INDEX` statements of a file that list the same columns share one list
/// (the catalog's indexes share it in turn).
fn share_index_columns(statements: &mut [Statement]) {
    use std::sync::Arc;
    let mut seen: std::collections::HashSet<Arc<[String]>> = Default::default();
    for statement in statements {
        if let crate::sql::facts::Op::CreateIndex { columns, .. } = &mut statement.parsed.op {
            match seen.get(&**columns) {
                Some(shared) => *columns = Arc::clone(shared),
                None => {
                    seen.insert(Arc::clone(columns));
                }
            }
        }
    }
}

/// A suppression comment, for reporting unknown rule ids.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Suppression {
    pub range: TextRange,
    pub rules: Vec<String>,
    pub file_wide: bool,
}

/// Flyway's per-script settings: `V1__x.sql.conf` beside the script, or `-- flyway:key=value`
/// comments at the top of the script.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ScriptConfig {
    pub execute_in_transaction: Option<bool>,
}

#[derive(Debug, Clone)]
pub struct SqlFile {
    pub dialect: Dialect,
    /// How the project writes placeholders (the tokens of a statement are lexed again with it).
    pub placeholders: Placeholders,
    /// Every comment of the script (tokens are not kept: they would cost more memory than the
    /// text; [`SqlFile::statement_tokens`] lexes a statement again when a rule needs them).
    pub comments: Vec<TextRange>,
    pub statements: Vec<Statement>,
    pub suppressions: Vec<Suppression>,
    pub script_config: ScriptConfig,
    /// Tables this script creates: name → index of the first statement creating it.
    pub created_tables: HashMap<std::sync::Arc<str>, usize>,
}

impl SqlFile {
    /// The tokens of one statement (trivia included), lexed again from the script text.
    pub fn statement_tokens(&self, text: &str, statement: &Statement) -> Vec<Token> {
        let range = statement.range();
        let Some(body) = text.get(range.start..range.end) else {
            return Vec::new();
        };
        super::lexer::tokenize_with(body, self.dialect, &self.placeholders)
            .into_iter()
            .map(|t| Token {
                start: t.start + range.start,
                end: t.end + range.start,
                ..t
            })
            .collect()
    }

    /// Rule ids silenced for the whole file.
    pub fn file_ignored(&self) -> impl Iterator<Item = &str> {
        self.suppressions
            .iter()
            .filter(|s| s.file_wide)
            .flat_map(|s| s.rules.iter().map(String::as_str))
    }

    /// Whether any comment of the script silences a rule.
    pub fn has_suppressions(&self) -> bool {
        !self.suppressions.is_empty() || self.statements.iter().any(|s| s.ignored.is_some())
    }

    /// Whether a finding of `rule` at byte `offset` is silenced.
    pub fn is_suppressed(&self, rule: &str, offset: usize) -> bool {
        if self.file_ignored().any(|r| r == rule) {
            return true;
        }
        // Statements are in text order and do not overlap: a binary search finds the one or
        // two that can hold `offset` (one check per finding, not one per statement).
        let first = self.statements.partition_point(|s| s.range().end < offset);
        self.statements[first..]
            .iter()
            .take_while(|s| s.range().start <= offset)
            .any(|s| s.ignored.iter().flat_map(|v| v.iter()).any(|r| r == rule))
    }
}

const IGNORE: &str = "flyway-lsp-ignore";
const IGNORE_FILE: &str = "flyway-lsp-ignore-file";

/// A script's last analysis, so analysing it again after an edit splits and parses only the
/// text around the edit: the statements before and after it are the last analysis's (moved by
/// the edit's length), and a statement of the edited text whose text is unchanged takes its
/// facts from the last analysis (a syntax error's offset moves with its statement).
///
/// Cloning it is a pointer copy: the model a language server publishes to requests shares it.
/// It holds the analysis the model holds too, so it costs only the statements' starts.
#[derive(Debug, Clone, Default)]
pub struct ParseCache {
    last: Option<std::sync::Arc<LastAnalysis>>,
}

#[derive(Debug)]
struct LastAnalysis {
    text: std::sync::Arc<str>,
    analysis: std::sync::Arc<SqlFile>,
    layout: Layout,
    /// A hash of each statement's text → the statement's index in `analysis`, made the first
    /// time an edit needs it (an edit that moves or rewrites many statements): most edits
    /// find their statements by position. foldhash: the key is a hash already.
    by_hash: std::sync::OnceLock<foldhash::HashMap<u64, u32>>,
}

/// What an analysis keeps of its script's split for the next one.
#[derive(Debug, Default, PartialEq, Eq)]
struct Layout {
    /// Where the text before each statement starts (after the previous terminator).
    leading: Vec<u32>,
    /// No `DELIMITER` directive and no `COPY … FROM STDIN` data: the split starts afresh after
    /// every statement's `;`, so an edit can be split again from there.
    plain: bool,
}

/// A fast hash (foldhash, fixed seed: the same text gives the same hash in this process); the
/// text itself is compared after the look-up, so a collision costs a parse, never a wrong fact.
fn body_hash(body: &str) -> u64 {
    use std::hash::BuildHasher;
    foldhash::fast::FixedState::default().hash_one(body)
}

impl ParseCache {
    /// Analyses `text` (see [`analyze_cached`]) with the last analysis as the cache, and keeps
    /// the result for the next one.
    pub fn analyze(
        &mut self,
        text: std::sync::Arc<str>,
        dialect: Dialect,
        placeholders: &Placeholders,
        sidecar: Option<&str>,
    ) -> std::sync::Arc<SqlFile> {
        let (analysis, layout) =
            analyze_laid_out(&text, dialect, placeholders, sidecar, Some(self));
        let analysis = std::sync::Arc::new(analysis);
        self.last = Some(std::sync::Arc::new(LastAnalysis {
            text,
            analysis: analysis.clone(),
            layout,
            by_hash: Default::default(),
        }));
        analysis
    }

    /// The last analysis, if it was made with this dialect and placeholder syntax (else its
    /// facts may not be this text's).
    fn made_with(&self, dialect: Dialect, placeholders: &Placeholders) -> Option<&LastAnalysis> {
        self.last.as_deref().filter(|last| {
            last.analysis.dialect == dialect && last.analysis.placeholders == *placeholders
        })
    }
}

impl LastAnalysis {
    /// Its statement `k`'s text.
    fn body(&self, k: usize) -> Option<&str> {
        let range = self.analysis.statements.get(k)?.range();
        self.text.get(range.start..range.end)
    }

    /// The facts of its statement with the text `body`, with a syntax error's offset relative
    /// to the statement: one of its statements `near` (those an edit replaced, compared one
    /// by one), or when they are many, any of them (by hash).
    fn get(&self, body: &str, near: std::ops::Range<usize>) -> Option<Parsed> {
        let k = if near.len() <= 16 {
            near.clone().find(|&k| self.body(k) == Some(body))?
        } else {
            let by_hash = self.by_hash.get_or_init(|| self.hashes());
            let k = *by_hash.get(&body_hash(body))? as usize;
            // The text itself decides, not its hash.
            if self.body(k)? != body {
                return None;
            }
            k
        };
        let statement = &self.analysis.statements[k];
        let range = statement.range();
        // A syntax error outside the statement's text (an unterminated comment after it) was
        // read from more than that text.
        if (statement.parsed.error.as_ref())
            .is_some_and(|e| e.offset < range.start || e.offset >= range.end)
        {
            return None;
        }
        let mut parsed = statement.parsed.clone();
        if let Some(e) = &mut parsed.error {
            e.offset -= range.start;
        }
        Some(parsed)
    }

    fn hashes(&self) -> foldhash::HashMap<u64, u32> {
        // Sized first: grown from empty, the table was rehashed a dozen times for a script of
        // thousands of statements.
        let statements = &self.analysis.statements;
        let mut by_hash =
            foldhash::HashMap::with_capacity_and_hasher(statements.len(), Default::default());
        by_hash.extend(
            (0..statements.len()).filter_map(|k| Some((body_hash(self.body(k)?), k as u32))),
        );
        by_hash
    }
}

/// Splits, parses and reads the comments of a script.
pub fn analyze(text: &str, dialect: Dialect, sidecar: Option<&str>) -> SqlFile {
    analyze_cached(text, dialect, &Placeholders::Flyway, sidecar, None)
}

/// [`analyze`], taking what it can from `cache`, the script's last analysis (see
/// [`ParseCache::analyze`], which keeps the result for the next time).
pub fn analyze_cached(
    text: &str,
    dialect: Dialect,
    placeholders: &Placeholders,
    sidecar: Option<&str>,
    cache: Option<&ParseCache>,
) -> SqlFile {
    analyze_laid_out(text, dialect, placeholders, sidecar, cache).0
}

/// The statements, comments and suppression comments of a script, before the statements get
/// their suppressions.
struct Parts {
    statements: Vec<Statement>,
    comments: Vec<TextRange>,
    suppressions: Vec<Suppression>,
    layout: Layout,
}

fn analyze_laid_out(
    text: &str,
    dialect: Dialect,
    placeholders: &Placeholders,
    sidecar: Option<&str>,
    cache: Option<&ParseCache>,
) -> (SqlFile, Layout) {
    // The script's own `.sql.conf` may turn placeholder replacement on or off.
    let placeholders =
        &placeholders.replaced(sidecar.and_then(crate::index::sidecar_placeholder_replacement));
    let last = cache.and_then(|c| c.made_with(dialect, placeholders));
    let Parts {
        mut statements,
        comments,
        suppressions,
        layout,
    } = match last.and_then(|last| edited_parts(last, text, dialect, placeholders)) {
        Some(parts) => {
            #[cfg(test)]
            resplits::count();
            parts
        }
        None => whole_parts(text, dialect, placeholders, last),
    };
    share_table_names(&mut statements);
    share_index_columns(&mut statements);
    // Attach statement-level suppressions: a comment before a statement belongs to it, unless
    // it sits on the line where the previous statement ends (a trailing comment).
    for s in suppressions.iter().filter(|s| !s.file_wide) {
        let target = statements
            .iter()
            .zip(&layout.leading)
            .position(|(st, &leading)| {
                s.range.start >= leading as usize && s.range.end <= st.range().end
            });
        let target = match target {
            Some(i) if i > 0 && same_line(text, statements[i - 1].range().end, s.range.start) => {
                Some(i - 1)
            }
            Some(i) => Some(i),
            // After the last statement: a trailing comment on its line.
            None => statements
                .iter()
                .rposition(|st| st.range().end <= s.range.start)
                .filter(|&i| same_line(text, statements[i].range().end, s.range.start)),
        };
        if let Some(i) = target {
            statements[i]
                .ignored
                .get_or_insert_with(Default::default)
                .extend(s.rules.iter().cloned());
        }
    }
    let mut script_config = sidecar.map(read_sidecar).unwrap_or_default();
    // `-- flyway:executeInTransaction=false` at the top of the script.
    super::lexer::lex_from(text, 0, dialect, placeholders, |t| {
        if t.kind == TokenKind::LineComment {
            let body = t.text(text).trim_start_matches('-').trim();
            if let Some(setting) = body.strip_prefix("flyway:") {
                if let Some((key, value)) = setting.split_once('=') {
                    apply_setting(&mut script_config, key.trim(), value.trim());
                }
            }
        }
        t.is_trivia()
    });
    let created_tables = created_tables(&statements);
    (
        SqlFile {
            dialect,
            placeholders: placeholders.clone(),
            comments,
            created_tables,
            statements,
            suppressions,
            script_config,
        },
        layout,
    )
}

/// The parts of a script split whole; statements whose text `last` had are not parsed again.
fn whole_parts(
    text: &str,
    dialect: Dialect,
    placeholders: &Placeholders,
    last: Option<&LastAnalysis>,
) -> Parts {
    let split = split_with(text, dialect, placeholders);
    let everywhere = 0..last.map_or(0, |l| l.analysis.statements.len());
    let statements = split
        .statements
        .iter()
        .map(|raw| statement(text, &split, raw, dialect, last, everywhere.clone()))
        .collect();
    let (comments, suppressions) = comments_of(text, &split);
    Parts {
        statements,
        comments,
        suppressions,
        layout: Layout {
            leading: split
                .statements
                .iter()
                .map(|st| offset32(st.leading_start))
                .collect(),
            plain: split.directives.is_empty() && !split.masked,
        },
    }
}

/// The parts of `text`, an edit of `last`'s text, split again only around the edit (see
/// [`resplit`]); `None` when that cannot be done.
fn edited_parts(
    last: &LastAnalysis,
    text: &str,
    dialect: Dialect,
    placeholders: &Placeholders,
) -> Option<Parts> {
    if !last.layout.plain {
        return None;
    }
    let old = &last.analysis;
    let r = resplit(
        &last.text,
        &last.layout.leading,
        text,
        dialect,
        placeholders,
    )?;
    // Where the unchanged end starts in the last text.
    let old_to = (r.to as isize - r.shift) as usize;
    let moved = |v: usize| (v as isize + r.shift) as usize;
    let mut statements =
        Vec::with_capacity(r.kept + r.middle.statements.len() + old.statements.len() - r.resumed);
    statements.extend(old.statements[..r.kept].iter().map(|st| Statement {
        ignored: None,
        ..st.clone()
    }));
    statements.extend(
        r.middle
            .statements
            .iter()
            .map(|raw| statement(text, &r.middle, raw, dialect, Some(last), r.kept..r.resumed)),
    );
    statements.extend(old.statements[r.resumed..].iter().map(|st| {
        let range = st.range();
        let mut parsed = st.parsed.clone();
        if let Some(e) = &mut parsed.error {
            e.offset = moved(e.offset);
        }
        Statement::new(TextRange::new(moved(range.start), moved(range.end)), parsed)
    }));
    let leading = &last.layout.leading;
    let mut new_leading = Vec::with_capacity(statements.len());
    new_leading.extend_from_slice(&leading[..r.kept]);
    new_leading.extend(
        r.middle
            .statements
            .iter()
            .map(|st| offset32(st.leading_start)),
    );
    new_leading.extend(
        leading[r.resumed..]
            .iter()
            .map(|&l| offset32(moved(l as usize))),
    );
    let (middle_comments, middle_suppressions) = comments_of(text, &r.middle);
    let before = |range: &TextRange| range.start < r.from;
    let after = |range: &TextRange| range.start >= old_to;
    let shifted = |range: &TextRange| TextRange::new(moved(range.start), moved(range.end));
    let comments = old
        .comments
        .iter()
        .filter(|c| before(c))
        .copied()
        .chain(middle_comments)
        .chain(old.comments.iter().filter(|c| after(c)).map(shifted))
        .collect();
    let suppressions = old
        .suppressions
        .iter()
        .filter(|s| before(&s.range))
        .cloned()
        .chain(middle_suppressions)
        .chain(
            old.suppressions
                .iter()
                .filter(|s| after(&s.range))
                .map(|s| Suppression {
                    range: shifted(&s.range),
                    ..s.clone()
                }),
        )
        .collect();
    Some(Parts {
        statements,
        comments,
        suppressions,
        layout: Layout {
            leading: new_leading,
            plain: true,
        },
    })
}

/// The statement `raw` of `split`, its facts taken from `last` when it had the same text
/// (looked for in its statements `near` first).
fn statement(
    text: &str,
    split: &Split,
    raw: &RawStatement,
    dialect: Dialect,
    last: Option<&LastAnalysis>,
    near: std::ops::Range<usize>,
) -> Statement {
    let body = &text[raw.range.start..raw.range.end];
    // An unterminated string or comment (after the statement's last token, maybe) makes the
    // facts depend on more than the statement's text: its syntax error is where it starts.
    let cached = last
        .filter(|_| !split.tokens.any_unterminated(raw.tokens.clone()))
        .and_then(|last| last.get(body, near));
    let mut parsed = cached.unwrap_or_else(|| {
        let mut parsed = parse_statement(
            text,
            &split.tokens.slice(raw.tokens.clone()),
            raw.range.start,
            raw.range.end,
            dialect,
        );
        if let Some(e) = &mut parsed.error {
            e.offset -= raw.range.start;
        }
        parsed
    });
    if let Some(e) = &mut parsed.error {
        e.offset += raw.range.start;
    }
    Statement::new(raw.range, parsed)
}

/// The comments of `split`'s tokens and the suppression comments among them.
fn comments_of(text: &str, split: &Split) -> (Vec<TextRange>, Vec<Suppression>) {
    let mut comments = Vec::new();
    let mut suppressions = Vec::new();
    for t in split
        .tokens
        .iter()
        .filter(|t| matches!(t.kind, TokenKind::LineComment | TokenKind::BlockComment))
    {
        comments.push(TextRange::new(t.start, t.end));
        if let Some(s) = read_suppression(text, &t) {
            suppressions.push(s);
        }
    }
    (comments, suppressions)
}

fn same_line(text: &str, a: usize, b: usize) -> bool {
    let (a, b) = (a.min(b), a.max(b));
    !text[a..b].contains(['\n', '\r'])
}

fn read_suppression(text: &str, t: &Token) -> Option<Suppression> {
    let body = t.text(text);
    let body = body
        .strip_prefix("--")
        .or_else(|| body.strip_prefix('#'))
        .or_else(|| {
            body.strip_prefix("/*")
                .map(|b| b.strip_suffix("*/").unwrap_or(b))
        })?
        .trim();
    let (file_wide, rest) = if let Some(rest) = body.strip_prefix(IGNORE_FILE) {
        (true, rest)
    } else if let Some(rest) = body.strip_prefix(IGNORE) {
        (false, rest)
    } else {
        return None;
    };
    if !rest.is_empty() && !rest.starts_with([' ', '\t', ':']) {
        return None;
    }
    let rules = rest
        .trim_start_matches(':')
        .split([',', ' ', '\t'])
        .map(str::trim)
        .filter(|r| !r.is_empty())
        .map(str::to_string)
        .collect();
    Some(Suppression {
        range: TextRange::new(t.start, t.end),
        rules,
        file_wide,
    })
}

fn read_sidecar(text: &str) -> ScriptConfig {
    let mut config = ScriptConfig::default();
    for (key, value) in crate::config::parse_properties(text) {
        apply_setting(&mut config, &key, &value);
    }
    config
}

fn apply_setting(config: &mut ScriptConfig, key: &str, value: &str) {
    if key.eq_ignore_ascii_case("executeInTransaction") {
        config.execute_in_transaction = match value.to_ascii_lowercase().as_str() {
            "true" => Some(true),
            "false" => Some(false),
            _ => config.execute_in_transaction,
        };
    }
}

/// Tables a script creates: name → index of the first statement creating it (or renaming one it
/// created to that name).
pub(crate) fn created_tables(statements: &[Statement]) -> HashMap<std::sync::Arc<str>, usize> {
    let mut created_tables = HashMap::new();
    for (i, statement) in statements.iter().enumerate() {
        match &statement.parsed.op {
            super::facts::Op::CreateTable { table, .. } => {
                created_tables.entry(table.name.clone()).or_insert(i);
            }
            // A table this script created, renamed (the swap idiom: build `t_new`, drop `t`,
            // rename `t_new` to `t`): under its new name it is still this script's own table,
            // from the rename on.
            super::facts::Op::AlterTable { table, actions, .. } => {
                for action in actions.iter() {
                    if let super::facts::AlterAction::RenameTo { to } = action {
                        if created_tables.contains_key(&table.name) {
                            created_tables.entry(to.name.clone()).or_insert(i);
                        }
                    }
                }
            }
            super::facts::Op::RenameTable { pairs } => {
                for (from, to) in pairs {
                    if created_tables.contains_key(&*from.name) {
                        created_tables.entry(to.name.clone()).or_insert(i);
                    }
                }
            }
            _ => {}
        }
    }
    created_tables
}

/// How many analyses of this thread were split again around an edit (tests see that the
/// path they test is taken).
#[cfg(test)]
mod resplits {
    use std::cell::Cell;
    thread_local!(static COUNT: Cell<usize> = const { Cell::new(0) });

    pub fn count() {
        COUNT.with(|c| c.set(c.get() + 1));
    }

    pub fn take() -> usize {
        COUNT.with(|c| c.replace(0))
    }
}

#[cfg(test)]
mod tests {

    /// Random edits of random scripts, each analysed with the last analysis as the cache:
    /// always what a fresh analysis of the text gives (statements with their facts, syntax
    /// errors and suppressions, comments, script configuration, created tables, and the
    /// layout kept for the next edit), and most of them split again only around the edit.
    #[test]
    fn an_edit_split_again_around_it_equals_a_fresh_analysis() {
        use super::{analyze_laid_out, ParseCache, Placeholders, SqlFile};
        use crate::sql::Dialect;
        use std::sync::Arc;
        let shown = |f: &SqlFile| {
            let mut created: Vec<_> = f.created_tables.iter().collect();
            created.sort();
            format!(
                "{:?}\n{:?}\n{:?}\n{:?}\n{created:?}",
                f.statements, f.comments, f.suppressions, f.script_config
            )
        };
        let common: &[&str] = &[
            "CREATE TABLE a (id int);\n",
            "ALTER TABLE a ADD COLUMN b text;",
            "ALTER TABLE a ADD COLUMN ;",
            "INSERT INTO a VALUES (1, 'x;y');\n",
            "-- flyway-lsp-ignore prefer-text\n",
            " -- flyway-lsp-ignore-file drop-table\n",
            "/* flyway-lsp-ignore unknown-table */",
            "-- flyway:executeInTransaction=false\n",
            "/* c; */",
            "'s;'",
            "\"q;\"",
            "${ph}",
            "${ph",
            "}",
            ";",
            ";\n",
            "\n",
            "\r\n",
            " ",
            "'",
            "\"",
            "/*",
            "*/",
            "--",
            "DROP TABLE a;\n",
            "SELECT 1",
            "BEGIN;\n",
            "END;",
            "CASE WHEN 1 THEN 2 END",
            "é",
            "\u{a0}",
            "x(",
            "\r",
            "/* a /* b */ c */",
            "CREATE TABLE T${s} (id int);\n",
            "SELECT t${s};",
        ];
        let postgres: &[&str] = &[
            "$$ body; $$",
            "$t$ x; $t$",
            "$",
            "E'\\';",
            "CREATE FUNCTION f() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT 1; SELECT 2; END;\n",
            "CREATE FUNCTION g() RETURNS int AS $$ SELECT 1; $$ LANGUAGE sql;\n",
            "COPY a FROM STDIN;\n1\tx\n\\.\n",
            "COPY a ",
            "FROM STDIN",
            "CREATE FUNCTION h() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT 1; SELECT 2; SELECT 3; SELECT 4; SELECT 5; SELECT 6; END;\n",
        ];
        let mysql: &[&str] = &[
            "DELIMITER $$\n",
            "DELIMITER ;\n",
            "CREATE PROCEDURE p() BEGIN SELECT 1; IF 1 THEN SELECT 2; END IF; END;\n",
            "CREATE TRIGGER t BEFORE INSERT ON a FOR EACH ROW BEGIN SET @x = 1; END$$\n",
            "# c;\n",
            "`q;`",
            "/*!40101 SET NAMES utf8 */;",
            "/*M!100000 SELECT 1 */;",
            "\\'",
            "CREATE PROCEDURE q() BEGIN SELECT 1; SELECT 2; SELECT 3; SELECT 4; SELECT 5; SELECT 6; END;\n",
        ];
        let mut seed = 0x2545_f491_4f6c_dd1du64;
        let mut next = move |n: usize| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            (seed % n as u64) as usize
        };
        let check = |cache: &mut ParseCache, text: &str, dialect, placeholders: &Placeholders| {
            let cached = cache.analyze(Arc::from(text), dialect, placeholders, None);
            let (fresh, layout) = analyze_laid_out(text, dialect, placeholders, None, None);
            assert_eq!(shown(&cached), shown(&fresh), "{dialect:?} {text:?}");
            let last = cache.last.as_deref().expect("kept");
            assert_eq!(last.layout, layout, "{dialect:?} {text:?}");
        };
        // A `}` typed after a `;` closes a placeholder the `;` was in: the line before the
        // edit is lexed again.
        // A name glued to a placeholder is read from its own statement's text, never from
        // another statement's (`t${s}` written elsewhere).
        for (before, after) in [
            (
                "SELECT 1;\nSELECT ${ph; SELECT 2;\nSELECT 3;\n",
                "SELECT 1;\nSELECT ${ph;} SELECT 2;\nSELECT 3;\n",
            ),
            (
                "SELECT 1;\nCREATE TABLE T${s} (id int);\n",
                "SELECT t${s};\nCREATE TABLE T${s} (id int);\n",
            ),
            (
                "SELECT 1;\nCREATE TABLE T${s} (id int);\nSELECT 2;\n",
                "SELECT 1;\nCREATE TABLE T${s} (id int);\nSELECT 2; -- t${s}\n",
            ),
        ] {
            let mut cache = ParseCache::default();
            for text in [before, after, before] {
                check(&mut cache, text, Dialect::Postgres, &Placeholders::Flyway);
            }
        }
        let (mut edits, mut around) = (0usize, 0usize);
        for round in 0..48 {
            let dialect = if round % 2 == 0 {
                Dialect::Postgres
            } else {
                Dialect::MySql
            };
            let placeholders = match round % 6 {
                0 | 1 => Placeholders::Flyway,
                2 | 3 => Placeholders::new(true, "#[", "]"),
                _ => Placeholders::new(false, "${", "}"),
            };
            let own = if dialect == Dialect::Postgres {
                postgres
            } else {
                mysql
            };
            let fragment = |next: &mut dyn FnMut(usize) -> usize| {
                // Mostly whole statements, so that most edits leave many of them alone.
                if next(3) == 0 {
                    let k = next(common.len() + own.len());
                    common
                        .get(k)
                        .copied()
                        .unwrap_or_else(|| own[k - common.len()])
                } else {
                    common[next(4)]
                }
            };
            let mut text = String::new();
            for _ in 0..10 + next(30) {
                text.push_str(fragment(&mut next));
            }
            let mut cache = ParseCache::default();
            for _ in 0..150 {
                let boundary = |text: &str, mut at: usize| {
                    while !text.is_char_boundary(at) {
                        at -= 1;
                    }
                    at
                };
                let start = boundary(&text, next(text.len() + 1));
                // Now and then a large cut or paste (many statements at once).
                let large = next(20) == 0;
                let end = if large {
                    boundary(&text, (start + next(text.len() / 2 + 1)).min(text.len()))
                } else {
                    boundary(&text, (start + next(12)).min(text.len()))
                }
                .max(start);
                let insert = if large && next(2) == 0 {
                    let from = boundary(&text, next(text.len() + 1));
                    let to = boundary(&text, (from + next(text.len() / 2 + 1)).min(text.len()));
                    text[from..to.max(from)].to_string()
                } else if next(3) == 0 {
                    String::new()
                } else {
                    fragment(&mut next).to_string()
                };
                text.replace_range(start..end, &insert);
                check(&mut cache, &text, dialect, &placeholders);
                edits += 1;
            }
            around += super::resplits::take();
        }
        assert!(
            around * 2 > edits,
            "{around} of {edits} edits split again around the edit"
        );
    }

    /// A script analysed again with its last analysis as the cache: the same facts, syntax
    /// errors where they now are, and nothing taken from a statement whose text changed or
    /// from an analysis made with another placeholder syntax.
    #[test]
    fn cached_analysis_equals_a_fresh_one() {
        use super::{analyze_cached, ParseCache, Placeholders};
        use crate::sql::Dialect;
        use std::sync::Arc;
        let shown = |f: &super::SqlFile| format!("{:?} {:?}", f.statements, f.comments);
        let before = "CREATE TABLE a (id int);\nALTER TABLE a ADD COLUMN;\nSELECT ${x};\n";
        let after = "-- moved\nCREATE TABLE b (id int);\nCREATE TABLE a (id int);\nALTER TABLE a ADD COLUMN;\nSELECT ${x};\n";
        for placeholders in [Placeholders::Flyway, Placeholders::new(true, "#[", "]")] {
            let mut cache = ParseCache::default();
            cache.analyze(
                Arc::from(before),
                Dialect::Postgres,
                &Placeholders::Flyway,
                None,
            );
            let cached =
                analyze_cached(after, Dialect::Postgres, &placeholders, None, Some(&cache));
            let fresh = analyze_cached(after, Dialect::Postgres, &placeholders, None, None);
            assert_eq!(shown(&cached), shown(&fresh));
            let error = cached.statements[2]
                .parsed
                .error
                .as_ref()
                .expect("a syntax error");
            assert!(error.offset >= after.find("ALTER").unwrap(), "{error:?}");
        }
    }
    /// A 10,000-file workspace holds ~700,000 statements: their size is the language server's
    /// memory (`cargo bench --bench lsp`). Keep it from creeping back.
    #[test]
    fn statements_stay_small() {
        assert!(
            std::mem::size_of::<Statement>() <= 80,
            "{}",
            std::mem::size_of::<Statement>()
        );
        assert!(std::mem::size_of::<crate::sql::facts::Op>() <= 48);
    }

    use super::*;

    #[test]
    fn index_statements_of_a_file_share_equal_column_lists() {
        let file = analyze(
            "CREATE INDEX a ON t (lower(name), id);\nCREATE INDEX b ON u (lower(name), id);\n\
             CREATE INDEX c ON t (id);",
            Dialect::Postgres,
            None,
        );
        let columns: Vec<&std::sync::Arc<[String]>> = file
            .statements
            .iter()
            .filter_map(|s| match &s.parsed.op {
                crate::sql::facts::Op::CreateIndex { columns, .. } => Some(columns),
                _ => None,
            })
            .collect();
        assert_eq!(columns.len(), 3);
        assert!(std::sync::Arc::ptr_eq(columns[0], columns[1]));
        assert_eq!(&columns[2][..], ["id".to_string()]);
    }

    #[test]
    fn statements_of_a_file_share_the_names_of_their_tables() {
        use crate::sql::facts::{Name, Op};
        let file = analyze(
            "CREATE INDEX a ON t (id);\nINSERT INTO t VALUES (1);\nCREATE INDEX b ON t (x);\n\
             CREATE INDEX c ON s.t (id);\nDELETE FROM s.t;",
            Dialect::Postgres,
            None,
        );
        let tables: Vec<&std::sync::Arc<Name>> = file
            .statements
            .iter()
            .filter_map(|s| match &s.parsed.op {
                Op::CreateIndex { table, .. }
                | Op::Dml {
                    table: Some(table), ..
                } => Some(table),
                _ => None,
            })
            .collect();
        assert_eq!(tables.len(), 5);
        assert!(std::sync::Arc::ptr_eq(tables[0], tables[1]));
        assert!(std::sync::Arc::ptr_eq(tables[0], tables[2]));
        assert!(std::sync::Arc::ptr_eq(tables[3], tables[4]));
        assert_eq!(**tables[3], Name::new(Some("s".into()), "t"));
        assert_ne!(tables[0], tables[3]);
    }

    #[test]
    fn a_scripts_own_placeholder_replacement_setting_is_read() {
        // With replacement off for this script, `${x}` reaches PostgreSQL as written (and is
        // rejected there); with it on, it is a placeholder and never judged.
        let text = "CREATE TABLE ${x} (a int);";
        let flyway = Placeholders::Flyway;
        let off = analyze_cached(
            text,
            Dialect::Postgres,
            &flyway,
            Some("placeholderReplacement=false\n"),
            None,
        );
        let error = off.statements[0].parsed.error.as_ref().expect("rejected");
        assert_eq!(error.kind, crate::sql::parse::ErrorKind::Rejected);
        let on = analyze_cached(
            text,
            Dialect::Postgres,
            &flyway,
            Some("encoding=UTF-8\n"),
            None,
        );
        assert!(on.statements[0].parsed.error.is_none());
    }

    #[test]
    fn suppressions_attach_to_statements() {
        let text = "-- flyway-lsp-ignore-file prefer-text\n-- flyway-lsp-ignore drop-table, truncate-table\nDROP TABLE a;\nDROP TABLE b; -- flyway-lsp-ignore drop-table\nDROP TABLE c;\n/* flyway-lsp-ignore drop-table */ DROP TABLE d;";
        let file = analyze(text, Dialect::Postgres, None);
        let ignored: Vec<Vec<String>> = file
            .statements
            .iter()
            .map(|s| s.ignored.as_deref().cloned().unwrap_or_default())
            .collect();
        assert_eq!(
            ignored,
            vec![
                vec!["drop-table".to_string(), "truncate-table".to_string()],
                vec!["drop-table".to_string()],
                vec![],
                vec!["drop-table".to_string()],
            ]
        );
        assert_eq!(file.file_ignored().collect::<Vec<_>>(), vec!["prefer-text"]);
        let c = text.find("DROP TABLE c").unwrap();
        assert!(!file.is_suppressed("drop-table", c));
        assert!(file.is_suppressed("prefer-text", c));
        // A comment merely mentioning the word is not a suppression.
        assert!(
            analyze("-- flyway-lsp-ignored\nselect 1;", Dialect::Postgres, None)
                .suppressions
                .is_empty()
        );
    }

    #[test]
    fn script_configuration() {
        let file = analyze(
            "select 1;",
            Dialect::Postgres,
            Some("executeInTransaction=false\n"),
        );
        assert_eq!(file.script_config.execute_in_transaction, Some(false));
        let file = analyze(
            "-- flyway:executeInTransaction=false\nCREATE INDEX CONCURRENTLY i ON t (a);",
            Dialect::Postgres,
            None,
        );
        assert_eq!(file.script_config.execute_in_transaction, Some(false));
        assert_eq!(
            analyze("select 1;", Dialect::Postgres, None).script_config,
            ScriptConfig::default()
        );
    }
}
