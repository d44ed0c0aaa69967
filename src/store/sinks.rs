//! Delivery bookkeeping for sinks: one cursor per sink in the `sinks` tree (sink name → [`SinkState`]).
//!
//! The durable event log is the queue: a sink's pending events are the events after its cursor. The cursor
//! moves only after a delivery succeeded (or the sink's filters skipped the event), so delivery is at least
//! once across crashes; `max_pending` bounds how far behind a sink may fall.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{be_u64, from_json, to_json, Result, Store};

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
        for k in self.events.range(cursor.saturating_add(1).to_be_bytes()..).keys() {
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
        for k in self.events.range(cursor.saturating_add(1).to_be_bytes()..).keys().take(skip as usize) {
            new_cursor = be_u64(&k?);
        }
        Ok((new_cursor, skip))
    }
}
