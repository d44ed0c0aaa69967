//! Applying an observation: read the records it bears on, ask `decide.rs` what they mean, write the answer —
//! all in one transaction, flushed before the call returns, so that what is logged afterwards is stored.

use chrono::{DateTime, Utc};

use super::codec::{be_u64, compress, decompress, encode_page, entry_key, to_json, version_key};
use super::decide::{self, Candidates, Decision, History, Identity, Kind, Miss, Observation, Schedule};
use super::{Abort, ArticleRecord, EntryState, EventRecord, KeptPage, Result, Store, StoreError, Tx, VersionRecord};
use crate::extract::Article;

/// What an observation did to the store: its kind, the article, and the events to log (already numbered).
#[derive(Debug, Clone, PartialEq)]
pub struct Outcome {
    pub kind: Kind,
    pub id: u64,
    pub events: Vec<EventRecord>,
}

/// The stored side of a comparison with a page's new text (see [`Store::compared_with`]).
#[derive(Debug, Clone, PartialEq)]
pub enum Stored {
    /// No stored article, or its hash is the new one: nothing to compare.
    Nothing,
    /// Extracted under another stamp: the kept page of its latest version, to extract again before comparing,
    /// so that only a change of the page is an edit.
    KeptPage { id: u64, version: u32, page: KeptPage },
    /// Extracted under the same stamp with another hash: the latest version, a change worth confirming with a
    /// second fetch (see `churn`).
    Version(VersionRecord),
}

/// An observation with its page already compressed ([`Store::prepare`]): the compression (a tenth of a
/// millisecond to a millisecond a page) runs before the caller's turn to write, not while others wait.
pub struct Prepared {
    obs: Observation,
    pub(in crate::store) encoded_page: Option<Vec<u8>>,
}

/// The versions of one article extracted again from their kept pages (`presswatch reextract`).
#[derive(Debug, Clone)]
pub struct Rebaseline {
    pub id: u64,
    /// The article's version count when its pages were read: a version stored since then cancels the rewrite.
    pub versions: u32,
    pub stamp: String,
    pub rewritten: Vec<(u32, Article)>,
    pub at: DateTime<Utc>,
}

fn version_at(tx: &Tx, id: u64, n: u32) -> std::result::Result<Option<VersionRecord>, Abort> {
    match tx.versions().get(version_key(id, n))? {
        Some(raw) => decompress("version", &raw).map(Some).map_err(Abort::Abort),
        None => Ok(None),
    }
}

fn candidates(tx: &Tx, obs: &Observation) -> std::result::Result<Candidates, Abort> {
    let by_hash = match tx.hashes().get(obs.article.content_hash.as_bytes())? {
        Some(id) => tx.article(be_u64(&id))?,
        None => None,
    };
    Ok(Candidates {
        by_fetched: tx.article_for_url(&obs.fetched_url)?,
        by_served: obs.served_url.as_deref().map(|u| tx.article_for_url(u)).transpose()?.flatten(),
        by_canonical: obs.canonical().map(|u| tx.article_for_url(u)).transpose()?.flatten(),
        by_hash,
        rechecked: obs.recheck_of.map(|id| tx.article(id)).transpose()?.flatten(),
    })
}

fn history(tx: &Tx, identity: &Identity, window: usize) -> std::result::Result<History, Abort> {
    let Identity::Same(art) = identity else { return Ok(History::default()) };
    let latest = version_at(tx, art.id, art.versions)?;
    let latest_has_page = tx.pages().get(version_key(art.id, art.versions))?.is_some();
    let mut previous_hashes = Vec::new();
    let oldest = art.versions.saturating_sub(window as u32).max(1);
    for n in (oldest..art.versions).rev() {
        if let Some(v) = version_at(tx, art.id, n)? {
            previous_hashes.push(v.content_hash);
        }
    }
    Ok(History { latest, latest_has_page, previous_hashes })
}

fn put_version(tx: &Tx, id: u64, v: &VersionRecord) -> std::result::Result<(), Abort> {
    tx.versions().insert(&version_key(id, v.version), compress(v))?;
    Ok(())
}

