//! Candidates for "the article" other than Readability's pick, and the choice between them.
//!
//! Readability scores paragraphs and takes the best-scoring container with its good siblings. It is precise,
//! but on some templates it takes a fragment (one section of a long guide) or nothing at all. The prose root —
//! the deepest element that holds most of the page's prose — is the article's container on almost every page,
//! whatever its class names say. When Readability's text holds only a small part of the prose root's prose,
//! the prose root is the article; when it holds a middling part, the page's semantic container (`<article>`,
//! `<main>`) breaks the tie. Shares are of the prose outside chrome that the prose guard kept (a live ticker in
//! an `<aside>`), unless the text holds it. Readability's text, when taken, gets back the prose root's blocks it
//! left out between two of its own, and a run of intro paragraphs just before it in the page's container.

use dom_query::{Document, NodeRef};
use url::Url;

use super::density::{Density, PROSE_MIN_CHARS};
use super::fill::{with_blocks_left_inside, with_faq_after, with_leading_blocks};
use super::limits::MAX_ELEMENTS;
use super::render::text_of;
use super::ExtractError;
use crate::normalize::normalize_line;

/// The prose root is the deepest element that holds at least this share of the page's prose.
const PROSE_ROOT_SHARE: f64 = 0.8;
/// Readability's text is a fragment when it holds less than this share of the prose root's prose. Measured on
/// the two halves of each corpus set (ARCHITECTURE.md, scripts/README-bench.md): 0.3 was best on both WCXB
/// halves and left the Zyte and Readability sets as they were; 0.4 and above start taking the prose root where
/// it holds other stories and comments besides the article.
const FRAGMENT_COVERAGE: f64 = 0.3;

/// Between FRAGMENT_COVERAGE and this, Readability's text may be a fragment or the whole article amid other
/// prose; the page's semantic container (`<article>`, `<main>`, ...) decides: when Readability's text holds
/// less than SEMANTIC_COVERAGE of the container's prose too, the container is the article. Tuned on WCXB half a
/// (0.9561 -> 0.9599), checked on half b (0.9474 -> 0.9511); Zyte unchanged.
const UNSURE_COVERAGE: f64 = 0.6;

/// Readability's text is worth taking over a chrome-like prose root when it holds at least this many characters.
const READABILITY_MIN_CHARS: usize = 200;
const SEMANTIC_COVERAGE: f64 = 0.7;

/// The text taken as the article, and where it came from.
pub struct Chosen {
    pub text: String,
    /// The share of its characters inside links.
    pub link_share: f64,
    /// Which candidate, for `extract --explain`.
    pub how: String,
}

/// What Readability (dom_smoothie) made of the page.
pub struct ReadabilityPick {
    pub text: String,
    pub title: String,
    pub published: Option<String>,
    pub modified: Option<String>,
    pub lang: Option<String>,
    pub link_share: f64,
}

/// Runs Readability on the cleaned document. `Ok(None)`: it found nothing; `Err` only for a page too large.
pub fn readability(doc: Document, page_url: Option<&Url>) -> Result<Option<ReadabilityPick>, ExtractError> {
    let cfg = dom_smoothie::Config {
        text_mode: dom_smoothie::TextMode::Formatted,
        max_elements_to_parse: MAX_ELEMENTS,
        ..Default::default()
    };
    let Ok(mut r) = dom_smoothie::Readability::with_document(doc, page_url.map(Url::as_str), Some(cfg)) else {
        return Ok(None);
    };
    match r.parse() {
        Ok(a) => {
            let (total, linked) = text_and_linked_chars(&a.content);
            Ok(Some(ReadabilityPick {
                text: a.text_content.to_string(),
                title: a.title,
                published: a.published_time,
                modified: a.modified_time,
                lang: a.lang,
                link_share: if total == 0 { 0.0 } else { linked as f64 / total as f64 },
            }))
        }
        Err(dom_smoothie::ReadabilityError::TooManyElements(..)) => Err(ExtractError::TooLarge),
        Err(_) => Ok(None),
    }
}

