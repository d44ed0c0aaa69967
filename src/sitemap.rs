//! Sitemaps as sources (`[[feed]] kind = "sitemap"`): a sitemap, a sitemap index or a Google News sitemap,
//! gzipped or not, read into the same items a feed gives, so that the crawl treats both alike.
//!
//! Every `<loc>` is an item keyed by its canonical URL; a Google News sitemap's `news:title` and
//! `news:publication_date` are its title and date; its fingerprint covers the title and `<lastmod>`, so a
//! changed `<lastmod>` re-fetches the page as a changed feed entry does. The protocol's limits hold: 50,000 URLs
//! and 50 MB (uncompressed) per file; an index may list indexes, two levels at most; only URLs of the sitemap's
//! own host count unless `allow_other_hosts = true`. Each file is fetched with its own conditional GET (its
//! validators are kept in the feed's state), so an index whose sitemaps did not change costs one 304 each.

use std::collections::{HashSet, VecDeque};
use std::io::Read;

use chrono::{DateTime, NaiveDate, Utc};
use quick_xml::events::Event;
use url::Url;

use crate::canon;
use crate::config::FeedConfig;
use crate::feed::{FeedItem, ParsedFeed};
use crate::fetch::{FetchError, Fetcher, Response, Validators};
use crate::normalize::normalize_line;
use crate::store::SitemapPart;

/// URLs one sitemap file may list (sitemaps.org).
pub const MAX_URLS: usize = 50_000;
/// Bytes one sitemap file may hold, uncompressed (sitemaps.org).
pub const MAX_BYTES: u64 = 50 * 1024 * 1024;
/// Levels of sitemap indexes followed: an index, and indexes it lists; an index below those is not followed.
pub const MAX_INDEX_DEPTH: usize = 2;
/// Files read in one poll of one source, so that an index of indexes cannot make a poll endless.
pub const MAX_FILES: usize = 1_000;

/// One `<url>` of a sitemap.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SitemapUrl {
    pub loc: String,
    pub lastmod: Option<String>,
    /// `news:title` of a Google News sitemap.
    pub title: Option<String>,
    /// `news:publication_date` of a Google News sitemap.
    pub published: Option<String>,
}

/// A parsed sitemap file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Document {
    UrlSet {
        urls: Vec<SitemapUrl>,
        /// A Google News sitemap (its `news:` elements or namespace).
        news: bool,
        /// URLs beyond [`MAX_URLS`], not read.
        over_limit: usize,
    },
    Index {
        /// The `<loc>` of each `<sitemap>`, as written.
        sitemaps: Vec<String>,
        over_limit: usize,
    },
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SitemapError {
    #[error("larger than 50 MB ({MAX_BYTES} bytes) uncompressed, the sitemap protocol's limit")]
    TooLarge,
    #[error("not a valid gzip file: {0}")]
    Gzip(String),
    #[error("not a valid sitemap: {0}")]
    Xml(String),
    #[error("not a sitemap: the root element is <{0}>, not <urlset> or <sitemapindex>")]
    NotASitemap(String),
}

/// The body, gunzipped when it is a gzip file (a `.xml.gz` served without `Content-Encoding`), within
/// [`MAX_BYTES`].
pub fn decompress(body: &[u8]) -> Result<std::borrow::Cow<'_, [u8]>, SitemapError> {
    if !body.starts_with(&[0x1f, 0x8b]) {
        if body.len() as u64 > MAX_BYTES {
            return Err(SitemapError::TooLarge);
        }
        return Ok(std::borrow::Cow::Borrowed(body));
    }
    let mut out = Vec::with_capacity(body.len().saturating_mul(4).min(MAX_BYTES as usize));
    flate2::read::MultiGzDecoder::new(body)
        .take(MAX_BYTES + 1)
        .read_to_end(&mut out)
        .map_err(|e| SitemapError::Gzip(e.to_string()))?;
    if out.len() as u64 > MAX_BYTES {
        return Err(SitemapError::TooLarge);
    }
    Ok(std::borrow::Cow::Owned(out))
}

