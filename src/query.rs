//! The query model: one function per query, shared by the CLI, the daemon's socket and the web view, so that
//! every path gives the same answers.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::change::{ChangeSummary, Significance};
use crate::config::Config;
use crate::event::{self, Event};
use crate::store::{ArticleRecord, Store, VersionRecord};

#[derive(Debug, thiserror::Error)]
pub enum QueryError {
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    BadArgument(String),
    #[error(transparent)]
    Store(#[from] crate::store::StoreError),
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
    /// False for a feed that is in the store but no longer in the configuration.
    pub configured: bool,
}

/// A sink with its delivery state, for `sinks`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SinkView {
    pub name: String,
    pub kind: String,
    /// Where it delivers: the URL, the command, or the NATS server and subject.
    pub target: String,
    /// Every event up to this seq was delivered, skipped by the filters, or dropped.
    pub cursor: u64,
    /// Events in the log after the cursor.
    pub pending: u64,
    pub delivered: u64,
    pub failures: u64,
    pub consecutive_failures: u32,
    pub dropped: u64,
    pub last_success: Option<DateTime<Utc>>,
    pub last_error: Option<String>,
    pub last_error_at: Option<DateTime<Utc>>,
    /// False for a sink that has a cursor in the store but is no longer configured.
    pub configured: bool,
}

/// The change summary between two versions, for `diff --summary`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChangeView {
    pub id: u64,
    pub url: String,
    pub from: u32,
    pub to: u32,
    pub change: ChangeSummary,
}

/// An article with the text of its latest version, for `show`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ArticleWithText {
    #[serde(flatten)]
    pub article: ArticleRecord,
    pub text: String,
}

/// Filters of `articles`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct ArticleFilter {
    pub feed: Option<String>,
    pub since: Option<DateTime<Utc>>,
    pub edited: bool,
    pub limit: Option<usize>,
}

/// Parses WHEN: a duration back from now (`2h`, `3d`) or an RFC 3339 time.
pub fn parse_when(s: &str, now: DateTime<Utc>) -> Result<DateTime<Utc>, QueryError> {
    if let Ok(t) = DateTime::parse_from_rfc3339(s.trim()) {
        return Ok(t.with_timezone(&Utc));
    }
    match humantime::parse_duration(s.trim()) {
        Ok(d) => Ok(now - chrono::Duration::from_std(d).unwrap_or(chrono::Duration::MAX)),
        Err(_) => Err(QueryError::BadArgument(format!(
            "cannot read \"{s}\" as a time: give a duration such as 2h or 3days, or an RFC 3339 time such as 2026-11-27T08:00:00Z"
        ))),
    }
}

pub fn feeds(store: &Store, config: Option<&Config>) -> Result<Vec<FeedView>, QueryError> {
    let mut counts: std::collections::HashMap<String, u64> = Default::default();
    for art in store.articles_newest_first() {
        for f in art?.feeds {
            *counts.entry(f).or_default() += 1;
        }
    }
    let states = store.feed_states()?;
    let mut out = Vec::new();
    let view = |name: &str, url: &str, configured: bool| {
        let s = states.iter().find(|s| s.name == name);
        FeedView {
            name: name.to_string(),
            url: url.to_string(),
            last_fetch: s.and_then(|s| s.last_fetch),
            last_status: s.and_then(|s| s.last_status),
            etag: s.and_then(|s| s.etag.clone()),
            last_modified: s.and_then(|s| s.last_modified.clone()),
            errors: s.map(|s| s.errors).unwrap_or(0),
            last_error: s.and_then(|s| s.last_error.clone()),
            next_due: s.and_then(|s| s.next_due),
            items: s.and_then(|s| s.items),
            articles: counts.get(name).copied().unwrap_or(0),
            configured,
        }
    };
    if let Some(cfg) = config {
        for f in &cfg.feeds {
            out.push(view(&f.name, f.url.as_str(), true));
        }
    }
    for s in &states {
        if !out.iter().any(|v| v.name == s.name) {
            out.push(view(&s.name, &s.url, config.is_none()));
        }
    }
    Ok(out)
}

pub fn articles(store: &Store, filter: &ArticleFilter) -> Result<Vec<ArticleRecord>, QueryError> {
    let mut out = Vec::new();
    for art in store.articles_newest_first() {
        let art = art?;
        if let Some(f) = &filter.feed {
            if !art.feeds.iter().any(|x| x == f) {
                continue;
            }
        }
        if let Some(since) = filter.since {
            // "Since" asks what happened since then: first seen or changed.
            if art.first_seen < since && art.last_changed < since {
                continue;
            }
        }
        if filter.edited && art.versions < 2 {
            continue;
        }
        out.push(art);
        if filter.limit.is_some_and(|n| out.len() >= n) {
            break;
        }
    }
    Ok(out)
}

