//! Well-formedness check and repair of feed XML, before feed-rs sees it.
//!
//! feed-rs gives up on the first XML error, so one truncated transfer or a stray `</b>` loses every item of a
//! feed that a reader such as feedparser still shows. This pass walks the document once with quick-xml (the
//! reader under feed-rs) and repairs what readers repair: it closes elements left open where the document ends
//! or where an outer element closes, drops end tags that close nothing, escapes a bare `&`, and cuts the
//! document at an XML syntax error (closing what is open there). Undefined entities (`&nbsp;` in XML) and
//! undeclared namespace prefixes are left as they are (feed-rs reads past them) but reported.
//!
//! Whatever it finds is *damage*: the feed is read, and the poll says what was wrong with it.

use std::borrow::Cow;

use quick_xml::events::Event;
use quick_xml::name::ResolveResult;
use quick_xml::NsReader;

/// The document as feed-rs should read it, and what was wrong with it.
pub struct Checked<'a> {
    pub text: Cow<'a, str>,
    /// What was wrong, one note per kind of damage; empty for a well-formed document.
    pub damage: Vec<String>,
}

/// The XML entities that need no declaration.
const PREDEFINED: [&str; 5] = ["amp", "lt", "gt", "quot", "apos"];
/// Names quoted in one note, at most (a feed full of `&nbsp;` gets one note, not thousands).
const MAX_NAMES: usize = 3;

/// Notes of one kind with the names they concern, e.g. "undefined entity" → [`&nbsp;`, `&acirc;`].
#[derive(Default)]
struct Notes {
    kinds: Vec<(&'static str, Vec<String>, usize)>,
    other: Vec<String>,
}

impl Notes {
    fn add(&mut self, kind: &'static str, name: String) {
        match self.kinds.iter_mut().find(|(k, _, _)| *k == kind) {
            Some((_, names, count)) => {
                *count += 1;
                if names.len() < MAX_NAMES && !names.contains(&name) {
                    names.push(name);
                }
            }
            None => self.kinds.push((kind, vec![name], 1)),
        }
    }

    fn into_vec(self) -> Vec<String> {
        let mut out: Vec<String> = self
            .kinds
            .into_iter()
            .map(|(kind, names, count)| {
                let more = if count > names.len() { format!(" ({count} in all)") } else { String::new() };
                format!("{kind} {}{more}", names.join(", "))
            })
            .collect();
        out.extend(self.other);
        out
    }
}

/// Checks `text` and returns it repaired where needed (borrowed when it is well-formed).
pub fn check(text: &str) -> Checked<'_> {
    let mut reader = NsReader::from_str(text);
    let config = reader.config_mut();
    config.check_end_names = false;
    config.allow_unmatched_ends = true;
    config.allow_dangling_amp = true;

