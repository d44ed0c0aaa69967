//! The core pipeline end to end: three fixture news sites (RSS 2.0 with ETag, Atom without validators,
//! JSON Feed with Last-Modified) on 127.0.0.1, the real binary run pass after pass with `once`, and exact
//! assertions on what it logs and on what the query subcommands then answer.
//!
//! Article pages are regenerated on every request with churning chrome (counters, related lists, nonces,
//! clocks, white space, NFC one time and NFD the next), so that only real edits may change a content hash.

mod common;

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde_json::Value;

use common::{n, s, FeedSpec, Request, Resp, Server, TestEnv};

// ---- the fixture news sites ---------------------------------------------------------------------------------

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Lang {
    Vi,
    Th,
    En,
}

impl Lang {
    fn code(self) -> &'static str {
        match self {
            Lang::Vi => "vi",
            Lang::Th => "th",
            Lang::En => "en",
        }
    }
}

/// One article as its CMS holds it.
#[derive(Clone, Debug)]
struct Story {
    lang: Lang,
    title: String,
    paras: Vec<String>,
    /// The canonical path for `<link rel=canonical>`, or `None` for a page without one.
    canonical: Option<String>,
    published: String,
    modified: String,
    author: &'static str,
}

impl Story {
    fn new(lang: Lang, title: &str, paras: &[&str]) -> Story {
        Story {
            lang,
            title: title.to_string(),
            paras: paras.iter().map(|p| p.to_string()).collect(),
            canonical: None,
            published: "2026-03-02T08:15:00+07:00".into(),
            modified: "2026-03-02T08:15:00+07:00".into(),
            author: "Phóng viên",
        }
    }

    fn canonical(mut self, path: &str) -> Story {
        self.canonical = Some(path.to_string());
        self
    }

    fn dates(mut self, published: &str) -> Story {
        self.published = published.to_string();
        self.modified = published.to_string();
        self
    }

    fn author(mut self, author: &'static str) -> Story {
        self.author = author;
        self
    }

    /// The text the extractor should give: one paragraph a line.
    fn text(&self) -> String {
        self.paras.join("\n")
    }

    /// The content hash the store should hold: blake3 of title, a blank line and the text (all NFC).
    fn hash(&self) -> String {
        blake3::hash(format!("{}\n\n{}", self.title, self.text()).as_bytes()).to_hex().to_string()
    }
}

/// The page template of one site: everything around the article that a CMS adds and changes at will.
struct Chrome {
    name: &'static str,
    lang: &'static str,
    menu: &'static [&'static str],
    home: &'static str,
    section: &'static str,
    updated: &'static str,
    views: &'static str,
    comments: &'static str,
    share: &'static str,
    related: &'static str,
    most_read: &'static str,
    headlines: &'static [&'static str],
    ads: &'static [&'static str],
    comment_texts: &'static [&'static str],
    footer: &'static str,
    /// Requests whose count has this parity are served in NFD.
    nfd_parity: usize,
}

const CHROME_A: Chrome = Chrome {
    name: "Báo Thế Giới",
    lang: "vi",
    menu: &["Trang chủ", "Thời sự", "Thế giới", "Kinh tế", "Văn hóa", "Thể thao", "Đời sống", "Video"],
    home: "Trang chủ",
    section: "Thời sự",
    updated: "Cập nhật lúc",
    views: "lượt xem",
    comments: "bình luận",
    share: "Chia sẻ",
    related: "Cùng chủ đề",
    most_read: "Đọc nhiều",
    headlines: &[
        "Giá xăng giảm lần thứ ba liên tiếp",
        "Metro Nhổn - ga Hà Nội chạy thử đoạn đi ngầm",
        "Thời tiết Hà Nội chuyển lạnh từ cuối tuần",
        "Học sinh Hà Nội được nghỉ Tết 9 ngày",
        "Cao tốc Bắc - Nam đoạn qua Nghệ An thông xe",
        "Ngân hàng đồng loạt giảm lãi suất cho vay",
        "Sân bay Long Thành lắp đặt xong mái nhà ga",
        "Xuất khẩu thủy sản vượt mốc 9 tỷ USD",
        "Hà Nội cấm xe máy vào nội đô từ năm 2030?",
        "Đội tuyển Việt Nam triệu tập 30 cầu thủ",
    ],
    ads: &[
        "Mua nhà trả góp lãi suất 0% - Đăng ký ngay",
        "Giảm 50% vé máy bay đi Phú Quốc",
        "Học tiếng Anh online miễn phí 7 ngày",
        "Điện thoại mới giá chỉ từ 2.990.000đ",
    ],
    comment_texts: &[
        "Rất mong dự án sớm hoàn thành!",
        "Thông tin hữu ích, cảm ơn báo.",
        "Cần kiểm tra kỹ chất lượng công trình.",
        "Bao giờ mới có kết quả cụ thể?",
    ],
    footer: "© 2026 Báo Thế Giới & Việt Nam. Giấy phép số 123/GP-BTTTT. Tòa soạn: 19 Lê Duẩn, Hà Nội.",
    nfd_parity: 1,
};

const CHROME_B: Chrome = Chrome {
    name: "Mekong Wire",
    lang: "en",
    menu: &["Home", "Mekong", "World", "Business", "Tech", "Travel", "Sport", "Opinion"],
    home: "Home",
    section: "Mekong",
    updated: "Updated at",
    views: "views",
    comments: "comments",
    share: "Share",
    related: "Related stories",
    most_read: "Most read",
    headlines: &[
        "Rice prices climb on strong Asian demand",
        "Ferry services resume after storm",
        "Budget airline adds routes to Da Nang",
        "Bangkok skytrain fares to be capped",
        "Mekong dams hold back sediment, study finds",
        "Regional stocks close higher on Friday",
        "Heatwave warning for northern provinces",
        "New border crossing opens to trucks",
        "Tourism arrivals beat pre-pandemic levels",
        "Fishermen count losses after algae bloom",
    ],
    ads: &[
        "Book your Mekong cruise today - 20% off",
        "Open a multi-currency account in minutes",
        "Learn Thai in 30 days",
        "Hotels in Chiang Mai from $19",
    ],
    comment_texts: &["Great reporting.", "Source?", "This affects all of us.", "Finally some good news."],
    footer: "© 2026 Mekong Wire Ltd. All rights reserved. Registered in Singapore.",
    nfd_parity: 0,
};

const CHROME_C: Chrome = Chrome {
    name: "ข่าวภาคเหนือ",
    lang: "th",
    menu: &["หน้าแรก", "ข่าวเด่น", "การเมือง", "เศรษฐกิจ", "ต่างประเทศ", "กีฬา", "บันเทิง", "ท่องเที่ยว"],
    home: "หน้าแรก",
    section: "ข่าวเด่น",
    updated: "อัปเดตเมื่อ",
    views: "ผู้ชม",
    comments: "ความคิดเห็น",
    share: "แชร์",
    related: "ข่าวที่เกี่ยวข้อง",
    most_read: "ข่าวยอดนิยม",
    headlines: &[
        "ฝนตกหนักหลายจังหวัดภาคเหนือ",
        "ราคาทองคำวันนี้ปรับขึ้น",
        "รถไฟความเร็วสูงคืบหน้าร้อยละสี่สิบ",
        "ตลาดหุ้นไทยปิดบวก",
        "เปิดรับสมัครงานราชการกว่าพันอัตรา",
        "นักท่องเที่ยวจีนเพิ่มขึ้นต่อเนื่อง",
        "ค่าไฟงวดใหม่ลดลงเล็กน้อย",
        "ดอยอินทนนท์อากาศหนาวจัด",
        "สนามบินเชียงใหม่ขยายอาคารผู้โดยสาร",
        "ทีมชาติไทยเตรียมลงสนามนัดสำคัญ",
    ],
    ads: &["ประกันรถยนต์ชั้นหนึ่ง ราคาพิเศษ", "คอนโดใจกลางเมือง ผ่อนเริ่มต้นหมื่นต้นๆ", "โปรโมชั่นมือถือรุ่นใหม่"],
    comment_texts: &["ดีมากครับ", "ขอบคุณสำหรับข่าว", "อยากให้ติดตามต่อ", "เห็นด้วยครับ"],
    footer: "© 2569 ข่าวภาคเหนือ สงวนลิขสิทธิ์ ติดต่อกองบรรณาธิการ 053-000-000",
    nfd_parity: 1,
};

/// A small deterministic PRNG (splitmix64), seeded per request, so the churn is different on every request
/// and yet the same from one test run to the next.
struct Rng(u64);

