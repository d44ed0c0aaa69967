//! The command line as users and scripts see it: the `--json` shape of every query subcommand, exit codes
//! and messages, configuration errors, `extract` on a file, and queries answered by a running daemon.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

use common::{n, s, FeedSpec, Resp, Server, TestEnv};

/// A realistic English news page.
fn page(title: &str, paras: &[&str], canonical: Option<&str>, views: u32) -> String {
    let body: String = paras.iter().map(|p| format!("<p>{p}</p>\n")).collect();
    let canonical = canonical.map(|c| format!("<link rel=\"canonical\" href=\"{c}\">")).unwrap_or_default();
    format!(
        r##"<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{title} - The Harbour Times</title>{canonical}
<meta property="og:title" content="{title}">
<meta property="article:published_time" content="2026-03-01T06:00:00Z">
<meta property="article:modified_time" content="2026-03-01T07:30:00+01:00">
<script>var pv = {views};</script></head>
<body><header><nav class="menu"><a href="/">Home</a> <a href="/world">World</a> <a href="/business">Business</a></nav></header>
<main><ul class="breadcrumb"><li><a href="/">Home</a></li><li><a href="/world">World</a></li></ul>
<article><h1>{title}</h1><div class="meta">By Ann Lee · <span class="views">{views} views</span></div>
<div class="story">
{body}</div>
<aside class="related"><h2>More stories</h2><ul><li><a href="/x">Ferry timetable changes</a></li></ul></aside>
</article></main><footer>© 2026 The Harbour Times</footer></body></html>
"##
    )
}

const SUMMIT: [&str; 4] = [
    "Leaders of eleven Pacific nations ended a two-day summit on Friday with a joint statement on fishing rights and maritime patrols.",
    "The statement commits members to share satellite data on illegal fishing and to hold joint exercises every year from next spring.",
    "Delegates said talks on a regional climate fund had made progress but that no agreement on its size had been reached.",
    "The next summit will be held in Suva, the host country confirmed at a closing press conference.",
];
const MARKETS: [&str; 4] = [
    "Shares rallied across the region on Thursday after the central bank signalled that it would keep interest rates on hold.",
    "The benchmark index closed 1.8 percent higher, led by banks and property developers, while the currency edged lower.",
    "Traders said the bank's statement eased fears of a further rise before the end of the year.",
    "Bond yields fell to their lowest level in three months as investors moved money out of cash.",
];
const SUMMIT_PATH: &str = "/world/pacific-summit-ends.html";
const MARKETS_PATH: &str = "/business/markets-rally.html";

/// A store with two articles from one RSS feed, the first edited once: 3 events.
struct Fixture {
    env: TestEnv,
    server: Server,
    summit_id: u64,
    markets_id: u64,
}

impl Fixture {
    fn summit_url(&self) -> String {
        self.server.url(SUMMIT_PATH)
    }
    fn markets_url(&self) -> String {
        self.server.url(MARKETS_PATH)
    }
}

fn rss(server: &Server, summit_title: &str) -> String {
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>The Harbour Times</title><link>{home}</link><description>News</description>
<item><title>{summit_title}</title><link>{summit}?utm_source=rss</link><guid>summit</guid><pubDate>Sun, 01 Mar 2026 06:00:00 +0000</pubDate></item>
<item><title>Markets rally</title><link>{markets}?utm_source=rss</link><guid>markets</guid><pubDate>Sun, 01 Mar 2026 05:00:00 +0000</pubDate></item>
</channel></rss>"#,
        home = server.url("/"),
        summit = server.url(SUMMIT_PATH),
        markets = server.url(MARKETS_PATH),
    )
}

