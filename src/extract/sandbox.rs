//! Runs decode + extract where a bad page cannot hurt the daemon: on a thread of its own with a large stack
//! (html5ever and the scoring recurse on deep trees), with panics caught, and with a deadline after which the
//! page is an error and its caller goes on.
//!
//! A thread cannot be killed: one that passes its deadline runs on until it ends, but nobody waits for it and
//! it holds no extraction place. Extraction is linear in the page (see the tests of deep pages), so such a
//! thread ends soon after; the deadline is the last line of defence, not the limit that does the work.

use std::time::Duration;

use url::Url;

use super::{Article, ExtractError, Options};
use crate::decode;

/// Stack for an extraction thread: deep documents recurse in the parser's tree builder and serialiser.
const STACK_BYTES: usize = 256 * 1024 * 1024;

/// The longest one page may take by default.
pub const DEFAULT_DEADLINE: Duration = Duration::from_secs(20);

/// A fetched page to extract.
#[derive(Debug, Clone)]
pub struct Page {
    pub body: Vec<u8>,
    pub content_type: Option<String>,
    pub url: Url,
}

/// Decodes and extracts `page` on a thread of its own; waits at most `deadline`.
pub async fn extract_page(
    page: Page,
    options: std::sync::Arc<Options>,
    deadline: Duration,
) -> Result<Article, ExtractError> {
    let (tx, rx) = tokio::sync::oneshot::channel();
    let spawned = std::thread::Builder::new().name("extract".into()).stack_size(STACK_BYTES).spawn(move || {
        let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| extract_now(&page, &options)));
        let _ = tx.send(result.unwrap_or_else(|panic| Err(ExtractError::Crashed(panic_message(&panic)))));
    });
    if let Err(e) = spawned {
        return Err(ExtractError::Crashed(format!("cannot start an extraction thread: {e}")));
    }
    match tokio::time::timeout(deadline, rx).await {
        Ok(Ok(result)) => result,
        Ok(Err(_)) => Err(ExtractError::Crashed("the extraction thread ended without an answer".into())),
        Err(_) => Err(ExtractError::TimedOut(deadline)),
    }
}

/// Decode and extract, on the calling thread.
pub fn extract_now(page: &Page, options: &Options) -> Result<Article, ExtractError> {
    let started = std::time::Instant::now();
    let decoded = decode::decode_html(&page.body, page.content_type.as_deref(), page.url.host_str());
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

    #[test]
    fn a_panic_becomes_the_pages_error() {
        let panic = std::panic::catch_unwind(|| panic!("boom")).unwrap_err();
        assert_eq!(panic_message(&panic), "the extractor crashed on this page: boom");
    }
}
