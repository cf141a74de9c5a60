//! A progress indicator on standard error for long runs: a spinner with the elapsed time, shown
//! only when standard error is a terminal, only after the run has taken a moment, and erased
//! before the results are printed. Never used with machine-read formats.

use std::io::{IsTerminal, Write};
use std::sync::mpsc::{channel, RecvTimeoutError, Sender};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// How long a run may take before the indicator appears (`FLYWAYLSP_PROGRESS_DELAY_MS` sets
/// another, for tests; not a `FLYWAY_` name, which Flyway's settings own).
const DELAY: Duration = Duration::from_millis(400);

fn delay() -> Duration {
    std::env::var("FLYWAYLSP_PROGRESS_DELAY_MS")
        .ok()
        .and_then(|v| v.parse().ok())
        .map_or(DELAY, Duration::from_millis)
}
const TICK: Duration = Duration::from_millis(100);

pub struct Progress {
    stop: Option<Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl Progress {
    /// Starts the indicator (`what`, e.g. "checking") when standard error is a terminal.
    pub fn start(what: &'static str) -> Option<Progress> {
        if !std::io::stderr().is_terminal() {
            return None;
        }
        let (stop, stopped) = channel::<()>();
        let thread = std::thread::spawn(move || {
            let began = Instant::now();
            if !matches!(
                stopped.recv_timeout(delay()),
                Err(RecvTimeoutError::Timeout)
            ) {
                return;
            }
            let frames = ['|', '/', '-', '\\'];
            let mut shown = false;
            for i in 0.. {
                let mut err = std::io::stderr().lock();
                let _ = write!(
                    err,
                    "\r{} {what}… {:.1}s",
                    frames[i % frames.len()],
                    began.elapsed().as_secs_f64()
                );
                let _ = err.flush();
                drop(err);
                shown = true;
                if !matches!(stopped.recv_timeout(TICK), Err(RecvTimeoutError::Timeout)) {
                    break;
                }
            }
            if shown {
                // Erase the line so that what follows starts clean.
                let mut err = std::io::stderr().lock();
                let _ = write!(err, "\r\x1b[2K");
                let _ = err.flush();
            }
        });
        Some(Progress {
            stop: Some(stop),
            thread: Some(thread),
        })
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}
