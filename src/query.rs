//! The query model: one function per query subcommand, shared by the CLI and the daemon's socket, so that
//! both paths give the same answers. Answers are the printed shapes of `crate::view`, never stored records.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::config::Config;
use crate::store::{ArticleRecord, Store, VersionRecord};
pub use crate::view::FeedView;
use crate::view::{ArticleView, EventView, ReextractReport, VersionView};

#[derive(Debug, thiserror::Error)]
pub enum QueryError {
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    BadArgument(String),
    #[error(transparent)]
    Store(#[from] crate::store::StoreError),
}

/// An article with the text of its latest version, for `show`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ArticleWithText {
    #[serde(flatten)]
    pub article: ArticleView,
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
    let mut queued: std::collections::HashMap<String, u64> = Default::default();
    for job in store.jobs()? {
        for f in job.feeds {
            *queued.entry(f).or_default() += 1;
        }
    }
    let states = store.feed_states()?;
    let mut out = Vec::new();
    let view = |name: &str, url: &str, configured: bool| {
        let state = states.iter().find(|s| s.name == name);
        let n = |m: &std::collections::HashMap<String, u64>| m.get(name).copied().unwrap_or(0);
        FeedView::new(name, url, state, n(&counts), n(&queued), configured)
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

pub fn articles(store: &Store, filter: &ArticleFilter) -> Result<Vec<ArticleView>, QueryError> {
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
        out.push(ArticleView::from(&art));
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
    Ok(ArticleWithText { article: ArticleView::from(&article), text })
}

pub fn history(store: &Store, target: &str) -> Result<Vec<VersionView>, QueryError> {
    let article = resolve(store, target)?;
    Ok(store.versions(article.id)?.iter().map(VersionView::from).collect())
}

/// `recheck ID|URL`: the article's re-check becomes due now, so the next pass fetches it.
pub fn recheck(store: &Store, target: &str) -> Result<ArticleView, QueryError> {
    let article = resolve(store, target)?;
    let art = store
        .force_recheck(article.id, Utc::now())?
        .ok_or_else(|| QueryError::NotFound(format!("no article with id {}", article.id)))?;
    Ok(ArticleView::from(&art))
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
    /// Makes an article's re-check due now.
    Recheck {
        target: String,
    },
    /// Extracts every kept page again with the current extractor and noise rules (of one feed, or all).
    Reextract {
        feed: Option<String>,
    },
}

/// The answer to a [`Request`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "answer", content = "data", rename_all = "snake_case")]
pub enum Answer {
    Feeds(Vec<FeedView>),
    Articles(Vec<ArticleView>),
    Show(Box<ArticleWithText>),
    History(Vec<VersionView>),
    Diff(String),
    Events(Vec<EventView>),
    Recheck(Box<ArticleView>),
    Reextract(ReextractReport),
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
                if found.is_empty() && sub.wait(std::time::Duration::from_millis(*wait_ms)) {
                    found = events_after(store, None, *after_seq)?;
                }
            }
            Answer::Events(found)
        }
        Request::Recheck { target } => Answer::Recheck(Box::new(recheck(store, target)?)),
        Request::Reextract { feed } => {
            let config = config.ok_or_else(|| QueryError::BadArgument("reextract needs the configuration".into()))?;
            if let Some(name) = feed {
                if !config.feeds.iter().any(|f| &f.name == name) {
                    return Err(QueryError::BadArgument(format!(
                        "--feed {name}: no such feed in {}",
                        config.source.display()
                    )));
                }
            }
            Answer::Reextract(crate::reextract::run_blocking(store, config, feed.as_deref())?)
        }
    })
}

fn events_after(store: &Store, since: Option<DateTime<Utc>>, after_seq: u64) -> Result<Vec<EventView>, QueryError> {
    let mut out = Vec::new();
    for ev in store.events_after(after_seq) {
        let ev = ev?;
        if since.is_some_and(|s| ev.time < s) {
            continue;
        }
        out.push(EventView::from(&ev));
    }
    Ok(out)
}
