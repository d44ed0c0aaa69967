//! Delivery bookkeeping for sinks: one cursor per sink in the `sinks` tree (sink name → [`SinkState`]).
//!
//! The durable event log is the queue: a sink's pending events are the events after its cursor. The cursor
//! moves only after a delivery succeeded (or the sink's filters skipped the event), so delivery is at least
//! once across crashes; `max_pending` bounds how far behind a sink may fall.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::codec::{be_u64, from_json, to_json};
use super::{Result, Store};

/// What the store knows of one sink's deliveries.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SinkState {
    pub name: String,
    /// Every event up to this sequence number was delivered, skipped by the filters, or dropped.
    pub cursor: u64,
    pub delivered: u64,
    /// Failed attempts, in all.
    pub failures: u64,
    /// Failed attempts since the last success (drives the backoff).
    pub consecutive_failures: u32,
    /// Events dropped unsent because more than `max_pending` waited.
    pub dropped: u64,
    pub last_success: Option<DateTime<Utc>>,
    pub last_error: Option<String>,
    pub last_error_at: Option<DateTime<Utc>>,
}

impl Store {
    pub fn sink_state(&self, name: &str) -> Result<Option<SinkState>> {
        self.sinks.get(name.as_bytes())?.map(|v| from_json("sink state", &v)).transpose()
    }

    /// The state of a sink, created at the end of the event log when the sink is new: a sink added to a
    /// store that already holds years of events starts with what happens from now on.
    pub fn init_sink(&self, name: &str) -> Result<SinkState> {
        if let Some(s) = self.sink_state(name)? {
            return Ok(s);
        }
        let state = SinkState { name: name.to_string(), cursor: self.last_event_seq()?, ..Default::default() };
        self.put_sink_state(&state)?;
        self.flush()?;
        Ok(state)
    }

    pub fn put_sink_state(&self, state: &SinkState) -> Result<()> {
        self.sinks.insert(state.name.as_bytes(), to_json(state))?;
        Ok(())
    }

    pub fn sink_states(&self) -> Result<Vec<SinkState>> {
        self.sinks.iter().values().map(|v| from_json("sink state", &v?)).collect()
    }

    /// How many events follow `cursor` in the log.
    pub fn events_pending_after(&self, cursor: u64) -> Result<u64> {
        let mut n = 0;
        for k in self.events().range(cursor.saturating_add(1).to_be_bytes()..).keys() {
            k?;
            n += 1;
        }
        Ok(n)
    }

    /// The cursor that leaves at most `max_pending` events after it, and how many events it skips.
    pub fn cursor_within(&self, cursor: u64, max_pending: u64) -> Result<(u64, u64)> {
        let pending = self.events_pending_after(cursor)?;
        if pending <= max_pending {
            return Ok((cursor, 0));
        }
        let skip = pending - max_pending;
        let mut new_cursor = cursor;
        for k in self.events().range(cursor.saturating_add(1).to_be_bytes()..).keys().take(skip as usize) {
            new_cursor = be_u64(&k?);
        }
        Ok((new_cursor, skip))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::EventRecord;

    fn store_with_events(n: u64) -> (tempfile::TempDir, Store) {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        for seq in 1..=n {
            let mut ev = EventRecord::draft("article.new", seq, &format!("https://example.org/{seq}"), Utc::now());
            ev.seq = seq;
            store.events().insert(seq.to_be_bytes(), to_json(&ev)).unwrap();
        }
        (dir, store)
    }

    #[test]
    fn a_new_sink_starts_at_the_end_of_the_log_and_keeps_its_cursor() {
        let (_dir, store) = store_with_events(4);
        let s = store.init_sink("hook").unwrap();
        assert_eq!((s.name.as_str(), s.cursor, s.delivered), ("hook", 4, 0));
        store.put_sink_state(&SinkState { cursor: 2, delivered: 7, ..s }).unwrap();
        assert_eq!(store.init_sink("hook").unwrap().cursor, 2, "an existing sink keeps its cursor");
        assert_eq!(store.sink_states().unwrap().len(), 1);
        assert_eq!(store.events_pending_after(2).unwrap(), 2);
        assert_eq!(store.events_pending_after(4).unwrap(), 0);
    }

    #[test]
    fn max_pending_moves_the_cursor_past_the_oldest() {
        let (_dir, store) = store_with_events(10);
        assert_eq!(store.cursor_within(0, 10).unwrap(), (0, 0));
        assert_eq!(store.cursor_within(0, 3).unwrap(), (7, 7));
        assert_eq!(store.cursor_within(5, 3).unwrap(), (7, 2));
        assert_eq!(store.cursor_within(9, 3).unwrap(), (9, 0));
    }
}
