//! The optional HTTP listener: `GET /metrics` (Prometheus text format) and `GET /healthz`. Minimal HTTP/1.1 by
//! hand: two fixed routes on a loopback address do not need a web framework.

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

use crate::store::Store;

/// Serves until the task is aborted. `progress` is the poll loop's clock: /healthz fails when it is stale.
pub async fn serve(listener: TcpListener, store: Store, progress: Arc<AtomicI64>, stale_after_ms: i64) {
    loop {
        let Ok((stream, _)) = listener.accept().await else { continue };
        let (store, progress) = (store.clone(), progress.clone());
        tokio::spawn(async move {
            let _ = handle(stream, store, progress, stale_after_ms).await;
        });
    }
}

async fn handle(
    mut stream: TcpStream,
    store: Store,
    progress: Arc<AtomicI64>,
    stale_after_ms: i64,
) -> std::io::Result<()> {
    let mut buf = vec![0u8; 4096];
    let n = tokio::time::timeout(std::time::Duration::from_secs(5), stream.read(&mut buf)).await.unwrap_or(Ok(0))?;
    let head = String::from_utf8_lossy(&buf[..n]);
    let path = head.split_whitespace().nth(1).unwrap_or("/");
    let (status, content_type, body) = match path {
        "/metrics" => {
            let s = store.clone();
            let (bytes, articles) =
                tokio::task::spawn_blocking(move || (s.size_on_disk().unwrap_or(0), s.article_count()))
                    .await
                    .unwrap_or((0, 0));
            ("200 OK", "text/plain; version=0.0.4", crate::metrics::get().render(bytes, articles))
        }
        "/healthz" => {
            let age = chrono::Utc::now().timestamp_millis() - progress.load(Ordering::Relaxed);
            if age < stale_after_ms {
                ("200 OK", "text/plain", "ok\n".to_string())
            } else {
                ("503 Service Unavailable", "text/plain", format!("poll loop stalled for {} s\n", age / 1000))
            }
        }
        _ => ("404 Not Found", "text/plain", "not found: try /metrics or /healthz\n".to_string()),
    };
    let response = format!(
        "HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(response.as_bytes()).await?;
    stream.shutdown().await
}
