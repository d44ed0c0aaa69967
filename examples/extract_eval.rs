//! Extraction quality on every real set of the shared corpus, each split in two halves, beside a peer's output.
//! Not part of `cargo test`.
//!
//! ```text
//! cargo run --release --example extract_eval -- [--corpus DIR] [--threads N] [--peer DIR] [--out FILE]
//!     [--only ID] [--half a|b] [--texts DIR]
//! ```
//!
//! Sets (read from `../shared/corpus` by default; a missing set is reported, not an error):
//! - `wcxb`: WCXB's 711 development article pages, scored as WCXB's evaluate.py scores (lower-cased `\w+` word
//!   bags), with its must-include (`with`) and must-exclude (`without`) snippets;
//! - `zyte`: the Zyte article-extraction-benchmark pages, white-space tokens (Thai and CJK: one per character);
//! - `readability`: Mozilla's Readability test pages against `expected.html` as text, same tokens as Zyte.
//!
//! Each set is split by id: sorted, even positions are half `a`, odd positions half `b`. Rules are tuned on one
//! half and kept only if they help the other; the report gives both.
//!
//! `--peer DIR` reads another extractor's texts from `DIR/<set>-<mode>.json` (`{id: text}`; e.g. Python
//! trafilatura's `default` and `prec` modes, written by `scripts/peer_texts.py`) and reports them scored the same
//! way, with the pages where presswatch is below 0.5 while the best peer mode reaches 0.9 ("disasters").
//! `--out FILE` writes every page's scores as JSON lines, to compare two runs; `--texts DIR` writes every page's
//! extracted text (or its error) to `DIR/<set>-<id>.txt` and the truth beside it as `.truth`, to diff two runs.

use std::collections::HashMap;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use dom_query::{Document, NodeRef};
use presswatch::decode::decode_html_as_written;
use presswatch::extract::extract;
use presswatch::normalize::{nfc, normalize_text};
use serde_json::Value;
use url::Url;

#[derive(Clone, Copy, PartialEq, Eq)]
enum Tokens {
    /// WCXB: lower-cased `\w+` runs.
    Words,
    /// Zyte and Readability: white-space separated, Thai and CJK one per character.
    WhiteSpace,
}

struct Page {
    set: &'static str,
    id: String,
    url: Option<Url>,
    html: String,
    truth: String,
    with: Vec<String>,
    without: Vec<String>,
    half: char,
}

#[derive(Clone, Copy, Default, Debug)]
struct Score {
    precision: f64,
    recall: f64,
    f1: f64,
}

