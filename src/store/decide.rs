//! What an observation means, decided from the records it reads, with no I/O: `observe.rs` reads the records
//! inside a transaction, asks these functions, and writes what they return. Kept apart so that every rule of
//! identity and change can be read (and tested) in one place:
//!
//! - [`identify`]: which stored article a fetched page is (the same one, a copy of one, another one that a
//!   re-checked URL now leads to, a duplicate by content, or a new one);
//! - [`decide`]: what changed (new, edited, duplicate, copy, redirected, restored, unchanged) and what to write;
//! - [`decide_miss`]: what a re-check that found no article means (removed after two misses in a row, or a
//!   redirect to the front page; a transient failure only moves the schedule on).

use chrono::{DateTime, Utc};

use super::records::{ArticleRecord, ArticleState, EntryRef, EventRecord, KeptPage, VersionRecord};
use crate::extract::Article;

mod schedule;
pub use schedule::Schedule;

/// Articles with less text than this (beyond the title, in characters: Thai has no spaces) are never merged
/// with another URL by their content hash alone: a soft 404, "đang cập nhật" or a paywall teaser hashes alike
/// on every page of a site.
pub const SUBSTANTIAL_CHARS: usize = 300;

/// The stamp of an article taken from a feed item's own content, not extracted from a page: no extractor or
/// noise-rule change makes it stale, so a changed text is always compared as it is (also against a version
/// stored before stamps existed).
pub const FEED_TEXT_STAMP: &str = "feed";

/// A page re-extracted from the kept page of an article's latest version under the current extractor stamp,
/// so that an extractor or noise-rule change is not taken for an edit.
#[derive(Debug, Clone)]
pub struct Baseline {
    pub id: u64,
    pub version: u32,
    pub article: Article,
}

/// One fetched and extracted page, with where it came from.
#[derive(Debug, Clone)]
pub struct Observation {
    /// The feeds that led to this fetch; the first is named in the event.
    pub feeds: Vec<String>,
    /// The URL fetched (the item link, or the article's fetch URL on a re-check), canonicalised.
    pub fetched_url: String,
    /// Where the page was served from after redirects, canonicalised, when that is another URL.
    pub served_url: Option<String>,
    /// The feed entries this fetch was for, marked as handled in the same transaction.
    pub entries: Vec<EntryRef>,
    /// The article this fetch re-checks.
    pub recheck_of: Option<u64>,
    /// The queued page job this observation completes; it leaves the queue in the same transaction.
    pub job: Option<String>,
    pub article: Article,
    /// The extractor stamp `article` was extracted under.
    pub stamp: String,
    /// The fetched bytes, kept with a new version (`keep_html`).
    pub page: Option<KeptPage>,
    pub baseline: Option<Baseline>,
    pub fetched_at: DateTime<Utc>,
    /// Dates the feed gave, used when the page gives none.
    pub feed_published: Option<DateTime<Utc>>,
    pub feed_updated: Option<DateTime<Utc>>,
    pub schedule: Schedule,
    /// A return to one of the last N versions (before the current one) is not an edit: pages that flip
    /// between known states (A/B tests, two cached copies) stay quiet. 0 turns this off.
    pub flap_window: usize,
}

impl Observation {
    /// The URL the page came from.
    pub fn served(&self) -> &str {
        self.served_url.as_deref().unwrap_or(&self.fetched_url)
    }

    /// The page's canonical URL when it can be trusted as an identity (see [`usable_canonical`]).
    pub fn canonical(&self) -> Option<&str> {
        self.article.canonical_url.as_deref().filter(|c| usable_canonical(c, self.served()))
    }
}

/// A canonical URL names the article unless it is a site's front page or a section front above the page (a
/// common CMS bug sends every article's canonical there, which would merge them all).
pub fn usable_canonical(canonical: &str, fetched: &str) -> bool {
    let (Ok(c), Ok(f)) = (url::Url::parse(canonical), url::Url::parse(fetched)) else { return false };
    if crate::canon::is_front_page(&c) {
        return crate::canon::is_front_page(&f) && c.host_str() == f.host_str();
    }
    !crate::canon::is_section_above(&c, &f)
}

/// The stored articles an observation's URLs and hash lead to.
#[derive(Debug, Clone, Default)]
pub struct Candidates {
    pub by_fetched: Option<ArticleRecord>,
    pub by_served: Option<ArticleRecord>,
    pub by_canonical: Option<ArticleRecord>,
    pub by_hash: Option<ArticleRecord>,
    /// The article being re-checked, when it still exists.
    pub rechecked: Option<ArticleRecord>,
}

