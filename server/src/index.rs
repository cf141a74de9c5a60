//! The folder model: every file of a project's locations, classified, read and checksummed.
//!
//! Locations are walked recursively, as Flyway scans them; hidden files and folders are skipped,
//! symbolic links are followed and loops reported (folders are known by device and inode, see
//! [`crate::walk`]), links into pseudo file systems (`/proc`, `/sys`, `/dev`) are skipped and
//! reported, unreadable entries are reported and never stop the walk. Only files with an SQL migration suffix are read; reading runs on all cores.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use crate::checksum;
use crate::config::{Config, Encoding};
use crate::diagnostic::LineCol;
use crate::naming::{Classified, Kind, NameParser, ResourceName};
use crate::project::Project;

/// A file's content as far as it could be read.
#[derive(Debug, Clone)]
pub enum Content {
    /// Not an SQL file; its content does not matter to Flyway.
    NotRead,
    /// Decoded text (byte-order mark kept) and Flyway's checksum of it. Shared, so that a copy
    /// of the file list (an editor's snapshot) does not copy the texts.
    Text {
        text: std::sync::Arc<str>,
        checksum: i32,
    },
    /// A [`Content::Text`] kept compressed (DEFLATE): a language server keeps the text of every
    /// file its load read, and those of files no editor has open are read again only when a
    /// re-check or a request needs them, so they cost a fifth of their size
    /// ([`MigrationSet::pack_texts`]). [`ScriptFile::text`] gives the text back, byte for byte.
    Packed {
        packed: std::sync::Arc<[u8]>,
        /// The text's length in bytes.
        len: usize,
        checksum: i32,
    },
    /// Bytes that are not valid in the configured encoding; Flyway fails on this file.
    InvalidEncoding {
        encoding: Encoding,
        offset: usize,
        /// Line and column of the bad byte.
        at: LineCol,
    },
    /// Larger than `max-analysis-size`: checksummed while streaming, never held in memory,
    /// not analysed.
    TooLarge {
        size: u64,
        limit: u64,
        checksum: i32,
    },
    /// The file could not be read (permissions, vanished, …).
    Unreadable(String),
    /// The source of a Java or Kotlin migration: Flyway runs the compiled class, whose effect on
    /// the schema cannot be known from here, and stores no checksum for it.
    Code,
}

/// One file in a location.
#[derive(Debug, Clone)]
pub struct ScriptFile {
    pub path: PathBuf,
    /// Index of the location (in [`Project::locations`]) it was found in.
    pub location: usize,
    /// Path relative to the location with `/` separators: Flyway's "script" column.
    pub script: String,
    pub file_name: String,
    pub class: Classified,
    pub content: Content,
}

impl ScriptFile {
    /// The parsed name, for files Flyway recognised by prefix and suffix.
    pub fn name(&self) -> Option<&ResourceName> {
        match &self.class {
            Classified::Named(n) => Some(n),
            _ => None,
        }
    }

    /// The name when it is a valid migration of one of `kinds`.
    pub fn migration(&self, kinds: &[Kind]) -> Option<&ResourceName> {
        self.name()
            .filter(|n| n.is_valid() && kinds.contains(&n.kind))
    }

    /// The decoded text (a packed one unpacked: see [`Content::Packed`]).
    pub fn text(&self) -> Option<std::borrow::Cow<'_, str>> {
        match &self.content {
            Content::Text { text, .. } => Some(std::borrow::Cow::Borrowed(text.as_ref())),
            Content::Packed { packed, len, .. } => {
                unpack(packed, *len).map(std::borrow::Cow::Owned)
            }
            _ => None,
        }
    }

    /// Whether [`ScriptFile::text`] has a text to give (without unpacking it).
    pub fn has_text(&self) -> bool {
        matches!(self.content, Content::Text { .. } | Content::Packed { .. })
    }

    /// The text as a shared string (a copy only when it is packed).
    pub fn shared_text(&self) -> Option<std::sync::Arc<str>> {
        match &self.content {
            Content::Text { text, .. } => Some(std::sync::Arc::clone(text)),
            _ => self.text().map(|t| t.into()),
        }
    }

    /// Keeps a text compressed when that makes it smaller ([`Content::Packed`]).
    pub fn pack(&mut self) {
        if let Content::Text { text, checksum } = &self.content {
            if let Some(packed) = pack(text) {
                self.content = Content::Packed {
                    packed,
                    len: text.len(),
                    checksum: *checksum,
                };
            }
        }
    }

    pub fn checksum(&self) -> Option<i32> {
        match &self.content {
            Content::Text { checksum, .. }
            | Content::Packed { checksum, .. }
            | Content::TooLarge { checksum, .. } => Some(*checksum),
            _ => None,
        }
    }

    /// A Java or Kotlin migration (see [`MigrationSet::code`]).
    pub fn is_code(&self) -> bool {
        matches!(self.content, Content::Code)
    }

    /// The folder part of [`ScriptFile::script`] ("" at the location root).
    pub fn script_dir(&self) -> &str {
        self.script.rsplit_once('/').map_or("", |(dir, _)| dir)
    }
}

