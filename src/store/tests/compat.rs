//! Stores written by older versions of presswatch open with everything in them.

use super::*;

#[test]
fn a_store_from_before_per_event_marks_keeps_its_unlogged_events() {
    let dir = tempfile::tempdir().unwrap();
    {
        let store = Store::open(dir.path()).unwrap();
        for (i, u) in ["1", "2", "3"].iter().enumerate() {
            store.observe(&obs(&format!("https://a.example/{u}.html"), article(u, u, None), i as i64)).unwrap();
        }
        // What an older presswatch wrote: no marks, one "logged up to" number.
        store.unlogged().clear().unwrap();
        store.meta().insert("logged_seq", &1u64.to_be_bytes()).unwrap();
        store.flush().unwrap();
    }
    let store = reopen(dir.path());
    assert_eq!(store.unlogged_events().unwrap().iter().map(|e| e.seq).collect::<Vec<_>>(), [2, 3]);
    assert!(store.meta().get("logged_seq").unwrap().is_none());
}

/// What a store written by presswatch before the durable queue holds, byte for byte as it wrote it: an article,
/// two events of which the first was logged (the old "logged up to" number), a sitemap source with its files'
/// validators, and a sink's delivery cursor. All of it opens, and nothing of it is lost.
#[test]
fn a_store_from_before_the_queue_keeps_its_sinks_sitemap_parts_articles_and_events() {
    let dir = tempfile::tempdir().unwrap();
    {
        let db = sled::open(dir.path()).unwrap();
        let t = |name: &str| db.open_tree(name).unwrap();
        t("articles").insert(1u64.to_be_bytes(), br#"{"id":1,"url":"https://a.example/1.html","aliases":["https://a.example/1.html"],"feeds":["sm"],"title":"T","first_seen":"2026-11-27T08:00:00Z","last_checked":"2026-11-27T08:00:00Z","last_changed":"2026-11-27T08:00:00Z","versions":1,"content_hash":"h1","fetched_from":"https://a.example/1.html","next_recheck":"2026-11-27T08:15:00Z"}"#.as_slice()).unwrap();
        t("urls").insert(b"https://a.example/1.html", &1u64.to_be_bytes()).unwrap();
        t("rechecks").insert(super::super::codec::recheck_key(at(15), 1), &[]).unwrap();
        let events = t("events");
        events.insert(1u64.to_be_bytes(), br#"{"seq":1,"time":"2026-11-27T08:00:00Z","event":"article.new","id":1,"url":"https://a.example/1.html","feed":"sm","title":"T","content_hash":"h1"}"#.as_slice()).unwrap();
        events.insert(2u64.to_be_bytes(), br#"{"seq":2,"time":"2026-11-27T08:01:00Z","event":"article.duplicate","id":1,"url":"https://b.example/1.html","alias_of":"https://a.example/1.html"}"#.as_slice()).unwrap();
        let meta = t("meta");
        meta.insert("event_seq", &2u64.to_be_bytes()).unwrap();
        meta.insert("article_id", &1u64.to_be_bytes()).unwrap();
        meta.insert("logged_seq", &1u64.to_be_bytes()).unwrap();
        t("feeds").insert("sm", br#"{"name":"sm","url":"https://a.example/sitemap.xml","last_fetch":"2026-11-27T08:00:00Z","last_status":200,"etag":"\"i\"","last_modified":null,"errors":0,"last_error":null,"next_due":"2026-11-27T08:10:00Z","items":1,"parts":[{"url":"https://a.example/sitemap.xml","parent":"","etag":"\"i\"","last_modified":null,"items":1,"index":true},{"url":"https://a.example/s1.xml","parent":"https://a.example/sitemap.xml","etag":null,"last_modified":"Fri, 27 Nov 2026 08:00:00 GMT","items":1,"index":false}]}"#.as_slice()).unwrap();
        t("sinks").insert("hook", br#"{"name":"hook","cursor":1,"delivered":1,"failures":2,"consecutive_failures":0,"dropped":0,"last_success":"2026-11-27T08:02:00Z","last_error":"HTTP 500 from http://127.0.0.1:9/hook","last_error_at":"2026-11-27T08:01:30Z"}"#.as_slice()).unwrap();
        db.flush().unwrap();
    }
    let store = reopen(dir.path());
    let sink = store.sink_state("hook").unwrap().unwrap();
    assert_eq!((sink.cursor, sink.delivered, sink.failures), (1, 1, 2));
    assert_eq!(store.init_sink("hook").unwrap().cursor, 1, "an existing cursor is kept, not moved to the end");
    assert_eq!(store.events_pending_after(sink.cursor).unwrap(), 1);
    let parts = store.feed_state("sm").unwrap().unwrap().parts;
    assert_eq!(parts.len(), 2);
    assert_eq!(
        (parts[0].index, parts[0].etag.as_deref(), parts[1].last_modified.as_deref()),
        (true, Some("\"i\""), Some("Fri, 27 Nov 2026 08:00:00 GMT"))
    );
    assert_eq!(store.unlogged_events().unwrap().iter().map(|e| e.seq).collect::<Vec<_>>(), [2]);
    let art = store.article(1).unwrap().unwrap();
    assert_eq!((art.state.clone(), art.stamp.clone(), art.plan.clone()), (ArticleState::Live, None, None));
    assert_eq!(store.due_rechecks(at(15)).unwrap(), vec![1], "its re-check is where it was");
    let events: Vec<EventRecord> = store.events_after(0).map(|e| e.unwrap()).collect();
    assert_eq!((events[1].event.as_str(), events[1].status, events[1].to_id), ("article.duplicate", None, None));
    assert!(store.jobs().unwrap().is_empty());
    // A poll after the upgrade keeps the parts it is given, and the sink's cursor is untouched by it.
    let mut state = store.feed_state("sm").unwrap().unwrap();
    state.errors = 0;
    store.commit_poll(&PollCommit { state, ..Default::default() }).unwrap();
    assert_eq!(store.feed_state("sm").unwrap().unwrap().parts, parts);
    assert_eq!(store.sink_state("hook").unwrap().unwrap(), sink);
}
