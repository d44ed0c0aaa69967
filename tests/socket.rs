//! The daemon's query socket under pressure, through the real binary: an over-long request line, more
//! connections than the cap, idle and trickling connections, accept errors (out of file descriptors), and
//! SIGTERM with followers attached.

mod common;

use std::io::{BufRead, BufReader, ErrorKind, Read, Write};
use std::os::unix::net::UnixStream;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::daemon::{wait_until, Daemon};
use common::raw::{article_page, respond, rss, serve};
use common::TestEnv;

/// A daemon over a site of two articles, both stored before it starts: nothing to do for an hour.
fn settled_daemon(shell_prefix: Option<&str>) -> (TestEnv, Daemon, PathBuf) {
    let site = serve("127.0.0.1:0", |path, stream, me| {
        let (headers, body) = if path == "/feed.rss" {
            let items = vec![
                ("Tin 1".to_string(), format!("http://{me}/1.html")),
                ("Tin 2".into(), format!("http://{me}/2.html")),
            ];
            (vec![("Content-Type", "application/rss+xml".to_string())], rss(&items))
        } else {
            (vec![], article_page(&format!("Bài {path}"), &format!("Nội dung của trang {path}.")))
        };
        respond(stream, "200 OK", &headers, body.as_bytes());
    });
    let env = TestEnv::with_text("");
    std::fs::write(
        &env.config,
        format!(
            "[store]\npath = \"{}\"\n[crawler]\nallow_private_networks = true\nrobots = false\n\
             [defaults]\ninterval = \"1h\"\nrecheck = []\n[[feed]]\nname = \"one\"\nurl = \"http://{site}/feed.rss\"\n",
            env.store.display()
        ),
    )
    .unwrap();
    // One pass stores both; the daemon then finds nothing due for an hour.
    env.once();
    let daemon = match shell_prefix {
        None => Daemon::start(&env),
        Some(prefix) => {
            let mut cmd = Command::new("sh");
            cmd.arg("-c").arg(format!("{prefix} && exec \"$0\" \"$@\"")).arg(common::bin());
            cmd.args(["--config", env.config.to_str().unwrap(), "--log-format", "json", "run"]);
            Daemon::spawn(cmd, None)
        }
    };
    let socket = env.store.join("presswatch.sock");
    wait_until("the daemon's socket", Duration::from_secs(10), || UnixStream::connect(&socket).ok().map(|_| ()));
    assert_eq!(articles(&env), 2);
    (env, daemon, socket)
}

/// How many articles `presswatch articles` lists (through the daemon).
fn articles(env: &TestEnv) -> usize {
    env.query(&["articles"]).len()
}

/// Connects, sends `line` and reads one answer line.
fn ask_raw(stream: &mut UnixStream, line: &[u8]) -> String {
    stream.write_all(line).unwrap();
    read_line(stream)
}

fn read_line(stream: &UnixStream) -> String {
    let mut reply = String::new();
    BufReader::new(stream).read_line(&mut reply).unwrap();
    reply
}

/// The daemon closed the connection: end of file, or a reset when it left our bytes unread.
fn assert_closed(stream: &mut UnixStream) {
    let mut rest = Vec::new();
    match stream.read_to_end(&mut rest) {
        Ok(_) => assert!(rest.is_empty(), "more after the last answer: {:?}", String::from_utf8_lossy(&rest)),
        Err(e) => assert_eq!(e.kind(), ErrorKind::ConnectionReset, "{e}"),
    }
}