/// Readability's text, unless it holds only a fragment of the prose root's prose; the prose root when
/// Readability found nothing.
pub fn choose(
    root: Option<&ProseRoot>,
    semantic: Option<&ProseRoot>,
    pick: Option<&ReadabilityPick>,
) -> Option<Chosen> {
    let from_root = |root: &ProseRoot, why: String| Chosen {
        text: root.text.clone(),
        link_share: root.link_share,
        how: format!("prose root {} ({why})", root.description),
    };
    match (root, pick) {
        (Some(root), Some(pick)) => {
            let pick_flat = Flat::new(&pick.text);
            let a = agreement(root, &pick_flat);
            // A footer's address block or a cookie policy can hold more prose than a short story: when it is
            // the prose root and Readability found text elsewhere, Readability's text is the article.
            let elsewhere = root.chrome && pick.text.trim().chars().count() >= READABILITY_MIN_CHARS;
            if a.coverage < FRAGMENT_COVERAGE && !elsewhere {
                Some(from_root(root, format!("Readability's text holds {:.0}% of its prose", a.coverage * 100.0)))
            } else if let Some(sem) = semantic
                .filter(|s| a.coverage < UNSURE_COVERAGE && agreement(s, &pick_flat).coverage < SEMANTIC_COVERAGE)
            {
                Some(from_root(sem, format!("the page's own container; Readability's text holds {:.0}% of the prose root's prose and little of this", a.coverage * 100.0)))
            } else {
                let (text, filled) = with_blocks_left_inside(root, &pick.text, &a.held);
                let scope = semantic.unwrap_or(root);
                // Each step gets the text's flat form, made again only when the step before changed the text.
                let filled_flat;
                let flat = if filled > 0 {
                    filled_flat = Flat::new(&text);
                    &filled_flat
                } else {
                    &pick_flat
                };
                let (text, led) = with_leading_blocks(scope, flat);
                let led_flat;
                let flat = if led > 0 {
                    led_flat = Flat::new(&text);
                    &led_flat
                } else {
                    flat
                };
                let (text, answers) = with_faq_after(scope, flat);
                let mut how =
                    format!("Readability (it holds {:.0}% of the prose of {})", a.coverage * 100.0, root.description);
                if filled > 0 {
                    how += &format!(", with {filled} prose blocks it left out between its own");
                }
                if led > 0 {
                    how += &format!(", with the {led} paragraphs before it");
                }
                if answers > 0 {
                    how += &format!(", with {answers} blocks of the questions and answers after it");
                }
                Some(Chosen { text, link_share: pick.link_share, how })
            }
        }
        (Some(root), None) => Some(from_root(root, "Readability found nothing".into())),
        (None, Some(pick)) => {
            Some(Chosen { text: pick.text.clone(), link_share: pick.link_share, how: "Readability (no prose)".into() })
        }
        (None, None) => None,
    }
}

/// The prose root, rendered: its text and the texts of its prose blocks (to measure other candidates by).
#[derive(Clone)]
pub struct ProseRoot {
    pub text: String,
    /// The prose blocks inside it.
    pub blocks: Vec<ProseBlock>,
    pub description: String,
    pub link_share: f64,
    /// It is an element that looks like chrome (a `<footer>`, a cookie notice): kept by the
    /// prose guard because it holds much of the page's prose, but no article when Readability found one
    /// elsewhere.
    pub chrome: bool,
}

/// One prose block: its normalised text and its weight.
#[derive(Clone)]
pub struct ProseBlock {
    pub text: String,
    pub chars: u32,
    /// It lies in an element below the root that is chrome by its tag, role or hidden state (an `<aside>`), kept
    /// by the prose guard: a live ticker is prose, but not what an article's share is measured by. (Not by a
    /// class or id name: "map-and-related" held the whole of WCXB 0781's tool page; comment threads named as
    /// such, as on the Readability set's pixnet, are the price.)
    pub in_chrome: bool,
    /// It lies in a question-and-answer section (`<details>`, a "faq" class or id, schema.org `Question`).
    pub in_faq: bool,
    /// It is a paragraph or list item of its own (`<p>`, `<li>`, `<blockquote>`), not a box of mixed content.
    pub paragraph: bool,
}

#[cfg(test)]
impl ProseBlock {
    /// A paragraph outside chrome and FAQs, weighed by its length.
    pub(super) fn plain(text: &str) -> Self {
        ProseBlock { text: text.into(), chars: text.len() as u32, in_chrome: false, in_faq: false, paragraph: true }
    }
}

