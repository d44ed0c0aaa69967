//! The read-only web view on `[http] listen`: recent events with filters, an article with its versions, the
//! diff of two versions (side by side or inline), search, and Atom feeds of edits.
//!
//! Every page asks [`crate::query::answer`] — the same questions the CLI asks over the socket — and renders the
//! answer with maud, which escapes every spliced value, so a headline such as `<img src=x onerror=…>` is shown as
//! text. Only GET (and HEAD) is routed; every response carries a strict Content-Security-Policy: no script at
//! all, styles from our one stylesheet only, forms that submit only to us.

mod atom;
mod pages;

use std::sync::{Arc, RwLock};

use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use serde::Deserialize;

use crate::change::Significance;
use crate::config::Config;
use crate::query::{self, Answer, ArticleFilter, EventFilter, QueryError, Request};
use crate::store::Store;

/// No script, no frames, no plugins; styles and images from this server only; forms submit only here.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; style-src 'self'; img-src 'self'; \
     form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

/// Events on one page of `/`.
const EVENTS_PER_PAGE: usize = 100;
/// Entries in an Atom feed.
const FEED_ENTRIES: usize = 50;
/// Longest search or filter value we read; a longer one is cut (it would match nothing anyway).
const MAX_PARAM: usize = 200;

/// What the handlers share: the store the daemon holds and its current configuration (for the feed names).
#[derive(Clone)]
pub struct WebState {
    pub store: Store,
    pub config: Arc<RwLock<Arc<Config>>>,
}

impl WebState {
    fn config(&self) -> Arc<Config> {
        self.config.read().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// Runs one query in the blocking pool, as the socket does.
    async fn ask(&self, request: Request) -> Result<Answer, WebError> {
        let (store, cfg) = (self.store.clone(), self.config());
        tokio::task::spawn_blocking(move || query::answer(&store, Some(&cfg), &request))
            .await
            .map_err(|e| WebError::internal(format!("the query crashed: {e}")))?
            .map_err(WebError::from)
    }
}

/// The web view's routes, to be merged with /metrics and /healthz.
pub fn router(state: WebState) -> Router {
    Router::new()
        .route("/", get(events))
        .route("/style.css", get(stylesheet))
        .route("/articles", get(search))
        .route("/articles/{id}", get(article))
        .route("/articles/{id}/versions/{n}", get(version))
        .route("/articles/{id}/diff", get(diff))
        .route("/feeds/edits.atom", get(edits_all))
        .route("/feeds/{feed}/edits.atom", get(edits_of_feed))
        .with_state(state)
}

/// Headers every response gets, pages, feeds, metrics and errors alike.
pub async fn security_headers(mut response: Response) -> Response {
    let h = response.headers_mut();
    h.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(CONTENT_SECURITY_POLICY));
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    h.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    response
}

/// The page for a path we do not serve.
pub async fn not_found() -> Response {
    WebError { status: StatusCode::NOT_FOUND, message: "There is no page here.".into() }.into_response()
}

/// A failed request, shown as a page that says why.
#[derive(Debug)]
pub struct WebError {
    status: StatusCode,
    message: String,
}

impl WebError {
    fn bad_request(message: impl Into<String>) -> WebError {
        WebError { status: StatusCode::BAD_REQUEST, message: message.into() }
    }
    fn internal(message: impl Into<String>) -> WebError {
        WebError { status: StatusCode::INTERNAL_SERVER_ERROR, message: message.into() }
    }
}

impl From<QueryError> for WebError {
    fn from(e: QueryError) -> WebError {
        let status = match &e {
            QueryError::NotFound(_) => StatusCode::NOT_FOUND,
            QueryError::BadArgument(_) => StatusCode::BAD_REQUEST,
            QueryError::Store(_) => StatusCode::INTERNAL_SERVER_ERROR,
        };
        WebError { status, message: e.to_string() }
    }
}

impl IntoResponse for WebError {
    fn into_response(self) -> Response {
        (self.status, html(pages::error(self.status, &self.message))).into_response()
    }
}

fn html(markup: maud::Markup) -> Response {
    ([(header::CONTENT_TYPE, "text/html; charset=utf-8")], markup.into_string()).into_response()
}

/// A query parameter as given, or `None` when absent or blank (an empty form field), cut to [`MAX_PARAM`].
fn param(v: &Option<String>) -> Option<String> {
    let v = v.as_deref()?.trim();
    (!v.is_empty()).then(|| v.chars().take(MAX_PARAM).collect())
}

fn number<T: std::str::FromStr>(name: &str, v: &Option<String>) -> Result<Option<T>, WebError> {
    match param(v) {
        None => Ok(None),
        Some(s) => s.parse().map(Some).map_err(|_| WebError::bad_request(format!("{name}={s}: not a number"))),
    }
}

/// An article id from the path; anything else is no article.
fn article_id(id: &str) -> Result<u64, WebError> {
    id.parse().map_err(|_| WebError { status: StatusCode::NOT_FOUND, message: format!("no article with id {id}") })
}

