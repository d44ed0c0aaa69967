//! Is a changed page a real edit, or live-page churn? Decided from two fetches seconds apart.
//!
//! When a page's text hash differs from the stored version's, the page is fetched once more. What differs
//! between those two fetches is churn — counters, "5 minutes ago", a rail that reorders itself on every
//! request — and an edit is what both fetches agree on and the stored text does not have:
//! - a line that both fetches have and the stored text has not (a sentence added or changed), or
//! - more stored lines gone from both fetches than lines that only the first fetch has (a paragraph removed;
//!   a churned counter is one line gone and one new line in its place, which balance).
//!
//! A change all fetches agree on only in short lines, or only in the numbers of stored lines, is looked at again,
//! until [`DOUBTFUL_CHANGE_FETCHES`] later fetches agree (random digits drawn from a few renders come out alike
//! twice in a row one time in three; a real edit comes out alike every time). Lines are compared as multisets:
//! the same lines in a new order are no edit, however many fetches show that order (a rail of which two teasers
//! are kept comes out in the same order in one fetch of four; an article whose paragraphs are only moved is
//! rarer than that). Pure: the fetching is the crawler's.

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

/// What two fetches say of a page whose text differs from the stored one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Nothing both fetches agree on: live-page churn, or a flap back to the stored text.
    Churn,
    /// A real edit.
    Edit,
    /// They agree on a change only in short lines or in the numbers of stored lines: digits drawn at random can
    /// come out alike in a few fetches, a real edit comes out alike every time. One more fetch, up to
    /// [`DOUBTFUL_CHANGE_FETCHES`].
    LookAgain,
}

/// Later fetches that must agree on a change only in what churn draws alike before it is an edit. A page served
/// as one of three renders drawn at random shows the same render five times running one time in 81 (twice
/// running, one time in three); a real edit shows in every fetch, and these fetches are made only for pages whose
/// change is in doubt.
pub const DOUBTFUL_CHANGE_FETCHES: usize = 4;

/// Does `first` (a fresh fetch that differs from `stored`) hold a real edit, given the `later` fetches made just
/// after it (one at least)? A line is new only when every fetch has it.
pub fn judge(stored: &str, first: &str, later: &[&str]) -> Verdict {
    if first == stored {
        return Verdict::Churn;
    }
    let (s, a) = (counts(stored), counts(first));
    let others: Vec<_> = later.iter().map(|l| counts(l)).collect();
    let agreed = stable_new(&s, &a, &others);
    let stored_kinds = kinds(&s);
    if !agreed.is_empty() && agreed.iter().all(|line| may_be_churn(line, &stored_kinds)) {
        if later.len() < DOUBTFUL_CHANGE_FETCHES {
            Verdict::LookAgain
        } else {
            Verdict::Edit
        }
    } else if !agreed.is_empty() || more_gone_than_new(&s, &a, &others) {
        Verdict::Edit
    } else {
        Verdict::Churn
    }
}

/// When no second fetch could be made (it failed or timed out): is the change that `first` shows credible on
/// its own? Not when every new line is one churn draws alike (a short line, a stored line with other digits):
/// the stored text stands, and a real edit of that kind is seen again, and confirmed, at the next check. A
/// changed sentence or a paragraph gone is reported.
pub fn is_credible_alone(stored: &str, first: &str) -> bool {
    if first == stored {
        return false;
    }
    let (s, a) = (counts(stored), counts(first));
    let stored_kinds = kinds(&s);
    minus(&a, &s).keys().any(|line| !may_be_churn(line, &stored_kinds)) || more_gone_than_new(&s, &a, &[])
}

/// Could two fetches have drawn this line alike by chance? A short line (where counters and dates live), or a
/// line of a kind the stored text has: a stored line with other numbers in it, of any length ("Updated 5 minutes
/// ago by the Metro desk, …"), as a counter, a score or a relative time differs from one fetch to the next.
fn may_be_churn(line: &str, stored_kinds: &Kinds) -> bool {
    line.chars().count() <= SHORT_LINE_CHARS || numbered(line).is_some_and(|kind| stored_kinds.contains_key(&kind))
}

/// `line` with each run of digits (any script's) as one `#`: "12 comments, 3 shares" and "9 comments, 10
/// shares" mask alike.
fn mask_digits(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    let mut in_number = false;
    for c in line.chars() {
        if c.is_numeric() {
            if !in_number {
                out.push('#');
            }
            in_number = true;
        } else {
            out.push(c);
            in_number = false;
        }
    }
    out
}

/// More stored lines that no fetch has than new lines in the first fetch (none of which every fetch has: a
/// churned counter is one line gone and one new line in its place, which balance): a paragraph removed.
fn more_gone_than_new(s: &HashMap<&str, usize>, a: &HashMap<&str, usize>, others: &[HashMap<&str, usize>]) -> bool {
    let mut gone = minus(s, a);
    for b in others {
        gone = minus(&gone, b);
    }
    size(&gone) > size(&minus(a, s))
}

