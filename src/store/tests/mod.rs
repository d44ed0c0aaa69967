//! Store tests on a real sled store in a temporary directory.

use std::time::Duration;

use chrono::{DateTime, TimeZone, Utc};

use super::*;
use crate::extract::Article;
use crate::normalize::content_hash;

fn article(title: &str, text: &str, canonical: Option<&str>) -> Article {
    Article {
        title: title.into(),
        text: text.into(),
        canonical_url: canonical.map(str::to_string),
        published: None,
        modified: None,
        lang: Some("vi".into()),
        content_hash: content_hash(title, text),
    }
}

/// A text long enough to make two URLs one article by its hash (see `decide::SUBSTANTIAL_CHARS`).
fn long(seed: &str) -> String {
    (1..=6)
        .map(|i| format!("{seed}: câu thứ {i} của bài viết này đủ dài để là nội dung thật của một bài báo."))
        .collect::<Vec<_>>()
        .join("\n")
}

fn at(minute: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 27, 8, 0, 0).unwrap() + chrono::Duration::minutes(minute)
}

fn entry(url: &str) -> EntryRef {
    EntryRef { feed: "f".into(), key: url.into(), fingerprint: "fp".into(), link: url.into() }
}

/// A fresh page job for `url`, queued at minute `minute`, from feed "f".
fn job_record(url: &str, minute: i64) -> JobRecord {
    JobRecord {
        url: url.into(),
        feeds: vec!["f".into()],
        entries: vec![entry(url)],
        published: None,
        updated: None,
        queued_at: at(minute),
        attempts: 0,
        retry_at: None,
        not_before: None,
        last_error: None,
        no_article: None,
        own: None,
    }
}

fn schedule() -> Schedule {
    Schedule { offsets: vec![Duration::from_secs(900), Duration::from_secs(3600)], tail: vec![] }
}

fn obs(url: &str, a: Article, minute: i64) -> Observation {
    Observation {
        feeds: vec!["f".into()],
        fetched_url: url.into(),
        served_url: None,
        entries: vec![entry(url)],
        recheck_of: None,
        job: None,
        article: a,
        stamp: "1.test".into(),
        page: None,
        baseline: None,
        fetched_at: at(minute),
        feed_published: None,
        feed_updated: None,
        schedule: schedule(),
        flap_window: 0,
    }
}

fn open() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    (dir, store)
}

fn kinds(store: &Store) -> Vec<String> {
    store.events_after(0).map(|e| e.unwrap().event).collect()
}

#[test]
fn new_edit_revert_unchanged_and_duplicate() {
    let (_dir, store) = open();
    let url = "https://a.example/1.html";
    let (t1, t2) = (long("one"), long("one, corrected"));
    let v1 = article("T", &t1, Some(url));
    let v2 = article("T", &t2, Some(url));

    let o = store.observe(&obs(url, v1.clone(), 0)).unwrap();
    assert_eq!((o.kind, o.id), (Kind::New, 1));
    assert_eq!((o.events[0].seq, o.events[0].event.as_str(), o.events[0].id), (1, "article.new", 1));
    assert_eq!(o.events[0].content_hash.as_deref(), Some(v1.content_hash.as_str()));

    let o = store.observe(&obs(url, v1.clone(), 1)).unwrap();
    assert_eq!((o.kind, o.events.len()), (Kind::Unchanged, 0));

    let o = store.observe(&obs(url, v2.clone(), 2)).unwrap();
    assert_eq!(o.kind, Kind::Edited);
    assert_eq!((o.events[0].seq, o.events[0].version), (2, Some(2)));
    assert_eq!(o.events[0].previous_hash.as_deref(), Some(v1.content_hash.as_str()));

    // A revert to version 1's text is a new version too.
    let o = store.observe(&obs(url, v1.clone(), 3)).unwrap();
    assert_eq!((o.kind, o.events[0].version), (Kind::Edited, Some(3)));

    // The same text under another URL (a syndicated copy) is an alias, not a new article.
    let copy = "https://b.example/copy-1.html";
    let o = store.observe(&obs(copy, v1.clone(), 4)).unwrap();
    assert_eq!((o.kind, o.id), (Kind::Duplicate, 1));
    assert_eq!((o.events[0].url.as_str(), o.events[0].alias_of.as_deref()), (copy, Some(url)));

    let art = store.article(1).unwrap().unwrap();
    assert_eq!(art.versions, 3);
    assert_eq!(art.aliases, vec![copy.to_string()]);
    assert_eq!(store.article_id_for_url(copy).unwrap(), Some(1));
    let versions = store.versions(1).unwrap();
    assert_eq!(versions.iter().map(|v| v.text.as_str()).collect::<Vec<_>>(), [&t1, &t2, &t1]);
    assert!(versions.iter().all(|v| v.stamp.as_deref() == Some("1.test")));
    assert_eq!(kinds(&store), ["article.new", "article.edited", "article.edited", "article.duplicate"]);
    assert_eq!(store.article_count(), 1);
    assert_eq!(store.entry("f", copy).unwrap().unwrap().article_id, 1);
}

