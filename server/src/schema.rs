//! The schema model: every migration's DDL replayed in version order into an in-memory catalog
//! of tables, columns and indexes, each with the migration that created it.
//!
//! Conservative by design: a statement the model cannot follow (an unparsed ALTER TABLE, a
//! routine, dynamic SQL) marks the tables it may touch as uncertain, and a `DO` block or routine
//! marks the whole catalog uncertain, so no "does not exist" is reported on a guess.
//!
//! The schema before the first migration of a set is unknown, not empty: a baseline, a restored
//! dump, a Java migration or a hand-made table may have created anything. So a table is known to
//! be missing only when the replay saw it go (dropped, or renamed away); a table that is used
//! without any earlier `CREATE TABLE` existed before. A migration whose effect cannot be read (a
//! Java or Kotlin migration) is [`Catalog::forget`]: any table may exist or be gone after it.

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
    /// A migration the model cannot read ran after it was created: it may be gone.
    pub maybe_gone: bool,
    /// Column name → position in `columns`.
    positions: HashMap<String, usize>,
}

impl Table {
    pub fn column(&self, name: &str) -> Option<&Column> {
        self.positions.get(name).map(|&i| &self.columns[i])
    }

    fn column_mut(&mut self, name: &str) -> Option<&mut Column> {
        self.positions.get(name).map(|&i| &mut self.columns[i])
    }

    fn reindex(&mut self) {
        self.positions = self
            .columns
            .iter()
            .enumerate()
            .map(|(i, c)| (c.spec.name.clone(), i))
            .collect();
    }

    fn push_column(&mut self, column: Column) {
        self.positions
            .insert(column.spec.name.clone(), self.columns.len());
        self.columns.push(column);
    }

