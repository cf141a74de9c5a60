//! What a statement does, in the engine's own terms. Rules and the schema model read these facts;
//! they are built from sqlparser's syntax tree where it parses the statement, and from tokens
//! for the constructs it cannot parse (see `parse.rs`), so the rules never depend on one parser.

use std::fmt;

/// A possibly schema-qualified object name, case-folded for comparison. Its parts are shared
/// (`Arc<str>`): a copy costs no allocation, and the catalog keeps an index's name as written
/// in its statement.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Name {
    pub schema: Option<std::sync::Arc<str>>,
    pub name: std::sync::Arc<str>,
}

impl Name {
    pub fn new(schema: Option<String>, name: impl Into<String>) -> Name {
        Name {
            schema: schema.map(Into::into),
            name: name.into().into(),
        }
    }

    /// The name without its schema, for matching names written with and without one.
    pub fn unqualified(&self) -> &str {
        &self.name
    }
}

impl fmt::Display for Name {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.schema {
            Some(schema) => write!(f, "{schema}.{}", self.name),
            None => f.write_str(&self.name),
        }
    }
}

/// A data type as the facts keep it: upper-cased outside quotes, so `ENUM('a', 'B')` keeps its
/// labels (the type is compared without regard to case; a label is a value).
pub fn type_text(written: &str) -> String {
    let mut out = String::with_capacity(written.len());
    let mut quote = None;
    for c in written.chars() {
        match quote {
            Some(q) if c == q => quote = None,
            Some(_) => {}
            None if matches!(c, '\'' | '"' | '`') => quote = Some(c),
            None => {
                out.extend(c.to_uppercase());
                continue;
            }
        }
        out.push(c);
    }
    out
}

/// The integer type a serial type is stored as (`SERIAL` → `INTEGER`); `None` for other types.
/// PostgreSQL's `serial` columns are integers whose default takes the next value of a sequence
/// the column owns.
pub fn serial_storage_type(data_type: &str) -> Option<&'static str> {
    match data_type {
        "SERIAL" | "SERIAL4" => Some("INTEGER"),
        "BIGSERIAL" | "SERIAL8" => Some("BIGINT"),
        "SMALLSERIAL" | "SERIAL2" => Some("SMALLINT"),
        _ => None,
    }
}

/// A column as defined in CREATE TABLE or ADD COLUMN.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ColumnSpec {
    pub name: String,
    /// The data type as written, upper-cased outside quotes (`VARCHAR(255)`, `ENUM('a')`).
    pub data_type: String,
    pub not_null: bool,
    /// The DEFAULT expression as written.
    pub default: Option<String>,
    pub primary_key: bool,
    pub unique: bool,
    /// Boxed, like `placed`: rare, and a large folder's catalog holds hundreds of thousands
    /// of columns.
    pub references: Option<Box<Name>>,
    /// Identity, AUTO_INCREMENT, serial or generated: the database fills it in.
    pub generated: bool,
    /// The definition has options these facts do not keep (MySQL `CHARACTER SET`, `COLLATE`,
    /// `COMMENT`, `ON UPDATE`, a `CHECK`…): a column rebuilt from them would lose those.
    pub unmodelled_options: bool,
    /// MySQL `FIRST` / `AFTER c` of the `ADD COLUMN`, `CHANGE` or `MODIFY` that wrote it.
    pub placed: Option<Box<ColumnPosition>>,
}