/// Finds an article by numeric id or by URL (canonicalised, then looked up among canonical URLs and aliases).
pub fn resolve(store: &Store, target: &str) -> Result<ArticleRecord, QueryError> {
    let target = target.trim();
    if let Ok(id) = target.parse::<u64>() {
        return store.article(id)?.ok_or_else(|| QueryError::NotFound(format!("no article with id {id}")));
    }
    let mut candidates = vec![target.to_string()];
    if let Some(c) = crate::canon::canonicalize_str(target) {
        candidates.insert(0, c);
    }
    for c in &candidates {
        if let Some(id) = store.article_id_for_url(c)? {
            if let Some(a) = store.article(id)? {
                return Ok(a);
            }
        }
    }
    Err(QueryError::NotFound(format!("no article with URL {target} (nor an alias of one)")))
}

pub fn show(store: &Store, target: &str) -> Result<ArticleWithText, QueryError> {
    let article = resolve(store, target)?;
    let text = store.version(article.id, article.versions)?.map(|v| v.text).unwrap_or_default();
    Ok(ArticleWithText { article, text })
}

pub fn history(store: &Store, target: &str) -> Result<Vec<VersionRecord>, QueryError> {
    let article = resolve(store, target)?;
    Ok(store.versions(article.id)?)
}

/// The versions `from` and `to` of an article (default: the last two), checked to exist.
fn version_pair(article: &ArticleRecord, from: Option<u32>, to: Option<u32>) -> Result<(u32, u32), QueryError> {
    let to = to.unwrap_or(article.versions);
    let from = from.unwrap_or(to.saturating_sub(1).max(1));
    for n in [from, to] {
        if n == 0 || n > article.versions {
            return Err(QueryError::BadArgument(format!(
                "article {} has versions 1 to {}; there is no version {n}",
                article.id, article.versions
            )));
        }
    }
    Ok((from, to))
}

/// The change summary between versions `from` and `to` (default: the last two).
pub fn change(store: &Store, target: &str, from: Option<u32>, to: Option<u32>) -> Result<ChangeView, QueryError> {
    let article = resolve(store, target)?;
    let (from, to) = version_pair(&article, from, to)?;
    let change = event::summary(store, article.id, from, to).map_err(QueryError::NotFound)?;
    Ok(ChangeView { id: article.id, url: article.url, from, to, change })
}

/// Every configured sink (and any with a cursor left in the store) with its delivery state.
pub fn sinks(store: &Store, config: Option<&Config>) -> Result<Vec<SinkView>, QueryError> {
    let states = store.sink_states()?;
    let view = |name: &str, kind: &str, target: String, configured: bool| -> Result<SinkView, QueryError> {
        let s = states.iter().find(|s| s.name == name).cloned().unwrap_or_default();
        Ok(SinkView {
            name: name.to_string(),
            kind: kind.to_string(),
            target,
            pending: store.events_pending_after(s.cursor)?,
            cursor: s.cursor,
            delivered: s.delivered,
            failures: s.failures,
            consecutive_failures: s.consecutive_failures,
            dropped: s.dropped,
            last_success: s.last_success,
            last_error: s.last_error,
            last_error_at: s.last_error_at,
            configured,
        })
    };
    let mut out = Vec::new();
    for s in config.map(|c| c.sinks.as_slice()).unwrap_or_default() {
        out.push(view(&s.name, s.kind.name(), s.kind.target(), true)?);
    }
    for s in &states {
        if !out.iter().any(|v| v.name == s.name) {
            out.push(view(&s.name, "-", "-".into(), false)?);
        }
    }
    Ok(out)
}

/// An article and two of its versions, `from` and `to` (default: the last two).
fn two_versions(
    store: &Store,
    target: &str,
    from: Option<u32>,
    to: Option<u32>,
) -> Result<(ArticleRecord, VersionRecord, VersionRecord), QueryError> {
    let article = resolve(store, target)?;
    let (from, to) = version_pair(&article, from, to)?;
    let get = |n: u32| -> Result<VersionRecord, QueryError> {
        store
            .version(article.id, n)?
            .ok_or_else(|| QueryError::NotFound(format!("article {} has no version {n}", article.id)))
    };
    let (a, b) = (get(from)?, get(to)?);
    Ok((article, a, b))
}

