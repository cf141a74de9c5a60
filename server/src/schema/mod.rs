//! The schema model: every migration's DDL replayed in version order into an in-memory catalog
//! of tables, columns and indexes, each with the migration that created it.
//!
//! Conservative by design: a statement the model cannot follow (an unparsed ALTER TABLE, a
//! routine, dynamic SQL) marks the tables it may touch as uncertain, so no "does not exist" or
//! "already exists" is reported on a guess. Dynamic code (routines, `DO` blocks, `PREPARE`)
//! may touch the names written in it, string literals included; only when it builds names the
//! text does not show (`EXECUTE format('… %I', t)`, `CONCAT(…, v)`) and nothing tells which
//! does the whole catalog become uncertain. A routine that builds names from its arguments
//! touches the names written in each call.
//!
//! The schema before the first migration of a set is unknown, not empty: a baseline, a restored
//! dump, a Java migration or a hand-made table may have created anything. So a table is known to
//! be missing only when the replay saw it go (dropped, or renamed away); a table that is used
//! without any earlier `CREATE TABLE` existed before. A migration whose effect cannot be read (a
//! Java or Kotlin migration) is [`Catalog::forget`]: any table may exist or be gone after it.

mod indexes;
mod tracked;

pub use tracked::{key_hash, Part};
use tracked::{Flag, Tracked};

use crate::diagnostic::TextRange;
use crate::sql::facts::{AlterAction, ColumnSpec, ConstraintKind, Name, Op};

/// The migration objects were defined or changed in: one per migration, shared by the
/// origins of everything it made (a large folder's catalog holds hundreds of thousands).
#[derive(Debug, PartialEq, Eq)]
pub struct OriginFile {
    pub path: std::sync::Arc<std::path::Path>,
    /// The migration's version or description (for repeatables), as shown to users.
    pub migration: std::sync::Arc<str>,
}

impl OriginFile {
    pub fn new(
        path: impl Into<std::sync::Arc<std::path::Path>>,
        migration: impl Into<std::sync::Arc<str>>,
    ) -> std::sync::Arc<OriginFile> {
        std::sync::Arc::new(OriginFile {
            path: path.into(),
            migration: migration.into(),
        })
    }
}

/// Where an object was defined or changed: its migration (shared) and the statement's range,
/// as `u32` offsets like statements keep it (16 bytes: tables, columns and indexes have one).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Origin {
    pub file: std::sync::Arc<OriginFile>,
    start: u32,
    end: u32,
}

impl Origin {
    /// The origin `range` in `file` (offsets saturate past 4 GiB, as a statement's do).
    pub fn new(file: &std::sync::Arc<OriginFile>, range: TextRange) -> Origin {
        let clamp = |v: usize| u32::try_from(v).unwrap_or(u32::MAX);
        Origin {
            file: std::sync::Arc::clone(file),
            start: clamp(range.start),
            end: clamp(range.end),
        }
    }

    pub fn path(&self) -> &std::path::Path {
        &self.file.path
    }

    /// The migration's version or description, as shown to users.
    pub fn migration(&self) -> &str {
        &self.file.migration
    }

    pub fn range(&self) -> TextRange {
        TextRange::new(self.start as usize, self.end as usize)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Column {
    /// Shared with the statement facts that made it (changed copy-on-write).
    pub spec: std::sync::Arc<ColumnSpec>,
    pub origin: Origin,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Table {
    pub name: Name,
    /// In table order; change them through the methods, which keep the name index in step.
    /// Each shared: a table is copied when a migration changes it, and the copy (kept by the
    /// migration's record and the catalog) shares the columns it did not change.
    pub columns: Vec<std::sync::Arc<Column>>,
    pub origin: Origin,
    pub changed_by: Vec<Origin>,
    /// Something happened to it that the model could not follow.
    pub uncertain: bool,
    /// MySQL: the table's default character set, lower-cased, when a statement says it
    /// (`DEFAULT CHARSET=utf8`, `CONVERT TO CHARACTER SET utf8mb4`).
    pub charset: Option<String>,
    /// A migration the model cannot read ran after it was created: it may be gone.
    pub maybe_gone: bool,
    /// The primary key's columns in key order (empty: none known).
    pub primary_key: Vec<String>,
    /// Foreign keys as the replay saw them added: name (when written) and columns.
    pub foreign_keys: Vec<(Option<String>, Vec<String>)>,
    /// The columns of the indexes the catalog keeps under no name: an unnamed `CREATE INDEX`,
    /// `UNIQUE` constraint or `UNIQUE` column (PostgreSQL names them itself). Never removed
    /// (a drop of the name PostgreSQL chose is not followed): an index here may be gone.
    pub unnamed_indexes: Vec<Vec<String>>,
    /// Column name (folded as the catalog folds) → position in `columns`, for a wide table
    /// only (over [`Table::MAP_FROM`] columns); a narrow one is searched in order, which costs
    /// less than the map every copy of the table would hold. Its keys shared between copies.
    /// Boxed: a pointer in every table, where most have none. Hashed with foldhash: a
    /// migration adding columns to a wide table inserts into it once per column (SipHash was
    /// 2 % of a re-check of a 2,000-line migration of `ADD COLUMN`s).
    #[allow(clippy::box_collection)]
    positions: Option<Box<foldhash::HashMap<std::sync::Arc<str>, usize>>>,
    /// Column names compare without regard to case (MySQL, MariaDB).
    fold: bool,
}

impl Table {
    /// The column count from which a table keeps a map of its column names.
    const MAP_FROM: usize = 24;

    pub fn column(&self, name: &str) -> Option<&Column> {
        self.position(name).map(|i| &*self.columns[i])
    }

    fn column_mut(&mut self, name: &str) -> Option<&mut Column> {
        self.position(name)
            .map(|i| std::sync::Arc::make_mut(&mut self.columns[i]))
    }

    /// The position of column `name` (of the last column of the name, as the map keeps it).
    fn position(&self, name: &str) -> Option<usize> {
        let name = fold(self.fold, name);
        match &self.positions {
            Some(map) => map.get(&*name).copied(),
            None => self
                .columns
                .iter()
                .rposition(|c| same_name(self.fold, &c.spec.name, &name)),
        }
    }

    fn reindex(&mut self) {
        self.positions = (self.columns.len() > Self::MAP_FROM).then(|| {
            Box::new(
                self.columns
                    .iter()
                    .enumerate()
                    .map(|(i, c)| (fold(self.fold, &c.spec.name).into(), i))
                    .collect(),
            )
        });
    }

    fn push_column(&mut self, column: Column) {
        tracked::make_room_for_one(&mut self.columns);
        self.columns.push(std::sync::Arc::new(column));
        match &mut self.positions {
            Some(map) => {
                let column = &self.columns[self.columns.len() - 1];
                map.insert(
                    fold(self.fold, &column.spec.name).into(),
                    self.columns.len() - 1,
                );
            }
            None if self.columns.len() > Self::MAP_FROM => self.reindex(),
            None => {}
        }
    }

    /// Moves column `name` where MySQL's `FIRST` / `AFTER c` puts it; `false` when `c` is not
    /// known (the order then is not).
    fn place(&mut self, name: &str, position: &crate::sql::facts::ColumnPosition) -> bool {
        let Some(from) = self.position(name) else {
            return false;
        };
        let column = self.columns.remove(from);
        let to = match position {
            crate::sql::facts::ColumnPosition::First => Some(0),
            crate::sql::facts::ColumnPosition::After(after) => self
                .columns
                .iter()
                .position(|c| fold(self.fold, &c.spec.name) == fold(self.fold, after))
                .map(|i| i + 1),
        };
        let placed = to.is_some();
        self.columns.insert(to.unwrap_or(from), column);
        self.reindex();
        placed
    }

    /// Replaces column `from` (renamed or redefined).
    fn replace_column(&mut self, from: &str, spec: ColumnSpec) {
        let Some(i) = self.position(from) else {
            return;
        };
        if let Some(map) = &mut self.positions {
            map.remove(&*fold(self.fold, from));
            map.insert(fold(self.fold, &spec.name).into(), i);
        }
        std::sync::Arc::make_mut(&mut self.columns[i]).spec = std::sync::Arc::new(spec);
    }
}

/// Whether column name `written` is `folded` (a name [`fold`] made) as the catalog compares
/// names, without making a folded copy of `written`.
fn same_name(fold_case: bool, written: &str, folded: &str) -> bool {
    if !fold_case {
        written == folded
    } else if written.is_ascii() && folded.is_ascii() {
        written.eq_ignore_ascii_case(folded)
    } else {
        fold(true, written) == folded
    }
}

/// Whether a named constraint of `kind` makes an index of its name: `UNIQUE` and an index
/// written in the table always; a foreign key only on MySQL and MariaDB (`fold`), which back it
/// with an index of the constraint's name. A PostgreSQL foreign key is a constraint of its
/// table and no relation: a later `CREATE INDEX` of its name is legal.
fn names_an_index(kind: ConstraintKind, fold: bool) -> bool {
    match kind {
        ConstraintKind::Index | ConstraintKind::Unique => true,
        ConstraintKind::ForeignKey => fold,
        _ => false,
    }
}

/// A name as the catalog compares it: lower-cased when `fold` (MySQL), else as given (the
/// parser already folded unquoted PostgreSQL names, and quoted ones keep their case there).
fn fold(fold: bool, name: &str) -> std::borrow::Cow<'_, str> {
    if fold && (!name.is_ascii() || name.bytes().any(|b| b.is_ascii_uppercase())) {
        std::borrow::Cow::Owned(name.to_lowercase())
    } else {
        std::borrow::Cow::Borrowed(name)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Index {
    /// Shared with the catalog's key where folding leaves it as written (a large folder has
    /// hundreds of thousands of indexes).
    pub name: std::sync::Arc<str>,
    /// The table's key, shared with the catalog's.
    pub table: std::sync::Arc<str>,
    /// Shared with the statement that made it (a large folder has hundreds of thousands).
    pub columns: std::sync::Arc<[String]>,
    pub unique: bool,
    /// MySQL's index for a foreign key, of the key's name (its own unless another index
    /// begins with the key's columns).
    pub foreign_key: bool,
    pub origin: Origin,
    /// A migration the model cannot read ran after it was created: it may be gone.
    pub maybe_gone: bool,
}

/// The value of one catalog key (see [`Catalog::value`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value {
    Table(Option<std::sync::Arc<Table>>),
    Index(Option<std::sync::Arc<Index>>),
    /// Whether a set holds the key.
    Present(bool),
    /// A table known missing (`Some`), with the schema its drop or rename wrote.
    /// (This and `Text` boxed: a value is 16 bytes, and a large folder's records hold
    /// hundreds of thousands, almost all tables and indexes.)
    Gone(Option<Box<Option<String>>>),
    Text(Option<Box<String>>),
    Flag(bool),
}

/// One key a migration's replay changed, and the value it left.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Effect {
    pub part: Part,
    /// Shared with the catalog's own key where the key is present (a large folder's records
    /// name hundreds of thousands of keys).
    pub key: std::sync::Arc<str>,
    pub value: Value,
}

/// What checking and replaying one migration read from the catalog and changed in it (from a
/// journal): when none of the keys it read has another value in a later run, its findings and
/// effects are the same, and [`Catalog::apply_effects`] replays it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Record {
    /// Hashes of the keys read or written (sorted, without duplicates); shared, so that a
    /// run's per-file results keep them beside each other.
    pub reads: std::sync::Arc<[u32]>,
    /// The parts read whole (one bit per [`Part`]).
    pub whole: u16,
    /// The keys whose value it changed.
    pub effects: Box<[Effect]>,
    /// It changed entries without naming them ([`Catalog::forget`]): effects cannot replay it.
    pub unsummarised: bool,
}

impl Record {
    /// Whether it read `part`'s key of hash `hash` ([`key_hash`]), or the whole part; a hash
    /// collision says yes.
    pub fn reads_hash(&self, part: Part, hash: u32) -> bool {
        self.whole & part.bit() != 0 || self.reads.binary_search(&hash).is_ok()
    }
}

/// The schema at one point of the migration sequence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Catalog {
    /// Shared between snapshots: cloning a catalog copies pointers, and a change copies only
    /// the table it touches.
    tables: Tracked<std::sync::Arc<Table>>,
    /// Shared between snapshots like the tables.
    indexes: indexes::Indexes,
    /// True once a statement ran that may have created or dropped anything.
    uncertain: Flag,
    /// Names compare without regard to case: MySQL and MariaDB columns and indexes always, and
    /// table names as far as a migration folder can tell (`lower_case_table_names` decides, and
    /// a folder that ran writes each table one way on a case-sensitive server).
    fold: bool,
    /// Names (lower-cased) that dynamic code may have created, dropped or changed, or that a
    /// table the model does not know was renamed to: objects of these names are neither surely
    /// missing nor surely present.
    dynamic: Tracked<()>,
    /// Routines (folded names) whose dynamic SQL is built from what they are given: a call
    /// touches the names written in it.
    opaque_routines: Tracked<()>,
    /// MySQL user variables (`@sql`, folded) → the text last assigned to them, for `PREPARE s
    /// FROM @sql`.
    variables: Tracked<String>,
    /// Tables known to be missing (keys as [`Catalog::key`] makes them): dropped or renamed away
    /// by a replayed statement; with the schema (folded) that statement wrote, if any.
    gone: Tracked<Option<String>>,
    /// Indexes known to be missing (folded as the catalog folds): dropped by a replayed
    /// statement.
    gone_indexes: Tracked<()>,
    /// A statement used a table that no replayed statement created: the schema the set started
    /// from (or a migration the model cannot read) holds tables, and their indexes, of its own.
    outside_tables: Flag,
    /// How the scripts write Flyway's placeholders: a schema written as one may be any schema.
    placeholders: crate::sql::lexer::Placeholders,
}

