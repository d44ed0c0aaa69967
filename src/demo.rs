//! `presswatch demo`: a first minute for a newcomer, with no internet. A small simulated news site is served on
//! 127.0.0.1 (three articles in English, Vietnamese and Thai), and the real daemon runs on it with a temporary
//! store, its feed polled every 5 s and articles re-checked 8 s after they are first seen. The site edits two
//! of its articles after their first fetch (a corrected number, another weekday in Thai), so within about 20 s
//! the log shows `article.new` three times, then two `article.edited`, each with the address of its diff page.
//! Ctrl-C stops the daemon and removes the temporary store.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use axum::extract::{Path, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;

use crate::config::Config;
use crate::query::{Answer, Request};

/// The web view's address when nothing else is asked for and the port is free.
pub const DEFAULT_LISTEN: &str = "127.0.0.1:9465";

/// One article of the demo site: its text before and after the site's edit (`None`: never edited).
struct Story {
    slug: &'static str,
    lang: &'static str,
    title: &'static str,
    paragraphs: &'static [&'static str],
    edit: Option<(&'static str, &'static str)>,
}

const STORIES: &[Story] = &[
    Story {
        slug: "harbour-bridge-reopens",
        lang: "en",
        title: "Harbour bridge reopens after three weeks of storm repairs",
        paragraphs: &[
            "The harbour bridge reopened to traffic on Monday morning, three weeks after the storm tore away part of its deck and two of its lamp posts.",
            "City engineers said 12 workers had been on site every night since the closure, replacing the damaged steel plates and resurfacing both lanes.",
            "Buses will return to their usual route from Tuesday. Cyclists are asked to use the new protected lane on the eastern side of the bridge.",
            "The council said the repairs cost less than first feared, and that the money came from the emergency fund set aside for storm damage.",
        ],
        edit: Some((
            "City engineers said 12 workers had been on site every night since the closure",
            "City engineers said 15 workers had been on site every night since the closure",
        )),
    },
    Story {
        slug: "ha-noi-xe-buyt-dien",
        lang: "vi",
        title: "Hà Nội mở thêm ba tuyến xe buýt điện nối các khu đô thị mới",
        paragraphs: &[
            "Từ đầu tháng tới, Hà Nội sẽ đưa vào khai thác thêm ba tuyến xe buýt điện, nối trung tâm thành phố với các khu đô thị mới ở phía tây.",
            "Theo Sở Giao thông vận tải, mỗi tuyến có mười hai xe, chạy từ năm giờ sáng đến mười giờ tối, với tần suất mười lăm phút một chuyến.",
            "Giá vé giữ nguyên như các tuyến xe buýt thông thường. Hành khách có thể thanh toán bằng thẻ hoặc bằng điện thoại.",
        ],
        edit: None,
    },
    Story {
        slug: "bangkok-new-park",
        lang: "th",
        title: "กรุงเทพฯ เปิดสวนสาธารณะแห่งใหม่ริมแม่น้ำเจ้าพระยา",
        paragraphs: &[
            "กรุงเทพมหานครเปิดสวนสาธารณะแห่งใหม่ริมแม่น้ำเจ้าพระยาอย่างเป็นทางการเมื่อวันจันทร์ที่ผ่านมา โดยมีประชาชนเข้าร่วมงานจำนวนมาก",
            "สวนแห่งนี้มีทางเดินริมน้ำยาวกว่าสองกิโลเมตร พร้อมทางจักรยานและลานกิจกรรมสำหรับครอบครัว",
            "ผู้ว่าราชการกรุงเทพมหานครกล่าวว่า สวนจะเปิดให้บริการทุกวันตั้งแต่เวลาห้านาฬิกาถึงยี่สิบเอ็ดนาฬิกา",
        ],
        edit: Some(("เมื่อวันจันทร์ที่ผ่านมา", "เมื่อวันอังคารที่ผ่านมา")),
    },
];

/// The demo site: how often each article page was served, so that an edited one changes after its first fetch.
#[derive(Clone)]
struct Site {
    served: Arc<Vec<AtomicUsize>>,
    base: String,
}

