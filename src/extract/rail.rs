//! A rail of other pages' headlines at the end of the text ("Read next", "Trending", "Information hub"): the
//! teasers a template puts after the story, inside the container the story was taken from. Each teaser is a
//! headline linked to another page, often with its excerpt and a date or a counter below it. The truths leave
//! them out, and they are what churns from one request to the next (the rail's order, its dates, its counts),
//! so a kept rail reads as an edit on a live page. A newsletter box closing the text ("Sign up to our
//! newsletter", a coupon's percentage) is cut for the same reasons.

use std::collections::HashSet;

use std::sync::LazyLock;

use dom_query::{Document, NodeRef};
use regex::Regex;

use super::render::text_of;
use crate::normalize::normalize_line;

/// The fewest linked headlines that make the end of a text a rail.
const MIN_TEASERS: usize = 3;
/// A line of at most this many characters may sit in a rail between its teasers: a section's heading, a date,
/// a label ("Blog post"), a button ("Register").
const RAIL_SHORT_LINE: usize = 60;
/// A teaser has at most this many lines besides its headline (an excerpt, a date, a label, a button): more
/// lines in a row are the story's own (a table, a list, a code sample).
const MAX_GAP: usize = 3;
/// A teaser's excerpt, right below its linked headline, is at most this long.
const EXCERPT_MAX_CHARS: usize = 800;
/// A link's text is a headline from this many characters (shorter ones are buttons and labels: "Register");
/// a card's heading is a headline whatever its length ("SEO 101").
const HEADLINE_MIN_CHARS: usize = 12;
/// Short lines just before a rail's first headline that go with it: its heading, the first teaser's label (not a
/// sentence: "Reporting by Jane Doe." is the story's).
const LEAD_LINES: usize = 2;
/// A card is small: the search for its heading stops after this many nodes, so that a page of many picture
/// links costs a bounded amount per link (an ancestor three levels up may be the whole page).
const CARD_NODES: usize = 64;
/// At most this many picture links are looked at for their card's heading: the rest of a gallery adds nothing.
const MAX_CARDS: usize = 200;
/// A card's heading is at most this long.
const CARD_HEADING_MAX_CHARS: usize = 300;
/// Image links look this many ancestors up for the heading of their teaser card.
const CARD_DEPTH: usize = 3;

/// The headlines of the page's links to other pages, as lines of text (normalised): a link's own text, line by
/// line, and the heading of a card whose link holds only a picture (the first MAX_CARDS such links).
pub fn linked_headlines(doc: &Document) -> HashSet<String> {
    let (mut out, mut cards) = (HashSet::new(), 0);
    for link in doc.select("a[href]").nodes() {
        let href = link.attr("href").unwrap_or_default();
        let href = href.trim();
        // A link with a fragment points into a page (a table of contents, "jump to comments"), most often this
        // one: its text is the page's own heading, not another page's headline.
        if href.is_empty() || href.contains('#') || has_scheme(href, &["javascript:", "mailto:", "tel:"]) {
            continue;
        }
        // A link that opens a new window or that the page disowns (a product, a tool, a source) is a reference
        // of the story's own, as in a list of things to buy or to read; the site's rails link to its own pages.
        let rel = link.attr("rel").unwrap_or_default().to_ascii_lowercase();
        let target = link.attr("target").unwrap_or_default();
        if target.trim().eq_ignore_ascii_case("_blank")
            || ["external", "nofollow", "sponsored", "ugc"].iter().any(|r| rel.split_whitespace().any(|w| w == *r))
        {
            continue;
        }
        let mut any = false;
        for line in text_of(link).lines() {
            let line = normalize_line(line);
            if line.chars().count() >= HEADLINE_MIN_CHARS {
                out.insert(line);
                any = true;
            }
        }
        if !any && cards < MAX_CARDS && link.text().trim().is_empty() && holds_a_picture(link) {
            cards += 1;
            if let Some(heading) = card_heading(link) {
                out.insert(heading);
            }
        }
    }
    out
}

/// The text of `node` when it has at most `max_bytes` bytes, read no further than that.
fn short_text(node: &NodeRef, max_bytes: usize) -> Option<String> {
    let mut out = String::new();
    for d in node.descendants_it().filter(|d| d.is_text()) {
        let t = d.text();
        if out.len() + t.len() > max_bytes {
            return None;
        }
        out.push_str(&t);
    }
    Some(out)
}

