//! Feeds as readers open them and sitemaps as sources, end to end on loopback with the real binary: RSS 0.90,
//! items without links tracked by GUID with their edits reported, damaged feeds read and reported, silent zeros
//! turned into errors, "not a feed" with what discovery finds; a gzipped news sitemap of 1,000 URLs, a sitemap
//! index of two with per-file conditional GET, a `<lastmod>` change that re-fetches one page and reports its
//! edit, and the limits (other hosts, 50,000 URLs, 50 MB, index depth).

mod common;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use common::raw::article_page;
use common::{n, s, Resp, Server, TestEnv};
use serde_json::Value;

fn gzip(bytes: &[u8]) -> Vec<u8> {
    use std::io::Write;
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    enc.write_all(bytes).unwrap();
    enc.finish().unwrap()
}

/// A config with `feeds` (TOML text) and the store in the test's directory.
fn env(feeds: &str) -> TestEnv {
    let env = TestEnv::new(&[], "");
    let text = format!(
        "[store]\npath = {}\n[crawler]\nallow_private_networks = true\nrobots = false\nper_host_concurrency = 8\nconcurrency = 16\n\n{feeds}",
        serde_json::to_string(&env.store.display().to_string()).unwrap()
    );
    std::fs::write(&env.config, text).unwrap();
    env
}

fn feed_state(env: &TestEnv, name: &str) -> Value {
    env.query(&["feeds"]).into_iter().find(|f| f["name"] == name).unwrap_or_else(|| panic!("no feed {name}"))
}

fn fixture(path: &str) -> Vec<u8> {
    std::fs::read(format!("{}/tests/fixtures/feeds/{path}", env!("CARGO_MANIFEST_DIR"))).unwrap()
}