impl Default for Catalog {
    fn default() -> Catalog {
        Catalog {
            tables: Tracked::new(Part::Tables),
            indexes: indexes::Indexes::default(),
            uncertain: Flag::new(Part::Uncertain),
            fold: false,
            dynamic: Tracked::new(Part::Dynamic),
            opaque_routines: Tracked::new(Part::Opaque),
            variables: Tracked::new(Part::Variables),
            gone: Tracked::new(Part::Gone),
            gone_indexes: Tracked::new(Part::GoneIndexes),
            outside_tables: Flag::new(Part::Outside),
            placeholders: Default::default(),
        }
    }
}

impl Catalog {
    /// An empty catalog that compares names as `dialect` does.
    pub fn new(dialect: crate::sql::Dialect) -> Catalog {
        Catalog {
            fold: dialect == crate::sql::Dialect::MySql,
            ..Catalog::default()
        }
    }

    /// The catalog with the project's placeholder syntax (`${…}` unless configured).
    pub fn with_placeholders(mut self, placeholders: crate::sql::lexer::Placeholders) -> Catalog {
        self.placeholders = placeholders;
        self
    }

    /// Whether a statement ran that may have created or dropped anything.
    pub fn is_uncertain(&self) -> bool {
        self.uncertain.get()
    }

    /// Whether a statement used a table that no replayed statement created: the schema the set
    /// started from holds tables, and their indexes, of its own.
    pub fn has_outside_tables(&self) -> bool {
        self.outside_tables.get()
    }

    /// Starts journaling what replays and rules read and change (see [`Record`]).
    pub fn begin_journal(&self) {
        self.tables.begin_journal();
        self.indexes.begin_journal();
        self.gone.begin_journal();
        self.gone_indexes.begin_journal();
        self.dynamic.begin_journal();
        self.opaque_routines.begin_journal();
        self.variables.begin_journal();
        self.uncertain.begin_journal();
        self.outside_tables.begin_journal();
    }

    /// Ends the journal: what was read and changed since [`Catalog::begin_journal`], and the
    /// value before the change of every key written (changed or not).
    pub fn end_journal(&self) -> (Record, Vec<(Part, std::sync::Arc<str>, Value)>) {
        let mut reads = Vec::new();
        let mut whole = 0u16;
        let mut unsummarised = false;
        let mut before = Vec::new();
        macro_rules! take {
            ($field:ident, $part:expr, $wrap:expr) => {
                if let Some(log) = self.$field.end_journal() {
                    reads.extend(log.reads);
                    if log.whole_read {
                        whole |= $part.bit();
                    }
                    unsummarised |= log.whole_write;
                    for (key, value) in log.writes {
                        before.push(($part, key, $wrap(value)));
                    }
                }
            };
        }
        take!(tables, Part::Tables, Value::Table);
        take!(indexes, Part::Indexes, Value::Index);
        take!(gone, Part::Gone, |v: Option<Option<String>>| Value::Gone(
            v.map(Box::new)
        ));
        take!(gone_indexes, Part::GoneIndexes, |v: Option<()>| {
            Value::Present(v.is_some())
        });
        take!(dynamic, Part::Dynamic, |v: Option<()>| Value::Present(
            v.is_some()
        ));
        take!(opaque_routines, Part::Opaque, |v: Option<()>| {
            Value::Present(v.is_some())
        });
        take!(variables, Part::Variables, |v: Option<String>| Value::Text(
            v.map(Box::new)
        ));
        take!(uncertain, Part::Uncertain, Value::Flag);
        take!(outside_tables, Part::Outside, Value::Flag);
        reads.sort_unstable();
        reads.dedup();
        let effects = before
            .iter()
            .filter_map(|(part, key, old)| {
                let now = self.value(*part, key);
                // The journal's key is the map's own copy (or the one it was given).
                (&now != old).then(|| Effect {
                    part: *part,
                    key: std::sync::Arc::clone(key),
                    value: now,
                })
            })
            .collect();
        (
            Record {
                reads: reads.into(),
                whole,
                effects,
                unsummarised,
            },
            before,
        )
    }

