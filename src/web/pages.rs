//! The pages, as maud templates. maud escapes every `(value)` spliced into text or an attribute, so nothing
//! that came from a page or a feed can become markup; links to article pages are made only from http(s) URLs.

use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use maud::{html, Markup, DOCTYPE};

use super::{DiffLayout, EventsForm};
use crate::change::Significance;
use crate::diff::{Block, Line};
use crate::event::Event;
use crate::query::{DiffView, EventPage};
use crate::view::{ArticleView, VersionView};

/// Unchanged lines kept in view on each side of a change; longer unchanged stretches fold.
const CONTEXT: usize = 3;

/// The event names the filter offers, beside any others found.
const EVENT_NAMES: &[&str] = &[
    "article.new",
    "article.edited",
    "article.duplicate",
    "article.removed",
    "article.restored",
    "article.redirected",
];
/// The significance filter's choices, least first.
const SIGNIFICANCES: [Significance; 3] = [Significance::Typo, Significance::Minor, Significance::Substantive];

fn layout(title: &str, body: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                meta name="referrer" content="no-referrer";
                title { (title) " · presswatch" }
                link rel="stylesheet" href="/style.css";
                link rel="alternate" type="application/atom+xml" title="presswatch: edits" href="/feeds/edits.atom";
            }
            body {
                header.top {
                    a.brand href="/" { "presswatch" }
                    nav {
                        a href="/" { "Events" }
                        a href="/articles" { "Articles" }
                        a href="/feeds/edits.atom" { "Edits (Atom)" }
                    }
                    form.search action="/articles" method="get" role="search" {
                        input type="search" name="q" placeholder="Search titles and URLs" aria-label="Search titles and URLs";
                        button type="submit" { "Search" }
                    }
                }
                main { (body) }
            }
        }
    }
}

fn time(t: DateTime<Utc>) -> Markup {
    html! { time datetime=(t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)) { (t.format("%Y-%m-%d %H:%M UTC")) } }
}

/// A link to a page of the article's site, or plain text for anything that is not an http(s) URL.
fn external(url: &str) -> Markup {
    let web = url.starts_with("https://") || url.starts_with("http://");
    html! {
        @if web { a.url href=(url) rel="noopener noreferrer nofollow" { (url) } } @else { span.url { (url) } }
    }
}

fn article_link(id: u64, title: &str) -> Markup {
    let title = if title.trim().is_empty() { "(no title)" } else { title };
    html! { a.title href={ "/articles/" (id) } { (title) } }
}

fn diff_href(id: u64, from: u32, to: u32) -> String {
    format!("/articles/{id}/diff?from={from}&to={to}")
}

pub fn error(status: StatusCode, message: &str) -> Markup {
    let reason = status.canonical_reason().unwrap_or("Error");
    layout(
        reason,
        html! {
            h1 { (status.as_u16()) " " (reason) }
            p.error { (message) }
            p { a href="/" { "Back to the latest events" } }
        },
    )
}

