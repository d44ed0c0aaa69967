//! Blocks of the prose root that Readability's text left out but that belong to the article, put back: those
//! between two of its own blocks, a run of intro paragraphs before it, and a FAQ after it. Each was found
//! through a missed edit in `../shared/tools/realsite.py` and kept because it helped both halves of the WCXB
//! pages (ARCHITECTURE.md, scripts/README-bench.md).

use super::candidates::{blocks_held, holds, prefix, Flat, ProseRoot};
use crate::normalize::normalize_line;

/// A single paragraph before the story's body is most often its dek or a disclaimer, which the benchmarks'
/// truths leave out; an intro section is several.
const MIN_LEAD_PARAGRAPHS: usize = 2;

/// Readability's text, with the prose root's prose blocks that it left out between the first and the last
/// block it took put back in their places. Readability scores containers and can drop a block in the middle
/// of the story (a `<details>` or FAQ answer, an accordion, an embedded box); what lies between two of the
/// article's own paragraphs, inside the article's container, is the article. Blocks before the first and after
/// the last (rails, comments, footers) stay out. `held` is `candidates::agreement`'s for this text. Returns the
/// text and how many blocks were put back.
pub(super) fn with_blocks_left_inside(root: &ProseRoot, text: &str, held: &[bool]) -> (String, usize) {
    let (Some(first), Some(last)) = (held.iter().position(|&h| h), held.iter().rposition(|&h| h)) else {
        return (text.to_string(), 0);
    };
    let inside: Vec<usize> = (first..=last).filter(|&i| !held[i]).collect();
    let held_chars: u32 = (0..held.len()).filter(|&i| held[i]).map(|i| root.blocks[i].chars).sum();
    let inside_chars: u32 = inside.iter().map(|&i| root.blocks[i].chars).sum();
    if inside.is_empty() || inside_chars > held_chars {
        return (text.to_string(), 0);
    }
    let lines: Vec<&str> = text.lines().collect();
    let normalized: Vec<String> = lines.iter().map(|l| normalize_line(l)).collect();
    // Each block left out goes after the line holding the nearest held block before it (`first` is held).
    let mut after: Vec<Vec<&str>> = vec![Vec::new(); lines.len()];
    let mut put_back = 0;
    for &i in &inside {
        let anchor = (first..i).rev().find(|&j| held[j]).map(|j| prefix(&root.blocks[j], 40));
        if let Some(at) = anchor.and_then(|p| normalized.iter().position(|l| holds(l, &p))) {
            after[at].push(&root.blocks[i].text);
            put_back += 1;
        }
    }
    let mut out = Vec::with_capacity(lines.len() + put_back);
    for (line, extra) in lines.iter().zip(&after) {
        out.push(*line);
        out.extend(extra);
    }
    (out.join("\n"), put_back)
}

/// The text with the paragraphs just before the first scope block it holds put in front: an intro paragraph
/// or a callout box in a sibling container before the story's main body, which Readability leaves out as a
/// container of its own. The run stops at anything else (a headline box, a dek, breadcrumbs), at chrome, and
/// at what the text already holds.
pub(super) fn with_leading_blocks(scope: &ProseRoot, flat: &Flat) -> (String, usize) {
    let (text, held) = (flat.text, blocks_held(scope, flat));
    let flat = &flat.line;
    let Some(first) = held.iter().position(|&h| h) else { return (text.to_string(), 0) };
    let mut lead: Vec<&str> = scope.blocks[..first]
        .iter()
        .rev()
        .take_while(|b| b.paragraph && !b.in_chrome && !holds(flat, &prefix(b, 40)))
        .map(|b| b.text.as_str())
        .collect();
    if lead.len() < MIN_LEAD_PARAGRAPHS || lead.iter().map(|t| t.len()).sum::<usize>() > text.len() {
        return (text.to_string(), 0);
    }
    lead.reverse();
    let n = lead.len();
    lead.push(text);
    (lead.join("\n"), n)
}

