//! Names in migrations resolved as the statement that writes them sees the schema: the table
//! or index under a place in a script, where it was defined, and every place that names it
//! (following renames), as byte ranges of name tokens. Read by the language server's hover,
//! definition and references.
//!
//! *Invariant:* no protocol types; a name resolves against the schema as of its statement
//! (`ProjectState::schema_at`), so a table renamed or dropped by a later migration is still
//! found from an earlier one, and a quoted name is compared as the dialect compares it.

use std::path::PathBuf;

use crate::diagnostic::TextRange;
use crate::schema::{Catalog, Index, Origin, Table};
use crate::sql::analysis::SqlFile;
use crate::sql::facts::{AlterAction, Op};
use crate::sql::lexer::{Token, TokenKind};
use crate::workspace::ProjectState;

/// An identifier token: the name as the parser reads it (an unquoted word lower-cased, a
/// quoted one as written inside its quotes) and where the token is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NameToken {
    pub name: String,
    pub range: TextRange,
}

fn name_token(token: &Token, text: &str) -> Option<NameToken> {
    let name = match token.kind {
        TokenKind::Word => token.text(text).to_lowercase(),
        TokenKind::QuotedIdent => crate::sql::parse::unquote(token, text),
        _ => return None,
    };
    Some(NameToken {
        name,
        range: TextRange::new(token.start, token.end),
    })
}

/// The identifier token at byte `offset` of a script (touching it from either side).
pub fn name_at(sql: &SqlFile, text: &str, offset: usize) -> Option<NameToken> {
    let statement = sql
        .statements
        .iter()
        .find(|s| s.range().start <= offset && offset <= s.range().end)?;
    sql.statement_tokens(text, statement)
        .iter()
        .filter(|t| t.start <= offset && offset <= t.end)
        .filter_map(|t| name_token(t, text))
        .next()
}

/// What a name under the cursor is, as of its statement.
#[derive(Debug, Clone)]
pub struct Resolved {
    pub name: NameToken,
    /// The schema the statement reads (or, for the name a statement creates, leaves).
    pub catalog: Catalog,
    pub table: Option<Table>,
    pub index: Option<Index>,
}

/// Resolves the identifier at byte `offset` of file `file` (an index into `project.set.files`)
/// against the schema as of its statement; a name the statement itself creates or renames to
/// is resolved in the schema the statement leaves.
pub fn resolve(project: &ProjectState, file: usize, offset: usize) -> Option<Resolved> {
    let sql = project.analysis(file)?;
    let sql = &*sql;
    let text = project.set.files[file].text()?;
    let name = name_at(sql, &text, offset)?;
    let find = |catalog: &Catalog| {
        let table = catalog
            .table(&crate::sql::facts::Name::new(None, name.name.clone()))
            .cloned();
        let index = table
            .is_none()
            .then(|| catalog.index(&name.name).cloned())
            .flatten();
        (table, index)
    };
    let mut catalog = project.schema_at(file, offset);
    let (mut table, mut index) = find(&catalog);
    if table.is_none() && index.is_none() {
        if let Some(statement) = sql
            .statements
            .iter()
            .find(|s| s.range().start <= offset && offset <= s.range().end)
        {
            catalog = project.schema_at(file, statement.range().end + 1);
            (table, index) = find(&catalog);
        }
    }
    Some(Resolved {
        name,
        catalog,
        table,
        index,
    })
}

/// The identifier tokens of `range` in a script that name one of `names` (compared as
/// `catalog` folds names).
fn tokens_naming(
    sql: &SqlFile,
    text: &str,
    statement: &crate::sql::analysis::Statement,
    names: &[String],
    catalog: &Catalog,
) -> Vec<TextRange> {
    let range = statement.range();
    let Some(body) = text.get(range.start..range.end) else {
        return Vec::new();
    };
    // Most statements name none of them: skip lexing those.
    let lower = body.to_lowercase();
    if !names.iter().any(|n| lower.contains(&n.to_lowercase())) {
        return Vec::new();
    }
    sql.statement_tokens(text, statement)
        .iter()
        .filter_map(|t| name_token(t, text))
        .filter(|t| {
            names
                .iter()
                .any(|n| catalog.folded(n) == catalog.folded(&t.name))
        })
        .map(|t| t.range)
        .collect()
}

