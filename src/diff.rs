//! Text diffs between two versions of an article.
//!
//! A unified, line-based diff (one paragraph a line). Inside a changed paragraph we also mark what changed,
//! git-word-diff style (`[-old-]{+new+}`), comparing Unicode words (UAX #29). Thai has no spaces between words
//! and UAX #29 splits it into single characters, so a one-letter fix in Thai still shows as that letter, where a
//! split on spaces would only ever say "the whole paragraph changed".

use similar::{DiffTag, TextDiff};

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

/// Marks the changed grapheme runs of a line pair: `[-…-]` in the old line, `{+…+}` in the new one. Pairs that
/// share less than a third of their text are left unmarked (the markers would only add noise).
pub fn inline_marks(old: &str, new: &str) -> (String, String) {
    let diff = TextDiff::from_unicode_words(old, new);
    if diff.ratio() < 0.34 {
        return (old.to_string(), new.to_string());
    }
    let (mut a, mut b) = (String::new(), String::new());
    for op in diff.ops() {
        let (tag, o, n) = op.as_tag_tuple();
        let old_text: String = o.filter_map(|i| diff.old_slice(i)).collect();
        let new_text: String = n.filter_map(|j| diff.new_slice(j)).collect();
        match tag {
            DiffTag::Equal => {
                a.push_str(&old_text);
                b.push_str(&new_text);
            }
            DiffTag::Delete => a.push_str(&format!("[-{old_text}-]")),
            DiffTag::Insert => b.push_str(&format!("{{+{new_text}+}}")),
            DiffTag::Replace => {
                a.push_str(&format!("[-{old_text}-]"));
                b.push_str(&format!("{{+{new_text}+}}"));
            }
        }
    }
    (a, b)
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
}
