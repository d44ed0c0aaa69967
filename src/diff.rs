//! Text diffs between two versions of an article.
//!
//! A line-based diff (one paragraph a line), as a unified diff for the CLI ([`unified`]) and as blocks for the
//! web view ([`blocks`]). Inside a changed paragraph both mark what changed, comparing Unicode words (UAX #29);
//! in Thai and other scripts without spaces between words they compare grapheme clusters, so a one-letter fix
//! still shows as that letter, where a split on spaces would only ever say "the whole paragraph changed".

use serde::{Deserialize, Serialize};
use similar::{DiffTag, TextDiff};
use unicode_segmentation::UnicodeSegmentation;

/// Renders a unified diff of `old` and `new` with headers `a` and `b`. With `inline`, changed line pairs
/// that are still mostly alike get inline markers.
pub fn unified(old: &str, new: &str, a: &str, b: &str, inline: bool) -> String {
    let old_lines: Vec<&str> = old.lines().collect();
    let new_lines: Vec<&str> = new.lines().collect();
    let diff = TextDiff::from_slices(&old_lines, &new_lines);
    let mut out = String::new();
    let groups = diff.grouped_ops(3);
    if groups.is_empty() {
        return out;
    }
    out.push_str(&format!("--- {a}\n+++ {b}\n"));
    for group in groups {
        let (first, last) = (&group[0], &group[group.len() - 1]);
        let old_start = first.old_range().start;
        let old_len = last.old_range().end - old_start;
        let new_start = first.new_range().start;
        let new_len = last.new_range().end - new_start;
        out.push_str(&format!("@@ -{} +{} @@\n", range(old_start, old_len), range(new_start, new_len)));
        for op in group {
            let (tag, o, n) = op.as_tag_tuple();
            match tag {
                DiffTag::Equal => o.for_each(|i| out.push_str(&format!(" {}\n", old_lines[i]))),
                DiffTag::Delete => o.for_each(|i| out.push_str(&format!("-{}\n", old_lines[i]))),
                DiffTag::Insert => n.for_each(|j| out.push_str(&format!("+{}\n", new_lines[j]))),
                DiffTag::Replace => {
                    let olds: Vec<&str> = o.map(|i| old_lines[i]).collect();
                    let news: Vec<&str> = n.map(|j| new_lines[j]).collect();
                    if inline && olds.len() == news.len() {
                        for (ol, nl) in olds.iter().zip(&news) {
                            let (m_old, m_new) = inline_marks(ol, nl);
                            out.push_str(&format!("-{m_old}\n+{m_new}\n"));
                        }
                    } else {
                        olds.iter().for_each(|l| out.push_str(&format!("-{l}\n")));
                        news.iter().for_each(|l| out.push_str(&format!("+{l}\n")));
                    }
                }
            }
        }
    }
    out
}

fn range(start: usize, len: usize) -> String {
    match len {
        0 => format!("{start},0"),
        1 => format!("{}", start + 1),
        _ => format!("{},{}", start + 1, len),
    }
}

/// One piece of a line in a diff: text both versions share (`changed: false`) or text only this side has.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Part {
    pub text: String,
    pub changed: bool,
}

/// A line of one version in a changed stretch: its number (1-based) and its parts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Line {
    pub number: usize,
    pub parts: Vec<Part>,
}

impl Line {
    fn whole(number: usize, text: &str) -> Line {
        Line { number, parts: vec![Part { text: text.to_string(), changed: true }] }
    }
}

/// A stretch of the two versions, in order: lines both have, or lines one replaced by the other.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Block {
    /// Unchanged lines; `old_start` and `new_start` are the first one's numbers (1-based) in each version.
    Same { old_start: usize, new_start: usize, lines: Vec<String> },
    /// `old` lines (removed) replaced by `new` lines (added); either side may be empty. When the two sides pair
    /// up line by line (`paired`), the parts of each pair that is still mostly alike mark the words that changed;
    /// other lines are one changed part.
    Change { old: Vec<Line>, new: Vec<Line>, paired: bool },
}

/// The whole of two texts as blocks, for views that show every line (the web view folds long `Same` blocks).
/// Same line diff and same word marks as [`unified`].
pub fn blocks(old: &str, new: &str) -> Vec<Block> {
    let old_lines: Vec<&str> = old.lines().collect();
    let new_lines: Vec<&str> = new.lines().collect();
    let diff = TextDiff::from_slices(&old_lines, &new_lines);
    let mut out: Vec<Block> = Vec::new();
    for op in diff.ops() {
        let (tag, o, n) = op.as_tag_tuple();
        if tag == DiffTag::Equal {
            let lines = o.clone().map(|i| old_lines[i].to_string()).collect();
            out.push(Block::Same { old_start: o.start + 1, new_start: n.start + 1, lines });
            continue;
        }
        let mut old: Vec<Line> = o.map(|i| Line::whole(i + 1, old_lines[i])).collect();
        let mut new: Vec<Line> = n.map(|j| Line::whole(j + 1, new_lines[j])).collect();
        let paired = mark_words(&mut old, &mut new);
        out.push(Block::Change { old, new, paired });
    }
    out
}