/// Whether a script `text` may name `name` (folded) anywhere: a name's every spelling holds its
/// characters, lower-cased as [`tokens_naming`] compares them, but a quoted one with doubled
/// quotes or escapes, and PostgreSQL's `U&"…"` names, for which it says yes.
fn may_name(text: &str, name: &str) -> bool {
    if name.contains(['"', '`', '\\']) {
        return true;
    }
    let lower = text.to_lowercase();
    lower.contains("u&") || lower.contains(&name.to_lowercase())
}

/// Where an object defined by the statement at `origin` is named there: the first token
/// naming it (`names`: its names then and now), else the whole statement.
pub fn definition(
    project: &ProjectState,
    origin: &Origin,
    names: &[String],
) -> (PathBuf, TextRange) {
    let at = || -> Option<TextRange> {
        let file = project.file_index(origin.path())?;
        let sql = project.analysis(file)?;
        let sql = &*sql;
        let text = project.set.files[file].text()?;
        let statement = sql
            .statements
            .iter()
            .find(|s| s.range() == origin.range())?;
        let mut names = names.to_vec();
        if let Some(created) = created_name(&statement.parsed.op) {
            names.insert(0, created);
        }
        let catalog = Catalog::new(sql.dialect);
        tokens_naming(sql, &text, statement, &names, &catalog)
            .into_iter()
            .next()
    };
    (origin.path().to_path_buf(), at().unwrap_or(origin.range()))
}

/// The name a statement creates a table or index under.
fn created_name(op: &Op) -> Option<String> {
    match op {
        Op::CreateTable { table, .. } => Some(table.name.to_string()),
        Op::CreateIndex { name: Some(n), .. } => Some(n.name.to_string()),
        _ => None,
    }
}

/// The renames of tables a statement makes (from, to), unqualified.
fn renames(op: &Op) -> Vec<(&str, &str)> {
    match op {
        Op::RenameTable { pairs } => pairs
            .iter()
            .map(|(from, to)| (&*from.name, &*to.name))
            .collect(),
        Op::AlterTable { table, actions, .. } => actions
            .iter()
            .filter_map(|a| match a {
                AlterAction::RenameTo { to } => Some((&*table.name, &*to.name)),
                _ => None,
            })
            .collect(),
        _ => Vec::new(),
    }
}