impl Rng {
    fn seeded(path: &str, n: usize) -> Rng {
        let h = blake3::hash(format!("{path}#{n}").as_bytes());
        Rng(u64::from_le_bytes(h.as_bytes()[..8].try_into().unwrap()))
    }
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn pick<'a>(&mut self, items: &'a [&'a str]) -> &'a str {
        items[self.below(items.len())]
    }
    /// `k` distinct items in random order.
    fn sample<'a>(&mut self, items: &'a [&'a str], k: usize) -> Vec<&'a str> {
        let mut v = items.to_vec();
        for i in (1..v.len()).rev() {
            let j = self.below(i + 1);
            v.swap(i, j);
        }
        v.truncate(k);
        v
    }
}

/// Text with random extra white space at its spaces (and, in Thai, zero-width spaces between some
/// characters), as a CMS that re-renders its templates produces.
fn messy(text: &str, rng: &mut Rng, thai: bool) -> String {
    let mut out = String::new();
    for (i, word) in text.split(' ').enumerate() {
        if i > 0 {
            out.push_str(match rng.below(6) {
                0 => "  ",
                1 => "\n          ",
                2 => " \t",
                _ => " ",
            });
        }
        if thai && rng.below(2) == 0 {
            // Thai sites put zero-width spaces between words as line-break hints; place one mid-run.
            let chars: Vec<char> = word.chars().collect();
            let cut = chars.len() / 2;
            if cut > 0 && !is_thai_mark(chars[cut]) {
                out.extend(&chars[..cut]);
                out.push('\u{200B}');
                out.extend(&chars[cut..]);
                continue;
            }
        }
        out.push_str(word);
    }
    out
}

/// Thai vowel and tone marks that combine with the preceding consonant (a break before one would split a
/// grapheme).
fn is_thai_mark(c: char) -> bool {
    matches!(c, '\u{0E31}' | '\u{0E34}'..='\u{0E3A}' | '\u{0E47}'..='\u{0E4E}')
}

fn nfd(s: &str) -> String {
    icu_normalizer::DecomposingNormalizerBorrowed::new_nfd().normalize(s).into_owned()
}

/// Renders an article page with chrome that differs on every request `n`.
fn render(chrome: &Chrome, story: &Story, base: &str, path: &str, n: usize) -> String {
    let mut rng = Rng::seeded(path, n);
    let now = Utc::now();
    let nonce = format!("{:016x}", rng.next());
    let views = 1200 + 37 * n + rng.below(30);
    let comments = 3 + n;
    let shares = 40 + 11 * n + rng.below(9);
    let clock = (now + chrono::Duration::seconds(n as i64)).format("%H:%M:%S").to_string();
    let thai = story.lang == Lang::Th;
    let menu: String =
        chrome.menu.iter().enumerate().map(|(i, m)| format!("<li><a href=\"/c/{i}\">{m}</a></li>")).collect();
    let related: String = rng
        .sample(chrome.headlines, 4 + n % 2)
        .iter()
        .map(|h| {
            format!(
                "<li><a href=\"/r/{}.html\">{h}</a> <span class=\"views\">{}</span></li>",
                rng.below(9000),
                rng.below(999)
            )
        })
        .collect();
    let most_read: String = rng
        .sample(chrome.headlines, 5)
        .iter()
        .enumerate()
        .map(|(i, h)| format!("<li><span class=\"rank\">{}</span><a href=\"/m/{i}.html\">{h}</a></li>", i + 1))
        .collect();
    let comment_box: String = (0..1 + n % 3)
        .map(|i| {
            format!(
                "<div class=\"comment\"><b class=\"user\">user{}</b> <span class=\"ago\">{} phút</span><p>{}</p></div>",
                rng.below(10_000),
                i + 1,
                rng.pick(chrome.comment_texts)
            )
        })
        .collect();
    // The body, with a "same topic" box after the second paragraph and, on every other request, an ad after
    // the third: chrome inside the article's own container.
    let mut paras = String::new();
    for (i, p) in story.paras.iter().enumerate() {
        paras.push_str(&format!("\n  {}<p>{}</p>", " ".repeat(rng.below(4)), messy(p, &mut rng, thai)));
        if i == 1 {
            let h = rng.pick(chrome.headlines);
            paras.push_str(&format!(
                "\n  <div class=\"related-inline\"><b>{}:</b> <a href=\"/r/{}.html\">{h}</a></div>",
                chrome.related,
                rng.below(9000)
            ));
        }
        if i == 2 && n.is_multiple_of(2) {
            let ad = rng.pick(chrome.ads);
            paras.push_str(&format!(
                "\n  <div class=\"ad ad-inarticle\"><a href=\"/ads/{n}\" rel=\"sponsored\">{ad}</a></div>"
            ));
        }
    }
    let canonical =
        story.canonical.as_ref().map(|c| format!("<link rel=\"canonical\" href=\"{base}{c}\">\n")).unwrap_or_default();
    let title = &story.title;
    let (name, lang) = (chrome.name, story.lang.code());
    let ad_top = rng.pick(chrome.ads);
    let ad_side = rng.pick(chrome.ads);
    let ld = serde_json::json!({
        "@context": "https://schema.org", "@type": "NewsArticle", "headline": title,
        "datePublished": story.published, "dateModified": story.modified,
        "author": {"@type": "Person", "name": story.author},
        "interactionStatistic": {"@type": "InteractionCounter", "userInteractionCount": views},
    });
    let page = format!(
        r##"<!DOCTYPE html>
<html lang="{lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title} | {name}</title>
{canonical}<meta property="og:title" content="{title}">
<meta property="og:type" content="article">
<meta property="og:site_name" content="{name}">
<meta property="article:published_time" content="{published}">
<meta itemprop="dateModified" content="{modified}">
<script nonce="{nonce}">window.__PAGE__ = {{"nonce": "{nonce}", "views": {views}, "rendered": "{clock}"}};</script>
<script type="application/ld+json">{ld}</script>
</head>
<body class="page-article lang-{site_lang}">
<div class="ad ad-billboard" id="ad-{nonce}"><a href="/ads/click?c={ad_id}" rel="sponsored">{ad_top}</a></div>
<header class="site-header">
 <a class="logo" href="/">{name}</a>
 <nav class="main-menu"><ul>{menu}</ul></nav>
 <div class="weather">{temp}°C</div>
</header>
<main class="container">
<ol class="breadcrumb"><li><a href="/">{home}</a></li><li><a href="/c/1">{section}</a></li></ol>
<article class="article-detail" data-id="{nonce}">
 <h1 class="article-title">{title}</h1>
 <div class="meta"><span class="author">{author}</span> <span class="time">{updated} {clock}</span> <span class="views">{views} {views_label}</span> <span class="comments">{comments} {comments_label}</span></div>
 <div class="share">{share} <a href="#fb">Facebook</a> <a href="#zalo">Zalo</a> <a href="#x">X</a> <span class="share-count">{shares}</span></div>
 <div class="article-body">{paras}
 </div>
 <div class="related"><h3>{related_label}</h3><ul>{related}</ul></div>
 <div class="comments-box"><h3>{comments_label} ({comments})</h3>{comment_box}</div>
</article>
<aside class="sidebar"><div class="most-read"><h3>{most_read_label}</h3><ol>{most_read}</ol></div>
<div class="ad ad-sidebar"><a href="/ads/click?c={ad_id2}" rel="sponsored">{ad_side}</a></div></aside>
</main>
<footer class="site-footer"><p>{footer}</p><p class="render-time">{clock} · {nonce}</p></footer>
<script>var _pw_nonce = "{nonce}"; var _pw_t = {millis};</script>
</body>
</html>
"##,
        published = story.published,
        modified = story.modified,
        site_lang = chrome.lang,
        ad_id = rng.below(100_000),
        ad_id2 = rng.below(100_000),
        temp = 18 + rng.below(15),
        home = chrome.home,
        section = chrome.section,
        author = story.author,
        updated = chrome.updated,
        views_label = chrome.views,
        comments_label = chrome.comments,
        share = chrome.share,
        related_label = chrome.related,
        most_read_label = chrome.most_read,
        footer = chrome.footer,
        millis = now.timestamp_millis(),
    );
    if n % 2 == chrome.nfd_parity {
        nfd(&page)
    } else {
        page
    }
}

/// One fixture news site: a server, its template, and the stories its CMS holds (by every path that
/// serves them). Every page it serves is kept, to check that the chrome really churned.
struct Site {
    server: Server,
    chrome: &'static Chrome,
    stories: Arc<Mutex<HashMap<String, Story>>>,
    served: Arc<Mutex<Vec<(String, String)>>>,
}

impl Site {
    fn start(chrome: &'static Chrome) -> Site {
        Site { server: Server::start(), chrome, stories: Default::default(), served: Default::default() }
    }

    fn url(&self, path: &str) -> String {
        self.server.url(path)
    }

    /// Publishes a story at `paths` (the first is the item link's path; others, such as the canonical
    /// path, serve the same story).
    fn publish(&self, paths: &[&str], story: Story) {
        for p in paths {
            self.stories.lock().unwrap().insert(p.to_string(), story.clone());
            let (stories, served, chrome) = (self.stories.clone(), self.served.clone(), self.chrome);
            let base = self.url("");
            let path = p.to_string();
            self.server.route_fn(p, move |_req: &Request, count: usize| {
                let story = stories.lock().unwrap().get(&path).cloned().expect("published story");
                let page = render(chrome, &story, &base, &path, count);
                served.lock().unwrap().push((path.clone(), page.clone()));
                Resp::html(page)
            });
        }
    }

    /// Changes a story at every path that serves it.
    fn edit(&self, paths: &[&str], f: impl Fn(&mut Story)) {
        let mut stories = self.stories.lock().unwrap();
        for p in paths {
            f(stories.get_mut(*p).expect("published story"));
        }
    }

    /// Every page served for `path`.
    fn served(&self, path: &str) -> Vec<String> {
        self.served.lock().unwrap().iter().filter(|(p, _)| p == path).map(|(_, b)| b.clone()).collect()
    }
}

/// One entry of a feed.
#[derive(Clone, Debug)]
struct Item {
    guid: String,
    link: String,
    title: String,
    summary: String,
    /// RFC 3339.
    date: String,
}

fn xml_escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

fn rfc2822(rfc3339: &str) -> String {
    DateTime::parse_from_rfc3339(rfc3339).unwrap().to_rfc2822()
}

fn rss(site: &str, items: &[Item]) -> String {
    let body: String = items
        .iter()
        .map(|i| {
            format!(
                "<item>\n  <title>{}</title>\n  <link>{}</link>\n  <guid isPermaLink=\"false\">{}</guid>\n  <description><![CDATA[{}]]></description>\n  <pubDate>{}</pubDate>\n</item>\n",
                xml_escape(&i.title),
                xml_escape(&i.link),
                i.guid,
                i.summary,
                rfc2822(&i.date)
            )
        })
        .collect();
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<rss version=\"2.0\"><channel>\n<title>{site}</title><link>https://example.org/</link><description>Tin mới nhất</description><language>vi</language><ttl>10</ttl>\n{body}</channel></rss>\n"
    )
}

fn atom(site: &str, items: &[Item]) -> String {
    let updated = items.iter().map(|i| i.date.clone()).max().unwrap_or_default();
    let body: String = items
        .iter()
        .map(|i| {
            format!(
                "<entry>\n  <title>{}</title>\n  <id>{}</id>\n  <link rel=\"alternate\" type=\"text/html\" href=\"{}\"/>\n  <updated>{}</updated>\n  <published>2026-03-02T08:00:00+07:00</published>\n  <summary>{}</summary>\n</entry>\n",
                xml_escape(&i.title),
                i.guid,
                xml_escape(&i.link),
                i.date,
                xml_escape(&i.summary)
            )
        })
        .collect();
    format!(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<feed xmlns=\"http://www.w3.org/2005/Atom\">\n<title>{site}</title><id>urn:fixture:{site}</id><updated>{updated}</updated>\n{body}</feed>\n"
    )
}

fn json_feed(site: &str, items: &[Item]) -> String {
    let items: Vec<Value> = items
        .iter()
        .map(|i| {
            serde_json::json!({
                "id": i.guid, "url": i.link, "title": i.title, "summary": i.summary,
                "date_published": "2026-03-02T07:00:00+07:00", "date_modified": i.date,
            })
        })
        .collect();
    serde_json::to_string_pretty(&serde_json::json!({
        "version": "https://jsonfeed.org/version/1.1", "title": site, "items": items,
    }))
    .unwrap()
}

const UTM: &str = "?utm_source=rss&utm_medium=feed&utm_campaign=homepage";

// ---- the stories ----------------------------------------------------------------------------------------------

/// Site A, Vietnamese: the sentence edited in pass 3, and syndicated by site B.
fn story_a1() -> Story {
    Story::new(
        Lang::Vi,
        "Hà Nội khởi công đường vành đai 4 vùng Thủ đô",
        &[
            "Sáng nay, Hà Nội chính thức khởi công dự án đường vành đai 4 vùng Thủ đô, một trong những công trình giao thông lớn nhất miền Bắc trong nhiều năm qua.",
            "Tuyến đường dài hơn 112 km đi qua Hà Nội, Hưng Yên và Bắc Ninh, với tổng mức đầu tư khoảng 85.800 tỷ đồng. Dự án được chia thành bảy dự án thành phần để triển khai song song.",
            "Theo ban quản lý dự án, công tác giải phóng mặt bằng đã hoàn thành hơn 90% diện tích. Các hộ dân bị ảnh hưởng được bố trí tái định cư tại các khu đô thị mới gần tuyến đường.",
            "Lãnh đạo thành phố yêu cầu các nhà thầu bảo đảm chất lượng, an toàn lao động và vệ sinh môi trường, đồng thời phấn đấu thông xe toàn tuyến vào năm 2027.",
            "Các chuyên gia nhận định khi hoàn thành, vành đai 4 sẽ giảm tải cho các tuyến đường hướng tâm và mở ra không gian phát triển mới cho vùng Thủ đô.",
        ],
    )
    .author("Minh Anh")
}

const A1_OLD_SENTENCE: &str = "Các hộ dân bị ảnh hưởng được bố trí tái định cư tại các khu đô thị mới gần tuyến đường.";
const A1_NEW_SENTENCE: &str = "Các hộ dân bị ảnh hưởng được hỗ trợ tái định cư và nhận bồi thường theo giá thị trường.";

/// Site A, Vietnamese: its canonical URL differs from the item link; syndicated by site B.
fn story_a2() -> Story {
    Story::new(
        Lang::Vi,
        "Giá gạo xuất khẩu tăng mạnh trong quý III",
        &[
            "Giá gạo xuất khẩu của Việt Nam trong quý III đã tăng lên mức cao nhất trong hơn mười năm, theo số liệu của Hiệp hội Lương thực Việt Nam.",
            "Gạo 5% tấm được chào bán ở mức 640 USD mỗi tấn, cao hơn khoảng 20% so với cùng kỳ năm ngoái. Nhu cầu từ Philippines và Indonesia tiếp tục ở mức cao.",
            "Các doanh nghiệp xuất khẩu cho biết đơn hàng đã kín đến cuối năm, trong khi lúa ở Đồng bằng sông Cửu Long đang vào vụ thu hoạch.",
            "Bộ Công Thương khuyến nghị doanh nghiệp thực hiện đúng các hợp đồng đã ký, không đầu cơ, găm hàng để bảo đảm an ninh lương thực trong nước.",
        ],
    )
    .author("Thu Hằng")
    .dates("2026-03-02T07:40:00+07:00")
}

/// Site A, English: a number changed in pass 3, and changed back in pass 4.
fn story_a3() -> Story {
    Story::new(
        Lang::En,
        "Floods sweep central provinces as rescuers search for the missing",
        &[
            "Heavy rain brought by a tropical depression caused widespread flooding across three central provinces on Monday, cutting off roads and submerging thousands of homes.",
            "Rescue teams said 12 people were still missing on Tuesday evening, most of them in mountain districts where landslides buried several houses.",
            "The national weather agency warned that rivers in Quang Ngai and Binh Dinh could rise further over the next two days, and urged residents of low-lying areas to move to higher ground.",
            "Soldiers and volunteers have been deployed to deliver food, drinking water and medicine to communities that remain cut off by the floodwaters.",
        ],
    )
    .author("Staff reporter")
    .dates("2026-03-02T09:05:00+07:00")
}

/// Site B, Thai: a one-character typo fix in pass 3 (มหานดร → มหานคร).
fn story_b1() -> Story {
    Story::new(
        Lang::Th,
        "กรุงเทพมหานครเตรียมขยายเส้นทางรถไฟฟ้าสายสีเขียว",
        &[
            "กรุงเทพมหานครเปิดเผยแผนขยายเส้นทางรถไฟฟ้าสายสีเขียวไปยังพื้นที่ชานเมืองทางทิศเหนือ เพื่อรองรับจำนวนผู้โดยสารที่เพิ่มขึ้นอย่างต่อเนื่อง",
            "ผู้ว่าราชการกรุงเทพมหานดรกล่าวว่าโครงการนี้จะช่วยลดปัญหาการจราจรติดขัดบนถนนสายหลัก และคาดว่าจะเริ่มก่อสร้างได้ภายในปีหน้า",
            "ตามแผนเบื้องต้น เส้นทางส่วนต่อขยายจะมีความยาวประมาณ 15 กิโลเมตร และมีสถานีทั้งหมด 10 สถานี โดยใช้งบประมาณราว 30,000 ล้านบาท",
            "นักวิชาการด้านการขนส่งเห็นว่าการขยายระบบขนส่งมวลชนเป็นสิ่งจำเป็น แต่รัฐควรควบคุมอัตราค่าโดยสารให้ประชาชนทุกกลุ่มเข้าถึงได้",
        ],
    )
    .author("กองบรรณาธิการ")
}

/// Site B, English: never edited.
fn story_b2() -> Story {
    Story::new(
        Lang::En,
        "Central bank keeps policy rate at 2.5 percent",
        &[
            "The central bank left its benchmark interest rate unchanged at 2.5 percent on Wednesday, saying inflation remained within its target range.",
            "Policymakers voted five to two to hold the rate, with the two dissenting members favouring a quarter-point cut to support exporters hit by weaker demand.",
            "The bank raised its growth forecast for this year to 3.1 percent, citing a recovery in tourism and stronger household spending.",
            "Analysts expect the next move to be a cut early next year if global energy prices continue to ease.",
        ],
    )
    .author("Business desk")
}

/// Site C, Thai: never edited.
fn story_c1() -> Story {
    Story::new(
        Lang::Th,
        "เชียงใหม่จัดเทศกาลยี่เป็งดึงดูดนักท่องเที่ยวนับแสนคน",
        &[
            "จังหวัดเชียงใหม่เตรียมจัดงานเทศกาลยี่เป็งประจำปี ซึ่งคาดว่าจะมีนักท่องเที่ยวทั้งชาวไทยและชาวต่างชาติเดินทางมาร่วมงานมากกว่าหนึ่งแสนคน",
            "ภายในงานจะมีขบวนแห่กระทงใหญ่ การประกวดโคมล้านนา และการปล่อยโคมลอยในพื้นที่ที่ทางราชการกำหนดไว้เท่านั้น",
            "สำนักงานการบินพลเรือนแจ้งเตือนให้ประชาชนงดปล่อยโคมลอยใกล้ท่าอากาศยาน เพื่อความปลอดภัยของเที่ยวบินในช่วงเทศกาล",
            "ผู้ประกอบการโรงแรมในตัวเมืองระบุว่าห้องพักเกือบเต็มแล้ว และราคาห้องพักเพิ่มขึ้นจากช่วงปกติประมาณร้อยละสามสิบ",
        ],
    )
    .author("ทีมข่าวเชียงใหม่")
}

/// Site C, English, a page without a canonical link: a paragraph dropped in pass 3.
fn story_c2() -> Story {
    Story::new(
        Lang::En,
        "Port authority opens deep-water container terminal",
        &[
            "The port authority opened a new deep-water container terminal on Thursday, doubling the harbour's capacity to handle the largest cargo ships.",
            "The terminal can berth vessels of up to 200,000 tonnes and is expected to handle two million containers a year once fully operational.",
            "Officials said the project had been delayed by eighteen months because of disputes over land compensation with nearby fishing villages.",
            "Shipping lines have already signed agreements to route weekly services to Europe and the United States through the new terminal.",
            "Local business groups welcomed the opening but called for faster upgrades to the roads connecting the port with industrial parks inland.",
        ],
    )
    .author("Reuters")
}

/// Site C, Vietnamese: the title changed in pass 3.
fn story_c3() -> Story {
    Story::new(
        Lang::Vi,
        "Đà Nẵng đón hơn 8 triệu lượt khách du lịch",
        &[
            "Năm nay, Đà Nẵng đã đón hơn 8 triệu lượt khách du lịch, trong đó khách quốc tế chiếm khoảng một phần ba, theo Sở Du lịch thành phố.",
            "Doanh thu từ du lịch ước đạt 38.000 tỷ đồng, tăng 25% so với năm trước. Các khách sạn ven biển có công suất phòng bình quân trên 70%.",
            "Thành phố đã tổ chức nhiều sự kiện lớn như Lễ hội pháo hoa quốc tế, giải marathon quốc tế và các đêm nhạc trên bãi biển Mỹ Khê.",
            "Sở Du lịch cho biết sẽ tiếp tục mở thêm đường bay quốc tế trực tiếp tới Hàn Quốc, Nhật Bản và Ấn Độ trong thời gian tới.",
        ],
    )
    .author("Hoài Phương")
}

/// A change made to a story in the CMS, by story key.
type Edit = (&'static str, fn(&mut Story));

const C3_NEW_TITLE: &str = "Đà Nẵng đón hơn 8 triệu lượt khách du lịch, doanh thu tăng mạnh";

// ---- helpers over the binary's answers ----------------------------------------------------------------------

/// A failing feed's next poll: `base` seconds after the failed one (interval × 2^(errors−1)), plus up to 10%
/// jitter.
fn assert_backoff(feed: &Value, base: i64) {
    let wait = (time(&feed["next_due"]) - time(&feed["last_fetch"])).num_milliseconds();
    assert!((base * 1000..=base * 1100).contains(&wait), "backoff {wait} ms, expected {base} s + up to 10%");
}

fn time(v: &Value) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s(v)).unwrap_or_else(|e| panic!("{v} is not RFC 3339: {e}")).with_timezone(&Utc)
}

