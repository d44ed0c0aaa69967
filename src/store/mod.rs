//! The store: the only module that knows sled.
//!
//! Trees (keys are big-endian so that sled's order is numeric order):
//! - `articles`: id → [`ArticleRecord`] (JSON)
//! - `versions`: id ‖ version → [`VersionRecord`] (zstd-compressed JSON)
//! - `urls`: canonical URL or alias → id
//! - `hashes`: content hash → id (every version's hash, so a syndicated copy of an older text is found too)
//! - `entries`: feed ‖ 0 ‖ entry key → [`EntryState`]
//! - `events`: seq → [`EventRecord`]
//! - `rechecks`: due time (ms) ‖ id → () — so finding due re-checks costs the number due, not the store size
//! - `meta`: counters
//! - `feeds`: feed name → [`FeedState`]
//! - `sinks`: sink name → [`SinkState`] (delivery cursors, see `sinks.rs`)
//!
//! One observation of a page is applied in one sled transaction over the first eight trees, then flushed, so
//! an article, its version, its aliases and its event are stored together or not at all.

mod backup;
mod observe;
pub mod records;
mod sinks;

use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use serde::{de::DeserializeOwned, Serialize};
use sled::Transactional;

pub use backup::{ImportStats, Record};
pub use observe::{next_recheck, Observation, Outcome};
pub use records::{ArticleRecord, EntryState, EventRecord, FeedState, SitemapPart, VersionRecord};
pub use sinks::SinkState;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error(
        "the store at {path} is in use by another process (is `presswatch run` or `presswatch once` running?); \
         stop it or use another store path"
    )]
    Locked { path: PathBuf },
    #[error("cannot open the store at {path}: {source}")]
    Open { path: PathBuf, source: sled::Error },
    #[error("store error: {0}")]
    Sled(#[from] sled::Error),
    #[error("corrupt record in the store ({what}): {detail}")]
    Corrupt { what: String, detail: String },
}

pub type Result<T> = std::result::Result<T, StoreError>;

/// The sled store. Cheap to clone (sled trees are reference-counted).
#[derive(Clone)]
pub struct Store {
    db: sled::Db,
    path: PathBuf,
    articles: sled::Tree,
    versions: sled::Tree,
    urls: sled::Tree,
    hashes: sled::Tree,
    entries: sled::Tree,
    events: sled::Tree,
    rechecks: sled::Tree,
    meta: sled::Tree,
    feeds: sled::Tree,
    sinks: sled::Tree,
}

pub(crate) fn to_json<T: Serialize>(v: &T) -> Vec<u8> {
    serde_json::to_vec(v).expect("records always serialise")
}

pub(crate) fn from_json<T: DeserializeOwned>(what: &str, bytes: &[u8]) -> Result<T> {
    serde_json::from_slice(bytes).map_err(|e| StoreError::Corrupt { what: what.to_string(), detail: e.to_string() })
}

pub(crate) fn compress<T: Serialize>(v: &T) -> Vec<u8> {
    zstd::bulk::compress(&to_json(v), 3).expect("zstd compression of an in-memory buffer")
}

pub(crate) fn decompress<T: DeserializeOwned>(what: &str, bytes: &[u8]) -> Result<T> {
    let raw = zstd::stream::decode_all(bytes)
        .map_err(|e| StoreError::Corrupt { what: what.to_string(), detail: e.to_string() })?;
    from_json(what, &raw)
}

pub(crate) fn version_key(id: u64, version: u32) -> [u8; 12] {
    let mut k = [0u8; 12];
    k[..8].copy_from_slice(&id.to_be_bytes());
    k[8..].copy_from_slice(&version.to_be_bytes());
    k
}

pub(crate) fn entry_key(feed: &str, key: &str) -> Vec<u8> {
    let mut k = Vec::with_capacity(feed.len() + key.len() + 1);
    k.extend_from_slice(feed.as_bytes());
    k.push(0);
    k.extend_from_slice(key.as_bytes());
    k
}

pub(crate) fn recheck_key(due: DateTime<Utc>, id: u64) -> [u8; 16] {
    let mut k = [0u8; 16];
    // Times before 1970 do not occur; clamp so the key stays ordered.
    k[..8].copy_from_slice(&(due.timestamp_millis().max(0) as u64).to_be_bytes());
    k[8..].copy_from_slice(&id.to_be_bytes());
    k
}

