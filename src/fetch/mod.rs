//! HTTP fetching: one client for feeds and pages, with every limit in one place.
//!
//! - `timeout` bounds a request from connect to the last body byte (a trickling body cannot hang a pass);
//! - the body is read chunk by chunk and the cap is counted on *decoded* bytes, since reqwest has no cap of
//!   its own and a small gzip body can inflate to gigabytes;
//! - at most 5 redirects, each hop re-checked by the address guard; only http and https;
//! - no proxy from the environment (a proxy resolves names itself and would bypass the guard);
//! - politeness: at most `concurrency` requests in flight overall and `per_host_concurrency` per host,
//!   shared by feed and article fetches; with `get_holding` a response keeps its place among the `concurrency`
//!   until its caller is done with the body (crawl: until the page is extracted), which bounds the memory.

pub mod guard;
mod robots;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use reqwest::header::{self, HeaderMap, HeaderValue};
use tokio::sync::Semaphore;
use url::Url;

use crate::config::CrawlerConfig;

const MAX_REDIRECTS: usize = 5;

/// Validators from the previous response, echoed back for a conditional GET.
#[derive(Debug, Clone, Default)]
pub struct Validators {
    pub etag: Option<String>,
    pub last_modified: Option<String>,
}

/// A response that arrived in full (2xx) or said "not modified" (304).
#[derive(Debug, Clone)]
pub struct Response {
    pub status: u16,
    pub final_url: Url,
    pub content_type: Option<String>,
    pub etag: Option<String>,
    pub last_modified: Option<String>,
    /// How long the server says the response stays fresh (Cache-Control max-age, else Expires).
    pub fresh_for: Option<Duration>,
    /// The status of the first redirect followed (301, 302, ...), when the response came through redirects.
    pub redirect_status: Option<u16>,
    pub body: Vec<u8>,
}

/// Freshness from Cache-Control `max-age` (preferred) or `Expires`.
fn freshness(headers: &HeaderMap) -> Option<Duration> {
    if let Some(cc) = header_string(headers, header::CACHE_CONTROL) {
        for directive in cc.split(',') {
            let d = directive.trim();
            if let Some(v) = d.strip_prefix("max-age=") {
                return v.trim_matches('"').parse::<u64>().ok().map(Duration::from_secs);
            }
        }
    }
    let expires = header_string(headers, header::EXPIRES)?;
    let when = chrono::DateTime::parse_from_rfc2822(&expires).ok()?;
    (when.with_timezone(&chrono::Utc) - chrono::Utc::now()).to_std().ok()
}

impl Response {
    pub fn not_modified(&self) -> bool {
        self.status == 304
    }
}

#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    #[error("refused {url}: {reason}")]
    Refused { url: String, reason: String },
    #[error("timed out after {after:?} fetching {url}")]
    Timeout { url: String, after: Duration },
    #[error("body of {url} exceeds the cap of {cap} bytes (counted after decompression)")]
    TooLarge { url: String, cap: u64 },
    /// `retry_after` is the server's Retry-After, already cut to `crawler.max_retry_after`.
    #[error("HTTP {status} from {url}")]
    Status { url: String, status: u16, retry_after: Option<Duration> },
    /// 401 or 403: the site refuses this client, whatever it asks for.
    #[error(
        "HTTP {status} from {url}: the site refuses the crawler (user agent sent: \"{user_agent}\"); \
         ask the site to allow it, or set [crawler] user_agent"
    )]
    Forbidden { url: String, status: u16, user_agent: String },
    #[error("cannot fetch {url}: {detail}")]
    Network { url: String, detail: String },
}

