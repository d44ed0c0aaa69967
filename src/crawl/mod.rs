//! One crawl pass: poll the sources that are due (`poll.rs`: a feed or a sitemap, read by `source`; each poll
//! commits its validators, entries and page jobs together), then run every due page job and re-check
//! (`page.rs`), extracting off the async workers and handing each observation to the store. An item without a
//! link is a job too: its own content from the feed is the article, and nothing is fetched. `once` runs one
//! pass over every feed; the daemon runs passes over the feeds its scheduler finds due. What applies to a page
//! (schedule, noise rules, stamp) is `plan.rs`.

mod page;
mod plan;
mod poll;
mod tasks;

use std::collections::HashSet;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use chrono::Utc;
use tokio::sync::Semaphore;

use crate::config::{Config, FeedConfig};
use crate::fetch::Fetcher;
use crate::store::{self, Kind, Outcome, Store};
use tasks::{host_of, run_fairly, Bounds, PageTask};

pub use plan::{options_for, plan_for, schedule_for, schedule_of, stamp, PagePlan, FEED_TEXT_STAMP};

/// The longest a failing feed waits before it is tried again.
pub const MAX_BACKOFF: Duration = Duration::from_secs(6 * 3600);
/// Cache-Control, Expires and `<ttl>` may lengthen a feed's interval, to at most this many times the configured one.
const MAX_HINT_FACTOR: u32 = 4;

/// The poll interval after the server's hints: never shorter than configured, never more than 4× longer.
pub fn hinted_interval(configured: Duration, hints: &[Option<Duration>]) -> Duration {
    let hint = hints.iter().flatten().max().copied().unwrap_or_default();
    hint.clamp(configured, configured * MAX_HINT_FACTOR)
}

/// What a pass did, for the summary log line and for tests.
#[derive(Debug, Default, Clone, PartialEq, Eq, serde::Serialize)]
pub struct PassStats {
    pub feeds_polled: usize,
    pub feeds_not_modified: usize,
    pub feeds_failed: usize,
    pub pages_fetched: usize,
    pub page_errors: usize,
    /// Pages that held no article (section fronts, stubs, error pages served with 200).
    pub no_article: usize,
    pub new: usize,
    pub edited: usize,
    pub duplicate: usize,
    pub unchanged: usize,
    pub removed: usize,
    pub restored: usize,
    pub redirected: usize,
}

impl PassStats {
    fn add(&mut self, o: &PassStats) {
        self.feeds_polled += o.feeds_polled;
        self.feeds_not_modified += o.feeds_not_modified;
        self.feeds_failed += o.feeds_failed;
        self.pages_fetched += o.pages_fetched;
        self.page_errors += o.page_errors;
        self.no_article += o.no_article;
        self.new += o.new;
        self.edited += o.edited;
        self.duplicate += o.duplicate;
        self.unchanged += o.unchanged;
        self.removed += o.removed;
        self.restored += o.restored;
        self.redirected += o.redirected;
    }

    /// Counts what an observation did.
    fn count(&mut self, outcome: &Outcome) {
        let m = crate::metrics::get();
        let metric = match outcome.kind {
            Kind::New => {
                self.new += 1;
                Some(&m.articles_new)
            }
            Kind::Edited => {
                self.edited += 1;
                Some(&m.articles_edited)
            }
            Kind::Duplicate => {
                self.duplicate += 1;
                Some(&m.articles_duplicate)
            }
            Kind::Unchanged | Kind::Rebaselined => {
                self.unchanged += 1;
                Some(&m.articles_unchanged)
            }
            Kind::Redirected => {
                self.redirected += 1;
                None
            }
            Kind::Removed => {
                self.removed += 1;
                None
            }
            Kind::Missed | Kind::Vanished => None,
        };
        if let Some(metric) = metric {
            metric.fetch_add(1, Ordering::Relaxed);
        }
        self.restored += outcome.events.iter().filter(|e| e.event == "article.restored").count();
    }
}

