//! Logging setup: JSON lines (as tracing-subscriber's JSON formatter writes them, fields flattened so that
//! `jq 'select(.event == "article.new")'` works) or a pretty format for terminals.

use std::io::IsTerminal;

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
            .with_writer(std::io::stdout)
            .try_init(),
        (LogFormat::Json, Target::Stderr) => builder
            .json()
            .flatten_event(true)
            .with_current_span(false)
            .with_span_list(false)
            .with_writer(std::io::stderr)
            .try_init(),
        (LogFormat::Pretty, Target::Stdout) => builder.with_writer(std::io::stdout).try_init(),
        (LogFormat::Pretty, Target::Stderr) => builder.with_writer(std::io::stderr).try_init(),
    };
    // A second init (tests) keeps the first subscriber.
    let _ = result;
}

/// Writes a stored event to the log as one structured line that `jq` can select on `.event`. This is the
/// logged shape; the stored one is `store::EventRecord` and the printed one `view::EventView`.
pub fn event(ev: &crate::store::EventRecord) {
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
