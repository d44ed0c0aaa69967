//! Live-page churn inside what the extractor keeps — a "most read" list that reorders itself on every
//! request, a counter of readers — is no edit; a real edit served among the same churn is one. A page whose
//! text differs from the stored version is fetched a second time, and only what both fetches agree on counts.

mod common;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use common::{n, s, FeedSpec, Resp, Server, TestEnv};

const STORY: [&str; 3] = [
    "Hội nghị thượng đỉnh khai mạc sáng nay tại Hà Nội với sự tham dự của lãnh đạo hai mươi quốc gia.",
    "Các bên dự kiến thảo luận về thương mại, biến đổi khí hậu và an ninh khu vực trong ba ngày tới.",
    "Phát biểu khai mạc, chủ tịch hội nghị kêu gọi các nước tăng cường hợp tác vì hòa bình lâu dài.",
];
const EDITED: &str =
    "Phát biểu khai mạc, chủ tịch hội nghị kêu gọi các nước tăng cường hợp tác vì hòa bình và phát triển bền vững.";
const READ_MOST: [&str; 3] = [
    "Đọc nhiều: Giá vàng hôm nay tăng mạnh sau phiên giao dịch đầy biến động trên thị trường thế giới.",
    "Đọc nhiều: Thời tiết miền Bắc chuyển lạnh, nhiệt độ thấp nhất có nơi dưới mười độ trong tuần này.",
    "Đọc nhiều: Đội tuyển quốc gia công bố danh sách cầu thủ chuẩn bị cho giải đấu khu vực sắp tới.",
];

/// Render `n` of the page: the story (edited or not), then the reader counter and the rotated list, both
/// inside the article, as many sites put them.
fn render(n: usize, edited: bool) -> String {
    let mut paras: Vec<String> = STORY.iter().map(|p| p.to_string()).collect();
    if edited {
        paras[2] = EDITED.to_string();
    }
    paras.push(format!(
        "Bài viết đã có {} lượt đọc và {} bình luận của bạn đọc trong và ngoài nước.",
        1000 + 37 * n,
        3 + n
    ));
    paras.extend((0..3).map(|i| READ_MOST[(i + n) % 3].to_string()));
    let body: String = paras.iter().map(|p| format!("<p>{p}</p>")).collect();
    format!(
        "<html><head><meta charset=\"utf-8\"><title>Hội nghị thượng đỉnh</title></head><body><article><h1>Hội nghị thượng đỉnh</h1>{body}</article></body></html>"
    )
}

/// The site's feed, one item linking the page each test serves, and a store that re-checks it on `recheck`.
fn feed_of_the_page(server: &Server, recheck: &[&str]) -> TestEnv {
    let rss = format!(
        "<rss version=\"2.0\"><channel><title>t</title><item><title>Hội nghị</title><link>{}</link></item></channel></rss>",
        server.url("/tin/hoi-nghi.html")
    );
    server.route("/rss", Resp::new("application/rss+xml", rss));
    TestEnv::new(&[FeedSpec::new("site", &server.url("/rss")).recheck(recheck)], "")
}

#[test]
fn churn_inside_the_article_is_no_edit_and_an_edit_among_churn_is_one() {
    let server = Server::start();
    let edited = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let served = Arc::new(AtomicUsize::new(0));
    {
        let (edited, served) = (edited.clone(), served.clone());
        server.route_fn("/tin/hoi-nghi.html", move |_, _| {
            let n = served.fetch_add(1, Ordering::SeqCst);
            Resp::html(render(n, edited.load(Ordering::SeqCst)))
        });
    }
    let env = feed_of_the_page(&server, &["1h"]);

    let first = env.once();
    assert_eq!(first.events("article.new").len(), 1, "{}", first.stdout);
    let stored = s(&env.show("1")["text"]).to_string();
    assert!(stored.contains("1000 lượt đọc") && stored.contains(READ_MOST[0]), "the churn is in the text:\n{stored}");
    assert_eq!(served.load(Ordering::SeqCst), 1, "a new article is fetched once");

    // Two re-checks with churn only: each fetches twice, reports nothing, and keeps the stored text.
    for pass in 0..2 {
        assert_eq!(env.run(&["recheck", "1"]).code, 0);
        let before = served.load(Ordering::SeqCst);
        let run = env.once();
        assert!(run.events("article.edited").is_empty(), "pass {pass}: {}", run.stdout);
        assert_eq!(run.summary()["unchanged"], 1, "{}", run.stdout);
        assert_eq!(served.load(Ordering::SeqCst) - before, 2, "a changed page is fetched a second time");
        assert_eq!(s(&env.show("1")["text"]), stored);
    }
    assert_eq!(env.query(&["history", "1"]).len(), 1);

    // A real edit, served among the same churn.
    edited.store(true, Ordering::SeqCst);
    assert_eq!(env.run(&["recheck", "1"]).code, 0);
    let run = env.once();
    let edits = run.events("article.edited");
    assert_eq!(edits.len(), 1, "{}", run.stdout);
    assert_eq!(n(&edits[0]["version"]), 2);
    let history = env.query(&["history", "1"]);
    assert_eq!(history.len(), 2);
    assert!(s(&history[1]["text"]).contains(EDITED), "{}", history[1]);
    assert!(!s(&history[1]["text"]).contains(STORY[2]), "{}", history[1]);
}