/// The prose root, and the semantic container (`<article>`, `itemprop=articleBody`, `<main>`, `role=main`)
/// holding the most prose when it holds at least half of the page's.
pub fn prose_candidates(doc: &Document) -> (Option<ProseRoot>, Option<ProseRoot>) {
    let density = Density::measure(doc);
    let semantic = doc
        .select(r#"article, [itemprop="articleBody"], main, [role="main"]"#)
        .nodes()
        .iter()
        .copied()
        .max_by_key(|n| density.of(n).prose)
        .filter(|n| density.of(n).prose * 2 >= density.page.prose && density.page.prose > 0);
    let root = prose_root_of(doc, &density);
    // Often the same element (the `<article>` holding the story): rendered once.
    let semantic = match (&root, semantic) {
        (Some((root_node, rendered)), Some(n)) if root_node.id == n.id => Some(rendered.clone()),
        (_, n) => n.map(|n| render_candidate(&n, &density)),
    };
    (root.map(|(_, rendered)| rendered), semantic)
}

fn render_candidate(node: &NodeRef, density: &Density) -> ProseRoot {
    let mut blocks = Vec::new();
    collect_prose_blocks(node, density, &mut blocks);
    ProseRoot {
        text: text_of(node),
        blocks,
        description: describe(node),
        link_share: density.of(node).link_share(),
        chrome: super::clean::looks_like_chrome(node),
    }
}

fn prose_root_of<'a>(doc: &'a Document, density: &Density) -> Option<(NodeRef<'a>, ProseRoot)> {
    let total = density.page.prose;
    if total == 0 {
        return None;
    }
    let need = (f64::from(total) * PROSE_ROOT_SHARE) as u32;
    let body = doc.select("body").nodes().first().cloned()?;
    let mut node = body;
    loop {
        let best = node.children_it(false).filter(|c| c.is_element()).max_by_key(|c| density.of(c).prose);
        match best {
            Some(child) if density.of(&child).prose >= need.max(1) => node = child,
            _ => break,
        }
    }
    Some((node, render_candidate(&node, density)))
}

/// The prose blocks under `node`: elements whose own prose is counted (a block with no prose-holding block
/// below it that accounts for all of its prose).
fn collect_prose_blocks(node: &NodeRef, density: &Density, out: &mut Vec<ProseBlock>) {
    let mut stack = vec![(*node, false, false)];
    while let Some((n, above_in_chrome, above_in_faq)) = stack.pop() {
        let s = density.of(&n);
        if s.prose == 0 {
            continue;
        }
        let below_root = n.id != node.id;
        let in_chrome = above_in_chrome || (below_root && super::clean::is_chrome_element(&n));
        let in_faq = above_in_faq || (below_root && is_faq(&n));
        let children_prose: u32 = n.children_it(false).map(|c| density.of(&c).prose).sum();
        if children_prose < s.prose {
            // Some of the prose is this element's own text.
            let t = normalize_line(&text_of(&n).replace('\n', " "));
            if t.chars().filter(|c| !c.is_whitespace()).count() as u32 >= PROSE_MIN_CHARS {
                let paragraph = matches!(n.node_name().as_deref(), Some("p" | "li" | "blockquote"));
                out.push(ProseBlock { text: t, chars: s.prose - children_prose, in_chrome, in_faq, paragraph });
            }
        }
        stack.extend(n.children_it(true).filter(|c| c.is_element()).map(|c| (c, in_chrome, in_faq)));
    }
}

/// A question-and-answer section: `<details>`, a class or id naming a FAQ, a schema.org `Question` or `FAQPage`.
fn is_faq(node: &NodeRef) -> bool {
    let named = |attr: &str| node.attr(attr).is_some_and(|v| v.to_ascii_lowercase().contains("faq"));
    node.node_name().as_deref() == Some("details")
        || named("class")
        || named("id")
        || node.attr("itemtype").is_some_and(|t| t.ends_with("/Question") || t.ends_with("/FAQPage"))
}

/// Which of the prose root's blocks a text holds, and their share of its prose.
#[derive(Debug, Clone)]
pub(super) struct Agreement {
    pub(super) coverage: f64,
    /// For each of the root's blocks, in document order: does the text hold it?
    pub(super) held: Vec<bool>,
}

/// `haystack.contains(needle)`, by memchr's vectorised search: a page's prose blocks are each looked for in
/// a text of several kilobytes, and the standard library's search was a twentieth of the extraction time.
pub(super) fn holds(haystack: &str, needle: &str) -> bool {
    memchr::memmem::find(haystack.as_bytes(), needle.as_bytes()).is_some()
}

/// The first `n` characters of a block: enough to find it in a text whose end of a block may be cut by chrome
/// removal or line filters.
pub(super) fn prefix(block: &ProseBlock, n: usize) -> String {
    block.text.chars().take(n).collect()
}

/// A candidate text, and the same text on one normalised line, where blocks are looked for: made once per
/// text, not once per question asked of it (each made it again, a twentieth of the extraction time).
pub(super) struct Flat<'a> {
    pub(super) text: &'a str,
    pub(super) line: String,
}