#[test]
fn a_new_canonical_url_for_a_known_item_link_is_an_alias_of_the_same_article() {
    let (_dir, store) = open();
    let v1 = article("T", "text", Some("https://a.example/old-slug-5.html"));
    store.observe(&obs("https://a.example/item-5", v1, 0)).unwrap();
    // The publisher changed the slug with the headline; the item link still leads to the same article.
    let v2 = article("T2", "text", Some("https://a.example/new-slug-5.html"));
    let o = store.observe(&obs("https://a.example/item-5", v2, 1)).unwrap();
    assert_eq!((o.kind, o.id), (Kind::Edited, 1));
    let art = store.article(1).unwrap().unwrap();
    assert_eq!(
        art.aliases,
        vec!["https://a.example/item-5".to_string(), "https://a.example/new-slug-5.html".to_string()]
    );
}

#[test]
fn front_page_and_section_canonicals_do_not_merge_articles() {
    let (_dir, store) = open();
    for (i, canonical) in
        ["https://a.example/", "https://a.example/the-gioi/", "https://a.example/?lang=vi"].iter().enumerate()
    {
        let url = format!("https://a.example/the-gioi/{i}.html");
        let o =
            store.observe(&obs(&url, article(&format!("A{i}"), &long(&format!("a{i}")), Some(canonical)), 0)).unwrap();
        assert_eq!((o.kind, o.id), (Kind::New, i as u64 + 1), "{canonical}");
        assert_eq!(store.article(o.id).unwrap().unwrap().url, url, "stored under its own URL");
    }
}

#[test]
fn rechecks_follow_the_schedule_and_collapse_missed_offsets() {
    let (_dir, store) = open();
    let url = "https://a.example/1.html";
    store.observe(&obs(url, article("T", "x", None), 0)).unwrap();
    assert_eq!(store.article(1).unwrap().unwrap().next_recheck, Some(at(15)));
    assert!(store.due_rechecks(at(14)).unwrap().is_empty());
    assert_eq!(store.due_rechecks(at(15)).unwrap(), vec![1]);
    // Checked at +50 min: the 15 min offset is done, the next is +60 min.
    store.observe(&obs(url, article("T", "x", None), 50)).unwrap();
    assert_eq!(store.article(1).unwrap().unwrap().next_recheck, Some(at(60)));
    assert!(store.due_rechecks(at(59)).unwrap().is_empty());
    // Checked after the last offset, with no tail: no more re-checks.
    store.observe(&obs(url, article("T", "x", None), 120)).unwrap();
    assert_eq!(store.article(1).unwrap().unwrap().next_recheck, None);
    assert!(store.due_rechecks(at(60 * 24 * 30)).unwrap().is_empty());
    // With a tail: every 2 hours until 6 hours after the last change.
    let mut o = obs(url, article("T", "x", None), 130);
    o.schedule.tail = vec![(Duration::from_secs(7200), Duration::from_secs(6 * 3600))];
    store.observe(&o).unwrap();
    assert_eq!(store.article(1).unwrap().unwrap().next_recheck, Some(at(250)));
}

