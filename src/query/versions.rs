//! Two versions of an article compared: the unified diff (`diff`), the web view's blocks, the change summary
//! (`diff --summary`). All pick the versions the same way.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{resolve, QueryError};
use crate::change::ChangeSummary;
use crate::event;
use crate::store::{ArticleRecord, Store, VersionRecord};
use crate::view::ArticleView;

/// The change summary between two versions, for `diff --summary`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChangeView {
    pub id: u64,
    pub url: String,
    pub from: u32,
    pub to: u32,
    pub change: ChangeSummary,
}

/// The versions `from` and `to` of an article (default: the last two), checked to exist.
fn version_pair(article: &ArticleRecord, from: Option<u32>, to: Option<u32>) -> Result<(u32, u32), QueryError> {
    let to = to.unwrap_or(article.versions);
    let from = from.unwrap_or(to.saturating_sub(1).max(1));
    for n in [from, to] {
        if n == 0 || n > article.versions {
            return Err(QueryError::BadArgument(format!(
                "article {} has versions 1 to {}; there is no version {n}",
                article.id, article.versions
            )));
        }
    }
    Ok((from, to))
}

/// The change summary between versions `from` and `to` (default: the last two).
pub fn change(store: &Store, target: &str, from: Option<u32>, to: Option<u32>) -> Result<ChangeView, QueryError> {
    let article = resolve(store, target)?;
    let (from, to) = version_pair(&article, from, to)?;
    let change = event::summary(store, article.id, from, to).map_err(QueryError::NotFound)?;
    Ok(ChangeView { id: article.id, url: article.url, from, to, change })
}

/// An article and two of its versions, `from` and `to` (default: the last two).
fn two_versions(
    store: &Store,
    target: &str,
    from: Option<u32>,
    to: Option<u32>,
) -> Result<(ArticleRecord, VersionRecord, VersionRecord), QueryError> {
    let article = resolve(store, target)?;
    let (from, to) = version_pair(&article, from, to)?;
    let get = |n: u32| -> Result<VersionRecord, QueryError> {
        store
            .version(article.id, n)?
            .ok_or_else(|| QueryError::NotFound(format!("article {} has no version {n}", article.id)))
    };
    let (a, b) = (get(from)?, get(to)?);
    Ok((article, a, b))
}

/// What a diff compares: the title, a blank line, the text.
fn diffed_text(v: &VersionRecord) -> String {
    format!("{}\n\n{}", v.title, v.text)
}

/// A unified diff between versions `from` and `to` (default: the last two).
pub fn diff(
    store: &Store,
    target: &str,
    from: Option<u32>,
    to: Option<u32>,
    inline: bool,
) -> Result<String, QueryError> {
    let (article, a, b) = two_versions(store, target, from, to)?;
    let label = |v: &VersionRecord| {
        format!(
            "{} version {} ({})",
            article.url,
            v.version,
            v.fetched_at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
        )
    };
    Ok(crate::diff::unified(&diffed_text(&a), &diffed_text(&b), &label(&a), &label(&b), inline))
}

/// A version without its text.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VersionInfo {
    pub version: u32,
    pub content_hash: String,
    pub fetched_at: DateTime<Utc>,
    pub title: String,
}

impl From<&VersionRecord> for VersionInfo {
    fn from(v: &VersionRecord) -> VersionInfo {
        VersionInfo {
            version: v.version,
            content_hash: v.content_hash.clone(),
            fetched_at: v.fetched_at,
            title: v.title.clone(),
        }
    }
}

/// The diff of two versions as blocks (every line, changed words marked), for the web view. The same versions,
/// text and line diff as [`diff`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DiffView {
    pub article: ArticleView,
    pub from: VersionInfo,
    pub to: VersionInfo,
    pub blocks: Vec<crate::diff::Block>,
}

pub fn diff_view(store: &Store, target: &str, from: Option<u32>, to: Option<u32>) -> Result<DiffView, QueryError> {
    let (article, a, b) = two_versions(store, target, from, to)?;
    let blocks = crate::diff::blocks(&diffed_text(&a), &diffed_text(&b));
    Ok(DiffView { article: ArticleView::from(&article), from: (&a).into(), to: (&b).into(), blocks })
}
