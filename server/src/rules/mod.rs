//! Rules: each in its own file with its id, default level, documentation and check.
//!
//! A rule's documentation is one markdown text with fixed sections (`## What it does`,
//! `## Why is this bad?`, `## Example`, `## Use instead`); `flyway-lsp rules`, the README rule
//! table and editor hovers all come from it.

pub mod clause;
pub mod folder;
pub mod sql;

use std::collections::BTreeMap;
use std::path::Path;

use crate::config::{ConfigError, Level, ToolSettings};
use crate::diagnostic::{first_line, Diagnostic, Fix, LineCol, LineIndex, TextRange};
use crate::index::{MigrationSet, ScriptFile};
use crate::naming::{Kind, NameParser, ResourceName};
use crate::project::Project;
use crate::sql::analysis::{SqlFile, Statement};
use crate::sql::facts::{Name, Op};
use crate::sql::server::Server;
use crate::sql::Dialect;

/// A rule's identity and documentation.
#[derive(Debug)]
pub struct Rule {
    /// Stable id, used in config, suppressions and output.
    pub id: &'static str,
    /// Group shown in listings: "naming", "versions", "conventions", "files".
    pub category: &'static str,
    pub default_level: Level,
    /// One line: what is wrong.
    pub summary: &'static str,
    /// Markdown documentation with the fixed sections.
    pub doc: &'static str,
    /// When set, the rule only runs if this convention is switched on in the config.
    pub convention: Option<&'static str>,
    /// How editors may show the finding beside its severity (LSP's `DiagnosticTag`), for the few
    /// rules whose finding marks text that has no effect. No rule is `Deprecated`: none flags
    /// something Flyway or the database has deprecated.
    pub tag: Option<Tag>,
}

/// A finding's presentation tag (LSP `DiagnosticTag`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tag {
    /// The flagged text does nothing (editors fade it): a migration with no statement, a
    /// suppression comment that suppresses nothing.
    Unnecessary,
}

/// Every rule, in the order they are listed.
pub fn all() -> &'static [&'static Rule] {
    static ALL: std::sync::LazyLock<Vec<&'static Rule>> = std::sync::LazyLock::new(|| {
        folder::CHECKS
            .iter()
            .map(|(rule, _)| *rule)
            .chain(sql::CHECKS.iter().map(|(rule, _)| *rule))
            .collect()
    });
    &ALL
}

pub fn find(id: &str) -> Option<&'static Rule> {
    all().iter().copied().find(|r| r.id == id)
}

/// The effective level of every rule for one project.
#[derive(Debug, Clone)]
pub struct Levels {
    levels: BTreeMap<&'static str, Level>,
}

impl Levels {
    /// Defaults, then conventions that switch rules on, then `[rules]` from the config.
    pub fn from_settings(settings: &ToolSettings) -> Result<Levels, ConfigError> {
        let conventions = &settings.conventions;
        let mut levels = BTreeMap::new();
        for rule in all() {
            let enabled = match rule.convention {
                None => true,
                Some("description-case") => {
                    conventions.description_case != crate::config::DescriptionCase::Any
                }
                Some("undo-pairs") => conventions.undo_pairs,
                Some("hash-suffix") => conventions.hash_suffix,
                Some(_) => false,
            };
            levels.insert(
                rule.id,
                if enabled {
                    rule.default_level
                } else {
                    Level::Off
                },
            );
        }
        for (id, level) in &settings.rules {
            let Some(rule) = find(id) else {
                let hint = suggest(id)
                    .map(|s| format!(" (did you mean `{s}`?)"))
                    .unwrap_or_default();
                return Err(ConfigError::new(format!(
                    "unknown rule `{id}` in [rules]{hint}; `flyway-lsp rules` lists them"
                )));
            };
            levels.insert(rule.id, *level);
        }
        Ok(Levels { levels })
    }

    pub fn get(&self, rule: &Rule) -> Level {
        self.levels.get(rule.id).copied().unwrap_or(Level::Off)
    }

    pub fn enabled(&self, rule: &Rule) -> bool {
        self.get(rule) != Level::Off
    }
}

/// The closest rule id by edit distance, for typos.
fn suggest(id: &str) -> Option<&'static str> {
    all()
        .iter()
        .map(|r| (edit_distance(id, r.id), r.id))
        .filter(|(d, _)| *d <= 3)
        .min()
        .map(|(_, id)| id)
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            cur[j + 1] = (prev[j] + usize::from(ca != *cb))
                .min(prev[j + 1] + 1)
                .min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

