//! Delivery of events to sinks (`[[sink]]`): webhooks, commands and NATS JetStream.
//!
//! The durable event log is the queue and each sink has a cursor in the store (`store/sinks.rs`). A sink takes
//! the events after its cursor in seq order, one at a time: the cursor moves past an event only once the sink
//! accepted it (or its filters skip it), so a crash, a restart or a receiver that is down loses nothing and
//! delivers at most the unacknowledged event again, with the same event id. A failed attempt waits with
//! exponential backoff and jitter, from about half a second up to five minutes. At most `max_pending` events
//! wait; beyond that the oldest are dropped, logged and counted.
//!
//! Decisions are pure ([`accepts`], [`backoff`]); the effects (store, network, processes) are in [`Runner`].

mod exec;
mod nats;
pub mod webhook;

use std::time::{Duration, Instant};

use chrono::Utc;

use crate::config::{event_matches, SinkConfig, SinkKind};
use crate::event::{self, Event};
use crate::store::{SinkState, Store};

/// The first retry waits about this long ...
pub const FIRST_BACKOFF: Duration = Duration::from_millis(500);
/// ... doubling up to this.
pub const MAX_BACKOFF: Duration = Duration::from_secs(300);
/// Events read from the store at a time.
const BATCH: usize = 100;
/// With nothing pending, a running sink looks at the log this often: the most a new event waits to go out.
const IDLE_POLL: Duration = Duration::from_secs(1);

/// Whether a sink wants an event: its `events` patterns, its `feeds`, and for edits `min_significance` (an
/// edit whose summary could not be computed is delivered: better a notice too many than a lost one).
pub fn accepts(sink: &SinkConfig, event: &Event) -> bool {
    let r = &event.view;
    if !sink.events.iter().any(|p| event_matches(p, &r.event)) {
        return false;
    }
    if !sink.feeds.is_empty() && !r.feed.as_ref().is_some_and(|f| sink.feeds.contains(f)) {
        return false;
    }
    if r.event == "article.edited" {
        if let Some(s) = event.significance() {
            return s >= sink.min_significance;
        }
    }
    true
}

/// The wait before the next attempt after `failures` consecutive failures: 0.5 s × 2^(failures−1), capped at
/// five minutes, times a jitter factor in [0.75, 1.25) (capped again), so that sinks that failed together do
/// not retry together.
pub fn backoff(failures: u32, jitter: f64) -> Duration {
    let exp = FIRST_BACKOFF.saturating_mul(1u32 << failures.saturating_sub(1).min(20));
    exp.min(MAX_BACKOFF).mul_f64(0.75 + 0.5 * jitter.clamp(0.0, 1.0)).min(MAX_BACKOFF)
}

/// The sink's means of delivery.
enum Transport {
    Webhook(webhook::Webhook),
    Exec(exec::Exec),
    Nats(nats::Nats),
}

/// What a round of delivery ended with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Round {
    /// Nothing is pending any more.
    Idle,
    /// An attempt failed; the next should wait this long.
    Failed(Duration),
    /// The deadline came first.
    OutOfTime,
}

/// One sink's delivery loop state.
pub struct Runner {
    pub config: SinkConfig,
    store: Store,
    transport: Transport,
    state: SinkState,
}

impl Runner {
    /// Prepares a sink: its state in the store (a new sink starts at the end of the log) and its transport.
    pub fn new(config: SinkConfig, store: Store) -> anyhow::Result<Runner> {
        let state = store.init_sink(&config.name)?;
        let transport = match &config.kind {
            SinkKind::Webhook { url, secret, allow_hosts } => Transport::Webhook(webhook::Webhook::new(
                url.clone(),
                secret.clone(),
                allow_hosts.clone(),
                config.timeout,
            )?),
            SinkKind::Exec { command } => Transport::Exec(exec::Exec::new(command.clone(), config.timeout)),
            SinkKind::Nats { url, subject, stream } => {
                Transport::Nats(nats::Nats::new(url.clone(), subject.clone(), stream.clone(), config.timeout))
            }
        };
        Ok(Runner { config, store, transport, state })
    }

