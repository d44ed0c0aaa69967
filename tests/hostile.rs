//! Hostile input: a server that misbehaves in every way we know, a trap on another loopback address that must
//! never be reached, and one good feed beside them. One `once` pass must finish in bounded time and memory,
//! store the good articles, decode the TIS-620 feed, flag every bad feed with its cause, and never touch the trap.

mod common;

use std::io::{Read, Write};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::raw::{article_page, respond, rss, serve};
use common::{n, s, TestEnv};
use serde_json::Value;

const THAI_TITLE: &str = "ข่าวเศรษฐกิจไทยวันนี้";
const THAI_BODY: &str =
    "กระทรวงการต่างประเทศแถลงข่าวประจำสัปดาห์เกี่ยวกับความสัมพันธ์ระหว่างประเทศและเศรษฐกิจของภูมิภาคเอเชียตะวันออกเฉียงใต้";

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    enc.write_all(bytes).unwrap();
    enc.finish().unwrap()
}

/// Peak resident memory of a running child, sampled from /proc until it exits (kB).
fn run_sampling_memory(mut child: std::process::Child) -> (std::process::Output, u64, Duration) {
    let started = Instant::now();
    let pid = child.id();
    let mut peak = 0;
    let stdout = child.stdout.take().unwrap();
    let reader = std::thread::spawn(move || {
        let mut s = String::new();
        let mut stdout = stdout;
        stdout.read_to_string(&mut s).unwrap();
        s
    });
    let status = loop {
        if let Ok(text) = std::fs::read_to_string(format!("/proc/{pid}/status")) {
            for line in text.lines() {
                if let Some(v) = line.strip_prefix("VmHWM:") {
                    peak = peak.max(v.trim().trim_end_matches(" kB").trim().parse().unwrap_or(0));
                }
            }
        }
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        assert!(started.elapsed() < Duration::from_secs(120), "the pass did not finish within 120 s");
        std::thread::sleep(Duration::from_millis(20));
    };
    let stdout = reader.join().unwrap();
    (std::process::Output { status, stdout: stdout.into_bytes(), stderr: Vec::new() }, peak, started.elapsed())
}

