//! The text of a feed item's own content (`content:encoded`, `content`, `description`, `summary`): HTML in,
//! normalised lines out. It is the article of an item that has no link to fetch.

use crate::normalize::normalize_text;

/// Feed content is small; beyond this it is cut before parsing, so one hostile item cannot cost seconds.
const MAX_CONTENT_BYTES: usize = 2 * 1024 * 1024;

/// Plain text of an HTML fragment (or of plain text): one block a line, scripts and styles left out, NFC and
/// white space normalised as for article pages.
pub fn html_to_text(html: &str) -> String {
    let mut end = html.len().min(MAX_CONTENT_BYTES);
    while !html.is_char_boundary(end) {
        end -= 1;
    }
    let doc = dom_query::Document::fragment(&html[..end]);
    doc.select("script, style, noscript, template").remove();
    normalize_text(&doc.formatted_text())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_become_lines() {
        let html =
            "<p>Một <b>hai</b></p><script>x()</script><p>ba&nbsp;bốn</p><ul><li>a</li><li>b</li></ul>Sau<br>cùng";
        assert_eq!(html_to_text(html), "Một hai\nba bốn\na\nb\nSau\ncùng");
        assert_eq!(html_to_text("plain text, no markup"), "plain text, no markup");
        assert_eq!(html_to_text(""), "");
    }
}
