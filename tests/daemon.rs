//! The daemon as systemd runs it: the real binary, a NOTIFY_SOCKET bound by the test, an in-process site.
//! Readiness, watchdog, queries while running (equal to those after stopping), a live edit, SIGHUP adding a
//! feed, per-host concurrency, SIGTERM, and a restart that reports nothing twice.

mod common;

use std::os::unix::net::UnixDatagram;
use std::process::Command;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::daemon::{wait_until, Daemon};
use common::raw::{article_page, respond, rss, serve};
use common::{n, s, TestEnv};

/// Waits for a datagram starting with `prefix` on the notify socket.
fn wait_datagram(sock: &UnixDatagram, contains: &str, within: Duration) -> String {
    let deadline = Instant::now() + within;
    let mut buf = [0u8; 4096];
    while Instant::now() < deadline {
        if let Ok(n) = sock.recv(&mut buf) {
            let msg = String::from_utf8_lossy(&buf[..n]).into_owned();
            if msg.contains(contains) {
                return msg;
            }
        }
    }
    panic!("no {contains} datagram within {within:?}");
}

const PAGES: usize = 8;

fn http_get(port: u16, path: &str) -> String {
    use std::io::{Read, Write};
    let mut stream = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    stream.write_all(format!("GET {path} HTTP/1.1\r\nHost: localhost\r\n\r\n").as_bytes()).unwrap();
    let mut out = String::new();
    stream.read_to_string(&mut out).unwrap();
    out
}

