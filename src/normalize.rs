//! Text normalisation and the content hash.
//!
//! The hash is what decides "new", "edited" or "unchanged", so everything that is not a real change of the
//! article must be normalised away here: Unicode form (NFC vs NFD Vietnamese), invisible characters
//! (zero-width spaces used in Thai, soft hyphens, BOMs) and white space.

use icu_normalizer::ComposingNormalizerBorrowed;

/// Characters that render as nothing; removed before hashing.
fn is_invisible(c: char) -> bool {
    matches!(
        c,
        '\u{00AD}' // soft hyphen
            | '\u{200B}' // zero-width space
            | '\u{200C}' // zero-width non-joiner
            | '\u{200D}' // zero-width joiner
            | '\u{2060}' // word joiner
            | '\u{FEFF}' // BOM / zero-width no-break space
            | '\u{180E}' // Mongolian vowel separator
    )
}

/// Whether `s` holds an [`is_invisible`] character, read on the bytes (without decoding every character).
fn has_invisible(s: &str) -> bool {
    let b = s.as_bytes();
    (0..b.len()).any(|i| match b[i] {
        0xC2 => b.get(i + 1) == Some(&0xAD),
        0xE1 => b.get(i + 1..i + 3) == Some(&[0xA0, 0x8E]),
        0xE2 => matches!(b.get(i + 1..i + 3), Some([0x80, 0x8B..=0x8D] | [0x81, 0xA0])),
        0xEF => b.get(i + 1..i + 3) == Some(&[0xBB, 0xBF]),
        _ => false,
    })
}

/// Unicode NFC. Runs of characters NFC leaves as they are (`stable_char`) are passed over on their bytes; ICU
/// normalises only the islands between them, each from the last starter before it to the next such starter
/// after it: NFC composes nothing and reorders nothing across one, so the pieces can be normalised apart (a Thai
/// page is normalised one breadcrumb arrow at a time, not from the arrow to its end). After `MAX_ISLANDS` islands
/// (NFD text has one in every word) ICU takes the rest in one go.
pub fn nfc(s: &str) -> std::borrow::Cow<'_, str> {
    const MAX_ISLANDS: usize = 16;
    let bytes = s.as_bytes();
    // Once a piece changed: the text so far, and how much of `s` it stands for.
    let mut changed: Option<(String, usize)> = None;
    let (mut i, mut starter, mut before, mut islands) = (0, 0, 0, 0);
    while i < bytes.len() {
        if bytes[i] < 0x80 {
            // Most of a page is markup: a run of ASCII at a time, its last character the last starter.
            i += 1;
            while let Some(eight) = bytes.get(i..i + 8) {
                if u64::from_ne_bytes(eight.try_into().expect("eight bytes")) & 0x8080_8080_8080_8080 != 0 {
                    break;
                }
                i += 8;
            }
            while bytes.get(i).is_some_and(|b| b.is_ascii()) {
                i += 1;
            }
            (starter, before) = (i - 1, 0);
            continue;
        }
        match stable_char(bytes, i) {
            Some((len, class)) if class == 0 || before <= class => {
                if class == 0 {
                    starter = i;
                }
                before = class;
                i += len;
            }
            _ => {
                islands += 1;
                let end = if islands > MAX_ISLANDS { bytes.len() } else { next_stable_starter(s, i) };
                if let std::borrow::Cow::Owned(normal) =
                    ComposingNormalizerBorrowed::new_nfc().normalize(&s[starter..end])
                {
                    let (out, done) = changed.get_or_insert_with(|| (String::with_capacity(s.len() + 16), 0));
                    out.push_str(&s[*done..starter]);
                    out.push_str(&normal);
                    *done = end;
                }
                (i, starter, before) = (end, end, 0);
            }
        }
    }
    match changed {
        None => std::borrow::Cow::Borrowed(s),
        Some((mut out, done)) => {
            out.push_str(&s[done..]);
            std::borrow::Cow::Owned(out)
        }
    }
}

/// Where the next `stable_char` of class 0 after the character at `from` begins (or the end of `s`).
fn next_stable_starter(s: &str, from: usize) -> usize {
    s[from..]
        .char_indices()
        .skip(1)
        .map(|(at, _)| from + at)
        .find(|&at| matches!(stable_char(s.as_bytes(), at), Some((_, 0))))
        .unwrap_or(s.len())
}

