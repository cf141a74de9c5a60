//! The undo script of a versioned migration: each statement reversed against the schema as the
//! replay knows it just before that statement (the schema as of the file, then each earlier
//! statement of the file applied), last statement first.
//!
//! Never destroys what existed before: an `IF NOT EXISTS` that found its object reverses to
//! nothing; a changed default, type, nullability or name is put back to what the replay knew;
//! where the previous state is unknown the script says what to restore in a
//! `TODO flyway-lsp` line rather than guess. Names are written as the statement wrote them
//! (PostgreSQL folds unquoted names to lower case, MySQL table names keep their case) and
//! quoted only where the dialect needs it.

use crate::schema::{Catalog, Column, Origin};
use crate::sql::analysis::SqlFile;
use crate::sql::facts::{AlterAction, ColumnSpec, ConstraintKind, DmlKind, Name, Op};
use crate::sql::lexer::TokenKind;
use crate::sql::server::{Flavor, Server};

/// Marks statements the generator could not reverse; `undo-todo` reports them until removed.
pub const TODO_MARKER: &str = "TODO flyway-lsp";

/// The undo script of `versioned` (its text `text`), for `server`, given the schema `before`
/// the file (`engine::catalog_before`).
pub fn undo_script(versioned: &SqlFile, text: &str, server: &Server, before: &Catalog) -> String {
    let origin = |range| Origin {
        path: std::path::Path::new("").into(),
        migration: String::new(),
        range,
    };
    // The schema before each statement: copies share every table they do not change.
    let mut catalog = before.clone();
    let mut snapshots = Vec::with_capacity(versioned.statements.len());
    // Tables this file creates (their undo drops them, rows and all).
    let mut created = Vec::new();
    for statement in &versioned.statements {
        if let Op::CreateTable {
            table,
            if_not_exists,
            temporary: false,
            ..
        } = &statement.parsed.op
        {
            if !*if_not_exists || surely_missing_table(&catalog, table) {
                created.push(catalog.folded(&table.name).into_owned());
            }
        }
        // Only the statements whose reversal reads the schema keep a copy (a seed file has
        // many thousands of statements).
        let reads_schema = matches!(
            statement.parsed.op,
            Op::CreateTable { .. } | Op::CreateIndex { .. } | Op::AlterTable { .. }
        );
        snapshots.push(reads_schema.then(|| catalog.clone()));
        let range = statement.range();
        catalog.apply_statement(
            &statement.parsed.op,
            &text[range.start..range.end],
            &origin(range),
        );
    }
    let mut out = Vec::new();
    for (statement, snapshot) in versioned.statements.iter().zip(&snapshots).rev() {
        let before = snapshot.as_ref().unwrap_or(&catalog);
        let range = statement.range();
        let source = &text[range.start..range.end];
        let g = Gen::new(server, source, versioned);
        // Rows written into a table this file creates go with the table.
        if let Op::Dml { table: Some(t), .. } = &statement.parsed.op {
            if created.iter().any(|c| *c == before.folded(&t.name)) {
                continue;
            }
        }
        let first_line = source
            .lines()
            .map(str::trim)
            .find(|l| !l.is_empty() && !l.starts_with("--"))
            .unwrap_or("");
        match g.reverse(&statement.parsed.op, before) {
            Some(lines) => out.extend(lines),
            None => out.push(format!(
                "-- {TODO_MARKER}: cannot reverse automatically: {first_line}"
            )),
        }
    }
    let mut script = out.join("\n");
    script.push('\n');
    script
}

/// Writes names and statements for one statement of the versioned file.
struct Gen<'a> {
    server: &'a Server,
    mysql: bool,
    source: &'a str,
    /// Folded → written spelling of the statement's unquoted words with capitals (MySQL table
    /// names are case-sensitive on most servers; the facts fold them).
    spellings: Vec<(String, String)>,
}

