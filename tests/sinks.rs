//! Webhook and exec sinks against real receivers: an in-process HTTP receiver that checks every signature and
//! answers 500s and a timeout before it accepts, a webhook the address guard refuses, and a failing command
//! that later works. Nothing is lost, a repeat carries the same event id, and `sinks --json` tells the story.
//! Sitemap sources and items without links reach a sink like any feed, with their change summaries.

mod common;

use std::io::{Read, Write};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use hmac::{Hmac, Mac};
use serde_json::Value;
use sha2::Sha256;

use common::news::NewsSite;
use common::{n, s, FeedSpec, TestEnv};

const SECRET: &str = "s3cret-key\n";

/// One request the receiver got.
#[derive(Debug, Clone)]
struct Hit {
    id: String,
    event: String,
    signature_ok: bool,
    body: Vec<u8>,
    /// What the receiver did: 500, 200, or 0 for "no answer" (a timeout).
    answered: u16,
}

/// A webhook receiver on 127.0.0.1: `plan[k]` is the answer to the k-th request (then 200 for ever after).
fn receiver(plan: Vec<u16>) -> (u16, Arc<Mutex<Vec<Hit>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let hits: Arc<Mutex<Vec<Hit>>> = Default::default();
    let h = hits.clone();
    std::thread::spawn(move || {
        for (k, stream) in listener.incoming().enumerate() {
            let Ok(mut stream) = stream else { continue };
            stream.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
            let mut buf = Vec::new();
            let mut chunk = [0u8; 8192];
            let (head, body) = loop {
                let n = stream.read(&mut chunk).unwrap_or(0);
                if n == 0 {
                    break (String::new(), Vec::new());
                }
                buf.extend_from_slice(&chunk[..n]);
                if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                    let head = String::from_utf8_lossy(&buf[..i]).to_string();
                    let len: usize = head
                        .lines()
                        .find_map(|l| {
                            l.to_ascii_lowercase().strip_prefix("content-length:").map(|v| v.trim().parse().unwrap())
                        })
                        .unwrap_or(0);
                    while buf.len() < i + 4 + len {
                        let n = stream.read(&mut chunk).unwrap_or(0);
                        if n == 0 {
                            break;
                        }
                        buf.extend_from_slice(&chunk[..n]);
                    }
                    break (head, buf[i + 4..].to_vec());
                }
            };
            let header = |name: &str| {
                head.lines()
                    .find_map(|l| {
                        l.split_once(':')
                            .filter(|(k, _)| k.eq_ignore_ascii_case(name))
                            .map(|(_, v)| v.trim().to_string())
                    })
                    .unwrap_or_default()
            };
            let mut mac = Hmac::<Sha256>::new_from_slice(SECRET.trim_end().as_bytes()).unwrap();
            mac.update(&body);
            let expected = format!("sha256={}", hex::encode(mac.finalize().into_bytes()));
            let answered = plan.get(k).copied().unwrap_or(200);
            h.lock().unwrap().push(Hit {
                id: header("x-presswatch-event-id"),
                event: header("x-presswatch-event"),
                signature_ok: header("x-presswatch-signature") == expected,
                body: body.clone(),
                answered,
            });
            if answered == 0 {
                // Hold the connection past the sink's timeout, then drop it unanswered.
                std::thread::sleep(Duration::from_millis(2500));
                continue;
            }
            let reason = if answered == 200 { "OK" } else { "Internal Server Error" };
            let _ = write!(stream, "HTTP/1.1 {answered} {reason}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
        }
    });
    (port, hits)
}

fn site_with_three_articles() -> NewsSite {
    let site = NewsSite::start(&["/feed.xml"]);
    for (i, title) in
        ["Rice prices climb on strong demand", "Ferry services resume after storm", "Budget airline adds routes"]
            .iter()
            .enumerate()
    {
        site.publish(
            &format!("/a{i}.html"),
            "en",
            title,
            &[
                &format!("{title}: the first paragraph of this story says what happened, where, and to whom, in some detail."),
                "A second paragraph adds the background that readers need to make sense of the first one, with a quote.",
            ],
        );
    }
    site
}