/// Parses a sitemap file (gzipped or not).
pub fn parse(body: &[u8]) -> Result<Document, SitemapError> {
    let bytes = decompress(body)?;
    // Sitemaps are UTF-8 by the protocol; a BOM or a declared encoding is still honoured.
    let text = crate::decode::decode_feed(&bytes, None, None).text;
    let mut reader = quick_xml::Reader::from_str(&text);
    let mut stack: Vec<String> = Vec::new();
    let mut root: Option<String> = None;
    let mut news = false;
    let mut urls = Vec::new();
    let mut sitemaps = Vec::new();
    let mut over_limit = 0usize;
    let mut current = SitemapUrl::default();
    let mut buffer = String::new();
    loop {
        match reader.read_event() {
            Ok(Event::Start(e)) => {
                let local = e.local_name().as_ref().to_string();
                if root.is_none() {
                    if local != "urlset" && local != "sitemapindex" {
                        return Err(SitemapError::NotASitemap(e.name().into_inner().to_string()));
                    }
                    news = e.attributes().flatten().any(|a| a.value.contains("sitemap-news"));
                    root = Some(local.clone());
                }
                if local == "news" {
                    news = true;
                }
                if matches!(local.as_str(), "url" | "sitemap") {
                    current = SitemapUrl::default();
                }
                buffer.clear();
                stack.push(local);
            }
            Ok(Event::Empty(e)) if root.is_none() => {
                let local = e.local_name().as_ref().to_string();
                if local != "urlset" && local != "sitemapindex" {
                    return Err(SitemapError::NotASitemap(e.name().into_inner().to_string()));
                }
                root = Some(local);
            }
            Ok(Event::Text(t)) => buffer.push_str(&t.xml10_content()),
            Ok(Event::CData(t)) => buffer.push_str(&t.xml10_content()),
            Ok(Event::GeneralRef(r)) => {
                if let Ok(Some(c)) = r.resolve_char_ref() {
                    buffer.push(c);
                } else if let Some(s) = quick_xml::escape::resolve_predefined_entity(&r) {
                    buffer.push_str(s);
                }
            }
            Ok(Event::End(_)) => {
                let local = stack.pop().unwrap_or_default();
                let parent = stack.last().map(String::as_str).unwrap_or("");
                let value = || Some(buffer.trim().to_string()).filter(|v| !v.is_empty());
                match (parent, local.as_str()) {
                    ("url" | "sitemap", "loc") => current.loc = buffer.trim().to_string(),
                    ("url" | "sitemap", "lastmod") => current.lastmod = value(),
                    ("news", "title") => current.title = value().map(|t| normalize_line(&t)),
                    ("news", "publication_date") => current.published = value(),
                    (_, "url") if !current.loc.is_empty() => {
                        if urls.len() < MAX_URLS {
                            urls.push(std::mem::take(&mut current));
                        } else {
                            over_limit += 1;
                        }
                    }
                    (_, "sitemap") if !current.loc.is_empty() => {
                        if sitemaps.len() < MAX_URLS {
                            sitemaps.push(std::mem::take(&mut current.loc));
                        } else {
                            over_limit += 1;
                        }
                    }
                    _ => {}
                }
                buffer.clear();
            }
            Ok(Event::Eof) => break,
            Ok(_) => {}
            Err(e) => {
                return Err(SitemapError::Xml(format!("XML error at byte {}: {e}", reader.error_position())));
            }
        }
    }
    match root.as_deref() {
        Some("sitemapindex") => Ok(Document::Index { sitemaps, over_limit }),
        Some(_) => Ok(Document::UrlSet { urls, news, over_limit }),
        None => Err(SitemapError::Xml("the document has no root element".into())),
    }
}