/// Lines new in the first fetch (beyond the stored count) that every other fetch has as often. A line with
/// numbers counts only when the lines of its kind (the same but for their numbers) are the same in every fetch:
/// where they differ, that kind churns ("Most read 1" … "Most read 9" drawn anew each time), and a line of it in
/// every fetch is chance; a corrected figure in a table that does not churn still counts.
fn stable_new<'a>(
    s: &HashMap<&str, usize>,
    a: &HashMap<&'a str, usize>,
    others: &[HashMap<&str, usize>],
) -> Vec<&'a str> {
    let kinds_of_a = kinds(a);
    let kinds_of_others: Vec<_> = others.iter().map(kinds).collect();
    minus(a, s)
        .into_keys()
        .filter(|line| {
            let stored = s.get(line).copied().unwrap_or(0);
            others.iter().all(|b| b.get(line).copied().unwrap_or(0) > stored)
        })
        .filter(|line| {
            let Some(kind) = numbered(line) else { return true };
            kinds_of_others.iter().all(|k| k.get(&kind) == kinds_of_a.get(&kind))
        })
        .collect()
}

/// The lines with numbers of a text, by kind ([`mask_digits`]), each kind's lines sorted.
type Kinds<'a> = HashMap<String, Vec<(&'a str, usize)>>;

/// A text's [`Kinds`].
fn kinds<'a>(text: &HashMap<&'a str, usize>) -> Kinds<'a> {
    let mut out: HashMap<String, Vec<(&str, usize)>> = HashMap::new();
    for (line, n) in text {
        if let Some(kind) = numbered(line) {
            out.entry(kind).or_default().push((line, *n));
        }
    }
    for lines in out.values_mut() {
        lines.sort_unstable();
    }
    out
}

/// A line's kind when it has numbers in it.
fn numbered(line: &str) -> Option<String> {
    line.chars().any(char::is_numeric).then(|| mask_digits(line))
}

/// A line this short is where counters and dates live ("12 comments", "Head Line 7"): two fetches can draw the
/// same random digits, so an edit seen only in such lines (or in longer lines that differ from stored ones only
/// in their numbers) is looked at a third time.
pub const SHORT_LINE_CHARS: usize = 40;
#[cfg(test)]
mod tests {
    use super::*;

    const STORED: &str = "Title\nPara one.\nPara two.\nViews 123\nRail A\nRail B\nRail C";

    /// `n` fetches alike.
    fn times(text: &str, n: usize) -> Vec<&str> {
        vec![text; n]
    }

    #[test]
    fn churn_is_not_an_edit() {
        let first = "Title\nPara one.\nPara two.\nViews 456\nRail C\nRail A\nRail B";
        let second = "Title\nPara one.\nPara two.\nViews 789\nRail B\nRail C\nRail A";
        assert_eq!(judge(STORED, first, &[second]), Verdict::Churn);
        // A flap back to the stored text on the second fetch.
        assert_eq!(judge(STORED, first, &[STORED]), Verdict::Churn);
        assert_eq!(judge(STORED, STORED, &[first]), Verdict::Churn);
    }

    #[test]
    fn edits_under_churn_are_edits() {
        // A sentence changed or added (longer than where counters live); a paragraph removed.
        let corrected = "Para one, corrected by the desk after a reader wrote in.";
        let changed = (
            &format!("Title\n{corrected}\nPara two.\nViews 456"),
            &format!("Title\n{corrected}\nPara two.\nViews 789"),
        );
        assert_eq!(judge(STORED, changed.0, &[changed.1]), Verdict::Edit);
        let removed = (
            "Title\nPara one.\nViews 456\nRail A\nRail B\nRail C",
            "Title\nPara one.\nViews 789\nRail A\nRail B\nRail C",
        );
        assert_eq!(judge(STORED, removed.0, &[removed.1]), Verdict::Edit);
        let added = (
            "Title\nPara one.\nPara two.\nPara three, added when the story was updated.\nViews 1\nRail A\nRail B\nRail C",
            "Title\nPara one.\nPara two.\nPara three, added when the story was updated.\nViews 2\nRail A\nRail B\nRail C",
        );
        assert_eq!(judge(STORED, added.0, &[added.1]), Verdict::Edit);
        // A new short title is in doubt, as any short line is, until every fetch has shown it.
        let retitled = "New title\nPara one.\nPara two.\nViews 123\nRail A\nRail B\nRail C";
        let second = retitled.replace("123", "124");
        assert_eq!(judge(STORED, retitled, &[&second]), Verdict::LookAgain);
        let mut later = times(retitled, DOUBTFUL_CHANGE_FETCHES);
        later[0] = &second;
        assert_eq!(judge(STORED, retitled, &later), Verdict::Edit);
    }

