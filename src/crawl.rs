//! One crawl pass: poll the feeds that are due, fetch new and changed items and due re-checks, extract,
//! and hand each observation to the store. `once` runs one pass over every feed; the daemon runs passes
//! over the feeds its scheduler finds due.

use std::collections::HashMap;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use tokio::sync::Semaphore;
use tokio::task::JoinSet;
use url::Url;

use crate::config::{Config, FeedConfig};
use crate::fetch::{Fetcher, Validators};
use crate::source::{self, Failure, Read};
use crate::store::{FeedState, Observation, Outcome, Store};
use crate::{extract, feed};

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
}

impl PassStats {
    fn add(&mut self, other: &PassStats) {
        self.feeds_polled += other.feeds_polled;
        self.feeds_not_modified += other.feeds_not_modified;
        self.feeds_failed += other.feeds_failed;
        self.pages_fetched += other.pages_fetched;
        self.page_errors += other.page_errors;
        self.no_article += other.no_article;
        self.new += other.new;
        self.edited += other.edited;
        self.duplicate += other.duplicate;
        self.unchanged += other.unchanged;
    }
}

/// Where a pass stands, for a progress display: feeds to poll, pages queued once the feeds are in, and the
/// counts so far.
#[derive(Debug, Clone, Default)]
pub struct PassProgress {
    pub feeds: usize,
    pub pages: usize,
    pub stats: PassStats,
}

/// Called after every finished feed poll and page.
pub type ProgressFn = Arc<dyn Fn(&PassProgress) + Send + Sync>;

/// Why a page is fetched.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Reason {
    NewItem,
    EntryChanged,
    Recheck,
}

/// One page to fetch, with everything needed to store what it gives.
#[derive(Debug, Clone)]
struct PageJob {
    url: Url,
    reason: Reason,
    feeds: Vec<String>,
    entries: Vec<(String, String, String)>,
    known_id: Option<u64>,
    published: Option<DateTime<Utc>>,
    updated: Option<DateTime<Utc>>,
    recheck: Vec<Duration>,
    /// Honour robots.txt for this page.
    robots: bool,
    /// The feed's noise controls.
    extract: Arc<extract::Options>,
    flap_window: usize,
    /// An item without a link: its own content from the feed is the article; nothing is fetched.
    own: Option<extract::Article>,
}

