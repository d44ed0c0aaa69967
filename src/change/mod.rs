//! The change summary of an edit: what changed between two versions of an article, and whether it matters.
//!
//! Pure: two (title, text) pairs in, a [`ChangeSummary`] out. Nothing here is stored: an `article.edited`
//! event names its article and version, and the summary is computed from versions v−1 and v whenever the event
//! is logged, printed or delivered, so the rules can improve without touching what the store holds.
//!
//! How it works:
//! - the text is split into sentences: each line (paragraph) by ICU4X's sentence segmenter (UAX #29), and Thai,
//!   which marks the end of a sentence with a space rather than a full stop, also at a space between Thai letters;
//! - the two sentence lists are aligned (a line diff over sentences); within a replaced block, sentences that
//!   still share at least [`SAME_SENTENCE`] of their characters are *changed*, the others *removed* or *added*;
//! - each changed sentence pair (and the title pair) is diffed word by word (ICU4X's word segmenter, with its
//!   dictionary for Thai); each differing run of words is a *region*;
//! - numbers are read as numbers (`20.000`, `20,000` and `20000` are the same number; `2,5` and `2.5` too), and
//!   quoted passages are compared as wholes.
//!
//! Significance, in this order:
//! 1. only punctuation or white space changed → `typo`;
//! 2. a sentence added or removed, a number changed, or more than [`SUBSTANTIVE_SHARE`] of the text's characters
//!    changed → `substantive`;
//! 3. at most [`TYPO_WORDS`] regions changed, each a letter fix (at most [`TYPO_LETTERS`] letters inserted,
//!    deleted or replaced, within one or two words) → `typo` (in the headline or a quote too);
//! 4. the headline, a quoted passage or a name (a capitalised word not at the start of a sentence) changed →
//!    `substantive`;
//! 5. anything else (reworded sentences) → `minor`.

use std::collections::HashMap;
use std::sync::LazyLock;
use std::time::{Duration, Instant};

use icu_segmenter::options::{SentenceBreakInvariantOptions, WordBreakInvariantOptions};
use icu_segmenter::{SentenceSegmenter, WordSegmenter, WordSegmenterBorrowed};
use serde::{Deserialize, Serialize};
use similar::{capture_diff_slices_deadline, Algorithm, DiffOp};

/// Two sentences that share at least this share of their characters are one sentence, changed.
pub const SAME_SENTENCE: f32 = 0.5;
/// More than this share of the text's characters changed makes an edit substantive by its size alone.
pub const SUBSTANTIVE_SHARE: f64 = 0.2;
/// A typo fix changes at most this many regions (runs of words) ...
pub const TYPO_WORDS: usize = 2;
/// ... each by at most this many letters.
pub const TYPO_LETTERS: usize = 2;
/// Regions longer than this are never a letter fix (and bound the edit-distance work).
const MAX_REGION_CHARS: usize = 120;
/// The diffs of one summary stop refining after this long (a page of one huge unpunctuated paragraph): the
/// result stays a correct diff, only a less minimal one.
pub const BUDGET: Duration = Duration::from_millis(300);

/// How much an edit matters, least first (so `min_significance` is a comparison).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Significance {
    Typo,
    Minor,
    Substantive,
}

impl Significance {
    pub fn as_str(self) -> &'static str {
        match self {
            Significance::Typo => "typo",
            Significance::Minor => "minor",
            Significance::Substantive => "substantive",
        }
    }

    pub fn parse(s: &str) -> Option<Significance> {
        match s {
            "typo" => Some(Significance::Typo),
            "minor" => Some(Significance::Minor),
            "substantive" => Some(Significance::Substantive),
            _ => None,
        }
    }
}

/// A number as written in the old and the new version; `None` where it was added or removed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NumberChange {
    pub old: Option<String>,
    pub new: Option<String>,
}

/// What changed between two versions of an article.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChangeSummary {
    pub title_changed: bool,
    pub sentences_added: usize,
    pub sentences_removed: usize,
    pub sentences_changed: usize,
    /// Numbers whose value changed inside changed sentences and the title, in text order.
    pub numbers: Vec<NumberChange>,
    pub quotes_changed: usize,
    /// Changed regions that hold a name (a capitalised word not at the start of a sentence).
    pub names_changed: usize,
    /// Characters of the text (not the title) added and removed.
    pub chars_added: usize,
    pub chars_removed: usize,
    pub significance: Significance,
}

