//! The catalog's collections, able to keep a journal of one migration's replay: which keys it
//! read (hashed), which it changed (with the value before the first change), and whether it
//! read or changed a whole collection. The engine turns a journal into the migration's
//! dependencies and effects ([`super::Record`]): a later re-check re-runs only the migrations
//! whose dependencies changed and replays the others from their effects.
//!
//! A journal is off unless [`super::Catalog::begin_journal`] turned it on; clones start
//! without one; equality ignores it.

use std::collections::BTreeMap;
use std::hash::{Hash, Hasher};
use std::sync::{Arc, Mutex};

/// The collections of a catalog, as journals and key hashes name them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Part {
    Tables,
    Indexes,
    Gone,
    GoneIndexes,
    Dynamic,
    Opaque,
    Variables,
    Uncertain,
    Outside,
}

impl Part {
    pub fn bit(self) -> u16 {
        1 << (self as u16)
    }
}

/// A key's identity in a read set: a hash of its collection and name. Two keys that hash alike
/// only make a migration re-checked when it need not be.
pub fn key_hash(part: Part, key: &str) -> u64 {
    // `new` uses fixed keys: the same hash in every process.
    let mut h = std::collections::hash_map::DefaultHasher::new();
    part.hash(&mut h);
    key.hash(&mut h);
    h.finish()
}

/// What one collection saw while a journal was on.
#[derive(Debug)]
pub struct Log<V> {
    pub reads: Vec<u64>,
    /// Something read every entry (an iteration, a `retain`).
    pub whole_read: bool,
    /// Something changed entries it did not name (`values_mut`): no summary can replay it.
    pub whole_write: bool,
    /// Keys changed, each with its value before the first change (`None`: absent).
    pub writes: Vec<(String, V)>,
    /// The keys in `writes`: a value is taken only on a key's first change (a copy taken on
    /// every change would keep the value shared, and make every change copy it).
    written: std::collections::HashSet<String>,
}

impl<V> Default for Log<V> {
    fn default() -> Self {
        Log {
            reads: Vec::new(),
            whole_read: false,
            whole_write: false,
            writes: Vec::new(),
            written: std::collections::HashSet::new(),
        }
    }
}

/// An optional journal; clones start without one and equality ignores it.
pub struct Journal<V>(Mutex<Option<Log<V>>>);

impl<V> Default for Journal<V> {
    fn default() -> Self {
        Journal(Mutex::new(None))
    }
}

impl<V> Clone for Journal<V> {
    fn clone(&self) -> Self {
        Journal::default()
    }
}

impl<V> std::fmt::Debug for Journal<V> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Journal")
    }
}

impl<V> Journal<V> {
    fn with(&self, f: impl FnOnce(&mut Log<V>)) {
        let mut guard = self.0.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(log) = guard.as_mut() {
            f(log);
        }
    }

    fn begin(&self) {
        *self.0.lock().unwrap_or_else(|e| e.into_inner()) = Some(Log::default());
    }

    fn end(&self) -> Option<Log<V>> {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).take()
    }
}

/// A map from folded names, journaled per key. Its methods mirror `BTreeMap`'s.
///
/// Shared between clones (a catalog snapshot costs a few pointer copies): the first change
/// after a clone copies the map, with its keys shared.
#[derive(Debug, Clone)]
pub struct Tracked<V> {
    part: Part,
    map: Arc<BTreeMap<Arc<str>, V>>,
    journal: Journal<Option<V>>,
}

impl<V: PartialEq> PartialEq for Tracked<V> {
    fn eq(&self, other: &Self) -> bool {
        self.map == other.map
    }
}

impl<V: Eq> Eq for Tracked<V> {}

impl<V: Clone> Tracked<V> {
    pub fn new(part: Part) -> Self {
        Tracked {
            part,
            map: Arc::new(BTreeMap::new()),
            journal: Journal::default(),
        }
    }

    fn read(&self, key: &str) {
        self.journal
            .with(|log| log.reads.push(key_hash(self.part, key)));
    }

    fn write(&self, key: &str) {
        self.journal.with(|log| {
            log.reads.push(key_hash(self.part, key));
            if !log.written.contains(key) {
                log.written.insert(key.to_string());
                log.writes
                    .push((key.to_string(), self.map.get(key).cloned()));
            }
        });
    }

    fn whole_read(&self) {
        self.journal.with(|log| log.whole_read = true);
    }

