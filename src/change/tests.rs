use super::*;

/// Unchanged text around an edit, so that the edit is a small share of the whole.
const REST: &str =
    "Phần còn lại của bài viết không thay đổi và đủ dài để một sửa đổi nhỏ chỉ là một phần nhỏ của toàn bài. \
    The rest of the article does not change and is long enough for a small edit to be a small share of it.";

fn sig(old: &str, new: &str) -> Significance {
    summarize("T", &format!("{old} {REST}"), "T", &format!("{new} {REST}")).significance
}

#[test]
fn numbers_are_read_in_both_conventions() {
    for (w, v) in [
        ("20.000", "20000"),
        ("20,000", "20000"),
        ("20000", "20000"),
        ("1.234.567", "1234567"),
        ("2,5", "2.5"),
        ("2.5", "2.5"),
        ("2.50", "2.5"),
        ("1.234,5", "1234.5"),
        ("1,234.5", "1234.5"),
        ("085", "85"),
        ("๑๒๐", "120"),
        ("10.0.0.1", "10.0.0.1"),
    ] {
        assert_eq!(number_value(w), v, "{w}");
    }
}

#[test]
fn sentences_split_in_vietnamese_english_and_thai() {
    assert_eq!(
        sentences("Hà Nội mưa to. Giao thông ùn tắc!\nSáng nay, 20.000 người đi làm muộn."),
        ["Hà Nội mưa to.", "Giao thông ùn tắc!", "Sáng nay, 20.000 người đi làm muộn."]
    );
    assert_eq!(sentences("Prices rose 2.5 percent. Then they fell."), ["Prices rose 2.5 percent.", "Then they fell."]);
    assert_eq!(
        sentences("กรุงเทพมหานครเปิดเผยแผน เพื่อรองรับผู้โดยสาร ประมาณ 15 กิโลเมตร"),
        ["กรุงเทพมหานครเปิดเผยแผน", "เพื่อรองรับผู้โดยสาร", "ประมาณ 15 กิโลเมตร"]
    );
}

#[test]
fn a_one_letter_fix_is_a_typo() {
    let s = summarize(
        "T",
        "The mayor sad the bridge will open. It cost 20 million.",
        "T",
        "The mayor said the bridge will open. It cost 20 million.",
    );
    assert_eq!(
        s,
        ChangeSummary {
            title_changed: false,
            sentences_added: 0,
            sentences_removed: 0,
            sentences_changed: 1,
            numbers: vec![],
            quotes_changed: 0,
            names_changed: 0,
            chars_added: 1,
            chars_removed: 0,
            significance: Significance::Typo,
        }
    );
    assert_eq!(
        sig("ผู้ว่าราชการกรุงเทพมหานดรกล่าวว่าโครงการนี้จะช่วยลดปัญหา", "ผู้ว่าราชการกรุงเทพมหานครกล่าวว่าโครงการนี้จะช่วยลดปัญหา"),
        Significance::Typo
    );
    assert_eq!(sig("Ông Nguyen Van Nam phát biểu.", "Ông Nguyễn Van Nam phát biểu."), Significance::Typo);
}

#[test]
fn punctuation_and_number_formatting_alone_are_typos() {
    let s = summarize("T", "Có 20.000 người dự, theo ban tổ chức", "T", "Có 20,000 người dự; theo ban tổ chức.");
    assert_eq!((s.numbers.len(), s.significance), (0, Significance::Typo));
}

#[test]
fn a_changed_number_is_substantive_and_listed_as_written() {
    let s = summarize(
        "T",
        "Rescue teams said 12 people were still missing. Roads were cut.",
        "T",
        "Rescue teams said 15 people were still missing. Roads were cut.",
    );
    assert_eq!(s.numbers, vec![NumberChange { old: Some("12".into()), new: Some("15".into()) }]);
    assert_eq!((s.sentences_changed, s.chars_added, s.chars_removed), (1, 1, 1));
    assert_eq!(s.significance, Significance::Substantive);
    let vi = summarize("T", "Tổng mức đầu tư khoảng 85.800 tỷ đồng.", "T", "Tổng mức đầu tư khoảng 86.000 tỷ đồng.");
    assert_eq!(vi.numbers, vec![NumberChange { old: Some("85.800".into()), new: Some("86.000".into()) }]);
}

#[test]
fn an_added_or_removed_sentence_is_substantive() {
    let s = summarize("T", "One thing happened.", "T", "One thing happened. Police have arrested two men.");
    assert_eq!((s.sentences_added, s.sentences_removed, s.sentences_changed), (1, 0, 0));
    assert_eq!(s.chars_added, "Police have arrested two men.".chars().count());
    assert_eq!(s.significance, Significance::Substantive);
    let r = summarize("T", "One thing happened. Police have arrested two men.", "T", "One thing happened.");
    assert_eq!((r.sentences_removed, r.significance), (1, Significance::Substantive));
}