static SENTENCES: LazyLock<icu_segmenter::SentenceSegmenterBorrowed<'static>> =
    LazyLock::new(|| SentenceSegmenter::new(SentenceBreakInvariantOptions::default()));
static WORDS: LazyLock<WordSegmenterBorrowed<'static>> =
    LazyLock::new(|| WordSegmenter::new_auto(WordBreakInvariantOptions::default()));

fn is_thai(c: char) -> bool {
    ('\u{0E01}'..='\u{0E5B}').contains(&c)
}

/// The sentences of a text, trimmed, in order: each line by UAX #29, Thai also at spaces between Thai letters.
pub fn sentences(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    for line in text.lines() {
        let bounds: Vec<usize> = SENTENCES.segment_str(line).collect();
        for w in bounds.windows(2) {
            split_thai(&line[w[0]..w[1]], &mut out);
        }
    }
    out
}

/// Splits at white space that has a Thai letter on both sides (Thai ends a sentence or clause with a space).
fn split_thai<'a>(s: &'a str, out: &mut Vec<&'a str>) {
    let mut start = 0;
    let chars: Vec<(usize, char)> = s.char_indices().collect();
    let mut i = 0;
    while i < chars.len() {
        if chars[i].1.is_whitespace() && i > 0 && is_thai(chars[i - 1].1) {
            let mut j = i;
            while j < chars.len() && chars[j].1.is_whitespace() {
                j += 1;
            }
            if j < chars.len() && is_thai(chars[j].1) {
                push_trimmed(&s[start..chars[i].0], out);
                start = chars[j].0;
            }
            i = j;
            continue;
        }
        i += 1;
    }
    push_trimmed(&s[start..], out);
}

fn push_trimmed<'a>(s: &'a str, out: &mut Vec<&'a str>) {
    let t = s.trim();
    if !t.is_empty() {
        out.push(t);
    }
}

/// Words and the pieces between them (spaces, punctuation), as ICU4X segments them.
fn tokens(s: &str) -> Vec<&str> {
    let bounds: Vec<usize> = WORDS.segment_str(s).collect();
    bounds.windows(2).map(|w| &s[w[0]..w[1]]).collect()
}

/// Punctuation, quotation marks, dashes and invisible separators (not symbols such as `%` or `$`, which
/// change what a number says).
fn is_punctuation(c: char) -> bool {
    matches!(
        c,
        '.' | ',' | ';' | ':' | '!' | '?' | '\'' | '"' | '(' | ')' | '[' | ']' | '{' | '}' | '-' | '_' | '/' | '\\' | '*'
            | '\u{00A1}' | '\u{00A7}' | '\u{00AB}' | '\u{00B6}' | '\u{00B7}' | '\u{00BB}' | '\u{00BF}'
            | '\u{200B}'..='\u{200D}' | '\u{2010}'..='\u{2027}' | '\u{2030}'..='\u{205E}' | '\u{FEFF}'
            | '\u{3001}'..='\u{3003}' | '\u{3008}'..='\u{3011}' | '\u{3014}'..='\u{301F}'
            | '\u{FF01}'..='\u{FF0F}' | '\u{FF1A}'..='\u{FF20}'
    )
}

/// The text without punctuation and white space, lower-cased: equal for two texts that differ only in those.
/// (Thai vowel and tone marks stay: they are part of the word.)
fn letters(s: &str) -> String {
    s.chars().filter(|c| !c.is_whitespace() && !is_punctuation(*c)).flat_map(char::to_lowercase).collect()
}

fn char_ratio(a: &str, b: &str, deadline: Instant) -> f32 {
    similar::TextDiff::configure().algorithm(Algorithm::Myers).deadline(deadline).diff_chars(a, b).ratio()
}

/// Characters deleted from `a` and inserted into `b`.
fn char_changes(a: &str, b: &str, deadline: Instant) -> (usize, usize) {
    let diff = similar::TextDiff::configure().algorithm(Algorithm::Myers).deadline(deadline).diff_chars(a, b);
    let (mut removed, mut added) = (0, 0);
    for op in diff.ops() {
        match *op {
            DiffOp::Delete { old_len, .. } => removed += old_len,
            DiffOp::Insert { new_len, .. } => added += new_len,
            DiffOp::Replace { old_len, new_len, .. } => {
                removed += old_len;
                added += new_len;
            }
            DiffOp::Equal { .. } => {}
        }
    }
    (added, removed)
}