impl FetchError {
    pub fn status(&self) -> Option<u16> {
        match self {
            FetchError::Status { status, .. } | FetchError::Forbidden { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// The server's Retry-After (capped), when it sent one with an error status.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            FetchError::Status { retry_after, .. } => *retry_after,
            _ => None,
        }
    }
}

/// A response's place among the `concurrency` requests in flight, kept while its body waits to be processed
/// (see [`Fetcher::get_holding`]); dropping it frees the place.
pub struct InFlight {
    _permit: tokio::sync::OwnedSemaphorePermit,
}

/// Politeness state of one host: requests in flight, and when the next one may start.
struct HostSlot {
    in_flight: Arc<Semaphore>,
    next_start: tokio::sync::Mutex<tokio::time::Instant>,
    /// robots.txt's Crawl-delay, once known; it can only lengthen `per_host_delay`.
    crawl_delay: Mutex<Duration>,
}

/// The shared HTTP client with its limits.
#[derive(Clone)]
pub struct Fetcher {
    client: reqwest::Client,
    policy: Arc<guard::Policy>,
    timeout: Duration,
    max_body: u64,
    user_agent: String,
    max_retry_after: Duration,
    global: Arc<Semaphore>,
    per_host_limit: usize,
    per_host_delay: Duration,
    per_host: Arc<Mutex<HashMap<String, Arc<HostSlot>>>>,
    robots: robots::Cache,
}

fn header_string(headers: &HeaderMap, name: header::HeaderName) -> Option<String> {
    headers.get(name).and_then(|v| v.to_str().ok()).map(str::to_string)
}

/// The whole error chain in one line: reqwest's top-level message alone ("error sending request") hides the
/// cause the user needs ("connection refused", "dns error: refused: ... is a loopback address").
pub(crate) fn error_chain(e: &dyn std::error::Error) -> String {
    let mut parts = vec![e.to_string()];
    let mut src = e.source();
    while let Some(s) = src {
        let msg = s.to_string();
        if !parts.iter().any(|p| p.contains(&msg)) {
            parts.push(msg);
        }
        src = s.source();
    }
    parts.join(": ")
}

/// Parses Retry-After (delta seconds or an HTTP date), cut to `cap`: a huge value must neither push the next
/// try centuries out nor overflow the time arithmetic downstream.
pub fn parse_retry_after(value: &str, cap: Duration) -> Option<Duration> {
    let v = value.trim();
    let wait = if let Ok(secs) = v.parse::<u64>() {
        Duration::from_secs(secs)
    } else if v.bytes().all(|b| b.is_ascii_digit()) && !v.is_empty() {
        // More digits than a u64 holds.
        cap
    } else {
        let when = chrono::DateTime::parse_from_rfc2822(v).ok()?;
        let delta = when.with_timezone(&chrono::Utc) - chrono::Utc::now();
        delta.to_std().unwrap_or(Duration::ZERO)
    };
    Some(wait.min(cap))
}

/// The host a request counts against for `per_host_concurrency`, its delay and robots.txt's Crawl-delay: host and
/// port, the scheme's default port when none is written. A crawl pass shares its tasks by the same key.
pub fn host_key(url: &Url) -> String {
    format!("{}:{}", url.host_str().unwrap_or(""), url.port_or_known_default().unwrap_or(0))
}

impl Fetcher {
    pub fn new(cfg: &CrawlerConfig) -> anyhow::Result<Fetcher> {
        let policy = Arc::new(guard::Policy {
            allow_private_networks: cfg.allow_private_networks,
            allow_hosts: cfg.allow_hosts.clone(),
        });
        let mut default_headers = HeaderMap::new();
        default_headers.insert(
            header::ACCEPT,
            HeaderValue::from_static(
                "application/rss+xml, application/atom+xml, application/feed+json, application/xml;q=0.9, text/html;q=0.9, */*;q=0.5",
            ),
        );
        let client = reqwest::Client::builder()
            .user_agent(cfg.user_agent.clone())
            .default_headers(default_headers)
            .no_proxy()
            // Redirects are followed by `get_unbounded`, which checks each hop and keeps the first status.
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(cfg.timeout.min(Duration::from_secs(10)))
            .pool_max_idle_per_host(cfg.per_host_concurrency.max(2))
            .dns_resolver(Arc::new(guard::GuardedResolver { policy: policy.clone() }))
            .build()?;
        Ok(Fetcher {
            client,
            policy,
            timeout: cfg.timeout,
            max_body: cfg.max_body,
            user_agent: cfg.user_agent.clone(),
            max_retry_after: cfg.max_retry_after,
            global: Arc::new(Semaphore::new(cfg.concurrency)),
            per_host_limit: cfg.per_host_concurrency,
            per_host_delay: cfg.per_host_delay,
            per_host: Arc::new(Mutex::new(HashMap::new())),
            robots: robots::Cache::new(&cfg.user_agent),
        })
    }

    fn host_slot(&self, url: &Url) -> Arc<HostSlot> {
        let mut map = self.per_host.lock().expect("per-host map lock");
        map.entry(host_key(url))
            .or_insert_with(|| {
                Arc::new(HostSlot {
                    in_flight: Arc::new(Semaphore::new(self.per_host_limit)),
                    next_start: tokio::sync::Mutex::new(tokio::time::Instant::now()),
                    crawl_delay: Mutex::new(Duration::ZERO),
                })
            })
            .clone()
    }

