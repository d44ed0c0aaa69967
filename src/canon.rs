//! URL canonicalisation: one spelling per article URL, so that tracking parameters, fragments, default ports
//! and letter case never make one article look like two.

use url::Url;

/// Query parameters that only track the reader; dropped from every article URL.
const TRACKING_PARAMS: &[&str] = &[
    "fbclid",
    "gclid",
    "dclid",
    "gbraid",
    "wbraid",
    "msclkid",
    "yclid",
    "mc_cid",
    "mc_eid",
    "igshid",
    "_ga",
    "_gl",
    "ref_src",
    "ref_url",
    "cmpid",
    "ito",
    "ns_mchannel",
    "ns_source",
    "ns_campaign",
    "ns_linkname",
    "ns_fee",
    "spm",
    "share",
    "zarsrc",
    "zarsrc_id",
    "oly_anon_id",
    "oly_enc_id",
    "vero_id",
    "wt_mc",
    "icid",
];

fn is_tracking(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    lower.starts_with("utm_") || lower.starts_with("pk_") || TRACKING_PARAMS.contains(&lower.as_str())
}

/// Normalises an absolute http(s) URL: scheme and host lower-cased (the `url` crate does that and drops the
/// default port), fragment removed, tracking parameters removed, an empty query removed.
/// Returns `None` for anything but http and https.
pub fn canonicalize(url: &Url) -> Option<Url> {
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
        return None;
    }
    let mut u = url.clone();
    u.set_fragment(None);
    let _ = u.set_username("");
    let _ = u.set_password(None);
    // The query is kept as written, less the tracking parameters: rebuilding it from decoded pairs would turn
    // `index.php?/news/123` into `index.php?%2Fnews%2F123=`, another URL that the server does not know.
    if let Some(query) = u.query() {
        let kept: Vec<&str> =
            query.split('&').filter(|pair| !pair.is_empty() && !is_tracking(&pair_key(pair))).collect();
        let kept = kept.join("&");
        u.set_query((!kept.is_empty()).then_some(kept.as_str()));
    }
    // A host written with a trailing dot is the same host.
    if let Some(host) = u.host_str() {
        if host.ends_with('.') && host.len() > 1 {
            let trimmed = host.trim_end_matches('.').to_string();
            let _ = u.set_host(Some(&trimmed));
        }
    }
    Some(u)
}

/// A query pair's key, percent-decoded (`utm%5Fsource=x` is `utm_source`).
fn pair_key(pair: &str) -> String {
    url::form_urlencoded::parse(pair.as_bytes()).next().map(|(k, _)| k.into_owned()).unwrap_or_default()
}

/// Query parameters that choose a presentation of a page (language, edition, AMP), not another page.
const PRESENTATION_PARAMS: &[&str] = &[
    "lang", "language", "hl", "locale", "edition", "region", "amp", "m", "mobile", "ref", "from", "source", "src",
    "view",
];

/// Whether `url` is a site's front page: `/`, `/index.html` and the like, with no query or only presentation
/// parameters (`/?lang=vi`). `index.php?/news/123` and `/?p=123` are articles.
pub fn is_front_page(url: &Url) -> bool {
    let path = url.path().trim_start_matches('/');
    let root = path.is_empty() || {
        let stem = path.split('.').next().unwrap_or_default();
        !path.contains('/')
            && path.contains('.')
            && matches!(stem.to_ascii_lowercase().as_str(), "index" | "default" | "home")
    };
    root && url.query_pairs().all(|(k, _)| PRESENTATION_PARAMS.contains(&k.to_ascii_lowercase().as_str()))
        && !url.query().is_some_and(|q| q.starts_with('/'))
}

/// Whether `canonical` is a section front above `page` on the same host (`/the-gioi/` for
/// `/the-gioi/bai-123.html`), which a CMS may name as every article's canonical. An AMP or print variant below
/// its article (`/story/amp/` → `/story/`) is not a section.
pub fn is_section_above(canonical: &Url, page: &Url) -> bool {
    if canonical.host_str() != page.host_str() || canonical.query().is_some() {
        return false;
    }
    let section = canonical.path().trim_end_matches('/');
    let Some(rest) = page.path().strip_prefix(section).and_then(|r| r.strip_prefix('/')) else { return false };
    let rest = rest.trim_end_matches('/');
    let variant = matches!(rest, "amp" | "print" | "mobile" | "m") || rest.starts_with("index.");
    !rest.is_empty() && !variant
}