fn story(slug: &str) -> Option<(usize, &'static Story)> {
    STORIES.iter().enumerate().find(|(_, s)| s.slug == slug)
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

fn page(base: &str, s: &Story, edited: bool) -> String {
    let mut body = String::new();
    for p in s.paragraphs {
        let text = match (edited, s.edit) {
            (true, Some((old, new))) => p.replace(old, new),
            _ => p.to_string(),
        };
        body.push_str(&format!("      <p>{}</p>\n", escape(&text)));
    }
    format!(
        "<!doctype html>\n<html lang=\"{lang}\">\n<head>\n  <meta charset=\"utf-8\">\n  <title>{title} | The Demo Daily</title>\n  \
         <link rel=\"canonical\" href=\"{base}/news/{slug}.html\">\n</head>\n<body>\n  \
         <nav><a href=\"/\">Home</a> · <a href=\"/city\">City</a> · <a href=\"/world\">World</a></nav>\n  \
         <div class=\"share\">Share · 1,204 views · 37 comments</div>\n  <main>\n    <article>\n      <h1>{title}</h1>\n{body}    </article>\n  \
         </main>\n  <aside class=\"related\"><h2>Read more</h2><ul><li><a href=\"/\">Weather: more rain this week</a></li></ul></aside>\n  \
         <footer>© The Demo Daily, a site that exists only on this machine</footer>\n</body>\n</html>\n",
        lang = s.lang,
        title = escape(s.title),
        slug = s.slug,
    )
}

fn rss(base: &str) -> String {
    let items: String = STORIES
        .iter()
        .map(|s| {
            format!(
                "    <item><title>{}</title><link>{base}/news/{}.html</link><guid>{base}/news/{}.html</guid>\
                 <pubDate>Mon, 01 Dec 2025 08:00:00 GMT</pubDate></item>\n",
                escape(s.title),
                s.slug,
                s.slug
            )
        })
        .collect();
    format!(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<rss version=\"2.0\">\n  <channel>\n    <title>The Demo Daily</title>\n    \
         <link>{base}/</link>\n    <description>A simulated news site for presswatch demo</description>\n{items}  </channel>\n</rss>\n"
    )
}

async fn feed(State(site): State<Site>) -> Response {
    ([(header::CONTENT_TYPE, "application/rss+xml; charset=utf-8")], rss(&site.base)).into_response()
}

async fn article(State(site): State<Site>, Path(file): Path<String>) -> Response {
    let Some((i, s)) = file.strip_suffix(".html").and_then(story) else {
        return (StatusCode::NOT_FOUND, "no such article").into_response();
    };
    let edited = site.served[i].fetch_add(1, Ordering::Relaxed) >= 1 && s.edit.is_some();
    ([(header::CONTENT_TYPE, "text/html; charset=utf-8")], page(&site.base, s, edited)).into_response()
}

/// Serves the demo site on an ephemeral loopback port; returns its address.
async fn serve_site() -> anyhow::Result<SocketAddr> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let site = Site {
        served: Arc::new(STORIES.iter().map(|_| AtomicUsize::new(0)).collect()),
        base: format!("http://{addr}"),
    };
    let app = Router::new()
        .route("/feed.xml", get(feed))
        .route("/news/{file}", get(article))
        .route("/robots.txt", get(|| async { "User-agent: *\nAllow: /\n" }))
        .with_state(site);
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    Ok(addr)
}

/// The web view's address: `listen` when given, else [`DEFAULT_LISTEN`] when free, else any free loopback port.
fn web_address(listen: Option<SocketAddr>) -> anyhow::Result<SocketAddr> {
    if let Some(a) = listen {
        return Ok(a);
    }
    let probe = std::net::TcpListener::bind(DEFAULT_LISTEN).or_else(|_| std::net::TcpListener::bind("127.0.0.1:0"))?;
    Ok(probe.local_addr()?)
}