/// Where a pass stands, for a progress display: feeds to poll, pages to fetch once the feeds are in, and the
/// counts so far.
#[derive(Debug, Clone, Default)]
pub struct PassProgress {
    pub feeds: usize,
    pub pages: usize,
    pub stats: PassStats,
}

/// Called after every finished feed poll and page.
pub type ProgressFn = Arc<dyn Fn(&PassProgress) + Send + Sync>;

/// Logs which share of the feeds this daemon takes, when `[crawler] shard` is set.
pub fn log_shard(config: &Config) {
    if let Some(s) = config.crawler.shard {
        tracing::info!(
            shard = %format!("{}/{}", s.index, s.count),
            feeds = config.feeds.len(),
            configured = config.configured_feeds.len(),
            "this shard takes {} of the {} configured feeds",
            config.feeds.len(),
            config.configured_feeds.len()
        );
    }
}

/// How a pass treats queued pages whose last try failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PassMode {
    /// Waits for each failed page's backoff.
    Daemon,
    /// `once`: tries every failed page now (still after a server's Retry-After).
    Once,
}

/// Runs passes against one store with one HTTP client.
#[derive(Clone)]
pub struct Crawler {
    config: Arc<Config>,
    store: Store,
    fetcher: Fetcher,
    /// Extraction is CPU-bound: at most one page per core at a time, off the async workers.
    extract_slots: Arc<Semaphore>,
    /// Unix milliseconds of the last finished feed or page, for the daemon's watchdog.
    progress: Arc<AtomicI64>,
    /// One store change that produces events at a time, each followed by its log lines: so that between two
    /// flushes at most one line is logged, and a crash repeats at most that one (same seq) at the next start.
    writer: Arc<Mutex<()>>,
    /// False for `once --feeds-only`: poll the feeds and record their state, fetch and store no article.
    fetch_pages: bool,
    /// A progress display (`once` on a terminal).
    on_progress: Option<ProgressFn>,
}

/// A pseudo-random fraction in [0, 1) per call (std's randomly keyed hasher; no crate needed for jitter).
pub fn jitter_fraction(salt: &str) -> f64 {
    use std::hash::BuildHasher;
    let h = std::collections::hash_map::RandomState::new().hash_one((salt, std::time::SystemTime::now()));
    (h >> 11) as f64 / (1u64 << 53) as f64
}

/// Exponential backoff for a feed that failed `errors` times in a row: interval × 2^(errors−1), capped.
pub fn backoff(interval: Duration, errors: u32) -> Duration {
    let factor = 1u32.checked_shl(errors.saturating_sub(1).min(16)).unwrap_or(u32::MAX);
    interval.saturating_mul(factor).min(MAX_BACKOFF.max(interval))
}

/// Writes events to the log in order (an edit with its change summary, computed from the stored versions),
/// noting each as logged; a flush between two events of one change keeps "at most one line logged since the
/// last flush".
fn log_events(store: &Store, events: &[store::EventRecord]) {
    for (i, ev) in events.iter().enumerate() {
        if i > 0 {
            if let Err(e) = store.flush() {
                tracing::error!(error = %e, "cannot flush the store");
            }
        }
        crate::log::event(&crate::event::load(store, ev.clone()));
        if let Err(e) = store.mark_logged(ev.seq) {
            tracing::warn!(error = %e, seq = ev.seq, "cannot note a logged event");
        }
    }
}

impl Crawler {
    pub fn new(config: Arc<Config>, store: Store) -> anyhow::Result<Crawler> {
        let fetcher = Fetcher::new(&config.crawler)?;
        let cores = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(2);
        Ok(Crawler {
            config,
            store,
            fetcher,
            extract_slots: Arc::new(Semaphore::new(cores)),
            progress: Arc::new(AtomicI64::new(0)),
            writer: Arc::new(Mutex::new(())),
            fetch_pages: true,
            on_progress: None,
        })
    }