    /// The value of one key, without journaling the read.
    pub fn value(&self, part: Part, key: &str) -> Value {
        match part {
            Part::Tables => Value::Table(self.tables.peek(key).cloned()),
            Part::Indexes => Value::Index(self.indexes.peek(key).cloned()),
            Part::Gone => Value::Gone(self.gone.peek(key).cloned().map(Box::new)),
            Part::GoneIndexes => Value::Present(self.gone_indexes.peek(key).is_some()),
            Part::Dynamic => Value::Present(self.dynamic.peek(key).is_some()),
            Part::Opaque => Value::Present(self.opaque_routines.peek(key).is_some()),
            Part::Variables => Value::Text(self.variables.peek(key).cloned().map(Box::new)),
            Part::Uncertain => Value::Flag(self.uncertain.peek()),
            Part::Outside => Value::Flag(self.outside_tables.peek()),
        }
    }

    /// Sets one key as a recorded effect says, without journaling it.
    pub fn put(&mut self, part: Part, key: &str, value: &Value) {
        self.put_shared(part, key, || key.into(), value);
    }

    /// [`Catalog::put`] with the key made by `shared` only if the catalog has none of it.
    fn put_shared(
        &mut self,
        part: Part,
        key: &str,
        shared: impl FnOnce() -> std::sync::Arc<str>,
        value: &Value,
    ) {
        let present = |v: &Value| matches!(v, Value::Present(true)).then_some(());
        match (part, value) {
            (Part::Tables, Value::Table(v)) => self.tables.put_shared(key, shared, v.clone()),
            (Part::Indexes, Value::Index(v)) => self.indexes.put_shared(key, shared, v.clone()),
            (Part::Gone, Value::Gone(v)) => {
                self.gone.put_shared(key, shared, v.as_deref().cloned())
            }
            (Part::GoneIndexes, v) => self.gone_indexes.put_shared(key, shared, present(v)),
            (Part::Dynamic, v) => self.dynamic.put_shared(key, shared, present(v)),
            (Part::Opaque, v) => self.opaque_routines.put_shared(key, shared, present(v)),
            (Part::Variables, Value::Text(v)) => {
                self.variables
                    .put_shared(key, shared, v.as_deref().cloned())
            }
            (Part::Uncertain, Value::Flag(v)) => self.uncertain.put(*v),
            (Part::Outside, Value::Flag(v)) => self.outside_tables.put(*v),
            _ => debug_assert!(false, "a value of another part"),
        }
    }

    /// Replays a migration from its recorded effects.
    pub fn apply_effects(&mut self, effects: &[Effect]) {
        for e in effects {
            self.put_shared(e.part, &e.key, || std::sync::Arc::clone(&e.key), &e.value);
        }
    }

