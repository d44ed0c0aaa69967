//! Feeds that readers open and feed-rs 3 does not, adapted before feed-rs parses them.
//!
//! Each adaptation rewrites the decoded text into the form feed-rs reads; none changes what an item says:
//! - `<rss>` without `version` (or with one feed-rs does not know, such as 0.93 or 2.01) gets `version="2.0"`;
//!   feed-rs dispatches on that attribute and answered "no root element".
//! - `<rss>` whose items sit directly under it, without `<channel>`, gets a `<channel>` around them.
//! - RSS 0.90 (`<rdf:RDF>` in the Netscape namespace `http://my.netscape.com/rdf/simple/0.9/`, heise online's
//!   feed) is read as RSS 1.0, whose structure it shares; feed-rs found no item in it.
//! - Atom 0.3 (`http://purl.org/atom/ns#`) is read as Atom 1.0: `modified`, `issued` and `tagline` are its names
//!   for `updated`, `published` and `subtitle`.
//! - Atom text with `type="application/xhtml+xml"` (or another `+xml` type) is read as `xhtml`: feed-rs 3 tests
//!   for the suffix `" +xml"` (with a space) and then fails the whole feed with "missing content.inline".
//! - JSON Feed: a missing `version` or `title`, a numeric `id` and values of the wrong type are mended (feed-rs
//!   refuses the whole feed for any one of them), and RSS-in-JSON (`{"rss": {"channel": {"item": [...]}}}`, as
//!   Scripting News publishes it) becomes a JSON Feed.

use std::borrow::Cow;
use std::sync::OnceLock;

use quick_xml::events::Event;
use regex::Regex;
use serde_json::{Map, Value};

const RSS090_NS: &str = "http://my.netscape.com/rdf/simple/0.9/";
const RSS10_NS: &str = "http://purl.org/rss/1.0/";
const ATOM03_NS: &str = "http://purl.org/atom/ns#";
const ATOM10_NS: &str = "http://www.w3.org/2005/Atom";
/// RSS versions feed-rs dispatches on.
const RSS_VERSIONS: [&str; 4] = ["2.0", "", "0.91", "0.92"];

/// The root element of an XML document: its qualified name and the byte range of its start tag.
pub struct Root {
    pub name: String,
    pub start: usize,
    pub end: usize,
    /// The start tag was `<name/>`.
    pub empty: bool,
}

impl Root {
    pub fn local_name(&self) -> &str {
        self.name.rsplit(':').next().unwrap_or(&self.name)
    }
}

/// Finds the root element (the first start tag after the prolog).
pub fn root(text: &str) -> Option<Root> {
    let mut reader = quick_xml::Reader::from_str(text);
    loop {
        let start = reader.buffer_position() as usize;
        match reader.read_event() {
            Ok(Event::Start(e)) => {
                let name = e.name().into_inner().to_string();
                return Some(Root { name, start, end: reader.buffer_position() as usize, empty: false });
            }
            Ok(Event::Empty(e)) => {
                let name = e.name().into_inner().to_string();
                return Some(Root { name, start, end: reader.buffer_position() as usize, empty: true });
            }
            Ok(Event::Eof) | Err(_) => return None,
            Ok(_) => {}
        }
    }
}

