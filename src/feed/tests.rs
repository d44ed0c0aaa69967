use super::*;

fn url() -> Url {
    Url::parse("https://news.example/rss/home.rss").unwrap()
}

#[test]
fn rss_items_with_relative_links_tracking_and_no_link() {
    let rss = r#"<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>T</title><ttl>30</ttl>
<item><title>
  Một
</title><link>/a-1.html?utm_source=rss</link><guid isPermaLink="false">id-1</guid></item>
<item><title>Two</title><link>https://news.example/b-2.html#c</link></item>
<item><title>No link</title><guid isPermaLink="false">g-3</guid><description><![CDATA[<p>Its <b>own</b> text.</p><p>Two.</p>]]></description></item>
<item><title>Script</title><link>javascript:alert(1)</link></item>
<item></item>
<item><title>Headline only</title></item>
</channel></rss>"#;
    let f = parse(rss.as_bytes(), None, &url()).unwrap();
    assert_eq!(f.ttl_minutes, Some(30));
    assert_eq!((f.entries, f.items.len(), f.format), (6, 3, "rss"));
    assert_eq!(f.items[0].key, "id-1");
    assert_eq!(f.items[0].link.as_str(), "https://news.example/a-1.html");
    assert_eq!(f.items[0].title.as_deref(), Some("Một"));
    assert_eq!(f.items[0].own_text, None);
    assert_eq!(f.items[1].key, "https://news.example/b-2.html");
    assert_eq!(f.items[2].key, "g-3");
    assert_eq!(f.items[2].link.as_str(), "https://news.example/rss/home.rss#item=g-3");
    assert_eq!(f.items[2].own_text.as_deref(), Some("Its own text.\nTwo."));
    let a = f.items[2].own_article().unwrap();
    assert_eq!((a.title.as_str(), a.text.as_str()), ("No link", "Its own text.\nTwo."));
    assert_eq!(a.content_hash, content_hash("No link", "Its own text.\nTwo."));
    assert_eq!(
        f.skipped,
        vec![
            "item \"Script\" has no usable http(s) link (javascript:alert(1))",
            "item #5 has neither a link nor any content",
            "item \"Headline only\" has neither a link nor any content",
        ]
    );
    assert_eq!(f.damage, None);
}

#[test]
fn fingerprint_follows_title_summary_and_own_text() {
    let make = |title: &str, link: &str| {
        format!(
            r#"<rss version="2.0"><channel><title>T</title><item><title>{title}</title>{link}<guid>g</guid><description>s</description></item></channel></rss>"#
        )
    };
    let fp = |t: &str, l: &str| parse(make(t, l).as_bytes(), None, &url()).unwrap().items[0].fingerprint.clone();
    let link = "<link>https://news.example/x</link>";
    assert_eq!(fp("A", link), fp("A", link));
    assert_ne!(fp("A", link), fp("B", link));
    assert_ne!(fp("A", ""), fp("B", ""));
    let own = |d: &str| {
        let rss = format!(
            r#"<rss version="2.0"><channel><item><guid>g</guid><content:encoded xmlns:content="http://purl.org/rss/1.0/modules/content/">{d}</content:encoded></item></channel></rss>"#
        );
        parse(rss.as_bytes(), None, &url()).unwrap().items[0].clone()
    };
    assert_eq!(own("one").own_text.as_deref(), Some("one"));
    assert_ne!(own("one").fingerprint, own("two").fingerprint);
    assert_eq!(own("one").own_article().unwrap().title, "one");
}

#[test]
fn html_and_sitemaps_are_not_feeds() {
    let html = r#"<!DOCTYPE html><html><head><link rel="alternate" type="application/rss+xml" href="/rss/home.rss"></head><body>hi</body></html>"#;
    assert!(matches!(parse(html.as_bytes(), Some("text/html"), &url()), Err(FeedError::Html)));
    assert!(matches!(parse(b"  \n", None, &url()), Err(FeedError::Empty)));
    let sm = r#"<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><url><loc>https://news.example/a</loc></url></urlset>"#;
    let e = parse(sm.as_bytes(), None, &url()).unwrap_err();
    assert_eq!(
        e.to_string(),
        "not a feed but a sitemap (<urlset>): set kind = \"sitemap\" on this [[feed]] to follow it"
    );
}

