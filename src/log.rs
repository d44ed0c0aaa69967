//! Logging setup: JSON lines (as tracing-subscriber's JSON formatter writes them, fields flattened so that
//! `jq 'select(.event == "article.new")'` works) or a pretty format for terminals.

use std::io::{IsTerminal, Write};
use std::sync::OnceLock;

use tracing_subscriber::EnvFilter;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum LogFormat {
    Json,
    Pretty,
}

/// Where logs go: the crawler logs to stdout (for journald); query commands print their answers on stdout,
/// so their logs go to stderr.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    Stdout,
    Stderr,
}

/// A progress bar on stdout (`once` on a terminal): log lines are written above it, not through it.
static PROGRESS: OnceLock<indicatif::ProgressBar> = OnceLock::new();

/// Routes stdout logs around `bar` from now on.
pub fn show_progress(bar: indicatif::ProgressBar) {
    let _ = PROGRESS.set(bar);
}

/// stdout, except that while a progress bar is shown each write clears it first and redraws it after.
struct Stdout;

impl Write for Stdout {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        match PROGRESS.get() {
            Some(bar) if !bar.is_finished() => bar.suspend(|| std::io::stdout().write(buf)),
            _ => std::io::stdout().write(buf),
        }
    }

    fn flush(&mut self) -> std::io::Result<()> {
        std::io::stdout().flush()
    }
}

/// Installs the global subscriber. `RUST_LOG` overrides `default_level`.
pub fn init(format: Option<LogFormat>, target: Target, default_level: &str) {
    let is_tty = match target {
        Target::Stdout => std::io::stdout().is_terminal(),
        Target::Stderr => std::io::stderr().is_terminal(),
    };
    let format = format.unwrap_or(if is_tty { LogFormat::Pretty } else { LogFormat::Json });
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(default_level));
    let builder = tracing_subscriber::fmt().with_env_filter(filter);
    let result = match (format, target) {
        (LogFormat::Json, Target::Stdout) => builder
            .json()
            .flatten_event(true)
            .with_current_span(false)
            .with_span_list(false)
            .with_writer(|| Stdout)
            .try_init(),
        (LogFormat::Json, Target::Stderr) => builder
            .json()
            .flatten_event(true)
            .with_current_span(false)
            .with_span_list(false)
            .with_writer(std::io::stderr)
            .try_init(),
        (LogFormat::Pretty, Target::Stdout) => builder.with_writer(|| Stdout).try_init(),
        (LogFormat::Pretty, Target::Stderr) => builder.with_writer(std::io::stderr).try_init(),
    };
    // A second init (tests) keeps the first subscriber.
    let _ = result;
}

/// Writes an event to the log as one structured line that `jq` can select on `.event`. This is the logged
/// shape; the stored one is `store::EventRecord` and the printed one `view::EventView` (in `event::Event`).
/// An edit's line carries its summary's significance as a field of its own and the whole summary as a JSON
/// string in `change` (the JSON formatter cannot nest objects).
pub fn event(event: &crate::event::Event) {
    let ev = &event.view;
    let feed = ev.feed.as_deref().unwrap_or("");
    let title = ev.title.as_deref().unwrap_or("");
    let hash = ev.content_hash.as_deref().unwrap_or("");
    match ev.event.as_str() {
        "article.new" => tracing::info!(
            event = "article.new",
            seq = ev.seq,
            id = ev.id,
            url = %ev.url,
            feed,
            title,
            content_hash = hash,
            "new article"
        ),
        // Without a summary (the versions could not be read: a damaged record) the edit is still logged; the
        // two summary fields are then left out of the line (tracing records nothing for a `None`).
        "article.edited" => tracing::info!(
            event = "article.edited",
            seq = ev.seq,
            id = ev.id,
            url = %ev.url,
            feed,
            title,
            content_hash = hash,
            previous_hash = ev.previous_hash.as_deref().unwrap_or(""),
            version = ev.version.unwrap_or(0),
            significance = event.change.as_ref().map(|c| c.significance.as_str()),
            change = event
                .change
                .as_ref()
                .map(|c| tracing::field::display(serde_json::to_string(c).expect("summaries serialise"))),
            "article edited"
        ),
        "article.duplicate" => tracing::info!(
            event = "article.duplicate",
            seq = ev.seq,
            id = ev.id,
            url = %ev.url,
            feed,
            alias_of = ev.alias_of.as_deref().unwrap_or(""),
            "known article under a new URL"
        ),
        "article.removed" => tracing::info!(
            event = "article.removed",
            seq = ev.seq,
            id = ev.id,
            url = %ev.url,
            feed,
            status = ev.status.unwrap_or(0),
            reason = ev.reason.as_deref().unwrap_or(""),
            "article removed"
        ),
        "article.restored" => {
            tracing::info!(event = "article.restored", seq = ev.seq, id = ev.id, url = %ev.url, feed, "article restored")
        }
        "article.redirected" => tracing::info!(
            event = "article.redirected",
            seq = ev.seq,
            id = ev.id,
            url = %ev.url,
            feed,
            to = ev.to.as_deref().unwrap_or(""),
            to_id = ev.to_id.unwrap_or(0),
            "article now redirects to another article"
        ),
        other => tracing::info!(event = other, seq = ev.seq, id = ev.id, url = %ev.url, "article event"),
    }
}
