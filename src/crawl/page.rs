//! One page: a queued job (a new or changed feed entry) or a re-check of a stored article. Fetch, extract on a
//! thread of its own with a deadline, extract the kept page again when the stored version has another stamp,
//! and hand the result to the store, which decides what it means. A job for a feed item without a link holds
//! the item's own content: that is the article, and nothing is fetched.

use std::collections::HashSet;

use chrono::{DateTime, Utc};
use url::Url;

use super::{plan_for, Crawler, PagePlan, PassStats, FEED_TEXT_STAMP};
use crate::churn;
use crate::extract::{sandbox, Article, ExtractError};
use crate::fetch::{FetchError, InFlight, Response};
use crate::store::{
    after_failure, after_no_article, Baseline, JobNext, JobRecord, KeptPage, Miss, Observation, OwnContent, Schedule,
    Stored,
};

/// What fetching and extracting one page gave.
enum Fetched {
    Article {
        article: Box<Article>,
        resp: ResponseMeta,
        page: Option<KeptPage>,
        /// The page's place among the requests in flight, held until its observation is stored: observations
        /// are stored one at a time, and pages waiting for their turn must not pile up in memory.
        in_flight: InFlight,
    },
    NoArticle {
        rule: &'static str,
        resp: ResponseMeta,
    },
    Failed(FetchError),
    /// Extraction failed (too large, timed out, crashed): the page is an error, not a missing article.
    Unextractable(String),
}

/// What remains of a response once its body went to the extractor.
struct ResponseMeta {
    final_url: Url,
    status: u16,
    redirect_status: Option<u16>,
}

/// A stored version's title, text and content hash.
type StoredText = (String, String, String);

fn now_plus(d: Option<std::time::Duration>) -> Option<DateTime<Utc>> {
    d.and_then(|d| chrono::Duration::from_std(d).ok()).map(|d| Utc::now() + d)
}

/// The canonical spelling of a URL the page was served from, when it differs from the one fetched.
fn served_url(fetched: &Url, final_url: &Url) -> Option<String> {
    let served = crate::canon::canonicalize(final_url)?;
    let fetched = crate::canon::canonicalize(fetched).unwrap_or_else(|| fetched.clone());
    (served != fetched).then(|| served.to_string())
}

impl Crawler {
    /// Fetches a page and extracts it; a fetched page holds its place among the requests in flight until it is
    /// extracted, and an article until it is stored (memory stays bounded when fetching outruns extraction).
    async fn fetch_and_extract(&self, url: &Url, plan: &PagePlan) -> Fetched {
        let (resp, in_flight) = match self.fetcher.get_holding(url, None).await {
            Ok(r) => r,
            Err(e) => return Fetched::Failed(e),
        };
        let Response { final_url, status, redirect_status, body, content_type, .. } = resp;
        let meta = ResponseMeta { final_url: final_url.clone(), status, redirect_status };
        let kept = plan.keep_html.then(|| KeptPage {
            url: final_url.to_string(),
            content_type: content_type.clone(),
            body: body.clone(),
        });
        let extracted = {
            let _slot = self.extract_slots.acquire().await.expect("semaphore never closed");
            let page = sandbox::Page { body, content_type, url: final_url };
            sandbox::extract_page(page, plan.options.clone(), sandbox::DEFAULT_DEADLINE).await
        };
        match extracted {
            Ok(article) => Fetched::Article { article: Box::new(article), resp: meta, page: kept, in_flight },
            Err(ExtractError::NoArticle { rule }) => Fetched::NoArticle { rule, resp: meta },
            Err(e) => Fetched::Unextractable(e.to_string()),
        }
    }

