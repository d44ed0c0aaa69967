//! Article extraction: HTML in, the article out. Pure and synchronous: no I/O, no store.
//!
//! The main text comes from dom_smoothie (a Readability.js port; see `../shared/notes/crates.md` for why).
//! Around it we add what edit detection needs: the canonical URL (`link rel=canonical`, then `og:url`),
//! dates and language from meta tags, block boundaries kept as line breaks, the headline removed from the
//! body when the template repeats it, and normalisation plus the content hash.

use chrono::{DateTime, Utc};
use dom_query::Document;
use url::Url;

use crate::normalize::{content_hash, normalize_line, normalize_text};

mod clean;
pub mod sandbox;
pub use clean::is_chrome_line;

/// The extractor's version, stamped on every stored version of an article. Raise it whenever a change to
/// extraction can change the text or hash of a page that did not change, so that stored articles are
/// re-extracted from their kept page before they are compared (an upgrade must not report edits).
pub const EXTRACTOR_VERSION: u32 = 1;

/// Pages with more elements than this are refused rather than parsed for seconds.
const MAX_ELEMENTS: usize = 200_000;
/// Fewer visible characters than this is not an article (a brief of two sentences has more).
const MIN_ARTICLE_CHARS: usize = 120;

/// The extracted article, normalised.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Article {
    pub title: String,
    /// The main text, one paragraph a line, normalised.
    pub text: String,
    pub canonical_url: Option<String>,
    pub published: Option<String>,
    pub modified: Option<String>,
    pub lang: Option<String>,
    pub content_hash: String,
}

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum ExtractError {
    /// The page clearly holds no article; `rule` names the rule that said so (logged with `page.no_article`).
    #[error("no article in the page ({rule})")]
    NoArticle { rule: &'static str },
    #[error("the page has more than {MAX_ELEMENTS} elements; refused")]
    TooLarge,
    #[error("extraction took longer than {0:?}; the page is given up")]
    TimedOut(std::time::Duration),
    #[error("{0}")]
    Crashed(String),
}

impl ExtractError {
    /// A page without an article, as opposed to a page the extractor could not handle.
    pub fn is_no_article(&self) -> bool {
        matches!(self, ExtractError::NoArticle { .. })
    }
}

/// Site-specific noise controls (per feed in the config).
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// CSS selectors of elements to drop before extraction.
    pub drop_selectors: Vec<String>,
    /// Lines of text matching any of these are not part of the article (e.g. a site's "Cập nhật lúc ..." line).
    pub ignore_lines: Vec<regex::Regex>,
}

/// Extracts the article from a decoded (NFC) HTML document with default options.
pub fn extract(html: &str, page_url: Option<&Url>) -> Result<Article, ExtractError> {
    extract_with(html, page_url, &Options::default())
}

/// What extraction did to a page, for `presswatch extract --explain`: the element taken as the article, what
/// was dropped and why, and the result.
#[derive(Debug, Default, serde::Serialize)]
pub struct Explanation {
    /// The smallest element of the page that holds the whole extracted text, as `<tag class=".." id="..">`.
    pub article_root: Option<String>,
    /// Elements removed before scoring, with the rule that removed each.
    pub dropped_elements: Vec<String>,
    /// Text lines left out of the article, with the rule that dropped each.
    pub dropped_lines: Vec<String>,
}

/// Extracts the article from a decoded HTML document. `page_url` resolves relative canonical links.
pub fn extract_with(html: &str, page_url: Option<&Url>, options: &Options) -> Result<Article, ExtractError> {
    extract_traced(html, page_url, options, None)
}

/// Extracts like [`extract_with`] and says how: see [`Explanation`].
pub fn explain(html: &str, page_url: Option<&Url>, options: &Options) -> (Result<Article, ExtractError>, Explanation) {
    let mut why = Explanation::default();
    let result = extract_traced(html, page_url, options, Some(&mut why));
    if let Ok(article) = &result {
        why.article_root = article_root(&crate::normalize::nfc(html), &article.text);
    }
    (result, why)
}

/// The deepest element whose text holds the first and the last line of the extracted text.
fn article_root(html: &str, text: &str) -> Option<String> {
    let (first, last) = (text.lines().next()?, text.lines().last()?);
    // Compare on a prefix of each line: the page's own text has other white space and entities.
    let probe = |line: &str| normalize_line(line).chars().take(40).collect::<String>();
    let (first, last) = (probe(first), probe(last));
    let doc = Document::from(html);
    let mut best = None;
    for node in doc.select("body *").nodes() {
        let t = normalize_line(&node.text());
        if t.contains(&first) && t.contains(&last) {
            best = Some(describe(node));
        }
    }
    best
}