/// The demo's configuration: the site's feed, fast polls and re-checks, loopback allowed, a store in `dir`.
fn config_text(dir: &std::path::Path, site: SocketAddr, web: SocketAddr) -> String {
    let q = |p: &std::path::Path| serde_json::to_string(&p.display().to_string()).unwrap_or_default();
    format!(
        "# Written by `presswatch demo`; removed when it stops.\n\
         [store]\npath = {store}\nsocket = {socket}\n\n[http]\nlisten = \"{web}\"\n\n\
         [crawler]\nallow_hosts = [\"127.0.0.1\"]\ntimeout = \"10s\"\n\n\
         [defaults]\ninterval = \"5s\"\nrecheck = [\"8s\", \"30s\", \"2m\"]\n\n\
         [[feed]]\nname = \"demo-daily\"\nurl = \"http://{site}/feed.xml\"\n",
        store = q(&dir.join("store")),
        socket = q(&dir.join("presswatch.sock")),
    )
}

/// Tells where each edit can be seen, as the daemon finds them: asks the daemon's socket for new events (each
/// wait bounded), until the process ends.
fn announce_edits(socket: std::path::PathBuf, web: SocketAddr) {
    let mut after = 0;
    loop {
        let request = Request::WaitEvents { after_seq: after, wait_ms: 20_000 };
        match crate::client::ask_at(&socket, &request, Duration::from_secs(30)) {
            Ok(Answer::Events(events)) => {
                for event in events {
                    let ev = &event.view;
                    after = ev.seq;
                    if ev.event == "article.edited" {
                        let v = ev.version.unwrap_or(2);
                        tracing::info!(
                            event = "demo.edit",
                            diff = %format!("http://{web}/articles/{}/diff?from={}&to={v}", ev.id, v - 1),
                            significance = event.significance().map(|s| s.as_str()).unwrap_or(""),
                            title = ev.title.as_deref().unwrap_or(""),
                            "an edit was found: open its diff in a browser"
                        );
                    }
                }
            }
            // The daemon is not listening yet (or is stopping): look again shortly.
            _ => std::thread::sleep(Duration::from_millis(500)),
        }
    }
}

/// Runs the demo until SIGINT/SIGTERM.
pub async fn run(listen: Option<SocketAddr>) -> anyhow::Result<()> {
    let dir = tempfile::Builder::new().prefix("presswatch-demo-").tempdir()?;
    let site = serve_site().await?;
    let web = web_address(listen)?;
    let config_path = dir.path().join("presswatch.toml");
    std::fs::write(&config_path, config_text(dir.path(), site, web))?;
    let config = Config::load(&config_path).map_err(|e| anyhow::anyhow!("the demo's own configuration: {e}"))?;
    tracing::info!(
        event = "demo.ready",
        web = %format!("http://{web}/"),
        site = %format!("http://{site}/feed.xml"),
        store = %dir.path().display(),
        "demo running: open the web view in a browser; new articles appear within 5 s and edits within about 20 s. \
         Ctrl-C stops and removes the temporary store"
    );
    let socket = config.socket.clone().unwrap_or_else(|| dir.path().join("presswatch.sock"));
    std::thread::Builder::new().name("demo-edits".into()).spawn(move || announce_edits(socket, web))?;
    let result = crate::daemon::run(config_path, config).await;
    tracing::info!(event = "demo.stopped", store = %dir.path().display(), "demo stopped; temporary store removed");
    drop(dir);
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_site_pages_are_articles_and_the_edits_change_them() {
        let base = "http://127.0.0.1:1";
        for s in STORIES {
            let v1 = crate::extract::extract_with(&page(base, s, false), None, &Default::default()).unwrap();
            let v2 = crate::extract::extract_with(&page(base, s, true), None, &Default::default()).unwrap();
            assert_eq!(v1.title, s.title);
            assert_eq!(v1.text.lines().filter(|l| !l.trim().is_empty()).count(), s.paragraphs.len(), "{}", v1.text);
            assert_eq!(v1.content_hash != v2.content_hash, s.edit.is_some(), "{}", s.slug);
        }
        let feed =
            crate::feed::parse(rss(base).as_bytes(), Some("application/rss+xml"), &url::Url::parse(base).unwrap())
                .unwrap();
        assert_eq!(feed.items.len(), 3);
    }
}