/// Writes a decision: gives a new article its id and each event its number. `encoded_page` is the
/// observation's page, compressed, when the decision keeps it.
fn apply(tx: &Tx, d: Decision, obs: &Observation, encoded_page: Option<&[u8]>) -> std::result::Result<Outcome, Abort> {
    if let Some(job) = &obs.job {
        tx.jobs().remove(job.as_bytes())?;
    }
    let Some(mut art) = d.article else {
        return Ok(Outcome { kind: d.kind, id: obs.recheck_of.unwrap_or(0), events: Vec::new() });
    };
    let old_due = if art.id == 0 {
        art.id = tx.next_counter("article_id")?;
        None
    } else {
        tx.article(art.id)?.and_then(|a| a.next_recheck)
    };
    let id = art.id;
    for url in &d.urls {
        // An index entry of another article is never taken over: the decision named this page's article.
        if tx.urls().get(url.as_bytes())?.is_none_or(|owner| be_u64(&owner) == id) {
            tx.urls().insert(url.as_bytes(), &id.to_be_bytes())?;
        }
    }
    for hash in &d.hashes {
        if tx.hashes().get(hash.as_bytes())?.is_none() {
            tx.hashes().insert(hash.as_bytes(), &id.to_be_bytes())?;
        }
    }
    if let Some(v) = &d.rewritten {
        put_version(tx, id, v)?;
    }
    if let Some(v) = &d.version {
        put_version(tx, id, v)?;
    }
    if let (Some(version), Some(page)) = (d.keep_page_as, encoded_page) {
        tx.pages().insert(&version_key(id, version), page)?;
    }
    tx.put_article(&art, old_due)?;
    let mut events = Vec::new();
    for mut ev in d.events {
        if ev.id == 0 {
            ev.id = id;
        }
        events.push(tx.append_event(ev)?);
    }
    for e in &obs.entries {
        let state = EntryState { article_id: id, fingerprint: e.fingerprint.clone(), link: Some(e.link.clone()) };
        tx.entries().insert(entry_key(&e.feed, &e.key), to_json(&state))?;
    }
    Ok(Outcome { kind: d.kind, id, events })
}

impl Store {
    /// Applies one observation atomically and makes it durable. The outcome carries the events to log; the
    /// caller logs them after this returns, so that what is logged is always already stored.
    pub fn observe(&self, obs: &Observation) -> Result<Outcome> {
        self.observe_encoded(obs, None)
    }

    /// Compresses the observation's page now, outside any transaction, unless the store already keeps it: a
    /// re-check whose text has the latest version's hash, with that version's page kept (the daemon's
    /// commonest observation), keeps no page. This is a guess made before the transaction; there the
    /// decision is made again, and a page needed after all is compressed then.
    pub fn prepare(&self, obs: Observation) -> Prepared {
        let kept_already = obs.page.is_some() && self.keeps_page_for(&obs).unwrap_or(false);
        let encoded_page = if kept_already { None } else { obs.page.as_ref().map(encode_page) };
        Prepared { obs, encoded_page }
    }

    /// As [`Store::observe`], with the page compressed beforehand ([`Store::prepare`]).
    pub fn observe_prepared(&self, prepared: &Prepared) -> Result<Outcome> {
        self.observe_encoded(&prepared.obs, prepared.encoded_page.as_deref())
    }

    /// Whether the article this observation is of has its text already, with its page kept.
    fn keeps_page_for(&self, obs: &Observation) -> Result<bool> {
        let Some(art) = self.article_of(obs.recheck_of, &[obs.fetched_url.as_str()])? else { return Ok(false) };
        Ok(art.content_hash == obs.article.content_hash
            && self.pages().contains_key(version_key(art.id, art.versions))?)
    }

