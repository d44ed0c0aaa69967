//! CPU per page of the crawl's per-page work, without the network or the store: decode, then extract, on
//! every `.html` or `.html.gz` file under a directory (for example a site `scripts/perf_bench.sh` generated).
//! One thread; each stage timed on its own, the best of `--rounds` rounds; then both again with each page on a
//! fresh thread of the sandbox's stack size, which is what the crawl did before its extraction threads were
//! kept. A measure for profiling a change, not a benchmark of record.
//!
//!   cargo run --release --example page_cpu -- DIR [--rounds 3] [--limit N]

use std::time::Instant;

/// A page's bytes; `.html.gz` files (as the corpus keeps them) are unzipped.
fn read(path: &std::path::Path) -> Vec<u8> {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    if path.extension().is_some_and(|x| x == "gz") {
        let mut out = Vec::new();
        std::io::Read::read_to_end(&mut flate2::read::GzDecoder::new(&bytes[..]), &mut out)
            .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        out
    } else {
        bytes
    }
}

fn main() {
    let mut args = std::env::args().skip(1);
    let dir = args.next().expect("usage: page_cpu DIR [--rounds N] [--limit N]");
    let (mut rounds, mut limit) = (3, usize::MAX);
    while let Some(a) = args.next() {
        let v = args.next().and_then(|v| v.parse().ok()).expect("a number after the flag");
        match a.as_str() {
            "--rounds" => rounds = v,
            "--limit" => limit = v,
            other => panic!("unknown flag {other}"),
        }
    }
    let mut files = Vec::new();
    let mut stack = vec![std::path::PathBuf::from(&dir)];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).expect("a readable directory").flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if p.to_string_lossy().ends_with(".html") || p.to_string_lossy().ends_with(".html.gz") {
                files.push(p);
            }
        }
    }
    files.sort();
    files.truncate(limit);
    let pages: Vec<Vec<u8>> = files.iter().map(|p| read(p)).collect();
    let options = presswatch::extract::Options::default();
    let (mut best_decode, mut best_extract) = (f64::MAX, f64::MAX);
    for _ in 0..rounds {
        let t = Instant::now();
        let decoded: Vec<_> = pages
            .iter()
            .map(|b| presswatch::decode::decode_html_as_written(b, Some("text/html; charset=utf-8"), None))
            .collect();
        best_decode = best_decode.min(t.elapsed().as_secs_f64());
        let t = Instant::now();
        let mut chars = 0;
        for d in &decoded {
            if let Ok(a) = presswatch::extract::extract_decoded(d, None, &options) {
                chars += a.text.len();
            }
        }
        best_extract = best_extract.min(t.elapsed().as_secs_f64());
        std::hint::black_box(chars);
    }
    // As the crawl did before it kept its extraction threads: each page on a fresh thread with their stack.
    let mut best_threaded = f64::MAX;
    let options = std::sync::Arc::new(options);
    for _ in 0..rounds {
        let t = Instant::now();
        for b in &pages {
            let page = presswatch::extract::sandbox::Page {
                body: b.clone(),
                content_type: Some("text/html; charset=utf-8".into()),
                url: url::Url::parse("http://127.0.0.1/a").unwrap(),
            };
            let options = options.clone();
            std::thread::Builder::new()
                .stack_size(256 * 1024 * 1024)
                .spawn(move || std::hint::black_box(presswatch::extract::sandbox::extract_now(&page, &options).is_ok()))
                .unwrap()
                .join()
                .unwrap();
        }
        best_threaded = best_threaded.min(t.elapsed().as_secs_f64());
    }
    let n = pages.len() as f64;
    println!(
        "{} pages: decode {:.3} ms/page, extract {:.3} ms/page; both on a fresh thread each {:.3} ms/page",
        pages.len(),
        best_decode * 1e3 / n,
        best_extract * 1e3 / n,
        best_threaded * 1e3 / n
    );
}