/// Which stored article a page is.
#[derive(Debug, Clone, PartialEq)]
pub enum Identity {
    /// This article's own page: compare the content.
    Same(ArticleRecord),
    /// A copy of this article (another host claims to be it, or a URL known as a copy): never its content.
    Copy { of: ArticleRecord, new_url: bool },
    /// A new URL whose substantial text is this article's.
    Duplicate(ArticleRecord),
    /// The re-checked article's URL now leads to another stored article.
    Redirected { from: ArticleRecord, to: Box<ArticleRecord> },
    /// A new article, stored under `url`; `index_canonical` is false when the canonical URL is another article's.
    New { url: String, index_canonical: bool },
    /// The re-checked article is no longer in the store.
    Vanished,
}

fn host(u: &str) -> Option<String> {
    url::Url::parse(u).ok().and_then(|u| u.host_str().map(str::to_string))
}

/// The hosts an article is published on: its canonical URL's and the one it is fetched from.
fn own_host(art: &ArticleRecord, url: &str) -> bool {
    let this = host(url);
    this.is_some() && [Some(art.url.as_str()), art.fetched_from.as_deref()].iter().any(|u| u.and_then(host) == this)
}

/// Text enough to make two URLs one article by content.
pub fn substantial(article: &Article) -> bool {
    article.text.chars().filter(|c| !c.is_whitespace()).count() >= SUBSTANTIAL_CHARS
}

pub fn identify(c: &Candidates, obs: &Observation) -> Identity {
    let a = &obs.article;
    if obs.recheck_of.is_some() {
        let Some(art) = &c.rechecked else { return Identity::Vanished };
        // The page now says it is another stored article (served from its URL, or naming it canonical).
        let others = [obs.served_url.as_ref().and(c.by_served.as_ref()), c.by_canonical.as_ref()];
        if let Some(other) = others.into_iter().flatten().find(|o| o.id != art.id) {
            return Identity::Redirected { from: art.clone(), to: Box::new(other.clone()) };
        }
        return Identity::Same(art.clone());
    }
    let is_copy_url = |art: &ArticleRecord| art.copies.iter().any(|u| u == &obs.fetched_url || u == obs.served());
    if let Some(art) = c.by_fetched.as_ref().or(c.by_served.as_ref()) {
        if is_copy_url(art) {
            return Identity::Copy { of: art.clone(), new_url: false };
        }
        return Identity::Same(art.clone());
    }
    let mut index_canonical = true;
    if let Some(art) = &c.by_canonical {
        if !own_host(art, obs.served()) {
            // Another host's page naming a stored article as its canonical: a copy, never the article itself.
            return Identity::Copy { of: art.clone(), new_url: true };
        }
        if art.title == a.title || art.content_hash == a.content_hash {
            return Identity::Same(art.clone());
        }
        // The same canonical on a page with another headline and text: a shared, meaningless canonical.
        index_canonical = false;
    }
    if let Some(art) = &c.by_hash {
        if substantial(a) {
            return Identity::Duplicate(art.clone());
        }
    }
    let url = match obs.canonical() {
        Some(canonical) if index_canonical => canonical.to_string(),
        _ => obs.fetched_url.clone(),
    };
    Identity::New { url, index_canonical }
}

/// The article's versions that bear on a decision.
#[derive(Debug, Clone, Default)]
pub struct History {
    /// The latest version, for a re-extraction in place.
    pub latest: Option<VersionRecord>,
    /// Whether the latest version's page is kept.
    pub latest_has_page: bool,
    /// Hashes of the `flap_window` versions before the latest, newest first.
    pub previous_hashes: Vec<String>,
}

/// What an observation did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    New,
    Edited,
    Duplicate,
    Unchanged,
    /// The text changed under a new extractor stamp and no page was kept to compare like with like: a new
    /// baseline version, without an event.
    Rebaselined,
    Redirected,
    Removed,
    /// A re-check found nothing to compare (an error, or a first miss).
    Missed,
    /// The re-checked article is gone from the store.
    Vanished,
}