    /// What this page's new text is compared with, read from the store once: the latest version, or, when
    /// that was extracted under another stamp, its kept page extracted again now (bounded like any page), so
    /// that only a change of the page is an edit. Returns that re-extraction (the observation's baseline), and
    /// the title, text and hash to confirm a change against when they differ from the new ones.
    async fn compared_with(
        &self,
        id: Option<u64>,
        urls: &[String],
        plan: &PagePlan,
        article: &Article,
    ) -> (Option<Baseline>, Option<StoredText>) {
        let (urls, stamp, hash) = (urls.to_vec(), plan.stamp.clone(), article.content_hash.clone());
        let read = self
            .read(move |s| {
                let refs: Vec<&str> = urls.iter().map(String::as_str).collect();
                s.compared_with(id, &refs, &stamp, &hash)
            })
            .await;
        let (id, version, page) = match read {
            Ok(Stored::Nothing) => return (None, None),
            Ok(Stored::Version(v)) => return (None, Some((v.title, v.text, v.content_hash))),
            Ok(Stored::KeptPage { id, version, page }) => (id, version, page),
            Err(e) => {
                tracing::warn!(error = %e, "cannot read the stored article to compare the page with");
                return (None, None);
            }
        };
        let Ok(url) = Url::parse(&page.url) else { return (None, None) };
        let page = sandbox::Page { body: page.body, content_type: page.content_type, url };
        let _slot = self.extract_slots.acquire().await.expect("semaphore never closed");
        match sandbox::extract_page(page, plan.options.clone(), sandbox::DEFAULT_DEADLINE).await {
            Ok(again) => {
                let stored = (again.content_hash != article.content_hash)
                    .then(|| (again.title.clone(), again.text.clone(), again.content_hash.clone()));
                (Some(Baseline { id, version, article: again }), stored)
            }
            Err(e) => {
                tracing::warn!(id, version, error = %e, "cannot extract a kept page again; the new text becomes the baseline");
                (None, None)
            }
        }
    }