/// A W3C datetime (`2026-11-27`, `2026-11-27T10:00:00+07:00`, `2026-11-27T10:00Z`).
pub fn parse_date(s: &str) -> Option<DateTime<Utc>> {
    let s = s.trim();
    if let Ok(d) = DateTime::parse_from_rfc3339(s) {
        return Some(d.with_timezone(&Utc));
    }
    if let Ok(d) = DateTime::parse_from_str(s, "%Y-%m-%dT%H:%M%#z") {
        return Some(d.with_timezone(&Utc));
    }
    NaiveDate::parse_from_str(s, "%Y-%m-%d").ok().and_then(|d| d.and_hms_opt(0, 0, 0)).map(|d| d.and_utc())
}

/// The feed item of one sitemap URL; `None` when its `<loc>` is not an http(s) URL.
pub fn item(base: &Url, u: &SitemapUrl) -> Option<FeedItem> {
    let link = canon::resolve_and_canonicalize(Some(base), &u.loc)?;
    let mut fp = blake3::Hasher::new();
    fp.update(u.title.as_deref().unwrap_or("").as_bytes());
    fp.update(b"\0");
    fp.update(u.lastmod.as_deref().unwrap_or("").as_bytes());
    Some(FeedItem {
        key: link.to_string(),
        link,
        title: u.title.clone(),
        published: u.published.as_deref().and_then(parse_date),
        updated: u.lastmod.as_deref().and_then(parse_date),
        fingerprint: fp.finalize().to_hex()[..32].to_string(),
        own_text: None,
    })
}

/// A poll of a sitemap source.
#[derive(Debug)]
pub struct SitemapRead {
    /// The top file's response (status, validators, freshness); 304 when it did not change.
    pub top: Response,
    /// Every file answered 304: nothing to do.
    pub not_modified: bool,
    /// Items of the files that changed; `entries` counts the URLs of every file, changed or not.
    pub feed: ParsedFeed,
    /// Every file read, with its validators, to keep for the next poll.
    pub parts: Vec<SitemapPart>,
}

/// Why a sitemap source could not be read at all (a file below the top one that fails is damage instead).
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    #[error(transparent)]
    Fetch(#[from] FetchError),
    #[error("{url}: {error}")]
    Invalid { url: String, status: u16, error: SitemapError },
}

