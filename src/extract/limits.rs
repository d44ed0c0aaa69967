//! Pages too large or too deep to parse, refused before the parser sees them.
//!
//! The HTML tree builder checks the stack of open elements on many start tags ("is a `<p>` open in button
//! scope?"), so a page of N nested `<div>`s costs N² steps: 100,000 of them took minutes. No article nests
//! anywhere near a thousand deep, and none has 200,000 elements. One linear scan of the markup estimates both
//! and refuses such a page with the reason, in milliseconds.

use memchr::memchr;

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

/// Raw-text elements: their content is not markup. `name` is lower-cased.
fn is_raw_text(name: &[u8]) -> bool {
    matches!(
        name,
        b"script" | b"style" | b"textarea" | b"title" | b"xmp" | b"iframe" | b"noembed" | b"noframes" | b"plaintext"
    )
}

/// The longest name either list holds: a longer tag name is in neither.
const LONGEST_LISTED: usize = 9;

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
        let mut lower = [0u8; LONGEST_LISTED];
        let name: &[u8] = if name_len <= LONGEST_LISTED {
            lower[..name_len].copy_from_slice(&bytes[start..start + name_len]);
            lower[..name_len].make_ascii_lowercase();
            &lower[..name_len]
        } else {
            b""
        };
        let end = memchr(b'>', &bytes[start..]).map_or(bytes.len(), |e| start + e);
        let self_closing = end > start && bytes[end - 1] == b'/';
        i = end.min(bytes.len());
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
            i = find_end_tag(bytes, i, name).unwrap_or(bytes.len());
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
    Ok(())
}

fn find(hay: &[u8], from: usize, needle: &[u8]) -> Option<usize> {
    memchr::memmem::find(hay.get(from..)?, needle).map(|p| from + p)
}

/// Where `</name` (any case; `name` lower-cased) starts at or after `from`.
fn find_end_tag(hay: &[u8], from: usize, name: &[u8]) -> Option<usize> {
    let mut at = from;
    loop {
        at += memchr::memmem::find(hay.get(at..)?, b"</")?;
        let tag = hay.get(at + 2..at + 2 + name.len())?;
        if tag.eq_ignore_ascii_case(name) {
            return Some(at);
        }
        at += 2;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
}