fn describe(node: &dom_query::NodeRef) -> String {
    let name = node.node_name().unwrap_or_default();
    let mut out = format!("<{name}");
    for attr in ["id", "class", "itemprop", "role"] {
        if let Some(v) = node.attr(attr) {
            out.push_str(&format!(" {attr}=\"{v}\""));
        }
    }
    out.push('>');
    out
}

fn extract_traced(
    html: &str,
    page_url: Option<&Url>,
    options: &Options,
    mut why: Option<&mut Explanation>,
) -> Result<Article, ExtractError> {
    // NFC before parsing: the extractor compares strings (headline against <title>), and an NFD page could
    // otherwise lead it to other choices than the same page in NFC.
    let html = crate::normalize::nfc(html);
    let doc = Document::from(html.as_ref());

    let canonical_url = canonical_link(&doc, page_url);
    let metas = MetaIndex::new(&doc);
    let meta_published = metas.content(&["article:published_time", "datePublished", "pubdate"]);
    let meta_modified = metas.content(&["article:modified_time", "og:updated_time", "dateModified", "last-modified"]);
    let lang = doc
        .select("html")
        .attr("lang")
        .map(|l| l.trim().to_string())
        .filter(|l| !l.is_empty())
        .or_else(|| metas.content(&["content-language", "og:locale"]));

    let headings: Vec<String> =
        doc.select("h1").iter().map(|h| normalize_line(&h.text())).filter(|h| !h.is_empty()).collect();
    let site_name = metas.content(&["og:site_name"]).map(|s| normalize_line(&s));
    for sel in &options.drop_selectors {
        let matched = doc.select(sel);
        if let Some(w) = why.as_deref_mut() {
            for _ in matched.nodes() {
                w.dropped_elements.push(format!("{sel} (the feed's drop rule)"));
            }
        }
        matched.remove();
    }
    let removed = clean::remove_chrome(&doc);
    if let Some(w) = why.as_deref_mut() {
        w.dropped_elements.extend(removed);
    }

    let cfg = dom_smoothie::Config {
        text_mode: dom_smoothie::TextMode::Formatted,
        max_elements_to_parse: MAX_ELEMENTS,
        ..Default::default()
    };
    let doc_url = page_url.map(|u| u.as_str());
    let mut readability = dom_smoothie::Readability::with_document(doc, doc_url, Some(cfg))
        .map_err(|_| ExtractError::NoArticle { rule: "no readable document" })?;
    let article = readability.parse().map_err(|e| match e {
        dom_smoothie::ReadabilityError::TooManyElements(..) => ExtractError::TooLarge,
        _ => ExtractError::NoArticle { rule: "no content candidate" },
    })?;

    if let Some(rule) = not_an_article(&article.content) {
        return Err(ExtractError::NoArticle { rule });
    }
    let title = choose_title(&normalize_line(&article.title), &headings, site_name.as_deref());
    let mut text = normalize_text(&article.text_content)
        .lines()
        .filter(|l| {
            let reason = if clean::is_chrome_line(l) {
                Some("counter, share label or timestamp".to_string())
            } else {
                options.ignore_lines.iter().find(|r| r.is_match(l)).map(|r| format!("ignore_lines /{r}/"))
            };
            if let (Some(reason), Some(w)) = (&reason, why.as_deref_mut()) {
                w.dropped_lines.push(format!("{l}  ({reason})"));
            }
            reason.is_none()
        })
        .collect::<Vec<_>>()
        .join("\n");
    // Many templates repeat the headline as the first line of the body; count it once.
    if let Some(rest) = text.strip_prefix(title.as_str()) {
        if rest.is_empty() || rest.starts_with('\n') {
            text = rest.trim_start_matches('\n').to_string();
        }
    }
    if text.is_empty() {
        return Err(ExtractError::NoArticle { rule: "no text left once chrome is removed" });
    }
    let content_hash = content_hash(&title, &text);
    Ok(Article {
        title,
        text,
        canonical_url,
        published: article.published_time.or(meta_published).map(|s| normalize_date(&s)),
        modified: article.modified_time.or(meta_modified).map(|s| normalize_date(&s)),
        lang: article.lang.filter(|l| !l.trim().is_empty()).or(lang),
        content_hash,
    })
}

