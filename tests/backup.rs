//! The store's way out and back in through the real binary: `export` then `import` into a new store gives the
//! same answers, and `events --follow` (no daemon) prints events as a `once` pass stores them.

mod common;

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::raw::{article_page, respond, rss, serve};
use common::TestEnv;

const PAGES: usize = 3;

fn site() -> std::net::SocketAddr {
    serve("127.0.0.1:0", |path, stream, me| {
        if path == "/feed.rss" {
            let items: Vec<(String, String)> =
                (1..=PAGES).map(|i| (format!("Tin {i}"), format!("http://{me}/p/{i}.html"))).collect();
            respond(stream, "200 OK", &[("Content-Type", "application/rss+xml".into())], rss(&items).as_bytes());
        } else {
            let n = path.trim_start_matches("/p/").trim_end_matches(".html");
            respond(stream, "200 OK", &[], article_page(&format!("Bài {n}"), &format!("Nội dung {n}.")).as_bytes());
        }
    })
}

fn env_for(site: std::net::SocketAddr, store_name: &str) -> TestEnv {
    let env = TestEnv::with_text("");
    let store = env.path().join(store_name);
    std::fs::write(
        &env.config,
        format!(
            "[store]\npath = \"{}\"\n[crawler]\nallow_private_networks = true\nrobots = false\n[[feed]]\nname = \"f\"\nurl = \"http://{site}/feed.rss\"\n",
            store.display()
        ),
    )
    .unwrap();
    env
}

#[test]
fn export_then_import_gives_the_same_answers() {
    let site = site();
    let source = env_for(site, "store");
    source.once();
    let backup = source.path().join("backup.jsonl");
    let r = source.run(&["export", "-o", backup.to_str().unwrap()]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    // 1 feed + 3 articles + 3 versions + 3 kept pages + 3 entries + 3 events
    assert_eq!(std::fs::read_to_string(&backup).unwrap().lines().count(), 16);
    assert!(r.stderr.contains("exported 16 records"), "{}", r.stderr);

    let target = env_for(site, "restored");
    let r = target.run(&["import", backup.to_str().unwrap()]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stderr
            .contains("imported 1 feeds, 3 articles, 3 versions, 3 kept pages, 3 entries, 0 queued pages, 3 events"),
        "{}",
        r.stderr
    );
    for q in [&["articles"][..], &["events"], &["feeds"], &["history", "2"]] {
        assert_eq!(target.query(q), source.query(q), "{q:?}");
    }
    // The restored store goes on where the old one stopped: nothing is new, nothing is logged again.
    let again = target.once();
    assert!(again.events("article.new").is_empty(), "{}", again.stdout);
    // A second import into the same store is refused, and changes nothing.
    let r = target.run(&["import", backup.to_str().unwrap()]);
    assert_eq!(r.code, 1);
    assert!(r.stderr.contains("not empty"), "{}", r.stderr);
    assert_eq!(target.query(&["events"]).len(), 3);
}

#[test]
fn events_follow_prints_events_as_they_are_stored() {
    let env = env_for(site(), "store");
    let mut follow = Command::new(common::bin())
        .args(["--config", env.config.to_str().unwrap(), "events", "--follow", "--json"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let lines = std::sync::Arc::new(std::sync::Mutex::new(Vec::<String>::new()));
    let sink = lines.clone();
    let out = follow.stdout.take().unwrap();
    std::thread::spawn(move || {
        for line in BufReader::new(out).lines().map_while(Result::ok) {
            sink.lock().unwrap().push(line);
        }
    });
    std::thread::sleep(Duration::from_millis(300));
    env.once();
    let started = Instant::now();
    while lines.lock().unwrap().len() < PAGES && started.elapsed() < Duration::from_secs(15) {
        std::thread::sleep(Duration::from_millis(50));
    }
    let _ = follow.kill();
    let _ = follow.wait();
    let seen: Vec<serde_json::Value> = lines.lock().unwrap().iter().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(seen.len(), PAGES, "{seen:?}");
    assert_eq!(seen.iter().map(|e| common::n(&e["seq"])).collect::<Vec<_>>(), [1, 2, 3]);
    assert!(seen.iter().all(|e| e["event"] == "article.new"));
}
