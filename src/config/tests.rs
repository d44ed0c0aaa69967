//! Config tests: every key read, every mistake named with its file and key.

use super::*;

fn parse(text: &str) -> Result<Config, ConfigError> {
    Config::parse(text, Path::new("test.toml"))
}

#[test]
fn full_example_parses_with_overrides() {
    let c = parse(
        r#"
        [store]
        path = "/tmp/pw"
        [crawler]
        concurrency = 8
        per_host_concurrency = 1
        timeout = "5s"
        max_body = "2MiB"
        allow_private_networks = true
        allow_hosts = ["Example.ORG"]
        [defaults]
        interval = "10m"
        recheck = ["1h", "15m"]
        [[feed]]
        url = "https://example.org/rss"
        [[feed]]
        name = "b"
        url = "https://example.net/atom"
        interval = "5m"
        recheck = ["2h"]
        "#,
    )
    .unwrap();
    assert_eq!(c.store_path, PathBuf::from("/tmp/pw"));
    assert_eq!(c.crawler.concurrency, 8);
    assert_eq!(c.crawler.timeout, Duration::from_secs(5));
    assert_eq!(c.crawler.max_body, 2 * 1024 * 1024);
    assert_eq!(c.crawler.allow_hosts, vec!["example.org".to_string()]);
    assert_eq!(c.feeds[0].name, "example.org");
    assert_eq!(c.feeds[0].interval, Duration::from_secs(600));
    assert_eq!(c.feeds[0].recheck, vec![Duration::from_secs(900), Duration::from_secs(3600)]);
    assert_eq!(c.feeds[1].interval, Duration::from_secs(300));
    assert_eq!(c.feeds[1].recheck, vec![Duration::from_secs(7200)]);
}

#[test]
fn errors_name_the_file_and_key() {
    let e = parse("[crawler]\ntimeout = \"soon\"\n").unwrap_err().0;
    assert!(e.contains("test.toml") && e.contains("crawler.timeout") && e.contains("soon"), "{e}");
    let e = parse("[crawler]\nmax_body = \"10 parsecs\"\n").unwrap_err().0;
    assert!(e.contains("crawler.max_body") && e.contains("parsecs"), "{e}");
    let e = parse("[crawler]\nspeed = 3\n").unwrap_err().0;
    assert!(e.contains("test.toml") && e.contains("speed"), "{e}");
    let e = parse("[[feed]]\nurl = \"https://a.example/\"\n[[feed]]\nurl = \"https://a.example/x\"\n").unwrap_err().0;
    assert!(e.contains("feed[1].name") && e.contains("duplicate"), "{e}");
    let e = parse("[[feed]]\nurl = \"file:///etc/passwd\"\n").unwrap_err().0;
    assert!(e.contains("feed[0].url"), "{e}");
    let e = parse("[crawler]\nconcurrency = \"many\"\n").unwrap_err().0;
    assert!(e.contains("concurrency"), "{e}");
}

#[test]
fn noise_controls_add_to_the_defaults_and_are_checked() {
    let c = parse(
        r##"
        [defaults]
        drop = [".ad"]
        ignore_lines = ["^Cập nhật"]
        [[feed]]
        url = "https://a.example/rss"
        drop = ["#comments"]
        ignore_lines = ["^Ảnh:"]
        flap_window = 3
        "##,
    )
    .unwrap();
    assert_eq!(c.feeds[0].drop, vec![".ad".to_string(), "#comments".to_string()]);
    assert_eq!(c.feeds[0].ignore_lines.len(), 2);
    assert_eq!(c.feeds[0].flap_window, 3);
    let e = parse("[[feed]]\nurl = \"https://a.example/\"\ndrop = [\"div[\"]\n").unwrap_err().0;
    assert!(e.contains("feed[0].drop") && e.contains("not a valid CSS selector"), "{e}");
    let e = parse("[defaults]\nignore_lines = [\"(unclosed\"]\n").unwrap_err().0;
    assert!(e.contains("defaults.ignore_lines"), "{e}");
}

#[test]
fn sitemap_sources_and_categories() {
    let c = parse(
        "[[feed]]\nurl = \"https://a.example/sitemap.xml\"\nkind = \"sitemap\"\nallow_other_hosts = true\ncategory = \" Tin tức \"\n[[feed]]\nname = \"b\"\nurl = \"https://a.example/rss\"\n",
    )
    .unwrap();
    assert_eq!((c.feeds[0].kind, c.feeds[0].allow_other_hosts), (SourceKind::Sitemap, true));
    assert_eq!(c.feeds[0].category.as_deref(), Some("Tin tức"));
    assert_eq!(
        (c.feeds[1].kind, c.feeds[1].allow_other_hosts, c.feeds[1].category.as_deref()),
        (SourceKind::Feed, false, None)
    );
    let e = parse("[[feed]]\nurl = \"https://a.example/\"\nkind = \"atom\"\n").unwrap_err().0;
    assert!(e.contains("feed[0].kind") && e.contains("\"atom\""), "{e}");
    let e = parse("[[feed]]\nurl = \"https://a.example/\"\nallow_other_hosts = true\n").unwrap_err().0;
    assert!(e.contains("feed[0].allow_other_hosts") && e.contains("sitemap"), "{e}");
}

