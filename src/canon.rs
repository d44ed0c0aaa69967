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
    if u.query().is_some() {
        let kept: Vec<(String, String)> =
            u.query_pairs().filter(|(k, _)| !is_tracking(k)).map(|(k, v)| (k.into_owned(), v.into_owned())).collect();
        if kept.is_empty() {
            u.set_query(None);
        } else {
            u.query_pairs_mut().clear().extend_pairs(kept);
        }
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