#[test]
fn a_changed_schedule_replans_stored_articles_from_first_sight() {
    let (_dir, store) = open();
    store.observe(&obs("https://a.example/1.html", article("T", "x", None), 0)).unwrap();
    store.observe(&obs("https://a.example/2.html", article("U", "y", None), 10)).unwrap();
    assert_eq!(store.next_recheck_time().unwrap(), Some(at(15)));
    // The same schedule: nothing to do.
    assert_eq!(store.replan(|_| schedule()).unwrap(), 0);
    let longer = Schedule { offsets: vec![Duration::from_secs(3 * 3600)], tail: vec![] };
    assert_eq!(store.replan(|_| longer.clone()).unwrap(), 2);
    assert_eq!(store.article(1).unwrap().unwrap().next_recheck, Some(at(180)));
    assert_eq!(store.article(2).unwrap().unwrap().next_recheck, Some(at(190)));
    assert_eq!(store.due_rechecks(at(179)).unwrap(), Vec::<u64>::new(), "the old offsets are gone from the index");
    assert_eq!(store.replan(|_| longer.clone()).unwrap(), 0);
    // A forced re-check is due at once and survives a replan with the same schedule.
    store.force_recheck(2, at(20)).unwrap();
    assert_eq!(store.due_rechecks(at(20)).unwrap(), vec![2]);
    assert_eq!(store.replan(|_| longer.clone()).unwrap(), 0);
    assert_eq!(store.due_rechecks(at(20)).unwrap(), vec![2]);
}

fn reopen(path: &std::path::Path) -> Store {
    Store::open_waiting(path, Duration::from_secs(10)).unwrap()
}

#[test]
fn everything_survives_a_reopen() {
    let dir = tempfile::tempdir().unwrap();
    {
        let store = Store::open(dir.path()).unwrap();
        store.observe(&obs("https://a.example/1.html", article("T", "x", None), 0)).unwrap();
        store
            .put_feed_state(&FeedState { name: "f".into(), etag: Some("\"abc\"".into()), ..Default::default() })
            .unwrap();
    }
    // sled's background flusher releases the file lock a moment after the last handle is dropped.
    let store = reopen(dir.path());
    assert_eq!(store.article(1).unwrap().unwrap().title, "T");
    assert_eq!(store.feed_state("f").unwrap().unwrap().etag.as_deref(), Some("\"abc\""));
    assert_eq!(store.last_event_seq().unwrap(), 1);
    // Counters continue after a reopen.
    let o = store.observe(&obs("https://a.example/2.html", article("U", "y", None), 1)).unwrap();
    assert_eq!((o.kind, o.id, o.events[0].seq), (Kind::New, 2, 2));
}

#[test]
fn a_second_process_gets_a_clear_locked_error() {
    let dir = tempfile::tempdir().unwrap();
    let _held = Store::open(dir.path()).unwrap();
    // sled's lock is per process (fcntl), so a second open in-process succeeds; the CLI test covers the
    // cross-process case. Here we check the message wording.
    let e = StoreError::Locked { path: dir.path().to_path_buf() };
    assert!(e.to_string().contains("is in use by another process"));
}

fn export_lines(store: &Store) -> (u64, Vec<u8>) {
    let mut lines = Vec::new();
    let n = store
        .export(|r| {
            serde_json::to_writer(&mut lines, r)?;
            lines.push(b'\n');
            Ok(())
        })
        .unwrap();
    (n, lines)
}

