//! Property tests: random and mutated input never makes the input stages panic, and the normalisers are
//! idempotent. The quick check inside `cargo test`; the coverage-guided fuzz targets in `fuzz/`
//! (`scripts/fuzz.sh`) go much further. Raise `PROPTEST_CASES` (e.g. 200000) for a longer run.

use presswatch::fetch::guard::Policy;
use presswatch::{canon, decode, extract, feed, normalize};
use proptest::prelude::*;

/// Fragments that steer random input towards the interesting paths of the parsers.
const PIECES: &[&str] = &[
    "<?xml version=\"1.0\" encoding=\"windows-874\"?>",
    "<rss version=\"2.0\">",
    "<channel>",
    "<item>",
    "<title>",
    "</title>",
    "<link>",
    "</link>",
    "<guid>",
    "</item>",
    "</channel></rss>",
    "<feed xmlns=\"http://www.w3.org/2005/Atom\">",
    "<entry>",
    "<link href=\"",
    "\"/>",
    "{\"version\":\"https://jsonfeed.org/version/1.1\",\"items\":[",
    "]}",
    "<html>",
    "<head>",
    "<meta charset=\"tis-620\">",
    "<meta http-equiv=\"Content-Type\" content=\"text/html; charset=windows-1258\">",
    "<title>",
    "<body>",
    "<article>",
    "<h1>",
    "<p>",
    "</p>",
    "<div class=\"share related\">",
    "</div>",
    "<br>",
    "<link rel=\"canonical\" href=\"",
    "javascript:alert(1)",
    "http://127.0.0.1/",
    "../x?utm_source=a#f",
    "Tiếng Việt",
    "Tie\u{0302}\u{0301}ng",
    "ภาษาไทย\u{200B}",
    "中文",
    "\u{FEFF}",
    "\u{0000}",
    "&amp;",
    "&#x",
    "<![CDATA[",
    "]]>",
    "<!--",
    "-->",
    "\u{00AD}",
    "1.234 lượt xem",
    "Bình luận (15)",
];

fn soup() -> impl Strategy<Value = Vec<u8>> {
    let piece = prop_oneof![
        3 => proptest::sample::select(PIECES).prop_map(|s| s.as_bytes().to_vec()),
        1 => proptest::collection::vec(any::<u8>(), 0..16),
        1 => "[a-zA-Z0-9 .,]{0,40}".prop_map(|s| s.into_bytes()),
    ];
    proptest::collection::vec(piece, 0..60).prop_map(|v| v.concat())
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(256),
        ..ProptestConfig::default()
    })]

    #[test]
    fn feed_decoding_and_parsing_never_panic(bytes in soup(), ct in proptest::option::of("[a-z/+-]{0,20}(; charset=[a-z0-9-]{0,12})?")) {
        let url = url::Url::parse("https://news.example/rss").unwrap();
        let _ = decode::decode_feed(&bytes, ct.as_deref(), Some("news.th"));
        if let Ok(parsed) = feed::parse(&bytes, ct.as_deref(), &url) {
            for item in parsed.items {
                prop_assert!(matches!(item.link.scheme(), "http" | "https"));
                if item.own_text.is_none() {
                    prop_assert_eq!(canon::canonicalize(&item.link), Some(item.link.clone()));
                } else {
                    // An item without a link is identified by the feed's URL and its key, never fetched.
                    prop_assert!(item.link.fragment().is_some_and(|f| f.starts_with("item=")));
                }
            }
        }
    }

    #[test]
    fn page_decoding_and_extraction_never_panic(bytes in soup()) {
        let decoded = decode::decode_html(&bytes, None, Some("baoquocte.vn"));
        if let Ok(a) = extract::extract(&decoded.text, None) {
            prop_assert_eq!(normalize::normalize_text(&a.text), a.text.clone());
            prop_assert_eq!(a.content_hash, normalize::content_hash(&a.title, &a.text));
        }
    }

    #[test]
    fn canonicalisation_is_idempotent_and_the_guard_never_panics(s in "(https?|ftp|file|javascript)://[a-zA-Z0-9.:\\[\\]@%_-]{0,30}(/[a-zA-Z0-9%._~-]{0,10}){0,3}(\\?[a-z_]{1,8}=[a-z0-9]{0,5}(&[a-z_]{1,8}=[a-z0-9]{0,5}){0,3})?(#[a-z]{0,5})?") {
        if let Ok(u) = url::Url::parse(&s) {
            let _ = Policy::default().check_url(&u);
            if let Some(c) = canon::canonicalize(&u) {
                prop_assert_eq!(canon::canonicalize(&c), Some(c.clone()));
                prop_assert!(!c.as_str().contains("utm_"));
            }
        }
    }

    #[test]
    fn normalising_is_idempotent_and_nfc_nfd_agnostic(s in "\\PC{0,200}") {
        let once = normalize::normalize_text(&s);
        prop_assert_eq!(normalize::normalize_text(&once), once.clone());
        let nfd: String = icu_normalizer::DecomposingNormalizerBorrowed::new_nfd().normalize(&s).into_owned();
        prop_assert_eq!(normalize::normalize_text(&nfd), once);
    }
}