/// Does this link hold an `<img>` or a `<picture>` (within its first CARD_NODES nodes)?
fn holds_a_picture(link: &NodeRef) -> bool {
    link.descendants_it()
        .take(CARD_NODES)
        .any(|d| d.node_name().is_some_and(|n| matches!(n.as_ref(), "img" | "picture")))
}

fn has_scheme(href: &str, schemes: &[&str]) -> bool {
    schemes.iter().any(|s| href.get(..s.len()).is_some_and(|p| p.eq_ignore_ascii_case(s)))
}

/// The heading of the card an image link stands in (`<div class="card"><a><img></a><h3>Title</h3>…`).
fn card_heading(link: &NodeRef) -> Option<String> {
    let mut node = link.parent()?;
    for _ in 0..CARD_DEPTH {
        let heading = node
            .descendants_it()
            .take(CARD_NODES)
            .find(|d| d.node_name().is_some_and(|n| matches!(n.as_ref(), "h2" | "h3" | "h4" | "h5" | "h6")));
        if let Some(h) = heading {
            // A card's heading is a line; a long one is a section of the page, not a teaser's title (and is not
            // copied: a page may put thousands of picture links under one).
            let text = short_text(&h, 4 * CARD_HEADING_MAX_CHARS).map(|t| normalize_line(&t));
            return text.filter(|t| (1..=CARD_HEADING_MAX_CHARS).contains(&t.chars().count()));
        }
        node = node.parent()?;
    }
    None
}

/// Is this line a headline linked to another page ("Related: <headline>" too)?
fn is_linked_headline(line: &str, headlines: &HashSet<String>) -> bool {
    headlines.contains(line)
        || line.split_once(": ").is_some_and(|(label, rest)| label.chars().count() <= 20 && headlines.contains(rest))
}

/// How many lines at the end of `lines` are a rail of teasers: a run of linked headlines, the excerpts right
/// below them and short lines (dates, labels, buttons) that holds at least MIN_TEASERS headlines, with up to
/// LEAD_LINES short lines just before its first headline (the rail's heading, a label), and no more than the
/// text before it. 0 when the text does not end in a rail.
pub fn trailing_rail(lines: &[&str], headlines: &HashSet<String>) -> usize {
    if headlines.is_empty() || lines.is_empty() {
        return 0;
    }
    let linked: Vec<bool> = lines.iter().map(|l| is_linked_headline(l, headlines)).collect();
    let short = |i: usize| lines[i].chars().count() <= RAIL_SHORT_LINE;
    let (mut teasers, mut first_teaser, mut gap) = (0, lines.len(), 0);
    for i in (0..lines.len()).rev() {
        let excerpt = i > 0 && linked[i - 1] && lines[i].chars().count() <= EXCERPT_MAX_CHARS;
        if linked[i] {
            teasers += 1;
            first_teaser = i;
            gap = 0;
            continue;
        }
        gap += 1;
        if (!short(i) && !excerpt) || gap > MAX_GAP {
            break;
        }
    }
    if teasers < MIN_TEASERS {
        return 0;
    }
    let mut start = first_teaser;
    let sentence = |l: &str| l.trim_end().ends_with(['.', '!', '?', '。', '…']);
    while start > 0
        && first_teaser - start < LEAD_LINES
        && short(start - 1)
        && !linked[start - 1]
        && !sentence(lines[start - 1])
    {
        start -= 1;
    }
    let rail_chars: usize = lines[start..].iter().map(|l| l.chars().count()).sum();
    let kept_chars: usize = lines[..start].iter().map(|l| l.chars().count()).sum();
    if kept_chars < rail_chars {
        return 0;
    }
    lines.len() - start
}

/// A call to subscribe: a line that begins with one ("Sign up to our newsletter", "Subscribe"), or that asks to
/// sign up or subscribe to a newsletter, an inbox or an e-mail, in several languages.
static CALL_TO_SUBSCRIBE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)^\W*(sign[- ]?up|subscribe|join our (newsletter|mailing list)|đăng ký nhận|สมัครรับ|abonnez-vous|inscrivez-vous|suscr[ií]bete|inscreva-se|assine)\b|\b(sign[- ]?up|subscribe|đăng ký|abonnieren)\b.{0,60}\b(newsletter|inbox|e-?mail|bản tin)|\bdelivered (straight |right )?to your inbox\b",
    )
    .expect("valid regex")
});
/// What one subscribes to. A line that begins "Sign up" or "Subscribe" is a call only when it names one of these,
/// or is as short as a button: "Sign up for a postal vote at the town hall before Friday." is the story's.
static SUBSCRIPTION_WORD: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)newsletter|inbox|e-?mail|mailing list|bản tin|จดหมายข่าว|infolettre|boletín").expect("valid regex")
});
/// A call to subscribe this short is a button or a box's heading ("Sign up to our newsletter", "Subscribe").
const CALL_BUTTON_CHARS: usize = 40;
/// A call to subscribe is cut only from the last lines of a text, and only when it is no longer than this.
const CALL_MAX_CHARS: usize = 300;
/// How far from the end a call to subscribe is looked for: the call, then a field's label or a button.
const CALL_TAIL_LINES: usize = 3;