/// Levenshtein distance over characters, `None` when it exceeds `max`.
fn distance_within(a: &str, b: &str, max: usize) -> Option<usize> {
    let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
    if a.len().abs_diff(b.len()) > max {
        return None;
    }
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.iter().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            cur[j + 1] = (prev[j] + usize::from(ca != cb)).min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        prev = cur;
    }
    Some(prev[b.len()]).filter(|d| *d <= max)
}

/// One differing run of words between two versions of a sentence.
#[derive(Debug, Default)]
struct Region {
    old: String,
    new: String,
    /// Whether a word of the run is capitalised and not the first word of its sentence.
    has_name: bool,
}

impl Region {
    fn punctuation_only(&self) -> bool {
        letters(&self.old) == letters(&self.new)
    }

    /// At most [`TYPO_LETTERS`] letters changed, in at most two words, and less than half of the run.
    fn letter_fix(&self) -> bool {
        let (a, b) = (letters(&self.old), letters(&self.new));
        let longest = a.chars().count().max(b.chars().count());
        let words = |s: &str| s.split_whitespace().count();
        if longest > MAX_REGION_CHARS || words(&self.old) > 2 || words(&self.new) > 2 {
            return false;
        }
        distance_within(&a, &b, TYPO_LETTERS).is_some_and(|d| d * 2 < longest.max(1))
    }
}

fn is_capitalised(word: &str) -> bool {
    word.chars().next().is_some_and(char::is_uppercase)
}

/// The differing runs of words between two versions of one sentence (or headline).
fn regions(old: &str, new: &str, deadline: Instant) -> Vec<Region> {
    let (a, b) = (tokens(old), tokens(new));
    let first_word = |t: &[&str]| t.iter().position(|w| w.chars().any(char::is_alphanumeric));
    let (fa, fb) = (first_word(&a), first_word(&b));
    let name_in = |t: &[&str], range: std::ops::Range<usize>, first: Option<usize>| {
        range.into_iter().any(|i| Some(i) != first && is_capitalised(t[i]))
    };
    let mut out = Vec::new();
    for op in capture_diff_slices_deadline(Algorithm::Myers, &a, &b, Some(deadline)) {
        let (o, n) = match op {
            DiffOp::Equal { .. } => continue,
            DiffOp::Delete { old_index, old_len, new_index } => (old_index..old_index + old_len, new_index..new_index),
            DiffOp::Insert { old_index, new_index, new_len } => (old_index..old_index, new_index..new_index + new_len),
            DiffOp::Replace { old_index, old_len, new_index, new_len } => {
                (old_index..old_index + old_len, new_index..new_index + new_len)
            }
        };
        out.push(Region {
            old: a[o.clone()].concat(),
            new: b[n.clone()].concat(),
            has_name: name_in(&a, o, fa) || name_in(&b, n, fb),
        });
    }
    out
}

/// A number as written and its value in a canonical form (digits, at most one `.`, no trailing zeros).
#[derive(Debug, Clone)]
struct Number<'a> {
    written: &'a str,
    value: String,
}

fn ascii_digit(c: char) -> Option<char> {
    match c {
        '0'..='9' => Some(c),
        '\u{0E50}'..='\u{0E59}' => char::from_digit(c as u32 - 0x0E50, 10),
        '\u{FF10}'..='\u{FF19}' => char::from_digit(c as u32 - 0xFF10, 10),
        _ => None,
    }
}

