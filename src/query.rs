//! The query model: one function per query subcommand, shared by the CLI and (later) the daemon's socket, so
//! that both paths give the same answers.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::change::ChangeSummary;
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

/// A unified diff between versions `from` and `to` (default: the last two).
pub fn diff(
    store: &Store,
    target: &str,
    from: Option<u32>,
    to: Option<u32>,
    inline: bool,
) -> Result<String, QueryError> {
    let article = resolve(store, target)?;
    let to = to.unwrap_or(article.versions);
    let from = from.unwrap_or(to.saturating_sub(1).max(1));
    let get = |n: u32| -> Result<VersionRecord, QueryError> {
        store.version(article.id, n)?.ok_or_else(|| {
            QueryError::BadArgument(format!(
                "article {} has versions 1 to {}; there is no version {n}",
                article.id, article.versions
            ))
        })
    };
    let (a, b) = (get(from)?, get(to)?);
    let old = format!("{}\n\n{}", a.title, a.text);
    let new = format!("{}\n\n{}", b.title, b.text);
    let label = |v: &VersionRecord| {
        format!(
            "{} version {} ({})",
            article.url,
            v.version,
            v.fetched_at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
        )
    };
    Ok(crate::diff::unified(&old, &new, &label(&a), &label(&b), inline))
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