fn fixture() -> Fixture {
    let server = Server::start();
    let summit_url = server.url(SUMMIT_PATH);
    server.route_fn(SUMMIT_PATH, move |_, k| {
        Resp::html(page("Pacific summit ends", &SUMMIT, Some(&summit_url), 100 + k as u32))
    });
    server.route_fn(MARKETS_PATH, |_, k| Resp::html(page("Markets rally", &MARKETS, None, 900 + k as u32)));
    server.route("/rss", Resp::new("application/rss+xml", rss(&server, "Pacific summit ends")).etag("\"v1\""));
    let env = TestEnv::new(&[FeedSpec::new("harbour", &server.url("/rss"))], "");
    let run = env.once();
    let new = run.events("article.new");
    assert_eq!(new.len(), 2, "{}", run.stdout);
    let id_of = |url: String| n(&new.iter().find(|e| e["url"] == url.as_str()).expect("logged")["id"]);
    let (summit_id, markets_id) = (id_of(server.url(SUMMIT_PATH)), id_of(server.url(MARKETS_PATH)));

    // The summit story gets a sentence changed, and its feed entry a new title: one edit.
    let summit_url = server.url(SUMMIT_PATH);
    server.route_fn(SUMMIT_PATH, move |_, k| {
        let mut paras = SUMMIT;
        paras[2] = "Delegates agreed to set up a regional climate fund of 500 million dollars.";
        Resp::html(page("Pacific summit ends", &paras, Some(&summit_url), 100 + k as u32))
    });
    server.route(
        "/rss",
        Resp::new("application/rss+xml", rss(&server, "Pacific summit ends with fund deal")).etag("\"v2\""),
    );
    let run = env.once();
    assert_eq!(run.events("article.edited").len(), 1, "{}", run.stdout);
    Fixture { env, server, summit_id, markets_id }
}

fn assert_time(v: &Value, what: &str) {
    let t = v.as_str().unwrap_or_else(|| panic!("{what}: expected a time string, found {v}"));
    assert!(t.ends_with('Z'), "{what}: {t} is not UTC");
    chrono::DateTime::parse_from_rfc3339(t).unwrap_or_else(|e| panic!("{what}: {t} is not RFC 3339: {e}"));
}

fn keys(v: &Value) -> BTreeSet<String> {
    v.as_object().unwrap_or_else(|| panic!("expected an object, found {v}")).keys().cloned().collect()
}

fn assert_has_keys(v: &Value, expected: &[&str], what: &str) {
    let k = keys(v);
    for e in expected {
        assert!(k.contains(*e), "{what}: field `{e}` missing in {v}");
    }
}

fn is_hash(v: &Value) -> bool {
    v.as_str().is_some_and(|h| h.len() == 64 && h.chars().all(|c| c.is_ascii_hexdigit()))
}

const ARTICLE_FIELDS: [&str; 10] = [
    "id",
    "url",
    "aliases",
    "feeds",
    "title",
    "first_seen",
    "last_checked",
    "last_changed",
    "versions",
    "content_hash",
];