fn webhook_sink(env_dir: &std::path::Path, port: u16, extra: &str) -> String {
    let secret = env_dir.join("hook.secret");
    std::fs::write(&secret, SECRET).unwrap();
    format!(
        "[[sink]]\nname = \"hook\"\nkind = \"webhook\"\nurl = \"http://127.0.0.1:{port}/hook\"\nsecret_file = \"{}\"\ntimeout = \"1s\"\n{extra}\n",
        secret.display()
    )
}

#[test]
fn a_webhook_that_fails_and_times_out_at_first_gets_every_event_once_signed_with_a_stable_id() {
    let site = site_with_three_articles();
    let (port, hits) = receiver(vec![500, 500, 0]);
    let dir = tempfile::tempdir().unwrap();
    let sink = webhook_sink(dir.path(), port, "allow_hosts = [\"127.0.0.1\"]\ndeliver_timeout = \"40s\"");
    let env = TestEnv::new(&[FeedSpec::new("fixture", &site.url("/feed.xml")).recheck(&[])], &sink);
    let started = std::time::Instant::now();
    let r = env.once();
    let took = started.elapsed();
    let errors = r.events("sink.error");
    assert_eq!(errors.len(), 3, "{}", r.stdout);
    assert_eq!(s(&errors[0]["error"]), format!("HTTP 500 from http://127.0.0.1:{port}/hook"));
    assert_eq!(s(&errors[2]["error"]), format!("timed out posting to http://127.0.0.1:{port}/hook"));
    assert_eq!(errors.iter().map(|e| n(&e["attempt"])).collect::<Vec<_>>(), [1, 2, 3]);
    // Backoff 0.5 s, 1 s, 2 s (±25 %) and a 1 s timeout: the retries waited, but not for long.
    assert!(took > Duration::from_millis(3600) && took < Duration::from_secs(20), "took {took:?}");

    let events = env.query(&["events"]);
    assert_eq!(events.len(), 3);
    let received = hits.clone();
    let hits = received.lock().unwrap().clone();
    assert_eq!(hits.len(), 6, "{hits:?}");
    assert!(hits.iter().all(|h| h.signature_ok && h.event == "article.new"), "{hits:?}");
    // The first event was tried four times, always with the same id and body; the others once each.
    let first: Vec<&Hit> = hits.iter().filter(|h| h.id == hits[0].id).collect();
    assert_eq!(first.iter().map(|h| h.answered).collect::<Vec<_>>(), [500, 500, 0, 200]);
    assert!(first.iter().all(|h| h.body == hits[0].body));
    let accepted: Vec<&Hit> = hits.iter().filter(|h| h.answered == 200).collect();
    assert_eq!(accepted.len(), 3);
    let mut ids: Vec<&str> = accepted.iter().map(|h| h.id.as_str()).collect();
    ids.dedup();
    assert_eq!(ids.len(), 3, "three distinct event ids");
    // Each accepted body is the event exactly as `events --json` prints it, in seq order.
    let bodies: Vec<Value> = accepted.iter().map(|h| serde_json::from_slice(&h.body).unwrap()).collect();
    assert_eq!(bodies, events);
    assert!(ids.iter().all(|id| id.len() == 32 && id.chars().all(|c| c.is_ascii_hexdigit())));

    let sinks = env.query(&["sinks"]);
    assert_eq!(sinks.len(), 1);
    let h = &sinks[0];
    assert_eq!((s(&h["name"]), s(&h["kind"])), ("hook", "webhook"));
    assert_eq!((n(&h["cursor"]), n(&h["pending"]), n(&h["delivered"]), n(&h["failures"])), (3, 0, 3, 3));
    assert_eq!(n(&h["consecutive_failures"]), 0);
    assert!(h["last_success"].is_string());
    assert_eq!(s(&h["last_error"]), format!("timed out posting to http://127.0.0.1:{port}/hook"));

    // A second run has nothing to send: no request at all.
    env.once();
    assert_eq!(received.lock().unwrap().len(), 6);
}