/// What a folder rule sees.
pub struct FolderContext<'a> {
    pub project: &'a Project,
    /// The target database, as resolved for the set.
    pub server: &'a crate::sql::server::Server,
    pub set: &'a MigrationSet,
    pub parser: &'a NameParser,
    /// Migrations known to be applied, by path.
    pub applied: &'a crate::history::AppliedHistory,
}

impl FolderContext<'_> {
    /// What Flyway does with a file whose name it rejects: skip it silently, or (with
    /// `validateMigrationNaming`) fail.
    pub fn rejected_name_outcome(&self) -> &'static str {
        if self.project.config.flyway.validate_migration_naming {
            "Flyway fails on it (validateMigrationNaming is on)"
        } else {
            "Flyway skips this file"
        }
    }
}

/// What an SQL rule sees: one analysed migration script.
pub struct FileContext<'a> {
    pub project: &'a Project,
    pub file: &'a ScriptFile,
    pub name: &'a ResourceName,
    pub text: &'a str,
    pub sql: &'a SqlFile,
    pub server: &'a Server,
    /// The schema as the migrations before this one left it.
    pub schema: &'a crate::schema::Catalog,
    /// For an undo migration: the versioned migration it reverts, analysed.
    pub undo_target: Option<(&'a ScriptFile, &'a SqlFile)>,
    /// Line starts of `text`, built on the first finding and shared by the contexts of one file.
    pub lines: &'a std::cell::OnceCell<LineIndex>,
    /// Significant tokens of each statement of `sql`, lexed on first use and shared by the
    /// contexts of one file (see [`FileContext::significant_tokens`]).
    pub tokens: &'a StatementTokens,
}

/// The significant tokens (no whitespace or comments) of a file's statements, each lexed once
/// per check of the file however many rules read it. Kept by the statement's range in the
/// file's text, which is all its tokens depend on: a context over other statements of the same
/// text (a `DO` block's body statements, [`sql::run_file`]) finds only its own.
#[derive(Debug, Default)]
pub struct StatementTokens {
    /// By range start, as the file's statements are ordered.
    per_statement: Vec<(
        TextRange,
        std::cell::OnceCell<Vec<crate::sql::lexer::Token>>,
    )>,
}

impl StatementTokens {
    /// Room for the statements of `sql`.
    pub fn for_file(sql: &SqlFile) -> StatementTokens {
        StatementTokens {
            per_statement: sql
                .statements
                .iter()
                .map(|s| (s.range(), std::cell::OnceCell::new()))
                .collect(),
        }
    }

    /// The place of the statement at `range`, if it is one of the file's.
    fn cell(
        &self,
        range: TextRange,
    ) -> Option<&std::cell::OnceCell<Vec<crate::sql::lexer::Token>>> {
        let i = self
            .per_statement
            .binary_search_by_key(&range.start, |(r, _)| r.start)
            .ok()?;
        let (at, cell) = &self.per_statement[i];
        (*at == range).then_some(cell)
    }
}

