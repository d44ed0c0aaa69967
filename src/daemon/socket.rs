//! The daemon's query socket: one JSON request line in, one JSON answer line out, per connection.
//! Every request is answered by [`crate::query::answer`], the same code the CLI runs against a store it opens.
//!
//! Whatever connects is bounded: a request line may hold [`MAX_LINE_BYTES`], at most [`MAX_CONNECTIONS`] are
//! served at once (the next ones are answered `busy` and closed), a connection that sends no request line for
//! [`IDLE_TIMEOUT`] is closed, an answer that cannot be written within [`WRITE_TIMEOUT`] ends its connection,
//! and a follower (`events --follow`) waits in slices of [`FOLLOW_SLICE`], so that shutdown never waits for it.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::unix::{OwnedReadHalf, OwnedWriteHalf};
use tokio::net::{UnixListener, UnixStream};

use crate::config::Config;
use crate::query::{self, Answer, Request, WireError};
use crate::store::Store;

/// The longest request line the socket reads. A request is a query name with a target URL or a few filters,
/// a few hundred bytes; 64 KiB leaves room for any URL a browser accepts while a client that sends more
/// cannot grow the daemon's memory. A longer line is answered with an error and its connection closed.
pub const MAX_LINE_BYTES: usize = 64 * 1024;

/// The most connections served at once. Each may hold a thread of tokio's blocking pool (512 threads, shared
/// with extraction's neighbours) while its query runs, and a line buffer of up to [`MAX_LINE_BYTES`]; 64
/// bounds those to 64 threads and 4 MiB while being far more than the shells and scripts that query one
/// daemon at once. A connection beyond it is answered `busy` at once and closed (the CLI retries for a while).
pub const MAX_CONNECTIONS: usize = 64;

/// How long a connection may take to send its next request line, from its opening or from its last answer.
/// The CLI sends its line right after connecting; this much silence, or a line trickled in slower than this,
/// is a stuck or hostile client, and its place among the [`MAX_CONNECTIONS`] is freed.
pub const IDLE_TIMEOUT: Duration = Duration::from_secs(10);

/// How long one answer line (or one line of an export) may take to be written: a client that stops reading
/// must not hold its place for ever. Generous, since a large answer to a busy shell pipe is legitimate.
pub const WRITE_TIMEOUT: Duration = Duration::from_secs(30);

/// The longest a `--follow` request may wait for a new event before it is answered with none (the CLI asks
/// again at once).
pub const MAX_WAIT: Duration = Duration::from_secs(30);

/// A follower waits in slices this long, each on a thread of the blocking pool. A slice cannot be cancelled,
/// and the runtime waits for the blocking pool when the daemon exits, so this (not [`MAX_WAIT`]) is what a
/// follower can add to a shutdown: far inside the 10 s that systemd's stop and our own grace allow.
pub const FOLLOW_SLICE: Duration = Duration::from_secs(1);

/// Accept errors (out of file descriptors, mostly) are retried after a pause that starts here and doubles
/// up to [`ACCEPT_BACKOFF_MAX`]: the listener stays readable while the error lasts, so without a pause the
/// loop would spin a core and flood the log.
const ACCEPT_BACKOFF_MIN: Duration = Duration::from_millis(10);
/// See [`ACCEPT_BACKOFF_MIN`]: once descriptors are free again, a connection waits at most this long.
const ACCEPT_BACKOFF_MAX: Duration = Duration::from_secs(1);

/// Binds the socket (mode 0660: the daemon's user and group), replacing a stale one from a crashed daemon.
pub fn bind(path: &Path) -> std::io::Result<UnixListener> {
    if path.exists() {
        // A live daemon would answer; a dead one left its socket behind.
        if std::os::unix::net::UnixStream::connect(path).is_ok() {
            return Err(std::io::Error::new(
                std::io::ErrorKind::AddrInUse,
                format!("another daemon already answers on {}", path.display()),
            ));
        }
        std::fs::remove_file(path)?;
    }
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)?;
    }
    let listener = UnixListener::bind(path)?;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o660))?;
    Ok(listener)
}

/// Where the daemon listens: the configured socket, else `$RUNTIME_DIRECTORY/presswatch.sock`, else one in
/// the store directory.
pub fn path_for(cfg: &Config) -> PathBuf {
    if let Some(s) = &cfg.socket {
        return s.clone();
    }
    if let Some(dir) = std::env::var_os("RUNTIME_DIRECTORY").filter(|d| !d.is_empty()) {
        let first = dir.to_string_lossy().split(':').next().unwrap_or_default().to_string();
        return PathBuf::from(first).join(crate::client::SOCKET_NAME);
    }
    cfg.store_path.join(crate::client::SOCKET_NAME)
}

