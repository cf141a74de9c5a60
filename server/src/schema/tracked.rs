//! The catalog's collections, able to keep a journal of one migration's replay: which keys it
//! read (hashed), which it changed (with the value before the first change), and whether it
//! read or changed a whole collection. The engine turns a journal into the migration's
//! dependencies and effects ([`super::Record`]): a later re-check re-runs only the migrations
//! whose dependencies changed and replays the others from their effects.
//!
//! A journal is off unless [`super::Catalog::begin_journal`] turned it on; clones start
//! without one; equality ignores it.

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
/// only make a migration re-checked when it need not be; 32 bits, as every file's record keeps
/// the hashes of the keys it read (a large folder's records hold millions).
pub fn key_hash(part: Part, key: &str) -> u32 {
    // A fast hash with a fixed seed: the same key, the same hash, on every call.
    use std::hash::BuildHasher;
    let mut h = foldhash::fast::FixedState::default().build_hasher();
    part.hash(&mut h);
    key.hash(&mut h);
    h.finish() as u32
}

/// What one collection saw while a journal was on.
#[derive(Debug)]
pub struct Log<V> {
    pub reads: Vec<u32>,
    /// Something read every entry (an iteration, a `retain`).
    pub whole_read: bool,
    /// Something changed entries it did not name (`values_mut`): no summary can replay it.
    pub whole_write: bool,
    /// Keys changed, each with its value before the first change (`None`: absent). A key is
    /// the map's own copy where the map had one (or the one it was given), so the record the
    /// engine makes of it shares it, and journaling a change copies no name.
    pub writes: Vec<(Arc<str>, V)>,
    /// The keys in `writes`: a value is taken only on a key's first change (a copy taken on
    /// every change would keep the value shared, and make every change copy it).
    written: foldhash::HashSet<Arc<str>>,
}

impl<V> Default for Log<V> {
    fn default() -> Self {
        Log {
            reads: Vec::new(),
            whole_read: false,
            whole_write: false,
            writes: Vec::new(),
            written: foldhash::HashSet::default(),
        }
    }
}

