//! The schema model: every migration's DDL replayed in version order into an in-memory catalog
//! of tables, columns and indexes, each with the migration that created it.
//!
//! Conservative by design: a statement the model cannot follow (an unparsed ALTER TABLE, a
//! routine, dynamic SQL) marks the tables it may touch as uncertain, and a `DO` block or routine
//! marks the whole catalog uncertain, so no "does not exist" is reported on a guess.

use std::collections::{BTreeMap, HashMap};

use crate::diagnostic::TextRange;
use crate::sql::facts::{AlterAction, ColumnSpec, ConstraintKind, Name, Op};

/// Where an object was defined or changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Origin {
    /// Shared: every table and column of a migration points at the same path.
    pub path: std::sync::Arc<std::path::Path>,
    /// The migration's version or description (for repeatables), as shown to users.
    pub migration: String,
    pub range: TextRange,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Column {
    pub spec: ColumnSpec,
    pub origin: Origin,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Table {
    pub name: Name,
    /// In table order; change them through the methods, which keep the name index in step.
    pub columns: Vec<Column>,
    pub origin: Origin,
    pub changed_by: Vec<Origin>,
    /// Something happened to it that the model could not follow.
    pub uncertain: bool,
    /// Column name (folded as the catalog folds) → position in `columns`.
    positions: HashMap<String, usize>,
    /// Column names compare without regard to case (MySQL, MariaDB).
    fold: bool,
}

impl Table {
    pub fn column(&self, name: &str) -> Option<&Column> {
        self.positions
            .get(&*fold(self.fold, name))
            .map(|&i| &self.columns[i])
    }

    fn column_mut(&mut self, name: &str) -> Option<&mut Column> {
        self.positions
            .get(&*fold(self.fold, name))
            .map(|&i| &mut self.columns[i])
    }

    fn reindex(&mut self) {
        self.positions = self
            .columns
            .iter()
            .enumerate()
            .map(|(i, c)| (fold(self.fold, &c.spec.name).into_owned(), i))
            .collect();
    }

    fn push_column(&mut self, column: Column) {
        self.positions.insert(
            fold(self.fold, &column.spec.name).into_owned(),
            self.columns.len(),
        );
        self.columns.push(column);
    }

    /// Replaces column `from` (renamed or redefined).
    fn replace_column(&mut self, from: &str, spec: ColumnSpec) {
        let from = fold(self.fold, from);
        if let Some(&i) = self.positions.get(&*from) {
            self.positions.remove(&*from);
            self.positions
                .insert(fold(self.fold, &spec.name).into_owned(), i);
            self.columns[i].spec = spec;
        }
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
    pub name: String,
    pub table: String,
    pub columns: Vec<String>,
    pub unique: bool,
    pub origin: Origin,
}

/// The schema at one point of the migration sequence.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Catalog {
    /// Shared between snapshots: cloning a catalog copies pointers, and a change copies only
    /// the table it touches.
    tables: BTreeMap<String, std::sync::Arc<Table>>,
    indexes: BTreeMap<String, Index>,
    /// True once a statement ran that may have created or dropped anything.
    pub uncertain: bool,
    /// Names compare without regard to case: MySQL and MariaDB columns and indexes always, and
    /// table names as far as a migration folder can tell (`lower_case_table_names` decides, and
    /// a folder that ran writes each table one way on a case-sensitive server).
    fold: bool,
}

impl Catalog {
    /// An empty catalog that compares names as `dialect` does.
    pub fn new(dialect: crate::sql::Dialect) -> Catalog {
        Catalog {
            fold: dialect == crate::sql::Dialect::MySql,
            ..Catalog::default()
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
        self.tables.get(&self.key(name)).map(|t| &**t)
    }

    pub fn tables(&self) -> impl Iterator<Item = &Table> {
        self.tables.values().map(|t| &**t)
    }

    pub fn index(&self, name: &str) -> Option<&Index> {
        self.indexes.get(&*fold(self.fold, name))
    }

    pub fn indexes(&self) -> impl Iterator<Item = &Index> {
        self.indexes.values()
    }

    /// Whether the model can vouch that `name` does not exist.
    pub fn surely_missing_table(&self, name: &Name) -> bool {
        !self.uncertain
            && name.schema.as_deref().is_none_or(|s| !s.starts_with("${"))
            && self.table(name).is_none()
    }

    /// Applies one statement's facts.
    pub fn apply(&mut self, op: &Op, origin: &Origin) {
        match op {
            Op::CreateTable {
                table,
                columns,
                constraints,
                as_query,
                ..
            } => {
                let k = self.key(table);
                if self.tables.contains_key(&k) {
                    return;
                }
                let mut columns: Vec<Column> = columns
                    .iter()
                    .map(|spec| Column {
                        spec: spec.clone(),
                        origin: origin.clone(),
                    })
                    .collect();
                for c in constraints.iter() {
                    if c.kind == ConstraintKind::PrimaryKey {
                        for col in columns
                            .iter_mut()
                            .filter(|col| c.columns.contains(&col.spec.name))
                        {
                            col.spec.primary_key = true;
                            col.spec.not_null = true;
                        }
                    }
                    // MySQL backs a foreign key with an index of the constraint's name.
                    if matches!(
                        c.kind,
                        ConstraintKind::Index | ConstraintKind::Unique | ConstraintKind::ForeignKey
                    ) {
                        if let Some(name) = &c.name {
                            self.indexes.insert(
                                fold(self.fold, name).into_owned(),
                                Index {
                                    name: name.clone(),
                                    table: k.clone(),
                                    columns: c.columns.clone(),
                                    unique: c.kind == ConstraintKind::Unique,
                                    origin: origin.clone(),
                                },
                            );
                        }
                    }
                }
                let mut new_table = Table {
                    name: (**table).clone(),
                    columns,
                    origin: origin.clone(),
                    changed_by: Vec::new(),
                    uncertain: *as_query,
                    positions: HashMap::new(),
                    fold: self.fold,
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
                let (k, table) = (self.key(name), self.key(table));
                self.indexes.entry(k).or_insert(Index {
                    name: name.name.clone(),
                    table,
                    columns: (**columns).clone(),
                    unique: *unique,
                    origin: origin.clone(),
                });
            }
            Op::DropIndex { names, .. } => {
                for name in names {
                    let k = self.key(name);
                    self.indexes.remove(&k);
                }
            }
            Op::DropTable { names, .. } => {
                for name in names {
                    let k = self.key(name);
                    self.tables.remove(&k);
                    self.indexes.retain(|_, index| index.table != k);
                }
            }
            Op::RenameTable { pairs } => {
                for (from, to) in pairs {
                    self.rename_table(from, to, Some(origin));
                }
            }
            Op::AlterTable { table, actions, .. } => self.alter(table, actions, origin),
            Op::Routine | Op::Other { .. } => {
                if matches!(op, Op::Routine) {
                    self.uncertain = true;
                }
            }
            _ => {}
        }
    }

    /// Renames a table; `origin` is recorded as a change unless the caller already did.
    fn rename_table(&mut self, from: &Name, to: &Name, origin: Option<&Origin>) {
        if let Some(mut shared) = self.tables.remove(&self.key(from)) {
            let table = std::sync::Arc::make_mut(&mut shared);
            table.name = to.clone();
            if let Some(origin) = origin {
                table.changed_by.push(origin.clone());
            }
            let new_key = self.key(to);
            let old_key = self.key(from);
            for index in self.indexes.values_mut().filter(|i| i.table == old_key) {
                index.table = new_key.clone();
            }
            self.tables.insert(new_key, shared);
        }
    }

    fn alter(&mut self, table: &Name, actions: &[AlterAction], origin: &Origin) {
        let k = self.key(table);
        let mut rename_to = None;
        let mut new_indexes = Vec::new();
        let mut dropped_indexes = Vec::new();
        {
            let Some(shared) = self.tables.get_mut(&k) else {
                return;
            };
            let t = std::sync::Arc::make_mut(shared);
            t.changed_by.push(origin.clone());
            for action in actions {
                match action {
                    AlterAction::AddColumn { column, .. } if t.column(&column.name).is_none() => {
                        t.push_column(Column {
                            spec: column.clone(),
                            origin: origin.clone(),
                        });
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
                            let mut spec = c.spec.clone();
                            spec.name = to.clone();
                            t.replace_column(from, spec);
                        }
                    }
                    AlterAction::ChangeColumn { from, column } => {
                        t.replace_column(from, column.clone());
                    }
                    AlterAction::SetNotNull { column } => set(t, column, |c| c.not_null = true),
                    AlterAction::DropNotNull { column } => set(t, column, |c| c.not_null = false),
                    AlterAction::SetDefault { column, default } => {
                        set(t, column, |c| c.default = Some(default.clone()))
                    }
                    AlterAction::DropDefault { column } => set(t, column, |c| c.default = None),
                    AlterAction::SetType { column, data_type } => {
                        set(t, column, |c| c.data_type = data_type.clone())
                    }
                    AlterAction::AddConstraint { constraint, .. } => {
                        if matches!(
                            constraint.kind,
                            ConstraintKind::Index
                                | ConstraintKind::Unique
                                | ConstraintKind::ForeignKey
                        ) {
                            if let Some(name) = &constraint.name {
                                new_indexes.push(Index {
                                    name: name.clone(),
                                    table: k.clone(),
                                    columns: constraint.columns.clone(),
                                    unique: constraint.kind == ConstraintKind::Unique,
                                    origin: origin.clone(),
                                });
                            }
                        }
                    }
                    AlterAction::DropIndex { name } => dropped_indexes.push(name.clone()),
                    AlterAction::RenameTo { to } => rename_to = Some(to.clone()),
                    AlterAction::Other(_) => t.uncertain = true,
                    _ => {}
                }
            }
        }
        for index in new_indexes {
            let k = fold(self.fold, &index.name).into_owned();
            self.indexes.entry(k).or_insert(index);
        }
        for name in dropped_indexes {
            self.indexes.remove(&*fold(self.fold, &name));
        }
        if let Some(to) = rename_to {
            self.rename_table(table, &to, None);
        }
    }
}

fn set(table: &mut Table, column: &str, f: impl FnOnce(&mut ColumnSpec)) {
    if let Some(c) = table.column_mut(column) {
        f(&mut c.spec);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sql::analysis::analyze;
    use crate::sql::Dialect;
    use std::path::PathBuf;

    fn replay(scripts: &[&str], dialect: Dialect) -> Catalog {
        let mut catalog = Catalog::default();
        for (i, script) in scripts.iter().enumerate() {
            let file = analyze(script, dialect, None);
            for st in &file.statements {
                catalog.apply(
                    &st.parsed.op,
                    &Origin {
                        path: PathBuf::from(format!("V{}__x.sql", i + 1)).into(),
                        migration: (i + 1).to_string(),
                        range: st.range(),
                    },
                );
            }
        }
        catalog
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
        assert_eq!(members.origin.migration, "1");
        assert_eq!(members.changed_by.len(), 2);
        assert!(catalog.table(&Name::new(None, "users")).is_none());
        assert!(catalog.index("users_name").is_none());
        assert!(members.column("email").unwrap().spec.not_null);
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
        assert_eq!(catalog.index("idx_id_n").unwrap().columns, vec!["id", "n"]);
        // MySQL backs a named foreign key with an index of the same name.
        assert!(catalog.index("fk_a_self").is_some());
        let a = catalog.table(&Name::new(None, "a")).unwrap();
        assert!(a.column("id").unwrap().spec.generated);
        assert!(a.column("id").unwrap().spec.primary_key);
    }

    #[test]
    fn routines_make_the_model_uncertain() {
        let catalog = replay(
            &["DO $$ BEGIN EXECUTE 'CREATE TABLE x (id int)'; END $$;"],
            Dialect::Postgres,
        );
        assert!(!catalog.surely_missing_table(&Name::new(None, "x")));
        let catalog = replay(&["CREATE TABLE y (id int);"], Dialect::Postgres);
        assert!(catalog.surely_missing_table(&Name::new(None, "x")));
    }
}