#[test]
fn the_address_guard_refuses_a_private_webhook_without_allow_hosts_and_keeps_its_events() {
    let site = site_with_three_articles();
    let (port, hits) = receiver(vec![]);
    let dir = tempfile::tempdir().unwrap();
    let env = TestEnv::new(
        &[FeedSpec::new("fixture", &site.url("/feed.xml")).recheck(&[])],
        &webhook_sink(dir.path(), port, "deliver_timeout = \"1s\""),
    );
    env.once();
    assert_eq!(hits.lock().unwrap().len(), 0, "nothing may reach a loopback receiver that is not allowed");
    let sinks = env.query(&["sinks"]);
    assert_eq!((n(&sinks[0]["pending"]), n(&sinks[0]["delivered"]), n(&sinks[0]["cursor"])), (3, 0, 0));
    assert_eq!(
        s(&sinks[0]["last_error"]),
        format!("refused http://127.0.0.1:{port}/hook: address 127.0.0.1 is a loopback address; add the host to this sink's allow_hosts")
    );
    let human = env.run(&["sinks"]);
    assert!(
        human
            .stdout
            .starts_with(&format!("hook  webhook  http://127.0.0.1:{port}/hook\n  cursor 0  pending 3  delivered 0")),
        "{}",
        human.stdout
    );
}

#[test]
fn a_failing_command_keeps_its_events_within_max_pending_until_it_works() {
    let site = site_with_three_articles();
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("desk.jsonl");
    let failing = "[[sink]]\nname = \"desk\"\nkind = \"exec\"\ncommand = [\"sh\", \"-c\", \"cat >/dev/null; echo 'desk is closed' >&2; exit 3\"]\ndeliver_timeout = \"2s\"\nmax_pending = 2\n";
    let env = TestEnv::new(&[FeedSpec::new("fixture", &site.url("/feed.xml")).recheck(&[])], failing);
    let r = env.once();
    // Three events, max_pending = 2: the oldest is dropped, logged and counted at once.
    let dropped = r.events("sink.dropped");
    assert_eq!(dropped.len(), 1, "{}", r.stdout);
    assert_eq!((n(&dropped[0]["dropped"]), n(&dropped[0]["from_seq"]), n(&dropped[0]["to_seq"])), (1, 1, 1));
    let errors = r.events("sink.error");
    assert!(errors.len() >= 2, "retried within deliver_timeout: {}", r.stdout);
    assert!(errors.iter().all(|e| n(&e["seq"]) == 2), "{}", r.stdout);
    assert_eq!(
        s(&errors[0]["error"]),
        "`sh -c cat >/dev/null; echo 'desk is closed' >&2; exit 3` exited with exit status: 3: desk is closed"
    );
    assert_eq!(r.events("sink.pending").len(), 1);
    let st = &env.query(&["sinks"])[0];
    assert_eq!((n(&st["cursor"]), n(&st["pending"]), n(&st["delivered"]), n(&st["dropped"])), (1, 2, 0, 1));
    assert_eq!(n(&st["failures"]), errors.len() as u64);

    // A command that does not exist: a clear error, the events stay.
    let text = std::fs::read_to_string(&env.config).unwrap();
    std::fs::write(
        &env.config,
        text.replace(
            "command = [\"sh\", \"-c\", \"cat >/dev/null; echo 'desk is closed' >&2; exit 3\"]",
            "command = [\"/nonexistent/notify-desk\"]",
        ),
    )
    .unwrap();
    let r = env.once();
    assert_eq!(
        s(&r.events("sink.error")[0]["error"]),
        "cannot run `/nonexistent/notify-desk`: No such file or directory (os error 2)"
    );

    // It works now, with the same sink name: the cursor was kept, the two waiting events go out in order.
    let text = std::fs::read_to_string(&env.config).unwrap();
    let working = format!("command = [\"sh\", \"-c\", \"cat >> '{}'\"]", out.display());
    std::fs::write(&env.config, text.replace("command = [\"/nonexistent/notify-desk\"]", &working)).unwrap();
    let r = env.once();
    assert_eq!(r.events("sink.dropped").len() + r.events("sink.error").len(), 0, "{}", r.stdout);
    let got: Vec<Value> =
        std::fs::read_to_string(&out).unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(got.iter().map(|e| n(&e["seq"])).collect::<Vec<_>>(), [2, 3]);
    assert_eq!(got, env.query(&["events"])[1..].to_vec());
    let st = &env.query(&["sinks"])[0];
    assert_eq!((n(&st["cursor"]), n(&st["pending"]), n(&st["delivered"]), n(&st["dropped"])), (3, 0, 2, 1));
}