/// Reads one request line as the socket received it (without its line end): the JSON request, with a
/// follower's wait capped at [`MAX_WAIT`]. Pure, so that it can be fuzzed; the error is the answer to send.
pub fn parse_request(line: &[u8]) -> Result<Request, WireError> {
    if line.len() > MAX_LINE_BYTES {
        return Err(line_too_long());
    }
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    let mut request: Request = serde_json::from_slice(line)
        .map_err(|e| WireError { kind: "bad_argument".into(), message: format!("bad request: {e}") })?;
    if let Request::WaitEvents { wait_ms, .. } = &mut request {
        *wait_ms = (*wait_ms).min(MAX_WAIT.as_millis() as u64);
    }
    Ok(request)
}

fn line_too_long() -> WireError {
    WireError {
        kind: "bad_argument".into(),
        message: format!("request line longer than {MAX_LINE_BYTES} bytes: refused, and the connection closed"),
    }
}

/// Serves connections until the task is aborted; aborting it also ends every connection it serves.
pub async fn serve(listener: UnixListener, store: Store, config: Arc<RwLock<Arc<Config>>>) {
    let mut connections = tokio::task::JoinSet::new();
    let mut backoff = ACCEPT_BACKOFF_MIN;
    let mut failed_accepts = 0u64;
    let mut warned_full = false;
    loop {
        let accepted = listener.accept().await;
        while connections.try_join_next().is_some() {}
        let stream = match accepted {
            Ok((stream, _)) => stream,
            Err(e) => {
                if failed_accepts == 0 {
                    tracing::warn!(error = %e, "cannot accept query connections; retrying with a growing pause");
                }
                failed_accepts += 1;
                tokio::time::sleep(backoff).await;
                backoff = (backoff * 2).min(ACCEPT_BACKOFF_MAX);
                continue;
            }
        };
        if failed_accepts > 0 {
            tracing::info!(failed = failed_accepts, "accepting query connections again");
            failed_accepts = 0;
            backoff = ACCEPT_BACKOFF_MIN;
        }
        if connections.len() >= MAX_CONNECTIONS {
            if !warned_full {
                tracing::warn!(max = MAX_CONNECTIONS, "query socket full: refusing connections as busy");
                warned_full = true;
            }
            refuse_busy(stream);
            continue;
        }
        warned_full = false;
        let (store, config) = (store.clone(), config.clone());
        connections.spawn(async move {
            if let Err(e) = handle(stream, store, config).await {
                tracing::debug!(error = %e, "query connection ended with an error");
            }
        });
    }
}

/// Tells a connection beyond the cap that the daemon is busy, without waiting: a fresh socket's buffer has
/// room for one short line, and if it has not, the client learns it from the closed connection. Written on
/// the plain (non-blocking) socket: tokio's `try_write` refuses until the reactor has seen the socket ready.
fn refuse_busy(stream: UnixStream) {
    use std::io::Write;
    let error = WireError {
        kind: "busy".into(),
        message: format!("the daemon is serving {MAX_CONNECTIONS} query connections already; try again"),
    };
    if let Ok(stream) = stream.into_std() {
        let _ = (&stream).write(&reply_line(&serde_json::json!({ "error": error })));
    }
}

/// What came in on a connection.
enum Incoming {
    Line(Vec<u8>),
    TooLong,
    Idle,
    Closed,
}

/// Reads the next request line, at most [`MAX_LINE_BYTES`] of it, within [`IDLE_TIMEOUT`].
async fn next_line(reader: &mut BufReader<OwnedReadHalf>) -> std::io::Result<Incoming> {
    let mut buf = Vec::new();
    let mut limited = (&mut *reader).take(MAX_LINE_BYTES as u64 + 1);
    let read = limited.read_until(b'\n', &mut buf);
    let n = match tokio::time::timeout(IDLE_TIMEOUT, read).await {
        Err(_) => return Ok(Incoming::Idle),
        Ok(n) => n?,
    };
    if n == 0 {
        return Ok(Incoming::Closed);
    }
    if buf.last() == Some(&b'\n') {
        buf.pop();
    } else if buf.len() > MAX_LINE_BYTES {
        return Ok(Incoming::TooLong);
    }
    Ok(Incoming::Line(buf))
}

fn reply_line(value: &serde_json::Value) -> Vec<u8> {
    let mut bytes = serde_json::to_vec(value).unwrap_or_default();
    bytes.push(b'\n');
    bytes
}

/// Writes `bytes` within [`WRITE_TIMEOUT`].
async fn send(write: &mut OwnedWriteHalf, bytes: &[u8]) -> std::io::Result<()> {
    match tokio::time::timeout(WRITE_TIMEOUT, write.write_all(bytes)).await {
        Ok(result) => result,
        Err(_) => Err(std::io::Error::new(std::io::ErrorKind::TimedOut, "the client stopped reading its answer")),
    }
}

