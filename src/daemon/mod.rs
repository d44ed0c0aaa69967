//! `presswatch run`: the long-running daemon.
//!
//! One loop: sleep until the next feed, queued page or re-check is due (or a signal arrives, or `recheck` makes
//! one due), run a pass over what is due, read back each feed's next due time (the pass wrote it: interval,
//! backoff, Retry-After), repeat. Two passes start at least a second apart, whatever is due.
//! Beside it: the query socket, and a watchdog ticker that pings systemd only while the loop makes progress.
//! SIGTERM/SIGINT stop it (work in flight gets 10 s), SIGHUP reloads the configuration.

mod http;
pub mod notify;
pub mod socket;

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, RwLock};
use std::time::Duration;

use chrono::{DateTime, Utc};
use tokio::signal::unix::{signal, SignalKind};

use crate::config::{Config, FeedConfig};
use crate::crawl::{jitter_fraction, Crawler, PassMode};
use crate::store::Store;

/// How long work in flight may take to finish after SIGTERM.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(10);
/// First polls after a start are spread over this much (or the feed's interval, if shorter).
const FIRST_POLL_SPREAD: Duration = Duration::from_secs(60);
/// The loop wakes at least this often even with nothing due, to notice a new day and keep the watchdog fed.
const MAX_SLEEP: Duration = Duration::from_secs(60);
/// Two passes start at least this far apart: work that stays due (a re-check that cannot be done) must not
/// turn the loop into a busy one.
const MIN_PASS_GAP: Duration = Duration::from_secs(1);

/// When each configured feed is next due.
struct Schedule {
    due: HashMap<String, DateTime<Utc>>,
}

fn spread(feed: &FeedConfig) -> chrono::Duration {
    let window = feed.interval.min(FIRST_POLL_SPREAD);
    chrono::Duration::from_std(window.mul_f64(jitter_fraction(&feed.name))).unwrap_or_default()
}

impl Schedule {
    /// Due times from the store (they survive restarts); a feed never polled is spread over the first minute.
    fn new(config: &Config, store: &Store, now: DateTime<Utc>) -> Schedule {
        let mut s = Schedule { due: HashMap::new() };
        s.sync(config, store, now);
        s
    }

    /// Follows a new configuration: new feeds are added, removed ones dropped, known ones keep their time.
    fn sync(&mut self, config: &Config, store: &Store, now: DateTime<Utc>) {
        self.due.retain(|name, _| config.feeds.iter().any(|f| &f.name == name));
        for f in &config.feeds {
            if self.due.contains_key(&f.name) {
                continue;
            }
            let stored = store.feed_state(&f.name).ok().flatten().filter(|s| s.url == f.url.as_str());
            let due = stored.and_then(|s| s.next_due).unwrap_or_else(|| now + spread(f));
            self.due.insert(f.name.clone(), due);
        }
    }

    fn due_now<'a>(&self, config: &'a Config, now: DateTime<Utc>) -> Vec<FeedConfig> {
        let due: Vec<&'a FeedConfig> =
            config.feeds.iter().filter(|f| self.due.get(&f.name).is_some_and(|d| *d <= now)).collect();
        due.into_iter().cloned().collect()
    }

    fn next(&self) -> Option<DateTime<Utc>> {
        self.due.values().min().copied()
    }

    /// After a pass, each polled feed's next due time is what the pass stored.
    fn update(&mut self, polled: &[FeedConfig], store: &Store, now: DateTime<Utc>) {
        for f in polled {
            let next = store
                .feed_state(&f.name)
                .ok()
                .flatten()
                .and_then(|s| s.next_due)
                .unwrap_or_else(|| now + chrono::Duration::from_std(f.interval).unwrap_or_default());
            self.due.insert(f.name.clone(), next);
        }
    }
}

/// Re-plans the re-checks of articles whose schedule changed, off the async workers.
async fn replan(crawler: &Crawler) {
    let c = crawler.clone();
    if let Err(e) = tokio::task::spawn_blocking(move || c.replan()).await {
        tracing::error!(error = %e, "re-planning the re-checks crashed");
    }
}

/// A second SIGTERM/SIGINT: flush what is stored (sled is crash-safe without it; this only saves recovery
/// work) and leave at once.
fn exit_now(store: &Store) -> ! {
    tracing::warn!(event = "daemon.stopped", "second signal: exiting at once");
    let _ = store.flush();
    std::process::exit(130);
}

