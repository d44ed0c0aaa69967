//! OPML, the subscription lists feed readers exchange: `opml export` writes the configured feeds as OPML 2.0,
//! `opml import` reads OPML 1.0/2.0 as Miniflux, Feedly, Inoreader and NetNewsWire write it (nested outlines are
//! categories) and plans the `[[feed]]` blocks to add.
//!
//! Read with quick-xml rather than the `opml` crate, which refuses what real exports contain: a file without a
//! `version`, a `<body>` with no outline (an empty account), attribute names in other letter cases.

use std::collections::HashSet;

use quick_xml::escape::escape;
use quick_xml::events::{BytesStart, Event};

use crate::config::{FeedConfig, SourceKind};
use crate::config_edit::NewFeed;

/// A feed outline of an OPML file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outline {
    /// `title`, else `text`.
    pub title: Option<String>,
    pub url: String,
    pub site: Option<String>,
    /// The enclosing outlines' names joined with `/` (else the first of its `category` attribute).
    pub category: Option<String>,
    /// `type="sitemap"`, as `opml export` writes presswatch's sitemap sources.
    pub sitemap: bool,
}

/// OPML 2.0 of the configured feeds: one outline a feed, inside an outline per category.
pub fn export(feeds: &[FeedConfig], now: chrono::DateTime<chrono::Utc>) -> String {
    let outline = |f: &FeedConfig, indent: &str| {
        let site = f.url.join("/").map(String::from).unwrap_or_default();
        let kind = match f.kind {
            SourceKind::Feed => "rss",
            SourceKind::Sitemap => "sitemap",
        };
        format!(
            "{indent}<outline type=\"{kind}\" text=\"{n}\" title=\"{n}\" xmlUrl=\"{u}\" htmlUrl=\"{s}\"/>\n",
            n = escape(&f.name),
            u = escape(f.url.as_str()),
            s = escape(&site)
        )
    };
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<opml version=\"2.0\">\n  <head>\n");
    out.push_str("    <title>presswatch feeds</title>\n");
    out.push_str(&format!("    <dateCreated>{}</dateCreated>\n  </head>\n  <body>\n", now.to_rfc2822()));
    for f in feeds.iter().filter(|f| f.category.is_none()) {
        out.push_str(&outline(f, "    "));
    }
    let mut categories: Vec<&str> = Vec::new();
    for c in feeds.iter().filter_map(|f| f.category.as_deref()) {
        if !categories.contains(&c) {
            categories.push(c);
        }
    }
    for c in categories {
        out.push_str(&format!("    <outline text=\"{0}\" title=\"{0}\">\n", escape(c)));
        for f in feeds.iter().filter(|f| f.category.as_deref() == Some(c)) {
            out.push_str(&outline(f, "      "));
        }
        out.push_str("    </outline>\n");
    }
    out.push_str("  </body>\n</opml>\n");
    out
}

/// The attributes of an outline, names lower-cased, values unescaped.
fn attrs(e: &BytesStart<'_>) -> Vec<(String, String)> {
    e.attributes()
        .flatten()
        .filter_map(|a| {
            let v = a.normalized_value(quick_xml::XmlVersion::Implicit1_0).ok()?.trim().to_string();
            Some((a.key.into_inner().to_ascii_lowercase(), v))
        })
        .collect()
}

fn get<'a>(attrs: &'a [(String, String)], key: &str) -> Option<&'a str> {
    attrs.iter().find(|(k, v)| k == key && !v.is_empty()).map(|(_, v)| v.as_str())
}

/// Reads the feed outlines of an OPML file, in document order.
pub fn read(bytes: &[u8]) -> Result<Vec<Outline>, String> {
    let text = crate::decode::decode_feed(bytes, None, None).text;
    let mut reader = quick_xml::Reader::from_str(&text);
    let mut seen_root = false;
    // One entry per open outline: the category name it stands for (`None` for a feed outline).
    let mut open: Vec<Option<String>> = Vec::new();
    let mut out = Vec::new();
    loop {
        let event =
            reader.read_event().map_err(|e| format!("not valid XML at byte {}: {e}", reader.error_position()))?;
        let (e, empty) = match event {
            Event::Start(e) => (e, false),
            Event::Empty(e) => (e, true),
            Event::End(e) => {
                if e.local_name().as_ref().eq_ignore_ascii_case("outline") {
                    open.pop();
                }
                continue;
            }
            Event::Eof => break,
            _ => continue,
        };
        let name = e.local_name().as_ref().to_ascii_lowercase();
        if !seen_root {
            if name != "opml" {
                return Err(format!("not an OPML file: its root element is <{}>", e.name().into_inner()));
            }
            seen_root = true;
            continue;
        }
        if name != "outline" {
            continue;
        }
        let a = attrs(&e);
        let label = get(&a, "title").or(get(&a, "text")).map(str::to_string);
        match get(&a, "xmlurl") {
            Some(url) => {
                let parents: Vec<&str> = open.iter().flatten().map(String::as_str).collect();
                let category = if parents.is_empty() {
                    // Inoreader and others may say it with `category="/Tech,/News"` instead.
                    get(&a, "category")
                        .and_then(|c| c.split(',').next())
                        .map(|c| c.trim().trim_matches('/').to_string())
                        .filter(|c| !c.is_empty())
                } else {
                    Some(parents.join("/"))
                };
                out.push(Outline {
                    title: label,
                    url: url.to_string(),
                    site: get(&a, "htmlurl").map(str::to_string),
                    category,
                    sitemap: get(&a, "type").is_some_and(|t| t.eq_ignore_ascii_case("sitemap")),
                });
                if !empty {
                    open.push(None);
                }
            }
            None if !empty => open.push(label),
            None => {}
        }
    }
    if !seen_root {
        return Err("not an OPML file: no root element".into());
    }
    Ok(out)
}

