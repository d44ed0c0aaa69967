//! Is the text taken from a page an article? A page reached from a feed item is, unless it clearly is not:
//! no text at all, a placeholder ("Loading…", "enable JavaScript"), a section front (mostly links), an error
//! page served with 200, or a consent or paywall stub. Each refusal names its rule, for `page.no_article`.
//! Anything else is kept, however short (a one-line news brief is an article): a real article refused is an
//! article lost, while a stub kept is one more version when the page is filled in.

use std::sync::LazyLock;

use regex::Regex;

use super::density::visible_chars;

/// More than this share of the text inside links is a list of links, not an article.
const MAX_LINK_SHARE: f64 = 0.5;
/// Error pages and stubs are short: a text longer than this is an article whatever it says.
const MAX_STUB_CHARS: u32 = 800;
/// A placeholder is a line or two: a text longer than this that says "loading" is an article about loading.
const MAX_PLACEHOLDER_CHARS: u32 = 120;

/// A headline that says "this page is an error": a status code alone ("404", "Error 404"), or words that say
/// the page is not there. A status number inside a real headline ("Tin số 404", "500 homes flooded") is not.
static ERROR_TITLE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)(^\W*(error\W*)?(404|410|500|503)\W*$|^\W*(404|410)\b\W*[-:|–—]|\b(error|lỗi) (404|410|500)\b|page not found|not found\W*$|no longer available|không tìm thấy|trang không tồn tại|ไม่พบหน้า|找不到|页面不存在|ページが見つかりません|페이지를 찾을 수 없습니다|seite nicht gefunden|page introuvable|página no encontrada)",
    )
    .expect("valid regex")
});

static STUB_TEXT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)(subscribe to (read|continue)|subscribers only|already a subscriber|log ?in to (read|continue)|sign in to (read|continue)|to continue reading|this (article|content) is (only )?(available|reserved) (to|for) (subscribers|members)|we use cookies|accept (all )?cookies|cookie (settings|consent)|đăng ký để đọc|đăng nhập để đọc|nội dung dành cho thành viên|สมัครสมาชิกเพื่ออ่าน|เข้าสู่ระบบเพื่ออ่าน)",
    )
    .expect("valid regex")
});

/// The text of a page shell whose article is filled in by a script, or later by the newsroom.
static PLACEHOLDER_TEXT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)^\W*(loading|please wait|coming soon|content (is )?(not |un)available|đang (tải|cập nhật)|nội dung đang được cập nhật|กำลังโหลด)\W*$|(enable|turn on) javascript|javascript (is )?(disabled|required)|requires javascript|bật javascript",
    )
    .expect("valid regex")
});

/// Why `text` is not an article, or `None` when it is one. `headlines` are the page's `<title>` and `<h1>`s.
pub fn not_an_article(text: &str, link_share: f64, headlines: &[&str]) -> Option<&'static str> {
    let chars = visible_chars(text);
    if chars == 0 {
        return Some("no text");
    }
    if chars <= MAX_PLACEHOLDER_CHARS && PLACEHOLDER_TEXT.is_match(text) {
        return Some("a placeholder");
    }
    if chars <= MAX_STUB_CHARS {
        if headlines.iter().any(|h| ERROR_TITLE.is_match(h)) {
            return Some("an error page");
        }
        if STUB_TEXT.is_match(text) {
            return Some("a paywall or consent stub");
        }
    }
    if link_share > MAX_LINK_SHARE {
        return Some("mostly links");
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules() {
        let long = "Chiều 27/11, Người phát ngôn Bộ Ngoại giao đã chủ trì họp báo thường kỳ, trả lời nhiều câu hỏi. "
            .repeat(3);
        assert_eq!(not_an_article(&long, 0.0, &["Họp báo"]), None);
        // A one-line brief is an article; an empty text or a page shell is not.
        let brief = "Động đất 6,1 độ richter tại Myanmar.";
        assert_eq!(not_an_article(brief, 0.0, &["Động đất tại Myanmar"]), None);
        assert_eq!(not_an_article(" \n", 0.0, &["Họp báo"]), Some("no text"));
        for shell in ["Loading…", "Please enable JavaScript to view this page.", "Đang cập nhật", "กำลังโหลด..."]
        {
            assert_eq!(not_an_article(shell, 0.0, &["Họp báo"]), Some("a placeholder"), "{shell}");
        }
        let about_loading = "Loading the ferry took four hours, the port authority said on Monday, as the storm kept cranes idle and trucks queued.";
        assert_eq!(not_an_article(about_loading, 0.0, &["Ferry delays"]), None);
        assert_eq!(not_an_article(&long, 0.7, &["Họp báo"]), Some("mostly links"));
        assert_eq!(not_an_article(&long, 0.0, &["404 - Không tìm thấy trang"]), Some("an error page"));
        let stub = format!("{long} Subscribe to continue reading this story.");
        assert_eq!(not_an_article(&stub, 0.0, &["The plan"]), Some("a paywall or consent stub"));
        // A long article about errors is still an article.
        let essay = "The error budget of a service is the share of requests it may fail. ".repeat(15);
        assert_eq!(not_an_article(&essay, 0.0, &["Error budgets explained"]), None);
        for real in ["Tin số 404", "500 homes flooded after the storm", "Lỗi phần mềm khiến 30 chuyến bay bị hoãn"]
        {
            assert_eq!(not_an_article(&long, 0.0, &[real]), None, "{real}");
        }
        for error in
            ["404", "Error 404", "404 - Page not found | Báo Quốc tế", "Không tìm thấy trang", "Oops! Not found"]
        {
            assert_eq!(not_an_article(&long, 0.0, &[error]), Some("an error page"), "{error}");
        }
    }
}
