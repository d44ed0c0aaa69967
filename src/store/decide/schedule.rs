//! Re-check schedules: the offsets after first sight, then the tail after the last change.

use std::time::Duration;

use chrono::{DateTime, Utc};

use super::ArticleRecord;

/// When an article is fetched again: at each offset after it was first seen, then along the tail (every
/// `.0` until `.1` after its last change, step after step), then never.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Schedule {
    pub offsets: Vec<Duration>,
    pub tail: Vec<(Duration, Duration)>,
}

fn add(t: DateTime<Utc>, d: Duration) -> Option<DateTime<Utc>> {
    chrono::Duration::from_std(d).ok().and_then(|d| t.checked_add_signed(d))
}

impl Schedule {
    /// The next re-check after one made at `checked`: the first offset still ahead (missed offsets collapse into
    /// one fetch), else `checked` plus the first tail step whose end is still ahead.
    pub fn next_after(
        &self,
        first_seen: DateTime<Utc>,
        last_changed: DateTime<Utc>,
        checked: DateTime<Utc>,
    ) -> Option<DateTime<Utc>> {
        if let Some(t) = self.offsets.iter().filter_map(|d| add(first_seen, *d)).find(|t| *t > checked) {
            return Some(t);
        }
        self.tail
            .iter()
            .find(|(_, until)| add(last_changed, *until).is_some_and(|end| checked < end))
            .and_then(|(every, _)| add(checked, *every))
    }

    /// A short text that changes when the schedule does (stored with each plan, see [`ArticleRecord::plan`]).
    pub fn fingerprint(&self) -> String {
        let secs = |d: &Duration| d.as_secs().to_string();
        let offsets: Vec<String> = self.offsets.iter().map(secs).collect();
        let tail: Vec<String> = self.tail.iter().map(|(e, u)| format!("{}/{}", secs(e), secs(u))).collect();
        format!("{}|{}", offsets.join(","), tail.join(","))
    }

    /// Plans `art`'s next re-check after a check at `checked`.
    pub fn plan(&self, art: &mut ArticleRecord, checked: DateTime<Utc>) {
        art.next_recheck = self.next_after(art.first_seen, art.last_changed, checked);
        art.plan = Some(self.fingerprint());
    }
}