/// What an import adds, and what it leaves out or renames (for the report).
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Plan {
    pub add: Vec<NewFeed>,
    /// (URL, the feed that already has it).
    pub skipped: Vec<(String, String)>,
    /// (name in the file, name given).
    pub renamed: Vec<(String, String)>,
    /// Outlines whose URL is not an http(s) URL: (URL, why).
    pub invalid: Vec<(String, String)>,
}

/// Plans the `[[feed]]` blocks for `outlines` beside the configured `existing` feeds: a URL already configured
/// (or listed twice) is skipped, a name already taken gets a numeric suffix.
pub fn plan(outlines: &[Outline], existing: &[FeedConfig]) -> Plan {
    let canonical = |u: &str| crate::canon::canonicalize_str(u).unwrap_or_else(|| u.trim().to_string());
    let mut urls: Vec<(String, String)> =
        existing.iter().map(|f| (canonical(f.url.as_str()), f.name.clone())).collect();
    let mut names: HashSet<String> = existing.iter().map(|f| f.name.clone()).collect();
    let mut plan = Plan::default();
    for o in outlines {
        let url = match url::Url::parse(o.url.trim()) {
            Ok(u) if matches!(u.scheme(), "http" | "https") => u,
            Ok(u) => {
                plan.invalid.push((o.url.clone(), format!("`{}` URLs cannot be followed", u.scheme())));
                continue;
            }
            Err(e) => {
                plan.invalid.push((o.url.clone(), e.to_string()));
                continue;
            }
        };
        let key = canonical(url.as_str());
        if let Some((_, by)) = urls.iter().find(|(u, _)| *u == key) {
            plan.skipped.push((url.to_string(), by.clone()));
            continue;
        }
        let wanted = o
            .title
            .as_deref()
            .map(crate::normalize::normalize_line)
            .filter(|t| !t.is_empty())
            .unwrap_or_else(|| url.host_str().unwrap_or("feed").to_string());
        let mut name = wanted.clone();
        let mut n = 2;
        while names.contains(&name) {
            name = format!("{wanted}-{n}");
            n += 1;
        }
        if name != wanted {
            plan.renamed.push((wanted, name.clone()));
        }
        names.insert(name.clone());
        urls.push((key, name.clone()));
        plan.add.push(NewFeed {
            name,
            url: url.to_string(),
            kind: o.sitemap.then(|| "sitemap".to_string()),
            category: o.category.clone(),
        });
    }
    plan
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nested_outlines_are_categories_and_attributes_any_case() {
        let opml = r#"<?xml version="1.0"?><!-- exported -->
<opml><body>
<outline text="News"><outline text="Vietnam">
  <outline text="Báo &amp; Thế giới" xmlUrl="https://baoquocte.vn/rss_feed/"/></outline></outline>
<outline title="Solo" xmlurl="https://solo.example/feed" category="/Tech,/Other"/>
<outline text="Plain" xmlUrl="https://plain.example/rss" htmlUrl="https://plain.example/"></outline>
<outline text="empty folder"/>
</body></opml>"#;
        let got = read(opml.as_bytes()).unwrap();
        assert_eq!(got.len(), 3);
        assert_eq!(got[0].title.as_deref(), Some("Báo & Thế giới"));
        assert_eq!(got[0].category.as_deref(), Some("News/Vietnam"));
        assert_eq!((got[1].url.as_str(), got[1].category.as_deref()), ("https://solo.example/feed", Some("Tech")));
        assert_eq!((got[2].category.as_deref(), got[2].site.as_deref()), (None, Some("https://plain.example/")));
        assert!(read(b"<rss/>").unwrap_err().contains("root element is <rss>"));
        assert_eq!(read(b"<opml version=\"2.0\"><body/></opml>").unwrap(), vec![]);
    }

    #[test]
    fn plan_skips_known_urls_and_renames_clashes() {
        let existing = crate::config::Config::parse(
            "[[feed]]\nname = \"a\"\nurl = \"https://a.example/rss\"\n",
            std::path::Path::new("c.toml"),
        )
        .unwrap()
        .feeds;
        let o = |t: &str, u: &str| Outline {
            title: Some(t.into()),
            url: u.into(),
            site: None,
            category: None,
            sitemap: false,
        };
        let p = plan(
            &[
                o("a", "https://b.example/rss"),
                o("x", "https://A.example/rss?utm_source=opml"),
                o("a", "https://c.example/"),
                o("y", "ftp://f/"),
            ],
            &existing,
        );
        let names: Vec<&str> = p.add.iter().map(|f| f.name.as_str()).collect();
        assert_eq!(names, ["a-2", "a-3"]);
        assert_eq!(p.skipped, vec![("https://a.example/rss?utm_source=opml".to_string(), "a".to_string())]);
        assert_eq!(p.renamed, vec![("a".into(), "a-2".into()), ("a".into(), "a-3".into())]);
        assert_eq!(p.invalid.len(), 1);
    }
}
