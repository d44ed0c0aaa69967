//! The NATS JetStream sink against a real nats-server (Debian's `nats-server`, started here with `-js` on a
//! free loopback port) read back by a JetStream consumer: every event exactly once, also after a kill -9 of
//! the daemon in the middle of delivery and after a replay of already published events; two shards sharing
//! one feed list publish to one stream.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use futures_util::StreamExt;
use serde_json::Value;

use common::news::NewsSite;
use common::{n, s, FeedSpec, TestEnv};

/// A nats-server with JetStream in a temporary directory; killed when dropped.
struct NatsServer {
    child: Child,
    port: u16,
    _dir: tempfile::TempDir,
}

fn nats_server_binary() -> String {
    for candidate in ["nats-server", "/usr/sbin/nats-server", "/usr/bin/nats-server"] {
        if Command::new(candidate).arg("--version").output().is_ok_and(|o| o.status.success()) {
            return candidate.to_string();
        }
    }
    panic!(
        "nats-server is not installed: the NATS sink tests start a real one. Install Debian's package \
         (apt-get update && apt-get install -y nats-server); .ci/run does this itself"
    );
}

impl NatsServer {
    fn start() -> NatsServer {
        let bin = nats_server_binary();
        let dir = tempfile::tempdir().unwrap();
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let child = Command::new(bin)
            .args(["-js", "-a", "127.0.0.1", "-p", &port.to_string(), "-sd"])
            .arg(dir.path())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start nats-server");
        let deadline = Instant::now() + Duration::from_secs(10);
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "nats-server did not listen on port {port} within 10 s");
            std::thread::sleep(Duration::from_millis(20));
        }
        NatsServer { child, port, _dir: dir }
    }

    fn url(&self) -> String {
        format!("nats://127.0.0.1:{}", self.port)
    }
}

impl Drop for NatsServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One message of the stream, as a JetStream consumer reads it.
#[derive(Debug, Clone)]
struct Msg {
    subject: String,
    msg_id: String,
    event: Value,
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap()
}

/// How many messages the stream holds (0 when it does not exist yet).
fn stream_count(url: &str, stream: &str) -> u64 {
    runtime().block_on(async {
        let Ok(client) = async_nats::connect(url).await else { return 0 };
        let js = async_nats::jetstream::new(client);
        match js.get_stream(stream).await {
            Ok(mut st) => st.info().await.map(|i| i.state.messages).unwrap_or(0),
            Err(_) => 0,
        }
    })
}

/// Every message of the stream, read by a new pull consumer from the start.
fn read_stream(url: &str, stream: &str) -> Vec<Msg> {
    runtime().block_on(async {
        let client = async_nats::connect(url).await.expect("connect to nats-server");
        let js = async_nats::jetstream::new(client);
        let mut st = js.get_stream(stream).await.expect("the stream exists");
        let total = st.info().await.unwrap().state.messages as usize;
        let consumer = st
            .create_consumer(async_nats::jetstream::consumer::pull::Config {
                deliver_policy: async_nats::jetstream::consumer::DeliverPolicy::All,
                ack_policy: async_nats::jetstream::consumer::AckPolicy::None,
                ..Default::default()
            })
            .await
            .unwrap();
        let mut out = Vec::new();
        while out.len() < total {
            let mut batch = consumer
                .fetch()
                .max_messages(total - out.len())
                .expires(Duration::from_secs(2))
                .messages()
                .await
                .unwrap();
            let before = out.len();
            while let Some(m) = batch.next().await {
                let m = m.unwrap();
                let msg_id =
                    m.headers.as_ref().and_then(|h| h.get("Nats-Msg-Id")).map(|v| v.to_string()).unwrap_or_default();
                out.push(Msg {
                    subject: m.subject.to_string(),
                    msg_id,
                    event: serde_json::from_slice(&m.payload).unwrap(),
                });
            }
            assert!(out.len() > before, "the consumer stalled at {} of {total} messages", out.len());
        }
        out
    })
}

fn nats_sink(url: &str, extra: &str) -> String {
    format!("[[sink]]\nname = \"bus\"\nkind = \"nats\"\nurl = \"{url}\"\nsubject = \"pw.events\"\nstream = \"PW\"\n{extra}\n")
}

/// Every event of the store is in the stream exactly once, under its id, on `<subject>.<event>`.
fn assert_exactly_once(msgs: &[Msg], events: &[Value]) {
    let ids: BTreeSet<&str> = msgs.iter().map(|m| m.msg_id.as_str()).collect();
    assert_eq!(ids.len(), msgs.len(), "a message id appears twice");
    assert_eq!(msgs.len(), events.len(), "one message per stored event");
    let mut by_seq: Vec<&Value> = msgs.iter().map(|m| &m.event).collect();
    by_seq.sort_by_key(|e| n(&e["seq"]));
    assert_eq!(by_seq, events.iter().collect::<Vec<_>>());
    for m in msgs {
        assert_eq!(m.subject, format!("pw.events.{}", s(&m.event["event"])));
    }
}