/// True when every character of `s` is a `stable_char` and Thai marks come in their canonical order: `s` is NFC.
/// False says nothing.
#[cfg(test)]
fn is_nfc_by_its_bytes(s: &str) -> bool {
    let (bytes, mut i, mut before) = (s.as_bytes(), 0, 0);
    while i < bytes.len() {
        match stable_char(bytes, i) {
            Some((len, class)) if class == 0 || before <= class => (i, before) = (i + len, class),
            _ => return false,
        }
    }
    true
}

/// The length and combining class of the character at byte `i` of `bytes` when it is one NFC leaves as it is
/// whatever surrounds it but the order of Thai marks (it has no canonical decomposition, composes with nothing
/// before it, and its combining class is 0 but for Thai marks): U+0000-U+02FF, the Latin Extended Additional
/// block (U+1E00-U+1EFF, Vietnamese letters with their tone marks), U+2010-U+2027 (dashes, quotes, the
/// ellipsis) and Thai (U+0E00-U+0E7F, `thai_combining_class`). `None` says nothing. Read on the bytes: ICU
/// looks each character up, every line of every candidate text is normalised, and Latin, Vietnamese and Thai
/// text is all of these characters (a twentieth of the extraction time on Vietnamese pages; the whole page
/// is normalised before it is parsed).
#[inline(always)]
fn stable_char(bytes: &[u8], i: usize) -> Option<(usize, u8)> {
    match (bytes[i], bytes.get(i + 1), bytes.get(i + 2)) {
        (..0x80, _, _) => Some((1, 0)),
        // The lead bytes of U+0080-U+02FF.
        (0xC2..0xCC, _, _) => Some((2, 0)),
        (0xE1, Some(0xB8..=0xBB), _) => Some((3, 0)),
        (0xE2, Some(0x80), Some(0x90..=0xA7)) => Some((3, 0)),
        (0xE0, Some(&second @ (0xB8 | 0xB9)), Some(&third)) => {
            Some((3, thai_combining_class(0x0E00 | (u32::from(second & 1) << 6) | u32::from(third & 0x3F))))
        }
        _ => None,
    }
}

/// The canonical combining class of a Thai character (U+0E00-U+0E7F): the marks below (U+0E38, U+0E39), the
/// virama (U+0E3A) and the tone marks (U+0E48-U+0E4B); 0 for every other.
#[inline(always)]
fn thai_combining_class(c: u32) -> u8 {
    match c {
        0x0E38 | 0x0E39 => 103,
        0x0E3A => 9,
        0x0E48..=0x0E4B => 107,
        _ => 0,
    }
}

/// Normalises one line: invisible characters removed, then NFC, then runs of white space (including NBSP)
/// collapsed to one space, trimmed. Invisible characters go first: a soft hyphen between a letter and its
/// combining mark would otherwise block composition and leave the result not in NFC (found by
/// tests/properties.rs).
pub fn normalize_line(s: &str) -> String {
    if s.is_ascii() {
        // No invisible character, nothing to compose: only the white space to collapse (the common case, and a
        // twentieth of a crawl's CPU when every line went through the general path).
        return collapse_white_space(s);
    }
    let visible: std::borrow::Cow<'_, str> =
        if has_invisible(s) { s.chars().filter(|c| !is_invisible(*c)).collect::<String>().into() } else { s.into() };
    collapse_white_space(&nfc(&visible))
}