impl<V> Log<Option<V>> {
    /// A change of `key`: a read, and on its first change the key (the map's copy from
    /// `entry`, else `fresh`'s) with its value before.
    fn note_write(
        &mut self,
        part: Part,
        key: &str,
        entry: Option<(&Arc<str>, &V)>,
        fresh: impl FnOnce() -> Arc<str>,
    ) where
        V: Clone,
    {
        self.reads.push(key_hash(part, key));
        if !self.written.contains(key) {
            let (shared, before) = match entry {
                Some((k, v)) => (Arc::clone(k), Some(v.clone())),
                None => (fresh(), None),
            };
            self.written.insert(Arc::clone(&shared));
            self.writes.push((shared, before));
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

/// Makes room for one more item in a full `list` by growing it an eighth, not doubling it: the
/// catalog's lists (a chunk's entries, a table's columns) are copied at their size on a change,
/// and most gain few items after that, so the room a doubling leaves would mostly stay empty;
/// yet not one at a time, which would make thousands of inserts quadratic.
pub(super) fn make_room_for_one<T>(list: &mut Vec<T>) {
    if list.len() == list.capacity() {
        list.reserve_exact(list.len() / 8 + 1);
    }
}

type Chunk<V> = Arc<Entries<V>>;

/// One entry of a chunk. `prefix` is the key's first eight bytes, big-endian and padded with
/// zeros: ordering by it, then by the whole key, is the keys' own order, and a binary search
/// compares the integers in the entries it visits instead of following each key's pointer
/// to its text (a cache miss each in a large catalog), reading a key's text only where the
/// prefixes are equal.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Entry<V> {
    prefix: u64,
    key: Arc<str>,
    value: V,
}

/// A key's first eight bytes as a big-endian integer, zero-padded ([`Entry::prefix`]).
fn prefix_of(key: &str) -> u64 {
    let bytes = key.as_bytes();
    let mut first = [0u8; 8];
    let n = bytes.len().min(8);
    first[..n].copy_from_slice(&bytes[..n]);
    u64::from_be_bytes(first)
}

/// The entries of one chunk, sorted by key in one vector: 32 bytes an entry where a key and
/// value are pointers (a `BTreeMap`'s nodes, half to two thirds full, took ~48: the indexes
/// of a 10,000-file folder filled 13 MB of them). A chunk holds a few hundred entries at
/// most, so an insert's move of the ones after it is short.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Entries<V>(Vec<Entry<V>>);

impl<V> Default for Entries<V> {
    fn default() -> Self {
        Entries(Vec::new())
    }
}

impl<V> Entries<V> {
    fn find(&self, key: &str) -> Result<usize, usize> {
        let prefix = prefix_of(key);
        self.0
            .binary_search_by(|e| e.prefix.cmp(&prefix).then_with(|| (*e.key).cmp(key)))
    }

    #[cfg(test)]
    fn get_key_value(&self, key: &str) -> Option<(&Arc<str>, &V)> {
        let at = self.find(key).ok()?;
        let e = &self.0[at];
        Some((&e.key, &e.value))
    }

    #[cfg(test)]
    fn get(&self, key: &str) -> Option<&V> {
        self.get_key_value(key).map(|(_, v)| v)
    }

    fn contains_key(&self, key: &str) -> bool {
        self.find(key).is_ok()
    }

    /// Sets `at`'s value, making its key with `key` if it has none yet.
    fn put(&mut self, at: &str, key: impl FnOnce() -> Arc<str>, value: V) {
        self.put_found(self.find(at), key, value);
    }

    /// Sets the value where [`Self::find`] found its key (`Ok`), or inserts the key made by
    /// `key` where it belongs (`Err`); the value it replaced.
    fn put_found(
        &mut self,
        found: Result<usize, usize>,
        key: impl FnOnce() -> Arc<str>,
        value: V,
    ) -> Option<V> {
        match found {
            Ok(i) => Some(std::mem::replace(&mut self.0[i].value, value)),
            Err(i) => {
                make_room_for_one(&mut self.0);
                let key = key();
                self.0.insert(
                    i,
                    Entry {
                        prefix: prefix_of(&key),
                        key,
                        value,
                    },
                );
                None
            }
        }
    }

    fn remove(&mut self, key: &str) -> Option<V> {
        let at = self.find(key).ok()?;
        Some(self.0.remove(at).value)
    }

    /// [`Tracked::edit_shared`] in this chunk.
    fn edit(
        &mut self,
        at: &str,
        key: impl FnOnce() -> Arc<str>,
        make: impl FnOnce() -> Option<V>,
        edit: impl FnOnce(&mut V) -> bool,
    ) {
        match self.find(at) {
            Ok(i) => {
                if !edit(&mut self.0[i].value) {
                    self.0.remove(i);
                }
            }
            Err(i) => {
                let Some(mut value) = make() else {
                    return;
                };
                if edit(&mut value) {
                    self.put_found(Err(i), key, value);
                }
            }
        }
    }

    fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    fn values_mut(&mut self) -> impl Iterator<Item = &mut V> {
        self.0.iter_mut().map(|e| &mut e.value)
    }

    /// The key and value at `i` (a place [`Self::find`] gave).
    fn at(&self, i: usize) -> (&Arc<str>, &V) {
        let e = &self.0[i];
        (&e.key, &e.value)
    }
}

/// A chunk is cut in two once it holds more entries than this: small enough that an insert's
/// move and a re-check's copy of a chunk stay short, large enough that the fences stay few.
const MAX_CHUNK: usize = 256;

/// The first key of a chunk (all but the first chunk have one), with its prefix
/// ([`Entry::prefix`]): a key belongs to the last chunk whose fence is not above it.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Fence {
    prefix: u64,
    key: Arc<str>,
}

/// A map from folded names, journaled per key. Its methods mirror `BTreeMap`'s (iteration in
/// key order too).
///
/// Shared between clones (a catalog snapshot costs a pointer copy), and cut into chunks of
/// consecutive keys ([`MAX_CHUNK`] entries at most), each shared on its own: the first change
/// of a key after a clone copies the list of chunks (pointers) and the one chunk the key is
/// in, with its keys shared, so a re-check's copies of a large catalog cost what they change,
/// not its size. Chunks of consecutive keys, not of keys spread by a hash: the names a
/// migration creates are mostly alike (a table's indexes), so its inserts land in a chunk the
/// processor has at hand, where chunks by hash made each insert's binary search a string of
/// cache misses (a tenth of a 10,000-file folder's first check).
#[derive(Debug, Clone)]
pub struct Tracked<V> {
    part: Part,
    /// In key order; never empty.
    chunks: Arc<Vec<Chunk<V>>>,
    /// `fences[i]` is the first key of `chunks[i + 1]` (chunks emptied by removals keep
    /// their fence: it still divides the keys).
    fences: Arc<Vec<Fence>>,
    /// The chunk the last look-up found: tried first (the rules of a statement look up its
    /// table again and again, and a migration's names are mostly alike).
    hint: Hint,
    /// Where in its chunk the last key found was: tried first too, a look-up of the same key
    /// again costs one comparison of it, not a binary search.
    spot: Hint,
    journal: Journal<Option<V>>,
}

/// A chunk index or place in a chunk that is only a guess (any value is safe): shared by the
/// threads reading one map, copied by clones, ignored by equality.
#[derive(Debug, Default)]
struct Hint(std::sync::atomic::AtomicUsize);

impl Clone for Hint {
    fn clone(&self) -> Self {
        Hint(self.get().into())
    }
}

impl Hint {
    fn get(&self) -> usize {
        self.0.load(std::sync::atomic::Ordering::Relaxed)
    }

