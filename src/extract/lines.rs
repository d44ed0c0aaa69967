//! Chrome lines: after extraction, a short line that is only a counter, a share label, a credit, a relative
//! timestamp or the page's own metadata is dropped, in several languages. These are what changes on every
//! request inside the article's column (`clean.rs` removes the chrome elements before it).

use std::sync::LazyLock;

use regex::Regex;

/// Words that, with numbers and punctuation, make up counter and share lines.
const COUNTER_WORDS: &[&str] = &[
    // Vietnamese
    "lượt xem",
    "lượt thích",
    "lượt chia sẻ",
    "lượt đọc",
    "bình luận",
    "chia sẻ",
    "thích",
    "xem",
    "theo dõi",
    "lưu",
    "in bài",
    "gửi",
    "phản hồi",
    "tin liên quan",
    "cùng chủ đề",
    // Thai
    "ความคิดเห็น",
    "เข้าชม",
    "ครั้ง",
    "อ่าน",
    "แชร์",
    "ถูกใจ",
    "ผู้ชม",
    "วิว",
    // English and brand names of share targets
    "views",
    "view",
    "likes",
    "like",
    "comments",
    "comment",
    "shares",
    "share",
    "reads",
    "read",
    "print",
    "email",
    "facebook",
    "twitter",
    "zalo",
    "linkedin",
    "telegram",
    "whatsapp",
    "pinterest",
    "reddit",
    "line",
    "messenger",
    "copy link",
    "tweet",
    "save",
    "follow",
    "follow us",
    "on",
    "trên",
    "google news",
    // Ad slot labels and photo-gallery controls ("Advertisement", "Image 1 of 9", "Caption", "Close"): ad slots
    // and galleries render differently from one fetch to the next, and would read as edits.
    "advertisement",
    "advert",
    "quảng cáo",
    "โฆษณา",
    "广告",
    "廣告",
    "広告",
    "광고",
    "image",
    "photo",
    "caption",
    "close",
    "of",
    // Chinese, Japanese, Korean
    "阅读",
    "閱讀",
    "评论",
    "評論",
    "分享",
    "点赞",
    "浏览",
    "次",
    "コメント",
    "いいね",
    "シェア",
    "閲覧",
    "조회",
    "댓글",
    "공유",
    "좋아요",
];

static RELATIVE_TIME: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)\d+\s*(giây|phút|giờ|ngày|tuần|seconds?|secs?|minutes?|mins?|hours?|hrs?|days?|weeks?|วินาที|นาที|ชั่วโมง|วัน|秒|分钟|分鐘|小时|小時|天|分|時間|日|초|분|시간|일)\s*(trước|ago|ที่แล้ว|ก่อน|前|전)",
    )
    .expect("valid regex")
});

/// A short line that starts "Photo:", "Ảnh:", "Credit:" and the like is a picture's caption or credit.
static CREDIT_PREFIX: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)^\s*[(\[]?\s*(photo|photos|image|images|picture|credit|credits|source|ảnh|nguồn ảnh|ภาพ|ภาพประกอบ|foto|fotos|bild|图|圖|写真|사진)\s*(by)?\s*[:：]")
        .expect("valid regex")
});

/// How dates and times are written, the pieces of METADATA_PIECES and DATE_PIECES: "27/04/2026", "08:15 pm",
/// "thứ hai", "ngày 27 tháng 4 năm 2026", and (MONTH_NAME_DATES) "Monday, April 27th, 2026", "27 Apr 2026".
const NUMERIC_DATE: &str = r"\d{1,4}[/.\-]\d{1,2}[/.\-]\d{1,4}";
const TIME_OF_DAY: &str = r"\d{1,2}[:h]\d{2}(:\d{2})?\s*(am|pm|sa|ch)?";
const VI_WEEKDAY: &str = r"(thứ (hai|ba|tư|năm|sáu|bảy)|chủ nhật),?";
const VI_DATE: &str = r"ngày\s+\d{1,2}\s+tháng\s+\d{1,2}(\s+năm\s+\d{4})?";