    pub fn get(&self, key: &str) -> Option<&V> {
        self.read(key);
        self.map.get(key)
    }

    pub fn contains_key(&self, key: &str) -> bool {
        self.read(key);
        self.map.contains_key(key)
    }

    pub fn get_mut(&mut self, key: &str) -> Option<&mut V> {
        if !self.map.contains_key(key) {
            self.read(key);
            return None;
        }
        self.write(key);
        Arc::make_mut(&mut self.map).get_mut(key)
    }

    pub fn insert(&mut self, key: String, value: V) {
        self.write(&key);
        Arc::make_mut(&mut self.map).insert(key.into(), value);
    }

    pub fn remove(&mut self, key: &str) -> Option<V> {
        self.write(key);
        if !self.map.contains_key(key) {
            return None;
        }
        Arc::make_mut(&mut self.map).remove(key)
    }

    /// Keeps the entries `keep` accepts (reading all of them).
    pub fn retain(&mut self, mut keep: impl FnMut(&str, &V) -> bool) {
        self.whole_read();
        let doomed: Vec<Arc<str>> = self
            .map
            .iter()
            .filter(|(k, v)| !keep(k, v))
            .map(|(k, _)| k.clone())
            .collect();
        for k in doomed {
            self.remove(&k);
        }
    }

    /// Every entry, for a change not keyed by name: the journal can no longer summarise it.
    pub fn values_mut(&mut self) -> impl Iterator<Item = &mut V> {
        self.journal.with(|log| log.whole_write = true);
        Arc::make_mut(&mut self.map).values_mut()
    }

    pub fn values(&self) -> impl Iterator<Item = &V> {
        self.whole_read();
        self.map.values()
    }

    pub fn iter(&self) -> impl Iterator<Item = (&str, &V)> {
        self.whole_read();
        self.map.iter().map(|(k, v)| (&**k, v))
    }

    pub fn is_empty(&self) -> bool {
        self.whole_read();
        self.map.is_empty()
    }

    pub fn clear(&mut self) {
        self.journal.with(|log| log.whole_write = true);
        if !self.map.is_empty() {
            self.map = Arc::new(BTreeMap::new());
        }
    }

    /// The value without journaling it (for the engine comparing runs).
    pub fn peek(&self, key: &str) -> Option<&V> {
        self.map.get(key)
    }

    /// Sets or removes a key without journaling it (replaying a recorded effect).
    pub fn put(&mut self, key: &str, value: Option<V>) {
        match value {
            Some(v) => {
                Arc::make_mut(&mut self.map).insert(key.into(), v);
            }
            None => {
                if self.map.contains_key(key) {
                    Arc::make_mut(&mut self.map).remove(key);
                }
            }
        }
    }

    pub fn begin_journal(&self) {
        self.journal.begin();
    }

    pub fn end_journal(&self) -> Option<Log<Option<V>>> {
        self.journal.end()
    }
}

/// A set of folded names: a map to `()`.
impl Tracked<()> {
    pub fn contains(&self, key: &str) -> bool {
        self.contains_key(key)
    }

    pub fn add(&mut self, key: String) {
        self.insert(key, ());
    }
}

/// A flag of the whole catalog, journaled like a key.
#[derive(Debug, Clone)]
pub struct Flag {
    part: Part,
    value: bool,
    journal: Journal<bool>,
}

impl PartialEq for Flag {
    fn eq(&self, other: &Self) -> bool {
        self.value == other.value
    }
}

impl Eq for Flag {}

impl Flag {
    pub fn new(part: Part) -> Flag {
        Flag {
            part,
            value: false,
            journal: Journal::default(),
        }
    }

    pub fn get(&self) -> bool {
        self.journal
            .with(|log| log.reads.push(key_hash(self.part, "")));
        self.value
    }

    pub fn set(&mut self, value: bool) {
        let before = self.value;
        self.journal.with(|log| {
            log.reads.push(key_hash(self.part, ""));
            if log.writes.is_empty() {
                log.writes.push((String::new(), before));
            }
        });
        self.value = value;
    }

    pub fn peek(&self) -> bool {
        self.value
    }

    pub fn put(&mut self, value: bool) {
        self.value = value;
    }

    pub fn begin_journal(&self) {
        self.journal.begin();
    }

    pub fn end_journal(&self) -> Option<Log<bool>> {
        self.journal.end()
    }
}