    fn save(&self) {
        if let Err(e) = self.store.put_sink_state(&self.state) {
            tracing::error!(sink = %self.config.name, error = %e, "cannot store the sink's cursor");
        }
    }

    /// Drops the oldest pending events beyond `max_pending`.
    fn bound_pending(&mut self) {
        match self.store.cursor_within(self.state.cursor, self.config.max_pending) {
            Ok((_, 0)) => {}
            Ok((cursor, dropped)) => {
                tracing::warn!(
                    event = "sink.dropped",
                    sink = %self.config.name,
                    dropped,
                    from_seq = self.state.cursor + 1,
                    to_seq = cursor,
                    max_pending = self.config.max_pending,
                    "more events waited than max_pending: the oldest were dropped unsent"
                );
                self.state.cursor = cursor;
                self.state.dropped += dropped;
                crate::metrics::get().sink(&self.config.name, |c| c.dropped += dropped);
                self.save();
            }
            Err(e) => tracing::error!(sink = %self.config.name, error = %e, "cannot count the sink's pending events"),
        }
    }

    /// The next events after the cursor, with their change summaries (read off the async workers).
    async fn next_batch(&self) -> Result<Vec<Event>, String> {
        let (store, cursor) = (self.store.clone(), self.state.cursor);
        tokio::task::spawn_blocking(move || {
            let records: Vec<_> = store.events_after(cursor).take(BATCH).collect::<Result<_, _>>()?;
            Ok::<_, crate::store::StoreError>(records.into_iter().map(|r| event::load(&store, r)).collect())
        })
        .await
        .map_err(|e| e.to_string())?
        .map_err(|e| e.to_string())
    }

    async fn send(&mut self, event: &Event) -> Result<(), String> {
        let body = event.to_json();
        match &mut self.transport {
            Transport::Webhook(w) => w.deliver(event, &body).await,
            Transport::Exec(x) => x.deliver(event, &body).await,
            Transport::Nats(n) => n.deliver(event, &body).await,
        }
    }

    /// Delivers pending events in order until none is left, an attempt fails, or `deadline` passes.
    pub async fn round(&mut self, deadline: Option<Instant>) -> Round {
        self.bound_pending();
        let outcome = loop {
            let batch = match self.next_batch().await {
                Ok(b) => b,
                Err(e) => {
                    tracing::error!(sink = %self.config.name, error = %e, "cannot read the event log");
                    break Round::Failed(MAX_BACKOFF.min(Duration::from_secs(30)));
                }
            };
            if batch.is_empty() {
                break Round::Idle;
            }
            let mut failed = None;
            for event in &batch {
                if deadline.is_some_and(|d| Instant::now() >= d) {
                    failed = Some(Round::OutOfTime);
                    break;
                }
                if !accepts(&self.config, event) {
                    self.state.cursor = event.view.seq;
                    self.save();
                    continue;
                }
                let attempt = match deadline {
                    // An attempt may not outlast `once`'s deadline either.
                    Some(d) => tokio::time::timeout(d.saturating_duration_since(Instant::now()), self.send(event))
                        .await
                        .unwrap_or_else(|_| Err("deliver_timeout reached during the attempt".into())),
                    None => self.send(event).await,
                };
                match attempt {
                    Ok(()) => self.delivered(event),
                    Err(error) => {
                        failed = Some(Round::Failed(self.failed(event, &error)));
                        break;
                    }
                }
            }
            if let Some(f) = failed {
                break f;
            }
        };
        if let Err(e) = self.store.flush() {
            tracing::error!(sink = %self.config.name, error = %e, "cannot flush the store");
        }
        let pending = self.store.events_pending_after(self.state.cursor).unwrap_or(0);
        crate::metrics::get().sink(&self.config.name, |c| c.pending = pending);
        outcome
    }

