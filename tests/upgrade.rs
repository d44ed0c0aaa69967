//! Upgrades must not report false edits: a store written under other extraction rules (here: other noise
//! rules, which change the stamp exactly as a new extractor version does), re-checked under the current ones,
//! reports only the pages that really changed; `reextract` re-baselines without events; without kept pages
//! the new text is a silent baseline.

mod common;

use std::time::{Duration, Instant};

use common::{n, s, FeedSpec, Resp, Server, TestEnv};
use serde_json::Value;

const CODE_LINE: &str = "Mã tin: TS-0042, bản tin do ban thời sự biên tập và phát hành trong ngày.";

fn page(title: &str, sentence: &str) -> String {
    let paras: String = (1..=4)
        .map(|i| format!("<p>{sentence} Đoạn {i} của bài viết có đủ chữ để được coi là nội dung chính.</p>"))
        .collect();
    format!(
        "<html><head><meta charset=\"utf-8\"><title>{title}</title></head><body><article><h1>{title}</h1>{paras}<p>{CODE_LINE}</p></article></body></html>"
    )
}

struct Site {
    server: Server,
}

impl Site {
    fn start() -> Site {
        let server = Server::start();
        server.route("/u/1.html", Resp::html(page("Bài một", "Câu của bài một.")));
        server.route("/u/2.html", Resp::html(page("Bài hai", "Câu của bài hai.")));
        let items: String = [1, 2]
            .iter()
            .map(|i| format!("<item><title>{i}</title><link>{}</link></item>", server.url(&format!("/u/{i}.html"))))
            .collect();
        let rss = format!("<rss version=\"2.0\"><channel><title>t</title>{items}</channel></rss>");
        server.route("/rss", Resp::new("application/rss+xml", rss).etag("\"1\""));
        Site { server }
    }
}

/// The site's config, with the code line either kept or ignored, and `extra` keys for the feed.
fn configure(env: &TestEnv, ignore: bool, extra: &str) {
    let text = std::fs::read_to_string(&env.config).unwrap();
    let base = text.split("# rules\n").next().unwrap().to_string();
    let rules = if ignore { "ignore_lines = [\"^Mã tin:\"]\n" } else { "" };
    std::fs::write(&env.config, format!("{base}# rules\n{rules}{extra}")).unwrap();
}

fn env_for(site: &Site, extra: &str) -> TestEnv {
    let env = TestEnv::new(&[FeedSpec::new("site", &site.server.url("/rss")).recheck(&["1h"])], "");
    // The feed's table is last in the file: keys appended after the marker belong to it.
    configure(&env, false, extra);
    env
}

fn text_of(env: &TestEnv, id: &str) -> String {
    s(&env.show(id)["text"]).to_string()
}

#[test]
fn new_noise_rules_are_no_edit_and_a_real_edit_made_at_the_same_time_still_is() {
    let site = Site::start();
    let env = env_for(&site, "");
    let first = env.once().events("article.new");
    assert_eq!(first.len(), 2);
    // Pages are fetched side by side: ids follow the order they were stored in, so look them up by URL.
    let id_of = |path: &str| {
        let url = site.server.url(path);
        let e = first.iter().find(|e| s(&e["url"]) == url).unwrap_or_else(|| panic!("no new event for {url}"));
        n(&e["id"]).to_string()
    };
    let (id1, id2) = (id_of("/u/1.html"), id_of("/u/2.html"));
    assert!(text_of(&env, &id1).ends_with(CODE_LINE), "the old rules keep the line:\n{}", text_of(&env, &id1));
    let old_hash = s(&env.show(&id2)["content_hash"]).to_string();

    // The rules change (as an upgrade of the extractor would), and article 2 is really edited meanwhile.
    configure(&env, true, "");
    site.server.route("/u/2.html", Resp::html(page("Bài hai", "Câu đã sửa của bài hai.")));
    for id in [&id1, &id2] {
        assert_eq!(env.run(&["recheck", id]).code, 0);
    }
    let run = env.once();
    let edited = run.events("article.edited");
    assert_eq!(edited.len(), 1, "{}", run.stdout);
    assert_eq!(n(&edited[0]["id"]).to_string(), id2, "{}", run.stdout);
    assert_eq!(env.query(&["events"]).len(), 3, "2 new, 1 edited, nothing else");
    // Article 1 was extracted again from its kept page: one version, the line gone, stamped anew.
    let h1 = env.query(&["history", &id1]);
    assert_eq!(h1.len(), 1);
    assert!(!s(&h1[0]["text"]).contains("Mã tin"), "{}", h1[0]);
    assert!(h1[0]["reextracted_at"].is_string(), "{}", h1[0]);
    // Article 2's edit is measured against its old page under the new rules, not against the old rules.
    let h2 = env.query(&["history", &id2]);
    assert_eq!(h2.len(), 2);
    assert_ne!(s(&edited[0]["previous_hash"]), old_hash);
    assert_eq!(edited[0]["previous_hash"], h2[0]["content_hash"]);
    assert!(s(&h2[1]["text"]).contains("Câu đã sửa") && !s(&h2[1]["text"]).contains("Mã tin"));
    assert_eq!(h2[0]["extractor"], h2[1]["extractor"]);
}

