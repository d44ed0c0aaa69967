//! Where a page's prose is: text statistics of every element, computed in one pass over the document.
//!
//! An article is mostly prose — blocks of running text with few links — and page chrome mostly is not
//! (menus and rails are links, counters and labels are short). Knowing how much prose each element holds lets
//! the extractor (1) refuse to remove, on the word of a class name, an element that holds most of the page's
//! prose ("share-container" or "sidebar-content" around the whole story), (2) see when a candidate holds only a
//! fragment of it, and (3) find the element that holds it when the other candidates fail.
//!
//! The pass is linear in the document: children are summed into their parents in reverse document order, so a
//! page of 100,000 nested elements costs what a flat one does.

// Keyed by node id, looked up for every element of every walk: a fast hash, not SipHash (no untrusted keys).
use rustc_hash::FxHashMap as HashMap;

use dom_query::{Document, NodeId, NodeRef};

use crate::normalize::{is_white_space_utf8, utf8_len};

/// A block of at least this many visible characters, with few links, is prose. Short enough for a Thai or
/// Chinese sentence, long enough to leave out labels, buttons and teaser titles.
pub const PROSE_MIN_CHARS: u32 = 50;
/// At most this share of a prose block's characters may be link text.
const PROSE_MAX_LINK_SHARE: f64 = 0.3;

/// Elements whose content is never text.
/// A `<textarea>` holds form input: a "republish this story" box holds the whole story again as escaped HTML,
/// and counted as prose it made the story itself look like a small part of the page (WCXB 0329).
pub const NON_TEXT_TAGS: &[&str] =
    &["script", "style", "noscript", "template", "svg", "math", "head", "title", "textarea"];

/// Elements that start a block of text of their own.
const BLOCK_TAGS: &[&str] = &[
    "address",
    "article",
    "aside",
    "blockquote",
    "body",
    "caption",
    "dd",
    "details",
    "dialog",
    "div",
    "dl",
    "dt",
    "fieldset",
    "figcaption",
    "figure",
    "footer",
    "form",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "header",
    "hr",
    "li",
    "main",
    "nav",
    "ol",
    "p",
    "pre",
    "section",
    "summary",
    "table",
    "tbody",
    "td",
    "tfoot",
    "th",
    "thead",
    "tr",
    "ul",
    "center",
    "html",
];

pub fn is_block(tag: &str) -> bool {
    BLOCK_TAGS.contains(&tag)
}

/// Text statistics of one element's subtree.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Stats {
    /// Visible (non-white-space) characters.
    pub chars: u32,
    /// Of those, inside links.
    pub link_chars: u32,
    /// Characters of prose blocks (see [`PROSE_MIN_CHARS`]).
    pub prose: u32,
    /// Prose blocks.
    pub prose_blocks: u32,
}

impl Stats {
    pub fn link_share(&self) -> f64 {
        if self.chars == 0 {
            0.0
        } else {
            f64::from(self.link_chars) / f64::from(self.chars)
        }
    }
}

/// The statistics of every element of a document, and of the whole page.
pub struct Density {
    stats: HashMap<NodeId, Stats>,
    pub page: Stats,
}

impl Density {
    /// Measures the document as it is now (call again after removing elements).
    pub fn measure(doc: &Document) -> Density {
        measure_from(&doc.root())
    }

    pub fn of(&self, node: &NodeRef) -> Stats {
        self.stats.get(&node.id).copied().unwrap_or_default()
    }
}

/// Non-white-space characters, where a Han or kana character counts as three: one of them says about what
/// a word of an alphabetic script says, so a Chinese or Japanese paragraph weighs what its translation does.
/// Counted on the bytes, decoding only the characters from U+3000 on (where the ideographs are): every text
/// node of every page goes through here, and decoding each character was a twentieth of the extraction time.
pub fn visible_chars(s: &str) -> u32 {
    if s.is_ascii() {
        // Counted a word at a time by the compiler's vector code.
        return s.bytes().filter(|b| !matches!(b, b'\t'..=b'\r' | b' ')).count() as u32;
    }
    let bytes = s.as_bytes();
    let mut n = 0u32;
    let mut i = 0;
    while let Some(&lead) = bytes.get(i) {
        let len = utf8_len(lead);
        n += if is_white_space_utf8(&bytes[i..i + len]) {
            0
        } else if lead >= 0xE3 && s[i..].chars().next().is_some_and(is_ideographic) {
            3
        } else {
            1
        };
        i += len;
    }
    n
}

fn is_ideographic(c: char) -> bool {
    matches!(c as u32, 0x3040..=0x30FF | 0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xF900..=0xFAFF | 0x20000..=0x3FFFF)
}

