//! Change summaries end to end: a fixture site with a Vietnamese, a Thai and an English article, edited four
//! times (a one-letter typo fix, a changed number, an added sentence, a reworded sentence), `once` after each
//! edit, and exact assertions on the summaries in `events --json`, in the log and in `diff --summary`, and on
//! what two exec sinks received: one with the defaults, one with `min_significance = "substantive"`.

mod common;

use serde_json::{json, Value};

use common::news::NewsSite;
use common::{n, s, FeedSpec, TestEnv};

const VI: &str = "/vi/vanh-dai-4.html";
const TH: &str = "/th/rot-fai.html";
const EN: &str = "/en/floods.html";

fn publish(site: &NewsSite) {
    site.publish(
        VI,
        "vi",
        "Hà Nội khởi công đường vành đai 4 vùng Thủ đô",
        &[
            "Sáng nay, Hà Nội chính thức khởi công dự án đường vành đai 4 vùng Thủ đô, một trong những công trình giao thông lớn nhất miền Bắc trong nhiều năm qua.",
            "Tuyến đường dài hơn 112 km đi qua Hà Nội, Hưng Yên và Bắc Ninh, với tổng mức đầu tư khoảng 85.800 tỷ đồg. Dự án được chia thành bảy dự án thành phần để triển khai song song.",
            "Theo ban quản lý dự án, công tác giải phóng mặt bằng đã hoàn thành hơn 90% diện tích. Các hộ dân bị ảnh hưởng được bố trí tái định cư tại các khu đô thị mới gần tuyến đường.",
            "Lãnh đạo thành phố yêu cầu các nhà thầu bảo đảm chất lượng, an toàn lao động và vệ sinh môi trường, đồng thời phấn đấu thông xe toàn tuyến vào năm 2027.",
        ],
    );
    site.publish(
        TH,
        "th",
        "กรุงเทพมหานครเตรียมขยายเส้นทางรถไฟฟ้าสายสีเขียว",
        &[
            "กรุงเทพมหานครเปิดเผยแผนขยายเส้นทางรถไฟฟ้าสายสีเขียวไปยังพื้นที่ชานเมืองทางทิศเหนือ เพื่อรองรับจำนวนผู้โดยสารที่เพิ่มขึ้นอย่างต่อเนื่อง",
            "ผู้ว่าราชการกรุงเทพมหานดรกล่าวว่าโครงการนี้จะช่วยลดปัญหาการจราจรติดขัดบนถนนสายหลัก และคาดว่าจะเริ่มก่อสร้างได้ภายในปีหน้า",
            "ตามแผนเบื้องต้น เส้นทางส่วนต่อขยายจะมีความยาวประมาณ 15 กิโลเมตร และมีสถานีทั้งหมด 10 สถานี โดยใช้งบประมาณราว 30,000 ล้านบาท",
            "นักวิชาการด้านการขนส่งเห็นว่าการขยายระบบขนส่งมวลชนเป็นสิ่งจำเป็น แต่รัฐควรควบคุมอัตราค่าโดยสารให้ประชาชนทุกกลุ่มเข้าถึงได้",
        ],
    );
    site.publish(
        EN,
        "en",
        "Floods sweep central provinces as rescuers search for the missing",
        &[
            "Heavy rain brought by a tropical depression caused widespread flooding across three central provinces on Monday, cutting off roads and submerging thousands of hommes.",
            "Rescue teams said 12 people were still missing on Tuesday evening, most of them in mountain districts where landslides buried several houses.",
            "The national weather agency warned that rivers could rise further over the next two days, and urged residents of low-lying areas to move to higher ground.",
            "Soldiers and volunteers have been deployed to deliver food, drinking water and medicine to communities that remain cut off by the floodwaters.",
        ],
    );
}

/// The four edits, each applied to all three articles before one `once`.
fn edit(site: &NewsSite, step: usize) {
    match step {
        // A one-letter typo fix.
        1 => {
            site.replace(VI, "85.800 tỷ đồg", "85.800 tỷ đồng");
            site.replace(TH, "กรุงเทพมหานดร", "กรุงเทพมหานคร");
            site.replace(EN, "thousands of hommes", "thousands of homes");
        }
        // A changed number.
        2 => {
            site.replace(VI, "85.800 tỷ đồng", "86.200 tỷ đồng");
            site.replace(TH, "ประมาณ 15 กิโลเมตร", "ประมาณ 18 กิโลเมตร");
            site.replace(EN, "said 12 people", "said 15 people");
        }
        // An added sentence.
        3 => {
            site.replace(
                VI,
                "song song.",
                "song song. Gói thầu đầu tiên do liên danh ba doanh nghiệp trong nước thực hiện.",
            );
            site.replace(TH, "เข้าถึงได้", "เข้าถึงได้ คาดว่าจะเปิดให้บริการได้ในอีกห้าปีข้างหน้า");
            site.replace(EN, "several houses.", "several houses. Two bridges collapsed overnight.");
        }
        // A reworded sentence.
        4 => {
            site.replace(VI, "bố trí tái định cư tại các khu đô thị mới", "bố trí chỗ ở mới tại các khu đô thị");
            site.replace(TH, "เห็นว่าการขยายระบบขนส่งมวลชนเป็นสิ่งจำเป็น", "มองว่าการขยายระบบขนส่งมวลชนเป็นเรื่องจำเป็น");
            site.replace(EN, "been deployed to deliver food", "been sent to bring food");
        }
        _ => unreachable!(),
    }
}