fn regex(cell: &'static OnceLock<Regex>, pattern: &str) -> &'static Regex {
    cell.get_or_init(|| Regex::new(pattern).expect("a valid built-in pattern"))
}

/// Rewrites XML that feed-rs would misread; borrowed when nothing needs it.
pub fn xml(text: &str) -> Cow<'_, str> {
    let Some(root) = root(text) else { return Cow::Borrowed(text) };
    let mut out: Cow<'_, str> = Cow::Borrowed(text);
    match root.local_name() {
        "rss" => {
            static VERSION: OnceLock<Regex> = OnceLock::new();
            let tag = &text[root.start..root.end];
            let version = regex(&VERSION, r#"\sversion\s*=\s*(?:"([^"]*)"|'([^']*)')"#);
            let known = version
                .captures(tag)
                .map(|c| c.get(1).or(c.get(2)).map(|m| m.as_str().trim()).unwrap_or(""))
                .is_some_and(|v| RSS_VERSIONS.contains(&v));
            let mut new_tag = if known {
                tag.to_string()
            } else {
                let without = version.replace(tag, "");
                let name_end = 1 + root.name.len();
                format!("{} version=\"2.0\"{}", &without[..name_end], &without[name_end..])
            };
            let rest = &text[root.end..];
            let has_channel = rest.contains("<channel") || rest.contains(":channel");
            if !has_channel && !root.empty {
                new_tag.push_str("<channel>");
                let close = format!("</{}", root.name);
                let body = match rest.rfind(&close) {
                    Some(i) => format!("{}</channel>{}", &rest[..i], &rest[i..]),
                    None => format!("{rest}</channel>"),
                };
                out = Cow::Owned(format!("{}{new_tag}{body}", &text[..root.start]));
            } else if !known {
                out = Cow::Owned(format!("{}{new_tag}{rest}", &text[..root.start]));
            }
        }
        "RDF" if text.contains(RSS090_NS) => out = Cow::Owned(text.replace(RSS090_NS, RSS10_NS)),
        "feed" | "entry" => {
            if text[root.start..root.end].contains(ATOM03_NS) {
                static RENAMED: OnceLock<Regex> = OnceLock::new();
                let renamed = regex(&RENAMED, r"(</?(?:[A-Za-z_][\w.-]*:)?)(modified|issued|tagline)\b");
                let text = text.replace(ATOM03_NS, ATOM10_NS);
                let text = renamed.replace_all(&text, |c: &regex::Captures| {
                    let new = match &c[2] {
                        "modified" => "updated",
                        "issued" => "published",
                        _ => "subtitle",
                    };
                    format!("{}{new}", &c[1])
                });
                out = Cow::Owned(text.into_owned());
            }
            static XML_TYPE: OnceLock<Regex> = OnceLock::new();
            let xml_type = regex(
                &XML_TYPE,
                r#"(<(?:[A-Za-z_][\w.-]*:)?(?:content|summary|title|subtitle|rights)\b[^>]*?\stype\s*=\s*)(?:"[^"]*\+xml"|'[^']*\+xml')"#,
            );
            if xml_type.is_match(&out) {
                out = Cow::Owned(xml_type.replace_all(&out, "${1}\"xhtml\"").into_owned());
            }
        }
        _ => {}
    }
    out
}

/// What a JSON document holds.
#[derive(Debug)]
pub struct Json {
    /// A JSON Feed that feed-rs reads.
    pub text: String,
    /// Items in the file.
    pub items: usize,
}

/// Mends a JSON Feed, or turns RSS-in-JSON into one. An error says why the JSON is not a feed.
pub fn json(text: &str) -> Result<Json, String> {
    let value: Value = serde_json::from_str(text).map_err(|e| format!("invalid JSON: {e}"))?;
    let Value::Object(mut feed) = value else {
        return Err("JSON, but not a feed: the document is not an object".into());
    };
    if let Some(channel) = feed.get("rss").and_then(|r| r.get("channel")).and_then(Value::as_object) {
        feed = rss_in_json(channel);
    }
    let Some(items) = feed.get_mut("items") else {
        return Err("JSON, but not a feed: it has no `items` (neither JSON Feed nor RSS-in-JSON)".into());
    };
    let Value::Array(items) = items else { return Err("JSON Feed whose `items` is not an array".into()) };
    for item in items.iter_mut() {
        if let Value::Object(item) = item {
            mend_item(item);
        }
    }
    items.retain(Value::is_object);
    let count = items.len();
    if !feed.get("version").is_some_and(Value::is_string) {
        feed.insert("version".into(), Value::String("https://jsonfeed.org/version/1.1".into()));
    }
    if !feed.get("title").is_some_and(Value::is_string) {
        feed.insert("title".into(), Value::String(String::new()));
    }
    for key in ["home_page_url", "feed_url", "language", "description", "icon", "favicon"] {
        keep_string(&mut feed, key);
    }
    mend_authors(&mut feed);
    Ok(Json { text: Value::Object(feed).to_string(), items: count })
}

/// A field that must be a string: a number becomes one, anything else is dropped.
fn keep_string(obj: &mut Map<String, Value>, key: &str) {
    match obj.get(key) {
        Some(Value::String(_)) | None => {}
        Some(Value::Number(n)) => {
            let s = n.to_string();
            obj.insert(key.into(), Value::String(s));
        }
        Some(_) => {
            obj.remove(key);
        }
    }
}

fn mend_authors(obj: &mut Map<String, Value>) {
    let mend = |a: &mut Value| {
        if let Value::Object(a) = a {
            keep_string(a, "name");
            keep_string(a, "url");
        }
    };
    match obj.get_mut("author") {
        Some(a @ Value::Object(_)) => mend(a),
        Some(_) => {
            obj.remove("author");
        }
        None => {}
    }
    match obj.get_mut("authors") {
        Some(Value::Array(list)) => {
            list.retain(Value::is_object);
            list.iter_mut().for_each(mend);
        }
        Some(_) => {
            obj.remove("authors");
        }
        None => {}
    }
}

fn mend_item(item: &mut Map<String, Value>) {
    for key in [
        "id",
        "url",
        "external_url",
        "title",
        "content_html",
        "content_text",
        "summary",
        "image",
        "banner_image",
        "date_published",
        "date_modified",
        "language",
    ] {
        keep_string(item, key);
    }
    mend_authors(item);
    match item.get_mut("tags") {
        Some(Value::Array(tags)) => tags.retain(Value::is_string),
        Some(_) => {
            item.remove("tags");
        }
        None => {}
    }
    match item.get_mut("attachments") {
        Some(Value::Array(list)) => list
            .retain(|a| a.get("url").is_some_and(Value::is_string) && a.get("mime_type").is_some_and(Value::is_string)),
        Some(_) => {
            item.remove("attachments");
        }
        None => {}
    }
}

/// The JSON Feed equivalent of an RSS-in-JSON channel.
fn rss_in_json(channel: &Map<String, Value>) -> Map<String, Value> {
    let text = |v: Option<&Value>| -> Option<Value> {
        match v? {
            Value::String(s) => Some(Value::String(s.clone())),
            Value::Number(n) => Some(Value::String(n.to_string())),
            // `{"#value": "..."}` or `{"#text": "..."}`, as XML-to-JSON converters write text with attributes.
            Value::Object(o) => {
                o.get("#value").or(o.get("#text")).and_then(Value::as_str).map(|s| Value::String(s.into()))
            }
            _ => None,
        }
    };
    let date = |v: Option<&Value>| -> Option<Value> {
        let s = v?.as_str()?;
        let d = chrono::DateTime::parse_from_rfc2822(s.trim()).ok()?;
        Some(Value::String(d.to_rfc3339()))
    };
    let items: Vec<&Value> = match channel.get("item") {
        Some(Value::Array(list)) => list.iter().collect(),
        Some(one @ Value::Object(_)) => vec![one],
        _ => Vec::new(),
    };
    let mut out = Map::new();
    out.insert("version".into(), Value::String("https://jsonfeed.org/version/1.1".into()));
    if let Some(t) = text(channel.get("title")) {
        out.insert("title".into(), t);
    }
    if let Some(l) = text(channel.get("link")) {
        out.insert("home_page_url".into(), l);
    }
    let items = items
        .into_iter()
        .map(|i| {
            let mut item = Map::new();
            let mut put = |key: &str, v: Option<Value>| {
                if let Some(v) = v {
                    item.insert(key.into(), v);
                }
            };
            put("id", text(i.get("guid")));
            put("url", text(i.get("link")));
            put("title", text(i.get("title")));
            put("content_html", text(i.get("description")));
            put("date_published", date(i.get("pubDate")));
            Value::Object(item)
        })
        .collect();
    out.insert("items".into(), Value::Array(items));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bare_rss_gets_a_version_and_a_channel() {
        assert_eq!(
            xml("<rss>\n<channel><item/></channel></rss>"),
            "<rss version=\"2.0\">\n<channel><item/></channel></rss>"
        );
        assert_eq!(
            xml("<?xml version=\"1.0\"?><rss version='0.94' xmlns:a=\"b\"><item/></rss>"),
            "<?xml version=\"1.0\"?><rss version=\"2.0\" xmlns:a=\"b\"><channel><item/></channel></rss>"
        );
        let fine = "<rss version=\"2.0\"><channel/></rss>";
        assert!(matches!(xml(fine), Cow::Borrowed(_)));
    }

    #[test]
    fn rss_090_atom_03_and_xhtml_xml_content() {
        let rdf = format!("<rdf:RDF xmlns=\"{RSS090_NS}\"><item/></rdf:RDF>");
        assert_eq!(xml(&rdf), format!("<rdf:RDF xmlns=\"{RSS10_NS}\"><item/></rdf:RDF>"));
        let atom = format!(
            "<feed version=\"0.3\" xmlns=\"{ATOM03_NS}\"><tagline>t</tagline><entry><modified>2004</modified><issued>2003</issued><content type=\"application/xhtml+xml\"><div/></content><link type=\"application/atom+xml\"/></entry></feed>"
        );
        assert_eq!(
            xml(&atom),
            format!(
                "<feed version=\"0.3\" xmlns=\"{ATOM10_NS}\"><subtitle>t</subtitle><entry><updated>2004</updated><published>2003</published><content type=\"xhtml\"><div/></content><link type=\"application/atom+xml\"/></entry></feed>"
            )
        );
    }

    #[test]
    fn json_feed_is_mended_and_rss_in_json_converted() {
        let j = json(r#"{"items":[{"id":7,"url":"https://a.example/1","tags":["x",1]},"junk"]}"#).unwrap();
        assert_eq!(j.items, 1);
        let v: Value = serde_json::from_str(&j.text).unwrap();
        assert_eq!(v["version"], "https://jsonfeed.org/version/1.1");
        assert_eq!(v["items"][0]["id"], "7");
        assert_eq!(v["items"][0]["tags"], serde_json::json!(["x"]));
        let r = json(r##"{"rss":{"version":"2.0","channel":{"title":"S","item":[{"link":"https://a.example/2","pubDate":"Mon, 26 Jun 2017 19:40:58 GMT","guid":{"#value":"g2"}}]}}}"##).unwrap();
        let v: Value = serde_json::from_str(&r.text).unwrap();
        assert_eq!(r.items, 1);
        assert_eq!(v["items"][0]["url"], "https://a.example/2");
        assert_eq!(v["items"][0]["id"], "g2");
        assert_eq!(v["items"][0]["date_published"], "2017-06-26T19:40:58+00:00");
        assert!(json("[1,2]").unwrap_err().contains("not an object"));
        assert!(json(r#"{"title":"x"}"#).unwrap_err().contains("no `items`"));
    }
}