/// Texts shorter than this are kept as they are: compressing them saves little.
const PACK_FROM: usize = 256;

/// `text` compressed (DEFLATE, zlib's fastest level), when that makes it smaller.
fn pack(text: &str) -> Option<std::sync::Arc<[u8]>> {
    use std::io::Write;
    if text.len() < PACK_FROM {
        return None;
    }
    let mut encoder = flate2::write::DeflateEncoder::new(
        Vec::with_capacity(text.len() / 3),
        flate2::Compression::fast(),
    );
    encoder.write_all(text.as_bytes()).ok()?;
    let packed = encoder.finish().ok()?;
    (packed.len() < text.len()).then(|| packed.into())
}

/// The text [`pack`] compressed, `len` bytes long. Bytes that do not inflate to valid UTF-8
/// of that length (which [`pack`] never makes) give `None`, never another text.
fn unpack(packed: &[u8], len: usize) -> Option<String> {
    use std::io::Read;
    let mut bytes = Vec::with_capacity(len);
    flate2::read::DeflateDecoder::new(packed)
        .take(len as u64 + 1)
        .read_to_end(&mut bytes)
        .ok()?;
    if bytes.len() != len {
        return None;
    }
    String::from_utf8(bytes).ok()
}

/// Something found while walking that is not a file: a loop, an unreadable folder, a link into
/// a pseudo file system.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WalkProblem {
    pub path: PathBuf,
    pub message: String,
    /// Left out on purpose (a pseudo file system), not a failure to read.
    pub skipped: bool,
}

/// All files of one project, in a deterministic order (location, then script path).
#[derive(Debug, Clone, Default)]
pub struct MigrationSet {
    /// Shared per file, so that a copy of the list (an editor's snapshot, a re-check's copy)
    /// copies pointers and an edit copies only the file it changes.
    pub files: Vec<std::sync::Arc<ScriptFile>>,
    /// Java and Kotlin migrations (valid `V…__…` / `R__…` class names, [`Content::Code`]), kept
    /// apart from `files`: they share the version sequence (duplicates, gaps, order, `info`) but
    /// no SQL or naming rule reads them.
    pub code: Vec<ScriptFile>,
    pub walk_problems: Vec<WalkProblem>,
    /// [`MigrationSet::names_hash`] once computed, kept with the list (copies keep it): whoever
    /// adds, removes or renames a file calls [`MigrationSet::names_changed`].
    pub names: std::sync::OnceLock<u64>,
}

impl MigrationSet {
    /// A hash of what the folder rules that read only names read of the files: each file's
    /// location and script path, and how many Java migrations and walk problems there are
    /// (their class follows from the name and the configuration, which a re-check does not
    /// change). Computed once per list of names, not on every re-check of a large folder.
    pub fn names_hash(&self) -> u64 {
        let hash = *self.names.get_or_init(|| self.hash_names());
        debug_assert_eq!(
            hash,
            self.hash_names(),
            "names_changed() after a change of names"
        );
        hash
    }

