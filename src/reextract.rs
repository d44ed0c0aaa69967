//! `presswatch reextract [--feed NAME]`: every kept page extracted again with the current extractor and noise
//! rules, and its version rewritten in place (stamped, its old text replaced). No event is stored or logged:
//! the pages did not change, only what presswatch reads in them. The daemon does the same lazily for one
//! article at a time, at its next re-check (`crawl/page.rs`), so this command only saves that work and makes
//! `history` and `diff` consistent under the current extractor at once.

use chrono::Utc;
use url::Url;

use crate::config::Config;
use crate::crawl::plan_for;
use crate::extract::sandbox;
use crate::query::QueryError;
use crate::store::{Rebaseline, Store, StoreError};
use crate::view::ReextractReport;

/// Re-extracts the kept pages of every article (of `feed`, when given).
pub async fn run(store: &Store, config: &Config, feed: Option<&str>) -> Result<ReextractReport, StoreError> {
    let mut report = ReextractReport::default();
    let mut ids = Vec::new();
    for art in store.articles_newest_first() {
        let art = art?;
        if feed.is_none_or(|f| art.feeds.iter().any(|x| x == f)) {
            ids.push(art.id);
        }
    }
    for id in ids.into_iter().rev() {
        let Some(art) = store.article(id)? else { continue };
        let plan = plan_for(config, &art.feeds);
        let mut rewritten = Vec::new();
        for v in store.versions(id)? {
            let Some(page) = store.kept_page(id, v.version)? else {
                report.without_page += 1;
                continue;
            };
            let Ok(url) = Url::parse(&page.url) else {
                report.failed += 1;
                continue;
            };
            let page = sandbox::Page { body: page.body, content_type: page.content_type, url };
            match sandbox::extract_page(page, plan.options.clone(), sandbox::DEFAULT_DEADLINE).await {
                Ok(a) => {
                    report.versions += 1;
                    if a.content_hash != v.content_hash || a.title != v.title || a.text != v.text {
                        report.changed += 1;
                    }
                    rewritten.push((v.version, a));
                }
                Err(e) => {
                    report.failed += 1;
                    tracing::warn!(id, version = v.version, error = %e, "cannot extract a kept page again; its text stays");
                }
            }
        }
        report.articles += 1;
        if !rewritten.is_empty() {
            let r = Rebaseline { id, versions: art.versions, stamp: plan.stamp.clone(), rewritten, at: Utc::now() };
            if !store.rebaseline(&r)? {
                report.skipped += 1;
            }
        }
    }
    Ok(report)
}

/// [`run`] from synchronous code: on the daemon's blocking pool (a query over its socket) through the
/// running runtime, elsewhere on a runtime of its own.
pub fn run_blocking(store: &Store, config: &Config, feed: Option<&str>) -> Result<ReextractReport, QueryError> {
    let work = run(store, config, feed);
    let result = match tokio::runtime::Handle::try_current() {
        Ok(handle) => handle.block_on(work),
        Err(_) => tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| QueryError::BadArgument(format!("cannot start a runtime: {e}")))?
            .block_on(work),
    };
    Ok(result?)
}