fn be_u64(bytes: &[u8]) -> u64 {
    let mut a = [0u8; 8];
    let n = bytes.len().min(8);
    a[..n].copy_from_slice(&bytes[..n]);
    u64::from_be_bytes(a)
}

impl Store {
    /// Opens (or creates) the store directory.
    pub fn open(path: &Path) -> Result<Store> {
        if let Err(e) = std::fs::create_dir_all(path) {
            return Err(StoreError::Open { path: path.to_path_buf(), source: sled::Error::Io(e) });
        }
        let db = sled::Config::new()
            .path(path)
            .cache_capacity(64 * 1024 * 1024)
            // We flush explicitly after each observation; the background flush is a second line of defence.
            .flush_every_ms(Some(500))
            .open()
            .map_err(|e| match &e {
                sled::Error::Io(io) if io.kind() == std::io::ErrorKind::WouldBlock || io.raw_os_error() == Some(11) => {
                    StoreError::Locked { path: path.to_path_buf() }
                }
                sled::Error::Io(io) if io.to_string().contains("lock") => {
                    StoreError::Locked { path: path.to_path_buf() }
                }
                _ => StoreError::Open { path: path.to_path_buf(), source: e },
            })?;
        let t = |name: &str| db.open_tree(name);
        Ok(Store {
            articles: t("articles")?,
            versions: t("versions")?,
            urls: t("urls")?,
            hashes: t("hashes")?,
            entries: t("entries")?,
            events: t("events")?,
            rechecks: t("rechecks")?,
            meta: t("meta")?,
            feeds: t("feeds")?,
            sinks: t("sinks")?,
            path: path.to_path_buf(),
            db,
        })
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
        self.feeds.get(name.as_bytes())?.map(|v| from_json("feed state", &v)).transpose()
    }

    pub fn put_feed_state(&self, state: &FeedState) -> Result<()> {
        self.feeds.insert(state.name.as_bytes(), to_json(state))?;
        Ok(())
    }

    pub fn feed_states(&self) -> Result<Vec<FeedState>> {
        self.feeds.iter().values().map(|v| from_json("feed state", &v?)).collect()
    }

    // ---- entries and identity ---------------------------------------------------------------------------

    pub fn entry(&self, feed: &str, key: &str) -> Result<Option<EntryState>> {
        self.entries.get(entry_key(feed, key))?.map(|v| from_json("feed entry", &v)).transpose()
    }

    /// Records that a feed entry leads to an article we already have (same URL in another feed), without
    /// fetching it again.
    pub fn link_entry(&self, feed: &str, key: &str, fingerprint: &str, article_id: u64) -> Result<()> {
        let state = EntryState { article_id, fingerprint: fingerprint.to_string() };
        let res: std::result::Result<(), sled::transaction::TransactionError<()>> = (&self.articles, &self.entries)
            .transaction(|(articles, entries)| {
                entries.insert(entry_key(feed, key), to_json(&state))?;
                if let Some(raw) = articles.get(article_id.to_be_bytes())? {
                    let mut art: ArticleRecord = serde_json::from_slice(&raw)
                        .map_err(|_| sled::transaction::ConflictableTransactionError::Abort(()))?;
                    if !art.feeds.iter().any(|f| f == feed) {
                        art.feeds.push(feed.to_string());
                        articles.insert(&article_id.to_be_bytes(), to_json(&art))?;
                    }
                }
                Ok(())
            });
        res.map_err(|e| match e {
            sled::transaction::TransactionError::Storage(s) => StoreError::Sled(s),
            sled::transaction::TransactionError::Abort(()) => {
                StoreError::Corrupt { what: format!("article {article_id}"), detail: "unreadable record".into() }
            }
        })
    }

    /// Records feed entries whose page holds no article (a section front, a stub), so that they are not fetched
    /// again until the entry changes. `article_id` 0 means "no article".
    pub fn mark_entries_without_article(&self, entries: &[(String, String, String)]) -> Result<()> {
        for (feed, key, fingerprint) in entries {
            let state = EntryState { article_id: 0, fingerprint: fingerprint.clone() };
            self.entries.insert(entry_key(feed, key), to_json(&state))?;
        }
        Ok(())
    }

    /// The article a URL belongs to, by canonical URL or alias.
    pub fn article_id_for_url(&self, url: &str) -> Result<Option<u64>> {
        Ok(self.urls.get(url.as_bytes())?.map(|v| be_u64(&v)))
    }

