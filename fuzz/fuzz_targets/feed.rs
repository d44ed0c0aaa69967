//! Feed bytes with a content type: decoding and parsing never panic, no feed is lost to a parser crash,
//! and every item link is an http(s) URL that is already canonical (an item without a link is named by the
//! feed's URL with an `#item=` fragment).
//!
//! Input: the content type on the first line (empty: none), then the body.
//!
//! `feed::parse` catches panics of feed-rs (a panic is that feed's error). One is known and worked around
//! (feed-rs 3.0.0 on a person's e-mail address next to a multi-byte character: see `feed/crash.rs`); that
//! one is let through here, any other panic, caught or not, is a finding.
#![no_main]

use libfuzzer_sys::fuzz_target;
use presswatch::{canon, decode, feed};

/// The known feed-rs panic: `parse_person_name_email` in feed-rs's parser/util/mod.rs.
fn is_known_feed_rs_panic(info: &std::panic::PanicHookInfo) -> bool {
    info.location().is_some_and(|l| l.file().contains("feed-rs") && l.file().ends_with("parser/util/mod.rs"))
}

fuzz_target!(|data: &[u8]| {
    static HOOK: std::sync::Once = std::sync::Once::new();
    HOOK.call_once(|| {
        let libfuzzer_hook = std::panic::take_hook(); // prints the panic and aborts
        std::panic::set_hook(Box::new(move |info| {
            if !is_known_feed_rs_panic(info) {
                libfuzzer_hook(info)
            }
        }));
    });
    let (content_type, body) = match data.iter().position(|b| *b == b'\n') {
        Some(i) => (std::str::from_utf8(&data[..i]).ok().filter(|s| !s.is_empty()), &data[i + 1..]),
        None => (None, data),
    };
    let url = url::Url::parse("https://baoquocte.vn/rss/the-gioi.rss").unwrap();
    let _ = decode::decode_feed(body, content_type, url.host_str());
    match feed::parse(body, content_type, &url) {
        Ok(parsed) => {
            for item in parsed.items {
                assert!(matches!(item.link.scheme(), "http" | "https"), "{}", item.link);
                if item.own_text.is_some() {
                    assert!(feed::is_own_item_url(item.link.as_str()), "{}", item.link);
                    let mut page = item.link.clone();
                    page.set_fragment(None);
                    assert_eq!(page, url, "an item without a link is named after its feed");
                } else {
                    assert_eq!(canon::canonicalize(&item.link), Some(item.link.clone()));
                }
            }
        }
        Err(e) => assert!(!e.to_string().contains("crashed"), "a feed lost to a parser crash: {e}"),
    }
});