async fn handle(stream: UnixStream, store: Store, config: Arc<RwLock<Arc<Config>>>) -> std::io::Result<()> {
    let (read, mut write) = stream.into_split();
    let mut reader = BufReader::new(read);
    loop {
        let line = match next_line(&mut reader).await? {
            Incoming::Line(line) => line,
            Incoming::Closed => return Ok(()),
            Incoming::TooLong => {
                let reply = serde_json::json!({ "error": line_too_long() });
                return send(&mut write, &reply_line(&reply)).await;
            }
            Incoming::Idle => {
                let error = WireError {
                    kind: "timeout".into(),
                    message: format!("no request line within {IDLE_TIMEOUT:?}: connection closed"),
                };
                return send(&mut write, &reply_line(&serde_json::json!({ "error": error }))).await;
            }
        };
        let reply = match parse_request(&line) {
            Err(error) => serde_json::json!({ "error": error }),
            Ok(Request::Export) => {
                stream_export(&store, &mut write).await?;
                continue;
            }
            Ok(Request::WaitEvents { after_seq, wait_ms }) => {
                answer_value(follow(&store, &config, after_seq, Duration::from_millis(wait_ms)).await)
            }
            Ok(request) => answer_value(run_query(&store, &config, request).await),
        };
        send(&mut write, &reply_line(&reply)).await?;
    }
}

type QueryResult = Result<Result<Answer, query::QueryError>, tokio::task::JoinError>;

/// Runs one query on the blocking pool (the store is synchronous).
async fn run_query(store: &Store, config: &Arc<RwLock<Arc<Config>>>, request: Request) -> QueryResult {
    let store = store.clone();
    let cfg = config.read().expect("config lock").clone();
    tokio::task::spawn_blocking(move || query::answer(&store, Some(&cfg), &request)).await
}

/// A follower's wait: slices of at most [`FOLLOW_SLICE`] until an event comes or `wait` has passed. Between
/// slices the task holds no thread, so aborting it (at shutdown) leaves at most one slice to run out.
async fn follow(store: &Store, config: &Arc<RwLock<Arc<Config>>>, after_seq: u64, wait: Duration) -> QueryResult {
    let deadline = Instant::now() + wait;
    loop {
        let slice = deadline.saturating_duration_since(Instant::now()).min(FOLLOW_SLICE);
        let request = Request::WaitEvents { after_seq, wait_ms: slice.as_millis() as u64 };
        let result = run_query(store, config, request).await;
        let waiting = matches!(&result, Ok(Ok(Answer::Events(found))) if found.is_empty());
        if !waiting || Instant::now() >= deadline {
            return result;
        }
    }
}

fn answer_value(result: QueryResult) -> serde_json::Value {
    match result {
        Ok(Ok(a)) => serde_json::to_value(&a)
            .unwrap_or_else(|e| serde_json::json!({"error": {"kind": "store", "message": e.to_string()}})),
        Ok(Err(e)) => serde_json::json!({ "error": WireError::from(&e) }),
        Err(e) => serde_json::json!({"error": {"kind": "store", "message": format!("query crashed: {e}")}}),
    }
}

/// Streams the store's export: one record a line, then `{"end":true,"records":N}`. The store is read in the
/// blocking pool and handed over through a bounded channel, so a large store is never held in memory.
async fn stream_export(store: &Store, write: &mut OwnedWriteHalf) -> std::io::Result<()> {
    let (tx, mut rx) = tokio::sync::mpsc::channel::<Vec<u8>>(256);
    let store = store.clone();
    let producer = tokio::task::spawn_blocking(move || {
        store.export(|record| {
            let mut line = serde_json::to_vec(record).map_err(std::io::Error::other)?;
            line.push(b'\n');
            tx.blocking_send(line).map_err(|_| std::io::Error::other("client went away"))
        })
    });
    while let Some(line) = rx.recv().await {
        send(write, &line).await?;
    }
    let end = match producer.await {
        Ok(Ok(n)) => serde_json::json!({"end": true, "records": n}),
        Ok(Err(e)) => serde_json::json!({"error": {"kind": "store", "message": e.to_string()}}),
        Err(e) => serde_json::json!({"error": {"kind": "store", "message": format!("export crashed: {e}")}}),
    };
    send(write, &reply_line(&end)).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_request_line_parses_and_a_followers_wait_is_capped() {
        let r = parse_request(br#"{"query":"wait_events","after_seq":7,"wait_ms":99999999}"#).unwrap();
        assert!(matches!(r, Request::WaitEvents { after_seq: 7, wait_ms: 30_000 }), "{r:?}");
        let r = parse_request(b"{\"query\":\"show\",\"target\":\"12\"}\r").unwrap();
        assert!(matches!(r, Request::Show { target } if target == "12"));
    }

    #[test]
    fn a_bad_or_long_line_is_an_error_that_says_why() {
        let e = parse_request(b"{\"query\":\"nonsense\"}").unwrap_err();
        assert_eq!(e.kind, "bad_argument");
        assert!(e.message.starts_with("bad request: unknown variant `nonsense`"), "{}", e.message);
        let e = parse_request(b"\xff\xfe").unwrap_err();
        assert!(e.message.starts_with("bad request: "), "{}", e.message);
        let long = vec![b' '; MAX_LINE_BYTES + 1];
        assert_eq!(
            parse_request(&long).unwrap_err().message,
            "request line longer than 65536 bytes: refused, and the connection closed"
        );
    }
}
