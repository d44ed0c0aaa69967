//! The store: the only module that knows sled. Everything it hands out is a plain record of `records.rs`.
//!
//! Trees (keys are big-endian so that sled's order is numeric order):
//! - `articles`: id → [`ArticleRecord`] (JSON)
//! - `versions`: id ‖ version → [`VersionRecord`] (zstd-compressed JSON)
//! - `pages`: id ‖ version → the version's fetched page ([`KeptPage`], zstd), when `keep_html` kept it
//! - `urls`: canonical URL or alias → id
//! - `hashes`: content hash → id (every version's hash, so a syndicated copy of an older text is found too)
//! - `entries`: feed ‖ 0 ‖ entry key → [`EntryState`]
//! - `jobs`: URL → [`JobRecord`]: the durable queue of pages that feed entries asked for
//! - `events`: seq → [`EventRecord`]; `unlogged`: seq → () for each event not yet written to the log
//! - `rechecks`: due time (ms) ‖ id → () — so finding due re-checks costs the number due, not the store size
//! - `meta`: counters
//! - `feeds`: feed name → [`FeedState`] (a sitemap source with its files, `FeedState::parts`)
//! - `sinks`: sink name → [`SinkState`] (delivery cursors, see `sinks.rs`; outside the transactions: only a
//!   sink's own runner writes it)
//!
//! Every change is one sled transaction over the trees it touches ([`Store::transact`]), flushed before the
//! call returns: a feed poll with its validators, entries and page jobs; a page's observation with its
//! article, version, page, aliases, entries, re-check, event and the removal of its job.

mod backup;
mod codec;
pub mod decide;
mod events;
mod observe;
mod queue;
pub mod records;
mod sinks;

use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use sled::transaction::{ConflictableTransactionError, TransactionError, TransactionalTree};
use sled::Transactional;

pub use backup::{ImportStats, Record};
pub use decide::{Baseline, Kind, Miss, Observation, Schedule, FEED_TEXT_STAMP};
pub use observe::{Outcome, Prepared, Rebaseline, Stored};
pub use queue::{after_failure, after_no_article, JobNext, PollCommit, MAX_PAGE_ATTEMPTS};
pub use records::{
    ArticleRecord, ArticleState, EntryRef, EntryState, EventRecord, FeedState, JobRecord, KeptPage, OwnContent,
    SitemapPart, VersionRecord,
};
pub use sinks::SinkState;

use codec::{be_u64, decode_page, decompress, entry_key, from_json, recheck_key, to_json};

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error(
        "the store at {path} is in use by another process (is `presswatch run` or `presswatch once` running?); \
         stop it or use another store path"
    )]
    Locked { path: PathBuf },
    #[error("cannot open the store at {path}: {detail}")]
    Open { path: PathBuf, detail: String, kind: Option<std::io::ErrorKind> },
    #[error("store error: {0}")]
    Sled(String),
    #[error("corrupt record in the store ({what}): {detail}")]
    Corrupt { what: String, detail: String },
}

impl From<sled::Error> for StoreError {
    fn from(e: sled::Error) -> StoreError {
        StoreError::Sled(e.to_string())
    }
}

impl StoreError {
    fn open(path: &Path, e: sled::Error) -> StoreError {
        let kind = match &e {
            sled::Error::Io(io) => Some(io.kind()),
            _ => None,
        };
        StoreError::Open { path: path.to_path_buf(), detail: e.to_string(), kind }
    }

    /// For a store that cannot be opened because of its path: the I/O error's kind.
    pub fn io_kind(&self) -> Option<std::io::ErrorKind> {
        match self {
            StoreError::Open { kind, .. } => *kind,
            _ => None,
        }
    }
}

/// Waits for changes to a part of the store (new events, a forced re-check); a future, or `wait` with a timeout.
pub struct Watch(sled::Subscriber);

impl Watch {
    /// Waits up to `timeout` for a change; true when one came.
    pub fn wait(&mut self, timeout: std::time::Duration) -> bool {
        self.0.next_timeout(timeout).is_ok()
    }
}

