//! The `presswatch` binary: parses the command line, loads the configuration and dispatches.
//! Exit codes: 0 success, 2 bad usage or configuration, 1 any other fatal error.

use std::io::Write;
use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;

use clap::Parser;

use presswatch::cli::{Cli, Command};
use presswatch::config::{self, Config};
use presswatch::log::{self, Target};
use presswatch::query::{self, ArticleFilter, QueryError};
use presswatch::store::Store;
use presswatch::{crawl, decode, extract};

mod output;

/// A fatal error and the exit code it maps to.
struct Fatal {
    code: u8,
    message: String,
}

impl Fatal {
    fn usage(message: impl ToString) -> Fatal {
        Fatal { code: 2, message: message.to_string() }
    }
    fn other(message: impl ToString) -> Fatal {
        Fatal { code: 1, message: message.to_string() }
    }
}

impl From<QueryError> for Fatal {
    fn from(e: QueryError) -> Fatal {
        match e {
            QueryError::BadArgument(m) => Fatal::usage(m),
            other => Fatal::other(other),
        }
    }
}

impl From<std::io::Error> for Fatal {
    fn from(e: std::io::Error) -> Fatal {
        Fatal::other(format!("cannot write output: {e}"))
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let is_crawler = matches!(cli.command, Command::Once);
    if is_crawler {
        log::init(cli.log_format, Target::Stdout, "info");
    } else {
        log::init(cli.log_format, Target::Stderr, "warn");
    }
    match run(cli) {
        Ok(code) => code,
        Err(Fatal { code, message }) => {
            // Output may be a closed pipe (`| head`); that is not an error worth a message.
            if !message.contains("Broken pipe") {
                eprintln!("presswatch: {message}");
            }
            ExitCode::from(code)
        }
    }
}

fn load_config(cli_path: Option<&Path>) -> Result<Config, Fatal> {
    let path = config::resolve_path(cli_path);
    Config::load(&path).map_err(Fatal::usage)
}

fn open_store(cfg: &Config) -> Result<Store, Fatal> {
    Store::open(&cfg.store_path).map_err(Fatal::other)
}

fn run(cli: Cli) -> Result<ExitCode, Fatal> {
    let mut out = std::io::stdout().lock();
    match cli.command {
        Command::Extract { url, files, json } => return extract_files(url.as_deref(), &files, json),
        Command::Once => {
            let cfg = Arc::new(load_config(cli.config.as_deref())?);
            let store = open_store(&cfg)?;
            let runtime = tokio::runtime::Runtime::new().map_err(Fatal::other)?;
            let crawler = crawl::Crawler::new(cfg.clone(), store).map_err(Fatal::other)?;
            runtime.block_on(crawler.pass(&cfg.feeds));
            crawler.store().flush().map_err(Fatal::other)?;
        }
        Command::Feeds { json } => {
            let cfg = load_config(cli.config.as_deref())?;
            let store = open_store(&cfg)?;
            output::feeds(&mut out, &query::feeds(&store, Some(&cfg))?, json)?;
        }
        Command::Articles { feed, since, edited, limit, json } => {
            let since = since.map(|s| query::parse_when(&s, chrono::Utc::now())).transpose()?;
            let cfg = load_config(cli.config.as_deref())?;
            let store = open_store(&cfg)?;
            let filter = ArticleFilter { feed, since, edited, limit };
            output::articles(&mut out, &query::articles(&store, &filter)?, json)?;
        }
        Command::Show { target, json } => {
            let cfg = load_config(cli.config.as_deref())?;
            let store = open_store(&cfg)?;
            output::show(&mut out, &query::show(&store, &target)?, json)?;
        }
        Command::History { target, json } => {
            let cfg = load_config(cli.config.as_deref())?;
            let store = open_store(&cfg)?;
            output::history(&mut out, &query::history(&store, &target)?, json)?;
        }
        Command::Diff { target, from, to, plain } => {
            let cfg = load_config(cli.config.as_deref())?;
            let store = open_store(&cfg)?;
            let d = query::diff(&store, &target, from, to, !plain)?;
            out.write_all(d.as_bytes())?;
        }
        Command::Events { since, follow, json } => {
            let since = since.map(|s| query::parse_when(&s, chrono::Utc::now())).transpose()?;
            let cfg = load_config(cli.config.as_deref())?;
            let store = open_store(&cfg)?;
            let events = query::events(&store, since)?;
            let mut last = events.last().map(|e| e.seq).unwrap_or(0);
            output::events(&mut out, &events, json)?;
            if follow {
                out.flush()?;
                let mut sub = store.watch_events();
                loop {
                    // Wake on any insert, then print everything after the last printed seq.
                    if sub.next().is_none() {
                        break;
                    }
                    let new: Vec<_> = store.events_after(last).collect::<Result<_, _>>().map_err(Fatal::other)?;
                    if let Some(e) = new.last() {
                        last = e.seq;
                    }
                    output::events(&mut out, &new, json)?;
                    out.flush()?;
                }
            }
        }
    }
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

/// `extract`: each file on its own; a file that cannot be read or holds no article is reported and the others
/// go on; the exit code is 1 if any failed.
fn extract_files(url: Option<&str>, files: &[std::path::PathBuf], json: bool) -> Result<ExitCode, Fatal> {
    let page_url = match url {
        Some(u) => Some(url::Url::parse(u).map_err(|e| Fatal::usage(format!("--url {u}: not a valid URL ({e})")))?),
        None => None,
    };
    let mut out = std::io::stdout().lock();
    let mut failed = false;
    for file in files {
        let bytes = match std::fs::read(file) {
            Ok(b) => b,
            Err(e) => {
                eprintln!("presswatch: cannot read {}: {e}", file.display());
                failed = true;
                continue;
            }
        };
        let host = page_url.as_ref().and_then(|u| u.host_str());
        let decoded = decode::decode_html(&bytes, None, host);
        match extract::extract(&decoded.text, page_url.as_ref()) {
            Ok(article) => output::extracted(&mut out, file, &article, json)?,
            Err(e) => {
                eprintln!("presswatch: {}: {e}", file.display());
                failed = true;
            }
        }
    }
    out.flush()?;
    Ok(if failed { ExitCode::from(1) } else { ExitCode::SUCCESS })
}