/// How many lines at the end of `lines` are a newsletter box: from a call to subscribe among the last
/// CALL_TAIL_LINES lines to the end, when what follows the call is short (a field's label, a button). 0 when
/// there is none.
pub fn trailing_call_to_subscribe(lines: &[&str]) -> usize {
    let from = lines.len().saturating_sub(CALL_TAIL_LINES);
    // The length first: the pattern's Unicode word boundaries make a long paragraph slow to search.
    let is_call = |l: &str| {
        let chars = l.chars().count();
        l.len() <= 4 * CALL_MAX_CHARS
            && chars <= CALL_MAX_CHARS
            && CALL_TO_SUBSCRIBE.is_match(l)
            && (chars <= CALL_BUTTON_CHARS || SUBSCRIPTION_WORD.is_match(l))
    };
    let Some(call) = (from..lines.len()).find(|&i| is_call(lines[i])) else { return 0 };
    let after_is_short = lines[call + 1..].iter().all(|l| l.chars().count() <= RAIL_SHORT_LINE);
    if call == 0 || !after_is_short {
        return 0;
    }
    lines.len() - call
}

#[cfg(test)]
mod tests {
    use super::*;

    const STORY: [&str; 3] = [
        "The regional council met on Monday to decide the budget for roads and schools in the district, and it \
         agreed to spend more on both than it did last year.",
        "Teachers said the new classrooms would be ready before the rains, though the builders have not yet been \
         chosen and the plans are still with the ministry.",
        "The council will meet again next month to hear from the builders and from the parents' association.",
    ];

    fn page(after: &str) -> Document {
        let story: String = STORY.iter().map(|p| format!("<p>{p}</p>")).collect();
        Document::from(format!("<html><body><article>{story}{after}</article></body></html>").as_str())
    }

