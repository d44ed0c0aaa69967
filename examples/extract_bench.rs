//! Extraction accuracy and speed benchmark (issue 4, "Extraction accuracy"). Not part of `cargo test`.
//!
//! ```text
//! cargo run --release --example extract_bench -- [--corpus DIR] [--json] [--repeat N] [--baseline] [--dump ID]
//! ```
//!
//! Runs `presswatch::extract::extract` on the shared corpus (default `../shared/corpus` next to the repository):
//! - `article-extraction-benchmark/` (Zyte, 121 pages): per-page bag-of-tokens precision, recall and F1 of the
//!   extracted text against the human `articleBody`, their means, and the worst ten pages with a hint of why;
//! - `readability-test-pages/` (Mozilla, 130 pages): the same F1 against `expected.html` converted to text;
//! - `trafilatura-eval-nonlatin/` (10 pages): snippets that must be in the text, and snippets that must not;
//! - speed: MB of HTML per second of `extract()` alone, on one thread, in CPU time of that thread (so that other
//!   work on a shared machine does not count; wall time is reported too), fastest of `--repeat` runs per page.
//!   Decoding and I/O are not timed.
//!
//! A page where `extract()` returns `Err` counts as failed: precision, recall and F1 0, snippets not found.
//! `--baseline` runs plain dom_smoothie (presswatch's engine without presswatch's layers) for comparison;
//! `--dump ID` prints the extracted and expected text of the pages whose id starts with ID.
//!
//! `scripts/trafilatura_bench.py` computes the same figures for Python trafilatura with the same tokenisation
//! and prints the same lines; `scripts/extract_bench.sh` runs both. Keep the two tokenisers in step.
//!
//! Tokens: NFC, the invisible characters that presswatch's normaliser removes are removed on both sides,
//! tokens are split on Unicode white space, and every Thai or CJK (Han, kana, CJK punctuation, full-width)
//! character is a token of its own, since those scripts do not separate words with spaces. Case and
//! punctuation are kept. The title is not scored: the Zyte ground truth is the body only (its README says so,
//! and none of the 121 `articleBody` texts begins with the page's `<h1>` or `og:title`), and Readability's
//! expected content does not repeat the headline either. Snippets are compared with white space collapsed.

use std::collections::HashMap;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use dom_query::{Document, NodeRef};
use presswatch::decode::decode_html;
use presswatch::extract::{extract, Article, ExtractError};
use presswatch::normalize::{nfc, normalize_line, normalize_text};
use serde_json::{json, Value};
use url::Url;

/// Mozilla's test harness parses every test page as if it came from this address.
const READABILITY_PAGE_URL: &str = "http://fakehost/test/page.html";

struct Args {
    corpus: PathBuf,
    json: bool,
    repeat: usize,
    /// Plain dom_smoothie instead of presswatch's extract(), to see what presswatch's own layers gain or cost.
    baseline: bool,
    /// Print the extracted and the expected text of the pages whose id starts with this.
    dump: Option<String>,
}

fn parse_args() -> Result<Args, String> {
    let mut args = Args {
        corpus: Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join("shared").join("corpus"),
        json: false,
        repeat: 5,
        baseline: false,
        dump: None,
    };
    let mut it = std::env::args().skip(1);
    while let Some(a) = it.next() {
        match a.as_str() {
            "--corpus" => args.corpus = it.next().ok_or("--corpus needs a directory")?.into(),
            "--json" => args.json = true,
            "--repeat" => {
                args.repeat =
                    it.next().and_then(|n| n.parse().ok()).filter(|n| *n >= 1).ok_or("--repeat needs a number >= 1")?
            }
            "--baseline" => args.baseline = true,
            "--dump" => args.dump = Some(it.next().ok_or("--dump needs a page id (or its start)")?),
            "-h" | "--help" => {
                println!(
                    "usage: cargo run --release --example extract_bench -- [--corpus DIR] [--json] [--repeat N] \
                     [--baseline] [--dump ID]\n\
                     --corpus DIR  the shared corpus (default: ../shared/corpus next to the repository)\n\
                     --json        print the figures and every page's scores as JSON\n\
                     --repeat N    time extract() N times per page and keep the fastest (default 5)\n\
                     --baseline    run plain dom_smoothie (presswatch's engine, without presswatch's layers)\n\
                     --dump ID     print the extracted and the expected text of the pages whose id starts with ID"
                );
                std::process::exit(0);
            }
            other => return Err(format!("unknown argument {other:?} (try --help)")),
        }
    }
    Ok(args)
}