/// When the confirming fetch fails (a timeout under load, a 503), a change only in the numbers of a line waits
/// for the next check, and a changed sentence is reported on the one fetch that saw it.
#[test]
fn without_a_confirming_fetch_a_counter_waits_and_a_changed_sentence_is_reported() {
    let server = Server::start();
    // The render to serve (its counter and whether the story is edited), and how many answers may succeed.
    let render_no = Arc::new(AtomicUsize::new(0));
    let edited = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let answers_left = Arc::new(AtomicUsize::new(1));
    let served = Arc::new(AtomicUsize::new(0));
    {
        let (render_no, edited, answers_left, served) =
            (render_no.clone(), edited.clone(), answers_left.clone(), served.clone());
        server.route_fn("/tin/hoi-nghi.html", move |_, _| {
            served.fetch_add(1, Ordering::SeqCst);
            if answers_left.fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1)).is_err() {
                return Resp::status(503);
            }
            // Render 0 is the stored one; the same render of the read-most list each time (no rotation here).
            let page = render(render_no.load(Ordering::SeqCst) * 3, edited.load(Ordering::SeqCst));
            Resp::html(page)
        });
    }
    let env = feed_of_the_page(&server, &["1h", "2h"]);
    assert_eq!(env.once().events("article.new").len(), 1);
    let stored = s(&env.show("1")["text"]).to_string();

    // The counter changed and the confirming fetch gets a 503: no edit, the stored text stands.
    render_no.store(1, Ordering::SeqCst);
    answers_left.store(1, Ordering::SeqCst);
    assert_eq!(env.run(&["recheck", "1"]).code, 0);
    let before = served.load(Ordering::SeqCst);
    let run = env.once();
    assert!(run.events("article.edited").is_empty(), "{}", run.stdout);
    assert_eq!(served.load(Ordering::SeqCst) - before, 2, "the confirming fetch was tried");
    assert_eq!(s(&env.show("1")["text"]), stored);

    // A sentence changed, the confirming fetch fails again: reported, on the fetch that saw it.
    edited.store(true, Ordering::SeqCst);
    answers_left.store(1, Ordering::SeqCst);
    assert_eq!(env.run(&["recheck", "1"]).code, 0);
    let run = env.once();
    let edits = run.events("article.edited");
    assert_eq!(edits.len(), 1, "{}", run.stdout);
    assert_eq!(n(&edits[0]["version"]), 2);
    let text = s(&env.query(&["history", "1"])[1]["text"]).to_string();
    assert!(text.contains(EDITED) && text.contains("1111 lượt đọc"), "{text}");
}

/// A site that serves one of a few renders at random can serve the same one several times running: a change
/// only in numbers must be seen alike by every one of five fetches, and the first that differs ends it as churn.
/// A figure that every fetch shows changed is an edit.
#[test]
fn a_number_drawn_alike_four_times_is_churn_when_the_fifth_differs_and_one_all_five_show_is_an_edit() {
    let server = Server::start();
    // The renders to serve, in order; the last one again once they run out. A multiple of 3 keeps the read-most
    // list in its stored order, so only the counter line differs.
    let queue = Arc::new(std::sync::Mutex::new(std::collections::VecDeque::from([0])));
    let served = Arc::new(AtomicUsize::new(0));
    {
        let (queue, served) = (queue.clone(), served.clone());
        server.route_fn("/tin/hoi-nghi.html", move |_, _| {
            served.fetch_add(1, Ordering::SeqCst);
            let mut q = queue.lock().unwrap();
            let n = if q.len() > 1 { q.pop_front().unwrap() } else { q[0] };
            Resp::html(render(n, false))
        });
    }
    let env = feed_of_the_page(&server, &["1h", "2h"]);
    assert_eq!(env.once().events("article.new").len(), 1);
    let stored = s(&env.show("1")["text"]).to_string();
    assert!(stored.contains("1000 lượt đọc và 3 bình luận"), "{stored}");

    // Four fetches draw the same counter, the fifth another: churn, after five fetches.
    *queue.lock().unwrap() = [3, 3, 3, 3, 6].into();
    assert_eq!(env.run(&["recheck", "1"]).code, 0);
    let before = served.load(Ordering::SeqCst);
    let run = env.once();
    assert!(run.events("article.edited").is_empty(), "{}", run.stdout);
    assert_eq!(served.load(Ordering::SeqCst) - before, 5, "the first fetch and four that must agree");
    assert_eq!(s(&env.show("1")["text"]), stored);

    // Every fetch shows the same new figures: an edit, after the same five fetches.
    *queue.lock().unwrap() = [9].into();
    assert_eq!(env.run(&["recheck", "1"]).code, 0);
    let before = served.load(Ordering::SeqCst);
    let run = env.once();
    let edits = run.events("article.edited");
    assert_eq!(edits.len(), 1, "{}", run.stdout);
    assert_eq!(served.load(Ordering::SeqCst) - before, 5);
    let text = s(&env.query(&["history", "1"])[1]["text"]).to_string();
    assert!(text.contains("1333 lượt đọc và 12 bình luận"), "{text}");
}
