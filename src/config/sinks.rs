//! `[[sink]]` tables: where events are delivered, and which ones. Parsed beside the rest of the config, with
//! errors that name the file and the key (`sink[1].url`).

use std::time::Duration;

use serde::Deserialize;

use crate::change::Significance;

/// One configured sink.
#[derive(Debug, Clone)]
pub struct SinkConfig {
    pub name: String,
    pub kind: SinkKind,
    /// Event names or prefixes (`article.*`); an event is delivered when one matches.
    pub events: Vec<String>,
    /// Feed names; empty means every feed.
    pub feeds: Vec<String>,
    /// `article.edited` events below this are not delivered.
    pub min_significance: Significance,
    /// How long `once` waits for pending events to go out before it exits.
    pub deliver_timeout: Duration,
    /// At most this many events wait for the sink; beyond it the oldest are dropped.
    pub max_pending: u64,
    /// One delivery attempt, from connect to the answer (or the command's exit).
    pub timeout: Duration,
}

/// A secret that does not show in `Debug` output (configs are logged in tests and panics).
#[derive(Clone)]
pub struct Secret(pub Vec<u8>);

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Secret({} bytes)", self.0.len())
    }
}

#[derive(Debug, Clone)]
pub enum SinkKind {
    /// POST of the event JSON, signed with HMAC-SHA256.
    Webhook {
        url: url::Url,
        secret: Secret,
        /// Host names or addresses the address guard lets through although private (an internal receiver).
        allow_hosts: Vec<String>,
    },
    /// A command that gets the event JSON on stdin; exit 0 means delivered.
    Exec { command: Vec<String> },
    /// NATS JetStream: published to `<subject>.<event>` in `stream`.
    Nats { url: String, subject: String, stream: String },
}

impl SinkKind {
    pub fn name(&self) -> &'static str {
        match self {
            SinkKind::Webhook { .. } => "webhook",
            SinkKind::Exec { .. } => "exec",
            SinkKind::Nats { .. } => "nats",
        }
    }

    /// Where the sink delivers to, for `presswatch sinks`.
    pub fn target(&self) -> String {
        match self {
            SinkKind::Webhook { url, .. } => url.to_string(),
            SinkKind::Exec { command } => command.join(" "),
            SinkKind::Nats { url, subject, stream } => format!("{url} {subject}.<event> (stream {stream})"),
        }
    }
}

pub const DEFAULT_EVENTS: &str = "article.*";
pub const DEFAULT_SUBJECT: &str = "presswatch.events";
pub const DEFAULT_STREAM: &str = "PRESSWATCH";

/// A `[[sink]]` table as written.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawSink {
    name: Option<String>,
    kind: Option<String>,
    events: Option<Vec<String>>,
    feeds: Option<Vec<String>>,
    min_significance: Option<String>,
    deliver_timeout: Option<String>,
    max_pending: Option<u64>,
    timeout: Option<String>,
    url: Option<String>,
    secret_file: Option<String>,
    secret_env: Option<String>,
    allow_hosts: Option<Vec<String>>,
    command: Option<Vec<String>>,
    subject: Option<String>,
    stream: Option<String>,
}

/// Whether an event name matches a pattern: the name itself, `prefix.*`, or `*`.
pub fn event_matches(pattern: &str, event: &str) -> bool {
    match pattern.strip_suffix('*') {
        Some(prefix) => event.starts_with(prefix),
        None => pattern == event,
    }
}

fn valid_event_pattern(p: &str) -> bool {
    if p == "*" {
        return true;
    }
    let body = p.strip_suffix(".*").unwrap_or(p);
    !body.is_empty()
        && body.split('.').all(|part| !part.is_empty() && part.chars().all(|c| c.is_ascii_lowercase() || c == '_'))
}

/// A NATS subject token: no white space, no wildcards, no empty tokens.
fn valid_subject(s: &str) -> bool {
    !s.is_empty() && s.split('.').all(|t| !t.is_empty() && !t.contains([' ', '\t', '*', '>']))
}

