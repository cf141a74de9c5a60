//! The server's memory, set for a long-lived process that holds a large model and re-checks it
//! on other threads. Rust code allocates from jemalloc ([`crate::allocator`]); the C library's
//! malloc serves only C code (libpg_query's parse memory).
//!
//! glibc gives each thread that allocates while another holds an arena lock an arena of its
//! own (up to 8 per core), and the freed memory of one arena is never reused by the others
//! (when the whole server allocated from it: 500 MB after the first check of a 10,000-file
//! folder, 720 MB after 500 edits; four arenas, 580 MB). The C parser's memory is limited to
//! the same four arenas.

/// How many malloc arenas the server's threads share.
pub const ARENAS: i32 = 4;

/// Limits the arenas to [`ARENAS`]; call it before the runtime starts its threads (an arena
/// already made stays). Whether glibc took the setting.
pub fn limit_arenas() -> bool {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        // SAFETY: mallopt only sets an allocator parameter.
        unsafe { libc::mallopt(libc::M_ARENA_MAX, ARENAS) == 1 }
    }
    #[cfg(not(all(target_os = "linux", target_env = "gnu")))]
    {
        false
    }
}

/// Gives the pages freed by a whole load (the parse trees and copies it dropped) back to the
/// system, so the resident size is the model's, not the load's peak: jemalloc's (its arenas'
/// decay would, as later allocations pass by) and the C library's.
pub fn release_free() {
    crate::allocator::purge();
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only returns free memory of the allocator's own to the system.
    unsafe {
        libc::malloc_trim(0);
    }
}

/// Frees `value` on the server's freeing thread, at the lowest CPU priority: a replaced model
/// (what only it still held: the edited file's previous analysis, a catalog's copies) takes a
/// while to free, and freeing it on a thread of normal priority competed with the re-check of
/// the next keystroke for the cores. Freed here if that thread cannot be started.
pub fn free_later<T: Send + 'static>(value: T) {
    type Garbage = Box<dyn Send>;
    static FREEING: std::sync::OnceLock<Option<std::sync::mpsc::Sender<Garbage>>> =
        std::sync::OnceLock::new();
    let sender = FREEING.get_or_init(|| {
        let (sender, garbage) = std::sync::mpsc::channel::<Garbage>();
        std::thread::Builder::new()
            .name("flyway-lsp-freeing".into())
            .spawn(move || {
                super::poll::lowest_priority();
                // Ends when the sender is gone (never, as it is static: with the process).
                for value in garbage {
                    drop(value);
                }
            })
            .ok()
            .map(|_| sender)
    });
    let value: Garbage = Box::new(value);
    // A value the thread cannot take is dropped here, by the failed send's error.
    if let Some(sender) = sender {
        let _ = sender.send(value);
    }
}

/// How long the model must stay unchanged before [`release_free_when_settled`] gives the
/// freed pages back: with a trim after every re-check the server's CPU per keystroke rose
/// from 51 to 64 ms on 10,000 files (one measurement, on a loaded machine: the pages it gives
/// back are faulted in again by the next re-check); one after a pause costs nothing while
/// typing.
pub const SETTLE: std::time::Duration = std::time::Duration::from_millis(300);

/// Model changes so far (each re-check result installed, each reload).
static CHANGES: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

/// Called after each change of the model: once no other change came for [`SETTLE`], gives
/// back the pages the re-checks and the models they replaced left free (else each arena keeps
/// its holes: +70 MB over the first 100 edits on 10,000 files). The task ends with whether it
/// trimmed (a newer change supersedes it).
pub fn release_free_when_settled(
    runtime: &tokio::runtime::Handle,
) -> tokio::task::JoinHandle<bool> {
    use std::sync::atomic::Ordering;
    let change = CHANGES.fetch_add(1, Ordering::Relaxed) + 1;
    runtime.spawn(async move {
        tokio::time::sleep(SETTLE).await;
        if CHANGES.load(Ordering::Relaxed) != change {
            return false;
        }
        tokio::task::spawn_blocking(release_free).await.is_ok()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn resident_kb() -> u64 {
        std::fs::read_to_string("/proc/self/status")
            .unwrap_or_default()
            .lines()
            .find_map(|l| l.strip_prefix("VmRSS:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            .unwrap_or(0)
    }

    #[test]
    #[cfg(target_os = "linux")]
    fn freed_pages_go_back_to_the_system() {
        #[cfg(target_env = "gnu")]
        assert!(limit_arenas());
        // 64 MB in blocks of 4 KB, resident while held, freed, then released: without the
        // release jemalloc keeps the freed pages for a second (its decay time).
        let blocks: Vec<Vec<u8>> = (0..(64usize << 20) / 4096)
            .map(|i| vec![i as u8; 4096])
            .collect();
        let before = resident_kb();
        drop(blocks);
        release_free();
        let after = resident_kb();
        assert!(
            after + 32 * 1024 < before,
            "resident {before} kB with the blocks, {after} kB after they were freed and released"
        );
    }

    #[test]
    fn only_the_last_of_quick_changes_trims() {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .enable_time()
            .build()
            .expect("runtime");
        let handle = runtime.handle();
        let first = release_free_when_settled(handle);
        let second = release_free_when_settled(handle);
        runtime.block_on(async {
            assert!(
                !first.await.expect("first"),
                "superseded by the second change"
            );
            assert!(second.await.expect("second"), "the model settled");
        });
    }
}