    /// `name` as this catalog compares it (for rules matching names themselves).
    pub fn folded<'a>(&self, name: &'a str) -> std::borrow::Cow<'a, str> {
        fold(self.fold, name)
    }

    /// Tables are keyed by unqualified, case-folded name: migrations mix `users` and
    /// `public.users`, and one schema per migration set is the common case.
    fn key(&self, name: &Name) -> String {
        fold(self.fold, &name.name).into_owned()
    }

    pub fn table(&self, name: &Name) -> Option<&Table> {
        // The name as written when it needs no folding (no copy: the statement checks look a
        // table up several times per statement).
        self.tables.get(&fold(self.fold, &name.name)).map(|t| &**t)
    }

    pub fn tables(&self) -> impl Iterator<Item = &Table> {
        self.tables.values().map(|t| &**t)
    }

    pub fn index(&self, name: &str) -> Option<&Index> {
        self.indexes.get(&fold(self.fold, name)).map(|i| &**i)
    }

    pub fn indexes(&self) -> impl Iterator<Item = &Index> {
        self.indexes.values().map(|i| &**i)
    }

    /// The indexes the catalog knows by name on table `table`, in key order (found in the
    /// table → indexes side map; journaled as a read of every index).
    pub fn indexes_on(&self, table: &Name) -> Vec<&Index> {
        self.indexes.on(&self.key(table))
    }

    /// Whether the model can vouch that `name` does not exist: a replayed statement dropped it
    /// or renamed it away, and nothing since may have brought it back.
    pub fn surely_missing_table(&self, name: &Name) -> bool {
        !self.uncertain.get()
            && name
                .schema
                .as_deref()
                .is_none_or(|s| !self.placeholders.is_placeholder(s))
            && self.table(name).is_none()
            && self.gone.contains_key(&self.key(name))
            && !self.touched_by_dynamic_sql(&name.name)
    }

    /// [`Catalog::surely_missing_table`], and the statement that removed it wrote the schema
    /// `name` writes (or none, as `name` does): `a.t` gone says nothing of `b.t`.
    pub fn surely_missing_table_in_schema(&self, name: &Name) -> bool {
        self.surely_missing_table(name)
            && self
                .gone
                .get(&self.key(name))
                .is_some_and(|schema| *schema == self.schema_of(name))
    }

    /// Whether the model can vouch that index `name` does not exist: a replayed statement
    /// dropped it, or every table the set used was created by the set (so no index comes from
    /// the schema the set started from), and no dynamic code may have made it.
    pub fn surely_missing_index(&self, name: &str) -> bool {
        !self.uncertain.get()
            && self.index(name).is_none()
            && (self.gone_indexes.contains(&fold(self.fold, name)) || !self.outside_tables.get())
            && !self.touched_by_dynamic_sql(name)
    }

    /// Whether dynamic code may have created, dropped or changed an object called `name`
    /// (or could have touched anything).
    pub fn touched_by_dynamic_sql(&self, name: &str) -> bool {
        self.uncertain.get() || self.dynamic.contains(&name.to_lowercase())
    }

    /// A migration whose effect on the schema cannot be read ran (a Java or Kotlin migration):
    /// any table or index may now exist, be gone, or have other columns.
    pub fn forget(&mut self) {
        self.gone.clear();
        self.gone_indexes.clear();
        self.outside_tables.set(true);
        for shared in self.tables.values_mut() {
            let table = std::sync::Arc::make_mut(shared);
            table.uncertain = true;
            table.maybe_gone = true;
        }
        self.indexes.mark_maybe_gone();
    }

    /// Applies one statement, given its text: [`Catalog::apply`], and for dynamic code
    /// (routines, `DO` blocks, `PREPARE`, calls) the names it may touch.
    pub fn apply_statement(&mut self, op: &Op, text: &str, origin: &Origin) {
        self.apply(op, origin);
        let charset_of = match op {
            Op::CreateTable { table, .. } => Some(table),
            Op::AlterTable { table, actions, .. }
                if actions
                    .iter()
                    .any(|a| matches!(a, AlterAction::ConvertCharset)) =>
            {
                Some(table)
            }
            _ => None,
        };
        if let Some(table) = charset_of {
            if let (Some(charset), Some(shared)) = (
                table_charset(text),
                self.tables.get_mut(&fold(self.fold, &table.name)),
            ) {
                std::sync::Arc::make_mut(shared).charset = Some(charset);
            }
        }
        // Most statements are plain DDL and DML: only these few need the words of their text.
        let first = first_word(text);
        let first = first.as_str();
        let dynamic = matches!(op, Op::Routine)
            || matches!(first, "set" | "prepare")
            || (!self.opaque_routines.is_empty()
                && !matches!(
                    first,
                    "drop" | "create" | "alter" | "comment" | "grant" | "revoke"
                ));
        if !dynamic {
            return;
        }
        let words = words(text);
        if matches!(op, Op::Routine) {
            let executes_now = first == "do";
            if builds_names(text) {
                if executes_now {
                    // A DO block building names it does not show: anything may have changed.
                    self.uncertain.set(true);
                } else if let Some(name) = routine_name(text) {
                    self.opaque_routines.add(name);
                } else {
                    self.uncertain.set(true);
                }
            }
            // What the code names, it may touch (now for DO, when called for a routine: the
            // model does not know when, so from here on).
            self.touch(&words);
            return;
        }
        match first {
            "set" => {
                // `SET @sql = CONCAT(…)` / `SET @sql := …`: kept for a later PREPARE.
                if let Some(var) = text
                    .split_whitespace()
                    .nth(1)
                    .filter(|v| v.starts_with('@'))
                {
                    let var = var
                        .trim_end_matches([':', '='])
                        .trim_matches('`')
                        .to_lowercase();
                    self.variables.insert(var, text.to_string());
                }
            }
            "prepare" => {
                let from = text
                    .split_whitespace()
                    .skip_while(|w| !w.eq_ignore_ascii_case("from"))
                    .nth(1)
                    .map(|v| v.trim_end_matches(';').to_lowercase());
                match from {
                    Some(var) if var.starts_with('@') => match self.variables.get(&var) {
                        Some(assigned) => {
                            let assigned = self::words(assigned);
                            if builds_names_from_variables(&assigned) {
                                self.uncertain.set(true);
                            }
                            self.touch(&assigned);
                        }
                        None => self.uncertain.set(true),
                    },
                    _ => self.touch(&words),
                }
            }
            // Statements about a routine, not calls of it.
            "drop" | "create" | "alter" | "comment" | "grant" | "revoke" => {}
            _ => {
                let called = words
                    .iter()
                    .any(|w| self.opaque_routines.contains(w.as_str()));
                if called {
                    if text.contains(['\'', '"']) {
                        self.touch(&words);
                    } else {
                        // Called without the names in sight: anything may have changed.
                        self.uncertain.set(true);
                    }
                }
            }
        }
    }

    /// Marks `words` as names dynamic code may touch: tables of those names become uncertain.
    /// `words` are in lower case ([`words`]). A name already marked is not marked again (a
    /// change that changes nothing has no effect to record; the look-up is journaled as a read).
    fn touch(&mut self, words: &[String]) {
        for word in words {
            if let Some(table) = self.tables.get_mut(&fold(self.fold, word)) {
                std::sync::Arc::make_mut(table).uncertain = true;
            }
            if !self.dynamic.contains(word) {
                self.dynamic.add(word.clone());
            }
        }
    }

    /// Applies one statement's facts.
    pub fn apply(&mut self, op: &Op, origin: &Origin) {
        // A table used before any replayed statement created it existed before the set.
        if !matches!(op, Op::CreateTable { .. } | Op::DropTable { .. }) {
            for table in op.tables() {
                let k = self.key(table);
                if !self.tables.contains_key(&k) && !self.gone.contains_key(&k) {
                    self.outside_tables.set(true);
                }
            }
        }
        match op {
            Op::CreateTable {
                table,
                columns,
                constraints,
                as_query,
                or_replace,
                ..
            } => {
                let k = self.key(table);
                if *or_replace {
                    // MariaDB drops a table of the name first.
                    self.drop_table(table);
                }
                // A table that may be gone is replaced: this statement ran, so it was.
                if self.tables.get(&k).is_some_and(|t| !t.maybe_gone) {
                    return;
                }
                self.gone.remove(&k);
                let mut columns: Vec<std::sync::Arc<Column>> = columns
                    .iter()
                    .map(|spec| {
                        std::sync::Arc::new(Column {
                            spec: std::sync::Arc::clone(spec),
                            origin: origin.clone(),
                        })
                    })
                    .collect();
                let mut primary_key: Vec<String> = columns
                    .iter()
                    .filter(|c| c.spec.primary_key)
                    .map(|c| c.spec.name.clone())
                    .collect();
                let mut foreign_keys = Vec::new();
                let mut unnamed_indexes: Vec<Vec<String>> = columns
                    .iter()
                    .filter(|c| c.spec.unique)
                    .map(|c| vec![c.spec.name.clone()])
                    .collect();
                for c in constraints.iter() {
                    if c.name.is_none() && names_an_index(c.kind, false) {
                        unnamed_indexes.push(c.columns.clone());
                    }
                    if c.kind == ConstraintKind::ForeignKey {
                        foreign_keys.push((c.name.clone(), c.columns.clone()));
                    }
                    if c.kind == ConstraintKind::PrimaryKey {
                        primary_key = c.columns.clone();
                        for col in columns
                            .iter_mut()
                            .filter(|col| c.columns.contains(&col.spec.name))
                        {
                            let spec =
                                std::sync::Arc::make_mut(&mut std::sync::Arc::make_mut(col).spec);
                            spec.primary_key = true;
                            spec.not_null = true;
                        }
                    }
                    if names_an_index(c.kind, self.fold) {
                        if let Some(name) = &c.name {
                            self.indexes.insert(
                                fold(self.fold, name).into_owned(),
                                std::sync::Arc::new(Index {
                                    name: name.as_str().into(),
                                    table: self.shared_table_key(&k),
                                    columns: c.columns.as_slice().into(),
                                    unique: c.kind == ConstraintKind::Unique,
                                    foreign_key: c.kind == ConstraintKind::ForeignKey,
                                    origin: origin.clone(),
                                    maybe_gone: false,
                                }),
                            );
                            self.gone_indexes.remove(&fold(self.fold, name));
                        }
                    }
                }
                let mut new_table = Table {
                    name: (**table).clone(),
                    columns,
                    origin: origin.clone(),
                    changed_by: Vec::new(),
                    uncertain: *as_query,
                    maybe_gone: false,
                    primary_key,
                    foreign_keys,
                    unnamed_indexes,
                    positions: None,
                    fold: self.fold,
                    charset: None,
                };
                new_table.reindex();
                self.tables.insert(k, std::sync::Arc::new(new_table));
            }
            Op::CreateIndex {
                name: Some(name),
                table,
                unique,
                columns,
                ..
            } => {
                let table = self.shared_table_key(&self.key(table));
                self.add_index(Index {
                    name: std::sync::Arc::clone(&name.name),
                    table,
                    columns: columns.clone(),
                    unique: *unique,
                    foreign_key: false,
                    origin: origin.clone(),
                    maybe_gone: false,
                });
            }
            Op::CreateIndex {
                name: None,
                table,
                columns,
                ..
            } => {
                let k = self.key(table);
                if let Some(shared) = self.tables.get_mut(&k) {
                    std::sync::Arc::make_mut(shared)
                        .unnamed_indexes
                        .push(columns.to_vec());
                }
            }
            Op::DropIndex { names, .. } => {
                for name in names {
                    let k = self.key(name);
                    self.indexes.remove(&k);
                    self.gone_indexes.add(k);
                }
            }
            Op::DropTable { names, .. } => {
                for name in names {
                    self.drop_table(name);
                }
            }
            Op::RenameTable { pairs } => {
                for (from, to) in pairs {
                    self.rename_table(from, to, Some(origin));
                }
            }
            Op::AlterTable { table, actions, .. } => self.alter(table, actions, origin),
            _ => {}
        }
    }

    /// The schema `name` writes, folded, for [`Catalog::gone`].
    fn schema_of(&self, name: &Name) -> Option<String> {
        name.schema
            .as_deref()
            .map(|s| fold(self.fold, s).into_owned())
    }

    /// Drops table `name` and its indexes.
    fn drop_table(&mut self, name: &Name) {
        let k = self.key(name);
        let k = k.as_str();
        self.tables.remove(k);
        // Its indexes, in key order (journaled as a read of every index).
        for name in self.indexes.keys_on(k) {
            self.indexes.remove(&name);
            self.gone_indexes.add(name.to_string());
        }
        let schema = self.schema_of(name);
        self.gone.insert(k.to_string(), schema);
    }

    /// Adds an index; one that may be gone is replaced (the statement creating it ran).
    fn add_index(&mut self, index: Index) {
        // The key is the index's own name when folding leaves it as it is.
        let key: std::sync::Arc<str> = match fold(self.fold, &index.name) {
            std::borrow::Cow::Borrowed(_) => std::sync::Arc::clone(&index.name),
            std::borrow::Cow::Owned(folded) => folded.into(),
        };
        self.gone_indexes.remove(&key);
        // Added unless an index of the name is known to exist.
        self.indexes.insert_unless(
            &key,
            |i| !i.maybe_gone,
            || (std::sync::Arc::clone(&key), std::sync::Arc::new(index)),
        );
    }

    /// The tables map's own copy of a table key (not journaled: it only shares memory), or a
    /// new one.
    fn shared_table_key(&self, key: &str) -> std::sync::Arc<str> {
        self.tables.shared_key(key).unwrap_or_else(|| key.into())
    }

    /// Renames a table; `origin` is recorded as a change unless the caller already did.
    fn rename_table(&mut self, from: &Name, to: &Name, origin: Option<&Origin>) {
        let (from_key, new_key) = (self.key(from), self.key(to));
        let schema = self.schema_of(from);
        self.gone.insert(from_key.clone(), schema);
        self.gone.remove(&new_key);
        if let Some(mut shared) = self.tables.remove(&from_key) {
            let table = std::sync::Arc::make_mut(&mut shared);
            table.name = to.clone();
            if let Some(origin) = origin {
                table.changed_by.push(origin.clone());
            }
            let shared_key: std::sync::Arc<str> = new_key.as_str().into();
            for k in self.indexes.keys_on(&from_key) {
                self.indexes.move_to_table(&k, &shared_key);
            }
            self.tables.insert_shared(shared_key, shared);
        } else {
            // A table the model does not know (made by dynamic code, or before the first
            // migration) now has the new name: the model cannot vouch either way.
            self.dynamic.add(to.name.to_lowercase());
        }
    }

    fn alter(&mut self, table: &Name, actions: &[AlterAction], origin: &Origin) {
        let k = self.key(table);
        let table_key = self.shared_table_key(&k);
        let mut rename_to = None;
        let mut new_indexes = Vec::new();
        let mut dropped_indexes = Vec::new();
        {
            let Some(shared) = self.tables.get_mut(&k) else {
                // A table from before the set: only a rename is followed.
                for action in actions {
                    if let AlterAction::RenameTo { to } = action {
                        let schema = self.schema_of(table);
                        self.gone.insert(k.clone(), schema);
                        let to = self.key(to);
                        self.gone.remove(&to);
                    }
                }
                return;
            };
            let t = std::sync::Arc::make_mut(shared);
            t.changed_by.push(origin.clone());
            for action in actions {
                match action {
                    AlterAction::AddColumn { column, .. } if t.column(&column.name).is_none() => {
                        if column.unique {
                            t.unnamed_indexes.push(vec![column.name.clone()]);
                        }
                        t.push_column(Column {
                            spec: column.clone(),
                            origin: origin.clone(),
                        });
                        if let Some(position) = &column.placed {
                            if !t.place(&column.name, position) {
                                t.uncertain = true;
                            }
                        }
                    }
                    AlterAction::DropColumn { names, .. } => {
                        let fold_names = t.fold;
                        let dropped: Vec<_> = names.iter().map(|n| fold(fold_names, n)).collect();
                        t.columns
                            .retain(|c| !dropped.contains(&fold(fold_names, &c.spec.name)));
                        t.reindex();
                    }
                    AlterAction::RenameColumn { from, to } => {
                        if let Some(c) = t.column(from) {
                            let mut spec = ColumnSpec::clone(&c.spec);
                            spec.name = to.clone();
                            t.replace_column(from, spec);
                        }
                    }
                    AlterAction::ChangeColumn { from, column } => {
                        t.replace_column(from, column.clone());
                        if let Some(position) = &column.placed {
                            if !t.place(&column.name, position) {
                                t.uncertain = true;
                            }
                        }
                    }
                    AlterAction::SetNotNull { column } => set(t, column, |c| c.not_null = true),
                    AlterAction::DropNotNull { column } => set(t, column, |c| c.not_null = false),
                    // A serial column whose default changes is a plain integer from then on.
                    AlterAction::SetDefault { column, default } => set(t, column, |c| {
                        not_serial(c);
                        c.default = Some(default.clone())
                    }),
                    AlterAction::DropDefault { column } => set(t, column, |c| {
                        not_serial(c);
                        c.default = None
                    }),
                    AlterAction::SetType { column, data_type } => {
                        set(t, column, |c| c.data_type = data_type.clone())
                    }
                    AlterAction::AddConstraint { constraint, .. } => {
                        if constraint.kind == ConstraintKind::ForeignKey {
                            t.foreign_keys
                                .push((constraint.name.clone(), constraint.columns.clone()));
                        }
                        if constraint.kind == ConstraintKind::PrimaryKey {
                            // Both servers make a primary key's columns NOT NULL.
                            for column in &constraint.columns {
                                set(t, column, |c| {
                                    c.primary_key = true;
                                    c.not_null = true;
                                });
                            }
                            t.primary_key = constraint.columns.clone();
                        }
                        if constraint.name.is_none() && names_an_index(constraint.kind, false) {
                            t.unnamed_indexes.push(constraint.columns.clone());
                        }
                        if names_an_index(constraint.kind, t.fold) {
                            if let Some(name) = &constraint.name {
                                new_indexes.push(Index {
                                    name: name.as_str().into(),
                                    table: table_key.clone(),
                                    columns: constraint.columns.as_slice().into(),
                                    unique: constraint.kind == ConstraintKind::Unique,
                                    foreign_key: constraint.kind == ConstraintKind::ForeignKey,
                                    origin: origin.clone(),
                                    maybe_gone: false,
                                });
                            }
                        }
                    }
                    AlterAction::DropForeignKey { name } => {
                        let fold_names = t.fold;
                        t.foreign_keys.retain(|(n, _)| {
                            n.as_deref()
                                .is_none_or(|n| fold(fold_names, n) != fold(fold_names, name))
                        });
                    }
                    AlterAction::DropPrimaryKey => {
                        for c in t.columns.iter_mut().filter(|c| c.spec.primary_key) {
                            std::sync::Arc::make_mut(&mut std::sync::Arc::make_mut(c).spec)
                                .primary_key = false;
                        }
                        t.primary_key.clear();
                    }
                    AlterAction::DropIndex { name } => dropped_indexes.push(name.clone()),
                    AlterAction::RenameTo { to } => rename_to = Some(to.clone()),
                    AlterAction::Other(_) => t.uncertain = true,
                    _ => {}
                }
            }
        }
        for index in new_indexes {
            self.add_index(index);
        }
        for name in dropped_indexes {
            let k = fold(self.fold, &name).into_owned();
            self.indexes.remove(&k);
            self.gone_indexes.add(k);
        }
        if let Some(to) = rename_to {
            self.rename_table(table, &to, None);
        }
    }
}