// ---------------------------------------------------------------------------------------------------------
// Tokens and scores (the Python script has the same functions; keep them in step)

/// Characters presswatch's normaliser removes; removed from both sides so that they cannot split or glue tokens.
fn is_invisible(c: char) -> bool {
    matches!(c, '\u{00AD}' | '\u{200B}' | '\u{200C}' | '\u{200D}' | '\u{2060}' | '\u{FEFF}' | '\u{180E}')
}

/// Scripts written without spaces between words: each character is one token.
fn is_char_token(c: char) -> bool {
    matches!(
        c as u32,
        0x0E00..=0x0E7F // Thai
            | 0x3000..=0x303F // CJK symbols and punctuation
            | 0x3040..=0x30FF // Hiragana, Katakana
            | 0x31F0..=0x31FF // Katakana phonetic extensions
            | 0x3400..=0x4DBF // CJK extension A
            | 0x4E00..=0x9FFF // CJK unified ideographs
            | 0xF900..=0xFAFF // CJK compatibility ideographs
            | 0xFF00..=0xFFEF // half-width and full-width forms
            | 0x20000..=0x3FFFF // CJK extensions B and later
    )
}

type Bag = HashMap<String, u32>;

fn token_list(text: &str) -> Vec<String> {
    let text = nfc(text);
    let mut out = Vec::new();
    let mut cur = String::new();
    for c in text.chars() {
        if is_invisible(c) {
            continue;
        }
        if c.is_whitespace() || is_char_token(c) {
            if !cur.is_empty() {
                out.push(std::mem::take(&mut cur));
            }
            if is_char_token(c) {
                out.push(c.to_string());
            }
        } else {
            cur.push(c);
        }
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

fn bag(text: &str) -> Bag {
    let mut b = Bag::new();
    for t in token_list(text) {
        *b.entry(t).or_default() += 1;
    }
    b
}

#[derive(Clone, Copy, Default)]
struct Score {
    precision: f64,
    recall: f64,
    f1: f64,
    predicted: u32,
    expected: u32,
}

fn score(pred: &Bag, truth: &Bag) -> Score {
    let predicted: u32 = pred.values().sum();
    let expected: u32 = truth.values().sum();
    let tp: u32 = pred.iter().map(|(t, n)| (*n).min(truth.get(t).copied().unwrap_or(0))).sum();
    let ratio = |num: u32, den: u32, other: u32| {
        if den == 0 {
            if other == 0 {
                1.0
            } else {
                0.0
            }
        } else {
            f64::from(num) / f64::from(den)
        }
    };
    let precision = ratio(tp, predicted, expected);
    let recall = ratio(tp, expected, predicted);
    let f1 = if precision + recall > 0.0 { 2.0 * precision * recall / (precision + recall) } else { 0.0 };
    Score { precision, recall, f1, predicted, expected }
}

/// The first line of `text` of which less than half of the tokens occur in `other`, cut to 80 characters;
/// lines of three tokens or more first, so that a stray "-" or "Tags" does not hide the real extra paragraph.
fn first_foreign_line(text: &str, other: &Bag) -> Option<String> {
    let foreign = |min_tokens: usize| {
        text.lines().find_map(|line| {
            let toks = token_list(line);
            let found = toks.iter().filter(|t| other.contains_key(*t)).count();
            (toks.len() >= min_tokens && found * 2 < toks.len())
                .then(|| normalize_line(line).chars().take(80).collect())
        })
    };
    foreign(3).or_else(|| foreign(1))
}

/// A string in double quotes, escaped as JSON (as the Python script prints it).
fn quoted(s: &str) -> String {
    serde_json::to_string(s).expect("a string serialises")
}

/// Why a page scored low, in a few words.
fn hint(pred_text: &str, truth_text: &str, s: &Score) -> String {
    if s.recall < s.precision {
        let missing = first_foreign_line(truth_text, &bag(pred_text))
            .map(|l| format!("; missing e.g. {}", quoted(&l)))
            .unwrap_or_else(|| "; missing text is scattered".into());
        format!("low recall: extracted {} tokens vs {} expected{missing}", s.predicted, s.expected)
    } else {
        let extra = first_foreign_line(pred_text, &bag(truth_text))
            .map(|l| format!("; extra text {}", quoted(&l)))
            .unwrap_or_else(|| "; extra text is scattered".into());
        format!("low precision: extracted {} tokens vs {} expected{extra}", s.predicted, s.expected)
    }
}

/// Snippet checks compare with white space collapsed on both sides: presswatch's text is normalised, and some
/// upstream snippets end with a space or span a line break.
fn squash(s: &str) -> String {
    let s: String = nfc(s).chars().filter(|c| !is_invisible(*c)).collect();
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

// ---------------------------------------------------------------------------------------------------------
// Readability's expected.html to text: block elements and <br> end a line, everything else is inline.

const BLOCK_TAGS: &[&str] = &[
    "address",
    "article",
    "aside",
    "blockquote",
    "br",
    "caption",
    "center",
    "dd",
    "details",
    "div",
    "dl",
    "dt",
    "figcaption",
    "figure",
    "footer",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "header",
    "hr",
    "li",
    "main",
    "nav",
    "ol",
    "p",
    "pre",
    "section",
    "summary",
    "table",
    "tbody",
    "td",
    "tfoot",
    "th",
    "thead",
    "tr",
    "ul",
];
const SKIP_TAGS: &[&str] = &["script", "style", "template", "noscript", "head", "title"];

fn html_to_text(html: &str) -> String {
    fn walk(node: &NodeRef, out: &mut String) {
        if node.is_text() {
            out.push_str(&node.text());
        } else if node.is_element() {
            let name = node.node_name().unwrap_or_default().to_ascii_lowercase();
            if SKIP_TAGS.contains(&name.as_str()) {
                return;
            }
            let block = BLOCK_TAGS.contains(&name.as_str());
            if block {
                out.push('\n');
            }
            for child in node.children_it(false) {
                walk(&child, out);
            }
            if block {
                out.push('\n');
            }
        } else if node.is_document() || node.is_fragment() {
            for child in node.children_it(false) {
                walk(&child, out);
            }
        }
    }
    let doc = Document::from(html);
    let mut out = String::new();
    walk(&doc.root(), &mut out);
    normalize_text(&out)
}

// ---------------------------------------------------------------------------------------------------------
// Pages and runs

struct Page {
    id: String,
    url: Option<Url>,
    html_bytes: usize,
    html: String,
}

impl Page {
    fn new(id: String, url: Option<Url>, bytes: &[u8]) -> Page {
        let host = url.as_ref().and_then(|u| u.host_str().map(String::from));
        let html = decode_html(bytes, None, host.as_deref()).text;
        Page { id, url, html_bytes: bytes.len(), html }
    }
}

struct Run {
    /// The extracted text, or why extraction failed.
    result: Result<String, String>,
    /// CPU time of this thread in extract(), fastest of the repeats (wall time where there is no thread clock).
    secs: f64,
    /// Wall time, fastest of the repeats.
    wall: f64,
}

/// CPU time of the calling thread, in seconds: other processes on a busy machine do not count, so the figure is
/// "per core". std has no thread clock; this is `clock_gettime(CLOCK_THREAD_CPUTIME_ID)` from the C library.
#[cfg(all(target_os = "linux", target_pointer_width = "64"))]
fn thread_cpu_time() -> Option<f64> {
    #[repr(C)]
    struct Timespec {
        tv_sec: i64,
        tv_nsec: i64,
    }
    extern "C" {
        fn clock_gettime(clock: i32, tp: *mut Timespec) -> i32;
    }
    const CLOCK_THREAD_CPUTIME_ID: i32 = 3;
    let mut ts = Timespec { tv_sec: 0, tv_nsec: 0 };
    // SAFETY: `ts` is a valid, writable timespec (two 64-bit fields on 64-bit Linux); the call only writes it.
    let rc = unsafe { clock_gettime(CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    (rc == 0).then_some(ts.tv_sec as f64 + ts.tv_nsec as f64 * 1e-9)
}

#[cfg(not(all(target_os = "linux", target_pointer_width = "64")))]
fn thread_cpu_time() -> Option<f64> {
    None
}

/// Which clock `Run::secs` uses, for the report.
fn clock_name() -> &'static str {
    if thread_cpu_time().is_some() {
        "thread CPU time"
    } else {
        "wall time"
    }
}

/// dom_smoothie as presswatch configures it, without presswatch's chrome removal and checks (`--baseline`).
fn baseline_extract(html: &str, url: Option<&Url>) -> Result<String, String> {
    let cfg = dom_smoothie::Config {
        text_mode: dom_smoothie::TextMode::Formatted,
        max_elements_to_parse: 200_000,
        ..Default::default()
    };
    let mut r = dom_smoothie::Readability::new(html, url.map(Url::as_str), Some(cfg)).map_err(|e| e.to_string())?;
    let article = r.parse().map_err(|e| e.to_string())?;
    Ok(normalize_text(&article.text_content))
}

/// Extracts `repeat` times; keeps the first result and the fastest time (the machine may be busy).
fn run(page: &Page, args: &Args) -> Run {
    let (mut best, mut best_wall) = (f64::INFINITY, f64::INFINITY);
    let mut result = None;
    for _ in 0..args.repeat {
        let cpu = thread_cpu_time();
        let t = Instant::now();
        let r = if args.baseline {
            baseline_extract(&page.html, page.url.as_ref())
        } else {
            extract(&page.html, page.url.as_ref()).map(|a: Article| a.text).map_err(|e: ExtractError| e.to_string())
        };
        let wall = t.elapsed().as_secs_f64();
        best_wall = best_wall.min(wall);
        best = best.min(match (cpu, thread_cpu_time()) {
            (Some(start), Some(end)) => end - start,
            _ => wall,
        });
        result.get_or_insert(r);
    }
    if let Some(prefix) = &args.dump {
        if page.id.starts_with(prefix.as_str()) {
            let text = result.as_ref().expect("repeat >= 1");
            eprintln!("===== {} ({})", page.id, page.url.as_ref().map_or("-", Url::as_str));
            eprintln!("----- extracted:\n{}", text.as_deref().unwrap_or_else(|e| e));
        }
    }
    Run { result: result.expect("repeat >= 1"), secs: best, wall: best_wall }
}

/// The 1-minute load average, to read the speed figures with (other work on the machine slows them).
fn load_average() -> Option<String> {
    let s = std::fs::read_to_string("/proc/loadavg").ok()?;
    s.split_whitespace().next().map(String::from)
}

fn host(url: Option<&Url>) -> String {
    url.and_then(|u| u.host_str()).unwrap_or("-").trim_start_matches("www.").to_string()
}

fn mean(xs: impl Iterator<Item = f64>) -> f64 {
    let (sum, n) = xs.fold((0.0, 0usize), |(s, n), x| (s + x, n + 1));
    if n == 0 {
        0.0
    } else {
        sum / n as f64
    }
}

fn read(path: &Path) -> Result<Vec<u8>, String> {
    std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))
}

fn gunzip(path: &Path) -> Result<Vec<u8>, String> {
    let mut out = Vec::new();
    flate2::read::GzDecoder::new(&read(path)?[..])
        .read_to_end(&mut out)
        .map_err(|e| format!("{}: {e}", path.display()))?;
    Ok(out)
}

fn json_file(path: &Path) -> Result<Value, String> {
    serde_json::from_slice(&read(path)?).map_err(|e| format!("{}: {e}", path.display()))
}

/// F1 set (Zyte or Readability): pages with their ground-truth text.
fn f1_set(pages: &[(Page, String)], args: &Args, worst_n: usize) -> Value {
    let mut rows = Vec::new();
    let (mut bytes, mut secs, mut wall, mut failed) = (0usize, 0f64, 0f64, 0usize);
    for (page, truth) in pages {
        let r = run(page, args);
        bytes += page.html_bytes;
        secs += r.secs;
        wall += r.wall;
        if args.dump.as_ref().is_some_and(|p| page.id.starts_with(p.as_str())) {
            eprintln!("----- expected:\n{truth}");
        }
        let truth_bag = bag(truth);
        let (s, hint_text, error) = match &r.result {
            Ok(text) => {
                let s = score(&bag(text), &truth_bag);
                (s, hint(text, truth, &s), Value::Null)
            }
            Err(e) => {
                failed += 1;
                let s = Score { expected: truth_bag.values().sum(), ..Score::default() };
                (s, format!("extract() failed: {e}"), json!(e))
            }
        };
        rows.push(json!({
            "id": page.id, "host": host(page.url.as_ref()), "precision": s.precision, "recall": s.recall,
            "f1": s.f1, "predicted_tokens": s.predicted, "expected_tokens": s.expected, "ms": r.secs * 1e3,
            "error": error, "hint": hint_text,
        }));
    }
    let get = |r: &Value, k: &str| r[k].as_f64().unwrap_or(0.0);
    let (p, rc) = (mean(rows.iter().map(|r| get(r, "precision"))), mean(rows.iter().map(|r| get(r, "recall"))));
    let mut worst: Vec<Value> = rows.clone();
    worst.sort_by(|a, b| get(a, "f1").total_cmp(&get(b, "f1")));
    worst.truncate(worst_n);
    let worst: Vec<Value> = worst
        .into_iter()
        .map(|r| json!({"id": r["id"], "host": r["host"], "f1": r["f1"], "hint": r["hint"]}))
        .collect();
    json!({
        "pages": pages.len(), "failed": failed, "precision": p, "recall": rc,
        "f1": mean(rows.iter().map(|r| get(r, "f1"))),
        "f1_of_mean_p_r": if p + rc > 0.0 { 2.0 * p * rc / (p + rc) } else { 0.0 },
        "html_bytes": bytes, "extract_seconds": secs, "wall_seconds": wall, "mb_per_s": bytes as f64 / 1e6 / secs,
        "worst": worst, "per_page": rows,
    })
}

fn load_zyte(dir: &Path) -> Result<Vec<(Page, String)>, String> {
    let truth = json_file(&dir.join("ground-truth.json"))?;
    let truth = truth.as_object().ok_or("ground-truth.json is not an object")?;
    let mut ids: Vec<&String> = truth.keys().collect();
    ids.sort();
    let mut pages = Vec::new();
    for id in ids {
        let path = dir.join("html").join(format!("{id}.html.gz"));
        if !path.exists() {
            continue;
        }
        let url = truth[id]["url"].as_str().and_then(|u| Url::parse(u).ok());
        let body = truth[id]["articleBody"].as_str().unwrap_or_default().to_string();
        pages.push((Page::new(id.clone(), url, &gunzip(&path)?), body));
    }
    Ok(pages)
}

fn load_readability(dir: &Path) -> Result<Vec<(Page, String)>, String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .map_err(|e| format!("{}: {e}", dir.display()))?
        .filter_map(|e| e.ok())
        .filter(|e| e.path().join("source.html").is_file() && e.path().join("expected.html").is_file())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    let url = Url::parse(READABILITY_PAGE_URL).ok();
    let mut pages = Vec::new();
    for name in names {
        let case = dir.join(&name);
        let expected = html_to_text(&String::from_utf8_lossy(&read(&case.join("expected.html"))?));
        pages.push((Page::new(name, url.clone(), &read(&case.join("source.html"))?), expected));
    }
    Ok(pages)
}

fn nonlatin_set(dir: &Path, args: &Args) -> Result<Value, String> {
    let data = json_file(&dir.join("evaldata-subset.json"))?;
    let data = data.as_object().ok_or("evaldata-subset.json is not an object")?;
    let mut keys: Vec<&String> = data.keys().collect();
    keys.sort_by_key(|k| data[*k]["file"].as_str().unwrap_or_default().to_string());
    let (mut bytes, mut secs, mut wall, mut failed) = (0usize, 0f64, 0f64, 0usize);
    let (mut with_found, mut with_total, mut without_absent, mut without_total, mut all_pass) = (0, 0, 0, 0, 0);
    let mut rows = Vec::new();
    for key in keys {
        let item = &data[key];
        let file = item["file"].as_str().unwrap_or_default();
        let page = Page::new(file.to_string(), Url::parse(key).ok(), &read(&dir.join("html").join(file))?);
        let r = run(&page, args);
        bytes += page.html_bytes;
        secs += r.secs;
        wall += r.wall;
        let text = match &r.result {
            Ok(text) => squash(text),
            Err(_) => {
                failed += 1;
                String::new()
            }
        };
        let snippets = |k: &str| -> Vec<String> {
            item[k].as_array().map(|a| a.iter().filter_map(|s| s.as_str()).map(squash).collect()).unwrap_or_default()
        };
        let (with, without) = (snippets("with"), snippets("without"));
        let missing: Vec<&String> = with.iter().filter(|s| !text.contains(s.as_str())).collect();
        let leaked: Vec<&String> = without.iter().filter(|s| text.contains(s.as_str())).collect();
        with_total += with.len();
        with_found += with.len() - missing.len();
        without_total += without.len();
        without_absent += without.len() - leaked.len();
        if missing.is_empty() && leaked.is_empty() && r.result.is_ok() {
            all_pass += 1;
        }
        rows.push(json!({
            "file": file, "error": r.result.as_ref().err(),
            "with_missing": missing, "without_present": leaked, "ms": r.secs * 1e3,
        }));
    }
    Ok(json!({
        "pages": rows.len(), "failed": failed, "with_found": with_found, "with_total": with_total,
        "without_absent": without_absent, "without_total": without_total, "pages_all_pass": all_pass,
        "html_bytes": bytes, "extract_seconds": secs, "wall_seconds": wall, "mb_per_s": bytes as f64 / 1e6 / secs,
        "per_page": rows,
    }))
}

// ---------------------------------------------------------------------------------------------------------
// Report (the Python script prints the same lines)

fn f1_line(name: &str, s: &Value) -> String {
    format!(
        "{name:<12} {:>3} pages, {} failed: P {:.3}  R {:.3}  F1 {:.3}  (F1 of mean P/R {:.3})",
        s["pages"].as_u64().unwrap_or(0),
        s["failed"].as_u64().unwrap_or(0),
        s["precision"].as_f64().unwrap_or(0.0),
        s["recall"].as_f64().unwrap_or(0.0),
        s["f1"].as_f64().unwrap_or(0.0),
        s["f1_of_mean_p_r"].as_f64().unwrap_or(0.0),
    )
}

fn worst_lines(title: &str, s: &Value) -> Vec<String> {
    let mut out = vec![format!("  {title} (F1, page, host: why)")];
    for w in s["worst"].as_array().into_iter().flatten() {
        let id = w["id"].as_str().unwrap_or_default();
        out.push(format!(
            "    {:.3}  {}  {}: {}",
            w["f1"].as_f64().unwrap_or(0.0),
            id.chars().take(16).collect::<String>(),
            w["host"].as_str().unwrap_or_default(),
            w["hint"].as_str().unwrap_or_default()
        ));
    }
    out
}

fn report(tool: &str, r: &Value) -> String {
    let mut out = vec![format!(
        "== {tool}: corpus {} (extract() timed alone, one thread, fastest of {} runs per page, {}; load average {})",
        r["corpus"].as_str().unwrap_or_default(),
        r["repeat"],
        r["speed"]["clock"].as_str().unwrap_or_default(),
        r["speed"]["load_average"].as_str().unwrap_or("-"),
    )];
    if let Some(z) = r.get("zyte") {
        out.push(f1_line("zyte", z));
        out.extend(worst_lines("worst ten", z));
    }
    if let Some(m) = r.get("readability") {
        out.push(f1_line("readability", m));
        out.extend(worst_lines("worst five", m));
    }
    if let Some(n) = r.get("nonlatin") {
        out.push(format!(
            "{:<12} {:>3} pages, {} failed: must-include {}/{} found, must-exclude {}/{} absent, {}/{} pages pass all",
            "nonlatin",
            n["pages"].as_u64().unwrap_or(0),
            n["failed"],
            n["with_found"],
            n["with_total"],
            n["without_absent"],
            n["without_total"],
            n["pages_all_pass"],
            n["pages"]
        ));
        for p in n["per_page"].as_array().into_iter().flatten() {
            let mut why = Vec::new();
            if let Some(e) = p["error"].as_str() {
                why.push(format!("failed: {e}"));
            }
            for s in p["with_missing"].as_array().into_iter().flatten() {
                why.push(format!("missing {}", s));
            }
            for s in p["without_present"].as_array().into_iter().flatten() {
                why.push(format!("leaked {}", s));
            }
            if !why.is_empty() {
                out.push(format!("    {}: {}", p["file"].as_str().unwrap_or_default(), why.join(", ")));
            }
        }
    }
    let sp = &r["speed"];
    out.push(format!(
        "{:<12} all {:.1} MB/s per core ({:.1} MB of HTML in {:.2} s of {}; wall {:.2} s)",
        "speed",
        sp["mb_per_s"].as_f64().unwrap_or(0.0),
        sp["html_bytes"].as_f64().unwrap_or(0.0) / 1e6,
        sp["extract_seconds"].as_f64().unwrap_or(0.0),
        sp["clock"].as_str().unwrap_or_default(),
        sp["wall_seconds"].as_f64().unwrap_or(0.0),
    ));
    let mut speed = Vec::new();
    for set in ["zyte", "readability", "nonlatin"] {
        if let Some(s) = r.get(set) {
            let (b, t) = (s["html_bytes"].as_f64().unwrap_or(0.0), s["extract_seconds"].as_f64().unwrap_or(0.0));
            speed.push(format!("{set} {:.1} MB/s ({:.1} MB in {t:.2} s)", b / 1e6 / t, b / 1e6));
        }
    }
    out.push(format!("{:<12} {}", "", speed.join("; ")));
    out.join("\n")
}

fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(a) => a,
        Err(e) => {
            eprintln!("extract_bench: {e}");
            return ExitCode::from(2);
        }
    };
    let corpus = args.corpus.canonicalize().unwrap_or_else(|_| args.corpus.clone());
    if !corpus.is_dir() {
        println!("corpus not found at {}: the benchmark needs ../shared/corpus", corpus.display());
        return ExitCode::SUCCESS;
    }
    let mut r = json!({
        "tool": if args.baseline { "dom_smoothie" } else { "presswatch" },
        "version": if args.baseline { "0.19 (baseline)" } else { env!("CARGO_PKG_VERSION") },
        "corpus": corpus.display().to_string(), "repeat": args.repeat,
    });
    let mut notes = Vec::new();
    let zyte = corpus.join("article-extraction-benchmark");
    if zyte.is_dir() {
        match load_zyte(&zyte) {
            Ok(pages) => r["zyte"] = f1_set(&pages, &args, 10),
            Err(e) => notes.push(format!("zyte: {e}")),
        }
    }
    let moz = corpus.join("readability-test-pages");
    if moz.is_dir() {
        match load_readability(&moz) {
            Ok(pages) => r["readability"] = f1_set(&pages, &args, 5),
            Err(e) => notes.push(format!("readability: {e}")),
        }
    }
    let nonlatin = corpus.join("trafilatura-eval-nonlatin");
    if nonlatin.is_dir() {
        match nonlatin_set(&nonlatin, &args) {
            Ok(v) => r["nonlatin"] = v,
            Err(e) => notes.push(format!("nonlatin: {e}")),
        }
    }
    let sets: Vec<&Value> = ["zyte", "readability", "nonlatin"].iter().filter_map(|k| r.get(*k)).collect();
    if sets.is_empty() {
        println!("corpus not found at {}: the benchmark needs ../shared/corpus", corpus.display());
        for n in notes {
            println!("  {n}");
        }
        return ExitCode::SUCCESS;
    }
    let bytes: f64 = sets.iter().map(|s| s["html_bytes"].as_f64().unwrap_or(0.0)).sum();
    let secs: f64 = sets.iter().map(|s| s["extract_seconds"].as_f64().unwrap_or(0.0)).sum();
    let wall: f64 = sets.iter().map(|s| s["wall_seconds"].as_f64().unwrap_or(0.0)).sum();
    r["speed"] = json!({
        "html_bytes": bytes, "extract_seconds": secs, "wall_seconds": wall, "mb_per_s": bytes / 1e6 / secs,
        "clock": clock_name(), "load_average": load_average(),
    });
    r["notes"] = json!(notes);
    if args.json {
        println!("{}", serde_json::to_string_pretty(&r).expect("JSON"));
    } else {
        let tool = format!("{} {}", r["tool"].as_str().unwrap_or_default(), r["version"].as_str().unwrap_or_default());
        println!("{}", report(&tool, &r));
        for n in notes {
            println!("note: {n}");
        }
    }
    ExitCode::SUCCESS
}
