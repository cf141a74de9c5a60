//! Guards for folder walks that follow symbolic links: pseudo file systems are not entered,
//! folders are recognised by (device, inode) so a loop or a second link to a folder is walked
//! once, and a link to a folder that contains the walk's root (`/`, `..`) is a loop.
//!
//! A migration folder with a link to `/proc`, `/sys`, `/dev` or `/` must not make a walk run
//! for ever, block on a device or read kernel files.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

/// The identity of a file or folder: (device, inode).
pub type FileId = (u64, u64);

/// The order of a folder's entries in a walk: by file name, as `WalkDir::sort_by_file_name`
/// orders them, compared through their paths. The entries of one folder share its path, so
/// their paths' bytes order them as their names' do, and no name is taken apart from its path
/// (which was most of the time a 10,000-file folder's sort took).
pub fn by_name(a: &walkdir::DirEntry, b: &walkdir::DirEntry) -> std::cmp::Ordering {
    a.path().as_os_str().cmp(b.path().as_os_str())
}

/// Why a folder or file is not walked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Skip {
    /// On a pseudo file system (`proc`, `sysfs`, `devtmpfs`, …), named.
    PseudoFs(&'static str),
    /// A link to a folder that contains the walk's root: following it walks the root again.
    ContainsRoot(PathBuf),
    /// Already walked (reached again through a link or a loop).
    Seen,
}

/// The id of `path`, following links.
#[cfg(unix)]
pub fn file_id(path: &Path) -> Option<FileId> {
    use std::os::unix::fs::MetadataExt;
    std::fs::metadata(path).ok().map(|m| (m.dev(), m.ino()))
}

#[cfg(not(unix))]
pub fn file_id(_path: &Path) -> Option<FileId> {
    None
}

/// The id of already read metadata.
#[cfg(unix)]
pub fn id_of(meta: &std::fs::Metadata) -> Option<FileId> {
    use std::os::unix::fs::MetadataExt;
    Some((meta.dev(), meta.ino()))
}

#[cfg(not(unix))]
pub fn id_of(_meta: &std::fs::Metadata) -> Option<FileId> {
    None
}

/// File system magic numbers (`statfs.f_type`) of Linux pseudo file systems: kernel state,
/// devices and control files, never migrations.
#[cfg(target_os = "linux")]
const PSEUDO_MAGIC: &[(i64, &str)] = &[
    (0x9fa0, "proc"),
    (0x6265_6572, "sysfs"),
    (0x1cd1, "devpts"),
    (0x0027_e0eb, "cgroup"),
    (0x6367_7270, "cgroup2"),
    (0x6462_6720, "debugfs"),
    (0x7472_6163, "tracefs"),
    (0x7363_6673, "securityfs"),
    (0xcafe_4a11, "bpf"),
    (0x6573_5543, "fusectl"),
    (0xf97c_ff8c, "selinuxfs"),
    (0x6165_676c, "pstore"),
    (0xde5e_81e4, "efivarfs"),
    (0x6265_6570, "configfs"),
    (0x1980_0202, "mqueue"),
    (0x4249_4e4d, "binfmt_misc"),
    (0x6e73_6673, "nsfs"),
    (0x0187, "autofs"),
];

/// The pseudo file system `path` is on, by its `statfs` magic number (Linux).
#[cfg(target_os = "linux")]
fn pseudo_by_magic(path: &Path) -> Option<&'static str> {
    use std::os::unix::ffi::OsStrExt;
    let c_path = std::ffi::CString::new(path.as_os_str().as_bytes()).ok()?;
    // SAFETY: `statfs` only writes into the zeroed struct we own, and reads the NUL-terminated
    // path we pass; the struct is read only when the call succeeded.
    let mut buf: libc::statfs = unsafe { std::mem::zeroed() };
    let rc = unsafe { libc::statfs(c_path.as_ptr(), &mut buf) };
    if rc != 0 {
        return None;
    }
    #[allow(clippy::unnecessary_cast)]
    let magic = buf.f_type as i64;
    PSEUDO_MAGIC
        .iter()
        .find(|(m, _)| *m == magic)
        .map(|(_, name)| *name)
}

#[cfg(not(target_os = "linux"))]
fn pseudo_by_magic(_path: &Path) -> Option<&'static str> {
    None
}

/// The devices of `/proc`, `/sys` and `/dev` where each is a mount of its own (its device
/// differs from that of `/`): `/dev` is a devtmpfs, whose magic number is tmpfs's, so only its
/// device tells it apart.
fn pseudo_devices() -> &'static [(u64, &'static str)] {
    static DEVICES: std::sync::OnceLock<Vec<(u64, &'static str)>> = std::sync::OnceLock::new();
    DEVICES.get_or_init(|| {
        let Some((root_dev, _)) = file_id(Path::new("/")) else {
            return Vec::new();
        };
        [("/proc", "proc"), ("/sys", "sysfs"), ("/dev", "devtmpfs")]
            .iter()
            .filter_map(|(mount, name)| {
                let (dev, _) = file_id(Path::new(mount))?;
                (dev != root_dev).then_some((dev, *name))
            })
            .collect()
    })
}

/// The pseudo file system `path` (followed if a link) lies on, if any.
pub fn pseudo_fs(path: &Path) -> Option<&'static str> {
    pseudo_fs_of(path, file_id(path))
}