    /// Keeps every file's text compressed ([`ScriptFile::pack`]), on all cores, but for the
    /// files `keep` names (an editor has them open). Only the files whose text it packs are
    /// copied where shared.
    pub fn pack_texts(&mut self, keep: impl Fn(&Path) -> bool + Sync) {
        let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
        let chunk = self.files.len().div_ceil(threads).max(1);
        let keep = &keep;
        std::thread::scope(|scope| {
            for files in self.files.chunks_mut(chunk) {
                scope.spawn(move || {
                    let packable = |f: &ScriptFile| {
                        matches!(&f.content, Content::Text { text, .. } if text.len() >= PACK_FROM)
                            && !keep(&f.path)
                    };
                    for file in files.iter_mut().filter(|f| packable(f)) {
                        std::sync::Arc::make_mut(file).pack();
                    }
                });
            }
        });
    }

    /// `f` of the first `files` scripts' texts (each up to its first 64 KB), in file order,
    /// on every core: the samples the dialect's detection reads, before any script is
    /// analysed (so nothing else runs meanwhile).
    pub fn map_samples<R: Send>(&self, files: usize, f: impl Fn(&str) -> R + Sync) -> Vec<R> {
        let sampled = &self.files[..self.files.len().min(files)];
        let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
        let chunk = sampled.len().div_ceil(threads).max(1);
        let f = &f;
        std::thread::scope(|scope| {
            let parts: Vec<_> = sampled
                .chunks(chunk)
                .map(|part| {
                    scope.spawn(move || {
                        part.iter()
                            .filter_map(|file| {
                                let text = file.text()?;
                                let mut end = text.len().min(64 * 1024);
                                while !text.is_char_boundary(end) {
                                    end -= 1;
                                }
                                Some(f(&text[..end]))
                            })
                            .collect::<Vec<R>>()
                    })
                })
                .collect();
            parts
                .into_iter()
                .flat_map(|part| part.join().unwrap_or_else(|e| std::panic::resume_unwind(e)))
                .collect()
        })
    }

    /// Forgets [`MigrationSet::names_hash`]: files came, went or were renamed.
    pub fn names_changed(&mut self) {
        self.names = std::sync::OnceLock::new();
    }

    fn hash_names(&self) -> u64 {
        use std::hash::{Hash, Hasher};
        let mut h = std::collections::hash_map::DefaultHasher::new();
        self.files.len().hash(&mut h);
        for file in self.files.iter().map(|f| &**f).chain(&self.code) {
            // The path is the location's folder joined with the script.
            (file.location, &file.script).hash(&mut h);
        }
        (self.code.len(), self.walk_problems.len()).hash(&mut h);
        h.finish()
    }

    /// Valid SQL migrations of the given kinds.
    pub fn migrations<'a>(
        &'a self,
        kinds: &'a [Kind],
    ) -> impl Iterator<Item = (&'a ScriptFile, &'a ResourceName)> + 'a {
        self.files
            .iter()
            .map(|f| &**f)
            .filter_map(move |f| f.migration(kinds).map(|n| (f, n)))
    }

    /// Valid migrations of the given kinds, SQL then Java / Kotlin: the version sequence.
    pub fn with_code<'a>(
        &'a self,
        kinds: &'a [Kind],
    ) -> impl Iterator<Item = (&'a ScriptFile, &'a ResourceName)> + 'a {
        self.files
            .iter()
            .map(|f| &**f)
            .chain(&self.code)
            .filter_map(move |f| f.migration(kinds).map(|n| (f, n)))
    }
}

/// The file name suffixes of Java and Kotlin migration sources.
pub const CODE_SUFFIXES: &[&str] = &[".java", ".kt"];