impl FileContext<'_> {
    pub fn dialect(&self) -> Dialect {
        self.sql.dialect
    }

    /// The line index of `text`, built once per file.
    pub fn line_index(&self) -> &LineIndex {
        self.lines.get_or_init(|| LineIndex::new(self.text))
    }

    pub fn is_undo(&self) -> bool {
        self.name.kind == Kind::Undo
    }

    /// Statements with their facts, in order.
    pub fn statements(&self) -> impl Iterator<Item = (&Statement, &Op)> {
        self.sql.statements.iter().map(|s| (s, &s.parsed.op))
    }

    /// Tables created by statements before `index` in this script.
    pub fn created_before(&self, index: usize, table: &Name) -> bool {
        let created = self.sql.created_tables.get(&*table.name);
        if created.is_some() || self.dialect() != Dialect::MySql {
            return created.is_some_and(|&first| first < index);
        }
        // MySQL: `zstack`.`VmInstanceVO` and VmInstanceVO are one table (the parser folds only
        // unquoted names).
        self.sql
            .created_tables
            .iter()
            .any(|(name, &first)| first < index && name.to_lowercase() == table.name.to_lowercase())
    }

    /// Whether the text of `statement` starts with `word` (ASCII case ignored): a statement
    /// starts with its first significant token, so this holds wherever that token is `word`,
    /// and rules check it before lexing the statement.
    pub fn starts_with(&self, statement: &Statement, word: &str) -> bool {
        let start = statement.range().start;
        self.text
            .as_bytes()
            .get(start..start + word.len())
            .is_some_and(|head| head.eq_ignore_ascii_case(word.as_bytes()))
    }

    /// Whether `word` (ASCII letters) occurs in the text of `statement`, in any case: a cheap
    /// test that a keyword cannot be among its tokens when it is false, so a rule looking for
    /// a key word lexes only the statements that may hold it.
    pub fn mentions(&self, statement: &Statement, word: &str) -> bool {
        let range = statement.range();
        self.text
            .get(range.start..range.end)
            .is_some_and(|text| crate::sql::find_ignore_ascii_case(text, word).is_some())
    }

    /// The significant tokens (no whitespace or comments) of `statement`: lexed once per check
    /// of the file when it is one of its statements ([`StatementTokens`]).
    pub fn significant_tokens(
        &self,
        statement: &Statement,
    ) -> std::borrow::Cow<'_, [crate::sql::lexer::Token]> {
        let lex = || {
            self.sql
                .statement_tokens(self.text, statement)
                .into_iter()
                .filter(|t| !t.is_trivia())
                .collect::<Vec<_>>()
        };
        match self.tokens.cell(statement.range()) {
            Some(cell) => std::borrow::Cow::Borrowed(cell.get_or_init(lex).as_slice()),
            None => std::borrow::Cow::Owned(lex()),
        }
    }

    /// The first line of a statement, as the range to underline.
    pub fn head(&self, statement: &Statement) -> TextRange {
        let range = statement.range();
        let text = &self.text[range.start..range.end];
        let end = text
            .find(['\n', '\r'])
            .map_or(range.end, |i| range.start + i);
        TextRange::new(range.start, end)
    }

    /// The part of `statement` that `pattern` finds in its tokens (see [`clause`]: e.g.
    /// `ALTER [COLUMN] {} SET NOT NULL` with the column's name), else its first line.
    pub fn clause(&self, statement: &Statement, pattern: &str, names: &[&str]) -> TextRange {
        self.find_clause(statement, pattern, names)
            .unwrap_or_else(|| self.head(statement))
    }

    /// The part of `statement` that `pattern` finds in its tokens, if any.
    pub fn find_clause(
        &self,
        statement: &Statement,
        pattern: &str,
        names: &[&str],
    ) -> Option<TextRange> {
        clause::find(
            self.text,
            self.dialect(),
            statement.range(),
            &self.significant_tokens(statement),
            pattern,
            names,
        )
    }

    /// The clause of `statement` that makes one of its `ALTER TABLE` actions (see
    /// [`clause::alter_action`]), else its first line.
    pub fn action(
        &self,
        statement: &Statement,
        action: &crate::sql::facts::AlterAction,
    ) -> TextRange {
        self.find_action(statement, action)
            .unwrap_or_else(|| self.head(statement))
    }

    /// The clause of `statement` that makes one of its `ALTER TABLE` actions, if its tokens
    /// tell it from the others.
    pub fn find_action(
        &self,
        statement: &Statement,
        action: &crate::sql::facts::AlterAction,
    ) -> Option<TextRange> {
        let (pattern, names) = clause::alter_action(action)?;
        self.find_clause(statement, pattern, &names)
    }

    /// The text from the first to the last of `parts` (the clauses a finding is about, in any
    /// order), when each was found; else the statement's first line (a part the tokens do not
    /// show would be left out of the span).
    pub fn span(
        &self,
        statement: &Statement,
        parts: impl IntoIterator<Item = Option<TextRange>>,
    ) -> TextRange {
        let mut span: Option<TextRange> = None;
        for part in parts {
            let Some(part) = part else {
                return self.head(statement);
            };
            span = Some(match span {
                Some(s) => TextRange::new(s.start.min(part.start), s.end.max(part.end)),
                None => part,
            });
        }
        span.unwrap_or_else(|| self.head(statement))
    }

    /// The names a statement lists (`DROP TABLE a, b`, `TRUNCATE a, b`): the first after
    /// `lead` (a pattern such as `DROP TABLE [IF EXISTS]`), the others at the start of their
    /// clause; the span from the first to the last of `names` (see [`FileContext::span`]).
    /// With `from_lead`, the span starts at `lead` instead (`DROP INDEX a`).
    pub fn listed_names(
        &self,
        statement: &Statement,
        lead: &str,
        names: &[&str],
        from_lead: bool,
    ) -> TextRange {
        let first = if from_lead {
            format!("{lead} {{}}|^ {{}}")
        } else {
            format!("{lead} @ {{}}|^ @ {{}}")
        };
        self.span(
            statement,
            names
                .iter()
                .map(|name| self.find_clause(statement, &first, &[name])),
        )
    }

    /// The range of the first significant token of `statement` matching `keyword`.
    pub fn keyword(&self, statement: &Statement, keyword: &str) -> Option<TextRange> {
        self.sql
            .statement_tokens(self.text, statement)
            .iter()
            .find(|t| t.is_keyword(self.text, keyword))
            .map(|t| TextRange::new(t.start, t.end))
    }
}