/// [`pseudo_fs`] with the path's id already read.
fn pseudo_fs_of(path: &Path, id: Option<FileId>) -> Option<&'static str> {
    if let Some(name) = pseudo_by_magic(path) {
        return Some(name);
    }
    let (dev, _) = id?;
    pseudo_devices()
        .iter()
        .find(|(d, _)| *d == dev)
        .map(|(_, name)| *name)
}

/// The folders one walk has entered, and its root's real path.
#[derive(Debug)]
pub struct DirGuard {
    root: Option<PathBuf>,
    seen: HashSet<FileId>,
}

impl DirGuard {
    pub fn new(root: &Path) -> DirGuard {
        DirGuard {
            root: std::fs::canonicalize(root).ok(),
            seen: HashSet::new(),
        }
    }

    /// Whether the folder `path` (reached through a link when `is_link`) is to be walked; a
    /// folder is entered at most once.
    pub fn enter(&mut self, path: &Path, is_link: bool) -> Result<(), Skip> {
        let id = file_id(path);
        if let Some(name) = pseudo_fs_of(path, id) {
            return Err(Skip::PseudoFs(name));
        }
        if is_link {
            if let (Some(root), Ok(target)) = (&self.root, std::fs::canonicalize(path)) {
                if root.starts_with(&target) {
                    return Err(Skip::ContainsRoot(target));
                }
            }
        }
        match id {
            Some(id) if !self.seen.insert(id) => Err(Skip::Seen),
            _ => Ok(()),
        }
    }
}

impl Skip {
    /// A one-line account of the skip, or `None` for a folder already walked (nothing is lost).
    pub fn message(&self, path: &Path) -> Option<String> {
        match self {
            Skip::PseudoFs(name) => Some(format!(
                "{} is on the {name} pseudo file system (kernel or device files, not migrations); skipped",
                path.display()
            )),
            Skip::ContainsRoot(target) => Some(format!(
                "symbolic link loop: {} points to {}, which contains the location; skipped",
                path.display(),
                target.display()
            )),
            Skip::Seen => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_walk_by_name_visits_what_a_walk_sorted_by_file_name_visits_in_its_order() {
        let dir = tempfile::tempdir().unwrap();
        for folder in ["a", "a-b", "a.b", "B", "a/c", "a/c.d", "\u{e9}"] {
            std::fs::create_dir_all(dir.path().join(folder)).unwrap();
        }
        for file in [
            "a/V1__x.sql",
            "a/V1__x.sql.conf",
            "a-b/V2.sql",
            "a.b/V10__y.sql",
            "B/z",
        ] {
            std::fs::write(dir.path().join(file), "").unwrap();
        }
        let walk = |sorted: walkdir::WalkDir| -> Vec<PathBuf> {
            sorted.into_iter().map(|e| e.unwrap().into_path()).collect()
        };
        let expected = walk(walkdir::WalkDir::new(dir.path()).sort_by_file_name());
        assert_eq!(expected.len(), 13);
        assert_eq!(
            walk(walkdir::WalkDir::new(dir.path()).sort_by(by_name)),
            expected
        );
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn kernel_file_systems_are_pseudo() {
        assert_eq!(pseudo_fs(Path::new("/proc")), Some("proc"));
        assert_eq!(pseudo_fs(Path::new("/proc/self")), Some("proc"));
        if Path::new("/sys/kernel").exists() {
            assert_eq!(pseudo_fs(Path::new("/sys")), Some("sysfs"));
        }
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(pseudo_fs(dir.path()), None);
        assert_eq!(pseudo_fs(Path::new("/")), None);
    }

    #[cfg(unix)]
    #[test]
    fn guard_enters_each_folder_once_and_refuses_links_around_the_root() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("sql");
        std::fs::create_dir_all(root.join("a")).unwrap();
        std::os::unix::fs::symlink(root.join("a"), root.join("to_a")).unwrap();
        std::os::unix::fs::symlink(dir.path(), root.join("up")).unwrap();
        std::os::unix::fs::symlink("/", root.join("slash")).unwrap();
        let mut guard = DirGuard::new(&root);
        assert_eq!(guard.enter(&root, false), Ok(()));
        assert_eq!(guard.enter(&root.join("a"), false), Ok(()));
        assert_eq!(guard.enter(&root.join("to_a"), true), Err(Skip::Seen));
        assert!(matches!(
            guard.enter(&root.join("up"), true),
            Err(Skip::ContainsRoot(_))
        ));
        assert_eq!(
            guard.enter(&root.join("slash"), true),
            Err(Skip::ContainsRoot(PathBuf::from("/")))
        );
    }
}
