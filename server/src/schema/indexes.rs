//! The catalog's indexes: the journaled map by (folded) name, and beside it a map from table
//! key to the names of that table's indexes, so that the indexes of one table are found
//! without reading every index of the folder (a large one has hundreds of thousands).
//!
//! The side map is derived: every change of the map by name goes through this type, which
//! keeps it in step; it is never journaled (what a reader of a table's indexes depends on is
//! journaled on the map by name, as a read of every index, as before). Both maps are chunked
//! and shared between copies ([`Tracked`]), so a catalog copy stays a pointer copy.

use std::sync::Arc;

use super::tracked::{make_room_for_one, Part, Tracked};
use super::Index;

#[derive(Debug, Clone)]
pub struct Indexes {
    by_name: Tracked<Arc<Index>>,
    /// Table key → the keys of its indexes in `by_name`, sorted; no empty lists.
    by_table: Tracked<Vec<Arc<str>>>,
}

impl PartialEq for Indexes {
    fn eq(&self, other: &Self) -> bool {
        // The side map follows from the map by name.
        self.by_name == other.by_name
    }
}

impl Eq for Indexes {}

impl Default for Indexes {
    fn default() -> Self {
        Indexes {
            by_name: Tracked::new(Part::Indexes),
            by_table: Tracked::new(Part::Indexes),
        }
    }
}

/// Reading goes to the map by name (journaled as it always was).
impl std::ops::Deref for Indexes {
    type Target = Tracked<Arc<Index>>;

    fn deref(&self) -> &Self::Target {
        &self.by_name
    }
}

impl Indexes {
    /// Moves index `key` in the side map from table `old` to table `new` (either absent);
    /// `shared` is the map by name's copy of the key, if the caller has it. The lists change in
    /// place, growing as a chunk's entries do ([`make_room_for_one`]): a table's list gains its
    /// indexes one at a time as migrations create them.
    fn relink(
        &mut self,
        key: &str,
        shared: Option<&Arc<str>>,
        old: Option<&Arc<str>>,
        new: Option<&Arc<str>>,
    ) {
        if old.map(|t| &**t) == new.map(|t| &**t) {
            return;
        }
        if let Some(table) = old {
            self.by_table.edit_shared(
                table,
                || Arc::clone(table),
                || None,
                |list| {
                    if let Ok(at) = list.binary_search_by(|k| (**k).cmp(key)) {
                        list.remove(at);
                        if list.capacity() > list.len() + list.len() / 8 + 1 {
                            list.shrink_to_fit();
                        }
                    }
                    !list.is_empty()
                },
            );
        }
        if let Some(table) = new {
            let shared = shared
                .cloned()
                .or_else(|| self.by_name.shared_key(key))
                .unwrap_or_else(|| Arc::from(key));
            self.by_table.edit_shared(
                table,
                || Arc::clone(table),
                || Some(Vec::new()),
                |list| {
                    if let Err(at) = list.binary_search_by(|k| (**k).cmp(key)) {
                        make_room_for_one(list);
                        list.insert(at, shared);
                    }
                    true
                },
            );
        }
    }

    fn table_of(&self, key: &str) -> Option<Arc<str>> {
        self.by_name.peek(key).map(|i| Arc::clone(&i.table))
    }

    /// [`Tracked::put_shared`]: a recorded effect replayed, without journaling it.
    pub fn put_shared(
        &mut self,
        at: &str,
        key: impl FnOnce() -> Arc<str>,
        value: Option<Arc<Index>>,
    ) {
        let old = self.table_of(at);
        let new = value.as_ref().map(|i| Arc::clone(&i.table));
        self.by_name.put_shared(at, key, value);
        self.relink(at, None, old.as_ref(), new.as_ref());
    }

    pub fn insert(&mut self, key: String, value: Arc<Index>) {
        self.insert_shared(key.into(), value);
    }

    pub fn insert_shared(&mut self, key: Arc<str>, value: Arc<Index>) {
        let at = Arc::clone(&key);
        self.insert_unless(&at, |_| false, || (key, value));
    }

    /// [`Tracked::insert_unless`], keeping the side map in step.
    pub fn insert_unless(
        &mut self,
        key: &str,
        keep: impl FnOnce(&Arc<Index>) -> bool,
        make: impl FnOnce() -> (Arc<str>, Arc<Index>),
    ) {
        let mut made = None;
        let replaced = self.by_name.insert_unless(key, keep, || {
            let (shared, index) = make();
            made = Some((Arc::clone(&shared), Arc::clone(&index.table)));
            (shared, index)
        });
        let (Some(replaced), Some((shared, new))) = (replaced, made) else {
            return;
        };
        let old = replaced.map(|index| Arc::clone(&index.table));
        // A key the map already had keeps the map's copy, which `relink` finds.
        let shared = old.is_none().then_some(&shared);
        self.relink(key, shared, old.as_ref(), Some(&new));
    }

    pub fn remove(&mut self, key: &str) -> Option<Arc<Index>> {
        let removed = self.by_name.remove(key);
        if let Some(index) = &removed {
            self.relink(key, None, Some(&index.table), None);
        }
        removed
    }

    /// The keys of the indexes on table `table` (a key as [`super::Catalog`] makes table keys),
    /// in key order. Journaled as a read of every index, as a scan of them would be.
    pub fn keys_on(&self, table: &str) -> Vec<Arc<str>> {
        self.by_name.read_all();
        self.by_table.peek(table).cloned().unwrap_or_default()
    }

    /// The indexes on table `table`, in key order ([`Indexes::keys_on`]).
    pub fn on(&self, table: &str) -> Vec<&Index> {
        self.keys_on(table)
            .iter()
            .filter_map(|k| self.by_name.peek(k))
            .map(|i| &**i)
            .collect()
    }

    /// Index `key` now belongs to table `table` (its table was renamed).
    pub fn move_to_table(&mut self, key: &str, table: &Arc<str>) {
        let Some(index) = self.by_name.get_mut(key) else {
            return;
        };
        let old = std::mem::replace(&mut Arc::make_mut(index).table, Arc::clone(table));
        self.relink(key, None, Some(&old), Some(table));
    }

    /// Every index may be gone (a migration the model cannot read ran); their tables stay.
    pub fn mark_maybe_gone(&mut self) {
        for index in self.by_name.values_mut() {
            Arc::make_mut(index).maybe_gone = true;
        }
    }

    /// Whether the side map holds exactly what the map by name says, no list with more room
    /// than [`make_room_for_one`] leaves (for tests).
    #[cfg(test)]
    pub fn consistent(&self) -> bool {
        let mut expected: std::collections::BTreeMap<String, Vec<String>> = Default::default();
        for (key, index) in self.by_name.iter() {
            expected
                .entry(index.table.to_string())
                .or_default()
                .push(key.to_string());
        }
        let found: std::collections::BTreeMap<String, Vec<String>> = self
            .by_table
            .iter()
            .map(|(t, keys)| (t.to_string(), keys.iter().map(|k| k.to_string()).collect()))
            .collect();
        expected == found
            && self
                .by_table
                .iter()
                .all(|(_, keys)| keys.capacity() <= keys.len() + keys.len() / 8 + 1)
    }
}