/// Java and Kotlin migrations below `dir`, found by class name as Flyway's `BaseJavaMigration`
/// reads it: prefix `V` (versioned) or `R` (repeatable), separator `__`, `_` in the version read
/// as `.`. The class name is the file name; `package` is the classpath package of `dir`. A class
/// named otherwise (or one that overrides `getVersion()`) cannot be read from its file name and is
/// left out.
fn walk_code(dir: &Path, package: &str, location: usize, out: &mut Vec<ScriptFile>) {
    let settings = crate::config::FlywaySettings {
        sql_migration_prefix: "V".to_string(),
        repeatable_sql_migration_prefix: "R".to_string(),
        sql_migration_separator: "__".to_string(),
        sql_migration_suffixes: CODE_SUFFIXES.iter().map(|s| s.to_string()).collect(),
        ..Default::default()
    };
    let parser = NameParser::new(&settings);
    let mut guard = crate::walk::DirGuard::new(dir);
    let walker = walkdir::WalkDir::new(dir)
        .follow_links(true)
        .sort_by(crate::walk::by_name)
        .into_iter()
        .filter_entry(|e| {
            (e.depth() == 0 || !e.file_name().to_string_lossy().starts_with('.'))
                && (!e.file_type().is_dir() || guard.enter(e.path(), e.path_is_symlink()).is_ok())
        });
    for entry in walker.filter_map(Result::ok) {
        if entry.file_type().is_dir() {
            continue;
        }
        let file_name = entry.file_name().to_string_lossy().into_owned();
        let class = parser.classify(&file_name);
        let valid = matches!(&class, Classified::Named(n)
            if n.is_valid() && matches!(n.kind, Kind::Versioned | Kind::Repeatable));
        if !valid {
            continue;
        }
        let path = entry.into_path();
        let mut parts: Vec<String> = package
            .split('/')
            .filter(|p| !p.is_empty())
            .map(str::to_string)
            .collect();
        if let Ok(rest) = path.strip_prefix(dir) {
            parts.extend(
                rest.components()
                    .map(|c| c.as_os_str().to_string_lossy().into_owned()),
            );
        }
        if let Some(last) = parts.last_mut() {
            if let Some(stem) = CODE_SUFFIXES.iter().find_map(|s| last.strip_suffix(s)) {
                *last = stem.to_string();
            }
        }
        out.push(ScriptFile {
            path,
            location,
            script: parts.join("."),
            file_name,
            class,
            content: Content::Code,
        });
    }
}

/// Walks and reads all locations of a project.
pub fn index_project(project: &Project) -> MigrationSet {
    let parser = NameParser::new(&project.config.flyway);
    let mut set = MigrationSet::default();
    let mut pending = Vec::new();
    let mut sidecars = HashSet::new();
    for (index, location) in project.locations.iter().enumerate() {
        walk_location(
            &location.path,
            index,
            &parser,
            &mut pending,
            &mut sidecars,
            &mut set.walk_problems,
        );
    }
    set.walk_problems.sort_by(|a, b| a.path.cmp(&b.path));
    for (index, location) in project.locations.iter().enumerate() {
        for (dir, package) in crate::project::code_dirs(location) {
            walk_code(&dir, &package, index, &mut set.code);
        }
    }
    let mut seen_code = HashSet::new();
    set.code.retain(|f| seen_code.insert(f.path.clone()));
    set.code
        .sort_by(|a, b| (a.location, &a.script).cmp(&(b.location, &b.script)));
    let read = read_all(pending, &sidecars, &project.config);
    // The same file reached twice (overlapping locations, links) is one file: the first
    // reached, in the walk's order. (The ids come from the reads, which stat each file anyway,
    // on all cores, rather than from a stat of each during the walk.)
    let mut seen = HashSet::new();
    let mut files: Vec<ScriptFile> = read
        .into_iter()
        .filter(|(_, id)| id.is_none_or(|id| seen.insert(id)))
        .map(|(file, _)| file)
        .collect();
    files.sort_by(|a, b| (a.location, &a.script).cmp(&(b.location, &b.script)));
    // Into a list of its own size: collected in place, the list of pointers would keep the
    // buffer of the files it was made from (40 times its size: 5 MB in a 10,000-file folder).
    let mut shared = Vec::with_capacity(files.len());
    shared.extend(files.into_iter().map(std::sync::Arc::new));
    set.files = shared;
    set
}

