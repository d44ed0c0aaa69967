//! Printing query answers: one JSON object a line with `--json`, else a compact human form.

use std::io::{self, Write};
use std::path::Path;

use presswatch::change::ChangeSummary;
use presswatch::config::Config;
use presswatch::crawl::PassProgress;
use presswatch::event::Event;
use presswatch::extract::{Article, Explanation};
use presswatch::query::{ArticleWithText, ChangeView, FeedView, SinkView, StatusView};
use presswatch::view::{ArticleView, ReextractReport, VersionView};

fn json_line<T: serde::Serialize>(out: &mut impl Write, v: &T) -> io::Result<()> {
    serde_json::to_writer(&mut *out, v)?;
    out.write_all(b"\n")
}

fn time(t: Option<chrono::DateTime<chrono::Utc>>) -> String {
    t.map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)).unwrap_or_else(|| "-".into())
}

pub fn feeds(out: &mut impl Write, feeds: &[FeedView], json: bool) -> io::Result<()> {
    for f in feeds {
        if json {
            json_line(out, f)?;
        } else {
            writeln!(
                out,
                "{}  {}\n  last fetch {}  status {}  items {}  articles {}{}  errors {}  next due {}{}",
                f.name,
                f.url,
                time(f.last_fetch),
                f.last_status.map(|s| s.to_string()).unwrap_or_else(|| "-".into()),
                f.items.map(|s| s.to_string()).unwrap_or_else(|| "-".into()),
                f.articles,
                if f.queued > 0 { format!("  queued {}", f.queued) } else { String::new() },
                f.errors,
                time(f.next_due),
                f.last_error.as_ref().map(|e| format!("\n  last error: {e}")).unwrap_or_default()
            )?;
        }
    }
    Ok(())
}

pub fn discovered(out: &mut impl Write, sources: &[presswatch::discover::Source], json: bool) -> io::Result<()> {
    for s in sources {
        if json {
            json_line(out, s)?;
        } else {
            writeln!(
                out,
                "{:<12} {:>6}  {}{}",
                s.kind,
                s.items,
                s.url,
                s.title.as_ref().map(|t| format!("  {t}")).unwrap_or_default()
            )?;
        }
    }
    Ok(())
}

pub fn articles(out: &mut impl Write, articles: &[ArticleView], json: bool) -> io::Result<()> {
    for a in articles {
        if json {
            json_line(out, a)?;
        } else {
            writeln!(
                out,
                "{:>6}  {}  v{}  {}\n        {}",
                a.id,
                time(Some(a.first_seen)),
                a.versions,
                a.title,
                a.url
            )?;
        }
    }
    Ok(())
}

pub fn show(out: &mut impl Write, a: &ArticleWithText, json: bool) -> io::Result<()> {
    if json {
        return json_line(out, a);
    }
    let r = &a.article;
    writeln!(out, "{}\n", r.title)?;
    writeln!(out, "id:           {}", r.id)?;
    writeln!(out, "url:          {}", r.url)?;
    for alias in &r.aliases {
        writeln!(out, "alias:        {alias}")?;
    }
    writeln!(out, "feeds:        {}", r.feeds.join(", "))?;
    writeln!(out, "first seen:   {}", time(Some(r.first_seen)))?;
    writeln!(out, "last checked: {}", time(Some(r.last_checked)))?;
    writeln!(out, "last changed: {}", time(Some(r.last_changed)))?;
    if let Some(p) = &r.published {
        writeln!(out, "published:    {p}")?;
    }
    if let Some(m) = &r.modified {
        writeln!(out, "modified:     {m}")?;
    }
    writeln!(out, "versions:     {}", r.versions)?;
    match (&r.removed, &r.redirected) {
        (Some(g), _) => {
            writeln!(out, "state:        removed since {} ({}, HTTP {})", time(Some(g.since)), g.reason, g.status)?
        }
        (_, Some(d)) => {
            writeln!(out, "state:        redirected since {} to article {} ({})", time(Some(d.since)), d.to_id, d.to)?
        }
        _ => {}
    }
    writeln!(out, "content hash: {}\n", r.content_hash)?;
    writeln!(out, "{}", a.text)
}

pub fn history(out: &mut impl Write, versions: &[VersionView], json: bool) -> io::Result<()> {
    for v in versions {
        if json {
            json_line(out, v)?;
        } else {
            writeln!(out, "version {}  {}  {}\n  {}", v.version, time(Some(v.fetched_at)), v.content_hash, v.title)?;
        }
    }
    Ok(())
}

