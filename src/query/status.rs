//! Sinks with their delivery state (`sinks`) and the one screen of `status`.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{feeds, FeedView, QueryError};
use crate::config::Config;
use crate::store::Store;

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
