//! The rules of identity and change, on records built by hand: no store, no sled.

use std::time::Duration;

use chrono::{DateTime, TimeZone, Utc};

use super::*;
use crate::normalize::content_hash;

fn t(min: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 27, 8, 0, 0).unwrap() + chrono::Duration::minutes(min)
}

fn long_text(seed: &str) -> String {
    (1..=6)
        .map(|i| format!("{seed} câu thứ {i} của bài viết, đủ dài để là nội dung thật của một bài báo."))
        .collect::<Vec<_>>()
        .join("\n")
}

fn article(title: &str, text: &str, canonical: Option<&str>) -> Article {
    Article {
        title: title.into(),
        text: text.into(),
        canonical_url: canonical.map(str::to_string),
        published: None,
        modified: None,
        lang: None,
        content_hash: content_hash(title, text),
    }
}

fn record(id: u64, url: &str, a: &Article) -> ArticleRecord {
    ArticleRecord {
        id,
        url: url.into(),
        aliases: vec![],
        feeds: vec!["f".into()],
        title: a.title.clone(),
        first_seen: t(0),
        last_checked: t(0),
        last_changed: t(0),
        versions: 1,
        content_hash: a.content_hash.clone(),
        published: None,
        modified: None,
        lang: None,
        copies: vec![],
        fetched_from: Some(url.into()),
        next_recheck: None,
        plan: None,
        stamp: Some("1.x".into()),
        state: ArticleState::Live,
        misses: 0,
    }
}

fn obs(url: &str, a: Article) -> Observation {
    Observation {
        feeds: vec!["f".into()],
        fetched_url: url.into(),
        served_url: None,
        entries: vec![],
        recheck_of: None,
        job: None,
        article: a,
        stamp: "1.x".into(),
        page: None,
        baseline: None,
        fetched_at: t(30),
        feed_published: None,
        feed_updated: None,
        schedule: Schedule { offsets: vec![Duration::from_secs(900)], tail: vec![] },
        flap_window: 0,
    }
}

#[test]
fn the_schedule_runs_its_offsets_then_its_tail_then_stops() {
    let day = Duration::from_secs(86400);
    let s = Schedule {
        offsets: vec![Duration::from_secs(900), Duration::from_secs(3600)],
        tail: vec![(day, 7 * day), (7 * day, 60 * day)],
    };
    let first = t(0);
    let at = |d: i64| first + chrono::Duration::days(d);
    assert_eq!(s.next_after(first, first, first), Some(t(15)));
    assert_eq!(s.next_after(first, first, t(20)), Some(t(60)));
    assert_eq!(s.next_after(first, first, t(60)), Some(t(60) + chrono::Duration::days(1)));
    assert_eq!(s.next_after(first, first, at(6)), Some(at(7)));
    // From 7 days after the last change, weekly until 60 days after it.
    assert_eq!(s.next_after(first, first, at(7)), Some(at(14)));
    assert_eq!(s.next_after(first, first, at(56)), Some(at(63)));
    assert_eq!(s.next_after(first, first, at(60)), None);
    // A change restarts the tail from the change.
    assert_eq!(s.next_after(first, at(50), at(52)), Some(at(53)));
    assert_ne!(s.fingerprint(), Schedule { tail: vec![], ..s.clone() }.fingerprint());
}

#[test]
fn a_page_on_another_host_naming_a_stored_article_is_a_copy_and_never_its_content() {
    let text = long_text("Bản gốc");
    let original = article("T", &text, Some("https://a.vn/1.html"));
    let art = record(1, "https://a.vn/1.html", &original);
    let copy = article("T (copy)", &long_text("Bản sao khác"), Some("https://a.vn/1.html"));
    let o = obs("https://b.vn/copy-1.html", copy);
    let c = Candidates { by_canonical: Some(art.clone()), ..Default::default() };
    let id = identify(&c, &o);
    assert_eq!(id, Identity::Copy { of: art.clone(), new_url: true });
    let d = decide(id, &History::default(), &o);
    assert_eq!(d.kind, Kind::Duplicate);
    let stored = d.article.unwrap();
    assert_eq!(stored.content_hash, original.content_hash, "the copy's text is not the article's");
    assert_eq!(stored.fetched_from.as_deref(), Some("https://a.vn/1.html"), "re-checks still fetch the original");
    assert_eq!(stored.copies, vec!["https://b.vn/copy-1.html".to_string()]);
    assert!(d.version.is_none());
    assert_eq!(d.events[0].event, "article.duplicate");
}

