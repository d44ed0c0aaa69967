//! feed-rs panics, and the way around the one we know: a panic is one feed's error, never the daemon's.

use feed_rs::model::Feed;
use feed_rs::parser::ParseFeedError;
use url::Url;

/// Parses with feed-rs; `None` if it panicked even after the known work-around.
pub(super) fn parse(feed_url: &Url, source: &str) -> Option<Result<Feed, ParseFeedError>> {
    match parse_catching(feed_url, source) {
        Some(result) => Some(result),
        None => parse_catching(feed_url, &mask_at_signs(source)).map(|r| r.map(unmask_entries)),
    }
}

/// Runs feed-rs; `None` if it panicked. A parser of its own each time: one that panicked is left in a state
/// that makes its next parse panic too.
fn parse_catching(feed_url: &Url, text: &str) -> Option<Result<Feed, ParseFeedError>> {
    let parser = feed_rs::parser::Builder::new()
        .base_uri(Some(feed_url.as_str()))
        // An empty id marks "the feed gave none"; we then key the item by its link, which, unlike feed-rs's
        // generated id, does not change when the headline does.
        .id_generator(|_, _, _| String::new())
        .build();
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| parser.parse(text.as_bytes()))).ok()
}

/// Stands in for `@` when a feed is parsed again: FULLWIDTH COMMERCIAL AT, which no e-mail pattern matches.
const AT_STAND_IN: &str = "\u{FF20}";

/// feed-rs 3.0.0 cuts a person's text (RSS `author`, `managingEditor`, `webMaster`, `dc:creator`, JSON Feed
/// `author.name`) one byte before or after the e-mail address it finds there, and panics when that byte is
/// inside a multi-byte character (`张三（zhang@xinhua.cn）`). We read no person, so a feed that panicked is
/// parsed again with every `@` replaced, also as a character reference (`&#64;`, `&#x40;`) or a JSON escape
/// (`\u0040`), and the fields we read get their `@` back ([`unmask_entries`]). Feeds that parse are untouched.
fn mask_at_signs(text: &str) -> String {
    static AT: std::sync::OnceLock<regex::Regex> = std::sync::OnceLock::new();
    let at = AT.get_or_init(|| regex::Regex::new(r"@|&#0*64;|&#[xX]0*40;|\\u0040").expect("valid regex"));
    at.replace_all(text, AT_STAND_IN).into_owned()
}

/// Puts `@` back where [`mask_at_signs`] took it out, in every field of an entry we read (a link may have
/// been percent-encoded by feed-rs on the way).
fn unmask_entries(mut feed: Feed) -> Feed {
    let unmask = |s: &mut String| {
        if s.contains(AT_STAND_IN) || s.contains("%EF%BC%A0") {
            *s = s.replace(AT_STAND_IN, "@").replace("%EF%BC%A0", "@");
        }
    };
    for entry in &mut feed.entries {
        unmask(&mut entry.id);
        entry.title.iter_mut().for_each(|t| unmask(&mut t.content));
        entry.summary.iter_mut().for_each(|t| unmask(&mut t.content));
        entry.content.iter_mut().filter_map(|c| c.body.as_mut()).for_each(unmask);
        entry.links.iter_mut().for_each(|l| unmask(&mut l.href));
        entry.base.iter_mut().for_each(unmask);
    }
    feed
}
