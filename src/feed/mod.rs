//! Feed parsing: fetched bytes in, a flat list of items out.
//!
//! feed-rs reads RSS 0.9x/1.0/2.0, Atom and JSON Feed. Around it: charset sniffing before parsing (`decode`);
//! a well-formedness check that repairs what readers repair and reports it as damage (`repair`); the formats
//! feed-rs misreads, adapted first (`adapt`); "not a feed" for HTML and sitemaps; canonical item links; items
//! without a link kept, by their GUID, with their own content as the article (`text`); and an entry
//! fingerprint that tells when the publisher changed an item.

mod adapt;
mod crash;
mod repair;
pub mod text;

use chrono::{DateTime, Utc};
use url::Url;

use crate::canon;
use crate::decode;
use crate::extract::Article;
use crate::normalize::{content_hash, normalize_line};

/// One usable item of a feed.
#[derive(Debug, Clone, PartialEq)]
pub struct FeedItem {
    /// The item's stable key within its feed: its GUID/id if it has one, else its canonical link.
    pub key: String,
    /// The canonical article URL from the item's link. For an item without a usable link, its identity: the
    /// feed's URL with `#item=KEY`, never fetched (see `own_text`).
    pub link: Url,
    pub title: Option<String>,
    pub published: Option<DateTime<Utc>>,
    pub updated: Option<DateTime<Utc>>,
    /// blake3 of title, summary and updated time (and of the own text); a change means "re-fetch the article".
    pub fingerprint: String,
    /// For an item without a link: its own content (content, else description or summary) as normalised text,
    /// which is then the article. `None` for an item whose page is fetched.
    pub own_text: Option<String>,
}

impl FeedItem {
    /// The article of an item without a link: its title and its own text. `None` for an item with a page.
    pub fn own_article(&self) -> Option<Article> {
        let text = self.own_text.clone()?;
        let title = self.title.clone().filter(|t| !t.is_empty()).unwrap_or_else(|| {
            // No title: the start of the text stands for it, as readers show such items.
            let first = text.lines().next().unwrap_or_default();
            first.chars().take(100).collect()
        });
        Some(Article {
            content_hash: content_hash(&title, &text),
            title,
            text,
            canonical_url: None,
            published: self.published.map(|d| d.to_rfc3339()),
            modified: self.updated.map(|d| d.to_rfc3339()),
            lang: None,
        })
    }
}

/// Whether `url` is the identity of a feed item without a link (the feed's URL with `#item=KEY`): such an
/// article has no page to fetch, re-check or extract again; the feed is its only source.
pub fn is_own_item_url(url: &str) -> bool {
    Url::parse(url).ok().is_some_and(|u| u.fragment().is_some_and(|f| f.starts_with("item=")))
}

/// A parsed feed.
#[derive(Debug, Clone)]
pub struct ParsedFeed {
    pub items: Vec<FeedItem>,
    /// Entries in the feed as a reader counts them: every `<item>`/`<entry>` read, including those that are
    /// not tracked (a repeated GUID, nothing to keep).
    pub entries: usize,
    /// Entries not tracked, and why, for the log.
    pub skipped: Vec<String>,
    /// The feed's own `<ttl>` (minutes), if any.
    pub ttl_minutes: Option<u32>,
    /// The feed was not well-formed (or not in its declared encoding) and was read by recovery: what was wrong.
    pub damage: Option<String>,
    /// `rss`, `atom` or `json`.
    pub format: &'static str,
    pub title: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum FeedError {
    #[error("empty body: the server sent no feed")]
    Empty,
    #[error("not a feed: the server sent an HTML page")]
    Html,
    #[error("not a feed but a sitemap (<{root}>): set kind = \"sitemap\" on this [[feed]] to follow it")]
    Sitemap { root: String },
    #[error("not a valid feed: {0}")]
    Parse(String),
    #[error(
        "the feed holds {tags} <item>/<entry> elements but none could be read ({cause}){}",
        damage.as_ref().map(|d| format!("; damage: {d}")).unwrap_or_default()
    )]
    NoItemsRead { tags: usize, cause: String, damage: Option<String> },
}

