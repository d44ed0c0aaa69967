//! Command-line parsing only; the work is done in the library modules.

use std::path::PathBuf;

use clap::{Parser, Subcommand};

use crate::change::Significance;
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
pub enum OpmlCommand {
    /// Print the configured feeds as OPML 2.0 (with a category per feed where the config has one).
    Export,
    /// Read an OPML 1.0/2.0 file and print its feeds as [[feed]] blocks (or append them to the config).
    Import {
        #[arg(value_name = "FILE")]
        file: PathBuf,
        /// Append the feeds to the config file instead of printing them (its comments are kept).
        #[arg(long)]
        append: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// The daemon: poll every feed on its schedule until SIGTERM/SIGINT; SIGHUP reloads the configuration.
    Run,
    /// One full pass: poll every feed once, fetch new items, re-check due articles, then exit.
    Once {
        /// Poll the feeds and record their state (`feeds` shows items and errors), but fetch and store no article.
        #[arg(long)]
        feeds_only: bool,
    },
    /// List a site's feeds and sitemaps: the page's alternates, common feed paths, robots.txt sitemaps.
    Discover {
        /// A site's page (or a feed or sitemap itself).
        url: String,
        /// One JSON object a line: url, kind, title, items.
        #[arg(long)]
        json: bool,
    },
    /// Add a site's best feed (the RSS, Atom or JSON feed with the most items, else a news sitemap) to the
    /// config file, keeping its comments. A running daemon reads it on SIGHUP.
    Add {
        /// A site's page, or a feed or sitemap URL.
        url: String,
        /// The feed's name [default: the URL's host].
        #[arg(long)]
        name: Option<String>,
    },
    /// OPML: export the configured feeds, or import a feed reader's subscriptions.
    Opml {
        #[command(subcommand)]
        command: OpmlCommand,
    },
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
        /// The change summary (sentences, numbers, quotes, significance) instead of the diff.
        #[arg(long)]
        summary: bool,
        /// With --summary: one JSON object.
        #[arg(long, requires = "summary")]
        json: bool,
    },
    /// The durable event log, oldest first.
    Events {
        #[arg(long, value_name = "WHEN")]
        since: Option<String>,
        /// Only edits whose change is at least this significant: typo (every edit), minor or substantive.
        #[arg(long, value_name = "LEVEL", value_parser = significance)]
        significance: Option<Significance>,
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
    /// Every configured sink with its delivery state: cursor, pending events, last success, last error.
    Sinks {
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
    /// One screen: is the daemon up, which feeds are due or failing, how many events today.
    Status {
        #[arg(long)]
        json: bool,
    },
    /// A simulated news site on 127.0.0.1 and the daemon on it with a temporary store: new articles, then
    /// edits with their diffs in the web view, within a minute and without internet. Ctrl-C stops it.
    Demo {
        /// The web view's address [default: 127.0.0.1:9465, else any free port]
        #[arg(long, value_name = "ADDR")]
        listen: Option<std::net::SocketAddr>,
    },
    /// Shell completions, on stdout (e.g. `presswatch completions bash > /etc/bash_completion.d/presswatch`).
    Completions {
        #[arg(value_enum)]
        shell: CompletionShell,
    },
    /// The manual page (roff), on stdout (e.g. `presswatch man | man -l -`).
    Man {
        /// Write presswatch.1 and a presswatch-SUBCOMMAND.1 page for each subcommand into DIR instead.
        #[arg(long, value_name = "DIR")]
        dir: Option<PathBuf>,
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

/// The shells `completions` writes for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum CompletionShell {
    Bash,
    Zsh,
    Fish,
}

impl From<CompletionShell> for clap_complete::Shell {
    fn from(s: CompletionShell) -> clap_complete::Shell {
        match s {
            CompletionShell::Bash => clap_complete::Shell::Bash,
            CompletionShell::Zsh => clap_complete::Shell::Zsh,
            CompletionShell::Fish => clap_complete::Shell::Fish,
        }
    }
}

/// Writes the completion script for `shell`, generated from the definitions above.
pub fn completions(shell: CompletionShell, out: &mut impl std::io::Write) {
    let mut cmd = <Cli as clap::CommandFactory>::command();
    clap_complete::generate(clap_complete::Shell::from(shell), &mut cmd, "presswatch", out);
}

/// Writes the man page (roff), generated from the definitions above: the command, its global options and the
/// list of subcommands.
pub fn man(out: &mut impl std::io::Write) -> std::io::Result<()> {
    clap_mangen::Man::new(<Cli as clap::CommandFactory>::command()).render(out)
}

/// Writes `presswatch.1` and one `presswatch-SUBCOMMAND.1` per subcommand, with its own options, into `dir`.
pub fn man_pages(dir: &std::path::Path) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    clap_mangen::generate_to(<Cli as clap::CommandFactory>::command(), dir)
}

/// `--significance LEVEL`, with the levels named in the error.
fn significance(s: &str) -> Result<Significance, String> {
    Significance::parse(s.trim()).ok_or_else(|| format!("expected typo, minor or substantive, found \"{s}\""))
}