    /// How many lines trailing_rail cuts from the story followed by `after`.
    fn rail_after_story(after: &[&'static str], headlines: &HashSet<String>) -> usize {
        let lines: Vec<&str> = STORY.iter().chain(after).copied().collect();
        trailing_rail(&lines, headlines)
    }

    /// WCXB pages 0078, 0154 and 4524 (realchurn's false edits): after the story, teaser cards of other pages,
    /// each a linked headline (or a picture linked beside a heading), its excerpt and its date. The rail goes
    /// with its heading; the story stays whole.
    #[test]
    fn a_rail_of_teasers_after_the_story_is_cut_with_its_heading() {
        let cards = "<h2>Read next</h2>\
            <div class=card><h3><a href=/a>Floods close the coastal road again</a></h3><p>The road was shut at dawn.</p><span>Dec 28, 2025</span></div>\
            <div class=card><a href=/b><img src=b.jpg></a><h3>Schools reopen after the storm</h3><p>Pupils returned on Monday.</p><span>Dec 27, 2025</span></div>\
            <div class=card><h3><a href=/c>The port expects more ships this year</a></h3><p>Trade grew by a tenth.</p><span>Dec 26, 2025</span></div>";
        let doc = page(cards);
        let headlines = linked_headlines(&doc);
        let rail = [
            "Read next",
            "Floods close the coastal road again",
            "The road was shut at dawn.",
            "Dec 28, 2025",
            "Schools reopen after the storm",
            "Pupils returned on Monday.",
            "Dec 27, 2025",
            "The port expects more ships this year",
            "Trade grew by a tenth.",
            "Dec 26, 2025",
        ];
        assert_eq!(rail_after_story(&rail, &headlines), 10);
    }

    /// Two linked headlines are not a rail, and a link inside a sentence is not a headline.
    #[test]
    fn a_story_ending_in_its_own_paragraphs_or_two_links_keeps_them() {
        let doc = page(
            "<p>See also: <a href=/a>Floods close the coastal road again</a></p>\
             <p><a href=/b>Schools reopen after the storm</a></p>",
        );
        let headlines = linked_headlines(&doc);
        let two = ["See also: Floods close the coastal road again", "Schools reopen after the storm"];
        assert_eq!(rail_after_story(&two, &headlines), 0);
        // Fragment, mail and script links are not other pages.
        let doc = page("<a href=#top>Back to the top of the page</a><a href=mailto:x@y.z>Write to the newsroom</a>");
        assert!(linked_headlines(&doc).is_empty());
    }

    /// WCXB 0213 (a realchurn false edit: its coupon's figure churns) and 4589: a newsletter box closing the
    /// text goes; a story's own last sentence that mentions a newsletter stays.
    #[test]
    fn a_call_to_subscribe_closing_the_text_is_cut() {
        let with = |tail: &[&'static str]| -> Vec<&'static str> {
            STORY.iter().copied().chain(tail.iter().copied()).collect()
        };
        let boxed = with(&[
            "Sign-up to get VIP early access to new art collections, all to your inbox... PLUS a 10%OFF coupon",
            "Subscribe",
        ]);
        assert_eq!(trailing_call_to_subscribe(&boxed), 2);
        assert_eq!(trailing_call_to_subscribe(&with(&["Sign up to our newsletter"])), 1);
        assert_eq!(trailing_call_to_subscribe(&with(&["Đăng ký nhận bản tin mỗi sáng"])), 1);
        let own = with(&["To learn more about the fund, sign up for our platform on our home page."]);
        assert_eq!(trailing_call_to_subscribe(&own), 0);
        let followed = with(&["Subscribe to the newsletter for more.", STORY[0]]);
        assert_eq!(trailing_call_to_subscribe(&followed), 0);
    }

    /// A review's cases: a short closing sentence before a rail without a heading is the story's; links into a
    /// page (a table of contents) and short text links ("here") give no headline; a story's last sentence that
    /// begins "Sign up" stays.
    #[test]
    fn the_storys_own_closing_lines_and_links_into_the_page_stay() {
        let doc = page(
            "<p>Reporting by Jane Doe.</p>\
             <div><h3><a href=/a>Floods close the coastal road again</a></h3><p>The road was shut.</p></div>\
             <div><h3><a href=/b>Schools reopen after the storm</a></h3><p>Pupils returned.</p></div>\
             <div><h3><a href=/c>The port expects more ships this year</a></h3><p>Trade grew.</p></div>\
             <p>See <a href=/x>here</a>.</p><h2>A section of the story</h2>\
             <a href=https://example.org/story#faq>Questions readers asked about the budget</a>",
        );
        let headlines = linked_headlines(&doc);
        assert!(!headlines.contains("A section of the story"));
        assert!(!headlines.contains("Questions readers asked about the budget"));
        let rail = [
            "Reporting by Jane Doe.",
            "Floods close the coastal road again",
            "The road was shut.",
            "Schools reopen after the storm",
            "Pupils returned.",
            "The port expects more ships this year",
            "Trade grew.",
        ];
        assert_eq!(rail_after_story(&rail, &headlines), 6);
        let own: Vec<&str> =
            STORY.iter().copied().chain(["Sign up for a postal vote at the town hall before Friday."]).collect();
        assert_eq!(trailing_call_to_subscribe(&own), 0);
    }

    /// A page of many short links under one long heading (a hostile page) is read in bounded time: a picture
    /// link's card heading is looked for at most MAX_CARDS times, in a bounded part of the tree, and a text
    /// link never looks for one.
    #[test]
    fn many_links_under_a_long_heading_cost_a_bounded_time() {
        let heading = "word ".repeat(100_000);
        let links: String =
            (0..20_000).map(|i| format!("<a href=/p{i}>x</a><a href=/q{i}><img src=q.jpg></a>")).collect();
        let doc = Document::from(format!("<html><body><div><h2>{heading}</h2>{links}</div></body></html>").as_str());
        let started = std::time::Instant::now();
        assert!(linked_headlines(&doc).is_empty());
        assert!(started.elapsed() < std::time::Duration::from_secs(2), "{:?}", started.elapsed());
    }

    /// A rail longer than the story before it is not cut: the text is a list page, or the story was not found.
    #[test]
    fn a_rail_longer_than_the_text_before_it_is_left_alone() {
        let links: String =
            (0..12).map(|i| format!("<p><a href=/s{i}>Another story about the district, number {i}</a></p>")).collect();
        let doc = page(&links);
        let headlines = linked_headlines(&doc);
        let rail: Vec<String> = (0..12).map(|i| format!("Another story about the district, number {i}")).collect();
        let mut lines: Vec<&str> = vec![STORY[0]];
        lines.extend(rail.iter().map(String::as_str));
        assert_eq!(trailing_rail(&lines, &headlines), 0);
    }
}