/// What a diff compares: the title, a blank line, the text.
fn diffed_text(v: &VersionRecord) -> String {
    format!("{}\n\n{}", v.title, v.text)
}

/// A unified diff between versions `from` and `to` (default: the last two).
pub fn diff(
    store: &Store,
    target: &str,
    from: Option<u32>,
    to: Option<u32>,
    inline: bool,
) -> Result<String, QueryError> {
    let (article, a, b) = two_versions(store, target, from, to)?;
    let label = |v: &VersionRecord| {
        format!(
            "{} version {} ({})",
            article.url,
            v.version,
            v.fetched_at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
        )
    };
    Ok(crate::diff::unified(&diffed_text(&a), &diffed_text(&b), &label(&a), &label(&b), inline))
}

/// A version without its text.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VersionInfo {
    pub version: u32,
    pub content_hash: String,
    pub fetched_at: DateTime<Utc>,
    pub title: String,
}

impl From<&VersionRecord> for VersionInfo {
    fn from(v: &VersionRecord) -> VersionInfo {
        VersionInfo {
            version: v.version,
            content_hash: v.content_hash.clone(),
            fetched_at: v.fetched_at,
            title: v.title.clone(),
        }
    }
}

/// The diff of two versions as blocks (every line, changed words marked), for the web view. The same versions,
/// text and line diff as [`diff`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DiffView {
    pub article: ArticleRecord,
    pub from: VersionInfo,
    pub to: VersionInfo,
    pub blocks: Vec<crate::diff::Block>,
}

pub fn diff_view(store: &Store, target: &str, from: Option<u32>, to: Option<u32>) -> Result<DiffView, QueryError> {
    let (article, a, b) = two_versions(store, target, from, to)?;
    let blocks = crate::diff::blocks(&diffed_text(&a), &diffed_text(&b));
    Ok(DiffView { article, from: (&a).into(), to: (&b).into(), blocks })
}

/// Filters of the web view's event list: newest first, at most `limit`, only events older than `before_seq`
/// when it is set (the next page).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct EventFilter {
    pub feed: Option<String>,
    /// An event name such as `article.edited`.
    pub event: Option<String>,
    pub since: Option<DateTime<Utc>>,
    /// Only edits whose change summary is at least this significant (other events have none).
    #[serde(default)]
    pub significance: Option<Significance>,
    pub before_seq: Option<u64>,
    pub limit: usize,
}

/// A page of the event list, and where the next one starts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EventPage {
    pub events: Vec<Event>,
    /// `before_seq` for the next page: set when the list stopped before the oldest event, because the page was
    /// full or because it looked at as many events as one request may.
    pub older: Option<u64>,
}

/// The most events one request returns.
pub const MAX_EVENTS: usize = 500;
/// The most events one request of the event list looks at, and the most change summaries it computes (a summary
/// reads and compares two versions): a filter that matches rarely stops there and links on to the next page.
pub const MAX_SCANNED: usize = 20_000;
pub const MAX_SUMMARIES: usize = 1_000;

/// Whether an event passes a significance filter: with one, only edits at least that significant.
pub fn significant(event: &Event, min: Option<Significance>) -> bool {
    min.is_none_or(|min| event.significance().is_some_and(|s| s >= min))
}

pub fn recent_events(store: &Store, filter: &EventFilter) -> Result<EventPage, QueryError> {
    recent_events_within(store, filter, MAX_SCANNED, MAX_SUMMARIES)
}

fn recent_events_within(
    store: &Store,
    filter: &EventFilter,
    max_scanned: usize,
    max_summaries: usize,
) -> Result<EventPage, QueryError> {
    let limit = filter.limit.clamp(1, MAX_EVENTS);
    let (mut events, mut scanned, mut summaries) = (Vec::new(), 0, 0);
    for ev in store.events_before(filter.before_seq.unwrap_or(u64::MAX)) {
        let ev = ev?;
        if filter.since.is_some_and(|s| ev.time < s) {
            // Newest first: every event after this one is older still.
            return Ok(EventPage { events, older: None });
        }
        let seq = ev.seq;
        let wanted = filter.event.as_ref().is_none_or(|e| *e == ev.event)
            && (filter.feed.is_none() || ev.feed == filter.feed)
            && (filter.significance.is_none() || ev.event == "article.edited");
        if wanted {
            summaries += usize::from(ev.event == "article.edited");
            let ev = event::load(store, ev);
            if significant(&ev, filter.significance) {
                events.push(ev);
            }
        }
        scanned += 1;
        if events.len() >= limit || scanned >= max_scanned || summaries >= max_summaries {
            return Ok(EventPage { events, older: Some(seq) });
        }
    }
    Ok(EventPage { events, older: None })
}

