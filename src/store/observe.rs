//! Applying one observation of an article page: the decision new / edited / duplicate / unchanged, made and
//! stored in one sled transaction together with the durable event.

use chrono::{DateTime, Utc};
use sled::transaction::{ConflictableTransactionError, TransactionError, TransactionalTree};
use sled::Transactional;

use super::{
    be_u64, compress, entry_key, recheck_key, to_json, version_key, ArticleRecord, EntryState, EventRecord, Store,
    StoreError, VersionRecord,
};
use crate::extract::Article;

/// One fetched and extracted page, with where it came from.
#[derive(Debug, Clone)]
pub struct Observation {
    /// The feeds that led to this fetch; the first is named in the event.
    pub feeds: Vec<String>,
    /// The canonical URL the page was fetched from (the item link, or the article's URL on a re-check).
    pub fetched_url: String,
    /// The feed entries this fetch was for (feed, entry key, fingerprint), marked as handled atomically.
    pub entries: Vec<(String, String, String)>,
    /// The article this fetch was for, when known (a re-check, or an entry that led to it before).
    pub known_id: Option<u64>,
    pub article: Article,
    pub fetched_at: DateTime<Utc>,
    /// Dates the feed gave, used when the page gives none.
    pub feed_published: Option<DateTime<Utc>>,
    pub feed_updated: Option<DateTime<Utc>>,
    /// Offsets from first sighting at which the article is re-fetched.
    pub recheck: Vec<std::time::Duration>,
    /// A return to one of the last N versions (before the current one) is not an edit: pages that flip
    /// between known states (A/B tests, two cached copies) stay quiet. 0 turns this off.
    pub flap_window: usize,
}

/// What an observation did to the store.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    New { id: u64, event: EventRecord },
    Edited { id: u64, event: EventRecord },
    Duplicate { id: u64, event: EventRecord },
    Unchanged { id: u64 },
}

impl Outcome {
    pub fn event(&self) -> Option<&EventRecord> {
        match self {
            Outcome::New { event, .. } | Outcome::Edited { event, .. } | Outcome::Duplicate { event, .. } => {
                Some(event)
            }
            Outcome::Unchanged { .. } => None,
        }
    }
}

/// The first offset of the schedule that is still in the future: missed offsets collapse into one fetch.
pub fn next_recheck(
    first_seen: DateTime<Utc>,
    now: DateTime<Utc>,
    schedule: &[std::time::Duration],
) -> Option<DateTime<Utc>> {
    schedule.iter().filter_map(|d| chrono::Duration::from_std(*d).ok()).map(|d| first_seen + d).find(|t| *t > now)
}

type Abort = ConflictableTransactionError<String>;

fn read_article(articles: &TransactionalTree, id: u64) -> Result<Option<ArticleRecord>, Abort> {
    match articles.get(id.to_be_bytes())? {
        Some(raw) => {
            serde_json::from_slice(&raw).map(Some).map_err(|e| Abort::Abort(format!("article {id} is unreadable: {e}")))
        }
        None => Ok(None),
    }
}

/// Takes the next value of a counter in the `meta` tree (1, 2, 3, ...).
fn next_counter(meta: &TransactionalTree, name: &str) -> Result<u64, Abort> {
    let next = meta.get(name.as_bytes())?.map(|v| be_u64(&v)).unwrap_or(0) + 1;
    meta.insert(name.as_bytes(), &next.to_be_bytes())?;
    Ok(next)
}

/// A URL is a plausible canonical URL for an article fetched from `fetched` unless it is a site's front page
/// (a common CMS bug sends every article's canonical to the home page, which would merge them all).
fn usable_canonical(canonical: &str, fetched: &str) -> bool {
    let Ok(c) = url::Url::parse(canonical) else { return false };
    let front = matches!(c.path(), "" | "/") && c.query().is_none();
    let fetched_front = url::Url::parse(fetched).map(|f| matches!(f.path(), "" | "/")).unwrap_or(false);
    !front || fetched_front
}

/// Whether `hash` is one of the `window` versions before `current`.
fn is_flap(versions: &TransactionalTree, id: u64, current: u32, window: usize, hash: &str) -> Result<bool, Abort> {
    let oldest = current.saturating_sub(window as u32).max(1);
    for n in (oldest..current).rev() {
        if let Some(raw) = versions.get(version_key(id, n))? {
            let v: VersionRecord = super::decompress("version", &raw).map_err(|e| Abort::Abort(e.to_string()))?;
            if v.content_hash == hash {
                return Ok(true);
            }
        }
    }
    Ok(false)
}

