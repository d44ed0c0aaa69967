//! The Atom feeds of edits (RFC 4287), written with atom_syndication, which escapes every text. Each entry is
//! one `article.edited` event: the new title, its significance (as a category and in the summary), the changed
//! lines as HTML (removed in `<del>`, added in `<ins>`), and a link to its diff page.

use atom_syndication::{Category, Content, Entry, Feed, Generator, Link, Person, Text};
use chrono::{DateTime, Utc};
use maud::html;

use crate::change::Significance;
use crate::diff::Block;
use crate::event::Event;
use crate::query::DiffView;

/// Characters XML 1.0 does not allow even escaped (C0 controls but tab and newlines, U+FFFE, U+FFFF): a page
/// that carries one would make the whole feed unreadable, so they are dropped.
fn xml_safe(s: &str) -> String {
    s.chars().filter(|&c| matches!(c, '\t' | '\n' | '\r') || (c >= ' ' && c != '\u{FFFE}' && c != '\u{FFFF}')).collect()
}

fn link(href: String, rel: &str, mime_type: Option<&str>) -> Link {
    Link { href, rel: rel.into(), mime_type: mime_type.map(str::to_string), ..Default::default() }
}

/// The events page that lists the same edits.
fn events_href(base: &str, feed: Option<&str>, min: Option<Significance>) -> String {
    let mut q = url::form_urlencoded::Serializer::new(String::new());
    q.append_pair("event", "article.edited");
    if let Some(f) = feed {
        q.append_pair("feed", f);
    }
    if let Some(min) = min {
        q.append_pair("significance", min.as_str());
    }
    format!("{base}/?{}", q.finish())
}

/// The changed lines of an edit, as HTML for a feed reader.
fn changes_html(view: &DiffView) -> String {
    html! {
        @for b in &view.blocks {
            @if let Block::Change { old, new, .. } = b {
                @for l in old { p { "− " @for p in &l.parts { @if p.changed { del { (p.text) } } @else { (p.text) } } } }
                @for l in new { p { "+ " @for p in &l.parts { @if p.changed { ins { (p.text) } } @else { (p.text) } } } }
            }
        }
    }
    .into_string()
}

/// The feed for all edits (`feed` = None) or one feed's, of every significance or at least `min`. `base` is
/// `http://host:port` of the web view.
pub fn edits(
    base: &str,
    feed: Option<&str>,
    min: Option<Significance>,
    edits: &[(Event, Option<Box<DiffView>>)],
) -> String {
    let mut self_href = match feed {
        Some(f) => match url::Url::parse(base) {
            Ok(mut u) => {
                if let Ok(mut path) = u.path_segments_mut() {
                    path.clear().extend(["feeds", f, "edits.atom"]);
                }
                u.to_string()
            }
            Err(_) => format!("{base}/feeds/{f}/edits.atom"),
        },
        None => format!("{base}/feeds/edits.atom"),
    };
    let mut title = match feed {
        Some(f) => format!("presswatch: edits in {f}"),
        None => "presswatch: edits".to_string(),
    };
    if let Some(min) = min {
        self_href.push_str(&format!("?significance={}", min.as_str()));
        title.push_str(&format!(" (at least {})", min.as_str()));
    }
    let entries: Vec<Entry> = edits
        .iter()
        .map(|(event, view)| {
            let ev = &event.view;
            let version = ev.version.unwrap_or(1);
            let diff_href =
                format!("{base}/articles/{}/diff?from={}&to={version}", ev.id, version.saturating_sub(1).max(1));
            let title = ev.title.clone().filter(|t| !t.trim().is_empty()).unwrap_or_else(|| ev.url.clone());
            let mut summary = format!("Version {version} of {}", ev.url);
            if let Some(f) = &ev.feed {
                summary.push_str(&format!(" (feed {f})"));
            }
            let significance = event.significance().map(Significance::as_str);
            if let Some(s) = significance {
                summary.push_str(&format!(": a {s} change"));
            }
            Entry {
                title: Text::plain(xml_safe(&title)),
                // Stable and unique per edit whatever address the web view is reached at.
                id: xml_safe(&format!("{}#presswatch-version-{version}", ev.url)),
                updated: ev.time.fixed_offset(),
                links: vec![link(diff_href, "alternate", Some("text/html")), link(xml_safe(&ev.url), "related", None)],
                summary: Some(Text::plain(xml_safe(&summary))),
                categories: significance
                    .map(|s| Category { term: s.into(), label: Some(format!("{s} change")), ..Default::default() })
                    .into_iter()
                    .collect(),
                content: view.as_ref().map(|v| Content {
                    value: Some(xml_safe(&changes_html(v))),
                    content_type: Some("html".into()),
                    ..Default::default()
                }),
                ..Default::default()
            }
        })
        .collect();
    let updated: DateTime<Utc> = edits.first().map(|(ev, _)| ev.view.time).unwrap_or(DateTime::UNIX_EPOCH);
    let feed = Feed {
        title: Text::plain(xml_safe(&title)),
        id: self_href.clone(),
        updated: updated.fixed_offset(),
        authors: vec![Person { name: "presswatch".into(), ..Default::default() }],
        generator: Some(Generator {
            value: "presswatch".into(),
            version: Some(env!("CARGO_PKG_VERSION").into()),
            ..Default::default()
        }),
        links: vec![
            link(self_href, "self", Some("application/atom+xml")),
            link(events_href(base, feed, min), "alternate", Some("text/html")),
        ],
        entries,
        ..Default::default()
    };
    let bytes = feed.write_to(Vec::new()).unwrap_or_default();
    String::from_utf8(bytes).unwrap_or_default()
}