/// A month's name or its abbreviation, in English and in the languages of Western Europe that write dates with
/// month names ("Nov.", "novembro", "dic", "März", "août", "Ago"): the prefixes below followed by any letters.
/// Words such as "set" or "out" read as months only inside a date's pattern, with a day and a year beside them.
const MONTH: &str = r"(jan|feb|f[eé]v|mar|m[aä]r|maa|apr|abr|avr|may|mai|mei|mag|jun|jui|giu|jul|lug|aug|ago|ao[uû]|sep|set|oct|okt|ott|out|nov|dec|d[eé]c|dez|dic|ene|gen)[a-zà-öø-ÿ]*\.?";
/// An English month's name or its usual abbreviation, whole: a date without a year ("November 20") is read
/// only with these, since "Set 2", "Mayor 12" or "Mario 64" would otherwise read as one.
const ENGLISH_MONTH: &str = r"(january|february|march|april|may|june|july|august|september|october|november|december|jan|feb|mar|apr|jun|jul|aug|sep|sept|oct|nov|dec)\.?";

/// "November 20", "Dec. 3rd": a date without a year.
static YEARLESS_DATE: LazyLock<String> =
    LazyLock::new(|| format!(r"(?-u:\b){ENGLISH_MONTH}\s+\d{{1,2}}(st|nd|rd|th)?(?-u:\b)"));

static MONTH_NAME_DATES: LazyLock<[String; 2]> = LazyLock::new(|| {
    let month = MONTH;
    let weekday = r"(mon|tue|wed|thu|fri|sat|sun)[a-z]*\.?,?";
    [
        format!(r"({weekday}\s+)?{month}\s+\d{{1,2}}(st|nd|rd|th)?,?\s+\d{{4}}"),
        format!(r"({weekday}\s+)?\d{{1,2}}(st|nd|rd|th|\.)?\s+(de\s+)?{month},?\s+(de\s+)?\d{{4}}"),
    ]
});

/// "Reading time", in the languages of METADATA_PIECES: a piece of a byline, and what READING_TIME looks for.
const READING_TIME_PHRASE: &str = r"reading time|read time|tempo de leitura|tiempo de lectura|temps de lecture|tempo di lettura|lesezeit|leestijd|thời gian đọc";

/// Pieces of a byline or footer line that say nothing of the story: dates with month names, times, reading
/// times, copyright notices, phone numbers. A line made of these alone (with separators) is the page's own
/// metadata: it changes with the page ("7 min read", "© 2025") and not with the article. Word boundaries here
/// are ASCII ones (`(?-u:\b)`, next to digits and Latin letters): a Unicode `\b` sends the regex engine to its
/// slowest matcher on any line that is not ASCII, which made these checks a twentieth of extraction.
static METADATA_PIECES: LazyLock<Regex> = LazyLock::new(|| {
    let pieces = [
        MONTH_NAME_DATES[0].to_string(),
        MONTH_NAME_DATES[1].to_string(),
        NUMERIC_DATE.to_string(),
        // A time with its zone's abbreviation ("12:04AM ET", "11:28 AMT"), and a time with a year ("15:23 2019").
        format!(r"{TIME_OF_DAY}(?-i:\s*[A-Z]{{1,4}}(?-u:\b))?(\s*\d{{4}}(?-u:\b))?"),
        // A month and a day without a year ("November 20"), on the line of a page's timestamp.
        YEARLESS_DATE.to_string(),
        VI_WEEKDAY.to_string(),
        VI_DATE.to_string(),
        r"\d+(\s*[-–]\s*\d+)?\s*(minutes?|mins|min|minutos?|minuti|minuten|phút|นาที)(\s+(reading|read|de leitura|de lectura|de lecture|đọc|อ่าน))?".to_string(),
        format!(r"({READING_TIME_PHRASE})\s*:?"),
        r"(copyright|bản quyền)\s*(©|\(c\))?(\s*\d{4}(\s*[-–]\s*\d{4})?)?".to_string(),
        r"©\s*(\d{4}(\s*[-–]\s*\d{4})?)?".to_string(),
        r"(all rights reserved|bảo lưu mọi quyền)\.?".to_string(),
        r"(tel|phone|fax|hotline|điện thoại|đt|โทร)\.?\s*:?".to_string(),
        r"\+?\(?\d{1,4}\)?([\s.\-]?\(?\d{2,4}\)?){2,5}".to_string(),
        r"(gmt|utc|ict|est|edt|pst|pdt|cet|cest)([+\-]\d{1,2}(:\d{2})?)?".to_string(),
    ];
    Regex::new(&format!("(?i){}", pieces.join("|"))).expect("valid regex")
});