/// Resolves `link` against `base` and canonicalises it; `None` when it is not a usable http(s) URL.
pub fn resolve_and_canonicalize(base: Option<&Url>, link: &str) -> Option<Url> {
    let link = link.trim();
    if link.is_empty() {
        return None;
    }
    let parsed = match base {
        Some(b) => b.join(link).ok()?,
        None => Url::parse(link).ok()?,
    };
    canonicalize(&parsed)
}

/// Parses and canonicalises a URL given by a user (for `show URL`).
pub fn canonicalize_str(s: &str) -> Option<String> {
    resolve_and_canonicalize(None, s).map(String::from)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn canon(s: &str) -> String {
        canonicalize_str(s).unwrap()
    }

    #[test]
    fn drops_tracking_fragment_default_port_and_case() {
        assert_eq!(
            canon("HTTPS://BaoQuocTe.VN:443/a-b-123.html?utm_source=rss&utm_medium=feed&fbclid=x#top"),
            "https://baoquocte.vn/a-b-123.html"
        );
        assert_eq!(canon("http://example.org:80/x?id=5&gclid=abc"), "http://example.org/x?id=5");
        assert_eq!(canon("http://example.org:8080/x?b=2&a=1"), "http://example.org:8080/x?b=2&a=1");
        assert_eq!(canon("https://example.org./x"), "https://example.org/x");
    }

    #[test]
    fn keeps_path_case_and_meaningful_query() {
        assert_eq!(canon("https://example.org/News/Item?ID=7"), "https://example.org/News/Item?ID=7");
    }

    #[test]
    fn is_idempotent() {
        for s in
            ["https://example.org/a?utm_x=1&q=%C3%A1#f", "http://EXAMPLE.org/ä?x=1 2", "https://th.example.org/ข่าว/1"]
        {
            let once = canon(s);
            assert_eq!(canon(&once), once);
        }
    }

    #[test]
    fn a_query_is_kept_as_written_less_tracking() {
        assert_eq!(canon("https://example.org/index.php?/news/123"), "https://example.org/index.php?/news/123");
        assert_eq!(
            canon("https://example.org/index.php?/news/123&utm_source=x&fbclid=y"),
            "https://example.org/index.php?/news/123"
        );
        assert_eq!(canon("https://example.org/a?id=5&utm%5Fsource=x&x=a+b"), "https://example.org/a?id=5&x=a+b");
        assert_eq!(canon("https://example.org/a?utm_source=x"), "https://example.org/a");
    }

    #[test]
    fn front_pages_and_section_fronts() {
        let u = |s: &str| Url::parse(s).unwrap();
        for front in [
            "https://a.vn/",
            "https://a.vn",
            "https://a.vn/index.html",
            "https://a.vn/?lang=vi",
            "https://a.vn/Default.aspx",
        ] {
            assert!(is_front_page(&u(front)), "{front}");
        }
        for article in [
            "https://a.vn/index.php?/news/123",
            "https://a.vn/?p=123",
            "https://a.vn/the-gioi/",
            "https://a.vn/a-1.html",
        ] {
            assert!(!is_front_page(&u(article)), "{article}");
        }
        let page = u("https://a.vn/the-gioi/bai-viet-123.html");
        assert!(is_section_above(&u("https://a.vn/the-gioi/"), &page));
        assert!(is_section_above(&u("https://a.vn/the-gioi"), &page));
        assert!(!is_section_above(&u("https://a.vn/the-gioi/bai-viet-123.html"), &page));
        assert!(!is_section_above(&u("https://a.vn/kinh-te/"), &page));
        assert!(!is_section_above(&u("https://b.vn/the-gioi/"), &page));
        assert!(!is_section_above(&u("https://a.vn/story/"), &u("https://a.vn/story/amp/")));
    }

    #[test]
    fn refuses_other_schemes_and_resolves_relative_links() {
        assert_eq!(canonicalize_str("javascript:alert(1)"), None);
        assert_eq!(canonicalize_str("mailto:a@b.c"), None);
        let base = Url::parse("https://example.org/rss/home.rss").unwrap();
        assert_eq!(
            resolve_and_canonicalize(Some(&base), "../news/1.html?utm_campaign=x").unwrap().as_str(),
            "https://example.org/news/1.html"
        );
        assert_eq!(resolve_and_canonicalize(Some(&base), "  "), None);
    }
}
