//! Test fixtures shared by the integration tests: a small in-process HTTP/1.1 server, config files in a
//! temporary directory, and helpers that run the real `presswatch` binary and parse what it prints.
//!
//! The server runs on its own thread with its own tokio runtime, because the tests drive the binary with
//! blocking `std::process::Command` calls and must not depend on a test runtime being polled meanwhile.

#![allow(dead_code)]

pub mod daemon;
pub mod raw;

use std::collections::HashMap;
use std::io::Write as _;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

// ---- the fixture server ---------------------------------------------------------------------------------

/// What a route answers.
#[derive(Debug, Clone)]
pub struct Resp {
    pub status: u16,
    pub body: Vec<u8>,
    pub content_type: String,
    pub etag: Option<String>,
    pub last_modified: Option<String>,
    /// Send the body gzip-compressed with `Content-Encoding: gzip`.
    pub gzip: bool,
}

impl Resp {
    pub fn new(content_type: &str, body: impl Into<Vec<u8>>) -> Resp {
        Resp {
            status: 200,
            body: body.into(),
            content_type: content_type.to_string(),
            etag: None,
            last_modified: None,
            gzip: false,
        }
    }

    pub fn html(body: impl Into<Vec<u8>>) -> Resp {
        Resp::new("text/html; charset=utf-8", body)
    }

    pub fn status(status: u16) -> Resp {
        Resp { status, ..Resp::new("text/plain", format!("status {status}")) }
    }

    pub fn etag(mut self, etag: &str) -> Resp {
        self.etag = Some(etag.to_string());
        self
    }

    pub fn last_modified(mut self, lm: &str) -> Resp {
        self.last_modified = Some(lm.to_string());
        self
    }

    pub fn gzip(mut self) -> Resp {
        self.gzip = true;
        self
    }
}

/// One request as the server received it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    /// The path without the query.
    pub path: String,
    /// The request target as sent (path and query).
    pub target: String,
    pub if_none_match: Option<String>,
    pub if_modified_since: Option<String>,
    pub accept_encoding: Option<String>,
    /// Whether the body was sent gzip-compressed.
    pub gzipped: bool,
    /// The status the server answered with.
    pub status: u16,
}

/// A handler that builds the response on every request: the request, and how many requests this path has
/// had before this one (0 for the first).
pub type Handler = Arc<dyn Fn(&Request, usize) -> Resp + Send + Sync>;

#[derive(Clone)]
enum Route {
    Fixed(Resp),
    Dynamic(Handler),
}

#[derive(Default)]
struct State {
    routes: HashMap<String, Route>,
    log: Vec<Request>,
}