/// Every name token that names the table or index at byte `offset` of file `file`, in
/// Flyway's apply order, following the table through renames (`ALTER TABLE … RENAME TO`,
/// `RENAME TABLE`) until it is dropped. A table or index the replay saw created is known by
/// that statement (a table of the same name created after it was dropped is another one); one
/// that existed before the migrations is followed by name. The token defining it is left out
/// unless `include_declaration`.
pub fn references(
    project: &ProjectState,
    file: usize,
    offset: usize,
    include_declaration: bool,
) -> Vec<(PathBuf, TextRange)> {
    let Some(resolved) = resolve(project, file, offset) else {
        return Vec::new();
    };
    let catalog = &resolved.catalog;
    let fold = |n: &str| catalog.folded(n).into_owned();
    let origin = resolved
        .table
        .as_ref()
        .map(|t| &t.origin)
        .or(resolved.index.as_ref().map(|i| &i.origin));
    let declaration =
        origin.map(|o| definition(project, o, std::slice::from_ref(&resolved.name.name)));
    let is_table = resolved.index.is_none();
    if origin.is_none() && !names_a_table_there(project, file, offset, &fold(&resolved.name.name)) {
        // Not a table or index the replay knows, nor in a table's place: a column, a keyword.
        return Vec::new();
    }
    // The name it has at this point of the replay (None before its creation, after its drop).
    let mut current = match origin {
        Some(_) => None,
        None => Some(fold(&resolved.name.name)),
    };
    let mut out = Vec::new();
    for i in crate::engine::apply_order(&project.set) {
        let file = &project.set.files[i];
        let Some(text) = file.text() else {
            continue;
        };
        // Only the files that can name it are read (most of a large folder's are analysed
        // again to be read): its defining file while it is not created yet, then those whose
        // text holds its name.
        let wanted = match &current {
            Some(name) => may_name(&text, name),
            None => origin.is_some_and(|o| o.path() == &*file.path),
        };
        if !wanted {
            continue;
        }
        let Some(sql) = project.analysis(i) else {
            continue;
        };
        for statement in &sql.statements {
            let op = &statement.parsed.op;
            if origin.is_some_and(|o| o.path() == &*file.path && o.range() == statement.range()) {
                current = created_name(op).map(|n| fold(&n));
            }
            let Some(name) = current.clone() else {
                continue;
            };
            let mut names = vec![name.clone()];
            if is_table {
                for (from, to) in renames(op) {
                    if fold(from) == name {
                        names.push(fold(to));
                        current = Some(fold(to));
                    }
                }
                if origin.is_some()
                    && matches!(op, Op::DropTable { names: dropped, .. }
                        if dropped.iter().any(|d| fold(&d.name) == name))
                {
                    current = None;
                }
            } else if origin.is_some()
                && matches!(op, Op::DropIndex { names: dropped, .. }
                    if dropped.iter().any(|d| fold(&d.name) == name))
            {
                current = None;
            }
            for range in tokens_naming(&sql, &text, statement, &names, catalog) {
                let place = (file.path.clone(), range);
                if include_declaration || declaration.as_ref() != Some(&place) {
                    out.push(place);
                }
            }
        }
    }
    out
}

/// Whether the statement at `offset` names a table `name` (folded) in a table's place.
fn names_a_table_there(project: &ProjectState, file: usize, offset: usize, name: &str) -> bool {
    let Some(sql) = project.analysis(file) else {
        return false;
    };
    let fold = |n: &str| Catalog::new(sql.dialect).folded(n).into_owned();
    sql.statements
        .iter()
        .filter(|s| s.range().start <= offset && offset <= s.range().end)
        .any(|s| {
            let op = &s.parsed.op;
            op.tables().iter().any(|t| fold(&t.name) == name)
                || renames(op).iter().any(|(_, to)| fold(to) == name)
        })
}

/// What a completion at a place may offer.
#[derive(Debug, Clone)]
pub enum Completing {
    /// After `FROM`, `JOIN`, `TABLE`, `UPDATE`, `INTO`: tables.
    Tables,
    /// After `name.`: the columns of table `name`.
    Columns(Box<Table>),
    /// After `name.` where `name` is no table known there: nothing.
    Nothing,
    /// Anywhere else: key words and tables.
    Anything,
}

/// A completion's place: the text it replaces (the word typed so far), what fits there, and the
/// schema as of the statement (tables the file created above it included).
#[derive(Debug, Clone)]
pub struct CompletionPlace {
    pub replace: TextRange,
    pub typed: String,
    pub completing: Completing,
    pub catalog: Catalog,
}