#[test]
fn query_subcommands_print_the_documented_json() {
    let fx = fixture();
    let env = &fx.env;

    // feeds: one line per configured feed.
    let feeds = env.query(&["feeds"]);
    assert_eq!(feeds.len(), 1);
    let f = &feeds[0];
    assert_has_keys(
        f,
        &[
            "name",
            "url",
            "last_fetch",
            "last_status",
            "etag",
            "last_modified",
            "errors",
            "last_error",
            "next_due",
            "items",
            "articles",
        ],
        "feed",
    );
    assert_eq!(f["name"], "harbour");
    assert_eq!(f["url"], fx.server.url("/rss").as_str());
    assert_eq!(
        (f["last_status"].clone(), f["etag"].clone(), f["last_modified"].clone()),
        (200.into(), "\"v2\"".into(), Value::Null)
    );
    assert_eq!((n(&f["errors"]), f["last_error"].clone(), n(&f["items"]), n(&f["articles"])), (0, Value::Null, 2, 2));
    assert_time(&f["last_fetch"], "feed.last_fetch");
    assert_time(&f["next_due"], "feed.next_due");

    // articles: newest first, one line each.
    let arts = env.query(&["articles"]);
    assert_eq!(arts.iter().map(|a| n(&a["id"])).collect::<Vec<_>>(), [2, 1]);
    for a in &arts {
        assert_has_keys(a, &ARTICLE_FIELDS, "article");
        for t in ["first_seen", "last_checked", "last_changed"] {
            assert_time(&a[t], t);
        }
        assert!(is_hash(&a["content_hash"]), "{a}");
        assert_eq!(a["feeds"], serde_json::json!(["harbour"]));
        assert_eq!(a["aliases"], serde_json::json!([]), "utm links canonicalise to the article's own URL");
    }
    let by_id: BTreeMap<u64, &Value> = arts.iter().map(|a| (n(&a["id"]), a)).collect();
    let (summit, markets) = (by_id[&fx.summit_id], by_id[&fx.markets_id]);
    assert_eq!((summit["url"].clone(), n(&summit["versions"])), (fx.summit_url().into(), 2));
    assert_eq!((markets["url"].clone(), n(&markets["versions"])), (fx.markets_url().into(), 1));
    assert_eq!(markets["title"], "Markets rally");
    assert_eq!(env.query(&["articles", "--edited"]).iter().map(|a| n(&a["id"])).collect::<Vec<_>>(), [fx.summit_id]);
    assert_eq!(env.query(&["articles", "--limit", "1"]).len(), 1);
    assert_eq!(env.query(&["articles", "--feed", "nope"]).len(), 0);
    assert_eq!(env.query(&["articles", "--since", "1h"]).len(), 2);
    assert_eq!(env.query(&["articles", "--since", "2030-01-01T00:00:00Z"]).len(), 0);

    // show: one object, the article plus its text and dates.
    let shown = env.show(&fx.markets_id.to_string());
    assert_has_keys(&shown, &ARTICLE_FIELDS, "show");
    assert_has_keys(&shown, &["text", "published", "modified"], "show");
    assert_eq!(shown["text"], MARKETS.join("\n").as_str());
    assert_eq!(
        (shown["published"].clone(), shown["modified"].clone()),
        ("2026-03-01T06:00:00Z".into(), "2026-03-01T06:30:00Z".into())
    );
    assert_eq!(env.show(&format!("{}?utm_medium=email#top", fx.markets_url()))["id"], fx.markets_id);
    let plain = env.run(&["show", &fx.markets_id.to_string()]);
    assert_eq!(plain.code, 0);
    assert!(plain.stdout.starts_with("Markets rally\n"), "{}", plain.stdout);
    assert!(plain.stdout.ends_with(&format!("{}\n", MARKETS.join("\n"))), "{}", plain.stdout);

    // history: every version, oldest first.
    let history = env.query(&["history", &fx.summit_url()]);
    assert_eq!(history.len(), 2);
    for (i, v) in history.iter().enumerate() {
        assert_has_keys(v, &["version", "content_hash", "fetched_at", "title", "text"], "version");
        assert_eq!(n(&v["version"]), i as u64 + 1);
        assert!(is_hash(&v["content_hash"]));
        assert_time(&v["fetched_at"], "version.fetched_at");
        assert_eq!(v["title"], "Pacific summit ends");
    }
    assert_eq!(history[0]["text"], SUMMIT.join("\n").as_str());
    assert_eq!(history[1]["content_hash"], summit["content_hash"]);
    assert_ne!(history[0]["content_hash"], history[1]["content_hash"]);

    // events: seq increasing from 1, the logged fields kept.
    let events = env.query(&["events"]);
    assert_eq!(events.iter().map(|e| n(&e["seq"])).collect::<Vec<_>>(), [1, 2, 3]);
    for e in &events {
        assert_has_keys(e, &["seq", "time", "event", "id", "url"], "event");
        assert_time(&e["time"], "event.time");
    }
    let kinds: Vec<&str> = events.iter().map(|e| s(&e["event"])).collect();
    assert_eq!(kinds, ["article.new", "article.new", "article.edited"]);
    let edited = &events[2];
    assert_eq!((n(&edited["id"]), n(&edited["version"])), (fx.summit_id, 2));
    assert_eq!(edited["url"], fx.summit_url().as_str());
    assert_eq!(edited["feed"], "harbour");
    assert_eq!(edited["previous_hash"], history[0]["content_hash"]);
    assert_eq!(edited["content_hash"], history[1]["content_hash"]);
    assert_eq!(env.query(&["events", "--since", "2030-01-01T00:00:00Z"]).len(), 0);

    // diff: a unified diff of the two versions, the changed paragraph marked.
    let d = env.run(&["diff", &fx.summit_id.to_string(), "--plain"]);
    assert_eq!(d.code, 0, "{}", d.stderr);
    let lines: Vec<&str> = d.stdout.lines().collect();
    assert!(lines[0].starts_with(&format!("--- {} version 1 (", fx.summit_url())), "{}", d.stdout);
    assert!(lines[1].starts_with(&format!("+++ {} version 2 (", fx.summit_url())), "{}", d.stdout);
    assert_eq!(lines[2], "@@ -2,5 +2,5 @@");
    assert_eq!(
        lines.iter().filter(|l| l.starts_with('-') && !l.starts_with("---")).copied().collect::<Vec<_>>(),
        [format!("-{}", SUMMIT[2])]
    );
    assert_eq!(
        lines.iter().filter(|l| l.starts_with('+') && !l.starts_with("+++")).copied().collect::<Vec<_>>(),
        ["+Delegates agreed to set up a regional climate fund of 500 million dollars."]
    );
    // One version only: nothing to show.
    let d = env.run(&["diff", &fx.markets_id.to_string()]);
    assert_eq!((d.code, d.stdout.as_str()), (0, ""));
}

