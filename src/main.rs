//! The `presswatch` binary: parses the command line, loads the configuration and dispatches.
//! Exit codes: 0 success, 2 bad usage or configuration, 1 any other fatal error.

use std::io::Write;
use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use clap::Parser;

use presswatch::cli::{Cli, Command};
use presswatch::client::{self, ClientError};
use presswatch::config::{self, Config};
use presswatch::log::{self, Target};
use presswatch::query::{self, Answer, ArticleFilter, QueryError, Request};
use presswatch::store::Store;
use presswatch::{crawl, daemon, decode, extract};

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
    if matches!(cli.command, Command::Once | Command::Run) {
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

fn runtime() -> Result<tokio::runtime::Runtime, Fatal> {
    tokio::runtime::Runtime::new().map_err(|e| Fatal::other(format!("cannot start the async runtime: {e}")))
}

/// Answers a query through the daemon's socket when a daemon runs, else from the store directly. Another
/// query (or a daemon starting, or a `once` pass) may hold the store for a moment, so a locked store is retried
/// for a few seconds, going to the daemon's socket as soon as one answers; so is a daemon that is busy (it
/// serves as many connections as it will).
fn ask(cfg: &Config, request: &Request) -> Result<Answer, Fatal> {
    let deadline = std::time::Instant::now() + Duration::from_secs(5);
    loop {
        if let Some(mut stream) = client::connect(cfg) {
            return match client::ask(&mut stream, request, Duration::from_secs(120)) {
                Ok(answer) => Ok(answer),
                Err(ClientError::Busy(_)) if std::time::Instant::now() < deadline => {
                    std::thread::sleep(Duration::from_millis(100));
                    continue;
                }
                Err(ClientError::Query(e)) => Err(e.into()),
                Err(e) => Err(Fatal::other(e)),
            };
        }
        match Store::open(&cfg.store_path) {
            Ok(store) => return query::answer(&store, Some(cfg), request).map_err(Fatal::from),
            Err(presswatch::store::StoreError::Locked { .. }) if std::time::Instant::now() < deadline => {
                std::thread::sleep(Duration::from_millis(50));
            }
            Err(e) => return Err(store_error(cfg, e)),
        }
    }
}

/// Opens the store for work of our own (`once`, `export`, `import`), waiting up to 5 s for a query that holds
/// it for a moment; a daemon or another pass holding it is still an error after that.
fn open_store_waiting(cfg: &Config) -> Result<Store, Fatal> {
    Store::open_waiting(&cfg.store_path, Duration::from_secs(5)).map_err(|e| store_error(cfg, e))
}

/// A store that cannot be opened is exit 1 (see the interface); when the cause is the path itself (a file in
/// the way, no permission, a read-only file system), the message also names the config key to change.
fn store_error(cfg: &Config, e: presswatch::store::StoreError) -> Fatal {
    use std::io::ErrorKind::*;
    let path_problem = matches!(&e, presswatch::store::StoreError::Open { source: sled::Error::Io(io), .. }
        if matches!(io.kind(), PermissionDenied | NotADirectory | ReadOnlyFilesystem | AlreadyExists | NotFound));
    if path_problem {
        return Fatal::other(format!(
            "{e}\n  set `store.path` in {} to a directory presswatch can create and write",
            cfg.source.display()
        ));
    }
    Fatal::other(e)
}

fn run(cli: Cli) -> Result<ExitCode, Fatal> {
    // Not locked for the whole run: `run` and `once` log to stdout from many threads, and a lock held here
    // would block every one of them.
    let mut out = std::io::stdout();
    let config_path = config::resolve_path(cli.config.as_deref());
    match cli.command {
        Command::Extract { url, files, feed, explain, json } => {
            let options = match feed {
                Some(name) => {
                    let cfg = load_config(cli.config.as_deref())?;
                    let f = cfg.feeds.iter().find(|f| f.name == name).ok_or_else(|| {
                        Fatal::usage(format!("--feed {name}: no such feed in {}", cfg.source.display()))
                    })?;
                    extract::Options { drop_selectors: f.drop.clone(), ignore_lines: f.ignore_lines.clone() }
                }
                None => extract::Options::default(),
            };
            return extract_files(url.as_deref(), &files, &options, explain, json);
        }
        Command::Run => {
            let cfg = load_config(cli.config.as_deref())?;
            runtime()?.block_on(daemon::run(config_path, cfg)).map_err(Fatal::other)?;
        }
        Command::Export { output } => {
            let cfg = load_config(cli.config.as_deref())?;
            let mut sink: Box<dyn Write> = match &output {
                Some(path) => Box::new(std::io::BufWriter::new(
                    std::fs::File::create(path)
                        .map_err(|e| Fatal::other(format!("cannot write {}: {e}", path.display())))?,
                )),
                None => Box::new(std::io::BufWriter::new(std::io::stdout())),
            };
            let records = match client::connect(&cfg) {
                Some(mut stream) => client::export(&mut stream, &mut sink).map_err(Fatal::other)?,
                None => {
                    let store = open_store_waiting(&cfg)?;
                    store
                        .export(|r| {
                            serde_json::to_writer(&mut sink, r)?;
                            sink.write_all(b"\n")
                        })
                        .map_err(Fatal::other)?
                }
            };
            sink.flush()?;
            eprintln!("presswatch: exported {records} records");
        }
        Command::Import { input } => {
            let cfg = load_config(cli.config.as_deref())?;
            let store = open_store_waiting(&cfg)?;
            let reader: Box<dyn std::io::BufRead> = if input.as_os_str() == "-" {
                Box::new(std::io::BufReader::new(std::io::stdin()))
            } else {
                Box::new(std::io::BufReader::new(
                    std::fs::File::open(&input)
                        .map_err(|e| Fatal::other(format!("cannot read {}: {e}", input.display())))?,
                ))
            };
            let stats = store.import(reader).map_err(Fatal::other)?;
            eprintln!(
                "presswatch: imported {} feeds, {} articles, {} versions, {} entries, {} events into {}",
                stats.feeds,
                stats.articles,
                stats.versions,
                stats.entries,
                stats.events,
                cfg.store_path.display()
            );
        }
        Command::Once => {
            let cfg = Arc::new(load_config(cli.config.as_deref())?);
            let store = open_store_waiting(&cfg)?;
            let crawler = crawl::Crawler::new(cfg.clone(), store).map_err(Fatal::other)?;
            crawler.log_unlogged_events();
            runtime()?.block_on(crawler.pass(&cfg.feeds));
            crawler.store().flush().map_err(Fatal::other)?;
        }
        Command::Feeds { json } => {
            let cfg = load_config(cli.config.as_deref())?;
            if let Answer::Feeds(f) = ask(&cfg, &Request::Feeds)? {
                output::feeds(&mut out, &f, json)?;
            }
        }
        Command::Articles { feed, since, edited, limit, json } => {
            let since = since.map(|s| query::parse_when(&s, chrono::Utc::now())).transpose()?;
            let cfg = load_config(cli.config.as_deref())?;
            let filter = ArticleFilter { feed, since, edited, limit };
            if let Answer::Articles(a) = ask(&cfg, &Request::Articles(filter))? {
                output::articles(&mut out, &a, json)?;
            }
        }
        Command::Show { target, json } => {
            let cfg = load_config(cli.config.as_deref())?;
            if let Answer::Show(a) = ask(&cfg, &Request::Show { target })? {
                output::show(&mut out, &a, json)?;
            }
        }
        Command::History { target, json } => {
            let cfg = load_config(cli.config.as_deref())?;
            if let Answer::History(v) = ask(&cfg, &Request::History { target })? {
                output::history(&mut out, &v, json)?;
            }
        }
        Command::Diff { target, from, to, plain } => {
            let cfg = load_config(cli.config.as_deref())?;
            if let Answer::Diff(d) = ask(&cfg, &Request::Diff { target, from, to, inline: !plain })? {
                out.write_all(d.as_bytes())?;
            }
        }
        Command::Events { since, follow, json } => {
            let since = since.map(|s| query::parse_when(&s, chrono::Utc::now())).transpose()?;
            let cfg = load_config(cli.config.as_deref())?;
            let mut last = 0;
            if let Answer::Events(events) = ask(&cfg, &Request::Events { since, after_seq: 0 })? {
                last = events.last().map(|e| e.seq).unwrap_or(0);
                output::events(&mut out, &events, json)?;
            }
            if follow {
                out.flush()?;
                follow_events(&cfg, last, json, &mut out)?;
            }
        }
    }
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

/// `events --follow`: waits on the daemon when one runs; otherwise looks into the store once a second,
/// holding it only for the look so that a daemon can start meanwhile.
fn follow_events(cfg: &Config, mut last: u64, json: bool, out: &mut impl Write) -> Result<(), Fatal> {
    loop {
        let request = Request::WaitEvents { after_seq: last, wait_ms: 25_000 };
        let events = match client::connect(cfg) {
            Some(mut stream) => match client::ask(&mut stream, &request, Duration::from_secs(60)) {
                Ok(Answer::Events(e)) => e,
                Ok(_) => Vec::new(),
                Err(e) => {
                    tracing::warn!(error = %e, "lost the daemon; retrying");
                    std::thread::sleep(Duration::from_secs(1));
                    Vec::new()
                }
            },
            None => {
                std::thread::sleep(Duration::from_secs(1));
                match Store::open(&cfg.store_path) {
                    Ok(store) => store.events_after(last).collect::<Result<Vec<_>, _>>().map_err(Fatal::other)?,
                    // Locked: a daemon is starting; its socket will answer next time round.
                    Err(_) => Vec::new(),
                }
            }
        };
        if let Some(e) = events.last() {
            last = e.seq;
        }
        output::events(out, &events, json)?;
        out.flush()?;
    }
}

/// `extract`: each file on its own; a file that cannot be read or holds no article is reported and the others
/// go on; the exit code is 1 if any failed.
fn extract_files(
    url: Option<&str>,
    files: &[std::path::PathBuf],
    options: &extract::Options,
    explain: bool,
    json: bool,
) -> Result<ExitCode, Fatal> {
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
        let (result, why) = if explain {
            let (result, why) = extract::explain(&decoded.text, page_url.as_ref(), options);
            (result, Some(why))
        } else {
            (extract::extract_with(&decoded.text, page_url.as_ref(), options), None)
        };
        if let Some(why) = &why {
            output::explanation(&mut out, file, why, json)?;
        }
        match result {
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
