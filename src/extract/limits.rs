//! Pages too large or too deep to parse, refused before the parser sees them.
//!
//! The HTML tree builder checks the stack of open elements on many start tags ("is a `<p>` open in button
//! scope?"), so a page of N nested `<div>`s costs N² steps: 100,000 of them took minutes. No article nests
//! anywhere near a thousand deep, and none has 200,000 elements. One linear scan of the markup estimates both
//! and refuses such a page with the reason, in milliseconds.

use super::ExtractError;

/// More elements than this is not an article page (the largest of 1,500 real pages has about 30,000).
pub const MAX_ELEMENTS: usize = 200_000;
/// Deeper nesting than this is not an article page (real pages stay under 100).
pub const MAX_DEPTH: usize = 1_000;

/// Elements without content, and elements whose end tag HTML lets an author leave out: neither nests.
const NOT_NESTING: &[&str] = &[
    "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source", "track", "wbr", "p",
    "li", "dt", "dd", "tr", "td", "th", "option", "optgroup", "rb", "rt", "rtc", "rp", "thead", "tbody", "tfoot",
    "colgroup", "caption", "html", "head", "body", "!doctype",
];

/// Raw-text elements: their content is not markup.
const RAW_TEXT: &[&str] =
    &["script", "style", "textarea", "title", "xmp", "iframe", "noembed", "noframes", "plaintext"];

/// Refuses a page with more than [`MAX_ELEMENTS`] start tags or an estimated nesting deeper than [`MAX_DEPTH`].
pub fn check(html: &str) -> Result<(), ExtractError> {
    let bytes = html.as_bytes();
    let (mut elements, mut depth, mut deepest) = (0usize, 0usize, 0usize);
    let mut i = 0;
    while let Some(lt) = memchr(b'<', &bytes[i..]) {
        i += lt + 1;
        if bytes[i..].starts_with(b"!--") {
            i = find(bytes, i + 3, b"-->").map_or(bytes.len(), |e| e + 3);
            continue;
        }
        let closing = bytes.get(i) == Some(&b'/');
        let start = if closing { i + 1 } else { i };
        let name_len = bytes[start..].iter().take_while(|b| b.is_ascii_alphanumeric() || **b == b'!').count();
        if name_len == 0 || !(bytes[start].is_ascii_alphabetic() || bytes[start] == b'!') {
            continue;
        }
        let name = &html[start..start + name_len];
        let is_in = |list: &[&str]| list.iter().any(|n| n.eq_ignore_ascii_case(name));
        let end = memchr(b'>', &bytes[start..]).map_or(bytes.len(), |e| start + e);
        let self_closing = end > start && bytes[end - 1] == b'/';
        i = end.min(bytes.len());
        if closing {
            if !is_in(NOT_NESTING) {
                depth = depth.saturating_sub(1);
            }
            continue;
        }
        elements += 1;
        if elements > MAX_ELEMENTS {
            return Err(ExtractError::TooLarge);
        }
        if is_in(RAW_TEXT) {
            // Skip to the matching end tag: a script's "<div" is not an element.
            let close = format!("</{name}");
            i = find_ignore_case(bytes, i, close.as_bytes()).unwrap_or(bytes.len());
            continue;
        }
        if !self_closing && !is_in(NOT_NESTING) {
            depth += 1;
            deepest = deepest.max(depth);
            if deepest > MAX_DEPTH {
                return Err(ExtractError::TooDeep);
            }
        }
    }
    Ok(())
}

fn memchr(needle: u8, hay: &[u8]) -> Option<usize> {
    hay.iter().position(|b| *b == needle)
}

fn find(hay: &[u8], from: usize, needle: &[u8]) -> Option<usize> {
    hay.get(from..)?.windows(needle.len()).position(|w| w == needle).map(|p| from + p)
}

fn find_ignore_case(hay: &[u8], from: usize, needle: &[u8]) -> Option<usize> {
    hay.get(from..)?.windows(needle.len()).position(|w| w.eq_ignore_ascii_case(needle)).map(|p| from + p)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ordinary_markup_passes() {
        let page = "<!DOCTYPE html><html><head><script>if (a<b) document.write('<div>')</script></head><body>\
            <div><p>one<p>two<br><img src=x><ul><li>a<li>b</ul></div><!-- <div><div> --></body></html>";
        assert_eq!(check(page), Ok(()));
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
}
