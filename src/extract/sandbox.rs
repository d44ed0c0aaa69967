//! Runs decode + extract where a bad page cannot hurt the daemon: on a thread apart with a large stack
//! (html5ever and the scoring recurse on deep trees), with panics caught, and with a deadline after which the
//! page is an error and its caller goes on.
//!
//! A thread cannot be killed: one that passes its deadline runs on until it ends, but nobody waits for it and
//! it holds no extraction place. Extraction is linear in the page (see the tests of deep pages), so such a
//! thread ends soon after; the deadline is the last line of defence, not the limit that does the work.
//!
//! The threads are kept for the next page: starting one per page (mapping its stack, faulting it in, a fresh
//! malloc arena) cost a fifteenth of the page's extraction time. A thread that finishes its page waits for
//! another, up to [`MAX_IDLE`] of them; a page that finds none idle starts one, so a thread still busy past its
//! deadline never holds up the next page.

use std::sync::mpsc;
use std::sync::Mutex;
use std::time::Duration;

use url::Url;

use super::{Article, ExtractError, Options};
use crate::decode;

/// Stack for an extraction thread: deep documents recurse in the parser's tree builder and serialiser. The
/// depth is bounded ([`super::limits::MAX_DEPTH`]), so a kept thread holds only the few megabytes it touched.
const STACK_BYTES: usize = 256 * 1024 * 1024;

/// At most this many threads wait for a page; more end when their page is done.
const MAX_IDLE: usize = 8;

/// The longest one page may take by default.
pub const DEFAULT_DEADLINE: Duration = Duration::from_secs(20);

/// A fetched page to extract.
#[derive(Debug, Clone)]
pub struct Page {
    pub body: Vec<u8>,
    pub content_type: Option<String>,
    pub url: Url,
}

/// Decodes and extracts `page` on an extraction thread; waits at most `deadline`.
pub async fn extract_page(
    page: Page,
    options: std::sync::Arc<Options>,
    deadline: Duration,
) -> Result<Article, ExtractError> {
    isolated(move || extract_now(&page, &options), deadline).await
}

/// Runs `work` on an extraction thread: its panic becomes [`ExtractError::Crashed`], and past `deadline` the
/// answer is [`ExtractError::TimedOut`] while the thread runs on.
async fn isolated<F>(work: F, deadline: Duration) -> Result<Article, ExtractError>
where
    F: FnOnce() -> Result<Article, ExtractError> + Send + 'static,
{
    let (tx, rx) = tokio::sync::oneshot::channel();
    let job: Job = Box::new(move || {
        let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(work));
        let _ = tx.send(result.unwrap_or_else(|panic| Err(ExtractError::Crashed(panic_message(&panic)))));
    });
    if let Err(e) = run_on_a_thread(job) {
        return Err(ExtractError::Crashed(format!("cannot start an extraction thread: {e}")));
    }
    match tokio::time::timeout(deadline, rx).await {
        Ok(Ok(result)) => result,
        Ok(Err(_)) => Err(ExtractError::Crashed("the extraction thread ended without an answer".into())),
        Err(_) => Err(ExtractError::TimedOut(deadline)),
    }
}

/// A page's work, panics caught inside.
type Job = Box<dyn FnOnce() + Send + 'static>;

/// The idle threads, each by the sender of the channel it waits on.
static IDLE: Mutex<Vec<mpsc::Sender<Job>>> = Mutex::new(Vec::new());

fn idle_threads() -> std::sync::MutexGuard<'static, Vec<mpsc::Sender<Job>>> {
    // Nothing panics while holding the lock; if something did, the list of senders is still whole.
    IDLE.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Gives `job` to an idle thread, or starts one for it.
fn run_on_a_thread(mut job: Job) -> std::io::Result<()> {
    loop {
        let Some(thread) = idle_threads().pop() else { break };
        match thread.send(job) {
            Ok(()) => return Ok(()),
            // That thread has ended: try the next.
            Err(mpsc::SendError(back)) => job = back,
        }
    }
    std::thread::Builder::new().name("extract".into()).stack_size(STACK_BYTES).spawn(move || serve(job)).map(drop)
}