#[test]
fn export_then_import_round_trips_and_rebuilds_the_indexes() {
    let (_a, source) = open();
    let url = "https://a.example/1.html";
    let mut first = obs(url, article("T", &long("one"), Some(url)), 0);
    first.page =
        Some(KeptPage { url: url.into(), content_type: Some("text/html".into()), body: b"<p>one</p>\xff".to_vec() });
    source.observe(&first).unwrap();
    source.observe(&obs(url, article("T", &long("one, edited"), Some(url)), 1)).unwrap();
    source.observe(&obs("https://a.example/2.html", article("U", &long("two"), None), 2)).unwrap();
    source.put_feed_state(&FeedState { name: "f".into(), etag: Some("\"e\"".into()), ..Default::default() }).unwrap();
    let job = JobRecord {
        attempts: 2,
        retry_at: Some(at(10)),
        last_error: Some("HTTP 503".into()),
        ..job_record("https://a.example/3.html", 3)
    };
    source
        .commit_poll(&PollCommit {
            state: source.feed_state("f").unwrap().unwrap(),
            links: vec![],
            jobs: vec![job.clone()],
        })
        .unwrap();
    let (n, lines) = export_lines(&source);
    // 1 feed + 2 articles + 3 versions + 1 page + 2 entries (one per item URL) + 1 job + 3 events
    assert_eq!(n, 13);

    let (_b, target) = open();
    let stats = target.import(&lines[..]).unwrap();
    assert_eq!(
        (stats.feeds, stats.articles, stats.versions, stats.pages, stats.entries, stats.jobs, stats.events),
        (1, 2, 3, 1, 2, 1, 3)
    );
    for id in [1, 2] {
        assert_eq!(target.article(id).unwrap(), source.article(id).unwrap());
        assert_eq!(target.versions(id).unwrap(), source.versions(id).unwrap());
    }
    assert_eq!(target.kept_page(1, 1).unwrap(), first.page);
    assert_eq!(target.jobs().unwrap(), vec![job]);
    let events = |s: &Store| s.events_after(0).map(|e| e.unwrap()).collect::<Vec<_>>();
    assert_eq!(events(&target), events(&source));
    assert_eq!(target.article_id_for_url(url).unwrap(), Some(1));
    assert!(target.unlogged_events().unwrap().is_empty(), "imported events were logged where they come from");
    // The rebuilt hash index still finds syndicated copies, and the counters go on.
    let o = target.observe(&obs("https://b.example/copy", article("U", &long("two"), None), 3)).unwrap();
    assert_eq!((o.kind, o.id, o.events[0].seq), (Kind::Duplicate, 2, 4));
    let mut third = obs("https://a.example/3.html", article("V", "three", None), 4);
    third.job = Some("https://a.example/3.html".into());
    let o = target.observe(&third).unwrap();
    assert_eq!((o.kind, o.id), (Kind::New, 3));
    assert!(target.jobs().unwrap().is_empty(), "the imported job left the queue with its observation");
    // Importing twice is refused: the store is no longer empty.
    assert!(target.import(&lines[..]).unwrap_err().to_string().contains("not empty"));
    // A damaged file is refused whole, naming the line.
    let (_c, other) = open();
    let err =
        other.import(&b"{\"type\":\"feed\",\"name\":\"x\",\"url\":\"u\",\"errors\":0}\n{broken\n"[..]).unwrap_err();
    assert!(err.to_string().contains("import line 2"), "{err}");
    let err =
        other.import(&b"{\"type\":\"page\",\"id\":1,\"version\":1,\"url\":\"u\",\"body\":\"%%%\"}\n"[..]).unwrap_err();
    assert!(err.to_string().contains("import line 1"), "{err}");
    assert_eq!(other.feed_states().unwrap().len(), 0);
}

