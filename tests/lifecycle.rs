//! An article's life after its first sighting, on a fixture site: pages that answer 404 twice, 410 twice, a
//! redirect to another article, a redirect to the front page, then come back; a GUID reused for another link;
//! a page published before it is filled in; a server's Retry-After on a page. Re-checks are forced with
//! `presswatch recheck`, so no test waits for a schedule.

mod common;

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::raw::article_page;
use common::{n, s, FeedSpec, Resp, Server, TestEnv};
use serde_json::Value;

fn rss(server: &Server, items: &[(&str, &str)]) -> String {
    let items: String = items
        .iter()
        .map(|(guid, path)| {
            format!(
                "<item><title>{guid}</title><link>{}</link><guid isPermaLink=\"false\">{guid}</guid></item>",
                server.url(path)
            )
        })
        .collect();
    format!("<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>t</title>{items}</channel></rss>")
}

fn page(n: u32) -> String {
    article_page(&format!("Bài số {n}"), &format!("Nội dung riêng của bài số {n}, không giống bài nào khác."))
}

/// Every stored event as (kind, article id, extra fields), in `seq` order.
fn stored(env: &TestEnv) -> Vec<Value> {
    env.query(&["events"])
}

fn recheck_all(env: &TestEnv, ids: &[u64]) {
    for id in ids {
        let r = env.run(&["recheck", &id.to_string()]);
        assert_eq!(r.code, 0, "{}", r.stderr);
        assert!(r.stdout.starts_with(&format!("article {id} is re-checked at the next pass")), "{}", r.stdout);
    }
}

/// The events a pass logged, as sorted `(event, id, detail)` triples.
fn logged(run: &common::Run) -> Vec<(String, u64, String)> {
    let mut out: Vec<(String, u64, String)> = run
        .json_lines()
        .into_iter()
        .filter(|v| v["event"].as_str().is_some_and(|e| e.starts_with("article.")))
        .map(|v| {
            let detail = match s(&v["event"]) {
                "article.removed" => format!("{} {}", v["status"], s(&v["reason"])),
                "article.redirected" => format!("{} {}", s(&v["to"]), v["to_id"]),
                _ => String::new(),
            };
            (s(&v["event"]).to_string(), n(&v["id"]), detail)
        })
        .collect();
    out.sort();
    out
}