    fn delivered(&mut self, event: &Event) {
        tracing::debug!(sink = %self.config.name, seq = event.view.seq, id = %event.id(), "event delivered");
        self.state.cursor = event.view.seq;
        self.state.delivered += 1;
        self.state.consecutive_failures = 0;
        self.state.last_success = Some(Utc::now());
        crate::metrics::get().sink(&self.config.name, |c| c.delivered += 1);
        self.save();
    }

    /// Records a failed attempt and returns the wait before the next.
    fn failed(&mut self, event: &Event, error: &str) -> Duration {
        self.state.failures += 1;
        self.state.consecutive_failures = self.state.consecutive_failures.saturating_add(1);
        self.state.last_error = Some(error.to_string());
        self.state.last_error_at = Some(Utc::now());
        crate::metrics::get().sink(&self.config.name, |c| c.failures += 1);
        self.save();
        let wait = backoff(self.state.consecutive_failures, crate::crawl::jitter_fraction(&self.config.name));
        tracing::warn!(
            event = "sink.error",
            sink = %self.config.name,
            kind = self.config.kind.name(),
            seq = event.view.seq,
            event_id = %event.id(),
            attempt = self.state.consecutive_failures,
            retry_in_ms = wait.as_millis() as u64,
            error = %error,
            "delivery failed; will retry"
        );
        wait
    }

    /// Events after the cursor now.
    pub fn pending(&self) -> u64 {
        self.store.events_pending_after(self.state.cursor).unwrap_or(0)
    }
}

/// Delivers continuously, for the daemon: a round every [`IDLE_POLL`] while nothing fails, a backoff wait after
/// a failure. Runs until the task is aborted; an aborted attempt leaves its event pending. (It looks at the log
/// rather than subscribing to it: a sled subscriber that is not read for a while blocks the writers.)
pub async fn run_forever(mut runner: Runner) {
    loop {
        let wait = match runner.round(None).await {
            Round::Failed(wait) => wait,
            _ => IDLE_POLL,
        };
        tokio::time::sleep(wait).await;
    }
}

/// Starts every configured sink for the daemon; a sink that cannot start (its state unreadable) is logged
/// and left out, the others go on.
pub fn spawn_all(sinks: &[SinkConfig], store: &Store) -> Vec<tokio::task::JoinHandle<()>> {
    let mut tasks = Vec::new();
    for config in sinks {
        match Runner::new(config.clone(), store.clone()) {
            Ok(r) => tasks.push(tokio::spawn(run_forever(r))),
            Err(e) => tracing::error!(event = "sink.error", sink = %config.name, error = %e, "cannot start the sink"),
        }
    }
    tasks
}

/// Makes sure every configured sink has a cursor before events are written, so that a sink configured from
/// the start sees the first events too.
pub fn init_all(sinks: &[SinkConfig], store: &Store) {
    for s in sinks {
        if let Err(e) = store.init_sink(&s.name) {
            tracing::error!(event = "sink.error", sink = %s.name, error = %e, "cannot store the sink's cursor");
        }
    }
}