#[test]
fn a_feed_of_ten_thousand_items_with_duplicate_guids() {
    let items: String = (0..10_000)
        .map(|i| {
            format!(
                "<item><title>T{i}</title><link>https://news.example/{i}.html</link><guid>g{}</guid></item>",
                i % 9_000
            )
        })
        .collect();
    let rss = format!("<rss version=\"2.0\"><channel><title>big</title>{items}</channel></rss>");
    let started = std::time::Instant::now();
    let f = parse(rss.as_bytes(), None, &url()).unwrap();
    assert_eq!(f.entries, 10_000);
    assert_eq!(f.items.len(), 9_000, "the first of each duplicate GUID is kept");
    assert_eq!(f.skipped.len(), 1_000);
    assert_eq!(f.items[8_999].link.as_str(), "https://news.example/8999.html");
    assert!(started.elapsed() < std::time::Duration::from_secs(20), "{:?}", started.elapsed());
}

#[test]
fn atom_and_json_feed() {
    let atom = r#"<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><title>A</title><id>urn:f</id><updated>2026-01-01T00:00:00Z</updated>
<entry><title>E</title><id>urn:e1</id><updated>2026-01-02T00:00:00Z</updated><link rel="alternate" href="https://news.example/e1"/></entry></feed>"#;
    let f = parse(atom.as_bytes(), None, &url()).unwrap();
    assert_eq!((f.format, f.title.as_deref()), ("atom", Some("A")));
    assert_eq!(f.items[0].key, "urn:e1");
    assert_eq!(f.items[0].link.as_str(), "https://news.example/e1");
    let json = r#"{"version":"https://jsonfeed.org/version/1.1","title":"J","items":[{"id":"7","url":"https://news.example/j7?fbclid=1","title":"J7"}]}"#;
    let f = parse(json.as_bytes(), Some("application/feed+json"), &url()).unwrap();
    assert_eq!(f.format, "json");
    assert_eq!(f.items[0].key, "7");
    assert_eq!(f.items[0].link.as_str(), "https://news.example/j7");
    // Without `version` and with a numeric id, as some generators write it.
    let json = r#"{"title":"J","items":[{"id":8,"url":"https://news.example/j8"}]}"#;
    let f = parse(json.as_bytes(), None, &url()).unwrap();
    assert_eq!(f.items[0].key, "8");
}

/// The corpus cases feed-rs alone could not read (the files are in tests/fixtures/feeds, with their licences).
mod corpus {
    use super::*;

    fn read(file: &str) -> Result<ParsedFeed, FeedError> {
        let path = format!("{}/tests/fixtures/feeds/{file}", env!("CARGO_MANIFEST_DIR"));
        let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
        parse(&bytes, Some("application/xml"), &url())
    }

    #[test]
    fn rss_090_in_the_netscape_namespace() {
        let f = read("miniflux/parser__rdf_UTF8.xml").unwrap();
        assert_eq!((f.entries, f.items.len()), (60, 60));
        assert_eq!(f.items[0].title.as_deref(), Some("OLED-TVs: Vorsichtsmaßnahmen gegen Einbrennen"));
        // `wt_mc` is a tracking parameter: canonicalisation drops it.
        assert_eq!(
            f.items[0].link.as_str(),
            "https://www.heise.de/newsticker/meldung/OLED-TVs-Vorsichtsmassnahmen-gegen-Einbrennen-4205274.html"
        );
        assert_eq!(f.damage, None);
    }

    #[test]
    fn atom_xhtml_content_and_inherited_xml_base_without_links() {
        let f = read("feedparser/wellformed_atom10_entry_content_inline_markup.xml").unwrap();
        assert_eq!(f.items.len(), 1);
        assert_eq!(f.items[0].own_text.as_deref(), Some("Example Atom"));
        assert_eq!(f.items[0].key, "text:".to_string() + &blake3::hash(b"Example Atom").to_hex()[..32]);
        let f = read("feedparser/wellformed_base_entry_content_xml_base_inherit.xml").unwrap();
        assert_eq!(f.items.len(), 1);
        assert_eq!(f.items[0].own_text.as_deref(), Some("Example test"));
        let f = read("feed-rs/atom_example_7.xml").unwrap();
        assert_eq!(f.items[0].key, "tag:blogger.com,1999:blog-6112936277054198647.post-1097972507907717676");
        assert!(f.items[0].own_text.as_deref().unwrap().starts_with("This is a follow up from the kernel support"));
    }