/// Damage from decoding: bytes that are not in the encoding the document declares, or no declaration for bytes
/// that are not UTF-8 (XML's default). feedparser calls these documents ill-formed too.
fn encoding_damage(bytes: &[u8], decoded: &decode::Decoded) -> Option<String> {
    let body = encoding_rs::Encoding::for_bom(bytes).map(|(_, n)| &bytes[n..]).unwrap_or(bytes);
    if let Some(label) = declared_label(body) {
        if encoding_rs::Encoding::for_label(label.as_bytes()).is_none() {
            return Some(format!(
                "the XML declaration names an unknown encoding \"{label}\"; read as {}",
                decoded.encoding.name()
            ));
        }
    }
    let utf8 = std::str::from_utf8(body).is_ok();
    match decoded.source {
        decode::Source::Detected if !utf8 && !body.is_ascii() => Some(format!(
            "no encoding is declared and the bytes are not UTF-8; read as {} (detected)",
            decoded.encoding.name()
        )),
        _ if decoded.encoding == encoding_rs::UTF_8 && !utf8 => {
            Some("bytes that are not valid UTF-8 (shown as U+FFFD)".to_string())
        }
        _ => None,
    }
}

/// The `encoding` label of the XML declaration, as written.
fn declared_label(bytes: &[u8]) -> Option<String> {
    let head = String::from_utf8_lossy(&bytes[..bytes.len().min(512)]);
    let decl = head.trim_start().strip_prefix("<?xml")?;
    let decl = &decl[..decl.find("?>")?];
    let rest = decl[decl.find("encoding")? + 8..].trim_start().strip_prefix('=')?.trim_start();
    let quote = rest.chars().next().filter(|c| *c == '"' || *c == '\'')?;
    Some(rest[1..].split(quote).next()?.to_string())
}

/// `<item>` and `<entry>` start tags in the text (prefixed ones too).
fn item_tags(text: &str) -> usize {
    static TAG: std::sync::OnceLock<regex::Regex> = std::sync::OnceLock::new();
    TAG.get_or_init(|| regex::Regex::new(r"<(?:[A-Za-z_][\w.-]*:)?(?:item|entry)[\s>/]").expect("valid pattern"))
        .find_iter(text)
        .count()
}

