//! Feed parsing: decoded bytes in, a flat list of items out.
//!
//! feed-rs reads RSS 0.9x/1.0/2.0, Atom and JSON Feed. What we add: charset sniffing before parsing (see
//! `decode`), a clear "not a feed" error for HTML, canonical item links, and an entry fingerprint that tells
//! when the publisher changed an item's title, summary or updated time.

use chrono::{DateTime, Utc};
use url::Url;

use crate::canon;
use crate::decode;

/// One usable item of a feed.
#[derive(Debug, Clone, PartialEq)]
pub struct FeedItem {
    /// The item's stable key within its feed: its GUID/id if it has one, else its canonical link.
    pub key: String,
    /// The canonical article URL from the item's link.
    pub link: Url,
    pub title: Option<String>,
    pub published: Option<DateTime<Utc>>,
    pub updated: Option<DateTime<Utc>>,
    /// blake3 of title, summary and updated time; a change means "re-fetch the article".
    pub fingerprint: String,
}

/// A parsed feed.
#[derive(Debug, Clone)]
pub struct ParsedFeed {
    pub items: Vec<FeedItem>,
    /// Entries dropped because they had no usable http(s) link, for the log.
    pub skipped: Vec<String>,
    /// The feed's own `<ttl>` (minutes), if any.
    pub ttl_minutes: Option<u32>,
}

#[derive(Debug, thiserror::Error)]
pub enum FeedError {
    #[error("empty body: the server sent no feed")]
    Empty,
    #[error("not a feed: the server sent an HTML page{}", .alternate.as_ref().map(|a| format!(" (it links a feed: {a})")).unwrap_or_default())]
    Html { alternate: Option<String> },
    #[error("not a valid feed: {0}")]
    Parse(String),
}

/// Decodes and parses a feed body fetched from `feed_url`.
pub fn parse(bytes: &[u8], content_type: Option<&str>, feed_url: &Url) -> Result<ParsedFeed, FeedError> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(FeedError::Empty);
    }
    let decoded = decode::decode_feed(bytes, content_type, feed_url.host_str());
    let text = decoded.text;
    if looks_like_html(&text) {
        return Err(FeedError::Html { alternate: alternate_feed_link(&text, feed_url) });
    }
    // The XML stack below feed-rs has panicked on hostile input before; a panic is this feed's error, not ours.
    // A panic on a person's address (see `mask_at_signs`) is worked around by parsing again without any `@`.
    let feed = match parse_catching(feed_url, &text) {
        Some(result) => result,
        None => match parse_catching(feed_url, &mask_at_signs(&text)) {
            Some(result) => result.map(unmask_entries),
            None => return Err(FeedError::Parse("the feed parser crashed on this input".into())),
        },
    };
    let feed = feed.map_err(|e| FeedError::Parse(e.to_string()))?;

    let mut items = Vec::with_capacity(feed.entries.len());
    let mut skipped = Vec::new();
    let mut seen_keys = std::collections::HashSet::new();
    for entry in feed.entries {
        let title = entry.title.as_ref().map(|t| crate::normalize::normalize_line(&t.content));
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
        let Some(link) = link else {
            skipped.push(format!(
                "item {} has no usable http(s) link ({})",
                title
                    .as_deref()
                    .map(|t| format!("\"{t}\""))
                    .unwrap_or_else(|| format!("#{}", items.len() + skipped.len() + 1)),
                raw_link.as_deref().unwrap_or("none"),
            ));
            continue;
        };
        let key = if entry.id.trim().is_empty() { link.to_string() } else { entry.id.trim().to_string() };
        if !seen_keys.insert(key.clone()) {
            skipped.push(format!("item {key} appears twice in the feed; the first one is kept"));
            continue;
        }
        let summary = entry.summary.as_ref().map(|s| crate::normalize::normalize_line(&s.content)).unwrap_or_default();
        let mut fp = blake3::Hasher::new();
        fp.update(title.as_deref().unwrap_or("").as_bytes());
        fp.update(b"\0");
        fp.update(summary.as_bytes());
        fp.update(b"\0");
        fp.update(entry.updated.map(|u| u.to_rfc3339()).unwrap_or_default().as_bytes());
        items.push(FeedItem {
            key,
            link,
            title,
            published: entry.published,
            updated: entry.updated,
            fingerprint: fp.finalize().to_hex()[..32].to_string(),
        });
    }
    Ok(ParsedFeed { items, skipped, ttl_minutes: feed.ttl })
}

/// Runs feed-rs; `None` if it panicked. A parser of its own each time: one that panicked is left in a state
/// that makes its next parse panic too.
fn parse_catching(feed_url: &Url, text: &str) -> Option<Result<feed_rs::model::Feed, feed_rs::parser::ParseFeedError>> {
    let parser = feed_rs::parser::Builder::new()
        .base_uri(Some(feed_url.as_str()))
        // An empty id marks "the feed gave none"; we then key the item by its link, which, unlike feed-rs's
        // generated id, does not change when the headline does.
        .id_generator(|_, _, _| String::new())
        .build();
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| parser.parse(text.as_bytes()))).ok()
}