    #[test]
    fn rss_091_item_without_link_or_guid() {
        let f = read("feed-rs/rss_0.91_missing_id.xml").unwrap();
        assert_eq!(f.items.len(), 1);
        let t = f.items[0].title.clone().unwrap();
        assert!(t.starts_with("Oferta de Empleo Público"), "{t}");
        assert_eq!(f.items[0].key, format!("title:{t}"));
        assert!(f.items[0].own_text.as_deref().unwrap().starts_with("Publicado el 14-05-2021 resultado"));
    }

    #[test]
    fn boms_bare_rss_and_utf16() {
        for file in [
            "feedparser/encoding_utf-8-bom.xml",
            "feedparser/encoding_utf-16le-bom.xml",
            "feedparser/encoding_utf-16be.xml",
        ] {
            let f = read(file).unwrap_or_else(|e| panic!("{file}: {e}"));
            assert_eq!((f.entries, f.damage.as_deref()), (0, None), "{file}");
        }
    }

    #[test]
    fn undeclared_thai_in_a_bare_rss_is_read_and_reported() {
        let f = read("feedparser/illformed_chardet_tis620.xml").unwrap();
        assert_eq!(f.entries, 1);
        assert!(f.items[0].own_text.as_deref().unwrap().starts_with("สำนักงานส่งเสริม"), "{:?}", f.items[0].own_text);
        assert_eq!(
            f.damage.as_deref(),
            Some("no encoding is declared and the bytes are not UTF-8; read as windows-874 (detected)")
        );
    }

    #[test]
    fn truncated_and_broken_feeds_are_read_by_recovery_and_say_so() {
        let f = read("feedparser/illformed_rss_incomplete_cdata.xml").unwrap();
        assert_eq!(f.entries, 1);
        let d = f.damage.unwrap();
        assert!(d.starts_with("XML error: syntax error: CDATA not closed") && d.ends_with("truncated"), "{d}");
        let f = read("feedparser/illformed_rss_item_link_corrupted_ampersands.xml").unwrap();
        assert_eq!(f.items[0].link.as_str(), "http://link/get?a=1&b=2");
        assert!(f.damage.unwrap().contains("XML error"));
        let f = read("feedparser/encoding_bozo_double-encoded-html.xml").unwrap();
        assert_eq!(f.entries, 1);
        assert_eq!(f.damage.as_deref(), Some("undefined entity `&acirc;`, `&brvbar;`"));
        let e = read("feedparser/illformed_rss_empty_document.xml").unwrap_err();
        assert_eq!(e.to_string(), "not a valid feed: the document has no root element");
    }
}

/// Found by the `feed` fuzz target: feed-rs 3.0.0 cuts a person's text (RSS `author`, `managingEditor`,
/// `webMaster`, `dc:creator`, JSON Feed `author.name`) one byte before or after the e-mail address in it,
/// and panics when that byte is inside a multi-byte character: the whole feed was refused ("the feed
/// parser crashed"), at every poll, for as long as the author stayed.
#[test]
fn an_author_whose_address_touches_a_wide_character_does_not_lose_the_feed() {
    let rss = |channel: &str, item: &str| {
        format!(
            r#"<?xml version="1.0" encoding="UTF-8"?><rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/"><channel><title>T</title>{channel}<item><title>Gặp @tacgia</title><link>https://news.example/@tacgia/bai-1.html</link>{item}</item></channel></rss>"#
        )
    };
    let feeds = [
        rss("", "<author>张三（zhang@xinhua.cn）</author>"),
        rss("", "<dc:creator>Phóng viên&#8211;pv&#64;baoquocte.vn</dc:creator>"),
        rss("<managingEditor>tòa soạn–toasoan@baoquocte.vn</managingEditor>", ""),
        r#"{"version":"https://jsonfeed.org/version/1.1","title":"J","author":{"name":"编辑：zhang@xinhua.cn"},"items":[{"id":"https://news.example/@tacgia/bai-1.html","url":"https://news.example/@tacgia/bai-1.html","title":"Gặp \u0040tacgia"}]}"#.to_string(),
    ];
    for feed in &feeds {
        let f = parse(feed.as_bytes(), None, &url()).unwrap_or_else(|e| panic!("{e}: {feed}"));
        assert_eq!(f.items.len(), 1, "{feed}");
        assert_eq!(f.items[0].link.as_str(), "https://news.example/@tacgia/bai-1.html");
        assert_eq!(f.items[0].title.as_deref(), Some("Gặp @tacgia"));
    }
}