/// Chrome blocks of news pages; `{n}` becomes a random number, `{t}` a random headline.
const CHROME: &[&str] = &[
    "<div class=\"views\">{n} lượt xem</div>",
    "<div class=\"meta\">Cập nhật lúc {n}:{n} · Bình luận ({n})</div>",
    "<div>{n} phút trước</div>",
    "<p>Updated {n} minutes ago</p>",
    "<div class=\"share-bar\">Chia sẻ: Facebook Zalo Twitter</div>",
    "<div>ความคิดเห็น {n}</div>",
    "<aside class=\"related\"><h3>Cùng chủ đề</h3><a href=\"/{n}.html\">{t}</a></aside>",
    "<div class=\"box-tinlienquan\"><a href=\"/r{n}.html\">{t}</a></div>",
    "<div class=\"ads\">Quảng cáo {n}</div>",
    "<nav><a href=\"/\">Trang chủ</a> <a href=\"/{n}\">{t}</a></nav>",
    "<script>var nonce = \"{n}\";</script>",
    "<div class=\"newsletter\">Đăng ký nhận tin {t}</div>",
    "<footer>© {n} {t}</footer>",
];

const HEADLINES: &[&str] = &["Giá vàng hôm nay", "ข่าวเศรษฐกิจ", "Markets rally", "外交部例行记者会", "Bão số 3 đổ bộ"];

const BODY: [&str; 4] = [
    "Chiều 27/11, Người phát ngôn Bộ Ngoại giao đã chủ trì họp báo thường kỳ, trả lời nhiều câu hỏi của phóng viên trong và ngoài nước.",
    "นายกรัฐมนตรีเวียดนามเดินทางถึงกรุงเทพมหานครเมื่อเช้าวันจันทร์เพื่อเยือนประเทศไทยอย่างเป็นทางการเป็นเวลาสามวัน",
    "The two prime ministers signed seven cooperation documents covering energy, education and tourism.",
    "双方还承诺维护地区和平与稳定，并通过对话和国际法解决争端，加强人文交流与合作。",
];

fn fill(block: &str, n: u32, t: &str) -> String {
    block.replace("{n}", &n.to_string()).replace("{t}", t)
}

/// A page: chrome before the article, between its paragraphs and after it, chosen by the strategy.
fn page(before: &[(usize, u32, usize)], inside: &[(usize, u32, usize)], after: &[(usize, u32, usize)]) -> String {
    let block = |&(b, n, t): &(usize, u32, usize)| fill(CHROME[b % CHROME.len()], n, HEADLINES[t % HEADLINES.len()]);
    let mut body = String::new();
    for (i, p) in BODY.iter().enumerate() {
        body.push_str(&format!("<p>{p}</p>\n"));
        if let Some(c) = inside.get(i) {
            body.push_str(&block(c));
        }
    }
    format!(
        "<html><head><meta charset=\"utf-8\"><title>Họp báo thường kỳ | Báo Quốc tế</title></head><body>{}<main><article><h1>Họp báo thường kỳ</h1>\n{body}</article></main>{}</body></html>",
        before.iter().map(block).collect::<String>(),
        after.iter().map(block).collect::<String>(),
    )
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(64),
        ..ProptestConfig::default()
    })]

    /// Whatever chrome surrounds the article, and wherever between its paragraphs it sits, the text and the
    /// hash are the article's alone.
    #[test]
    fn generated_chrome_never_changes_the_hash(
        before in proptest::collection::vec((0usize..100, 0u32..100_000, 0usize..10), 0..6),
        inside in proptest::collection::vec((0usize..100, 0u32..100_000, 0usize..10), 0..4),
        after in proptest::collection::vec((0usize..100, 0u32..100_000, 0usize..10), 0..6),
    ) {
        let a = extract::extract(&page(&before, &inside, &after), None).unwrap();
        prop_assert_eq!(a.title.as_str(), "Họp báo thường kỳ");
        prop_assert_eq!(a.text, BODY.join("\n"));
    }
}