/// Too little text, or text that is mostly links: a section front, an error page, a paywall stub.
fn not_an_article(content_html: &str) -> Option<&'static str> {
    let (total, linked) = text_and_linked_chars(content_html);
    if total < MIN_ARTICLE_CHARS {
        Some("too little text")
    } else if linked * 2 > total {
        Some("mostly links")
    } else {
        None
    }
}

/// Non-white-space characters of the text of `html`: in all, and inside links. The HTML is dom_smoothie's
/// serialisation (well-formed tags, attribute values in double quotes, text escaped with `&amp;`, `&lt;`, `&gt;`
/// and `&nbsp;`), so one scan gives what parsing it a second time gave (checked on the 261 pages of the
/// extraction benchmark), and saves a twentieth of the extraction time.
fn text_and_linked_chars(html: &str) -> (usize, usize) {
    let (mut total, mut linked, mut link_depth) = (0, 0, 0usize);
    let mut rest = html;
    loop {
        let lt = rest.find('<').unwrap_or(rest.len());
        let n = visible_chars(&rest[..lt]);
        total += n;
        if link_depth > 0 {
            linked += n;
        }
        rest = &rest[lt..];
        if rest.is_empty() {
            return (total, linked);
        }
        if let Some(after) = rest.strip_prefix("<!--") {
            rest = after.find("-->").map_or("", |e| &after[e + 3..]);
            continue;
        }
        // The tag ends at the first `>` outside an attribute value (`="..."`; a `"` elsewhere is a name).
        let bytes = rest.as_bytes();
        let mut end = 1;
        while end < bytes.len() && bytes[end] != b'>' {
            if bytes[end] == b'=' && bytes.get(end + 1) == Some(&b'"') {
                end = rest[end + 2..].find('"').map_or(bytes.len(), |q| end + 2 + q);
            }
            end += 1;
        }
        let end = end.min(bytes.len());
        let tag = &rest[1..end];
        let (closing, tag) = match tag.strip_prefix('/') {
            Some(t) => (true, t),
            None => (false, tag),
        };
        let name_end = tag.find(|c: char| c.is_ascii_whitespace() || c == '/').unwrap_or(tag.len());
        if tag[..name_end].eq_ignore_ascii_case("a") {
            link_depth = if closing { link_depth.saturating_sub(1) } else { link_depth + 1 };
        }
        rest = rest.get(end + 1..).unwrap_or("");
    }
}

/// Non-white-space characters of escaped text: an entity is one character, `&nbsp;` is white space.
fn visible_chars(text: &str) -> usize {
    let mut n = 0;
    let mut rest = text;
    while let Some(c) = rest.chars().next() {
        if c == '&' {
            // An entity is short; look at most 12 bytes ahead, cut on a character boundary (found by
            // tests/properties.rs: slicing inside a multi-byte character panicked).
            let mut window = rest.len().min(12);
            while !rest.is_char_boundary(window) {
                window -= 1;
            }
            if let Some(semi) = rest[..window].find(';') {
                n += usize::from(&rest[..=semi] != "&nbsp;");
                rest = &rest[semi + 1..];
                continue;
            }
        }
        n += usize::from(!c.is_whitespace());
        rest = &rest[c.len_utf8()..];
    }
    n
}

/// The headline. Readability's title comes from `<title>` minus a site suffix, but its suffix heuristic counts
/// space-separated words and so fails on Thai, Chinese and Japanese. An `<h1>` that the `<title>` begins or ends
/// with, and that is most of it, is the headline without the site name in any script.
fn choose_title(readability_title: &str, headings: &[String], site_name: Option<&str>) -> String {
    let len = |s: &str| s.chars().count();
    // What is left of <title> once the heading is taken off, when the heading is its start or its end.
    let remainder =
        |h: &str| readability_title.strip_prefix(h).or_else(|| readability_title.strip_suffix(h)).map(str::trim);
    // "Markets rally | Mekong Wire": a short headline is still the headline when the rest of <title> is a
    // separator and a site name.
    let is_site_suffix = |rest: &str| {
        let rest = rest.trim_matches(|c: char| "|-–—:·•»«/\\".contains(c) || c.is_whitespace());
        !rest.is_empty() && len(rest) <= 60
    };
    let separated = |rest: &str| {
        rest.starts_with(['|', '-', '–', '—', ':', '·', '•', '»', '/'])
            || rest.ends_with(['|', '-', '–', '—', ':', '·', '•', '«', '/'])
    };
    headings
        .iter()
        .filter(|h| Some(h.as_str()) != site_name)
        .filter(|h| match remainder(h) {
            Some("") => true,
            Some(rest) => len(h) * 2 >= len(readability_title) || (separated(rest) && is_site_suffix(rest)),
            None => false,
        })
        .max_by_key(|h| len(h))
        .cloned()
        .unwrap_or_else(|| readability_title.to_string())
}