    pub fn article_id_for_hash(&self, hash: &str) -> Result<Option<u64>> {
        Ok(self.hashes.get(hash.as_bytes())?.map(|v| be_u64(&v)))
    }

    // ---- articles and versions --------------------------------------------------------------------------

    pub fn article(&self, id: u64) -> Result<Option<ArticleRecord>> {
        self.articles.get(id.to_be_bytes())?.map(|v| from_json("article", &v)).transpose()
    }

    /// Every article, newest (highest id) first.
    pub fn articles_newest_first(&self) -> impl Iterator<Item = Result<ArticleRecord>> + '_ {
        self.articles.iter().rev().map(|kv| from_json("article", &kv?.1))
    }

    pub fn article_count(&self) -> usize {
        self.articles.len()
    }

    /// Every version of an article, oldest first.
    pub fn versions(&self, id: u64) -> Result<Vec<VersionRecord>> {
        self.versions.scan_prefix(id.to_be_bytes()).values().map(|v| decompress("version", &v?)).collect()
    }

    pub fn version(&self, id: u64, version: u32) -> Result<Option<VersionRecord>> {
        self.versions.get(version_key(id, version))?.map(|v| decompress("version", &v)).transpose()
    }

    /// Articles whose re-check is due at `now`, earliest first. Costs the number due, not the store size.
    pub fn due_rechecks(&self, now: DateTime<Utc>) -> Result<Vec<u64>> {
        let end = recheck_key(now, u64::MAX);
        self.rechecks.range(..=end.as_slice()).keys().map(|k| Ok(be_u64(&k?[8..]))).collect()
    }

    /// The earliest pending re-check, if any.
    pub fn next_recheck_time(&self) -> Result<Option<DateTime<Utc>>> {
        Ok(self.rechecks.first()?.and_then(|(k, _)| DateTime::from_timestamp_millis(be_u64(&k[..8]) as i64)))
    }

    /// Marks a checked article's next re-check (after a fetch that failed, so the schedule moves on).
    pub fn reschedule(&self, id: u64, next: Option<DateTime<Utc>>) -> Result<()> {
        let Some(mut art) = self.article(id)? else { return Ok(()) };
        if let Some(old) = art.next_recheck {
            self.rechecks.remove(recheck_key(old, id))?;
        }
        art.next_recheck = next;
        if let Some(n) = next {
            self.rechecks.insert(recheck_key(n, id), &[])?;
        }
        self.articles.insert(id.to_be_bytes(), to_json(&art))?;
        Ok(())
    }

    // ---- events -----------------------------------------------------------------------------------------

    /// Events with a sequence number greater than `after`, oldest first.
    pub fn events_after(&self, after: u64) -> impl Iterator<Item = Result<EventRecord>> + '_ {
        self.events.range((after.saturating_add(1)).to_be_bytes()..).values().map(|v| from_json("event", &v?))
    }

    /// Events with a sequence number below `before`, newest first (the web view's list).
    pub fn events_before(&self, before: u64) -> impl Iterator<Item = Result<EventRecord>> + '_ {
        self.events.range(..before.to_be_bytes()).rev().map(|kv| from_json("event", &kv?.1))
    }

    pub fn last_event_seq(&self) -> Result<u64> {
        Ok(self.events.last()?.map(|(k, _)| be_u64(&k)).unwrap_or(0))
    }

    /// Notes that events up to `seq` were written to the log.
    pub fn mark_logged(&self, seq: u64) -> Result<()> {
        self.meta.fetch_and_update("logged_seq", |old| {
            let old = old.map(be_u64).unwrap_or(0);
            Some(old.max(seq).to_be_bytes().to_vec())
        })?;
        Ok(())
    }

    /// Events stored but not yet logged: the process died between the commit and the log line. Logging them
    /// at the next start means an event may be logged twice across a crash, but never stored twice or lost.
    pub fn unlogged_events(&self) -> Result<Vec<EventRecord>> {
        let logged = self.meta.get("logged_seq")?.map(|v| be_u64(&v)).unwrap_or(0);
        self.events_after(logged).collect()
    }

    /// Subscribes to new events (for `events --follow`).
    pub fn watch_events(&self) -> sled::Subscriber {
        self.events.watch_prefix(vec![])
    }
}

#[cfg(test)]
mod tests;
