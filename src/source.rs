//! A configured source read into items: a feed (`kind = "feed"`, one conditional GET and `feed::parse`) or a
//! sitemap (`kind = "sitemap"`, see `sitemap`). Both give the same [`ParsedFeed`], so the crawl treats them alike.

use std::time::Duration;

use url::Url;

use crate::config::{FeedConfig, SourceKind};
use crate::feed::{self, ParsedFeed};
use crate::fetch::{FetchError, Fetcher, Response, Validators};
use crate::store::SitemapPart;
use crate::{discover, sitemap};

/// What a poll read.
#[derive(Debug)]
pub enum Read {
    /// Nothing changed since the last poll (304 for every file).
    NotModified(Response),
    /// The source changed: the top response (status, validators, freshness), its items, and for a sitemap the
    /// files it is made of.
    Changed { resp: Response, feed: ParsedFeed, parts: Vec<SitemapPart> },
}

/// Why a poll failed, as the feed's state and its `feed.error` show it.
#[derive(Debug)]
pub struct Failure {
    pub error: String,
    /// The HTTP status, when a response came.
    pub status: Option<u16>,
    pub retry_after: Option<Duration>,
}

impl From<FetchError> for Failure {
    fn from(e: FetchError) -> Failure {
        Failure { status: e.status(), error: e.to_string(), retry_after: e.retry_after() }
    }
}

/// Reads one source with the validators of its last poll (`parts`: a sitemap's files).
pub async fn read(
    fetcher: &Fetcher,
    fc: &FeedConfig,
    validators: &Validators,
    parts: &[SitemapPart],
) -> Result<Read, Failure> {
    match fc.kind {
        SourceKind::Feed => {
            let resp = fetcher.get(&fc.url, Some(validators)).await?;
            if resp.not_modified() {
                return Ok(Read::NotModified(resp));
            }
            let status = Some(resp.status);
            match feed::parse(&resp.body, resp.content_type.as_deref(), &resp.final_url) {
                Ok(feed) => Ok(Read::Changed { resp, feed, parts: Vec::new() }),
                Err(feed::FeedError::Html) => {
                    let error = not_a_feed(fetcher, &resp.final_url, &resp.body).await;
                    Err(Failure { error, status, retry_after: None })
                }
                Err(e) => Err(Failure { error: e.to_string(), status, retry_after: None }),
            }
        }
        SourceKind::Sitemap => match sitemap::read(fetcher, fc, validators, parts).await {
            Ok(r) if r.not_modified => Ok(Read::NotModified(r.top)),
            Ok(r) => Ok(Read::Changed { resp: r.top, feed: r.feed, parts: r.parts }),
            Err(sitemap::ReadError::Fetch(e)) => Err(e.into()),
            Err(e @ sitemap::ReadError::Invalid { status, .. }) => {
                Err(Failure { error: e.to_string(), status: Some(status), retry_after: None })
            }
        },
    }
}

/// "not a feed", with what `presswatch discover` finds from that page: the user can paste the right URL.
pub async fn not_a_feed(fetcher: &Fetcher, url: &Url, html: &[u8]) -> String {
    let found = discover::from_page(fetcher, url, html).await;
    if found.sources.is_empty() {
        let announced = if found.problems.is_empty() {
            String::new()
        } else {
            format!(" (it announces {}, which cannot be read)", found.problems.join("; "))
        };
        return format!(
            "not a feed: {url} is an HTML page, and `presswatch discover` finds no feed or sitemap there{announced}"
        );
    }
    let list: Vec<String> =
        found.sources.iter().map(|s| format!("{} ({}, {} items)", s.url, s.kind, s.items)).collect();
    format!("not a feed: {url} is an HTML page; `presswatch discover` finds: {}", list.join(", "))
}