/// An extraction thread: runs its job, then waits for the next one unless [`MAX_IDLE`] threads already wait.
fn serve(mut job: Job) {
    loop {
        job();
        let (tx, rx) = mpsc::channel();
        {
            let mut idle = idle_threads();
            if idle.len() >= MAX_IDLE {
                return;
            }
            idle.push(tx);
        }
        match rx.recv() {
            Ok(next) => job = next,
            Err(_) => return,
        }
    }
}

/// Decode and extract, on the calling thread.
pub fn extract_now(page: &Page, options: &Options) -> Result<Article, ExtractError> {
    let started = std::time::Instant::now();
    let decoded = decode::decode_html_as_written(&page.body, page.content_type.as_deref(), page.url.host_str());
    let article = super::extract_decoded(&decoded, Some(&page.url), options);
    crate::metrics::get().extract_seconds.observe(started.elapsed());
    article
}

fn panic_message(panic: &Box<dyn std::any::Any + Send>) -> String {
    let what = panic
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown panic".into());
    format!("the extractor crashed on this page: {what}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page(html: &str) -> Page {
        Page { body: html.as_bytes().to_vec(), content_type: None, url: Url::parse("https://example.org/a").unwrap() }
    }

    const ARTICLE: &str = "<html><head><title>Trade talks</title></head><body><article><h1>Trade talks</h1>\
        <p>Vietnam and Thailand on Monday agreed to double bilateral trade by the end of the decade, officials said.</p>\
        <p>The two prime ministers signed seven cooperation documents covering energy, education and tourism.</p>\
        </article></body></html>";

    #[tokio::test]
    async fn a_page_is_extracted_on_its_own_thread() {
        let a = extract_page(page(ARTICLE), Default::default(), DEFAULT_DEADLINE).await.unwrap();
        assert_eq!(a.title, "Trade talks");
        assert_eq!(a.text.lines().count(), 2);
    }

    #[tokio::test]
    async fn a_page_past_its_deadline_is_an_error_and_the_caller_goes_on() {
        // Large enough that no machine extracts it in a microsecond.
        let big = ARTICLE.replace("</article>", &"<p>More text in another paragraph of the story.</p>".repeat(20_000));
        let deadline = Duration::from_micros(1);
        let r = extract_page(page(&big), Default::default(), deadline).await;
        assert_eq!(r, Err(ExtractError::TimedOut(deadline)));
        assert_eq!(r.unwrap_err().to_string(), "extraction took longer than 1µs; the page is given up");
    }

    /// A panic in one page's work is that page's error, and the thread it ran on serves the next page.
    #[tokio::test]
    async fn a_crash_is_the_pages_error_and_the_next_page_is_extracted() {
        let crashed = isolated(|| panic!("a bug met on one page"), DEFAULT_DEADLINE).await;
        assert_eq!(
            crashed,
            Err(ExtractError::Crashed("the extractor crashed on this page: a bug met on one page".into()))
        );
        for _ in 0..3 {
            let a = extract_page(page(ARTICLE), Default::default(), DEFAULT_DEADLINE).await.unwrap();
            assert_eq!(a.title, "Trade talks");
        }
    }

    /// A thread still busy past its deadline holds no other page up: the next page gets a thread of its own
    /// and its answer while the first one runs on.
    #[tokio::test]
    async fn a_thread_past_its_deadline_does_not_hold_up_the_next_page() {
        let (release, wait) = std::sync::mpsc::channel::<()>();
        let stuck = isolated(
            move || {
                let _ = wait.recv_timeout(Duration::from_secs(30));
                Err(ExtractError::NoArticle { rule: "never reached" })
            },
            Duration::from_millis(50),
        )
        .await;
        assert_eq!(stuck, Err(ExtractError::TimedOut(Duration::from_millis(50))));
        let started = std::time::Instant::now();
        let a = extract_page(page(ARTICLE), Default::default(), Duration::from_secs(5)).await.unwrap();
        assert_eq!(a.text.lines().count(), 2);
        assert!(started.elapsed() < Duration::from_secs(5));
        release.send(()).unwrap();
    }

    #[test]
    fn a_panic_becomes_the_pages_error() {
        let panic = std::panic::catch_unwind(|| panic!("boom")).unwrap_err();
        assert_eq!(panic_message(&panic), "the extractor crashed on this page: boom");
    }
}