#[test]
fn the_daemon_signals_ready_pings_answers_reloads_reports_edits_and_stops_cleanly() {
    let edited = Arc::new(AtomicBool::new(false));
    let in_flight = Arc::new(AtomicUsize::new(0));
    let max_in_flight = Arc::new(AtomicUsize::new(0));
    let (e, inf, max) = (edited.clone(), in_flight.clone(), max_in_flight.clone());
    let site = serve("127.0.0.1:0", move |path, stream, me| {
        // In flight from the server's side is the handler's work, before the response is written: once it is
        // written the client may already start its next request while this thread has not yet counted down.
        let now = inf.fetch_add(1, Ordering::SeqCst) + 1;
        max.fetch_max(now, Ordering::SeqCst);
        let (status, headers, body) = match path {
            "/feed.rss" | "/feed2.rss" => {
                let items: Vec<(String, String)> =
                    (1..=PAGES).map(|i| (format!("Tin {i}"), format!("http://{me}/p/{i}.html"))).collect();
                ("200 OK", vec![("Content-Type", "application/rss+xml".to_string())], rss(&items))
            }
            _ => {
                std::thread::sleep(Duration::from_millis(60));
                let n: usize = path.trim_start_matches("/p/").trim_end_matches(".html").parse().unwrap_or(0);
                let sentence = if n == 1 && e.load(Ordering::SeqCst) {
                    "Nội dung đã sửa 1.".to_string()
                } else {
                    format!("Nội dung {n}.")
                };
                ("200 OK", vec![], article_page(&format!("Bài {n}"), &sentence))
            }
        };
        inf.fetch_sub(1, Ordering::SeqCst);
        respond(stream, status, &headers, body.as_bytes());
    });

    let env = TestEnv::with_text("");
    let metrics_port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let base_config = format!(
        "[store]\npath = \"{}\"\n[http]\nlisten = \"127.0.0.1:{metrics_port}\"\n\
         [crawler]\nallow_private_networks = true\nrobots = false\nper_host_concurrency = 2\n\
         [defaults]\ninterval = \"1s\"\nrecheck = [\"3s\", \"6s\"]\nrecheck_tail = []\n[[feed]]\nname = \"one\"\nurl = \"http://{site}/feed.rss\"\n",
        env.store.display()
    );
    std::fs::write(&env.config, &base_config).unwrap();
    let notify_path = env.path().join("notify.sock");
    let notify = UnixDatagram::bind(&notify_path).unwrap();
    notify.set_read_timeout(Some(Duration::from_millis(200))).unwrap();

    let started = Instant::now();
    let daemon = Daemon::start_notified(&env, &notify_path);
    let ready = wait_datagram(&notify, "READY=1", Duration::from_secs(10));
    let ready_after = started.elapsed();
    eprintln!("READY after {ready_after:?}: {ready:?}");
    assert!(ready.contains("STATUS="), "{ready}");
    wait_datagram(&notify, "WATCHDOG=1", Duration::from_secs(5));

    // Queries answered while the daemon holds the store.
    let articles = wait_until("all articles", Duration::from_secs(30), || {
        let a = env.query(&["articles"]);
        (a.len() == PAGES).then_some(a)
    });
    assert!(articles.iter().all(|a| a["versions"] == 1));
    let max = max_in_flight.load(Ordering::SeqCst);
    assert_eq!(max, 2, "per-host concurrency is 2, and reached (saw {max})");

    // A live edit is reported within the re-check schedule.
    edited.store(true, Ordering::SeqCst);
    let edit = wait_until("the edit", Duration::from_secs(20), || {
        env.query(&["events"]).into_iter().find(|e| e["event"] == "article.edited")
    });
    assert_eq!(n(&edit["version"]), 2);
    assert!(s(&edit["url"]).ends_with("/p/1.html"));

    // SIGHUP adds a feed; a broken config is refused and the old one stays.
    std::fs::write(&env.config, format!("{base_config}[[feed]]\nname = \"two\"\nurl = \"http://{site}/feed2.rss\"\n"))
        .unwrap();
    daemon.signal("-HUP");
    wait_until("the new feed polled", Duration::from_secs(20), || {
        let feeds = env.query(&["feeds"]);
        feeds.iter().find(|f| f["name"] == "two" && f["last_status"] == 200).map(|_| ())
    });
    let good_config = std::fs::read_to_string(&env.config).unwrap();
    std::fs::write(&env.config, good_config.replace("interval = \"1s\"", "interval = \"often\"")).unwrap();
    daemon.signal("-HUP");
    wait_until("the refusal", Duration::from_secs(10), || (daemon.logged("config.error") == 1).then_some(()));
    std::fs::write(&env.config, &good_config).unwrap();
    assert_eq!(env.query(&["feeds"]).len(), 2, "the old configuration stays in force");

    // Wait until both feeds list every article and the re-check schedule is exhausted, then compare answers.
    let running = wait_until("a settled store", Duration::from_secs(20), || {
        let a = env.query(&["articles"]);
        let settled =
            a.iter().all(|x| x["feeds"].as_array().map(|f| f.len()) == Some(2) && x["next_recheck"].is_null());
        settled.then_some(a)
    });
    let running_events = env.query(&["events"]);

    // Prometheus metrics and the health check.
    let metrics = http_get(metrics_port, "/metrics");
    assert!(metrics.starts_with("HTTP/1.1 200"), "{metrics}");
    for line in [
        format!("presswatch_articles_total{{outcome=\"new\"}} {PAGES}"),
        "presswatch_articles_total{outcome=\"edited\"} 1".to_string(),
        format!("presswatch_stored_articles {PAGES}"),
    ] {
        assert!(metrics.lines().any(|l| l == line), "{line} missing from:\n{metrics}");
    }
    assert!(metrics.contains("presswatch_fetch_seconds_bucket{le=\"+Inf\"}"));
    assert!(http_get(metrics_port, "/healthz").ends_with("\r\n\r\nok\n"));
    let running_show = env.show("1");

    let (code, took, lines) = daemon.stop();
    eprintln!("SIGTERM to exit: {took:?}");
    assert_eq!(code, 0);
    assert!(took < Duration::from_secs(5), "shutdown took {took:?}");
    assert!(lines.iter().any(|l| l.contains("\"event\":\"daemon.stopped\"")));
    let logged_new = lines.iter().filter(|l| l.contains("\"event\":\"article.new\"")).count();
    assert_eq!(logged_new, PAGES);

    // The same answers from the store directly, now that no daemon runs.
    assert!(!env.store.join("presswatch.sock").exists(), "the socket is removed on exit");
    assert_eq!(env.query(&["articles"]), running);
    assert_eq!(env.query(&["events"]), running_events);
    assert_eq!(env.show("1"), running_show);

    // A restart reports nothing twice.
    let again = Daemon::start_notified(&env, &notify_path);
    wait_datagram(&notify, "READY=1", Duration::from_secs(10));
    std::thread::sleep(Duration::from_secs(3));
    let (code, _, lines) = again.stop();
    assert_eq!(code, 0);
    let reported: Vec<&String> = lines.iter().filter(|l| l.contains("\"event\":\"article.")).collect();
    assert!(reported.is_empty(), "{reported:?}");
    assert_eq!(env.query(&["events"]).len(), running_events.len());
}