fn lines(path: &std::path::Path) -> Vec<Value> {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
        .collect()
}

#[test]
fn typos_numbers_sentences_and_rewordings_get_their_significance_and_the_substantive_sink_gets_only_those() {
    let site = NewsSite::start(&["/feed.xml"]);
    publish(&site);
    let dir = tempfile::tempdir().unwrap();
    let all = dir.path().join("all.jsonl");
    let substantive = dir.path().join("substantive.jsonl");
    let sink = |name: &str, out: &std::path::Path, extra: &str| {
        format!(
            "[[sink]]\nname = \"{name}\"\nkind = \"exec\"\ncommand = [\"sh\", \"-c\", \"cat >> '{}'\"]\n{extra}\n",
            out.display()
        )
    };
    let env = TestEnv::new(
        &[FeedSpec::new("fixture", &site.url("/feed.xml")).recheck(&[])],
        &format!(
            "{}{}",
            sink("all", &all, ""),
            sink("desk", &substantive, "events = [\"article.edited\"]\nmin_significance = \"substantive\"")
        ),
    );

    let first = env.once();
    assert_eq!(first.events("article.new").len(), 3, "{}", first.stdout);
    let mut edit_logs = Vec::new();
    for step in 1..=4 {
        edit(&site, step);
        let r = env.once();
        let edited = r.events("article.edited");
        assert_eq!(edited.len(), 3, "step {step}: {}", r.stdout);
        edit_logs.extend(edited);
    }

    // The summaries, as `events --json` prints them.
    let events = env.query(&["events"]);
    assert_eq!(events.len(), 15);
    let by_article: std::collections::BTreeMap<u64, String> = env
        .query(&["articles"])
        .iter()
        .map(|a| (n(&a["id"]), s(&a["fetched_from"]).rsplit('/').next().unwrap().to_string()))
        .collect();
    let mut got: Vec<(String, u64, Value)> = Vec::new();
    for e in events.iter().filter(|e| e["event"] == "article.edited") {
        got.push((by_article[&n(&e["id"])].clone(), n(&e["version"]), e["change"].clone()));
    }
    got.sort_by_key(|g| (g.0.clone(), g.1));
    let change = |added: u64, removed: u64, changed: u64, numbers: Value, ca: u64, cr: u64, sig: &str| {
        json!({"title_changed": false, "sentences_added": added, "sentences_removed": removed,
               "sentences_changed": changed, "numbers": numbers, "quotes_changed": 0, "names_changed": 0,
               "chars_added": ca, "chars_removed": cr, "significance": sig})
    };
    let num = |old: &str, new: &str| json!([{"old": old, "new": new}]);
    let expected = vec![
        ("floods.html".to_string(), 2, change(0, 0, 1, json!([]), 0, 1, "typo")),
        ("floods.html".to_string(), 3, change(0, 0, 1, num("12", "15"), 1, 1, "substantive")),
        ("floods.html".to_string(), 4, change(1, 0, 0, json!([]), 32, 0, "substantive")),
        ("floods.html".to_string(), 5, change(0, 0, 1, json!([]), 7, 13, "minor")),
        ("rot-fai.html".to_string(), 2, change(0, 0, 1, json!([]), 1, 1, "typo")),
        ("rot-fai.html".to_string(), 3, change(0, 0, 1, num("15", "18"), 1, 1, "substantive")),
        ("rot-fai.html".to_string(), 4, change(1, 0, 0, json!([]), 42, 0, "substantive")),
        ("rot-fai.html".to_string(), 5, change(0, 0, 1, json!([]), 7, 6, "minor")),
        ("vanh-dai-4.html".to_string(), 2, change(0, 0, 1, json!([]), 1, 0, "typo")),
        ("vanh-dai-4.html".to_string(), 3, change(0, 0, 1, num("85.800", "86.200"), 2, 2, "substantive")),
        ("vanh-dai-4.html".to_string(), 4, change(1, 0, 0, json!([]), 68, 0, "substantive")),
        ("vanh-dai-4.html".to_string(), 5, change(0, 0, 1, json!([]), 7, 13, "minor")),
    ];
    for (g, e) in got.iter().zip(&expected) {
        assert_eq!(g, e, "summary of {} version {}", e.0, e.1);
    }
    assert_eq!(got.len(), expected.len());

    // `events --significance LEVEL`: only the edits at least so significant, as `events` prints them.
    let rank = |e: &Value| ["typo", "minor", "substantive"].iter().position(|l| e["change"]["significance"] == *l);
    for (level, at_least, count) in [("typo", 0, 12), ("minor", 1, 9), ("substantive", 2, 6)] {
        let got = env.query(&["events", "--significance", level]);
        let want: Vec<Value> = events.iter().filter(|e| rank(e).is_some_and(|r| r >= at_least)).cloned().collect();
        assert_eq!(want.len(), count, "{level}");
        assert_eq!(got, want, "events --significance {level}");
    }
    let human = env.run(&["events", "--significance", "substantive"]);
    assert_eq!(human.stdout.matches("  article.edited  ").count(), 6, "{}", human.stdout);
    assert_eq!(human.stdout.matches("  substantive  ").count(), 6, "{}", human.stdout);
    let bad = env.run(&["events", "--significance", "huge"]);
    assert_eq!(bad.code, 2, "{}", bad.stderr);
    assert!(bad.stderr.contains("expected typo, minor or substantive, found \"huge\""), "{}", bad.stderr);

    // The log line of each edit carries the same summary (as a JSON string) and its significance.
    for log in &edit_logs {
        let from_log: Value = serde_json::from_str(s(&log["change"])).expect("change is JSON");
        let stored = events.iter().find(|e| e["seq"] == log["seq"]).expect("logged event is stored");
        assert_eq!(from_log, stored["change"]);
        assert_eq!(log["significance"], stored["change"]["significance"]);
    }

    // diff --summary, for people and for scripts.
    let en_id = by_article.iter().find(|(_, p)| *p == "floods.html").map(|(id, _)| *id).unwrap();
    let r = env.run(&["diff", &en_id.to_string(), "--from", "2", "--to", "3", "--summary"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(
        r.stdout,
        format!(
            "{} version 2 → 3\nsignificance:  substantive\ntitle changed: no\nsentences:     0 added, 0 removed, 1 changed\nnumbers:       12 → 15\nquotes:        0 changed\nnames:         0 changed\ncharacters:    +1 -1\n",
            site.url(EN)
        )
    );
    let j = env.query(&["diff", &en_id.to_string(), "--summary"]);
    assert_eq!(j.len(), 1);
    assert_eq!((n(&j[0]["from"]), n(&j[0]["to"])), (4, 5));
    assert_eq!(j[0]["change"], expected[3].2);
    let bad = env.run(&["diff", &en_id.to_string(), "--summary", "--from", "9"]);
    assert_eq!(bad.code, 2, "{}", bad.stderr);
    assert!(bad.stderr.contains("there is no version 9"), "{}", bad.stderr);

    // The default sink got every article event once, in seq order, as events --json prints them.
    let delivered = lines(&all);
    assert_eq!(delivered.iter().map(|e| n(&e["seq"])).collect::<Vec<_>>(), (1..=15).collect::<Vec<_>>());
    assert_eq!(delivered, events);
    // The substantive sink got the changed numbers and the added sentences, nothing else.
    let desk = lines(&substantive);
    let mut desk_got: Vec<(String, u64)> =
        desk.iter().map(|e| (by_article[&n(&e["id"])].clone(), n(&e["version"]))).collect();
    desk_got.sort();
    let want: Vec<(String, u64)> = ["floods.html", "rot-fai.html", "vanh-dai-4.html"]
        .iter()
        .flat_map(|p| [(p.to_string(), 3), (p.to_string(), 4)])
        .collect();
    assert_eq!(desk_got, want);
    assert!(desk.iter().all(|e| e["change"]["significance"] == "substantive"));

    // Both cursors are at the end, nothing pending.
    let sinks = env.query(&["sinks"]);
    assert_eq!(sinks.len(), 2);
    for (sink, delivered) in sinks.iter().zip([15, 6]) {
        assert_eq!((n(&sink["cursor"]), n(&sink["pending"]), n(&sink["delivered"])), (15, 0, delivered), "{sink}");
        assert_eq!(sink["kind"], "exec");
        assert_eq!(sink["last_error"], Value::Null);
    }
}