static COPYRIGHT_NOTICE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)^\W*(©|\(c\)\s*\d{4}|copyright\s*(©|\(c\)|@|\d{4})|bản quyền\s*(©|thuộc))").expect("valid regex")
});

/// A line of metadata pieces only (see METADATA_PIECES) and a piece that is not a plain number.
fn is_metadata_line(line: &str) -> bool {
    if line.chars().count() > 160 {
        return false;
    }
    // "© 2025 Báo Quốc tế. All rights reserved.": whatever follows the notice is the owner's name.
    if COPYRIGHT_NOTICE.is_match(line) {
        return true;
    }
    let rest = METADATA_PIECES.replace_all(line, " ");
    rest.len() < line.len() && !rest.chars().any(|c| c.is_alphanumeric())
}

/// A date with or without a weekday.
static DATE_PIECES: LazyLock<Regex> = LazyLock::new(|| {
    let pieces = [
        MONTH_NAME_DATES[0].to_string(),
        MONTH_NAME_DATES[1].to_string(),
        NUMERIC_DATE.to_string(),
        format!(r"({VI_WEEKDAY}\s*)?{VI_DATE}"),
        YEARLESS_DATE.to_string(),
    ];
    Regex::new(&format!("(?i){}", pieces.join("|"))).expect("valid regex")
});

static TIME_PIECE: LazyLock<Regex> = LazyLock::new(|| Regex::new(&format!("(?i){TIME_OF_DAY}")).expect("valid regex"));

/// A line that is one date and nothing else but a time and separators ("April 27, 2026", "27/04/2026 08:15").
fn is_date_line(line: &str) -> bool {
    if line.chars().count() > 60 || DATE_PIECES.find_iter(line).count() != 1 {
        return false;
    }
    let rest = DATE_PIECES.replace(line, " ");
    !TIME_PIECE.replace_all(&rest, " ").chars().any(char::is_alphanumeric)
}

/// The fewest different dates alone on their lines that make a dated list.
const DATED_LIST_MIN_DATES: usize = 3;

/// Date lines of a text that are its content, not the page's own timestamps: three or more different dates
/// alone on their lines are a list of dated items (an events calendar, a timeline, a schedule), whose dates a
/// correction can change. A page's own dates (published, updated, today's date in the header) are one or two.
pub fn dated_list_lines(text: &str) -> std::collections::HashSet<&str> {
    let dates: std::collections::HashSet<&str> = text.lines().filter(|l| is_date_line(l)).collect();
    if dates.len() >= DATED_LIST_MIN_DATES {
        dates
    } else {
        Default::default()
    }
}

/// A line that is only a date and/or a time ("27/11/2026 08:15", "08:15", "2026-11-27"): the page's timestamp.
static DATE_TIME_ONLY: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)^[\s|·•,(]*(\d{1,4}[/.\-]\d{1,2}[/.\-]\d{1,4}[\s,|·•\-]*(\d{1,2}[:h]\d{2}(:\d{2})?)?|\d{1,2}[:h]\d{2}(:\d{2})?)\s*(am|pm|sa|ch|gmt|utc|ict|[+\-]\d{2}:?\d{2}|\(gmt[+\-]\d{1,2}\))?[\s|·•)]*$")
        .expect("valid regex")
});