/// The counters of the pass summary line, in a fixed order.
fn summary(run: &common::Run) -> [u64; 9] {
    let v = run.summary();
    // Shown with a failure: passes that run slow explain a re-check that skipped an offset.
    eprintln!("pass complete in {} ms", v["elapsed_ms"]);
    ["feeds", "not_modified", "feeds_failed", "pages", "page_errors", "new", "edited", "duplicate", "unchanged"]
        .map(|k| n(&v[k]))
}

/// Every log line that carries an `event` field.
fn logged_events(run: &common::Run) -> Vec<Value> {
    run.json_lines().into_iter().filter(|v| v.get("event").is_some()).collect()
}

/// Articles by their canonical URL.
fn articles_by_url(env: &TestEnv) -> BTreeMap<String, Value> {
    env.query(&["articles"]).into_iter().map(|a| (s(&a["url"]).to_string(), a)).collect()
}

/// Waits until every article's next re-check is due, and checks that each is exactly `offset` after its
/// first sighting (the re-check schedule is counted from first_seen).
fn wait_for_rechecks(env: &TestEnv, offset: Duration) {
    let arts = env.query(&["articles"]);
    let mut latest = Utc::now();
    for a in &arts {
        let next = time(&a["next_recheck"]);
        assert_eq!(next, time(&a["first_seen"]) + offset, "next re-check of {}", a["url"]);
        latest = latest.max(next);
    }
    let wait = (latest - Utc::now()).to_std().unwrap_or_default() + Duration::from_millis(150);
    std::thread::sleep(wait);
}