/// Folds text for search: decomposed, without combining accents, lower-case, `đ` as `d`; so "hop bao" finds
/// "họp báo" and "HỌP BÁO".
fn search_fold(s: &str) -> String {
    icu_normalizer::DecomposingNormalizerBorrowed::new_nfd()
        .normalize(s)
        .chars()
        .filter(|c| !matches!(*c as u32, 0x0300..=0x036F))
        .flat_map(char::to_lowercase)
        .map(|c| if c == 'đ' { 'd' } else { c })
        .collect()
}

/// Articles whose title or URL (canonical or alias) contains `q`, newest first; an id or a URL that names an
/// article comes first.
pub fn search(store: &Store, q: &str, limit: usize) -> Result<Vec<ArticleRecord>, QueryError> {
    let q = q.trim();
    if q.is_empty() {
        return Ok(Vec::new());
    }
    let limit = limit.clamp(1, MAX_EVENTS);
    let mut out: Vec<ArticleRecord> = resolve(store, q).ok().into_iter().collect();
    let needle = search_fold(q);
    for art in store.articles_newest_first() {
        if out.len() >= limit {
            break;
        }
        let art = art?;
        if out.iter().any(|a| a.id == art.id) {
            continue;
        }
        let hit = search_fold(&art.title).contains(&needle)
            || std::iter::once(&art.url).chain(&art.aliases).any(|u| search_fold(u).contains(&needle));
        if hit {
            out.push(art);
        }
    }
    Ok(out)
}

/// `presswatch status`: one screen of what matters now.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StatusView {
    pub articles: u64,
    pub feeds: u64,
    /// Configured feeds due for a poll now (or never polled).
    pub feeds_due: Vec<String>,
    /// Feeds whose last poll failed: name, consecutive errors, last error.
    pub feeds_failing: Vec<(String, u32, String)>,
    /// Midnight UTC today, where `events_today` starts.
    pub today: DateTime<Utc>,
    /// Events since `today`, per event name.
    pub events_today: std::collections::BTreeMap<String, u64>,
    /// Each configured sink: its name and the events in the log after its cursor (as `presswatch sinks`).
    pub sinks_pending: Vec<(String, u64)>,
}

pub fn status(store: &Store, config: Option<&Config>, now: DateTime<Utc>) -> Result<StatusView, QueryError> {
    let feeds = feeds(store, config)?;
    let configured: Vec<&FeedView> = feeds.iter().filter(|f| f.configured).collect();
    let today = now.date_naive().and_hms_opt(0, 0, 0).map(|t| t.and_utc()).unwrap_or(now);
    let mut events_today = std::collections::BTreeMap::new();
    for ev in store.events_before(u64::MAX) {
        let ev = ev?;
        if ev.time < today {
            break;
        }
        *events_today.entry(ev.event).or_insert(0) += 1;
    }
    Ok(StatusView {
        articles: store.article_count() as u64,
        feeds: configured.len() as u64,
        feeds_due: configured.iter().filter(|f| f.next_due.is_none_or(|d| d <= now)).map(|f| f.name.clone()).collect(),
        feeds_failing: configured
            .iter()
            .filter(|f| f.errors > 0)
            .map(|f| (f.name.clone(), f.errors, f.last_error.clone().unwrap_or_default()))
            .collect(),
        today,
        events_today,
        sinks_pending: sinks(store, config)?
            .into_iter()
            .filter(|s| s.configured)
            .map(|s| (s.name, s.pending))
            .collect(),
    })
}