/// For `once`: delivers what is pending to every sink, each within its `deliver_timeout`, retrying with backoff
/// meanwhile. Events still pending after that stay for the next run.
pub async fn deliver_pending(sinks: &[SinkConfig], store: &Store) {
    let mut tasks = tokio::task::JoinSet::new();
    for config in sinks {
        let mut runner = match Runner::new(config.clone(), store.clone()) {
            Ok(r) => r,
            Err(e) => {
                tracing::error!(event = "sink.error", sink = %config.name, error = %e, "cannot start the sink");
                continue;
            }
        };
        tasks.spawn(async move {
            let deadline = Instant::now() + runner.config.deliver_timeout;
            loop {
                match runner.round(Some(deadline)).await {
                    Round::Idle => break,
                    Round::OutOfTime => break,
                    Round::Failed(wait) => {
                        let left = deadline.saturating_duration_since(Instant::now());
                        if left.is_zero() {
                            break;
                        }
                        tokio::time::sleep(wait.min(left)).await;
                    }
                }
            }
            let pending = runner.pending();
            if pending > 0 {
                tracing::warn!(
                    event = "sink.pending",
                    sink = %runner.config.name,
                    pending,
                    deliver_timeout_ms = runner.config.deliver_timeout.as_millis() as u64,
                    "events still pending after deliver_timeout; they go out on the next run"
                );
            }
        });
    }
    while tasks.join_next().await.is_some() {}
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::change::Significance;

    #[test]
    fn backoff_doubles_from_half_a_second_to_five_minutes_with_jitter() {
        assert_eq!(backoff(1, 0.5), Duration::from_millis(500));
        assert_eq!(backoff(2, 0.5), Duration::from_secs(1));
        assert_eq!(backoff(3, 0.5), Duration::from_secs(2));
        assert_eq!(backoff(1, 0.0), Duration::from_millis(375));
        assert_eq!(backoff(1, 1.0), Duration::from_millis(625));
        assert_eq!(backoff(10, 0.5), Duration::from_secs(256));
        assert_eq!(backoff(11, 0.5), MAX_BACKOFF);
        assert_eq!(backoff(1000, 1.0), MAX_BACKOFF);
    }

    fn sink(events: &[&str], feeds: &[&str], min: Significance) -> SinkConfig {
        SinkConfig {
            name: "s".into(),
            kind: SinkKind::Exec { command: vec!["true".into()] },
            events: events.iter().map(|s| s.to_string()).collect(),
            feeds: feeds.iter().map(|s| s.to_string()).collect(),
            min_significance: min,
            deliver_timeout: Duration::from_secs(1),
            max_pending: 10,
            timeout: Duration::from_secs(1),
        }
    }

    fn event(name: &str, feed: &str, significance: Option<Significance>) -> Event {
        let change = significance.map(|s| crate::change::ChangeSummary {
            title_changed: false,
            sentences_added: 0,
            sentences_removed: 0,
            sentences_changed: 1,
            numbers: vec![],
            quotes_changed: 0,
            names_changed: 0,
            chars_added: 1,
            chars_removed: 1,
            significance: s,
        });
        let mut record = crate::store::EventRecord::draft(name, 1, "https://example.org/a", Utc::now());
        record.seq = 1;
        record.feed = Some(feed.into());
        Event { view: crate::view::EventView::from(&record), change }
    }

    #[test]
    fn filters_by_event_feed_and_significance() {
        let all = sink(&["article.*"], &[], Significance::Typo);
        assert!(accepts(&all, &event("article.new", "a", None)));
        assert!(accepts(&all, &event("article.edited", "a", Some(Significance::Typo))));
        assert!(!accepts(&all, &event("feed.error", "a", None)));
        let edits = sink(&["article.edited"], &["b"], Significance::Substantive);
        assert!(!accepts(&edits, &event("article.new", "b", None)));
        assert!(!accepts(&edits, &event("article.edited", "a", Some(Significance::Substantive))));
        assert!(!accepts(&edits, &event("article.edited", "b", Some(Significance::Minor))));
        assert!(accepts(&edits, &event("article.edited", "b", Some(Significance::Substantive))));
        // No summary (unreadable versions): delivered rather than lost.
        assert!(accepts(&edits, &event("article.edited", "b", None)));
        let minor = sink(&["*"], &[], Significance::Minor);
        assert!(accepts(&minor, &event("article.duplicate", "x", None)));
        assert!(!accepts(&minor, &event("article.edited", "x", Some(Significance::Typo))));
        // The life events are article.* events: the default pattern takes them, whatever the significance (they
        // have none), and the feed filter applies to them as to any other.
        let default = sink(&[crate::config::DEFAULT_EVENTS], &["b"], Significance::Substantive);
        for life in ["article.removed", "article.restored", "article.redirected"] {
            assert!(accepts(&default, &event(life, "b", None)), "{life}");
            assert!(!accepts(&default, &event(life, "a", None)), "{life} of another feed");
        }
    }
}
