//! An element's text as the reader sees it: one block a line, inline text joined with single spaces, nothing
//! from scripts, styles or other non-text elements. Iterative, so deep pages cannot overflow the stack.

use dom_query::NodeRef;

use super::density::{is_block, NON_TEXT_TAGS};

/// The text of `node` and its subtree, one block a line (not yet normalised).
pub fn text_of(node: &NodeRef) -> String {
    enum Step<'a> {
        Enter(NodeRef<'a>),
        /// Leaving a block: end its line.
        Leave,
    }
    let mut out = String::new();
    let mut stack = vec![Step::Enter(*node)];
    while let Some(step) = stack.pop() {
        match step {
            Step::Leave => end_line(&mut out),
            Step::Enter(n) => {
                if n.is_text() {
                    push_inline(&mut out, &n.text());
                    continue;
                }
                if !(n.is_element() || n.is_document() || n.is_fragment()) {
                    continue;
                }
                let name = n.node_name().unwrap_or_default();
                if NON_TEXT_TAGS.contains(&name.as_ref()) {
                    continue;
                }
                if name.as_ref() == "br" || name.as_ref() == "hr" {
                    end_line(&mut out);
                    continue;
                }
                let block = is_block(&name);
                if block {
                    end_line(&mut out);
                    stack.push(Step::Leave);
                } else if matches!(name.as_ref(), "td" | "th") {
                    push_inline(&mut out, " ");
                }
                // Children pushed in reverse so the first is rendered first.
                for child in n.children_it(true) {
                    stack.push(Step::Enter(child));
                }
            }
        }
    }
    out.truncate(out.trim_end().len());
    out
}

fn end_line(out: &mut String) {
    let trimmed = out.trim_end_matches(' ').len();
    out.truncate(trimmed);
    if !out.is_empty() && !out.ends_with('\n') {
        out.push('\n');
    }
}

/// Appends inline text, white space collapsed to single spaces.
fn push_inline(out: &mut String, text: &str) {
    let starts_with_space = text.starts_with(char::is_whitespace);
    let ends_with_space = text.ends_with(char::is_whitespace);
    let mut words = text.split_whitespace().peekable();
    if words.peek().is_none() {
        if starts_with_space && !out.is_empty() && !out.ends_with([' ', '\n']) {
            out.push(' ');
        }
        return;
    }
    if starts_with_space && !out.is_empty() && !out.ends_with([' ', '\n']) {
        out.push(' ');
    }
    let mut first = true;
    for w in words {
        if !first {
            out.push(' ');
        }
        out.push_str(w);
        first = false;
    }
    if ends_with_space {
        out.push(' ');
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use dom_query::Document;

    #[test]
    fn blocks_are_lines_and_inline_text_is_joined() {
        let doc = Document::from(
            "<div id=a><h2>Title</h2><p>One <b>bold</b>\n word.</p><script>x()</script><ul><li>a</li><li>b<br>c</li></ul>tail</div>",
        );
        let a = doc.select("#a").nodes()[0];
        let a = &a;
        assert_eq!(text_of(a), "Title\nOne bold word.\na\nb\nc\ntail");
    }
}