impl std::future::Future for Watch {
    type Output = ();

    fn poll(mut self: std::pin::Pin<&mut Self>, cx: &mut std::task::Context<'_>) -> std::task::Poll<()> {
        std::pin::Pin::new(&mut self.0).poll(cx).map(|_| ())
    }
}

pub type Result<T> = std::result::Result<T, StoreError>;

/// An error inside a transaction: sled's own (it retries conflicts) or ours (the transaction is abandoned).
pub(crate) type Abort = ConflictableTransactionError<StoreError>;

/// The trees of one transaction, by name.
pub(crate) struct Tx<'a>(&'a [TransactionalTree]);

/// Every tree, in the order [`Tx`] names them.
const TREES: [&str; 12] = [
    "articles", "versions", "pages", "urls", "hashes", "entries", "jobs", "events", "unlogged", "rechecks", "meta",
    "feeds",
];

impl Tx<'_> {
    pub fn articles(&self) -> &TransactionalTree {
        &self.0[0]
    }
    pub fn versions(&self) -> &TransactionalTree {
        &self.0[1]
    }
    pub fn pages(&self) -> &TransactionalTree {
        &self.0[2]
    }
    pub fn urls(&self) -> &TransactionalTree {
        &self.0[3]
    }
    pub fn hashes(&self) -> &TransactionalTree {
        &self.0[4]
    }
    pub fn entries(&self) -> &TransactionalTree {
        &self.0[5]
    }
    pub fn jobs(&self) -> &TransactionalTree {
        &self.0[6]
    }
    pub fn events(&self) -> &TransactionalTree {
        &self.0[7]
    }
    pub fn unlogged(&self) -> &TransactionalTree {
        &self.0[8]
    }
    pub fn rechecks(&self) -> &TransactionalTree {
        &self.0[9]
    }
    pub fn meta(&self) -> &TransactionalTree {
        &self.0[10]
    }
    pub fn feeds(&self) -> &TransactionalTree {
        &self.0[11]
    }

    /// Reads a JSON record; a record that does not parse abandons the transaction.
    pub fn get_json<T: serde::de::DeserializeOwned>(
        &self,
        tree: &TransactionalTree,
        what: &str,
        key: &[u8],
    ) -> std::result::Result<Option<T>, Abort> {
        match tree.get(key)? {
            Some(raw) => from_json(what, &raw).map(Some).map_err(Abort::Abort),
            None => Ok(None),
        }
    }

    pub fn article(&self, id: u64) -> std::result::Result<Option<ArticleRecord>, Abort> {
        self.get_json(self.articles(), &format!("article {id}"), &id.to_be_bytes())
    }

    pub fn article_for_url(&self, url: &str) -> std::result::Result<Option<ArticleRecord>, Abort> {
        match self.urls().get(url.as_bytes())? {
            Some(id) => self.article(be_u64(&id)),
            None => Ok(None),
        }
    }

    /// Stores an article and moves its entry in the re-check index from `old_due` to its `next_recheck`.
    pub fn put_article(&self, art: &ArticleRecord, old_due: Option<DateTime<Utc>>) -> std::result::Result<(), Abort> {
        if old_due != art.next_recheck {
            if let Some(old) = old_due {
                self.rechecks().remove(&recheck_key(old, art.id))?;
            }
            if let Some(next) = art.next_recheck {
                self.rechecks().insert(&recheck_key(next, art.id), &[])?;
            }
        }
        self.articles().insert(&art.id.to_be_bytes(), to_json(art))?;
        Ok(())
    }

    /// Takes the next value of a counter in the `meta` tree (1, 2, 3, ...).
    pub fn next_counter(&self, name: &str) -> std::result::Result<u64, Abort> {
        let next = self.meta().get(name.as_bytes())?.map(|v| be_u64(&v)).unwrap_or(0) + 1;
        self.meta().insert(name.as_bytes(), &next.to_be_bytes())?;
        Ok(next)
    }

    /// Gives an event its number and stores it as not yet logged.
    pub fn append_event(&self, mut ev: EventRecord) -> std::result::Result<EventRecord, Abort> {
        ev.seq = self.next_counter("event_seq")?;
        self.events().insert(&ev.seq.to_be_bytes(), to_json(&ev))?;
        self.unlogged().insert(&ev.seq.to_be_bytes(), &[])?;
        Ok(ev)
    }
}