/// A reading time ("5 min read", "Tempo de leitura: 1 minuto"): a short line that holds one, with its number,
/// is a byline ("Bridgestone Team | 5 min read"), whatever else it names.
static READING_TIME: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(&format!(
        r"(?i)(?-u:\b)\d+(\s*[-–]\s*\d+)?\s*(min|mins|minutes?)\.?\s+(read|reading)(?-u:\b)|(?-u:\b)({READING_TIME_PHRASE})"
    ))
    .expect("valid regex")
});

static FOLLOW_PREFIX: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)^\s*(theo dõi|follow us|follow|ติดตาม|关注|關注|フォロー|팔로우)\b").expect("valid regex")
});

/// A line that starts with "updated", "published" and the like, after any separators ("| UPDATED: 11:05, ...").
static STAMP_PREFIX: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)^[\s|·•:\-–—]*(cập nhật|cap nhat|đăng lúc|đăng ngày|ngày đăng|thời gian|last updated|updated|published|posted|modified|อัปเดต|อัพเดท|อัพเดต|เผยแพร่|แก้ไขล่าสุด|更新|发布|發佈|公開|업데이트|수정|입력)",
    )
    .expect("valid regex")
});

/// Is this line (already normalised) page chrome?
pub fn is_chrome_line(line: &str) -> bool {
    // A line of bullets, bars or dashes alone ("•", "|", "* * *") says nothing, and templates add and drop
    // them between renders (realsite: a lone "•" between list items made a re-render look like an edit).
    if !line.chars().any(char::is_alphanumeric) {
        return true;
    }
    let chars = line.chars().count();
    // Every rule below is for lines of 80 characters or fewer.
    if chars > 80 {
        return false;
    }
    // A reading time and a stamp's prefix count only with their number ("5 min read", "Updated: 10:32").
    let has_digit = line.bytes().any(|b| b.is_ascii_digit());
    if chars <= 60 && (FOLLOW_PREFIX.is_match(line) || (has_digit && READING_TIME.is_match(line))) {
        return true;
    }
    if CREDIT_PREFIX.is_match(line) || DATE_TIME_ONLY.is_match(line) || is_metadata_line(line) {
        return true;
    }
    if RELATIVE_TIME.is_match(line) || (has_digit && STAMP_PREFIX.is_match(line)) {
        return true;
    }
    // Remove every counter word, then every digit, punctuation and space: nothing left means chrome.
    let mut rest = line.to_lowercase();
    let mut had_word = false;
    for w in COUNTER_WORDS_LONGEST_FIRST.iter() {
        if rest.contains(w) {
            had_word = true;
            rest = rest.replace(w, " ");
        }
    }
    let residue = rest.chars().any(|c| c.is_alphabetic());
    // A line of numbers alone (a table cell, a score, a corrected figure) is article text: only numbers next to
    // counter words are chrome.
    !residue && had_word
}

