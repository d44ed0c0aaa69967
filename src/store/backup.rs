//! `export` and `import`: the whole store as JSON lines, to back it up or move it.
//!
//! One record a line, tagged by `"type"`: `feed`, `article`, `version`, `page` (a kept page, its body in
//! base64), `entry`, `job` (a page still queued) and `event`. Indexes (URLs, hashes, re-checks) and counters are
//! not exported: `import` rebuilds them from the records, so an export cannot carry an index that disagrees
//! with its data.

use std::io::BufRead;

use base64::Engine as _;
use serde::{Deserialize, Serialize};

use super::codec::{compress, encode_page, entry_key, from_json, recheck_key, to_json, version_key};
use super::{
    ArticleRecord, EntryState, EventRecord, FeedState, JobRecord, KeptPage, Result, Store, StoreError, VersionRecord,
};

/// One exported record.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Record {
    Feed(FeedState),
    Article(ArticleRecord),
    Version {
        id: u64,
        #[serde(flatten)]
        version: VersionRecord,
    },
    Page {
        id: u64,
        version: u32,
        url: String,
        #[serde(default)]
        content_type: Option<String>,
        /// The page's bytes as fetched, base64.
        body: String,
    },
    Entry {
        feed: String,
        key: String,
        #[serde(flatten)]
        state: EntryState,
    },
    Job(JobRecord),
    Event(EventRecord),
}

impl Record {
    /// Reads one line of an export; `number` (from 1) names the line in the error. A blank line is `None`.
    /// Pure, so that it can be fuzzed.
    pub fn parse_line(line: &str, number: usize) -> Result<Option<Record>> {
        if line.trim().is_empty() {
            return Ok(None);
        }
        serde_json::from_str(line)
            .map(Some)
            .map_err(|e| StoreError::Corrupt { what: format!("import line {number}"), detail: e.to_string() })
    }

    /// Decodes a page record's base64 body now, so that a damaged page refuses the file before anything is
    /// written; the record comes back with an empty body beside the bytes.
    pub fn take_page_body(self, number: usize) -> Result<(Record, Option<Vec<u8>>)> {
        match self {
            Record::Page { id, version, url, content_type, body } => {
                let bytes = base64::engine::general_purpose::STANDARD.decode(body.as_bytes()).map_err(|e| {
                    StoreError::Corrupt { what: format!("import line {number}"), detail: e.to_string() }
                })?;
                Ok((Record::Page { id, version, url, content_type, body: String::new() }, Some(bytes)))
            }
            other => Ok((other, None)),
        }
    }
}

/// Counts of what an import stored.
#[derive(Debug, Default, Clone, PartialEq, Eq, Serialize)]
pub struct ImportStats {
    pub feeds: u64,
    pub articles: u64,
    pub versions: u64,
    pub pages: u64,
    pub entries: u64,
    pub jobs: u64,
    pub events: u64,
}

impl Store {
    /// Calls `sink` with every record: feeds, then each article with its versions and kept pages, entries,
    /// jobs and events.
    pub fn export(&self, mut sink: impl FnMut(&Record) -> std::io::Result<()>) -> Result<u64> {
        let io = |e: std::io::Error| StoreError::Corrupt { what: "export output".into(), detail: e.to_string() };
        let mut n = 0;
        let mut emit = |r: Record| -> Result<()> {
            n += 1;
            sink(&r).map_err(io)
        };
        for state in self.feed_states()? {
            emit(Record::Feed(state))?;
        }
        for kv in self.articles().iter() {
            let (_, v) = kv?;
            let article: ArticleRecord = from_json("article", &v)?;
            let id = article.id;
            emit(Record::Article(article))?;
            for version in self.versions(id)? {
                let number = version.version;
                emit(Record::Version { id, version })?;
                if let Some(page) = self.kept_page(id, number)? {
                    let body = base64::engine::general_purpose::STANDARD.encode(&page.body);
                    emit(Record::Page { id, version: number, url: page.url, content_type: page.content_type, body })?;
                }
            }
        }
        for kv in self.entries().iter() {
            let (k, v) = kv?;
            let Some(split) = k.iter().position(|b| *b == 0) else { continue };
            let feed = String::from_utf8_lossy(&k[..split]).into_owned();
            let key = String::from_utf8_lossy(&k[split + 1..]).into_owned();
            emit(Record::Entry { feed, key, state: from_json("entry", &v)? })?;
        }
        for job in self.jobs()? {
            emit(Record::Job(job))?;
        }
        for event in self.events_after(0) {
            emit(Record::Event(event?))?;
        }
        Ok(n)
    }

