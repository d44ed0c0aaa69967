//! The optional HTTP listener on `[http] listen`: `GET /metrics` (Prometheus text format), `GET /healthz`, and
//! the read-only web view (`crate::web`). axum routes, served connection by connection through hyper so that
//! every bound is ours: at most [`MAX_CONNECTIONS`] at once, a request head within [`HEADER_TIMEOUT`], a head of
//! at most [`MAX_HEAD`] bytes, and no connection older than [`CONNECTION_LIFETIME`].

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, RwLock};
use std::time::Duration;

use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::TcpListener;

use crate::config::Config;
use crate::store::Store;
use crate::web::{self, WebState};

const MAX_CONNECTIONS: usize = 64;
const HEADER_TIMEOUT: Duration = Duration::from_secs(10);
const CONNECTION_LIFETIME: Duration = Duration::from_secs(120);
const MAX_HEAD: usize = 64 * 1024;

#[derive(Clone)]
struct Health {
    store: Store,
    progress: Arc<AtomicI64>,
    stale_after_ms: i64,
}

/// Every route of the listener: /metrics, /healthz and the web view, each response with the security headers.
pub fn app(store: Store, config: Arc<RwLock<Arc<Config>>>, progress: Arc<AtomicI64>, stale_after_ms: i64) -> Router {
    let health = Health { store: store.clone(), progress, stale_after_ms };
    Router::new()
        .route("/metrics", get(metrics))
        .route("/healthz", get(healthz))
        .with_state(health)
        .merge(web::router(WebState { store, config }))
        .fallback(web::not_found)
        .layer(axum::middleware::map_response(web::security_headers))
}

/// Serves until the task is aborted.
pub async fn serve(listener: TcpListener, app: Router) {
    let slots = Arc::new(tokio::sync::Semaphore::new(MAX_CONNECTIONS));
    loop {
        let Ok(slot) = slots.clone().acquire_owned().await else { return };
        let stream = match listener.accept().await {
            Ok((stream, _)) => stream,
            Err(e) => {
                tracing::warn!(error = %e, "cannot accept an HTTP connection");
                tokio::time::sleep(Duration::from_millis(100)).await;
                continue;
            }
        };
        let service = hyper_util::service::TowerToHyperService::new(app.clone());
        tokio::spawn(async move {
            let conn = hyper::server::conn::http1::Builder::new()
                .timer(TokioTimer::new())
                .header_read_timeout(HEADER_TIMEOUT)
                .max_buf_size(MAX_HEAD)
                .serve_connection(TokioIo::new(stream), service);
            let _ = tokio::time::timeout(CONNECTION_LIFETIME, conn).await;
            drop(slot);
        });
    }
}

async fn metrics(State(h): State<Health>) -> Response {
    let s = h.store.clone();
    let (bytes, articles) =
        tokio::task::spawn_blocking(move || (s.size_on_disk().unwrap_or(0), s.article_count())).await.unwrap_or((0, 0));
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], crate::metrics::get().render(bytes, articles))
        .into_response()
}

async fn healthz(State(h): State<Health>) -> Response {
    let age = chrono::Utc::now().timestamp_millis() - h.progress.load(Ordering::Relaxed);
    if age < h.stale_after_ms {
        ([(header::CONTENT_TYPE, "text/plain")], "ok\n").into_response()
    } else {
        let body = format!("poll loop stalled for {} s\n", age / 1000);
        (StatusCode::SERVICE_UNAVAILABLE, [(header::CONTENT_TYPE, "text/plain")], body).into_response()
    }
}