/// The sled store. Cheap to clone (sled trees are reference-counted).
#[derive(Clone)]
pub struct Store {
    db: sled::Db,
    path: PathBuf,
    trees: std::sync::Arc<Vec<sled::Tree>>,
    /// Sink cursors: not part of any transaction of [`TREES`].
    sinks: sled::Tree,
}

impl Store {
    /// Opens (or creates) the store directory.
    pub fn open(path: &Path) -> Result<Store> {
        if let Err(e) = std::fs::create_dir_all(path) {
            return Err(StoreError::open(path, sled::Error::Io(e)));
        }
        let db = sled::Config::new()
            .path(path)
            .cache_capacity(64 * 1024 * 1024)
            // We flush explicitly after each change; the background flush is a second line of defence.
            .flush_every_ms(Some(500))
            .open()
            .map_err(|e| match &e {
                sled::Error::Io(io) if io.kind() == std::io::ErrorKind::WouldBlock || io.raw_os_error() == Some(11) => {
                    StoreError::Locked { path: path.to_path_buf() }
                }
                sled::Error::Io(io) if io.to_string().contains("lock") => {
                    StoreError::Locked { path: path.to_path_buf() }
                }
                _ => StoreError::open(path, e),
            })?;
        let trees = TREES.iter().map(|name| db.open_tree(name)).collect::<std::result::Result<Vec<_>, _>>()?;
        let sinks = db.open_tree("sinks")?;
        let store = Store { db, path: path.to_path_buf(), trees: std::sync::Arc::new(trees), sinks };
        store.migrate()?;
        Ok(store)
    }

    /// Opens the store, waiting up to `wait` while another process holds it for a moment (a query, a daemon
    /// starting or stopping); a store still held after that is `Locked`.
    pub fn open_waiting(path: &Path, wait: std::time::Duration) -> Result<Store> {
        let deadline = std::time::Instant::now() + wait;
        loop {
            match Store::open(path) {
                Err(StoreError::Locked { .. }) if std::time::Instant::now() < deadline => {
                    std::thread::sleep(std::time::Duration::from_millis(50));
                }
                other => return other,
            }
        }
    }

    fn tree(&self, name: &str) -> &sled::Tree {
        let i = TREES.iter().position(|t| *t == name).expect("a known tree");
        &self.trees[i]
    }

    pub(crate) fn articles(&self) -> &sled::Tree {
        self.tree("articles")
    }
    pub(crate) fn versions_tree(&self) -> &sled::Tree {
        self.tree("versions")
    }
    pub(crate) fn pages(&self) -> &sled::Tree {
        self.tree("pages")
    }
    pub(crate) fn urls(&self) -> &sled::Tree {
        self.tree("urls")
    }
    pub(crate) fn hashes(&self) -> &sled::Tree {
        self.tree("hashes")
    }
    pub(crate) fn entries(&self) -> &sled::Tree {
        self.tree("entries")
    }
    pub(crate) fn jobs_tree(&self) -> &sled::Tree {
        self.tree("jobs")
    }
    pub(crate) fn events(&self) -> &sled::Tree {
        self.tree("events")
    }
    pub(crate) fn unlogged(&self) -> &sled::Tree {
        self.tree("unlogged")
    }
    pub(crate) fn rechecks(&self) -> &sled::Tree {
        self.tree("rechecks")
    }
    pub(crate) fn meta(&self) -> &sled::Tree {
        self.tree("meta")
    }
    pub(crate) fn feeds(&self) -> &sled::Tree {
        self.tree("feeds")
    }

