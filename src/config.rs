//! The TOML configuration: parsing, defaults and validation.
//!
//! Every error names the file and the key at fault, because the user who reads it is usually looking at a
//! systemd journal, not at our code.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;

mod sinks;
pub use sinks::{event_matches, Secret, Shard, SinkConfig, SinkKind, DEFAULT_EVENTS};

/// A configuration problem; the CLI turns it into exit code 2.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct ConfigError(pub String);

#[derive(Debug, Clone)]
pub struct Config {
    /// Where the config was read from, for messages.
    pub source: PathBuf,
    pub store_path: PathBuf,
    /// The daemon's query socket, when set; else `$RUNTIME_DIRECTORY/presswatch.sock` or one in the store.
    pub socket: Option<PathBuf>,
    /// `[http] listen`: where the daemon serves /metrics and /healthz; off when unset.
    pub http_listen: Option<std::net::SocketAddr>,
    pub crawler: CrawlerConfig,
    /// `[defaults]`: what a feed does not override, and what applies to articles whose feed was removed or
    /// renamed.
    pub defaults: FeedDefaults,
    /// The feeds this daemon polls: every `[[feed]]`, or this shard's share of them.
    pub feeds: Vec<FeedConfig>,
    /// Every `[[feed]]` of the file, whichever shard takes it: what `add`, `opml` and `extract --feed` work on,
    /// since they edit or read the file shared by every shard.
    pub configured_feeds: Vec<FeedConfig>,
    /// `[[sink]]`: where events are delivered.
    pub sinks: Vec<SinkConfig>,
}

/// The `[defaults]` table, resolved.
#[derive(Debug, Clone)]
pub struct FeedDefaults {
    pub interval: Duration,
    pub recheck: Vec<Duration>,
    pub recheck_tail: Vec<(Duration, Duration)>,
    pub robots: bool,
    pub drop: Vec<String>,
    pub ignore_lines: Vec<regex::Regex>,
    pub flap_window: usize,
    pub keep_html: bool,
}

#[derive(Debug, Clone)]
pub struct CrawlerConfig {
    pub user_agent: String,
    pub concurrency: usize,
    pub per_host_concurrency: usize,
    pub timeout: Duration,
    pub max_body: u64,
    pub allow_private_networks: bool,
    pub allow_hosts: Vec<String>,
    /// Minimum time between the starts of two requests to one host.
    pub per_host_delay: Duration,
    /// Honour robots.txt for article pages (feeds are fetched because the site publishes them).
    pub robots: bool,
    /// `shard = "I/N"`: take only the feeds whose configured URL hashes to I.
    pub shard: Option<Shard>,
    /// The longest a server's Retry-After is honoured; a longer one (or a date centuries out) is cut to this.
    pub max_retry_after: Duration,
}

#[derive(Debug, Clone)]
pub struct FeedConfig {
    pub name: String,
    pub url: url::Url,
    pub interval: Duration,
    /// Offsets from an article's first sighting at which it is fetched again, ascending.
    pub recheck: Vec<Duration>,
    /// Honour robots.txt for this feed's article pages (default: `crawler.robots`).
    pub robots: bool,
    /// Noise controls: CSS selectors of elements to drop before extraction.
    pub drop: Vec<String>,
    /// Noise controls: lines of text to leave out of the article (and so out of the hash).
    pub ignore_lines: Vec<regex::Regex>,
    /// A return to one of the last N versions is not reported as an edit (0: off).
    pub flap_window: usize,
    /// After the offsets: re-check every `.0` until `.1` after the last change, step after step.
    pub recheck_tail: Vec<(Duration, Duration)>,
    /// Keep each version's fetched page in the store (zstd), so a later extractor can extract it again.
    pub keep_html: bool,
    /// What the URL is: a feed (RSS, Atom, JSON Feed) or a sitemap.
    pub kind: SourceKind,
    /// A sitemap may list URLs of other hosts than its own (default: those are ignored).
    pub allow_other_hosts: bool,
    /// The feed's category, for OPML export and import.
    pub category: Option<String>,
}

