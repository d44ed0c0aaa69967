//! Chrome removal: what the Readability scoring keeps but an edit detector must not see.
//!
//! Readability picks the right content column, but news templates put volatile things *inside* it: view and
//! comment counters, "updated 3 minutes ago", share bars, "same topic" lists. They change on every request and
//! would make every re-check look like an edit. Two layers remove them:
//! 1. before scoring, elements whose tag, role or class/id names say "chrome" are dropped from the DOM;
//! 2. after extraction, short lines that are only counters, share labels or relative timestamps are dropped,
//!    in several languages (Vietnamese, Thai, English, Chinese, Japanese, Korean and more): `lines.rs`.

use std::collections::HashSet;

use dom_query::{Document, NodeId, NodeRef};

/// An element that holds more than this share of the page's prose is the article's wrapper, whatever its
/// class says ("share-container", "sidebar-content", "page1-footer" and a `<form>` around the whole page were
/// seen holding the story). Chrome — menus, rails, comments of a short story — holds less. Measured on both
/// halves of the WCXB pages: 0.3 to 0.5 all helped both halves alike (+0.020 to +0.025 F1); 0.7 helped half as much.
const PROSE_GUARD_SHARE: f64 = 0.4;

/// Elements that are never article text: these tags, `[hidden]`, `[aria-hidden="true"]` and these roles.
const CHROME_TAGS: &[&str] = &[
    "nav",
    "aside",
    "footer",
    "form",
    "button",
    "select",
    "input",
    "textarea",
    "dialog",
    "template",
    "noscript",
    "iframe",
    "svg",
    "figcaption",
];
const CHROME_ROLES: &[&str] = &["navigation", "complementary", "banner", "contentinfo", "dialog", "toolbar"];

/// Whole classes that hide an element at every screen size. Not the word "hidden" inside a class: Drupal's
/// "field--label-hidden" holds the text itself, Bootstrap's "hidden-xs" and Framer's "hidden-12t0irv" hide a
/// copy at one screen size only.
const HIDDEN_CLASSES: &[&str] = &["hidden", "is-hidden", "visually-hidden", "sr-only", "screen-reader-text"];

/// Whole class/id tokens (split on `-`, `_` and white space) that mark chrome.
const CHROME_TOKENS: &[&str] = &[
    "share",
    "shares",
    "sharing",
    "sharebar",
    "social",
    "socials",
    "sns",
    "related",
    "relate",
    "recommend",
    "recommended",
    "comment",
    "comments",
    "counter",
    "counters",
    "viewcount",
    "views",
    "breadcrumb",
    "breadcrumbs",
    "newsletter",
    "subscribe",
    "subscription",
    "advert",
    "advertisement",
    "ads",
    "ad",
    "adv",
    "adsbygoogle",
    "banner",
    "sponsor",
    "sponsored",
    "promo",
    "popup",
    "modal",
    "cookie",
    "cookies",
    "gdpr",
    "meta",
    "byline",
    "timestamp",
    "dateline",
    "updated",
    "toolbar",
    "tools",
    "rating",
    "follow",
    // Not "widget": Blogger wraps the whole post in "widget Blog" and Elementor every block in "elementor-widget-*"
    // (3 test pages lost all their text); sidebars of widgets are caught by aside, "sidebar" and role.
    "sidebar",
    "navbar",
    "navigation",
    "menu",
    "footer",
    "masthead",
    "tags",
    "tag",
    "keywords",
    "print",
    // Not "more": it is a word of too many content names ("read-more-content" holds the rest of the Herald Sun
    // story, "more-features" a section of a Mozilla page); "readmore" and the related-list tokens remain.
    "readmore",
    "mostread",
    "trending",
    "popular",
    "author",
    // Image captions and photo credits describe a picture, not the story; they change when the picture does.
    "caption",
    "captions",
    "credit",
    "credits",
];

/// Substrings of a class/id (with `-` and `_` removed) that mark chrome in Vietnamese CMS templates.
const CHROME_SUBSTRINGS: &[&str] = &[
    "lienquan",
    "cungchude",
    "chude",
    "xemthem",
    "docthem",
    "tinkhac",
    "binhluan",
    "luotxem",
    "chiase",
    "theodoi",
    "relatednews",
    "relatedpost",
    "samecategory",
    "samecate",
    "mostview",
];

/// Substrings of a class or id that name the article itself ("entry-content", "field-name-body",
/// "l-article-body-segment", "post_body", "noidung"). Readability keeps an "unlikely" element whose names also
/// say content (its okMaybeItsACandidate rule); we do the same, see `remove_chrome`.
const CONTENT_MARKERS: &[&str] = &["article", "content", "body", "entry", "story", "detail", "noidung", "chitiet"];

/// Substrings that make a content-sounding name a list of teasers ("article-list", "story-card").
const TEASER_MARKERS: &[&str] = &["list", "card", "teaser", "item", "grid", "feed"];