pub fn events(out: &mut impl Write, events: &[Event], json: bool) -> io::Result<()> {
    for ev in events {
        if json {
            json_line(out, ev)?;
        } else {
            let e = &ev.view;
            let detail = match e.event.as_str() {
                "article.duplicate" => format!("alias of {}", e.alias_of.as_deref().unwrap_or("?")),
                "article.edited" => format!(
                    "version {}  {}{}",
                    e.version.unwrap_or(0),
                    ev.significance().map(|s| format!("{}  ", s.as_str())).unwrap_or_default(),
                    e.title.as_deref().unwrap_or("")
                ),
                "article.removed" => {
                    format!(
                        "{} (HTTP {})",
                        e.reason.as_deref().unwrap_or(""),
                        e.status.map(|s| s.to_string()).unwrap_or_default()
                    )
                }
                "article.redirected" => {
                    format!("to article {}  {}", e.to_id.unwrap_or(0), e.to.as_deref().unwrap_or(""))
                }
                _ => e.title.clone().unwrap_or_default(),
            };
            writeln!(
                out,
                "{:>6}  {}  {:<17}  {:>5}  {}\n        {}",
                e.seq,
                time(Some(e.time)),
                e.event,
                e.id,
                detail,
                e.url
            )?;
        }
    }
    Ok(())
}

/// The lines of a change summary, as `diff --summary` prints them.
fn summary_lines(out: &mut impl Write, c: &ChangeSummary) -> io::Result<()> {
    writeln!(out, "significance:  {}", c.significance.as_str())?;
    writeln!(out, "title changed: {}", if c.title_changed { "yes" } else { "no" })?;
    writeln!(
        out,
        "sentences:     {} added, {} removed, {} changed",
        c.sentences_added, c.sentences_removed, c.sentences_changed
    )?;
    let numbers: Vec<String> = c
        .numbers
        .iter()
        .map(|n| format!("{} → {}", n.old.as_deref().unwrap_or("-"), n.new.as_deref().unwrap_or("-")))
        .collect();
    writeln!(out, "numbers:       {}", if numbers.is_empty() { "-".into() } else { numbers.join(", ") })?;
    writeln!(out, "quotes:        {} changed", c.quotes_changed)?;
    writeln!(out, "names:         {} changed", c.names_changed)?;
    writeln!(out, "characters:    +{} -{}", c.chars_added, c.chars_removed)
}

pub fn change(out: &mut impl Write, c: &ChangeView, json: bool) -> io::Result<()> {
    if json {
        return json_line(out, c);
    }
    writeln!(out, "{} version {} → {}", c.url, c.from, c.to)?;
    summary_lines(out, &c.change)
}

pub fn sinks(out: &mut impl Write, sinks: &[SinkView], json: bool) -> io::Result<()> {
    for s in sinks {
        if json {
            json_line(out, s)?;
            continue;
        }
        writeln!(
            out,
            "{}  {}  {}{}\n  cursor {}  pending {}  delivered {}  failures {}  dropped {}  last success {}{}",
            s.name,
            s.kind,
            s.target,
            if s.configured { "" } else { "  (no longer configured)" },
            s.cursor,
            s.pending,
            s.delivered,
            s.failures,
            s.dropped,
            time(s.last_success),
            s.last_error.as_ref().map(|e| format!("\n  last error {}: {e}", time(s.last_error_at))).unwrap_or_default()
        )?;
    }
    Ok(())
}

/// `recheck`: the article whose re-check is now due.
pub fn recheck(out: &mut impl Write, a: &ArticleView, json: bool) -> io::Result<()> {
    if json {
        return json_line(out, a);
    }
    writeln!(out, "article {} is re-checked at the next pass: {}", a.id, a.url)
}

pub fn reextract(out: &mut impl Write, r: &ReextractReport, json: bool) -> io::Result<()> {
    if json {
        return json_line(out, r);
    }
    writeln!(
        out,
        "re-extracted {} versions of {} articles from their kept pages: {} changed, {} without a kept page, {} failed, {} skipped (changed meanwhile)",
        r.versions, r.articles, r.changed, r.without_page, r.failed, r.skipped
    )
}

#[derive(serde::Serialize)]
struct Extracted<'a> {
    file: String,
    #[serde(flatten)]
    article: &'a Article,
}

