//! Polling one source: a feed (one conditional GET) or a sitemap (one per file, `source`), its items, and one
//! commit of the source's new state, the entries that lead to known articles and the page jobs for new or
//! changed entries (see `store/queue.rs`). A sitemap entry whose `<lastmod>` or news title changed is a changed
//! entry like a feed item's: its page is queued again. An item without a link is queued with its own content.

use std::sync::atomic::Ordering;
use std::time::Duration;

use chrono::Utc;

use super::{backoff, hinted_interval, jitter_fraction, Crawler, PassStats};
use crate::config::FeedConfig;
use crate::feed;
use crate::fetch::Validators;
use crate::source::{self, Failure, Read};
use crate::store::{EntryRef, FeedState, JobRecord, OwnContent, PollCommit};

impl Crawler {
    /// Polls one feed and commits what it found.
    pub(super) async fn poll_feed(&self, fc: &FeedConfig) -> PassStats {
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
        let mut commit = PollCommit::default();
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
                    self.entries_to_commit(fc, parsed.items, &mut commit);
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
                // Retry-After is already cut to `max_retry_after`, so this sum cannot overflow.
                let wait = jittered.max(retry_after.unwrap_or_default());
                state.next_due = Some(now + chrono::Duration::from_std(wait).unwrap_or_default());
                tracing::warn!(event = "feed.error", feed = %fc.name, url = %fc.url, error = %error, errors = state.errors, "feed poll failed");
            }
        }
        let jobs = commit.jobs.len();
        commit.state = state;
        self.write(move |store| store.commit_poll(&commit)).await;
        if jobs > 0 {
            tracing::debug!(feed = %fc.name, jobs, "page jobs queued");
        }
        stats
    }

    /// Sorts a feed's items: already handled, leading to a known article (linked, not fetched), or a page job.
    fn entries_to_commit(&self, fc: &FeedConfig, items: Vec<feed::FeedItem>, commit: &mut PollCommit) {
        let now = Utc::now();
        for item in items {
            let entry = match self.store.entry(&fc.name, &item.key) {
                Ok(e) => e,
                Err(e) => {
                    tracing::error!(feed = %fc.name, error = %e, "cannot read a feed entry's state");
                    continue;
                }
            };
            let link = item.link.to_string();
            let e =
                EntryRef { feed: fc.name.clone(), key: item.key.clone(), fingerprint: item.fingerprint.clone(), link };
            // An entry whose GUID now names another link is a new item, not the old one changed.
            let same_link = |recorded: &Option<String>| recorded.as_deref().is_none_or(|l| l == e.link);
            match &entry {
                Some(s) if s.fingerprint == item.fingerprint && same_link(&s.link) => continue,
                Some(s) if same_link(&s.link) => {}
                _ => {
                    // A new entry for an article we already have (listed in another feed): remember the link, no
                    // fetch; the re-check schedule covers its content.
                    if let Ok(Some(id)) = self.store.article_id_for_url(&e.link) {
                        commit.links.push((e, id));
                        continue;
                    }
                }
            }
            let own = item.own_article().map(|a| Box::new(OwnContent { title: a.title, text: a.text }));
            commit.jobs.push(JobRecord {
                own,
                url: e.link.clone(),
                feeds: vec![fc.name.clone()],
                entries: vec![e],
                published: item.published,
                updated: item.updated,
                queued_at: now,
                attempts: 0,
                retry_at: None,
                not_before: None,
                last_error: None,
                no_article: None,
            });
        }
    }
}