#[test]
fn an_over_long_request_line_is_refused_with_its_cause_and_the_daemon_goes_on() {
    let (env, daemon, socket) = settled_daemon(None);

    // Exactly the limit (64 KiB before the newline) is read and answered; the connection goes on.
    let mut stream = UnixStream::connect(&socket).unwrap();
    stream.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let mut at_limit = br#"{"query":"feeds"}"#.to_vec();
    at_limit.resize(64 * 1024, b' ');
    at_limit.push(b'\n');
    let reply: serde_json::Value = serde_json::from_str(&ask_raw(&mut stream, &at_limit)).unwrap();
    assert_eq!(reply["answer"], "feeds");
    assert_eq!(reply["data"][0]["name"], "one");

    // One byte more is refused, and that connection is closed (its next bytes cannot be told from a request).
    let mut over = at_limit[..64 * 1024].to_vec();
    over.extend_from_slice(b" \n{\"query\":\"feeds\"}\n");
    let reply = ask_raw(&mut stream, &over);
    assert_eq!(
        reply,
        "{\"error\":{\"kind\":\"bad_argument\",\"message\":\"request line longer than 65536 bytes: refused, and the connection closed\"}}\n"
    );
    assert_closed(&mut stream);

    // A line of 1 MiB without a newline: the same answer, without reading it all.
    let stream = UnixStream::connect(&socket).unwrap();
    stream.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let writer = {
        let mut w = stream.try_clone().unwrap();
        std::thread::spawn(move || w.write_all(&vec![b'x'; 1 << 20]).is_err())
    };
    assert!(read_line(&stream).contains("request line longer than 65536 bytes"));
    assert!(writer.join().unwrap(), "the daemon stopped reading at the limit, so the 1 MiB write failed");

    // The CLI says the same when a request it sends is too long (exit 2: a bad argument).
    let long_url = format!("https://baoquocte.vn/{}.html", "a".repeat(70_000));
    let r = env.run(&["show", &long_url]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert_eq!(r.stderr, "presswatch: request line longer than 65536 bytes: refused, and the connection closed\n");

    // The daemon goes on answering.
    assert_eq!(articles(&env), 2);
    let (code, _, _) = daemon.stop();
    assert_eq!(code, 0);
}

#[test]
fn connections_beyond_the_cap_are_refused_as_busy_and_the_cli_waits_for_a_place() {
    let (env, daemon, socket) = settled_daemon(None);

    // 64 connections, each answered once so that the daemon has taken it, then left open and silent.
    let mut held: Vec<UnixStream> = (0..64)
        .map(|_| {
            let mut s = UnixStream::connect(&socket).unwrap();
            s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
            assert!(ask_raw(&mut s, b"{\"query\":\"feeds\"}\n").starts_with("{\"answer\":\"feeds\""));
            s
        })
        .collect();

    // The 65th is told at once, and closed.
    let started = Instant::now();
    let mut extra = UnixStream::connect(&socket).unwrap();
    extra.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    assert_eq!(
        read_line(&extra),
        "{\"error\":{\"kind\":\"busy\",\"message\":\"the daemon is serving 64 query connections already; try again\"}}\n"
    );
    assert!(started.elapsed() < Duration::from_secs(1), "busy took {:?}", started.elapsed());
    assert_closed(&mut extra);
    let warned = || daemon.messages("query socket full: refusing connections as busy").len();
    wait_until("the warning", Duration::from_secs(5), || (warned() > 0).then_some(()));

    // A query from the CLI meanwhile waits for a place (it retries a busy daemon) and gets its answer when
    // some of the held connections go away.
    let cli = {
        let config = env.config.clone();
        std::thread::spawn(move || {
            let started = Instant::now();
            let r = common::run_with_config(Some(&config), &["articles", "--json"]);
            (r, started.elapsed())
        })
    };
    std::thread::sleep(Duration::from_millis(1500));
    held.truncate(54);
    let (r, took) = cli.join().unwrap();
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(r.json_lines().len(), 2);
    assert!(took >= Duration::from_millis(1400), "the CLI answered in {took:?}, before a place was free");

    // The held connections still work.
    assert!(ask_raw(&mut held[0], b"{\"query\":\"feeds\"}\n").starts_with("{\"answer\":\"feeds\""));
    drop(held);
    assert_eq!(articles(&env), 2);
    assert_eq!(warned(), 1, "one warning for one episode of refusals");
    let (code, _, _) = daemon.stop();
    assert_eq!(code, 0);
}

#[test]
fn an_idle_or_trickling_connection_is_closed_after_the_idle_timeout() {
    let (env, daemon, socket) = settled_daemon(None);
    let expected = "{\"error\":{\"kind\":\"timeout\",\"message\":\"no request line within 10s: connection closed\"}}\n";

    let idle = std::thread::spawn({
        let socket = socket.clone();
        move || {
            let started = Instant::now();
            let mut s = UnixStream::connect(&socket).unwrap();
            s.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
            let reply = read_line(&s);
            let took = started.elapsed();
            assert_closed(&mut s);
            (reply, took)
        }
    });
    // A request trickled in one byte every half second (47 bytes: 23 s) is cut off 10 s after the connection
    // opened: the limit is on the whole line, not on the pause between two bytes.
    let trickle = std::thread::spawn({
        let socket = socket.clone();
        move || {
            let started = Instant::now();
            let mut s = UnixStream::connect(&socket).unwrap();
            s.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
            let reader = {
                let s = s.try_clone().unwrap();
                std::thread::spawn(move || (read_line(&s), started.elapsed()))
            };
            for byte in br#"{"query":"articles","feed":null,"edited":false}"#.iter() {
                if s.write_all(&[*byte]).is_err() {
                    break;
                }
                std::thread::sleep(Duration::from_millis(500));
            }
            reader.join().unwrap()
        }
    });
    // Meanwhile the daemon answers others.
    assert_eq!(articles(&env), 2);

    let (reply, took) = idle.join().unwrap();
    assert_eq!(reply, expected);
    assert!(took >= Duration::from_secs(10) && took < Duration::from_secs(13), "closed after {took:?}");
    let (reply, took) = trickle.join().unwrap();
    assert_eq!(reply, expected);
    assert!(took >= Duration::from_secs(10) && took < Duration::from_secs(13), "closed after {took:?}");

    // An active connection is not idle: answers restart its clock.
    let mut s = UnixStream::connect(&socket).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    for _ in 0..3 {
        std::thread::sleep(Duration::from_secs(4));
        assert!(ask_raw(&mut s, b"{\"query\":\"feeds\"}\n").starts_with("{\"answer\":\"feeds\""));
    }
    let (code, _, _) = daemon.stop();
    assert_eq!(code, 0);
}

