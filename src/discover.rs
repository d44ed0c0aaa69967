//! Discovery: a site's feeds and sitemaps, found the way readers and search engines find them — the page's
//! `<link rel="alternate">` feeds, the common feed paths of its origin, and the sitemaps its robots.txt names.
//! Each candidate is fetched (through the crawler's own `Fetcher`: its limits, address guard and `allow_hosts`)
//! and read, so that what is listed is what presswatch can follow, with its kind and item count.

use serde::Serialize;
use url::Url;

use crate::feed::{self, FeedError};
use crate::fetch::{FetchError, Fetcher, Response};
use crate::sitemap::{self, Document};

/// Paths where sites commonly serve their feed (WordPress, Blogger, Hugo, Jekyll, many news CMSs).
pub const COMMON_PATHS: &[&str] =
    &["/rss", "/feed", "/rss.xml", "/rss_feed/", "/feeds/posts/default", "/atom.xml", "/feed.xml", "/index.xml"];
/// Alternates of one page looked at, at most (some pages list a feed per section).
const MAX_ALTERNATES: usize = 30;
/// Sitemaps named in robots.txt looked at, at most.
const MAX_ROBOTS_SITEMAPS: usize = 10;
/// Sitemaps of an index read to count its URLs and tell a news sitemap.
const INDEX_CHILDREN_READ: usize = 10;

/// A feed or sitemap found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Source {
    /// Absolute, after redirects.
    pub url: String,
    /// `rss`, `atom`, `json`, `sitemap` or `news-sitemap`.
    pub kind: String,
    pub title: Option<String>,
    /// Items of a feed; URLs of a sitemap (of an index: in the sitemaps read, see `sitemaps`).
    pub items: usize,
    /// A sitemap index: the sitemaps it lists.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sitemaps: Option<usize>,
}

impl Source {
    pub fn is_feed(&self) -> bool {
        matches!(self.kind.as_str(), "rss" | "atom" | "json")
    }

    pub fn is_sitemap(&self) -> bool {
        !self.is_feed()
    }
}

/// What discovery found, and the candidates that a site announced but that could not be read.
#[derive(Debug, Default)]
pub struct Found {
    pub sources: Vec<Source>,
    pub problems: Vec<String>,
}

/// Where a candidate came from: announced ones that fail are problems worth telling; probed paths are not.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum From {
    Alternate,
    CommonPath,
    Robots,
}

/// What a fetched document is.
enum Classified {
    Source(Source),
    Html,
    Other(String),
}

/// Lists the feeds and sitemaps of the site at `url`. When `url` is a feed or a sitemap, that is the answer.
pub async fn discover(fetcher: &Fetcher, url: &Url) -> Result<Found, FetchError> {
    let resp = fetcher.get(url, None).await?;
    match classify(fetcher, &resp).await {
        Classified::Source(s) => Ok(Found { sources: vec![s], problems: Vec::new() }),
        Classified::Html => Ok(from_page(fetcher, &resp.final_url, &resp.body).await),
        Classified::Other(why) => {
            let mut found = from_page(fetcher, &resp.final_url, b"").await;
            found.problems.insert(0, format!("{}: {why}", resp.final_url));
            Ok(found)
        }
    }
}

