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

use dom_query::{Document, NodeData, NodeId, NodeRef};

use crate::normalize::{is_white_space_utf8, utf8_len};

/// A block of at least this many visible characters, with few links, is prose. Short enough for a Thai or
/// Chinese sentence, long enough to leave out labels, buttons and teaser titles.
pub const PROSE_MIN_CHARS: u32 = 50;
/// At most this share of a prose block's characters may be link text.
const PROSE_MAX_LINK_SHARE: f64 = 0.3;

/// Elements whose content is never text.
/// A `<textarea>` holds form input: a "republish this story" box holds the whole story again as escaped HTML,
/// and counted as prose it made the story itself look like a small part of the page (WCXB 0329).
pub fn is_non_text(tag: &str) -> bool {
    // A `match`, not a list scanned in order: it is asked for every element of every walk.
    matches!(tag, "script" | "style" | "noscript" | "template" | "svg" | "math" | "head" | "title" | "textarea")
}

/// Elements that start a block of text of their own.
pub fn is_block(tag: &str) -> bool {
    matches!(
        tag,
        "address"
            | "article"
            | "aside"
            | "blockquote"
            | "body"
            | "caption"
            | "dd"
            | "details"
            | "dialog"
            | "div"
            | "dl"
            | "dt"
            | "fieldset"
            | "figcaption"
            | "figure"
            | "footer"
            | "form"
            | "h1"
            | "h2"
            | "h3"
            | "h4"
            | "h5"
            | "h6"
            | "header"
            | "hr"
            | "li"
            | "main"
            | "nav"
            | "ol"
            | "p"
            | "pre"
            | "section"
            | "summary"
            | "table"
            | "tbody"
            | "td"
            | "tfoot"
            | "th"
            | "thead"
            | "tr"
            | "ul"
            | "center"
            | "html"
    )
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
/// Counted on the bytes in three passes the compiler turns into vector code (characters, ASCII white space)
/// or that stop only at the few lead bytes of other white space and of ideographs: every text node of every
/// page goes through here, twice, and a loop over characters was a twentieth of the extraction time.
pub fn visible_chars(s: &str) -> u32 {
    let bytes = s.as_bytes();
    let ascii_space = bytes.iter().filter(|b| matches!(b, b'\t'..=b'\r' | b' ')).count();
    if s.is_ascii() {
        return (bytes.len() - ascii_space) as u32;
    }
    // Each character has one byte that is not a continuation byte (0b10xx_xxxx).
    let chars = bytes.iter().filter(|&&b| (b as i8) >= -0x40).count();
    let mut n = (chars - ascii_space) as i64;
    for (i, &lead) in bytes.iter().enumerate() {
        // Other white space starts with 0xC2 or 0xE1..=0xE3; ideographs with 0xE3 and above.
        if lead == 0xC2 || lead >= 0xE1 {
            let utf8 = &bytes[i..i + utf8_len(lead)];
            if is_white_space_utf8(utf8) {
                n -= 1;
            } else if lead >= 0xE3 && s[i..].chars().next().is_some_and(is_ideographic) {
                n += 2;
            }
        }
    }
    n as u32
}

fn is_ideographic(c: char) -> bool {
    matches!(c as u32, 0x3040..=0x30FF | 0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xF900..=0xFAFF | 0x20000..=0x3FFFF)
}

/// What a walk needs to know of a node.
enum Look {
    /// A text node, with its [`visible_chars`].
    Text(u32),
    /// An element whose content is never text ([`is_non_text`]).
    NonText,
    Element {
        block: bool,
        link: bool,
    },
    /// The document, a comment, a doctype.
    Other,
}

/// Looks at a node once, in place: neither its text nor its name is copied out of the tree (`text()` and
/// `node_name()` copy both, and the copies were a third of the walk).
fn look(node: &NodeRef) -> Look {
    node.query_or(Look::Other, |n| match &n.data {
        NodeData::Text { contents } => Look::Text(visible_chars(contents)),
        NodeData::Element(e) if is_non_text(&e.name.local) => Look::NonText,
        NodeData::Element(e) => Look::Element { block: is_block(&e.name.local), link: &*e.name.local == "a" },
        _ => Look::Other,
    })
}

fn measure_from(root: &NodeRef) -> Density {
    // Pre-order walk; for each element: its parent and its nearest block (itself, if it is a block).
    struct Visit<'a> {
        node: NodeRef<'a>,
        parent: Option<NodeId>,
        block: Option<(NodeId, NodeRef<'a>)>,
        in_link: bool,
    }
    // Sized once for the whole tree, not grown node by node (3% fewer instructions in the walk).
    let nodes = root.tree.len();
    let mut order: Vec<(NodeId, Option<NodeId>)> = Vec::with_capacity(nodes);
    // Own text of each block: (chars, link chars).
    let mut own: HashMap<NodeId, (NodeRef, u32, u32)> = HashMap::default();
    let mut stats: HashMap<NodeId, Stats> = HashMap::with_capacity_and_hasher(nodes, Default::default());
    let mut stack = vec![Visit { node: *root, parent: None, block: None, in_link: false }];
    while let Some(v) = stack.pop() {
        let (block, in_link) = match look(&v.node) {
            Look::Text(0) | Look::NonText => continue,
            Look::Text(n) => {
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
            Look::Element { block, link } => {
                (if block { Some((v.node.id, v.node)) } else { v.block }, v.in_link || link)
            }
            Look::Other => (v.block, v.in_link),
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
