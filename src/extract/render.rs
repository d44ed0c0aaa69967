//! An element's text as the reader sees it: one block a line, inline text joined with single spaces, nothing
//! from scripts, styles or other non-text elements. Iterative, so deep pages cannot overflow the stack.

use dom_query::{NodeData, NodeRef};

use super::density::{is_block, is_non_text};

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
                // One look at the node in place: its text is pushed from the tree, not copied out first.
                let element = n.query_or(None, |node| match &node.data {
                    NodeData::Text { contents } => {
                        push_inline(&mut out, contents);
                        None
                    }
                    NodeData::Element(e) => Some(Shape::of(&e.name.local)),
                    NodeData::Document | NodeData::Fragment => Some(Shape::Inline),
                    _ => None,
                });
                match element {
                    None | Some(Shape::NonText) => continue,
                    Some(Shape::Break) => {
                        end_line(&mut out);
                        continue;
                    }
                    Some(Shape::Block) => {
                        end_line(&mut out);
                        stack.push(Step::Leave);
                    }
                    Some(Shape::Cell) => push_inline(&mut out, " "),
                    Some(Shape::Inline) => {}
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

/// How an element's text is laid out.
enum Shape {
    /// Nothing of it is text (`is_non_text`).
    NonText,
    /// `<br>`, `<hr>`: a line ends.
    Break,
    /// A line of its own.
    Block,
    /// A table cell: set off by a space.
    Cell,
    Inline,
}

impl Shape {
    fn of(tag: &str) -> Shape {
        if is_non_text(tag) {
            Shape::NonText
        } else if matches!(tag, "br" | "hr") {
            Shape::Break
        } else if is_block(tag) {
            Shape::Block
        } else if matches!(tag, "td" | "th") {
            Shape::Cell
        } else {
            Shape::Inline
        }
    }
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
    let mut words = crate::normalize::words(text).peekable();
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