#[test]
fn short_stubs_and_shared_canonicals_never_merge_two_articles() {
    let stub = article("Đang cập nhật", "Nội dung đang được cập nhật.", None);
    let art = record(1, "https://a.vn/1.html", &stub);
    let c = Candidates { by_hash: Some(art.clone()), ..Default::default() };
    let o = obs("https://a.vn/2.html", stub.clone());
    assert_eq!(identify(&c, &o), Identity::New { url: "https://a.vn/2.html".into(), index_canonical: true });
    // The same substantial text is one article.
    let full = article("T", &long_text("Một"), None);
    let c = Candidates { by_hash: Some(record(1, "https://a.vn/1.html", &full)), ..Default::default() };
    assert!(matches!(identify(&c, &obs("https://a.vn/3.html", full.clone())), Identity::Duplicate(_)));
    // A canonical URL another article holds, on a page with another headline and text: not that article.
    let other = article("Another story", &long_text("Hai"), Some("https://a.vn/news.html"));
    let c = Candidates { by_canonical: Some(record(1, "https://a.vn/news.html", &full)), ..Default::default() };
    assert_eq!(
        identify(&c, &obs("https://a.vn/4.html", other)),
        Identity::New { url: "https://a.vn/4.html".into(), index_canonical: false }
    );
}

#[test]
fn section_front_canonicals_are_not_identities() {
    assert!(!usable_canonical("https://a.vn/the-gioi/", "https://a.vn/the-gioi/bai-1.html"));
    assert!(!usable_canonical("https://a.vn/index.html", "https://a.vn/the-gioi/bai-1.html"));
    assert!(!usable_canonical("https://a.vn/?lang=vi", "https://a.vn/the-gioi/bai-1.html"));
    assert!(usable_canonical("https://a.vn/the-gioi/bai-1-slug.html", "https://a.vn/the-gioi/bai-1.html"));
    assert!(usable_canonical("https://a.vn/index.php?/news/123", "https://a.vn/index.php?/news/123&x=1"));
}

#[test]
fn a_recheck_that_lands_on_another_stored_article_is_a_redirect_not_an_edit() {
    let c_art = article("Story C", &long_text("C"), None);
    let d_art = article("Story D", &long_text("D"), Some("https://a.vn/d.html"));
    let c = record(3, "https://a.vn/c.html", &c_art);
    let d = record(4, "https://a.vn/d.html", &d_art);
    let mut o = obs("https://a.vn/c.html", d_art);
    o.recheck_of = Some(3);
    o.served_url = Some("https://a.vn/d.html".into());
    let cands = Candidates {
        rechecked: Some(c.clone()),
        by_served: Some(d.clone()),
        by_canonical: Some(d.clone()),
        ..Default::default()
    };
    let dec = decide(identify(&cands, &o), &History::default(), &o);
    assert_eq!(dec.kind, Kind::Redirected);
    let stored = dec.article.unwrap();
    assert_eq!(stored.content_hash, c.content_hash);
    assert_eq!(stored.state, ArticleState::Redirected { to: "https://a.vn/d.html".into(), to_id: 4, since: t(30) });
    assert_eq!(dec.events.len(), 1);
    assert_eq!((dec.events[0].event.as_str(), dec.events[0].to_id), ("article.redirected", Some(4)));
    assert!(dec.version.is_none());
    // The same redirect again: no second event.
    let mut o2 = o.clone();
    o2.fetched_at = t(60);
    let cands = Candidates { rechecked: Some(stored), by_served: Some(d), ..Default::default() };
    assert!(decide(identify(&cands, &o2), &History::default(), &o2).events.is_empty());
}