impl<'a> Gen<'a> {
    fn new(server: &'a Server, source: &'a str, file: &SqlFile) -> Gen<'a> {
        let mysql = server.flavor != Flavor::Postgres;
        let mut spellings: Vec<(String, String)> = Vec::new();
        if mysql {
            for token in crate::sql::lexer::tokenize(source, file.dialect) {
                if token.kind != TokenKind::Word {
                    continue;
                }
                let written = token.text(source);
                let folded = written.to_lowercase();
                if folded != written && !spellings.iter().any(|(f, _)| *f == folded) {
                    spellings.push((folded, written.to_string()));
                }
            }
        }
        Gen {
            server,
            mysql,
            source,
            spellings,
        }
    }

    /// One identifier, spelled as written and quoted if the dialect needs it.
    fn ident(&self, name: &str) -> String {
        let written = self
            .spellings
            .iter()
            .find(|(f, _)| f == name)
            .map_or(name, |(_, w)| w.as_str());
        quote(self.mysql, written)
    }

    fn name(&self, name: &Name) -> String {
        match &name.schema {
            Some(schema) => format!("{}.{}", self.ident(schema), self.ident(&name.name)),
            None => self.ident(&name.name),
        }
    }

    fn mariadb_at_least(&self, version: &[u32]) -> bool {
        self.server.flavor == Flavor::MariaDb && self.server.at_least(version)
    }

    /// `DROP COLUMN`, with `IF EXISTS` where the server has it (PostgreSQL, MariaDB 10.0+;
    /// MySQL never).
    fn drop_column(&self, table: &str, column: &str) -> String {
        let if_exists = if !self.mysql || self.mariadb_at_least(&[10, 0]) {
            "IF EXISTS "
        } else {
            ""
        };
        format!(
            "ALTER TABLE {table} DROP COLUMN {if_exists}{};",
            self.ident(column)
        )
    }

    /// `DROP INDEX` of an index of `table`: PostgreSQL qualifies it with the table's schema,
    /// MySQL names the table (`IF EXISTS` on MariaDB 10.1.4+ only).
    fn drop_index(&self, name: &str, table: &Name) -> String {
        if self.mysql {
            let if_exists = if self.mariadb_at_least(&[10, 1, 4]) {
                "IF EXISTS "
            } else {
                ""
            };
            format!(
                "DROP INDEX {if_exists}{} ON {};",
                self.ident(name),
                self.name(table)
            )
        } else {
            let index = Name::new(table.schema.clone(), name);
            format!("DROP INDEX IF EXISTS {};", self.name(&index))
        }
    }

    /// A column definition for MySQL `CHANGE`, from what the replay knows; `None` when the
    /// replay cannot restore it exactly (generated / auto-increment columns, options the facts
    /// do not keep such as a character set or a comment).
    fn mysql_definition(&self, spec: &ColumnSpec) -> Option<String> {
        if spec.generated || spec.unmodelled_options || spec.data_type.is_empty() {
            return None;
        }
        let mut out = format!("{} {}", self.ident(&spec.name), spec.data_type);
        out.push_str(if spec.not_null { " NOT NULL" } else { " NULL" });
        if let Some(default) = &spec.default {
            out.push_str(&format!(" DEFAULT {default}"));
        }
        Some(out)
    }

    fn todo(&self, what: &str) -> String {
        format!("-- {TODO_MARKER}: {what}")
    }

    /// The statement's first words, lower-cased, past comments.
    fn words(&self) -> Vec<String> {
        crate::sql::lexer::tokenize(
            self.source,
            if self.mysql {
                crate::sql::Dialect::MySql
            } else {
                crate::sql::Dialect::Postgres
            },
        )
        .into_iter()
        .filter(|t| !t.is_trivia())
        .take(12)
        .map(|t| t.text(self.source).to_ascii_lowercase())
        .collect()
    }

    /// The statement's reversal, `None` when it cannot be reversed (a TODO naming it).
    fn reverse(&self, op: &Op, before: &Catalog) -> Option<Vec<String>> {
        Some(match op {
            Op::Transaction(_) | Op::Set { .. } | Op::Vacuum | Op::Reindex { .. } => Vec::new(),
            Op::Dml {
                kind: DmlKind::Select,
                ..
            } => Vec::new(),
            Op::CreateTable {
                table,
                if_not_exists,
                temporary,
                ..
            } => {
                if *temporary {
                    return Some(Vec::new());
                }
                let written = self.name(table);
                if !*if_not_exists {
                    // It did not exist, or the statement would have failed.
                    return Some(vec![format!("DROP TABLE IF EXISTS {written};")]);
                }
                if before.table(table).is_some_and(|t| !t.maybe_gone) {
                    vec![format!(
                        "-- {written} existed before this migration (CREATE TABLE IF NOT EXISTS): nothing to undo"
                    )]
                } else if surely_missing_table(before, table) {
                    vec![format!("DROP TABLE IF EXISTS {written};")]
                } else {
                    vec![self.todo(&format!(
                        "drop table {written} only if this migration created it (CREATE TABLE IF NOT EXISTS; the schema before it is not known)"
                    ))]
                }
            }
            Op::CreateView { name } => {
                let words = self.words();
                let written = self.name(name);
                if words.iter().take(3).any(|w| w == "replace")
                    || words.windows(3).any(|w| w == ["if", "not", "exists"])
                {
                    vec![self.todo(&format!(
                        "restore the previous definition of view {written}, or drop it if this migration created it"
                    ))]
                } else {
                    vec![format!("DROP VIEW IF EXISTS {written};")]
                }
            }
            Op::CreateIndex {
                name: Some(name),
                table,
                if_not_exists,
                concurrently,
                ..
            } => {
                let mut drop = self.drop_index(&name.name, table);
                if *concurrently && !self.mysql {
                    // Built without blocking writes: dropped the same way.
                    drop = drop.replacen("DROP INDEX", "DROP INDEX CONCURRENTLY", 1);
                }
                if !*if_not_exists {
                    return Some(vec![drop]);
                }
                if before.index(&name.name).is_some_and(|i| !i.maybe_gone) {
                    vec![format!(
                        "-- index {} existed before this migration (CREATE INDEX IF NOT EXISTS): nothing to undo",
                        self.ident(&name.name)
                    )]
                } else if before.surely_missing_index(&name.name) {
                    vec![drop]
                } else {
                    vec![self.todo(&format!(
                        "drop index {} only if this migration created it (CREATE INDEX IF NOT EXISTS; the schema before it is not known)",
                        self.ident(&name.name)
                    ))]
                }
            }
            Op::RenameTable { pairs } => pairs
                .iter()
                .rev()
                .map(|(from, to)| format!("RENAME TABLE {} TO {};", self.name(to), self.name(from)))
                .collect(),
            Op::AlterTable { table, actions, .. } => self.reverse_alter(table, actions, before)?,
            Op::Other { .. } | Op::Routine => self.reverse_created_object()?,
            _ => return None,
        })
    }

    fn reverse_alter(
        &self,
        table: &Name,
        actions: &[AlterAction],
        before: &Catalog,
    ) -> Option<Vec<String>> {
        let t = self.name(table);
        let known = before
            .table(table)
            .filter(|t| !t.uncertain && !t.maybe_gone);
        let column = |name: &str| -> Option<&Column> { known?.column(name) };
        // Columns this statement surely adds: changes to them go with the column.
        let added: Vec<&str> = actions
            .iter()
            .filter_map(|a| match a {
                AlterAction::AddColumn {
                    column: spec,
                    if_not_exists,
                } if !*if_not_exists || (known.is_some() && column(&spec.name).is_none()) => {
                    Some(spec.name.as_str())
                }
                _ => None,
            })
            .collect();
        let fresh = |c: &str| added.iter().any(|a| before.folded(a) == before.folded(c));
        let mut lines = Vec::new();
        for action in actions.iter().rev() {
            let line = match action {
                AlterAction::AddColumn {
                    column: spec,
                    if_not_exists,
                } => {
                    let c = self.ident(&spec.name);
                    if !*if_not_exists {
                        self.drop_column(&t, &spec.name)
                    } else if column(&spec.name).is_some() {
                        format!(
                            "-- column {c} of {t} existed before this migration (ADD COLUMN IF NOT EXISTS): nothing to undo"
                        )
                    } else if known.is_some() {
                        self.drop_column(&t, &spec.name)
                    } else {
                        self.todo(&format!(
                            "drop column {c} of {t} only if this migration added it (ADD COLUMN IF NOT EXISTS; the table before it is not known)"
                        ))
                    }
                }
                AlterAction::RenameColumn { from, to } => {
                    let rename = format!(
                        "ALTER TABLE {t} RENAME COLUMN {} TO {};",
                        self.ident(to),
                        self.ident(from)
                    );
                    if !self.mysql
                        || (self.server.flavor == Flavor::MySql && self.server.at_least(&[8]))
                        || self.mariadb_at_least(&[10, 5, 2])
                    {
                        rename
                    } else {
                        match column(from).and_then(|c| self.mysql_definition(&c.spec)) {
                            Some(definition) => {
                                format!("ALTER TABLE {t} CHANGE {} {definition};", self.ident(to))
                            }
                            None => self.todo(&format!(
                                "rename column {} of {t} back to {} with its full definition",
                                self.ident(to),
                                self.ident(from)
                            )),
                        }
                    }
                }
                AlterAction::RenameTo { to } => {
                    if self.mysql {
                        format!("ALTER TABLE {} RENAME TO {t};", self.name(to))
                    } else {
                        let now = Name::new(table.schema.clone(), to.name.clone());
                        format!(
                            "ALTER TABLE {} RENAME TO {};",
                            self.name(&now),
                            self.ident(&table.name)
                        )
                    }
                }
                AlterAction::AddConstraint { constraint, .. } => {
                    let Some(name) = constraint.name.as_deref() else {
                        lines.push(self.todo(&format!(
                            "drop the unnamed constraint this migration added to {t}"
                        )));
                        continue;
                    };
                    let n = self.ident(name);
                    match (constraint.kind, self.mysql) {
                        (ConstraintKind::Index | ConstraintKind::Unique, true) => {
                            self.drop_index(name, table)
                        }
                        (ConstraintKind::ForeignKey, true) => {
                            let drop = format!("ALTER TABLE {t} DROP FOREIGN KEY {n};");
                            if indexed(before, table, &constraint.columns) {
                                drop
                            } else {
                                // MySQL made an index of the key's name for it: it stays
                                // after the key is dropped.
                                format!("{drop}\n{}", self.drop_index(name, table))
                            }
                        }
                        (ConstraintKind::PrimaryKey, true) => {
                            format!("ALTER TABLE {t} DROP PRIMARY KEY;")
                        }
                        (_, true) => format!("ALTER TABLE {t} DROP CONSTRAINT {n};"),
                        _ => format!("ALTER TABLE {t} DROP CONSTRAINT IF EXISTS {n};"),
                    }
                }
                AlterAction::Algorithm(_)
                | AlterAction::Lock(_)
                | AlterAction::ValidateConstraint { .. } => continue,
                AlterAction::SetNotNull { column: c }
                | AlterAction::DropNotNull { column: c }
                | AlterAction::SetDefault { column: c, .. }
                | AlterAction::DropDefault { column: c }
                | AlterAction::SetType { column: c, .. }
                    if fresh(c) =>
                {
                    continue
                }
                AlterAction::SetNotNull { column: c } | AlterAction::DropNotNull { column: c } => {
                    let ci = self.ident(c);
                    match column(c) {
                        Some(old) if old.spec.not_null => {
                            format!("ALTER TABLE {t} ALTER COLUMN {ci} SET NOT NULL;")
                        }
                        Some(_) => format!("ALTER TABLE {t} ALTER COLUMN {ci} DROP NOT NULL;"),
                        None => self.todo(&format!(
                            "restore the nullability column {ci} of {t} had before this migration"
                        )),
                    }
                }
                AlterAction::SetDefault { column: c, .. }
                | AlterAction::DropDefault { column: c } => {
                    let ci = self.ident(c);
                    match column(c) {
                        Some(old) => match &old.spec.default {
                            Some(default) => {
                                format!("ALTER TABLE {t} ALTER COLUMN {ci} SET DEFAULT {default};")
                            }
                            None => format!("ALTER TABLE {t} ALTER COLUMN {ci} DROP DEFAULT;"),
                        },
                        None => self.todo(&format!(
                            "restore the default column {ci} of {t} had before this migration"
                        )),
                    }
                }
                AlterAction::SetType { column: c, .. } => {
                    let ci = self.ident(c);
                    match column(c).filter(|old| {
                        !old.spec.data_type.is_empty() && !old.spec.data_type.contains('"')
                    }) {
                        Some(old) => format!(
                            "ALTER TABLE {t} ALTER COLUMN {ci} TYPE {0} USING {ci}::{0};",
                            storage_type(&old.spec.data_type)
                        ),
                        None => self.todo(&format!(
                            "restore the type column {ci} of {t} had before this migration"
                        )),
                    }
                }
                AlterAction::ChangeColumn { from, column: spec } => {
                    match column(from).and_then(|c| self.mysql_definition(&c.spec)) {
                        Some(definition) => format!(
                            "ALTER TABLE {t} CHANGE {} {definition};",
                            self.ident(&spec.name)
                        ),
                        None => self.todo(&format!(
                            "restore the definition column {} of {t} had before this migration",
                            self.ident(from)
                        )),
                    }
                }
                _ => return None,
            };
            lines.push(line);
        }
        Some(lines)
    }

    /// `CREATE SCHEMA / SEQUENCE / TYPE / DOMAIN / EXTENSION / FUNCTION / PROCEDURE / TRIGGER`
    /// (PostgreSQL)
    /// and `CREATE TRIGGER / PROCEDURE / FUNCTION` (MySQL) reverse to a drop when the statement
    /// surely created the object (no `IF NOT EXISTS`, no `OR REPLACE`).
    fn reverse_created_object(&self) -> Option<Vec<String>> {
        let created = if self.mysql {
            self.mysql_created()?
        } else {
            pg_created(self.source)?
        };
        Some(vec![match created {
            Created::Drop { kind, name } => format!("DROP {kind} IF EXISTS {};", name(self)),
            Created::Statement(drop) => drop,
            Created::Unknown { kind, name } => self.todo(&format!(
                "drop {} {} if this migration created it, else restore its previous definition (IF NOT EXISTS / OR REPLACE: it may have existed before)",
                kind.to_lowercase(),
                name(self)
            )),
        }])
    }

    /// `CREATE [OR REPLACE] [DEFINER = …] TRIGGER | PROCEDURE | FUNCTION [IF NOT EXISTS] name`.
    fn mysql_created(&self) -> Option<Created> {
        let tokens: Vec<_> = crate::sql::lexer::tokenize(self.source, crate::sql::Dialect::MySql)
            .into_iter()
            .filter(|t| !t.is_trivia())
            .collect();
        let word = |i: usize| {
            tokens
                .get(i)
                .map(|t| t.text(self.source).to_ascii_lowercase())
                .unwrap_or_default()
        };
        if word(0) != "create" {
            return None;
        }
        let mut unsure = false;
        let mut i = 1;
        // Everything up to the object kind: OR REPLACE, DEFINER = x@y, AGGREGATE, …
        let kind = loop {
            let w = word(i);
            match w.as_str() {
                "" => return None,
                "replace" => unsure = true,
                "trigger" | "procedure" | "function" => break w.to_ascii_uppercase(),
                "table" | "view" | "index" | "database" | "schema" | "event" => return None,
                _ => {}
            }
            i += 1;
            if i > 12 {
                return None;
            }
        };
        i += 1;
        if word(i) == "if" && word(i + 1) == "not" && word(i + 2) == "exists" {
            unsure = true;
            i += 3;
        }
        let part = |j: usize| -> Option<String> {
            let t = tokens.get(j)?;
            let text = t.text(self.source);
            match t.kind {
                TokenKind::Word => Some(text.to_string()),
                TokenKind::QuotedIdent => Some(text[1..text.len() - 1].replace("``", "`")),
                _ => None,
            }
        };
        let first = part(i)?;
        let name = if tokens.get(i + 1).map(|t| t.text(self.source)) == Some(".") {
            Name::new(Some(first), part(i + 2)?)
        } else {
            Name::new(None, first)
        };
        let name: NameWriter = Box::new(move |_| match &name.schema {
            Some(s) => format!("{}.{}", quote(true, s), quote(true, &name.name)),
            None => quote(true, &name.name),
        });
        Some(if unsure {
            Created::Unknown { kind, name }
        } else {
            Created::Drop { kind, name }
        })
    }
}