/// `text` with every whole-word `from` (not inside a longer name) replaced by `to`.
fn replace_word(text: &str, from: &str, to: &str) -> String {
    let is_name = |c: char| c.is_alphanumeric() || c == '_' || c == '$';
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find(from) {
        // The character before: in `rest`, or (at its start) the last one already written.
        let before = rest[..at]
            .chars()
            .next_back()
            .or_else(|| out.chars().next_back());
        let after = rest[at + from.len()..].chars().next();
        let whole = !before.is_some_and(is_name) && !after.is_some_and(is_name);
        out.push_str(&rest[..at]);
        out.push_str(if whole { to } else { from });
        rest = &rest[at + from.len()..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod respell_tests {
    use super::replace_word;

    #[test]
    fn whole_words_only() {
        assert_eq!(
            replace_word(
                "Table vminstancevo has no column vminstancevo_id; vminstancevo.x",
                "vminstancevo",
                "VmInstanceVO"
            ),
            "Table VmInstanceVO has no column vminstancevo_id; VmInstanceVO.x"
        );
        assert_eq!(replace_word("aa aaa", "aa", "Aa"), "Aa aaa");
        assert_eq!(replace_word("rename name", "name", "Name"), "rename Name");
    }
}

/// Collects diagnostics, applying the configured levels.
pub struct Sink<'a> {
    levels: &'a Levels,
    pub diagnostics: Vec<Diagnostic>,
    /// The spellings of the last statement a message was respelled for: (file, statement
    /// start) → (folded, written) pairs, so many findings on one statement lex it once.
    spellings: Option<(StatementKey, Vec<(String, String)>)>,
    /// The indexes in `diagnostics` of findings on a whole file ([`Sink::file`]): their
    /// position is the file's first line, the one thing of its text such a finding depends on.
    pub whole_file: Vec<usize>,
}

/// A statement by file and start offset.
type StatementKey = (std::path::PathBuf, usize);

impl<'a> Sink<'a> {
    pub fn new(levels: &'a Levels) -> Sink<'a> {
        Sink {
            levels,
            diagnostics: Vec::new(),
            spellings: None,
            whole_file: Vec::new(),
        }
    }

    pub fn enabled(&self, rule: &Rule) -> bool {
        self.levels.enabled(rule)
    }

    /// Reports on a whole file: the range is its first line.
    pub fn file(
        &mut self,
        rule: &Rule,
        file: &ScriptFile,
        message: String,
    ) -> Option<&mut Diagnostic> {
        let (range, start, end) = whole_file_position(file);
        let at = self.diagnostics.len();
        self.push(rule, &file.path, range, start, end, message)?;
        self.whole_file.push(at);
        self.diagnostics.get_mut(at)
    }

    /// Reports on a byte range of an analysed script.
    pub fn range(
        &mut self,
        rule: &Rule,
        cx: &FileContext,
        range: TextRange,
        message: String,
    ) -> Option<&mut Diagnostic> {
        let lines = cx.line_index();
        let start = lines.line_col(cx.text, range.start);
        let end = lines.line_col(cx.text, range.end);
        let message = self.respell(cx, range.start, message);
        self.push(rule, &cx.file.path, range, start, end, message)
    }

    /// Names in a message as the user wrote them: the facts fold unquoted names (`VmInstanceVO`
    /// is `vminstancevo` to the database), so each unquoted, non-key-word name with capitals
    /// of the statement at `offset` gets its spelling back wherever the message shows its
    /// folded form as a whole word. Statements over 1 MB are left as they are (lexing them
    /// again costs more than the spelling is worth).
    fn respell(&mut self, cx: &FileContext, offset: usize, message: String) -> String {
        use crate::sql::lexer::TokenKind;
        // Statements are in text order: the last one starting at or before `offset`.
        let statements = &cx.sql.statements;
        let at = statements.partition_point(|s| s.range().start <= offset);
        let Some(statement) = at
            .checked_sub(1)
            .map(|i| &statements[i])
            .filter(|s| offset <= s.range().end)
        else {
            return message;
        };
        let range = statement.range();
        if range.end - range.start > 1 << 20 {
            return message;
        }
        let key = (cx.file.path.clone(), range.start);
        if self.spellings.as_ref().is_none_or(|(k, _)| *k != key) {
            let mut spellings: Vec<(String, String)> = Vec::new();
            for token in cx.sql.statement_tokens(cx.text, statement) {
                if token.kind != TokenKind::Word {
                    continue;
                }
                let written = token.text(cx.text);
                let folded = written.to_lowercase();
                if folded == written
                    || sqlparser::keywords::ALL_KEYWORDS
                        .binary_search(&written.to_ascii_uppercase().as_str())
                        .is_ok()
                    || spellings.iter().any(|(f, _)| *f == folded)
                {
                    continue;
                }
                spellings.push((folded, written.to_string()));
            }
            self.spellings = Some((key, spellings));
        }
        let mut message = message;
        for (folded, written) in self.spellings.iter().flat_map(|(_, s)| s) {
            message = replace_word(&message, folded, written);
        }
        message
    }

    /// Reports on a statement's first line.
    pub fn statement(
        &mut self,
        rule: &Rule,
        cx: &FileContext,
        statement: &Statement,
        message: String,
    ) -> Option<&mut Diagnostic> {
        self.range(rule, cx, cx.head(statement), message)
    }

    /// Reports on a path as a whole (a folder, a file that was not read), at its start.
    pub fn at_start(
        &mut self,
        rule: &Rule,
        path: &Path,
        message: String,
    ) -> Option<&mut Diagnostic> {
        self.push(
            rule,
            path,
            TextRange::default(),
            LineCol::START,
            LineCol::START,
            message,
        )
    }

    /// Reports at an explicit place.
    pub fn at(
        &mut self,
        rule: &Rule,
        path: &Path,
        range: TextRange,
        start: LineCol,
        end: LineCol,
        message: String,
    ) -> Option<&mut Diagnostic> {
        self.push(rule, path, range, start, end, message)
    }

    fn push(
        &mut self,
        rule: &Rule,
        path: &Path,
        range: TextRange,
        start: LineCol,
        end: LineCol,
        message: String,
    ) -> Option<&mut Diagnostic> {
        let level = self.levels.get(rule);
        if level == Level::Off {
            return None;
        }
        self.diagnostics.push(Diagnostic {
            rule: rule.id,
            level,
            path: path.to_path_buf(),
            range,
            start,
            end,
            message,
            related: Vec::new(),
            fix: None,
        });
        self.diagnostics.last_mut()
    }
}

/// Where a finding on a whole file goes: its first line (the start of a file without text).
pub fn whole_file_position(file: &ScriptFile) -> (TextRange, LineCol, LineCol) {
    match file.text() {
        Some(text) => {
            let range = first_line(&text);
            (
                range,
                LineCol::of(&text, range.start),
                LineCol::of(&text, range.end),
            )
        }
        None => (TextRange::default(), LineCol::START, LineCol::START),
    }
}

/// Attaches a fix to a diagnostic the sink kept (a disabled rule's is dropped).
pub trait DiagnosticExt {
    fn with_fix(self, fix: Fix);
}

impl DiagnosticExt for Option<&mut Diagnostic> {
    fn with_fix(self, fix: Fix) {
        if let Some(d) = self {
            d.fix = Some(fix);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_unique_kebab_case_and_documented() {
        let mut seen = std::collections::BTreeSet::new();
        for rule in all() {
            assert!(seen.insert(rule.id), "duplicate id {}", rule.id);
            assert!(
                rule.id
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'),
                "{}",
                rule.id
            );
            for section in [
                "## What it does",
                "## Why is this bad?",
                "## Example",
                "## Use instead",
            ] {
                assert!(rule.doc.contains(section), "{} lacks {section}", rule.id);
            }
            assert!(!rule.summary.is_empty());
        }
    }

    #[test]
    fn unknown_rule_ids_suggest_the_closest() {
        let mut settings = ToolSettings::default();
        settings.rules.insert("version-gaps".into(), Level::Off);
        let err = Levels::from_settings(&settings).unwrap_err().to_string();
        assert!(err.contains("did you mean `version-gap`"), "{err}");
    }

    #[test]
    fn conventions_switch_rules_on() {
        let levels = Levels::from_settings(&ToolSettings::default()).unwrap();
        assert_eq!(levels.get(find("undo-pair").unwrap()), Level::Off);
        let mut settings = ToolSettings::default();
        settings.conventions.undo_pairs = true;
        let levels = Levels::from_settings(&settings).unwrap();
        assert_eq!(levels.get(find("undo-pair").unwrap()), Level::Error);
    }
}

#[cfg(test)]
mod range_tests;
