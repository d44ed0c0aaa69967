//! Page bytes through decode and extract, as the crawler runs them: never a panic, and an extracted
//! article's text is normalised and its hash is the hash of its title and text.
//!
//! Extraction runs on a thread with a large stack, as in the daemon (`extract::sandbox`): html5ever and the
//! scoring recurse on deep trees, which the daemon allows for.
#![no_main]

use libfuzzer_sys::fuzz_target;
use presswatch::{decode, extract, normalize};

fuzz_target!(|data: &[u8]| {
    let data = data.to_vec();
    std::thread::Builder::new()
        .stack_size(256 * 1024 * 1024)
        .spawn(move || {
            let url = url::Url::parse("https://baoquocte.vn/the-gioi/bai-viet-123.html").unwrap();
            let decoded = decode::decode_html(&data, None, url.host_str());
            if let Ok(a) = extract::extract_with(&decoded.text, Some(&url), &extract::Options::default()) {
                assert_eq!(normalize::normalize_text(&a.text), a.text);
                assert_eq!(a.content_hash, normalize::content_hash(&a.title, &a.text));
            }
        })
        .unwrap()
        .join()
        .unwrap();
});