/// Writes an object's name for the undo script.
type NameWriter = Box<dyn Fn(&Gen) -> String>;

/// What a `CREATE` of a non-table object means for the undo script.
enum Created {
    /// The statement surely created it: drop it.
    Drop { kind: String, name: NameWriter },
    /// The statement surely created it: this statement drops it.
    Statement(String),
    /// It may have existed before (`IF NOT EXISTS`, `OR REPLACE`).
    Unknown { kind: String, name: NameWriter },
}

/// What a PostgreSQL `CREATE …` of a schema, sequence, type, domain, extension, function,
/// procedure or trigger creates, read by PostgreSQL's own parser.
fn pg_created(source: &str) -> Option<Created> {
    use pg_query::protobuf::{node::Node as N, ObjectType};
    let owned = source.to_string();
    // PostgreSQL's parser recurses deeply on nested input: on a thread with room for it.
    let node = std::thread::Builder::new()
        .stack_size(64 << 20)
        .spawn(move || {
            let result = pg_query::parse(&owned, 0).ok()?;
            result.protobuf.stmts.first()?.stmt.as_ref()?.node.clone()
        })
        .ok()?
        .join()
        .ok()
        .flatten()?;
    let strings = |nodes: &[pg_query::protobuf::Node]| -> Option<Name> {
        let parts: Vec<String> = nodes
            .iter()
            .filter_map(|n| match n.node.as_ref()? {
                N::String(s) => Some(s.sval.clone()),
                _ => None,
            })
            .collect();
        match parts.as_slice() {
            [] => None,
            [name] => Some(Name::new(None, name.clone())),
            [.., schema, name] => Some(Name::new(Some(schema.clone()), name.clone())),
        }
    };
    let range = |r: &pg_query::protobuf::RangeVar| {
        Name::new(
            (!r.schemaname.is_empty()).then(|| r.schemaname.clone()),
            r.relname.clone(),
        )
    };
    let named = |name: Name| -> NameWriter { Box::new(move |g| g.name(&name)) };
    let (kind, name, unsure): (&str, NameWriter, bool) = match node {
        N::CreateSchemaStmt(s) => {
            let schema = s.schemaname.clone();
            if !s.schema_elts.is_empty() || schema.is_empty() {
                return None;
            }
            (
                "SCHEMA",
                Box::new(move |g| g.ident(&schema)),
                s.if_not_exists,
            )
        }
        N::CreateExtensionStmt(s) => {
            let extension = s.extname.clone();
            (
                "EXTENSION",
                Box::new(move |g: &Gen| g.ident(&extension)),
                s.if_not_exists,
            )
        }
        N::CreateSeqStmt(s) => (
            "SEQUENCE",
            named(range(s.sequence.as_ref()?)),
            s.if_not_exists,
        ),
        N::CompositeTypeStmt(s) => ("TYPE", named(range(s.typevar.as_ref()?)), false),
        N::CreateEnumStmt(s) => ("TYPE", named(strings(&s.type_name)?), false),
        N::CreateRangeStmt(s) => ("TYPE", named(strings(&s.type_name)?), false),
        N::DefineStmt(s) if s.kind == ObjectType::ObjectType as i32 => {
            ("TYPE", named(strings(&s.defnames)?), s.if_not_exists)
        }
        N::CreateDomainStmt(s) => ("DOMAIN", named(strings(&s.domainname)?), false),
        N::CreateFunctionStmt(s) => {
            let kind = if s.is_procedure {
                "PROCEDURE"
            } else {
                "FUNCTION"
            };
            let name = strings(&s.funcname)?;
            if s.replace {
                return Some(Created::Unknown {
                    kind: kind.to_string(),
                    name: named(name),
                });
            }
            return pg_drop_routine(&s).map(Created::Statement);
        }
        N::CreateTrigStmt(s) => {
            if s.isconstraint && s.trigname.is_empty() {
                return None;
            }
            let trigger = s.trigname.clone();
            let table = range(s.relation.as_ref()?);
            (
                "TRIGGER",
                Box::new(move |g| format!("{} ON {}", g.ident(&trigger), g.name(&table))),
                s.replace,
            )
        }
        _ => return None,
    };
    let kind = kind.to_string();
    Some(if unsure {
        Created::Unknown { kind, name }
    } else {
        Created::Drop { kind, name }
    })
}

