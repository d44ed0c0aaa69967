//! URL canonicalisation: never a panic; a canonical URL is canonical again (idempotent), carries no
//! tracking parameter and no fragment; a link resolved against a page is http(s) or refused.
#![no_main]

use libfuzzer_sys::fuzz_target;
use presswatch::canon;

fuzz_target!(|data: &[u8]| {
    let Ok(s) = std::str::from_utf8(data) else { return };
    let base = url::Url::parse("https://baoquocte.vn/the-gioi/index.html?lang=vi").unwrap();
    for c in [canon::resolve_and_canonicalize(Some(&base), s), canon::resolve_and_canonicalize(None, s)]
        .into_iter()
        .flatten()
    {
        assert!(matches!(c.scheme(), "http" | "https"), "{c}");
        assert_eq!(canon::canonicalize(&c).as_ref(), Some(&c), "not idempotent");
        assert!(c.fragment().is_none(), "{c}");
        assert!(!c.query_pairs().any(|(k, _)| k.starts_with("utm_")), "{c}");
    }
    if let Some(c) = canon::canonicalize_str(s) {
        assert_eq!(canon::canonicalize_str(&c).as_ref(), Some(&c), "not idempotent");
    }
});