fn main() {
    let mut corpus = Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join("shared").join("corpus");
    let mut threads = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(2);
    let (mut peer, mut out, mut only, mut half) = (None::<PathBuf>, None::<PathBuf>, None::<String>, None::<char>);
    let mut texts_dir = None::<PathBuf>;
    let mut it = std::env::args().skip(1);
    while let Some(a) = it.next() {
        match a.as_str() {
            "--corpus" => corpus = it.next().expect("--corpus DIR").into(),
            "--threads" => threads = it.next().and_then(|n| n.parse().ok()).expect("--threads N"),
            "--peer" => peer = Some(it.next().expect("--peer DIR").into()),
            "--out" => out = Some(it.next().expect("--out FILE").into()),
            "--only" => only = Some(it.next().expect("--only ID")),
            "--half" => half = it.next().and_then(|h| h.chars().next()),
            "--texts" => texts_dir = Some(it.next().expect("--texts DIR").into()),
            _ => {
                eprintln!("usage: extract_eval [--corpus DIR] [--threads N] [--peer DIR] [--out FILE] [--only ID] [--half a|b] [--texts DIR]");
                std::process::exit(2);
            }
        }
    }
    let mut pages = Vec::new();
    for (set, loader) in
        [("wcxb", load_wcxb as fn(&Path) -> Vec<Page>), ("zyte", load_zyte), ("readability", load_readability)]
    {
        let dir = corpus.join(match set {
            "wcxb" => "wcxb-dev-articles",
            "zyte" => "article-extraction-benchmark",
            _ => "readability-test-pages",
        });
        if !dir.is_dir() {
            println!("{set}: missing at {} (not measured)", dir.display());
            continue;
        }
        pages.extend(loader(&dir));
    }
    pages.retain(|p| only.as_ref().is_none_or(|o| p.id.starts_with(o.as_str())) && half.is_none_or(|h| p.half == h));

    let started = Instant::now();
    let next = AtomicUsize::new(0);
    let results: Vec<(usize, Result<String, String>, f64)> = std::thread::scope(|s| {
        let workers: Vec<_> = (0..threads)
            .map(|_| {
                s.spawn(|| {
                    let mut mine = Vec::new();
                    loop {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        let Some(p) = pages.get(i) else { break };
                        let (t, cpu) = (Instant::now(), thread_cpu_time());
                        let r = extract(&p.html, p.url.as_ref()).map(|a| a.text).map_err(|e| e.to_string());
                        let spent = match (cpu, thread_cpu_time()) {
                            (Some(a), Some(b)) => b - a,
                            _ => t.elapsed().as_secs_f64(),
                        };
                        mine.push((i, r, spent));
                    }
                    mine
                })
            })
            .collect();
        workers.into_iter().flat_map(|w| w.join().expect("worker")).collect()
    });
    let wall = started.elapsed().as_secs_f64();
    let mut texts: Vec<Result<String, String>> = vec![Err(String::new()); pages.len()];
    let mut secs = vec![0.0; pages.len()];
    for (i, r, t) in results {
        texts[i] = r;
        secs[i] = t;
    }

    let peers = peer.as_ref().map(|d| load_peers(d)).unwrap_or_default();
    let peer_timing: Option<Value> = peer
        .as_ref()
        .and_then(|d| std::fs::read_to_string(d.join("timing.json")).ok())
        .and_then(|s| serde_json::from_str(&s).ok());
    let mut lines = Vec::new();
    let mut report = Vec::new();
    for set in ["wcxb", "zyte", "readability"] {
        for h in ['a', 'b'] {
            let idx: Vec<usize> = (0..pages.len()).filter(|&i| pages[i].set == set && pages[i].half == h).collect();
            if idx.is_empty() {
                continue;
            }
            let tok = if set == "wcxb" { Tokens::Words } else { Tokens::WhiteSpace };
            let ours: Vec<Score> =
                idx.iter().map(|&i| score(texts[i].as_deref().unwrap_or(""), &pages[i].truth, tok)).collect();
            let refused = idx.iter().filter(|&&i| texts[i].is_err()).count();
            let (with_found, with_all) = snippet_counts(&idx, &pages, |i| texts[i].as_deref().unwrap_or(""), true);
            let (leak, leak_all) = snippet_counts(&idx, &pages, |i| texts[i].as_deref().unwrap_or(""), false);
            let mut line = format!(
                "{set:<11} {h} {:>4} pages  P {:.4} R {:.4} F1 {:.4}  refused {refused:>2}",
                idx.len(),
                mean(ours.iter().map(|s| s.precision)),
                mean(ours.iter().map(|s| s.recall)),
                mean(ours.iter().map(|s| s.f1)),
            );
            if with_all > 0 {
                line += &format!("  with {:.4} leaked {:.4}", ratio(with_found, with_all), ratio(leak, leak_all));
            }
            // The best peer mode on this half, and the pages where we fail and it does not.
            let mut best: Option<(String, f64, Vec<Score>, usize)> = None;
            for (mode, texts_of) in peers.iter().filter(|((s, _), _)| s == set).map(|((_, m), t)| (m, t)) {
                let sc: Vec<Score> = idx
                    .iter()
                    .map(|&i| score(texts_of.get(&pages[i].id).map_or("", String::as_str), &pages[i].truth, tok))
                    .collect();
                let f1 = mean(sc.iter().map(|s| s.f1));
                let (wf, _) =
                    snippet_counts(&idx, &pages, |i| texts_of.get(&pages[i].id).map_or("", String::as_str), true);
                if best.as_ref().is_none_or(|b| f1 > b.1) {
                    best = Some((mode.clone(), f1, sc, wf));
                }
            }
            if let Some((mode, f1, sc, wf)) = best {
                let disasters: Vec<&str> = idx
                    .iter()
                    .zip(&ours)
                    .zip(&sc)
                    .filter(|((_, o), p)| o.f1 < 0.5 && p.f1 >= 0.9)
                    .map(|((&i, _), _)| pages[i].id.as_str())
                    .collect();
                line += &format!("  | peer {mode} F1 {f1:.4}");
                if with_all > 0 {
                    line += &format!(" with {:.4}", ratio(wf, with_all));
                }
                line += &format!("  disasters {} {:?}", disasters.len(), disasters);
                for ((&i, o), p) in idx.iter().zip(&ours).zip(&sc) {
                    lines.push(serde_json::json!({"set": set, "id": pages[i].id, "f1": round(o.f1), "p": round(o.precision),
                        "r": round(o.recall), "peer_f1": round(p.f1), "refused": texts[i].as_ref().err(), "ms": round(secs[i] * 1000.0)}));
                }
            } else {
                for (&i, o) in idx.iter().zip(&ours) {
                    lines.push(
                        serde_json::json!({"set": set, "id": pages[i].id, "f1": round(o.f1), "p": round(o.precision),
                        "r": round(o.recall), "refused": texts[i].as_ref().err(), "ms": round(secs[i] * 1000.0)}),
                    );
                }
            }
            report.push(line);
        }
    }
    let total: f64 = secs.iter().sum();
    let bytes: usize = pages.iter().map(|p| p.html.len()).sum();
    report.push(format!(
        "{} pages in {wall:.1} s wall on {threads} threads; extraction {:.1} ms CPU per page, {:.1} MB/s per core",
        pages.len(),
        total * 1000.0 / pages.len().max(1) as f64,
        bytes as f64 / 1e6 / total.max(1e-9)
    ));
    // Speed beside the peer's, per set, both in CPU time of extraction alone.
    if let Some(timing) = &peer_timing {
        for (set, file) in SET_FILES {
            let idx: Vec<usize> = (0..pages.len()).filter(|&i| pages[i].set == set).collect();
            let ours: f64 = idx.iter().map(|&i| secs[i]).sum();
            let theirs = ["default", "prec"]
                .iter()
                .filter_map(|m| timing[format!("{file}-{m}")]["cpu_seconds"].as_f64())
                .fold(f64::INFINITY, f64::min);
            if !idx.is_empty() && theirs.is_finite() && ours > 0.0 {
                report.push(format!(
                    "{set:<11} speed: {:.1} ms per page, peer {:.1} ms (its faster mode): {:.1}x",
                    ours * 1000.0 / idx.len() as f64,
                    theirs * 1000.0 / idx.len() as f64,
                    theirs / ours
                ));
            }
        }
    }
    if let Some(dir) = texts_dir {
        std::fs::create_dir_all(&dir).expect("create --texts DIR");
        for (p, t) in pages.iter().zip(&texts) {
            let text = t.as_ref().map_or_else(|e| format!("(refused: {e})"), Clone::clone);
            std::fs::write(dir.join(format!("{}-{}.txt", p.set, p.id)), text).expect("write --texts");
            std::fs::write(dir.join(format!("{}-{}.truth", p.set, p.id)), &p.truth).expect("write --texts");
        }
    }
    if let Some(out) = out {
        let body: String = lines.iter().map(|l| format!("{l}\n")).collect();
        std::fs::write(&out, body).expect("write --out");
    }
    use std::io::Write;
    let mut stdout = std::io::stdout().lock();
    for line in report {
        if writeln!(stdout, "{line}").is_err() {
            break;
        }
    }
}

