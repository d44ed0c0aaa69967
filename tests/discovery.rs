//! Finding and adding sources: `discover` on a home page with alternates and on one with none (common paths,
//! robots.txt sitemaps), through the crawler's address guard; `add` on a commented config (comments kept,
//! duplicates refused, a running daemon picks it up on SIGHUP); OPML export, import of Miniflux, Feedly and
//! NetNewsWire exports, `--append`, and a round trip that keeps every feed; a sharded config is edited and
//! exported whole.

mod common;

use std::time::Duration;

use common::daemon::Daemon;
use common::raw::{article_page, rss};
use common::{n, s, Resp, Server, TestEnv};
use serde_json::json;

fn atom(server: &Server, entries: usize) -> String {
    let e: String = (1..=entries)
        .map(|i| {
            format!(
                "<entry><title>E{i}</title><id>urn:e{i}</id><updated>2026-11-27T00:00:00Z</updated><link href=\"{}\"/></entry>",
                server.url(&format!("/e/{i}.html"))
            )
        })
        .collect();
    format!(
        "<?xml version=\"1.0\"?><feed xmlns=\"http://www.w3.org/2005/Atom\"><title>Atom của báo</title><id>urn:f</id><updated>2026-11-27T00:00:00Z</updated>{e}</feed>"
    )
}

fn rss_items(server: &Server, n: usize) -> String {
    let items: Vec<(String, String)> =
        (1..=n).map(|i| (format!("Tin {i}"), server.url(&format!("/p/{i}.html")))).collect();
    rss(&items)
}

fn news_sitemap(server: &Server, from: usize, to: usize) -> String {
    let urls: String = (from..to)
        .map(|i| {
            format!(
                "<url><loc>{}</loc><news:news><news:publication><news:name>B</news:name><news:language>vi</news:language></news:publication><news:publication_date>2026-11-27T08:00:00+07:00</news:publication_date><news:title>Bài {i}</news:title></news:news></url>",
                server.url(&format!("/n/{i}.html"))
            )
        })
        .collect();
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\" xmlns:news=\"http://www.google.com/schemas/sitemap-news/0.9\">{urls}</urlset>"
    )
}

/// A site whose home page announces an RSS, an Atom and a JSON feed, and whose robots.txt names a news sitemap.
fn site_with_alternates() -> Server {
    let server = Server::start();
    let home = format!(
        r#"<!DOCTYPE html><html><head><title>Báo</title>
<link rel="alternate" type="application/rss+xml" title="Tin mới" href="/rss/home.rss">
<link rel="alternate" type="application/atom+xml" href="{}">
<link rel="alternate" type="application/feed+json" href="feed.json">
<link rel="alternate" type="application/rss+xml" href="/rss/gone.rss">
</head><body><p>Trang chủ</p></body></html>"#,
        server.url("/atom.xml")
    );
    server.route("/", Resp::html(home));
    server.route("/rss/home.rss", Resp::new("application/rss+xml", rss_items(&server, 3)));
    server.route("/atom.xml", Resp::new("application/atom+xml", atom(&server, 2)));
    let json_feed = json!({"version": "https://jsonfeed.org/version/1.1", "title": "JSON", "items": [
        {"id": "1", "url": server.url("/j/1.html")}, {"id": "2", "url": server.url("/j/2.html")},
        {"id": "3", "url": server.url("/j/3.html")}, {"id": "4", "url": server.url("/j/4.html")}]});
    server.route("/feed.json", Resp::new("application/feed+json", json_feed.to_string()));
    server.route(
        "/robots.txt",
        Resp::new(
            "text/plain",
            format!("User-agent: *\nDisallow: /admin\nSitemap: {}\n", server.url("/sitemap_news.xml")),
        ),
    );
    server.route("/sitemap_news.xml", Resp::new("application/xml", news_sitemap(&server, 0, 5)));
    server
}