#[test]
fn a_failing_feed_backs_off_exponentially_and_keeps_its_state() {
    let site = serve("127.0.0.1:0", |_, stream, _| respond(stream, "500 Internal Server Error", &[], b"down"));
    let env = TestEnv::with_text("");
    std::fs::write(
        &env.config,
        format!(
            "[store]\npath = \"{}\"\n[crawler]\nallow_private_networks = true\n[[feed]]\nname = \"down\"\nurl = \"http://{site}/feed.rss\"\ninterval = \"10s\"\n",
            env.store.display()
        ),
    )
    .unwrap();
    let mut waits = Vec::new();
    for round in 1..=3 {
        env.once();
        let f = env.query(&["feeds"]).remove(0);
        assert_eq!(n(&f["errors"]), round);
        assert_eq!(s(&f["last_error"]), format!("HTTP 500 from http://{site}/feed.rss"));
        assert_eq!(f["last_status"], 500);
        let due = chrono::DateTime::parse_from_rfc3339(s(&f["next_due"])).unwrap();
        let at = chrono::DateTime::parse_from_rfc3339(s(&f["last_fetch"])).unwrap();
        waits.push((due - at).num_seconds());
    }
    // interval × 2^(errors−1), plus up to 10% jitter.
    for (wait, base) in waits.iter().zip([10, 20, 40]) {
        assert!((base..=base + base / 10).contains(wait), "waits {waits:?}");
    }
}

/// CPU seconds (user + system) a process has used so far, from /proc.
fn cpu_seconds(pid: u32) -> f64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap();
    // The fields after the parenthesised command name; utime and stime are the 14th and 15th of the line.
    let rest = &stat[stat.rfind(')').unwrap() + 2..];
    let fields: Vec<&str> = rest.split(' ').collect();
    let ticks: f64 = fields[11].parse::<f64>().unwrap() + fields[12].parse::<f64>().unwrap();
    let out = Command::new("getconf").arg("CLK_TCK").output().unwrap();
    let per_second: f64 = String::from_utf8_lossy(&out.stdout).trim().parse().unwrap_or(100.0);
    ticks / per_second
}