#[test]
fn rss_090_and_items_without_links_are_read_and_their_edits_reported() {
    let server = Server::start();
    server.route("/heise.rdf", Resp::new("application/rdf+xml", fixture("miniflux/parser__rdf_UTF8.xml")));
    let linkless = |text: &str| {
        format!(
            r#"<?xml version="1.0"?><rss version="0.91"><channel><title>Thông báo</title>
<item><title>Thông báo tuyển dụng</title><guid isPermaLink="false">tb-1</guid><description><![CDATA[<p>Hạn nộp hồ sơ: {text}.</p><p>Liên hệ phòng nhân sự.</p>]]></description></item>
</channel></rss>"#
        )
    };
    server.route("/notices.rss", Resp::new("application/rss+xml", linkless("15/12")));
    let env = env(&format!(
        "[[feed]]\nname = \"heise\"\nurl = \"{}\"\n\n[[feed]]\nname = \"notices\"\nurl = \"{}\"\n",
        server.url("/heise.rdf"),
        server.url("/notices.rss")
    ));
    // Feeds only: the heise links point to the internet, which tests never touch.
    let r = env.run(&["once", "--feeds-only"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let heise = feed_state(&env, "heise");
    assert_eq!((n(&heise["items"]), &heise["last_error"]), (60, &Value::Null));
    assert_eq!(env.query(&["articles"]).len(), 0, "--feeds-only stores no article");

    let r = env.run(&["once"]);
    let new: Vec<Value> = r.events("article.new").into_iter().filter(|e| e["feed"] == "notices").collect();
    assert_eq!(new.len(), 1, "{}", r.stdout);
    let url = format!("{}#item=tb-1", server.url("/notices.rss"));
    assert_eq!(s(&new[0]["url"]), url);
    let shown = env.show(&url);
    assert_eq!(s(&shown["title"]), "Thông báo tuyển dụng");
    assert_eq!(s(&shown["text"]), "Hạn nộp hồ sơ: 15/12.\nLiên hệ phòng nhân sự.");
    assert!(
        server.requests().iter().all(|r| r.path == "/heise.rdf" || r.path == "/notices.rss"),
        "nothing else fetched"
    );

    // The feed's own text changes: an edit, like any other.
    server.route("/notices.rss", Resp::new("application/rss+xml", linkless("20/12")));
    let r = env.run(&["once"]);
    let edited = r.events("article.edited");
    assert_eq!(edited.len(), 1, "{}", r.stdout);
    assert_eq!((s(&edited[0]["url"]), n(&edited[0]["version"])), (url.as_str(), 2));
    let diff = env.run(&["diff", &url, "--plain"]);
    assert!(diff.stdout.contains("-Hạn nộp hồ sơ: 15/12.\n+Hạn nộp hồ sơ: 20/12."), "{}", diff.stdout);
    // Unchanged: nothing more.
    let r = env.run(&["once"]);
    assert_eq!(r.events("article.edited").len() + r.events("article.new").len(), 0);
}

#[test]
fn damaged_feeds_are_read_and_reported_and_a_silent_zero_is_an_error() {
    let server = Server::start();
    let page = |i: usize| article_page(&format!("Bài {i}"), &format!("Nội dung bài số {i} của trang."));
    server.route("/a1.html", Resp::html(page(1)));
    server.route("/a2.html", Resp::html(page(2)));
    // Cut off in the middle of the second item, as a server exception or a dropped connection leaves it.
    let truncated = format!(
        "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>T</title><item><title>Bài 1</title><link>{}</link></item><item><title>Bài 2</title><link>{}</link><description>Hết gi",
        server.url("/a1.html"),
        server.url("/a2.html")
    );
    server.route("/cut.rss", Resp::new("application/rss+xml", truncated));
    // Items in a namespace no feed format uses: they would count zero, silently.
    server.route(
        "/odd.xml",
        Resp::new(
            "application/xml",
            "<feed xmlns=\"http://example.com/not-atom\"><entry><title>x</title></entry><entry/></feed>",
        ),
    );
    server.route("/home.html", Resp::html("<!DOCTYPE html><html><head><link rel=\"alternate\" type=\"application/rss+xml\" href=\"/cut.rss\"></head><body>home</body></html>"));
    server.route("/private.rss", Resp::status(401));
    let env = env(&format!(
        "[[feed]]\nname = \"cut\"\nurl = \"{}\"\n\n[[feed]]\nname = \"odd\"\nurl = \"{}\"\n\n[[feed]]\nname = \"home\"\nurl = \"{}\"\n\n[[feed]]\nname = \"private\"\nurl = \"{}\"\n",
        server.url("/cut.rss"),
        server.url("/odd.xml"),
        server.url("/home.html"),
        server.url("/private.rss"),
    ));
    let r = env.once();
    let new = r.events("article.new");
    assert_eq!(new.len(), 2, "both items of the truncated feed are read: {}", r.stdout);
    let errors: Vec<Value> = r.events("feed.error");
    let error_of = |name: &str| {
        errors
            .iter()
            .find(|e| e["feed"] == name)
            .map(|e| s(&e["error"]).to_string())
            .unwrap_or_else(|| panic!("no feed.error for {name}"))
    };
    assert_eq!(
        error_of("cut"),
        "damaged feed, read by recovery: the document ends before </description> </item> </channel> </rss>: truncated"
    );
    let cut = feed_state(&env, "cut");
    assert_eq!((n(&cut["items"]), n(&cut["errors"])), (2, 0));
    assert_eq!(s(&cut["last_error"]), error_of("cut"));
    assert_eq!(
        error_of("odd"),
        "the feed holds 2 <item>/<entry> elements but none could be read (its root <feed> holds no item presswatch can read)"
    );
    assert_eq!(n(&feed_state(&env, "odd")["errors"]), 1);
    assert_eq!(
        error_of("home"),
        format!(
            "not a feed: {} is an HTML page; `presswatch discover` finds: {} (rss, 2 items)",
            server.url("/home.html"),
            server.url("/cut.rss")
        )
    );
    let private = error_of("private");
    assert!(
        private.starts_with(&format!(
            "HTTP 401 from {}: the site refuses the crawler (user agent sent: \"presswatch/",
            server.url("/private.rss")
        )),
        "{private}"
    );
    assert_eq!(feed_state(&env, "private")["last_status"], 401);
}

fn news_urlset(server: &Server, ids: std::ops::Range<usize>, lastmod: impl Fn(usize) -> String) -> String {
    let urls: String = ids
        .map(|i| {
            format!(
                "<url><loc>{}</loc><lastmod>{}</lastmod><news:news><news:publication><news:name>Báo</news:name><news:language>vi</news:language></news:publication><news:publication_date>2026-11-27T08:00:00+07:00</news:publication_date><news:title>Tin số {i}</news:title></news:news></url>\n",
                server.url(&format!("/n/{i}.html")),
                lastmod(i)
            )
        })
        .collect();
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\" xmlns:news=\"http://www.google.com/schemas/sitemap-news/0.9\">\n{urls}</urlset>"
    )
}

/// Article pages `/n/0.html` … `/n/{count-1}.html`; page `edited` says something else once `edit` is set.
fn news_pages(server: &Server, count: usize, edited: usize, edit: Arc<AtomicUsize>) {
    for i in 0..count {
        let edit = edit.clone();
        server.route_fn(&format!("/n/{i}.html"), move |_, _| {
            let sentence = if i == edited && edit.load(Ordering::SeqCst) > 0 {
                format!("Tin số {i} đã được sửa lại: con số đúng là 42.")
            } else {
                format!("Tin số {i} kể chuyện của ngày hôm nay.")
            };
            Resp::html(article_page(&format!("Tin số {i}"), &sentence))
        });
    }
}

#[test]
fn a_gzipped_news_sitemap_of_a_thousand_urls() {
    let server = Server::start();
    let edit = Arc::new(AtomicUsize::new(0));
    news_pages(&server, 1000, usize::MAX, edit);
    let body = gzip(news_urlset(&server, 0..1000, |_| "2026-11-27T08:00:00+07:00".into()).as_bytes());
    server.route("/sitemap-news.xml.gz", Resp::new("application/x-gzip", body).etag("\"n1\""));
    let env = env(&format!(
        "[[feed]]\nname = \"news\"\nurl = \"{}\"\nkind = \"sitemap\"\n",
        server.url("/sitemap-news.xml.gz")
    ));
    let r = env.once();
    assert_eq!(r.events("article.new").len(), 1000);
    let summary = r.summary();
    assert_eq!((n(&summary["pages"]), n(&summary["new"])), (1000, 1000));
    let state = feed_state(&env, "news");
    assert_eq!((n(&state["items"]), &state["last_error"], s(&state["etag"])), (1000, &Value::Null, "\"n1\""));
    let a = env.show(&server.url("/n/7.html"));
    assert_eq!(s(&a["title"]), "Tin số 7");
    // The page gives no date: the news sitemap's publication date, in UTC.
    assert_eq!(s(&a["published"]), "2026-11-27T01:00:00+00:00");
    // Conditional GET: unchanged, one 304 and no page.
    let r = env.once();
    assert_eq!((n(&r.summary()["not_modified"]), n(&r.summary()["pages"])), (1, 0));
    assert_eq!(server.requests_for("/sitemap-news.xml.gz")[1].if_none_match.as_deref(), Some("\"n1\""));
}

#[test]
fn a_sitemap_index_of_two_with_a_lastmod_change_refetches_one_page_and_reports_its_edit() {
    let server = Server::start();
    let edit = Arc::new(AtomicUsize::new(0));
    news_pages(&server, 10, 7, edit.clone());
    let index = format!(
        "<?xml version=\"1.0\"?><sitemapindex xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\"><sitemap><loc>{}</loc></sitemap><sitemap><loc>/s2.xml</loc></sitemap></sitemapindex>",
        server.url("/s1.xml.gz")
    );
    server.route("/index.xml", Resp::new("application/xml", index).etag("\"i\""));
    server.route(
        "/s1.xml.gz",
        Resp::new("application/x-gzip", gzip(news_urlset(&server, 0..5, |_| "2026-11-27".into()).as_bytes()))
            .etag("\"s1\""),
    );
    let s2 = |day: &str| news_urlset(&server, 5..10, |i| if i == 7 { day.to_string() } else { "2026-11-27".into() });
    server.route(
        "/s2.xml",
        Resp::new("application/xml", s2("2026-11-27")).last_modified("Fri, 27 Nov 2026 08:00:00 GMT"),
    );
    let env = env(&format!("[[feed]]\nname = \"idx\"\nurl = \"{}\"\nkind = \"sitemap\"\n", server.url("/index.xml")));
    let r = env.once();
    assert_eq!(r.events("article.new").len(), 10);
    assert_eq!(n(&feed_state(&env, "idx")["items"]), 10);

    // Nothing changed: the index and both sitemaps answer 304, no page is fetched.
    let r = env.once();
    assert_eq!(n(&r.summary()["pages"]), 0);
    assert_eq!((n(&r.summary()["not_modified"]), n(&feed_state(&env, "idx")["items"])), (1, 10));
    for path in ["/index.xml", "/s1.xml.gz", "/s2.xml"] {
        let reqs = server.requests_for(path);
        assert_eq!((reqs.len(), reqs[1].status), (2, 304), "{path}");
    }

    // Page 7 is corrected and its <lastmod> moves; the index itself stays the same (304).
    edit.store(1, Ordering::SeqCst);
    server.route(
        "/s2.xml",
        Resp::new("application/xml", s2("2026-11-28T09:30:00+07:00")).last_modified("Sat, 28 Nov 2026 02:30:00 GMT"),
    );
    let r = env.once();
    let edited = r.events("article.edited");
    assert_eq!(edited.len(), 1, "{}", r.stdout);
    assert_eq!((s(&edited[0]["url"]), n(&edited[0]["version"])), (server.url("/n/7.html").as_str(), 2));
    assert_eq!(n(&r.summary()["pages"]), 1, "only the page whose lastmod changed is fetched");
    // Page 7 three times: once in the first pass, twice in this one (a changed page is fetched again to tell
    // an edit from churn).
    for i in 0..10 {
        assert_eq!(server.count(&format!("/n/{i}.html")), if i == 7 { 3 } else { 1 }, "page {i}");
    }
    assert_eq!(server.requests_for("/index.xml")[2].status, 304);
    assert_eq!(n(&feed_state(&env, "idx")["items"]), 10);
}

#[test]
fn sitemap_limits_other_hosts_urls_size_and_depth() {
    let server = Server::start();
    news_pages(&server, 2, usize::MAX, Arc::new(AtomicUsize::new(0)));
    // 50,002 URLs: two on this host, the rest on another one (never fetched).
    let mut urls = String::new();
    for i in 0..2 {
        urls.push_str(&format!("<url><loc>{}</loc></url>", server.url(&format!("/n/{i}.html"))));
    }
    for i in 0..50_000 {
        urls.push_str(&format!("<url><loc>https://elsewhere.example/{i}.html</loc></url>"));
    }
    let big = format!("<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">{urls}</urlset>");
    server.route("/big.xml.gz", Resp::new("application/x-gzip", gzip(big.as_bytes())));
    // 51 MB of white space after the root, gzipped to a few kilobytes.
    let mut huge = b"<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">".to_vec();
    huge.resize(51 * 1024 * 1024, b' ');
    server.route("/huge.xml.gz", Resp::new("application/x-gzip", gzip(&huge)));
    // Three levels of indexes: the third is not followed.
    let index = |loc: &str| format!("<sitemapindex><sitemap><loc>{}</loc></sitemap></sitemapindex>", server.url(loc));
    server.route("/deep0.xml", Resp::new("application/xml", index("/deep1.xml")));
    server.route("/deep1.xml", Resp::new("application/xml", index("/deep2.xml")));
    server.route("/deep2.xml", Resp::new("application/xml", index("/big.xml.gz")));
    let env = env(&format!(
        "[[feed]]\nname = \"big\"\nurl = \"{}\"\nkind = \"sitemap\"\n\n[[feed]]\nname = \"huge\"\nurl = \"{}\"\nkind = \"sitemap\"\n\n[[feed]]\nname = \"deep\"\nurl = \"{}\"\nkind = \"sitemap\"\n",
        server.url("/big.xml.gz"),
        server.url("/huge.xml.gz"),
        server.url("/deep0.xml")
    ));
    let r = env.once();
    assert_eq!(r.events("article.new").len(), 2, "only this host's URLs are fetched");
    let big = feed_state(&env, "big");
    assert_eq!(n(&big["items"]), 2);
    assert_eq!(
        s(&big["last_error"]),
        format!(
            "damaged feed, read by recovery: {} lists more than 50000 URLs; the first 50000 are read, 2 are not",
            server.url("/big.xml.gz")
        )
    );
    let skipped: Vec<Value> = r
        .json_lines()
        .into_iter()
        .filter(|l| l["feed"] == "big" && l["message"].as_str().is_some_and(|m| m.starts_with("skipped")))
        .collect();
    assert_eq!(
        s(&skipped[0]["message"]),
        "skipped feed item: 49998 URLs on other hosts than 127.0.0.1 were ignored (set allow_other_hosts = true to follow them)"
    );
    let huge = feed_state(&env, "huge");
    assert_eq!(n(&huge["errors"]), 1);
    assert_eq!(
        s(&huge["last_error"]),
        format!(
            "{}: larger than 50 MB (52428800 bytes) uncompressed, the sitemap protocol's limit",
            server.url("/huge.xml.gz")
        )
    );
    let deep = feed_state(&env, "deep");
    assert_eq!(
        s(&deep["last_error"]),
        format!(
            "damaged feed, read by recovery: {} is a sitemap index nested more than 2 levels deep; not followed",
            server.url("/deep2.xml")
        )
    );
    assert_eq!(server.count("/big.xml.gz"), 1, "the too-deep index's sitemap is not fetched");
}