/// `[[feed]] kind`: where the article URLs come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SourceKind {
    /// An RSS, Atom or JSON feed.
    #[default]
    Feed,
    /// A sitemap, a sitemap index or a Google News sitemap (gzipped or not).
    Sitemap,
}

impl SourceKind {
    pub fn as_str(self) -> &'static str {
        match self {
            SourceKind::Feed => "feed",
            SourceKind::Sitemap => "sitemap",
        }
    }
}

// ---- the file as written -------------------------------------------------------------------------------

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    #[serde(default)]
    store: RawStore,
    #[serde(default)]
    crawler: RawCrawler,
    #[serde(default)]
    defaults: RawDefaults,
    #[serde(default)]
    feed: Vec<RawFeed>,
    #[serde(default)]
    http: RawHttp,
    #[serde(default)]
    sink: Vec<sinks::RawSink>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawHttp {
    listen: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawStore {
    path: Option<String>,
    socket: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawCrawler {
    user_agent: Option<String>,
    concurrency: Option<usize>,
    per_host_concurrency: Option<usize>,
    timeout: Option<String>,
    max_body: Option<String>,
    allow_private_networks: Option<bool>,
    allow_hosts: Option<Vec<String>>,
    per_host_delay: Option<String>,
    robots: Option<bool>,
    shard: Option<String>,
    max_retry_after: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawDefaults {
    interval: Option<String>,
    recheck: Option<Vec<String>>,
    drop: Option<Vec<String>>,
    ignore_lines: Option<Vec<String>>,
    flap_window: Option<usize>,
    recheck_tail: Option<Vec<(String, String)>>,
    keep_html: Option<bool>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFeed {
    name: Option<String>,
    url: String,
    interval: Option<String>,
    recheck: Option<Vec<String>>,
    robots: Option<bool>,
    drop: Option<Vec<String>>,
    ignore_lines: Option<Vec<String>>,
    flap_window: Option<usize>,
    kind: Option<String>,
    allow_other_hosts: Option<bool>,
    category: Option<String>,
    recheck_tail: Option<Vec<(String, String)>>,
    keep_html: Option<bool>,
}

pub const DEFAULT_USER_AGENT: &str =
    concat!("presswatch/", env!("CARGO_PKG_VERSION"), " (+https://github.com/presswatch/presswatch)");
const DEFAULT_INTERVAL: Duration = Duration::from_secs(600);
const DEFAULT_RECHECK: [u64; 5] = [15 * 60, 3600, 6 * 3600, 24 * 3600, 72 * 3600];
const DAY: u64 = 24 * 3600;
/// Every day until 7 days after the last change, then every week until 60 days after it, then stop.
const DEFAULT_RECHECK_TAIL: [(u64, u64); 2] = [(DAY, 7 * DAY), (7 * DAY, 60 * DAY)];
const DEFAULT_MAX_RETRY_AFTER: Duration = Duration::from_secs(DAY);

impl Config {
    /// Reads and validates a config file.
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| ConfigError(format!("cannot read config file {}: {e}", path.display())))?;
        Self::parse(&text, path)
    }

    /// Parses config text; `source` is only used in messages and to resolve a relative store path.
    pub fn parse(text: &str, source: &Path) -> Result<Config, ConfigError> {
        let file = source.display();
        let raw: RawConfig = toml::from_str(text)
            .map_err(|e| ConfigError(format!("invalid config file {file}: {}", e.to_string().trim_end())))?;
        let bad = |key: &str, msg: String| ConfigError(format!("invalid config file {file}: key `{key}`: {msg}"));

        let store_path = match raw.store.path {
            Some(p) if p.trim().is_empty() => return Err(bad("store.path", "must not be empty".into())),
            Some(p) => expand_home(&p),
            None => default_store_path(),
        };

        let c = raw.crawler;
        let concurrency = c.concurrency.unwrap_or(32);
        if concurrency == 0 {
            return Err(bad("crawler.concurrency", "expected a number of requests of at least 1, found 0".into()));
        }
        let per_host_concurrency = c.per_host_concurrency.unwrap_or(2);
        if per_host_concurrency == 0 {
            return Err(bad("crawler.per_host_concurrency", "expected at least 1, found 0".into()));
        }
        let timeout = match c.timeout {
            Some(t) => parse_duration(&t).map_err(|e| bad("crawler.timeout", e))?,
            None => Duration::from_secs(30),
        };
        if timeout.is_zero() {
            return Err(bad("crawler.timeout", "must be longer than 0s".into()));
        }
        let max_body = match c.max_body {
            Some(s) => parse_size(&s).map_err(|e| bad("crawler.max_body", e))?,
            None => 10 * 1024 * 1024,
        };
        if max_body == 0 {
            return Err(bad("crawler.max_body", "must be larger than 0 bytes".into()));
        }
        let per_host_delay = match c.per_host_delay {
            Some(s) => parse_duration(&s).map_err(|e| bad("crawler.per_host_delay", e))?,
            None => Duration::ZERO,
        };
        let shard = c.shard.as_deref().map(Shard::parse).transpose().map_err(|e| bad("crawler.shard", e))?;
        let max_retry_after = match c.max_retry_after {
            Some(s) => parse_duration(&s).map_err(|e| bad("crawler.max_retry_after", e))?,
            None => DEFAULT_MAX_RETRY_AFTER,
        };
        let crawler = CrawlerConfig {
            shard,
            max_retry_after,
            per_host_delay,
            robots: c.robots.unwrap_or(true),
            user_agent: c.user_agent.unwrap_or_else(|| DEFAULT_USER_AGENT.to_string()),
            concurrency,
            per_host_concurrency,
            timeout,
            max_body,
            allow_private_networks: c.allow_private_networks.unwrap_or(false),
            allow_hosts: c.allow_hosts.unwrap_or_default().into_iter().map(|h| h.to_ascii_lowercase()).collect(),
        };

        let default_interval = match raw.defaults.interval {
            Some(s) => parse_interval(&s).map_err(|e| bad("defaults.interval", e))?,
            None => DEFAULT_INTERVAL,
        };
        let default_recheck = match raw.defaults.recheck {
            Some(list) => parse_recheck(&list).map_err(|e| bad("defaults.recheck", e))?,
            None => DEFAULT_RECHECK.iter().map(|s| Duration::from_secs(*s)).collect(),
        };

        let default_drop =
            check_selectors(raw.defaults.drop.unwrap_or_default()).map_err(|e| bad("defaults.drop", e))?;
        let default_ignore = compile_regexes(&raw.defaults.ignore_lines.unwrap_or_default())
            .map_err(|e| bad("defaults.ignore_lines", e))?;
        let default_flap = raw.defaults.flap_window.unwrap_or(0);
        let default_tail = match raw.defaults.recheck_tail {
            Some(list) => parse_tail(&list).map_err(|e| bad("defaults.recheck_tail", e))?,
            None => {
                DEFAULT_RECHECK_TAIL.iter().map(|(e, u)| (Duration::from_secs(*e), Duration::from_secs(*u))).collect()
            }
        };
        let default_keep_html = raw.defaults.keep_html.unwrap_or(true);

        let mut feeds = Vec::new();
        let mut names = HashSet::new();
        for (i, f) in raw.feed.into_iter().enumerate() {
            let key = |k: &str| format!("feed[{i}].{k}");
            let url = url::Url::parse(f.url.trim())
                .map_err(|e| bad(&key("url"), format!("`{}` is not a valid URL: {e}", f.url)))?;
            if !matches!(url.scheme(), "http" | "https") {
                return Err(bad(&key("url"), format!("`{url}` must be an http or https URL")));
            }
            let name = match f.name {
                Some(n) if n.trim().is_empty() => return Err(bad(&key("name"), "must not be empty".into())),
                Some(n) => n.trim().to_string(),
                None => url.host_str().unwrap_or("feed").to_string(),
            };
            if !names.insert(name.clone()) {
                return Err(bad(
                    &key("name"),
                    format!("duplicate feed name `{name}`: every feed needs a unique name (set `name` explicitly)"),
                ));
            }
            let interval = match f.interval {
                Some(s) => parse_interval(&s).map_err(|e| bad(&key("interval"), e))?,
                None => default_interval,
            };
            let recheck = match f.recheck {
                Some(list) => parse_recheck(&list).map_err(|e| bad(&key("recheck"), e))?,
                None => default_recheck.clone(),
            };
            let robots = f.robots.unwrap_or(crawler.robots);
            // Site rules add to the defaults: a selector or pattern that is noise everywhere stays noise here.
            let mut drop = default_drop.clone();
            drop.extend(check_selectors(f.drop.unwrap_or_default()).map_err(|e| bad(&key("drop"), e))?);
            let mut ignore_lines = default_ignore.clone();
            ignore_lines.extend(
                compile_regexes(&f.ignore_lines.unwrap_or_default()).map_err(|e| bad(&key("ignore_lines"), e))?,
            );
            let flap_window = f.flap_window.unwrap_or(default_flap);
            let kind = match f.kind.as_deref().map(str::trim) {
                None | Some("feed") => SourceKind::Feed,
                Some("sitemap") => SourceKind::Sitemap,
                Some(other) => {
                    return Err(bad(&key("kind"), format!("expected \"feed\" or \"sitemap\", found \"{other}\"")))
                }
            };
            if f.allow_other_hosts.is_some() && kind != SourceKind::Sitemap {
                return Err(bad(&key("allow_other_hosts"), "applies only to kind = \"sitemap\"".into()));
            }
            let allow_other_hosts = f.allow_other_hosts.unwrap_or(false);
            let category = f.category.map(|c| c.trim().to_string()).filter(|c| !c.is_empty());
            let recheck_tail = match f.recheck_tail {
                Some(list) => parse_tail(&list).map_err(|e| bad(&key("recheck_tail"), e))?,
                None => default_tail.clone(),
            };
            let keep_html = f.keep_html.unwrap_or(default_keep_html);
            let fc = FeedConfig {
                name,
                url,
                interval,
                recheck,
                robots,
                drop,
                ignore_lines,
                flap_window,
                recheck_tail,
                keep_html,
                kind,
                allow_other_hosts,
                category,
            };
            feeds.push((f.url.trim().to_string(), fc));
        }
        let names: Vec<String> = feeds.iter().map(|(_, f)| f.name.clone()).collect();
        let sinks = sinks::parse_sinks(raw.sink, &names, &bad)?;
        // A shard takes the feeds whose URL, exactly as written, hashes to it (so every daemon that shares the
        // feed list agrees, whatever it later learns about the URLs).
        let this_shard: Vec<FeedConfig> =
            feeds.iter().filter(|(url, _)| shard.is_none_or(|s| s.takes(url))).map(|(_, f)| f.clone()).collect();
        let configured_feeds: Vec<FeedConfig> = feeds.into_iter().map(|(_, f)| f).collect();
        let defaults = FeedDefaults {
            interval: default_interval,
            recheck: default_recheck,
            recheck_tail: default_tail,
            robots: crawler.robots,
            drop: default_drop,
            ignore_lines: default_ignore,
            flap_window: default_flap,
            keep_html: default_keep_html,
        };

        let socket = raw.store.socket.filter(|s| !s.trim().is_empty()).map(|s| expand_home(&s));
        let http_listen = match raw.http.listen.filter(|l| !l.trim().is_empty()) {
            Some(l) => Some(l.trim().parse().map_err(|_| {
                bad("http.listen", format!("expected an address and port such as \"127.0.0.1:9464\", found \"{l}\""))
            })?),
            None => None,
        };
        Ok(Config {
            source: source.to_path_buf(),
            store_path,
            socket,
            http_listen,
            crawler,
            defaults,
            feeds: this_shard,
            configured_feeds,
            sinks,
        })
    }
}

/// Parses a humantime duration such as `90s`, `10m` or `2h 30m`.
pub fn parse_duration(s: &str) -> Result<Duration, String> {
    humantime::parse_duration(s.trim())
        .map_err(|e| format!("expected a duration such as \"90s\", \"10m\" or \"2h\", found \"{s}\" ({e})"))
}

fn parse_interval(s: &str) -> Result<Duration, String> {
    let d = parse_duration(s)?;
    if d < Duration::from_secs(1) {
        return Err(format!("an interval must be at least 1s, found \"{s}\""));
    }
    Ok(d)
}

fn parse_recheck(list: &[String]) -> Result<Vec<Duration>, String> {
    let mut out = list.iter().map(|s| parse_duration(s)).collect::<Result<Vec<_>, _>>()?;
    out.sort();
    out.dedup();
    Ok(out)
}

/// `[["1d", "7d"], ["7d", "60d"]]`: steps of (every, until after the last change).
fn parse_tail(list: &[(String, String)]) -> Result<Vec<(Duration, Duration)>, String> {
    let mut out = Vec::new();
    for (every, until) in list {
        let (e, u) = (parse_duration(every)?, parse_duration(until)?);
        if e < Duration::from_secs(1) {
            return Err(format!("a re-check step must be at least 1s, found [\"{every}\", \"{until}\"]"));
        }
        out.push((e, u));
    }
    Ok(out)
}

fn check_selectors(list: Vec<String>) -> Result<Vec<String>, String> {
    for sel in &list {
        if dom_query::Matcher::new(sel).is_err() {
            return Err(format!("\"{sel}\" is not a valid CSS selector"));
        }
    }
    Ok(list)
}

fn compile_regexes(list: &[String]) -> Result<Vec<regex::Regex>, String> {
    list.iter()
        .map(|p| regex::Regex::new(p).map_err(|e| format!("\"{p}\" is not a valid regular expression: {e}")))
        .collect()
}

/// Parses a size with a unit: `10MiB`, `512KiB`, `5MB`, `1GiB`, or plain bytes `1048576`.
pub fn parse_size(s: &str) -> Result<u64, String> {
    let t = s.trim();
    let split = t.find(|c: char| !c.is_ascii_digit() && c != '.').unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    let value: f64 =
        num.parse().map_err(|_| format!("expected a size such as \"10MiB\" or \"512KiB\", found \"{s}\""))?;
    let mult: u64 = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "k" | "kb" => 1_000,
        "kib" => 1 << 10,
        "m" | "mb" => 1_000_000,
        "mib" => 1 << 20,
        "g" | "gb" => 1_000_000_000,
        "gib" => 1 << 30,
        other => return Err(format!("unknown size unit \"{other}\" in \"{s}\": use B, KB, KiB, MB, MiB, GB or GiB")),
    };
    Ok((value * mult as f64) as u64)
}

fn expand_home(p: &str) -> PathBuf {
    if let Some(rest) = p.strip_prefix("~/") {
        if let Some(home) = std::env::var_os("HOME") {
            return PathBuf::from(home).join(rest);
        }
    }
    PathBuf::from(p)
}

/// The store directory when the config names none: systemd's `$STATE_DIRECTORY`, else the user's data
/// directory (`$XDG_DATA_HOME/presswatch`, `~/.local/share/presswatch`).
pub fn default_store_path() -> PathBuf {
    if let Some(dir) = std::env::var_os("STATE_DIRECTORY") {
        // systemd may pass several colon-separated directories; the first is ours.
        let first = dir.to_string_lossy().split(':').next().unwrap_or_default().to_string();
        return PathBuf::from(first);
    }
    if let Some(xdg) = std::env::var_os("XDG_DATA_HOME").filter(|v| !v.is_empty()) {
        return PathBuf::from(xdg).join("presswatch");
    }
    if let Some(home) = std::env::var_os("HOME") {
        return PathBuf::from(home).join(".local/share/presswatch");
    }
    PathBuf::from("presswatch-store")
}

/// Picks the config file: `--config`, else `$PRESSWATCH_CONFIG`, else `/etc/presswatch/presswatch.toml` when it
/// exists, else `config/presswatch.toml`.
pub fn resolve_path(cli: Option<&Path>) -> PathBuf {
    if let Some(p) = cli {
        return p.to_path_buf();
    }
    if let Some(p) = std::env::var_os("PRESSWATCH_CONFIG").filter(|v| !v.is_empty()) {
        return PathBuf::from(p);
    }
    let etc = PathBuf::from("/etc/presswatch/presswatch.toml");
    if etc.exists() {
        return etc;
    }
    PathBuf::from("config/presswatch.toml")
}

#[cfg(test)]
mod tests;
