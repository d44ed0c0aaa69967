//! The durable work queue: a feed poll commits its validators, its entries and the page jobs it creates in one
//! transaction; a job leaves the queue in the transaction that stores its page's observation (`observe.rs`),
//! or when it is given up. So a crash between a feed's commit and its pages loses nothing: the next start
//! finds the jobs here, even though the feed now answers 304.

use std::time::Duration;

use chrono::{DateTime, Utc};

use super::codec::{entry_key, from_json, to_json};
use super::decide::Schedule;
use super::{EntryRef, EntryState, FeedState, JobRecord, Result, Store, Tx};

/// A failed page is tried again after 1 minute, then 2, 4, ... up to 6 hours, and given up after this many
/// failures (about eight hours of trying).
pub const MAX_PAGE_ATTEMPTS: u32 = 10;
const RETRY_BASE: Duration = Duration::from_secs(60);
const RETRY_CAP: Duration = Duration::from_secs(6 * 3600);

/// What one feed poll stores, in one transaction.
#[derive(Debug, Clone, Default)]
pub struct PollCommit {
    pub state: FeedState,
    /// Entries that lead to an article we already have (listed in another feed): linked, not fetched.
    pub links: Vec<(EntryRef, u64)>,
    /// Pages to fetch for new or changed entries.
    pub jobs: Vec<JobRecord>,
}

/// What happens to a job after a try that stored nothing.
#[derive(Debug, Clone, PartialEq)]
pub enum JobNext {
    Retry(JobRecord),
    GiveUp,
}

/// After a failed fetch: back off, and give up after [`MAX_PAGE_ATTEMPTS`]. `not_before` is the server's
/// Retry-After, when it sent one.
pub fn after_failure(job: &JobRecord, error: &str, now: DateTime<Utc>, not_before: Option<DateTime<Utc>>) -> JobNext {
    let attempts = job.attempts + 1;
    if attempts >= MAX_PAGE_ATTEMPTS {
        return JobNext::GiveUp;
    }
    let delay = RETRY_BASE.saturating_mul(1u32 << (attempts - 1).min(20)).min(RETRY_CAP);
    let mut next = job.clone();
    next.attempts = attempts;
    next.retry_at = chrono::Duration::from_std(delay).ok().map(|d| now + d);
    next.not_before = not_before.or(job.not_before.filter(|t| *t > now));
    next.last_error = Some(error.to_string());
    next.no_article = None;
    JobNext::Retry(next)
}

/// After a page that held no article: try again at the next re-check offset (counted from when the job was
/// queued: an item published before its page was filled in), and give up when the schedule ends.
pub fn after_no_article(job: &JobRecord, rule: &str, now: DateTime<Utc>, schedule: &Schedule) -> JobNext {
    match schedule.next_after(job.queued_at, job.queued_at, now) {
        Some(at) => {
            let mut next = job.clone();
            next.retry_at = Some(at);
            next.no_article = Some(rule.to_string());
            next.last_error = None;
            JobNext::Retry(next)
        }
        None => JobNext::GiveUp,
    }
}

/// Adds what a new poll asks for to a pending job of the same URL. An entry the publisher changed since makes
/// the job due at once (still after the server's Retry-After).
fn merge(old: &mut JobRecord, new: &JobRecord) {
    for feed in &new.feeds {
        if !old.feeds.contains(feed) {
            old.feeds.push(feed.clone());
        }
    }
    let mut changed = false;
    for e in &new.entries {
        match old.entries.iter_mut().find(|o| o.feed == e.feed && o.key == e.key) {
            Some(o) if o.fingerprint == e.fingerprint => {}
            Some(o) => {
                *o = e.clone();
                changed = true;
            }
            None => {
                old.entries.push(e.clone());
                changed = true;
            }
        }
    }
    if changed {
        old.retry_at = None;
        old.no_article = None;
    }
    old.published = old.published.or(new.published);
    old.updated = new.updated.or(old.updated);
    // An item without a link: the latest poll's content is the one to store.
    if new.own.is_some() {
        old.own = new.own.clone();
    }
}