fn round(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}

fn ratio(a: usize, b: usize) -> f64 {
    if b == 0 {
        0.0
    } else {
        a as f64 / b as f64
    }
}

fn mean(xs: impl Iterator<Item = f64>) -> f64 {
    let (s, n) = xs.fold((0.0, 0usize), |(s, n), x| (s + x, n + 1));
    if n == 0 {
        0.0
    } else {
        s / n as f64
    }
}

/// (snippets found, snippets in all): `with` snippets when `with`, else `without` snippets (leaks).
fn snippet_counts<'a>(idx: &[usize], pages: &[Page], text: impl Fn(usize) -> &'a str, with: bool) -> (usize, usize) {
    let (mut found, mut all) = (0, 0);
    for &i in idx {
        let t = text(i).to_lowercase();
        let snips = if with { &pages[i].with } else { &pages[i].without };
        all += snips.len();
        found += snips.iter().filter(|s| t.contains(&s.to_lowercase())).count();
    }
    (found, all)
}

fn is_char_token(c: char) -> bool {
    matches!(c as u32, 0x0E00..=0x0E7F | 0x3000..=0x303F | 0x3040..=0x30FF | 0x31F0..=0x31FF | 0x3400..=0x4DBF
        | 0x4E00..=0x9FFF | 0xF900..=0xFAFF | 0xFF00..=0xFFEF | 0x20000..=0x3FFFF)
}