    fn set(&self, at: usize) {
        self.0.store(at, std::sync::atomic::Ordering::Relaxed);
    }
}

impl<V: PartialEq> PartialEq for Tracked<V> {
    fn eq(&self, other: &Self) -> bool {
        if Arc::ptr_eq(&self.chunks, &other.chunks) {
            return true;
        }
        if self.fences == other.fences {
            return self
                .chunks
                .iter()
                .zip(other.chunks.iter())
                .all(|(a, b)| Arc::ptr_eq(a, b) || a == b);
        }
        // Cut at other places (maps built in another order): entry by entry.
        self.entries().eq(other.entries())
    }
}

impl<V: Eq> Eq for Tracked<V> {}

impl<V> Tracked<V> {
    /// Every entry, in key order (the chunks are in key order).
    fn entries(&self) -> impl Iterator<Item = (&Arc<str>, &V)> {
        self.chunks
            .iter()
            .flat_map(|c| c.0.iter().map(|e| (&e.key, &e.value)))
    }
}

impl<V: Clone> Tracked<V> {
    pub fn new(part: Part) -> Self {
        Tracked {
            part,
            chunks: Arc::new(vec![Arc::new(Entries::default())]),
            fences: Arc::default(),
            hint: Hint::default(),
            spot: Hint::default(),
            journal: Journal::default(),
        }
    }

    /// The index of the chunk `key` belongs in: the last one found if it is that one, else
    /// found by a binary search of the fences (most of it in their prefixes).
    fn chunk_of(&self, key: &str) -> usize {
        let prefix = prefix_of(key);
        let below = |f: &Fence| {
            f.prefix
                .cmp(&prefix)
                .then_with(|| (*f.key).cmp(key))
                .is_le()
        };
        let guess = self.hint.get();
        let fences = &self.fences;
        if guess <= fences.len()
            && (guess == 0 || below(&fences[guess - 1]))
            && fences.get(guess).is_none_or(|f| !below(f))
        {
            return guess;
        }
        let at = fences.partition_point(below);
        self.hint.set(at);
        at
    }

    /// The chunk `key` belongs in, and where in it: `Ok` where it is, `Err` where it would go.
    /// The place of the last key found is tried first.
    fn locate(&self, key: &str) -> (usize, Result<usize, usize>) {
        let at = self.chunk_of(key);
        let entries = &self.chunks[at];
        let spot = self.spot.get();
        if entries
            .0
            .get(spot)
            .is_some_and(|e| e.prefix == prefix_of(key) && *e.key == *key)
        {
            return (at, Ok(spot));
        }
        let found = entries.find(key);
        if let Ok(i) = found {
            self.spot.set(i);
        }
        (at, found)
    }

