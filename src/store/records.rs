//! The records kept in the store, in the shape they are stored (JSON; versions and kept pages zstd-compressed).
//!
//! Only the store reads and writes these bytes. What `--json` prints is `crate::view` and what is logged is
//! `crate::log::event`: each of the three shapes can change without the others (a stored field renamed here
//! is mapped in one place there). New fields are `#[serde(default)]`, so stores written before them still open.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// One article: its identity and its latest state. Versions are kept apart.
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
    /// The URL the page was last fetched from on the article's own hosts; re-checks fetch it (the canonical URL
    /// may be on another host, or not be served at all).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fetched_from: Option<String>,
    /// When the re-check schedule next wants the page; `None` once the schedule is exhausted.
    #[serde(default)]
    pub next_recheck: Option<DateTime<Utc>>,
    /// A fingerprint of the schedule `next_recheck` was planned with: a changed schedule re-plans the article.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub plan: Option<String>,
    /// The extractor stamp (`crate::crawl::stamp`) under which `content_hash` was computed; `None` in stores
    /// written before stamps existed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stamp: Option<String>,
    /// Live, removed or redirected, as the last re-checks found it.
    #[serde(default, skip_serializing_if = "ArticleState::is_live")]
    pub state: ArticleState,
    /// Consecutive re-checks that found the page missing (404, 410) or a stub; two in a row make it removed.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub misses: u32,
}

impl ArticleRecord {
    /// The URL a re-check fetches: where the page was last fetched from, else the canonical URL.
    pub fn fetch_url(&self) -> &str {
        self.fetched_from.as_deref().unwrap_or(&self.url)
    }
}

fn is_zero(n: &u32) -> bool {
    *n == 0
}

/// What the last re-checks found at an article's URL.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum ArticleState {
    #[default]
    Live,
    /// Gone: `status` is the HTTP status that said so, `reason` one of `not_found`, `gone`, `front_page`, `stub`.
    Removed { status: u16, reason: String, since: DateTime<Utc> },
    /// Its URL now leads to another stored article.
    Redirected { to: String, to_id: u64, since: DateTime<Utc> },
}

impl ArticleState {
    pub fn is_live(&self) -> bool {
        matches!(self, ArticleState::Live)
    }

    pub fn name(&self) -> &'static str {
        match self {
            ArticleState::Live => "live",
            ArticleState::Removed { .. } => "removed",
            ArticleState::Redirected { .. } => "redirected",
        }
    }
}

/// One stored version of an article's content.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VersionRecord {
    pub version: u32,
    pub content_hash: String,
    pub fetched_at: DateTime<Utc>,
    pub title: String,
    pub text: String,
    /// The extractor stamp this text was extracted under.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stamp: Option<String>,
    /// When the text was extracted again from the kept page (an extractor or noise-rule change), if it was.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reextracted_at: Option<DateTime<Utc>>,
    /// A new baseline after an extractor change, stored without an event because the page of the previous
    /// version was not kept and so could not be extracted again to compare like with like.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub baseline: bool,
}

/// The fetched bytes of a version's page, kept (`keep_html`) so that a later extractor can extract it again.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeptPage {
    /// The URL the page was served from.
    pub url: String,
    pub content_type: Option<String>,
    pub body: Vec<u8>,
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
    /// The article the entry led to; 0 when its page held no article or was given up.
    pub article_id: u64,
    pub fingerprint: String,
    /// The item link at the time: a GUID reused for another link is a new item, not this one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub link: Option<String>,
}

/// A feed entry a page job is for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EntryRef {
    pub feed: String,
    pub key: String,
    pub fingerprint: String,
    pub link: String,
}

/// A page to fetch for feed entries, waiting in the durable queue until its observation (or its giving up) is
/// stored. Keyed by the URL to fetch, so an article listed in two feeds is one job.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JobRecord {
    pub url: String,
    pub feeds: Vec<String>,
    pub entries: Vec<EntryRef>,
    /// Dates the feed gave, used when the page gives none.
    #[serde(default)]
    pub published: Option<DateTime<Utc>>,
    #[serde(default)]
    pub updated: Option<DateTime<Utc>>,
    pub queued_at: DateTime<Utc>,
    /// Failed fetches so far.
    #[serde(default)]
    pub attempts: u32,
    /// Not before this time in the daemon (backoff after a failure; the next re-check offset after a page that
    /// held no article). `once` retries a failed page at once, but waits for `not_before`.
    #[serde(default)]
    pub retry_at: Option<DateTime<Utc>>,
    /// Not before this time at all: the server's Retry-After.
    #[serde(default)]
    pub not_before: Option<DateTime<Utc>>,
    #[serde(default)]
    pub last_error: Option<String>,
    /// The rule that refused the page as "no article" at the last try, if it was refused.
    #[serde(default)]
    pub no_article: Option<String>,
    /// A feed item without a link: its own content is the article, and `url` (the feed's URL with
    /// `#item=KEY`) is never fetched. A later poll that finds the content changed replaces it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub own: Option<Box<OwnContent>>,
}

/// The content of a feed item without a link, as the feed gave it (title and normalised text).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OwnContent {
    pub title: String,
    pub text: String,
}

impl JobRecord {
    /// Whether the job may run at `now`; `once` (`eager`) does not wait for a failed page's backoff.
    pub fn is_due(&self, now: DateTime<Utc>, eager: bool) -> bool {
        let hard = self.not_before.is_none_or(|t| t <= now);
        let soft = self.retry_at.is_none_or(|t| t <= now) || (eager && self.no_article.is_none());
        hard && soft
    }

    /// The earliest time the daemon may run the job.
    pub fn due_at(&self) -> Option<DateTime<Utc>> {
        match (self.retry_at, self.not_before) {
            (Some(a), Some(b)) => Some(a.max(b)),
            (a, b) => a.or(b),
        }
    }
}

/// A durable event: what happened to an article, with its sequence number and time. The logged line and the
/// printed JSON carry the same facts in shapes of their own.
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
    /// `article.removed`: the HTTP status that said so, and why.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// `article.redirected`: where the URL now leads, and the article stored there.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to_id: Option<u64>,
}

impl EventRecord {
    /// An event of kind `event` about article `id` at `url`; the store gives it its number when it is stored.
    pub fn draft(event: &str, id: u64, url: &str, time: DateTime<Utc>) -> EventRecord {
        EventRecord {
            seq: 0,
            time,
            event: event.to_string(),
            id,
            url: url.to_string(),
            feed: None,
            title: None,
            content_hash: None,
            previous_hash: None,
            version: None,
            alias_of: None,
            status: None,
            reason: None,
            to: None,
            to_id: None,
        }
    }
}