/// A site that announces nothing: its feed is at `/feed`, and robots.txt names a sitemap index of a news sitemap
/// (gzipped) and a plain one.
fn site_without_alternates() -> Server {
    let server = Server::start();
    server.route(
        "/",
        Resp::html("<!DOCTYPE html><html><head><title>Báo</title></head><body><p>Trang chủ</p></body></html>"),
    );
    server.route("/feed", Resp::new("application/rss+xml", rss_items(&server, 2)));
    // An HTML page at a common path is not a feed, and is not listed.
    server.route("/rss", Resp::html("<!DOCTYPE html><html><body>RSS của chúng tôi</body></html>"));
    server.route("/robots.txt", Resp::new("text/plain", format!("Sitemap: {}\n", server.url("/sitemap_index.xml"))));
    let index = format!(
        "<?xml version=\"1.0\"?><sitemapindex xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\"><sitemap><loc>{}</loc></sitemap><sitemap><loc>{}</loc></sitemap></sitemapindex>",
        server.url("/sitemap-news.xml.gz"),
        server.url("/sitemap-pages.xml")
    );
    server.route("/sitemap_index.xml", Resp::new("application/xml", index));
    server.route("/sitemap-news.xml.gz", Resp::new("application/x-gzip", gzip(news_sitemap(&server, 0, 7).as_bytes())));
    let pages = format!(
        "<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\"><url><loc>{}</loc></url><url><loc>{}</loc></url></urlset>",
        server.url("/about.html"),
        server.url("/contact.html")
    );
    server.route("/sitemap-pages.xml", Resp::new("application/xml", pages));
    server
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    use std::io::Write;
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    enc.write_all(bytes).unwrap();
    enc.finish().unwrap()
}

fn config_text(env: &TestEnv, crawler: &str, feeds: &str) -> String {
    format!(
        "# presswatch for the desk\n[store]\npath = {}   # the store\n\n[crawler]\n{crawler}\nrobots = false\n\n# Our sources\n{feeds}",
        serde_json::to_string(&env.store.display().to_string()).unwrap()
    )
}

fn env_with(crawler: &str, feeds: &str) -> TestEnv {
    let env = TestEnv::new(&[], "");
    std::fs::write(&env.config, config_text(&env, crawler, feeds)).unwrap();
    env
}