fn extract_options(fc: &FeedConfig) -> Arc<extract::Options> {
    Arc::new(extract::Options { drop_selectors: fc.drop.clone(), ignore_lines: fc.ignore_lines.clone() })
}

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
            fetch_pages: true,
            on_progress: None,
        })
    }

    /// Logs the events a crashed process stored but did not log (see `Store::unlogged_events`).
    pub fn log_unlogged_events(&self) {
        match self.store.unlogged_events() {
            Ok(events) => {
                for ev in &events {
                    crate::event::log_stored(&self.store, ev);
                }
                if let Some(last) = events.last() {
                    tracing::info!(count = events.len(), "logged events that a previous run stored but did not log");
                    let _ = self.store.mark_logged(last.seq);
                }
            }
            Err(e) => tracing::error!(error = %e, "cannot read the event log"),
        }
    }

    /// Shares a progress clock with the daemon's watchdog: it moves on every finished feed poll or page.
    pub fn with_progress(mut self, progress: Arc<AtomicI64>) -> Crawler {
        self.progress = progress;
        self
    }

    /// Polls feeds only (`once --feeds-only`): their state and item counts are recorded, no page is fetched.
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

    /// One pass over the given feeds, then every re-check that is due.
    pub async fn pass(&self, feeds: &[FeedConfig]) -> PassStats {
        let started = Instant::now();
        let mut stats = PassStats::default();

        let mut polls = JoinSet::new();
        for f in feeds {
            let (this, f) = (self.clone(), f.clone());
            polls.spawn(async move { this.poll_feed(&f).await });
        }
        // Jobs keyed by URL, so an article listed in two feeds is fetched once.
        let mut jobs: HashMap<String, PageJob> = HashMap::new();
        let mut order = Vec::new();
        while let Some(res) = polls.join_next().await {
            self.tick();
            // A panic in one feed's task (a parser bug) is that feed's failure; the pass goes on.
            let Ok((feed_stats, feed_jobs)) = res.map_err(|e| tracing::error!(error = %e, "a feed poll crashed"))
            else {
                stats.feeds_failed += 1;
                continue;
            };
            stats.add(&feed_stats);
            self.report(feeds.len(), 0, &stats);
            for job in feed_jobs {
                match jobs.get_mut(job.url.as_str()) {
                    Some(existing) => {
                        existing.feeds.extend(job.feeds);
                        existing.entries.extend(job.entries);
                        existing.known_id = existing.known_id.or(job.known_id);
                    }
                    None => {
                        order.push(job.url.to_string());
                        jobs.insert(job.url.to_string(), job);
                    }
                }
            }
        }
        let due = if self.fetch_pages { self.due_recheck_jobs(&jobs) } else { Vec::new() };
        for job in due {
            order.push(job.url.to_string());
            jobs.insert(job.url.to_string(), job);
        }

        let pages = order.len();
        self.report(feeds.len(), pages, &stats);
        let mut fetches = JoinSet::new();
        for url in order {
            let job = jobs.remove(&url).expect("every ordered URL has a job");
            let this = self.clone();
            fetches.spawn(async move { this.fetch_page(job).await });
        }
        while let Some(res) = fetches.join_next().await {
            self.tick();
            match res {
                Ok(page_stats) => stats.add(&page_stats),
                Err(e) => {
                    tracing::error!(error = %e, "a page task crashed");
                    stats.page_errors += 1;
                }
            }
            self.report(feeds.len(), pages, &stats);
        }
        if let Err(e) = self.store.flush() {
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
            elapsed_ms = started.elapsed().as_millis() as u64,
            "pass complete"
        );
        stats
    }

    fn feed_config(&self, name: &str) -> Option<&FeedConfig> {
        self.config.feeds.iter().find(|f| f.name == name)
    }

    /// Re-checks due now, except articles already being fetched for a feed entry.
    fn due_recheck_jobs(&self, queued: &HashMap<String, PageJob>) -> Vec<PageJob> {
        let due = match self.store.due_rechecks(Utc::now()) {
            Ok(d) => d,
            Err(e) => {
                tracing::error!(error = %e, "cannot read due re-checks");
                return Vec::new();
            }
        };
        let queued_ids: std::collections::HashSet<u64> = queued.values().filter_map(|j| j.known_id).collect();
        let mut out = Vec::new();
        for id in due {
            if queued_ids.contains(&id) {
                continue;
            }
            let Ok(Some(art)) = self.store.article(id) else { continue };
            let Ok(url) = Url::parse(art.fetched_from.as_deref().unwrap_or(&art.url)) else { continue };
            // An item without a link (its identity has a fragment) has no page: the feed is its source.
            if url.fragment().is_some() {
                continue;
            }
            if queued.contains_key(url.as_str()) {
                continue;
            }
            let recheck =
                art.feeds.iter().find_map(|f| self.feed_config(f)).map(|f| f.recheck.clone()).unwrap_or_default();
            let fc = art.feeds.iter().find_map(|f| self.feed_config(f));
            out.push(PageJob {
                robots: fc.is_none_or(|f| f.robots),
                extract: fc.map(extract_options).unwrap_or_default(),
                flap_window: fc.map(|f| f.flap_window).unwrap_or(0),
                url,
                reason: Reason::Recheck,
                feeds: art.feeds.iter().take(1).cloned().collect(),
                entries: Vec::new(),
                known_id: Some(id),
                published: None,
                updated: None,
                recheck,
                own: None,
            });
        }
        out
    }

    /// Polls one feed and returns the pages it asks for.
    async fn poll_feed(&self, fc: &FeedConfig) -> (PassStats, Vec<PageJob>) {
        let mut stats = PassStats { feeds_polled: 1, ..Default::default() };
        let mut state = match self.store.feed_state(&fc.name) {
            Ok(Some(s)) if s.url == fc.url.as_str() => s,
            // A feed whose URL changed in the config starts afresh: its old validators belong to another URL.
            _ => FeedState { name: fc.name.clone(), url: fc.url.to_string(), ..Default::default() },
        };
        let validators = Validators { etag: state.etag.clone(), last_modified: state.last_modified.clone() };
        let result = source::read(&self.fetcher, fc, &validators, &state.parts).await;
        let now = Utc::now();
        state.last_fetch = Some(now);
        let mut jobs = Vec::new();
        let mut interval = fc.interval;
        // Ok(Some(damage)): read, but only by recovery from a damaged feed.
        let outcome: Result<Option<String>, (String, Option<Duration>)> = match result {
            Ok(Read::NotModified(resp)) => {
                interval = hinted_interval(fc.interval, &[resp.fresh_for]);
                stats.feeds_not_modified = 1;
                state.last_status = Some(304);
                // A 304 may carry fresh validators; keep the old ones otherwise.
                state.etag = resp.etag.or(state.etag.take());
                state.last_modified = resp.last_modified.or(state.last_modified.take());
                tracing::debug!(feed = %fc.name, "feed not modified");
                // A damaged feed stays damaged until it changes.
                Ok(state.last_error.take().filter(|_| state.errors == 0))
            }
            Ok(Read::Changed { resp, feed: parsed, parts }) => {
                state.last_status = Some(resp.status);
                let ttl = parsed.ttl_minutes.map(|m| Duration::from_secs(u64::from(m) * 60));
                interval = hinted_interval(fc.interval, &[resp.fresh_for, ttl]);
                state.etag = resp.etag;
                state.last_modified = resp.last_modified;
                state.items = Some(parsed.entries as u32);
                state.parts = parts;
                for reason in &parsed.skipped {
                    tracing::warn!(feed = %fc.name, url = %fc.url, "skipped feed item: {reason}");
                }
                if self.fetch_pages {
                    jobs = self.jobs_for_items(fc, parsed.items);
                }
                Ok(parsed.damage.map(|d| format!("damaged feed, read by recovery: {d}")))
            }
            Err(Failure { error, status, retry_after }) => {
                state.last_status = status;
                Err((error, retry_after))
            }
        };
        let m = crate::metrics::get();
        match (&outcome, stats.feeds_not_modified) {
            (Err(_), _) => m.feeds_failed.fetch_add(1, Ordering::Relaxed),
            (Ok(_), 1) => m.feeds_not_modified.fetch_add(1, Ordering::Relaxed),
            (Ok(_), _) => m.feeds_ok.fetch_add(1, Ordering::Relaxed),
        };
        match outcome {
            Ok(damage) => {
                if let Some(d) = &damage {
                    if stats.feeds_not_modified == 0 {
                        tracing::warn!(event = "feed.error", feed = %fc.name, url = %fc.url, error = %d, errors = 0, damaged = true, "feed read by recovery");
                    }
                }
                state.errors = 0;
                state.last_error = damage;
                state.next_due = Some(now + chrono::Duration::from_std(interval).unwrap_or_default());
            }
            Err((error, retry_after)) => {
                stats.feeds_failed = 1;
                state.errors += 1;
                state.last_error = Some(error.clone());
                // Up to 10% jitter, so that the feeds of a host that failed together do not retry together.
                let jittered = backoff(fc.interval, state.errors).mul_f64(1.0 + 0.1 * jitter_fraction(&fc.name));
                let wait = jittered.max(retry_after.unwrap_or_default());
                state.next_due = Some(now + chrono::Duration::from_std(wait).unwrap_or_default());
                tracing::warn!(event = "feed.error", feed = %fc.name, url = %fc.url, error = %error, errors = state.errors, "feed poll failed");
            }
        }
        if let Err(e) = self.store.put_feed_state(&state) {
            tracing::error!(feed = %fc.name, error = %e, "cannot store the feed's state");
        }
        (stats, jobs)
    }

    fn jobs_for_items(&self, fc: &FeedConfig, items: Vec<feed::FeedItem>) -> Vec<PageJob> {
        let mut jobs = Vec::new();
        for item in items {
            let entry = match self.store.entry(&fc.name, &item.key) {
                Ok(e) => e,
                Err(e) => {
                    tracing::error!(feed = %fc.name, error = %e, "cannot read a feed entry's state");
                    continue;
                }
            };
            let reason = match &entry {
                Some(e) if e.fingerprint == item.fingerprint => continue,
                Some(_) => Reason::EntryChanged,
                None => {
                    // A new entry for an article we already have (listed in another feed, or a GUID change):
                    // remember the link, no fetch; the re-check schedule covers its content.
                    if let Ok(Some(id)) = self.store.article_id_for_url(item.link.as_str()) {
                        if let Err(e) = self.store.link_entry(&fc.name, &item.key, &item.fingerprint, id) {
                            tracing::error!(feed = %fc.name, error = %e, "cannot record a feed entry");
                        }
                        continue;
                    }
                    Reason::NewItem
                }
            };
            let own = item.own_article();
            jobs.push(PageJob {
                robots: fc.robots,
                extract: extract_options(fc),
                flap_window: fc.flap_window,
                // Re-checks fetch pages; an item without one changes only through the feed.
                recheck: if own.is_some() { Vec::new() } else { fc.recheck.clone() },
                own,
                url: item.link,
                reason,
                feeds: vec![fc.name.clone()],
                entries: vec![(fc.name.clone(), item.key, item.fingerprint)],
                known_id: entry.map(|e| e.article_id).filter(|id| *id != 0),
                published: item.published,
                updated: item.updated,
            });
        }
        jobs
    }

    /// Fetches, extracts and stores one page.
    async fn fetch_page(&self, job: PageJob) -> PassStats {
        let mut stats = PassStats { pages_fetched: 1, ..Default::default() };
        let feed_name = job.feeds.first().cloned().unwrap_or_default();
        let fail = |stats: &mut PassStats, error: String| {
            stats.page_errors += 1;
            tracing::warn!(event = "feed.error", feed = %feed_name, url = %job.url, error = %error, "article fetch failed");
        };
        // A page given up for this pass: logged, and a re-check moves on to its next offset.
        let give_up = |mut stats: PassStats, error: String| {
            fail(&mut stats, error);
            self.move_recheck_on(&job);
            stats
        };
        let article = if let Some(article) = job.own.clone() {
            // An item without a link: its own content, from the feed, is the article. Nothing to fetch.
            stats.pages_fetched = 0;
            article
        } else {
            if job.robots && !self.fetcher.robots_allow(&job.url).await {
                return give_up(
                    stats,
                    "robots.txt disallows this page (set robots = false on the feed to override)".into(),
                );
            }
            // A fetched page counts among the `concurrency` requests in flight until it is extracted: fetching is
            // faster than extracting on a fast network, and without this bound every body of a pass waited in memory
            // for a core (2,000 pages of 130 KB made a 300 MB peak). The host's slot is freed as soon as the body is in.
            let (resp, in_flight) = match self.fetcher.get_holding(&job.url, None).await {
                Ok(r) => r,
                Err(e) => return give_up(stats, e.to_string()),
            };
            let extracted = {
                let _slot = self.extract_slots.acquire().await.expect("semaphore never closed");
                let page =
                    extract::sandbox::Page { body: resp.body, content_type: resp.content_type, url: resp.final_url };
                extract::sandbox::extract_page(page, job.extract.clone(), extract::sandbox::DEFAULT_DEADLINE).await
            };
            drop(in_flight);
            match extracted {
                Ok(a) => a,
                Err(e) if e.is_no_article() && job.reason != Reason::Recheck => {
                    // Not an error of the site: the item links a page without an article. Remember the entry so the
                    // page is fetched again only if the entry changes.
                    stats.no_article += 1;
                    tracing::warn!(event = "page.no_article", feed = %feed_name, url = %job.url, reason = %e, "page skipped: no article");
                    if let Err(e) = self.store.mark_entries_without_article(&job.entries) {
                        tracing::error!(error = %e, "cannot record a feed entry");
                    }
                    return stats;
                }
                Err(e) => return give_up(stats, e.to_string()),
            }
        };
        let obs = Observation {
            feeds: job.feeds.clone(),
            fetched_url: job.url.to_string(),
            entries: job.entries.clone(),
            known_id: job.known_id,
            article,
            fetched_at: Utc::now(),
            feed_published: job.published,
            feed_updated: job.updated,
            recheck: job.recheck.clone(),
            flap_window: job.flap_window,
        };
        let store = self.store.clone();
        let outcome = tokio::task::spawn_blocking(move || store.observe(&obs)).await;
        match outcome {
            Ok(Ok(outcome)) => {
                if let Some(ev) = outcome.event() {
                    crate::event::log_stored(&self.store, ev);
                    if let Err(e) = self.store.mark_logged(ev.seq) {
                        tracing::warn!(error = %e, "cannot note a logged event");
                    }
                }
                let m = crate::metrics::get();
                let (count, metric) = match outcome {
                    Outcome::New { .. } => (&mut stats.new, &m.articles_new),
                    Outcome::Edited { .. } => (&mut stats.edited, &m.articles_edited),
                    Outcome::Duplicate { .. } => (&mut stats.duplicate, &m.articles_duplicate),
                    Outcome::Unchanged { .. } => (&mut stats.unchanged, &m.articles_unchanged),
                };
                *count += 1;
                metric.fetch_add(1, Ordering::Relaxed);
                tracing::debug!(url = %job.url, reason = ?job.reason, "page stored");
            }
            Ok(Err(e)) => fail(&mut stats, format!("cannot store the article: {e}")),
            Err(join) => fail(&mut stats, format!("storing the article crashed: {join}")),
        }
        stats
    }

    /// After a failed re-check, move on to the next offset so one dead page is not fetched on every pass.
    fn move_recheck_on(&self, job: &PageJob) {
        if job.reason != Reason::Recheck {
            return;
        }
        let Some(id) = job.known_id else { return };
        if let Ok(Some(art)) = self.store.article(id) {
            let next = crate::store::next_recheck(art.first_seen, Utc::now(), &job.recheck);
            if let Err(e) = self.store.reschedule(id, next) {
                tracing::error!(id, error = %e, "cannot reschedule a re-check");
            }
        }
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
}
