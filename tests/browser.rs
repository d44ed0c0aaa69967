//! The web view in a real browser: Debian's chromium, headless, against the running daemon (`presswatch run` with
//! `[http] listen`) on a fixture site with an edited article (a changed number: substantive), a Thai article in a
//! second feed (a one-letter fix: a typo) and a hostile headline.
//! `--dump-dom` gives the DOM the browser built (so markup smuggled in a headline would show up as elements);
//! `--screenshot` writes PNGs of each page to `target/tmp/screenshots/` (made here, never committed).
//! The Atom feed of edits is read by feed-rs and by Python's feedparser (the reader most feed readers resemble).
//!
//! Needs `chromium` and `python3-feedparser`; `.ci/run` installs both. Without them the test fails and says so.

mod common;

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::daemon::Daemon;
use common::{FeedSpec, Resp, Server, TestEnv};

const HOSTILE: &str = "<img src=x onerror=alert(1)> Tin nóng";

fn page(title: &str, lang: &str, paragraphs: &[&str]) -> String {
    let esc = |s: &str| s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;");
    let body: String = paragraphs.iter().map(|p| format!("<p>{}</p>", esc(p))).collect();
    format!(
        "<!doctype html><html lang=\"{lang}\"><head><meta charset=\"utf-8\"><title>{t}</title></head>\
         <body><nav><a href=\"/\">Trang chủ</a></nav><article><h1>{t}</h1>{body}</article><footer>© Báo</footer></body></html>",
        t = esc(title)
    )
}

const VI_BEFORE: &[&str] = &[
    "Chiều 27/11, Người phát ngôn Bộ Ngoại giao chủ trì họp báo thường kỳ, trả lời câu hỏi của phóng viên trong và ngoài nước.",
    "Theo người phát ngôn, 12 công dân Việt Nam đã được đưa về nước an toàn trong tuần qua.",
    "Bộ Ngoại giao tiếp tục theo dõi sát tình hình và sẵn sàng hỗ trợ công dân khi cần thiết.",
];

fn vi_after() -> Vec<&'static str> {
    let mut v = VI_BEFORE.to_vec();
    v[1] = "Theo người phát ngôn, 15 công dân Việt Nam đã được đưa về nước an toàn trong tuần qua.";
    v
}

const TH: &[&str] = &[
    "นายกรัฐมนตรีเดินทางเยือนเวียดนามเมื่อวันจันทร์ เพื่อหารือความร่วมมือด้านการค้าและการลงทุน",
    "ทั้งสองฝ่ายตกลงขยายความร่วมมือด้านการท่องเที่ยวและการศึกษาในปีหน้า",
    "การเยือนครั้งนี้ถือเป็นการเยือนอย่างเป็นทางการครั้งแรกในรอบห้าปี",
];

/// The Thai article as first published: one tone mark missing (เทียว for เที่ยว), fixed at the next fetch.
fn th_before() -> Vec<&'static str> {
    let mut v = TH.to_vec();
    v[1] = "ทั้งสองฝ่ายตกลงขยายความร่วมมือด้านการท่องเทียวและการศึกษาในปีหน้า";
    v
}

const TH_TITLE: &str = "นายกรัฐมนตรีเยือนเวียดนาม";

const HOSTILE_BODY: &[&str] = &[
    "Bài này có tiêu đề chứa thẻ HTML, để thử rằng trang web chỉ hiện nó như chữ.",
    "Nội dung của bài đủ dài để được coi là một bài báo thật sự, với vài câu văn bình thường.",
    "Không có gì trong bài được phép trở thành một phần tử của trang.",
];

