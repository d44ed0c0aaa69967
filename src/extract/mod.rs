//! Article extraction: HTML in, the article out. Pure and synchronous: no I/O, no store.
//!
//! The stages, each in its own module:
//! 1. `limits`: a page too large or nested too deep to parse is refused before parsing (the tree builder is
//!    quadratic in nesting depth);
//! 2. `meta`: canonical URL, dates, language and headline candidates, read from the page as it is;
//! 3. `clean`: the feed's `drop` selectors, then page chrome by tag, role and class — never an element that
//!    holds most of the page's prose (`density`);
//! 4. `candidates`: Readability's pick (dom_smoothie), the prose root (the deepest element holding most of
//!    the page's prose) and the semantic container; Readability's text unless it is a fragment of the others';
//! 5. line filters (counters, timestamps, credits, the feed's `ignore_lines`), the headline, and `verdict`:
//!    is this clearly not an article;
//! 6. normalisation and the content hash.

use dom_query::Document;
use url::Url;

use crate::normalize::{content_hash, normalize_line, normalize_text};

mod candidates;
mod clean;
mod density;
mod fill;
mod limits;
mod lines;
mod meta;
mod rail;
mod render;
pub mod sandbox;
mod verdict;
pub use limits::{MAX_DEPTH, MAX_ELEMENTS};
pub use lines::is_chrome_line;

/// The extractor's version, stamped on every stored version of an article. Raise it whenever a change to
/// extraction can change the text or hash of a page that did not change, so that stored articles are
/// re-extracted from their kept page before they are compared (an upgrade must not report edits).
/// 11: the markup is brought to NFC after scripts and styles are cut, not before (the same output on the 1,161
/// pages checked; a page with U+0338 right after a script's `>` can parse otherwise).
pub const EXTRACTOR_VERSION: u32 = 11;

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

#[derive(Debug, Clone, thiserror::Error, PartialEq)]
pub enum ExtractError {
    /// The page clearly holds no article; `rule` names the rule that said so (logged with `page.no_article`).
    #[error("no article in the page ({rule})")]
    NoArticle { rule: &'static str },
    #[error("the page has more than {MAX_ELEMENTS} elements; refused")]
    TooLarge,
    #[error("the page nests elements more than {MAX_DEPTH} deep; refused")]
    TooDeep,
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

/// Extracts the article from an HTML document with default options.
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
    /// Which candidate was taken as the article, and why.
    pub candidate: Option<String>,
}

/// Extracts the article from an HTML document. `page_url` resolves relative canonical links.
pub fn extract_with(html: &str, page_url: Option<&Url>, options: &Options) -> Result<Article, ExtractError> {
    extract_traced(html, page_url, options, None)
}

/// Extracts like [`extract_with`] from a decoded page, in NFC or as written (`decode::decode_html_as_written`,
/// the crawl's path).
pub fn extract_decoded(
    page: &crate::decode::Decoded,
    page_url: Option<&Url>,
    options: &Options,
) -> Result<Article, ExtractError> {
    extract_traced(&page.text, page_url, options, None)
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

/// The markup is brought to NFC before it is parsed (after `limits::prepare` cut the contents of scripts and
/// styles, which need no normalising): the extractor compares strings (headline against <title>), and an NFD
/// page could otherwise lead it to other choices than the same page in NFC.
fn extract_traced(
    html: &str,
    page_url: Option<&Url>,
    options: &Options,
    mut why: Option<&mut Explanation>,
) -> Result<Article, ExtractError> {
    let doc = Document::from(crate::normalize::nfc(&limits::prepare(html)?).as_ref());
    let page = meta::PageMeta::read(&doc, page_url);

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

    let headlines = rail::linked_headlines(&doc);
    let (prose_root, semantic) = candidates::prose_candidates(&doc);
    let pick = candidates::readability(doc, page_url)?;
    let Some(chosen) = candidates::choose(prose_root.as_ref(), semantic.as_ref(), pick.as_ref()) else {
        return Err(ExtractError::NoArticle { rule: "no text" });
    };
    if let Some(w) = why.as_deref_mut() {
        w.candidate = Some(chosen.how.clone());
    }

    let readability_title = pick.as_ref().map_or(page.title.as_str(), |p| p.title.as_str());
    let title = meta::choose_title(&normalize_line(readability_title), &page.headings, page.site_name.as_deref());
    let normalized = normalize_text(&chosen.text);
    let dated_list = lines::dated_list_lines(&normalized);
    let mut kept: Vec<&str> = normalized
        .lines()
        .filter(|l| {
            let reason = if lines::is_chrome_line(l) && !dated_list.contains(l) {
                Some("counter, share label, credit or timestamp".to_string())
            } else {
                options.ignore_lines.iter().find(|r| r.is_match(l)).map(|r| format!("ignore_lines /{r}/"))
            };
            if let (Some(reason), Some(w)) = (&reason, why.as_deref_mut()) {
                w.dropped_lines.push(format!("{l}  ({reason})"));
            }
            reason.is_none()
        })
        .collect();
    let rail = rail::trailing_rail(&kept, &headlines);
    drop_last_lines(&mut kept, rail, "a rail of other pages' headlines after the article", why.as_deref_mut());
    let call = rail::trailing_call_to_subscribe(&kept);
    drop_last_lines(&mut kept, call, "a newsletter box closing the text", why);
    let mut text = kept.join("\n");
    // Many templates repeat the headline as the first line of the body; count it once.
    if let Some(rest) = text.strip_prefix(title.as_str()) {
        if rest.is_empty() || rest.starts_with('\n') {
            text = rest.trim_start_matches('\n').to_string();
        }
    }
    let headlines: Vec<&str> =
        std::iter::once(page.title.as_str()).chain(page.headings.iter().map(String::as_str)).collect();
    if let Some(rule) = verdict::not_an_article(&text, chosen.link_share, &headlines) {
        return Err(ExtractError::NoArticle { rule });
    }
    let content_hash = content_hash(&title, &text);
    let (published, modified, lang) = match pick {
        Some(p) => (p.published, p.modified, p.lang),
        None => (None, None, None),
    };
    Ok(Article {
        title,
        text,
        canonical_url: page.canonical_url,
        published: published.or(page.published).map(|s| meta::normalize_date(&s)),
        modified: modified.or(page.modified).map(|s| meta::normalize_date(&s)),
        lang: lang.filter(|l| !l.trim().is_empty()).or(page.lang),
        content_hash,
    })
}

/// Drops the last `n` lines of `kept` (at most all of them), naming each with `reason` for `--explain`.
fn drop_last_lines(kept: &mut Vec<&str>, n: usize, reason: &str, why: Option<&mut Explanation>) {
    let dropped = kept.drain(kept.len().saturating_sub(n)..);
    if let Some(w) = why {
        w.dropped_lines.extend(dropped.map(|l| format!("{l}  ({reason})")));
    }
}

#[cfg(test)]
mod tests;
