//! The durable page queue: what a poll commits, how a job backs off and gives up.

use super::*;

/// The page of the queue tests' jobs.
const PAGE: &str = "https://a.example/p.html";

#[test]
fn a_poll_commits_its_state_links_and_jobs_and_merges_them_into_pending_ones() {
    let (_dir, store) = open();
    store.observe(&obs("https://a.example/known.html", article("K", "k", None), 0)).unwrap();
    let job = |url: &str, fp: &str| JobRecord {
        entries: vec![EntryRef { fingerprint: fp.into(), ..entry(url) }],
        ..job_record(url, 1)
    };
    let state = FeedState { name: "f".into(), etag: Some("\"1\"".into()), ..Default::default() };
    let linked = EntryRef {
        feed: "g".into(),
        key: "k".into(),
        fingerprint: "x".into(),
        link: "https://a.example/known.html".into(),
    };
    store
        .commit_poll(&PollCommit {
            state: state.clone(),
            links: vec![(linked, 1)],
            jobs: vec![job("https://a.example/p.html", "1")],
        })
        .unwrap();
    assert_eq!(store.feed_state("f").unwrap().unwrap().etag.as_deref(), Some("\"1\""));
    assert_eq!(store.article(1).unwrap().unwrap().feeds, vec!["f".to_string(), "g".to_string()]);
    assert_eq!(store.entry("g", "k").unwrap().unwrap().article_id, 1);
    assert_eq!(store.due_jobs(at(1), false).unwrap().len(), 1);

    // It fails: retried after a minute; `once` (eager) does not wait, a Retry-After binds both.
    let pending = store.jobs().unwrap().remove(0);
    let next = after_failure(&pending, "HTTP 503", at(2), None);
    store.update_job("https://a.example/p.html", &next).unwrap();
    assert!(store.due_jobs(at(2), false).unwrap().is_empty());
    assert_eq!(store.due_jobs(at(2), true).unwrap().len(), 1);
    assert_eq!(store.due_jobs(at(3), false).unwrap().len(), 1);
    assert_eq!(store.next_job_time().unwrap(), Some(at(3)));
    // The feed lists it again unchanged: the backoff stays. Changed: due at once.
    store
        .commit_poll(&PollCommit {
            state: state.clone(),
            links: vec![],
            jobs: vec![job("https://a.example/p.html", "1")],
        })
        .unwrap();
    assert!(store.due_jobs(at(2), false).unwrap().is_empty());
    store.commit_poll(&PollCommit { state, links: vec![], jobs: vec![job("https://a.example/p.html", "2")] }).unwrap();
    let due = store.due_jobs(at(2), false).unwrap();
    assert_eq!((due.len(), due[0].attempts, due[0].entries[0].fingerprint.as_str()), (1, 1, "2"));

    // Stored: the job leaves the queue in the observation's transaction, and its entry is marked.
    let mut o = obs("https://a.example/p.html", article("P", "p", None), 5);
    o.job = Some("https://a.example/p.html".into());
    o.entries = due[0].entries.clone();
    assert_eq!(store.observe(&o).unwrap().kind, Kind::New);
    assert!(store.jobs().unwrap().is_empty());
    assert_eq!(store.entry("f", "https://a.example/p.html").unwrap().unwrap().fingerprint, "2");
}

#[test]
fn a_job_gives_up_after_its_attempts_and_a_refused_page_waits_for_its_next_recheck() {
    let (_dir, store) = open();
    let mut job = job_record(PAGE, 0);
    let mut delays = Vec::new();
    while let JobNext::Retry(next) = after_failure(&job, "HTTP 500", at(0), None) {
        delays.push((next.retry_at.unwrap() - at(0)).num_minutes());
        job = next;
    }
    assert_eq!(delays, [1, 2, 4, 8, 16, 32, 64, 128, 256]);
    assert_eq!(delays.len() as u32 + 1, MAX_PAGE_ATTEMPTS);
    // Retry-After is kept as a hard bound.
    let JobNext::Retry(j) = after_failure(&job_record(PAGE, 0), "HTTP 429", at(0), Some(at(90))) else { panic!() };
    assert!(!j.is_due(at(60), true) && j.is_due(at(90), true));

    // "No article": tried again at the next offset from the job's queueing, given up after the last.
    let s = schedule();
    let JobNext::Retry(j) = after_no_article(&job_record(PAGE, 0), "too_short", at(1), &s) else { panic!() };
    assert_eq!((j.retry_at, j.no_article.as_deref()), (Some(at(15)), Some("too_short")));
    assert!(!j.is_due(at(2), true), "once waits for the next re-check of a refused page");
    assert_eq!(after_no_article(&job_record(PAGE, 0), "too_short", at(61), &s), JobNext::GiveUp);

    // Given up: the job leaves, its entry is marked so that the feed listing it does not queue it again.
    store
        .commit_poll(&PollCommit {
            state: FeedState { name: "f".into(), ..Default::default() },
            links: vec![],
            jobs: vec![job_record(PAGE, 0)],
        })
        .unwrap();
    store.update_job("https://a.example/p.html", &JobNext::GiveUp).unwrap();
    assert!(store.jobs().unwrap().is_empty());
    let e = store.entry("f", "https://a.example/p.html").unwrap().unwrap();
    assert_eq!((e.article_id, e.fingerprint.as_str()), (0, "fp"));
}

/// An item without a link is a job like any other: its content waits in the queue with it, survives a restart,
/// takes the latest poll's content, and leaves the queue with its observation.
#[test]
fn a_linkless_item_waits_in_the_queue_with_its_own_content() {
    let dir = tempfile::tempdir().unwrap();
    let url = "https://a.example/rss#item=tb-1";
    let own = |text: &str| Some(Box::new(OwnContent { title: "Thông báo".into(), text: text.into() }));
    let job = |text: &str, fp: &str| JobRecord {
        own: own(text),
        entries: vec![EntryRef { fingerprint: fp.into(), ..entry(url) }],
        ..job_record(url, 0)
    };
    {
        let store = Store::open(dir.path()).unwrap();
        store.commit_poll(&PollCommit { jobs: vec![job("Hạn 15/12", "fp1")], ..Default::default() }).unwrap();
        // The next poll finds the item changed before its job ran.
        store.commit_poll(&PollCommit { jobs: vec![job("Hạn 20/12", "fp2")], ..Default::default() }).unwrap();
    }
    let store = reopen(dir.path());
    let jobs = store.jobs().unwrap();
    assert_eq!(jobs.len(), 1);
    assert_eq!(jobs[0].own, own("Hạn 20/12"));
    assert_eq!(jobs[0].entries[0].fingerprint, "fp2");
    let mut o = obs(url, article("Thông báo", "Hạn 20/12", None), 1);
    o.job = Some(url.into());
    o.entries = jobs[0].entries.clone();
    assert_eq!(store.observe(&o).unwrap().kind, Kind::New);
    assert!(store.jobs().unwrap().is_empty());
    assert_eq!(store.entry("f", url).unwrap().unwrap().fingerprint, "fp2");
}
