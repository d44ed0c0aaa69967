//! The `presswatch` binary: parses the command line, loads the configuration and dispatches.
//! Exit codes: 0 success, 2 bad usage or configuration, 1 any other fatal error.

use std::io::{IsTerminal, Write};
use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use clap::Parser;

use presswatch::change::Significance;
use presswatch::cli::{Cli, Command, OpmlCommand};
use presswatch::client::{self, ClientError};
use presswatch::config::{self, Config};
use presswatch::config_edit::NewFeed;
use presswatch::fetch::Fetcher;
use presswatch::log::{self, Target};
use presswatch::query::{self, Answer, ArticleFilter, QueryError, Request};
use presswatch::store::Store;
use presswatch::{crawl, daemon, decode, discover, event, extract, opml, sink};

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
    if matches!(cli.command, Command::Once { .. } | Command::Run | Command::Demo { .. }) {
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

/// The config for commands that only fetch (`discover`, `opml import` without `--append`): the file when one is
/// given or exists, else the defaults.
fn config_or_defaults(cli_path: Option<&Path>) -> Result<Config, Fatal> {
    let path = config::resolve_path(cli_path);
    if cli_path.is_none() && !path.exists() {
        return Config::parse("", Path::new("(default settings)")).map_err(Fatal::usage);
    }
    Config::load(&path).map_err(Fatal::usage)
}

/// A URL given on the command line; `example.org` means `https://example.org/`.
fn parse_url(arg: &str) -> Result<url::Url, Fatal> {
    let arg = arg.trim();
    let with_scheme = if arg.contains("://") { arg.to_string() } else { format!("https://{arg}") };
    match url::Url::parse(&with_scheme) {
        Ok(u) if matches!(u.scheme(), "http" | "https") && u.host_str().is_some() => Ok(u),
        Ok(u) => Err(Fatal::usage(format!("{arg}: only http and https URLs can be followed, not `{}`", u.scheme()))),
        Err(e) => Err(Fatal::usage(format!("{arg}: not a valid URL ({e})"))),
    }
}

fn same_url(a: &str, b: &str) -> bool {
    let c = |u: &str| presswatch::canon::canonicalize_str(u).unwrap_or_else(|| u.to_string());
    c(a) == c(b)
}

fn runtime() -> Result<tokio::runtime::Runtime, Fatal> {
    tokio::runtime::Runtime::new().map_err(|e| Fatal::other(format!("cannot start the async runtime: {e}")))
}

/// Runs the daemon (or the demo) to its end, then leaves without waiting for queries still in the blocking pool:
/// a client's `events --follow` may hold one for up to 30 s, and the store is already flushed.
fn run_to_end(work: impl std::future::Future<Output = anyhow::Result<()>>) -> Result<(), Fatal> {
    let rt = runtime()?;
    let result = rt.block_on(work);
    rt.shutdown_timeout(Duration::from_secs(1));
    result.map_err(Fatal::other)
}

/// Answers a query through the daemon's socket when a daemon runs, else from the store directly. Another
/// query (or a daemon starting, or a `once` pass) may hold the store for a moment, so a locked store is retried
/// for a few seconds, going to the daemon's socket as soon as one answers; so is a daemon that is busy (it
/// serves as many connections as it will).
fn ask(cfg: &Config, request: &Request) -> Result<Answer, Fatal> {
    ask_within(cfg, request, Duration::from_secs(120))
}

/// [`ask`] with a longer wait for the daemon's answer (`reextract` takes as long as the store is large).
fn ask_within(cfg: &Config, request: &Request, answer_within: Duration) -> Result<Answer, Fatal> {
    let deadline = std::time::Instant::now() + Duration::from_secs(5);
    loop {
        if let Some(mut stream) = client::connect(cfg) {
            return match client::ask(&mut stream, request, answer_within) {
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
    let path_problem = e
        .io_kind()
        .is_some_and(|k| matches!(k, PermissionDenied | NotADirectory | ReadOnlyFilesystem | AlreadyExists | NotFound));
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
        Command::Completions { shell } => {
            presswatch::cli::completions(shell, &mut out);
        }
        Command::Man { dir: None } => presswatch::cli::man(&mut out)?,
        Command::Man { dir: Some(dir) } => presswatch::cli::man_pages(&dir)
            .map_err(|e| Fatal::other(format!("cannot write the man pages into {}: {e}", dir.display())))?,
        Command::Demo { listen } => {
            run_to_end(presswatch::demo::run(listen))?;
        }
        Command::Status { json } => {
            let cfg = load_config(cli.config.as_deref())?;
            // Whether a daemon answers is the first thing status says; the answer itself comes the usual way.
            let daemon = client::connect(&cfg).is_some();
            if let Answer::Status(s) = ask(&cfg, &Request::Status)? {
                output::status(&mut out, &cfg, daemon, &s, json)?;
            }
        }
        Command::Extract { url, files, feed, explain, json } => {
            let options = match feed {
                Some(name) => {
                    let cfg = load_config(cli.config.as_deref())?;
                    let f = cfg.configured_feeds.iter().find(|f| f.name == name).ok_or_else(|| {
                        Fatal::usage(format!("--feed {name}: no such feed in {}", cfg.source.display()))
                    })?;
                    crawl::options_for(f)
                }
                None => extract::Options::default(),
            };
            return extract_files(url.as_deref(), &files, &options, explain, json);
        }
        Command::Run => {
            let cfg = load_config(cli.config.as_deref())?;
            run_to_end(daemon::run(config_path, cfg))?;
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
                "presswatch: imported {} feeds, {} articles, {} versions, {} kept pages, {} entries, {} queued pages, {} events into {}",
                stats.feeds,
                stats.articles,
                stats.versions,
                stats.pages,
                stats.entries,
                stats.jobs,
                stats.events,
                cfg.store_path.display()
            );
        }
        Command::Once { feeds_only } => {
            let cfg = Arc::new(load_config(cli.config.as_deref())?);
            let store = open_store_waiting(&cfg)?;
            // Cursors first, so that a sink configured from the start gets this pass's events too.
            sink::init_all(&cfg.sinks, &store);
            let mut crawler = crawl::Crawler::new(cfg.clone(), store).map_err(Fatal::other)?;
            if feeds_only {
                crawler = crawler.feeds_only();
            }
            // A progress bar only for a person watching: nothing of it in a pipe, a file or the journal.
            let bar = std::io::stdout().is_terminal().then(output::pass_bar);
            if let Some(bar) = &bar {
                log::show_progress(bar.clone());
                let shown = bar.clone();
                crawler = crawler.with_pass_progress(Arc::new(move |p| output::update_pass_bar(&shown, p)));
            }
            crawler.log_unlogged_events();
            crawler.replan();
            crawl::log_shard(&cfg);
            runtime()?.block_on(async {
                crawler.pass(&cfg.feeds, crawl::PassMode::Once).await;
                if let Some(bar) = &bar {
                    bar.finish();
                }
                // `--feeds-only` is a look at the sources: it stores no article, and notifies no one.
                if !feeds_only {
                    sink::deliver_pending(&cfg.sinks, crawler.store()).await;
                }
            });
            crawler.store().flush().map_err(Fatal::other)?;
        }
        Command::Discover { url, json } => {
            let cfg = config_or_defaults(cli.config.as_deref())?;
            let url = parse_url(&url)?;
            let fetcher = Fetcher::new(&cfg.crawler).map_err(Fatal::other)?;
            let found = runtime()?.block_on(discover::discover(&fetcher, &url)).map_err(Fatal::other)?;
            for p in &found.problems {
                eprintln!("presswatch: {p}");
            }
            output::discovered(&mut out, &found.sources, json)?;
            out.flush()?;
            if found.sources.is_empty() {
                eprintln!("presswatch: no feed or sitemap found at {url}");
                return Ok(ExitCode::from(1));
            }
        }
        Command::Add { url, name } => {
            let cfg = load_config(cli.config.as_deref())?;
            let url = parse_url(&url)?;
            // Every [[feed]] of the file, not only this shard's: the file is shared by every shard.
            if let Some(f) = cfg.configured_feeds.iter().find(|f| same_url(f.url.as_str(), url.as_str())) {
                return Err(Fatal::usage(format!("{url} is already configured as feed `{}`", f.name)));
            }
            let name =
                name.map(|n| n.trim().to_string()).unwrap_or_else(|| url.host_str().unwrap_or("feed").to_string());
            if cfg.configured_feeds.iter().any(|f| f.name == name) {
                return Err(Fatal::usage(format!(
                    "a feed named `{name}` is already configured in {}; choose another with --name",
                    cfg.source.display()
                )));
            }
            let fetcher = Fetcher::new(&cfg.crawler).map_err(Fatal::other)?;
            let found = runtime()?.block_on(discover::discover(&fetcher, &url)).map_err(Fatal::other)?;
            let Some(best) = discover::best(&found.sources) else {
                let seen: Vec<String> = found.sources.iter().map(|s| format!("{} ({})", s.url, s.kind)).collect();
                let seen = if seen.is_empty() { "nothing".to_string() } else { seen.join(", ") };
                return Err(Fatal::other(format!(
                    "no feed or news sitemap at {url} (found: {seen}); add a source by hand with [[feed]] (kind = \"sitemap\" for a sitemap)"
                )));
            };
            if let Some(f) = cfg.configured_feeds.iter().find(|f| same_url(f.url.as_str(), &best.url)) {
                return Err(Fatal::usage(format!(
                    "{url}: its feed {} is already configured as `{}`",
                    best.url, f.name
                )));
            }
            let new = NewFeed {
                name: name.clone(),
                url: best.url.clone(),
                kind: best.is_sitemap().then(|| "sitemap".to_string()),
                category: None,
            };
            presswatch::config_edit::append(&cfg.source, &[new]).map_err(Fatal::usage)?;
            writeln!(
                out,
                "added feed `{name}`: {} ({}, {} items) to {}",
                best.url,
                best.kind,
                best.items,
                cfg.source.display()
            )?;
            eprintln!("presswatch: a running daemon reads it on SIGHUP (systemctl reload presswatch)");
        }
        Command::Opml { command: OpmlCommand::Export } => {
            let cfg = load_config(cli.config.as_deref())?;
            out.write_all(opml::export(&cfg.configured_feeds, chrono::Utc::now()).as_bytes())?;
        }
        Command::Opml { command: OpmlCommand::Import { file, append } } => {
            let cfg =
                if append { load_config(cli.config.as_deref())? } else { config_or_defaults(cli.config.as_deref())? };
            let bytes =
                std::fs::read(&file).map_err(|e| Fatal::usage(format!("cannot read {}: {e}", file.display())))?;
            let outlines = opml::read(&bytes).map_err(|e| Fatal::usage(format!("{}: {e}", file.display())))?;
            let plan = opml::plan(&outlines, &cfg.configured_feeds);
            for (url, by) in &plan.skipped {
                eprintln!("presswatch: skipped {url}: already configured as feed `{by}`");
            }
            for (from, to) in &plan.renamed {
                eprintln!("presswatch: renamed `{from}` to `{to}`: the name is already taken");
            }
            for (url, why) in &plan.invalid {
                eprintln!("presswatch: skipped {url}: {why}");
            }
            if append {
                if !plan.add.is_empty() {
                    presswatch::config_edit::append(&cfg.source, &plan.add).map_err(Fatal::usage)?;
                }
                eprintln!(
                    "presswatch: appended {} feeds to {} ({} skipped, {} renamed); a running daemon reads them on SIGHUP",
                    plan.add.len(),
                    cfg.source.display(),
                    plan.skipped.len() + plan.invalid.len(),
                    plan.renamed.len()
                );
            } else {
                out.write_all(presswatch::config_edit::blocks(&plan.add).as_bytes())?;
            }
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
        Command::Diff { target, from, to, summary: true, json, .. } => {
            let cfg = load_config(cli.config.as_deref())?;
            if let Answer::Change(c) = ask(&cfg, &Request::Change { target, from, to })? {
                output::change(&mut out, &c, json)?;
            }
        }
        Command::Sinks { json } => {
            let cfg = load_config(cli.config.as_deref())?;
            if let Answer::Sinks(s) = ask(&cfg, &Request::Sinks)? {
                output::sinks(&mut out, &s, json)?;
            }
        }
        Command::Diff { target, from, to, plain, .. } => {
            let cfg = load_config(cli.config.as_deref())?;
            if let Answer::Diff(d) = ask(&cfg, &Request::Diff { target, from, to, inline: !plain })? {
                out.write_all(d.as_bytes())?;
            }
        }
        Command::Recheck { target, json } => {
            let cfg = load_config(cli.config.as_deref())?;
            if let Answer::Recheck(a) = ask(&cfg, &Request::Recheck { target })? {
                output::recheck(&mut out, &a, json)?;
            }
        }
        Command::Reextract { feed, json } => {
            let cfg = load_config(cli.config.as_deref())?;
            if let Answer::Reextract(r) =
                ask_within(&cfg, &Request::Reextract { feed }, Duration::from_secs(24 * 3600))?
            {
                output::reextract(&mut out, &r, json)?;
            }
        }
        Command::Events { since, significance, follow, json } => {
            let since = since.map(|s| query::parse_when(&s, chrono::Utc::now())).transpose()?;
            let cfg = load_config(cli.config.as_deref())?;
            let mut last = 0;
            if let Answer::Events(mut events) = ask(&cfg, &Request::Events { since, after_seq: 0 })? {
                last = events.last().map(|e| e.view.seq).unwrap_or(0);
                events.retain(|e| query::significant(e, significance));
                output::events(&mut out, &events, json)?;
            }
            if follow {
                out.flush()?;
                follow_events(&cfg, last, significance, json, &mut out)?;
            }
        }
    }
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

/// `events --follow`: waits on the daemon when one runs; otherwise looks into the store once a second,
/// holding it only for the look so that a daemon can start meanwhile.
fn follow_events(
    cfg: &Config,
    mut last: u64,
    significance: Option<Significance>,
    json: bool,
    out: &mut impl Write,
) -> Result<(), Fatal> {
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
                    Ok(store) => store
                        .events_after(last)
                        .map(|r| r.map(|r| event::load(&store, r)))
                        .collect::<Result<Vec<_>, _>>()
                        .map_err(Fatal::other)?,
                    // Locked: a daemon is starting; its socket will answer next time round.
                    Err(_) => Vec::new(),
                }
            }
        };
        if let Some(e) = events.last() {
            last = e.view.seq;
        }
        let events: Vec<_> = events.into_iter().filter(|e| query::significant(e, significance)).collect();
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
        let decoded = decode::decode_html_as_written(&bytes, None, host);
        let (result, why) = if explain {
            let (result, why) = extract::explain(&decoded.text, page_url.as_ref(), options);
            (result, Some(why))
        } else {
            (extract::extract_decoded(&decoded, page_url.as_ref(), options), None)
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
