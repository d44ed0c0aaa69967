//! The durable event log, and which of its events are not yet written to the log.
//!
//! Each event is stored with an `unlogged` mark in the transaction of the change it reports; the mark is
//! removed once its line is written. The marks are per event, not a "logged up to" number: page tasks finish
//! in any order, and a number would hide an event below it that a crash left unlogged.

use super::codec::{be_u64, from_json};
use super::{EventRecord, Result, Store};

impl Store {
    /// Events with a sequence number greater than `after`, oldest first.
    pub fn events_after(&self, after: u64) -> impl Iterator<Item = Result<EventRecord>> + '_ {
        self.events().range((after.saturating_add(1)).to_be_bytes()..).values().map(|v| from_json("event", &v?))
    }

    /// Events with a sequence number below `before`, newest first (the web view's list, `status`).
    pub fn events_before(&self, before: u64) -> impl Iterator<Item = Result<EventRecord>> + '_ {
        self.events().range(..before.to_be_bytes()).rev().map(|kv| from_json("event", &kv?.1))
    }

    pub fn last_event_seq(&self) -> Result<u64> {
        Ok(self.events().last()?.map(|(k, _)| be_u64(&k)).unwrap_or(0))
    }

    /// Notes that event `seq` was written to the log. Not flushed here: the caller's next flush (its next
    /// change, or the end of the pass) makes it durable, so that a crash repeats at most the last line logged.
    pub fn mark_logged(&self, seq: u64) -> Result<()> {
        self.unlogged().remove(seq.to_be_bytes())?;
        Ok(())
    }

    /// Events stored but not yet logged, in sequence order: the process died between the commit and the log
    /// line. Logging them at the next start means no stored event is ever missing from the log.
    pub fn unlogged_events(&self) -> Result<Vec<EventRecord>> {
        let mut out = Vec::new();
        for key in self.unlogged().iter().keys() {
            let key = key?;
            match self.events().get(&key)? {
                Some(raw) => out.push(from_json("event", &raw)?),
                // A mark without its event (written by hand, or a damaged store): nothing to log.
                None => {
                    self.unlogged().remove(&key)?;
                }
            }
        }
        Ok(out)
    }

    /// Subscribes to new events (for `events --follow`).
    pub fn watch_events(&self) -> super::Watch {
        super::Watch(self.events().watch_prefix(vec![]))
    }
}