/// A query as it travels from the CLI to the daemon's socket (one JSON line).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "query", rename_all = "snake_case")]
pub enum Request {
    Feeds,
    Articles(ArticleFilter),
    Show {
        target: String,
    },
    History {
        target: String,
    },
    Diff {
        target: String,
        from: Option<u32>,
        to: Option<u32>,
        inline: bool,
    },
    /// The change summary between two versions (`diff --summary`).
    Change {
        target: String,
        from: Option<u32>,
        to: Option<u32>,
    },
    Sinks,
    /// Events after `after_seq` (and not before `since`).
    Events {
        since: Option<DateTime<Utc>>,
        after_seq: u64,
    },
    /// Every record of the store, streamed as JSON lines and closed by `{"end": true}` (the daemon side of
    /// `presswatch export`).
    Export,
    /// Like `Events`, but waits up to `wait_ms` for at least one new event first (for `--follow`).
    WaitEvents {
        after_seq: u64,
        wait_ms: u64,
    },
    /// Events newest first, filtered (the web view's list and its Atom feed of edits).
    RecentEvents(EventFilter),
    /// Articles by title or URL (the web view's search).
    Search {
        q: String,
        limit: usize,
    },
    /// A diff as blocks (the web view's diff page).
    DiffView {
        target: String,
        from: Option<u32>,
        to: Option<u32>,
    },
    /// `presswatch status`.
    Status,
}

/// The answer to a [`Request`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "answer", content = "data", rename_all = "snake_case")]
pub enum Answer {
    Feeds(Vec<FeedView>),
    Articles(Vec<ArticleRecord>),
    Show(Box<ArticleWithText>),
    History(Vec<VersionRecord>),
    Diff(String),
    Events(Vec<Event>),
    Change(Box<ChangeView>),
    Sinks(Vec<SinkView>),
    DiffView(Box<DiffView>),
    Status(Box<StatusView>),
    EventPage(Box<EventPage>),
}

/// A query error as it travels over the socket.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct WireError {
    pub kind: String,
    pub message: String,
}

impl From<&QueryError> for WireError {
    fn from(e: &QueryError) -> WireError {
        let kind = match e {
            QueryError::NotFound(_) => "not_found",
            QueryError::BadArgument(_) => "bad_argument",
            QueryError::Store(_) => "store",
        };
        WireError { kind: kind.into(), message: e.to_string() }
    }
}

impl From<WireError> for QueryError {
    fn from(e: WireError) -> QueryError {
        match e.kind.as_str() {
            "not_found" => QueryError::NotFound(e.message),
            "bad_argument" => QueryError::BadArgument(e.message),
            _ => QueryError::NotFound(e.message),
        }
    }
}

/// Answers a request against a store: the one code path behind both the CLI and the daemon's socket.
pub fn answer(store: &Store, config: Option<&Config>, request: &Request) -> Result<Answer, QueryError> {
    Ok(match request {
        Request::Feeds => Answer::Feeds(feeds(store, config)?),
        Request::Articles(filter) => Answer::Articles(articles(store, filter)?),
        Request::Show { target } => Answer::Show(Box::new(show(store, target)?)),
        Request::History { target } => Answer::History(history(store, target)?),
        Request::Diff { target, from, to, inline } => Answer::Diff(diff(store, target, *from, *to, *inline)?),
        Request::Change { target, from, to } => Answer::Change(Box::new(change(store, target, *from, *to)?)),
        Request::Sinks => Answer::Sinks(sinks(store, config)?),
        Request::Events { since, after_seq } => Answer::Events(events_after(store, *since, *after_seq)?),
        Request::Export => {
            return Err(QueryError::BadArgument("export is streamed, not answered in one line".into()));
        }
        Request::RecentEvents(filter) => Answer::EventPage(Box::new(recent_events(store, filter)?)),
        Request::Search { q, limit } => Answer::Articles(search(store, q, *limit)?),
        Request::DiffView { target, from, to } => Answer::DiffView(Box::new(diff_view(store, target, *from, *to)?)),
        Request::Status => Answer::Status(Box::new(status(store, config, Utc::now())?)),
        Request::WaitEvents { after_seq, wait_ms } => {
            let mut found = events_after(store, None, *after_seq)?;
            if found.is_empty() {
                let mut sub = store.watch_events();
                // Re-read after subscribing, so an event written in between is not missed.
                found = events_after(store, None, *after_seq)?;
                if found.is_empty() && sub.next_timeout(std::time::Duration::from_millis(*wait_ms)).is_ok() {
                    found = events_after(store, None, *after_seq)?;
                }
            }
            Answer::Events(found)
        }
    })
}