/// `DROP FUNCTION | PROCEDURE IF EXISTS name(argument types)` for a routine a statement
/// created: the argument types (not OUT or TABLE ones) tell overloads apart, written by
/// PostgreSQL's own deparser.
fn pg_drop_routine(create: &pg_query::protobuf::CreateFunctionStmt) -> Option<String> {
    use pg_query::protobuf::{
        node::Node as N, DropBehavior, DropStmt, FunctionParameterMode as Mode, Node, ObjectType,
        ObjectWithArgs, ParseResult, RawStmt,
    };
    let mut types = Vec::new();
    for parameter in &create.parameters {
        let Some(N::FunctionParameter(p)) = parameter.node.as_ref() else {
            return None;
        };
        let input = [
            Mode::FuncParamIn,
            Mode::FuncParamInout,
            Mode::FuncParamVariadic,
            Mode::FuncParamDefault,
        ]
        .iter()
        .any(|m| *m as i32 == p.mode);
        if input {
            types.push(Node {
                node: Some(N::TypeName(p.arg_type.clone()?)),
            });
        }
    }
    let drop = N::DropStmt(DropStmt {
        objects: vec![Node {
            node: Some(N::ObjectWithArgs(ObjectWithArgs {
                objname: create.funcname.clone(),
                objargs: types,
                objfuncargs: Vec::new(),
                args_unspecified: false,
            })),
        }],
        remove_type: if create.is_procedure {
            ObjectType::ObjectProcedure
        } else {
            ObjectType::ObjectFunction
        } as i32,
        behavior: DropBehavior::DropRestrict as i32,
        missing_ok: true,
        concurrent: false,
    });
    let tree = ParseResult {
        version: pg_query::parse("SELECT 1", 0).ok()?.protobuf.version,
        stmts: vec![RawStmt {
            stmt: Some(Box::new(Node { node: Some(drop) })),
            stmt_location: 0,
            stmt_len: 0,
        }],
    };
    let text = pg_query::deparse(&tree, Default::default()).ok()?;
    Some(format!("{};", text.trim_end_matches(';')))
}

