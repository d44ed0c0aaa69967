//! Bytes to text: charset sniffing for pages and feeds.
//!
//! `reqwest::Response::text()` only looks at the Content-Type header, which is often missing or wrong on news
//! sites, and a TIS-620 (Thai) or windows-1258 (Vietnamese) body decoded as UTF-8 becomes garbage that then
//! hashes differently on every fix of the server. So we sniff in the order browsers use and always end in
//! NFC (windows-1258 decodes to combining tone marks).

use encoding_rs::{Encoding, UTF_16BE, UTF_16LE, UTF_8};

/// How the encoding was chosen, for `extract --json` and debugging.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    Bom,
    Header,
    Declaration,
    Detected,
}

#[derive(Debug, Clone)]
pub struct Decoded {
    /// The text, in NFC (but from [`decode_html_as_written`]).
    pub text: String,
    pub encoding: &'static Encoding,
    pub source: Source,
}

/// The `charset=` parameter of a Content-Type header value.
pub fn charset_from_content_type(content_type: &str) -> Option<&'static Encoding> {
    content_type.split(';').skip(1).find_map(|param| {
        let (k, v) = param.split_once('=')?;
        if k.trim().eq_ignore_ascii_case("charset") {
            Encoding::for_label(v.trim().trim_matches(|c| c == '"' || c == '\'').as_bytes())
        } else {
            None
        }
    })
}

/// The top-level domain of a host, as chardetng's hint (`vn`, `th`, ...).
fn tld(host: Option<&str>) -> Option<&[u8]> {
    let host = host?;
    if host.parse::<std::net::IpAddr>().is_ok() {
        return None;
    }
    host.rsplit('.').next().filter(|t| !t.is_empty()).map(str::as_bytes)
}

fn detect(bytes: &[u8], host: Option<&str>) -> &'static Encoding {
    let mut det = chardetng::EncodingDetector::new(chardetng::Iso2022JpDetection::Deny);
    det.feed(bytes, true);
    det.guess(tld(host), chardetng::Utf8Detection::Allow)
}

/// UTF-16 written without a BOM still starts with `<` as a 16-bit unit.
fn utf16_without_bom(bytes: &[u8]) -> Option<&'static Encoding> {
    match bytes {
        [0, b'<', 0, _, ..] => Some(UTF_16BE),
        [b'<', 0, _, 0, ..] => Some(UTF_16LE),
        _ => None,
    }
}

/// A declared legacy single-byte charset is often a lie on a body that is really UTF-8; a body that is valid
/// UTF-8 and not plain ASCII is, in practice, never Latin-1 or windows-125x.
fn prefer_utf8_over(declared: &'static Encoding, bytes: &[u8]) -> bool {
    declared != UTF_8
        && declared != UTF_16BE
        && declared != UTF_16LE
        && !bytes.is_ascii()
        && std::str::from_utf8(bytes).is_ok()
}

fn finish(bytes: &[u8], encoding: &'static Encoding, source: Source, form: Form) -> Decoded {
    // decode_without_bom_handling: the BOM case is handled (and stripped) by the caller.
    let (text, _) = encoding.decode_without_bom_handling(bytes);
    if form == Form::AsWritten {
        return Decoded { text: text.into_owned(), encoding, source };
    }
    let text = match crate::normalize::nfc(&text) {
        std::borrow::Cow::Borrowed(_) => text.into_owned(),
        std::borrow::Cow::Owned(normalized) => normalized,
    };
    Decoded { text, encoding, source }
}

/// Whether the decoded text is brought to NFC.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Form {
    Nfc,
    AsWritten,
}

fn decode_with(
    bytes: &[u8],
    content_type: Option<&str>,
    host: Option<&str>,
    declared: Option<&'static Encoding>,
    form: Form,
) -> Decoded {
    if let Some((enc, bom_len)) = Encoding::for_bom(bytes) {
        return finish(&bytes[bom_len..], enc, Source::Bom, form);
    }
    if let Some(enc) = content_type.and_then(charset_from_content_type) {
        if !prefer_utf8_over(enc, bytes) {
            return finish(bytes, enc, Source::Header, form);
        }
    }
    if let Some(enc) = utf16_without_bom(bytes) {
        return finish(bytes, enc, Source::Declaration, form);
    }
    if let Some(enc) = declared {
        // A document that says UTF-16 in ASCII bytes is not UTF-16 (the declaration was readable as ASCII).
        let enc = if enc == UTF_16BE || enc == UTF_16LE { UTF_8 } else { enc };
        if !prefer_utf8_over(enc, bytes) {
            return finish(bytes, enc, Source::Declaration, form);
        }
    }
    finish(bytes, detect(bytes, host), Source::Detected, form)
}