impl<'a> Flat<'a> {
    pub(super) fn new(text: &'a str) -> Flat<'a> {
        Flat { text, line: normalize_line(&text.replace('\n', " ")) }
    }
}

/// For each of the root's blocks, whether the text holds it (its first 60 characters are in the text).
pub(super) fn blocks_held(root: &ProseRoot, text: &Flat) -> Vec<bool> {
    root.blocks.iter().map(|b| holds(&text.line, &prefix(b, 60))).collect()
}

fn agreement(root: &ProseRoot, text: &Flat) -> Agreement {
    let held = blocks_held(root, text);
    // Prose the text leaves out in chrome (a live ticker in an `<aside>`) does not count against it.
    let (mut held_chars, mut total) = (0u32, 0u32);
    for (block, &h) in root.blocks.iter().zip(&held) {
        if h || !block.in_chrome {
            total += block.chars;
        }
        if h {
            held_chars += block.chars;
        }
    }
    if total == 0 {
        let coverage = if root.blocks.is_empty() { 1.0 } else { 0.0 };
        return Agreement { coverage, held };
    }
    Agreement { coverage: f64::from(held_chars) / f64::from(total), held }
}

fn describe(node: &NodeRef) -> String {
    let name = node.node_name().unwrap_or_default();
    let mut out = format!("<{name}");
    for attr in ["id", "class"] {
        if let Some(v) = node.attr(attr) {
            out.push_str(&format!(" {attr}=\"{v}\""));
        }
    }
    out.push('>');
    out
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

#[cfg(test)]
mod choice_tests {
    use super::*;

    const FOOTER: &str = "Office: 11311 McCormick Road, Suite 500, Hunt Valley, MD 21031. This material is not intended to replace the advice of a qualified advisor.";
    const STORY: &str = "A good risk management program requires proper screening of prospective renters to ensure that only qualified drivers operate your vehicles.";

    fn root(chrome: bool) -> ProseRoot {
        let text = [FOOTER; 6].join("\n");
        let blocks = (0..6).map(|_| ProseBlock::plain(FOOTER)).collect();
        ProseRoot { text, blocks, description: "<footer>".into(), link_share: 0.0, chrome }
    }

    fn pick(text: &str) -> ReadabilityPick {
        let (title, published, modified, lang) = (String::new(), None, None, None);
        ReadabilityPick { text: text.into(), title, published, modified, lang, link_share: 0.0 }
    }

    /// WCXB page 0362 (and the issue's thehill.com): the footer's addresses and disclaimer are the page's prose
    /// root, Readability found the short story elsewhere. A prose root that is chrome by its tag or class loses
    /// to Readability's text; one that is not still wins over a Readability fragment.
    #[test]
    fn a_chrome_prose_root_loses_to_readabilitys_text_elsewhere() {
        let story = format!("{STORY}\n{STORY}");
        let chosen = choose(Some(&root(true)), None, Some(&pick(&story))).unwrap();
        assert_eq!(chosen.text, story, "{}", chosen.how);
        let chosen = choose(Some(&root(false)), None, Some(&pick(&story))).unwrap();
        assert_eq!(chosen.text, root(false).text, "{}", chosen.how);
        // Too little text elsewhere: the prose root stays, chrome or not.
        let chosen = choose(Some(&root(true)), None, Some(&pick("Related: 3 stories"))).unwrap();
        assert_eq!(chosen.text, root(true).text, "{}", chosen.how);
    }

    /// WCXB pages 0073 and 4253 (realsite's missed edits): Readability took the story but not the answer in a
    /// `<details>` between two of its paragraphs. What lies between the first and the last block it took goes
    /// back in its place; a rail or comment after the last stays out; nothing left out, nothing changes.
    #[test]
    fn blocks_left_out_between_readabilitys_own_are_put_back_in_place() {
        let paras = [
            "The council approved the budget on Monday after a debate that lasted well into the night.",
            "How much will rates rise? By 4.5 percent for most households, the finance office said.",
            "The mayor said the vote showed the city could plan for the next ten years with confidence.",
            "Comments: I have lived here forty years and never seen a council this careless with money.",
        ];
        let blocks = paras.iter().map(|p| ProseBlock::plain(p)).collect();
        let root =
            ProseRoot { text: paras.join("\n"), blocks, description: "<div>".into(), link_share: 0.0, chrome: false };
        let taken = format!("{}\n{}", paras[0], paras[2]);
        let chosen = choose(Some(&root), None, Some(&pick(&taken))).unwrap();
        assert_eq!(chosen.text, paras[..3].join("\n"), "{}", chosen.how);
        assert!(chosen.how.ends_with("with 1 prose blocks it left out between its own"), "{}", chosen.how);
        let whole = paras[..3].join("\n");
        assert_eq!(
            with_blocks_left_inside(&root, &whole, &agreement(&root, &Flat::new(&whole)).held),
            (whole.clone(), 0)
        );
    }
}