    /// Loads an export into this store, which must be empty. Every line is checked before anything is written
    /// (a truncated or foreign file is refused whole, naming the line).
    pub fn import(&self, input: impl BufRead) -> Result<ImportStats> {
        if !self.articles().is_empty() || !self.events().is_empty() || !self.feeds().is_empty() {
            return Err(StoreError::Corrupt {
                what: "import".into(),
                detail: "the store is not empty: import into a new store path".into(),
            });
        }
        let mut records = Vec::new();
        for (i, line) in input.lines().enumerate() {
            let line = line.map_err(|e| StoreError::Corrupt { what: "import input".into(), detail: e.to_string() })?;
            if let Some(record) = Record::parse_line(&line, i + 1)? {
                records.push(record.take_page_body(i + 1)?);
            }
        }
        let mut stats = ImportStats::default();
        let (mut max_id, mut max_seq) = (0u64, 0u64);
        for (record, body) in records {
            match record {
                Record::Feed(state) => {
                    self.feeds().insert(state.name.as_bytes(), to_json(&state))?;
                    stats.feeds += 1;
                }
                Record::Article(a) => {
                    max_id = max_id.max(a.id);
                    for url in std::iter::once(&a.url).chain(&a.aliases) {
                        self.urls().insert(url.as_bytes(), &a.id.to_be_bytes())?;
                    }
                    if let Some(due) = a.next_recheck {
                        self.rechecks().insert(recheck_key(due, a.id), &[])?;
                    }
                    self.articles().insert(a.id.to_be_bytes(), to_json(&a))?;
                    stats.articles += 1;
                }
                Record::Version { id, version } => {
                    if self.hashes().get(version.content_hash.as_bytes())?.is_none() {
                        self.hashes().insert(version.content_hash.as_bytes(), &id.to_be_bytes())?;
                    }
                    self.versions_tree().insert(version_key(id, version.version), compress(&version))?;
                    stats.versions += 1;
                }
                Record::Page { id, version, url, content_type, .. } => {
                    let page = KeptPage { url, content_type, body: body.unwrap_or_default() };
                    self.pages().insert(version_key(id, version), encode_page(&page))?;
                    stats.pages += 1;
                }
                Record::Entry { feed, key, state } => {
                    self.entries().insert(entry_key(&feed, &key), to_json(&state))?;
                    stats.entries += 1;
                }
                Record::Job(job) => {
                    self.jobs_tree().insert(job.url.as_bytes(), to_json(&job))?;
                    stats.jobs += 1;
                }
                Record::Event(e) => {
                    max_seq = max_seq.max(e.seq);
                    self.events().insert(e.seq.to_be_bytes(), to_json(&e))?;
                    stats.events += 1;
                }
            }
        }
        // Imported events were logged by the store they come from: none is marked unlogged.
        self.meta().insert("article_id", &max_id.to_be_bytes())?;
        self.meta().insert("event_seq", &max_seq.to_be_bytes())?;
        self.flush()?;
        Ok(stats)
    }

    /// The size of the kept pages, for measurements (compressed, as stored).
    pub fn kept_pages_bytes(&self) -> Result<u64> {
        let mut n = 0;
        for v in self.pages().iter().values() {
            n += v?.len() as u64;
        }
        Ok(n)
    }
}