/// Records `url` as a syndicated copy when it is on another host than the article's own URLs: a new URL on
/// the same host is the publisher's own (a changed slug) and may carry later edits.
fn mark_copy(art: &mut ArticleRecord, url: &str) {
    let host = |u: &str| url::Url::parse(u).ok().and_then(|u| u.host_str().map(str::to_string));
    let own_hosts = [Some(art.url.as_str()), art.fetched_from.as_deref()].map(|u| u.and_then(host));
    let this = host(url);
    if this.is_some() && !own_hosts.contains(&this) && !art.copies.iter().any(|c| c == url) {
        art.copies.push(url.to_string());
    }
}

fn add_alias(art: &mut ArticleRecord, url: &str) -> bool {
    if art.url == url || art.aliases.iter().any(|a| a == url) {
        return false;
    }
    art.aliases.push(url.to_string());
    true
}

impl Store {
    /// Applies one observation atomically and makes it durable. The returned outcome carries the event to log;
    /// the caller logs it after this returns, so that what is logged is always already stored.
    pub fn observe(&self, obs: &Observation) -> super::Result<Outcome> {
        let a = &obs.article;
        let canonical = a
            .canonical_url
            .as_deref()
            .filter(|c| usable_canonical(c, &obs.fetched_url))
            .unwrap_or(&obs.fetched_url)
            .to_string();
        let now = obs.fetched_at;
        let published = a.published.clone().or_else(|| obs.feed_published.map(|d| d.to_rfc3339()));
        let modified = a.modified.clone().or_else(|| obs.feed_updated.map(|d| d.to_rfc3339()));

        let trees = (
            &self.articles,
            &self.versions,
            &self.urls,
            &self.hashes,
            &self.entries,
            &self.events,
            &self.rechecks,
            &self.meta,
        );
        let result = trees.transaction(|(articles, versions, urls, hashes, entries, events, rechecks, meta)| {
            let url_ids = [&canonical, &obs.fetched_url]
                .into_iter()
                .map(|u| urls.get(u.as_bytes()).map(|v| v.map(|v| be_u64(&v))))
                .collect::<Result<Vec<_>, _>>()?;
            // A fetched URL that no article had yet, which still leads to a known article (through its canonical
            // link or the feed entry), is a new alias of it: reported as a duplicate when the content is the same.
            let fetched_url_is_new = url_ids[1].is_none();
            let mut id = url_ids.into_iter().flatten().next();
            if id.is_none() {
                if let Some(k) = obs.known_id {
                    if articles.get(k.to_be_bytes())?.is_some() {
                        id = Some(k);
                    }
                }
            }

            let set_urls = |art: &mut ArticleRecord, id: u64| -> Result<(), Abort> {
                for u in [&canonical, &obs.fetched_url] {
                    add_alias(art, u);
                    urls.insert(u.as_bytes(), &id.to_be_bytes())?;
                }
                for feed in &obs.feeds {
                    if !art.feeds.iter().any(|f| f == feed) {
                        art.feeds.push(feed.clone());
                    }
                }
                Ok(())
            };
            let set_recheck = |art: &mut ArticleRecord| -> Result<(), Abort> {
                if let Some(old) = art.next_recheck {
                    rechecks.remove(&recheck_key(old, art.id))?;
                }
                art.next_recheck = next_recheck(art.first_seen, now, &obs.recheck);
                if let Some(n) = art.next_recheck {
                    rechecks.insert(&recheck_key(n, art.id), &[])?;
                }
                Ok(())
            };
            // Stores the article, the event and the feed entries: the end of every branch.
            let finish = |outcome: Outcome, art: ArticleRecord| -> Result<Outcome, Abort> {
                articles.insert(&art.id.to_be_bytes(), to_json(&art))?;
                if let Some(ev) = outcome.event() {
                    events.insert(&ev.seq.to_be_bytes(), to_json(ev))?;
                }
                for (feed, key, fingerprint) in &obs.entries {
                    let state = EntryState { article_id: art.id, fingerprint: fingerprint.clone() };
                    entries.insert(entry_key(feed, key), to_json(&state))?;
                }
                Ok(outcome)
            };
            let new_event = |event: &str, id: u64, url: &str| -> Result<EventRecord, Abort> {
                Ok(EventRecord {
                    seq: next_counter(meta, "event_seq")?,
                    time: now,
                    event: event.to_string(),
                    id,
                    url: url.to_string(),
                    feed: None,
                    title: None,
                    content_hash: None,
                    previous_hash: None,
                    version: None,
                    alias_of: None,
                })
            };
            let store_version = |id: u64, version: u32| -> Result<(), Abort> {
                let v = VersionRecord {
                    version,
                    content_hash: a.content_hash.clone(),
                    fetched_at: now,
                    title: a.title.clone(),
                    text: a.text.clone(),
                };
                versions.insert(&version_key(id, version), compress(&v))?;
                if hashes.get(a.content_hash.as_bytes())?.is_none() {
                    hashes.insert(a.content_hash.as_bytes(), &id.to_be_bytes())?;
                }
                Ok(())
            };

            let (outcome, art) = match id {
                Some(id) => {
                    let mut art = read_article(articles, id)?
                        .ok_or_else(|| Abort::Abort(format!("the URL index points to missing article {id}")))?;
                    if art.copies.contains(&obs.fetched_url) {
                        // A syndicated copy, fetched again: it tells nothing about the original's text.
                        set_urls(&mut art, id)?;
                        return finish(Outcome::Unchanged { id }, art);
                    }
                    set_urls(&mut art, id)?;
                    art.last_checked = now;
                    art.fetched_from = Some(obs.fetched_url.clone());
                    if a.published.is_some() || art.published.is_none() {
                        art.published = published.clone().or(art.published.take());
                    }
                    art.modified = modified.clone().or(art.modified.take());
                    art.lang = a.lang.clone().or(art.lang.take());
                    set_recheck(&mut art)?;
                    if art.content_hash == a.content_hash && fetched_url_is_new {
                        mark_copy(&mut art, &obs.fetched_url);
                        let mut ev = new_event("article.duplicate", id, &obs.fetched_url)?;
                        ev.alias_of = Some(art.url.clone());
                        ev.feed = obs.feeds.first().cloned();
                        (Outcome::Duplicate { id, event: ev }, art)
                    } else if art.content_hash == a.content_hash
                        || is_flap(versions, id, art.versions, obs.flap_window, &a.content_hash)?
                    {
                        (Outcome::Unchanged { id }, art)
                    } else {
                        let previous_hash = std::mem::replace(&mut art.content_hash, a.content_hash.clone());
                        art.versions += 1;
                        art.title = a.title.clone();
                        art.last_changed = now;
                        store_version(id, art.versions)?;
                        let mut ev = new_event("article.edited", id, &art.url)?;
                        ev.feed = obs.feeds.first().cloned();
                        ev.title = Some(a.title.clone());
                        ev.content_hash = Some(a.content_hash.clone());
                        ev.previous_hash = Some(previous_hash);
                        ev.version = Some(art.versions);
                        (Outcome::Edited { id, event: ev }, art)
                    }
                }
                None => match hashes.get(a.content_hash.as_bytes())?.map(|v| be_u64(&v)) {
                    Some(existing) => {
                        let mut art = read_article(articles, existing)?.ok_or_else(|| {
                            Abort::Abort(format!("the hash index points to missing article {existing}"))
                        })?;
                        set_urls(&mut art, existing)?;
                        art.last_checked = now;
                        mark_copy(&mut art, &obs.fetched_url);
                        let new_url = if canonical != art.url { &canonical } else { &obs.fetched_url };
                        let mut ev = new_event("article.duplicate", existing, new_url)?;
                        ev.alias_of = Some(art.url.clone());
                        ev.feed = obs.feeds.first().cloned();
                        (Outcome::Duplicate { id: existing, event: ev }, art)
                    }
                    None => {
                        let id = next_counter(meta, "article_id")?;
                        let mut art = ArticleRecord {
                            id,
                            url: canonical.clone(),
                            aliases: Vec::new(),
                            feeds: Vec::new(),
                            title: a.title.clone(),
                            first_seen: now,
                            last_checked: now,
                            last_changed: now,
                            versions: 1,
                            content_hash: a.content_hash.clone(),
                            published: published.clone(),
                            modified: modified.clone(),
                            lang: a.lang.clone(),
                            copies: Vec::new(),
                            fetched_from: Some(obs.fetched_url.clone()),
                            next_recheck: None,
                        };
                        set_urls(&mut art, id)?;
                        set_recheck(&mut art)?;
                        store_version(id, 1)?;
                        let mut ev = new_event("article.new", id, &canonical)?;
                        ev.feed = obs.feeds.first().cloned();
                        ev.title = Some(a.title.clone());
                        ev.content_hash = Some(a.content_hash.clone());
                        (Outcome::New { id, event: ev }, art)
                    }
                },
            };
            finish(outcome, art)
        });
        let outcome = result.map_err(|e| match e {
            TransactionError::Storage(s) => StoreError::Sled(s),
            TransactionError::Abort(msg) => StoreError::Corrupt { what: obs.fetched_url.clone(), detail: msg },
        })?;
        self.flush()?;
        Ok(outcome)
    }
}