/// The fixture site: a feed of two articles, the first edited after its first fetch (12 → 15); a Thai feed of one
/// article, whose typo is fixed after its first fetch.
fn site() -> Server {
    let server = Server::start();
    let items = |list: &[(&str, &str)]| -> Vec<(String, String)> {
        list.iter()
            .map(|(t, p)| (t.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;"), server.url(p)))
            .collect()
    };
    let vi = items(&[("Bộ Ngoại giao họp báo thường kỳ", "/vi.html"), (HOSTILE, "/hostile.html")]);
    server.route("/feed.rss", Resp::new("application/rss+xml", common::raw::rss(&vi)));
    server.route("/thai.rss", Resp::new("application/rss+xml", common::raw::rss(&items(&[(TH_TITLE, "/th.html")]))));
    server.route_fn("/vi.html", |_, previous| {
        let paragraphs = if previous == 0 { VI_BEFORE.to_vec() } else { vi_after() };
        Resp::html(page("Bộ Ngoại giao họp báo thường kỳ", "vi", &paragraphs))
    });
    server.route_fn("/th.html", |_, previous| {
        let paragraphs = if previous == 0 { th_before() } else { TH.to_vec() };
        Resp::html(page(TH_TITLE, "th", &paragraphs))
    });
    server.route("/hostile.html", Resp::html(page(HOSTILE, "vi", HOSTILE_BODY)));
    server
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// One raw HTTP/1.1 request; the whole response (head and body).
fn http(port: u16, method: &str, path: &str) -> String {
    let mut s = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    write!(s, "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\r\n").unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).unwrap();
    out
}

fn body(response: &str) -> &str {
    response.split_once("\r\n\r\n").map(|(_, b)| b).unwrap_or("")
}

fn chromium() -> PathBuf {
    for name in ["chromium", "chromium-browser"] {
        if let Ok(out) = Command::new("sh").args(["-c", &format!("command -v {name}")]).output() {
            let path = String::from_utf8_lossy(&out.stdout).trim().to_string();
            if out.status.success() && !path.is_empty() {
                return PathBuf::from(path);
            }
        }
    }
    panic!("chromium is not installed: this test drives a real browser. Install it with `apt-get install -y chromium` (.ci/run does)");
}

/// Runs headless chromium with a fresh profile; `what` is `--dump-dom` or `--screenshot=FILE`.
fn browse(chromium: &Path, what: &str, size: &str, url: &str) -> String {
    let profile = tempfile::tempdir().unwrap();
    let mut child = Command::new(chromium)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--hide-scrollbars",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .arg(format!("--window-size={size}"))
        .arg(what)
        .arg(url)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("run chromium");
    let mut stdout = child.stdout.take().unwrap();
    let reader = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = stdout.read_to_string(&mut s);
        s
    });
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        if child.try_wait().unwrap().is_some() {
            break;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("chromium {what} {url} did not finish within 60 s");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    reader.join().unwrap()
}

/// The DOM as the browser built it, parsed.
fn dom(chromium: &Path, url: &str) -> dom_query::Document {
    let html = browse(chromium, "--dump-dom", "1280,900", url);
    assert!(html.contains("</html>"), "chromium gave no DOM for {url}: {html}");
    dom_query::Document::from(html.as_str())
}

fn texts(doc: &dom_query::Document, selector: &str) -> Vec<String> {
    doc.select(selector).iter().map(|n| n.text().to_string()).collect()
}

/// A Python with feedparser: $PRESSWATCH_PYTHON, a venv in /tmp/peers, the python3 on PATH, or Debian's
/// /usr/bin/python3 (where `apt-get install python3-feedparser` puts it, even when PATH's python3 is another,
/// such as pyenv's).
fn feedparser_python() -> PathBuf {
    let candidates: Vec<PathBuf> = std::env::var_os("PRESSWATCH_PYTHON")
        .map(PathBuf::from)
        .into_iter()
        .chain(["/tmp/peers/bin/python", "python3", "/usr/bin/python3"].map(PathBuf::from))
        .collect();
    for p in &candidates {
        if Command::new(p).args(["-c", "import feedparser"]).output().is_ok_and(|o| o.status.success()) {
            return p.clone();
        }
    }
    panic!("Python's feedparser is not installed: this test reads the Atom feed with it. Install it with `apt-get install -y python3-feedparser` (.ci/run does)");
}

#[test]
fn the_web_view_shows_events_diffs_and_hostile_headlines_as_text_in_a_real_browser() {
    let chromium = chromium();
    let python = feedparser_python();
    let site = site();
    let port = free_port();
    // The Thai article is re-checked later than the others, so that its edit comes second.
    let env = TestEnv::new(
        &[
            FeedSpec::new("baoquocte", &site.url("/feed.rss")).recheck(&["2s", "1h"]),
            FeedSpec::new("thai", &site.url("/thai.rss")).recheck(&["6s", "1h"]),
        ],
        &format!("[http]\nlisten = \"127.0.0.1:{port}\"\n[defaults]\ninterval = \"1s\"\n"),
    );
    let daemon = Daemon::start(&env);
    daemon.wait_for("article.edited", 2, Duration::from_secs(60));
    assert_eq!(daemon.logged("article.new"), 3);
    let base = format!("http://127.0.0.1:{port}");
    let events = env.query(&["events"]);
    let id_of = |title: &str| {
        events.iter().find(|e| e["title"] == title).map(|e| common::n(&e["id"])).unwrap_or_else(|| panic!("{title}"))
    };
    let (vi, th, hostile) = (id_of("Bộ Ngoại giao họp báo thường kỳ"), id_of(TH_TITLE), id_of(HOSTILE));
    let edits_seen: Vec<(u64, &str)> = events
        .iter()
        .filter(|e| e["event"] == "article.edited")
        .map(|e| (common::n(&e["id"]), e["change"]["significance"].as_str().unwrap_or("-")))
        .collect();
    assert_eq!(edits_seen, [(vi, "substantive"), (th, "typo")], "a changed number, then a missing tone mark");

    // The events page: three new articles and the two edits, newest first, each linking to its article, each
    // edit with its significance and a link to its diff.
    let doc = dom(&chromium, &format!("{base}/"));
    let kinds = texts(&doc, "li.event .kind");
    assert_eq!(kinds, ["article.edited", "article.edited", "article.new", "article.new", "article.new"]);
    let mut titles = texts(&doc, "li.event a.title");
    titles[2..].sort();
    assert_eq!(
        titles,
        [TH_TITLE, "Bộ Ngoại giao họp báo thường kỳ", HOSTILE, "Bộ Ngoại giao họp báo thường kỳ", TH_TITLE]
    );
    assert_eq!(texts(&doc, "li.event .significance"), ["typo", "substantive"]);
    let difflinks: Vec<String> =
        doc.select("li.event a.difflink").iter().map(|a| a.attr("href").unwrap().to_string()).collect();
    assert_eq!(difflinks, [format!("/articles/{th}/diff?from=1&to=2"), format!("/articles/{vi}/diff?from=1&to=2")]);
    // The significance filter: at least so significant, edits only; the form shows the choice.
    for (level, expected) in [
        ("typo", vec![TH_TITLE, "Bộ Ngoại giao họp báo thường kỳ"]),
        ("minor", vec!["Bộ Ngoại giao họp báo thường kỳ"]),
        ("substantive", vec!["Bộ Ngoại giao họp báo thường kỳ"]),
    ] {
        let doc = dom(&chromium, &format!("{base}/?significance={level}"));
        assert_eq!(texts(&doc, "li.event a.title"), expected, "significance={level}");
        assert!(texts(&doc, "li.event .kind").iter().all(|k| k == "article.edited"), "significance={level}");
        assert_eq!(texts(&doc, "select[name=significance] option[selected]"), [level]);
    }
    let thai_typos = dom(&chromium, &format!("{base}/?feed=thai&significance=minor"));
    assert_eq!(texts(&thai_typos, "p.empty"), ["No events match."]);
    let bad = http(port, "GET", "/?significance=big");
    assert!(bad.starts_with("HTTP/1.1 400"), "{bad}");
    assert!(body(&bad).contains("significance=big: expected typo, minor or substantive"), "{bad}");
    // The hostile headline is text: no element came from it, anywhere.
    assert_eq!(doc.select("img").length(), 0);
    assert_eq!(doc.select("[onerror]").length(), 0);
    // Filters: only edits; only since a time after everything.
    let edits = dom(&chromium, &format!("{base}/?event=article.edited"));
    assert_eq!(texts(&edits, "li.event .kind"), ["article.edited", "article.edited"]);
    let none = dom(&chromium, &format!("{base}/?since=2999-01-01T00:00:00Z"));
    assert_eq!(none.select("li.event").length(), 0);
    assert_eq!(texts(&none, "p.empty"), ["No events match."]);
    // The next page: events older than seq 3, newest first.
    let older = dom(&chromium, &format!("{base}/?before=3"));
    let seqs: Vec<u64> = events.iter().filter(|e| common::n(&e["seq"]) < 3).map(|e| common::n(&e["seq"])).collect();
    assert_eq!(seqs, [1, 2]);
    assert_eq!(texts(&older, "li.event .kind"), ["article.new", "article.new"]);
    assert!(http(port, "GET", "/?since=soon").starts_with("HTTP/1.1 400"));

    // The diff page: the old number inside <del>, the new one inside <ins>, side by side and inline.
    for view in ["side", "inline"] {
        let doc = dom(&chromium, &format!("{base}/articles/{vi}/diff?view={view}"));
        assert_eq!(texts(&doc, "del"), ["12"], "{view}");
        assert_eq!(texts(&doc, "ins"), ["15"], "{view}");
        let changed = texts(&doc, if view == "side" { ".row.change .cell.new" } else { ".row.added .cell" });
        assert_eq!(changed, [vi_after()[1]], "{view}");
    }
    // The CLI says the same.
    let cli = env.run(&["diff", &vi.to_string()]);
    assert!(cli.stdout.contains("[-12-]") && cli.stdout.contains("{+15+}"), "{}", cli.stdout);

    // The hostile article's own page, and search: the headline as text, no element from it.
    for url in [format!("{base}/articles/{hostile}"), format!("{base}/articles?q=onerror")] {
        let doc = dom(&chromium, &url);
        assert_eq!(doc.select("img").length(), 0, "{url}");
        assert_eq!(doc.select("[onerror]").length(), 0, "{url}");
        assert!(texts(&doc, "h1, a.title").iter().any(|t| t.contains(HOSTILE)), "{url}");
    }
    // Search folds case and Vietnamese accents: "hop bao" finds "họp báo".
    let found = dom(&chromium, &format!("{base}/articles?q=HOP+BAO"));
    assert_eq!(texts(&found, "ol.articles a.title"), ["Bộ Ngoại giao họp báo thường kỳ"]);
    // The article list is `presswatch articles`, in the same order.
    let list = dom(&chromium, &format!("{base}/articles"));
    let hrefs: Vec<String> =
        list.select("ol.articles a.title").iter().map(|a| a.attr("href").unwrap().to_string()).collect();
    let cli_ids: Vec<String> =
        env.query(&["articles"]).iter().map(|a| format!("/articles/{}", common::n(&a["id"]))).collect();
    assert_eq!(hrefs, cli_ids);
    // The article page lists both versions, each linking to its text, the second to its diff.
    let art = dom(&chromium, &format!("{base}/articles/{vi}"));
    assert_eq!(art.select("table.versions tbody tr").length(), 2);
    assert_eq!(art.select(&format!("a[href=\"/articles/{vi}/diff?from=1&to=2\"]")).length(), 2);

    // Strict headers on every answer; GET only.
    let head = http(port, "GET", "/");
    assert!(head.contains(&format!("content-security-policy: {}", presswatch::web::CONTENT_SECURITY_POLICY)), "{head}");
    assert!(http(port, "POST", "/").starts_with("HTTP/1.1 405"));
    assert!(http(port, "GET", "/articles/999").starts_with("HTTP/1.1 404"));
    assert!(http(port, "GET", "/articles/x/diff").starts_with("HTTP/1.1 404"));
    assert!(http(port, "GET", "/articles/1/diff?from=9").starts_with("HTTP/1.1 400"));
    assert!(http(port, "GET", "/feeds/nosuchfeed/edits.atom").starts_with("HTTP/1.1 404"));

    // The Atom feeds: one entry per edit, newest first, linking to its diff page, its significance a category;
    // feed-rs and feedparser read them.
    let vi_entry = (format!("{base}/articles/{vi}/diff?from=1&to=2"), "Bộ Ngoại giao họp báo thường kỳ", "substantive");
    let th_entry = (format!("{base}/articles/{th}/diff?from=1&to=2"), TH_TITLE, "typo");
    for (path, expected) in [
        ("/feeds/edits.atom", vec![th_entry.clone(), vi_entry.clone()]),
        ("/feeds/baoquocte/edits.atom", vec![vi_entry.clone()]),
        ("/feeds/thai/edits.atom", vec![th_entry.clone()]),
        ("/feeds/edits.atom?significance=minor", vec![vi_entry.clone()]),
    ] {
        let xml = http(port, "GET", path);
        assert!(xml.contains("content-type: application/atom+xml"), "{xml}");
        let xml = body(&xml).to_string();
        let feed = feed_rs::parser::parse(xml.as_bytes()).expect("feed-rs reads the Atom feed");
        let got: Vec<(String, String)> =
            feed.entries.iter().map(|e| (e.links[0].href.clone(), e.categories[0].term.clone())).collect();
        let want: Vec<(String, String)> = expected.iter().map(|(l, _, s)| (l.clone(), s.to_string())).collect();
        assert_eq!(got, want, "feed-rs on {path}");
        let script = "import sys, feedparser\nd = feedparser.parse(sys.stdin.buffer.read())\n\
                      print(int(d.bozo), len(d.entries))\n\
                      for e in d.entries: print(e.link, e.tags[0].term, e.title)";
        let mut py =
            Command::new(&python).args(["-c", script]).stdin(Stdio::piped()).stdout(Stdio::piped()).spawn().unwrap();
        py.stdin.take().unwrap().write_all(xml.as_bytes()).unwrap();
        let out = py.wait_with_output().unwrap();
        let mut want = format!("0 {}\n", expected.len());
        for (link, title, significance) in &expected {
            want.push_str(&format!("{link} {significance} {title}\n"));
        }
        assert_eq!(String::from_utf8_lossy(&out.stdout), want, "feedparser on {path}");
    }
    assert!(http(port, "GET", "/feeds/edits.atom?significance=huge").starts_with("HTTP/1.1 400"));

    // Screenshots for a person to look at (not committed): desktop and phone sizes.
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("screenshots");
    std::fs::create_dir_all(&dir).unwrap();
    let shots = [
        ("events.png", "1280,900", format!("{base}/")),
        ("diff-side.png", "1280,900", format!("{base}/articles/{vi}/diff")),
        ("diff-inline.png", "1280,900", format!("{base}/articles/{vi}/diff?view=inline")),
        ("article.png", "1280,900", format!("{base}/articles/{vi}")),
        ("hostile.png", "1280,900", format!("{base}/articles/{hostile}")),
        ("diff-phone.png", "390,844", format!("{base}/articles/{vi}/diff")),
        ("events-phone.png", "390,844", format!("{base}/")),
    ];
    for (file, size, url) in &shots {
        let path = dir.join(file);
        let _ = std::fs::remove_file(&path);
        browse(&chromium, &format!("--screenshot={}", path.display()), size, url);
        let png = std::fs::read(&path).unwrap_or_else(|e| panic!("no screenshot {}: {e}", path.display()));
        assert!(png.starts_with(b"\x89PNG") && png.len() > 10_000, "{} is not a page's screenshot", path.display());
    }
    eprintln!("screenshots in {}", dir.display());
}
