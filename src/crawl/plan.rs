//! What the configuration says for an article's page: the first of its feeds that is still configured (in any
//! shard: the file is shared), else `[defaults]` (an article outlives a feed that is removed or renamed: it keeps
//! the defaults' schedule). An item without a link has no page: no re-checks, and a stamp of its own.

use std::sync::Arc;

use crate::config::{Config, FeedConfig};
use crate::extract;
pub use crate::store::FEED_TEXT_STAMP;
use crate::store::{ArticleRecord, Schedule};

/// Everything a page job needs from the configuration.
#[derive(Debug, Clone)]
pub struct PagePlan {
    pub schedule: Schedule,
    pub options: Arc<extract::Options>,
    /// The extractor stamp for `options` (see [`stamp`]).
    pub stamp: String,
    pub robots: bool,
    pub keep_html: bool,
    pub flap_window: usize,
}

/// A feed's noise controls as extraction options.
pub fn options_for(fc: &FeedConfig) -> extract::Options {
    extract::Options { drop_selectors: fc.drop.clone(), ignore_lines: fc.ignore_lines.clone() }
}

/// The stamp of an extraction: the extractor's version and a fingerprint of the noise rules. A stored version
/// with another stamp is extracted again from its kept page before it is compared, so that neither an upgrade
/// nor a change of `drop` / `ignore_lines` is reported as an edit.
pub fn stamp(options: &extract::Options) -> String {
    let mut h = blake3::Hasher::new();
    for s in &options.drop_selectors {
        h.update(b"drop\0");
        h.update(s.as_bytes());
        h.update(b"\0");
    }
    for r in &options.ignore_lines {
        h.update(b"ignore\0");
        h.update(r.as_str().as_bytes());
        h.update(b"\0");
    }
    format!("{}.{}", extract::EXTRACTOR_VERSION, &h.finalize().to_hex()[..12])
}

fn configured<'a>(config: &'a Config, feeds: &[String]) -> Option<&'a FeedConfig> {
    feeds.iter().find_map(|name| config.configured_feeds.iter().find(|f| &f.name == name))
}

/// The re-check schedule of an article of these feeds.
pub fn schedule_for(config: &Config, feeds: &[String]) -> Schedule {
    match configured(config, feeds) {
        Some(fc) => Schedule { offsets: fc.recheck.clone(), tail: fc.recheck_tail.clone() },
        None => Schedule { offsets: config.defaults.recheck.clone(), tail: config.defaults.recheck_tail.clone() },
    }
}

/// The re-check schedule of a stored article: none for an item without a link (the feed is its only source).
pub fn schedule_of(config: &Config, art: &ArticleRecord) -> Schedule {
    if crate::feed::is_own_item_url(&art.url) {
        return Schedule::default();
    }
    schedule_for(config, &art.feeds)
}

pub fn plan_for(config: &Config, feeds: &[String]) -> PagePlan {
    let d = &config.defaults;
    let (options, robots, keep_html, flap_window) = match configured(config, feeds) {
        Some(fc) => (options_for(fc), fc.robots, fc.keep_html, fc.flap_window),
        None => (
            extract::Options { drop_selectors: d.drop.clone(), ignore_lines: d.ignore_lines.clone() },
            d.robots,
            d.keep_html,
            d.flap_window,
        ),
    };
    PagePlan {
        schedule: schedule_for(config, feeds),
        stamp: stamp(&options),
        options: Arc::new(options),
        robots,
        keep_html,
        flap_window,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn an_article_of_a_removed_feed_keeps_the_defaults() {
        let c = Config::parse(
            "[defaults]\nrecheck = [\"2h\"]\nrecheck_tail = []\nignore_lines = [\"^x\"]\n\
             [[feed]]\nname = \"a\"\nurl = \"https://a.example/rss\"\nrecheck = [\"1h\"]\ndrop = [\".ad\"]\n",
            std::path::Path::new("t.toml"),
        )
        .unwrap();
        let a = plan_for(&c, &["gone".into(), "a".into()]);
        assert_eq!(a.schedule.offsets, vec![Duration::from_secs(3600)]);
        assert_eq!(a.options.drop_selectors, vec![".ad".to_string()]);
        let orphan = plan_for(&c, &["gone".into()]);
        assert_eq!(orphan.schedule, Schedule { offsets: vec![Duration::from_secs(7200)], tail: vec![] });
        assert!(orphan.options.drop_selectors.is_empty());
        assert_ne!(a.stamp, orphan.stamp, "other noise rules, another stamp");
        assert_eq!(stamp(&extract::Options::default()), stamp(&extract::Options::default()));
        assert!(a.stamp.starts_with(&format!("{}.", extract::EXTRACTOR_VERSION)));
    }
}
