//! The markup's first pass, before the parser sees it: pages too large or too deep to parse are refused, and
//! the contents of scripts and style sheets are cut out.
//!
//! The HTML tree builder checks the stack of open elements on many start tags ("is a `<p>` open in button
//! scope?"), so a page of N nested `<div>`s costs N² steps: 100,000 of them took minutes. No article nests
//! anywhere near a thousand deep, and none has 200,000 elements. One linear scan of the markup estimates both
//! and refuses such a page with the reason, in milliseconds.
//!
//! Scripts and style sheets are a third to a half of a news page's bytes (the extraction benchmark's pages:
//! 28% script, 27% style), and nothing the extractor reads is in them but JSON-LD. The parser still has to
//! tokenise them: a fifth of its time. The same scan cuts their contents and keeps the elements, so the
//! parser builds the same tree with empty scripts and styles. Where the scan cannot be sure of that (a
//! script holding `<!--`, whose end the tokenizer finds by other rules), it cuts nothing more.

use std::borrow::Cow;

use memchr::{memchr, memchr3};

use super::ExtractError;

/// More elements than this is not an article page (the largest of 1,500 real pages has about 30,000).
pub const MAX_ELEMENTS: usize = 200_000;
/// Deeper nesting than this is not an article page (real pages stay under 100).
pub const MAX_DEPTH: usize = 1_000;

/// Elements without content, and elements whose end tag HTML lets an author leave out: neither nests.
/// `name` is lower-cased.
fn is_not_nesting(name: &[u8]) -> bool {
    matches!(
        name,
        b"area"
            | b"base"
            | b"br"
            | b"col"
            | b"embed"
            | b"hr"
            | b"img"
            | b"input"
            | b"link"
            | b"meta"
            | b"param"
            | b"source"
            | b"track"
            | b"wbr"
            | b"p"
            | b"li"
            | b"dt"
            | b"dd"
            | b"tr"
            | b"td"
            | b"th"
            | b"option"
            | b"optgroup"
            | b"rb"
            | b"rt"
            | b"rtc"
            | b"rp"
            | b"thead"
            | b"tbody"
            | b"tfoot"
            | b"colgroup"
            | b"caption"
            | b"html"
            | b"head"
            | b"body"
            | b"!doctype"
    )
}

/// Raw-text elements: their content is not markup. `name` is lower-cased. (`<noscript>` is markup: dom_query
/// parses with scripting off.)
fn is_raw_text(name: &[u8]) -> bool {
    matches!(
        name,
        b"script" | b"style" | b"textarea" | b"title" | b"xmp" | b"iframe" | b"noembed" | b"noframes" | b"plaintext"
    )
}

/// The longest name either list holds: a longer tag name is in neither.
const LONGEST_LISTED: usize = 9;

