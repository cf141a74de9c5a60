//! A server-side watcher for clients that cannot register `workspace/didChangeWatchedFiles`
//! (Neovim 0.7): the migration locations and the roots' settings files are looked at once a
//! second, less often on a very large folder ([`pause_after`]): file names, sizes and
//! modification times; nothing is read. What changed — created, edited, renamed, deleted —
//! goes through the same path as a client's file events.
//! It sleeps between looks (no busy loop) and ends on `shutdown`.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

/// How often the folders are looked at, at most: changes are seen within two of these on a
/// folder that takes a moment to look at.
pub(super) const INTERVAL: Duration = Duration::from_secs(1);

/// The pause before the next look, after one that took `took`: [`INTERVAL`], or longer on a
/// folder so large (or a file system so slow) that looking at it takes more than a twentieth
/// of that (a look costs then at most 5 % of one core; and it runs at the lowest priority:
/// [`look`]).
pub(super) fn pause_after(took: Duration) -> Duration {
    INTERVAL.max(took * 20)
}

/// The settings files whose change reloads everything.
pub(super) const SETTINGS_FILES: &[&str] = &[
    "flyway.toml",
    "flyway.user.toml",
    "flyway.conf",
    "flyway-lsp.toml",
];

/// What is watched: folders (walked, with the file-name suffixes that count there) and roots
/// (their settings files).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(super) struct Watched {
    pub folders: Vec<(PathBuf, Vec<String>)>,
    pub roots: Vec<PathBuf>,
}

/// A file as last seen: size and modification time.
pub(super) type Seen = BTreeMap<PathBuf, (u64, Option<SystemTime>)>;

/// Whether a file name is one Flyway may read in a location: a configured SQL migration
/// suffix, compared as Flyway compares it (without regard to case: `V1__x.SQL` is a migration),
/// or a script's `.conf` file.
pub(super) fn counts(name: &str, suffixes: &[String]) -> bool {
    let name = name.to_uppercase();
    name.ends_with(".CONF")
        || suffixes
            .iter()
            .any(|s| !s.is_empty() && name.ends_with(&s.to_uppercase()))
}

/// [`scan`] and, given the last look (if it watched the same), the [`changes`] since, with the
/// time it took, on a thread of its own at the lowest CPU priority (nice 19, on Linux): a look
/// at a 10,000-file folder takes tens of milliseconds of CPU, which would otherwise compete with
/// the re-check of a keystroke on a 2-core machine (a look that waits for the CPU takes longer,
/// and the next one waits longer: [`pause_after`]). Where no thread can be started, on a
/// blocking thread of the runtime.
pub(super) async fn look(
    watched: Watched,
    last: Option<(Watched, Seen)>,
) -> Option<(Seen, Option<Vec<PathBuf>>, Duration)> {
    fn run(
        watched: Watched,
        last: Option<(Watched, Seen)>,
    ) -> (Seen, Option<Vec<PathBuf>>, Duration) {
        let started = std::time::Instant::now();
        let now = scan(&watched);
        let compared = last
            .filter(|(before_watched, _)| *before_watched == watched)
            .map(|(_, before)| changes(&before, &now));
        (now, compared, started.elapsed())
    }
    // The look is handed over once its thread runs: a thread that cannot start loses nothing.
    let (job, jobs) = std::sync::mpsc::channel::<(Watched, Option<(Watched, Seen)>)>();
    let (sender, receiver) = tokio::sync::oneshot::channel();
    let started = std::thread::Builder::new()
        .name("flyway-lsp-look".into())
        .spawn(move || {
            lowest_priority();
            if let Ok((watched, last)) = jobs.recv() {
                let _ = sender.send(run(watched, last));
            }
        });
    match started {
        Ok(_) => {
            job.send((watched, last)).ok()?;
            receiver.await.ok()
        }
        Err(_) => tokio::task::spawn_blocking(move || run(watched, last))
            .await
            .ok(),
    }
}

/// Gives the calling thread the lowest CPU priority (Linux's nice values are per thread).
pub(super) fn lowest_priority() {
    #[cfg(target_os = "linux")]
    // SAFETY: setpriority only changes the scheduling of the calling thread (who = 0).
    unsafe {
        libc::setpriority(libc::PRIO_PROCESS, 0, 19);
    }
}