pub fn extracted(out: &mut impl Write, file: &Path, a: &Article, json: bool) -> io::Result<()> {
    if json {
        return json_line(out, &Extracted { file: file.display().to_string(), article: a });
    }
    writeln!(out, "== {}", file.display())?;
    writeln!(out, "title:         {}", a.title)?;
    writeln!(out, "canonical url: {}", a.canonical_url.as_deref().unwrap_or("-"))?;
    writeln!(out, "published:     {}", a.published.as_deref().unwrap_or("-"))?;
    writeln!(out, "modified:      {}", a.modified.as_deref().unwrap_or("-"))?;
    writeln!(out, "lang:          {}", a.lang.as_deref().unwrap_or("-"))?;
    writeln!(out, "content hash:  {}\n", a.content_hash)?;
    writeln!(out, "{}\n", a.text)
}

#[derive(serde::Serialize)]
struct Explained<'a> {
    file: String,
    explain: &'a Explanation,
}

/// `extract --explain`: printed before the extracted article (with `--json`: one object with `explain` first).
pub fn explanation(out: &mut impl Write, file: &Path, why: &Explanation, json: bool) -> io::Result<()> {
    if json {
        return json_line(out, &Explained { file: file.display().to_string(), explain: why });
    }
    writeln!(out, "== {} (explained)", file.display())?;
    writeln!(out, "article root:  {}", why.article_root.as_deref().unwrap_or("-"))?;
    writeln!(out, "taken from:    {}", why.candidate.as_deref().unwrap_or("-"))?;
    writeln!(out, "dropped elements ({}):", why.dropped_elements.len())?;
    for e in &why.dropped_elements {
        writeln!(out, "  - {e}")?;
    }
    writeln!(out, "dropped lines ({}):", why.dropped_lines.len())?;
    for l in &why.dropped_lines {
        writeln!(out, "  - {l}")?;
    }
    writeln!(out)
}

/// `once`'s progress bar (shown on a terminal only): feeds polled, then pages fetched, with new and edited.
pub fn pass_bar() -> indicatif::ProgressBar {
    let bar = indicatif::ProgressBar::with_draw_target(Some(0), indicatif::ProgressDrawTarget::stdout());
    let style = indicatif::ProgressStyle::with_template("{spinner} [{elapsed_precise}] {wide_bar} {msg}")
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar());
    bar.set_style(style);
    bar.enable_steady_tick(std::time::Duration::from_millis(200));
    bar
}

pub fn update_pass_bar(bar: &indicatif::ProgressBar, p: &PassProgress) {
    let s = &p.stats;
    bar.set_length((p.feeds + p.pages) as u64);
    bar.set_position((s.feeds_polled + s.pages_fetched) as u64);
    bar.set_message(format!(
        "feeds {}/{}  pages {}/{}  new {}  edited {}",
        s.feeds_polled, p.feeds, s.pages_fetched, p.pages, s.new, s.edited
    ));
}

#[derive(serde::Serialize)]
struct StatusJson<'a> {
    daemon: bool,
    #[serde(flatten)]
    status: &'a StatusView,
}

/// `status`: one screen.
pub fn status(out: &mut impl Write, cfg: &Config, daemon: bool, s: &StatusView, json: bool) -> io::Result<()> {
    if json {
        return json_line(out, &StatusJson { daemon, status: s });
    }
    let daemon = if daemon { "running (answered on its socket)" } else { "not running (read the store directly)" };
    writeln!(out, "daemon:        {daemon}")?;
    writeln!(out, "store:         {}  ({} articles)", cfg.store_path.display(), s.articles)?;
    let due = if s.feeds_due.is_empty() { String::new() } else { format!(": {}", s.feeds_due.join(", ")) };
    writeln!(
        out,
        "feeds:         {} configured, {} due now{due}, {} failing",
        s.feeds,
        s.feeds_due.len(),
        s.feeds_failing.len()
    )?;
    for (name, errors, error) in &s.feeds_failing {
        writeln!(out, "  failing:     {name} ({errors} in a row): {error}")?;
    }
    let counts: Vec<String> = s.events_today.iter().map(|(e, n)| format!("{n} {e}")).collect();
    let counts = if counts.is_empty() { "none".to_string() } else { counts.join(", ") };
    writeln!(out, "events today:  {counts}  (since {})", time(Some(s.today)))?;
    let sinks: Vec<String> = s.sinks_pending.iter().map(|(name, n)| format!("{name} {n} pending")).collect();
    let sinks = if sinks.is_empty() { "none configured".to_string() } else { sinks.join(", ") };
    writeln!(out, "sinks:         {sinks}")?;
    Ok(())
}
