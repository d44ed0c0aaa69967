//! `presswatch demo`: with nothing but loopback, a newcomer sees new articles, then an edit whose diff page shows
//! the old number in <del> and the new one in <ins>, within 60 s; Ctrl-C stops it and removes its store.

mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

fn get(url: &str) -> String {
    let rest = url.strip_prefix("http://").unwrap();
    let (host, path) = rest.split_once('/').map(|(h, p)| (h, format!("/{p}"))).unwrap();
    let mut s = std::net::TcpStream::connect(host).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    write!(s, "GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n").unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).unwrap();
    out
}

#[test]
fn demo_shows_new_articles_and_an_edit_with_its_diff_within_a_minute() {
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let mut cmd = Command::new(common::bin());
    cmd.args(["--log-format", "json", "demo", "--listen", &format!("127.0.0.1:{port}")]);
    common::clean_env(&mut cmd);
    let started = Instant::now();
    let mut child = cmd.stdout(Stdio::piped()).stderr(Stdio::null()).spawn().unwrap();
    let lines = Arc::new(Mutex::new(Vec::<serde_json::Value>::new()));
    let (out, sink) = (child.stdout.take().unwrap(), lines.clone());
    std::thread::spawn(move || {
        for line in BufReader::new(out).lines().map_while(Result::ok) {
            if let Ok(v) = serde_json::from_str(&line) {
                sink.lock().unwrap().push(v);
            }
        }
    });
    let find = |event: &str| -> Vec<serde_json::Value> {
        lines.lock().unwrap().iter().filter(|v| v["event"] == event).cloned().collect()
    };
    // The demo announces an edit once it is in the store; the crawler logs its article.edited line just after
    // the commit, so wait for both.
    while find("demo.edit").len() < 2 || find("article.edited").len() < 2 {
        if started.elapsed() > Duration::from_secs(60) {
            let _ = child.kill();
            panic!("no two edits within 60 s: {:?}", lines.lock().unwrap());
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    eprintln!("demo: two edits {:?} after start", started.elapsed());
    let ready = &find("demo.ready")[0];
    assert_eq!(ready["web"], format!("http://127.0.0.1:{port}/"));
    assert_eq!(find("article.new").len(), 3);
    assert_eq!(find("article.edited").len(), 2);
    let edits = find("demo.edit");
    let harbour = edits.iter().find(|e| e["title"].as_str().unwrap().starts_with("Harbour")).expect("the number edit");
    let page = get(harbour["diff"].as_str().unwrap());
    assert!(page.starts_with("HTTP/1.1 200"), "{page}");
    assert!(page.contains("said <del>12</del> workers") && page.contains("said <ins>15</ins> workers"), "{page}");
    let thai = edits.iter().find(|e| e["title"].as_str().unwrap().starts_with("กรุงเทพ")).expect("the Thai edit");
    let page = get(thai["diff"].as_str().unwrap());
    assert!(page.contains("<del>จันทร์</del>") && page.contains("<ins>อังคาร</ins>"), "{page}");

    let store = std::path::PathBuf::from(ready["store"].as_str().unwrap());
    assert!(store.exists());
    Command::new("kill").args(["-INT", &child.id().to_string()]).status().unwrap();
    let deadline = Instant::now() + Duration::from_secs(15);
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        assert!(Instant::now() < deadline, "demo did not stop on SIGINT");
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(status.success());
    assert!(!store.exists(), "the demo's temporary store is removed when it stops");
}