#[test]
fn sink_mistakes_are_refused_with_the_key() {
    for (table, key, says) in [
        (
            "name = \"x\"\nkind = \"pigeon\"",
            "sink[0].kind",
            "expected \"webhook\", \"exec\" or \"nats\", found \"pigeon\"",
        ),
        (
            "name = \"x\"\nkind = \"webhook\"\nurl = \"http://example.org/\"",
            "sink[0].secret_file",
            "set secret_file or secret_env",
        ),
        ("name = \"x\"\nkind = \"exec\"\ncommand = []", "sink[0].command", "is required"),
        (
            "name = \"x\"\nkind = \"exec\"\ncommand = [\"true\"]\nurl = \"http://example.org/\"",
            "sink[0].url",
            "is not a key of kind = \"exec\" sinks",
        ),
        (
            "name = \"x\"\nkind = \"exec\"\ncommand = [\"true\"]\nmin_significance = \"huge\"",
            "sink[0].min_significance",
            "found \"huge\"",
        ),
        (
            "name = \"x\"\nkind = \"exec\"\ncommand = [\"true\"]\nfeeds = [\"nope\"]",
            "sink[0].feeds",
            "no feed is named \"nope\"",
        ),
        ("kind = \"exec\"\ncommand = [\"true\"]", "sink[0].name", "is required"),
    ] {
        let env = TestEnv::new(&[FeedSpec::new("f", "http://127.0.0.1:9/feed.xml")], &format!("[[sink]]\n{table}\n"));
        let r = env.run(&["once"]);
        assert_eq!(r.code, 2, "{table}: {}", r.stderr);
        assert!(r.stderr.contains(key) && r.stderr.contains(says), "{table}: {}", r.stderr);
        assert!(r.stderr.contains("presswatch.toml"), "{}", r.stderr);
    }
}