fn bag(text: &str, tok: Tokens) -> HashMap<String, u32> {
    let mut b = HashMap::new();
    let mut cur = String::new();
    let text = nfc(text);
    let mut push = |cur: &mut String| {
        if !cur.is_empty() {
            *b.entry(std::mem::take(cur)).or_default() += 1;
        }
    };
    for c in text.chars() {
        match tok {
            Tokens::Words => {
                if c.is_alphanumeric() || c == '_' {
                    cur.extend(c.to_lowercase());
                } else {
                    push(&mut cur);
                }
            }
            Tokens::WhiteSpace => {
                if matches!(c, '\u{00AD}' | '\u{200B}' | '\u{200C}' | '\u{200D}' | '\u{2060}' | '\u{FEFF}') {
                    continue;
                }
                if c.is_whitespace() || is_char_token(c) {
                    push(&mut cur);
                    if is_char_token(c) {
                        cur.push(c);
                        push(&mut cur);
                    }
                } else {
                    cur.push(c);
                }
            }
        }
    }
    push(&mut cur);
    b
}

fn score(pred: &str, truth: &str, tok: Tokens) -> Score {
    let (p, r) = (bag(pred, tok), bag(truth, tok));
    let (np, nr): (u32, u32) = (p.values().sum(), r.values().sum());
    if nr == 0 {
        let v = if np == 0 { 1.0 } else { 0.0 };
        return Score { precision: v, recall: v, f1: v };
    }
    if np == 0 {
        return Score::default();
    }
    let o: u32 = p.iter().map(|(t, n)| (*n).min(r.get(t).copied().unwrap_or(0))).sum();
    let (precision, recall) = (f64::from(o) / f64::from(np), f64::from(o) / f64::from(nr));
    let f1 = if o == 0 { 0.0 } else { 2.0 * precision * recall / (precision + recall) };
    Score { precision, recall, f1 }
}