/// Where MySQL's `FIRST` / `AFTER c` puts a column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ColumnPosition {
    First,
    After(String),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConstraintKind {
    PrimaryKey,
    Unique,
    ForeignKey,
    Check,
    /// MySQL `INDEX` / `KEY` in a table definition or `ADD INDEX`.
    Index,
    Exclude,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConstraintSpec {
    pub kind: ConstraintKind,
    pub name: Option<String>,
    pub columns: Vec<String>,
    pub references: Option<Name>,
    /// `PRIMARY KEY USING INDEX` / `UNIQUE USING INDEX`: built from an existing index.
    pub using_index: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AlterAction {
    AddColumn {
        /// Shared with the catalog's column it makes.
        column: std::sync::Arc<ColumnSpec>,
        if_not_exists: bool,
    },
    DropColumn {
        names: Vec<String>,
        if_exists: bool,
    },
    RenameColumn {
        from: String,
        to: String,
    },
    RenameTo {
        to: Name,
    },
    SetNotNull {
        column: String,
    },
    DropNotNull {
        column: String,
    },
    SetDefault {
        column: String,
        default: String,
    },
    DropDefault {
        column: String,
    },
    SetType {
        column: String,
        data_type: String,
    },
    /// MySQL `CHANGE old new TYPE …` and `MODIFY col TYPE …` (then `from == column.name`).
    ChangeColumn {
        from: String,
        column: ColumnSpec,
    },
    AddConstraint {
        constraint: ConstraintSpec,
        not_valid: bool,
    },
    DropConstraint {
        name: String,
        if_exists: bool,
    },
    ValidateConstraint {
        name: String,
    },
    DropPrimaryKey,
    DropForeignKey {
        name: String,
    },
    /// MySQL `ALTER TABLE … DROP INDEX name`.
    DropIndex {
        name: String,
    },
    /// MySQL `CONVERT TO CHARACTER SET`.
    ConvertCharset,
    /// MySQL `ALGORITHM=…` (upper-cased value).
    Algorithm(String),
    /// MySQL `LOCK=…` (upper-cased value).
    Lock(String),
    Other(String),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DmlKind {
    Insert,
    Update,
    Delete,
    Merge,
    Copy,
    Select,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TransactionControl {
    Begin,
    Commit,
    Rollback,
}

/// What a statement does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Op {
    // The large variants keep their payloads boxed so `Op` stays at 56 bytes: a big
    // migration folder has hundreds of thousands of statements, mostly small DML.
    CreateTable {
        table: Box<Name>,
        if_not_exists: bool,
        /// MariaDB `CREATE OR REPLACE TABLE`: an existing table of the name is dropped first.
        or_replace: bool,
        temporary: bool,
        /// Shared with the catalog's columns they make (a large folder's catalog holds
        /// hundreds of thousands).
        columns: Vec<std::sync::Arc<ColumnSpec>>,
        constraints: Box<Vec<ConstraintSpec>>,
        as_query: bool,
    },
    CreateIndex {
        /// Boxed to keep `Op` small (statements are many).
        name: Option<Box<Name>>,
        /// Shared between the statements of a file that name the same table (a large folder's
        /// migrations create many indexes on the table each one creates).
        table: std::sync::Arc<Name>,
        unique: bool,
        concurrently: bool,
        if_not_exists: bool,
        /// Shared with the catalog's index it makes.
        columns: std::sync::Arc<[String]>,
        /// MySQL `ALGORITHM=` / `LOCK=` options; `None` when there are none (nearly always:
        /// an empty boxed list would still be an allocation per statement).
        options: Option<Box<Vec<AlterAction>>>,
    },
    DropIndex {
        names: Vec<Name>,
        /// MySQL `DROP INDEX name ON table`.
        table: Option<Box<Name>>,
        concurrently: bool,
        if_exists: bool,
        /// As `CreateIndex`'s.
        options: Option<Box<Vec<AlterAction>>>,
    },
    AlterTable {
        table: Box<Name>,
        if_exists: bool,
        actions: std::sync::Arc<[AlterAction]>,
    },
    DropTable {
        names: Vec<Name>,
        if_exists: bool,
    },
    DropView {
        names: Vec<Name>,
        if_exists: bool,
    },
    /// DROP SCHEMA / DROP DATABASE.
    DropSchema {
        names: Vec<Name>,
        if_exists: bool,
    },
    DropOther {
        object: Box<str>,
        names: Vec<Name>,
        if_exists: bool,
    },
    Truncate {
        tables: Vec<Name>,
    },
    /// MySQL `RENAME TABLE a TO b, …`.
    RenameTable {
        pairs: Vec<(Name, Name)>,
    },
    CreateView {
        name: Box<Name>,
    },
    AlterTypeAddValue {
        type_name: Box<Name>,
        if_not_exists: bool,
    },
    Transaction(TransactionControl),
    /// `SET name = value` (name lower-cased, value as written).
    Set {
        name: Box<str>,
        value: Box<str>,
    },
    Dml {
        kind: DmlKind,
        /// Shared between the statements of a file that target the same table (seed files
        /// have thousands of `INSERT INTO t …`).
        table: Option<std::sync::Arc<Name>>,
    },
    /// CREATE FUNCTION / PROCEDURE / TRIGGER / EVENT, DO blocks.
    Routine,
    Vacuum,
    Reindex {
        concurrently: bool,
        /// `SCHEMA`, `DATABASE` or `SYSTEM`: PostgreSQL refuses these in a transaction block.
        whole: bool,
        /// Flyway's PostgreSQL parser runs it outside a transaction: only
        /// `REINDEX [VERBOSE] SCHEMA|DATABASE|SYSTEM`, without an options list.
        flyway_outside: bool,
    },
    /// Anything else (GRANT, COMMENT, CREATE EXTENSION, …); the first key words for messages.
    Other {
        keywords: String,
    },
}

impl Op {
    /// Data definition (as opposed to data manipulation, transaction control and settings).
    pub fn is_ddl(&self) -> bool {
        !matches!(
            self,
            Op::Dml { .. } | Op::Transaction(_) | Op::Set { .. } | Op::Other { .. }
        )
    }

    pub fn is_dml(&self) -> bool {
        matches!(self, Op::Dml { kind, .. } if *kind != DmlKind::Select)
    }

    /// The tables this statement changes or reads as its target.
    pub fn tables(&self) -> Vec<&Name> {
        match self {
            Op::CreateTable { table, .. } | Op::AlterTable { table, .. } => vec![&**table],
            Op::CreateIndex { table, .. } => vec![&**table],
            Op::DropIndex { table, .. } => table.iter().map(|t| &**t).collect(),
            Op::DropTable { names, .. } => names.iter().collect(),
            Op::Truncate { tables } => tables.iter().collect(),
            Op::RenameTable { pairs } => pairs.iter().map(|(from, _)| from).collect(),
            Op::Dml { table, .. } => table.iter().map(|t| &**t).collect(),
            _ => Vec::new(),
        }
    }
}

impl Op {
    /// Calls `f` on every object name in the facts (tables, indexes, references, …).
    pub fn for_each_name_mut(&mut self, f: &mut dyn FnMut(&mut Name)) {
        fn column(c: &mut ColumnSpec, f: &mut dyn FnMut(&mut Name)) {
            if let Some(r) = &mut c.references {
                f(r);
            }
        }
        fn constraint(c: &mut ConstraintSpec, f: &mut dyn FnMut(&mut Name)) {
            if let Some(r) = &mut c.references {
                f(r);
            }
        }
        match self {
            Op::CreateTable {
                table,
                columns,
                constraints,
                ..
            } => {
                f(table);
                columns
                    .iter_mut()
                    .for_each(|c| column(std::sync::Arc::make_mut(c), f));
                constraints.iter_mut().for_each(|c| constraint(c, f));
            }
            Op::CreateIndex { name, table, .. } => {
                if let Some(n) = name {
                    f(n);
                }
                f(std::sync::Arc::make_mut(table));
            }
            Op::DropIndex { names, table, .. } => {
                names.iter_mut().for_each(&mut *f);
                if let Some(t) = table {
                    f(t);
                }
            }
            Op::AlterTable { table, actions, .. } => {
                f(table);
                for action in std::sync::Arc::make_mut(actions).iter_mut() {
                    match action {
                        AlterAction::AddColumn { column: c, .. } => {
                            column(std::sync::Arc::make_mut(c), f)
                        }
                        AlterAction::ChangeColumn { column: c, .. } => column(c, f),
                        AlterAction::AddConstraint { constraint: c, .. } => constraint(c, f),
                        AlterAction::RenameTo { to } => f(to),
                        _ => {}
                    }
                }
            }
            Op::DropTable { names, .. }
            | Op::DropView { names, .. }
            | Op::DropSchema { names, .. }
            | Op::DropOther { names, .. }
            | Op::Truncate { tables: names } => names.iter_mut().for_each(&mut *f),
            Op::RenameTable { pairs } => {
                for (a, b) in pairs {
                    f(a);
                    f(b);
                }
            }
            Op::CreateView { name } => f(name),
            Op::AlterTypeAddValue { type_name, .. } => f(type_name),
            Op::Dml { table: Some(t), .. } => f(std::sync::Arc::make_mut(t)),
            _ => {}
        }
    }
}