/// Rebuilds the two texts a unified diff compares from its context, `-` and `+` lines, taking the inline
/// marks out: `[-x-]` belongs to the old text only, `{+x+}` to the new one.
fn texts_from_diff(diff: &str) -> (Vec<String>, Vec<String>) {
    let del = regex::Regex::new(r"\[-(.*?)-\]").unwrap();
    let ins = regex::Regex::new(r"\{\+(.*?)\+\}").unwrap();
    let (mut old, mut new) = (Vec::new(), Vec::new());
    for line in diff.lines().skip(2).filter(|l| !l.starts_with("@@")) {
        if let Some(l) = line.strip_prefix('-') {
            old.push(del.replace_all(l, "$1").into_owned());
        } else if let Some(l) = line.strip_prefix('+') {
            new.push(ins.replace_all(l, "$1").into_owned());
        } else if let Some(l) = line.strip_prefix(' ') {
            old.push(l.to_string());
            new.push(l.to_string());
        } else {
            panic!("unexpected diff line {line:?} in\n{diff}");
        }
    }
    (old, new)
}

/// The header pair `diff` prints for two versions of an article.
fn diff_header(url: &str, history: &[Value], from: usize, to: usize) -> String {
    let label = |v: usize| {
        let at = time(&history[v - 1]["fetched_at"]).to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
        format!("{url} version {v} ({at})")
    };
    format!("--- {}\n+++ {}\n", label(from), label(to))
}

fn item(site: &Site, guid: &str, path: &str, story: &Story, date: &str) -> Item {
    Item {
        guid: guid.to_string(),
        link: format!("{}{UTM}", site.url(path)),
        title: story.title.clone(),
        summary: story.paras[0].chars().take(80).collect(),
        date: date.to_string(),
    }
}

fn has_combining_marks(s: &str) -> bool {
    s.chars().any(|c| ('\u{0300}'..='\u{036F}').contains(&c))
}

// ---- the pipeline -------------------------------------------------------------------------------------------

const A1: &str = "/thoi-su/ha-noi-khoi-cong-vanh-dai-4-post1001.html";
const A2_ITEM: &str = "/kinh-te/post1002.html";
const A2: &str = "/kinh-te/gia-gao-xuat-khau-tang-manh-post1002.html";
const A3: &str = "/en/floods-central-provinces-post1003.html";
const B1: &str = "/thai/bangkok-green-line-extension-2001";
const B2: &str = "/business/central-bank-holds-rate-2002";
const BA1: &str = "/vietnam/hanoi-ring-road-4-2003";
const BA2: &str = "/vietnam/rice-export-prices-2004";
const C1: &str = "/news/yi-peng-3001.html";
const C2: &str = "/news/port-terminal-3002.html";
const C3: &str = "/news/da-nang-tourism-3003.html";

const D1: &str = "2026-03-02T08:15:00+07:00";
/// The CMS date bump of pass 2: every modified date moves, no text does.
const D2: &str = "2026-03-02T10:00:00+07:00";
const D3: &str = "2026-03-02T11:30:00+07:00";
const LM1: &str = "Mon, 02 Mar 2026 01:15:00 GMT";
const LM2: &str = "Mon, 02 Mar 2026 03:00:00 GMT";
const LM3: &str = "Mon, 02 Mar 2026 04:30:00 GMT";
/// The re-check schedule of the pipeline test: each pass must finish within the 4 s before the next offset,
/// or an article's next re-check would (rightly) skip an offset.
const RECHECK: &[&str] = &["1s", "5s", "9s"];
const ETAG1: &str = "\"a-1\"";
const ETAG2: &str = "\"a-2\"";