    /// `encoded_page`: the observation's page compressed before the transaction, if it was; else it is
    /// compressed inside, when the decision keeps it (once, whatever sled's retries).
    fn observe_encoded(&self, obs: &Observation, encoded_page: Option<&[u8]>) -> Result<Outcome> {
        let late = std::cell::OnceCell::new();
        self.transact(|tx| {
            let c = candidates(tx, obs)?;
            let identity = decide::identify(&c, obs);
            let history = history(tx, &identity, obs.flap_window)?;
            let decision = decide::decide(identity, &history, obs);
            let page = match (decision.keep_page_as, encoded_page, &obs.page) {
                (None, ..) => None,
                (Some(_), Some(encoded), _) => Some(encoded),
                (Some(_), None, page) => page.as_ref().map(|p| late.get_or_init(|| encode_page(p)).as_slice()),
            };
            apply(tx, decision, obs, page)
        })
    }

    /// Records a re-check that brought no article to compare (see [`decide::decide_miss`]).
    pub fn recheck_missed(
        &self,
        id: u64,
        miss: &Miss,
        now: DateTime<Utc>,
        schedule: &Schedule,
        not_before: Option<DateTime<Utc>>,
    ) -> Result<Outcome> {
        self.transact(|tx| {
            let Some(art) = tx.article(id)? else { return Ok(Outcome { kind: Kind::Vanished, id, events: vec![] }) };
            let target = match miss {
                Miss::RedirectedTo { to_id, .. } => tx.article(*to_id)?,
                _ => None,
            };
            let (new, kind, events) = decide::decide_miss(&art, miss, target.as_ref(), now, schedule, not_before);
            tx.put_article(&new, art.next_recheck)?;
            let events = events.into_iter().map(|ev| tx.append_event(ev)).collect::<std::result::Result<_, _>>()?;
            Ok(Outcome { kind, id, events })
        })
    }

    /// What a page of an article is compared with, read once. `urls` are the page's URLs (fetched, served,
    /// canonical), looked up in order when `id` is not given; `stamp` and `new_hash` are the new extraction's.
    pub fn compared_with(&self, id: Option<u64>, urls: &[&str], stamp: &str, new_hash: &str) -> Result<Stored> {
        let Some(art) = self.article_of(id, urls)? else { return Ok(Stored::Nothing) };
        if art.content_hash == new_hash {
            return Ok(Stored::Nothing);
        }
        if art.stamp.as_deref() == Some(stamp) {
            return Ok(self.version(art.id, art.versions)?.map_or(Stored::Nothing, Stored::Version));
        }
        Ok(match self.kept_page(art.id, art.versions)? {
            Some(page) => Stored::KeptPage { id: art.id, version: art.versions, page },
            None => Stored::Nothing,
        })
    }

    /// The article `id`, or else the first of `urls` that names one.
    fn article_of(&self, id: Option<u64>, urls: &[&str]) -> Result<Option<ArticleRecord>> {
        let id = match id {
            Some(id) => Some(id),
            None => urls.iter().find_map(|u| self.article_id_for_url(u).transpose()).transpose()?,
        };
        Ok(id.map(|id| self.article(id)).transpose()?.flatten())
    }

    /// Rewrites versions extracted again from their kept pages; no event. Returns false (and writes nothing)
    /// when the article got a new version meanwhile.
    pub fn rebaseline(&self, r: &Rebaseline) -> Result<bool> {
        self.transact(|tx| {
            let Some(mut art) = tx.article(r.id)? else { return Ok(false) };
            if art.versions != r.versions {
                return Ok(false);
            }
            for (n, a) in &r.rewritten {
                let Some(mut v) = version_at(tx, r.id, *n)? else { continue };
                v.title = a.title.clone();
                v.text = a.text.clone();
                v.content_hash = a.content_hash.clone();
                v.stamp = Some(r.stamp.clone());
                v.reextracted_at = Some(r.at);
                put_version(tx, r.id, &v)?;
                if tx.hashes().get(a.content_hash.as_bytes())?.is_none() {
                    tx.hashes().insert(a.content_hash.as_bytes(), &r.id.to_be_bytes())?;
                }
                if *n == art.versions {
                    art.title = v.title.clone();
                    art.content_hash = v.content_hash.clone();
                    art.stamp = Some(r.stamp.clone());
                }
            }
            tx.put_article(&art, art.next_recheck)?;
            Ok(true)
        })
    }
}

impl From<StoreError> for Abort {
    fn from(e: StoreError) -> Abort {
        Abort::Abort(e)
    }
}