    let mut out = String::new();
    let mut copied = 0usize;
    let mut repaired = false;
    // Copies the input up to `upto` into the output (the first call starts the repaired copy).
    let flush = |out: &mut String, copied: &mut usize, upto: usize| {
        if out.capacity() == 0 {
            out.reserve(text.len() + 64);
        }
        out.push_str(&text[*copied..upto]);
        *copied = upto;
    };
    let mut stack: Vec<String> = Vec::new();
    let mut notes = Notes::default();
    let mut seen_root = false;
    loop {
        let start = reader.buffer_position() as usize;
        let event =
            reader.read_resolved_event().map(|(ns, e)| (matches!(ns, ResolveResult::Unknown(_)), ns_prefix(&ns), e));
        let end = reader.buffer_position() as usize;
        match event {
            Ok((_, _, Event::Eof)) => break,
            Ok((unknown, prefix, Event::Start(e))) => {
                if unknown {
                    notes.add("undeclared namespace prefix", format!("`{prefix}`"));
                }
                seen_root = true;
                stack.push(e.name().into_inner().to_string());
            }
            Ok((unknown, prefix, Event::Empty(_))) => {
                if unknown {
                    notes.add("undeclared namespace prefix", format!("`{prefix}`"));
                }
                seen_root = true;
            }
            Ok((_, _, Event::End(e))) => {
                let name = e.name().into_inner().to_string();
                if stack.last() == Some(&name) {
                    stack.pop();
                } else if let Some(i) = stack.iter().rposition(|n| *n == name) {
                    // `</item>` while `<b>` is open inside it: close `<b>` first, as an HTML parser would.
                    flush(&mut out, &mut copied, start);
                    for open in stack.drain(i + 1..).rev() {
                        notes.add("element never closed:", format!("<{open}>"));
                        out.push_str(&format!("</{open}>"));
                    }
                    stack.pop();
                    repaired = true;
                } else {
                    flush(&mut out, &mut copied, start);
                    copied = end;
                    notes.add("end tag that closes nothing:", format!("</{name}>"));
                    repaired = true;
                }
            }
            Ok((_, _, Event::Text(_))) => {
                let raw = &text[start..end];
                // References arrive as their own events; an `&` inside a text event is a bare one.
                if raw.contains('&') {
                    flush(&mut out, &mut copied, start);
                    out.push_str(&raw.replace('&', "&amp;"));
                    copied = end;
                    notes.add("bare", "`&` (escaped as &amp;)".to_string());
                    repaired = true;
                }
            }
            Ok((_, _, Event::GeneralRef(r))) => {
                let name = (*r).to_string();
                if !r.is_char_ref() && !PREDEFINED.contains(&name.as_str()) {
                    notes.add("undefined entity", format!("`&{name};`"));
                }
            }
            Ok(_) => {}
            Err(e) => {
                // Offsets would be of the decoded text, not of the bytes the server sent: say how much is lost.
                let rest = text.len().saturating_sub(start);
                notes.other.push(format!("XML error: {e}; the rest of the document ({rest} bytes) is ignored"));
                flush(&mut out, &mut copied, start);
                copied = text.len();
                repaired = true;
                break;
            }
        }
    }
    if !stack.is_empty() && seen_root {
        let closing: Vec<String> = stack.iter().rev().map(|n| format!("</{n}>")).collect();
        let shown: Vec<&str> = closing.iter().take(MAX_NAMES + 1).map(String::as_str).collect();
        notes.other.push(format!("the document ends before {}: truncated", shown.join(" ")));
        flush(&mut out, &mut copied, text.len());
        for c in &closing {
            out.push_str(c);
        }
        repaired = true;
    }
    let damage = notes.into_vec();
    if repaired {
        flush(&mut out, &mut copied, text.len());
        Checked { text: Cow::Owned(out), damage }
    } else {
        Checked { text: Cow::Borrowed(text), damage }
    }
}

fn ns_prefix(ns: &ResolveResult<'_>) -> String {
    match ns {
        ResolveResult::Unknown(p) => p.clone(),
        _ => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_well_formed_document_is_borrowed_untouched() {
        let doc =
            "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>a &amp; b &#233;</title></channel></rss>";
        let c = check(doc);
        assert!(matches!(c.text, Cow::Borrowed(_)));
        assert!(c.damage.is_empty(), "{:?}", c.damage);
    }

    #[test]
    fn a_truncated_document_is_closed() {
        let c = check("<rss><channel><item><title>One</title></item><item><title>Tw");
        assert_eq!(
            c.text,
            "<rss><channel><item><title>One</title></item><item><title>Tw</title></item></channel></rss>"
        );
        assert_eq!(c.damage, vec!["the document ends before </title> </item> </channel> </rss>: truncated"]);
    }

    #[test]
    fn a_syntax_error_cuts_the_document_there() {
        let c = check("<rss><channel><item><title><![CD");
        assert_eq!(c.text, "<rss><channel><item><title></title></item></channel></rss>");
        assert_eq!(c.damage.len(), 2, "{:?}", c.damage);
        assert_eq!(c.damage[0], "XML error: syntax error: CDATA not closed: `]]>` not found before end of input; the rest of the document (5 bytes) is ignored");
    }

    #[test]
    fn unclosed_and_stray_tags_bare_ampersands_and_entities() {
        let c = check("<rss><channel><item><description>a <b>bold</description></i></item><title>R&D &nbsp;</title></channel></rss>");
        assert_eq!(
            c.text,
            "<rss><channel><item><description>a <b>bold</b></description></item><title>R&amp;D &nbsp;</title></channel></rss>"
        );
        assert_eq!(
            c.damage,
            vec![
                "element never closed: <b>",
                "end tag that closes nothing: </i>",
                "bare `&` (escaped as &amp;)",
                "undefined entity `&nbsp;`"
            ]
        );
    }

    #[test]
    fn undeclared_prefixes_are_reported() {
        let c = check("<rss version=\"2.0\"><channel><itunes:subtitle>Foo</itunes:subtitle></channel></rss>");
        assert!(matches!(c.text, Cow::Borrowed(_)));
        assert_eq!(c.damage, vec!["undeclared namespace prefix `itunes`"]);
    }
}