fn measure_from(root: &NodeRef) -> Density {
    // Pre-order walk; for each element: its parent and its nearest block (itself, if it is a block).
    struct Visit<'a> {
        node: NodeRef<'a>,
        parent: Option<NodeId>,
        block: Option<(NodeId, NodeRef<'a>)>,
        in_link: bool,
    }
    let mut order: Vec<(NodeId, Option<NodeId>)> = Vec::new();
    // Own text of each block: (chars, link chars).
    let mut own: HashMap<NodeId, (NodeRef, u32, u32)> = HashMap::default();
    let mut stats: HashMap<NodeId, Stats> = HashMap::default();
    let mut stack = vec![Visit { node: *root, parent: None, block: None, in_link: false }];
    while let Some(v) = stack.pop() {
        if v.node.is_text() {
            let n = visible_chars(&v.node.text());
            if n == 0 {
                continue;
            }
            if let Some((b, block_node)) = v.block.as_ref() {
                let e = own.entry(*b).or_insert_with(|| (*block_node, 0, 0));
                e.1 += n;
                if v.in_link {
                    e.2 += n;
                }
            }
            // Text counts in its parent element's totals (summed upwards below).
            if let Some(p) = v.parent {
                let s = stats.entry(p).or_default();
                s.chars += n;
                if v.in_link {
                    s.link_chars += n;
                }
            }
            continue;
        }
        let is_element = v.node.is_element();
        let name = if is_element { v.node.node_name().unwrap_or_default() } else { Default::default() };
        if is_element && NON_TEXT_TAGS.contains(&name.as_ref()) {
            continue;
        }
        let (block, in_link) = if is_element {
            let block = if is_block(&name) { Some((v.node.id, v.node)) } else { v.block };
            (block, v.in_link || name.as_ref() == "a")
        } else {
            (v.block, v.in_link)
        };
        order.push((v.node.id, v.parent));
        stats.entry(v.node.id).or_default();
        for child in v.node.children_it(true) {
            stack.push(Visit { node: child, parent: Some(v.node.id), block, in_link });
        }
    }
    // Children before parents: reverse pre-order.
    for (id, parent) in order.iter().rev() {
        let Some(parent) = parent else { continue };
        let child = stats.get(id).copied().unwrap_or_default();
        let p = stats.entry(*parent).or_default();
        p.chars += child.chars;
        p.link_chars += child.link_chars;
    }
    let mut own_prose: HashMap<NodeId, u32> = HashMap::default();
    for (block, (node, chars, link)) in &own {
        let is_prose = *chars >= PROSE_MIN_CHARS && f64::from(*link) <= PROSE_MAX_LINK_SHARE * f64::from(*chars);
        if is_prose && !follows_a_headline_link(node, &stats) {
            own_prose.insert(*block, *chars);
        }
    }
    for (id, parent) in order.iter().rev() {
        let mine = stats.entry(*id).or_default();
        if let Some(chars) = own_prose.get(id) {
            mine.prose += chars;
            mine.prose_blocks += 1;
        }
        let (prose, blocks) = (mine.prose, mine.prose_blocks);
        if let Some(parent) = parent {
            let p = stats.entry(*parent).or_default();
            p.prose += prose;
            p.prose_blocks += blocks;
        }
    }
    let page = stats.get(&root.id).copied().unwrap_or_default();
    Density { stats, page }
}

/// A teaser: a block right after a headline that is a link ("<h3><a>Other story</a></h3><p>Its summary</p>"),
/// the shape of "related", "recommended" and "more from" lists, whose summaries would otherwise read as prose.
fn follows_a_headline_link(block: &NodeRef, stats: &HashMap<NodeId, Stats>) -> bool {
    let Some(prev) = block.prev_element_sibling() else { return false };
    let s = stats.get(&prev.id).copied().unwrap_or_default();
    s.chars >= 10 && s.chars <= 200 && f64::from(s.link_chars) >= 0.8 * f64::from(s.chars)
}

#[cfg(test)]
mod tests {
    #[test]
    fn visible_chars_counts_as_char_is_whitespace_says_in_ascii_and_beyond() {
        for c in (0u8..128).map(char::from) {
            let want = 2 + u32::from(!c.is_whitespace());
            assert_eq!(visible_chars(&format!("a{c}b")), want, "{:?}", c);
            assert_eq!(visible_chars(&format!("a{c}b\u{00A0}")), want, "{:?} beside NBSP", c);
        }
        assert_eq!(visible_chars("Hà Nội 東京"), 5 + 6);
    }

    /// The byte-wise count agrees with decoding each character, for every character there is.
    #[test]
    fn visible_chars_agrees_with_the_char_by_char_count_on_every_character() {
        let by_chars = |s: &str| -> u32 {
            s.chars().filter(|c| !c.is_whitespace()).map(|c| if is_ideographic(c) { 3 } else { 1 }).sum()
        };
        for c in (0..=0x10FFFF_u32).filter_map(char::from_u32) {
            let s = format!("a{c}b {c}");
            assert_eq!(visible_chars(&s), by_chars(&s), "U+{:04X}", c as u32);
        }
    }

    use super::*;

    #[test]
    fn prose_is_counted_where_it_is() {
        let long = "x".repeat(60);
        let html = format!(
            r#"<html><body><nav><a href="/">{long}</a></nav><div id="story"><p>{long}</p><p>{long} <a href="/">more</a></p><p>short</p></div><script>{long}</script></body></html>"#
        );
        let doc = Document::from(html.as_str());
        let d = Density::measure(&doc);
        let story = d.of(&doc.select("#story").nodes()[0].clone());
        assert_eq!(story, Stats { chars: 60 + 64 + 5, link_chars: 4, prose: 60 + 64, prose_blocks: 2 });
        let nav = d.of(&doc.select("nav").nodes()[0].clone());
        assert_eq!(nav, Stats { chars: 60, link_chars: 60, prose: 0, prose_blocks: 0 });
        assert_eq!(d.page.prose, 124);
        assert_eq!(d.page.chars, 60 + 129);
    }

    #[test]
    fn deep_nesting_is_measured_in_linear_time() {
        // Deeper than the extractor lets through (limits.rs), so a quadratic walk would show: 20,000² steps.
        let depth = 20_000;
        let html = format!("{}<p>{}</p>{}", "<span>".repeat(depth), "y".repeat(80), "</span>".repeat(depth));
        let doc = Document::from(html.as_str());
        let started = std::time::Instant::now();
        let d = Density::measure(&doc);
        assert_eq!(d.page.prose, 80);
        let bound = std::time::Duration::from_secs(if cfg!(debug_assertions) { 5 } else { 1 });
        assert!(started.elapsed() < bound, "{:?}", started.elapsed());
    }
}