#[test]
fn passes_over_three_sites_report_every_new_article_edit_and_copy_exactly_once() {
    let (a, b, c) = (Site::start(&CHROME_A), Site::start(&CHROME_B), Site::start(&CHROME_C));

    // The CMS contents, as the test expects them to be stored. Keys name the stories.
    let mut cms: BTreeMap<&str, Story> = BTreeMap::new();
    cms.insert("A1", story_a1().canonical(A1));
    cms.insert("A2", story_a2().canonical(A2));
    cms.insert("A3", story_a3().canonical(A3));
    cms.insert("B1", story_b1().canonical(B1));
    cms.insert("B2", story_b2().canonical(B2));
    cms.insert("C1", story_c1().canonical(C1));
    cms.insert("C2", story_c2());
    cms.insert("C3", story_c3().canonical(C3));
    let paths: BTreeMap<&str, (&Site, &[&str])> = BTreeMap::from([
        ("A1", (&a, &[A1][..])),
        ("A2", (&a, &[A2_ITEM, A2][..])),
        ("A3", (&a, &[A3][..])),
        ("B1", (&b, &[B1][..])),
        ("B2", (&b, &[B2][..])),
        ("C1", (&c, &[C1][..])),
        ("C2", (&c, &[C2][..])),
        ("C3", (&c, &[C3][..])),
    ]);
    for (key, (site, ps)) in &paths {
        site.publish(ps, cms[key].clone());
    }
    // The canonical URL each article must be stored under: its rel=canonical, else its item link.
    let url_of: BTreeMap<&str, String> = paths.iter().map(|(k, (site, ps))| (*k, site.url(ps[ps.len() - 1]))).collect();
    let feed_of = |key: &str| match &key[..1] {
        "A" => "site-a",
        "B" => "site-b",
        _ => "site-c",
    };

    let feed_a = |items: &[Item], etag: &str| {
        a.server.route(
            "/rss/home.rss",
            Resp::new("application/rss+xml; charset=utf-8", rss("Báo Thế Giới", items)).etag(etag),
        );
    };
    let feed_b = |items: &[Item]| {
        b.server.route("/atom.xml", Resp::new("application/atom+xml", atom("Mekong Wire", items)).gzip());
    };
    let feed_c = |items: &[Item], lm: &str| {
        c.server
            .route("/feed.json", Resp::new("application/feed+json", json_feed("ข่าวภาคเหนือ", items)).last_modified(lm));
    };
    let items_a = |cms: &BTreeMap<&str, Story>, a3_date: &str| {
        vec![
            item(&a, "post1001", A1, &cms["A1"], D1),
            item(&a, "post1002", A2_ITEM, &cms["A2"], D1),
            item(&a, "post1003", A3, &cms["A3"], a3_date),
        ]
    };
    let items_c = |cms: &BTreeMap<&str, Story>, date: &str| {
        vec![
            item(&c, "3001", C1, &cms["C1"], date),
            item(&c, "3002", C2, &cms["C2"], date),
            item(&c, "3003", C3, &cms["C3"], date),
        ]
    };
    feed_a(&items_a(&cms, D1), ETAG1);
    feed_b(&[item(&b, "urn:mw:2001", B1, &cms["B1"], D1), item(&b, "urn:mw:2002", B2, &cms["B2"], D1)]);
    feed_c(&items_c(&cms, D1), LM1);

    let env = TestEnv::new(
        &[
            FeedSpec::new("site-a", &a.url("/rss/home.rss")).recheck(RECHECK),
            FeedSpec::new("site-b", &b.url("/atom.xml")).recheck(RECHECK),
            FeedSpec::new("site-c", &c.url("/feed.json")).recheck(RECHECK),
        ],
        "",
    );

    // ---- pass 1: everything is new --------------------------------------------------------------------------
    let run = env.once();
    assert_eq!(summary(&run), [3, 0, 0, 8, 0, 8, 0, 0, 0], "pass 1 summary:\n{}", run.stdout);
    let events = logged_events(&run);
    assert_eq!(events.len(), 8, "pass 1 logs 8 events, all article.new:\n{}", run.stdout);
    let mut id_of: BTreeMap<&str, u64> = BTreeMap::new();
    for (key, story) in &cms {
        let matching: Vec<&Value> = events.iter().filter(|e| e["url"] == url_of[key].as_str()).collect();
        assert_eq!(matching.len(), 1, "{key} reported once in pass 1");
        let e = matching[0];
        assert_eq!(e["event"], "article.new", "{key}");
        assert_eq!(e["feed"], feed_of(key), "{key}");
        assert_eq!(e["title"], story.title.as_str(), "{key}");
        assert_eq!(e["content_hash"], story.hash().as_str(), "{key}");
        id_of.insert(key, n(&e["id"]));
    }
    assert_eq!(id_of.values().copied().collect::<HashSet<_>>(), (1..=8).collect::<HashSet<u64>>());

    let arts = articles_by_url(&env);
    assert_eq!(arts.len(), 8);
    for (key, story) in &cms {
        let art = &arts[&url_of[key]];
        assert_eq!(n(&art["id"]), id_of[key], "{key}");
        assert_eq!(art["title"], story.title.as_str(), "{key}");
        assert_eq!(art["content_hash"], story.hash().as_str(), "{key}");
        assert_eq!(n(&art["versions"]), 1, "{key}");
        assert_eq!(art["feeds"], serde_json::json!([feed_of(key)]), "{key}");
        // The item link differs from the canonical URL only for A2; utm parameters never count.
        let aliases = if *key == "A2" { serde_json::json!([a.url(A2_ITEM)]) } else { serde_json::json!([]) };
        assert_eq!(art["aliases"], aliases, "{key}");
        assert_eq!(art["first_seen"], art["last_changed"], "{key}");
        let shown = env.show(&id_of[key].to_string());
        assert_eq!(shown["text"], story.text().as_str(), "{key}: the stored text is the article, and only it");
        assert_eq!(shown["lang"], story.lang.code(), "{key}");
    }
    assert_eq!(env.show(&id_of["A2"].to_string())["published"], "2026-03-02T00:40:00Z");
    assert_eq!(env.show(&id_of["A1"].to_string())["modified"], "2026-03-02T01:15:00Z");

    // ---- pass 2: chrome churn and a CMS date bump only -----------------------------------------------------
    for (key, (site, ps)) in &paths {
        site.edit(ps, |st| st.modified = D2.to_string());
        cms.get_mut(key).unwrap().modified = D2.to_string();
    }
    // Site B republishes two of site A's articles verbatim under its own URLs and template.
    b.publish(&[BA1], story_a1().canonical(BA1).author("Mekong Wire").dates("2026-03-02T09:30:00+07:00"));
    b.publish(&[BA2], story_a2().author("Mekong Wire staff").dates("2026-03-02T09:45:00+07:00"));
    feed_b(&[
        item(&b, "urn:mw:2001", B1, &cms["B1"], D2),
        item(&b, "urn:mw:2002", B2, &cms["B2"], D2),
        item(&b, "urn:mw:2003", BA1, &cms["A1"], D2),
        item(&b, "urn:mw:2004", BA2, &cms["A2"], D2),
    ]);
    feed_c(&items_c(&cms, D2), LM2);
    wait_for_rechecks(&env, Duration::from_secs(1));

    let run = env.once();
    assert_eq!(summary(&run), [3, 1, 0, 10, 0, 0, 0, 2, 8], "pass 2 summary:\n{}", run.stdout);
    let events = logged_events(&run);
    assert_eq!(events.len(), 2, "pass 2 logs the two copies and nothing else:\n{}", run.stdout);
    for (copy, key) in [(BA1, "A1"), (BA2, "A2")] {
        let e = events.iter().find(|e| e["url"] == b.url(copy).as_str()).unwrap_or_else(|| panic!("{copy} logged"));
        assert_eq!(e["event"], "article.duplicate");
        assert_eq!(n(&e["id"]), id_of[key]);
        assert_eq!(e["alias_of"], url_of[key].as_str());
    }
    let feed_reqs = a.server.requests_for("/rss/home.rss");
    assert_eq!(feed_reqs.len(), 2);
    assert_eq!(feed_reqs[0].if_none_match, None);
    assert_eq!(feed_reqs[1].if_none_match.as_deref(), Some(ETAG1), "site A's ETag is echoed");
    assert_eq!(feed_reqs[1].status, 304);
    let feeds: BTreeMap<String, Value> =
        env.query(&["feeds"]).into_iter().map(|f| (s(&f["name"]).to_string(), f)).collect();
    assert_eq!(feeds["site-a"]["last_status"], 304);
    assert_eq!(feeds["site-a"]["etag"], ETAG1);
    assert_eq!(feeds["site-a"]["items"], 3, "a 304 keeps the item count of the last copy that parsed");
    assert_eq!(feeds["site-c"]["last_status"], 200);
    assert_eq!(feeds["site-c"]["last_modified"], LM2);
    assert_eq!(c.server.requests_for("/feed.json")[1].if_modified_since.as_deref(), Some(LM1));

    // The chrome did churn: no page was served twice the same, and Vietnamese went out NFC, then NFD.
    for (key, (site, ps)) in &paths {
        let pages: Vec<String> = ps.iter().flat_map(|p| site.served(p)).collect();
        assert_eq!(pages.len(), 2, "{key} fetched once in each pass");
        assert_ne!(pages[0], pages[1], "{key}");
        if cms[key].lang == Lang::Vi {
            assert_eq!((has_combining_marks(&pages[0]), has_combining_marks(&pages[1])), (false, true), "{key}");
        }
    }
    assert!(has_combining_marks(&b.served(BA1)[0]), "site B's copy went out in NFD");

    let arts = articles_by_url(&env);
    assert_eq!(arts.len(), 8, "the copies are not new articles");
    assert_eq!(arts[&url_of["A1"]]["aliases"], serde_json::json!([b.url(BA1)]));
    assert_eq!(arts[&url_of["A2"]]["aliases"], serde_json::json!([a.url(A2_ITEM), b.url(BA2)]));
    assert_eq!(arts[&url_of["A1"]]["feeds"], serde_json::json!(["site-a", "site-b"]));
    for (key, story) in &cms {
        let art = &arts[&url_of[key]];
        assert_eq!(n(&art["versions"]), 1, "{key}: churn is not an edit");
        assert_eq!(art["content_hash"], story.hash().as_str(), "{key}");
    }
    assert_eq!(env.show(&id_of["A1"].to_string())["modified"], "2026-03-02T03:00:00Z", "dates follow the page");

    // ---- pass 3: real edits ----------------------------------------------------------------------------------
    let v1 = cms.clone();
    let edits: [Edit; 5] = [
        ("A1", |st| st.paras[2] = st.paras[2].replace(A1_OLD_SENTENCE, A1_NEW_SENTENCE)),
        ("A3", |st| st.paras[1] = st.paras[1].replace("said 12 people", "said 14 people")),
        ("B1", |st| st.paras[1] = st.paras[1].replace("มหานดร", "มหานคร")),
        ("C2", |st| {
            st.paras.remove(2);
        }),
        ("C3", |st| st.title = C3_NEW_TITLE.to_string()),
    ];
    for (key, f) in &edits {
        let (site, ps) = paths[key];
        site.edit(ps, f);
        f(cms.get_mut(key).unwrap());
        assert_ne!(cms[key].hash(), v1[key].hash(), "{key} really changed");
    }
    feed_a(&items_a(&cms, D3), ETAG2);
    feed_c(&items_c(&cms, D2), LM3);
    wait_for_rechecks(&env, Duration::from_secs(5));

    let run = env.once();
    assert_eq!(summary(&run), [3, 0, 0, 8, 0, 0, 5, 0, 3], "pass 3 summary:\n{}", run.stdout);
    let events = logged_events(&run);
    assert_eq!(events.len(), 5, "pass 3 logs each edit once:\n{}", run.stdout);
    for (key, _) in &edits {
        let e = events.iter().find(|e| n(&e["id"]) == id_of[key]).unwrap_or_else(|| panic!("{key} edited"));
        assert_eq!(e["event"], "article.edited", "{key}");
        assert_eq!(e["url"], url_of[key].as_str(), "{key}");
        assert_eq!(e["feed"], feed_of(key), "{key}");
        assert_eq!(e["title"], cms[key].title.as_str(), "{key}");
        assert_eq!(e["content_hash"], cms[key].hash().as_str(), "{key}");
        assert_eq!(e["previous_hash"], v1[key].hash().as_str(), "{key}");
        assert_eq!(e["version"], 2, "{key}");
    }
    let feed_reqs = a.server.requests_for("/rss/home.rss");
    assert_eq!((feed_reqs[2].if_none_match.as_deref(), feed_reqs[2].status), (Some(ETAG1), 200));
    let c_reqs = c.server.requests_for("/feed.json");
    assert_eq!((c_reqs[2].if_modified_since.as_deref(), c_reqs[2].status), (Some(LM2), 200));

    // ---- pass 4: one edit reverted ---------------------------------------------------------------------------
    let v2 = cms.clone();
    a.edit(&[A3], |st| st.paras[1] = st.paras[1].replace("said 14 people", "said 12 people"));
    cms.get_mut("A3").unwrap().paras[1] = v1["A3"].paras[1].clone();
    assert_eq!(cms["A3"].hash(), v1["A3"].hash());
    wait_for_rechecks(&env, Duration::from_secs(9));

    let run = env.once();
    assert_eq!(summary(&run), [3, 2, 0, 8, 0, 0, 1, 0, 7], "pass 4 summary:\n{}", run.stdout);
    let events = logged_events(&run);
    assert_eq!(events.len(), 1, "pass 4 logs the revert only:\n{}", run.stdout);
    assert_eq!(events[0]["event"], "article.edited");
    assert_eq!(n(&events[0]["id"]), id_of["A3"]);
    assert_eq!(events[0]["version"], 3);
    assert_eq!(events[0]["content_hash"], v1["A3"].hash().as_str(), "a revert brings the first hash back");
    assert_eq!(events[0]["previous_hash"], v2["A3"].hash().as_str());
    let feed_reqs = a.server.requests_for("/rss/home.rss");
    assert_eq!((feed_reqs[3].if_none_match.as_deref(), feed_reqs[3].status), (Some(ETAG2), 304));
    let c_reqs = c.server.requests_for("/feed.json");
    assert_eq!((c_reqs[3].if_modified_since.as_deref(), c_reqs[3].status), (Some(LM3), 304));

    // ---- pass 5: the schedule is spent and the feeds did not change: nothing is fetched --------------------
    let before = [&a, &b, &c].map(|s| s.server.counts());
    let run = env.once();
    assert_eq!(summary(&run), [3, 2, 0, 0, 0, 0, 0, 0, 0], "pass 5 summary:\n{}", run.stdout);
    assert_eq!(logged_events(&run), Vec::<Value>::new());
    for ((site, feed), mut expected) in
        [(&a, "/rss/home.rss"), (&b, "/atom.xml"), (&c, "/feed.json")].into_iter().zip(before)
    {
        *expected.get_mut(feed).unwrap() += 1;
        assert_eq!(site.server.counts(), expected, "pass 5 requests the feed and nothing else");
    }

    // ---- what the store answers -------------------------------------------------------------------------------
    let expected_versions: BTreeMap<&str, u64> =
        BTreeMap::from([("A1", 2), ("A2", 1), ("A3", 3), ("B1", 2), ("B2", 1), ("C1", 1), ("C2", 2), ("C3", 2)]);
    let listed = env.query(&["articles"]);
    let ids: Vec<u64> = listed.iter().map(|a| n(&a["id"])).collect();
    assert_eq!(ids, (1..=8).rev().collect::<Vec<u64>>(), "newest first");
    for art in &listed {
        let key = *id_of.iter().find(|(_, id)| **id == n(&art["id"])).unwrap().0;
        assert_eq!(n(&art["versions"]), expected_versions[key], "{key}");
        assert_eq!(art["content_hash"], cms[key].hash().as_str(), "{key}");
        assert_eq!(art["title"], cms[key].title.as_str(), "{key}");
        // The offsets are spent; the default tail (every day until 7 days after the last change) goes on.
        assert_eq!(
            time(&art["next_recheck"]),
            time(&art["last_checked"]) + Duration::from_secs(86400),
            "{key}: the re-check tail"
        );
        for u in std::iter::once(&art["url"]).chain(art["aliases"].as_array().unwrap()) {
            assert!(!s(u).contains("utm_"), "{u} carries a tracking parameter");
        }
        let history = env.query(&["history", &id_of[key].to_string()]);
        assert_eq!(history.len() as u64, expected_versions[key], "{key}");
        assert_eq!(
            history.iter().map(|v| n(&v["version"])).collect::<Vec<_>>(),
            (1..=expected_versions[key]).collect::<Vec<_>>()
        );
        assert_eq!(history[0]["content_hash"], v1[key].hash().as_str(), "{key}");
        assert_eq!(history[0]["text"], v1[key].text().as_str(), "{key}");
        assert_eq!(history.last().unwrap()["text"], cms[key].text().as_str(), "{key}");
        assert_eq!(env.show(&id_of[key].to_string())["text"], cms[key].text().as_str(), "{key}");
    }
    let sorted_ids = |keys: &[&str]| {
        let mut v: Vec<u64> = keys.iter().map(|k| id_of[k]).collect();
        v.sort_unstable_by(|x, y| y.cmp(x));
        v
    };
    let ids_of = |args: &[&str]| env.query(args).iter().map(|a| n(&a["id"])).collect::<Vec<u64>>();
    assert_eq!(ids_of(&["articles", "--edited"]), sorted_ids(&["A1", "A3", "B1", "C2", "C3"]));
    assert_eq!(ids_of(&["articles", "--feed", "site-b"]), sorted_ids(&["A1", "A2", "B1", "B2"]));
    assert_eq!(
        ids_of(&["articles", "--feed", "site-c", "--limit", "2"]),
        sorted_ids(&["C1", "C2", "C3"])[..2].to_vec()
    );

    let a3_history = env.query(&["history", &url_of["A3"]]);
    let hashes: Vec<&str> = a3_history.iter().map(|v| s(&v["content_hash"])).collect();
    assert_eq!(hashes, [v1["A3"].hash(), v2["A3"].hash(), v1["A3"].hash()]);
    assert!(s(&a3_history[1]["text"]).contains("Rescue teams said 14 people were still missing"));
    assert_eq!(
        env.query(&["history", &url_of["C3"]]).iter().map(|v| s(&v["title"]).to_string()).collect::<Vec<_>>(),
        [v1["C3"].title.clone(), C3_NEW_TITLE.to_string()]
    );

    // `diff`: the Thai one-letter fix is shown as that letter.
    let b1_history = env.query(&["history", &url_of["B1"]]);
    let diff = env.run(&["diff", &url_of["B1"]]);
    assert_eq!(diff.code, 0, "{}", diff.stderr);
    let st = &cms["B1"];
    let expected = format!(
        "{}@@ -1,6 +1,6 @@\n {}\n \n {}\n-{}\n+{}\n {}\n {}\n",
        diff_header(&url_of["B1"], &b1_history, 1, 2),
        st.title,
        st.paras[0],
        v1["B1"].paras[1].replace("มหานดร", "มหาน[-ด-]ร"),
        st.paras[1].replace("มหานคร", "มหาน{+ค+}ร"),
        st.paras[2],
        st.paras[3],
    );
    assert_eq!(diff.stdout, expected);
    // A reverted version diffs empty against the first; every other diff rebuilds both versions exactly.
    assert_eq!(env.run(&["diff", &url_of["A3"], "--from", "1", "--to", "3"]).stdout, "");
    for key in ["A1", "A3", "C2", "C3"] {
        let d = env.run(&["diff", &id_of[key].to_string()]);
        assert_eq!(d.code, 0, "{}", d.stderr);
        let (from, to) =
            if key == "A3" { (v2[key].clone(), cms[key].clone()) } else { (v1[key].clone(), cms[key].clone()) };
        let (old, new) = texts_from_diff(&d.stdout);
        let lines = |st: &Story| -> Vec<String> {
            [st.title.clone(), String::new()].into_iter().chain(st.paras.clone()).collect()
        };
        let (old_all, new_all) = (lines(&from), lines(&to));
        assert!(old_all.windows(old.len()).any(|w| w == old.as_slice()), "{key}: old side of\n{}", d.stdout);
        assert!(new_all.windows(new.len()).any(|w| w == new.as_slice()), "{key}: new side of\n{}", d.stdout);
        let removed: Vec<&String> = old.iter().filter(|l| !new_all.contains(l)).collect();
        let added: Vec<&String> = new.iter().filter(|l| !old_all.contains(l)).collect();
        match key {
            "A1" => assert_eq!((removed, added), (vec![&from.paras[2]], vec![&to.paras[2]])),
            "A3" => assert_eq!((removed, added), (vec![&from.paras[1]], vec![&to.paras[1]])),
            "C2" => assert_eq!((removed, added), (vec![&from.paras[2]], vec![])),
            _ => assert_eq!((removed, added), (vec![&from.title], vec![&to.title])),
        }
    }

    // `show` and `history` find an article by a URL with tracking parameters, and by a syndicated copy's URL.
    assert_eq!(n(&env.show(&format!("{}?utm_source=rss&utm_medium=feed", a.url(A2_ITEM)))["id"]), id_of["A2"]);
    assert_eq!(n(&env.show(&format!("{}?utm_campaign=x#comments", b.url(BA2)))["id"]), id_of["A2"]);
    assert_eq!(n(&env.show(&b.url(BA1))["id"]), id_of["A1"]);
    assert_eq!(env.query(&["history", &format!("{}{UTM}", a.url(A3))]).len(), 3);

    // The durable event log holds exactly what was logged: 8 new, 2 duplicates, 6 edits, in order.
    let stored = env.query(&["events"]);
    assert_eq!(stored.iter().map(|e| n(&e["seq"])).collect::<Vec<_>>(), (1..=16).collect::<Vec<u64>>());
    let count = |name: &str| stored.iter().filter(|e| e["event"] == name).count();
    assert_eq!((count("article.new"), count("article.duplicate"), count("article.edited")), (8, 2, 6));
    let edits_in_log: Vec<(u64, u64)> =
        stored.iter().filter(|e| e["event"] == "article.edited").map(|e| (n(&e["id"]), n(&e["version"]))).collect();
    let mut expected_edits: Vec<(u64, u64)> = ["A1", "A3", "B1", "C2", "C3"].iter().map(|k| (id_of[k], 2)).collect();
    expected_edits.sort_unstable();
    let mut first_five = edits_in_log[..5].to_vec();
    first_five.sort_unstable();
    assert_eq!(first_five, expected_edits);
    assert_eq!(edits_in_log[5], (id_of["A3"], 3));
    for e in &stored {
        assert!(!s(&e["url"]).contains("utm_"));
    }

    // Feed state: validators echoed, last statuses, item and article counts.
    let feeds = env.query(&["feeds"]);
    let names: Vec<&str> = feeds.iter().map(|f| s(&f["name"])).collect();
    assert_eq!(names, ["site-a", "site-b", "site-c"]);
    let expect = [
        ("site-a", 304, serde_json::json!(ETAG2), Value::Null, 3, 3),
        ("site-b", 200, Value::Null, Value::Null, 4, 4),
        ("site-c", 304, Value::Null, serde_json::json!(LM3), 3, 3),
    ];
    for (f, (name, status, etag, lm, items, articles)) in feeds.iter().zip(expect) {
        assert_eq!(f["name"], name);
        assert_eq!(f["last_status"], status, "{name}");
        assert_eq!(f["etag"], etag, "{name}");
        assert_eq!(f["last_modified"], lm, "{name}");
        assert_eq!(f["items"], items, "{name}");
        assert_eq!(f["articles"], articles, "{name}");
        assert_eq!(f["errors"], 0, "{name}");
        assert_eq!(f["last_error"], Value::Null, "{name}");
        assert_eq!(time(&f["next_due"]), time(&f["last_fetch"]) + Duration::from_secs(600), "{name}");
    }

    // Requests: every page once per pass that needed it (re-checks go where the page was fetched from, so
    // A2's canonical URL is never requested) and once more in each pass that found its text changed (the
    // second fetch that tells an edit from churn: A1, B1, C2 and C3 were edited once; A3 twice, each time only
    // in a number, which takes churn::DOUBTFUL_CHANGE_FETCHES = 4 more fetches that all agree), each feed once
    // per pass, robots.txt once per site in each pass that fetched pages from it, and site B's feed went out
    // gzip-compressed.
    for site in [&a, &b, &c] {
        assert_eq!(site.server.count("/robots.txt"), 4, "{}", site.chrome.name);
    }
    let counts: BTreeMap<String, usize> =
        [&a, &b, &c].iter().flat_map(|s| s.server.counts()).filter(|(p, _)| p != "/robots.txt").collect();
    let expected_counts: BTreeMap<String, usize> = [
        ("/rss/home.rss", 5),
        ("/atom.xml", 5),
        ("/feed.json", 5),
        (A1, 5),
        (A2_ITEM, 4),
        (A3, 12),
        (B1, 5),
        (B2, 4),
        (BA1, 1),
        (BA2, 1),
        (C1, 4),
        (C2, 5),
        (C3, 5),
    ]
    .into_iter()
    .map(|(p, n)| (p.to_string(), n))
    .collect();
    assert_eq!(counts, expected_counts);
    let atom_reqs = b.server.requests_for("/atom.xml");
    assert!(atom_reqs.iter().all(|r| r.gzipped && r.if_none_match.is_none() && r.if_modified_since.is_none()));
    // Pages are fetched at their canonicalised links: the utm parameters never reach the server.
    for site in [&a, &b, &c] {
        for r in site.server.requests() {
            assert!(!r.target.contains("utm_"), "{} was requested with tracking parameters", r.target);
        }
    }
}