fn mark_given_up(tx: &Tx, job: &JobRecord) -> std::result::Result<(), super::Abort> {
    for e in &job.entries {
        let state = EntryState { article_id: 0, fingerprint: e.fingerprint.clone(), link: Some(e.link.clone()) };
        tx.entries().insert(entry_key(&e.feed, &e.key), to_json(&state))?;
    }
    tx.jobs().remove(job.url.as_bytes())?;
    Ok(())
}

impl Store {
    /// Stores a feed poll: its state (validators, next due time), its links to known articles and its jobs.
    pub fn commit_poll(&self, commit: &PollCommit) -> Result<()> {
        self.transact(|tx| {
            tx.feeds().insert(commit.state.name.as_bytes(), to_json(&commit.state))?;
            for (e, id) in &commit.links {
                let state =
                    EntryState { article_id: *id, fingerprint: e.fingerprint.clone(), link: Some(e.link.clone()) };
                tx.entries().insert(entry_key(&e.feed, &e.key), to_json(&state))?;
                if let Some(mut art) = tx.article(*id)? {
                    if !art.feeds.contains(&e.feed) {
                        art.feeds.push(e.feed.clone());
                        tx.put_article(&art, art.next_recheck)?;
                    }
                }
            }
            for job in &commit.jobs {
                let merged = match tx.get_json::<JobRecord>(tx.jobs(), "page job", job.url.as_bytes())? {
                    Some(mut old) => {
                        merge(&mut old, job);
                        old
                    }
                    None => job.clone(),
                };
                tx.jobs().insert(job.url.as_bytes(), to_json(&merged))?;
            }
            Ok(())
        })
    }

    /// Every job in the queue, in URL order.
    pub fn jobs(&self) -> Result<Vec<JobRecord>> {
        self.jobs_tree_iter().collect()
    }

    fn jobs_tree_iter(&self) -> impl Iterator<Item = Result<JobRecord>> + '_ {
        self.jobs_tree().iter().values().map(|v| from_json("page job", &v?))
    }

    /// Jobs that may run at `now`; `eager` (`once`) does not wait for a failed page's backoff.
    pub fn due_jobs(&self, now: DateTime<Utc>, eager: bool) -> Result<Vec<JobRecord>> {
        let mut out = Vec::new();
        for job in self.jobs_tree_iter() {
            let job = job?;
            if job.is_due(now, eager) {
                out.push(job);
            }
        }
        Ok(out)
    }

    /// When the daemon should next run a job, if any is queued.
    pub fn next_job_time(&self) -> Result<Option<DateTime<Utc>>> {
        let mut next: Option<DateTime<Utc>> = None;
        for job in self.jobs_tree_iter() {
            let job = job?;
            let at = job.due_at().unwrap_or(job.queued_at);
            next = Some(next.map_or(at, |n| n.min(at)));
        }
        Ok(next)
    }

    /// Stores what happens to a job after a try that stored nothing: retried later, or given up (its entries
    /// are then marked handled, so that the feed listing it again does not queue it again).
    pub fn update_job(&self, url: &str, next: &JobNext) -> Result<()> {
        self.transact(|tx| {
            let Some(job) = tx.get_json::<JobRecord>(tx.jobs(), "page job", url.as_bytes())? else { return Ok(()) };
            match next {
                JobNext::Retry(updated) => {
                    // Entries a poll merged in meanwhile stay.
                    let mut updated = updated.clone();
                    let merged_in: Vec<_> =
                        job.entries.iter().filter(|e| !updated.entries.contains(e)).cloned().collect();
                    updated.entries.extend(merged_in);
                    tx.jobs().insert(url.as_bytes(), to_json(&updated))?;
                }
                JobNext::GiveUp => mark_given_up(tx, &job)?,
            }
            Ok(())
        })
    }
}
