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