#[test]
fn a_flap_window_silences_returns_to_recent_versions() {
    let (_dir, store) = open();
    let url = "https://a.example/1.html";
    let flap = |text: &str, minute: i64| {
        let mut o = obs(url, article("T", text, None), minute);
        o.flap_window = 2;
        o
    };
    store.observe(&flap("A", 0)).unwrap();
    assert_eq!(store.observe(&flap("B", 1)).unwrap().kind, Kind::Edited);
    // Back to A, which is within the last two versions: quiet.
    assert_eq!(store.observe(&flap("A", 2)).unwrap().kind, Kind::Unchanged);
    assert_eq!(store.observe(&flap("C", 3)).unwrap().kind, Kind::Edited);
    assert_eq!(store.article(1).unwrap().unwrap().versions, 3);
    // Without the window the same return is an edit (a revert).
    assert_eq!(store.observe(&obs(url, article("T", "B", None), 4)).unwrap().kind, Kind::Edited);
}

#[test]
fn every_stored_event_stays_unlogged_until_its_own_line_is_written() {
    let (dir, store) = open();
    for (i, u) in ["1", "2", "3"].iter().enumerate() {
        store.observe(&obs(&format!("https://a.example/{u}.html"), article(u, u, None), i as i64)).unwrap();
    }
    let seqs = |s: &Store| s.unlogged_events().unwrap().iter().map(|e| e.seq).collect::<Vec<_>>();
    assert_eq!(seqs(&store), [1, 2, 3]);
    // Page tasks finish in any order: event 3 logged first must not hide 1 and 2.
    store.mark_logged(3).unwrap();
    assert_eq!(seqs(&store), [1, 2]);
    store.mark_logged(1).unwrap();
    assert_eq!(seqs(&store), [2]);
    store.flush().unwrap();
    drop(store);
    let store = reopen(dir.path());
    assert_eq!(seqs(&store), [2], "the marks are durable");
}

#[test]
fn a_syndicated_copy_fetched_again_never_edits_the_original() {
    let (_dir, store) = open();
    let url = "https://a.example/1.html";
    let copy = "https://b.example/republished-1.html";
    let (first, corrected) = (long("first text"), long("corrected text"));
    store.observe(&obs(url, article("T", &first, None), 0)).unwrap();
    assert_eq!(store.observe(&obs(copy, article("T", &first, None), 1)).unwrap().kind, Kind::Duplicate);
    // The original is corrected; the copy still shows the old text.
    assert_eq!(store.observe(&obs(url, article("T", &corrected, None), 2)).unwrap().kind, Kind::Edited);
    assert_eq!(store.observe(&obs(copy, article("T", &first, None), 3)).unwrap().kind, Kind::Unchanged);
    let art = store.article(1).unwrap().unwrap();
    assert_eq!((art.versions, art.copies.clone()), (2, vec![copy.to_string()]));
    assert_eq!(art.fetched_from.as_deref(), Some(url), "re-checks keep following the original");
    // A new URL on the publisher's own host (a changed slug) is an alias that may carry edits.
    let moved = "https://a.example/1-new-slug.html";
    assert_eq!(store.observe(&obs(moved, article("T", &corrected, None), 4)).unwrap().kind, Kind::Duplicate);
    assert_eq!(store.observe(&obs(moved, article("T", &long("corrected again"), None), 5)).unwrap().kind, Kind::Edited);
}

#[test]
fn a_copy_on_another_host_whose_canonical_names_the_original_never_takes_its_place() {
    let (_dir, store) = open();
    let url = "https://a.example/1.html";
    store.observe(&obs(url, article("T", &long("original"), Some(url)), 0)).unwrap();
    // Another host's page names the original as canonical, with other text (an excerpt, a translation).
    let copy = "https://aggregator.example/a-1";
    let o = store.observe(&obs(copy, article("T", &long("an excerpt"), Some(url)), 1)).unwrap();
    assert_eq!((o.kind, o.id, o.events[0].event.as_str()), (Kind::Duplicate, 1, "article.duplicate"));
    let art = store.article(1).unwrap().unwrap();
    assert_eq!((art.versions, art.fetched_from.as_deref()), (1, Some(url)));
    assert_eq!(art.copies, vec![copy.to_string()]);
    assert_eq!(art.content_hash, content_hash("T", &long("original")));
    // Fetched again, still a copy: never an edit.
    assert_eq!(
        store.observe(&obs(copy, article("T", &long("another excerpt"), Some(url)), 2)).unwrap().kind,
        Kind::Unchanged
    );
}