/// The completion place at byte `offset` of file `file`: the key word or `name.` before the
/// word being typed, read from the tokens of the statement the cursor is in.
pub fn completion_place(
    project: &ProjectState,
    file: usize,
    offset: usize,
) -> Option<CompletionPlace> {
    let sql = project.analysis(file)?;
    let sql = &*sql;
    let text = project.set.files[file].text()?;
    let offset = offset.min(text.len());
    // The statement under or before the cursor: its tokens up to the cursor.
    let start = sql
        .statements
        .iter()
        .map(|s| s.range().start)
        .take_while(|&s| s <= offset)
        .last()
        .unwrap_or(0);
    let before = text.get(start..offset)?;
    let tokens: Vec<Token> =
        crate::sql::lexer::tokenize_with(before, sql.dialect, &sql.placeholders)
            .into_iter()
            .filter(|t| !t.is_trivia())
            .collect();
    // The word being typed touches the cursor (a quoted one may be open).
    let (typed, replace, rest) = match tokens.last() {
        Some(t)
            if t.end == before.len()
                && matches!(t.kind, TokenKind::Word | TokenKind::QuotedIdent) =>
        {
            let typed = match t.kind {
                TokenKind::Word => t.text(before).to_string(),
                _ => crate::sql::parse::unquote(t, before),
            };
            (
                typed,
                TextRange::new(start + t.start, offset),
                &tokens[..tokens.len() - 1],
            )
        }
        _ => (String::new(), TextRange::new(offset, offset), &tokens[..]),
    };
    let catalog = project.schema_at(file, offset);
    let takes_table = |t: &Token| {
        ["from", "join", "table", "update", "into"]
            .iter()
            .any(|k| t.is_keyword(before, k))
    };
    let completing = match rest {
        [head @ .., qualifier, dot] if dot.kind == TokenKind::Punct && dot.text(before) == "." => {
            match name_token(qualifier, before).and_then(|n| {
                catalog
                    .table(&crate::sql::facts::Name::new(None, n.name))
                    .cloned()
            }) {
                Some(table) => Completing::Columns(Box::new(table)),
                // `FROM public.`: a schema's tables.
                None if head.last().is_some_and(takes_table) => Completing::Tables,
                None => Completing::Nothing,
            }
        }
        [.., keyword] if takes_table(keyword) => Completing::Tables,
        _ => Completing::Anything,
    };
    Some(CompletionPlace {
        replace,
        typed,
        completing,
        catalog,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::LoadOptions;
    use crate::workspace::Workspace;

    #[test]
    fn a_text_that_cannot_name_it_is_not_read_and_one_that_may_is() {
        assert!(may_name("ALTER TABLE Users ADD x int;", "users"));
        assert!(!may_name("ALTER TABLE people ADD x int;", "users"));
        // Spellings without the name's characters in a row: read, to be safe.
        assert!(may_name("CREATE TABLE \"a\"\"b\" (id int);", "a\"b"));
        assert!(may_name("CREATE TABLE U&\"\\0075sers\" (id int);", "users"));
    }

    #[test]
    fn references_follow_a_table_through_its_rename_across_files_read_again() {
        let dir = tempfile::tempdir().unwrap();
        let sql = dir.path().join("sql");
        std::fs::create_dir(&sql).unwrap();
        for (name, text) in [
            ("V1__a.sql", "CREATE TABLE users (id int);\n"),
            ("V2__b.sql", "CREATE TABLE other (id int);\n"),
            ("V3__c.sql", "ALTER TABLE USERS RENAME TO people;\n"),
            ("V4__d.sql", "SELECT id FROM other;\n"),
            ("V5__e.sql", "INSERT INTO \"people\" VALUES (1);\n"),
        ] {
            std::fs::write(sql.join(name), text).unwrap();
        }
        let (ws, errors) = Workspace::load(&[dir.path().to_path_buf()], &LoadOptions::default());
        assert!(errors.is_empty(), "{errors:?}");
        let project = &ws.projects[0];
        let v1 = project.file_index(&sql.join("V1__a.sql")).unwrap();
        let found: Vec<(String, String)> = references(project, v1, 14, true)
            .into_iter()
            .map(|(path, range)| {
                let text = std::fs::read_to_string(&path).unwrap();
                (
                    path.file_name().unwrap().to_string_lossy().into_owned(),
                    text[range.start..range.end].to_string(),
                )
            })
            .collect();
        let expected = [
            ("V1__a.sql", "users"),
            ("V3__c.sql", "USERS"),
            ("V3__c.sql", "people"),
            ("V5__e.sql", "\"people\""),
        ];
        assert_eq!(found, expected.map(|(f, t)| (f.to_string(), t.to_string())),);
    }
}