/// Parses every `[[sink]]`; `bad(key, message)` builds the error; `feeds` are the configured feed names.
pub(super) fn parse_sinks(
    raw: Vec<RawSink>,
    feeds: &[String],
    bad: &dyn Fn(&str, String) -> super::ConfigError,
) -> Result<Vec<SinkConfig>, super::ConfigError> {
    let mut out: Vec<SinkConfig> = Vec::new();
    for (i, s) in raw.into_iter().enumerate() {
        let key = |k: &str| format!("sink[{i}].{k}");
        let name = match s.name.as_deref().map(str::trim) {
            Some(n) if !n.is_empty() && n.chars().all(|c| c.is_alphanumeric() || "-_.".contains(c)) => n.to_string(),
            Some(n) => {
                return Err(bad(
                    &key("name"),
                    format!("\"{n}\" is not a sink name: use letters, digits, '-', '_' or '.'"),
                ))
            }
            None => {
                return Err(bad(
                    &key("name"),
                    "is required: every sink needs a unique name (its cursor is kept under it)".into(),
                ))
            }
        };
        if out.iter().any(|o| o.name == name) {
            return Err(bad(&key("name"), format!("duplicate sink name `{name}`")));
        }
        let events = s.events.unwrap_or_else(|| vec![DEFAULT_EVENTS.to_string()]);
        if let Some(p) = events.iter().find(|p| !valid_event_pattern(p)) {
            return Err(bad(
                &key("events"),
                format!("\"{p}\" is not an event name or pattern such as \"article.edited\" or \"article.*\""),
            ));
        }
        let sink_feeds = s.feeds.unwrap_or_default();
        if let Some(f) = sink_feeds.iter().find(|f| !feeds.contains(f)) {
            return Err(bad(
                &key("feeds"),
                format!("no feed is named \"{f}\" (the names are the [[feed]] tables' `name`)"),
            ));
        }
        let min_significance = match s.min_significance.as_deref() {
            None => Significance::Typo,
            Some(v) => Significance::parse(v).ok_or_else(|| {
                bad(&key("min_significance"), format!("expected \"typo\", \"minor\" or \"substantive\", found \"{v}\""))
            })?,
        };
        let duration = |k: &str, v: Option<String>, default: u64| -> Result<Duration, super::ConfigError> {
            let d = match v {
                Some(v) => super::parse_duration(&v).map_err(|e| bad(&key(k), e))?,
                None => Duration::from_secs(default),
            };
            if d.is_zero() {
                return Err(bad(&key(k), "must be longer than 0s".into()));
            }
            Ok(d)
        };
        let deliver_timeout = duration("deliver_timeout", s.deliver_timeout, 30)?;
        let timeout = duration("timeout", s.timeout, 10)?;
        let max_pending = s.max_pending.unwrap_or(100_000);
        if max_pending == 0 {
            return Err(bad(&key("max_pending"), "must be at least 1".into()));
        }

        let kind_name = s.kind.as_deref().unwrap_or("");
        // Keys that belong to another kind are refused: a misplaced `url` on an exec sink is a mistake.
        let present = [
            ("url", s.url.is_some()),
            ("secret_file", s.secret_file.is_some()),
            ("secret_env", s.secret_env.is_some()),
            ("allow_hosts", s.allow_hosts.is_some()),
            ("command", s.command.is_some()),
            ("subject", s.subject.is_some()),
            ("stream", s.stream.is_some()),
        ];
        let allowed: &[&str] = match kind_name {
            "webhook" => &["url", "secret_file", "secret_env", "allow_hosts"],
            "exec" => &["command"],
            "nats" => &["url", "subject", "stream"],
            other => {
                return Err(bad(
                    &key("kind"),
                    format!("expected \"webhook\", \"exec\" or \"nats\", found \"{other}\""),
                ));
            }
        };
        if let Some((k, _)) = present.iter().find(|(k, set)| *set && !allowed.contains(k)) {
            return Err(bad(&key(k), format!("is not a key of kind = \"{kind_name}\" sinks")));
        }
        let kind = match kind_name {
            "webhook" => {
                let raw_url = s.url.ok_or_else(|| bad(&key("url"), "is required for a webhook".into()))?;
                let url = url::Url::parse(raw_url.trim())
                    .map_err(|e| bad(&key("url"), format!("`{raw_url}` is not a valid URL: {e}")))?;
                if !matches!(url.scheme(), "http" | "https") {
                    return Err(bad(&key("url"), format!("`{url}` must be an http or https URL")));
                }
                let secret = match (s.secret_file, s.secret_env) {
                    (Some(f), None) => {
                        let text = std::fs::read_to_string(&f)
                            .map_err(|e| bad(&key("secret_file"), format!("cannot read {f}: {e}")))?;
                        text.trim_end_matches(['\n', '\r']).as_bytes().to_vec()
                    }
                    (None, Some(v)) => std::env::var(&v)
                        .map_err(|_| bad(&key("secret_env"), format!("the environment variable {v} is not set")))?
                        .into_bytes(),
                    (Some(_), Some(_)) => {
                        return Err(bad(&key("secret_env"), "set secret_file or secret_env, not both".into()))
                    }
                    (None, None) => {
                        return Err(bad(
                            &key("secret_file"),
                            "a webhook needs an HMAC key: set secret_file or secret_env".into(),
                        ));
                    }
                };
                if secret.is_empty() {
                    return Err(bad(&key("secret_file"), "the HMAC key is empty".into()));
                }
                let allow_hosts =
                    s.allow_hosts.unwrap_or_default().into_iter().map(|h| h.to_ascii_lowercase()).collect();
                SinkKind::Webhook { url, secret: Secret(secret), allow_hosts }
            }
            "exec" => {
                let command = s.command.unwrap_or_default();
                if command.first().is_none_or(|c| c.trim().is_empty()) {
                    return Err(bad(
                        &key("command"),
                        "is required: the program and its arguments, such as [\"/usr/local/bin/notify\", \"--edits\"]"
                            .into(),
                    ));
                }
                SinkKind::Exec { command }
            }
            _ => {
                let url = s.url.unwrap_or_else(|| "nats://127.0.0.1:4222".into());
                let subject = s.subject.unwrap_or_else(|| DEFAULT_SUBJECT.into());
                if !valid_subject(&subject) {
                    return Err(bad(
                        &key("subject"),
                        format!(
                            "\"{subject}\" is not a NATS subject (tokens separated by '.', no spaces or wildcards)"
                        ),
                    ));
                }
                let stream = s.stream.unwrap_or_else(|| DEFAULT_STREAM.into());
                if stream.is_empty() || stream.contains(['.', ' ', '*', '>', '/', '\\']) {
                    return Err(bad(&key("stream"), format!("\"{stream}\" is not a JetStream stream name")));
                }
                SinkKind::Nats { url, subject, stream }
            }
        };
        out.push(SinkConfig {
            name,
            kind,
            events,
            feeds: sink_feeds,
            min_significance,
            deliver_timeout,
            max_pending,
            timeout,
        });
    }
    Ok(out)
}

/// `[crawler] shard = "I/N"`: this daemon takes the feeds whose configured URL hashes to I modulo N.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    pub index: u64,
    pub count: u64,
}

impl Shard {
    pub fn parse(s: &str) -> Result<Shard, String> {
        let err = || format!("expected \"I/N\" with 0 ≤ I < N, such as \"0/3\", found \"{s}\"");
        let (i, n) = s.trim().split_once('/').ok_or_else(err)?;
        let (index, count): (u64, u64) = (i.trim().parse().map_err(|_| err())?, n.trim().parse().map_err(|_| err())?);
        if count == 0 || index >= count {
            return Err(err());
        }
        Ok(Shard { index, count })
    }

    /// The shard of a feed URL as written in the config: the first 8 bytes of its blake3 hash, as a
    /// little-endian u64, modulo N.
    pub fn of(url: &str, count: u64) -> u64 {
        let h = blake3::hash(url.as_bytes());
        u64::from_le_bytes(h.as_bytes()[..8].try_into().expect("8 bytes")) % count
    }

    pub fn takes(&self, url: &str) -> bool {
        Shard::of(url, self.count) == self.index
    }
}