#[test]
fn sinks_have_defaults_and_shards_take_their_share() {
    let c = parse(
        r#"
        [crawler]
        shard = "1/2"
        [[feed]]
        name = "a"
        url = "https://a.example/rss"
        [[feed]]
        name = "b"
        url = "https://b.example/rss"
        [[sink]]
        name = "bus"
        kind = "nats"
        [[sink]]
        name = "desk"
        kind = "exec"
        command = ["notify"]
        events = ["article.edited"]
        feeds = ["a"]
        min_significance = "minor"
        max_pending = 5
        deliver_timeout = "3s"
        "#,
    )
    .unwrap();
    let bus = &c.sinks[0];
    assert_eq!(bus.events, vec!["article.*".to_string()]);
    assert_eq!((bus.min_significance, bus.max_pending), (crate::change::Significance::Typo, 100_000));
    assert_eq!((bus.deliver_timeout, bus.timeout), (Duration::from_secs(30), Duration::from_secs(10)));
    assert_eq!(bus.kind.target(), "nats://127.0.0.1:4222 presswatch.events.<event> (stream PRESSWATCH)");
    let desk = &c.sinks[1];
    assert_eq!((desk.feeds.clone(), desk.max_pending), (vec!["a".to_string()], 5));
    assert_eq!(desk.min_significance, crate::change::Significance::Minor);
    // The shard keeps the feeds whose URL as written hashes to 1 (mod 2); the sink's feed filter was checked
    // against every configured feed.
    let expected: Vec<&str> =
        ["https://a.example/rss", "https://b.example/rss"].into_iter().filter(|u| Shard::of(u, 2) == 1).collect();
    assert_eq!(c.feeds.iter().map(|f| f.url.as_str()).collect::<Vec<_>>(), expected);
    assert_eq!(c.configured_feeds.iter().map(|f| f.name.as_str()).collect::<Vec<_>>(), ["a", "b"]);
    assert_eq!(Shard::parse(" 2 / 3 "), Ok(Shard { index: 2, count: 3 }));
    for bad in ["3/3", "0/0", "1", "a/b", "-1/2"] {
        assert!(Shard::parse(bad).is_err(), "{bad}");
    }
    assert!(crate::config::event_matches("article.*", "article.new"));
    assert!(!crate::config::event_matches("article.*", "feed.error"));
    assert!(crate::config::event_matches("*", "feed.error"));
    let e = parse("[[sink]]\nname = \"x\"\nkind = \"exec\"\ncommand = [\"t\"]\nevents = [\"Article New\"]\n")
        .unwrap_err()
        .0;
    assert!(e.contains("sink[0].events") && e.contains("Article New"), "{e}");
}

#[test]
fn recheck_tail_keep_html_and_max_retry_after() {
    let c = parse("[[feed]]\nurl = \"https://a.example/rss\"\n").unwrap();
    let day = Duration::from_secs(86400);
    assert_eq!(c.feeds[0].recheck_tail, vec![(day, 7 * day), (7 * day, 60 * day)]);
    assert_eq!(c.defaults.recheck_tail, c.feeds[0].recheck_tail);
    assert!(c.feeds[0].keep_html && c.defaults.keep_html);
    assert_eq!(c.crawler.max_retry_after, day);
    let c = parse(
        "[crawler]\nmax_retry_after = \"2h\"\n[defaults]\nkeep_html = false\nrecheck_tail = []\n\
         [[feed]]\nurl = \"https://a.example/rss\"\nrecheck_tail = [[\"2d\", \"10d\"]]\n\
         [[feed]]\nurl = \"https://b.example/rss\"\nkeep_html = true\n",
    )
    .unwrap();
    assert_eq!(c.crawler.max_retry_after, Duration::from_secs(7200));
    assert_eq!(c.feeds[0].recheck_tail, vec![(2 * day, 10 * day)]);
    assert!(!c.feeds[0].keep_html);
    assert_eq!(c.feeds[1].recheck_tail, vec![]);
    assert!(c.feeds[1].keep_html);
    let e = parse("[defaults]\nrecheck_tail = [[\"0s\", \"1d\"]]\n").unwrap_err().0;
    assert!(e.contains("defaults.recheck_tail") && e.contains("at least 1s"), "{e}");
    let e = parse("[[feed]]\nurl = \"https://a.example/\"\nrecheck_tail = [[\"often\", \"1d\"]]\n").unwrap_err().0;
    assert!(e.contains("feed[0].recheck_tail") && e.contains("often"), "{e}");
    let e = parse("[crawler]\nmax_retry_after = \"forever\"\n").unwrap_err().0;
    assert!(e.contains("crawler.max_retry_after"), "{e}");
}

#[test]
fn sizes() {
    assert_eq!(parse_size("10MiB").unwrap(), 10 * 1024 * 1024);
    assert_eq!(parse_size("5MB").unwrap(), 5_000_000);
    assert_eq!(parse_size("512 KiB").unwrap(), 512 * 1024);
    assert_eq!(parse_size("100").unwrap(), 100);
    assert!(parse_size("lots").is_err());
}