/// Runs of white space (as `char::is_whitespace` says, NBSP included) to one space; trimmed.
fn collapse_white_space(s: &str) -> String {
    if is_collapsed(s) {
        // Most lines are: the extractor's renderer writes single spaces already.
        return s.to_string();
    }
    let mut out = String::with_capacity(s.len());
    for word in words(s) {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    out
}

/// Whether `s` is its own [`collapse_white_space`]: no white space but single ASCII spaces between words.
fn is_collapsed(s: &str) -> bool {
    let bytes = s.as_bytes();
    let mut after_space = true; // A space first is one too many.
    for (i, &b) in bytes.iter().enumerate() {
        match SPACE_BYTES[usize::from(b)] {
            0 => after_space = false,
            1 if b == b' ' && !after_space => after_space = true,
            1 => return false,
            len => {
                if bytes.get(i..i + usize::from(len)).is_some_and(is_white_space_utf8) {
                    return false;
                }
                after_space = false;
            }
        }
    }
    !after_space || bytes.is_empty()
}

/// The words of `s`, split on white space as `char::is_whitespace` says: what `str::split_whitespace` gives,
/// read on the bytes, decoding nothing. Every line of every candidate text goes through here, and splitting on
/// decoded characters was 6% of the extraction's instructions.
pub(crate) fn words(s: &str) -> impl Iterator<Item = &str> {
    let bytes = s.as_bytes();
    let mut i = 0;
    // The length of the white space character at `at`, if there is one there.
    let space_at = move |at: usize| -> Option<usize> {
        match SPACE_BYTES[usize::from(bytes[at])] {
            0 => None,
            1 => Some(1),
            len => is_white_space_utf8(bytes.get(at..at + usize::from(len))?).then_some(usize::from(len)),
        }
    };
    std::iter::from_fn(move || {
        while i < bytes.len() {
            match space_at(i) {
                Some(len) => i += len,
                None => break,
            }
        }
        if i == bytes.len() {
            return None;
        }
        let from = i;
        loop {
            // A tight scan over the bytes that cannot begin white space: the common case.
            while i < bytes.len() && SPACE_BYTES[usize::from(bytes[i])] == 0 {
                i += 1;
            }
            if i == bytes.len() || space_at(i).is_some() {
                return Some(&s[from..i]);
            }
            i += 1;
        }
    })
}

/// For each byte: 0 if it never begins white space, 1 for ASCII white space, else the length of the UTF-8
/// character it leads, which may be white space (see `is_white_space_utf8`).
static SPACE_BYTES: [u8; 256] = {
    let mut t = [0u8; 256];
    let mut b = 0;
    while b < 256 {
        t[b] = match b as u8 {
            b'\t'..=b'\r' | b' ' => 1,
            0xC2 => 2,
            0xE1..=0xE3 => 3,
            _ => 0,
        };
        b += 1;
    }
    t
};

/// The length in bytes of the UTF-8 character that starts with `lead`.
pub(crate) fn utf8_len(lead: u8) -> usize {
    match lead {
        0..0x80 => 1,
        0xC0..0xE0 => 2,
        0xE0..0xF0 => 3,
        _ => 4,
    }
}

/// Whether the UTF-8 of one character is white space as `char::is_whitespace` says (Unicode's White_Space:
/// U+0009–U+000D, U+0020, U+0085, U+00A0, U+1680, U+2000–U+200A, U+2028, U+2029, U+202F, U+205F, U+3000).
pub(crate) fn is_white_space_utf8(utf8: &[u8]) -> bool {
    matches!(
        utf8,
        [b'\t'..=b'\r' | b' ']
            | [0xC2, 0x85 | 0xA0]
            | [0xE1, 0x9A, 0x80]
            | [0xE2, 0x80, 0x80..=0x8A | 0xA8 | 0xA9 | 0xAF]
            | [0xE2, 0x81, 0x9F]
            | [0xE3, 0x80, 0x80]
    )
}

/// Normalises a block of text: every line normalised, empty lines dropped, lines joined with `\n`.
/// Paragraph boundaries survive as line breaks so that diffs stay readable.
pub fn normalize_text(s: &str) -> String {
    s.lines().map(normalize_line).filter(|l| !l.is_empty()).collect::<Vec<_>>().join("\n")
}

/// The content hash of normalised title and text: blake3, hex, 64 characters.
pub fn content_hash(title: &str, text: &str) -> String {
    let mut h = blake3::Hasher::new();
    h.update(title.as_bytes());
    h.update(b"\n\n");
    h.update(text.as_bytes());
    h.finalize().to_hex().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every character the byte check lets through is stable under NFC in any company: NFC leaves it alone,
    /// its combining class is 0, and it is no later part of any character's canonical decomposition (so it
    /// composes with nothing before it).
    #[test]
    fn the_byte_check_passes_only_characters_nfc_never_changes() {
        use icu_normalizer::properties::{
            CanonicalCombiningClassMapBorrowed, CanonicalDecompositionBorrowed, Decomposed,
        };
        let passed: Vec<char> =
            (0..=0x10FFFF_u32).filter_map(char::from_u32).filter(|c| is_nfc_by_its_bytes(&c.to_string())).collect();
        assert_eq!(passed.len(), 0x300 + 0x100 + 0x18 + 0x80);
        let ccc = CanonicalCombiningClassMapBorrowed::new();
        let nfc_of = |s: &str| ComposingNormalizerBorrowed::new_nfc().normalize(s).into_owned();
        for &c in &passed {
            assert_eq!(nfc_of(&c.to_string()), c.to_string(), "U+{:04X}", c as u32);
            let thai = ('\u{0E00}'..='\u{0E7F}').contains(&c);
            let expected = if thai { thai_combining_class(c as u32) } else { 0 };
            assert_eq!(ccc.get_u8(c), expected, "U+{:04X}", c as u32);
        }
        let decompose = CanonicalDecompositionBorrowed::new();
        for x in (0..=0x10FFFF_u32).filter_map(char::from_u32) {
            if let Decomposed::Expansion(_, second) = decompose.decompose(x) {
                assert!(!passed.contains(&second), "U+{:04X} composes from U+{:04X}", x as u32, second as u32);
            }
        }
        // Thai marks must be in their canonical order: every pair of Thai characters, after a letter and after a
        // Latin one, is passed exactly when NFC leaves it as it is.
        let thai: Vec<char> = ('\u{0E00}'..='\u{0E7F}').collect();
        for &a in &thai {
            for &b in &thai {
                for s in [format!("{a}{b}"), format!("\u{0E01}{a}{b}"), format!("é{a}{b}ก")] {
                    assert_eq!(is_nfc_by_its_bytes(&s), nfc_of(&s) == s, "{:?}", s.escape_unicode().to_string());
                }
            }
        }
        // A string of such characters is NFC; any other character sends the string to ICU.
        assert!(is_nfc_by_its_bytes("Tiếng Việt — “có dấu”…"));
        assert!(!is_nfc_by_its_bytes("Tie\u{0302}\u{0301}ng"));
        assert!(is_nfc_by_its_bytes("ภาษาไทย ที่นี่ น้ำ กู้"));
        assert!(!is_nfc_by_its_bytes("\u{0E01}\u{0E49}\u{0E39}"), "a tone mark before a vowel below");
        assert!(!is_nfc_by_its_bytes("\u{0E01}\u{0301}\u{0E39}"), "a Latin mark among Thai ones");
    }

    /// `nfc` normalises islands apart: every sequence of three pieces among stable characters, Thai marks in
    /// and out of order, combining marks, Hangul jamo and characters outside the stable ranges comes out as ICU
    /// makes it of the whole, and unchanged text comes back borrowed.
    #[test]
    fn nfc_by_islands_is_nfc_of_the_whole() {
        let pieces = [
            "a",
            "é",
            "ệ",
            "ư",
            "e\u{0302}\u{0301}",
            "\u{0301}",
            "\u{0323}\u{0302}",
            "—",
            "›",
            "→",
            "ก",
            "\u{0E49}",
            "\u{0E38}",
            "\u{0E49}\u{0E38}",
            "\u{0E3A}",
            "\u{1100}",
            "\u{1161}",
            "\u{11A8}",
            "가",
            "Å",
            "A\u{030A}",
            "\u{0958}",
            "😀",
            "\u{0338}",
            "=",
            "\u{FB2C}",
            "ﬀ",
            " ",
        ];
        let icu = |s: &str| ComposingNormalizerBorrowed::new_nfc().normalize(s).into_owned();
        for a in pieces {
            for b in pieces {
                for c in pieces {
                    let s = format!("{a}{b}{c}");
                    assert_eq!(nfc(&s), icu(&s), "{}", s.escape_unicode());
                    let long = format!("{s} ภาษาไทย {s} Tiếng Việt {a}{c}{b}");
                    assert_eq!(nfc(&long), icu(&long), "{}", long.escape_unicode());
                }
            }
        }
        // Past the island budget, the rest goes to ICU whole: the same text.
        let nfd = "Tie\u{0302}\u{0301}ng Vie\u{0323}\u{0302}t ".repeat(40);
        assert_eq!(nfc(&nfd), icu(&nfd));
        assert!(matches!(nfc("Thái Lan › ภาษาไทย → 😀"), std::borrow::Cow::Borrowed(_)));
    }

    #[test]
    fn invisible_characters_are_found_on_the_bytes_as_by_characters() {
        for c in (0..=0x10FFFF_u32).filter_map(char::from_u32) {
            for s in [c.to_string(), format!("a{c}"), format!("{c}b")] {
                assert_eq!(has_invisible(&s), s.chars().any(is_invisible), "U+{:04X}", c as u32);
            }
        }
    }

    /// The byte-wise split agrees with `str::split_whitespace`, for every character there is.
    #[test]
    fn words_and_collapsing_agree_with_split_whitespace_on_every_character() {
        for c in (0..=0x10FFFF_u32).filter_map(char::from_u32) {
            for s in [
                format!("a{c}b"),
                format!("{c}{c}x {c}"),
                format!("\u{a0}y{c}"),
                c.to_string(),
                String::new(),
                format!("x {c} y"),
                format!("x{c} y "),
                format!(" x{c}"),
            ] {
                let want: Vec<&str> = s.split_whitespace().collect();
                assert_eq!(words(&s).collect::<Vec<_>>(), want, "U+{:04X}", c as u32);
                assert_eq!(collapse_white_space(&s), want.join(" "), "U+{:04X}", c as u32);
                assert_eq!(is_collapsed(&s), s == want.join(" "), "U+{:04X}", c as u32);
            }
        }
    }

    #[test]
    fn nfd_and_nfc_vietnamese_are_equal_after_normalising() {
        let nfc_text = "Tiếng Việt có dấu";
        let nfd_text = "Tie\u{0302}\u{0301}ng Vie\u{0323}\u{0302}t co\u{0301} da\u{0302}\u{0301}u";
        assert_ne!(nfc_text, nfd_text);
        assert_eq!(normalize_line(nfd_text), nfc_text);
        assert_eq!(content_hash("t", &normalize_text(nfd_text)), content_hash("t", &normalize_text(nfc_text)));
    }

    #[test]
    fn invisible_characters_and_white_space() {
        assert_eq!(normalize_line("  ภาษา\u{200B}ไทย\u{00AD}  \t มี\u{00A0}\u{00A0}ช่องว่าง "), "ภาษาไทย มี ช่องว่าง");
        assert_eq!(normalize_text("\n  a   b \n\n\n c\u{FEFF}\n  \n"), "a b\nc");
    }

    #[test]
    fn ascii_lines_collapse_exactly_the_white_space_of_the_general_path() {
        // Rust's white space in ASCII is \t..=\r and ' ' (vertical tab included; the separators \x1c..\x1f not).
        for c in (0u8..128).map(char::from) {
            let want = if c.is_whitespace() { "a b".to_string() } else { format!("a{c}b") };
            assert_eq!(normalize_line(&format!(" a{c}b ")), want, "{:?}", c);
            assert_eq!(normalize_line(&format!(" a{c}b\u{00A0}")), want, "{:?} beside a non-ASCII space", c);
        }
    }

    /// The byte-wise white space is `char::is_whitespace`, for every character there is.
    #[test]
    fn white_space_on_the_bytes_is_char_is_whitespace_for_every_character() {
        for c in (0..=0x10FFFF_u32).filter_map(char::from_u32) {
            let mut utf8 = [0; 4];
            let encoded = c.encode_utf8(&mut utf8);
            assert_eq!(utf8_len(encoded.as_bytes()[0]), encoded.len(), "U+{:04X}", c as u32);
            assert_eq!(is_white_space_utf8(encoded.as_bytes()), c.is_whitespace(), "U+{:04X}", c as u32);
        }
    }

    #[test]
    fn a_soft_hyphen_does_not_block_composition() {
        assert_eq!(normalize_line("A\u{302}\u{00AD}\u{303}"), "Ẫ");
    }

    #[test]
    fn normalising_is_idempotent() {
        let s = "  Hà Nội\u{200B}  \n\n Bangkok กรุงเทพ  ";
        let once = normalize_text(s);
        assert_eq!(normalize_text(&once), once);
    }

    #[test]
    fn hash_is_blake3_of_title_and_text() {
        assert_eq!(content_hash("T", "x"), blake3::hash(b"T\n\nx").to_hex().to_string());
        assert_ne!(content_hash("T", "x"), content_hash("T", "y"));
        assert_ne!(content_hash("T1", "x"), content_hash("T", "x"));
    }
}