/// Discovery from an HTML page already fetched: its alternates, then the origin's common paths and robots.txt.
pub async fn from_page(fetcher: &Fetcher, page_url: &Url, html: &[u8]) -> Found {
    let mut candidates: Vec<(Url, From)> = Vec::new();
    let push = |u: Url, from: From, list: &mut Vec<(Url, From)>| {
        if u != *page_url && !list.iter().any(|(c, _)| *c == u) {
            list.push((u, from));
        }
    };
    for u in alternates(html, page_url).into_iter().take(MAX_ALTERNATES) {
        push(u, From::Alternate, &mut candidates);
    }
    for path in COMMON_PATHS {
        if let Ok(u) = page_url.join(path) {
            push(u, From::CommonPath, &mut candidates);
        }
    }
    for u in robots_sitemaps(fetcher, page_url).await.into_iter().take(MAX_ROBOTS_SITEMAPS) {
        push(u, From::Robots, &mut candidates);
    }

    let mut tasks = tokio::task::JoinSet::new();
    for (i, (url, from)) in candidates.into_iter().enumerate() {
        let fetcher = fetcher.clone();
        tasks.spawn(async move {
            let got = match from {
                From::Robots => fetcher.get_capped(&url, None, sitemap::MAX_BYTES).await,
                _ => fetcher.get(&url, None).await,
            };
            let result = match got {
                Ok(resp) => match classify(&fetcher, &resp).await {
                    Classified::Source(s) => Ok(s),
                    Classified::Html => Err("an HTML page, not a feed".to_string()),
                    Classified::Other(why) => Err(why),
                },
                Err(e) => Err(e.to_string()),
            };
            (i, url, from, result)
        });
    }
    let mut results = Vec::new();
    while let Some(done) = tasks.join_next().await {
        if let Ok(r) = done {
            results.push(r);
        }
    }
    results.sort_by_key(|(i, ..)| *i);
    let mut found = Found::default();
    for (_, url, from, result) in results {
        match result {
            Ok(s) if found.sources.iter().any(|f| f.url == s.url) => {}
            Ok(s) => found.sources.push(s),
            Err(why) if from != From::CommonPath => found.problems.push(format!("{url}: {why}")),
            Err(_) => {}
        }
    }
    found
}

/// The feed `add` picks: the RSS, Atom or JSON feed with the most items (the first of equals), else the news
/// sitemap with the most URLs. A plain sitemap (every page of a site) is never picked on its own.
pub fn best(sources: &[Source]) -> Option<&Source> {
    let most = |pred: fn(&Source) -> bool| {
        sources.iter().filter(|s| pred(s)).fold(None, |best: Option<&Source>, s| match best {
            Some(b) if b.items >= s.items => Some(b),
            _ => Some(s),
        })
    };
    most(Source::is_feed).or_else(|| most(|s| s.kind == "news-sitemap"))
}

/// `<link rel="alternate">` feeds of an HTML page, resolved against its `<base href>` or URL.
pub fn alternates(html: &[u8], page_url: &Url) -> Vec<Url> {
    if html.is_empty() {
        return Vec::new();
    }
    let decoded = crate::decode::decode_html(html, None, page_url.host_str());
    let doc = dom_query::Document::from(decoded.text.as_str());
    let base = doc
        .select("base[href]")
        .attr("href")
        .and_then(|b| page_url.join(b.trim()).ok())
        .unwrap_or_else(|| page_url.clone());
    let types = [
        "application/rss+xml",
        "application/atom+xml",
        "application/feed+json",
        "application/json",
        "application/rdf+xml",
        "text/xml",
        "application/xml",
    ];
    let mut out = Vec::new();
    for link in doc.select("link[rel][href]").nodes() {
        let rel = link.attr("rel").unwrap_or_default().to_ascii_lowercase();
        let ty = link.attr("type").unwrap_or_default().trim().to_ascii_lowercase();
        if !rel.split_ascii_whitespace().any(|r| r == "alternate") || !types.contains(&ty.as_str()) {
            continue;
        }
        let href = link.attr("href").unwrap_or_default();
        if let Ok(u) = base.join(href.trim()) {
            if matches!(u.scheme(), "http" | "https") && !out.contains(&u) {
                out.push(u);
            }
        }
    }
    out
}

/// The `Sitemap:` lines of the origin's robots.txt.
async fn robots_sitemaps(fetcher: &Fetcher, page_url: &Url) -> Vec<Url> {
    let Ok(robots_url) = page_url.join("/robots.txt") else { return Vec::new() };
    let Ok(resp) = fetcher.get(&robots_url, None).await else { return Vec::new() };
    let Ok(robot) = texting_robots::Robot::new("presswatch", &resp.body) else { return Vec::new() };
    robot.sitemaps.iter().filter_map(|s| robots_url.join(s.trim()).ok()).collect()
}