/// The table-level character set a `CREATE TABLE` or `ALTER TABLE … CONVERT TO` statement
/// names: after the column list, `[DEFAULT] CHARSET [=] x` or `CHARACTER SET [=] x`.
fn table_charset(text: &str) -> Option<String> {
    let lower = text.to_lowercase();
    // Table options follow the column list; a CONVERT TO has none.
    let options = match lower.find("convert to") {
        Some(at) => &lower[at..],
        None => &lower[lower.rfind(')')?..],
    };
    let words: Vec<&str> = options
        .split(|c: char| c.is_whitespace() || c == '=' || c == ';' || c == ',')
        .filter(|w| !w.is_empty())
        .collect();
    let at = words.iter().enumerate().find_map(|(i, w)| match *w {
        "charset" => Some(i + 1),
        "character" if words.get(i + 1) == Some(&"set") => Some(i + 2),
        _ => None,
    })?;
    let name = words.get(at)?.trim_matches(['\'', '"', '`']);
    (!name.is_empty()).then(|| name.to_string())
}

/// The first key word of a statement's text (lower-cased), past comments.
fn first_word(text: &str) -> String {
    let mut rest = text;
    loop {
        rest = rest.trim_start();
        if let Some(after) = rest.strip_prefix("--") {
            rest = after.split_once('\n').map_or("", |(_, r)| r);
        } else if let Some(after) = rest.strip_prefix("/*") {
            rest = after.split_once("*/").map_or("", |(_, r)| r);
        } else {
            break;
        }
    }
    rest.split(|c: char| !(c.is_alphanumeric() || c == '_'))
        .next()
        .unwrap_or_default()
        .to_lowercase()
}

/// The identifier-like words of a text, lower-cased, string literals and comments included: the
/// names dynamic code may use.
fn words(text: &str) -> Vec<String> {
    let mut out: Vec<String> = text
        .split(|c: char| !(c.is_alphanumeric() || c == '_' || c == '$' || c == '@'))
        .map(|w| w.trim_matches('$'))
        .filter(|w| !w.is_empty() && !w.starts_with(|c: char| c.is_ascii_digit()))
        .map(str::to_lowercase)
        .collect();
    out.dedup();
    out
}

/// Whether code executes SQL whose names it builds at run time (`EXECUTE format('… %I', t)`,
/// `EXECUTE 'ALTER TABLE ' || t`, `PREPARE s FROM @v` after `CONCAT(…, v)`), rather than
/// names written in it.
fn builds_names(text: &str) -> bool {
    let w = words(text);
    let executes = w.windows(2).any(|pair| {
        (pair[0] == "execute" && !matches!(pair[1].as_str(), "procedure" | "function"))
            || pair[0] == "prepare"
    });
    executes
        && (text.contains("%I")
            || text.contains("%s")
            || text.contains("||")
            || w.iter().any(|x| x == "quote_ident" || x == "concat"))
}

/// A `CONCAT(…)` assignment that uses variables besides literals.
fn builds_names_from_variables(assigned: &[String]) -> bool {
    assigned.iter().any(|w| w == "concat")
}

/// The (lower-cased, unqualified) name of the routine a `CREATE [OR REPLACE] [DEFINER = …]
/// FUNCTION | PROCEDURE [IF NOT EXISTS] name (…)` statement defines.
fn routine_name(text: &str) -> Option<String> {
    let lower = text.to_lowercase();
    let mut parts = lower
        .split_whitespace()
        .skip_while(|w| !matches!(*w, "function" | "procedure"));
    parts.next()?;
    let mut name = parts.next()?;
    if name == "if" {
        name = parts.nth(2)?;
    }
    let name = name.split('(').next()?;
    let name = name.rsplit('.').next()?;
    let name = name.trim_matches(['`', '"']);
    (!name.is_empty()).then(|| name.to_string())
}

/// A serial column after its default changed: the integer it is stored as, no longer filled in.
fn not_serial(c: &mut ColumnSpec) {
    if let Some(storage) = crate::sql::facts::serial_storage_type(&c.data_type) {
        c.data_type = storage.to_string();
        c.generated = false;
    }
}

