//! What the CLI prints (`--json`) and the query socket carries: one shape per answer, built from the stored
//! records. Field names follow `../shared/interface.md`; a stored field can be renamed without changing these.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::store::{ArticleRecord, ArticleState, EventRecord, FeedState, VersionRecord};

/// An article, in `articles` and `show`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ArticleView {
    pub id: u64,
    pub url: String,
    pub aliases: Vec<String>,
    pub feeds: Vec<String>,
    pub title: String,
    pub first_seen: DateTime<Utc>,
    pub last_checked: DateTime<Utc>,
    pub last_changed: DateTime<Utc>,
    pub versions: u32,
    pub content_hash: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub published: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub modified: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lang: Option<String>,
    /// Aliases on other hosts that carry a copy of the text.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub copies: Vec<String>,
    /// Where re-checks fetch the page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fetched_from: Option<String>,
    pub next_recheck: Option<DateTime<Utc>>,
    /// `live`, `removed` or `redirected`.
    pub state: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub removed: Option<Removed>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub redirected: Option<Redirected>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Removed {
    pub status: u16,
    pub reason: String,
    pub since: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Redirected {
    pub to: String,
    pub to_id: u64,
    pub since: DateTime<Utc>,
}

impl From<&ArticleRecord> for ArticleView {
    fn from(a: &ArticleRecord) -> ArticleView {
        let (removed, redirected) = match &a.state {
            ArticleState::Live => (None, None),
            ArticleState::Removed { status, reason, since } => {
                (Some(Removed { status: *status, reason: reason.clone(), since: *since }), None)
            }
            ArticleState::Redirected { to, to_id, since } => {
                (None, Some(Redirected { to: to.clone(), to_id: *to_id, since: *since }))
            }
        };
        ArticleView {
            id: a.id,
            url: a.url.clone(),
            aliases: a.aliases.clone(),
            feeds: a.feeds.clone(),
            title: a.title.clone(),
            first_seen: a.first_seen,
            last_checked: a.last_checked,
            last_changed: a.last_changed,
            versions: a.versions,
            content_hash: a.content_hash.clone(),
            published: a.published.clone(),
            modified: a.modified.clone(),
            lang: a.lang.clone(),
            copies: a.copies.clone(),
            fetched_from: a.fetched_from.clone(),
            next_recheck: a.next_recheck,
            state: a.state.name().to_string(),
            removed,
            redirected,
        }
    }
}

/// A version, in `history`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VersionView {
    pub version: u32,
    pub content_hash: String,
    pub fetched_at: DateTime<Utc>,
    pub title: String,
    pub text: String,
    /// The extractor stamp the text was extracted under.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub extractor: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reextracted_at: Option<DateTime<Utc>>,
    /// A new baseline after an extractor change, not an edit (see README, "Upgrades").
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub baseline: bool,
}

impl From<&VersionRecord> for VersionView {
    fn from(v: &VersionRecord) -> VersionView {
        VersionView {
            version: v.version,
            content_hash: v.content_hash.clone(),
            fetched_at: v.fetched_at,
            title: v.title.clone(),
            text: v.text.clone(),
            extractor: v.stamp.clone(),
            reextracted_at: v.reextracted_at,
            baseline: v.baseline,
        }
    }
}

/// An event, in `events`: its number, time and kind, and the fields of its log line.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EventView {
    pub seq: u64,
    pub time: DateTime<Utc>,
    pub event: String,
    pub id: u64,
    pub url: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub feed: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content_hash: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub previous_hash: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alias_of: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to_id: Option<u64>,
}

impl From<&EventRecord> for EventView {
    fn from(e: &EventRecord) -> EventView {
        EventView {
            seq: e.seq,
            time: e.time,
            event: e.event.clone(),
            id: e.id,
            url: e.url.clone(),
            feed: e.feed.clone(),
            title: e.title.clone(),
            content_hash: e.content_hash.clone(),
            previous_hash: e.previous_hash.clone(),
            version: e.version,
            alias_of: e.alias_of.clone(),
            status: e.status,
            reason: e.reason.clone(),
            to: e.to.clone(),
            to_id: e.to_id,
        }
    }
}

/// A feed with its state, for `feeds`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FeedView {
    pub name: String,
    pub url: String,
    pub last_fetch: Option<DateTime<Utc>>,
    pub last_status: Option<u16>,
    pub etag: Option<String>,
    pub last_modified: Option<String>,
    pub errors: u32,
    pub last_error: Option<String>,
    pub next_due: Option<DateTime<Utc>>,
    pub items: Option<u32>,
    pub articles: u64,
    /// Pages of this feed waiting in the queue (fetch failed or not done yet).
    #[serde(default)]
    pub queued: u64,
    /// False for a feed that is in the store but no longer in the configuration.
    pub configured: bool,
}

impl FeedView {
    pub fn new(
        name: &str,
        url: &str,
        state: Option<&FeedState>,
        articles: u64,
        queued: u64,
        configured: bool,
    ) -> FeedView {
        FeedView {
            name: name.to_string(),
            url: url.to_string(),
            last_fetch: state.and_then(|s| s.last_fetch),
            last_status: state.and_then(|s| s.last_status),
            etag: state.and_then(|s| s.etag.clone()),
            last_modified: state.and_then(|s| s.last_modified.clone()),
            errors: state.map(|s| s.errors).unwrap_or(0),
            last_error: state.and_then(|s| s.last_error.clone()),
            next_due: state.and_then(|s| s.next_due),
            items: state.and_then(|s| s.items),
            articles,
            queued,
            configured,
        }
    }
}

/// What `reextract` did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReextractReport {
    pub articles: u64,
    /// Versions extracted again from their kept pages.
    pub versions: u64,
    /// Of those, versions whose text or hash changed.
    pub changed: u64,
    /// Versions without a kept page (stored with `keep_html = false`, or before pages were kept).
    pub without_page: u64,
    /// Versions whose kept page could not be extracted (refused, timed out); their text stays.
    pub failed: u64,
    /// Articles that got a new version while they were being re-extracted; left for the next run.
    pub skipped: u64,
}
