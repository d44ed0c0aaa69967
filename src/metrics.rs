//! Prometheus metrics, kept in process-wide atomics and rendered in the text exposition format by the
//! daemon's optional HTTP listener (`[http] listen`), beside `/healthz`. Hand-written: a handful of counters
//! and two histograms do not justify a metrics framework.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{LazyLock, Mutex};
use std::time::Duration;

/// Upper bounds (seconds) of the latency histograms' buckets.
const BUCKETS: [f64; 10] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0];

pub struct Histogram {
    counts: [AtomicU64; BUCKETS.len() + 1],
    sum_micros: AtomicU64,
}

impl Histogram {
    const fn new() -> Histogram {
        Histogram { counts: [const { AtomicU64::new(0) }; BUCKETS.len() + 1], sum_micros: AtomicU64::new(0) }
    }

    pub fn observe(&self, d: Duration) {
        let secs = d.as_secs_f64();
        let i = BUCKETS.iter().position(|b| secs <= *b).unwrap_or(BUCKETS.len());
        self.counts[i].fetch_add(1, Ordering::Relaxed);
        self.sum_micros.fetch_add(d.as_micros() as u64, Ordering::Relaxed);
    }

    fn render(&self, name: &str, help: &str, out: &mut String) {
        let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} histogram");
        let mut cumulative = 0;
        for (i, bound) in BUCKETS.iter().enumerate() {
            cumulative += self.counts[i].load(Ordering::Relaxed);
            let _ = writeln!(out, "{name}_bucket{{le=\"{bound}\"}} {cumulative}");
        }
        cumulative += self.counts[BUCKETS.len()].load(Ordering::Relaxed);
        let _ = writeln!(out, "{name}_bucket{{le=\"+Inf\"}} {cumulative}");
        let _ = writeln!(out, "{name}_sum {}", self.sum_micros.load(Ordering::Relaxed) as f64 / 1e6);
        let _ = writeln!(out, "{name}_count {cumulative}");
    }
}

/// Every metric presswatch keeps.
pub struct Metrics {
    pub feeds_ok: AtomicU64,
    pub feeds_not_modified: AtomicU64,
    pub feeds_failed: AtomicU64,
    /// HTTP responses by status class (index 1..=5), index 0 for requests that got no response.
    pub fetches: [AtomicU64; 6],
    pub articles_new: AtomicU64,
    pub articles_edited: AtomicU64,
    pub articles_duplicate: AtomicU64,
    pub articles_unchanged: AtomicU64,
    pub fetch_seconds: Histogram,
    pub extract_seconds: Histogram,
    /// Requests waiting for a per-host slot, by host.
    waiting: Mutex<BTreeMap<String, i64>>,
    /// Delivery counters by sink name.
    sinks: Mutex<BTreeMap<String, SinkCounters>>,
}

/// One sink's delivery counters.
#[derive(Debug, Default, Clone, Copy)]
pub struct SinkCounters {
    /// Events after the sink's cursor (a gauge).
    pub pending: u64,
    pub delivered: u64,
    pub failures: u64,
    pub dropped: u64,
}

static METRICS: LazyLock<Metrics> = LazyLock::new(|| Metrics {
    feeds_ok: AtomicU64::new(0),
    feeds_not_modified: AtomicU64::new(0),
    feeds_failed: AtomicU64::new(0),
    fetches: [const { AtomicU64::new(0) }; 6],
    articles_new: AtomicU64::new(0),
    articles_edited: AtomicU64::new(0),
    articles_duplicate: AtomicU64::new(0),
    articles_unchanged: AtomicU64::new(0),
    fetch_seconds: Histogram::new(),
    extract_seconds: Histogram::new(),
    waiting: Mutex::new(BTreeMap::new()),
    sinks: Mutex::new(BTreeMap::new()),
});

pub fn get() -> &'static Metrics {
    &METRICS
}

impl Metrics {
    pub fn fetch_done(&self, status: Option<u16>, took: Duration) {
        let class = status.map(|s| usize::from(s / 100).clamp(1, 5)).unwrap_or(0);
        self.fetches[class].fetch_add(1, Ordering::Relaxed);
        self.fetch_seconds.observe(took);
    }