/// `<link rel="canonical">`, else `og:url`, resolved against the page URL; only http(s) URLs count.
fn canonical_link(doc: &Document, page_url: Option<&Url>) -> Option<String> {
    let candidates = [
        doc.select(r#"link[rel~="canonical"]"#).attr("href"),
        doc.select(r#"meta[property="og:url"]"#).attr("content"),
    ];
    candidates.into_iter().flatten().find_map(|href| {
        let href = href.trim();
        let resolved = match page_url {
            Some(base) => base.join(href).ok()?,
            None => Url::parse(href).ok()?,
        };
        crate::canon::canonicalize(&resolved).map(String::from)
    })
}

/// The attributes that name a `<meta>`, in the order they are trusted.
const META_NAME_ATTRS: [&str; 4] = ["property", "name", "itemprop", "http-equiv"];

/// The `<meta>` elements of a page, read in one pass. Looking each key up with its own selector walked the
/// whole document 4 times per key, about 40 walks per page: 9% of the extraction time on the Zyte pages.
struct MetaIndex {
    /// (index in META_NAME_ATTRS, lower-case name) → trimmed `content` of the first such `<meta>`.
    first: std::collections::HashMap<(usize, String), String>,
}

impl MetaIndex {
    fn new(doc: &Document) -> MetaIndex {
        let mut first = std::collections::HashMap::new();
        for meta in doc.select("meta[content]").nodes() {
            for (i, attr) in META_NAME_ATTRS.iter().enumerate() {
                if let Some(name) = meta.attr(attr) {
                    let content = meta.attr("content").unwrap_or_default();
                    first.entry((i, name.to_ascii_lowercase())).or_insert_with(|| content.trim().to_string());
                }
            }
        }
        MetaIndex { first }
    }

    /// The first non-empty `content` of a `<meta>` whose property, name, itemprop or http-equiv is one of `keys`
    /// (compared without case), trying the keys in order, then the attributes in order; as with one
    /// `meta[attr="key" i]` selector per pair, only the first `<meta>` (with a `content`) of each pair counts.
    fn content(&self, keys: &[&str]) -> Option<String> {
        keys.iter().find_map(|key| {
            let key = key.to_ascii_lowercase();
            (0..META_NAME_ATTRS.len())
                .find_map(|i| self.first.get(&(i, key.clone())).filter(|v| !v.is_empty()).cloned())
        })
    }
}

/// Dates as RFC 3339 UTC when they parse, else as the page wrote them.
fn normalize_date(s: &str) -> String {
    let s = s.trim();
    if let Ok(d) = DateTime::parse_from_rfc3339(s) {
        return d.with_timezone(&Utc).to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    }
    if let Ok(d) = DateTime::parse_from_rfc2822(s) {
        return d.with_timezone(&Utc).to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    }
    for fmt in ["%Y-%m-%dT%H:%M:%S%z", "%Y-%m-%dT%H:%M:%S%.f%z", "%Y-%m-%d %H:%M:%S%z"] {
        if let Ok(d) = DateTime::parse_from_str(s, fmt) {
            return d.with_timezone(&Utc).to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
        }
    }
    s.to_string()
}

#[cfg(test)]
mod tests;

#[cfg(test)]
mod scan_tests {
    use super::*;

    /// The scan counts what parsing the fragment and asking for its text counts.
    #[test]
    fn scanned_counts_equal_parsed_counts() {
        let parsed = |html: &str| {
            let doc = Document::from(html);
            let count = |s: &str| s.chars().filter(|c| !c.is_whitespace()).count();
            let linked = doc.select("a").iter().map(|a| count(&a.text())).sum();
            (count(&doc.select("body").text()), linked)
        };
        for html in [
            r#"<div id="readability-page-1" class="page"><p>Tom &amp; Jerry&nbsp;&lt;3 <a href="/x?a=1&amp;b=2">đọc tiếp</a></p></div>"#,
            r#"<div "=""><p title="a > b"><A HREF="/">ข่าว</A> <abbr>abbr</abbr> <!-- <a>not a link</a> --> 記事</p></div>"#,
            "<p>no links at all, just text</p>",
            "",
        ] {
            let doc = Document::from(html);
            let serialised = doc.select("body").inner_html();
            assert_eq!(text_and_linked_chars(&serialised), parsed(&serialised), "{serialised}");
        }
    }
}