fn set(table: &mut Table, column: &str, f: impl FnOnce(&mut ColumnSpec)) {
    if let Some(c) = table.column_mut(column) {
        f(std::sync::Arc::make_mut(&mut c.spec));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sql::analysis::analyze;
    use crate::sql::Dialect;
    use std::path::PathBuf;

    fn replay(scripts: &[&str], dialect: Dialect) -> Catalog {
        replay_analysed(scripts, dialect).0
    }

    /// [`replay`], with the scripts' analyses; the origins of a script share its path and label,
    /// as the engine's replay makes them.
    fn replay_analysed(
        scripts: &[&str],
        dialect: Dialect,
    ) -> (Catalog, Vec<crate::sql::analysis::SqlFile>) {
        let mut catalog = Catalog::new(dialect);
        let files = scripts
            .iter()
            .enumerate()
            .map(|(i, script)| apply_script(&mut catalog, script, dialect, i + 1))
            .collect();
        (catalog, files)
    }

    /// Applies `script`'s statements to `catalog` as migration `V{n}__x.sql` (its origins
    /// share its path and label); returns its analysis.
    fn apply_script(
        catalog: &mut Catalog,
        script: &str,
        dialect: Dialect,
        n: usize,
    ) -> crate::sql::analysis::SqlFile {
        let file = analyze(script, dialect, None);
        let origin = OriginFile::new(PathBuf::from(format!("V{n}__x.sql")), n.to_string());
        for st in &file.statements {
            let range = st.range();
            catalog.apply_statement(
                &st.parsed.op,
                &script[range.start..range.end],
                &Origin::new(&origin, range),
            );
        }
        file
    }

    /// The indexes of a table come from the table → indexes side map, which every change of
    /// the indexes keeps in step (created, dropped with their table, moved by a rename, replayed
    /// from effects, forgotten); it answers what a scan of every index answers, and reading it
    /// is journaled as such a scan was.
    #[test]
    fn indexes_on_a_table_follow_every_change() {
        let scan = |catalog: &Catalog, table: &str| -> Vec<String> {
            let k = catalog.key(&Name::new(None, table));
            let mut found: Vec<String> = catalog
                .indexes()
                .filter(|i| *i.table == *k)
                .map(|i| catalog.folded(&i.name).into_owned())
                .collect();
            found.sort();
            found
        };
        let on = |catalog: &Catalog, table: &str| -> Vec<String> {
            catalog
                .indexes_on(&Name::new(None, table))
                .iter()
                .map(|i| catalog.folded(&i.name).into_owned())
                .collect()
        };
        for dialect in [Dialect::Postgres, Dialect::MySql] {
            let steps = [
                "CREATE TABLE a (id int, x int, CONSTRAINT a_x_key UNIQUE (x)); CREATE TABLE b (id int);",
                "CREATE INDEX a_id ON a (id); CREATE INDEX B_Id ON b (id); CREATE INDEX a_x ON a (x);",
                "DROP INDEX a_id;",
                "ALTER TABLE a RENAME TO c; CREATE INDEX a_id ON b (x);",
                "DROP TABLE b;",
                "CREATE TABLE b (id int); CREATE INDEX b_id ON b (id);",
            ];
            let mut scripts = Vec::new();
            for step in steps {
                scripts.push(step);
                let catalog = replay(&scripts, dialect);
                assert!(catalog.indexes.consistent(), "{dialect:?} after {step}");
                for table in ["a", "b", "c"] {
                    assert_eq!(
                        on(&catalog, table),
                        scan(&catalog, table),
                        "{dialect:?} {table} after {step}"
                    );
                }
            }
            let catalog = replay(&scripts, dialect);
            assert_eq!(on(&catalog, "c"), ["a_x", "a_x_key"], "{dialect:?}");
            assert_eq!(on(&catalog, "b"), ["b_id"], "{dialect:?}");
            assert!(on(&catalog, "a").is_empty());

            // Replayed from its effects: the same side map. Forgotten: the same tables.
            let copy = catalog.clone();
            copy.begin_journal();
            assert_eq!(copy.indexes_on(&Name::new(None, "c")).len(), 2);
            let (record, _) = copy.end_journal();
            assert_ne!(record.whole & Part::Indexes.bit(), 0, "read as every index");
            let before = replay(&scripts[..3], dialect);
            let mut later = before.clone();
            later.begin_journal();
            for (i, script) in scripts.iter().enumerate().skip(3) {
                apply_script(&mut later, script, dialect, i + 1);
            }
            let (record, _) = later.end_journal();
            let mut replayed = before.clone();
            replayed.apply_effects(&record.effects);
            assert!(replayed.indexes.consistent());
            assert_eq!(replayed, later);
            for table in ["a", "b", "c"] {
                assert_eq!(
                    on(&replayed, table),
                    on(&later, table),
                    "{dialect:?} {table}"
                );
            }
            let mut forgotten = catalog.clone();
            forgotten.forget();
            assert!(forgotten.indexes.consistent());
            assert_eq!(on(&forgotten, "c"), on(&catalog, "c"));
            assert!(forgotten
                .indexes_on(&Name::new(None, "c"))
                .iter()
                .all(|i| i.maybe_gone));
        }
    }

    /// What a large folder's catalog holds hundreds of thousands of is kept small: an index
    /// shares its column list with the statement that made it, the origins of one migration
    /// share its label, a column added later takes one more slot (not a doubling), and a
    /// column's rare parts are boxed.
    #[test]
    fn catalog_entries_share_and_stay_compact() {
        let (catalog, files) = replay_analysed(
            &["CREATE TABLE t (a int, b int);\nCREATE INDEX i ON t (a, b);\nALTER TABLE t ADD COLUMN c int;"],
            Dialect::Postgres,
        );
        let Op::CreateIndex {
            columns,
            name: Some(name),
            ..
        } = &files[0].statements[1].parsed.op
        else {
            panic!("{:?}", files[0].statements[1].parsed.op);
        };
        let index = catalog.index("i").expect("index i");
        assert!(std::sync::Arc::ptr_eq(columns, &index.columns));
        assert!(std::sync::Arc::ptr_eq(&name.name, &index.name));
        let table = catalog.table(&Name::new(None, "t")).expect("table t");
        for origin in [&index.origin, &table.columns[2].origin] {
            assert!(std::sync::Arc::ptr_eq(&origin.file, &table.origin.file));
        }
        assert_eq!(table.columns.capacity(), 3);
        let size = std::mem::size_of::<Column>();
        assert!(size <= 112, "{size}");
        let size = std::mem::size_of::<Index>();
        assert!(size <= 72, "{size}");
        // A record's effects: hundreds of thousands in a large folder.
        let size = std::mem::size_of::<Value>();
        assert!(size <= 16, "{size}");
        let size = std::mem::size_of::<Effect>();
        assert!(size <= 40, "{size}");
    }

    /// A narrow table finds its columns by searching them, a wide one through its map; both
    /// as the dialect compares names, across the width where the map comes and goes.
    #[test]
    fn columns_are_found_in_narrow_and_wide_tables() {
        for dialect in [Dialect::Postgres, Dialect::MySql] {
            let check = |script: &str, wide: bool, absent: &[&str]| {
                let catalog = replay(&[script], dialect);
                let t = catalog.table(&Name::new(None, "t")).expect("table t");
                assert_eq!(t.positions.is_some(), wide, "{dialect:?}");
                for (i, c) in t.columns.iter().enumerate() {
                    assert_eq!(t.position(&c.spec.name), Some(i), "{}", c.spec.name);
                    let upper = t.position(&c.spec.name.to_uppercase());
                    assert_eq!(upper, (dialect == Dialect::MySql).then_some(i));
                }
                for name in absent {
                    assert!(t.column(name).is_none(), "{name} in {dialect:?}");
                }
            };
            let mut script = String::from("CREATE TABLE t (a int, b int);\n");
            check(&script, false, &["c0"]);
            for i in 0..Table::MAP_FROM {
                script.push_str(&format!("ALTER TABLE t ADD COLUMN c{i} int;\n"));
            }
            check(&script, true, &["z"]);
            script.push_str("ALTER TABLE t RENAME COLUMN a TO z;\n");
            check(&script, true, &["a"]);
            script.push_str("ALTER TABLE t DROP COLUMN c0;\nALTER TABLE t DROP COLUMN c1;\n");
            check(&script, false, &["a", "c0", "c1"]);
            script.push_str("ALTER TABLE t RENAME COLUMN z TO a;\n");
            check(&script, false, &["z"]);
        }
    }

    /// Replays `script` into `catalog` as migration `n`.
    fn replay_into(catalog: &mut Catalog, script: &str, n: usize) {
        apply_script(catalog, script, catalog_dialect(catalog), n);
    }

    fn catalog_dialect(catalog: &Catalog) -> Dialect {
        if catalog.fold {
            Dialect::MySql
        } else {
            Dialect::Postgres
        }
    }

    #[test]
    fn a_postgres_foreign_key_is_a_constraint_and_a_mysql_one_an_index() {
        let scripts = [
            "CREATE TABLE a (id int PRIMARY KEY);",
            "CREATE TABLE b (id int, a_id int, CONSTRAINT fk_b_a FOREIGN KEY (a_id) REFERENCES a (id));",
            "CREATE TABLE c (id int, a_id int); ALTER TABLE c ADD CONSTRAINT fk_c_a FOREIGN KEY (a_id) REFERENCES a (id);",
        ];
        let pg = replay(&scripts, Dialect::Postgres);
        assert!(pg.index("fk_b_a").is_none() && pg.index("fk_c_a").is_none());
        assert_eq!(
            pg.table(&Name::new(None, "b")).unwrap().foreign_keys.len(),
            1
        );
        assert_eq!(
            pg.table(&Name::new(None, "c")).unwrap().foreign_keys.len(),
            1
        );
        let mysql = replay(&scripts, Dialect::MySql);
        assert!(mysql.index("fk_b_a").is_some_and(|i| i.foreign_key));
        assert!(mysql.index("fk_c_a").is_some_and(|i| i.foreign_key));
        // A UNIQUE constraint makes an index of its name on both.
        let pg = replay(
            &["CREATE TABLE d (x int, CONSTRAINT d_x UNIQUE (x));"],
            Dialect::Postgres,
        );
        assert!(pg.index("d_x").is_some());
    }

    /// A large folder's catalog and records hold hundreds of thousands of index names: the
    /// index, its key in the catalog, its table's key and the record's effect share one copy,
    /// and a catalog replayed from effects keeps the effects' keys.
    #[test]
    fn names_are_shared_between_indexes_keys_and_effects() {
        use std::sync::Arc;
        let mut catalog = replay(&["CREATE TABLE t (a int);"], Dialect::Postgres);
        catalog.begin_journal();
        replay_into(&mut catalog, "CREATE INDEX t_a ON t (a);", 2);
        let (record, _) = catalog.end_journal();
        let index = catalog.indexes.peek("t_a").expect("index");
        let key = catalog.indexes.shared_key("t_a").expect("key");
        assert!(
            Arc::ptr_eq(&index.name, &key),
            "the index's name is its key"
        );
        let table_key = catalog.tables.shared_key("t").expect("table key");
        assert!(
            Arc::ptr_eq(&index.table, &table_key),
            "its table is the table's key"
        );
        let effect = record
            .effects
            .iter()
            .find(|e| e.part == Part::Indexes)
            .expect("effect");
        assert!(
            Arc::ptr_eq(&effect.key, &key),
            "the effect keeps the catalog's key"
        );

        let mut replayed = replay(&["CREATE TABLE t (a int);"], Dialect::Postgres);
        replayed.apply_effects(&record.effects);
        assert_eq!(replayed, catalog);
        let replayed_key = replayed.indexes.shared_key("t_a").expect("replayed key");
        assert!(
            Arc::ptr_eq(&replayed_key, &key),
            "a replay keeps the effect's key"
        );
    }

    #[test]
    fn a_journal_records_reads_and_effects_and_copies_a_table_once() {
        let mut catalog = replay(
            &["CREATE TABLE a (id int); CREATE TABLE b (id int);"],
            Dialect::Postgres,
        );
        catalog.begin_journal();
        let script: String = (0..50)
            .map(|i| format!("ALTER TABLE a ADD COLUMN c{i} int;\n"))
            .collect();
        replay_into(&mut catalog, &script, 2);
        // The table is the catalog's own after its first change: the next changes do not copy
        // it (a copy per statement made a 2,000-line migration quadratic).
        assert_eq!(
            std::sync::Arc::strong_count(catalog.tables.peek("a").unwrap()),
            1
        );
        let (record, written) = catalog.end_journal();
        assert_eq!(
            written
                .iter()
                .filter(|(p, k, _)| *p == Part::Tables && &**k == "a")
                .count(),
            1
        );
        assert!(record.reads_hash(Part::Tables, key_hash(Part::Tables, "a")));
        assert!(!record.reads_hash(Part::Tables, key_hash(Part::Tables, "b")));
        assert_eq!(record.effects.len(), 1);
        assert_eq!(&*record.effects[0].key, "a");
        // Its effects replay it: the same schema without reading a statement.
        let mut replayed = replay(
            &["CREATE TABLE a (id int); CREATE TABLE b (id int);"],
            Dialect::Postgres,
        );
        replayed.apply_effects(&record.effects);
        assert_eq!(replayed, catalog);
        assert_eq!(
            replayed.table(&Name::new(None, "a")).unwrap().columns.len(),
            51
        );
    }

    #[test]
    fn replays_ddl_in_order() {
        let catalog = replay(
            &[
                "CREATE TABLE users (id bigint PRIMARY KEY, name text); CREATE INDEX users_name ON users (name);",
                "ALTER TABLE users ADD COLUMN email text NOT NULL DEFAULT '', RENAME COLUMN name TO full_name;",
                "ALTER TABLE users RENAME TO members; DROP INDEX users_name;",
            ],
            Dialect::Postgres,
        );
        let members = catalog
            .table(&Name::new(None, "members"))
            .expect("renamed table");
        let columns: Vec<&str> = members
            .columns
            .iter()
            .map(|c| c.spec.name.as_str())
            .collect();
        assert_eq!(columns, vec!["id", "full_name", "email"]);
        assert_eq!(members.origin.migration(), "1");
        assert_eq!(members.changed_by.len(), 2);
        assert!(catalog.table(&Name::new(None, "users")).is_none());
        assert!(catalog.index("users_name").is_none());
        assert!(members.column("email").unwrap().spec.not_null);
    }

    #[test]
    fn columns_share_their_spec_with_the_statement_facts() {
        let (catalog, files) = replay_analysed(
            &[
                "CREATE TABLE t (id bigint, name text, PRIMARY KEY (id));",
                "ALTER TABLE t ADD COLUMN email text;",
            ],
            Dialect::Postgres,
        );
        let spec = |file: usize| match &files[file].statements[0].parsed.op {
            Op::CreateTable { columns, .. } => columns.clone(),
            Op::AlterTable { actions, .. } => match &actions[0] {
                AlterAction::AddColumn { column, .. } => vec![column.clone()],
                other => panic!("{other:?}"),
            },
            other => panic!("{other:?}"),
        };
        let t = catalog.table(&Name::new(None, "t")).unwrap();
        // One spec for the statement and the catalog, but for the column the table's primary
        // key changed (copied on write: the statement's facts keep what it wrote).
        assert!(std::sync::Arc::ptr_eq(
            &t.column("name").unwrap().spec,
            &spec(0)[1]
        ));
        assert!(std::sync::Arc::ptr_eq(
            &t.column("email").unwrap().spec,
            &spec(1)[0]
        ));
        assert!(t.column("id").unwrap().spec.primary_key);
        assert!(!spec(0)[0].primary_key);
    }

    #[test]
    fn mysql_indexes_and_drops() {
        let catalog = replay(
            &[
                "CREATE TABLE `a` (`id` BIGINT NOT NULL AUTO_INCREMENT, `n` VARCHAR(10), PRIMARY KEY (`id`), KEY `idx_n` (`n`)) ENGINE=InnoDB;",
                "ALTER TABLE a ADD INDEX idx_id_n (id, n), ALGORITHM=INPLACE, LOCK=NONE;",
                "ALTER TABLE a DROP INDEX idx_n; DROP TABLE IF EXISTS b;",
                "ALTER TABLE a ADD CONSTRAINT fk_a_self FOREIGN KEY (n) REFERENCES a (id);",
            ],
            Dialect::MySql,
        );
        assert!(catalog.index("idx_n").is_none());
        assert_eq!(*catalog.index("idx_id_n").unwrap().columns, ["id", "n"]);
        // MySQL backs a named foreign key with an index of the same name.
        assert!(catalog.index("fk_a_self").is_some());
        let a = catalog.table(&Name::new(None, "a")).unwrap();
        assert!(a.column("id").unwrap().spec.generated);
        assert!(a.column("id").unwrap().spec.primary_key);
    }

    #[test]
    fn dynamic_code_is_uncertain_only_for_what_it_names() {
        let missing = |c: &Catalog, n: &str| c.surely_missing_table(&Name::new(None, n));
        // Only a table the replay saw go is known to be missing: each case drops its names first.
        // A DO block executing literal SQL: x may exist, y is still known to be missing.
        let catalog = replay(
            &[
                "CREATE TABLE x (id int); DROP TABLE x; CREATE TABLE y (id int); DROP TABLE y;",
                "DO $$ BEGIN EXECUTE 'CREATE TABLE x (id int)'; END $$;",
            ],
            Dialect::Postgres,
        );
        assert!(!missing(&catalog, "x"));
        assert!(missing(&catalog, "y"));
        assert!(!catalog.is_uncertain());
        // A DO block building names it does not show: nothing can be told.
        let catalog = replay(
            &[
                "CREATE TABLE x (id int); DROP TABLE x; CREATE TABLE y (id int); DROP TABLE y;",
                "DO $$ DECLARE r record; BEGIN FOR r IN SELECT tablename FROM pg_tables LOOP EXECUTE format('ALTER TABLE %I ADD COLUMN z int', r.tablename); END LOOP; END $$;",
            ],
            Dialect::Postgres,
        );
        assert!(!missing(&catalog, "y"));
        // A routine's static SQL: the tables it names become uncertain, the rest stay known.
        let catalog = replay(
            &[
                "CREATE TABLE Account (id INT) ENGINE=InnoDB;\nCREATE TABLE Other (id INT) ENGINE=InnoDB;\nDROP TABLE IF EXISTS Fresh, Nope;",
                "DELIMITER $$\nCREATE PROCEDURE addCol()\nBEGIN\n  ALTER TABLE Account ADD COLUMN x INT;\n  CREATE TABLE Fresh (id INT);\nEND $$\nDELIMITER ;\nCALL addCol();",
            ],
            Dialect::MySql,
        );
        assert!(
            catalog
                .table(&Name::new(None, "account"))
                .unwrap()
                .uncertain
        );
        assert!(!catalog.table(&Name::new(None, "Other")).unwrap().uncertain);
        assert!(!missing(&catalog, "Fresh"));
        assert!(missing(&catalog, "Nope"));
        // A generic routine building statements from its arguments: each call touches the
        // names written in it; a call without any is unknowable.
        let generic = "DELIMITER $$\nCREATE PROCEDURE ADD_COLUMN(IN tname VARCHAR(64), IN cname VARCHAR(64))\nBEGIN\n  SET @sql = CONCAT('ALTER TABLE ', tname, ' ADD COLUMN ', cname, ' INT');\n  PREPARE stmt FROM @sql;\n  EXECUTE stmt;\nEND $$\nDELIMITER ;";
        let catalog = replay(
            &[
                "CREATE TABLE A (id INT) ENGINE=InnoDB;\nCREATE TABLE B (id INT) ENGINE=InnoDB;\nDROP TABLE IF EXISTS C;",
                &format!(
                    "{generic}\nCALL ADD_COLUMN('A', 'x');\nDROP PROCEDURE IF EXISTS ADD_COLUMN;"
                ),
            ],
            Dialect::MySql,
        );
        assert!(!catalog.is_uncertain());
        assert!(catalog.table(&Name::new(None, "a")).unwrap().uncertain);
        assert!(!catalog.table(&Name::new(None, "b")).unwrap().uncertain);
        assert!(missing(&catalog, "c"));
        let catalog = replay(
            &[
                "CREATE TABLE A (id INT) ENGINE=InnoDB;",
                &format!("{generic}\nSET @t = 'A';\nCALL ADD_COLUMN(@t, @c);"),
            ],
            Dialect::MySql,
        );
        assert!(catalog.is_uncertain());
        // Top-level PREPARE of an assembled statement: the names in its literals.
        let catalog = replay(
            &[
                "CREATE TABLE A (id INT) ENGINE=InnoDB;\nDROP TABLE IF EXISTS Made, Other;",
                "SET @s = 'CREATE TABLE Made (id INT)';\nPREPARE st FROM @s;\nEXECUTE st;\nDEALLOCATE PREPARE st;",
            ],
            Dialect::MySql,
        );
        assert!(!missing(&catalog, "made"));
        assert!(missing(&catalog, "other"));
        // zstack V2.3.2: a table the model does not know, renamed; the new name may exist.
        let catalog = replay(
            &[
                "CREATE TABLE A (id INT) ENGINE=InnoDB;\nDROP TABLE IF EXISTS AliyunRouterInterfaceVO, Other;",
                "RENAME TABLE VirtualRouterInterfaceVO TO AliyunRouterInterfaceVO;",
            ],
            Dialect::MySql,
        );
        assert!(!missing(&catalog, "AliyunRouterInterfaceVO"));
        assert!(missing(&catalog, "other"));
    }

    #[test]
    fn first_words_past_comments() {
        assert_eq!(first_word("  -- why\n/* how */ DO $$ BEGIN END $$"), "do");
        assert_eq!(first_word("Set @s = 'x'"), "set");
        assert_eq!(first_word("-- only a comment"), "");
    }

    #[test]
    fn mysql_table_character_sets() {
        assert_eq!(
            table_charset("CREATE TABLE `a` (`v` VARCHAR(3) CHARACTER SET latin1) ENGINE=InnoDB DEFAULT CHARSET=utf8;").as_deref(),
            Some("utf8")
        );
        assert_eq!(
            table_charset("CREATE TABLE a (v int) CHARACTER SET = 'utf8mb4' COLLATE utf8mb4_bin")
                .as_deref(),
            Some("utf8mb4")
        );
        assert_eq!(
            table_charset("ALTER TABLE a CONVERT TO CHARACTER SET utf8mb4 COLLATE utf8mb4_bin;")
                .as_deref(),
            Some("utf8mb4")
        );
        assert_eq!(table_charset("CREATE TABLE a (v int) ENGINE=InnoDB;"), None);
        let catalog = replay(
            &["CREATE TABLE A (v VARCHAR(3)) ENGINE=InnoDB DEFAULT CHARSET=utf8;\nCREATE TABLE B (v INT);"],
            Dialect::MySql,
        );
        assert_eq!(
            catalog
                .table(&Name::new(None, "a"))
                .unwrap()
                .charset
                .as_deref(),
            Some("utf8")
        );
        assert_eq!(catalog.table(&Name::new(None, "b")).unwrap().charset, None);
    }

    #[test]
    fn mysql_names_ignore_case_and_quotes() {
        let catalog = replay(
            &[
                "CREATE TABLE `zstack`.`AlertVO` (`uuid` VARCHAR(32), `level_Id` INT, UNIQUE KEY `ukName` (`uuid`)) ENGINE=InnoDB;",
                "ALTER TABLE alertvo CHANGE `level_Id` `level_id` INT;\nDROP TABLE IF EXISTS AlertVO;\nCREATE TABLE `AlertVO` (`uuid` VARCHAR(32), UNIQUE KEY `ukName` (`uuid`)) ENGINE=InnoDB;",
            ],
            Dialect::MySql,
        );
        let t = catalog.table(&Name::new(None, "ALERTVO")).unwrap();
        assert_eq!(t.origin.migration(), "2");
        assert!(catalog.index("UKNAME").is_some());
        let catalog = replay(
            &["CREATE TABLE t (`Level_Id` INT) ENGINE=InnoDB;\nALTER TABLE T CHANGE level_id level_id BIGINT;"],
            Dialect::MySql,
        );
        let t = catalog.table(&Name::new(None, "t")).unwrap();
        assert_eq!(t.columns.len(), 1);
        assert_eq!(t.column("LEVEL_ID").unwrap().spec.data_type, "BIGINT");
        // What the replay saw go is missing whatever the case it is named in.
        let catalog = replay(
            &["ALTER TABLE Outside ADD COLUMN a INT;\nCREATE TABLE `T` (id INT, KEY `Ix` (id)) ENGINE=InnoDB;\nALTER TABLE t DROP INDEX ix;\nDROP TABLE IF EXISTS Gone;"],
            Dialect::MySql,
        );
        assert!(catalog.has_outside_tables());
        assert!(catalog.surely_missing_table(&Name::new(None, "GONE")));
        assert!(catalog.surely_missing_index("IX"));
        assert!(!catalog.surely_missing_index("other_ix"));
        // PostgreSQL keeps quoted names apart.
        let catalog = replay(&["CREATE TABLE \"Users\" (id int);"], Dialect::Postgres);
        assert!(catalog.table(&Name::new(None, "users")).is_none());
    }

    #[test]
    fn the_schema_before_the_set_is_unknown() {
        let x = Name::new(None, "x");
        // Never created: it may come from a baseline or a dump, so it is not known missing.
        let catalog = replay(&["CREATE TABLE y (id int);"], Dialect::Postgres);
        assert!(!catalog.surely_missing_table(&x));
        assert!(!catalog.has_outside_tables());
        // Every table used was created by the set: its indexes are all known.
        assert!(catalog.surely_missing_index("y_idx"));
        // Used without being created: it existed, and so may its indexes.
        let catalog = replay(&["ALTER TABLE x ADD COLUMN a int;"], Dialect::Postgres);
        assert!(!catalog.surely_missing_table(&x));
        assert!(catalog.has_outside_tables());
        assert!(!catalog.surely_missing_index("x_idx"));
        // Dropped, or renamed away: known missing.
        let catalog = replay(
            &[
                "ALTER TABLE x RENAME TO z;",
                "CREATE INDEX x_a ON z (a); DROP INDEX x_a;",
            ],
            Dialect::Postgres,
        );
        assert!(catalog.surely_missing_table(&x));
        assert!(!catalog.surely_missing_table(&Name::new(None, "z")));
        assert!(catalog.surely_missing_index("x_a"));
        // Created again: there again.
        let catalog = replay(
            &["DROP TABLE x;", "CREATE TABLE x (id int);"],
            Dialect::Postgres,
        );
        assert!(!catalog.surely_missing_table(&x));
        assert!(catalog.table(&x).is_some());
    }

    #[test]
    fn forget_after_an_unreadable_migration() {
        let x = Name::new(None, "x");
        let mut catalog = replay(
            &["CREATE TABLE x (id int); CREATE INDEX x_id ON x (id); DROP TABLE gone;"],
            Dialect::Postgres,
        );
        assert!(catalog.surely_missing_table(&Name::new(None, "gone")));
        catalog.forget();
        // Anything may exist now, and what existed may be gone or have other columns.
        assert!(!catalog.surely_missing_table(&Name::new(None, "gone")));
        assert!(!catalog.surely_missing_index("other_idx"));
        let table = catalog.table(&x).unwrap();
        assert!(table.uncertain && table.maybe_gone);
        assert!(catalog.index("x_id").unwrap().maybe_gone);
        // A CREATE TABLE after it ran, so the table was gone: the new definition replaces it.
        let file = analyze("CREATE TABLE x (a int, b int);", Dialect::Postgres, None);
        catalog.apply(
            &file.statements[0].parsed.op,
            &Origin::new(
                &OriginFile::new(PathBuf::from("V9__x.sql"), "9"),
                file.statements[0].range(),
            ),
        );
        let table = catalog.table(&x).unwrap();
        assert!(!table.maybe_gone && !table.uncertain);
        assert_eq!(table.origin.migration(), "9");
        assert!(table.column("b").is_some());
    }
}