/// Decodes an HTML page: BOM, Content-Type charset, `<meta charset>` / `http-equiv` prescan, then chardetng
/// with the host's TLD as a hint. The result is NFC.
pub fn decode_html(bytes: &[u8], content_type: Option<&str>, host: Option<&str>) -> Decoded {
    decode_with(bytes, content_type, host, meta_charset(bytes), Form::Nfc)
}

/// Decodes an HTML page as [`decode_html`] does, but leaves the text in the form the page wrote it: for the
/// extractor, which brings to NFC only the markup it parses (the page without the contents of its scripts and
/// style sheets, about half of a news page's bytes; checking the whole page for NFC was a twentieth of a
/// crawl's CPU).
pub fn decode_html_as_written(bytes: &[u8], content_type: Option<&str>, host: Option<&str>) -> Decoded {
    decode_with(bytes, content_type, host, meta_charset(bytes), Form::AsWritten)
}

/// Decodes a feed: BOM, Content-Type charset, the XML declaration's `encoding`, then chardetng. The result is
/// UTF-8 text whose XML declaration (if any) says UTF-8, so the XML parser does not decode it a second time.
pub fn decode_feed(bytes: &[u8], content_type: Option<&str>, host: Option<&str>) -> Decoded {
    let mut d = decode_with(bytes, content_type, host, xml_declared_encoding(bytes), Form::Nfc);
    d.text = rewrite_xml_declaration(&d.text);
    d
}

/// Scans the start of an HTML document for `<meta charset=...>` or
/// `<meta http-equiv="Content-Type" content="...; charset=...">`.
fn meta_charset(bytes: &[u8]) -> Option<&'static Encoding> {
    let head = &bytes[..bytes.len().min(4096)];
    let lower: Vec<u8> = head.iter().map(u8::to_ascii_lowercase).collect();
    let mut pos = 0;
    while let Some(off) = find(&lower[pos..], b"<meta") {
        let start = pos + off;
        let end = lower[start..].iter().position(|&b| b == b'>').map_or(lower.len(), |e| start + e);
        let tag = &lower[start..end];
        if let Some(i) = find(tag, b"charset") {
            let rest = &tag[i + 7..];
            let rest = trim_ascii_start(rest);
            if let Some(rest) = rest.strip_prefix(b"=") {
                let rest = trim_ascii_start(rest);
                let rest = rest.strip_prefix(b"\"").or_else(|| rest.strip_prefix(b"'")).unwrap_or(rest);
                let label_end = rest
                    .iter()
                    .position(|&b| b == b'"' || b == b'\'' || b == b';' || b == b'/' || b.is_ascii_whitespace())
                    .unwrap_or(rest.len());
                if let Some(enc) = Encoding::for_label(&rest[..label_end]) {
                    return Some(enc);
                }
            }
        }
        pos = end.max(start + 5);
    }
    None
}

/// The `encoding` pseudo-attribute of an XML declaration at the start of the document.
fn xml_declared_encoding(bytes: &[u8]) -> Option<&'static Encoding> {
    let head = &bytes[..bytes.len().min(1024)];
    let start = find(head, b"<?xml")?;
    let end = start + find(&head[start..], b"?>")?;
    let decl = &head[start..end];
    let i = find(decl, b"encoding")?;
    let rest = trim_ascii_start(&decl[i + 8..]);
    let rest = trim_ascii_start(rest.strip_prefix(b"=")?);
    let quote = *rest.first()?;
    if quote != b'"' && quote != b'\'' {
        return None;
    }
    let label_end = rest[1..].iter().position(|&b| b == quote)?;
    Encoding::for_label(&rest[1..1 + label_end])
}