/// One class or the id names the article body: it has a content marker, no teaser marker, and no chrome token.
fn is_content_name(name: &str) -> bool {
    let lower = name.to_lowercase();
    CONTENT_MARKERS.iter().any(|m| lower.contains(m))
        && !TEASER_MARKERS.iter().any(|m| lower.contains(m))
        && !is_chrome_name(name)
}

fn is_chrome_name(value: &str) -> bool {
    // Called for every class and id of the page: compare without allocating where possible (the tokens are ASCII).
    if value.is_empty() {
        return false;
    }
    let is_token = |t: &str| CHROME_TOKENS.iter().any(|c| t.eq_ignore_ascii_case(c));
    if value.split(|c: char| c == '-' || c == '_' || c.is_whitespace()).any(is_token) {
        return true;
    }
    let squashed: String = value.chars().filter(|c| *c != '-' && *c != '_').flat_map(char::to_lowercase).collect();
    CHROME_SUBSTRINGS.iter().any(|s| squashed.contains(s))
}

/// The elements that hold the headline or the article (`:has(h1), :has(article), :has([itemprop=articleBody])`):
/// layout, never chrome. Collected once by walking up from those elements: asking `:has(...)` of every candidate
/// searched its whole subtree each time. A headline or article that is itself chrome (`<h1 hidden>`) is
/// removed and protects nothing.
fn wrappers_of_the_article(doc: &Document) -> HashSet<NodeId> {
    let mut wrappers = HashSet::new();
    for node in doc.select("h1, article, [itemprop=\"articleBody\"]").nodes() {
        if looks_like_chrome(node) {
            continue;
        }
        for ancestor in node.ancestors_it(None) {
            // Its ancestors are in the set already.
            if !wrappers.insert(ancestor.id) {
                break;
            }
        }
    }
    wrappers
}

/// Removes chrome elements; returns a description of each removal, for `extract --explain`.
///
/// One walk over the document in document order; a removed element's subtree is not visited. (This was one
/// selector pass for chrome elements, one for class/id names and a `:has()` check per candidate: five walks
/// and a quarter of the extraction time. The elements removed are the same.)
pub fn remove_chrome(doc: &Document) -> Vec<String> {
    let protected = wrappers_of_the_article(doc);
    let density = super::density::Density::measure(doc);
    let guard = (f64::from(density.page.prose) * PROSE_GUARD_SHARE) as u32;
    let mut removed = Vec::new();
    let mut doomed = Vec::new();
    let mut stack = vec![doc.root()];
    while let Some(node) = stack.pop() {
        if node.is_element() {
            let name = node.node_name().unwrap_or_default();
            // Ruby annotations (furigana) are pronunciation guides printed above the characters, not text: kept
            // inline they turn "子どもへの虐待" into "子こどもへの虐待ぎゃくたい" (NHK News Web Easy annotates
            // every kanji), and the extracted text no longer contains the sentences of the article.
            if matches!(name.as_ref(), "rt" | "rp") {
                doomed.push(node);
                continue;
            }
            // A wrapper that holds the headline or the article itself is layout, not chrome.
            if !protected.contains(&node.id) && (density.of(&node).prose <= guard || density.page.prose == 0) {
                if let Some(why) = chrome_reason(&node, &name) {
                    removed.push(why);
                    doomed.push(node);
                    continue;
                }
            }
        }
        stack.extend(node.children_it(true));
    }
    for node in doomed {
        node.remove_from_parent();
    }
    removed
}

/// React's streaming server rendering sends the parts of a page that were not ready at first as
/// `<div hidden id="S:1c">` chunks, which its script moves into place: hidden in the markup, shown to every
/// reader (Next.js sites; the story itself was in such chunks on 2 of the 711 WCXB pages).
fn is_streamed_chunk(node: &NodeRef) -> bool {
    node.attr("id").is_some_and(|id| {
        id.strip_prefix("S:").is_some_and(|n| !n.is_empty() && n.chars().all(|c| c.is_ascii_hexdigit()))
    })
}

/// Is this element chrome by its tag, role or class/id, whatever prose it holds? (Not its ancestors: ASP.NET
/// wraps whole pages in a `<form>`.)
pub fn looks_like_chrome(node: &NodeRef) -> bool {
    chrome_reason(node, &node.node_name().unwrap_or_default()).is_some()
}

/// Is this element chrome by its tag, role or hidden state (not by a class or id name, which can be a word
/// in a longer one: "map-and-related")?
pub fn is_chrome_element(node: &NodeRef) -> bool {
    is_chrome_element_named(node, &node.node_name().unwrap_or_default())
}

fn is_chrome_element_named(node: &NodeRef, name: &str) -> bool {
    let hidden = (node.has_attr("hidden") && !is_streamed_chunk(node))
        || node.attr("class").is_some_and(|c| c.split_whitespace().any(|c| HIDDEN_CLASSES.contains(&c)))
        || node.attr("aria-hidden").is_some_and(|v| &*v == "true");
    CHROME_TAGS.contains(&name)
        || (hidden && !is_collapsed_panel(node))
        || node.attr("role").is_some_and(|v| CHROME_ROLES.contains(&&*v))
}