/// Marks the changed words of each line pair of a replacement whose sides pair up line by line, as [`unified`]
/// does (a pair that shares too little stays marked whole); returns whether the sides pair up.
fn mark_words(old: &mut [Line], new: &mut [Line]) -> bool {
    if old.len() != new.len() {
        return false;
    }
    for (a, b) in old.iter_mut().zip(new.iter_mut()) {
        if let Some((pa, pb)) = inline_parts(&a.parts[0].text, &b.parts[0].text) {
            a.parts = pa;
            b.parts = pb;
        }
    }
    true
}

/// Marks the changed runs of a line pair: `[-…-]` in the old line, `{+…+}` in the new one. Pairs that share
/// less than a third of their text are left unmarked (the markers would only add noise).
pub fn inline_marks(old: &str, new: &str) -> (String, String) {
    let Some((a, b)) = inline_parts(old, new) else { return (old.to_string(), new.to_string()) };
    let render = |parts: &[Part], open: &str, close: &str| {
        parts.iter().fold(String::new(), |mut s, p| {
            if p.changed {
                s.push_str(open);
                s.push_str(&p.text);
                s.push_str(close);
            } else {
                s.push_str(&p.text);
            }
            s
        })
    };
    (render(&a, "[-", "-]"), render(&b, "{+", "+}"))
}

/// The parts of a line pair, word by word (per grapheme cluster in scripts written without spaces), or `None`
/// when the two share less than a third of their text (spaces and punctuation do not count as shared).
/// A space between two changes joins them, so "[-a-] [-b-]" reads "[-a b-]".
pub fn inline_parts(old: &str, new: &str) -> Option<(Vec<Part>, Vec<Part>)> {
    let (old_tokens, new_tokens) = (tokens(old), tokens(new));
    let diff = TextDiff::from_slices(&old_tokens, &new_tokens);
    let ops = diff.ops();
    let weight = |t: &str| t.chars().filter(|c| c.is_alphanumeric()).count();
    let shared: usize = ops
        .iter()
        .filter(|op| op.tag() == DiffTag::Equal)
        .flat_map(|op| op.old_range())
        .map(|i| weight(old_tokens[i]))
        .sum();
    let total = (weight(old) + weight(new)) as f64 / 2.0;
    if total > 0.0 && (shared as f64) < total / 3.0 {
        return None;
    }
    let (mut a, mut b) = (Vec::new(), Vec::new());
    let push = |parts: &mut Vec<Part>, text: String, changed: bool| {
        if text.is_empty() {
            return;
        }
        match parts.last_mut() {
            Some(last) if last.changed == changed => last.text.push_str(&text),
            _ => parts.push(Part { text, changed }),
        }
    };
    for (k, op) in ops.iter().enumerate() {
        let (tag, o, n) = op.as_tag_tuple();
        let old_text: String = o.map(|i| old_tokens[i]).collect();
        let new_text: String = n.map(|j| new_tokens[j]).collect();
        let between_changes = k > 0
            && k + 1 < ops.len()
            && old_text.chars().all(char::is_whitespace)
            && ops[k - 1].tag() != DiffTag::Equal
            && ops[k + 1].tag() != DiffTag::Equal;
        let changed = tag != DiffTag::Equal || between_changes;
        push(&mut a, old_text, changed);
        push(&mut b, new_text, changed);
    }
    Some((a, b))
}

/// Splits a line into the units a word diff compares: Unicode words and the spaces and punctuation between
/// them (UAX #29), except that a run in a script written without spaces (Thai, Lao, Khmer, Myanmar, Chinese,
/// Japanese) is split into grapheme clusters, where a word split would either take the whole run as one word
/// or cut a letter from its vowel sign. Every unit is whole grapheme clusters.
pub fn tokens(line: &str) -> Vec<&str> {
    let mut cuts = std::collections::BTreeSet::from([0, line.len()]);
    for (start, word) in line.split_word_bound_indices() {
        if word.chars().any(unspaced_script) {
            cuts.extend(word.grapheme_indices(true).map(|(i, _)| start + i));
        } else {
            cuts.insert(start);
        }
    }
    let graphemes: std::collections::HashSet<usize> =
        line.grapheme_indices(true).map(|(i, _)| i).chain([line.len()]).collect();
    let cuts: Vec<usize> = cuts.into_iter().filter(|c| graphemes.contains(c)).collect();
    cuts.windows(2).map(|w| &line[w[0]..w[1]]).filter(|t| !t.is_empty()).collect()
}