/// `/`: the latest events, newest first, with the filter form.
pub fn events(page: &EventPage, feeds: &[String], form: &EventsForm) -> Markup {
    let events = &page.events;
    let mut names: Vec<&str> = EVENT_NAMES.to_vec();
    for e in events {
        if !names.contains(&e.view.event.as_str()) {
            names.push(&e.view.event);
        }
    }
    let older = page.older.map(|before| {
        let mut q = url::form_urlencoded::Serializer::new(String::new());
        q.append_pair("before", &before.to_string());
        let significance = form.significance.map(|s| s.as_str().to_string());
        for (k, v) in
            [("feed", &form.feed), ("event", &form.event), ("since", &form.since), ("significance", &significance)]
        {
            if let Some(v) = v {
                q.append_pair(k, v);
            }
        }
        format!("/?{}", q.finish())
    });
    layout(
        "Events",
        html! {
            h1 { "Latest events" }
            form.filters action="/" method="get" {
                label { "Feed "
                    select name="feed" {
                        option value="" { "all" }
                        @for f in feeds { option value=(f) selected[form.feed.as_deref() == Some(f.as_str())] { (f) } }
                    }
                }
                label { "Event "
                    select name="event" {
                        option value="" { "all" }
                        @for n in &names { option value=(n) selected[form.event.as_deref() == Some(*n)] { (n) } }
                    }
                }
                label title="Only edits at least this significant" { "Edits at least "
                    select name="significance" {
                        option value="" { "any event" }
                        @for s in SIGNIFICANCES { option value=(s.as_str()) selected[form.significance == Some(s)] { (s.as_str()) } }
                    }
                }
                label { "Since "
                    input type="text" name="since" size="12" placeholder="2h, 3days or a date" value=[form.since.as_deref()];
                }
                button type="submit" { "Filter" }
            }
            @if events.is_empty() {
                p.empty { "No events match." }
            } @else {
                ol.events {
                    @for e in events { li.event { (event_row(e)) } }
                }
            }
            @if let Some(href) = older { p.more { a href=(href) { "Older events →" } } }
        },
    )
}

fn event_row(ev: &Event) -> Markup {
    let e = &ev.view;
    let kind = e.event.strip_prefix("article.").unwrap_or(&e.event);
    html! {
        span.when { (time(e.time)) }
        span.kinds {
            span class={ "kind kind-" (kind) } { (e.event) }
            @if let Some(s) = ev.significance() {
                " " span class={ "significance significance-" (s.as_str()) } title="How much the edit changed" { (s.as_str()) }
            }
        }
        span.what {
            // Life events carry no title: the article's number stands for it.
            (article_link(e.id, &e.title.clone().unwrap_or_else(|| format!("article {}", e.id))))
            @if let (Some(v), "article.edited") = (e.version, e.event.as_str()) {
                " " a.difflink href=(diff_href(e.id, v.saturating_sub(1).max(1), v)) { "version " (v) ": see the diff" }
            }
            @if let Some(alias) = &e.alias_of { " " span.note { "alias of " (alias) } }
            @if let (Some(reason), Some(status)) = (&e.reason, e.status) {
                " " span.note { "removed: " (reason) " (HTTP " (status) ")" }
            }
            @if let (Some(to), Some(to_id)) = (&e.to, e.to_id) {
                " " span.note { "now leads to " a href={ "/articles/" (to_id) } { "article " (to_id) } " (" (external(to)) ")" }
            }
        }
        span.where {
            @if let Some(f) = &e.feed { span.feed { (f) } " " }
            (external(&e.url))
        }
    }
}

/// `/articles`: search results, or the latest articles.
pub fn search(q: Option<&str>, articles: &[ArticleView]) -> Markup {
    layout(
        "Articles",
        html! {
            h1 { @if let Some(q) = q { "Articles matching “" (q) "”" } @else { "Latest articles" } }
            form.filters action="/articles" method="get" role="search" {
                label { "Title or URL " input type="search" name="q" value=[q] size="30"; }
                button type="submit" { "Search" }
            }
            @if articles.is_empty() {
                p.empty { "No article matches." }
            } @else {
                ol.articles {
                    @for a in articles {
                        li {
                            (article_link(a.id, &a.title))
                            span.meta { "first seen " (time(a.first_seen)) " · " (a.versions) " version" @if a.versions != 1 { "s" } }
                            (external(&a.url))
                        }
                    }
                }
            }
        },
    )
}