    /// A crawler for a new configuration (a reload) that shares this one's progress clock and log writer.
    pub fn reconfigured(&self, config: Arc<Config>) -> anyhow::Result<Crawler> {
        let mut c = Crawler::new(config, self.store.clone())?;
        c.progress = self.progress.clone();
        c.writer = self.writer.clone();
        c.fetch_pages = self.fetch_pages;
        c.on_progress = self.on_progress.clone();
        Ok(c)
    }

    /// Logs, in sequence order, the events a crashed process stored but did not log.
    pub fn log_unlogged_events(&self) {
        let _w = self.writer.lock().unwrap_or_else(|p| p.into_inner());
        match self.store.unlogged_events() {
            Ok(events) => {
                for ev in &events {
                    log_events(&self.store, std::slice::from_ref(ev));
                    if let Err(e) = self.store.flush() {
                        tracing::error!(error = %e, "cannot flush the store");
                    }
                }
                if !events.is_empty() {
                    tracing::info!(count = events.len(), "logged events that a previous run stored but did not log");
                }
            }
            Err(e) => tracing::error!(error = %e, "cannot read the event log"),
        }
    }

    /// Plans again the re-checks of every article whose schedule changed in the configuration.
    pub fn replan(&self) -> usize {
        match self.store.replan(|art| schedule_of(&self.config, art)) {
            Ok(n) => {
                if n > 0 {
                    tracing::info!(articles = n, "re-check schedules re-planned after a configuration change");
                }
                n
            }
            Err(e) => {
                tracing::error!(error = %e, "cannot re-plan the re-checks");
                0
            }
        }
    }

    /// Shares a progress clock with the daemon's watchdog: it moves on every finished feed poll or page.
    pub fn with_progress(mut self, progress: Arc<AtomicI64>) -> Crawler {
        self.progress = progress;
        self
    }

    /// Polls feeds only (`once --feeds-only`): their state and item counts are recorded, no page is queued or
    /// fetched.
    pub fn feeds_only(mut self) -> Crawler {
        self.fetch_pages = false;
        self
    }

    /// Reports the pass's progress to `f` after every finished feed poll and page.
    pub fn with_pass_progress(mut self, f: ProgressFn) -> Crawler {
        self.on_progress = Some(f);
        self
    }

    fn report(&self, feeds: usize, pages: usize, stats: &PassStats) {
        if let Some(f) = &self.on_progress {
            f(&PassProgress { feeds, pages, stats: stats.clone() });
        }
    }

    fn tick(&self) {
        self.progress.store(Utc::now().timestamp_millis(), Ordering::Relaxed);
    }

    pub fn store(&self) -> &Store {
        &self.store
    }

    pub fn config(&self) -> &Config {
        &self.config
    }

    /// Runs a store change that may produce events, then logs them; one such change at a time.
    async fn record(
        &self,
        change: impl FnOnce(&Store) -> store::Result<Outcome> + Send + 'static,
    ) -> Result<Outcome, String> {
        self.record_prepared(|| (), move |store, ()| change(store)).await
    }

    /// Stores an observation of a page (see [`Crawler::record`]); its page is compressed before its turn
    /// ([`Store::prepare`]).
    async fn observe(&self, obs: store::Observation) -> Result<Outcome, String> {
        let store = self.store.clone();
        self.record_prepared(move || store.prepare(obs), |store, prepared| store.observe_prepared(&prepared)).await
    }

    /// As [`Crawler::record`], with `prepare` run first, off the async workers and before the change's turn:
    /// work that needs no store does not hold up the other changes waiting for theirs.
    async fn record_prepared<P>(
        &self,
        prepare: impl FnOnce() -> P + Send + 'static,
        change: impl FnOnce(&Store, P) -> store::Result<Outcome> + Send + 'static,
    ) -> Result<Outcome, String> {
        let (store, writer) = (self.store.clone(), self.writer.clone());
        let done = tokio::task::spawn_blocking(move || {
            let prepared = prepare();
            let _w = writer.lock().unwrap_or_else(|p| p.into_inner());
            let outcome = change(&store, prepared)?;
            log_events(&store, &outcome.events);
            Ok::<_, store::StoreError>(outcome)
        })
        .await;
        match done {
            Ok(Ok(outcome)) => Ok(outcome),
            Ok(Err(e)) => Err(format!("cannot store the page: {e}")),
            Err(e) => Err(format!("storing the page crashed: {e}")),
        }
    }

