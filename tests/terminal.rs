//! The terminal that helps: `status` on one screen (with and without a daemon, with a sink that takes events and
//! one that refuses them), and `once`'s progress bar on a terminal (a pseudo-terminal from util-linux `script`)
//! but not in a pipe.

mod common;

use std::process::Command;
use std::time::Duration;

use common::daemon::Daemon;
use common::raw::{article_page, rss};
use common::{FeedSpec, Resp, Server, TestEnv};

fn site() -> Server {
    let server = Server::start();
    let items = vec![("Tin một".to_string(), server.url("/a1.html")), ("Tin hai".to_string(), server.url("/a2.html"))];
    server.route("/feed.rss", Resp::new("application/rss+xml", rss(&items)));
    server.route("/a1.html", Resp::html(article_page("Tin một", "Câu thứ nhất của bài một.")));
    server.route("/a2.html", Resp::html(article_page("Tin hai", "Câu thứ nhất của bài hai.")));
    server.route("/down.rss", Resp::status(500));
    server
}

/// Two exec sinks: `desk` takes every event, `bus` refuses every one (so its events stay pending).
const SINKS: &str = "[[sink]]\nname = \"desk\"\nkind = \"exec\"\ncommand = [\"sh\", \"-c\", \"cat >/dev/null\"]\n\n\
                     [[sink]]\nname = \"bus\"\nkind = \"exec\"\ncommand = [\"sh\", \"-c\", \"cat >/dev/null; exit 1\"]\n\
                     deliver_timeout = \"1s\"\n";

#[test]
fn status_shows_the_daemon_feeds_due_and_failing_todays_events_and_sinks_pending() {
    let site = site();
    let env = TestEnv::new(
        &[FeedSpec::new("tin", &site.url("/feed.rss")), FeedSpec::new("hong", &site.url("/down.rss"))],
        SINKS,
    );
    let before = env.run(&["status"]);
    assert_eq!(before.code, 0, "{}", before.stderr);
    assert!(
        before.stdout.contains("feeds:         2 configured, 2 due now: tin, hong, 0 failing\n"),
        "{}",
        before.stdout
    );
    assert!(before.stdout.ends_with("sinks:         desk 0 pending, bus 0 pending\n"), "{}", before.stdout);
    env.once();
    let r = env.run(&["status"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let lines: Vec<&str> = r.stdout.lines().collect();
    assert_eq!(lines.len(), 6, "{}", r.stdout);
    assert_eq!(lines[0], "daemon:        not running (read the store directly)");
    assert_eq!(lines[1], format!("store:         {}  (2 articles)", env.store.display()));
    assert_eq!(lines[2], "feeds:         2 configured, 0 due now, 1 failing");
    assert_eq!(lines[3], format!("  failing:     hong (1 in a row): HTTP 500 from {}", site.url("/down.rss")));
    assert!(lines[4].starts_with("events today:  2 article.new  (since "), "{}", lines[4]);
    assert!(lines[4].ends_with("T00:00:00Z)"), "{}", lines[4]);
    assert_eq!(lines[5], "sinks:         desk 0 pending, bus 2 pending");

    let daemon = Daemon::start(&env);
    daemon.wait_for("daemon.ready", 1, Duration::from_secs(20));
    let v = env.query(&["status"]);
    assert_eq!(v.len(), 1);
    assert_eq!(v[0]["daemon"], true);
    assert_eq!(v[0]["articles"], 2);
    assert_eq!(v[0]["feeds"], 2);
    assert_eq!(v[0]["events_today"]["article.new"], 2);
    assert_eq!(v[0]["feeds_failing"][0][0], "hong");
    assert_eq!(v[0]["sinks_pending"], serde_json::json!([["desk", 0], ["bus", 2]]));

    // Without sinks, the line says so.
    let plain = TestEnv::new(&[FeedSpec::new("tin", &site.url("/feed.rss"))], "");
    let r = plain.run(&["status"]);
    assert!(r.stdout.ends_with("sinks:         none configured\n"), "{}", r.stdout);
}

#[test]
fn once_shows_a_progress_bar_on_a_terminal_and_nothing_of_it_in_a_pipe() {
    let site = site();
    let env = TestEnv::new(&[FeedSpec::new("tin", &site.url("/feed.rss"))], "");
    // In a pipe: JSON log lines only, no bar, no terminal escapes.
    let piped = env.run(&["once"]);
    assert_eq!(piped.code, 0);
    assert!(!piped.stdout.contains("feeds 1/1") && !piped.stdout.contains('\u{1b}'), "{}", piped.stdout);
    assert_eq!(piped.json_lines().len(), piped.stdout.lines().count());

    // On a terminal: the bar's last state says what the pass did. A second store, so that the pass has work.
    let env2 = TestEnv::new(&[FeedSpec::new("tin", &site.url("/feed.rss"))], "");
    let command = format!("{} --config {} --log-format pretty once", common::bin(), env2.config.display());
    let mut cmd = Command::new("script");
    cmd.args(["-qec", &command, "/dev/null"]);
    common::clean_env(&mut cmd);
    let out = cmd.output().expect("script (util-linux) gives the command a terminal");
    let screen = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{screen}");
    assert!(screen.contains("feeds 1/1  pages 2/2  new 2  edited 0"), "{screen}");
    assert!(screen.contains("pass complete"), "log lines are still written: {screen}");
}
