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

/// Unicode NFC.
pub fn nfc(s: &str) -> std::borrow::Cow<'_, str> {
    ComposingNormalizerBorrowed::new_nfc().normalize(s)
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
    let visible: std::borrow::Cow<'_, str> = if s.chars().any(is_invisible) {
        s.chars().filter(|c| !is_invisible(*c)).collect::<String>().into()
    } else {
        s.into()
    };
    collapse_white_space(&nfc(&visible))
}

/// Runs of white space (as `char::is_whitespace` says, NBSP included) to one space; trimmed.
fn collapse_white_space(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for word in s.split(char::is_whitespace).filter(|w| !w.is_empty()) {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    out
}

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