async fn classify(fetcher: &Fetcher, resp: &Response) -> Classified {
    let url = &resp.final_url;
    if !resp.body.starts_with(&[0x1f, 0x8b]) {
        match feed::parse(&resp.body, resp.content_type.as_deref(), url) {
            Ok(f) => {
                return Classified::Source(Source {
                    url: url.to_string(),
                    kind: f.format.to_string(),
                    title: f.title,
                    items: f.entries,
                    sitemaps: None,
                })
            }
            Err(FeedError::Html) => return Classified::Html,
            Err(FeedError::Sitemap { .. }) => {}
            Err(e) => return Classified::Other(e.to_string()),
        }
    }
    match sitemap::parse(&resp.body) {
        Ok(Document::UrlSet { urls, news, .. }) => Classified::Source(Source {
            url: url.to_string(),
            kind: if news { "news-sitemap" } else { "sitemap" }.to_string(),
            title: None,
            items: urls.len(),
            sitemaps: None,
        }),
        Ok(Document::Index { sitemaps, .. }) => {
            let (mut items, mut news) = (0, false);
            for loc in sitemaps.iter().take(INDEX_CHILDREN_READ) {
                let Ok(child) = url.join(loc.trim()) else { continue };
                let Ok(r) = fetcher.get_capped(&child, None, sitemap::MAX_BYTES).await else { continue };
                match sitemap::parse(&r.body) {
                    Ok(Document::UrlSet { urls, news: n, .. }) => {
                        items += urls.len();
                        news |= n;
                    }
                    Ok(Document::Index { sitemaps, .. }) => items += sitemaps.len(),
                    Err(_) => {}
                }
            }
            let read = sitemaps.len().min(INDEX_CHILDREN_READ);
            let title = if read < sitemaps.len() {
                format!("sitemap index of {} sitemaps (URLs counted in the first {read})", sitemaps.len())
            } else {
                format!("sitemap index of {} sitemaps", sitemaps.len())
            };
            Classified::Source(Source {
                url: url.to_string(),
                kind: if news { "news-sitemap" } else { "sitemap" }.to_string(),
                title: Some(title),
                items,
                sitemaps: Some(sitemaps.len()),
            })
        }
        Err(e) => Classified::Other(e.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn src(kind: &str, items: usize, url: &str) -> Source {
        Source { url: url.into(), kind: kind.into(), title: None, items, sitemaps: None }
    }

    #[test]
    fn best_prefers_the_largest_feed_then_a_news_sitemap() {
        let a = [src("news-sitemap", 900, "s"), src("rss", 20, "r1"), src("atom", 25, "a"), src("rss", 25, "r2")];
        assert_eq!(best(&a).unwrap().url, "a");
        let b = [src("sitemap", 5000, "big"), src("news-sitemap", 10, "n1"), src("news-sitemap", 90, "n2")];
        assert_eq!(best(&b).unwrap().url, "n2");
        assert_eq!(best(&[src("sitemap", 5000, "big")]), None);
    }

    #[test]
    fn alternates_are_resolved_against_base() {
        let html = br#"<html><head><base href="https://cdn.example/sub/">
<link rel="alternate" type="application/rss+xml" href="rss/home.rss">
<link rel="Alternate stylesheet" type="application/atom+xml" href="/atom.xml">
<link rel="alternate" hreflang="en" href="/en/">
<link rel="alternate" type="application/rss+xml" href="javascript:x">
<link rel="alternate" type="application/feed+json" href="https://news.example/feed.json"></head></html>"#;
        let page = Url::parse("https://news.example/").unwrap();
        let got: Vec<String> = alternates(html, &page).into_iter().map(String::from).collect();
        assert_eq!(
            got,
            vec![
                "https://cdn.example/sub/rss/home.rss",
                "https://cdn.example/atom.xml",
                "https://news.example/feed.json"
            ]
        );
    }
}
