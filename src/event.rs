//! The event as it is logged, printed by `events --json` and delivered to sinks: the stored [`EventRecord`] in
//! its printed shape ([`EventView`]), plus, on `article.edited`, the change summary computed from the two
//! versions the event names (v−1 and v). The store keeps only the record; the summary is derived, so it needs
//! no migration. Life events (`article.removed`, `restored`, `redirected`) carry no summary.

use serde::{Deserialize, Serialize};

use crate::change::{self, ChangeSummary, Significance};
use crate::store::{EventRecord, Store};
use crate::view::EventView;

/// An event with what is derived from it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Event {
    #[serde(flatten)]
    pub view: EventView,
    /// On `article.edited`: what changed between the previous version and this one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub change: Option<ChangeSummary>,
}

impl Event {
    /// A stable identifier: the same event has it on every retry, after a restart and after an export and import,
    /// and events of different stores (shards) do not share it. It is derived from what the event is (its
    /// sequence number, time, kind, article and URL), not from a counter of deliveries.
    pub fn id(&self) -> String {
        event_id(&self.view)
    }

    /// The significance of an edit; `None` for events that are not edits.
    pub fn significance(&self) -> Option<Significance> {
        self.change.as_ref().map(|c| c.significance)
    }

    /// The body sinks receive: the event as `events --json` prints it.
    pub fn to_json(&self) -> Vec<u8> {
        serde_json::to_vec(self).expect("events always serialise")
    }
}

/// See [`Event::id`].
pub fn event_id(e: &EventView) -> String {
    let key = format!(
        "{}|{}|{}|{}|{}",
        e.seq,
        e.time.to_rfc3339_opts(chrono::SecondsFormat::Nanos, true),
        e.event,
        e.id,
        e.url
    );
    blake3::hash(key.as_bytes()).to_hex()[..32].to_string()
}

/// The event with its change summary, read from the store. An edit whose versions cannot be read (a damaged
/// record) is still an event, without a summary; the reason is logged.
pub fn load(store: &Store, record: EventRecord) -> Event {
    let change = match (record.event.as_str(), record.version) {
        ("article.edited", Some(v)) if v >= 2 => match summary(store, record.id, v - 1, v) {
            Ok(c) => Some(c),
            Err(e) => {
                tracing::warn!(seq = record.seq, id = record.id, error = %e, "cannot compute the change summary");
                None
            }
        },
        _ => None,
    };
    Event { view: EventView::from(&record), change }
}

/// The change summary between two stored versions of an article.
pub fn summary(store: &Store, id: u64, from: u32, to: u32) -> Result<ChangeSummary, String> {
    let get = |n: u32| match store.version(id, n) {
        Ok(Some(v)) => Ok(v),
        Ok(None) => Err(format!("article {id} has no version {n}")),
        Err(e) => Err(e.to_string()),
    };
    let (a, b) = (get(from)?, get(to)?);
    Ok(change::summarize(&a.title, &a.text, &b.title, &b.text))
}