    /// The value of `key` ([`Self::locate`]), unjournaled.
    fn value_of(&self, key: &str) -> Option<(&Arc<str>, &V)> {
        let (at, found) = self.locate(key);
        found.ok().map(|i| self.chunks[at].at(i))
    }

    /// Chunk `at`, to change: copied first if shared.
    fn chunk_at_mut(&mut self, at: usize) -> &mut Entries<V> {
        Arc::make_mut(&mut Arc::make_mut(&mut self.chunks)[at])
    }

    /// Cuts chunk `at` in two if an insert made it larger than [`MAX_CHUNK`].
    fn split_if_full(&mut self, at: usize) {
        if self.chunks[at].0.len() <= MAX_CHUNK {
            return;
        }
        let entries = self.chunk_at_mut(at);
        let right: Vec<Entry<V>> = entries.0.split_off(entries.0.len() / 2);
        entries.0.shrink_to_fit();
        let fence = Fence {
            prefix: right[0].prefix,
            key: Arc::clone(&right[0].key),
        };
        Arc::make_mut(&mut self.chunks).insert(at + 1, Arc::new(Entries(right)));
        Arc::make_mut(&mut self.fences).insert(at, fence);
    }

    fn read(&self, key: &str) {
        self.journal
            .with(|log| log.reads.push(key_hash(self.part, key)));
    }

    /// Journals a change of `key`, which the caller has looked up: `entry` is where it is
    /// (`None`: absent), `fresh` gives the key to journal if absent.
    fn write_found(
        &self,
        key: &str,
        entry: Option<(&Arc<str>, &V)>,
        fresh: impl FnOnce() -> Arc<str>,
    ) {
        self.journal
            .with(|log| log.note_write(self.part, key, entry, fresh));
    }

    fn whole_read(&self) {
        self.journal.with(|log| log.whole_read = true);
    }

    /// Journals a read of every entry (a reader that found its entries another way, as an
    /// iteration would have).
    pub fn read_all(&self) {
        self.whole_read();
    }

    pub fn get(&self, key: &str) -> Option<&V> {
        self.read(key);
        self.value_of(key).map(|(_, v)| v)
    }

    pub fn contains_key(&self, key: &str) -> bool {
        self.read(key);
        self.value_of(key).is_some()
    }

    // The changes below look a key up once: its chunk found by the fences, its place in the
    // chunk by one binary search, shared by the journal and the change (a large folder's replay
    // makes hundreds of thousands of them, each search a few cache misses).

    pub fn get_mut(&mut self, key: &str) -> Option<&mut V> {
        let (at, found) = self.locate(key);
        let Ok(i) = found else {
            self.read(key);
            return None;
        };
        self.write_found(key, Some(self.chunks[at].at(i)), || key.into());
        Some(&mut Arc::make_mut(&mut Arc::make_mut(&mut self.chunks)[at]).0[i].value)
    }

    pub fn insert(&mut self, key: String, value: V) {
        self.insert_shared(key.into(), value);
    }

    /// [`Self::insert`] with a key already shared (an index's own name); the value it replaced.
    /// A key already present keeps the map's copy.
    pub fn insert_shared(&mut self, key: Arc<str>, value: V) -> Option<V> {
        let at = Arc::clone(&key);
        self.insert_unless(&at, |_| false, || (key, value))
            .flatten()
    }