/// COUNTER_WORDS longest first, so that "lượt xem" is removed before "xem" (sorted once, not for every line).
static COUNTER_WORDS_LONGEST_FIRST: LazyLock<Vec<&'static str>> = LazyLock::new(|| {
    let mut words = COUNTER_WORDS.to_vec();
    words.sort_by_key(|w| std::cmp::Reverse(w.len()));
    words
});

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn date_lines_and_dated_lists() {
        for line in ["April 27, 2026", "Mon, 27 Apr 2026", "27/04/2026 08:15", "Thứ hai, ngày 27 tháng 4 năm 2026"]
        {
            assert!(is_date_line(line), "{line}");
        }
        for line in ["08:15", "April 27, 2026 Kaseya Connect", "27/04/2026 - 28/04/2026", "© 2026"] {
            assert!(!is_date_line(line), "{line}");
        }
        let two = "Story\nApril 27, 2026\nMore story\nApril 28, 2026";
        assert!(dated_list_lines(two).is_empty(), "a page's own dates");
        let three = format!("{two}\nAnother item\nApril 27, 2026\nMay 5, 2026");
        assert_eq!(dated_list_lines(&three).len(), 3);
        // A timeline's headings without a year are a dated list too, kept though each alone reads as a stamp.
        let timeline = "March 3\nThe bill is tabled.\nMarch 10\nThe committee hears it.\nApril 2\nThe vote.";
        assert_eq!(dated_list_lines(timeline).len(), 3);
        assert!(is_chrome_line("March 3"));
    }

    #[test]
    fn chrome_lines_in_several_languages() {
        for l in [
            "1.234 lượt xem",
            "Bình luận (15)",
            "Chia sẻ: Facebook Zalo Twitter",
            "ความคิดเห็น 23",
            "เข้าชม 1,024 ครั้ง",
            "Updated 5 minutes ago",
            "Cập nhật lúc 08:15 27/11/2026",
            "Cập nhật: 3 phút trước",
            "อัปเดต 10:45 น.",
            "3 giờ trước",
            "阅读 1024 · 评论 8",
            "27/11/2026 08:15",
            "Theo dõi Baoquocte.vn trên Google News",
            "Share | Tweet | Email",
            "| UPDATED: 11:05, Tue, Nov 19, 2019",
            "Advertisement",
            "Image 1 of / 9",
            "Caption",
            "08:15",
            "2026-11-27",
            "Photo: Hau Dinh, AP",
            "Ảnh: Tuấn Anh",
            "Credit: EPA",
            "March 1, 2024",
            "May 06, 2025 · 7 min read",
            "June 11, 2025 5 min",
            "2–4 minutes",
            "Copyright © 2025 ",
            "© 2025 Báo Quốc tế. All rights reserved.",
            "(800) 677-7887",
            "+61-448-061-727",
            "Tel: +84 24 3826 3545",
            "Thứ Ba, 27/11/2026 08:15 (GMT+7)",
            "12th March 2025",
            "November 19, 2019 12:04AM ET",
            "November 20, 2019 - 11:28 AMT",
            "November 20",
            "15:23 2019",
            "02 Ago 2017",
            "10 de março de 2018",
            "3. Dezember 2025",
            "Tempo de leitura: 1 minuto",
            "Bridgestone Team | 5 min read",
            "Copyright @ 2019 The New Arab.",
            "•",
            "| · |",
            "* * *",
            "— —",
        ] {
            assert!(is_chrome_line(l), "{l} should be chrome");
        }
    }

    #[test]
    fn article_sentences_are_not_chrome() {
        for l in [
            "Giá vàng tăng 2% trong phiên sáng nay.",
            "Chiều 27/11, Người phát ngôn Bộ Ngoại giao đã chủ trì họp báo thường kỳ.",
            "นายกรัฐมนตรีเดินทางเยือนเวียดนาม 3 วัน",
            "The minister said 15 people were injured.",
            "Xem thêm: chính sách mới về thuế thu nhập cá nhân",
            "Updated guidance from the ministry says schools reopen on Monday, 2 December, across the country.",
            "Photo of the year: 12 images of 2026",
            "120",
            "3-1",
            "20.000",
            "2026",
            "Copyright law protects the 2025 edition of the book.",
            "Call (800) 677-7887 to book a free consultation with our team.",
            "March 1, 2024 was the day the law came into force.",
            "1a etapa: 10 de março – Interlagos",
            "Set 2 of 5",
            "Set 2",
            "Mario 64",
            "Mayor 12",
            "Reading time matters for kids",
            "Why read time is down",
        ] {
            assert!(!is_chrome_line(l), "{l} should be kept");
        }
    }
}