fn walk_location(
    root: &Path,
    location: usize,
    parser: &NameParser,
    out: &mut Vec<ScriptFile>,
    sidecars: &mut HashSet<String>,
    problems: &mut Vec<WalkProblem>,
) {
    let mut guard = crate::walk::DirGuard::new(root);
    let mut skipped = Vec::new();
    let walker = walkdir::WalkDir::new(root)
        .follow_links(true)
        .sort_by(crate::walk::by_name)
        .into_iter()
        .filter_entry(|e| {
            if e.depth() > 0 && e.file_name().to_string_lossy().starts_with('.') {
                return false;
            }
            // Folders: not on a pseudo file system, each entered once, and no link around the
            // root. Files: a link into a pseudo file system is not followed.
            let check = if e.file_type().is_dir() {
                guard.enter(e.path(), e.path_is_symlink())
            } else if e.path_is_symlink() {
                crate::walk::pseudo_fs(e.path())
                    .map_or(Ok(()), |fs| Err(crate::walk::Skip::PseudoFs(fs)))
            } else {
                Ok(())
            };
            match check {
                Ok(()) => true,
                Err(skip) => {
                    if let Some(message) = skip.message(e.path()) {
                        skipped.push(WalkProblem {
                            path: e.path().to_path_buf(),
                            message,
                            skipped: matches!(skip, crate::walk::Skip::PseudoFs(_)),
                        });
                    }
                    false
                }
            }
        });
    for entry in walker {
        let entry = match entry {
            Ok(entry) => entry,
            Err(err) => {
                let path = err.path().unwrap_or(root).to_path_buf();
                let message = if let Some(ancestor) = err.loop_ancestor() {
                    format!(
                        "symbolic link loop: {} points back to {}; skipped",
                        path.display(),
                        ancestor.display()
                    )
                } else {
                    let reason = err
                        .io_error()
                        .map(|e| e.to_string())
                        .unwrap_or_else(|| err.to_string());
                    format!("cannot read {}: {reason}; skipped", path.display())
                };
                problems.push(WalkProblem {
                    path,
                    message,
                    skipped: false,
                });
                continue;
            }
        };
        if entry.file_type().is_dir() {
            continue;
        }
        let path = entry.path().to_path_buf();
        // Every `.conf` file the walk reached (the same file reached twice too): a script whose
        // `V1__x.sql.conf` is not among them has none to read. (Compared without regard to
        // case, as a file system that ignores it finds them.)
        let name = entry.file_name().as_encoded_bytes();
        if name.len() > 5 && name[name.len() - 5..].eq_ignore_ascii_case(b".conf") {
            sidecars.insert(sidecar_key(&path));
        }
        let file_name = entry.file_name().to_string_lossy().into_owned();
        let script = path
            .strip_prefix(root)
            .unwrap_or(&path)
            .components()
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .collect::<Vec<_>>()
            .join("/");
        let class = parser.classify(&file_name);
        out.push(ScriptFile {
            path,
            location,
            script,
            file_name,
            class,
            content: Content::NotRead,
        });
    }
    problems.extend(skipped);
}

/// Reads and checksums every SQL file, spreading the work over the available cores; `sidecars`
/// are the `.conf` files the walk found (the others are not looked for on disk: a 10,000-file
/// folder's reads spent a fifth of their time failing to find them). Each file comes back, in
/// the order given, with its id on disk if it could be had.
fn read_all(
    files: Vec<ScriptFile>,
    sidecars: &HashSet<String>,
    config: &Config,
) -> Vec<(ScriptFile, Option<crate::walk::FileId>)> {
    let mut files: Vec<_> = files.into_iter().map(|f| (f, None)).collect();
    let encoding = config.flyway.encoding;
    let limit = config.tool.max_analysis_size();
    let threads = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1)
        .min(8);
    if threads <= 1 || files.len() < 64 {
        for (file, id) in &mut files {
            *id = read_listed(file, sidecars, encoding, limit);
        }
        return files;
    }
    let chunk = files.len().div_ceil(threads);
    std::thread::scope(|scope| {
        for part in files.chunks_mut(chunk) {
            scope.spawn(move || {
                for (file, id) in part {
                    *id = read_listed(file, sidecars, encoding, limit);
                }
            });
        }
    });
    files
}

/// Reads one file's content (SQL files only) into [`ScriptFile::content`]; a file over `limit`
/// bytes (`max-analysis-size`) is only checksummed, by streaming.
pub fn read_file(file: &mut ScriptFile, encoding: Encoding, limit: u64) {
    read_in(file, encoding, limit, true);
}