/// A fixture HTTP/1.1 server on 127.0.0.1 with an ephemeral port. Routes match on the path alone (the query,
/// e.g. `utm_*` parameters, is ignored but recorded). Responses with an ETag or Last-Modified answer a
/// matching `If-None-Match` / `If-Modified-Since` with 304. Every connection is closed after one response.
pub struct Server {
    addr: SocketAddr,
    state: Arc<Mutex<State>>,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Server {
    pub fn start() -> Server {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
        listener.set_nonblocking(true).expect("non-blocking listener");
        let addr = listener.local_addr().expect("local address");
        let state = Arc::new(Mutex::new(State::default()));
        let (tx, mut rx) = tokio::sync::oneshot::channel::<()>();
        let st = state.clone();
        let thread = std::thread::Builder::new()
            .name(format!("fixture-{}", addr.port()))
            .spawn(move || {
                let rt = tokio::runtime::Builder::new_multi_thread()
                    .worker_threads(1)
                    .enable_all()
                    .build()
                    .expect("fixture runtime");
                rt.block_on(async move {
                    let listener = tokio::net::TcpListener::from_std(listener).expect("tokio listener");
                    loop {
                        tokio::select! {
                            _ = &mut rx => break,
                            accepted = listener.accept() => {
                                let Ok((stream, _)) = accepted else { continue };
                                let st = st.clone();
                                tokio::spawn(async move {
                                    let _ = serve(stream, st).await;
                                });
                            }
                        }
                    }
                });
            })
            .expect("spawn fixture thread");
        Server { addr, state, shutdown: Some(tx), thread: Some(thread) }
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:PORT` followed by `path`.
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.addr, path)
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Sets (or replaces) a fixed response for `path`.
    pub fn route(&self, path: &str, resp: Resp) {
        self.lock().routes.insert(path.to_string(), Route::Fixed(resp));
    }

    /// Sets (or replaces) a handler that builds the response for `path` on every request.
    pub fn route_fn(&self, path: &str, f: impl Fn(&Request, usize) -> Resp + Send + Sync + 'static) {
        self.lock().routes.insert(path.to_string(), Route::Dynamic(Arc::new(f)));
    }

    pub fn remove(&self, path: &str) {
        self.lock().routes.remove(path);
    }

    /// Every request so far, in the order they arrived.
    pub fn requests(&self) -> Vec<Request> {
        self.lock().log.clone()
    }

    /// The requests for one path.
    pub fn requests_for(&self, path: &str) -> Vec<Request> {
        self.lock().log.iter().filter(|r| r.path == path).cloned().collect()
    }

    pub fn count(&self, path: &str) -> usize {
        self.lock().log.iter().filter(|r| r.path == path).count()
    }

    /// Request counts per path.
    pub fn counts(&self) -> HashMap<String, usize> {
        let mut m = HashMap::new();
        for r in &self.lock().log {
            *m.entry(r.path.clone()).or_default() += 1;
        }
        m
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        304 => "Not Modified",
        404 => "Not Found",
        500 => "Internal Server Error",
        503 => "Service Unavailable",
        _ => "Status",
    }
}

/// Whether a conditional request may be answered 304 for this response.
fn not_modified(req: &Request, resp: &Resp) -> bool {
    if resp.status != 200 {
        return false;
    }
    // If-None-Match wins over If-Modified-Since when both are present (RFC 9110 13.2.2).
    if let Some(inm) = &req.if_none_match {
        let Some(etag) = &resp.etag else { return false };
        let bare = |t: &str| t.trim().trim_start_matches("W/").to_string();
        return inm.split(',').any(|t| t.trim() == "*" || bare(t) == bare(etag));
    }
    if let (Some(ims), Some(lm)) = (&req.if_modified_since, &resp.last_modified) {
        let parse = |s: &str| chrono::DateTime::parse_from_rfc2822(s.trim()).ok();
        return match (parse(ims), parse(lm)) {
            (Some(i), Some(l)) => l <= i,
            _ => ims.trim() == lm.trim(),
        };
    }
    false
}

async fn serve(mut stream: tokio::net::TcpStream, state: Arc<Mutex<State>>) -> std::io::Result<()> {
    let mut buf = Vec::with_capacity(2048);
    let head_end = loop {
        let mut chunk = [0u8; 2048];
        let n = tokio::time::timeout(Duration::from_secs(10), stream.read(&mut chunk))
            .await
            .map_err(|_| std::io::Error::other("request head timed out"))??;
        if n == 0 {
            return Ok(());
        }
        buf.extend_from_slice(&chunk[..n]);
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i;
        }
        if buf.len() > 64 * 1024 {
            return Ok(());
        }
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).to_string();
    let mut lines = head.split("\r\n");
    let request_line = lines.next().unwrap_or_default();
    let target = request_line.split(' ').nth(1).unwrap_or("/").to_string();
    let mut headers: HashMap<String, String> = HashMap::new();
    for line in lines {
        if let Some((k, v)) = line.split_once(':') {
            headers.insert(k.trim().to_ascii_lowercase(), v.trim().to_string());
        }
    }
    let path = target.split('?').next().unwrap_or("/").to_string();
    let mut req = Request {
        path: path.clone(),
        target,
        if_none_match: headers.get("if-none-match").cloned(),
        if_modified_since: headers.get("if-modified-since").cloned(),
        accept_encoding: headers.get("accept-encoding").cloned(),
        gzipped: false,
        status: 0,
    };

    // Pick the route and its previous request count under the lock, but build a dynamic response outside it.
    let (route, previous) = {
        let st = state.lock().unwrap_or_else(|p| p.into_inner());
        let previous = st.log.iter().filter(|r| r.path == path).count();
        (st.routes.get(&path).cloned(), previous)
    };
    let resp = match route {
        Some(Route::Fixed(r)) => r,
        Some(Route::Dynamic(f)) => f(&req, previous),
        None => Resp::status(404),
    };
    let status = if not_modified(&req, &resp) { 304 } else { resp.status };
    req.status = status;
    req.gzipped = status != 304 && resp.gzip && req.accept_encoding.as_deref().is_some_and(|v| v.contains("gzip"));
    let gzipped = req.gzipped;
    state.lock().unwrap_or_else(|p| p.into_inner()).log.push(req);

    let mut out = format!("HTTP/1.1 {status} {}\r\nConnection: close\r\n", reason(status));
    if let Some(e) = &resp.etag {
        out.push_str(&format!("ETag: {e}\r\n"));
    }
    if let Some(lm) = &resp.last_modified {
        out.push_str(&format!("Last-Modified: {lm}\r\n"));
    }
    let body = if status == 304 {
        Vec::new()
    } else if gzipped {
        out.push_str("Content-Encoding: gzip\r\n");
        let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        enc.write_all(&resp.body)?;
        enc.finish()?
    } else {
        resp.body.clone()
    };
    if status != 304 {
        out.push_str(&format!("Content-Type: {}\r\nContent-Length: {}\r\n", resp.content_type, body.len()));
    }
    out.push_str("\r\n");
    stream.write_all(out.as_bytes()).await?;
    stream.write_all(&body).await?;
    stream.flush().await?;
    let _ = stream.shutdown().await;
    Ok(())
}

// ---- configuration ----------------------------------------------------------------------------------------

/// One `[[feed]]` of a test config.
#[derive(Debug, Clone)]
pub struct FeedSpec {
    pub name: String,
    pub url: String,
    pub recheck: Option<Vec<String>>,
}

impl FeedSpec {
    pub fn new(name: &str, url: &str) -> FeedSpec {
        FeedSpec { name: name.to_string(), url: url.to_string(), recheck: None }
    }

    pub fn recheck(mut self, offsets: &[&str]) -> FeedSpec {
        self.recheck = Some(offsets.iter().map(|s| s.to_string()).collect());
        self
    }
}

fn toml_str(s: &str) -> String {
    // TOML basic strings accept JSON string escapes for everything we write here.
    serde_json::to_string(s).expect("string to JSON")
}

/// A temporary directory with a config file and a store path inside it.
pub struct TestEnv {
    pub dir: tempfile::TempDir,
    pub config: PathBuf,
    pub store: PathBuf,
}

impl TestEnv {
    /// Writes `presswatch.toml` with the store in the tempdir, private networks allowed (the fixtures are on
    /// 127.0.0.1), short timeouts, the feeds given, and `extra` appended verbatim.
    pub fn new(feeds: &[FeedSpec], extra: &str) -> TestEnv {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = dir.path().join("store");
        let config = dir.path().join("presswatch.toml");
        let mut text = format!(
            "[store]\npath = {}\n\n[crawler]\nallow_private_networks = true\ntimeout = \"10s\"\nper_host_concurrency = 4\n\n",
            toml_str(&store.display().to_string())
        );
        for f in feeds {
            text.push_str(&format!("[[feed]]\nname = {}\nurl = {}\n", toml_str(&f.name), toml_str(&f.url)));
            if let Some(r) = &f.recheck {
                let list: Vec<String> = r.iter().map(|s| toml_str(s)).collect();
                text.push_str(&format!("recheck = [{}]\n", list.join(", ")));
            }
            text.push('\n');
        }
        text.push_str(extra);
        std::fs::write(&config, text).expect("write config");
        TestEnv { dir, config, store }
    }

    /// A config file with exactly this text, in the tempdir.
    pub fn with_text(text: &str) -> TestEnv {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = dir.path().join("store");
        let config = dir.path().join("presswatch.toml");
        std::fs::write(&config, text).expect("write config");
        TestEnv { dir, config, store }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Runs `presswatch --config FILE --log-format json ARGS...`.
    pub fn run(&self, args: &[&str]) -> Run {
        run_with_config(Some(&self.config), args)
    }

    /// `once`, asserting that it exits 0.
    pub fn once(&self) -> Run {
        let r = self.run(&["once"]);
        assert_eq!(r.code, 0, "presswatch once failed: {}\n{}", r.stderr, r.stdout);
        r
    }

    /// A query subcommand with `--json`, asserting exit 0; one parsed object per output line.
    pub fn query(&self, args: &[&str]) -> Vec<Value> {
        let mut a = args.to_vec();
        a.push("--json");
        let r = self.run(&a);
        assert_eq!(r.code, 0, "presswatch {args:?} failed: {}", r.stderr);
        r.json_lines()
    }

    /// `show TARGET --json`, asserting exit 0 and exactly one object.
    pub fn show(&self, target: &str) -> Value {
        let mut v = self.query(&["show", target]);
        assert_eq!(v.len(), 1, "show prints one object");
        v.remove(0)
    }
}

// ---- running the binary -------------------------------------------------------------------------------------

/// What one run of the binary gave.
#[derive(Debug)]
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    /// Every stdout line parsed as JSON; panics on a line that is not JSON.
    pub fn json_lines(&self) -> Vec<Value> {
        self.stdout
            .lines()
            .filter(|l| !l.trim().is_empty())
            .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not a JSON line ({e}): {l}")))
            .collect()
    }

    /// The log lines whose `event` field is `name`.
    pub fn events(&self, name: &str) -> Vec<Value> {
        self.json_lines().into_iter().filter(|v| v["event"] == name).collect()
    }

    /// The `pass complete` summary line of `once`.
    pub fn summary(&self) -> Value {
        let mut s: Vec<Value> = self.json_lines().into_iter().filter(|v| v["message"] == "pass complete").collect();
        assert_eq!(s.len(), 1, "one pass summary in:\n{}", self.stdout);
        s.remove(0)
    }
}

pub fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_presswatch")
}

/// Runs the binary with `--config FILE` (when given), `--log-format json` and `args`, with a clean
/// environment for the variables that could change its behaviour.
pub fn run_with_config(config: Option<&Path>, args: &[&str]) -> Run {
    let mut cmd = Command::new(bin());
    if let Some(c) = config {
        cmd.arg("--config").arg(c);
    }
    cmd.args(["--log-format", "json"]).args(args);
    clean_env(&mut cmd);
    output_within(cmd, RUN_TIMEOUT, args)
}

/// No single run of the binary in these tests takes more than a few seconds; a run that reaches this is hung
/// (a deadlock, a request that never ends) and fails the test instead of stalling the suite.
pub const RUN_TIMEOUT: Duration = Duration::from_secs(60);

/// Runs `cmd` to completion with its output captured, killing it (our own child) if it outlives `timeout`.
fn output_within(mut cmd: Command, timeout: Duration, args: &[&str]) -> Run {
    use std::io::Read;
    use std::process::Stdio;
    let mut child =
        cmd.stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().expect("run presswatch");
    let read = |mut pipe: Box<dyn Read + Send>| {
        std::thread::spawn(move || {
            let mut buf = Vec::new();
            let _ = pipe.read_to_end(&mut buf);
            String::from_utf8_lossy(&buf).into_owned()
        })
    };
    let stdout = read(Box::new(child.stdout.take().expect("piped stdout")));
    let stderr = read(Box::new(child.stderr.take().expect("piped stderr")));
    let deadline = std::time::Instant::now() + timeout;
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait for presswatch") {
            break status;
        }
        if std::time::Instant::now() >= deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!(
                "presswatch {args:?} did not finish within {timeout:?}\nstdout:\n{}\nstderr:\n{}",
                stdout.join().unwrap_or_default(),
                stderr.join().unwrap_or_default()
            );
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    Run {
        code: status.code().unwrap_or(-1),
        stdout: stdout.join().expect("stdout reader"),
        stderr: stderr.join().expect("stderr reader"),
    }
}

/// Removes the environment variables that would point the binary at another config, log level, store or
/// socket than the test's own.
pub fn clean_env(cmd: &mut Command) -> &mut Command {
    for var in
        ["RUST_LOG", "PRESSWATCH_CONFIG", "RUNTIME_DIRECTORY", "STATE_DIRECTORY", "NOTIFY_SOCKET", "WATCHDOG_USEC"]
    {
        cmd.env_remove(var);
    }
    cmd
}

/// A JSON value as a string, panicking with the value when it is not one.
pub fn s(v: &Value) -> &str {
    v.as_str().unwrap_or_else(|| panic!("expected a JSON string, found {v}"))
}

/// A JSON value as an integer.
pub fn n(v: &Value) -> u64 {
    v.as_u64().unwrap_or_else(|| panic!("expected a JSON integer, found {v}"))
}