#[test]
fn sigterm_with_followers_attached_exits_within_seconds() {
    let (env, daemon, socket) = settled_daemon(None);
    let followers: Vec<_> = (0..3)
        .map(|_| {
            let mut cmd = Command::new(common::bin());
            cmd.args([
                "--config",
                env.config.to_str().unwrap(),
                "--log-format",
                "json",
                "events",
                "--follow",
                "--json",
            ]);
            common::clean_env(&mut cmd);
            let mut child = cmd.stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::null()).spawn().unwrap();
            // The two stored events come first; then the follower waits on the daemon.
            let mut out = BufReader::new(child.stdout.take().unwrap());
            for _ in 0..2 {
                let mut line = String::new();
                out.read_line(&mut line).unwrap();
                assert!(line.contains("\"event\":\"article.new\""), "{line}");
            }
            (child, out)
        })
        .collect();
    // A raw follower too, asking for the longest wait the daemon grants.
    let mut raw = UnixStream::connect(&socket).unwrap();
    raw.write_all(b"{\"query\":\"wait_events\",\"after_seq\":2,\"wait_ms\":600000}\n").unwrap();
    std::thread::sleep(Duration::from_millis(1500));

    let (code, took, lines) = daemon.stop();
    eprintln!("SIGTERM to exit with 4 followers: {took:?}");
    assert_eq!(code, 0);
    assert!(took < Duration::from_secs(5), "shutdown with followers took {took:?}");
    assert!(lines.iter().any(|l| l.contains("\"event\":\"daemon.stopped\"")));
    for (mut child, _) in followers {
        assert!(child.try_wait().unwrap().is_none(), "a follower goes on (it reads the store now)");
        let _ = child.kill();
        let _ = child.wait();
    }
}

/// The daemon's CPU time so far (user + system), from /proc.
fn cpu_time(pid: u32) -> Duration {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap();
    let fields: Vec<&str> = stat.rsplit_once(')').unwrap().1.split_whitespace().collect();
    let ticks: u64 = fields[11].parse::<u64>().unwrap() + fields[12].parse::<u64>().unwrap();
    Duration::from_millis(ticks * 10) // USER_HZ is 100 on Linux
}

#[test]
fn accept_errors_back_off_instead_of_spinning() {
    // Few file descriptors, so that held connections exhaust them before the connection cap is reached.
    let (env, daemon, socket) = settled_daemon(Some("ulimit -n 48"));
    let pid = daemon.child.id();
    let open = std::fs::read_dir(format!("/proc/{pid}/fd")).unwrap().count();
    assert!(open + 20 < 48, "the daemon holds {open} descriptors at rest");

    // The connections the daemon takes are closed when idle for 10 s, which frees descriptors: watch the
    // daemon well inside that.
    let opened = Instant::now();
    let held: Vec<UnixStream> = (0..60).map(|_| UnixStream::connect(&socket).unwrap()).collect();
    let errors = || daemon.messages("cannot accept query connections; retrying with a growing pause").len();
    wait_until("an accept error", Duration::from_secs(5), || (errors() > 0).then_some(()));
    let (before, logged_before) = (cpu_time(pid), errors());
    std::thread::sleep(Duration::from_secs(3));
    let (spent, logged) = (cpu_time(pid) - before, errors() - logged_before);
    assert!(opened.elapsed() < Duration::from_secs(9), "too slow to observe: {:?}", opened.elapsed());
    eprintln!("CPU while out of descriptors: {spent:?} in 3 s");
    assert!(spent < Duration::from_millis(300), "{spent:?} of CPU in 3 s while accept fails");
    assert_eq!(logged, 0, "one warning for the whole episode, not one per failed accept");
    // One episode open now. (A descriptor the daemon freed meanwhile — its own start-up work on a loaded
    // machine — can end an episode early; each one then has its own warning and its own recovery.)
    let recoveries = || daemon.messages("accepting query connections again").len();
    assert_eq!(errors(), recoveries() + 1, "one warning per episode");

    // Descriptors free again: the daemon answers, and says it recovered.
    drop(held);
    assert_eq!(articles(&env), 2);
    wait_until("the recovery", Duration::from_secs(5), || (recoveries() == errors()).then_some(()));
    let (code, _, _) = daemon.stop();
    assert_eq!(code, 0);
}