/// Refuses a page with more than [`MAX_ELEMENTS`] start tags or an estimated nesting deeper than [`MAX_DEPTH`];
/// otherwise gives the markup for the parser: the page with the contents of its scripts (but JSON ones) and
/// style sheets cut out.
pub fn prepare(html: &str) -> Result<Cow<'_, str>, ExtractError> {
    let bytes = html.as_bytes();
    let (mut elements, mut depth, mut deepest) = (0usize, 0usize, 0usize);
    // Byte ranges of script and style contents to leave out, in order.
    let mut cuts: Vec<(usize, usize)> = Vec::new();
    let mut may_cut = true;
    let mut i = 0;
    while let Some(lt) = memchr(b'<', &bytes[i..]) {
        i += lt + 1;
        let closing = match bytes.get(i) {
            Some(b'!') if bytes[i..].starts_with(b"!--") => {
                i = find(bytes, i + 3, b"-->").map_or(bytes.len(), |e| e + 3);
                continue;
            }
            // A CDATA section (in SVG or MathML) may hold a '>' before its end: skip to the end.
            Some(b'!') if bytes[i..].starts_with(b"![CDATA[") => {
                i = find(bytes, i, b"]]>").map_or(bytes.len(), |e| e + 3);
                continue;
            }
            // A doctype or a bogus comment (`<!x`, `<?php`, `</ x`): it ends at the next '>'.
            Some(b'!' | b'?') => {
                i = memchr(b'>', &bytes[i..]).map_or(bytes.len(), |e| i + e + 1);
                continue;
            }
            Some(b'/') if !bytes.get(i + 1).is_some_and(u8::is_ascii_alphabetic) => {
                i = memchr(b'>', &bytes[i..]).map_or(bytes.len(), |e| i + e + 1);
                continue;
            }
            Some(b'/') => true,
            Some(c) if c.is_ascii_alphabetic() => false,
            // A '<' in text.
            _ => continue,
        };
        let start = if closing { i + 1 } else { i };
        let name_len = bytes[start..].iter().take_while(|b| !ends_tag_name(**b)).count();
        let mut lower = [0u8; LONGEST_LISTED];
        let name: &[u8] = if name_len <= LONGEST_LISTED {
            lower[..name_len].copy_from_slice(&bytes[start..start + name_len]);
            lower[..name_len].make_ascii_lowercase();
            &lower[..name_len]
        } else {
            b""
        };
        let end = tag_end(bytes, start + name_len);
        let self_closing = end > start && bytes[end - 1] == b'/';
        i = (end + 1).min(bytes.len());
        if closing {
            if !is_not_nesting(name) {
                depth = depth.saturating_sub(1);
            }
            continue;
        }
        elements += 1;
        if elements > MAX_ELEMENTS {
            return Err(ExtractError::TooLarge);
        }
        if is_raw_text(name) {
            // Skip to the matching end tag: a script's "<div" is not an element.
            let close = find_end_tag(bytes, i, name).unwrap_or(bytes.len());
            let content = &bytes[i..close];
            let cuttable = match name {
                // `start` and `end` are next to ASCII bytes ('<', '>'), so on character boundaries.
                b"script" => crate::decode::find_ascii_ci(&html[start..end], "json").is_none(),
                b"style" => true,
                _ => false,
            };
            if cuttable && may_cut {
                if find(content, 0, b"<!--").is_some() {
                    // The tokenizer's escaped states may end this script elsewhere: cut nothing from here on.
                    may_cut = false;
                } else if !content.is_empty() && find(content, 0, b"<![CDATA[").is_none() {
                    cuts.push((i, close));
                }
            }
            // Past the end tag, which closes what its start tag opened (no depth was added for it).
            i = if close < bytes.len() { (tag_end(bytes, close + 2 + name.len()) + 1).min(bytes.len()) } else { close };
            continue;
        }
        if !self_closing && !is_not_nesting(name) {
            depth += 1;
            deepest = deepest.max(depth);
            if deepest > MAX_DEPTH {
                return Err(ExtractError::TooDeep);
            }
        }
    }
    if cuts.is_empty() {
        return Ok(Cow::Borrowed(html));
    }
    let mut out = String::with_capacity(html.len() - cuts.iter().map(|(a, b)| b - a).sum::<usize>());
    let mut from = 0;
    for (a, b) in cuts {
        // Cuts lie between ASCII bytes ('>' and '<'), so they are on character boundaries.
        out.push_str(&html[from..a]);
        from = b;
    }
    out.push_str(&html[from..]);
    Ok(Cow::Owned(out))
}

/// A tag name runs to white space, '/' or '>', as the tokenizer reads it (`<script-x>` is not a script).
fn ends_tag_name(b: u8) -> bool {
    matches!(b, b'\t' | b'\n' | b'\x0C' | b'\r' | b' ' | b'/' | b'>')
}

/// The index of the '>' that ends the tag whose attributes start at `from` (or the end of the page). A quote
/// right after '=' opens an attribute value, which may hold a '>' (`alt="a > b"`); any other quote is a
/// character of a name.
fn tag_end(bytes: &[u8], from: usize) -> usize {
    let mut j = from.min(bytes.len());
    loop {
        let Some(k) = memchr3(b'>', b'"', b'\'', &bytes[j..]).map(|k| j + k) else { return bytes.len() };
        if bytes[k] == b'>' {
            return k;
        }
        let before = bytes[from.min(k)..k].iter().rposition(|b| !b.is_ascii_whitespace());
        let opens_value = before.is_some_and(|p| bytes[from + p] == b'=');
        j = if opens_value { memchr(bytes[k], &bytes[k + 1..]).map_or(bytes.len(), |q| k + 1 + q + 1) } else { k + 1 };
    }
}

fn find(hay: &[u8], from: usize, needle: &[u8]) -> Option<usize> {
    memchr::memmem::find(hay.get(from..)?, needle).map(|p| from + p)
}

