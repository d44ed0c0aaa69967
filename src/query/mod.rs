//! The query model: one function per query, shared by the CLI, the daemon's socket and the web view, so that
//! every path gives the same answers. `answer` dispatches a [`Request`]; the queries live by what they read:
//! `articles` (feeds, articles, search), `versions` (diffs and change summaries), `events` (the event log and
//! the web view's pages of it), `status` (sinks and `presswatch status`).

mod articles;
mod events;
mod status;
mod versions;

pub use articles::*;
pub use events::*;
pub use status::*;
pub use versions::*;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::config::Config;
use crate::event::Event;
use crate::store::Store;
use crate::view::{ArticleView, ReextractReport, VersionView};

/// The most events or articles one request returns.
pub const MAX_EVENTS: usize = 500;

#[derive(Debug, thiserror::Error)]
pub enum QueryError {
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    BadArgument(String),
    #[error(transparent)]
    Store(#[from] crate::store::StoreError),
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
    Events(Vec<Event>),
    Change(Box<ChangeView>),
    Sinks(Vec<SinkView>),
    DiffView(Box<DiffView>),
    Status(Box<StatusView>),
    EventPage(Box<EventPage>),
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
                if !config.configured_feeds.iter().any(|f| &f.name == name) {
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