/// Reads a run of digits and separators as a number. Separators of one kind followed by groups of exactly
/// three digits group thousands (Vietnamese `20.000`, English `20,000`); with both kinds, the last is the
/// decimal mark (`1.234,5`, `1,234.5`); a single separator not followed by three digits is a decimal mark.
fn number_value(written: &str) -> String {
    let digits: String = written.chars().map(|c| ascii_digit(c).unwrap_or(c)).collect();
    let groups: Vec<&str> = digits.split(['.', ',']).collect();
    let seps: Vec<char> = digits.chars().filter(|c| matches!(c, '.' | ',')).collect();
    let thousands = |gs: &[&str]| gs.len() > 1 && gs[0].len() <= 3 && gs[1..].iter().all(|g| g.len() == 3);
    let (int, frac): (String, String) = if seps.is_empty() {
        (digits.clone(), String::new())
    } else if seps.iter().all(|c| *c == seps[0]) {
        if thousands(&groups) {
            (groups.concat(), String::new())
        } else if groups.len() == 2 {
            (groups[0].to_string(), groups[1].to_string())
        } else {
            // Not a number in any convention we know (an IP address, a version): compare as written.
            return digits;
        }
    } else {
        let last = digits.rfind(['.', ',']).expect("a separator");
        let int: String = digits[..last].chars().filter(char::is_ascii_digit).collect();
        (int, digits[last + 1..].to_string())
    };
    let int = int.trim_start_matches('0');
    let int = if int.is_empty() { "0" } else { int };
    let frac = frac.trim_end_matches('0');
    if frac.is_empty() {
        int.to_string()
    } else {
        format!("{int}.{frac}")
    }
}

static NUMBER: LazyLock<regex::Regex> = LazyLock::new(|| {
    regex::Regex::new(r"[0-9\x{0E50}-\x{0E59}\x{FF10}-\x{FF19}]+(?:[.,][0-9\x{0E50}-\x{0E59}\x{FF10}-\x{FF19}]+)*")
        .expect("number pattern")
});

fn numbers(s: &str) -> Vec<Number<'_>> {
    NUMBER.find_iter(s).map(|m| Number { written: m.as_str(), value: number_value(m.as_str()) }).collect()
}

/// The numbers whose value differs between two versions of a sentence, aligned in order.
fn number_changes(old: &str, new: &str, out: &mut Vec<NumberChange>, deadline: Instant) {
    let (a, b) = (numbers(old), numbers(new));
    let (va, vb): (Vec<&str>, Vec<&str>) =
        (a.iter().map(|n| n.value.as_str()).collect(), b.iter().map(|n| n.value.as_str()).collect());
    for op in capture_diff_slices_deadline(Algorithm::Myers, &va, &vb, Some(deadline)) {
        let (o, n) = match op {
            DiffOp::Equal { .. } => continue,
            DiffOp::Delete { old_index, old_len, .. } => (old_index..old_index + old_len, 0..0),
            DiffOp::Insert { new_index, new_len, .. } => (0..0, new_index..new_index + new_len),
            DiffOp::Replace { old_index, old_len, new_index, new_len } => {
                (old_index..old_index + old_len, new_index..new_index + new_len)
            }
        };
        let (olds, news) = (&a[o], &b[n]);
        for i in 0..olds.len().max(news.len()) {
            out.push(NumberChange {
                old: olds.get(i).map(|n| n.written.to_string()),
                new: news.get(i).map(|n| n.written.to_string()),
            });
        }
    }
}

static QUOTE: LazyLock<regex::Regex> = LazyLock::new(|| {
    regex::Regex::new(r#"“[^”]+”|"[^"]+"|«[^»]+»|„[^“”]+[“”]|「[^」]+」|‘[^’]{3,}’"#).expect("quote pattern")
});

/// Quoted passages that are in one text and not the other (a changed quote counts once).
fn quotes_changed(old: &str, new: &str) -> usize {
    let count = |s: &str| {
        let mut m: HashMap<String, isize> = HashMap::new();
        // A "quote" of more than a few paragraphs is an unclosed quotation mark, not a quote.
        for q in QUOTE.find_iter(s).filter(|q| q.as_str().len() <= 4000) {
            *m.entry(q.as_str().split_whitespace().collect::<Vec<_>>().join(" ")).or_default() += 1;
        }
        m
    };
    let (a, b) = (count(old), count(new));
    let gone: isize = a.iter().map(|(q, n)| (n - b.get(q).copied().unwrap_or(0)).max(0)).sum();
    let came: isize = b.iter().map(|(q, n)| (n - a.get(q).copied().unwrap_or(0)).max(0)).sum();
    gone.max(came) as usize
}

/// The sentence-level alignment of two texts.
#[derive(Debug, Default)]
struct Alignment<'a> {
    added: Vec<&'a str>,
    removed: Vec<&'a str>,
    changed: Vec<(&'a str, &'a str)>,
}