/// Stands in for `@` when a feed is parsed again: FULLWIDTH COMMERCIAL AT, which no e-mail pattern matches.
const AT_STAND_IN: &str = "\u{FF20}";

/// feed-rs 3.0.0 cuts a person's text (RSS `author`, `managingEditor`, `webMaster`, `dc:creator`, JSON Feed
/// `author.name`) one byte before or after the e-mail address it finds there, and panics when that byte is
/// inside a multi-byte character (`张三（zhang@xinhua.cn）`). We read no person, so a feed that panicked is
/// parsed again with every `@` replaced, also as a character reference (`&#64;`, `&#x40;`) or a JSON escape
/// (`\u0040`), and the fields we read get their `@` back ([`unmask_entries`]). Feeds that parse are untouched.
fn mask_at_signs(text: &str) -> String {
    static AT: std::sync::OnceLock<regex::Regex> = std::sync::OnceLock::new();
    let at = AT.get_or_init(|| regex::Regex::new(r"@|&#0*64;|&#[xX]0*40;|\\u0040").expect("valid regex"));
    at.replace_all(text, AT_STAND_IN).into_owned()
}

/// Puts `@` back where [`mask_at_signs`] took it out, in every field of an entry we read (a link may have
/// been percent-encoded by feed-rs on the way).
fn unmask_entries(mut feed: feed_rs::model::Feed) -> feed_rs::model::Feed {
    let unmask = |s: &mut String| {
        if s.contains(AT_STAND_IN) || s.contains("%EF%BC%A0") {
            *s = s.replace(AT_STAND_IN, "@").replace("%EF%BC%A0", "@");
        }
    };
    for entry in &mut feed.entries {
        unmask(&mut entry.id);
        entry.title.iter_mut().for_each(|t| unmask(&mut t.content));
        entry.summary.iter_mut().for_each(|t| unmask(&mut t.content));
        entry.links.iter_mut().for_each(|l| unmask(&mut l.href));
        entry.base.iter_mut().for_each(unmask);
    }
    feed
}

fn looks_like_html(text: &str) -> bool {
    let start: String = text.trim_start().chars().take(200).collect::<String>().to_ascii_lowercase();
    let start = start.trim_start_matches("<?xml version=\"1.0\" encoding=\"utf-8\"?>").trim_start();
    start.starts_with("<!doctype html") || start.starts_with("<html")
}

