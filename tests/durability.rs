//! What holds across `kill -9`: the durable page queue (a feed's validators never go without the page jobs
//! they stand for), and the event log (every stored event logged, at most the line being written at the kill
//! repeated, with the same seq). The fixture feeds send ETags, so a feed polled before a kill answers 304 after
//! it: only the queue remembers its pages.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::io::Read;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::raw::article_page;
use common::{n, s, FeedSpec, Resp, Server, TestEnv};
use serde_json::Value;

fn rss(server: &Server, paths: &[String]) -> String {
    let items: String = paths
        .iter()
        .map(|p| format!("<item><title>{p}</title><link>{}</link><guid>{p}</guid></item>", server.url(p)))
        .collect();
    format!("<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>t</title>{items}</channel></rss>")
}

fn page_for(path: &str) -> String {
    article_page(&format!("Bài {path}"), &format!("Nội dung riêng của trang {path}, khác mọi trang khác."))
}

#[test]
fn a_kill_between_a_feeds_commit_and_its_pages_loses_no_item() {
    const PAGES: usize = 6;
    let server = Server::start();
    let paths: Vec<String> = (1..=PAGES).map(|i| format!("/p/{i}.html")).collect();
    server.route("/rss", Resp::new("application/rss+xml", rss(&server, &paths)).etag("\"only\""));
    // Pages hang until released: the kill lands after the feed's commit, while its pages are in flight.
    let hold = Arc::new(AtomicBool::new(true));
    let asked = Arc::new(AtomicUsize::new(0));
    for p in &paths {
        let (hold, asked, body) = (hold.clone(), asked.clone(), page_for(p));
        server.route_fn(p, move |_, _| {
            asked.fetch_add(1, Ordering::SeqCst);
            let started = Instant::now();
            while hold.load(Ordering::SeqCst) && started.elapsed() < Duration::from_secs(30) {
                std::thread::sleep(Duration::from_millis(10));
            }
            Resp::html(body.clone())
        });
    }
    let env = TestEnv::new(&[FeedSpec::new("site", &server.url("/rss"))], "");
    let mut child = Command::new(common::bin())
        .args(["--config", env.config.to_str().unwrap(), "--log-format", "json", "once"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let started = Instant::now();
    // (The server records a request once it is answered; a held page is counted as it arrives.)
    while asked.load(Ordering::SeqCst) == 0 {
        assert!(started.elapsed() < Duration::from_secs(20), "no page was requested");
        std::thread::sleep(Duration::from_millis(10));
    }
    // Longer than sled's background flush (500 ms): whatever the poll wrote is on disk by now.
    std::thread::sleep(Duration::from_millis(800));
    child.kill().unwrap();
    child.wait().unwrap();
    hold.store(false, Ordering::SeqCst);

    let run = env.once();
    assert_eq!(run.events("article.new").len(), PAGES, "{}", run.stdout);
    let feed = server.requests_for("/rss");
    assert_eq!(feed.len(), 2);
    assert_eq!(
        (feed[1].if_none_match.as_deref(), feed[1].status),
        (Some("\"only\""), 304),
        "the feed said nothing new"
    );
    assert_eq!(env.query(&["articles"]).len(), PAGES);
    assert_eq!(env.query(&["feeds"])[0]["queued"], 0);
}

/// xorshift64*: enough randomness for kill instants, reproducible from the printed seed.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D) % n
    }
}

/// The `article.new` lines of one run's output, by seq (lines cut by the kill are skipped).
fn logged_new(out: &str) -> Vec<(u64, u64)> {
    out.lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .filter(|v| v["event"] == "article.new")
        .map(|v| (n(&v["seq"]), n(&v["id"])))
        .collect()
}