/// [`read_file`] of a file the walk found, with the `.conf` files it found
/// ([`sidecar_key`]s): the script's own is looked for on disk only if it is among them. The
/// file's id on disk (of any file, read or not: a file that is not read is stat'ed for it).
fn read_listed(
    file: &mut ScriptFile,
    sidecars: &HashSet<String>,
    encoding: Encoding,
    limit: u64,
) -> Option<crate::walk::FileId> {
    if matches!(file.class, Classified::NotSql) {
        return std::fs::metadata(&file.path)
            .ok()
            .as_ref()
            .and_then(crate::walk::id_of);
    }
    let listed = !sidecars.is_empty() && {
        let mut sidecar = file.path.clone().into_os_string();
        sidecar.push(".conf");
        sidecars.contains(&sidecar_key(Path::new(&sidecar)))
    };
    read_in(file, encoding, limit, listed)
}

/// A `.conf` file's path as the walk notes it: in lower case, so that the look-up finds what a
/// file system that ignores case would.
fn sidecar_key(path: &Path) -> String {
    path.to_string_lossy().to_lowercase()
}

/// Reads an SQL file's content in `encoding`, or in its `.conf` file's where `sidecar` says
/// it may have one (other files are not read).
///
/// The file's id on disk, from the metadata taken to read it.
fn read_in(
    file: &mut ScriptFile,
    encoding: Encoding,
    limit: u64,
    sidecar: bool,
) -> Option<crate::walk::FileId> {
    if matches!(file.class, Classified::NotSql) {
        return None;
    }
    let encoding = if sidecar {
        script_encoding(&file.path, encoding)
    } else {
        encoding
    };
    // Only regular files are read: a FIFO or device named like a migration would block or
    // never end.
    let meta = std::fs::metadata(&file.path);
    let id = meta.as_ref().ok().and_then(crate::walk::id_of);
    file.content = match meta {
        Err(e) => Content::Unreadable(e.to_string()),
        Ok(meta) if !meta.is_file() => Content::Unreadable("not a regular file".to_string()),
        Ok(meta) if meta.len() > limit => stream_large(&file.path, meta.len(), limit, encoding),
        Ok(_) => match read_at_most(&file.path, limit) {
            Err(e) => Content::Unreadable(e.to_string()),
            // Grew past the limit since it was measured.
            Ok(None) => stream_large(&file.path, limit.saturating_add(1), limit, encoding),
            Ok(Some(bytes)) => content_from_bytes(bytes, encoding),
        },
    };
    id
}

/// The encoding a script is read in: `encoding=…` of its own `V1__x.sql.conf` when that names
/// one this tool reads (Flyway's `FileSystemScanner` reads the script with its metadata's
/// encoding), else `default` (the configured `encoding`).
pub fn script_encoding(script: &Path, default: Encoding) -> Encoding {
    script_setting(script, "encoding")
        .and_then(|value| Encoding::parse(value.trim()))
        .unwrap_or(default)
}

/// Whether Flyway replaces placeholders in `script`: `placeholderReplacement=…` of its own
/// `V1__x.sql.conf` (`SqlScriptMetadata`, read as Java's `Boolean.parseBoolean`: "true" in any
/// case, anything else false), else `default` (the configured `placeholderReplacement`).
pub fn script_placeholder_replacement(script: &Path, default: bool) -> bool {
    script_setting(script, "placeholderReplacement").map_or(default, |value| java_boolean(&value))
}

/// `placeholderReplacement` of a script's `.sql.conf` text, as
/// [`script_placeholder_replacement`] reads it from disk.
pub fn sidecar_placeholder_replacement(sidecar: &str) -> Option<bool> {
    sidecar_setting(sidecar, "placeholderReplacement").map(|value| java_boolean(&value))
}

/// Java's `Boolean.parseBoolean`: "true" in any case, anything else false.
fn java_boolean(value: &str) -> bool {
    value.trim().eq_ignore_ascii_case("true")
}

/// The last value of `key` in the script's `.sql.conf` (Flyway's per-script configuration).
fn script_setting(script: &Path, key: &str) -> Option<String> {
    let sidecar = PathBuf::from(format!("{}.conf", script.display()));
    // Only a small regular file: a FIFO or a huge file named like a sidecar is never read.
    match std::fs::metadata(&sidecar) {
        Ok(meta) if meta.is_file() && meta.len() <= 64 * 1024 => {}
        _ => return None,
    }
    sidecar_setting(&std::fs::read_to_string(&sidecar).ok()?, key)
}