#[test]
fn misses_remove_an_article_after_two_in_a_row_and_its_return_restores_it() {
    let a = article("T", &long_text("T"), None);
    let art = record(1, "https://a.vn/1.html", &a);
    let s = Schedule { offsets: vec![Duration::from_secs(3600), Duration::from_secs(7200)], tail: vec![] };
    let (art1, kind, ev) = decide_miss(&art, &Miss::Missing { status: 404 }, None, t(30), &s, None);
    assert_eq!((kind, ev.len(), art1.misses), (Kind::Missed, 0, 1));
    assert_eq!(art1.next_recheck, Some(t(60)), "a failed re-check is not backed off: the next offset");
    // A transient failure neither counts nor resets.
    let (art2, _, ev) = decide_miss(&art1, &Miss::Failed, None, t(40), &s, None);
    assert_eq!((ev.len(), art2.misses), (0, 1));
    let (art3, kind, ev) = decide_miss(&art2, &Miss::Missing { status: 410 }, None, t(60), &s, None);
    assert_eq!(kind, Kind::Removed);
    assert_eq!(ev.len(), 1);
    assert_eq!((ev[0].status, ev[0].reason.as_deref()), (Some(410), Some("gone")));
    assert_eq!(art3.next_recheck, Some(t(120)), "a removed article stays on its schedule");
    let (_, kind, ev) = decide_miss(&art3, &Miss::Missing { status: 404 }, None, t(70), &s, None);
    assert_eq!((kind, ev.len()), (Kind::Missed, 0), "removed once");
    // Back, with the same text: restored, not edited.
    let mut o = obs("https://a.vn/1.html", a.clone());
    o.recheck_of = Some(1);
    let cands = Candidates { rechecked: Some(art3), ..Default::default() };
    let d = decide(identify(&cands, &o), &History::default(), &o);
    assert_eq!(d.kind, Kind::Unchanged);
    assert_eq!(d.events.iter().map(|e| e.event.as_str()).collect::<Vec<_>>(), ["article.restored"]);
    assert_eq!(d.article.unwrap().state, ArticleState::Live);
    // A redirect to the front page removes at once; Retry-After pushes the next re-check later.
    let (_, kind, ev) = decide_miss(&art, &Miss::FrontPage { status: 301 }, None, t(30), &s, Some(t(100)));
    assert_eq!((kind, ev[0].reason.as_deref(), ev[0].status), (Kind::Removed, Some("front_page"), Some(301)));
    let (a4, _, _) = decide_miss(&art, &Miss::Failed, None, t(30), &s, Some(t(100)));
    assert_eq!(a4.next_recheck, Some(t(100)));
}

#[test]
fn a_stale_stamp_compares_against_the_kept_page_extracted_again() {
    let old = article("T", &format!("{}\nLượt xem: 10", long_text("A")), None);
    let mut art = record(1, "https://a.vn/1.html", &old);
    art.stamp = Some("1.old".into());
    let latest = VersionRecord {
        version: 1,
        content_hash: old.content_hash.clone(),
        fetched_at: t(0),
        title: old.title.clone(),
        text: old.text.clone(),
        stamp: Some("1.old".into()),
        reextracted_at: None,
        baseline: false,
    };
    let history = History { latest: Some(latest), latest_has_page: true, previous_hashes: vec![] };
    let now_rules = article("T", &long_text("A"), None);
    let mut o = obs("https://a.vn/1.html", now_rules.clone());
    o.baseline = Some(Baseline { id: 1, version: 1, article: now_rules.clone() });
    let c = Candidates { by_fetched: Some(art.clone()), ..Default::default() };
    let d = decide(identify(&c, &o), &history, &o);
    assert_eq!(d.kind, Kind::Unchanged);
    assert!(d.events.is_empty());
    let rewritten = d.rewritten.unwrap();
    assert_eq!(
        (rewritten.content_hash.as_str(), rewritten.stamp.as_deref()),
        (now_rules.content_hash.as_str(), Some("1.x"))
    );
    assert_eq!(d.article.unwrap().stamp.as_deref(), Some("1.x"));
    // A real edit at the same time is still an edit, against the re-extracted text.
    let edited = article("T", &long_text("B"), None);
    let mut o = obs("https://a.vn/1.html", edited.clone());
    o.baseline = Some(Baseline { id: 1, version: 1, article: now_rules.clone() });
    let d = decide(identify(&c, &o), &history, &o);
    assert_eq!(d.kind, Kind::Edited);
    assert_eq!(d.events[0].previous_hash.as_deref(), Some(now_rules.content_hash.as_str()));
    // No kept page: a new baseline version, no event.
    let o = obs("https://a.vn/1.html", now_rules);
    let d = decide(identify(&c, &o), &History { latest_has_page: false, ..history }, &o);
    assert_eq!(d.kind, Kind::Rebaselined);
    assert!(d.events.is_empty());
    assert!(d.version.unwrap().baseline);
}

#[test]
fn a_feed_items_own_text_is_compared_as_it_is_whatever_the_stamp() {
    let url = "https://a.vn/rss#item=tb-1";
    let old = article("Thông báo", "Hạn nộp hồ sơ: 15/12.", None);
    let mut art = record(1, url, &old);
    // Stored before stamps existed: the feed's text was not extracted, so there is nothing to read again.
    art.stamp = None;
    let history = History { latest: None, latest_has_page: false, previous_hashes: vec![] };
    let mut o = obs(url, article("Thông báo", "Hạn nộp hồ sơ: 20/12.", None));
    o.stamp = FEED_TEXT_STAMP.into();
    let c = Candidates { by_fetched: Some(art), ..Default::default() };
    let d = decide(identify(&c, &o), &history, &o);
    assert_eq!(d.kind, Kind::Edited, "an edit, not a new baseline");
    assert_eq!(d.events.len(), 1);
    assert!(!d.version.as_ref().unwrap().baseline);
    assert_eq!(d.article.unwrap().stamp.as_deref(), Some(FEED_TEXT_STAMP));
}