#[test]
fn query_errors_exit_with_the_documented_codes_and_say_why() {
    let fx = fixture();
    let env = &fx.env;
    let cases: [(&[&str], i32, String); 8] = [
        (&["show", "999"], 1, "no article with id 999".into()),
        (&["show", "999", "--json"], 1, "no article with id 999".into()),
        (&["history", "999"], 1, "no article with id 999".into()),
        (&["diff", "999"], 1, "no article with id 999".into()),
        (
            &["show", "http://unknown.example/a.html?utm_source=x"],
            1,
            "no article with URL http://unknown.example/a.html?utm_source=x".into(),
        ),
        (&["diff", "1", "--from", "1", "--to", "7"], 2, "there is no version 7".into()),
        (&["articles", "--since", "whenever"], 2, "cannot read \"whenever\" as a time".into()),
        (&["events", "--since", "yesterday-ish"], 2, "cannot read \"yesterday-ish\" as a time".into()),
    ];
    for (args, code, message) in cases {
        let r = env.run(args);
        assert_eq!(r.code, code, "{args:?}: {}", r.stderr);
        assert!(r.stderr.starts_with("presswatch: "), "{args:?}: {}", r.stderr);
        assert!(r.stderr.contains(&message), "{args:?}: {}", r.stderr);
        assert_eq!(r.stdout, "", "{args:?}");
    }
    // Bad usage is caught by the argument parser: exit 2.
    for args in [&["show"][..], &["frobnicate"], &["articles", "--limit", "many"], &["history", "1", "--color"]] {
        let r = env.run(args);
        assert_eq!(r.code, 2, "{args:?}: {}", r.stderr);
    }
    // An empty store answers with nothing, successfully.
    let empty = TestEnv::new(&[], "");
    for args in [&["articles"][..], &["events"], &["feeds"]] {
        let r = empty.run(&[args, &["--json"]].concat());
        assert_eq!((r.code, r.stdout.as_str()), (0, ""), "{args:?}: {}", r.stderr);
    }
}