/// Looks at every watched file (links followed, loops skipped; hidden entries skipped, as the index does).
pub(super) fn scan(watched: &Watched) -> Seen {
    let mut seen = Seen::new();
    let note = |path: &Path, seen: &mut Seen| {
        if let Ok(meta) = std::fs::metadata(path) {
            if meta.is_file() {
                seen.insert(path.to_path_buf(), (meta.len(), meta.modified().ok()));
            }
        }
    };
    for root in &watched.roots {
        for name in SETTINGS_FILES {
            note(&root.join(name), &mut seen);
        }
    }
    for (folder, suffixes) in &watched.folders {
        let walk = walkdir::WalkDir::new(folder)
            .follow_links(true)
            .into_iter()
            .filter_entry(|e| e.depth() == 0 || !e.file_name().to_string_lossy().starts_with('.'));
        for entry in walk.flatten() {
            if entry.file_type().is_file() && counts(&entry.file_name().to_string_lossy(), suffixes)
            {
                note(entry.path(), &mut seen);
            }
        }
    }
    seen
}

/// The files created, changed or deleted between two looks.
pub(super) fn changes(before: &Seen, now: &Seen) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = now
        .iter()
        .filter(|(path, state)| before.get(*path) != Some(state))
        .map(|(path, _)| path.clone())
        .collect();
    out.extend(
        before
            .keys()
            .filter(|path| !now.contains_key(*path))
            .cloned(),
    );
    out.sort();
    out
}

/// At a first look (or one after the locations changed), what the model and the disk disagree
/// on: files seen that the model does not hold (created while the folders were walked) and
/// files the model holds in a watched folder that are gone.
pub(super) fn unknown(now: &Seen, known: &BTreeSet<PathBuf>, watched: &Watched) -> Vec<PathBuf> {
    let settings = |path: &Path| {
        path.file_name()
            .is_some_and(|n| SETTINGS_FILES.contains(&n.to_string_lossy().as_ref()))
    };
    let mut out: Vec<PathBuf> = now
        .keys()
        .filter(|path| !known.contains(*path) && !settings(path))
        .cloned()
        .collect();
    out.extend(
        known
            .iter()
            .filter(|path| !now.contains_key(*path))
            .filter(|path| {
                watched.folders.iter().any(|(folder, suffixes)| {
                    path.starts_with(folder)
                        && counts(
                            &path.file_name().unwrap_or_default().to_string_lossy(),
                            suffixes,
                        )
                })
            })
            .cloned(),
    );
    out.sort();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_slow_look_waits_twenty_times_as_long() {
        assert_eq!(pause_after(Duration::from_millis(3)), INTERVAL);
        assert_eq!(
            pause_after(Duration::from_millis(200)),
            Duration::from_secs(4)
        );
    }

    #[test]
    fn migration_names_count_in_any_case_and_with_configured_suffixes() {
        let sql = vec![".sql".to_string()];
        assert!(counts("V1__x.sql", &sql) && counts("V1__x.SQL", &sql));
        assert!(counts("V1__x.sql.conf", &sql));
        assert!(!counts("V1__x.txt", &sql) && !counts("notes.md", &sql));
        let custom = vec![".pgsql".to_string()];
        assert!(counts("V2__y.PgSql", &custom) && !counts("V2__y.sql", &custom));
    }

    #[test]
    fn a_look_sees_new_edited_renamed_and_deleted_files() {
        let dir = tempfile::tempdir().unwrap();
        let sql = dir.path().join("sql");
        std::fs::create_dir_all(sql.join(".hidden")).unwrap();
        std::fs::write(sql.join("V1__a.sql"), "x").unwrap();
        std::fs::write(sql.join(".hidden/V9__h.sql"), "x").unwrap();
        std::fs::write(sql.join("README.md"), "x").unwrap();
        let watched = Watched {
            folders: vec![(sql.clone(), vec![".sql".into()])],
            roots: vec![dir.path().to_path_buf()],
        };
        let first = scan(&watched);
        assert_eq!(
            first.keys().collect::<Vec<_>>(),
            vec![&sql.join("V1__a.sql")]
        );
        assert!(changes(&first, &scan(&watched)).is_empty());
        std::fs::rename(sql.join("V1__a.sql"), sql.join("V1__b.SQL")).unwrap();
        std::fs::write(dir.path().join("flyway.toml"), "").unwrap();
        let second = scan(&watched);
        assert_eq!(
            changes(&first, &second),
            vec![
                dir.path().join("flyway.toml"),
                sql.join("V1__a.sql"),
                sql.join("V1__b.SQL")
            ]
        );
        std::fs::write(sql.join("V1__b.SQL"), "longer").unwrap();
        assert_eq!(
            changes(&second, &scan(&watched)),
            vec![sql.join("V1__b.SQL")]
        );
        // A first look against what the model holds: the renamed file, both ways.
        let known = BTreeSet::from([sql.join("V1__a.sql"), sql.join("README.md")]);
        assert_eq!(
            unknown(&scan(&watched), &known, &watched),
            vec![sql.join("V1__a.sql"), sql.join("V1__b.SQL")]
        );
    }
}