/// `/articles/{id}`: what we know of an article, and its versions.
pub fn article(a: &ArticleView, versions: &[VersionView]) -> Markup {
    layout(
        &a.title,
        html! {
            h1 { (a.title) }
            dl.facts {
                dt { "URL" } dd { (external(&a.url)) }
                @if !a.aliases.is_empty() {
                    dt { "Also at" } dd { ul.aliases { @for u in &a.aliases { li { (external(u)) } } } }
                }
                dt { "Feeds" } dd { (a.feeds.join(", ")) }
                dt { "First seen" } dd { (time(a.first_seen)) }
                dt { "Last changed" } dd { (time(a.last_changed)) }
                dt { "Last checked" } dd { (time(a.last_checked)) }
                @if let Some(p) = &a.published { dt { "Published" } dd { (p) } }
                @if let Some(r) = &a.removed {
                    dt { "State" } dd.state { "removed since " (time(r.since)) ": " (r.reason) " (HTTP " (r.status) ")" }
                }
                @if let Some(r) = &a.redirected {
                    dt { "State" } dd.state {
                        "redirected since " (time(r.since)) " to " a href={ "/articles/" (r.to_id) } { "article " (r.to_id) }
                        " (" (external(&r.to)) ")"
                    }
                }
                dt { "Id" } dd { (a.id) }
            }
            @if a.versions >= 2 {
                p { a.button href=(diff_href(a.id, a.versions - 1, a.versions)) { "What changed in the last edit" } }
            }
            h2 { "Versions" }
            table.versions {
                thead { tr { th { "#" } th { "Fetched" } th { "Title" } th { "Hash" } th { "" } } }
                tbody {
                    @for v in versions {
                        tr {
                            td { a href={ "/articles/" (a.id) "/versions/" (v.version) } { (v.version) } }
                            td { (time(v.fetched_at)) }
                            td {
                                (v.title)
                                @if v.baseline { " " span.note title="The extractor changed and the previous page was not kept: a new baseline, not an edit" { "(new baseline)" } }
                                @if v.reextracted_at.is_some() { " " span.note title="Extracted again from the kept page" { "(re-extracted)" } }
                            }
                            td { code title=(v.content_hash) { (v.content_hash.get(..12).unwrap_or(&v.content_hash)) } }
                            td {
                                a href={ "/articles/" (a.id) "/versions/" (v.version) } { "text" }
                                @if v.version > 1 { " · " a href=(diff_href(a.id, v.version - 1, v.version)) { "diff" } }
                            }
                        }
                    }
                }
            }
        },
    )
}

/// `/articles/{id}/versions/{n}`: the text of one version.
pub fn version(a: &ArticleView, v: &VersionView) -> Markup {
    layout(
        &v.title,
        html! {
            p.crumbs { a href={ "/articles/" (a.id) } { "← " (a.title) } }
            h1 { (v.title) }
            p.meta { "Version " (v.version) " of " (a.versions) ", fetched " (time(v.fetched_at)) " · " code { (v.content_hash) } }
            @if v.version > 1 { p { a href=(diff_href(a.id, v.version - 1, v.version)) { "Diff with version " (v.version - 1) } } }
            div.text { @for p in v.text.lines() { @if !p.trim().is_empty() { p { (p) } } } }
        },
    )
}

