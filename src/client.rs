//! The CLI side of the daemon's query socket: one JSON request line, one JSON answer line.
//!
//! sled lets only one process open a store, so while `presswatch run` holds it, query subcommands ask the
//! daemon; when no daemon answers they open the store themselves. Both paths end in [`crate::query::answer`].

use std::io::{BufRead, BufReader, Write};
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::config::Config;
use crate::query::{Answer, QueryError, Request, WireError};

/// The file in the store directory where a running daemon writes its socket's path.
pub const POINTER_FILE: &str = "daemon.json";
/// The socket's name when no other place is given.
pub const SOCKET_NAME: &str = "presswatch.sock";

/// Where a daemon for this configuration may be listening, most specific first.
pub fn socket_candidates(cfg: &Config) -> Vec<PathBuf> {
    let mut out = Vec::new();
    if let Some(s) = &cfg.socket {
        out.push(s.clone());
    }
    if let Ok(text) = std::fs::read_to_string(cfg.store_path.join(POINTER_FILE)) {
        if let Ok(v) = serde_json::from_str::<serde_json::Value>(&text) {
            if let Some(s) = v.get("socket").and_then(|s| s.as_str()) {
                out.push(PathBuf::from(s));
            }
        }
    }
    // Not a fixed place such as /run/presswatch: a daemon there may hold another store than this config's.
    out.push(cfg.store_path.join(SOCKET_NAME));
    out.dedup();
    out
}

/// Connects to the first candidate socket that accepts a connection.
pub fn connect(cfg: &Config) -> Option<UnixStream> {
    socket_candidates(cfg).iter().find_map(|p| UnixStream::connect(p).ok())
}

#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    #[error("the daemon's socket failed: {0}")]
    Io(#[from] std::io::Error),
    #[error("the daemon sent an answer we cannot read: {0}")]
    Protocol(String),
    /// The daemon serves as many connections as it will ([`crate::daemon::socket::MAX_CONNECTIONS`]).
    #[error("{0}")]
    Busy(String),
    #[error(transparent)]
    Query(QueryError),
}

/// Sends one request over a connected socket and reads the answer.
pub fn ask(stream: &mut UnixStream, request: &Request, timeout: Duration) -> Result<Answer, ClientError> {
    stream.set_read_timeout(Some(timeout))?;
    let mut line = serde_json::to_vec(request).map_err(|e| ClientError::Protocol(e.to_string()))?;
    line.push(b'\n');
    // A daemon that refuses the connection (busy) may have answered and closed it before our line is out:
    // read its answer even when the write failed.
    let sent = stream.write_all(&line).and_then(|_| stream.flush());
    let mut reader = BufReader::new(&*stream);
    let mut reply = String::new();
    let read = reader.read_line(&mut reply);
    if reply.is_empty() {
        sent?;
        read?;
        return Err(ClientError::Protocol("the daemon closed the connection without an answer".into()));
    }
    let value: serde_json::Value = serde_json::from_str(&reply).map_err(|e| ClientError::Protocol(e.to_string()))?;
    if let Some(err) = value.get("error") {
        let err: WireError = serde_json::from_value(err.clone()).map_err(|e| ClientError::Protocol(e.to_string()))?;
        if err.kind == "busy" {
            return Err(ClientError::Busy(err.message));
        }
        return Err(ClientError::Query(err.into()));
    }
    serde_json::from_value(value).map_err(|e| ClientError::Protocol(e.to_string()))
}

/// Asks the daemon at `path` (a fresh connection per request).
pub fn ask_at(path: &Path, request: &Request, timeout: Duration) -> Result<Answer, ClientError> {
    let mut stream = UnixStream::connect(path)?;
    ask(&mut stream, request, timeout)
}

/// Runs `export` through the daemon: copies every record line to `out` until the end marker.
pub fn export(stream: &mut UnixStream, out: &mut impl Write) -> Result<u64, ClientError> {
    stream.set_read_timeout(Some(Duration::from_secs(300)))?;
    let mut line = serde_json::to_vec(&Request::Export).map_err(|e| ClientError::Protocol(e.to_string()))?;
    line.push(b'\n');
    stream.write_all(&line)?;
    let mut reader = BufReader::new(&*stream);
    let mut buf = String::new();
    loop {
        buf.clear();
        if reader.read_line(&mut buf)? == 0 {
            return Err(ClientError::Protocol("the daemon closed the connection before the end of the export".into()));
        }
        if buf.starts_with("{\"end\"") {
            let v: serde_json::Value = serde_json::from_str(&buf).map_err(|e| ClientError::Protocol(e.to_string()))?;
            return Ok(v.get("records").and_then(|n| n.as_u64()).unwrap_or(0));
        }
        if buf.starts_with("{\"error\"") {
            return Err(ClientError::Protocol(buf.trim().to_string()));
        }
        out.write_all(buf.as_bytes())?;
    }
}