    /// [`Self::get`] then, unless `keep` accepts the value found, [`Self::insert_shared`] of
    /// what `make` gives (its key equal to `key`), in one look-up: `None` if it kept the value,
    /// else the value it replaced.
    pub fn insert_unless(
        &mut self,
        key: &str,
        keep: impl FnOnce(&V) -> bool,
        make: impl FnOnce() -> (Arc<str>, V),
    ) -> Option<Option<V>> {
        let (at, found) = self.locate(key);
        if let Ok(i) = found {
            if keep(&self.chunks[at].0[i].value) {
                self.read(key);
                return None;
            }
        }
        let (shared, value) = make();
        debug_assert_eq!(&*shared, key);
        let entry = found.ok().map(|i| self.chunks[at].at(i));
        self.write_found(key, entry, || Arc::clone(&shared));
        let replaced = self.chunk_at_mut(at).put_found(found, || shared, value);
        self.split_if_full(at);
        Some(replaced)
    }

    pub fn remove(&mut self, key: &str) -> Option<V> {
        let (at, found) = self.locate(key);
        let entry = found.ok().map(|i| self.chunks[at].at(i));
        self.write_found(key, entry, || key.into());
        let i = found.ok()?;
        Some(self.chunk_at_mut(at).0.remove(i).value)
    }

    /// Keeps the entries `keep` accepts (reading all of them).
    #[cfg(test)]
    pub fn retain(&mut self, mut keep: impl FnMut(&str, &V) -> bool) {
        self.whole_read();
        let doomed: Vec<Arc<str>> = self
            .entries()
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
        Arc::make_mut(&mut self.chunks)
            .iter_mut()
            .filter(|chunk| !chunk.is_empty())
            .flat_map(|chunk| Arc::make_mut(chunk).values_mut())
    }

    pub fn values(&self) -> impl Iterator<Item = &V> {
        self.whole_read();
        self.entries().map(|(_, v)| v)
    }

    #[cfg(test)]
    pub fn iter(&self) -> impl Iterator<Item = (&str, &V)> {
        self.whole_read();
        self.entries().map(|(k, v)| (&**k, v))
    }

    pub fn is_empty(&self) -> bool {
        self.whole_read();
        self.chunks.iter().all(|c| c.is_empty())
    }

    pub fn clear(&mut self) {
        self.journal.with(|log| log.whole_write = true);
        if !self.chunks.iter().all(|c| c.is_empty()) {
            *self = Tracked {
                journal: std::mem::take(&mut self.journal),
                ..Tracked::new(self.part)
            };
        }
    }

    /// The value without journaling it (for the engine comparing runs).
    pub fn peek(&self, key: &str) -> Option<&V> {
        self.value_of(key).map(|(_, v)| v)
    }

    /// The map's own copy of `key`, if present: a record keeps it rather than a copy of its
    /// own (a large folder's records name hundreds of thousands of keys).
    pub fn shared_key(&self, key: &str) -> Option<Arc<str>> {
        self.value_of(key).map(|(k, _)| Arc::clone(k))
    }

    /// Sets or removes key `at` without journaling it (replaying a recorded effect); the key
    /// is made by `key` only if the map has none of it yet (a replay passes the record's key,
    /// so the catalogs it builds share their keys with it).
    pub fn put_shared(&mut self, at: &str, key: impl FnOnce() -> Arc<str>, value: Option<V>) {
        let chunk = self.chunk_of(at);
        match value {
            Some(v) => {
                self.chunk_at_mut(chunk).put(at, key, v);
                self.split_if_full(chunk);
            }
            None => {
                if self.chunks[chunk].contains_key(at) {
                    self.chunk_at_mut(chunk).remove(at);
                }
            }
        }
    }