#[test]
fn a_reload_replans_stored_articles_and_the_idle_daemon_then_costs_almost_nothing() {
    let pages = Arc::new(AtomicUsize::new(0));
    let p = pages.clone();
    let site = serve("127.0.0.1:0", move |path, stream, me| {
        let feed = |prefix: &str, count: usize| {
            let items: Vec<(String, String)> =
                (1..=count).map(|i| (format!("{prefix} {i}"), format!("http://{me}/{prefix}/{i}.html"))).collect();
            rss(&items)
        };
        match path {
            "/one.rss" => {
                respond(stream, "200 OK", &[("Content-Type", "application/rss+xml".into())], feed("one", 3).as_bytes())
            }
            "/two.rss" => {
                respond(stream, "200 OK", &[("Content-Type", "application/rss+xml".into())], feed("two", 2).as_bytes())
            }
            _ => {
                p.fetch_add(1, Ordering::SeqCst);
                respond(
                    stream,
                    "200 OK",
                    &[],
                    article_page(&format!("Bài {path}"), &format!("Nội dung của {path}.")).as_bytes(),
                )
            }
        }
    });
    let env = TestEnv::with_text("");
    let head = format!(
        "[store]\npath = \"{}\"\n[crawler]\nallow_private_networks = true\nrobots = false\n",
        env.store.display()
    );
    let one = format!("[[feed]]\nname = \"one\"\nurl = \"http://{site}/one.rss\"\n");
    let two = format!("[[feed]]\nname = \"two\"\nurl = \"http://{site}/two.rss\"\n");
    std::fs::write(
        &env.config,
        format!("{head}[defaults]\ninterval = \"1s\"\nrecheck = [\"2s\", \"4s\", \"6s\", \"8s\", \"10s\"]\nrecheck_tail = []\n{one}{two}"),
    )
    .unwrap();
    let notify_path = env.path().join("notify.sock");
    let notify = UnixDatagram::bind(&notify_path).unwrap();
    notify.set_read_timeout(Some(Duration::from_millis(200))).unwrap();
    let daemon = Daemon::start_notified(&env, &notify_path);
    wait_datagram(&notify, "READY=1", Duration::from_secs(10));
    wait_until("five articles", Duration::from_secs(20), || (env.query(&["articles"]).len() == 5).then_some(()));
    assert!(pages.load(Ordering::SeqCst) >= 5);

    // Every schedule gets longer: feed one's re-checks an hour after first sight; feed two is removed, so its
    // articles follow the defaults (two hours).
    std::fs::write(
        &env.config,
        format!(
            "{head}[defaults]\ninterval = \"1h\"\nrecheck = [\"2h\"]\nrecheck_tail = []\n{one}recheck = [\"1h\"]\n"
        ),
    )
    .unwrap();
    daemon.signal("-HUP");
    wait_until("the reload", Duration::from_secs(10), || (daemon.logged("config.reloaded") == 1).then_some(()));
    let replanned = wait_until("re-planned articles", Duration::from_secs(10), || {
        let arts = env.query(&["articles"]);
        let planned = arts.iter().all(|a| {
            let offset = if s(&a["feeds"][0]) == "one" { 3600 } else { 7200 };
            let first = chrono::DateTime::parse_from_rfc3339(s(&a["first_seen"])).unwrap();
            a["next_recheck"].as_str().and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok())
                == Some(first + chrono::Duration::seconds(offset))
        });
        planned.then_some(arts)
    });
    assert_eq!(replanned.iter().filter(|a| a["feeds"][0] == "two").count(), 2);

    // Idle from here on: the old 2 s offsets are gone, so no page is fetched, and the loop sleeps.
    std::thread::sleep(Duration::from_secs(2));
    let fetched = pages.load(Ordering::SeqCst);
    let pid = daemon.child.id();
    let (cpu0, t0) = (cpu_seconds(pid), Instant::now());
    std::thread::sleep(Duration::from_secs(10));
    let (cpu1, t1) = (cpu_seconds(pid), Instant::now());
    let per_second = (cpu1 - cpu0) / (t1 - t0).as_secs_f64();
    eprintln!("idle after the reload: {:.4} CPU-s per second ({:.2} CPU-s in {:?})", per_second, cpu1 - cpu0, t1 - t0);
    assert!(per_second <= 0.01, "the idle daemon used {per_second:.4} CPU-s per second");
    assert_eq!(pages.load(Ordering::SeqCst), fetched, "no page fetched while idle");
    let (code, _, _) = daemon.stop();
    assert_eq!(code, 0);
}