fn now_ms() -> i64 {
    Utc::now().timestamp_millis()
}

/// Runs the daemon until SIGTERM or SIGINT.
pub async fn run(config_path: PathBuf, config: Config) -> anyhow::Result<()> {
    let notifier = Arc::new(notify::Notifier::from_env());
    // A query process may hold the store for a moment.
    let store = Store::open_waiting(&config.store_path, Duration::from_secs(10))?;
    let mut config = Arc::new(config);
    let shared_config = Arc::new(RwLock::new(config.clone()));

    let socket_path = socket::path_for(&config);
    let listener = socket::bind(&socket_path)
        .map_err(|e| anyhow::anyhow!("cannot listen on the query socket {}: {e}", socket_path.display()))?;
    let pointer = config.store_path.join(crate::client::POINTER_FILE);
    let pointer_json = serde_json::json!({"pid": std::process::id(), "socket": socket_path});
    if let Err(e) = std::fs::write(&pointer, pointer_json.to_string()) {
        tracing::warn!(error = %e, file = %pointer.display(), "cannot write the daemon pointer file");
    }
    let server = tokio::spawn(socket::serve(listener, store.clone(), shared_config.clone()));

    let progress = Arc::new(AtomicI64::new(now_ms()));
    // Sink cursors before the first pass, so a sink configured from the start gets its events; delivery runs
    // beside the poll loop, one task per sink, and is restarted with the sinks of a reloaded config.
    crate::sink::init_all(&config.sinks, &store);
    let mut crawler = Crawler::new(config.clone(), store.clone())?.with_progress(progress.clone());
    crawler.log_unlogged_events();
    replan(&crawler).await;
    crate::crawl::log_shard(&config);
    let mut sink_tasks = crate::sink::spawn_all(&config.sinks, &store);
    let mut schedule = Schedule::new(&config, &store, Utc::now());

    let watchdog = notify::watchdog_interval().map(|every| {
        let notifier = notifier.clone();
        let progress = progress.clone();
        tokio::spawn(async move {
            // A loop that has not moved for three ping intervals is stuck: stop pinging, let systemd restart us.
            let stale_ms = (every * 3).as_millis() as i64;
            loop {
                tokio::time::sleep(every).await;
                if now_ms() - progress.load(Ordering::Relaxed) < stale_ms {
                    notifier.watchdog();
                }
            }
        })
    });

    // The loop wakes at least every MAX_SLEEP; three of those without progress is a stall.
    let stale_after_ms = (MAX_SLEEP * 3).as_millis() as i64;
    let metrics_server = match config.http_listen {
        Some(addr) => {
            let listener = tokio::net::TcpListener::bind(addr)
                .await
                .map_err(|e| anyhow::anyhow!("cannot listen on [http] listen = \"{addr}\": {e}"))?;
            tracing::info!(listen = %addr, web = %format!("http://{addr}/"), "serving the web view, /metrics and /healthz");
            let app = http::app(store.clone(), shared_config.clone(), progress.clone(), stale_after_ms);
            Some(tokio::spawn(http::serve(listener, app)))
        }
        None => None,
    };

    let mut sigterm = signal(SignalKind::terminate())?;
    let mut sigint = signal(SignalKind::interrupt())?;
    let mut sighup = signal(SignalKind::hangup())?;

    let status = |store: &Store, schedule: &Schedule| {
        let next = schedule.next().map(|n| (n - Utc::now()).num_seconds().max(0)).unwrap_or(-1);
        format!("{} feeds, {} articles; next poll in {}s", schedule.due.len(), store.article_count(), next)
    };
    notifier.ready(&status(&store, &schedule));
    tracing::info!(
        event = "daemon.ready",
        feeds = config.feeds.len(),
        articles = store.article_count(),
        socket = %socket_path.display(),
        store = %config.store_path.display(),
        "presswatch is running"
    );

    let mut reload_pending = false;
    let mut last_pass: Option<std::time::Instant> = None;
    'main: loop {
        progress.store(now_ms(), Ordering::Relaxed);
        if reload_pending {
            reload_pending = false;
            match Config::load(&config_path) {
                Ok(new) => match crawler.reconfigured(Arc::new(new.clone())) {
                    Ok(c) => {
                        config = Arc::new(new);
                        *shared_config.write().expect("config lock") = config.clone();
                        crawler = c;
                        replan(&crawler).await;
                        schedule.sync(&config, &store, Utc::now());
                        for t in sink_tasks.drain(..) {
                            t.abort();
                        }
                        crate::sink::init_all(&config.sinks, &store);
                        sink_tasks = crate::sink::spawn_all(&config.sinks, &store);
                        crate::crawl::log_shard(&config);
                        tracing::info!(event = "config.reloaded", feeds = config.feeds.len(), "configuration reloaded");
                    }
                    Err(e) => {
                        tracing::error!(event = "config.error", error = %e, "reload refused; the old configuration stays in force")
                    }
                },
                Err(e) => {
                    tracing::error!(event = "config.error", error = %e, "reload refused; the old configuration stays in force")
                }
            }
        }

        let now = Utc::now();
        let due = schedule.due_now(&config, now);
        let next_recheck = store.next_recheck_time().ok().flatten();
        let next_job = store.next_job_time().ok().flatten();
        let work_due = [next_recheck, next_job].iter().flatten().any(|t| *t <= now);
        let gap_left = last_pass.map(|t| MIN_PASS_GAP.saturating_sub(t.elapsed())).unwrap_or_default();
        if (!due.is_empty() || work_due) && gap_left.is_zero() {
            last_pass = Some(std::time::Instant::now());
            let pass = crawler.pass(&due, PassMode::Daemon);
            tokio::pin!(pass);
            loop {
                let stop = tokio::select! {
                    _ = &mut pass => break,
                    _ = sighup.recv() => { reload_pending = true; false }
                    _ = sigterm.recv() => true,
                    _ = sigint.recv() => true,
                };
                if stop {
                    // Let the pass finish within the grace period; a second signal exits at once.
                    tracing::info!(event = "daemon.stopping", "stopping: letting work in flight finish");
                    tokio::select! {
                        _ = tokio::time::timeout(SHUTDOWN_GRACE, &mut pass) => {}
                        _ = sigterm.recv() => exit_now(&store),
                        _ = sigint.recv() => exit_now(&store),
                    }
                    break 'main;
                }
            }
            schedule.update(&due, &store, Utc::now());
            notifier.status(&status(&store, &schedule));
            continue;
        }

        let mut wake = schedule.next().unwrap_or(now + chrono::Duration::from_std(MAX_SLEEP).unwrap_or_default());
        for t in [next_recheck, next_job].into_iter().flatten() {
            wake = wake.min(t);
        }
        let sleep = (wake - now).to_std().unwrap_or_default().max(gap_left).min(MAX_SLEEP);
        // `presswatch recheck` makes a re-check due through the socket: wake for it.
        let mut forced = store.watch_rechecks();
        tokio::select! {
            _ = tokio::time::sleep(sleep) => {}
            _ = &mut forced => {}
            _ = sighup.recv() => reload_pending = true,
            _ = sigterm.recv() => break 'main,
            _ = sigint.recv() => break 'main,
        }
    }

    // Shutdown. Work in flight was dropped with the pass future; observations already stored are complete
    // (each is one transaction), and page tasks still running in the blocking pool finish on their own.
    notifier.stopping();
    tracing::info!(event = "daemon.stopping", "stopping");
    let second_signal = async {
        tokio::select! {
            _ = sigterm.recv() => {},
            _ = sigint.recv() => {},
        }
    };
    let flush = {
        let store = store.clone();
        tokio::task::spawn_blocking(move || store.flush())
    };
    tokio::select! {
        _ = tokio::time::timeout(SHUTDOWN_GRACE, flush) => {}
        _ = second_signal => exit_now(&store),
    }
    // Ends the query connections too; a follower's wait ends within socket::FOLLOW_SLICE.
    server.abort();
    // A delivery in flight is abandoned: its event stays after the cursor and goes out, with the same id, next time.
    for t in sink_tasks {
        t.abort();
    }
    for task in [watchdog, metrics_server].into_iter().flatten() {
        task.abort();
    }
    let _ = std::fs::remove_file(&socket_path);
    let _ = std::fs::remove_file(&pointer);
    tracing::info!(event = "daemon.stopped", "stopped");
    Ok(())
}
