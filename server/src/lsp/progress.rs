//! Work-done progress of a whole load (the first one and every reload), for clients that
//! advertise `window.workDoneProgress`: a token asked for with `window/workDoneProgress/create`,
//! then `$/progress` begin ("indexing"), reports ("checked k of N migrations", at most one per
//! [`TICK`], percentages never going down) and end, sent just before the load's findings are
//! published.
//!
//! The engine only bumps the counters of an [`engine::Progress`] as it checks each migration;
//! a task here reads them on a timer and does all the talking, so the check never waits for
//! the client: the load runs while the token is being asked for. Once the load is over, its
//! findings wait at most [`GRACE`] for a client that has not answered yet (such a client is
//! then shown nothing).

use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::oneshot;
use tower_lsp_server::ls_types::notification::Progress as ProgressNotification;
use tower_lsp_server::ls_types::*;
use tower_lsp_server::Client;

use crate::engine;

/// How often the counters are read (so at most this many reports a second: ten).
const TICK: Duration = Duration::from_millis(100);
/// How long a load that is over waits for the client's answer to
/// `window/workDoneProgress/create` (and then for its end to be sent) before it publishes.
const GRACE: Duration = Duration::from_millis(500);

/// One load's progress as the client sees it: [`LoadProgress::finish`] sends the end; so does
/// dropping it (a load replaced by a newer one), without waiting.
pub(crate) struct LoadProgress {
    counter: Arc<engine::Progress>,
    done: oneshot::Sender<()>,
    task: tokio::task::JoinHandle<()>,
}

impl LoadProgress {
    /// Starts showing a load (`load`: its number, which names the token).
    pub(crate) fn start(client: &Client, load: u64) -> LoadProgress {
        let counter = Arc::new(engine::Progress::default());
        let (done, ended) = oneshot::channel();
        let token = ProgressToken::String(format!("flyway-lsp/load/{load}"));
        let task = tokio::spawn(show(client.clone(), token, counter.clone(), ended));
        LoadProgress {
            counter,
            done,
            task,
        }
    }

    /// The load is over: the last report and the end are sent (waiting at most about
    /// [`GRACE`] for them), so that they come before the findings.
    pub(crate) async fn finish(self) {
        let _ = self.done.send(());
        let _ = tokio::time::timeout(GRACE * 2, self.task).await;
    }

    /// What the engine counts the load's migrations in.
    pub(crate) fn counter(&self) -> Arc<engine::Progress> {
        self.counter.clone()
    }
}

/// The percentage and message a report shows for `done` of `total` migrations checked (None
/// while the total is not known yet).
fn reading(counter: &engine::Progress) -> Option<(u32, String)> {
    let total = counter.total.load(Ordering::Relaxed);
    let done = counter.done.load(Ordering::Relaxed).min(total);
    if total == 0 {
        return None;
    }
    let percent = (done * 100 / total) as u32;
    Some((percent, format!("checked {done} of {total} migrations")))
}

async fn show(
    client: Client,
    token: ProgressToken,
    counter: Arc<engine::Progress>,
    mut ended: oneshot::Receiver<()>,
) {
    let create = client.create_work_done_progress(token.clone());
    tokio::pin!(create);
    let mut over = false;
    let created = tokio::select! {
        answer = &mut create => answer,
        _ = &mut ended => {
            over = true;
            match tokio::time::timeout(GRACE, &mut create).await {
                Ok(answer) => answer,
                Err(_) => return, // not answered in time: the client shows nothing
            }
        }
    };
    if created.is_err() {
        return; // refused
    }
    let send = |value: WorkDoneProgress| {
        let client = client.clone();
        let token = token.clone();
        async move {
            client
                .send_notification::<ProgressNotification>(ProgressParams {
                    token,
                    value: ProgressParamsValue::WorkDone(value),
                })
                .await;
        }
    };
    send(WorkDoneProgress::Begin(WorkDoneProgressBegin {
        title: "flyway-lsp".into(),
        cancellable: Some(false),
        message: Some("indexing".into()),
        percentage: Some(0),
    }))
    .await;
    let mut shown: Option<(u32, String)> = None;
    let report = |last: &mut Option<(u32, String)>| {
        let now = reading(&counter).filter(|now| Some(now) != last.as_ref());
        now.map(|(percent, message)| {
            // Never backwards: a later project adds its migrations to the total.
            let percent = percent.max(last.as_ref().map_or(0, |l| l.0));
            *last = Some((percent, message.clone()));
            WorkDoneProgress::Report(WorkDoneProgressReport {
                cancellable: Some(false),
                message: Some(message),
                percentage: Some(percent),
            })
        })
    };
    let mut tick = tokio::time::interval(TICK);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    while !over {
        tokio::select! {
            _ = &mut ended => over = true,
            _ = tick.tick() => {
                if let Some(value) = report(&mut shown) {
                    send(value).await;
                }
            }
        }
    }
    // Where the load got to since the last look, then the end.
    if let Some(value) = report(&mut shown) {
        send(value).await;
    }
    let total = counter.total.load(Ordering::Relaxed);
    send(WorkDoneProgress::End(WorkDoneProgressEnd {
        message: Some(format!("{total} migrations checked")),
    }))
    .await;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn readings_say_how_far_the_count_is() {
        let counter = engine::Progress::default();
        assert_eq!(reading(&counter), None, "no total yet: still indexing");
        counter.total.store(3, Ordering::Relaxed);
        counter.done.store(1, Ordering::Relaxed);
        assert_eq!(
            reading(&counter),
            Some((33, "checked 1 of 3 migrations".into()))
        );
        counter.done.store(3, Ordering::Relaxed);
        assert_eq!(
            reading(&counter),
            Some((100, "checked 3 of 3 migrations".into()))
        );
    }
}