    /// Runs `f` as one transaction over every tree, then flushes: all of it is stored, durably, or none.
    /// Inside `f`, read through the [`Tx`] only: sled holds a process-wide lock while `f` runs, and a plain
    /// tree read would wait for it forever.
    pub(crate) fn transact<R>(&self, f: impl Fn(&Tx) -> std::result::Result<R, Abort>) -> Result<R> {
        let value = self.transact_unflushed(f)?;
        self.flush()?;
        Ok(value)
    }

    /// As [`Store::transact`] without the flush, for a batch that flushes once at its end.
    pub(crate) fn transact_unflushed<R>(&self, f: impl Fn(&Tx) -> std::result::Result<R, Abort>) -> Result<R> {
        let trees: Vec<&sled::Tree> = self.trees.iter().collect();
        let result = trees.as_slice().transaction(|t| f(&Tx(t)));
        result.map_err(|e| match e {
            TransactionError::Storage(s) => StoreError::from(s),
            TransactionError::Abort(e) => e,
        })
    }

    /// Brings a store written by an older presswatch up to date: the single "logged up to" marker becomes one
    /// `unlogged` entry per event above it.
    fn migrate(&self) -> Result<()> {
        if let Some(logged) = self.meta().get("logged_seq")? {
            let logged = be_u64(&logged);
            for kv in self.events().range((logged + 1).to_be_bytes()..) {
                self.unlogged().insert(kv?.0, &[])?;
            }
            self.meta().remove("logged_seq")?;
            self.flush()?;
        }
        Ok(())
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Makes everything written so far durable.
    pub fn flush(&self) -> Result<()> {
        self.db.flush()?;
        Ok(())
    }

    pub fn size_on_disk(&self) -> Result<u64> {
        Ok(self.db.size_on_disk()?)
    }

    // ---- feeds ------------------------------------------------------------------------------------------

    pub fn feed_state(&self, name: &str) -> Result<Option<FeedState>> {
        self.feeds().get(name.as_bytes())?.map(|v| from_json("feed state", &v)).transpose()
    }

    pub fn put_feed_state(&self, state: &FeedState) -> Result<()> {
        self.transact(|tx| {
            tx.feeds().insert(state.name.as_bytes(), to_json(state))?;
            Ok(())
        })
    }

    pub fn feed_states(&self) -> Result<Vec<FeedState>> {
        self.feeds().iter().values().map(|v| from_json("feed state", &v?)).collect()
    }

    // ---- entries and identity ---------------------------------------------------------------------------

    pub fn entry(&self, feed: &str, key: &str) -> Result<Option<EntryState>> {
        self.entries().get(entry_key(feed, key))?.map(|v| from_json("feed entry", &v)).transpose()
    }

    /// The article a URL belongs to, by canonical URL or alias.
    pub fn article_id_for_url(&self, url: &str) -> Result<Option<u64>> {
        Ok(self.urls().get(url.as_bytes())?.map(|v| be_u64(&v)))
    }

    pub fn article_id_for_hash(&self, hash: &str) -> Result<Option<u64>> {
        Ok(self.hashes().get(hash.as_bytes())?.map(|v| be_u64(&v)))
    }

    // ---- articles and versions --------------------------------------------------------------------------

    pub fn article(&self, id: u64) -> Result<Option<ArticleRecord>> {
        self.articles().get(id.to_be_bytes())?.map(|v| from_json("article", &v)).transpose()
    }

    /// Every article, newest (highest id) first.
    pub fn articles_newest_first(&self) -> impl Iterator<Item = Result<ArticleRecord>> + '_ {
        self.articles().iter().rev().map(|kv| from_json("article", &kv?.1))
    }

    pub fn article_count(&self) -> usize {
        self.articles().len()
    }

    /// Every version of an article, oldest first.
    pub fn versions(&self, id: u64) -> Result<Vec<VersionRecord>> {
        self.versions_tree().scan_prefix(id.to_be_bytes()).values().map(|v| decompress("version", &v?)).collect()
    }

    pub fn version(&self, id: u64, version: u32) -> Result<Option<VersionRecord>> {
        self.versions_tree().get(codec::version_key(id, version))?.map(|v| decompress("version", &v)).transpose()
    }