#[test]
fn twenty_two_kill_9s_of_the_daemon_then_one_pass_store_and_log_every_article_once() {
    const KILLS: usize = 22;
    const FEEDS: [&str; 3] = ["a", "b", "c"];
    const GROWTH_ROUNDS: usize = 16;
    let server = Server::start();
    // Each feed grows for 16 rounds (a new ETag each time), then stays as it is: after that, every poll that
    // follows a kill answers 304. One page is listed by two feeds.
    let listing = |feed: &str, round: usize| -> Vec<String> {
        let count = 4 + 2 * round.min(GROWTH_ROUNDS - 1);
        let mut paths: Vec<String> = (1..=count).map(|i| format!("/{feed}/{i}.html")).collect();
        if feed != "c" {
            paths.push("/shared.html".into());
        }
        paths
    };
    let publish = |round: usize| {
        for f in FEEDS {
            let etag = format!("\"{f}-{}\"", round.min(GROWTH_ROUNDS - 1));
            server.route(
                &format!("/{f}.rss"),
                Resp::new("application/rss+xml", rss(&server, &listing(f, round))).etag(&etag),
            );
        }
    };
    let mut all_pages = BTreeSet::new();
    for f in FEEDS {
        all_pages.extend(listing(f, GROWTH_ROUNDS));
    }
    for p in &all_pages {
        let body = page_for(p);
        server.route_fn(p, move |_, _| {
            // Slow pages (the fixture answers one request at a time), so that kills land amid them.
            std::thread::sleep(Duration::from_millis(40));
            Resp::html(body.clone())
        });
    }
    let feeds: Vec<FeedSpec> =
        FEEDS.iter().map(|f| FeedSpec::new(f, &server.url(&format!("/{f}.rss"))).recheck(&["1h"])).collect();
    let env = TestEnv::new(&feeds, "[defaults]\ninterval = \"1s\"\n");

    let seed = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos() as u64 | 1;
    eprintln!("kill instants seeded with {seed}");
    let mut rng = Rng(seed);
    let mut outputs = Vec::new();
    for round in 0..KILLS {
        publish(round);
        let mut child = Command::new(common::bin())
            .args(["--config", env.config.to_str().unwrap(), "--log-format", "json", "run"])
            .env_remove("NOTIFY_SOCKET")
            .env_remove("RUNTIME_DIRECTORY")
            .env_remove("STATE_DIRECTORY")
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut stdout = child.stdout.take().unwrap();
        let reader = std::thread::spawn(move || {
            let mut s = String::new();
            let _ = stdout.read_to_string(&mut s);
            s
        });
        let delay = 150 + rng.below(1350);
        std::thread::sleep(Duration::from_millis(delay));
        child.kill().unwrap(); // SIGKILL
        child.wait().unwrap();
        let out = reader.join().unwrap();
        eprintln!("round {round}: killed after {delay} ms, {} article.new lines", logged_new(&out).len());
        outputs.push(out);
    }
    let last = env.once();
    outputs.push(last.stdout.clone());

    // Every article stored once, with one version, and one article.new each in the event log.
    let articles = env.query(&["articles"]);
    let urls: BTreeSet<String> = articles.iter().map(|a| s(&a["url"]).to_string()).collect();
    let expected: BTreeSet<String> = all_pages.iter().map(|p| server.url(p)).collect();
    assert_eq!(urls, expected);
    assert_eq!(articles.len(), all_pages.len());
    assert!(articles.iter().all(|a| a["versions"] == 1), "no phantom versions");
    let events = env.query(&["events"]);
    assert_eq!(events.len(), all_pages.len());
    assert!(events.iter().all(|e| e["event"] == "article.new"));
    let stored: BTreeMap<u64, u64> = events.iter().map(|e| (n(&e["seq"]), n(&e["id"]))).collect();
    assert_eq!(stored.keys().copied().collect::<Vec<_>>(), (1..=all_pages.len() as u64).collect::<Vec<_>>());

    // Across all runs, one log line per event; a kill may repeat only the line it cut short, with its seq.
    let per_run: Vec<Vec<(u64, u64)>> = outputs.iter().map(|o| logged_new(o)).collect();
    let mut seen: BTreeMap<u64, usize> = BTreeMap::new();
    for (run, lines) in per_run.iter().enumerate() {
        let seqs: BTreeSet<u64> = lines.iter().map(|(seq, _)| *seq).collect();
        assert_eq!(seqs.len(), lines.len(), "run {run} logged a seq twice");
        for (seq, id) in lines {
            assert_eq!(stored.get(seq), Some(id), "run {run} logged seq {seq} for another article than stored");
            *seen.entry(*seq).or_default() += 1;
        }
        if run > 0 {
            let before: BTreeSet<u64> = per_run[..run].iter().flatten().map(|(seq, _)| *seq).collect();
            let repeated: Vec<&u64> = seqs.iter().filter(|s| before.contains(s)).collect();
            assert!(repeated.len() <= 1, "run {run} repeated {repeated:?} after one kill");
        }
    }
    assert_eq!(
        seen.keys().copied().collect::<Vec<_>>(),
        stored.keys().copied().collect::<Vec<_>>(),
        "every event logged"
    );
    let repeats: usize = seen.values().map(|c| c - 1).sum();
    assert!(repeats <= KILLS, "{repeats} repeats for {KILLS} kills");
    eprintln!("{repeats} repeated lines over {KILLS} kills");

    // Nothing fetched twice without need: a page is fetched again only when a kill cut its fetch short.
    let page_fetches: usize = all_pages.iter().map(|p| server.count(p)).sum();
    eprintln!("{page_fetches} page fetches for {} pages", all_pages.len());
    assert!(page_fetches <= all_pages.len() + KILLS * 4, "{page_fetches} fetches for {} pages", all_pages.len());
    // The last pass found nothing new in the feeds (304): what the kills left undone came from the queue.
    for f in FEEDS {
        let polls = server.requests_for(&format!("/{f}.rss"));
        assert_eq!(polls.last().map(|r| r.status), Some(304), "{f}: {polls:?}");
    }
}