/// Reads a sitemap source: the top file, and under an index every sitemap it lists.
pub async fn read(
    fetcher: &Fetcher,
    fc: &FeedConfig,
    top_validators: &Validators,
    known: &[SitemapPart],
) -> Result<SitemapRead, ReadError> {
    let own_host = fc.url.host_str().unwrap_or_default().to_ascii_lowercase();
    let mut queue: VecDeque<(Url, usize, String)> = VecDeque::from([(fc.url.clone(), 0, String::new())]);
    let mut visited = HashSet::new();
    let (mut parts, mut items, mut damage, mut skipped) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let mut keys = HashSet::new();
    let (mut entries, mut other_hosts, mut changed) = (0usize, 0usize, false);
    let mut top = None;
    let mut news = false;
    while let Some((url, depth, parent)) = queue.pop_front() {
        if !visited.insert(url.to_string()) {
            continue;
        }
        if visited.len() > MAX_FILES {
            damage.push(format!("more than {MAX_FILES} sitemap files; the rest are not read in this poll"));
            break;
        }
        let stored = known.iter().find(|p| p.url == url.as_str() && p.parent == parent);
        let validators = match (depth, stored) {
            (0, _) => top_validators.clone(),
            (_, Some(p)) => Validators { etag: p.etag.clone(), last_modified: p.last_modified.clone() },
            (_, None) => Validators::default(),
        };
        // A stored file is kept as it was, and its URLs counted, when it did not change or cannot be read now.
        let keep_stored = |parts: &mut Vec<SitemapPart>, queue: &mut VecDeque<(Url, usize, String)>| {
            let Some(p) = stored else { return 0 };
            if p.index {
                for child in known.iter().filter(|c| c.parent == p.url) {
                    if let Ok(u) = Url::parse(&child.url) {
                        queue.push_back((u, depth + 1, p.url.clone()));
                    }
                }
            }
            parts.push(p.clone());
            if p.index {
                0
            } else {
                p.items as usize
            }
        };
        let resp = match fetcher.get_capped(&url, Some(&validators), MAX_BYTES).await {
            Ok(r) => r,
            Err(e) if depth == 0 => return Err(ReadError::Fetch(e)),
            Err(e) => {
                damage.push(e.to_string());
                entries += keep_stored(&mut parts, &mut queue);
                continue;
            }
        };
        if resp.not_modified() {
            entries += keep_stored(&mut parts, &mut queue);
            if depth == 0 {
                top = Some(resp);
            }
            continue;
        }
        changed = true;
        let doc = parse(&resp.body);
        let mut part = SitemapPart {
            url: url.to_string(),
            parent: parent.clone(),
            etag: resp.etag.clone(),
            last_modified: resp.last_modified.clone(),
            items: 0,
            index: false,
        };
        match doc {
            Err(error) if depth == 0 => {
                return Err(ReadError::Invalid { url: url.to_string(), status: resp.status, error })
            }
            Err(error) => {
                damage.push(format!("{url}: {error}"));
                entries += keep_stored(&mut parts, &mut queue);
                continue;
            }
            Ok(Document::Index { sitemaps, over_limit }) => {
                part.index = true;
                part.items = sitemaps.len() as u32;
                if over_limit > 0 {
                    damage.push(format!("{url} lists more than {MAX_URLS} sitemaps; {over_limit} are not read"));
                }
                if depth >= MAX_INDEX_DEPTH {
                    damage.push(format!(
                        "{url} is a sitemap index nested more than {MAX_INDEX_DEPTH} levels deep; not followed"
                    ));
                } else {
                    for loc in &sitemaps {
                        match url.join(loc.trim()) {
                            Ok(child) if on_host(&child, &own_host) || fc.allow_other_hosts => {
                                queue.push_back((child, depth + 1, url.to_string()))
                            }
                            Ok(_) => other_hosts += 1,
                            Err(_) => skipped.push(format!("sitemap {loc} listed by {url} is not a valid URL")),
                        }
                    }
                }
            }
            Ok(Document::UrlSet { urls, news: is_news, over_limit }) => {
                news |= is_news;
                if over_limit > 0 {
                    damage.push(format!(
                        "{url} lists more than {MAX_URLS} URLs; the first {MAX_URLS} are read, {over_limit} are not"
                    ));
                }
                let mut count = 0u32;
                for u in &urls {
                    let Some(it) = item(&url, u) else {
                        skipped.push(format!("{} in {url} is not an http(s) URL", u.loc));
                        continue;
                    };
                    if !on_host(&it.link, &own_host) && !fc.allow_other_hosts {
                        other_hosts += 1;
                        continue;
                    }
                    count += 1;
                    if keys.insert(it.key.clone()) {
                        items.push(it);
                    }
                }
                part.items = count;
                entries += count as usize;
            }
        }
        if depth == 0 {
            top = Some(resp);
        }
        parts.push(part);
    }
    if other_hosts > 0 {
        skipped.push(format!(
            "{other_hosts} URLs on other hosts than {own_host} were ignored (set allow_other_hosts = true to follow them)"
        ));
    }
    let top = top.expect("the top file was fetched (its failure returns early)");
    let feed = ParsedFeed {
        items,
        entries,
        skipped,
        ttl_minutes: None,
        damage: (!damage.is_empty()).then(|| damage.join("; ")),
        format: if news { "news-sitemap" } else { "sitemap" },
        title: None,
    };
    Ok(SitemapRead { top, not_modified: !changed, feed, parts })
}

fn on_host(url: &Url, host: &str) -> bool {
    url.host_str().is_some_and(|h| h.eq_ignore_ascii_case(host))
}

#[cfg(test)]
mod tests {
    use super::*;