/// What to write for an observation; `observe.rs` gives a new article its id and each event its number.
#[derive(Debug, Clone)]
pub struct Decision {
    pub kind: Kind,
    /// The article to store (id 0 for a new one).
    pub article: Option<ArticleRecord>,
    /// A new version.
    pub version: Option<VersionRecord>,
    /// The version number under which the observation's page is kept: a new version's, or the latest one's
    /// when its page was not kept yet.
    pub keep_page_as: Option<u32>,
    /// The latest version, extracted again from its kept page under the current stamp.
    pub rewritten: Option<VersionRecord>,
    /// URLs to index to the article.
    pub urls: Vec<String>,
    /// Content hashes to index to the article (where no article holds them yet).
    pub hashes: Vec<String>,
    /// Events in the order they happened (id 0 stands for the new article's id).
    pub events: Vec<EventRecord>,
}

fn add_alias(art: &mut ArticleRecord, url: &str) {
    if art.url != url && !art.aliases.iter().any(|a| a == url) {
        art.aliases.push(url.to_string());
    }
}

/// Records `url` as a syndicated copy when it is on another host than the article's own URLs: a new URL on
/// the same host is the publisher's own (a changed slug) and may carry later edits.
fn mark_copy(art: &mut ArticleRecord, url: &str) {
    if host(url).is_some() && !own_host(art, url) && !art.copies.iter().any(|c| c == url) {
        art.copies.push(url.to_string());
    }
}

fn merge_feeds(art: &mut ArticleRecord, feeds: &[String]) {
    for feed in feeds {
        if !art.feeds.iter().any(|f| f == feed) {
            art.feeds.push(feed.clone());
        }
    }
}

/// The URLs a page was reached under: the fetched one, where it was served from, its trusted canonical.
fn page_urls(obs: &Observation, index_canonical: bool) -> Vec<String> {
    let mut urls = vec![obs.fetched_url.clone()];
    urls.extend(obs.served_url.clone());
    if index_canonical {
        urls.extend(obs.canonical().map(str::to_string));
    }
    urls.dedup();
    urls
}

fn version_of(a: &Article, number: u32, obs: &Observation) -> VersionRecord {
    VersionRecord {
        version: number,
        content_hash: a.content_hash.clone(),
        fetched_at: obs.fetched_at,
        title: a.title.clone(),
        text: a.text.clone(),
        stamp: Some(obs.stamp.clone()),
        reextracted_at: None,
        baseline: false,
    }
}

fn event(kind: &str, art: &ArticleRecord, url: &str, obs: &Observation) -> EventRecord {
    let mut ev = EventRecord::draft(kind, art.id, url, obs.fetched_at);
    ev.feed = obs.feeds.first().cloned().or_else(|| art.feeds.first().cloned());
    ev
}