    /// Adds `delta` to the number of requests waiting for `host`.
    pub fn host_waiting(&self, host: &str, delta: i64) {
        let mut w = self.waiting.lock().expect("metrics lock");
        let v = w.entry(host.to_string()).or_default();
        *v += delta;
        if *v == 0 {
            w.remove(host);
        }
    }

    /// Updates one sink's counters.
    pub fn sink(&self, name: &str, f: impl FnOnce(&mut SinkCounters)) {
        f(self.sinks.lock().expect("metrics lock").entry(name.to_string()).or_default());
    }

    /// The text exposition format. `store_bytes` and `articles` are read by the caller from the store.
    pub fn render(&self, store_bytes: u64, articles: usize) -> String {
        let mut out = String::new();
        let c = |v: &AtomicU64| v.load(Ordering::Relaxed);
        let _ = writeln!(
            out,
            "# HELP presswatch_feed_polls_total Feed polls by result.\n# TYPE presswatch_feed_polls_total counter"
        );
        for (result, v) in
            [("ok", &self.feeds_ok), ("not_modified", &self.feeds_not_modified), ("error", &self.feeds_failed)]
        {
            let _ = writeln!(out, "presswatch_feed_polls_total{{result=\"{result}\"}} {}", c(v));
        }
        let _ = writeln!(
            out,
            "# HELP presswatch_fetches_total HTTP fetches by status class.\n# TYPE presswatch_fetches_total counter"
        );
        for (i, class) in ["error", "1xx", "2xx", "3xx", "4xx", "5xx"].iter().enumerate() {
            let _ = writeln!(out, "presswatch_fetches_total{{class=\"{class}\"}} {}", c(&self.fetches[i]));
        }
        let _ = writeln!(
            out,
            "# HELP presswatch_articles_total Page observations by outcome.\n# TYPE presswatch_articles_total counter"
        );
        for (outcome, v) in [
            ("new", &self.articles_new),
            ("edited", &self.articles_edited),
            ("duplicate", &self.articles_duplicate),
            ("unchanged", &self.articles_unchanged),
        ] {
            let _ = writeln!(out, "presswatch_articles_total{{outcome=\"{outcome}\"}} {}", c(v));
        }
        self.fetch_seconds.render(
            "presswatch_fetch_seconds",
            "Time of one HTTP fetch, to the last body byte.",
            &mut out,
        );
        self.extract_seconds.render("presswatch_extract_seconds", "Time to decode and extract one page.", &mut out);
        let _ = writeln!(out, "# HELP presswatch_store_bytes Size of the store on disk.\n# TYPE presswatch_store_bytes gauge\npresswatch_store_bytes {store_bytes}");
        let _ = writeln!(out, "# HELP presswatch_stored_articles Articles in the store.\n# TYPE presswatch_stored_articles gauge\npresswatch_stored_articles {articles}");
        let _ = writeln!(
            out,
            "# HELP presswatch_host_queue Requests waiting for a per-host slot.\n# TYPE presswatch_host_queue gauge"
        );
        for (host, n) in self.waiting.lock().expect("metrics lock").iter() {
            let _ = writeln!(out, "presswatch_host_queue{{host=\"{}\"}} {n}", host.replace('"', ""));
        }
        let sinks = self.sinks.lock().expect("metrics lock");
        for (metric, kind, help, get) in [
            (
                "presswatch_sink_pending",
                "gauge",
                "Events waiting for a sink.",
                (|c: &SinkCounters| c.pending) as fn(&SinkCounters) -> u64,
            ),
            ("presswatch_sink_delivered_total", "counter", "Events a sink accepted.", |c| c.delivered),
            ("presswatch_sink_failures_total", "counter", "Failed delivery attempts.", |c| c.failures),
            ("presswatch_sink_dropped_total", "counter", "Events dropped unsent beyond max_pending.", |c| c.dropped),
        ] {
            let _ = writeln!(out, "# HELP {metric} {help}\n# TYPE {metric} {kind}");
            for (name, c) in sinks.iter() {
                let _ = writeln!(out, "{metric}{{sink=\"{}\"}} {}", name.replace('"', ""), get(c));
            }
        }
        out
    }
}