/// Events with their change summaries, as `events` prints them.
fn events_after(store: &Store, since: Option<DateTime<Utc>>, after_seq: u64) -> Result<Vec<Event>, QueryError> {
    let mut out = Vec::new();
    for ev in store.events_after(after_seq) {
        let ev = ev?;
        if since.is_some_and(|s| ev.time < s) {
            continue;
        }
        out.push(event::load(store, ev));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use chrono::TimeZone;

    use super::*;
    use crate::extract::Article;
    use crate::store::{Observation, Outcome};

    fn observe(store: &Store, url: &str, text: &str, minute: u32) -> Outcome {
        let article = Article {
            title: "Floods sweep central provinces".into(),
            text: text.into(),
            canonical_url: None,
            published: None,
            modified: None,
            lang: Some("en".into()),
            content_hash: crate::normalize::content_hash("Floods sweep central provinces", text),
        };
        let obs = Observation {
            feeds: vec!["f".into()],
            fetched_url: url.into(),
            entries: vec![("f".into(), url.into(), "fp".into())],
            known_id: None,
            article,
            fetched_at: Utc.with_ymd_and_hms(2026, 11, 27, 8, minute, 0).unwrap(),
            feed_published: None,
            feed_updated: None,
            recheck: vec![Duration::from_secs(900)],
            flap_window: 0,
        };
        store.observe(&obs).unwrap()
    }

    /// seq 1: a new article; 2: its typo fix; 3: another new article; 4: a changed number in the first.
    fn store() -> (tempfile::TempDir, Store) {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        let (a, b) = ("https://a.example/floods.html", "https://a.example/other.html");
        let typo = "Rescue teams said 12 people were still missing on Tuesday in the mountain districs.";
        let fixed = "Rescue teams said 12 people were still missing on Tuesday in the mountain districts.";
        let number = "Rescue teams said 15 people were still missing on Tuesday in the mountain districts.";
        observe(&store, a, typo, 0);
        observe(&store, a, fixed, 1);
        observe(&store, b, "Another article altogether, about the weather on Wednesday.", 2);
        observe(&store, a, number, 3);
        (dir, store)
    }

    fn seqs(page: &EventPage) -> Vec<u64> {
        page.events.iter().map(|e| e.record.seq).collect()
    }

    #[test]
    fn the_event_list_carries_significance_and_filters_by_it() {
        let (_dir, store) = store();
        let all = recent_events(&store, &EventFilter { limit: 10, ..Default::default() }).unwrap();
        assert_eq!((seqs(&all), all.older), (vec![4, 3, 2, 1], None));
        let levels: Vec<Option<Significance>> = all.events.iter().map(Event::significance).collect();
        assert_eq!(levels, [Some(Significance::Substantive), None, Some(Significance::Typo), None]);

        let at_least = |s: Significance| {
            let filter = EventFilter { significance: Some(s), limit: 10, ..Default::default() };
            seqs(&recent_events(&store, &filter).unwrap())
        };
        assert_eq!(at_least(Significance::Typo), [4, 2], "every edit, no other event");
        assert_eq!(at_least(Significance::Minor), [4]);
        assert_eq!(at_least(Significance::Substantive), [4]);
        let new_and_significant = EventFilter {
            event: Some("article.new".into()),
            significance: Some(Significance::Typo),
            limit: 10,
            ..Default::default()
        };
        assert_eq!(seqs(&recent_events(&store, &new_and_significant).unwrap()), Vec::<u64>::new());

        // A full page says where the next one starts.
        let first = recent_events(&store, &EventFilter { limit: 3, ..Default::default() }).unwrap();
        assert_eq!((seqs(&first), first.older), (vec![4, 3, 2], Some(2)));
        let next = EventFilter { before_seq: first.older, limit: 3, ..Default::default() };
        let next = recent_events(&store, &next).unwrap();
        assert_eq!((seqs(&next), next.older), (vec![1], None));
    }

    #[test]
    fn a_rare_significance_stops_at_the_summary_bound_and_links_on() {
        let (_dir, store) = store();
        let substantive = |before_seq| EventFilter {
            significance: Some(Significance::Substantive),
            before_seq,
            limit: 10,
            ..Default::default()
        };
        // One summary per request: the substantive edit (seq 4), then the typo fix (seq 2, left out), then none.
        let page = recent_events_within(&store, &substantive(None), 100, 1).unwrap();
        assert_eq!((seqs(&page), page.older), (vec![4], Some(4)));
        let page = recent_events_within(&store, &substantive(page.older), 100, 1).unwrap();
        assert_eq!((seqs(&page), page.older), (vec![], Some(2)));
        let page = recent_events_within(&store, &substantive(page.older), 100, 1).unwrap();
        assert_eq!((seqs(&page), page.older), (vec![], None));
        // And at most so many events looked at.
        let page = recent_events_within(&store, &EventFilter { limit: 10, ..Default::default() }, 2, 100).unwrap();
        assert_eq!((seqs(&page), page.older), (vec![4, 3], Some(3)));
    }
}