#[test]
fn short_stubs_with_one_hash_stay_separate_articles() {
    let (_dir, store) = open();
    for (i, u) in ["a", "b", "c"].iter().enumerate() {
        let o = store
            .observe(&obs(
                &format!("https://a.example/{u}.html"),
                article("Đang cập nhật", "Nội dung đang được cập nhật.", None),
                i as i64,
            ))
            .unwrap();
        assert_eq!((o.kind, o.id), (Kind::New, i as u64 + 1));
    }
}

#[test]
fn removed_restored_and_redirected_through_rechecks() {
    let (_dir, store) = open();
    let (c, d) = ("https://a.example/c.html", "https://a.example/d.html");
    store.observe(&obs(c, article("C", &long("c"), None), 0)).unwrap();
    store.observe(&obs(d, article("D", &long("d"), None), 0)).unwrap();
    let s = schedule();
    let o = store.recheck_missed(1, &Miss::Missing { status: 404 }, at(15), &s, None).unwrap();
    assert_eq!((o.kind, o.events.len()), (Kind::Missed, 0));
    let o = store.recheck_missed(1, &Miss::Missing { status: 404 }, at(60), &s, None).unwrap();
    assert_eq!(o.kind, Kind::Removed);
    assert_eq!(
        (o.events[0].event.as_str(), o.events[0].status, o.events[0].reason.as_deref()),
        ("article.removed", Some(404), Some("not_found"))
    );
    let mut back = obs(c, article("C", &long("c"), None), 70);
    back.recheck_of = Some(1);
    back.entries.clear();
    let o = store.observe(&back).unwrap();
    assert_eq!((o.kind, o.events.len(), o.events[0].event.as_str()), (Kind::Unchanged, 1, "article.restored"));
    let o = store.recheck_missed(1, &Miss::RedirectedTo { to: d.into(), to_id: 2 }, at(80), &s, None).unwrap();
    assert_eq!((o.kind, o.events[0].to.as_deref(), o.events[0].to_id), (Kind::Redirected, Some(d), Some(2)));
    assert_eq!(
        kinds(&store),
        ["article.new", "article.new", "article.removed", "article.restored", "article.redirected"]
    );
    assert_eq!(store.article(1).unwrap().unwrap().versions, 1, "never an edit");
}

#[test]
fn a_version_extracted_under_another_stamp_is_extracted_again_before_comparing() {
    let (_dir, store) = open();
    let url = "https://a.example/1.html";
    let with_counter = format!("{}\nLượt xem: 120", long("body"));
    let mut first = obs(url, article("T", &with_counter, None), 0);
    first.stamp = "1.old-rules".into();
    first.page = Some(KeptPage { url: url.into(), content_type: None, body: b"<html>kept</html>".to_vec() });
    store.observe(&first).unwrap();
    // New noise rules drop the counter line: the same page now extracts without it.
    let clean = article("T", &long("body"), None);
    let Stored::KeptPage { id, version, page } =
        store.compared_with(None, &[url], "1.test", &clean.content_hash).unwrap()
    else {
        panic!("another stamp: the kept page, to extract again")
    };
    assert_eq!((id, version, page.body.as_slice()), (1, 1, &b"<html>kept</html>"[..]));
    // Under the same stamp the latest version is compared as it is: no kept page to extract again.
    let same = store.compared_with(None, &[url], "1.old-rules", &clean.content_hash).unwrap();
    assert_eq!(same, Stored::Version(store.version(1, 1).unwrap().unwrap()), "same stamp");
    let unchanged = store.compared_with(None, &[url], "1.test", &store.article(1).unwrap().unwrap().content_hash);
    assert_eq!(unchanged.unwrap(), Stored::Nothing, "same hash");
    let mut again = obs(url, clean.clone(), 20);
    again.baseline = Some(Baseline { id: 1, version: 1, article: clean.clone() });
    let o = store.observe(&again).unwrap();
    assert_eq!((o.kind, o.events.len()), (Kind::Unchanged, 0));
    let art = store.article(1).unwrap().unwrap();
    assert_eq!(
        (art.versions, art.content_hash.clone(), art.stamp.as_deref()),
        (1, clean.content_hash.clone(), Some("1.test"))
    );
    let v = store.version(1, 1).unwrap().unwrap();
    assert_eq!(
        (v.text.as_str(), v.stamp.as_deref(), v.reextracted_at),
        (clean.text.as_str(), Some("1.test"), Some(at(20)))
    );
    // Under the current stamp now: a real edit is an edit.
    let o = store.observe(&obs(url, article("T", &long("body, corrected"), None), 30)).unwrap();
    assert_eq!(o.kind, Kind::Edited);
    assert_eq!(o.events[0].previous_hash.as_deref(), Some(clean.content_hash.as_str()));
}