    /// The fetched page of a version, when it was kept.
    pub fn kept_page(&self, id: u64, version: u32) -> Result<Option<KeptPage>> {
        self.pages().get(codec::version_key(id, version))?.map(|v| decode_page(&v)).transpose()
    }

    // ---- re-checks --------------------------------------------------------------------------------------

    /// Articles whose re-check is due at `now`, earliest first. Costs the number due, not the store size.
    pub fn due_rechecks(&self, now: DateTime<Utc>) -> Result<Vec<u64>> {
        let end = recheck_key(now, u64::MAX);
        self.rechecks().range(..=end.as_slice()).keys().map(|k| Ok(be_u64(&k?[8..]))).collect()
    }

    /// The URL each of these articles' re-checks fetches ([`ArticleRecord::fetch_url`]); an empty one for an
    /// article that is gone (its re-check only leaves the index).
    pub fn recheck_urls(&self, ids: Vec<u64>) -> Result<Vec<(u64, String)>> {
        ids.into_iter()
            .map(|id| Ok((id, self.article(id)?.map(|a| a.fetch_url().to_string()).unwrap_or_default())))
            .collect()
    }

    /// The earliest pending re-check, if any.
    pub fn next_recheck_time(&self) -> Result<Option<DateTime<Utc>>> {
        Ok(self.rechecks().first()?.and_then(|(k, _)| DateTime::from_timestamp_millis(be_u64(&k[..8]) as i64)))
    }

    /// Subscribes to changes of the re-check index (a forced re-check wakes the daemon).
    pub fn watch_rechecks(&self) -> Watch {
        Watch(self.rechecks().watch_prefix(vec![]))
    }

    /// Makes an article's re-check due at `now` (`presswatch recheck`): the next pass fetches it.
    pub fn force_recheck(&self, id: u64, now: DateTime<Utc>) -> Result<Option<ArticleRecord>> {
        self.transact(|tx| {
            let Some(mut art) = tx.article(id)? else { return Ok(None) };
            let old = art.next_recheck;
            art.next_recheck = Some(now);
            tx.put_article(&art, old)?;
            Ok(Some(art))
        })
    }

    /// Drops a re-check whose article no longer exists (an index entry left behind), so it is not due forever.
    pub fn drop_recheck(&self, id: u64) -> Result<()> {
        // Read outside the transaction: sled holds a process-wide lock while a transaction runs, which a plain
        // read inside it would wait for forever.
        let keys: Vec<sled::IVec> = self
            .rechecks()
            .iter()
            .keys()
            .filter_map(|k| k.ok())
            .filter(|k| k.len() == 16 && be_u64(&k[8..]) == id)
            .collect();
        self.transact(|tx| {
            if tx.article(id)?.is_none() {
                for k in &keys {
                    tx.rechecks().remove(k)?;
                }
            }
            Ok(())
        })
    }

    /// Plans again every article whose schedule changed (a reload, or a restart with another configuration):
    /// its next re-check follows the new schedule from its first sighting, after its last check.
    /// `schedule_for` gives each article's schedule; returns how many were re-planned.
    pub fn replan(&self, schedule_for: impl Fn(&ArticleRecord) -> Schedule) -> Result<usize> {
        let mut changed = 0;
        for kv in self.articles().iter() {
            let art: ArticleRecord = from_json("article", &kv?.1)?;
            let schedule = schedule_for(&art);
            if art.plan.as_deref() == Some(schedule.fingerprint().as_str()) {
                continue;
            }
            self.transact_unflushed(|tx| {
                let Some(mut art) = tx.article(art.id)? else { return Ok(()) };
                let old = art.next_recheck;
                let checked = art.last_checked;
                schedule.plan(&mut art, checked);
                tx.put_article(&art, old)
            })?;
            changed += 1;
        }
        self.flush()?;
        Ok(changed)
    }

    #[cfg(test)]
    pub(crate) fn insert_dangling_recheck(&self, due: DateTime<Utc>, id: u64) {
        self.rechecks().insert(recheck_key(due, id), &[]).unwrap();
    }
}

#[cfg(test)]
mod tests;