/// The filters of `/`, as the form sends them. Every field is text, so that a bad value gets our own message.
#[derive(Debug, Default, Deserialize)]
pub struct EventsQuery {
    feed: Option<String>,
    event: Option<String>,
    since: Option<String>,
    significance: Option<String>,
    before: Option<String>,
}

/// The filters as the page shows them back in its form.
#[derive(Debug, Default, Clone)]
pub struct EventsForm {
    pub feed: Option<String>,
    pub event: Option<String>,
    pub since: Option<String>,
    pub significance: Option<Significance>,
}

/// `significance=`: typo, minor or substantive (at least), or nothing.
fn significance(v: &Option<String>) -> Result<Option<Significance>, WebError> {
    match param(v) {
        None => Ok(None),
        Some(s) => Significance::parse(&s)
            .map(Some)
            .ok_or_else(|| WebError::bad_request(format!("significance={s}: expected typo, minor or substantive"))),
    }
}

async fn events(State(state): State<WebState>, Query(q): Query<EventsQuery>) -> Result<Response, WebError> {
    let form = EventsForm {
        feed: param(&q.feed),
        event: param(&q.event),
        since: param(&q.since),
        significance: significance(&q.significance)?,
    };
    let since = form.since.as_deref().map(|s| query::parse_when(s, chrono::Utc::now())).transpose()?;
    let filter = EventFilter {
        feed: form.feed.clone(),
        event: form.event.clone(),
        since,
        significance: form.significance,
        before_seq: number("before", &q.before)?,
        limit: EVENTS_PER_PAGE,
    };
    let Answer::EventPage(page) = state.ask(Request::RecentEvents(filter)).await? else {
        return Err(WebError::internal("unexpected answer"));
    };
    let feeds: Vec<String> = state.config().feeds.iter().map(|f| f.name.clone()).collect();
    Ok(html(pages::events(&page, &feeds, &form)))
}

async fn stylesheet() -> Response {
    (
        [(header::CONTENT_TYPE, "text/css; charset=utf-8"), (header::CACHE_CONTROL, "max-age=3600")],
        include_str!("style.css"),
    )
        .into_response()
}

#[derive(Debug, Default, Deserialize)]
pub struct SearchQuery {
    q: Option<String>,
}

/// `/articles?q=`: the articles whose title or URL holds the words; without `q`, the latest articles (as
/// `presswatch articles --limit 100`).
async fn search(State(state): State<WebState>, Query(q): Query<SearchQuery>) -> Result<Response, WebError> {
    let text = param(&q.q);
    let request = match &text {
        Some(q) => Request::Search { q: q.clone(), limit: EVENTS_PER_PAGE },
        None => Request::Articles(ArticleFilter { limit: Some(EVENTS_PER_PAGE), ..Default::default() }),
    };
    let Answer::Articles(articles) = state.ask(request).await? else {
        return Err(WebError::internal("unexpected answer"));
    };
    Ok(html(pages::search(text.as_deref(), &articles)))
}

async fn article(State(state): State<WebState>, Path(id): Path<String>) -> Result<Response, WebError> {
    let target = article_id(&id)?.to_string();
    let Answer::Show(shown) = state.ask(Request::Show { target: target.clone() }).await? else {
        return Err(WebError::internal("unexpected answer"));
    };
    let Answer::History(versions) = state.ask(Request::History { target }).await? else {
        return Err(WebError::internal("unexpected answer"));
    };
    Ok(html(pages::article(&shown.article, &versions)))
}

async fn version(State(state): State<WebState>, Path((id, n)): Path<(String, String)>) -> Result<Response, WebError> {
    let id = article_id(&id)?;
    let Answer::Show(shown) = state.ask(Request::Show { target: id.to_string() }).await? else {
        return Err(WebError::internal("unexpected answer"));
    };
    let Answer::History(versions) = state.ask(Request::History { target: id.to_string() }).await? else {
        return Err(WebError::internal("unexpected answer"));
    };
    let v = n.parse::<u32>().ok().and_then(|n| versions.iter().find(|v| v.version == n)).ok_or_else(|| WebError {
        status: StatusCode::NOT_FOUND,
        message: format!("article {id} has versions 1 to {}; there is no version {n}", shown.article.versions),
    })?;
    Ok(html(pages::version(&shown.article, v)))
}

#[derive(Debug, Default, Deserialize)]
pub struct DiffQuery {
    from: Option<String>,
    to: Option<String>,
    view: Option<String>,
}

/// How a diff page lays out the two versions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DiffLayout {
    /// Two columns, old and new (stacked on a narrow screen).
    Side,
    /// One column: removed lines, then added lines.
    Inline,
}