/// Decodes and parses a feed body fetched from `feed_url`.
pub fn parse(bytes: &[u8], content_type: Option<&str>, feed_url: &Url) -> Result<ParsedFeed, FeedError> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(FeedError::Empty);
    }
    let decoded = decode::decode_feed(bytes, content_type, feed_url.host_str());
    let mut damage: Vec<String> = encoding_damage(bytes, &decoded).into_iter().collect();
    let text = decoded.text;
    if looks_like_html(&text) {
        return Err(FeedError::Html);
    }
    let json = text.trim_start_matches(['\u{feff}', ' ', '\t', '\r', '\n']).starts_with(['{', '[']);
    let (source, tags) = if json {
        let j = adapt::json(&text).map_err(FeedError::Parse)?;
        (j.text, j.items)
    } else {
        if let Some(root) = adapt::root(&text).filter(|r| matches!(r.local_name(), "urlset" | "sitemapindex")) {
            return Err(FeedError::Sitemap { root: root.name });
        }
        let checked = repair::check(&text);
        damage.extend(checked.damage);
        let adapted = adapt::xml(&checked.text).into_owned();
        (adapted, item_tags(&text))
    };
    let damage = (!damage.is_empty()).then(|| damage.join("; "));

    // The XML stack below feed-rs has panicked on hostile input before; a panic is this feed's error, not ours.
    let parsed = crash::parse(feed_url, &source);
    let with_damage = |msg: String| match &damage {
        Some(d) => format!("{msg} (damage: {d})"),
        None => msg,
    };
    let feed = match parsed {
        Some(Ok(feed)) => feed,
        Some(Err(e)) => {
            let msg = match e {
                feed_rs::parser::ParseFeedError::ParseError(feed_rs::parser::ParseErrorKind::NoFeedRoot) => {
                    match adapt::root(&source) {
                        Some(r) => format!("the root element <{}> is not RSS, Atom or RDF", r.name),
                        None => "the document has no root element".to_string(),
                    }
                }
                other => other.to_string(),
            };
            return Err(FeedError::Parse(with_damage(msg)));
        }
        None => return Err(FeedError::Parse(with_damage("the feed parser crashed on this input".into()))),
    };
    if feed.entries.is_empty() && tags > 0 {
        let cause = match adapt::root(&source) {
            Some(r) => format!("its root <{}> holds no item presswatch can read", r.name),
            None => "no item presswatch can read".to_string(),
        };
        return Err(FeedError::NoItemsRead { tags, cause, damage });
    }

    let format = match feed.feed_type {
        feed_rs::model::FeedType::Atom => "atom",
        feed_rs::model::FeedType::JSON => "json",
        _ => "rss",
    };
    let entries = feed.entries.len();
    let mut items = Vec::with_capacity(entries);
    let mut skipped = Vec::new();
    let mut seen_keys = std::collections::HashSet::new();
    for (n, entry) in feed.entries.into_iter().enumerate() {
        let title = entry.title.as_ref().map(|t| normalize_line(&t.content)).filter(|t| !t.is_empty());
        let describe = || title.as_deref().map(|t| format!("\"{t}\"")).unwrap_or_else(|| format!("#{}", n + 1));
        let raw_link = entry
            .links
            .iter()
            .find(|l| l.rel.as_deref().is_none_or(|r| r == "alternate"))
            .or(entry.links.first())
            .map(|l| l.href.clone())
            // Some RSS feeds put the URL only in a permalink guid.
            .or_else(|| {
                (entry.id.starts_with("http://") || entry.id.starts_with("https://")).then(|| entry.id.clone())
            });
        let base = entry.base.as_deref().and_then(|b| feed_url.join(b).ok());
        let link = raw_link
            .as_deref()
            .and_then(|l| canon::resolve_and_canonicalize(Some(base.as_ref().unwrap_or(feed_url)), l));
        let guid = entry.id.trim().to_string();
        let summary = entry.summary.as_ref().map(|s| normalize_line(&s.content)).unwrap_or_default();
        let (key, link, own_text) = match (link, &raw_link) {
            (Some(link), _) => (if guid.is_empty() { link.to_string() } else { guid }, link, None),
            // A link that is not http(s) (`javascript:`, `file:`) is refused, not replaced by the item's text.
            (None, Some(bad)) => {
                skipped.push(format!("item {} has no usable http(s) link ({bad})", describe()));
                continue;
            }
            (None, None) => {
                // No page to fetch: the item is tracked by its GUID, and its own content is the article.
                let body = entry.content.as_ref().and_then(|c| c.body.as_deref());
                let own = body.or(entry.summary.as_ref().map(|s| s.content.as_str())).map(text::html_to_text);
                let own = own.unwrap_or_default();
                // Something to keep and a way to know it again: its own text, or a GUID (a headline alone
                // without one is not worth an article).
                if own.is_empty() && (guid.is_empty() || title.is_none()) {
                    skipped.push(format!("item {} has neither a link nor any content", describe()));
                    continue;
                }
                let key = if !guid.is_empty() {
                    guid
                } else if let Some(t) = &title {
                    format!("title:{t}")
                } else {
                    format!("text:{}", &blake3::hash(own.as_bytes()).to_hex()[..32])
                };
                let mut id = feed_url.clone();
                id.set_fragment(Some(&format!("item={key}")));
                (key, id, Some(own))
            }
        };
        if !seen_keys.insert(key.clone()) {
            skipped.push(format!("item {key} appears twice in the feed; the first one is kept"));
            continue;
        }
        let mut fp = blake3::Hasher::new();
        fp.update(title.as_deref().unwrap_or("").as_bytes());
        fp.update(b"\0");
        fp.update(summary.as_bytes());
        fp.update(b"\0");
        fp.update(entry.updated.map(|u| u.to_rfc3339()).unwrap_or_default().as_bytes());
        if let Some(own) = &own_text {
            fp.update(b"\0");
            fp.update(own.as_bytes());
        }
        items.push(FeedItem {
            key,
            link,
            title,
            published: entry.published,
            updated: entry.updated,
            fingerprint: fp.finalize().to_hex()[..32].to_string(),
            own_text,
        });
    }
    Ok(ParsedFeed {
        items,
        entries,
        skipped,
        ttl_minutes: feed.ttl,
        damage,
        format,
        title: feed.title.map(|t| normalize_line(&t.content)).filter(|t| !t.is_empty()),
    })
}

fn looks_like_html(text: &str) -> bool {
    let start: String = text.trim_start().chars().take(200).collect::<String>().to_ascii_lowercase();
    let start = start.trim_start_matches("<?xml version=\"1.0\" encoding=\"utf-8\"?>").trim_start();
    start.starts_with("<!doctype html") || start.starts_with("<html")
}

#[cfg(test)]
mod tests;