/// Replaces the XML declaration with a UTF-8 one, since the text is now UTF-8, and removes any declaration
/// that is not at the start: it is invalid there, and one naming an encoding makes quick-xml (under feed-rs)
/// panic ("set_encoding() called after prefix buffer was drained"; found by tests/properties.rs).
fn rewrite_xml_declaration(text: &str) -> String {
    let trimmed = text.trim_start_matches(['\u{FEFF}', ' ', '\t', '\r', '\n']);
    let (head, mut rest) = match trimmed.strip_prefix("<?xml").and_then(|r| r.find("?>").map(|end| &r[end + 2..])) {
        Some(after) => ("<?xml version=\"1.0\" encoding=\"UTF-8\"?>", after),
        None => ("", trimmed),
    };
    let mut out = String::with_capacity(trimmed.len() + 40);
    out.push_str(head);
    while let Some(start) = find_ascii_ci(rest, "<?xml") {
        out.push_str(&rest[..start]);
        rest = match rest[start..].find("?>") {
            Some(end) => &rest[start + end + 2..],
            None => "",
        };
    }
    out.push_str(rest);
    out
}

/// Byte offset of an ASCII needle, ignoring ASCII case.
pub(crate) fn find_ascii_ci(hay: &str, needle: &str) -> Option<usize> {
    hay.as_bytes().windows(needle.len()).position(|w| w.eq_ignore_ascii_case(needle.as_bytes()))
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

fn trim_ascii_start(b: &[u8]) -> &[u8] {
    let n = b.iter().take_while(|c| c.is_ascii_whitespace()).count();
    &b[n..]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bom_wins() {
        let d = decode_html(b"\xEF\xBB\xBF<p>caf\xC3\xA9</p>", Some("text/html; charset=iso-8859-1"), None);
        assert_eq!(d.text, "<p>café</p>");
        assert_eq!(d.source, Source::Bom);
        let mut utf16 = vec![0xFF, 0xFE];
        for u in "<p>ไทย</p>".encode_utf16() {
            utf16.extend_from_slice(&u.to_le_bytes());
        }
        assert_eq!(decode_html(&utf16, None, None).text, "<p>ไทย</p>");
    }

    #[test]
    fn header_then_meta() {
        let (bytes, _, _) = encoding_rs::WINDOWS_874.encode("<meta charset=\"tis-620\"><p>ข่าววันนี้</p>");
        let d = decode_html(&bytes, Some("text/html"), Some("example.th"));
        assert_eq!(d.encoding, encoding_rs::WINDOWS_874);
        assert_eq!(d.source, Source::Declaration);
        assert!(d.text.contains("ข่าววันนี้"));
        let d = decode_html(&bytes, Some("text/html; charset=\"windows-874\""), None);
        assert_eq!(d.source, Source::Header);
        let (bytes, _, _) = encoding_rs::WINDOWS_1252
            .encode("<meta http-equiv='Content-Type' content='text/html; charset=iso-8859-1'>é");
        assert!(decode_html(&bytes, None, None).text.ends_with('é'));
    }

    #[test]
    fn windows_1258_vietnamese_comes_out_nfc() {
        // windows-1258 writes tone marks as combining characters: ê (0xEA) + dot below (0xF2), ê + acute (0xEC).
        let bytes = b"<p>Vi\xEA\xF2t Nam, ti\xEA\xECng Vi\xEA\xF2t</p>";
        let d = decode_html(bytes, Some("text/html; charset=windows-1258"), None);
        assert_eq!(d.text, "<p>Việt Nam, tiếng Việt</p>");
        assert_eq!(d.text.chars().count(), 27);
    }

    /// The crawl's decode leaves the text as the page wrote it; the extractor brings what it parses to NFC.
    #[test]
    fn as_written_keeps_combining_marks_and_the_extractor_composes_them() {
        let bytes = b"<html><head><title>Vi\xEA\xF2t Nam</title></head><body><article><h1>Vi\xEA\xF2t Nam</h1>\
            <p>Ti\xEA\xECng Vi\xEA\xF2t c\xF3 d\xE2\xECu, vi\xEA\xF2\xE1t b\xE3\xECng ch\xFB\xF5 La-tinh \
            t\xFB\xF5 th\xEA\xEC k\xF5y m\xFA\xF5\xF4\xECi b\xE2\xF3y, v\xE0 ng\xE2\xECy nay \
            \xF0\xFA\xF5\xF4\xF2c d\xF9ng tr\xEAn m\xE3\xECi trang b\xE1o c\xFBa c\xE3\xEC n\xFA\xF5\xF4\xECc.</p>\
            </article></body></html>";
        let written = decode_html_as_written(bytes, Some("text/html; charset=windows-1258"), None);
        let nfc = decode_html(bytes, Some("text/html; charset=windows-1258"), None);
        assert_ne!(written.text, nfc.text);
        assert!(written.text.contains("Vi\u{00EA}\u{0323}t Nam"));
        let url = url::Url::parse("https://example.vn/a").unwrap();
        let options = crate::extract::Options::default();
        let from_written = crate::extract::extract_decoded(&written, Some(&url), &options).unwrap();
        assert_eq!(from_written, crate::extract::extract_decoded(&nfc, Some(&url), &options).unwrap());
        assert_eq!(from_written.title, "Việt Nam");
        assert!(from_written.text.starts_with("Tiếng Việt có dấu"), "{}", from_written.text);
    }

    #[test]
    fn shift_jis_by_meta_and_by_detection() {
        let text = "<html><head><meta charset=\"Shift_JIS\"></head><body><p>東京都は本日、新しい交通計画を発表しました。市民の生活に大きな影響があります。</p></body></html>";
        let (bytes, _, unmappable) = encoding_rs::SHIFT_JIS.encode(text);
        assert!(!unmappable);
        let d = decode_html(&bytes, None, Some("example.jp"));
        assert_eq!((d.encoding, d.source), (encoding_rs::SHIFT_JIS, Source::Declaration));
        assert_eq!(d.text, text);
        let undeclared = text.replace("<meta charset=\"Shift_JIS\">", "");
        let (bytes, _, _) = encoding_rs::SHIFT_JIS.encode(&undeclared);
        let d = decode_html(&bytes, None, Some("example.jp"));
        assert_eq!((d.encoding, d.source), (encoding_rs::SHIFT_JIS, Source::Detected));
        assert_eq!(d.text, undeclared);
    }

    #[test]
    fn undeclared_thai_is_detected() {
        let (bytes, _, _) = encoding_rs::WINDOWS_874
            .encode("<html><body><p>กระทรวงการต่างประเทศแถลงข่าวประจำสัปดาห์เกี่ยวกับความสัมพันธ์ระหว่างประเทศและเศรษฐกิจ</p></body></html>");
        let d = decode_html(&bytes, None, Some("example.th"));
        assert_eq!(d.encoding, encoding_rs::WINDOWS_874);
        assert!(d.text.contains("กระทรวงการต่างประเทศ"));
    }

    #[test]
    fn feed_declaration_is_honoured_and_rewritten() {
        let (bytes, _, _) = encoding_rs::WINDOWS_1252
            .encode("<?xml version=\"1.0\" encoding=\"iso-8859-1\"?><rss version=\"2.0\"><channel><title>Caf\u{e9}</title></channel></rss>");
        let d = decode_feed(&bytes, Some("application/rss+xml"), None);
        assert_eq!(
            d.text,
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?><rss version=\"2.0\"><channel><title>Café</title></channel></rss>"
        );
    }

    #[test]
    fn utf8_body_with_lying_latin1_declaration_stays_utf8() {
        let src = "<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><rss><title>Tiếng Việt</title></rss>";
        let d = decode_feed(src.as_bytes(), None, None);
        assert!(d.text.contains("Tiếng Việt"), "{}", d.text);
    }

    #[test]
    fn a_declaration_in_the_middle_is_removed() {
        let src = "1.234 lượt xem<?xml version=\"1.0\" encoding=\"windows-874\"?><rss/>";
        assert_eq!(decode_feed(src.as_bytes(), None, None).text, "1.234 lượt xem<rss/>");
        let src = "<?xml version=\"1.0\"?><a><?XML encoding=\"x\"?></a>";
        assert_eq!(decode_feed(src.as_bytes(), None, None).text, "<?xml version=\"1.0\" encoding=\"UTF-8\"?><a></a>");
    }

    #[test]
    fn utf16_without_bom() {
        let mut be = Vec::new();
        for u in "<?xml version=\"1.0\" encoding=\"utf-16be\"?><rss/>".encode_utf16() {
            be.extend_from_slice(&u.to_be_bytes());
        }
        assert!(decode_feed(&be, None, None).text.ends_with("<rss/>"));
    }
}
