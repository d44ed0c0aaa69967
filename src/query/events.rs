//! The event log as queries read it: `events` (oldest first, after a seq) and the web view's pages (newest
//! first, filtered, bounded), each event with its change summary.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{QueryError, MAX_EVENTS};
use crate::change::Significance;
use crate::event::{self, Event};
use crate::store::Store;

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

/// Events with their change summaries, as `events` prints them.
pub(super) fn events_after(
    store: &Store,
    since: Option<DateTime<Utc>>,
    after_seq: u64,
) -> Result<Vec<Event>, QueryError> {
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
    use crate::store::{EntryRef, Observation, Outcome, Schedule};

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
        let entry = EntryRef { feed: "f".into(), key: url.into(), fingerprint: "fp".into(), link: url.into() };
        let obs = Observation {
            feeds: vec!["f".into()],
            fetched_url: url.into(),
            served_url: None,
            entries: vec![entry],
            recheck_of: None,
            job: None,
            article,
            stamp: "2.test".into(),
            page: None,
            baseline: None,
            fetched_at: Utc.with_ymd_and_hms(2026, 11, 27, 8, minute, 0).unwrap(),
            feed_published: None,
            feed_updated: None,
            schedule: Schedule { offsets: vec![Duration::from_secs(900)], tail: vec![] },
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
        page.events.iter().map(|e| e.view.seq).collect()
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