/// Scripts whose words are not separated by spaces.
fn unspaced_script(c: char) -> bool {
    matches!(c as u32,
        0x0E00..=0x0EFF      // Thai, Lao
        | 0x1000..=0x109F    // Myanmar
        | 0x1780..=0x17FF    // Khmer
        | 0x3040..=0x30FF    // Hiragana, Katakana
        | 0x3400..=0x4DBF    // CJK extension A
        | 0x4E00..=0x9FFF    // CJK unified ideographs
        | 0xF900..=0xFAFF    // CJK compatibility ideographs
        | 0x20000..=0x3134F) // CJK extensions B to G
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unified_with_inline_marks() {
        let old = "Một\nHai ba bốn\nNăm";
        let new = "Một\nHai ba năm\nNăm\nSáu";
        let d = unified(old, new, "v1", "v2", true);
        assert_eq!(d, "--- v1\n+++ v2\n@@ -1,3 +1,4 @@\n Một\n-Hai ba [-bốn-]\n+Hai ba {+năm+}\n Năm\n+Sáu\n");
        let plain = unified(old, new, "v1", "v2", false);
        assert!(plain.contains("\n-Hai ba bốn\n+Hai ba năm\n"), "{plain}");
    }

    #[test]
    fn thai_one_character_fix_is_shown_inside_the_line() {
        let (a, b) = inline_marks("นายกรัฐมนตรีเดินทางเยือนเวียดนามเมื่อวันจันทร์", "นายกรัฐมนตรีเดินทางเยือนเวียดนามเมื่อวันอังคาร");
        assert_eq!(a, "นายกรัฐมนตรีเดินทางเยือนเวียดนามเมื่อวัน[-จันทร์-]");
        assert_eq!(b, "นายกรัฐมนตรีเดินทางเยือนเวียดนามเมื่อวัน{+อังคาร+}");
    }

    #[test]
    fn identical_texts_give_an_empty_diff() {
        assert_eq!(unified("a\nb", "a\nb", "x", "y", true), "");
    }

    #[test]
    fn thai_is_split_into_grapheme_clusters_and_a_vowel_sign_stays_with_its_letter() {
        // กำ: SARA AM (U+0E33) is a spacing mark: one grapheme with its consonant, though UAX #29 word bounds
        // would split it off.
        assert_eq!(tokens("ทำงาน"), vec!["ทำ", "ง", "า", "น"]);
        assert_eq!(tokens("Hà Nội, 12 người"), vec!["Hà", " ", "Nội", ",", " ", "12", " ", "người"]);
        assert_eq!(tokens("東京で"), vec!["東", "京", "で"]);
    }

    #[test]
    fn blocks_hold_every_line_with_the_changed_words_marked() {
        let old = "Tiêu đề\n\nMột hai\nCó 12 người bị thương.\nCuối";
        let new = "Tiêu đề\n\nMột hai\nCó 15 người bị thương.\nCuối\nThêm";
        let b = blocks(old, new);
        let part = |t: &str, c: bool| Part { text: t.into(), changed: c };
        assert_eq!(
            b,
            vec![
                Block::Same {
                    old_start: 1, new_start: 1, lines: vec!["Tiêu đề".into(), "".into(), "Một hai".into()]
                },
                Block::Change {
                    old: vec![Line {
                        number: 4,
                        parts: vec![part("Có ", false), part("12", true), part(" người bị thương.", false)]
                    }],
                    new: vec![Line {
                        number: 4,
                        parts: vec![part("Có ", false), part("15", true), part(" người bị thương.", false)]
                    }],
                    paired: true,
                },
                Block::Same { old_start: 5, new_start: 5, lines: vec!["Cuối".into()] },
                Block::Change {
                    old: vec![],
                    new: vec![Line { number: 6, parts: vec![part("Thêm", true)] }],
                    paired: false
                },
            ]
        );
        assert_eq!(
            blocks("a\nb", "a\nb"),
            vec![Block::Same { old_start: 1, new_start: 1, lines: vec!["a".into(), "b".into()] }]
        );
    }

    #[test]
    fn a_rewritten_line_is_marked_whole() {
        let b = blocks("Một câu hoàn toàn cũ", "Hoàn toàn khác hẳn đi");
        let Block::Change { old, new, paired } = &b[0] else { panic!("{b:?}") };
        assert!(paired);
        assert_eq!(old[0].parts, vec![Part { text: "Một câu hoàn toàn cũ".into(), changed: true }]);
        assert_eq!(new[0].parts, vec![Part { text: "Hoàn toàn khác hẳn đi".into(), changed: true }]);
    }

    #[test]
    fn a_space_between_two_changes_joins_them() {
        let (a, b) = inline_marks("Giá tăng 5 phần trăm trong quý", "Giá giảm 7 phần trăm trong quý");
        assert_eq!(a, "Giá [-tăng 5-] phần trăm trong quý");
        assert_eq!(b, "Giá {+giảm 7+} phần trăm trong quý");
    }
}