fn gunzip(path: &Path) -> Vec<u8> {
    let f = std::fs::File::open(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut out = Vec::new();
    flate2::read::GzDecoder::new(f).read_to_end(&mut out).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    out
}

fn halves<T>(mut ids: Vec<(String, T)>) -> Vec<(String, T, char)> {
    ids.sort_by(|a, b| a.0.cmp(&b.0));
    ids.into_iter().enumerate().map(|(i, (id, t))| (id, t, if i % 2 == 0 { 'a' } else { 'b' })).collect()
}

fn page(set: &'static str, id: String, url: Option<Url>, bytes: &[u8], truth: String, half: char) -> Page {
    let host = url.as_ref().and_then(|u| u.host_str().map(String::from));
    let html = decode_html_as_written(bytes, None, host.as_deref()).text;
    Page { set, id, url, html, truth, with: Vec::new(), without: Vec::new(), half }
}

fn strings(v: &Value) -> Vec<String> {
    v.as_array().map(|a| a.iter().filter_map(|s| s.as_str().map(String::from)).collect()).unwrap_or_default()
}

fn load_wcxb(dir: &Path) -> Vec<Page> {
    let gt: serde_json::Map<String, Value> =
        serde_json::from_str(&std::fs::read_to_string(dir.join("ground-truth.json")).expect("ground truth"))
            .expect("ground truth JSON");
    halves(gt.into_iter().collect())
        .into_iter()
        .map(|(id, g, half)| {
            let url = g["url"].as_str().and_then(|u| Url::parse(u).ok());
            let bytes = gunzip(&dir.join("html").join(format!("{id}.html.gz")));
            let mut p = page("wcxb", id, url, &bytes, g["articleBody"].as_str().unwrap_or("").to_string(), half);
            p.with = strings(&g["with"]);
            p.without = strings(&g["without"]);
            p
        })
        .collect()
}

fn load_zyte(dir: &Path) -> Vec<Page> {
    let gt: serde_json::Map<String, Value> =
        serde_json::from_str(&std::fs::read_to_string(dir.join("ground-truth.json")).expect("ground truth"))
            .expect("ground truth JSON");
    let present: Vec<(String, Value)> =
        gt.into_iter().filter(|(id, _)| dir.join("html").join(format!("{id}.html.gz")).exists()).collect();
    halves(present)
        .into_iter()
        .map(|(id, g, half)| {
            let url = g["url"].as_str().and_then(|u| Url::parse(u).ok());
            let bytes = gunzip(&dir.join("html").join(format!("{id}.html.gz")));
            page("zyte", id, url, &bytes, g["articleBody"].as_str().unwrap_or("").to_string(), half)
        })
        .collect()
}

fn load_readability(dir: &Path) -> Vec<Page> {
    let mut ids: Vec<(String, ())> = std::fs::read_dir(dir)
        .expect("readability dir")
        .filter_map(|e| e.ok())
        .filter(|e| e.path().join("source.html").exists())
        .map(|e| (e.file_name().to_string_lossy().into_owned(), ()))
        .collect();
    ids.sort();
    halves(ids)
        .into_iter()
        .map(|(id, (), half)| {
            let d = dir.join(&id);
            let bytes = std::fs::read(d.join("source.html")).expect("source.html");
            let truth = html_to_text(&std::fs::read_to_string(d.join("expected.html")).unwrap_or_default());
            page("readability", id, Url::parse("http://fakehost/test/page.html").ok(), &bytes, truth, half)
        })
        .collect()
}

const SET_FILES: [(&str, &str); 3] = [
    ("wcxb", "wcxb-dev-articles"),
    ("zyte", "article-extraction-benchmark"),
    ("readability", "readability-test-pages"),
];

/// CPU time of the calling thread, in seconds (`clock_gettime(CLOCK_THREAD_CPUTIME_ID)`): other work on a
/// shared machine does not count, so the figure is per core.
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

fn load_peers(dir: &Path) -> HashMap<(String, String), HashMap<String, String>> {
    let mut out = HashMap::new();
    for (set, file) in [
        ("wcxb", "wcxb-dev-articles"),
        ("zyte", "article-extraction-benchmark"),
        ("readability", "readability-test-pages"),
    ] {
        for mode in ["default", "prec"] {
            let path = dir.join(format!("{file}-{mode}.json"));
            if let Ok(s) = std::fs::read_to_string(&path) {
                if let Ok(m) = serde_json::from_str::<HashMap<String, String>>(&s) {
                    out.insert((set.to_string(), mode.to_string()), m);
                }
            }
        }
    }
    out
}

/// Readability's expected.html as text: block elements end a line.
fn html_to_text(html: &str) -> String {
    const BLOCKS: &[&str] = &[
        "address",
        "article",
        "aside",
        "blockquote",
        "br",
        "caption",
        "dd",
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
        "table",
        "td",
        "th",
        "tr",
        "ul",
    ];
    fn walk(node: &NodeRef, out: &mut String) {
        if node.is_text() {
            out.push_str(&node.text());
        } else if node.is_element() {
            let name = node.node_name().unwrap_or_default().to_ascii_lowercase();
            if matches!(name.as_str(), "script" | "style" | "template" | "noscript" | "head" | "title") {
                return;
            }
            let block = BLOCKS.contains(&name.as_str());
            if block {
                out.push('\n');
            }
            for c in node.children_it(false) {
                walk(&c, out);
            }
            if block {
                out.push('\n');
            }
        } else {
            for c in node.children_it(false) {
                walk(&c, out);
            }
        }
    }
    let doc = Document::from(html);
    let mut out = String::new();
    walk(&doc.root(), &mut out);
    normalize_text(&out)
}