/// A hidden element right after the button that opens it (`aria-expanded`, the WAI-ARIA disclosure and
/// accordion pattern) is a collapsed section of the article, as the answer inside a closed `<details>` is: a
/// reader opens it with a click (WCXB 1821's product notes; a realsite edit there went unseen).
fn is_collapsed_panel(node: &NodeRef) -> bool {
    node.prev_element_sibling().is_some_and(|toggle| {
        toggle.has_attr("aria-expanded") || toggle.descendants_it().any(|d| d.has_attr("aria-expanded"))
    })
}

/// An id made from the element's own words ("backlinkos-best-free-and-paid-seo-tools" on a heading of that
/// name, "have-the-right-tools-handy" on a list item, Sphinx's "sharing-with-a-single-developer" on the section
/// under that heading): an anchor to link to, not the name of a part of the page. Every word of it is a word of
/// the element's text, and there are at least five: a rail's heading makes short ids ("related-stories",
/// "related-products-and-services"), which stay chrome.
fn is_anchor_of_own_text(node: &NodeRef, id: &str) -> bool {
    let words: Vec<&str> =
        id.split(|c: char| !c.is_alphanumeric()).filter(|w| w.chars().any(char::is_alphabetic)).collect();
    if words.len() < ANCHOR_MIN_WORDS {
        return false;
    }
    // Text node by text node: a heading's last word and the next paragraph's first are two words.
    let text =
        node.descendants_it().filter(|d| d.is_text()).map(|d| d.text().to_lowercase()).collect::<Vec<_>>().join(" ");
    let text_words: HashSet<&str> = text.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()).collect();
    words.iter().all(|w| text_words.contains(w.to_lowercase().as_str()))
}

const ANCHOR_MIN_WORDS: usize = 5;

/// Is this element chrome, and why. `name` is its tag name.
fn chrome_reason(node: &NodeRef, name: &str) -> Option<String> {
    if is_chrome_element_named(node, name) {
        return Some(format!("<{name}> (chrome element)"));
    }
    if matches!(name, "html" | "body" | "article" | "main" | "h1") {
        return None;
    }
    let class = node.attr("class").unwrap_or_default();
    let id = node.attr("id").unwrap_or_default();
    if !(is_chrome_name(&class) || (is_chrome_name(&id) && !is_anchor_of_own_text(node, &id))) {
        return None;
    }
    // Syntax highlighters name the parts of code, not of the page: highlight.js's "hljs-comment", Prism's
    // "token comment" and "token tag". A code sample's comments are article text (WCXB 0437 lost 43% of its text).
    if node.ancestors_it(None).any(|a| a.node_name().is_some_and(|n| matches!(n.as_ref(), "pre" | "code"))) {
        return None;
    }
    // An element is often several things at once: Drupal's body is "field field-name-body ...
    // field-label-hidden", SB Nation's "l-sidebar-fixed l-segment l-article-body-segment", NY Post's
    // "entry-content entry-content-read-more", HubSpot's id "hs_cos_wrapper_post_body" with class "..._meta_field".
    // One chrome-sounding class among them removed the whole article (6 of the 121 Zyte pages failed, 4 more
    // lost 90% of their text). Another class or the id that names the content wins, as in Readability.
    if class.split_whitespace().chain(std::iter::once(id.as_ref())).any(is_content_name) {
        return None;
    }
    Some(format!("<{name} class=\"{class}\" id=\"{id}\"> (chrome class or id)"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_names_outweigh_a_chrome_class() {
        let html = r#"<html><body>
<div class="field field-name-body field-label-hidden"><p>Drupal body</p></div>
<div class="l-sidebar-fixed l-article-body-segment"><p>SB Nation body</p></div>
<div class="entry-content entry-content-read-more"><p>NY Post body</p></div>
<span class="hs_cos_wrapper_meta_field" id="hs_cos_wrapper_post_body"><p>HubSpot body</p></span>
<div class="widget Blog"><p>Blogger body</p></div>
<div class="article-meta">12 views</div><div class="post-comments">a comment</div>
<div class="related-articles article-list">a teaser</div><p>ruby: <ruby>記事<rp>(</rp><rt>きじ</rt><rp>)</rp></ruby></p>
</body></html>"#;
        let doc = Document::from(html);
        remove_chrome(&doc);
        let text = doc.select("body").text();
        for kept in ["Drupal body", "SB Nation body", "NY Post body", "HubSpot body", "Blogger body", "ruby: 記事"] {
            assert!(text.contains(kept), "{kept} should be kept: {text}");
        }
        for gone in ["12 views", "a comment", "a teaser", "きじ", "("] {
            assert!(!text.contains(gone), "{gone} should be removed: {text}");
        }
    }

    #[test]
    fn chrome_names() {
        assert!(is_chrome_name("article-meta"));
        assert!(is_chrome_name("box_tin_lien_quan"));
        assert!(is_chrome_name("social-share-bar"));
        assert!(is_chrome_name("post-views"));
        assert!(!is_chrome_name("article-body"));
        assert!(!is_chrome_name("content detail"));
        assert!(!is_chrome_name("headline"));
    }
}
