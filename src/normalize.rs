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

/// Unicode NFC.
pub fn nfc(s: &str) -> std::borrow::Cow<'_, str> {
    if is_nfc_by_its_bytes(s) {
        return std::borrow::Cow::Borrowed(s);
    }
    ComposingNormalizerBorrowed::new_nfc().normalize(s)
}

/// True when every character of `s` is one NFC leaves as it is whatever surrounds it (it has no canonical
/// decomposition that NFC would not recompose, composes with nothing before it, and has combining class 0):
/// U+0000-U+02FF, the Latin Extended Additional block (U+1E00-U+1EFF, Vietnamese letters with their tone
/// marks) and U+2010-U+2027 (dashes, quotes, the ellipsis). False says nothing. Read on the bytes: ICU's check
/// looks each character up, every line of every candidate text is checked, and Latin and Vietnamese text is
/// all of these characters (a twentieth of the extraction time on Vietnamese pages).
fn is_nfc_by_its_bytes(s: &str) -> bool {
    let bytes = s.as_bytes();
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        i += match (b, bytes.get(i + 1), bytes.get(i + 2)) {
            // ASCII, the continuation bytes, and the lead bytes of U+0080-U+02FF.
            (..0xCC, _, _) => 1,
            (0xE1, Some(0xB8..=0xBB), _) => 3,
            (0xE2, Some(0x80), Some(0x90..=0xA7)) => 3,
            _ => return false,
        };
    }
    true
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
        assert_eq!(passed.len(), 0x300 + 0x100 + 0x18);
        let ccc = CanonicalCombiningClassMapBorrowed::new();
        for &c in &passed {
            assert_eq!(
                ComposingNormalizerBorrowed::new_nfc().normalize(&c.to_string()),
                c.to_string(),
                "U+{:04X}",
                c as u32
            );
            assert_eq!(ccc.get_u8(c), 0, "U+{:04X}", c as u32);
        }
        let decompose = CanonicalDecompositionBorrowed::new();
        for x in (0..=0x10FFFF_u32).filter_map(char::from_u32) {
            if let Decomposed::Expansion(_, second) = decompose.decompose(x) {
                assert!(!passed.contains(&second), "U+{:04X} composes from U+{:04X}", x as u32, second as u32);
            }
        }
        // A string of such characters is NFC; any other character sends the string to ICU.
        assert!(is_nfc_by_its_bytes("Tiếng Việt — “có dấu”…"));
        assert!(!is_nfc_by_its_bytes("Tie\u{0302}\u{0301}ng"));
        assert!(!is_nfc_by_its_bytes("ภาษาไทย"));
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