#[test]
fn removed_redirected_and_restored_articles_are_reported_and_never_edited() {
    let server = Server::start();
    // What each page answers this round: 0 its article, else a status (301 to its target).
    let modes: Arc<Mutex<BTreeMap<u32, u16>>> = Arc::new(Mutex::new(BTreeMap::new()));
    let base = server.url("");
    for i in 1..=6u32 {
        let modes = modes.clone();
        let base = base.clone();
        server.route_fn(&format!("/a/{i}.html"), move |_, _| {
            match modes.lock().unwrap().get(&i).copied().unwrap_or(0) {
                0 => Resp::html(page(i)),
                301 if i == 3 => Resp::redirect(301, &format!("{base}/a/4.html")),
                301 => Resp::redirect(301, &format!("{base}/")),
                status => Resp::status(status),
            }
        });
    }
    server.route("/", Resp::html("<html><body><h1>Trang chủ</h1><a href=\"/a/1.html\">1</a></body></html>"));
    let items: Vec<(String, String)> = (1..=6).map(|i| (format!("g{i}"), format!("/a/{i}.html"))).collect();
    let refs: Vec<(&str, &str)> = items.iter().map(|(g, p)| (g.as_str(), p.as_str())).collect();
    server.route("/rss", Resp::new("application/rss+xml", rss(&server, &refs)).etag("\"v1\""));
    // A sink with the default filter (`article.*`): the life events are delivered like any other.
    let dir = tempfile::tempdir().unwrap();
    let delivered = dir.path().join("sink.jsonl");
    let sink = format!(
        "[[sink]]\nname = \"desk\"\nkind = \"exec\"\ncommand = [\"sh\", \"-c\", \"cat >> '{}'\"]\n",
        delivered.display()
    );
    let env = TestEnv::new(&[FeedSpec::new("site", &server.url("/rss")).recheck(&["1h"])], &sink);

    let run = env.once();
    assert_eq!(run.events("article.new").len(), 6, "{}", run.stdout);
    let ids: BTreeMap<u32, u64> =
        (1..=6).map(|i| (i, n(&env.show(&server.url(&format!("/a/{i}.html")))["id"]))).collect();
    let all: Vec<u64> = ids.values().copied().collect();
    let url = |i: u32| server.url(&format!("/a/{i}.html"));

    // Round 1: the first misses; a redirect to another article and one to the front page count at once.
    modes.lock().unwrap().extend([(1, 404), (2, 410), (3, 301), (5, 301), (6, 404)]);
    recheck_all(&env, &all);
    let run = env.once();
    assert_eq!(
        logged(&run),
        [
            ("article.redirected".to_string(), ids[&3], format!("{} {}", url(4), ids[&4])),
            ("article.removed".to_string(), ids[&5], "301 front_page".to_string()),
        ],
        "{}",
        run.stdout
    );
    let page_errors: Vec<String> = run.events("page.error").iter().map(|e| s(&e["url"]).to_string()).collect();
    assert_eq!(page_errors.len(), 3, "404, 410, 404 are page errors: {page_errors:?}");

    // Round 2: the second misses remove 1 and 2; 3 and 5 say nothing new; 6 is back before it was removed.
    modes.lock().unwrap().remove(&6);
    recheck_all(&env, &all);
    let run = env.once();
    let mut expected = vec![
        ("article.removed".to_string(), ids[&1], "404 not_found".to_string()),
        ("article.removed".to_string(), ids[&2], "410 gone".to_string()),
    ];
    expected.sort();
    assert_eq!(logged(&run), expected, "{}", run.stdout);
    let shown = env.show(&ids[&1].to_string());
    assert_eq!((shown["state"].clone(), shown["removed"]["reason"].clone()), ("removed".into(), "not_found".into()));
    assert!(shown["next_recheck"].is_string(), "a removed article stays on its schedule");
    assert_eq!(env.show(&ids[&3].to_string())["redirected"]["to_id"], ids[&4]);

    // Round 3: every page is back with its old text: restored, and no edit.
    modes.lock().unwrap().clear();
    recheck_all(&env, &all);
    let run = env.once();
    let mut restored: Vec<(String, u64, String)> =
        [1, 2, 3, 5].iter().map(|i| ("article.restored".to_string(), ids[i], String::new())).collect();
    restored.sort();
    assert_eq!(logged(&run), restored, "{}", run.stdout);

    // The whole life, as stored: exactly these events, and not one article.edited.
    let events = stored(&env);
    let count = |kind: &str| events.iter().filter(|e| e["event"] == kind).count();
    assert_eq!(
        (count("article.new"), count("article.removed"), count("article.redirected"), count("article.restored")),
        (6, 3, 1, 4)
    );
    assert_eq!(events.len(), 14);
    assert_eq!(count("article.edited"), 0);
    let removed: Vec<&Value> = events.iter().filter(|e| e["event"] == "article.removed").collect();
    for e in removed {
        for field in ["id", "url", "status", "reason"] {
            assert!(!e[field].is_null(), "{field} in {e}");
        }
    }
    for art in env.query(&["articles"]) {
        assert_eq!((art["versions"].clone(), art["state"].clone()), (1.into(), "live".into()), "{art}");
    }
    // The sink got every one of them, in order, as `events --json` prints them, with the feed they belong to.
    let bodies: Vec<Value> = std::fs::read_to_string(&delivered)
        .unwrap()
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(bodies, events, "the sink's bodies are the stored events as printed");
    assert!(bodies.iter().all(|b| b["feed"] == "site"), "{bodies:?}");
    let redirected = bodies.iter().find(|b| b["event"] == "article.redirected").unwrap();
    assert_eq!((s(&redirected["to"]), n(&redirected["to_id"])), (url(4).as_str(), ids[&4]));
    // And `events` prints each with what happened.
    let plain = env.run(&["events"]).stdout;
    assert!(plain.contains(&format!("article.removed    {:>5}  not_found (HTTP 404)", ids[&1])), "{plain}");
    assert!(
        plain.contains(&format!("article.redirected  {:>5}  to article {}  {}", ids[&3], ids[&4], url(4))),
        "{plain}"
    );
    assert_eq!(plain.matches("article.restored").count(), 4, "{plain}");
    // Each page was fetched once per round, and the redirect targets only when they were asked for.
    assert_eq!(server.count("/a/1.html"), 4);
    assert_eq!(server.count("/a/4.html"), 4 + 2, "article 4's own fetches, and article 3's redirect in rounds 1 and 2");
}