    const NEWS: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" xmlns:news="http://www.google.com/schemas/sitemap-news/0.9" xmlns:image="http://www.google.com/schemas/sitemap-image/1.1">
<url><loc>https://news.example/a-1.html?x=1&amp;y=2</loc><lastmod>2026-11-27T10:00:00+07:00</lastmod>
 <image:image><image:loc>https://cdn.example/1.jpg</image:loc></image:image>
 <news:news><news:publication><news:name>N</news:name><news:language>vi</news:language></news:publication>
 <news:publication_date>2026-11-27T09:00:00+07:00</news:publication_date><news:title><![CDATA[Bộ Ngoại giao  họp báo]]></news:title></news:news></url>
<url><loc> /b-2.html </loc><lastmod>2026-11-26</lastmod></url>
</urlset>"#;

    #[test]
    fn a_news_sitemap() {
        let Document::UrlSet { urls, news, over_limit } = parse(NEWS.as_bytes()).unwrap() else { panic!() };
        assert!(news);
        assert_eq!(over_limit, 0);
        assert_eq!(
            urls[0],
            SitemapUrl {
                loc: "https://news.example/a-1.html?x=1&y=2".into(),
                lastmod: Some("2026-11-27T10:00:00+07:00".into()),
                title: Some("Bộ Ngoại giao họp báo".into()),
                published: Some("2026-11-27T09:00:00+07:00".into()),
            }
        );
        let base = Url::parse("https://news.example/sitemap.xml").unwrap();
        let it = item(&base, &urls[1]).unwrap();
        assert_eq!(it.link.as_str(), "https://news.example/b-2.html");
        assert_eq!(it.updated, parse_date("2026-11-26T00:00:00Z"));
        let a = item(&base, &urls[0]).unwrap();
        assert_eq!(a.published.unwrap().to_rfc3339(), "2026-11-27T02:00:00+00:00");
        let mut later = urls[0].clone();
        later.lastmod = Some("2026-11-28".into());
        assert_ne!(item(&base, &later).unwrap().fingerprint, a.fingerprint, "a changed lastmod is an entry change");
    }

    #[test]
    fn gzip_index_and_limits() {
        use std::io::Write;
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        gz.write_all(b"<sitemapindex><sitemap><loc>https://news.example/s1.xml</loc></sitemap><sitemap><loc>s2.xml</loc><lastmod>2026-01-01</lastmod></sitemap></sitemapindex>").unwrap();
        let body = gz.finish().unwrap();
        assert_eq!(
            parse(&body).unwrap(),
            Document::Index { sitemaps: vec!["https://news.example/s1.xml".into(), "s2.xml".into()], over_limit: 0 }
        );
        let urls: String =
            (0..MAX_URLS + 3).map(|i| format!("<url><loc>https://news.example/{i}</loc></url>")).collect();
        let Document::UrlSet { urls, over_limit, .. } = parse(format!("<urlset>{urls}</urlset>").as_bytes()).unwrap()
        else {
            panic!()
        };
        assert_eq!((urls.len(), over_limit), (MAX_URLS, 3));
        // A gzip bomb: 60 MB of zeros in a few kilobytes stops at the limit.
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
        gz.write_all(b"<urlset>").unwrap();
        gz.write_all(&vec![b' '; 60 * 1024 * 1024]).unwrap();
        let bomb = gz.finish().unwrap();
        assert!(bomb.len() < 200_000);
        assert_eq!(parse(&bomb), Err(SitemapError::TooLarge));
        assert_eq!(parse(b"<rss/>"), Err(SitemapError::NotASitemap("rss".into())));
        assert!(matches!(parse(b"<urlset><url><loc>x</url>"), Err(SitemapError::Xml(_))));
    }

    #[test]
    fn dates() {
        assert_eq!(parse_date("2026-11-27").unwrap().to_rfc3339(), "2026-11-27T00:00:00+00:00");
        assert_eq!(parse_date("2026-11-27T10:00+07:00").unwrap().to_rfc3339(), "2026-11-27T03:00:00+00:00");
        assert_eq!(parse_date("yesterday"), None);
    }
}