/// The last value of `key` in a `.sql.conf` text.
fn sidecar_setting(text: &str, key: &str) -> Option<String> {
    crate::config::parse_properties(text)
        .into_iter()
        .rev()
        .find(|(k, _)| k.trim().eq_ignore_ascii_case(key))
        .map(|(_, value)| value)
}

/// The file's bytes, or `None` when it holds more than `limit` bytes.
fn read_at_most(path: &Path, limit: u64) -> std::io::Result<Option<Vec<u8>>> {
    use std::io::Read;
    let mut bytes = Vec::new();
    std::fs::File::open(path)?
        .take(limit.saturating_add(1))
        .read_to_end(&mut bytes)?;
    Ok((bytes.len() as u64 <= limit).then_some(bytes))
}

/// A file too large to analyse: its checksum, computed while reading it in chunks.
fn stream_large(path: &Path, size: u64, limit: u64, encoding: Encoding) -> Content {
    let result = std::fs::File::open(path)
        .and_then(|file| checksum::checksum_reader(std::io::BufReader::new(file), encoding));
    too_large(result, size, limit, encoding)
}

/// The content of an editor's buffer: like a file read from disk, a buffer over `limit` bytes
/// (`max-analysis-size`) is only checksummed, not kept or analysed.
pub fn content_from_buffer(text: &str, encoding: Encoding, limit: u64) -> Content {
    let size = text.len() as u64;
    if size <= limit {
        return content_from_bytes(text.as_bytes().to_vec(), encoding);
    }
    too_large(
        checksum::checksum_reader(text.as_bytes(), encoding),
        size,
        limit,
        encoding,
    )
}

/// The content of a script over `max-analysis-size`, from its streamed checksum.
fn too_large(
    checksum: std::io::Result<Result<i32, checksum::StreamError>>,
    size: u64,
    limit: u64,
    encoding: Encoding,
) -> Content {
    match checksum {
        Err(e) => Content::Unreadable(e.to_string()),
        Ok(Ok(checksum)) => Content::TooLarge {
            size,
            limit,
            checksum,
        },
        Ok(Err(e)) => Content::InvalidEncoding {
            encoding,
            offset: e.offset,
            at: e.at,
        },
    }
}

/// Decodes bytes strictly and computes Flyway's checksum.
pub fn content_from_bytes(bytes: Vec<u8>, encoding: Encoding) -> Content {
    match encoding {
        Encoding::Utf8 => match String::from_utf8(bytes) {
            Ok(text) => {
                let checksum = checksum::checksum_text(&text);
                Content::Text {
                    text: text.into(),
                    checksum,
                }
            }
            Err(e) => {
                let offset = e.utf8_error().valid_up_to();
                Content::InvalidEncoding {
                    encoding,
                    offset,
                    at: position_after(&e.as_bytes()[..offset]),
                }
            }
        },
        _ => match checksum::decode(&bytes, encoding) {
            Ok(text) => {
                let text = text.into_owned();
                let checksum = checksum::checksum_text(&text);
                Content::Text {
                    text: text.into(),
                    checksum,
                }
            }
            Err(checksum::DecodeError::InvalidUtf8 { offset }) => Content::InvalidEncoding {
                encoding,
                offset,
                at: position_after(&bytes[..offset.min(bytes.len())]),
            },
        },
    }
}