/// The sources of issue 11 through the sinks of issue 12: a sink's `feeds` filter names a sitemap source and a
/// feed whose item has no link; their edits reach the sink with a change summary like any page's, and the events
/// of a third feed are filtered out. `once --feeds-only` delivers nothing, not even what waits: it only polls.
#[test]
fn a_sink_takes_a_sitemap_source_and_items_without_links_with_their_change_summaries() {
    use common::raw::{article_page, rss};
    use common::{Resp, Server};

    let server = Server::start();
    let notices = |date: &str| {
        format!(
            r#"<?xml version="1.0"?><rss version="0.91"><channel><title>Thông báo</title>
<item><title>Thông báo tuyển dụng</title><guid isPermaLink="false">tb-1</guid><description><![CDATA[<p>Hạn nộp hồ sơ là ngày {date} năm nay.</p><p>Liên hệ phòng nhân sự để biết thêm chi tiết.</p>]]></description></item>
</channel></rss>"#
        )
    };
    server.route("/notices.rss", Resp::new("application/rss+xml", notices("15")));
    let sitemap = |lastmod: &str| {
        format!(
            "<?xml version=\"1.0\"?><urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\"><url><loc>{}</loc><lastmod>{lastmod}</lastmod></url></urlset>",
            server.url("/n/1.html")
        )
    };
    server.route("/sitemap.xml", Resp::new("application/xml", sitemap("2026-11-27")));
    server.route("/n/1.html", Resp::html(article_page("Lũ miền Trung", "Lũ làm 12 người mất tích.")));
    server.route("/other.rss", Resp::new("application/rss+xml", rss(&[("Khác".into(), server.url("/o/1.html"))])));
    server.route("/o/1.html", Resp::html(article_page("Tin khác", "Một tin không thuộc bộ lọc.")));

    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("desk.jsonl");
    // The desk takes events while this file exists.
    let gate = dir.path().join("desk-open");
    std::fs::write(&gate, "").unwrap();
    let extra = format!(
        "[[feed]]\nname = \"notices\"\nurl = \"{}\"\nrecheck = []\n\n[[feed]]\nname = \"news\"\nurl = \"{}\"\nkind = \"sitemap\"\nrecheck = []\n\n[[feed]]\nname = \"other\"\nurl = \"{}\"\nrecheck = []\n\n[[sink]]\nname = \"desk\"\nkind = \"exec\"\ncommand = [\"sh\", \"-c\", \"test -e '{}' || {{ cat >/dev/null; echo closed >&2; exit 1; }}; cat >> '{}'\"]\nfeeds = [\"notices\", \"news\"]\ndeliver_timeout = \"1s\"\n",
        server.url("/notices.rss"),
        server.url("/sitemap.xml"),
        server.url("/other.rss"),
        gate.display(),
        out.display()
    );
    let env = TestEnv::new(&[], &extra);
    let delivered = || -> Vec<Value> {
        std::fs::read_to_string(&out).unwrap_or_default().lines().map(|l| serde_json::from_str(l).unwrap()).collect()
    };

    let r = env.once();
    assert_eq!(r.events("article.new").len(), 3, "{}", r.stdout);
    let item = format!("{}#item=tb-1", server.url("/notices.rss"));
    let page_url = server.url("/n/1.html");
    let got = delivered();
    let urls: Vec<(&str, &str)> = got.iter().map(|e| (s(&e["event"]), s(&e["url"]))).collect();
    let mut expected = vec![("article.new", item.as_str()), ("article.new", page_url.as_str())];
    expected.sort();
    let mut sorted = urls.clone();
    sorted.sort();
    assert_eq!(sorted, expected, "the `other` feed's event is filtered out");

    // Both sources change: the item's own text in the feed, and the page whose <lastmod> moves.
    server.route("/notices.rss", Resp::new("application/rss+xml", notices("20")));
    server.route("/sitemap.xml", Resp::new("application/xml", sitemap("2026-11-28")));
    server.route("/n/1.html", Resp::html(article_page("Lũ miền Trung", "Lũ làm 15 người mất tích.")));

    // The desk is closed while the edits are found: they wait for it.
    std::fs::remove_file(&gate).unwrap();
    let r = env.once();
    let logged = r.events("article.edited");
    assert_eq!(logged.len(), 2, "{}", r.stdout);
    assert!(logged.iter().all(|e| s(&e["significance"]) == "substantive"), "{}", r.stdout);
    assert_eq!(s(&r.events("sink.error")[0]["error"]).rsplit(": ").next(), Some("closed"));
    assert_eq!((n(&env.query(&["sinks"])[0]["cursor"]), n(&env.query(&["sinks"])[0]["pending"])), (3, 2));

    // Open again, but `once --feeds-only` only polls the sources: it delivers nothing.
    std::fs::write(&gate, "").unwrap();
    let r = env.run(&["once", "--feeds-only"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!((r.events("article.edited").len(), r.events("sink.error").len()), (0, 0), "{}", r.stdout);
    assert_eq!(delivered().len(), 2);
    assert_eq!(n(&env.query(&["sinks"])[0]["pending"]), 2);

    // The next full pass delivers the two waiting edits, in order, with their summaries.
    let r = env.once();
    assert_eq!(r.events("article.edited").len(), 0, "nothing changed since: {}", r.stdout);
    let got = delivered();
    assert_eq!(got.len(), 4, "{got:?}");
    let edits: Vec<&Value> = got.iter().filter(|e| e["event"] == "article.edited").collect();
    assert_eq!(edits.len(), 2);
    let by_url = |u: &str| *edits.iter().find(|e| e["url"] == u).unwrap_or_else(|| panic!("no edit of {u}"));
    let own = by_url(&item);
    assert_eq!(n(&own["version"]), 2);
    assert_eq!(own["change"]["numbers"], serde_json::json!([{"old": "15", "new": "20"}]));
    assert_eq!((n(&own["change"]["sentences_changed"]), s(&own["change"]["significance"])), (1, "substantive"));
    let page = by_url(&page_url);
    // The page says its sentence in each of its four paragraphs.
    assert_eq!(page["change"]["numbers"], Value::Array(vec![serde_json::json!({"old": "12", "new": "15"}); 4]));
    assert_eq!(s(&page["change"]["significance"]), "substantive");
    // Each delivery is the event as `events --json` prints it, with its summary.
    let events = env.query(&["events"]);
    for e in &got {
        assert!(events.contains(e), "{e}");
    }
    let st = &env.query(&["sinks"])[0];
    assert_eq!((n(&st["cursor"]), n(&st["pending"]), n(&st["delivered"])), (5, 0, 4));
    // `diff --summary` of the item without a link says the same as its event.
    let summary = env.query(&["diff", &item, "--summary"]);
    assert_eq!(summary[0]["change"], own["change"]);
}