    /// Whether robots.txt lets us fetch this page (fetched once per host and day; missing or broken robots.txt
    /// allows everything). A Crawl-delay it names is applied to the host from then on.
    pub async fn robots_allow(&self, url: &Url) -> bool {
        let rules = self.robots.rules_for(self, url).await;
        if let Some(delay) = rules.crawl_delay {
            let slot = self.host_slot(url);
            let mut d = slot.crawl_delay.lock().expect("crawl delay lock");
            *d = delay.min(robots::MAX_CRAWL_DELAY);
        }
        rules.allows(url)
    }

    /// GETs a URL within every limit. A 304 answer to a conditional request is `Ok` with an empty body;
    /// any other non-2xx status is an error.
    pub async fn get(&self, url: &Url, validators: Option<&Validators>) -> Result<Response, FetchError> {
        self.get_holding(url, validators).await.map(|(resp, _in_flight)| resp)
    }

    /// As [`Fetcher::get`], with a body cap of its own instead of `max_body` (sitemaps: 50 MB, as their
    /// protocol allows).
    pub async fn get_capped(
        &self,
        url: &Url,
        validators: Option<&Validators>,
        max_body: u64,
    ) -> Result<Response, FetchError> {
        self.get_limited(url, validators, max_body).await.map(|(resp, _in_flight)| resp)
    }

    /// The user agent every request sends.
    pub fn user_agent(&self) -> &str {
        &self.user_agent
    }

    /// A place among the requests in flight, without a request (for a page that gave its own up).
    pub async fn hold(&self) -> InFlight {
        InFlight { _permit: self.global.clone().acquire_owned().await.expect("semaphore never closed") }
    }

    /// As [`Fetcher::get`], but the response keeps its place among the `concurrency` requests in flight until
    /// the returned [`InFlight`] is dropped. A caller that processes bodies more slowly than they arrive
    /// (extraction, on a fast network) so bounds how many wait in memory, without keeping the host's slot:
    /// other requests to the host go on, and a slow host cannot hold places that other hosts' pages wait for.
    pub async fn get_holding(
        &self,
        url: &Url,
        validators: Option<&Validators>,
    ) -> Result<(Response, InFlight), FetchError> {
        self.get_limited(url, validators, self.max_body).await
    }

    async fn get_limited(
        &self,
        url: &Url,
        validators: Option<&Validators>,
        max_body: u64,
    ) -> Result<(Response, InFlight), FetchError> {
        let refused = |reason: String| FetchError::Refused { url: url.to_string(), reason };
        self.policy.check_url(url).map_err(refused)?;
        let slot = self.host_slot(url);
        let metrics = crate::metrics::get();
        let host = url.host_str().unwrap_or_default();
        metrics.host_waiting(host, 1);
        let host_permit = slot.in_flight.clone().acquire_owned().await.expect("semaphore never closed");
        metrics.host_waiting(host, -1);
        let delay = self.per_host_delay.max(*slot.crawl_delay.lock().expect("crawl delay lock"));
        if !delay.is_zero() {
            let mut next = slot.next_start.lock().await;
            tokio::time::sleep_until(*next).await;
            *next = tokio::time::Instant::now() + delay;
        }
        let global_permit = self.global.clone().acquire_owned().await.expect("semaphore never closed");
        let started = std::time::Instant::now();
        let result = tokio::time::timeout(self.timeout, self.get_unbounded(url, validators, max_body)).await;
        drop(host_permit);
        let result = result.unwrap_or_else(|_| Err(FetchError::Timeout { url: url.to_string(), after: self.timeout }));
        let status = match &result {
            Ok(r) => Some(r.status),
            Err(e) => e.status(),
        };
        metrics.fetch_done(status, started.elapsed());
        result.map(|resp| (resp, InFlight { _permit: global_permit }))
    }

