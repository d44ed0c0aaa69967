//! The daemon's query socket: one JSON request line in, one JSON answer line out, per connection.
//! Every request is answered by [`crate::query::answer`], the same code the CLI runs against a store it opens.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};

use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::{UnixListener, UnixStream};

use crate::config::Config;
use crate::query::{self, Request, WireError};
use crate::store::Store;

/// Longest a `--follow` request may wait for a new event before answering with none.
const MAX_WAIT_MS: u64 = 30_000;

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

/// Serves connections until the task is aborted.
pub async fn serve(listener: UnixListener, store: Store, config: Arc<RwLock<Arc<Config>>>) {
    loop {
        match listener.accept().await {
            Ok((stream, _)) => {
                let store = store.clone();
                let config = config.clone();
                tokio::spawn(async move {
                    if let Err(e) = handle(stream, store, config).await {
                        tracing::debug!(error = %e, "query connection ended with an error");
                    }
                });
            }
            Err(e) => {
                tracing::warn!(error = %e, "cannot accept a query connection");
                tokio::time::sleep(std::time::Duration::from_millis(100)).await;
            }
        }
    }
}

async fn handle(stream: UnixStream, store: Store, config: Arc<RwLock<Arc<Config>>>) -> std::io::Result<()> {
    let (read, mut write) = stream.into_split();
    let mut lines = BufReader::new(read).lines();
    while let Some(line) = lines.next_line().await? {
        let reply = match serde_json::from_str::<Request>(&line) {
            Err(e) => serde_json::json!({"error": {"kind": "bad_argument", "message": format!("bad request: {e}")}}),
            Ok(Request::Export) => {
                stream_export(&store, &mut write).await?;
                continue;
            }
            Ok(mut request) => {
                if let Request::WaitEvents { wait_ms, .. } = &mut request {
                    *wait_ms = (*wait_ms).min(MAX_WAIT_MS);
                }
                let store = store.clone();
                let cfg = config.read().expect("config lock").clone();
                let answer = tokio::task::spawn_blocking(move || query::answer(&store, Some(&cfg), &request)).await;
                match answer {
                    Ok(Ok(a)) => serde_json::to_value(&a)
                        .unwrap_or_else(|e| serde_json::json!({"error": {"kind": "store", "message": e.to_string()}})),
                    Ok(Err(e)) => serde_json::json!({ "error": WireError::from(&e) }),
                    Err(e) => serde_json::json!({"error": {"kind": "store", "message": format!("query crashed: {e}")}}),
                }
            }
        };
        let mut bytes = serde_json::to_vec(&reply).unwrap_or_default();
        bytes.push(b'\n');
        write.write_all(&bytes).await?;
    }
    Ok(())
}

/// Streams the store's export: one record a line, then `{"end":true,"records":N}`. The store is read in the
/// blocking pool and handed over through a bounded channel, so a large store is never held in memory.
async fn stream_export(store: &Store, write: &mut tokio::net::unix::OwnedWriteHalf) -> std::io::Result<()> {
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
        write.write_all(&line).await?;
    }
    let end = match producer.await {
        Ok(Ok(n)) => serde_json::json!({"end": true, "records": n}),
        Ok(Err(e)) => serde_json::json!({"error": {"kind": "store", "message": e.to_string()}}),
        Err(e) => serde_json::json!({"error": {"kind": "store", "message": format!("export crashed: {e}")}}),
    };
    let mut bytes = serde_json::to_vec(&end).unwrap_or_default();
    bytes.push(b'\n');
    write.write_all(&bytes).await
}