#[test]
fn one_pass_over_hostile_feeds_stays_bounded_flags_each_and_never_touches_the_trap() {
    // The trap: any connection here is a failure of the address guard.
    let trap_hits = Arc::new(AtomicUsize::new(0));
    let hits = trap_hits.clone();
    let trap = serve("127.0.0.2:0", move |_, stream, _| {
        hits.fetch_add(1, Ordering::SeqCst);
        respond(stream, "200 OK", &[], b"trap");
    });
    let trap_port = trap.port();

    let bomb = gzip(&vec![b'<'; 64 * 1024 * 1024]);
    let tis620 = |text: String| encoding_rs::WINDOWS_874.encode(&text).0.into_owned();
    // No XML declaration and no charset in the header: the feed's encoding must be sniffed.
    let tis620_feed = tis620(format!(
        "<rss version=\"2.0\"><channel><title>ข่าว</title><link>http://x/</link><item><title>{THAI_TITLE}</title><link>/thai-1.html</link></item></channel></rss>"
    ));
    let thai_page = tis620(format!(
        "<html><head><meta http-equiv=\"Content-Type\" content=\"text/html; charset=tis-620\"><title>{THAI_TITLE}</title></head><body><article><h1>{THAI_TITLE}</h1><p>{THAI_BODY}</p><p>{THAI_BODY}เพิ่มเติม</p></article></body></html>"
    ));

    let site = serve("127.0.0.1:0", move |path, stream, me| {
        let base = format!("http://{me}");
        let xml = [("Content-Type", "application/rss+xml".to_string())];
        match path {
            "/good.rss" => {
                let items = vec![
                    ("Good one".to_string(), format!("{base}/good-1.html")),
                    ("Good two".to_string(), format!("{base}/good-2.html?utm_source=x")),
                ];
                respond(stream, "200 OK", &xml, rss(&items).as_bytes())
            }
            "/good-1.html" => respond(stream, "200 OK", &[], article_page("Bài tốt một", "Câu thứ nhất.").as_bytes()),
            "/good-2.html" => respond(stream, "200 OK", &[], article_page("Bài tốt hai", "Câu thứ hai.").as_bytes()),
            "/bomb.rss" => {
                respond(stream, "200 OK", &[("Content-Encoding", "gzip".into()), xml[0].clone()], &bomb);
            }
            "/endless.rss" => {
                let _ = stream.write_all(b"HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Type: application/rss+xml\r\n\r\n<rss>");
                let chunk = vec![b' '; 64 * 1024];
                let started = Instant::now();
                while started.elapsed() < Duration::from_secs(30) && stream.write_all(&chunk).is_ok() {}
            }
            "/trickle.rss" => {
                let _ = stream.write_all(b"HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 100000\r\n\r\n<rss");
                for _ in 0..600 {
                    if stream.write_all(b" ").is_err() {
                        break;
                    }
                    std::thread::sleep(Duration::from_millis(50));
                }
            }
            "/loop-a.rss" => respond(stream, "302 Found", &[("Location", format!("{base}/loop-b.rss"))], b""),
            "/loop-b.rss" => respond(stream, "302 Found", &[("Location", format!("{base}/loop-a.rss"))], b""),
            "/html.rss" => respond(
                stream,
                "200 OK",
                &[("Content-Type", "text/html".into())],
                b"<!DOCTYPE html><html><head><link rel=\"alternate\" type=\"application/rss+xml\" href=\"/real.rss\"></head><body>Home</body></html>",
            ),
            "/empty.rss" => respond(stream, "200 OK", &xml, b""),
            "/truncated.rss" => respond(stream, "200 OK", &xml, b"<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>cut</title><item><title>x</ti"),
            "/error.rss" => respond(stream, "500 Internal Server Error", &[], b"oops"),
            "/busy.rss" => respond(stream, "429 Too Many Requests", &[("Retry-After", "3600".into())], b""),
            "/tis620.rss" => respond(stream, "200 OK", &[("Content-Type", "application/rss+xml".into())], &tis620_feed),
            "/thai-1.html" => respond(stream, "200 OK", &[("Content-Type", "text/html".into())], &thai_page),
            "/ssrf.rss" => {
                let items = vec![
                    ("literal".to_string(), format!("http://127.0.0.2:{trap_port}/a")),
                    ("mapped".to_string(), format!("http://[::ffff:127.0.0.2]:{trap_port}/b")),
                    ("decimal".to_string(), format!("http://2130706434:{trap_port}/c")),
                    ("via redirect".to_string(), format!("{base}/to-trap")),
                    ("file".to_string(), "file:///etc/passwd".to_string()),
                ];
                respond(stream, "200 OK", &xml, rss(&items).as_bytes())
            }
            "/to-trap" => respond(stream, "302 Found", &[("Location", format!("http://127.0.0.2:{trap_port}/d"))], b""),
            "/redirect-to-trap.rss" => {
                respond(stream, "301 Moved", &[("Location", format!("http://127.0.0.2:{trap_port}/feed"))], b"")
            }
            _ => respond(stream, "404 Not Found", &[], b"no"),
        }
    });

    let feeds = [
        "good",
        "bomb",
        "endless",
        "trickle",
        "loop-a",
        "html",
        "empty",
        "truncated",
        "error",
        "busy",
        "tis620",
        "ssrf",
        "redirect-to-trap",
    ];
    let mut config = String::from(
        "[store]\npath = \"STORE\"\n[crawler]\nallow_hosts = [\"127.0.0.1\"]\ntimeout = \"3s\"\nmax_body = \"1MiB\"\nrobots = false\n"
    );
    for f in feeds {
        config.push_str(&format!("[[feed]]\nname = \"{f}\"\nurl = \"http://{site}/{f}.rss\"\n"));
    }
    let env = TestEnv::with_text("");
    std::fs::write(&env.config, config.replace("STORE", &env.store.display().to_string())).unwrap();

    let child = std::process::Command::new(common::bin())
        .args(["--config", env.config.to_str().unwrap(), "--log-format", "json", "once"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let (out, peak_kb, elapsed) = run_sampling_memory(child);
    eprintln!("hostile pass: {elapsed:?}, peak RSS {peak_kb} kB");
    assert!(out.status.success(), "once failed:\n{}", String::from_utf8_lossy(&out.stdout));
    assert!(elapsed < Duration::from_secs(30), "the pass took {elapsed:?}");
    assert!(peak_kb < 200 * 1024, "peak RSS {peak_kb} kB");
    assert_eq!(trap_hits.load(Ordering::SeqCst), 0, "the trap address was reached");

    // The good feed and the TIS-620 feed are stored, with correct Thai.
    let articles = env.query(&["articles"]);
    let mut titles: Vec<&str> = articles.iter().map(|a| s(&a["title"])).collect();
    titles.sort();
    assert_eq!(titles, ["Bài tốt hai", "Bài tốt một", THAI_TITLE]);
    let thai = env.show(&format!("http://{site}/thai-1.html"));
    assert_eq!(s(&thai["text"]), format!("{THAI_BODY}\n{THAI_BODY}เพิ่มเติม"));

    // Every bad feed is flagged with its cause; the good ones are not.
    let states: Vec<Value> = env.query(&["feeds"]);
    let state = |name: &str| states.iter().find(|f| f["name"] == name).unwrap_or_else(|| panic!("feed {name}"));
    for ok in ["good", "tis620", "ssrf"] {
        assert_eq!(state(ok)["errors"], 0, "{ok}: {}", state(ok)["last_error"]);
    }
    let expected = [
        ("bomb", "exceeds the cap of 1048576 bytes"),
        ("endless", "exceeds the cap of 1048576 bytes"),
        ("trickle", "timed out after 3s"),
        ("loop-a", "redirect loop"),
        (
            "html",
            &*format!(
                "not a feed: http://{site}/html.rss is an HTML page, and `presswatch discover` finds no feed or sitemap there (it announces http://{site}/real.rss: HTTP 404 from http://{site}/real.rss, which cannot be read)"
            ),
        ),
        ("empty", "empty body"),
        ("error", "HTTP 500"),
        ("busy", "HTTP 429"),
        ("redirect-to-trap", "is a loopback address"),
    ];
    for (name, cause) in expected {
        let f = state(name);
        assert_eq!(f["errors"], 1, "{name}");
        let err = f["last_error"].as_str().unwrap_or_default();
        assert!(err.contains(cause), "{name}: expected {cause:?} in {err:?}");
    }
    // A truncated feed is read by recovery (its one item has nothing to keep) and reported as damaged.
    let truncated = state("truncated");
    assert_eq!((n(&truncated["errors"]), n(&truncated["items"])), (0, 1));
    assert_eq!(
        s(&truncated["last_error"]),
        "damaged feed, read by recovery: XML error: syntax error: tag not closed: `>` not found before end of input; \
         the rest of the document (4 bytes) is ignored; the document ends before </title> </item> </channel> </rss>: truncated"
    );
    // TIS-620 without a declaration is read (the Thai above is right) but is not well-formed XML: said so.
    assert_eq!(
        s(&state("tis620")["last_error"]),
        "damaged feed, read by recovery: no encoding is declared and the bytes are not UTF-8; read as windows-874 (detected)"
    );
    // Retry-After pushes the next poll an hour out.
    let busy = state("busy");
    let due = chrono::DateTime::parse_from_rfc3339(s(&busy["next_due"])).unwrap();
    let fetched = chrono::DateTime::parse_from_rfc3339(s(&busy["last_fetch"])).unwrap();
    assert!((due - fetched).num_seconds() >= 3599, "next_due {due} after {fetched}");

    // The SSRF bait items are refused one by one (each page's own error), naming the address, and the file:
    // link is skipped.
    let log: Vec<Value> =
        String::from_utf8_lossy(&out.stdout).lines().filter_map(|l| serde_json::from_str(l).ok()).collect();
    let refused: Vec<&Value> = log.iter().filter(|v| v["event"] == "page.error" && v["feed"] == "ssrf").collect();
    assert_eq!(refused.len(), 4, "{refused:?}");
    assert!(refused.iter().all(|v| s(&v["error"]).contains("127.0.0.2")), "{refused:?}");
    assert!(refused.iter().all(|v| v["gave_up"] == true), "a refused address is never tried again: {refused:?}");
    let feed_errors = log.iter().filter(|v| v["event"] == "feed.error" && v["feed"] != "ssrf").count();
    assert_eq!(feed_errors, expected.len() + 2, "each failed feed, and the two damaged ones");
}

#[test]
fn kill_9_mid_pass_loses_and_duplicates_nothing() {
    const PAGES: usize = 60;
    let site = serve("127.0.0.1:0", move |path, stream, me| {
        if path == "/feed.rss" {
            let items: Vec<(String, String)> =
                (1..=PAGES).map(|i| (format!("Tin {i}"), format!("http://{me}/p/{i}.html"))).collect();
            respond(stream, "200 OK", &[("Content-Type", "application/rss+xml".into())], rss(&items).as_bytes());
        } else if let Some(n) = path.strip_prefix("/p/").and_then(|p| p.strip_suffix(".html")) {
            // Slow pages, so that kills land in the middle of the pass.
            std::thread::sleep(Duration::from_millis(40));
            respond(
                stream,
                "200 OK",
                &[],
                article_page(&format!("Bài số {n}"), &format!("Nội dung riêng {n}.")).as_bytes(),
            );
        } else {
            respond(stream, "404 Not Found", &[], b"");
        }
    });
    let env = TestEnv::with_text("");
    std::fs::write(
        &env.config,
        format!(
            "[store]\npath = \"{}\"\n[crawler]\nallow_private_networks = true\nrobots = false\nconcurrency = 4\nper_host_concurrency = 4\n[[feed]]\nname = \"f\"\nurl = \"http://{site}/feed.rss\"\n",
            env.store.display()
        ),
    )
    .unwrap();

    let mut logged_new = 0;
    for (round, delay_ms) in [150u64, 400, 650, 900, 1200].into_iter().enumerate() {
        let mut child = std::process::Command::new(common::bin())
            .args(["--config", env.config.to_str().unwrap(), "--log-format", "json", "once"])
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(Duration::from_millis(delay_ms));
        let _ = child.kill(); // SIGKILL
        let out = child.wait_with_output().unwrap();
        logged_new += String::from_utf8_lossy(&out.stdout).matches("\"event\":\"article.new\"").count();
        eprintln!("round {round}: killed after {delay_ms} ms, {logged_new} article.new logged so far");
    }
    // A last pass to completion, then the invariants.
    let last = env.once();
    logged_new += last.events("article.new").len();
    let articles = env.query(&["articles"]);
    assert_eq!(articles.len(), PAGES);
    assert!(articles.iter().all(|a| a["versions"] == 1), "no phantom versions");
    let mut urls: Vec<&str> = articles.iter().map(|a| s(&a["url"])).collect();
    urls.sort();
    urls.dedup();
    assert_eq!(urls.len(), PAGES);
    let events = env.query(&["events"]);
    assert_eq!(events.len(), PAGES, "exactly one stored event per article");
    assert!(events.iter().all(|e| e["event"] == "article.new"));
    let mut ids: Vec<u64> = events.iter().map(|e| common::n(&e["id"])).collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), PAGES);
    // Every stored event was logged at least once (a crash between commit and log is made up at the next start).
    assert!(logged_new >= PAGES, "only {logged_new} article.new lines were logged");
}
