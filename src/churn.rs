//! Is a changed page a real edit, or live-page churn? Decided from two fetches seconds apart.
//!
//! When a page's text hash differs from the stored version's, the page is fetched once more. What differs
//! between those two fetches is churn — counters, "5 minutes ago", a rail that reorders itself on every
//! request — and an edit is what both fetches agree on and the stored text does not have:
//! - a line that both fetches have and the stored text has not (a sentence added or changed), or
//! - more stored lines gone from both fetches than lines that only the first fetch has (a paragraph removed;
//!   a churned counter is one line gone and one new line in its place, which balance), or
//! - both fetches identical and different from the stored text (a paragraph moved, say).
//!
//! Lines are compared as multisets, so a list that reorders itself differently on every request is no change
//! at all. Pure: the fetching is the crawler's.

use std::collections::HashMap;

/// The text an article is compared by: its title, then its body lines.
pub fn comparable(title: &str, text: &str) -> String {
    format!("{title}\n{text}")
}

fn counts(text: &str) -> HashMap<&str, usize> {
    let mut m = HashMap::new();
    for line in text.lines() {
        *m.entry(line).or_insert(0) += 1;
    }
    m
}

/// Lines of `a` not matched in `b`, counted (multiset difference).
fn minus<'a>(a: &HashMap<&'a str, usize>, b: &HashMap<&str, usize>) -> HashMap<&'a str, usize> {
    a.iter()
        .filter_map(|(line, n)| {
            let left = n.saturating_sub(b.get(line).copied().unwrap_or(0));
            (left > 0).then_some((*line, left))
        })
        .collect()
}

fn size(m: &HashMap<&str, usize>) -> usize {
    m.values().sum()
}

/// Does `first` (a fresh fetch that differs from `stored`) hold a real edit, given `second`, fetched just after?
pub fn is_real_edit(stored: &str, first: &str, second: &str) -> bool {
    if first == stored {
        return false;
    }
    if first == second {
        return true;
    }
    let (s, a, b) = (counts(stored), counts(first), counts(second));
    // Lines new in both fetches.
    let new_in_first = minus(&a, &s);
    let stable_new =
        new_in_first.iter().any(|(line, _)| b.get(line).copied().unwrap_or(0) > s.get(line).copied().unwrap_or(0));
    if stable_new {
        return true;
    }
    // Stored lines that neither fetch has, against lines only the first fetch has.
    let gone = minus(&minus(&s, &a), &b);
    let only_first = minus(&new_in_first, &b);
    size(&gone) > size(&only_first)
}

#[cfg(test)]
mod tests {
    use super::*;

    const STORED: &str = "Title\nPara one.\nPara two.\nViews 123\nRail A\nRail B\nRail C";

    #[test]
    fn churn_is_not_an_edit() {
        let first = "Title\nPara one.\nPara two.\nViews 456\nRail C\nRail A\nRail B";
        let second = "Title\nPara one.\nPara two.\nViews 789\nRail B\nRail C\nRail A";
        assert!(!is_real_edit(STORED, first, second));
        // A flap back to the stored text on the second fetch.
        assert!(!is_real_edit(STORED, first, STORED));
        assert!(!is_real_edit(STORED, STORED, first));
    }

    #[test]
    fn edits_under_churn_are_edits() {
        let changed =
            ("Title\nPara one, corrected.\nPara two.\nViews 456", "Title\nPara one, corrected.\nPara two.\nViews 789");
        assert!(is_real_edit(STORED, changed.0, changed.1));
        let removed = (
            "Title\nPara one.\nViews 456\nRail A\nRail B\nRail C",
            "Title\nPara one.\nViews 789\nRail A\nRail B\nRail C",
        );
        assert!(is_real_edit(STORED, removed.0, removed.1));
        let added = (
            "Title\nPara one.\nPara two.\nPara three.\nViews 1\nRail A\nRail B\nRail C",
            "Title\nPara one.\nPara two.\nPara three.\nViews 2\nRail A\nRail B\nRail C",
        );
        assert!(is_real_edit(STORED, added.0, added.1));
        let retitled = "New title\nPara one.\nPara two.\nViews 123\nRail A\nRail B\nRail C";
        assert!(is_real_edit(STORED, retitled, &retitled.replace("123", "124")));
    }

    #[test]
    fn a_move_seen_twice_is_an_edit() {
        let moved = "Title\nPara two.\nPara one.\nViews 123\nRail A\nRail B\nRail C";
        assert!(is_real_edit(STORED, moved, moved));
    }
}