    #[test]
    fn digits_two_fetches_drew_alike_are_looked_at_again() {
        let stored = "Title\nPara one is long enough to be a paragraph of the story.\nHead Line 3\nHead Line 5";
        let first = "Title\nPara one is long enough to be a paragraph of the story.\nHead Line 7\nHead Line 5";
        let other = "Title\nPara one is long enough to be a paragraph of the story.\nHead Line 2\nHead Line 5";
        // Every fetch but the last drew the same digit: looked at again each time, and the last one decides.
        for n in 1..DOUBTFUL_CHANGE_FETCHES {
            assert_eq!(judge(stored, first, &times(first, n)), Verdict::LookAgain, "{n} later fetches alike");
        }
        let mut later = times(first, DOUBTFUL_CHANGE_FETCHES);
        *later.last_mut().unwrap() = other;
        assert_eq!(judge(stored, first, &later), Verdict::Churn, "the last fetch drew another digit");
        // A short line that every fetch agrees on is an edit (a corrected score, a new short headline).
        assert_eq!(judge(stored, first, &times(first, DOUBTFUL_CHANGE_FETCHES)), Verdict::Edit);
        // Lines of one kind that two fetches draw differently churn: one of them in both fetches is chance.
        let second = "Title\nPara one is long enough to be a paragraph of the story.\nHead Line 7\nHead Line 9";
        let drawn = first.replace("Head Line 5", "Head Line 1");
        assert_eq!(judge(stored, &drawn, &[second]), Verdict::Churn);
        assert_eq!(judge(stored, &drawn, &[second, &drawn, &drawn, &drawn]), Verdict::Churn);
        // Only a new order, which is no edit however often it is seen.
        let reordered = "Title\nHead Line 5\nPara one is long enough to be a paragraph of the story.\nHead Line 3";
        assert_eq!(judge(stored, reordered, &[reordered]), Verdict::Churn);
        assert_eq!(judge(stored, reordered, &[reordered, stored]), Verdict::Churn);
        assert_eq!(judge(stored, reordered, &times(reordered, 9)), Verdict::Churn, "a new order seen ten times");
        // A changed paragraph is not in doubt.
        let edited = first.replace("long enough", "long and corrected enough");
        assert_eq!(
            judge(stored, &edited, &[&second.replace("long enough", "long and corrected enough")]),
            Verdict::Edit
        );
    }

    #[test]
    fn a_long_line_that_differs_only_in_its_numbers_is_looked_at_again() {
        let story = "Para one is long enough to be a paragraph of the story.";
        let byline = |n: &str| format!("Updated {n} minutes ago by the Metro desk, with 12 photos and a video");
        let stored = format!("Title\n{story}\n{}", byline("5"));
        let first = format!("Title\n{story}\n{}", byline("7"));
        let other = format!("Title\n{story}\n{}", byline("3"));
        // Fetches drew the same digit: more must agree, and here one does not.
        assert_eq!(judge(&stored, &first, &[&first]), Verdict::LookAgain);
        assert_eq!(judge(&stored, &first, &[&first, &first, &other]), Verdict::Churn);
        // "9" to "10" is a change of numbers too (a run of digits masks as one).
        let ten = format!("Title\n{story}\n{}", byline("10"));
        assert_eq!(judge(&stored, &ten, &[&ten]), Verdict::LookAgain);
        // A corrected figure in the story is seen alike by every fetch: an edit, once enough have agreed.
        let corrected = stored.replace("with 12 photos", "with 19 photos");
        assert_eq!(judge(&stored, &corrected, &times(&corrected, DOUBTFUL_CHANGE_FETCHES - 1)), Verdict::LookAgain);
        assert_eq!(judge(&stored, &corrected, &times(&corrected, DOUBTFUL_CHANGE_FETCHES)), Verdict::Edit);
        // A line with its words changed is not in doubt, digits or not.
        let reworded = stored.replace("Metro desk", "City desk");
        assert_eq!(judge(&stored, &reworded, &[&reworded]), Verdict::Edit);
    }

    #[test]
    fn without_a_second_fetch_only_a_change_of_words_is_credible() {
        let stored = "Title\nPara one is long enough to be a paragraph of the story.\nViews 123\nRead 5 minutes ago by 40 people, said the counter";
        assert!(!is_credible_alone(stored, stored));
        assert!(!is_credible_alone(stored, &stored.replace("123", "124")), "a short counter");
        assert!(!is_credible_alone(stored, &stored.replace("5 minutes", "6 minutes")), "a long line's numbers");
        assert!(is_credible_alone(stored, &stored.replace("long enough", "long and corrected enough")));
        assert!(
            is_credible_alone(stored, &stored.replace("Para one is long enough to be a paragraph of the story.\n", "")),
            "a paragraph gone"
        );
    }

    #[test]
    fn a_new_order_of_the_same_lines_is_no_edit_and_a_move_with_a_change_is_one() {
        let moved = "Title\nPara two.\nPara one.\nViews 123\nRail A\nRail B\nRail C";
        assert_eq!(judge(STORED, moved, &times(moved, DOUBTFUL_CHANGE_FETCHES)), Verdict::Churn);
        assert!(!is_credible_alone(STORED, moved));
        let moved_and_cut = "Title\nPara two.\nViews 123\nRail A\nRail B\nRail C";
        assert_eq!(judge(STORED, moved_and_cut, &[moved_and_cut]), Verdict::Edit);
    }
}