#[test]
fn a_copy_published_in_the_same_pass_is_one_article_with_an_alias() {
    // Both sites publish the same story at once: the two pages are fetched and stored concurrently, and
    // whichever is stored first is the article; the other is its alias, reported as a duplicate.
    let (a, b) = (Site::start(&CHROME_A), Site::start(&CHROME_B));
    let story = story_a2();
    a.publish(&[A2], story.clone().canonical(A2));
    b.publish(&[BA2], story.clone());
    a.server.route("/rss/home.rss", Resp::new("application/rss+xml", rss("A", &[item(&a, "p2", A2, &story, D1)])));
    b.server.route("/atom.xml", Resp::new("application/atom+xml", atom("B", &[item(&b, "b2", BA2, &story, D1)])));
    let env = TestEnv::new(
        &[FeedSpec::new("site-a", &a.url("/rss/home.rss")), FeedSpec::new("site-b", &b.url("/atom.xml"))],
        "",
    );
    let run = env.once();
    assert_eq!(summary(&run), [2, 0, 0, 2, 0, 1, 0, 1, 0], "{}", run.stdout);
    let (new, dup) = (run.events("article.new"), run.events("article.duplicate"));
    assert_eq!((new.len(), dup.len()), (1, 1), "{}", run.stdout);
    assert_eq!(new[0]["content_hash"], story.hash().as_str());
    assert_eq!(dup[0]["id"], new[0]["id"]);
    assert_eq!(dup[0]["alias_of"], new[0]["url"]);
    let urls: HashSet<String> = [a.url(A2), b.url(BA2)].into();
    assert_eq!(
        [s(&new[0]["url"]).to_string(), s(&dup[0]["url"]).to_string()].into_iter().collect::<HashSet<_>>(),
        urls
    );

    let arts = env.query(&["articles"]);
    assert_eq!(arts.len(), 1);
    assert_eq!(arts[0]["aliases"], serde_json::json!([dup[0]["url"]]));
    assert_eq!(arts[0]["feeds"].as_array().unwrap().len(), 2);
    assert_eq!(arts[0]["versions"], 1);
    assert_eq!(env.query(&["events"]).len(), 2);
    // Either URL finds the one article.
    assert_eq!(env.show(&a.url(A2))["id"], new[0]["id"]);
    assert_eq!(env.show(&b.url(BA2))["id"], new[0]["id"]);
}