#[test]
fn rebaseline_rewrites_versions_in_place_unless_a_new_version_came_meanwhile() {
    let (_dir, store) = open();
    let url = "https://a.example/1.html";
    store.observe(&obs(url, article("T", "old", None), 0)).unwrap();
    let r = Rebaseline {
        id: 1,
        versions: 1,
        stamp: "2.new".into(),
        rewritten: vec![(1, article("T", "new", None))],
        at: at(5),
    };
    assert!(store.rebaseline(&r).unwrap());
    let art = store.article(1).unwrap().unwrap();
    assert_eq!((art.content_hash, art.stamp.as_deref()), (content_hash("T", "new"), Some("2.new")));
    assert_eq!(store.version(1, 1).unwrap().unwrap().text, "new");
    assert_eq!(kinds(&store), ["article.new"], "no event");
    store.observe(&obs(url, article("T", "newer", None), 10)).unwrap();
    assert!(!store.rebaseline(&r).unwrap(), "version 2 arrived meanwhile");
}

mod compat;
mod queue;

#[test]
fn a_page_is_compressed_before_the_transaction_only_when_it_will_be_kept() {
    let (_dir, store) = open();
    let url = "https://a.example/kept.html";
    let page = |body: &str| Some(KeptPage { url: url.into(), content_type: None, body: body.as_bytes().to_vec() });
    let mut first = obs(url, article("T", &long("one"), None), 0);
    first.page = page("<p>one</p>");
    let prepared = store.prepare(first.clone());
    assert!(prepared.encoded_page.is_some(), "a new article keeps its page");
    assert_eq!(store.observe_prepared(&prepared).unwrap().kind, Kind::New);

    // The same text again: its page is kept already, nothing is compressed, the kept page stays the first one.
    let mut same = first.clone();
    same.page = page("<p>one</p><!-- another nonce -->");
    same.fetched_at = at(20);
    let unchanged = store.prepare(same);
    assert_eq!(unchanged.encoded_page, None);

    // An edit stored between the guess and the transaction: the text of `unchanged` is now a change back
    // (flap window 0: an edit), and its page is compressed inside the transaction after all.
    let mut edit = obs(url, article("T", &long("two"), None), 10);
    edit.page = page("<p>two</p>");
    assert_eq!(store.observe(&edit).unwrap().kind, Kind::Edited);
    let o = store.observe_prepared(&unchanged).unwrap();
    assert_eq!((o.kind, store.article(1).unwrap().unwrap().versions), (Kind::Edited, 3));
    let kept = |v: u32| store.kept_page(1, v).unwrap().map(|p| String::from_utf8(p.body).unwrap());
    assert_eq!(
        (kept(1), kept(2), kept(3)),
        (
            Some("<p>one</p>".to_string()),
            Some("<p>two</p>".to_string()),
            Some("<p>one</p><!-- another nonce -->".to_string())
        )
    );
    let again = store.prepare(obs(url, article("T", &long("one"), None), 30));
    assert_eq!(again.encoded_page, None, "no page to keep");
}