async fn diff(
    State(state): State<WebState>,
    Path(id): Path<String>,
    Query(q): Query<DiffQuery>,
) -> Result<Response, WebError> {
    let target = article_id(&id)?.to_string();
    let layout = match param(&q.view).as_deref() {
        None | Some("side") => DiffLayout::Side,
        Some("inline") => DiffLayout::Inline,
        Some(other) => return Err(WebError::bad_request(format!("view={other}: expected side or inline"))),
    };
    let request = Request::DiffView { target, from: number("from", &q.from)?, to: number("to", &q.to)? };
    let Answer::DiffView(view) = state.ask(request).await? else {
        return Err(WebError::internal("unexpected answer"));
    };
    Ok(html(pages::diff(&view, layout)))
}

/// The filter of an Atom feed of edits: `?significance=minor` leaves out the typos.
#[derive(Debug, Default, Deserialize)]
pub struct EditsQuery {
    significance: Option<String>,
}

async fn edits_all(
    State(state): State<WebState>,
    Query(q): Query<EditsQuery>,
    headers: HeaderMap,
) -> Result<Response, WebError> {
    edits(state, None, significance(&q.significance)?, &headers).await
}

async fn edits_of_feed(
    State(state): State<WebState>,
    Path(feed): Path<String>,
    Query(q): Query<EditsQuery>,
    headers: HeaderMap,
) -> Result<Response, WebError> {
    if !state.config().feeds.iter().any(|f| f.name == feed) {
        return Err(WebError { status: StatusCode::NOT_FOUND, message: format!("no feed named {feed}") });
    }
    edits(state, Some(feed), significance(&q.significance)?, &headers).await
}

/// An Atom feed of `article.edited` events, newest first, each entry with its significance, its changed lines
/// and a link to its diff page.
async fn edits(
    state: WebState,
    feed: Option<String>,
    significance: Option<Significance>,
    headers: &HeaderMap,
) -> Result<Response, WebError> {
    let filter = EventFilter {
        feed: feed.clone(),
        event: Some("article.edited".into()),
        significance,
        limit: FEED_ENTRIES,
        ..Default::default()
    };
    let Answer::EventPage(page) = state.ask(Request::RecentEvents(filter)).await? else {
        return Err(WebError::internal("unexpected answer"));
    };
    let mut edits = Vec::new();
    for ev in page.events {
        let to = ev.view.version.unwrap_or(1);
        let request =
            Request::DiffView { target: ev.view.id.to_string(), from: Some(to.saturating_sub(1).max(1)), to: Some(to) };
        // An article whose versions cannot be read still gets its entry, without the changed lines.
        let view = match state.ask(request).await {
            Ok(Answer::DiffView(v)) => Some(v),
            _ => None,
        };
        edits.push((ev, view));
    }
    let base = base_url(headers, state.config().http_listen);
    let xml = atom::edits(&base, feed.as_deref(), significance, &edits);
    Ok(([(header::CONTENT_TYPE, "application/atom+xml; charset=utf-8")], xml).into_response())
}

/// `http://HOST` for absolute links in feeds: the Host the client asked for when it is a plain host and port,
/// else the listen address.
fn base_url(headers: &HeaderMap, listen: Option<std::net::SocketAddr>) -> String {
    let plain = |h: &&str| {
        !h.is_empty() && h.len() <= 255 && h.chars().all(|c| c.is_ascii_alphanumeric() || ".-:[]".contains(c))
    };
    let host = headers.get(header::HOST).and_then(|h| h.to_str().ok()).filter(plain).map(str::to_string);
    let host = host.or_else(|| listen.map(|a| a.to_string())).unwrap_or_else(|| "localhost".into());
    format!("http://{host}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_url_takes_a_plain_host_and_refuses_anything_else() {
        let mut h = HeaderMap::new();
        h.insert(header::HOST, HeaderValue::from_static("127.0.0.1:9464"));
        assert_eq!(base_url(&h, None), "http://127.0.0.1:9464");
        h.insert(header::HOST, HeaderValue::from_static("evil.example/\"><x"));
        assert_eq!(base_url(&h, Some("127.0.0.1:1".parse().unwrap())), "http://127.0.0.1:1");
    }

    #[test]
    fn blank_parameters_are_absent_and_long_ones_are_cut() {
        assert_eq!(param(&Some("  ".into())), None);
        assert_eq!(param(&Some(" baoquocte ".into())), Some("baoquocte".into()));
        assert_eq!(param(&Some("x".repeat(1000))).map(|s| s.len()), Some(MAX_PARAM));
        assert_eq!(number::<u32>("from", &Some("2".into())).unwrap(), Some(2));
        assert_eq!(number::<u32>("from", &Some("two".into())).unwrap_err().message, "from=two: not a number");
        assert_eq!(significance(&Some(" minor ".into())).unwrap(), Some(Significance::Minor));
        assert_eq!(significance(&Some("".into())).unwrap(), None);
        assert_eq!(
            significance(&Some("big".into())).unwrap_err().message,
            "significance=big: expected typo, minor or substantive"
        );
    }
}