/// The text with the scope's question-and-answer blocks after the last block it holds put after it: a FAQ
/// closing a story or a guide is part of it, though Readability scores it as a container of its own and the
/// benchmarks' truths keep it. Other blocks after the text (comments, rails) stay out.
pub(super) fn with_faq_after(scope: &ProseRoot, flat: &Flat) -> (String, usize) {
    let (text, held) = (flat.text, blocks_held(scope, flat));
    let flat = &flat.line;
    let Some(last) = held.iter().rposition(|&h| h) else { return (text.to_string(), 0) };
    let answers: Vec<&str> = scope.blocks[last + 1..]
        .iter()
        .filter(|b| b.in_faq && !b.in_chrome && !holds(flat, &prefix(b, 40)))
        .map(|b| b.text.as_str())
        .collect();
    if answers.is_empty() || answers.iter().map(|t| t.len()).sum::<usize>() > text.len() {
        return (text.to_string(), 0);
    }
    let n = answers.len();
    (std::iter::once(text).chain(answers).collect::<Vec<_>>().join("\n"), n)
}

#[cfg(test)]
mod tests {
    use super::super::candidates::ProseBlock;
    use super::*;

    /// WCXB pages 0336 and 0346 (realsite's missed edits): the story's intro paragraphs sit in a container of
    /// their own before the body Readability took. A run of two or more paragraphs just before the text goes in
    /// front of it; one paragraph alone (a dek, a disclaimer) stays out, and the run stops at a box of mixed
    /// content (the headline's) or at chrome.
    #[test]
    fn intro_paragraphs_before_readabilitys_text_are_put_in_front() {
        let block = |text: &str, paragraph: bool, in_chrome: bool| ProseBlock {
            paragraph,
            in_chrome,
            ..ProseBlock::plain(text)
        };
        let headline = "Restaurant service styles explained, from counter service to fine dining tables";
        let intro = [
            "How a restaurant serves its guests often matters as much as what it serves them, owners say.",
            "What makes this landscape complex is that service can be visible or nearly invisible to guests.",
        ];
        let body = [
            "Counter service asks guests to order and pay at a counter, then collect or wait for their food.",
            "Full service brings a server to the table for the whole meal, from the first order to the bill.",
        ];
        let scope = |blocks: Vec<ProseBlock>| ProseRoot {
            text: String::new(),
            blocks,
            description: "<main>".into(),
            link_share: 0.0,
            chrome: false,
        };
        let text = body.join("\n");
        let full = scope(vec![
            block(headline, false, false),
            block(intro[0], true, false),
            block(intro[1], true, false),
            block(body[0], true, false),
            block(body[1], true, false),
        ]);
        assert_eq!(with_leading_blocks(&full, &Flat::new(&text)), (format!("{}\n{text}", intro.join("\n")), 2));
        let dek_only =
            scope(vec![block(headline, false, false), block(intro[1], true, false), block(body[0], true, false)]);
        assert_eq!(with_leading_blocks(&dek_only, &Flat::new(&text)), (text.clone(), 0));
        let in_chrome =
            scope(vec![block(intro[0], true, true), block(intro[1], true, true), block(body[0], true, false)]);
        assert_eq!(with_leading_blocks(&in_chrome, &Flat::new(&text)), (text.clone(), 0));
    }

    /// WCXB pages 4413 and 4363 (realsite's missed edits): a FAQ closes the guide, after the last block
    /// Readability took. Its answers go after the text; a comment after the text, not in a FAQ, stays out.
    #[test]
    fn a_faq_after_readabilitys_text_is_put_after_it() {
        let block = |text: &str, in_faq: bool| ProseBlock { in_faq, ..ProseBlock::plain(text) };
        let body = [
            "Set max_connections from the memory the server has, not from the number of clients you expect.",
            "A connection pooler in front of the database keeps the number of server processes small and steady.",
        ];
        let answer = "Mismanaging connections: setting the parameter too high makes every backend compete for memory.";
        let comment =
            "Great article, this saved our production database last week. Thanks for writing it up so clearly!";
        let root = ProseRoot {
            text: String::new(),
            blocks: vec![block(body[0], false), block(body[1], false), block(answer, true), block(comment, false)],
            description: "<div>".into(),
            link_share: 0.0,
            chrome: false,
        };
        let text = body.join("\n");
        assert_eq!(with_faq_after(&root, &Flat::new(&text)), (format!("{text}\n{answer}"), 1));
        let without =
            ProseRoot { blocks: vec![block(body[0], false), block(body[1], false), block(comment, false)], ..root };
        assert_eq!(with_faq_after(&without, &Flat::new(&text)), (text.clone(), 0));
    }
}