#[test]
fn a_changed_feed_entry_refetches_its_article_whatever_the_schedule() {
    // The default re-check schedule (15 minutes first) means nothing is due between these passes: only a
    // changed feed entry may lead to a fetch.
    let c = Site::start(&CHROME_C);
    let (c1, mut c2) = (story_c1().canonical(C1), story_c2());
    c.publish(&[C1], c1.clone());
    c.publish(&[C2], c2.clone());
    let feed = |c2: &Story, c2_summary: &str| {
        let mut i2 = item(&c, "3002", C2, c2, D1);
        i2.summary = c2_summary.to_string();
        c.server.route(
            "/feed.json",
            Resp::new("application/feed+json", json_feed("C", &[item(&c, "3001", C1, &c1, D1), i2])),
        );
    };
    feed(&c2, "Port opens terminal");
    let env = TestEnv::new(&[FeedSpec::new("site-c", &c.url("/feed.json"))], "");
    let run = env.once();
    assert_eq!(summary(&run), [1, 0, 0, 2, 0, 2, 0, 0, 0], "{}", run.stdout);
    let arts = env.query(&["articles"]);
    let first_seen = time(&arts[0]["first_seen"]);
    assert_eq!(time(&arts[0]["next_recheck"]), first_seen + Duration::from_secs(15 * 60));

    // Both pages are edited, but only C2's feed entry changes (its summary).
    let edit = |st: &mut Story| st.paras[3] = st.paras[3].replace("weekly", "daily");
    c.edit(&[C2], edit);
    edit(&mut c2);
    c.edit(&[C1], |st| st.paras[0] = st.paras[0].replace("หนึ่งแสน", "สองแสน"));
    feed(&c2, "Port opens terminal, shipping lines sign up");
    let run = env.once();
    assert_eq!(summary(&run), [1, 0, 0, 1, 0, 0, 1, 0, 0], "{}", run.stdout);
    let edited = run.events("article.edited");
    assert_eq!(edited.len(), 1);
    assert_eq!(edited[0]["url"], c.url(C2).as_str());
    assert_eq!(edited[0]["content_hash"], c2.hash().as_str());
    assert_eq!(edited[0]["version"], 2);
    // C2 twice in this pass: a changed page is fetched again to tell an edit from churn.
    assert_eq!((c.server.count(C1), c.server.count(C2)), (1, 3));

    // Nothing changed in the feed: no page is fetched, C1's edit stays unseen until its re-check is due.
    let run = env.once();
    assert_eq!(summary(&run), [1, 0, 0, 0, 0, 0, 0, 0, 0], "{}", run.stdout);
    // C2 twice in this pass: a changed page is fetched again to tell an edit from churn.
    assert_eq!((c.server.count(C1), c.server.count(C2)), (1, 3));
    assert_eq!(n(&env.show(&c.url(C1))["versions"]), 1);
}