    /// A page whose text differs from the stored text it is compared with (`stored`, from
    /// [`Crawler::compared_with`]) is fetched once more: what differs between the two fetches is live-page churn
    /// (counters, rails, "5 minutes ago"), and unless both agree on a change ([`churn::judge`]) the
    /// page is observed with the compared text, as unchanged. When they agree only on short lines or numbers (where
    /// counters live, and fetches can draw the same digits), more fetches must agree too, up to
    /// [`churn::DOUBTFUL_CHANGE_FETCHES`] in all. Each fetch's
    /// place among the requests in flight is given up for the next one's (holding both could take every place).
    async fn confirmed(
        &self,
        url: &Url,
        plan: &PagePlan,
        stored: Option<StoredText>,
        first: (Box<Article>, InFlight),
    ) -> (Box<Article>, InFlight) {
        let (article, in_flight) = first;
        let Some((title, text, hash)) = stored else { return (article, in_flight) };
        let stored = churn::comparable(&title, &text);
        let first = churn::comparable(&article.title, &article.text);
        let mut later: Vec<String> = Vec::new();
        let mut in_flight = in_flight;
        let real = 'judged: {
            for _ in 0..churn::DOUBTFUL_CHANGE_FETCHES {
                match self.fetch_again(url, plan, in_flight).await {
                    // No further opinion (the fetch failed, under load most often). With none at all, a changed
                    // sentence stands (a missed edit is worse than a doubtful one); a change only in counters, or
                    // one the fetches so far agree on only in what churn draws alike, waits for the next check.
                    None => {
                        in_flight = self.fetcher.hold().await;
                        break 'judged later.is_empty() && churn::is_credible_alone(&stored, &first);
                    }
                    Some((next, held)) => {
                        in_flight = held;
                        later.push(next);
                    }
                }
                let views: Vec<&str> = later.iter().map(String::as_str).collect();
                match churn::judge(&stored, &first, &views) {
                    churn::Verdict::Churn => break 'judged false,
                    churn::Verdict::Edit => break 'judged true,
                    churn::Verdict::LookAgain => {}
                }
            }
            false // not reached: with that many later fetches the judge decides
        };
        if real {
            (article, in_flight)
        } else {
            tracing::debug!(url = %url, "a changed page changed back or only in what the fetches disagree on: churn, not an edit");
            (Box::new(Article { title, text, content_hash: hash, ..*article }), in_flight)
        }
    }

    /// One more fetch of a page, for [`Crawler::confirmed`]: its comparable text and its place in flight (the
    /// previous place is given up first). `None` when it brought no article.
    async fn fetch_again(&self, url: &Url, plan: &PagePlan, held: InFlight) -> Option<(String, InFlight)> {
        drop(held);
        match self.fetch_and_extract(url, plan).await {
            Fetched::Article { article, in_flight, .. } => {
                Some((churn::comparable(&article.title, &article.text), in_flight))
            }
            _ => None,
        }
    }

    /// A feed item without a link: its own content is the article, observed without a fetch. It is never
    /// re-checked (no schedule) nor re-extracted (its stamp is the feed's, not the extractor's).
    async fn run_own(&self, job: &JobRecord, own: &OwnContent) -> PassStats {
        let mut stats = PassStats::default();
        let plan = plan_for(&self.config, &job.feeds);
        let article = Article {
            content_hash: crate::normalize::content_hash(&own.title, &own.text),
            title: own.title.clone(),
            text: own.text.clone(),
            canonical_url: None,
            published: job.published.map(|d| d.to_rfc3339()),
            modified: job.updated.map(|d| d.to_rfc3339()),
            lang: None,
        };
        let obs = Observation {
            feeds: job.feeds.clone(),
            fetched_url: job.url.clone(),
            served_url: None,
            entries: job.entries.clone(),
            recheck_of: None,
            job: Some(job.url.clone()),
            article,
            stamp: FEED_TEXT_STAMP.to_string(),
            page: None,
            baseline: None,
            fetched_at: Utc::now(),
            feed_published: job.published,
            feed_updated: job.updated,
            schedule: Schedule::default(),
            flap_window: plan.flap_window,
        };
        match self.observe(obs).await {
            Ok(outcome) => stats.count(&outcome),
            Err(e) => {
                // Kept in the queue with a backoff, like a page that failed.
                stats.page_errors += 1;
                let feed = job.feeds.first().cloned().unwrap_or_default();
                tracing::warn!(event = "page.error", feed = %feed, url = %job.url, error = %e, "cannot store a feed item");
                let (key, next) = (job.url.clone(), after_failure(job, &e, Utc::now(), None));
                self.write(move |s| s.update_job(&key, &next)).await;
            }
        }
        stats
    }

    /// A queued page: its observation takes it out of the queue; a failure keeps it with a retry time.
    pub(super) async fn run_job(&self, job: JobRecord) -> PassStats {
        if let Some(own) = &job.own {
            return self.run_own(&job, own).await;
        }
        let mut stats = PassStats { pages_fetched: 1, ..Default::default() };
        let plan = plan_for(&self.config, &job.feeds);
        let feed = job.feeds.first().cloned().unwrap_or_default();
        let fail = |stats: &mut PassStats, error: &str, next: &JobNext| {
            stats.page_errors += 1;
            match next {
                JobNext::Retry(j) => {
                    let retry_at = j.due_at().map(|t| t.to_rfc3339()).unwrap_or_default();
                    tracing::warn!(event = "page.error", feed = %feed, url = %job.url, error = %error, attempt = j.attempts, retry_at = %retry_at, "page fetch failed");
                }
                JobNext::GiveUp => {
                    tracing::warn!(event = "page.error", feed = %feed, url = %job.url, error = %error, gave_up = true, "page fetch failed; given up")
                }
            }
        };
        let Ok(url) = Url::parse(&job.url) else {
            fail(&mut stats, "not a valid URL", &JobNext::GiveUp);
            let key = job.url.clone();
            self.write(move |s| s.update_job(&key, &JobNext::GiveUp)).await;
            return stats;
        };
        if plan.robots && !self.fetcher.robots_allow(&url).await {
            let error = "robots.txt disallows this page (set robots = false on the feed to override)";
            fail(&mut stats, error, &JobNext::GiveUp);
            let key = job.url.clone();
            self.write(move |s| s.update_job(&key, &JobNext::GiveUp)).await;
            return stats;
        }
        let now = Utc::now();
        let (next, error) = match self.fetch_and_extract(&url, &plan).await {
            Fetched::Article { article, resp, page, in_flight } => {
                let served = served_url(&url, &resp.final_url);
                let mut urls = vec![job.url.clone()];
                urls.extend(served.clone());
                urls.extend(article.canonical_url.clone());
                let (baseline, stored) = self.compared_with(None, &urls, &plan, &article).await;
                let (article, in_flight) = self.confirmed(&url, &plan, stored, (article, in_flight)).await;
                let obs = Observation {
                    feeds: job.feeds.clone(),
                    fetched_url: job.url.clone(),
                    served_url: served,
                    entries: job.entries.clone(),
                    recheck_of: None,
                    job: Some(job.url.clone()),
                    article: *article,
                    stamp: plan.stamp.clone(),
                    page,
                    baseline,
                    fetched_at: Utc::now(),
                    feed_published: job.published,
                    feed_updated: job.updated,
                    schedule: plan.schedule.clone(),
                    flap_window: plan.flap_window,
                };
                let recorded = self.observe(obs).await;
                drop(in_flight);
                match recorded {
                    Ok(outcome) => {
                        stats.count(&outcome);
                        tracing::debug!(url = %job.url, kind = ?outcome.kind, "page stored");
                        return stats;
                    }
                    Err(e) => (after_failure(&job, &e, now, None), e),
                }
            }
            Fetched::NoArticle { rule, .. } => {
                stats.no_article += 1;
                tracing::warn!(event = "page.no_article", feed = %feed, url = %job.url, rule, "page skipped: no article (tried again at its next re-check)");
                let next = after_no_article(&job, rule, now, &plan.schedule);
                let key = job.url.clone();
                self.write(move |s| s.update_job(&key, &next)).await;
                return stats;
            }
            Fetched::Failed(e) => {
                let permanent =
                    matches!(e, FetchError::Refused { .. } | FetchError::TooLarge { .. }) || e.status() == Some(410);
                let next = if permanent {
                    JobNext::GiveUp
                } else {
                    after_failure(&job, &e.to_string(), now, now_plus(e.retry_after()))
                };
                (next, e.to_string())
            }
            Fetched::Unextractable(e) => (after_failure(&job, &e, now, None), e),
        };
        fail(&mut stats, &error, &next);
        let key = job.url.clone();
        self.write(move |s| s.update_job(&key, &next)).await;
        stats
    }

    /// A due re-check of a stored article. A failure never backs the page off: it is tried again at its next
    /// re-check offset, and two misses in a row (404, 410, a stub) make it removed.
    pub(super) async fn run_recheck(&self, id: u64, queued: &HashSet<String>) -> PassStats {
        let mut stats = PassStats::default();
        let art = match self.read(move |s| s.article(id)).await {
            Ok(Some(art)) => art,
            Ok(None) => {
                self.write(move |s| s.drop_recheck(id)).await;
                return stats;
            }
            Err(e) => {
                tracing::error!(id, error = %e, "cannot read an article to re-check");
                return stats;
            }
        };
        if crate::feed::is_own_item_url(&art.url) {
            // An item without a link has no page: its schedule ends here (see `plan::schedule_of`).
            let (now, none) = (Utc::now(), Schedule::default());
            if let Err(e) = self.record(move |s| s.recheck_missed(id, &Miss::Failed, now, &none, None)).await {
                tracing::error!(id, error = %e, "cannot record a re-check");
            }
            return stats;
        }
        let fetch_url = art.fetch_url().to_string();
        if queued.contains(&fetch_url) {
            // A queued page of this pass fetches it already, and its observation plans the next re-check.
            return stats;
        }
        stats.pages_fetched = 1;
        let plan = plan_for(&self.config, &art.feeds);
        let feed = art.feeds.first().cloned().unwrap_or_default();
        let page_error = |stats: &mut PassStats, error: &str| {
            stats.page_errors += 1;
            tracing::warn!(event = "page.error", feed = %feed, url = %fetch_url, id, error = %error, "re-check failed");
        };
        let mut not_before = None;
        let url = Url::parse(&fetch_url).map_err(|e| format!("not a valid URL: {e}"));
        let allowed = match &url {
            Ok(url) => !plan.robots || self.fetcher.robots_allow(url).await,
            Err(_) => true,
        };
        let miss = match url {
            Err(e) => {
                page_error(&mut stats, &e);
                Miss::Failed
            }
            Ok(_) if !allowed => {
                page_error(&mut stats, "robots.txt disallows this page (set robots = false on the feed to override)");
                Miss::Failed
            }
            Ok(url) => match self.recheck_page(id, &url, &fetch_url, &art.feeds, &plan).await {
                Ok(mut s) => {
                    s.pages_fetched = 1;
                    return s;
                }
                Err((miss, error, retry_after)) => {
                    if let Some(error) = error {
                        page_error(&mut stats, &error);
                    }
                    not_before = now_plus(retry_after);
                    miss
                }
            },
        };
        let schedule = plan.schedule.clone();
        match self.record(move |s| s.recheck_missed(id, &miss, Utc::now(), &schedule, not_before)).await {
            Ok(outcome) => stats.count(&outcome),
            Err(e) => tracing::error!(id, error = %e, "cannot record a re-check"),
        }
        stats
    }

    /// Fetches and observes a re-checked page; what brought no article to compare comes back as a miss, with
    /// the error to log and the server's Retry-After.
    async fn recheck_page(
        &self,
        id: u64,
        url: &Url,
        fetch_url: &str,
        feeds: &[String],
        plan: &PagePlan,
    ) -> Result<PassStats, (Miss, Option<String>, Option<std::time::Duration>)> {
        let (article, resp, page, in_flight) = match self.fetch_and_extract(url, plan).await {
            Fetched::Failed(e) => {
                let miss = match e.status() {
                    Some(status @ (404 | 410)) => Miss::Missing { status },
                    _ => Miss::Failed,
                };
                return Err((miss, Some(e.to_string()), e.retry_after()));
            }
            Fetched::Unextractable(e) => return Err((Miss::Failed, Some(e), None)),
            Fetched::NoArticle { rule, resp } => {
                if let Some(miss) = self.redirect_miss(id, url, &resp) {
                    return Err((miss, None, None));
                }
                tracing::warn!(event = "page.no_article", feed = %feeds.first().cloned().unwrap_or_default(), url = %fetch_url, id, rule, "re-check: the page holds no article");
                return Err((Miss::Stub { rule: rule.to_string() }, None, None));
            }
            Fetched::Article { article, resp, page, in_flight } => (article, resp, page, in_flight),
        };
        if let Some(miss) = self.redirect_miss(id, url, &resp) {
            return Err((miss, None, None));
        }
        let served = served_url(url, &resp.final_url);
        let (baseline, stored) = self.compared_with(Some(id), &[], plan, &article).await;
        let (article, in_flight) = self.confirmed(url, plan, stored, (article, in_flight)).await;
        let obs = Observation {
            feeds: feeds.iter().take(1).cloned().collect(),
            fetched_url: fetch_url.to_string(),
            served_url: served,
            entries: Vec::new(),
            recheck_of: Some(id),
            job: None,
            article: *article,
            stamp: plan.stamp.clone(),
            page,
            baseline,
            fetched_at: Utc::now(),
            feed_published: None,
            feed_updated: None,
            schedule: plan.schedule.clone(),
            flap_window: plan.flap_window,
        };
        let mut stats = PassStats::default();
        let recorded = self.observe(obs).await;
        drop(in_flight);
        match recorded {
            Ok(outcome) => stats.count(&outcome),
            Err(e) => {
                stats.page_errors += 1;
                tracing::error!(id, error = %e, "cannot store a re-check");
            }
        }
        Ok(stats)
    }

    /// A re-checked URL that now redirects to the site's front page, or to another stored article.
    fn redirect_miss(&self, id: u64, url: &Url, resp: &ResponseMeta) -> Option<Miss> {
        let served = served_url(url, &resp.final_url)?;
        let status = resp.redirect_status.unwrap_or(resp.status);
        if crate::canon::is_front_page(&resp.final_url) {
            return Some(Miss::FrontPage { status });
        }
        match self.store.article_id_for_url(&served) {
            Ok(Some(to_id)) if to_id != id => Some(Miss::RedirectedTo { to: served, to_id }),
            _ => None,
        }
    }
}