    /// Sends the request and follows up to 5 redirects, each hop checked by the address guard.
    async fn send_following(
        &self,
        url: &Url,
        validators: Option<&Validators>,
    ) -> Result<(reqwest::Response, Url, Option<u16>), FetchError> {
        let network = |e: &dyn std::error::Error| FetchError::Network { url: url.to_string(), detail: error_chain(e) };
        let mut current = url.clone();
        let mut first_redirect = None;
        let mut seen = vec![url.clone()];
        loop {
            let mut req = self.client.get(current.clone());
            if let Some(v) = validators {
                if let Some(etag) = &v.etag {
                    req = req.header(header::IF_NONE_MATCH, etag);
                }
                if let Some(lm) = &v.last_modified {
                    req = req.header(header::IF_MODIFIED_SINCE, lm);
                }
            }
            let resp = req.send().await.map_err(|e| network(&e))?;
            let location = resp.headers().get(header::LOCATION).and_then(|l| l.to_str().ok());
            let next = match location {
                Some(l) if resp.status().is_redirection() && resp.status().as_u16() != 304 => current.join(l.trim()),
                _ => return Ok((resp, current, first_redirect)),
            };
            let next = next.map_err(|e| FetchError::Network {
                url: url.to_string(),
                detail: format!("redirect to an invalid URL from {current}: {e}"),
            })?;
            if seen.len() > MAX_REDIRECTS {
                return Err(FetchError::Network {
                    url: url.to_string(),
                    detail: format!("more than {MAX_REDIRECTS} redirects"),
                });
            }
            if seen.contains(&next) {
                return Err(FetchError::Network { url: url.to_string(), detail: format!("redirect loop at {next}") });
            }
            if let Err(reason) = self.policy.check_url(&next) {
                return Err(FetchError::Refused {
                    url: url.to_string(),
                    reason: format!("redirect to {next} refused: {reason}"),
                });
            }
            first_redirect.get_or_insert(resp.status().as_u16());
            seen.push(next.clone());
            current = next;
        }
    }

    async fn get_unbounded(
        &self,
        url: &Url,
        validators: Option<&Validators>,
        max_body: u64,
    ) -> Result<Response, FetchError> {
        let network = |e: &dyn std::error::Error| FetchError::Network { url: url.to_string(), detail: error_chain(e) };
        let (mut resp, final_url, redirect_status) = self.send_following(url, validators).await?;
        let status = resp.status().as_u16();
        let headers = resp.headers().clone();
        if status == 304 {
            return Ok(Response {
                status,
                final_url,
                content_type: None,
                etag: header_string(&headers, header::ETAG),
                last_modified: header_string(&headers, header::LAST_MODIFIED),
                fresh_for: freshness(&headers),
                redirect_status,
                body: Vec::new(),
            });
        }
        if status == 401 || status == 403 {
            return Err(FetchError::Forbidden { url: url.to_string(), status, user_agent: self.user_agent.clone() });
        }
        if !resp.status().is_success() {
            let retry_after =
                header_string(&headers, header::RETRY_AFTER).and_then(|v| parse_retry_after(&v, self.max_retry_after));
            return Err(FetchError::Status { url: url.to_string(), status, retry_after });
        }
        let too_large = || FetchError::TooLarge { url: url.to_string(), cap: max_body };
        // Content-Length is the compressed size: a cheap early refusal, not the real check.
        if resp.content_length().is_some_and(|n| n > max_body) {
            return Err(too_large());
        }
        let mut body = Vec::with_capacity(resp.content_length().unwrap_or(64 * 1024).min(max_body) as usize);
        while let Some(chunk) = resp.chunk().await.map_err(|e| network(&e))? {
            if body.len() as u64 + chunk.len() as u64 > max_body {
                return Err(too_large());
            }
            body.extend_from_slice(&chunk);
        }
        Ok(Response {
            status,
            final_url,
            content_type: header_string(&headers, header::CONTENT_TYPE),
            etag: header_string(&headers, header::ETAG),
            last_modified: header_string(&headers, header::LAST_MODIFIED),
            fresh_for: freshness(&headers),
            redirect_status,
            body,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_is_capped_and_never_overflows() {
        let cap = Duration::from_secs(24 * 3600);
        assert_eq!(parse_retry_after("120", cap), Some(Duration::from_secs(120)));
        assert_eq!(parse_retry_after("999999999999", cap), Some(cap));
        assert_eq!(parse_retry_after("99999999999999999999999999", cap), Some(cap));
        assert_eq!(parse_retry_after("Fri, 31 Dec 9999 23:59:59 GMT", cap), Some(cap));
        assert_eq!(parse_retry_after("Thu, 01 Jan 1970 00:00:00 GMT", cap), Some(Duration::ZERO));
        assert_eq!(parse_retry_after("soon", cap), None);
    }
}