pub fn decide(identity: Identity, history: &History, obs: &Observation) -> Decision {
    let a = &obs.article;
    let now = obs.fetched_at;
    let mut d = Decision {
        kind: Kind::Unchanged,
        article: None,
        version: None,
        keep_page_as: None,
        rewritten: None,
        urls: Vec::new(),
        hashes: Vec::new(),
        events: Vec::new(),
    };
    let published = a.published.clone().or_else(|| obs.feed_published.map(|t| t.to_rfc3339()));
    let modified = a.modified.clone().or_else(|| obs.feed_updated.map(|t| t.to_rfc3339()));
    match identity {
        Identity::Vanished => d.kind = Kind::Vanished,
        Identity::New { url, index_canonical } => {
            let mut art = ArticleRecord {
                id: 0,
                url: url.clone(),
                aliases: Vec::new(),
                feeds: Vec::new(),
                title: a.title.clone(),
                first_seen: now,
                last_checked: now,
                last_changed: now,
                versions: 1,
                content_hash: a.content_hash.clone(),
                published,
                modified,
                lang: a.lang.clone(),
                copies: Vec::new(),
                fetched_from: Some(obs.served().to_string()),
                next_recheck: None,
                plan: None,
                stamp: Some(obs.stamp.clone()),
                state: ArticleState::Live,
                misses: 0,
            };
            merge_feeds(&mut art, &obs.feeds);
            d.urls = page_urls(obs, index_canonical);
            for u in &d.urls {
                add_alias(&mut art, u);
            }
            obs.schedule.plan(&mut art, now);
            let mut ev = event("article.new", &art, &url, obs);
            ev.title = Some(a.title.clone());
            ev.content_hash = Some(a.content_hash.clone());
            d.events.push(ev);
            d.version = Some(version_of(a, 1, obs));
            d.keep_page_as = obs.page.as_ref().map(|_| 1);
            d.hashes.push(a.content_hash.clone());
            d.kind = Kind::New;
            d.article = Some(art);
        }
        Identity::Copy { of: mut art, new_url } => {
            d.urls = page_urls(obs, false);
            for u in &d.urls {
                add_alias(&mut art, u);
                mark_copy(&mut art, u);
            }
            merge_feeds(&mut art, &obs.feeds);
            if new_url {
                art.last_checked = now;
                let mut ev = event("article.duplicate", &art, obs.served(), obs);
                ev.alias_of = Some(art.url.clone());
                d.events.push(ev);
                d.kind = Kind::Duplicate;
            }
            d.article = Some(art);
        }
        Identity::Duplicate(mut art) => {
            d.urls = page_urls(obs, true);
            for u in &d.urls {
                add_alias(&mut art, u);
                mark_copy(&mut art, u);
            }
            merge_feeds(&mut art, &obs.feeds);
            art.last_checked = now;
            let new_url = obs.canonical().filter(|c| *c != art.url).unwrap_or(obs.served()).to_string();
            let mut ev = event("article.duplicate", &art, &new_url, obs);
            ev.alias_of = Some(art.url.clone());
            d.events.push(ev);
            d.kind = Kind::Duplicate;
            d.article = Some(art);
        }
        Identity::Redirected { from: mut art, to } => {
            let target = obs.served_url.clone().unwrap_or_else(|| to.url.clone());
            redirect(&mut art, &to, &target, now, &mut d.events);
            merge_feeds(&mut art, &obs.feeds);
            obs.schedule.plan(&mut art, now);
            d.kind = Kind::Redirected;
            d.article = Some(art);
        }
        Identity::Same(mut art) => {
            let fetched_url_is_new = !art.aliases.iter().chain([&art.url]).any(|u| u == &obs.fetched_url);
            d.urls = page_urls(obs, true);
            for u in &d.urls {
                add_alias(&mut art, u);
            }
            merge_feeds(&mut art, &obs.feeds);
            art.last_checked = now;
            if own_host(&art, obs.served()) {
                art.fetched_from = Some(obs.served().to_string());
            }
            if a.published.is_some() || art.published.is_none() {
                art.published = published.or(art.published.take());
            }
            art.modified = modified.or(art.modified.take());
            art.lang = a.lang.clone().or(art.lang.take());
            art.misses = 0;
            if !art.state.is_live() {
                art.state = ArticleState::Live;
                d.events.push(event("article.restored", &art, &art.url, obs));
            }
            d.kind = compare(&mut art, history, obs, fetched_url_is_new, &mut d);
            if d.version.is_none() && !history.latest_has_page {
                d.keep_page_as = obs.page.as_ref().map(|_| art.versions);
            }
            art.stamp = Some(obs.stamp.clone());
            obs.schedule.plan(&mut art, now);
            d.article = Some(art);
        }
    }
    d
}

/// Compares a page of an article with its stored text, re-extracting the stored page first when it was
/// extracted under another stamp; fills in the version, the rewritten version and the event.
fn compare(
    art: &mut ArticleRecord,
    history: &History,
    obs: &Observation,
    fetched_url_is_new: bool,
    d: &mut Decision,
) -> Kind {
    let a = &obs.article;
    let now = obs.fetched_at;
    let stale = obs.stamp != FEED_TEXT_STAMP && art.stamp.as_deref() != Some(obs.stamp.as_str());
    let mut unbaselined = false;
    if stale && art.content_hash != a.content_hash {
        let baseline = obs.baseline.as_ref().filter(|b| b.id == art.id && b.version == art.versions);
        match (baseline, &history.latest) {
            (Some(b), Some(latest)) => {
                let mut v = latest.clone();
                v.title = b.article.title.clone();
                v.text = b.article.text.clone();
                v.content_hash = b.article.content_hash.clone();
                v.stamp = Some(obs.stamp.clone());
                v.reextracted_at = Some(now);
                art.title = v.title.clone();
                art.content_hash = v.content_hash.clone();
                d.hashes.push(v.content_hash.clone());
                d.rewritten = Some(v);
            }
            _ => unbaselined = true,
        }
    }
    if art.content_hash == a.content_hash {
        return if fetched_url_is_new && d.events.is_empty() {
            mark_copy(art, obs.served());
            let mut ev = event("article.duplicate", art, &obs.fetched_url, obs);
            ev.alias_of = Some(art.url.clone());
            d.events.push(ev);
            Kind::Duplicate
        } else {
            Kind::Unchanged
        };
    }
    if !unbaselined && history.previous_hashes.iter().any(|h| h == &a.content_hash) {
        return Kind::Unchanged;
    }
    let previous_hash = std::mem::replace(&mut art.content_hash, a.content_hash.clone());
    art.versions += 1;
    art.title = a.title.clone();
    let mut version = version_of(a, art.versions, obs);
    d.hashes.push(a.content_hash.clone());
    if unbaselined {
        // The page of the stored version was not kept: the new text is a new baseline, not an edit.
        version.baseline = true;
        d.version = Some(version);
        d.keep_page_as = obs.page.as_ref().map(|_| art.versions);
        return Kind::Rebaselined;
    }
    art.last_changed = now;
    d.version = Some(version);
    d.keep_page_as = obs.page.as_ref().map(|_| art.versions);
    let mut ev = event("article.edited", art, &art.url, obs);
    ev.title = Some(a.title.clone());
    ev.content_hash = Some(a.content_hash.clone());
    ev.previous_hash = Some(previous_hash);
    ev.version = Some(art.versions);
    d.events.push(ev);
    Kind::Edited
}