    /// A store read, off the async workers: a plain sled read waits while any transaction runs (sled's
    /// process-wide lock), and a worker parked there could not hand the next page to an idle extraction thread.
    async fn read<T: Send + 'static>(
        &self,
        query: impl FnOnce(&Store) -> store::Result<T> + Send + 'static,
    ) -> store::Result<T> {
        let store = self.store.clone();
        tokio::task::spawn_blocking(move || query(&store))
            .await
            .unwrap_or_else(|e| Err(store::StoreError::Sled(format!("a store read crashed: {e}"))))
    }

    /// A store write without events, off the async workers (it flushes).
    async fn write(&self, change: impl FnOnce(&Store) -> store::Result<()> + Send + 'static) {
        let store = self.store.clone();
        match tokio::task::spawn_blocking(move || change(&store)).await {
            Ok(Ok(())) => {}
            Ok(Err(e)) => tracing::error!(error = %e, "cannot write to the store"),
            Err(e) => tracing::error!(error = %e, "a store write crashed"),
        }
    }

    /// Runs a pass's stage, a bounded number of tasks at a time and each host in turn ([`run_fairly`]): `items`
    /// are (host, item), `start` makes an item's task. Adds each task's figures to `stats` and reports progress
    /// (`progress`: feeds, pages). A panic in one task (a parser bug) is that feed's or page's failure, counted
    /// by `crashed`; the pass goes on.
    async fn gather<I, F>(
        &self,
        items: impl IntoIterator<Item = (String, I)>,
        start: impl Fn(I) -> F,
        stats: &mut PassStats,
        progress: (usize, usize),
        what: &str,
        crashed: fn(&mut PassStats),
    ) where
        F: std::future::Future<Output = PassStats> + Send + 'static,
    {
        let crawler = &self.config.crawler;
        let bounds = Bounds::for_requests(crawler.concurrency, crawler.per_host_concurrency);
        run_fairly(items, bounds, start, |res| {
            self.tick();
            match res {
                Ok(task_stats) => stats.add(&task_stats),
                Err(e) => {
                    tracing::error!(error = %e, "{what} crashed");
                    crashed(stats);
                }
            }
            self.report(progress.0, progress.1, stats);
        })
        .await;
    }

    /// One pass over the given feeds, then every queued page and re-check that is due.
    pub async fn pass(&self, feeds: &[FeedConfig], mode: PassMode) -> PassStats {
        let started = Instant::now();
        let mut stats = PassStats::default();

        let polls = feeds.iter().map(|f| (crate::fetch::host_key(&f.url), f.clone()));
        let poll = |f: FeedConfig| {
            let this = self.clone();
            async move { this.poll_feed(&f).await }
        };
        self.gather(polls, poll, &mut stats, (feeds.len(), 0), "a feed poll", |s| s.feeds_failed += 1).await;
        if !self.fetch_pages {
            return self.finish(stats, started).await;
        }

        // Every due page of the queue, this pass's and those a previous run left, then the due re-checks
        // except those a queued page already covers.
        let now = Utc::now();
        let jobs = self.store.due_jobs(now, mode == PassMode::Once).unwrap_or_else(|e| {
            tracing::error!(error = %e, "cannot read the page queue");
            Vec::new()
        });
        let queued: Arc<HashSet<String>> = Arc::new(jobs.iter().map(|j| j.url.clone()).collect());
        let rechecks = self.store.due_rechecks(now).unwrap_or_else(|e| {
            tracing::error!(error = %e, "cannot read due re-checks");
            Vec::new()
        });
        let total = jobs.len() + rechecks.len();
        self.report(feeds.len(), total, &stats);
        // Each page goes to its host's turn: the queue is in URL order, and a sitemap's articles come due together.
        let rechecks = self.read(move |s| s.recheck_urls(rechecks)).await.unwrap_or_else(|e| {
            tracing::error!(error = %e, "cannot read the articles due for a re-check");
            Vec::new()
        });
        let jobs = jobs.into_iter().map(|j| (host_of(&j.url), PageTask::Job(j)));
        let pages = jobs.chain(rechecks.into_iter().map(|(id, url)| (host_of(&url), PageTask::Recheck(id))));
        let run = |task| {
            let (this, queued) = (self.clone(), queued.clone());
            async move {
                match task {
                    PageTask::Job(job) => this.run_job(job).await,
                    PageTask::Recheck(id) => this.run_recheck(id, &queued).await,
                }
            }
        };
        self.gather(pages, run, &mut stats, (feeds.len(), total), "a page task", |s| s.page_errors += 1).await;
        self.finish(stats, started).await
    }

    /// The end of a pass: everything flushed, one summary line.
    async fn finish(&self, stats: PassStats, started: Instant) -> PassStats {
        let store = self.store.clone();
        if let Ok(Err(e)) = tokio::task::spawn_blocking(move || store.flush()).await {
            tracing::error!(error = %e, "cannot flush the store");
        }
        tracing::info!(
            feeds = stats.feeds_polled,
            not_modified = stats.feeds_not_modified,
            feeds_failed = stats.feeds_failed,
            pages = stats.pages_fetched,
            page_errors = stats.page_errors,
            no_article = stats.no_article,
            new = stats.new,
            edited = stats.edited,
            duplicate = stats.duplicate,
            unchanged = stats.unchanged,
            removed = stats.removed,
            restored = stats.restored,
            redirected = stats.redirected,
            elapsed_ms = started.elapsed().as_millis() as u64,
            "pass complete"
        );
        stats
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hints_only_lengthen_the_interval_up_to_four_times() {
        let i = Duration::from_secs(300);
        assert_eq!(hinted_interval(i, &[None, None]), i);
        assert_eq!(hinted_interval(i, &[Some(Duration::from_secs(60))]), i);
        assert_eq!(
            hinted_interval(i, &[Some(Duration::from_secs(600)), Some(Duration::from_secs(900))]),
            Duration::from_secs(900)
        );
        assert_eq!(hinted_interval(i, &[Some(Duration::from_secs(86400))]), Duration::from_secs(1200));
    }

    #[test]
    fn backoff_doubles_up_to_the_cap() {
        let i = Duration::from_secs(600);
        assert_eq!(backoff(i, 1), Duration::from_secs(600));
        assert_eq!(backoff(i, 2), Duration::from_secs(1200));
        assert_eq!(backoff(i, 3), Duration::from_secs(2400));
        assert_eq!(backoff(i, 10), MAX_BACKOFF);
        assert_eq!(backoff(i, 1000), MAX_BACKOFF);
    }

    /// A re-check entry whose article is gone cannot be done; it must leave the index, or the daemon would find
    /// it due on every turn of its loop.
    #[tokio::test]
    async fn a_recheck_that_cannot_be_done_is_not_due_again() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        let past = Utc::now() - chrono::Duration::minutes(5);
        store.insert_dangling_recheck(past, 42);
        assert_eq!(store.due_rechecks(Utc::now()).unwrap(), vec![42]);
        let config =
            Config::parse("[crawler]\nallow_private_networks = true\n", std::path::Path::new("t.toml")).unwrap();
        let crawler = Crawler::new(Arc::new(config), store.clone()).unwrap();
        let stats = crawler.pass(&[], PassMode::Daemon).await;
        assert_eq!(stats, PassStats::default());
        assert!(store.due_rechecks(Utc::now()).unwrap().is_empty());
        assert_eq!(store.next_recheck_time().unwrap(), None);
    }
}