/// `<link rel="alternate" type="application/rss+xml" href=...>` in an HTML page, resolved.
fn alternate_feed_link(html: &str, base: &Url) -> Option<String> {
    let doc = dom_query::Document::from(html);
    let sel = doc.select(
        r#"link[rel~="alternate"][type="application/rss+xml"], link[rel~="alternate"][type="application/atom+xml"], link[rel~="alternate"][type="application/feed+json"]"#,
    );
    let href = sel.attr("href")?;
    base.join(href.trim()).ok().map(String::from)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url() -> Url {
        Url::parse("https://news.example/rss/home.rss").unwrap()
    }

    #[test]
    fn rss_items_with_relative_links_and_tracking() {
        let rss = r#"<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>T</title><ttl>30</ttl>
<item><title>
  Một
</title><link>/a-1.html?utm_source=rss</link><guid isPermaLink="false">id-1</guid></item>
<item><title>Two</title><link>https://news.example/b-2.html#c</link></item>
<item><title>No link</title></item>
<item><title>Script</title><link>javascript:alert(1)</link></item>
</channel></rss>"#;
        let f = parse(rss.as_bytes(), None, &url()).unwrap();
        assert_eq!(f.ttl_minutes, Some(30));
        assert_eq!(f.items.len(), 2);
        assert_eq!(f.items[0].key, "id-1");
        assert_eq!(f.items[0].link.as_str(), "https://news.example/a-1.html");
        assert_eq!(f.items[0].title.as_deref(), Some("Một"));
        assert_eq!(f.items[1].key, "https://news.example/b-2.html");
        assert_eq!(f.skipped.len(), 2, "{:?}", f.skipped);
    }

    #[test]
    fn fingerprint_follows_title_and_summary() {
        let make = |title: &str| {
            format!(
                r#"<rss version="2.0"><channel><title>T</title><item><title>{title}</title><link>https://news.example/x</link><description>s</description></item></channel></rss>"#
            )
        };
        let a = parse(make("A").as_bytes(), None, &url()).unwrap().items[0].fingerprint.clone();
        let a2 = parse(make("A").as_bytes(), None, &url()).unwrap().items[0].fingerprint.clone();
        let b = parse(make("B").as_bytes(), None, &url()).unwrap().items[0].fingerprint.clone();
        assert_eq!(a, a2);
        assert_ne!(a, b);
    }

    #[test]
    fn html_is_not_a_feed_and_names_its_alternate() {
        let html = r#"<!DOCTYPE html><html><head><link rel="alternate" type="application/rss+xml" href="/rss/home.rss"></head><body>hi</body></html>"#;
        let e = parse(html.as_bytes(), Some("text/html"), &url()).unwrap_err();
        assert_eq!(
            e.to_string(),
            "not a feed: the server sent an HTML page (it links a feed: https://news.example/rss/home.rss)"
        );
        assert!(matches!(parse(b"  \n", None, &url()), Err(FeedError::Empty)));
        assert!(matches!(
            parse(b"<rss version=\"2.0\"><channel><item>", None, &url()),
            Err(FeedError::Parse(_)) | Ok(_)
        ));
    }

    #[test]
    fn a_feed_of_ten_thousand_items_with_duplicate_guids() {
        let items: String = (0..10_000)
            .map(|i| {
                format!(
                    "<item><title>T{i}</title><link>https://news.example/{i}.html</link><guid>g{}</guid></item>",
                    i % 9_000
                )
            })
            .collect();
        let rss = format!("<rss version=\"2.0\"><channel><title>big</title>{items}</channel></rss>");
        let started = std::time::Instant::now();
        let f = parse(rss.as_bytes(), None, &url()).unwrap();
        assert_eq!(f.items.len(), 9_000, "the first of each duplicate GUID is kept");
        assert_eq!(f.skipped.len(), 1_000);
        assert_eq!(f.items[8_999].link.as_str(), "https://news.example/8999.html");
        assert!(started.elapsed() < std::time::Duration::from_secs(20), "{:?}", started.elapsed());
    }

    /// Found by the `feed` fuzz target: feed-rs 3.0.0 cuts a person's text (RSS `author`, `managingEditor`,
    /// `webMaster`, `dc:creator`, JSON Feed `author.name`) one byte before or after the e-mail address in it,
    /// and panics when that byte is inside a multi-byte character: the whole feed was refused ("the feed
    /// parser crashed"), at every poll, for as long as the author stayed.
    #[test]
    fn an_author_whose_address_touches_a_wide_character_does_not_lose_the_feed() {
        let rss = |channel: &str, item: &str| {
            format!(
                r#"<?xml version="1.0" encoding="UTF-8"?><rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/"><channel><title>T</title>{channel}<item><title>Gặp @tacgia</title><link>https://news.example/@tacgia/bai-1.html</link>{item}</item></channel></rss>"#
            )
        };
        let feeds = [
            rss("", "<author>张三（zhang@xinhua.cn）</author>"),
            rss("", "<dc:creator>Phóng viên&#8211;pv&#64;baoquocte.vn</dc:creator>"),
            rss("<managingEditor>tòa soạn–toasoan@baoquocte.vn</managingEditor>", ""),
            r#"{"version":"https://jsonfeed.org/version/1.1","title":"J","author":{"name":"编辑：zhang@xinhua.cn"},"items":[{"id":"https://news.example/@tacgia/bai-1.html","url":"https://news.example/@tacgia/bai-1.html","title":"Gặp \u0040tacgia"}]}"#.to_string(),
        ];
        for feed in &feeds {
            let f = parse(feed.as_bytes(), None, &url()).unwrap_or_else(|e| panic!("{e}: {feed}"));
            assert_eq!(f.items.len(), 1, "{feed}");
            assert_eq!(f.items[0].link.as_str(), "https://news.example/@tacgia/bai-1.html");
            assert_eq!(f.items[0].title.as_deref(), Some("Gặp @tacgia"));
        }
    }

    #[test]
    fn atom_and_json_feed() {
        let atom = r#"<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><title>A</title><id>urn:f</id><updated>2026-01-01T00:00:00Z</updated>
<entry><title>E</title><id>urn:e1</id><updated>2026-01-02T00:00:00Z</updated><link rel="alternate" href="https://news.example/e1"/></entry></feed>"#;
        let f = parse(atom.as_bytes(), None, &url()).unwrap();
        assert_eq!(f.items[0].key, "urn:e1");
        assert_eq!(f.items[0].link.as_str(), "https://news.example/e1");
        let json = r#"{"version":"https://jsonfeed.org/version/1.1","title":"J","items":[{"id":"7","url":"https://news.example/j7?fbclid=1","title":"J7"}]}"#;
        let f = parse(json.as_bytes(), Some("application/feed+json"), &url()).unwrap();
        assert_eq!(f.items[0].key, "7");
        assert_eq!(f.items[0].link.as_str(), "https://news.example/j7");
    }
}