#[test]
fn a_bad_configuration_exits_2_naming_the_key_and_the_file() {
    let cases = [
        ("[crawler]\ntimeout = \"soon\"\n", vec!["crawler.timeout", "soon"]),
        ("[crawler]\nspeed = 3\n", vec!["speed"]),
        ("[store]\npath = \"/tmp/x\"\n[defaults]\nrecheck = [\"1h\", \"often\"]\n", vec!["defaults.recheck", "often"]),
        ("[[feed]]\nurl = \"ftp://example.org/feed\"\n", vec!["feed[0].url"]),
        ("[[feed]]\nname = \"a\"\nurl = \"https://a.example/\"\n[[feed]]\nname = \"a\"\nurl = \"https://b.example/\"\n", vec!["feed[1].name", "duplicate"]),
        ("[crawler\ntimeout = 3\n", vec![]),
    ];
    for (text, needles) in cases {
        let env = TestEnv::with_text(text);
        let file = env.config.display().to_string();
        for sub in [&["once"][..], &["feeds", "--json"], &["articles"], &["run"]] {
            let r = env.run(sub);
            assert_eq!(r.code, 2, "{sub:?} with {text:?}: {}", r.stderr);
            assert!(r.stderr.contains(&file), "{sub:?}: the message names the file: {}", r.stderr);
            for needle in &needles {
                assert!(r.stderr.contains(needle), "{sub:?}: the message names `{needle}`: {}", r.stderr);
            }
            assert!(!r.stdout.contains("article."), "{sub:?}");
        }
        assert!(!env.store.exists(), "a bad config opens no store");
    }
    let missing = common::run_with_config(Some(std::path::Path::new("/nonexistent/presswatch.toml")), &["feeds"]);
    assert_eq!(missing.code, 2);
    assert!(missing.stderr.contains("/nonexistent/presswatch.toml"), "{}", missing.stderr);
}

#[test]
fn a_store_that_cannot_be_opened_exits_1_and_says_why() {
    let dir = tempfile::tempdir().unwrap();
    let blocker = dir.path().join("not-a-directory");
    std::fs::write(&blocker, "x").unwrap();
    let store = blocker.join("store");
    let env = TestEnv::with_text(&format!("[store]\npath = {:?}\n", store.display().to_string()));
    for sub in [&["once"][..], &["articles", "--json"], &["show", "1"]] {
        let r = env.run(sub);
        assert_eq!(r.code, 1, "{sub:?}: {}", r.stderr);
        assert!(r.stderr.contains(&format!("cannot open the store at {}", store.display())), "{sub:?}: {}", r.stderr);
    }
}

