//! Feeds, articles and search: what `feeds`, `articles`, `show`, `history`, `recheck` and the web view's search
//! ask. Answers are the printed shapes of `crate::view`, never stored records.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{QueryError, MAX_EVENTS};
use crate::config::Config;
use crate::store::{ArticleRecord, Store};
pub use crate::view::FeedView;
use crate::view::{ArticleView, VersionView};

/// An article with the text of its latest version, for `show`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ArticleWithText {
    #[serde(flatten)]
    pub article: ArticleView,
    pub text: String,
}

/// Filters of `articles`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct ArticleFilter {
    pub feed: Option<String>,
    pub since: Option<DateTime<Utc>>,
    pub edited: bool,
    pub limit: Option<usize>,
}

pub fn feeds(store: &Store, config: Option<&Config>) -> Result<Vec<FeedView>, QueryError> {
    let mut counts: std::collections::HashMap<String, u64> = Default::default();
    for art in store.articles_newest_first() {
        for f in art?.feeds {
            *counts.entry(f).or_default() += 1;
        }
    }
    let mut queued: std::collections::HashMap<String, u64> = Default::default();
    for job in store.jobs()? {
        for f in job.feeds {
            *queued.entry(f).or_default() += 1;
        }
    }
    let states = store.feed_states()?;
    let mut out = Vec::new();
    let view = |name: &str, url: &str, configured: bool| {
        let state = states.iter().find(|s| s.name == name);
        let n = |m: &std::collections::HashMap<String, u64>| m.get(name).copied().unwrap_or(0);
        FeedView::new(name, url, state, n(&counts), n(&queued), configured)
    };
    if let Some(cfg) = config {
        for f in &cfg.feeds {
            out.push(view(&f.name, f.url.as_str(), true));
        }
    }
    for s in &states {
        if !out.iter().any(|v| v.name == s.name) {
            out.push(view(&s.name, &s.url, config.is_none()));
        }
    }
    Ok(out)
}

pub fn articles(store: &Store, filter: &ArticleFilter) -> Result<Vec<ArticleView>, QueryError> {
    let mut out = Vec::new();
    for art in store.articles_newest_first() {
        let art = art?;
        if let Some(f) = &filter.feed {
            if !art.feeds.iter().any(|x| x == f) {
                continue;
            }
        }
        if let Some(since) = filter.since {
            // "Since" asks what happened since then: first seen or changed.
            if art.first_seen < since && art.last_changed < since {
                continue;
            }
        }
        if filter.edited && art.versions < 2 {
            continue;
        }
        out.push(ArticleView::from(&art));
        if filter.limit.is_some_and(|n| out.len() >= n) {
            break;
        }
    }
    Ok(out)
}

/// Finds an article by numeric id or by URL (canonicalised, then looked up among canonical URLs and aliases).
pub fn resolve(store: &Store, target: &str) -> Result<ArticleRecord, QueryError> {
    let target = target.trim();
    if let Ok(id) = target.parse::<u64>() {
        return store.article(id)?.ok_or_else(|| QueryError::NotFound(format!("no article with id {id}")));
    }
    let mut candidates = vec![target.to_string()];
    if let Some(c) = crate::canon::canonicalize_str(target) {
        candidates.insert(0, c);
    }
    for c in &candidates {
        if let Some(id) = store.article_id_for_url(c)? {
            if let Some(a) = store.article(id)? {
                return Ok(a);
            }
        }
    }
    Err(QueryError::NotFound(format!("no article with URL {target} (nor an alias of one)")))
}

pub fn show(store: &Store, target: &str) -> Result<ArticleWithText, QueryError> {
    let article = resolve(store, target)?;
    let text = store.version(article.id, article.versions)?.map(|v| v.text).unwrap_or_default();
    Ok(ArticleWithText { article: ArticleView::from(&article), text })
}

pub fn history(store: &Store, target: &str) -> Result<Vec<VersionView>, QueryError> {
    let article = resolve(store, target)?;
    Ok(store.versions(article.id)?.iter().map(VersionView::from).collect())
}

/// `recheck ID|URL`: the article's re-check becomes due now, so the next pass fetches it.
pub fn recheck(store: &Store, target: &str) -> Result<ArticleView, QueryError> {
    let article = resolve(store, target)?;
    let art = store
        .force_recheck(article.id, Utc::now())?
        .ok_or_else(|| QueryError::NotFound(format!("no article with id {}", article.id)))?;
    Ok(ArticleView::from(&art))
}

/// Folds text for search: decomposed, without combining accents, lower-case, `đ` as `d`; so "hop bao" finds
/// "họp báo" and "HỌP BÁO".
fn search_fold(s: &str) -> String {
    icu_normalizer::DecomposingNormalizerBorrowed::new_nfd()
        .normalize(s)
        .chars()
        .filter(|c| !matches!(*c as u32, 0x0300..=0x036F))
        .flat_map(char::to_lowercase)
        .map(|c| if c == 'đ' { 'd' } else { c })
        .collect()
}

/// Articles whose title or URL (canonical or alias) contains `q`, newest first; an id or a URL that names an
/// article comes first.
pub fn search(store: &Store, q: &str, limit: usize) -> Result<Vec<ArticleView>, QueryError> {
    let q = q.trim();
    if q.is_empty() {
        return Ok(Vec::new());
    }
    let limit = limit.clamp(1, MAX_EVENTS);
    let mut out: Vec<ArticleRecord> = resolve(store, q).ok().into_iter().collect();
    let needle = search_fold(q);
    for art in store.articles_newest_first() {
        if out.len() >= limit {
            break;
        }
        let art = art?;
        if out.iter().any(|a| a.id == art.id) {
            continue;
        }
        let hit = search_fold(&art.title).contains(&needle)
            || std::iter::once(&art.url).chain(&art.aliases).any(|u| search_fold(u).contains(&needle));
        if hit {
            out.push(art);
        }
    }
    Ok(out.iter().map(ArticleView::from).collect())
}