#[test]
fn discover_lists_alternates_and_robots_sitemaps_with_their_kind_title_and_items() {
    let site = site_with_alternates();
    let env = env_with("allow_private_networks = true", "");
    let r = env.run(&["discover", &site.url("/"), "--json"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let got = r.json_lines();
    assert_eq!(
        got,
        vec![
            json!({"url": site.url("/rss/home.rss"), "kind": "rss", "title": "t", "items": 3}),
            json!({"url": site.url("/atom.xml"), "kind": "atom", "title": "Atom của báo", "items": 2}),
            json!({"url": site.url("/feed.json"), "kind": "json", "title": "JSON", "items": 4}),
            json!({"url": site.url("/sitemap_news.xml"), "kind": "news-sitemap", "title": null, "items": 5}),
        ]
    );
    // The announced feed that is gone is named on stderr; the common paths that 404 are not.
    assert!(r.stderr.contains(&format!("{}: HTTP 404 from", site.url("/rss/gone.rss"))), "{}", r.stderr);
    assert!(!r.stderr.contains("/rss.xml"), "{}", r.stderr);
    // Text output: one line a source.
    let r = env.run(&["discover", &site.url("/")]);
    assert_eq!(r.stdout.lines().next().unwrap(), format!("rss               3  {}  t", site.url("/rss/home.rss")));
    assert_eq!(r.stdout.lines().count(), 4);
}

#[test]
fn discover_without_alternates_probes_common_paths_and_robots_sitemaps() {
    let site = site_without_alternates();
    let env = env_with("allow_private_networks = true", "");
    let got = env.query(&["discover", &site.url("/")]);
    assert_eq!(
        got,
        vec![
            json!({"url": site.url("/feed"), "kind": "rss", "title": "t", "items": 2}),
            json!({"url": site.url("/sitemap_index.xml"), "kind": "news-sitemap", "title": "sitemap index of 2 sitemaps", "items": 9, "sitemaps": 2}),
        ]
    );
    // A feed's own URL is its own answer.
    assert_eq!(env.query(&["discover", &site.url("/feed")]), vec![got[0].clone()]);
}

#[test]
fn discover_fetches_through_the_address_guard_and_allow_hosts() {
    let site = site_with_alternates();
    let guarded = env_with("allow_private_networks = false", "");
    let r = guarded.run(&["discover", &site.url("/")]);
    assert_eq!(r.code, 1);
    assert!(r.stderr.contains("refused") && r.stderr.contains("127.0.0.1"), "{}", r.stderr);
    let allowed = env_with("allow_private_networks = false\nallow_hosts = [\"127.0.0.1\"]", "");
    assert_eq!(allowed.query(&["discover", &site.url("/")]).len(), 4);
}

#[test]
fn a_site_that_refuses_the_crawler_is_named_with_the_user_agent() {
    let server = Server::start();
    server.route("/", Resp::status(403));
    let env =
        env_with("allow_private_networks = true\nuser_agent = \"presswatch-test/1 (+https://example.org/pw)\"", "");
    let r = env.run(&["discover", &server.url("/")]);
    assert_eq!(r.code, 1);
    assert_eq!(
        r.stderr.trim(),
        format!(
            "presswatch: HTTP 403 from {}: the site refuses the crawler (user agent sent: \"presswatch-test/1 (+https://example.org/pw)\"); ask the site to allow it, or set [crawler] user_agent",
            server.url("/")
        )
    );
}

#[test]
fn add_appends_the_best_feed_keeping_comments_and_refuses_duplicates() {
    let alternates = site_with_alternates();
    let bare = site_without_alternates();
    let feeds = "[[feed]]\nname = \"old\"   # keep me\nurl = \"https://old.example/rss\"\n";
    let env = env_with("allow_private_networks = true", feeds);
    let before = std::fs::read_to_string(&env.config).unwrap();

    let r = env.run(&["add", &alternates.url("/"), "--name", "báo"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(
        r.stdout.trim(),
        format!("added feed `báo`: {} (json, 4 items) to {}", alternates.url("/feed.json"), env.config.display())
    );
    let after = std::fs::read_to_string(&env.config).unwrap();
    assert_eq!(after, format!("{before}\n[[feed]]\nname = \"báo\"\nurl = \"{}\"\n", alternates.url("/feed.json")));

    // The default name is the host; a name or URL that is taken is refused, the file untouched.
    let r = env.run(&["add", &bare.url("/")]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stdout.contains(&format!("added feed `127.0.0.1`: {} (rss, 2 items)", bare.url("/feed"))),
        "{}",
        r.stdout
    );
    let two = std::fs::read_to_string(&env.config).unwrap();
    let r = env.run(&["add", &bare.url("/feed"), "--name", "other"]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("is already configured as feed `127.0.0.1`"), "{}", r.stderr);
    let r = env.run(&["add", &alternates.url("/atom.xml"), "--name", "old"]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("a feed named `old` is already configured"), "{}", r.stderr);
    assert_eq!(std::fs::read_to_string(&env.config).unwrap(), two);

    // With no feed, a news sitemap is added as kind = "sitemap".
    let news_only = Server::start();
    news_only.route("/", Resp::html("<html><body>x</body></html>"));
    news_only.route("/robots.txt", Resp::new("text/plain", format!("Sitemap: {}\n", news_only.url("/news.xml"))));
    news_only.route("/news.xml", Resp::new("application/xml", news_sitemap(&news_only, 0, 3)));
    let r = env.run(&["add", &news_only.url("/"), "--name", "tin"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(std::fs::read_to_string(&env.config).unwrap().ends_with(&format!(
        "[[feed]]\nname = \"tin\"\nurl = \"{}\"\nkind = \"sitemap\"\n",
        news_only.url("/news.xml")
    )));
    let cfg = env.run(&["feeds", "--json"]);
    assert_eq!(cfg.json_lines().len(), 4, "{}", cfg.stderr);
}

#[test]
fn a_running_daemon_picks_up_an_added_feed_on_sighup() {
    let first = Server::start();
    first.route("/feed.rss", Resp::new("application/rss+xml", rss(&[("Một".into(), first.url("/a.html"))])));
    first.route("/a.html", Resp::html(article_page("Bài một", "Nội dung thứ nhất của bài.")));
    let site = site_without_alternates();
    site.route("/p/1.html", Resp::html(article_page("Bài hai", "Nội dung của trang thứ hai.")));
    site.route("/p/2.html", Resp::html(article_page("Bài ba", "Nội dung của trang thứ ba.")));
    let feeds =
        format!("[defaults]\ninterval = \"1s\"\n\n[[feed]]\nname = \"first\"\nurl = \"{}\"\n", first.url("/feed.rss"));
    let env = env_with("allow_private_networks = true", &feeds);
    let daemon = Daemon::start(&env);
    daemon.wait_for_line("the first article", Duration::from_secs(30), |v| v["event"] == "article.new");

    let r = env.run(&["add", &site.url("/"), "--name", "second"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stderr.contains("SIGHUP"), "{}", r.stderr);
    daemon.signal("-HUP");
    let reloaded =
        daemon.wait_for_line("config.reloaded", Duration::from_secs(10), |v| v["event"] == "config.reloaded");
    assert_eq!(n(&reloaded["feeds"]), 2);
    let new = daemon.wait_for_line("an article of the added feed", Duration::from_secs(30), |v| {
        v["event"] == "article.new" && v["feed"] == "second"
    });
    assert!(s(&new["url"]).starts_with(&site.url("/p/")), "{new}");
}

fn fixture(name: &str) -> String {
    format!("{}/tests/fixtures/opml/{name}", env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn opml_import_reads_miniflux_feedly_and_netnewswire_exports() {
    let env = env_with("allow_private_networks = true", "");
    let r = env.run(&["opml", "import", &fixture("miniflux.opml")]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(
        r.stdout,
        "[[feed]]\nname = \"Báo Quốc tế\"\nurl = \"https://baoquocte.vn/rss_feed/\"\ncategory = \"All\"\n\n\
         [[feed]]\nname = \"heise online News\"\nurl = \"https://www.heise.de/newsticker/heise.rdf\"\ncategory = \"Tech\"\n\n\
         [[feed]]\nname = \"Ars & Technica\"\nurl = \"https://feeds.arstechnica.com/arstechnica/index\"\ncategory = \"Tech\"\n"
    );
    let r = env.run(&["opml", "import", &fixture("feedly.opml")]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(
        r.stdout,
        "[[feed]]\nname = \"VnExpress - Tin mới nhất\"\nurl = \"https://vnexpress.net/rss/tin-moi-nhat.rss\"\ncategory = \"News\"\n\n\
         [[feed]]\nname = \"BBC News\"\nurl = \"http://feeds.bbci.co.uk/news/rss.xml\"\ncategory = \"News\"\n\n\
         [[feed]]\nname = \"ข่าวไทย\"\nurl = \"https://news.example.th/rss.xml\"\ncategory = \"Thai\"\n"
    );
    let r = env.run(&["opml", "import", &fixture("netnewswire.opml")]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(
        r.stdout,
        "[[feed]]\nname = \"Daring Fireball\"\nurl = \"https://daringfireball.net/feeds/json\"\n\n\
         [[feed]]\nname = \"inessential\"\nurl = \"https://inessential.com/feed.json\"\ncategory = \"Blogs\"\n\n\
         [[feed]]\nname = \"BBC News\"\nurl = \"http://feeds.bbci.co.uk/news/rss.xml\"\ncategory = \"Blogs\"\n"
    );
    let bad = env.path().join("bad.opml");
    std::fs::write(&bad, "<rss version=\"2.0\"/>").unwrap();
    let r = env.run(&["opml", "import", bad.to_str().unwrap()]);
    assert_eq!(r.code, 2);
    assert_eq!(r.stderr.trim(), format!("presswatch: {}: not an OPML file: its root element is <rss>", bad.display()));
}

#[test]
fn opml_append_skips_known_urls_renames_clashes_and_keeps_comments() {
    let feeds = "[[feed]]\nname = \"BBC News\"   # the World Service one\nurl = \"https://feeds.bbci.co.uk/news/world/rss.xml\"\n\n\
                 [[feed]]\nname = \"vnexpress\"\nurl = \"https://vnexpress.net/rss/tin-moi-nhat.rss\"\n";
    let env = env_with("allow_private_networks = true", feeds);
    let before = std::fs::read_to_string(&env.config).unwrap();
    let r = env.run(&["opml", "import", "--append", &fixture("feedly.opml")]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(r.stdout, "", "only the document or the blocks go to stdout");
    assert_eq!(
        r.stderr.lines().collect::<Vec<_>>(),
        vec![
            "presswatch: skipped https://vnexpress.net/rss/tin-moi-nhat.rss: already configured as feed `vnexpress`",
            "presswatch: renamed `BBC News` to `BBC News-2`: the name is already taken",
            &format!(
                "presswatch: appended 2 feeds to {} (1 skipped, 1 renamed); a running daemon reads them on SIGHUP",
                env.config.display()
            ),
        ]
    );
    let after = std::fs::read_to_string(&env.config).unwrap();
    assert_eq!(
        after,
        format!(
            "{before}\n[[feed]]\nname = \"BBC News-2\"\nurl = \"http://feeds.bbci.co.uk/news/rss.xml\"\ncategory = \"News\"\n\n\
             [[feed]]\nname = \"ข่าวไทย\"\nurl = \"https://news.example.th/rss.xml\"\ncategory = \"Thai\"\n"
        )
    );
}

#[test]
fn an_opml_round_trip_keeps_every_feed() {
    let feeds = "[[feed]]\nname = \"baoquocte\"\nurl = \"https://baoquocte.vn/rss_feed/\"\ncategory = \"Tin tức\"\n\n\
                 [[feed]]\nname = \"heise & co\"\nurl = \"https://www.heise.de/newsticker/heise.rdf?x=1&y=2\"\n\n\
                 [[feed]]\nname = \"tin nhanh\"\nurl = \"https://news.example/sitemap-news.xml\"\nkind = \"sitemap\"\ncategory = \"Tin tức\"\n\n\
                 [[feed]]\nname = \"thai\"\nurl = \"https://news.example.th/rss.xml\"\ncategory = \"Thai\"\n";
    let env = env_with("allow_private_networks = true", feeds);
    let r = env.run(&["opml", "export"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let opml = r.stdout.clone();
    assert!(opml.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<opml version=\"2.0\">\n  <head>\n    <title>presswatch feeds</title>\n"), "{opml}");
    assert!(
        opml.contains("  <body>\n    <outline type=\"rss\" text=\"heise &amp; co\" title=\"heise &amp; co\" xmlUrl=\"https://www.heise.de/newsticker/heise.rdf?x=1&amp;y=2\" htmlUrl=\"https://www.heise.de/\"/>\n    <outline text=\"Tin tức\" title=\"Tin tức\">\n      <outline type=\"rss\" text=\"baoquocte\""),
        "{opml}"
    );
    // Imported into an empty config, the export gives the same feeds back (grouped by category).
    let file = env.path().join("export.opml");
    std::fs::write(&file, &opml).unwrap();
    let empty = env_with("allow_private_networks = true", "");
    let r = empty.run(&["opml", "import", "--append", file.to_str().unwrap()]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let parse = |env: &TestEnv| {
        let text = std::fs::read_to_string(&env.config).unwrap();
        let v: toml::Value = toml::from_str(&text).unwrap();
        let mut list: Vec<String> = v["feed"].as_array().unwrap().iter().map(|f| f.to_string()).collect();
        list.sort();
        list
    };
    assert_eq!(parse(&empty), parse(&env));
    assert_eq!(parse(&empty).len(), 4);
}

/// `[crawler] shard` (issue 12) splits the feeds a daemon polls, not the file: `add`, `opml` and `extract --feed`
/// see every `[[feed]]`, so a URL or name of another shard is known, and an export lists the whole file.
#[test]
fn a_sharded_config_is_added_to_exported_and_imported_whole() {
    use presswatch::config::Shard;
    // Two URLs of the two shards of "0/2" (the shard of a URL is fixed by its blake3 hash). They are loopback
    // URLs the address guard refuses: nothing here may reach a network, even if a check is skipped.
    let url_of = |shard: u64| {
        (0..)
            .map(|i| format!("http://127.0.0.1:9/feed{i}.rss"))
            .find(|u| Shard::of(u, 2) == shard)
            .expect("some URL hashes to each shard")
    };
    let (ours, theirs) = (url_of(0), url_of(1));
    let feeds = format!(
        "[[feed]]\nname = \"ours\"\nurl = \"{ours}\"\n\n[[feed]]\nname = \"theirs\"\nurl = \"{theirs}\"\ndrop = [\".ad\"]\n"
    );
    let env = env_with("shard = \"0/2\"", &feeds);
    let polled: Vec<String> = env.query(&["feeds"]).iter().map(|f| s(&f["name"]).to_string()).collect();
    assert_eq!(polled, ["ours"], "this daemon polls its shard only");

    let before = std::fs::read_to_string(&env.config).unwrap();
    let r = env.run(&["add", &theirs, "--name", "again"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains(&format!("{theirs} is already configured as feed `theirs`")), "{}", r.stderr);
    let r = env.run(&["add", "http://127.0.0.1:9/elsewhere", "--name", "theirs"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("a feed named `theirs` is already configured"), "{}", r.stderr);
    assert_eq!(std::fs::read_to_string(&env.config).unwrap(), before);

    let r = env.run(&["opml", "export"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let urls: Vec<&str> = r.stdout.lines().filter_map(|l| l.split("xmlUrl=\"").nth(1)?.split('"').next()).collect();
    assert_eq!(urls, [ours.as_str(), theirs.as_str()]);

    let file = env.path().join("subs.opml");
    std::fs::write(
        &file,
        format!("<opml version=\"2.0\"><body><outline text=\"t\" xmlUrl=\"{theirs}\"/></body></opml>"),
    )
    .unwrap();
    let r = env.run(&["opml", "import", file.to_str().unwrap()]);
    assert_eq!((r.code, r.stdout.as_str()), (0, ""), "{}", r.stderr);
    assert!(r.stderr.contains(&format!("skipped {theirs}: already configured as feed `theirs`")), "{}", r.stderr);

    // `extract --feed` uses the other shard's noise rules too.
    let page = env.path().join("page.html");
    std::fs::write(
        &page,
        article_page("Tin", "Một câu của bài.").replace("</h1>", "</h1><p class=\"ad\">Quảng cáo ở đây.</p>"),
    )
    .unwrap();
    let r = env.run(&["extract", "--feed", "theirs", "--json", page.to_str().unwrap()]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(!r.stdout.contains("Quảng cáo") && r.stdout.contains("Một câu của bài."), "{}", r.stdout);
}