/// The type a column is stored as: PostgreSQL's `serial` types are `integer`s with a
/// sequence default, and only the integer type can be named in `ALTER COLUMN … TYPE`.
fn storage_type(data_type: &str) -> &str {
    match data_type {
        "SERIAL" | "SERIAL4" => "INTEGER",
        "BIGSERIAL" | "SERIAL8" => "BIGINT",
        "SMALLSERIAL" | "SERIAL2" => "SMALLINT",
        other => other,
    }
}

/// Whether `table` has, as the replay knows it, an index whose leading columns are `columns`
/// (MySQL creates one for a foreign key otherwise). Unknown tables count as indexed: no index
/// is dropped on a guess.
fn indexed(catalog: &Catalog, table: &Name, columns: &[String]) -> bool {
    let Some(known) = catalog
        .table(table)
        .filter(|t| !t.uncertain && !t.maybe_gone)
    else {
        return true;
    };
    let key = catalog.folded(&table.name);
    let leading = |index_columns: &[String]| {
        index_columns.len() >= columns.len()
            && index_columns
                .iter()
                .zip(columns)
                .all(|(a, b)| catalog.folded(a) == catalog.folded(b))
    };
    let primary: Vec<String> = known
        .columns
        .iter()
        .filter(|c| c.spec.primary_key)
        .map(|c| c.spec.name.clone())
        .collect();
    (columns.len() == 1 && primary.len() == 1 && leading(&primary))
        || catalog
            .indexes()
            .any(|i| *i.table == *key && !i.maybe_gone && leading(&i.columns))
}

/// Whether the replay knows table `name` did not exist: it saw it dropped or renamed away. (The
/// schema before the set is unknown: a table no migration mentioned may have existed, so an
/// `IF NOT EXISTS` on it is never reversed by a drop.)
fn surely_missing_table(catalog: &Catalog, name: &Name) -> bool {
    catalog.table(name).is_none() && catalog.surely_missing_table(name)
}