fn slow_site(articles: usize, delay: Duration) -> NewsSite {
    let site = NewsSite::start(&["/feed.xml"]);
    for i in 0..articles {
        let path = format!("/story-{i}.html");
        site.publish(
            &path,
            "en",
            &format!("Story number {i} of the day"),
            &[
                &format!(
                    "This is story {i}. It tells what happened in place {i} and why it matters to the people there."
                ),
                "A second paragraph gives the background of the story, with some detail.",
            ],
        );
    }
    // Slow pages keep the pass going while the first events are delivered.
    site.slow(delay);
    site
}

#[test]
fn every_event_reaches_jetstream_once_even_after_a_kill_9_in_the_middle_of_delivery() {
    let nats = NatsServer::start();
    let site = slow_site(40, Duration::from_millis(40));
    let metrics_port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let env = TestEnv::new(
        &[FeedSpec::new("fixture", &site.url("/feed.xml")).recheck(&[])],
        // A short interval: the daemon spreads first polls over up to a minute, or the interval if shorter.
        &format!(
            "[defaults]\ninterval = \"2s\"\n\n[http]\nlisten = \"127.0.0.1:{metrics_port}\"\n\n{}",
            nats_sink(&nats.url(), "")
        ),
    );
    let mut cmd = Command::new(common::bin());
    cmd.arg("--config").arg(&env.config).args(["--log-format", "json", "run"]);
    common::clean_env(&mut cmd);
    let mut daemon = KillOnDrop(cmd.stdout(Stdio::null()).stderr(Stdio::null()).spawn().unwrap());

    // Wait until some events went out and more are stored than delivered, then kill -9.
    let deadline = Instant::now() + Duration::from_secs(40);
    let (published_at_kill, stored_at_kill) = loop {
        assert!(Instant::now() < deadline, "no delivery in progress within 40 s");
        let published = stream_count(&nats.url(), "PW");
        if published >= 3 {
            let r = env.run(&["events", "--json"]);
            let stored = r.json_lines().len() as u64;
            if stored > published + 2 {
                let metrics = http_get(metrics_port, "/metrics");
                assert!(metrics.contains("# TYPE presswatch_sink_pending gauge"), "{metrics}");
                assert!(metrics.contains("presswatch_sink_delivered_total{sink=\"bus\"}"), "{metrics}");
                daemon.0.kill().unwrap(); // SIGKILL
                daemon.0.wait().unwrap();
                break (published, stored);
            }
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    assert!(published_at_kill < stored_at_kill);

    // The next run finishes the pass and delivers what the killed one had not.
    env.once();
    let events = env.query(&["events"]);
    assert_eq!(events.len(), 40, "every article once");
    let msgs = read_stream(&nats.url(), "PW");
    assert_exactly_once(&msgs, &events);
    let st = &env.query(&["sinks"])[0];
    assert_eq!((n(&st["cursor"]), n(&st["pending"])), (40, 0));
}

/// A child process (the daemon) that is killed when the test ends, whatever happens.
struct KillOnDrop(Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn http_get(port: u16, path: &str) -> String {
    use std::io::{Read, Write};
    let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
    // One write: the daemon's listener reads the request head in one go.
    s.write_all(format!("GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").as_bytes()).unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).unwrap();
    out
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

#[test]
fn a_server_that_is_down_keeps_the_events_and_a_replay_after_a_crash_is_deduplicated_by_message_id() {
    let site = slow_site(5, Duration::ZERO);
    let nats = NatsServer::start();
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let env = TestEnv::new(
        &[FeedSpec::new("fixture", &site.url("/feed.xml")).recheck(&[])],
        &nats_sink(&format!("nats://127.0.0.1:{closed}"), "deliver_timeout = \"1s\"\ntimeout = \"500ms\""),
    );
    // Down: the events wait.
    let r = env.once();
    assert!(
        s(&r.events("sink.error")[0]["error"])
            .starts_with(&format!("cannot connect to NATS at nats://127.0.0.1:{closed}")),
        "{}",
        r.stdout
    );
    let st = &env.query(&["sinks"])[0];
    assert_eq!((n(&st["cursor"]), n(&st["pending"]), n(&st["delivered"])), (0, 5, 0));

    // A copy of the store as it was before delivery: what a crash between publish and cursor leaves.
    let before = env.path().join("store-before");
    copy_dir(&env.store, &before);

    // Back up: everything goes out.
    let text =
        std::fs::read_to_string(&env.config).unwrap().replace(&format!("nats://127.0.0.1:{closed}"), &nats.url());
    std::fs::write(&env.config, &text).unwrap();
    let r = env.once();
    assert_eq!(r.events("sink.error").len(), 0, "{}", r.stdout);
    let events = env.query(&["events"]);
    assert_exactly_once(&read_stream(&nats.url(), "PW"), &events);

    // The crash: the store goes back to before the cursor moved; the same events are published again, with
    // the same ids, and JetStream keeps one copy of each.
    std::fs::remove_dir_all(&env.store).unwrap();
    copy_dir(&before, &env.store);
    let r = env.once();
    assert_eq!(r.events("sink.error").len(), 0, "{}", r.stdout);
    assert_eq!(n(&env.query(&["sinks"])[0]["delivered"]), 5);
    assert_exactly_once(&read_stream(&nats.url(), "PW"), &events);
}

#[test]
fn two_shards_share_one_feed_list_take_disjoint_halves_and_publish_to_one_stream() {
    let nats = NatsServer::start();
    let paths: Vec<String> = (0..8).map(|i| format!("/section-{i}.xml")).collect();
    let path_refs: Vec<&str> = paths.iter().map(String::as_str).collect();
    let site = NewsSite::start(&path_refs);
    for i in 0..3 {
        site.publish(
            &format!("/news-{i}.html"),
            "en",
            &format!("Shared story {i}"),
            &[
                &format!("Story {i} is listed in every section feed of the site. It tells what happened in place {i} and why it matters to the people there."),
                "A second paragraph gives the background of the story, with some detail.",
            ],
        );
    }
    let feeds: Vec<FeedSpec> = paths
        .iter()
        .enumerate()
        .map(|(i, p)| FeedSpec::new(&format!("section-{i}"), &site.url(p)).recheck(&[]))
        .collect();
    // The shard of each feed: blake3 of the URL as written, first 8 bytes little-endian, modulo 2.
    let shard_of = |url: &str| u64::from_le_bytes(blake3::hash(url.as_bytes()).as_bytes()[..8].try_into().unwrap()) % 2;
    let mut expected: BTreeMap<u64, Vec<String>> = BTreeMap::new();
    for f in &feeds {
        expected.entry(shard_of(&f.url)).or_default().push(f.name.clone());
    }
    assert_eq!(expected.len(), 2, "both shards have feeds: {expected:?}");

    let mut all_events = Vec::new();
    for shard in 0..2u64 {
        let env = TestEnv::new(&feeds, &nats_sink(&nats.url(), ""));
        let text = std::fs::read_to_string(&env.config)
            .unwrap()
            .replace("[crawler]\n", &format!("[crawler]\nshard = \"{shard}/2\"\n"));
        std::fs::write(&env.config, text).unwrap();
        let r = env.once();
        let line = r.json_lines().into_iter().find(|l| l["shard"].is_string()).expect("a shard log line");
        assert_eq!(s(&line["shard"]), format!("{shard}/2"));
        assert_eq!((n(&line["feeds"]), n(&line["configured"])), (expected[&shard].len() as u64, 8));
        let polled: Vec<String> = env.query(&["feeds"]).iter().map(|f| s(&f["name"]).to_string()).collect();
        assert_eq!(polled, expected[&shard]);
        // Each shard is its own store: it finds the three stories through its own feeds.
        let events = env.query(&["events"]);
        assert_eq!(events.len(), 3, "{}", r.stdout);
        all_events.extend(events);
    }
    // Every section feed was polled once, by one shard.
    for p in &paths {
        assert_eq!(site.server.count(p), 1, "{p}");
    }
    // One stream holds both shards' events, each once (the two stores number their events alike: the ids
    // still differ).
    let msgs = read_stream(&nats.url(), "PW");
    assert_eq!(msgs.len(), 6);
    let ids: BTreeSet<&str> = msgs.iter().map(|m| m.msg_id.as_str()).collect();
    assert_eq!(ids.len(), 6);
    let seqs: Vec<u64> = msgs.iter().map(|m| n(&m.event["seq"])).collect();
    assert_eq!(seqs.iter().filter(|s| **s == 1).count(), 2, "both stores have an event 1");
    let mut got: Vec<Value> = msgs.into_iter().map(|m| m.event).collect();
    let key = |e: &Value| (s(&e["url"]).to_string(), s(&e["time"]).to_string());
    got.sort_by_key(key);
    all_events.sort_by_key(key);
    assert_eq!(got, all_events);

    // A shard outside 0 ≤ I < N is refused with the key.
    let env = TestEnv::new(&feeds, "");
    let text = std::fs::read_to_string(&env.config).unwrap().replace("[crawler]\n", "[crawler]\nshard = \"2/2\"\n");
    std::fs::write(&env.config, text).unwrap();
    let r = env.run(&["once"]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("crawler.shard") && r.stderr.contains("\"2/2\""), "{}", r.stderr);
}