#[test]
fn extract_reads_local_files_without_network_or_store() {
    let dir = tempfile::tempdir().unwrap();
    let good = dir.path().join("summit.html");
    std::fs::write(&good, page("Pacific summit ends", &SUMMIT, Some("/world/summit.html?utm_source=x#c"), 7)).unwrap();
    // A page in a legacy encoding, named only by its meta tag.
    let latin = dir.path().join("latin1.html");
    let mut bytes = b"<html lang=\"fr\"><head><meta charset=\"iso-8859-1\"><title>Caf\xe9 du port</title></head><body><article><h1>Caf\xe9 du port</h1>".to_vec();
    for _ in 0..4 {
        bytes.extend_from_slice(b"<p>Le caf\xe9 du port a rouvert ses portes apr\xe8s deux ans de travaux, au grand plaisir des p\xeacheurs du quartier.</p>");
    }
    bytes.extend_from_slice(b"</article></body></html>");
    std::fs::write(&latin, bytes).unwrap();
    let missing = dir.path().join("missing.html");
    let g = good.display().to_string();

    let r = common::run_with_config(None, &["extract", "--url", "https://harbour.example/world/x.html", &g, "--json"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let out = r.json_lines();
    assert_eq!(out.len(), 1);
    let a = &out[0];
    assert_has_keys(
        a,
        &["file", "title", "text", "content_hash", "canonical_url", "published", "modified", "lang"],
        "extract",
    );
    assert_eq!(a["file"], g.as_str());
    assert_eq!(a["title"], "Pacific summit ends");
    assert_eq!(a["text"], SUMMIT.join("\n").as_str());
    let expected_hash =
        blake3::hash(format!("Pacific summit ends\n\n{}", SUMMIT.join("\n")).as_bytes()).to_hex().to_string();
    assert_eq!(a["content_hash"], expected_hash.as_str());
    assert_eq!(
        a["canonical_url"], "https://harbour.example/world/summit.html",
        "resolved against --url, canonicalised"
    );
    assert_eq!(
        (a["published"].clone(), a["modified"].clone(), a["lang"].clone()),
        ("2026-03-01T06:00:00Z".into(), "2026-03-01T06:30:00Z".into(), "en".into())
    );

    // Several files: each on its own line; a missing file is reported, the others still extracted, exit 1.
    let l = latin.display().to_string();
    let m = missing.display().to_string();
    let r = common::run_with_config(None, &["extract", &g, &m, &l, "--json"]);
    assert_eq!(r.code, 1);
    assert!(r.stderr.contains(&format!("cannot read {m}")), "{}", r.stderr);
    let out = r.json_lines();
    assert_eq!(out.iter().map(|o| s(&o["file"]).to_string()).collect::<Vec<_>>(), [g.clone(), l.clone()]);
    assert_eq!(out[0]["canonical_url"], Value::Null, "a relative canonical link needs --url");
    assert_eq!(out[1]["title"], "Café du port");
    assert_eq!(out[1]["lang"], "fr");
    assert_eq!(
        out[1]["text"],
        ["Le café du port a rouvert ses portes après deux ans de travaux, au grand plaisir des pêcheurs du quartier.";
            4]
            .join("\n")
            .as_str()
    );

    // The human format names the file and prints the text.
    let r = common::run_with_config(None, &["extract", &g]);
    assert_eq!(r.code, 0);
    assert!(r.stdout.starts_with(&format!("== {g}\ntitle:         Pacific summit ends\n")), "{}", r.stdout);
    assert!(r.stdout.contains(&format!("content hash:  {expected_hash}\n")), "{}", r.stdout);

    // A bad --url is bad usage.
    let r = common::run_with_config(None, &["extract", "--url", "not a url", &g]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("--url not a url"), "{}", r.stderr);
}

#[test]
fn queries_answer_the_same_while_the_daemon_holds_the_store() {
    let fx = fixture();
    let env = &fx.env;
    let (summit, markets) = (fx.summit_id.to_string(), fx.markets_id.to_string());
    let queries: Vec<Vec<&str>> = vec![
        vec!["feeds", "--json"],
        vec!["articles", "--json"],
        vec!["articles", "--edited", "--json"],
        vec!["show", &summit, "--json"],
        vec!["history", &summit, "--json"],
        vec!["diff", &summit],
        vec!["events", "--json"],
        vec!["show", &markets],
    ];
    let answer = |q: &[&str]| {
        let r = env.run(q);
        assert_eq!(r.code, 0, "{q:?}: {}", r.stderr);
        r.stdout
    };
    let before: Vec<String> = queries.iter().map(|q| answer(q)).collect();

    let mut cmd = Command::new(common::bin());
    cmd.arg("--config").arg(&env.config).args(["--log-format", "json", "run"]);
    let mut daemon =
        common::clean_env(&mut cmd).stdout(Stdio::null()).stderr(Stdio::null()).spawn().expect("start the daemon");
    let pointer = env.store.join("daemon.json");
    let started = Instant::now();
    while !pointer.exists() {
        assert!(started.elapsed() < Duration::from_secs(20), "the daemon did not start");
        assert!(daemon.try_wait().unwrap().is_none(), "the daemon exited early");
        std::thread::sleep(Duration::from_millis(50));
    }
    std::thread::sleep(Duration::from_millis(200));

    let during: Vec<String> = queries.iter().map(|q| answer(q)).collect();
    // A second crawler cannot open the store; it says why and exits 1.
    let once = env.run(&["once"]);

    let stopped = Command::new("kill").args(["-TERM", &daemon.id().to_string()]).status().unwrap();
    assert!(stopped.success());
    let status = daemon.wait().unwrap();
    assert_eq!(status.code(), Some(0), "SIGTERM stops the daemon cleanly");

    for ((q, b), d) in queries.iter().zip(&before).zip(&during) {
        assert_eq!(b, d, "{q:?} answers the same with and without the daemon");
    }
    assert_eq!(once.code, 1, "{}", once.stderr);
    assert!(once.stderr.contains("in use by another process"), "{}", once.stderr);
    let after: Vec<String> = queries.iter().map(|q| answer(q)).collect();
    assert_eq!(after, before, "and again once it has stopped");
}
