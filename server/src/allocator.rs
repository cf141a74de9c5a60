//! The allocator of every Rust allocation in the process, CLI and language server alike:
//! jemalloc (`tikv-jemallocator`, the allocator rustc itself ships with), not the C library's.
//!
//! A check allocates and frees many small blocks (tokens, parse trees dropped once their facts
//! are taken, journal entries) on several threads. Measured against glibc's malloc on the
//! 10,000-file benchmark folder (`benches/lsp.rs`, 2 cores, the same build otherwise, runs
//! alternated): server CPU to first diagnostics 4.3 → 3.4–4.0 s, per keystroke 17 → 12.5–15 ms,
//! per edit of a 2,000-line migration 17 → 10.5 ms; resident memory after the load 263 → 253 MB,
//! after 300 edits 334 → 308 MB; `flyway-lsp check` on that folder 3.9 → 3.4 s user. mimalloc
//! was as fast but held more memory (350–460 MB after the edits, with transparent huge pages).
//!
//! Not on Windows' MSVC target, where jemalloc does not build: there the system's allocator
//! serves, and [`purge`] does nothing.

#[cfg(not(target_env = "msvc"))]
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

/// jemalloc's settings, read before `main`: pages freed for a second go back to the system, as
/// the allocator's own work passes by (each arena's decay, ticked by allocations), and pages it
/// gives back are returned at once, not kept "muzzy". An idle language server shrinks through
/// [`purge`], which it calls once its model has stood unchanged for a moment
/// (`lsp::memory::release_free_when_settled`).
///
/// Two arenas, not jemalloc's default of four per CPU handed to threads in turn: the language
/// server re-checks on whichever thread of its pool is free, and each arena keeps the free
/// pages and part-filled slabs of its own. (Per-CPU arenas measured alike on 2 cores, but
/// jemalloc turns them off with a message on stderr where a process may not use every CPU, as
/// under a container's CPU set.) On more cores the load's analysis threads (up to 8) share the
/// two arenas' locks where their thread caches run dry; not measured there.
///
/// No background thread returns the pages (jemalloc's `background_thread`, which this used to
/// turn on): the arenas' own decay and the settled model's purge return them.
///
/// Measured on the 10,000-file benchmark folder (`benches/lsp.rs`, 2 cores), resident memory
/// after 500 edits / after the 2,000-line edits: 194–202 / 194–206 MB as it was (a background
/// thread, four arenas per CPU; fourteen runs); 192–196 / 189–190 MB without the background
/// thread (three runs); 183–195 / 174–194 MB with two arenas too in 16 of 17 runs (one 211 MB
/// after the 500 edits), and per-CPU arenas, two here, 183–191 / 176–180 MB in 8 of 9 runs (one
/// 232 / 215 MB); those two held the memory after the settled purge too: live, not explained.
/// CPU per edit: not settled on that noisy machine (the README's table). After the next round's
/// changes (none to these settings), 34 runs held 179–192 MB after the 500 edits, ~5 MB of it in
/// the threads' caches (jemalloc's statistics, 14 runs).
#[cfg(not(target_env = "msvc"))]
#[export_name = "_rjem_malloc_conf"]
#[used]
static MALLOC_CONF: &u8 = &b"narenas:2,dirty_decay_ms:1000,muzzy_decay_ms:0\0"[0];

/// Gives every page jemalloc holds free back to the system now (all arenas). Whether it did.
pub fn purge() -> bool {
    #[cfg(not(target_env = "msvc"))]
    {
        // 4096 is MALLCTL_ARENAS_ALL: the command applies to every arena.
        let name = c"arena.4096.purge";
        // SAFETY: a command without value (every pointer null, as jemalloc requires for it).
        unsafe {
            tikv_jemalloc_sys::mallctl(
                name.as_ptr(),
                std::ptr::null_mut(),
                std::ptr::null_mut(),
                std::ptr::null_mut(),
                0,
            ) == 0
        }
    }
    #[cfg(target_env = "msvc")]
    {
        false
    }
}

/// A boolean setting of jemalloc's (`opt.background_thread`, …), as the running allocator has it.
#[cfg(not(target_env = "msvc"))]
pub fn setting(name: &std::ffi::CStr) -> Option<bool> {
    read(name, false)
}

/// A setting or statistic of jemalloc's of type `T` (a plain value: `bool`, `unsigned`, …),
/// read over `initial`.
#[cfg(not(target_env = "msvc"))]
fn read<T: Copy>(name: &std::ffi::CStr, initial: T) -> Option<T> {
    let mut value = initial;
    let mut len = std::mem::size_of::<T>();
    // SAFETY: reads a value of `T`'s size into `value`, whose size is passed (jemalloc
    // refuses a name whose value has another size).
    let status = unsafe {
        tikv_jemalloc_sys::mallctl(
            name.as_ptr(),
            (&mut value as *mut T).cast(),
            &mut len,
            std::ptr::null_mut(),
            0,
        )
    };
    (status == 0).then_some(value)
}

#[cfg(all(test, not(target_env = "msvc")))]
mod tests {
    use super::*;

    #[test]
    fn jemalloc_serves_with_its_settings() {
        assert_eq!(setting(c"opt.background_thread"), Some(false));
        assert_eq!(read::<std::ffi::c_uint>(c"opt.narenas", 0), Some(2));
        assert_eq!(setting(c"opt.no_such_setting"), None);
        // The allocator in use is jemalloc: the address of a fresh block is one it knows.
        let block: Box<[u8]> = vec![0u8; 100].into_boxed_slice();
        // SAFETY: the pointer is a live allocation of the global allocator.
        let usable = unsafe { tikv_jemalloc_sys::malloc_usable_size(block.as_ptr().cast()) };
        assert!(usable >= 100, "usable size {usable}");
    }
}