/// `name` quoted if the dialect needs it: PostgreSQL quotes what is not a lower-case
/// identifier or is a key word other than an unreserved one (as `quote_ident` does); MySQL
/// back-quotes what is not a plain identifier or is a key word.
fn quote(mysql: bool, name: &str) -> String {
    if mysql {
        let plain = !name.is_empty()
            && name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '$')
            && !name.chars().all(|c| c.is_ascii_digit())
            && sqlparser::keywords::ALL_KEYWORDS
                .binary_search(&name.to_ascii_uppercase().as_str())
                .is_err();
        if plain {
            name.to_string()
        } else {
            format!("`{}`", name.replace('`', "``"))
        }
    } else {
        let simple = name
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_lowercase() || c == '_')
            && name
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '$');
        let plain = simple
            && pg_query::scan(name).is_ok_and(|scan| {
                scan.tokens.len() == 1
                    && scan.tokens[0].keyword_kind
                        <= pg_query::protobuf::KeywordKind::UnreservedKeyword as i32
            });
        if plain {
            name.to_string()
        } else {
            format!("\"{}\"", name.replace('"', "\"\""))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sql::analysis::analyze;
    use crate::sql::server::DialectSource;

    fn server(flavor: Flavor, version: &[u32]) -> Server {
        Server {
            flavor,
            version: version.to_vec(),
            version_configured: true,
            dialect_source: DialectSource::Config,
            unsupported: None,
        }
    }

    /// The undo script of `v` after the migrations `earlier`.
    fn undo(earlier: &[&str], v: &str, server: &Server) -> String {
        let dialect = server.dialect();
        let mut catalog = Catalog::new(dialect);
        for script in earlier {
            let file = analyze(script, dialect, None);
            for st in &file.statements {
                let range = st.range();
                catalog.apply_statement(
                    &st.parsed.op,
                    &script[range.start..range.end],
                    &Origin {
                        path: std::path::Path::new("V0__x.sql").into(),
                        migration: "0".into(),
                        range,
                    },
                );
            }
        }
        undo_script(&analyze(v, dialect, None), v, server, &catalog)
    }

    fn pg() -> Server {
        server(Flavor::Postgres, &[15])
    }

    #[test]
    fn reverses_in_reverse_order() {
        let mariadb = server(Flavor::MariaDb, &[10, 11]);
        let text = "CREATE TABLE lender (id BIGINT);\nCREATE INDEX idx_lender ON lender (id);\nALTER TABLE borrower ADD COLUMN rate INT, ADD CONSTRAINT fk_b FOREIGN KEY (rate) REFERENCES lender (id);\nUPDATE borrower SET rate = 1;";
        assert_eq!(
            undo(&[], text, &mariadb),
            "-- TODO flyway-lsp: cannot reverse automatically: UPDATE borrower SET rate = 1\nALTER TABLE borrower DROP FOREIGN KEY fk_b;\nALTER TABLE borrower DROP COLUMN IF EXISTS rate;\nDROP INDEX IF EXISTS idx_lender ON lender;\nDROP TABLE IF EXISTS lender;\n"
        );
        let text = "CREATE TABLE a (id bigint);\nALTER TABLE a RENAME COLUMN id TO key;\nCREATE INDEX a_key ON a (key);";
        assert_eq!(
            undo(&[], text, &pg()),
            "DROP INDEX IF EXISTS a_key;\nALTER TABLE a RENAME COLUMN key TO id;\nDROP TABLE IF EXISTS a;\n"
        );
        assert_eq!(
            undo(&[], "CREATE INDEX CONCURRENTLY ix ON app.t (a);", &pg()),
            "DROP INDEX CONCURRENTLY IF EXISTS app.ix;\n"
        );
        // Rows written into a table the file creates go with it; others are a TODO.
        assert_eq!(
            undo(&[], "CREATE TABLE s (id int);\nINSERT INTO s VALUES (1);\nINSERT INTO o VALUES (1);", &pg()),
            "-- TODO flyway-lsp: cannot reverse automatically: INSERT INTO o VALUES (1)\nDROP TABLE IF EXISTS s;\n"
        );
    }

    #[test]
    fn what_existed_before_is_never_dropped() {
        let v1 = "CREATE TABLE t (id int, name text);\nCREATE INDEX t_name ON t (name);";
        assert_eq!(
            undo(&[v1], "CREATE TABLE IF NOT EXISTS t (id int);", &pg()),
            "-- t existed before this migration (CREATE TABLE IF NOT EXISTS): nothing to undo\n"
        );
        assert_eq!(
            undo(&[v1], "ALTER TABLE t ADD COLUMN IF NOT EXISTS name text, ADD COLUMN IF NOT EXISTS extra int;", &pg()),
            "ALTER TABLE t DROP COLUMN IF EXISTS extra;\n-- column name of t existed before this migration (ADD COLUMN IF NOT EXISTS): nothing to undo\n"
        );
        assert_eq!(
            undo(&[v1], "CREATE INDEX IF NOT EXISTS t_name ON t (name);\nCREATE INDEX IF NOT EXISTS t_id ON t (id);", &pg()),
            "DROP INDEX IF EXISTS t_id;\n-- index t_name existed before this migration (CREATE INDEX IF NOT EXISTS): nothing to undo\n"
        );
        // In one statement: the default of a column that existed is restored, of a new one not.
        assert_eq!(
            undo(&[v1], "ALTER TABLE t ADD COLUMN IF NOT EXISTS name text DEFAULT 'a', ALTER COLUMN name SET DEFAULT 'b', ADD COLUMN c int, ALTER COLUMN c SET DEFAULT 1;", &pg()),
            "ALTER TABLE t DROP COLUMN IF EXISTS c;\nALTER TABLE t ALTER COLUMN name DROP DEFAULT;\n-- column name of t existed before this migration (ADD COLUMN IF NOT EXISTS): nothing to undo\n"
        );
        // The schema before the set is unknown: a table no migration mentioned may have existed
        // (a baseline, tables made by hand), so IF NOT EXISTS on it is never undone by a drop,
        // even in a set whose tables the set itself created.
        for before in [&[][..], &[v1][..]] {
            let out = undo(
                before,
                "CREATE TABLE IF NOT EXISTS users (id int);\nINSERT INTO users VALUES (1);",
                &pg(),
            );
            assert!(!out.contains("DROP TABLE"), "{out}");
            assert!(
                out.contains("TODO flyway-lsp: drop table users only if"),
                "{out}"
            );
        }
        // A table the replay does not know: it may have existed, so no drop is guessed.
        let out = undo(
            &["ALTER TABLE outside ADD COLUMN a int;"],
            "CREATE TABLE IF NOT EXISTS other (id int);\nALTER TABLE outside ADD COLUMN IF NOT EXISTS b int;\nCREATE INDEX IF NOT EXISTS o_b ON outside (b);",
            &pg(),
        );
        assert_eq!(out.lines().count(), 3, "{out}");
        assert!(
            out.lines()
                .all(|l| l.starts_with("-- TODO flyway-lsp: drop ")),
            "{out}"
        );
    }

    #[test]
    fn previous_states_are_restored() {
        let v1 =
            "CREATE TABLE t (id int NOT NULL, price numeric(10,2) DEFAULT 0, note varchar(20));";
        assert_eq!(
            undo(
                &[v1],
                "ALTER TABLE t ALTER COLUMN note TYPE text;\nALTER TABLE t ALTER COLUMN price SET DEFAULT 1, ALTER COLUMN note SET DEFAULT 'x';\nALTER TABLE t ALTER COLUMN price DROP DEFAULT;\nALTER TABLE t ALTER COLUMN id DROP NOT NULL, ALTER COLUMN note SET NOT NULL;",
                &pg()
            ),
            "ALTER TABLE t ALTER COLUMN note DROP NOT NULL;\nALTER TABLE t ALTER COLUMN id SET NOT NULL;\nALTER TABLE t ALTER COLUMN price SET DEFAULT 1;\nALTER TABLE t ALTER COLUMN note DROP DEFAULT;\nALTER TABLE t ALTER COLUMN price SET DEFAULT 0;\nALTER TABLE t ALTER COLUMN note TYPE VARCHAR(20) USING note::VARCHAR(20);\n"
        );
        // A serial column is stored as an integer.
        assert_eq!(
            undo(
                &["CREATE TABLE s (id serial);"],
                "ALTER TABLE s ALTER COLUMN id TYPE bigint;",
                &pg()
            ),
            "ALTER TABLE s ALTER COLUMN id TYPE INTEGER USING id::INTEGER;\n"
        );
        // Unknown before: said, never guessed.
        let out = undo(&[], "ALTER TABLE x ALTER COLUMN a SET DEFAULT 1;\nALTER TABLE x ALTER COLUMN a TYPE bigint;", &pg());
        assert_eq!(
            out,
            "-- TODO flyway-lsp: restore the type column a of x had before this migration\n-- TODO flyway-lsp: restore the default column a of x had before this migration\n"
        );
        // MySQL: MODIFY / CHANGE put back with the old definition (`Items` is back-quoted: a
        // key word to sqlparser, so quoted to be safe).
        let mariadb = server(Flavor::MariaDb, &[10, 11]);
        assert_eq!(
            undo(
                &["CREATE TABLE `Items` (id INT NOT NULL, Label VARCHAR(10) DEFAULT 'a');"],
                "ALTER TABLE Items MODIFY Label VARCHAR(50) NOT NULL;\nALTER TABLE Items CHANGE Label title VARCHAR(50);",
                &mariadb
            ),
            "ALTER TABLE `Items` CHANGE title Label VARCHAR(50) NOT NULL;\nALTER TABLE `Items` CHANGE Label Label VARCHAR(10) NULL DEFAULT 'a';\n"
        );
        // A comment or character set the replay does not keep: said, not lost.
        assert_eq!(
            undo(
                &["CREATE TABLE t (a VARCHAR(10) CHARACTER SET latin1 COMMENT 'x');"],
                "ALTER TABLE t MODIFY a VARCHAR(50);",
                &mariadb
            ),
            "-- TODO flyway-lsp: restore the definition column a of t had before this migration\n"
        );
    }

    #[test]
    fn names_are_quoted_as_needed_and_qualified_as_written() {
        let out = undo(
            &["CREATE SCHEMA app;"],
            "CREATE TABLE app.\"Orders\" (\"Id\" int, \"select\" int);\nCREATE UNIQUE INDEX \"Orders_Id\" ON app.\"Orders\" (\"Id\");\nALTER TABLE app.\"Orders\" RENAME TO \"Order Items\";",
            &pg(),
        );
        assert_eq!(
            out,
            "ALTER TABLE app.\"Order Items\" RENAME TO \"Orders\";\nDROP INDEX IF EXISTS app.\"Orders_Id\";\nDROP TABLE IF EXISTS app.\"Orders\";\n"
        );
        // MySQL keeps the case a table name was written in (it is case-sensitive on Linux) and
        // back-quotes only what needs it.
        let mysql = server(Flavor::MySql, &[8, 0, 35]);
        assert_eq!(
            undo(
                &[],
                "CREATE TABLE shop.AlertVO (id INT, `order` INT, `my col` INT);\nCREATE INDEX ix ON shop.AlertVO (id);\nALTER TABLE shop.AlertVO ADD COLUMN Extra INT;",
                &mysql
            ),
            "ALTER TABLE shop.AlertVO DROP COLUMN Extra;\nDROP INDEX ix ON shop.AlertVO;\nDROP TABLE IF EXISTS shop.AlertVO;\n"
        );
        assert_eq!(quote(true, "order"), "`order`");
        assert_eq!(quote(true, "my`col"), "`my``col`");
        assert_eq!(quote(false, "user"), "\"user\"");
        assert_eq!(quote(false, "name"), "name");
        assert_eq!(quote(false, "Name"), "\"Name\"");
    }

    #[test]
    fn dialect_and_version_decide_the_syntax() {
        let v1 = "CREATE TABLE t (id INT NOT NULL, a INT);";
        let v2 = "ALTER TABLE t ADD COLUMN b INT;\nALTER TABLE t RENAME COLUMN a TO c;";
        assert_eq!(
            undo(&[v1], v2, &server(Flavor::MySql, &[5, 7])),
            "ALTER TABLE t CHANGE c a INT NULL;\nALTER TABLE t DROP COLUMN b;\n"
        );
        // MySQL indexes a foreign key's columns under the key's name when no index does.
        assert_eq!(
            undo(
                &["CREATE TABLE c (id INT PRIMARY KEY, p INT, q INT, KEY c_q (q));"],
                "ALTER TABLE c ADD CONSTRAINT fk_p FOREIGN KEY (p) REFERENCES c (id), ADD CONSTRAINT fk_q FOREIGN KEY (q) REFERENCES c (id);",
                &server(Flavor::MySql, &[8, 0])
            ),
            "ALTER TABLE c DROP FOREIGN KEY fk_q;\nALTER TABLE c DROP FOREIGN KEY fk_p;\nDROP INDEX fk_p ON c;\n"
        );
        assert_eq!(
            undo(&[v1], v2, &server(Flavor::MySql, &[8, 0])),
            "ALTER TABLE t RENAME COLUMN c TO a;\nALTER TABLE t DROP COLUMN b;\n"
        );
        assert_eq!(
            undo(&[v1], v2, &server(Flavor::MariaDb, &[10, 4])),
            "ALTER TABLE t CHANGE c a INT NULL;\nALTER TABLE t DROP COLUMN IF EXISTS b;\n"
        );
    }

    #[test]
    fn other_objects_are_dropped_when_created_here() {
        assert_eq!(
            undo(&[], "CREATE EXTENSION pgcrypto;\nCREATE EXTENSION IF NOT EXISTS citext;\nVACUUM ANALYZE t;", &pg()),
            "-- TODO flyway-lsp: drop extension citext if this migration created it, else restore its previous definition (IF NOT EXISTS / OR REPLACE: it may have existed before)\nDROP EXTENSION IF EXISTS pgcrypto;\n"
        );
        let v = "BEGIN;\nSET lock_timeout = '1s';\nCREATE SCHEMA billing;\nCREATE SEQUENCE billing.seq;\nCREATE TYPE mood AS ENUM ('a');\nCREATE FUNCTION f() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;\nCREATE TRIGGER trg BEFORE INSERT ON t FOR EACH ROW EXECUTE FUNCTION f();\nCREATE VIEW v AS SELECT 1;\nALTER TABLE t VALIDATE CONSTRAINT c;\nCREATE OR REPLACE FUNCTION g() RETURNS int LANGUAGE sql AS 'SELECT 1';\nCREATE SEQUENCE IF NOT EXISTS s2;\nCOMMENT ON TABLE t IS 'x';\nCOMMIT;";
        assert_eq!(
            undo(&["CREATE TABLE t (id int);"], v, &pg()),
            "-- TODO flyway-lsp: cannot reverse automatically: COMMENT ON TABLE t IS 'x'\n-- TODO flyway-lsp: drop sequence s2 if this migration created it, else restore its previous definition (IF NOT EXISTS / OR REPLACE: it may have existed before)\n-- TODO flyway-lsp: drop function g if this migration created it, else restore its previous definition (IF NOT EXISTS / OR REPLACE: it may have existed before)\nDROP VIEW IF EXISTS v;\nDROP TRIGGER IF EXISTS trg ON t;\nDROP FUNCTION IF EXISTS f();\nDROP TYPE IF EXISTS mood;\nDROP SEQUENCE IF EXISTS billing.seq;\nDROP SCHEMA IF EXISTS billing;\n"
        );
        // Overloads are told apart by their input argument types.
        assert_eq!(
            undo(&[], "CREATE FUNCTION app.h(a int, OUT b text, VARIADIC c int[]) LANGUAGE sql AS 'SELECT 1';\nCREATE PROCEDURE \"P\"(x varchar(3) DEFAULT 'a') LANGUAGE sql AS 'SELECT 1';", &pg()),
            "DROP PROCEDURE IF EXISTS \"P\"(varchar(3));\nDROP FUNCTION IF EXISTS app.h(int, int[]);\n"
        );
        let v = "DELIMITER $$\nCREATE DEFINER=`root`@`%` PROCEDURE `Add_Col`()\nBEGIN\n  SELECT 1;\nEND $$\nCREATE TRIGGER trg BEFORE INSERT ON t FOR EACH ROW SET NEW.id = 1$$\nDELIMITER ;\nCREATE VIEW V1 AS SELECT 1;\nCREATE OR REPLACE VIEW v2 AS SELECT 2;";
        assert_eq!(
            undo(&[], v, &server(Flavor::MariaDb, &[10, 11])),
            "-- TODO flyway-lsp: restore the previous definition of view v2, or drop it if this migration created it\nDROP VIEW IF EXISTS V1;\nDROP TRIGGER IF EXISTS trg;\nDROP PROCEDURE IF EXISTS Add_Col;\n"
        );
    }
}