#[test]
fn reextract_rebaselines_every_kept_page_without_events_also_through_the_daemon() {
    let site = Site::start();
    let env = env_for(&site, "");
    env.once();
    configure(&env, true, "");
    let r = env.run(&["reextract", "--json"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let report: Value = serde_json::from_str(r.stdout.trim()).unwrap();
    assert_eq!(
        report,
        serde_json::json!({"articles": 2, "versions": 2, "changed": 2, "without_page": 0, "failed": 0, "skipped": 0})
    );
    assert!(!text_of(&env, "1").contains("Mã tin"));
    assert_eq!(env.query(&["events"]).len(), 2, "no event");
    for id in ["1", "2"] {
        env.run(&["recheck", id]);
    }
    let run = env.once();
    assert_eq!(
        (run.events("article.edited").len(), run.summary()["unchanged"].clone()),
        (0, 2.into()),
        "{}",
        run.stdout
    );

    let r = env.run(&["reextract", "--feed", "nope"]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("--feed nope: no such feed"), "{}", r.stderr);

    // With the daemon holding the store, the command goes through its socket.
    configure(&env, false, "");
    let mut daemon = std::process::Command::new(common::bin())
        .args(["--config", env.config.to_str().unwrap(), "--log-format", "json", "run"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let started = Instant::now();
    while !env.store.join("daemon.json").exists() {
        assert!(started.elapsed() < Duration::from_secs(10), "the daemon did not start");
        std::thread::sleep(Duration::from_millis(50));
    }
    std::thread::sleep(Duration::from_millis(300));
    let r = env.run(&["reextract"]);
    let _ = std::process::Command::new("kill").args(["-TERM", &daemon.id().to_string()]).status();
    let _ = daemon.wait();
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(
        r.stdout,
        "re-extracted 2 versions of 2 articles from their kept pages: 2 changed, 0 without a kept page, 0 failed, 0 skipped (changed meanwhile)\n"
    );
    assert!(text_of(&env, "1").ends_with(CODE_LINE));
}

#[test]
fn without_kept_pages_new_rules_give_a_silent_new_baseline() {
    let site = Site::start();
    let env = env_for(&site, "keep_html = false\n");
    env.once();
    configure(&env, true, "keep_html = false\n");
    env.run(&["recheck", "1"]);
    let run = env.once();
    assert!(run.events("article.edited").is_empty(), "{}", run.stdout);
    assert_eq!(env.query(&["events"]).len(), 2);
    let h = env.query(&["history", "1"]);
    assert_eq!(h.len(), 2);
    assert_eq!((h[0].get("baseline"), h[1]["baseline"].clone()), (None, true.into()));
    let r = env.run(&["reextract", "--json"]);
    let report: Value = serde_json::from_str(r.stdout.trim()).unwrap();
    assert_eq!((report["versions"].clone(), report["without_page"].clone()), (0.into(), 3.into()));
}