#[test]
fn failures_are_logged_with_the_feed_and_the_pass_completes() {
    let a = Site::start(&CHROME_A);
    let b = Server::start();
    let (a1, a3) = (story_a1().canonical(A1), story_a3().canonical(A3));
    a.publish(&[A1], a1.clone());
    a.publish(&[A3], a3.clone());
    // A3's item link points to a page that is missing at first; robots.txt forbids /private/.
    let missing = "/en/missing-post1004.html";
    let private = "/private/post1005.html";
    a.publish(&[private], story_b2());
    a.server.route("/robots.txt", Resp::new("text/plain", "User-agent: *\nDisallow: /private/\n"));
    let items = vec![
        item(&a, "post1001", A1, &a1, D1),
        item(&a, "post1004", missing, &a3, D1),
        item(&a, "post1005", private, &story_b2(), D1),
    ];
    a.server.route("/rss/home.rss", Resp::new("application/rss+xml", rss("A", &items)));
    b.route("/feed.xml", Resp::status(503));
    let env = TestEnv::new(
        &[FeedSpec::new("good", &a.url("/rss/home.rss")), FeedSpec::new("down", &b.url("/feed.xml"))],
        "[defaults]\ninterval = \"5m\"\n",
    );

    let run = env.once();
    assert_eq!(summary(&run), [2, 0, 1, 3, 2, 1, 0, 0, 0], "{}", run.stdout);
    let errors = |kind: &str| {
        let mut e: Vec<(String, String, String)> = run
            .events(kind)
            .iter()
            .map(|e| (s(&e["feed"]).to_string(), s(&e["url"]).to_string(), s(&e["error"]).to_string()))
            .collect();
        e.sort();
        e
    };
    assert_eq!(
        errors("feed.error"),
        [("down".to_string(), b.url("/feed.xml"), format!("HTTP 503 from {}", b.url("/feed.xml")))]
    );
    // A page that failed is a `page.error`, not a failure of its feed.
    assert_eq!(
        errors("page.error"),
        [
            ("good".to_string(), a.url(missing), format!("HTTP 404 from {}", a.url(missing))),
            (
                "good".to_string(),
                a.url(private),
                "robots.txt disallows this page (set robots = false on the feed to override)".to_string()
            ),
        ]
    );
    assert_eq!(run.events("article.new").len(), 1);
    assert_eq!(a.server.count(private), 0, "robots.txt is honoured");

    let feeds = env.query(&["feeds"]);
    let down = feeds.iter().find(|f| f["name"] == "down").unwrap();
    assert_eq!((down["last_status"].clone(), down["errors"].clone()), (serde_json::json!(503), serde_json::json!(1)));
    assert_eq!(down["last_error"], format!("HTTP 503 from {}", b.url("/feed.xml")).as_str());
    assert_backoff(down, 300);
    let good = feeds.iter().find(|f| f["name"] == "good").unwrap();
    assert_eq!(
        (good["errors"].clone(), good["last_error"].clone(), good["articles"].clone()),
        (0.into(), Value::Null, 1.into())
    );

    // The missing page stays queued for another try; the page robots.txt forbids is given up.
    assert_eq!(good["queued"], 1);
    // The missing page appears; the feed is still down. A failed item is tried again, not forgotten; the
    // forbidden one is not tried again.
    a.publish(&[missing], a3.clone());
    let run = env.once();
    assert_eq!(summary(&run), [2, 0, 1, 1, 0, 1, 0, 0, 0], "{}", run.stdout);
    let new = run.events("article.new");
    assert_eq!(new.len(), 1);
    assert_eq!(new[0]["url"], a.url(A3).as_str(), "stored under the page's canonical URL");
    assert_eq!(new[0]["content_hash"], a3.hash().as_str());
    let down = env.query(&["feeds"]).into_iter().find(|f| f["name"] == "down").unwrap();
    assert_eq!(down["errors"], 2);
    assert_backoff(&down, 600);
    assert_eq!(b.count("/feed.xml"), 2);
    assert_eq!(a.server.count(private), 0, "robots.txt is still honoured");
    let good = env.query(&["feeds"]).into_iter().find(|f| f["name"] == "good").unwrap();
    assert_eq!((good["queued"].clone(), good["articles"].clone()), (0.into(), 2.into()));
}

#[test]
fn churned_renderings_of_every_story_extract_to_one_text_and_hash() {
    let dir = tempfile::tempdir().unwrap();
    let stories = [
        (&CHROME_A, story_a1().canonical(A1)),
        (&CHROME_A, story_a3()),
        (&CHROME_B, story_b1().canonical(B1)),
        (&CHROME_B, story_a2()),
        (&CHROME_C, story_c1()),
        (&CHROME_C, story_c3().canonical(C3)),
    ];
    for (i, (chrome, story)) in stories.iter().enumerate() {
        let files: Vec<String> = (0..6)
            .map(|k| {
                let f = dir.path().join(format!("{i}-{k}.html"));
                std::fs::write(&f, render(chrome, story, "http://news.example", &format!("/s/{i}.html"), k)).unwrap();
                f.display().to_string()
            })
            .collect();
        let pages: Vec<String> = files.iter().map(|f| std::fs::read_to_string(f).unwrap()).collect();
        assert_eq!(pages.iter().collect::<HashSet<_>>().len(), 6, "every rendering differs");
        let mut args = vec!["extract", "--url", "http://news.example/s/x.html", "--json"];
        args.extend(files.iter().map(String::as_str));
        let run = common::run_with_config(None, &args);
        assert_eq!(run.code, 0, "{}", run.stderr);
        let out = run.json_lines();
        assert_eq!(out.len(), 6);
        for (o, f) in out.iter().zip(&files) {
            assert_eq!(o["file"], f.as_str());
            assert_eq!(o["title"], story.title.as_str(), "{f}");
            assert_eq!(o["text"], story.text().as_str(), "{f}");
            assert_eq!(o["content_hash"], story.hash().as_str(), "{f}");
            assert_eq!(o["lang"], story.lang.code(), "{f}");
            let canonical = story.canonical.as_ref().map(|c| format!("http://news.example{c}"));
            assert_eq!(o["canonical_url"], serde_json::json!(canonical), "{f}");
        }
    }
}
