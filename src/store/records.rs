//! The records kept in the store, as they are serialised (JSON, versions zstd-compressed).
//! These are also the JSON shapes that `--json` prints, so field names follow `../shared/interface.md`.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// One article: the identity and the latest state. Versions are kept apart.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ArticleRecord {
    pub id: u64,
    /// The canonical URL under which the article was first stored.
    pub url: String,
    /// Other URLs that lead to this article: item links, later canonical URLs, syndicated copies.
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
    /// Aliases on other hosts that were found to carry the same text (syndicated copies). A later fetch of a
    /// copy is never an edit of this article: the republisher may lag behind the original's corrections.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub copies: Vec<String>,
    /// The URL the page was last fetched from; re-checks fetch it (the canonical URL may be on another host,
    /// or not be served at all).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fetched_from: Option<String>,
    /// When the re-check schedule next wants the page; `None` once the schedule is exhausted.
    #[serde(default)]
    pub next_recheck: Option<DateTime<Utc>>,
}

/// One stored version of an article's content.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VersionRecord {
    pub version: u32,
    pub content_hash: String,
    pub fetched_at: DateTime<Utc>,
    pub title: String,
    pub text: String,
}

/// What we know of a feed between polls.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct FeedState {
    pub name: String,
    pub url: String,
    pub last_fetch: Option<DateTime<Utc>>,
    /// The HTTP status of the last poll, or `None` when it failed before a response.
    pub last_status: Option<u16>,
    /// Validators exactly as the server sent them, echoed back on the next poll.
    pub etag: Option<String>,
    pub last_modified: Option<String>,
    /// Consecutive failed polls.
    pub errors: u32,
    pub last_error: Option<String>,
    pub next_due: Option<DateTime<Utc>>,
    /// Entries in the last copy of the feed that parsed.
    pub items: Option<u32>,
    /// A sitemap source: every file read at the last poll, with its validators (each file is fetched with its own
    /// conditional GET).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub parts: Vec<SitemapPart>,
}

/// One file of a sitemap source (the top file, or a sitemap listed by an index).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SitemapPart {
    pub url: String,
    /// The index that lists it; empty for the top file.
    pub parent: String,
    pub etag: Option<String>,
    pub last_modified: Option<String>,
    /// URLs it lists (an index: the sitemaps it lists).
    pub items: u32,
    pub index: bool,
}

/// A feed entry we have acted on: which article it led to and its fingerprint at the time.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EntryState {
    /// The article the entry led to; 0 when its page held no article.
    pub article_id: u64,
    pub fingerprint: String,
}

/// A durable event: the same fields as the logged one, plus its sequence number and time.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EventRecord {
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
}

impl EventRecord {
    /// Writes the event to the log, as a structured line that `jq` can select on `.event`.
    pub fn log(&self) {
        match self.event.as_str() {
            "article.new" => tracing::info!(
                event = "article.new",
                seq = self.seq,
                id = self.id,
                url = %self.url,
                feed = self.feed.as_deref().unwrap_or(""),
                title = self.title.as_deref().unwrap_or(""),
                content_hash = self.content_hash.as_deref().unwrap_or(""),
                "new article"
            ),
            "article.edited" => tracing::info!(
                event = "article.edited",
                seq = self.seq,
                id = self.id,
                url = %self.url,
                feed = self.feed.as_deref().unwrap_or(""),
                title = self.title.as_deref().unwrap_or(""),
                content_hash = self.content_hash.as_deref().unwrap_or(""),
                previous_hash = self.previous_hash.as_deref().unwrap_or(""),
                version = self.version.unwrap_or(0),
                "article edited"
            ),
            _ => tracing::info!(
                event = "article.duplicate",
                seq = self.seq,
                id = self.id,
                url = %self.url,
                alias_of = self.alias_of.as_deref().unwrap_or(""),
                "known article under a new URL"
            ),
        }
    }
}
