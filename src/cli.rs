//! Command-line parsing only; the work is done in the library modules.

use std::path::PathBuf;

use clap::{Parser, Subcommand};

use crate::log::LogFormat;

#[derive(Debug, Parser)]
#[command(
    name = "presswatch",
    version,
    about = "News-feed crawler and change monitor: every article, every version, every silent edit."
)]
pub struct Cli {
    /// The TOML configuration [default: $PRESSWATCH_CONFIG, else /etc/presswatch/presswatch.toml, else config/presswatch.toml]
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,

    /// Log format [default: json when stdout is not a terminal, pretty when it is]
    #[arg(long, global = true, value_enum)]
    pub log_format: Option<LogFormat>,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// The daemon: poll every feed on its schedule until SIGTERM/SIGINT; SIGHUP reloads the configuration.
    Run,
    /// One full pass: poll every feed once, fetch new items, re-check due articles, then exit.
    Once,
    /// Every configured feed with its state.
    Feeds {
        #[arg(long)]
        json: bool,
    },
    /// Stored articles, newest first.
    Articles {
        /// Only articles from this feed.
        #[arg(long)]
        feed: Option<String>,
        /// Only articles first seen or changed since WHEN (a duration such as 2h, or an RFC 3339 time).
        #[arg(long, value_name = "WHEN")]
        since: Option<String>,
        /// Only articles with more than one version.
        #[arg(long)]
        edited: bool,
        #[arg(long, value_name = "N")]
        limit: Option<usize>,
        #[arg(long)]
        json: bool,
    },
    /// One article: its metadata and the text of its latest version.
    Show {
        #[arg(value_name = "ID|URL")]
        target: String,
        #[arg(long)]
        json: bool,
    },
    /// Every stored version of one article, oldest first.
    History {
        #[arg(value_name = "ID|URL")]
        target: String,
        #[arg(long)]
        json: bool,
    },
    /// A unified diff of the text of two versions (default: the last two).
    Diff {
        #[arg(value_name = "ID|URL")]
        target: String,
        #[arg(long, value_name = "N")]
        from: Option<u32>,
        #[arg(long, value_name = "M")]
        to: Option<u32>,
        /// A plain unified diff, without the [-old-]{+new+} marks inside changed lines.
        #[arg(long)]
        plain: bool,
    },
    /// The durable event log, oldest first.
    Events {
        #[arg(long, value_name = "WHEN")]
        since: Option<String>,
        /// Keep waiting for new events.
        #[arg(long)]
        follow: bool,
        #[arg(long)]
        json: bool,
    },
    /// Re-check one article at the next pass (the daemon's next poll, or the next `once`).
    Recheck {
        #[arg(value_name = "ID|URL")]
        target: String,
        #[arg(long)]
        json: bool,
    },
    /// Extract every kept page again with the current extractor and noise rules, rewriting stored versions
    /// in place without events (after an upgrade or a change of `drop` / `ignore_lines`).
    Reextract {
        /// Only the articles of this feed.
        #[arg(long, value_name = "NAME")]
        feed: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// Every record in the store as JSON lines (a backup; works while the daemon runs).
    Export {
        /// Write to FILE instead of stdout.
        #[arg(long, short, value_name = "FILE")]
        output: Option<PathBuf>,
    },
    /// Load an export into an empty store (the configured store path).
    Import {
        /// The export file; `-` reads stdin.
        #[arg(value_name = "FILE")]
        input: PathBuf,
    },
    /// Run the article extractor on local HTML files: no network, no store.
    Extract {
        /// The URL the files were fetched from (resolves relative canonical links).
        #[arg(long)]
        url: Option<String>,
        #[arg(required = true, value_name = "FILE")]
        files: Vec<PathBuf>,
        /// Apply this configured feed's noise controls (drop, ignore_lines).
        #[arg(long, value_name = "NAME")]
        feed: Option<String>,
        /// Also show the element taken as the article, and every element and line dropped, with the rule.
        #[arg(long)]
        explain: bool,
        #[arg(long)]
        json: bool,
    },
}