/// The line and column just after `valid` (bytes that decoded).
fn position_after(valid: &[u8]) -> LineCol {
    let text = String::from_utf8_lossy(valid);
    LineCol::of(&text, text.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The names hash is computed once and kept by copies (a content edit keeps it); a change
    /// of names forgets it, and the next one differs.
    #[test]
    fn the_names_hash_is_kept_with_the_list_until_names_change() {
        let file = |name: &str| {
            std::sync::Arc::new(ScriptFile {
                path: name.into(),
                location: 0,
                script: name.to_string(),
                file_name: name.to_string(),
                class: crate::naming::Classified::NotSql,
                content: Content::NotRead,
            })
        };
        let mut set = MigrationSet {
            files: vec![file("V1__a.sql"), file("V2__b.sql")],
            ..MigrationSet::default()
        };
        assert!(set.names.get().is_none());
        let hash = set.names_hash();
        assert_eq!(set.names.get(), Some(&hash), "kept");
        let mut copy = set.clone();
        assert_eq!(copy.names.get(), Some(&hash), "copies keep it");
        std::sync::Arc::make_mut(&mut copy.files[0]).content = Content::Text {
            text: "SELECT 1;".into(),
            checksum: 1,
        };
        assert_eq!(copy.names_hash(), hash, "a content edit keeps the names");
        set.files.push(file("V3__c.sql"));
        set.names_changed();
        assert!(set.names.get().is_none());
        assert_ne!(set.names_hash(), hash);
    }

    /// The file list is made at its size, not in the buffer of the files it was made from.
    #[test]
    fn the_file_list_is_made_at_its_size() {
        let dir = tempfile::tempdir().unwrap();
        for name in ["V1__a.sql", "V2__b.sql", "V3__c.sql"] {
            std::fs::write(dir.path().join(name), "SELECT 1;\n").unwrap();
        }
        let projects = crate::project::discover_projects(dir.path(), &Default::default()).unwrap();
        let set = index_project(&projects[0]);
        assert_eq!(set.files.len(), 3);
        assert_eq!(set.files.capacity(), 3);
    }

    /// Row 7 of issue #12 (`FileSystemScanner`): a script's own `.sql.conf` `encoding` wins.
    #[test]
    fn script_conf_encoding_is_used_to_read_the_script() {
        let dir = tempfile::tempdir().unwrap();
        let script = dir.path().join("V1__x.sql");
        std::fs::write(&script, b"select '\xe9';\n").unwrap();
        assert_eq!(script_encoding(&script, Encoding::Utf8), Encoding::Utf8);
        std::fs::write(
            dir.path().join("V1__x.sql.conf"),
            "executeInTransaction=false\nencoding = iso-8859-1\n",
        )
        .unwrap();
        assert_eq!(script_encoding(&script, Encoding::Utf8), Encoding::Latin1);
        // An encoding this tool cannot read leaves the configured one.
        std::fs::write(dir.path().join("V1__x.sql.conf"), "encoding=EBCDIC\n").unwrap();
        assert_eq!(script_encoding(&script, Encoding::Ascii), Encoding::Ascii);
    }

    /// A folder's load reads a script's `.sql.conf` where the walk found one (in any case of
    /// its suffix), and looks for none where it found none.
    #[test]
    fn a_load_reads_the_scripts_conf_files_the_walk_found() {
        let dir = tempfile::tempdir().unwrap();
        for name in ["V1__a.sql", "V2__b.sql", "V3__c.sql"] {
            std::fs::write(dir.path().join(name), b"select '\xe9';\n").unwrap();
        }
        std::fs::write(dir.path().join("V1__a.sql.conf"), "encoding=ISO-8859-1\n").unwrap();
        let projects = crate::project::discover_projects(dir.path(), &Default::default()).unwrap();
        let set = index_project(&projects[0]);
        let content = |name: &str| {
            &set.files
                .iter()
                .find(|f| f.file_name == name)
                .unwrap()
                .content
        };
        assert!(
            matches!(content("V1__a.sql"), Content::Text { text, .. } if text.contains('\u{e9}'))
        );
        assert!(matches!(
            content("V2__b.sql"),
            Content::InvalidEncoding { .. }
        ));
        assert!(matches!(
            content("V3__c.sql"),
            Content::InvalidEncoding { .. }
        ));
        // Where the file system ignores case, `V3__c.sql.CONF` is the script's too.
        std::fs::write(dir.path().join("V3__c.sql.CONF"), "encoding=ISO-8859-1\n").unwrap();
        let ignores_case = dir.path().join("V3__c.sql.conf").exists();
        let set = index_project(&projects[0]);
        let v3 = &set
            .files
            .iter()
            .find(|f| f.file_name == "V3__c.sql")
            .unwrap();
        assert_eq!(
            matches!(v3.content, Content::Text { .. }),
            ignores_case,
            "{:?}",
            v3.content
        );
    }
}