fn align<'a>(old: &[&'a str], new: &[&'a str], deadline: Instant) -> Alignment<'a> {
    let mut al = Alignment::default();
    for op in capture_diff_slices_deadline(Algorithm::Myers, old, new, Some(deadline)) {
        match op {
            DiffOp::Equal { .. } => {}
            DiffOp::Delete { old_index, old_len, .. } => al.removed.extend(&old[old_index..old_index + old_len]),
            DiffOp::Insert { new_index, new_len, .. } => al.added.extend(&new[new_index..new_index + new_len]),
            DiffOp::Replace { old_index, old_len, new_index, new_len } => {
                pair_up(&old[old_index..old_index + old_len], &new[new_index..new_index + new_len], &mut al, deadline)
            }
        }
    }
    al
}

/// Within a replaced block, pairs sentences in order that are still alike; the rest were removed or added.
fn pair_up<'a>(old: &[&'a str], new: &[&'a str], al: &mut Alignment<'a>, deadline: Instant) {
    let same =
        |i: usize, j: usize| i < old.len() && j < new.len() && char_ratio(old[i], new[j], deadline) >= SAME_SENTENCE;
    let (mut i, mut j) = (0, 0);
    while i < old.len() && j < new.len() {
        if same(i, j) {
            al.changed.push((old[i], new[j]));
            i += 1;
            j += 1;
        } else if same(i, j + 1) {
            al.added.push(new[j]);
            j += 1;
        } else if same(i + 1, j) {
            al.removed.push(old[i]);
            i += 1;
        } else {
            al.removed.push(old[i]);
            al.added.push(new[j]);
            i += 1;
            j += 1;
        }
    }
    al.removed.extend(&old[i..]);
    al.added.extend(&new[j..]);
}

/// The change summary between an old and a new version of an article.
pub fn summarize(old_title: &str, old_text: &str, new_title: &str, new_text: &str) -> ChangeSummary {
    let deadline = Instant::now() + BUDGET;
    let (old_s, new_s) = (sentences(old_text), sentences(new_text));
    let al = align(&old_s, &new_s, deadline);
    let title_changed = old_title != new_title;

    let mut numbers = Vec::new();
    let mut all_regions = Vec::new();
    if title_changed {
        number_changes(old_title, new_title, &mut numbers, deadline);
        all_regions.extend(regions(old_title, new_title, deadline));
    }
    let (mut chars_added, mut chars_removed) = (0, 0);
    for (o, n) in &al.changed {
        number_changes(o, n, &mut numbers, deadline);
        all_regions.extend(regions(o, n, deadline));
        let (added, removed) = char_changes(o, n, deadline);
        chars_added += added;
        chars_removed += removed;
    }
    chars_added += al.added.iter().map(|s| s.chars().count()).sum::<usize>();
    chars_removed += al.removed.iter().map(|s| s.chars().count()).sum::<usize>();
    let quotes_changed = quotes_changed(&format!("{old_title}\n{old_text}"), &format!("{new_title}\n{new_text}"));

    let real: Vec<&Region> = all_regions.iter().filter(|r| !r.punctuation_only()).collect();
    let names_changed = real.iter().filter(|r| r.has_name && !r.letter_fix()).count();
    let old_chars = old_text.chars().count().max(1);
    let share = chars_added.max(chars_removed) as f64 / old_chars as f64;

    let only_punctuation = letters(old_title) == letters(new_title) && letters(old_text) == letters(new_text);
    let typo_sized = real.len() <= TYPO_WORDS && real.iter().all(|r| r.letter_fix());
    let significance = if only_punctuation {
        Significance::Typo
    } else if !al.added.is_empty() || !al.removed.is_empty() || !numbers.is_empty() || share > SUBSTANTIVE_SHARE {
        Significance::Substantive
    } else if typo_sized {
        Significance::Typo
    } else if title_changed || quotes_changed > 0 || names_changed > 0 {
        Significance::Substantive
    } else {
        Significance::Minor
    };
    ChangeSummary {
        title_changed,
        sentences_added: al.added.len(),
        sentences_removed: al.removed.len(),
        sentences_changed: al.changed.len(),
        numbers,
        quotes_changed,
        names_changed,
        chars_added,
        chars_removed,
        significance,
    }
}

#[cfg(test)]
mod tests;