fn redirect(
    art: &mut ArticleRecord,
    to: &ArticleRecord,
    target: &str,
    now: DateTime<Utc>,
    events: &mut Vec<EventRecord>,
) {
    art.last_checked = now;
    art.misses = 0;
    let already = matches!(&art.state, ArticleState::Redirected { to_id, .. } if *to_id == to.id);
    if !already {
        art.state = ArticleState::Redirected { to: target.to_string(), to_id: to.id, since: now };
        let mut ev = EventRecord::draft("article.redirected", art.id, &art.url, now);
        ev.feed = art.feeds.first().cloned();
        ev.to = Some(target.to_string());
        ev.to_id = Some(to.id);
        events.push(ev);
    }
}

/// A re-check that brought no article to compare.
#[derive(Debug, Clone, PartialEq)]
pub enum Miss {
    /// 404 or 410.
    Missing { status: u16 },
    /// A page that holds no article any more (a removal stub, an error page served with 200).
    Stub { rule: String },
    /// A redirect to the site's front page.
    FrontPage { status: u16 },
    /// The URL now leads to another stored article (found by the URL alone, without extracting the page).
    RedirectedTo { to: String, to_id: u64 },
    /// Anything else (a timeout, a 5xx, robots.txt): says nothing about the article.
    Failed,
}

/// What a re-check without an article means for the article; returns the kind and its events. The article
/// stays on its schedule (`not_before`, the server's Retry-After, may push the next re-check later), so that
/// its return is seen.
pub fn decide_miss(
    art: &ArticleRecord,
    miss: &Miss,
    target: Option<&ArticleRecord>,
    now: DateTime<Utc>,
    schedule: &Schedule,
    not_before: Option<DateTime<Utc>>,
) -> (ArticleRecord, Kind, Vec<EventRecord>) {
    let mut art = art.clone();
    let mut events = Vec::new();
    let mut kind = Kind::Missed;
    let removed = |art: &mut ArticleRecord, status: u16, reason: &str, events: &mut Vec<EventRecord>| {
        if !matches!(art.state, ArticleState::Removed { .. }) {
            art.state = ArticleState::Removed { status, reason: reason.to_string(), since: now };
            let mut ev = EventRecord::draft("article.removed", art.id, &art.url, now);
            ev.feed = art.feeds.first().cloned();
            ev.status = Some(status);
            ev.reason = Some(reason.to_string());
            events.push(ev);
        }
    };
    match miss {
        Miss::Missing { .. } | Miss::Stub { .. } => {
            let (status, reason) = match miss {
                Miss::Missing { status: 410 } => (410, "gone"),
                Miss::Missing { status } => (*status, "not_found"),
                _ => (200, "stub"),
            };
            art.last_checked = now;
            art.misses += 1;
            if art.misses >= 2 {
                removed(&mut art, status, reason, &mut events);
            }
        }
        Miss::FrontPage { status } => {
            art.last_checked = now;
            removed(&mut art, *status, "front_page", &mut events);
        }
        Miss::RedirectedTo { to, .. } => match target {
            Some(target) => {
                redirect(&mut art, target, to, now, &mut events);
                kind = Kind::Redirected;
            }
            None => art.last_checked = now,
        },
        Miss::Failed => {}
    }
    if !events.is_empty() && kind == Kind::Missed {
        kind = Kind::Removed;
    }
    schedule.plan(&mut art, now);
    if let (Some(next), Some(nb)) = (art.next_recheck, not_before) {
        art.next_recheck = Some(next.max(nb));
    }
    (art, kind, events)
}

#[cfg(test)]
mod tests;
