//! Feed bytes with a content type: decoding and parsing never panic, and every item link is an http(s)
//! URL that is already canonical.
//!
//! Input: the content type on the first line (empty: none), then the body.
#![no_main]

use libfuzzer_sys::fuzz_target;
use presswatch::{canon, decode, feed};

fuzz_target!(|data: &[u8]| {
    let (content_type, body) = match data.iter().position(|b| *b == b'\n') {
        Some(i) => (std::str::from_utf8(&data[..i]).ok().filter(|s| !s.is_empty()), &data[i + 1..]),
        None => (None, data),
    };
    let url = url::Url::parse("https://baoquocte.vn/rss/the-gioi.rss").unwrap();
    let _ = decode::decode_feed(body, content_type, url.host_str());
    if let Ok(parsed) = feed::parse(body, content_type, &url) {
        for item in parsed.items {
            assert!(matches!(item.link.scheme(), "http" | "https"), "{}", item.link);
            assert_eq!(canon::canonicalize(&item.link), Some(item.link.clone()));
        }
    }
});