#[test]
fn a_reworded_sentence_is_minor() {
    let old = "Lãnh đạo thành phố yêu cầu các nhà thầu bảo đảm chất lượng. Các hộ dân bị ảnh hưởng được bố trí tái định cư tại các khu đô thị mới gần tuyến đường. Dự án dài 112 km.";
    let new = "Lãnh đạo thành phố yêu cầu các nhà thầu bảo đảm chất lượng. Các hộ dân bị ảnh hưởng được bố trí chỗ ở mới tại các khu đô thị gần tuyến đường. Dự án dài 112 km.";
    let s = summarize("T", old, "T", new);
    assert_eq!((s.sentences_changed, s.sentences_added, s.sentences_removed), (1, 0, 0));
    assert_eq!(s.significance, Significance::Minor, "{s:?}");
    assert_eq!(
        sig("The minister said the talks went well.", "The minister told reporters the talks went well."),
        Significance::Minor
    );
    // The README's example edit: two words inserted.
    assert_eq!(
        sig(
            "Trả lời câu hỏi về Biển Đông, người phát ngôn khẳng định lập trường nhất quán của Việt Nam là giải quyết các tranh chấp bằng biện pháp hòa bình.",
            "Trả lời câu hỏi về Biển Đông, người phát ngôn khẳng định lập trường nhất quán của Việt Nam là giải quyết các tranh chấp lãnh thổ bằng biện pháp hòa bình."
        ),
        Significance::Minor
    );
}

#[test]
fn headlines_quotes_and_names_make_a_rewording_substantive() {
    let s = summarize("Floods kill 3", "Text.", "Floods kill three", "Text.");
    assert!(s.title_changed);
    assert_eq!(s.significance, Significance::Substantive);
    assert_eq!(
        summarize("Floods sweep the centre", "Text.", "Floods hit the centre", "Text.").significance,
        Significance::Substantive
    );
    assert_eq!(
        summarize("Floods sweep the centre", "Text.", "Floods sweep the center", "Text.").significance,
        Significance::Typo
    );
    let q = summarize(
        "T",
        &format!("He said “we will build it” on Monday. {REST}"),
        "T",
        &format!("He said “we may build it” on Monday. {REST}"),
    );
    assert_eq!((q.quotes_changed, q.significance), (1, Significance::Substantive));
    let n = summarize(
        "T",
        &format!("The talks were led by the minister on Monday. {REST}"),
        "T",
        &format!("The talks were led by Ms Lan on Monday. {REST}"),
    );
    assert_eq!((n.names_changed, n.significance), (2, Significance::Substantive), "the → Ms, minister → Lan");
}

#[test]
fn rewriting_most_of_the_text_is_substantive() {
    let s = summarize(
        "T",
        "The weather was nice and the sky was blue all day.",
        "T",
        "The weather was bad and the sky was grey and wet all day.",
    );
    assert_eq!(s.sentences_changed, 1);
    assert_eq!(s.significance, Significance::Substantive);
}

proptest::proptest! {
    /// Any input: no panic; a text compared with itself changed nothing.
    #[test]
    fn any_text_is_summarised_and_equal_texts_change_nothing(
        a in "[ -~àáạảãâầấậẩẫăđèéêếệìíòóôồốộơờớợùúưừứựỳýกขคงจชดตนบปมยรลวสหอะาำิีึืุูเแโใไ่้๊๋ ๑๒๓“”«»\n.,]{0,300}",
        b in "[ -~àáạảãâầấậẩẫăđèéêếệìíòóôồốộơờớợùúưừứựỳýกขคงจชดตนบปมยรลวสหอะาำิีึืุูเแโใไ่้๊๋ ๑๒๓“”«»\n.,]{0,300}",
    ) {
        let s = summarize("t", &a, "t", &b);
        proptest::prop_assert!(s.chars_added <= b.chars().count() && s.chars_removed <= a.chars().count());
        let same = summarize("t", &a, "t", &a);
        proptest::prop_assert_eq!(
            (same.sentences_added, same.sentences_removed, same.sentences_changed, same.chars_added, same.numbers.len(), same.significance),
            (0, 0, 0, 0, 0, Significance::Typo)
        );
    }
}

#[test]
fn a_huge_unpunctuated_paragraph_is_summarised_within_the_budget() {
    let old: String = (0..20_000).map(|i| ["ก", "ข", "ค", "ง"][i % 4]).collect();
    let new: String = (0..20_000).map(|i| ["ก", "ข", "ค", "ง"][(i * 7 + i / 3) % 4]).collect();
    let started = Instant::now();
    let s = summarize("t", &old, "t", &new);
    assert!(started.elapsed() < Duration::from_secs(5), "took {:?}", started.elapsed());
    assert_eq!(s.significance, Significance::Substantive);
}

#[test]
fn significance_orders_and_parses() {
    assert!(Significance::Typo < Significance::Minor && Significance::Minor < Significance::Substantive);
    assert_eq!(Significance::parse("minor"), Some(Significance::Minor));
    assert_eq!(Significance::parse("big"), None);
    assert_eq!(serde_json::to_string(&Significance::Substantive).unwrap(), "\"substantive\"");
}