    /// Changes the value of `at` in place without journaling it (a side map kept in step with
    /// a journaled one): `edit` gets the value, or `make`'s where `at` has none (its key then
    /// made by `key`; none made, nothing changes), and says whether to keep it (false removes
    /// the entry). One look-up, and no copy of the value.
    pub fn edit_shared(
        &mut self,
        at: &str,
        key: impl FnOnce() -> Arc<str>,
        make: impl FnOnce() -> Option<V>,
        edit: impl FnOnce(&mut V) -> bool,
    ) {
        let chunk = self.chunk_of(at);
        self.chunk_at_mut(chunk).edit(at, key, make, edit);
        self.split_if_full(chunk);
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
                log.writes.push((Arc::from(""), before));
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

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    #[test]
    fn a_chunk_grows_by_an_eighth_and_a_copy_is_made_at_its_size() {
        let mut entries = Entries::default();
        // Keys in descending order: each insert goes to the front, moving the others.
        for i in (0..1000u32).rev() {
            entries.put(&format!("k{i:04}"), || format!("k{i:04}").into(), i);
            let (len, capacity) = (entries.0.len(), entries.0.capacity());
            assert!(
                capacity <= len + len / 8 + 1,
                "{len} entries in room for {capacity}"
            );
        }
        assert!(entries.0.is_sorted_by(|a, b| a.key < b.key));
        assert_eq!(entries.get("k0500"), Some(&500));
        entries.put("k0500", || unreachable!("the key is there"), 7);
        assert_eq!(entries.get("k0500"), Some(&7));
        let copy = entries.clone();
        assert_eq!(copy.0.capacity(), copy.0.len());
    }

    #[test]
    fn a_change_journals_the_maps_own_key_and_the_value_before() {
        let mut tracked: Tracked<u32> = Tracked::new(Part::Indexes);
        let key: Arc<str> = Arc::from("t_a_idx");
        tracked.insert_shared(Arc::clone(&key), 1);
        tracked.begin_journal();
        // Kept: a read, no change.
        let kept = tracked.insert_unless("t_a_idx", |v| *v == 1, || unreachable!("kept"));
        assert_eq!(kept, None);
        // Replaced: the value before is journaled once, under the map's own key.
        let replaced = tracked.insert_unless("t_a_idx", |_| false, || ("t_a_idx".into(), 2));
        assert_eq!(replaced, Some(Some(1)));
        assert_eq!(tracked.insert_shared("t_a_idx".into(), 3), Some(2));
        // Added: absent before, journaled under the key it was given.
        let new: Arc<str> = Arc::from("t_b_idx");
        assert_eq!(tracked.insert_shared(Arc::clone(&new), 4), None);
        assert_eq!(tracked.remove("t_b_idx"), Some(4));
        let log = tracked.end_journal().expect("journal");
        assert_eq!(log.writes.len(), 2);
        assert!(Arc::ptr_eq(&log.writes[0].0, &key), "the map's own key");
        assert_eq!(log.writes[0].1, Some(1));
        assert!(Arc::ptr_eq(&log.writes[1].0, &new));
        assert_eq!(log.writes[1].1, None);
        assert!(log.reads.contains(&key_hash(Part::Indexes, "t_a_idx")));
        assert_eq!(tracked.get("t_a_idx"), Some(&3));
        assert_eq!(tracked.get("t_b_idx"), None);
    }

    #[test]
    fn a_chunked_map_behaves_as_a_btree_map_and_a_copy_shares_what_is_unchanged() {
        let mut tracked: Tracked<u32> = Tracked::new(Part::Tables);
        let mut reference = BTreeMap::new();
        // A fixed pseudo-random order of inserts and removals.
        let mut x: u32 = 7;
        for _ in 0..3000 {
            x = x.wrapping_mul(1_103_515_245).wrapping_add(12_345);
            // Keys of every length around the eight bytes of an entry's prefix, sharing long
            // prefixes, with NUL and non-ASCII bytes: the prefix must not change the order.
            let n = (x >> 8) % 1000;
            let key = match (x >> 4) % 6 {
                0 => format!("t{n}"),
                1 => format!("a_long_shared_prefix_{n}"),
                2 => format!("t{n}\u{e9}"),
                3 => format!("t{n}\0"),
                4 => format!("t{}", "\0".repeat(n as usize % 10)),
                _ => "t".repeat(n as usize % 12),
            };
            if x.is_multiple_of(5) {
                assert_eq!(tracked.remove(&key), reference.remove(&key));
            } else {
                tracked.insert(key.clone(), x);
                reference.insert(key, x);
            }
        }
        let listed: Vec<(String, u32)> = tracked.iter().map(|(k, v)| (k.into(), *v)).collect();
        let expected: Vec<(String, u32)> = reference.iter().map(|(k, v)| (k.clone(), *v)).collect();
        assert_eq!(listed, expected, "in key order");
        assert!(tracked.values().copied().eq(reference.values().copied()));
        for key in [
            "t1",
            "t500",
            "t999",
            "nope",
            "",
            "t",
            "t\0",
            "a_long_shared_prefix_7",
        ] {
            assert_eq!(tracked.get(key), reference.get(key));
        }

        // A copy changed in one key copies one chunk; the others stay shared.
        let mut copy = tracked.clone();
        assert_eq!(copy, tracked);
        copy.insert("t1".into(), 1);
        let shared = copy
            .chunks
            .iter()
            .zip(tracked.chunks.iter())
            .filter(|(a, b)| Arc::ptr_eq(a, b))
            .count();
        assert_eq!(shared, tracked.chunks.len() - 1);
        assert_ne!(copy, tracked);
        copy.put_shared("t1", || "t1".into(), tracked.peek("t1").copied());
        assert_eq!(copy, tracked);

        // Retain, as a BTreeMap's.
        tracked.retain(|k, v| k.ends_with('3') || v % 2 == 0);
        reference.retain(|k, v| k.ends_with('3') || *v % 2 == 0);
        assert!(tracked
            .iter()
            .map(|(k, v)| (k.to_string(), *v))
            .eq(reference.iter().map(|(k, v)| (k.clone(), *v))));
        tracked.clear();
        assert!(tracked.is_empty());
    }

    /// Thousands of keys: the map is cut into chunks of consecutive keys, none over
    /// [`MAX_CHUNK`], and stays a `BTreeMap` whatever the order of the changes; two maps of the
    /// same entries cut at other places are equal; a wrong guess of the last chunk found costs
    /// a search, never a wrong answer.
    #[test]
    fn a_large_map_is_cut_in_key_order_and_equal_whatever_its_history() {
        let key = |i: u32| format!("t{}_name_{}_idx", i / 25, i % 25);
        let mut forward: Tracked<u32> = Tracked::new(Part::Indexes);
        let mut shuffled: Tracked<u32> = Tracked::new(Part::Indexes);
        let mut reference = BTreeMap::new();
        for i in 0..20_000u32 {
            forward.insert(key(i), i);
            reference.insert(key(i), i);
        }
        let mut x: u32 = 11;
        let mut order: Vec<u32> = (0..20_000).collect();
        for k in (1..order.len()).rev() {
            x = x.wrapping_mul(1_103_515_245).wrapping_add(12_345);
            order.swap(k, (x >> 8) as usize % (k + 1));
        }
        for &i in &order {
            shuffled.insert(key(i), i);
        }
        for (n, &i) in order.iter().enumerate().filter(|(n, _)| n % 3 == 0) {
            assert_eq!(forward.remove(&key(i)), reference.remove(&key(i)), "{n}");
            shuffled.remove(&key(i));
        }
        for tracked in [&forward, &shuffled] {
            assert!(tracked.chunks.len() > 20_000 / MAX_CHUNK);
            assert!(tracked.chunks.iter().all(|c| c.0.len() <= MAX_CHUNK));
            assert_eq!(tracked.fences.len() + 1, tracked.chunks.len());
            assert!(tracked
                .iter()
                .map(|(k, v)| (k.to_string(), *v))
                .eq(reference.iter().map(|(k, v)| (k.clone(), *v))));
            for i in (0..20_000).step_by(7) {
                // Any guess: the last chunk, none, one past the end, far off.
                for guess in [
                    0,
                    tracked.chunks.len() - 1,
                    tracked.chunks.len(),
                    usize::MAX,
                ] {
                    tracked.hint.set(guess);
                    tracked.spot.set(guess);
                    assert_eq!(tracked.peek(&key(i)), reference.get(&key(i)), "{i}");
                    assert_eq!(tracked.get(&key(i + 1)), reference.get(&key(i + 1)), "{i}");
                }
            }
        }
        assert_ne!(forward.fences, shuffled.fences, "cut at other places");
        assert_eq!(forward, shuffled);
        shuffled.insert(key(1), 5);
        assert_ne!(forward, shuffled);
    }
}