/// Where the end tag `</name` (any case; `name` lower-cased), followed by white space, '/' or '>', starts at
/// or after `from`.
fn find_end_tag(hay: &[u8], from: usize, name: &[u8]) -> Option<usize> {
    let mut at = from;
    loop {
        at += memchr::memmem::find(hay.get(at..)?, b"</")?;
        let tag = hay.get(at + 2..at + 2 + name.len())?;
        if tag.eq_ignore_ascii_case(name) && hay.get(at + 2 + name.len()).is_none_or(|b| ends_tag_name(*b)) {
            return Some(at);
        }
        at += 2;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use dom_query::Document;

    fn check(html: &str) -> Result<(), ExtractError> {
        prepare(html).map(drop)
    }

    #[test]
    fn ordinary_markup_passes() {
        let page = "<!DOCTYPE html><html><head><script>if (a<b) document.write('<div>')</script></head><body>\
            <div><p>one<p>two<br><img src=x><ul><li>a<li>b</ul></div><!-- <div><div> --></body></html>";
        assert_eq!(check(page), Ok(()));
        // A raw-text element ends at its end tag in any case, and not at another element's end tag.
        let script = format!("<SCRIPT>x = '</b>{}'</ScRiPt>", "<div>".repeat(MAX_DEPTH + 1));
        assert_eq!(check(&script), Ok(()));
        let after = format!("<Style>p{{}}</STYLE>{}", "<div>".repeat(MAX_DEPTH + 1));
        assert_eq!(check(&after), Err(ExtractError::TooDeep));
    }

    #[test]
    fn deep_and_huge_pages_are_refused() {
        assert_eq!(check(&"<div>".repeat(MAX_DEPTH + 1)), Err(ExtractError::TooDeep));
        assert_eq!(check(&"<b>".repeat(MAX_DEPTH + 1)), Err(ExtractError::TooDeep));
        assert_eq!(check(&"<table><tr><td>".repeat(MAX_DEPTH + 1)), Err(ExtractError::TooDeep));
        assert_eq!(check(&format!("<ul>{}</ul>", "<li>x".repeat(MAX_ELEMENTS + 1))), Err(ExtractError::TooLarge));
        // Closed elements do not add up.
        assert_eq!(check(&"<div>x</div>".repeat(MAX_DEPTH * 10)), Ok(()));
    }

    #[test]
    fn scripts_and_styles_lose_their_contents_and_keep_their_elements() {
        let page = r#"<html><head><style>p { color: red }</style><script type="application/ld+json">{"@type":"NewsArticle"}</script><SCRIPT src=a.js></SCRIPT><script>var a = "<div>";</script></head><body><p>Text</p><script async>track()</script></body></html>"#;
        assert_eq!(
            prepare(page).unwrap(),
            r#"<html><head><style></style><script type="application/ld+json">{"@type":"NewsArticle"}</script><SCRIPT src=a.js></SCRIPT><script></script></head><body><p>Text</p><script async></script></body></html>"#
        );
        assert!(matches!(prepare("<p>No script at all</p>").unwrap(), Cow::Borrowed(_)));
    }

    /// What only looks like a script is left alone: in an attribute value, a bogus comment, a `<noscript>`, a
    /// comment, a longer tag name; and after a script holding `<!--`, nothing more is cut.
    #[test]
    fn nothing_but_a_script_or_style_is_cut() {
        for page in [
            r#"<img alt="a > b <script>">Article text<script>x</script>"#,
            r#"<img alt='a > b <script>'>Article text<script>x</script>"#,
            r#"<?php echo "<script>"; ?>Article text<script>x</script>"#,
            r#"<!-- <script> -->Article text<script>x</script>"#,
            r#"<script-x>Article text</script-x><script>x</script>"#,
            r#"<svg><![CDATA[ a > b <script> ]]></svg>Article text<script>x</script>"#,
        ] {
            let prepared = prepare(page).unwrap();
            assert!(prepared.contains("Article text"), "{page}");
            assert!(prepared.ends_with("<script></script>"), "{page} -> {prepared}");
        }
        let escaped = r#"<script><!-- document.write("<script>a</script>") --></script>Article text<script>x</script>"#;
        assert_eq!(prepare(escaped).unwrap(), escaped);
        // `<iframe />` is not closed: the rest of the page is its raw text, scripts and all (WCXB 0041).
        let unclosed = r#"<noscript><iframe src="/ns.html" /></noscript>Article text<script>x</script>"#;
        assert_eq!(prepare(unclosed).unwrap(), unclosed);
        // Only `</script` followed by white space, '/' or '>' ends a script.
        assert_eq!(prepare("<script>a</scripts>b</script >c").unwrap(), "<script></script >c");
    }

    /// The parser builds the same tree from the prepared markup as from the page, but for the emptied scripts
    /// and styles; on markup that tests the tokenizer's corners.
    #[test]
    fn the_prepared_markup_parses_to_the_same_tree() {
        let pages = [
            "<!DOCTYPE html><html><head><title>a <script> b</title><style>x{}</style></head><body><p>One</p>\
             <script>if (a < b && c > d) { x = '</div>' }</script><textarea><script>t</script></textarea><p>Two</p></body></html>",
            "<body><div data-x='<style>'>In</div><svg><style>.s{}</style><script>s()</script></svg><p>Out</p></body>",
            "<body><p>a<script>1</script>b<style>2</style>c</p><iframe><script>3</script></iframe><xmp><style>4</style></xmp>d</body>",
            "<body><script><!-- x --></script><p>After a comment in a script</p><script>y</script></body>",
            "<body><p>Unclosed<script>never ends",
            "<body><noscript><script>n()</script><iframe src=x /></noscript><p>Swallowed</p><script>z</script></body>",
        ];
        let emptied = |html: &str| {
            let doc = Document::from(html);
            doc.select("script:not([type*=json]), style").nodes().iter().for_each(|n| n.remove_children());
            doc.html().to_string()
        };
        for page in pages {
            let prepared = prepare(page).unwrap();
            assert_eq!(emptied(&prepared), emptied(page), "{page}");
        }
    }
}