/// `/articles/{id}/diff`: two versions side by side (or inline), changed words in `<del>` and `<ins>`,
/// long unchanged stretches folded into `<details>` (opens without JavaScript).
pub fn diff(d: &DiffView, layout_: DiffLayout) -> Markup {
    let a = &d.article;
    let (from, to) = (d.from.version, d.to.version);
    let href = |view: &str| format!("/articles/{}/diff?from={from}&to={to}&view={view}", a.id);
    let (removed, added) = d.blocks.iter().fold((0, 0), |(r, ad), b| match b {
        Block::Change { old, new, .. } => (r + old.len(), ad + new.len()),
        Block::Same { .. } => (r, ad),
    });
    layout(
        &format!("Diff: {}", d.to.title),
        html! {
            p.crumbs { a href={ "/articles/" (a.id) } { "← " (a.title) } }
            h1 { "What changed" }
            p.meta {
                "Version " (from) " (" (time(d.from.fetched_at)) ") → version " (to) " (" (time(d.to.fetched_at)) ") · "
                span.removed { (removed) " removed" } " · " span.added { (added) " added" }
            }
            form.filters action={ "/articles/" (a.id) "/diff" } method="get" {
                label { "From " input type="number" name="from" min="1" max=(a.versions) value=(from); }
                label { "to " input type="number" name="to" min="1" max=(a.versions) value=(to); }
                input type="hidden" name="view" value=(if layout_ == DiffLayout::Inline { "inline" } else { "side" });
                button type="submit" { "Compare" }
                span.views {
                    a class=[(layout_ == DiffLayout::Side).then_some("current")] href=(href("side")) { "side by side" }
                    " · "
                    a class=[(layout_ == DiffLayout::Inline).then_some("current")] href=(href("inline")) { "inline" }
                }
            }
            @if removed + added == 0 {
                p.empty { "These versions have the same text." }
            } @else {
                div class={ "diff " (if layout_ == DiffLayout::Side { "side" } else { "inline" }) } {
                    @for (i, b) in d.blocks.iter().enumerate() {
                        @match b {
                            Block::Same { old_start, new_start, lines } => {
                                (same_block(*old_start, *new_start, lines, i == 0, i + 1 == d.blocks.len(), layout_))
                            }
                            Block::Change { old, new, paired } => { (change_block(old, new, *paired, layout_)) }
                        }
                    }
                }
            }
        },
    )
}

fn same_row(old_no: usize, new_no: usize, text: &str, layout_: DiffLayout) -> Markup {
    html! {
        @if layout_ == DiffLayout::Side {
            div.row.same {
                span.no { (old_no) } div.cell.old { (text) }
                span.no.dup { (new_no) } div.cell.new.dup { (text) }
            }
        } @else {
            div.row.same { span.no { (new_no) } div.cell { (text) } }
        }
    }
}

/// Unchanged lines: the `CONTEXT` lines next to a change stay in view, the rest folds.
fn same_block(old_start: usize, new_start: usize, lines: &[String], first: bool, last: bool, l: DiffLayout) -> Markup {
    let head = if first { 0 } else { CONTEXT.min(lines.len()) };
    let tail = if last { 0 } else { CONTEXT.min(lines.len() - head) };
    let fold = lines.len() - head - tail;
    let row = |i: usize| same_row(old_start + i, new_start + i, &lines[i], l);
    html! {
        @for i in 0..head { (row(i)) }
        @if fold > 0 {
            details.fold {
                summary { (fold) " unchanged line" @if fold != 1 { "s" } }
                @for i in head..head + fold { (row(i)) }
            }
        }
        @for i in head + fold..lines.len() { (row(i)) }
    }
}

/// A line's parts, the changed ones inside `tag` (`del` or `ins`).
fn parts(line: &Line, ins: bool) -> Markup {
    html! {
        @for p in &line.parts {
            @if !p.changed { (p.text) }
            @else if ins { ins { (p.text) } }
            @else { del { (p.text) } }
        }
    }
}