    /// Replaces column `from` (renamed or redefined).
    fn replace_column(&mut self, from: &str, spec: ColumnSpec) {
        if let Some(&i) = self.positions.get(from) {
            self.positions.remove(from);
            self.positions.insert(spec.name.clone(), i);
            self.columns[i].spec = spec;
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Index {
    pub name: String,
    pub table: String,
    pub columns: Vec<String>,
    pub unique: bool,
    pub origin: Origin,
    /// A migration the model cannot read ran after it was created: it may be gone.
    pub maybe_gone: bool,
}

/// The schema at one point of the migration sequence.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Catalog {
    /// Shared between snapshots: cloning a catalog copies pointers, and a change copies only
    /// the table it touches.
    tables: BTreeMap<String, std::sync::Arc<Table>>,
    /// Shared between snapshots like the tables.
    indexes: BTreeMap<String, std::sync::Arc<Index>>,
    /// True once a statement ran that may have created or dropped anything.
    pub uncertain: bool,
    /// Tables known to be missing: dropped or renamed away by a replayed statement.
    gone: std::collections::BTreeSet<String>,
    /// Indexes known to be missing: dropped by a replayed statement.
    gone_indexes: std::collections::BTreeSet<String>,
    /// A statement used a table that no replayed statement created: the schema the set started
    /// from (or a migration the model cannot read) holds tables, and their indexes, of its own.
    pub outside_tables: bool,
}

/// Tables are keyed by unqualified, case-folded name: migrations mix `users` and
/// `public.users`, and one schema per migration set is the common case.
fn key(name: &Name) -> String {
    name.name.clone()
}

impl Catalog {
    pub fn table(&self, name: &Name) -> Option<&Table> {
        self.tables.get(&key(name)).map(|t| &**t)
    }

    pub fn tables(&self) -> impl Iterator<Item = &Table> {
        self.tables.values().map(|t| &**t)
    }

    pub fn index(&self, name: &str) -> Option<&Index> {
        self.indexes.get(name).map(|i| &**i)
    }

    pub fn indexes(&self) -> impl Iterator<Item = &Index> {
        self.indexes.values().map(|i| &**i)
    }

    /// Whether the model can vouch that `name` does not exist: a replayed statement dropped it
    /// or renamed it away, and nothing since may have brought it back.
    pub fn surely_missing_table(&self, name: &Name) -> bool {
        !self.uncertain
            && name.schema.as_deref().is_none_or(|s| !s.starts_with("${"))
            && self.table(name).is_none()
            && self.gone.contains(&key(name))
    }

    /// Whether the model can vouch that index `name` does not exist: a replayed statement
    /// dropped it, or every table the set used was created by the set (so no index comes from
    /// the schema the set started from).
    pub fn surely_missing_index(&self, name: &str) -> bool {
        !self.uncertain
            && self.index(name).is_none()
            && (self.gone_indexes.contains(name) || !self.outside_tables)
    }

    /// A migration whose effect on the schema cannot be read ran (a Java or Kotlin migration):
    /// any table or index may now exist, be gone, or have other columns.
    pub fn forget(&mut self) {
        self.gone.clear();
        self.gone_indexes.clear();
        self.outside_tables = true;
        for shared in self.tables.values_mut() {
            let table = std::sync::Arc::make_mut(shared);
            table.uncertain = true;
            table.maybe_gone = true;
        }
        for index in self.indexes.values_mut() {
            std::sync::Arc::make_mut(index).maybe_gone = true;
        }
    }

    /// Applies one statement's facts.
    pub fn apply(&mut self, op: &Op, origin: &Origin) {
        // A table used before any replayed statement created it existed before the set.
        if !matches!(op, Op::CreateTable { .. } | Op::DropTable { .. }) {
            for table in op.tables() {
                let k = key(table);
                if !self.tables.contains_key(&k) && !self.gone.contains(&k) {
                    self.outside_tables = true;
                }
            }
        }
        match op {
            Op::CreateTable {
                table,
                columns,
                constraints,
                as_query,
                ..
            } => {
                let k = key(table);
                // A table that may be gone is replaced: this statement ran, so it was.
                if self.tables.get(&k).is_some_and(|t| !t.maybe_gone) {
                    return;
                }
                self.gone.remove(&k);
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
                                name.clone(),
                                std::sync::Arc::new(Index {
                                    name: name.clone(),
                                    table: k.clone(),
                                    columns: c.columns.clone(),
                                    unique: c.kind == ConstraintKind::Unique,
                                    origin: origin.clone(),
                                    maybe_gone: false,
                                }),
                            );
                            self.gone_indexes.remove(name);
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
                    positions: HashMap::new(),
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
                self.add_index(Index {
                    name: name.name.clone(),
                    table: key(table),
                    columns: (**columns).clone(),
                    unique: *unique,
                    origin: origin.clone(),
                    maybe_gone: false,
                });
            }
            Op::DropIndex { names, .. } => {
                for name in names {
                    self.indexes.remove(&name.name);
                    self.gone_indexes.insert(name.name.clone());
                }
            }
            Op::DropTable { names, .. } => {
                for name in names {
                    let k = key(name);
                    self.tables.remove(&k);
                    let gone_indexes = &mut self.gone_indexes;
                    self.indexes.retain(|name, index| {
                        let keep = index.table != k;
                        if !keep {
                            gone_indexes.insert(name.clone());
                        }
                        keep
                    });
                    self.gone.insert(k);
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

    /// Adds an index; one that may be gone is replaced (the statement creating it ran).
    fn add_index(&mut self, index: Index) {
        self.gone_indexes.remove(&index.name);
        if self.indexes.get(&index.name).is_none_or(|i| i.maybe_gone) {
            self.indexes
                .insert(index.name.clone(), std::sync::Arc::new(index));
        }
    }

    /// Renames a table; `origin` is recorded as a change unless the caller already did.
    fn rename_table(&mut self, from: &Name, to: &Name, origin: Option<&Origin>) {
        self.gone.insert(key(from));
        self.gone.remove(&key(to));
        if let Some(mut shared) = self.tables.remove(&key(from)) {
            let table = std::sync::Arc::make_mut(&mut shared);
            table.name = to.clone();
            if let Some(origin) = origin {
                table.changed_by.push(origin.clone());
            }
            let new_key = key(to);
            for index in self.indexes.values_mut().filter(|i| i.table == key(from)) {
                std::sync::Arc::make_mut(index).table = new_key.clone();
            }
            self.tables.insert(new_key, shared);
        }
    }

    fn alter(&mut self, table: &Name, actions: &[AlterAction], origin: &Origin) {
        let k = key(table);
        let mut rename_to = None;
        let mut new_indexes = Vec::new();
        let mut dropped_indexes = Vec::new();
        {
            let Some(shared) = self.tables.get_mut(&k) else {
                // A table from before the set: only a rename is followed.
                for action in actions {
                    if let AlterAction::RenameTo { to } = action {
                        self.gone.insert(k.clone());
                        self.gone.remove(&key(to));
                    }
                }
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
                        t.columns.retain(|c| !names.contains(&c.spec.name));
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
                                    maybe_gone: false,
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
            self.add_index(index);
        }
        for name in dropped_indexes {
            self.indexes.remove(&name);
            self.gone_indexes.insert(name);
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
            &[
                "CREATE TABLE x (id int); DROP TABLE x;",
                "DO $$ BEGIN EXECUTE 'CREATE TABLE x (id int)'; END $$;",
            ],
            Dialect::Postgres,
        );
        assert!(!catalog.surely_missing_table(&Name::new(None, "x")));
        let catalog = replay(
            &["CREATE TABLE x (id int); DROP TABLE x;"],
            Dialect::Postgres,
        );
        assert!(catalog.surely_missing_table(&Name::new(None, "x")));
    }

    #[test]
    fn the_schema_before_the_set_is_unknown() {
        let x = Name::new(None, "x");
        // Never created: it may come from a baseline or a dump, so it is not known missing.
        let catalog = replay(&["CREATE TABLE y (id int);"], Dialect::Postgres);
        assert!(!catalog.surely_missing_table(&x));
        assert!(!catalog.outside_tables);
        // Every table used was created by the set: its indexes are all known.
        assert!(catalog.surely_missing_index("y_idx"));
        // Used without being created: it existed, and so may its indexes.
        let catalog = replay(&["ALTER TABLE x ADD COLUMN a int;"], Dialect::Postgres);
        assert!(!catalog.surely_missing_table(&x));
        assert!(catalog.outside_tables);
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
            &Origin {
                path: PathBuf::from("V9__x.sql").into(),
                migration: "9".into(),
                range: file.statements[0].range(),
            },
        );
        let table = catalog.table(&x).unwrap();
        assert!(!table.maybe_gone && !table.uncertain);
        assert_eq!(table.origin.migration, "9");
        assert!(table.column("b").is_some());
    }
}