#[test]
fn a_guid_reused_for_another_link_is_a_new_article() {
    let server = Server::start();
    server.route("/g/1.html", Resp::html(page(1)));
    server.route("/g/2.html", Resp::html(page(2)));
    server.route("/rss", Resp::new("application/rss+xml", rss(&server, &[("g1", "/g/1.html")])).etag("\"v1\""));
    let env = TestEnv::new(&[FeedSpec::new("site", &server.url("/rss"))], "");
    env.once();
    // The CMS hands the same GUID to another story.
    server.route("/rss", Resp::new("application/rss+xml", rss(&server, &[("g1", "/g/2.html")])).etag("\"v2\""));
    let run = env.once();
    let new = run.events("article.new");
    assert_eq!((new.len(), run.events("article.edited").len()), (1, 0), "{}", run.stdout);
    assert_eq!((n(&new[0]["id"]), s(&new[0]["url"])), (2, server.url("/g/2.html").as_str()));
    assert_eq!(env.show("1")["versions"], 1);
    assert_eq!(s(&env.show("1")["title"]), "Bài số 1");
}

#[test]
fn a_page_published_before_it_is_filled_in_is_stored_at_its_next_recheck() {
    let server = Server::start();
    let filled = Arc::new(Mutex::new(false));
    let f = filled.clone();
    server.route_fn("/n/1.html", move |_, _| {
        if *f.lock().unwrap() {
            Resp::html(page(7))
        } else {
            Resp::html("<html><head><title>Đang cập nhật</title></head><body><p>Đang cập nhật</p></body></html>")
        }
    });
    server.route("/rss", Resp::new("application/rss+xml", rss(&server, &[("n1", "/n/1.html")])).etag("\"v1\""));
    let env = TestEnv::new(&[FeedSpec::new("site", &server.url("/rss")).recheck(&["2s"])], "");
    let run = env.once();
    let refused = run.events("page.no_article");
    assert_eq!(refused.len(), 1, "{}", run.stdout);
    assert!(!s(&refused[0]["rule"]).is_empty(), "the rule that refused it is logged: {}", refused[0]);
    assert_eq!(s(&refused[0]["url"]), server.url("/n/1.html"));
    // Not before its next re-check offset, even for `once`.
    env.once();
    assert_eq!(server.count("/n/1.html"), 1);
    assert_eq!(env.query(&["feeds"])[0]["queued"], 1);
    *filled.lock().unwrap() = true;
    std::thread::sleep(Duration::from_millis(2100));
    let run = env.once();
    assert_eq!(run.events("article.new").len(), 1, "the feed answers 304, the queue remembers: {}", run.stdout);
    assert_eq!(server.count("/n/1.html"), 2);
    assert_eq!(s(&env.show(&server.url("/n/1.html"))["title"]), "Bài số 7");
    assert_eq!(env.query(&["feeds"])[0]["queued"], 0);
}

#[test]
fn a_pages_retry_after_is_honoured_and_capped() {
    let server = Server::start();
    server.route_fn("/r/1.html", |_, k| {
        if k == 0 {
            Resp::status(503).header("Retry-After", "3600")
        } else {
            Resp::html(page(8))
        }
    });
    server.route_fn("/r/2.html", |_, k| {
        if k == 0 {
            // Centuries out, in more digits than any integer holds.
            Resp::status(429).header("Retry-After", "99999999999999999999999999999")
        } else {
            Resp::html(page(9))
        }
    });
    let items = [("r1", "/r/1.html"), ("r2", "/r/2.html")];
    server.route("/rss", Resp::new("application/rss+xml", rss(&server, &items)).etag("\"v1\""));
    let env = TestEnv::new(&[FeedSpec::new("site", &server.url("/rss"))], "");
    let run = env.once();
    assert_eq!(run.events("page.error").len(), 2, "{}", run.stdout);
    // `once` retries a failed page at once, but never before the server's Retry-After.
    let run = env.once();
    assert_eq!((server.count("/r/1.html"), server.count("/r/2.html")), (1, 1), "{}", run.stdout);

    // With `max_retry_after = "1s"` both are cut to a second.
    let capped = TestEnv::new(&[FeedSpec::new("site", &server.url("/rss"))], "");
    let text = std::fs::read_to_string(&capped.config)
        .unwrap()
        .replace("[crawler]\n", "[crawler]\nmax_retry_after = \"1s\"\n");
    std::fs::write(&capped.config, text).unwrap();
    server.route_fn("/r/1.html", |_, k| {
        if k < 2 {
            Resp::status(503).header("Retry-After", "3600")
        } else {
            Resp::html(page(8))
        }
    });
    server.route_fn("/r/2.html", |_, k| {
        if k < 2 {
            Resp::status(429).header("Retry-After", "Fri, 31 Dec 9999 23:59:59 GMT")
        } else {
            Resp::html(page(9))
        }
    });
    let run = capped.once();
    assert_eq!(run.events("page.error").len(), 2, "{}", run.stdout);
    std::thread::sleep(Duration::from_millis(1100));
    let run = capped.once();
    assert_eq!(run.events("article.new").len(), 2, "{}", run.stdout);
}