fn change_block(old: &[Line], new: &[Line], paired: bool, l: DiffLayout) -> Markup {
    html! {
        @if l == DiffLayout::Side && paired {
            @for (a, b) in old.iter().zip(new) {
                div.row.change {
                    span.no { (a.number) } div.cell.old { (parts(a, false)) }
                    span.no { (b.number) } div.cell.new { (parts(b, true)) }
                }
            }
        } @else if l == DiffLayout::Side {
            @for i in 0..old.len().max(new.len()) {
                div.row.change {
                    @if let Some(a) = old.get(i) { span.no { (a.number) } div.cell.old { (parts(a, false)) } }
                    @else { span.no {} div.cell.old.blank {} }
                    @if let Some(b) = new.get(i) { span.no { (b.number) } div.cell.new { (parts(b, true)) } }
                    @else { span.no {} div.cell.new.blank {} }
                }
            }
        } @else {
            @for a in old { div.row.removed { span.no { "−" (a.number) } div.cell { (parts(a, false)) } } }
            @for b in new { div.row.added { span.no { "+" (b.number) } div.cell { (parts(b, true)) } } }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::query::VersionInfo;

    fn view(old: &str, new: &str) -> DiffView {
        let t = DateTime::from_timestamp(1_700_000_000, 0).unwrap();
        let info = |version| VersionInfo { version, content_hash: "h".into(), fetched_at: t, title: "T".into() };
        let article = ArticleView {
            id: 7,
            url: "javascript:alert(1)".into(),
            aliases: vec![],
            feeds: vec!["f".into()],
            title: "<b>T</b>".into(),
            first_seen: t,
            last_checked: t,
            last_changed: t,
            versions: 2,
            content_hash: "h".into(),
            published: None,
            modified: None,
            lang: None,
            copies: vec![],
            fetched_from: None,
            next_recheck: None,
            state: "live".into(),
            removed: None,
            redirected: None,
        };
        DiffView { article, from: info(1), to: info(2), blocks: crate::diff::blocks(old, new) }
    }

    #[test]
    fn long_unchanged_stretches_fold_and_page_text_stays_text() {
        let old: Vec<String> = (1..=20).map(|i| format!("Đoạn {i} <script>x</script>")).collect();
        let mut new = old.clone();
        new[9] = "Đoạn 10 đã sửa <script>x</script>".into();
        let html = diff(&view(&old.join("\n"), &new.join("\n")), DiffLayout::Inline).into_string();
        // Lines 1-9: 6 fold, 3 stay next to the change; lines 11-20: 3 stay, 7 fold.
        assert_eq!(html.matches("<details class=\"fold\">").count(), 2);
        assert!(
            html.contains("<summary>6 unchanged lines</summary>")
                && html.contains("<summary>7 unchanged lines</summary>")
        );
        assert!(html.contains("<ins>đã sửa </ins>"), "{html}");
        assert!(!html.contains("<script>") && html.contains("&lt;script&gt;x&lt;/script&gt;"));
        assert!(html.contains("← &lt;b&gt;T&lt;/b&gt;"));
        let side = diff(&view(&old.join("\n"), &new.join("\n")), DiffLayout::Side).into_string();
        assert_eq!(side.matches("<div class=\"row change\">").count(), 1);
    }

    #[test]
    fn life_events_are_listed_with_what_happened() {
        let t = DateTime::from_timestamp(1_700_000_000, 0).unwrap();
        let mut removed = crate::store::EventRecord::draft("article.removed", 3, "https://a.example/3.html", t);
        (removed.seq, removed.status, removed.reason) = (7, Some(410), Some("gone".into()));
        let mut moved = crate::store::EventRecord::draft("article.redirected", 5, "https://a.example/5.html", t);
        (moved.seq, moved.to, moved.to_id) = (8, Some("https://a.example/4.html".into()), Some(4));
        let events =
            [moved, removed].iter().map(|r| Event { view: crate::view::EventView::from(r), change: None }).collect();
        let page = EventPage { events, older: None };
        let form = crate::web::EventsForm { feed: None, event: None, since: None, significance: None };
        let html = super::events(&page, &[], &form).into_string();
        assert!(html.contains("<span class=\"note\">removed: gone (HTTP 410)</span>"), "{html}");
        assert!(html.contains("now leads to <a href=\"/articles/4\">article 4</a>"), "{html}");
        assert!(html.contains(">article 3</a>") && html.contains(">article 5</a>"), "no title: the number: {html}");
        for name in ["article.removed", "article.restored", "article.redirected"] {
            assert!(html.contains(&format!("<option value=\"{name}\">")), "{name} in the filter");
        }
    }

    #[test]
    fn only_http_urls_become_links() {
        assert_eq!(external("javascript:alert(1)").into_string(), "<span class=\"url\">javascript:alert(1)</span>");
        assert_eq!(
            external("https://a.example/?q=\"x\"").into_string(),
            "<a class=\"url\" href=\"https://a.example/?q=&quot;x&quot;\" rel=\"noopener noreferrer nofollow\">https://a.example/?q=&quot;x&quot;</a>"
        );
    }
}
