#!/usr/bin/env python3
"""Extraction benchmark for Python trafilatura, the twin of ``examples/extract_bench.rs`` (issue 4).

    python3 scripts/trafilatura_bench.py [--corpus DIR] [--json] [--repeat N]

Same pages, same ground truth, same tokenisation, same summary lines (and the same JSON with --json) as
``cargo run --release --example extract_bench``, so that presswatch and trafilatura can be compared in one run
(``scripts/extract_bench.sh`` runs both). Needs ``pip install trafilatura lxml_html_clean``.

trafilatura runs as the Zyte benchmark runs it (``extract(html, include_comments=False)``, plus the page URL).
Each page is decoded by trafilatura's own decoder (``trafilatura.utils.decode_file``) before timing, as
presswatch's pages are decoded by ``decode_html`` before timing: only extraction is timed, on one thread, in
CPU time of the thread (other processes on a busy machine do not count) and in wall time.

Tokens (keep in step with the Rust example): NFC, the invisible characters presswatch's normaliser removes
are removed, tokens are split on Unicode white space (Rust's ``char::is_whitespace``, listed below), and every
Thai or CJK character is a token of its own. The title is not scored.
"""

import argparse
import gzip
import json
import os
import sys
import time
import unicodedata
from collections import Counter
from pathlib import Path
from urllib.parse import urlparse

READABILITY_PAGE_URL = "http://fakehost/test/page.html"

INVISIBLE = set("\u00ad\u200b\u200c\u200d\u2060\ufeff\u180e")
# Unicode White_Space, exactly the set of Rust's char::is_whitespace (Python's str.isspace differs slightly).
WHITESPACE = set(
    "\t\n\x0b\x0c\r \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a"
    "\u2028\u2029\u202f\u205f\u3000"
)
CHAR_TOKEN_RANGES = (
    (0x0E00, 0x0E7F),  # Thai
    (0x3000, 0x303F),  # CJK symbols and punctuation
    (0x3040, 0x30FF),  # Hiragana, Katakana
    (0x31F0, 0x31FF),  # Katakana phonetic extensions
    (0x3400, 0x4DBF),  # CJK extension A
    (0x4E00, 0x9FFF),  # CJK unified ideographs
    (0xF900, 0xFAFF),  # CJK compatibility ideographs
    (0xFF00, 0xFFEF),  # half-width and full-width forms
    (0x20000, 0x3FFFF),  # CJK extensions B and later
)

BLOCK_TAGS = set(
    "address article aside blockquote br caption center dd details div dl dt figcaption figure footer "
    "h1 h2 h3 h4 h5 h6 header hr li main nav ol p pre section summary table tbody td tfoot th thead tr ul".split()
)
SKIP_TAGS = {"script", "style", "template", "noscript", "head", "title"}


def is_char_token(c):
    o = ord(c)
    return any(lo <= o <= hi for lo, hi in CHAR_TOKEN_RANGES)


def token_list(text):
    out, cur = [], []
    for c in unicodedata.normalize("NFC", text or ""):
        if c in INVISIBLE:
            continue
        if c in WHITESPACE or is_char_token(c):
            if cur:
                out.append("".join(cur))
                cur = []
            if is_char_token(c):
                out.append(c)
        else:
            cur.append(c)
    if cur:
        out.append("".join(cur))
    return out


def bag(text):
    return Counter(token_list(text))


def score(pred, truth):
    predicted, expected = sum(pred.values()), sum(truth.values())
    tp = sum(min(n, truth.get(t, 0)) for t, n in pred.items())

    def ratio(num, den, other):
        if den == 0:
            return 1.0 if other == 0 else 0.0
        return num / den

    p, r = ratio(tp, predicted, expected), ratio(tp, expected, predicted)
    f1 = 2 * p * r / (p + r) if p + r > 0 else 0.0
    return dict(precision=p, recall=r, f1=f1, predicted=predicted, expected=expected)


def normalize_line(s):
    """presswatch's normalize_line: NFC, invisible characters removed, white space collapsed, trimmed."""
    s = "".join(c for c in unicodedata.normalize("NFC", s) if c not in INVISIBLE)
    return " ".join(w for w in "".join(" " if c in WHITESPACE else c for c in s).split(" ") if w)


def normalize_text(s):
    # Rust's str::lines splits on \n only (and strips a \r before it); \r is white space and is collapsed.
    lines = (normalize_line(l) for l in s.split("\n"))
    return "\n".join(l for l in lines if l)


def first_foreign_line(text, other):
    # Lines of three tokens or more first, so that a stray "-" or "Tags" does not hide the real extra paragraph.
    for min_tokens in (3, 1):
        for line in text.split("\n"):
            toks = token_list(line)
            found = sum(1 for t in toks if t in other)
            if len(toks) >= min_tokens and found * 2 < len(toks):
                return normalize_line(line)[:80]
    return None


def hint(pred_text, truth_text, s):
    if s["recall"] < s["precision"]:
        line = first_foreign_line(truth_text, bag(pred_text))
        why = f"; missing e.g. {json.dumps(line, ensure_ascii=False)}" if line else "; missing text is scattered"
        return f"low recall: extracted {s['predicted']} tokens vs {s['expected']} expected{why}"
    line = first_foreign_line(pred_text, bag(truth_text))
    why = f"; extra text {json.dumps(line, ensure_ascii=False)}" if line else "; extra text is scattered"
    return f"low precision: extracted {s['predicted']} tokens vs {s['expected']} expected{why}"


def squash(s):
    # Snippet checks compare with white space collapsed on both sides (see the Rust example).
    return normalize_line(s)


def html_to_text(html):
    import lxml.html

    out = []

    def walk(el):
        tag = el.tag.lower() if isinstance(el.tag, str) else None
        if tag is not None and tag not in SKIP_TAGS:
            block = tag in BLOCK_TAGS
            if block:
                out.append("\n")
            if el.text:
                out.append(el.text)
            for child in el:
                walk(child)
            if block:
                out.append("\n")
        if el.tail:
            out.append(el.tail)

    doc = lxml.html.document_fromstring(html)
    body = doc.find("body")
    walk(body if body is not None else doc)
    return normalize_text("".join(out))


# ---------------------------------------------------------------------------------------------------------
# Pages and runs


class Page:
    def __init__(self, id, url, raw):
        from trafilatura.utils import decode_file

        self.id, self.url, self.html_bytes = id, url, len(raw)
        self.html = decode_file(raw)


def run(page, repeat):
    """Extracts `repeat` times; returns ((text, error), fastest thread CPU time, fastest wall time)."""
    import trafilatura

    best, best_wall, result = float("inf"), float("inf"), None
    for i in range(repeat):
        cpu, t = time.thread_time(), time.perf_counter()
        try:
            r = trafilatura.extract(page.html, url=page.url, include_comments=False)
            r = (r, None) if r else (None, "no text extracted")
        except Exception as e:  # an extractor crash counts as a failed page
            r = (None, f"{type(e).__name__}: {e}")
        best_wall = min(best_wall, time.perf_counter() - t)
        best = min(best, time.thread_time() - cpu)
        if i == 0:
            result = r
    return result, best, best_wall


def load_average():
    try:
        return f"{os.getloadavg()[0]:.2f}"
    except OSError:
        return None


def host(url):
    h = urlparse(url).hostname if url else None
    return (h or "-").removeprefix("www.")


def mean(xs):
    xs = list(xs)
    return sum(xs) / len(xs) if xs else 0.0


def f1_set(pages, repeat, worst_n):
    rows = []
    nbytes, secs, wall, failed = 0, 0.0, 0.0, 0
    for page, truth in pages:
        (text, error), t, w = run(page, repeat)
        nbytes += page.html_bytes
        secs += t
        wall += w
        truth_bag = bag(truth)
        if error is None:
            s = score(bag(text), truth_bag)
            h = hint(text, truth, s)
        else:
            failed += 1
            s = dict(precision=0.0, recall=0.0, f1=0.0, predicted=0, expected=sum(truth_bag.values()))
            h = f"extract() failed: {error}"
        rows.append(
            dict(
                id=page.id,
                host=host(page.url),
                precision=s["precision"],
                recall=s["recall"],
                f1=s["f1"],
                predicted_tokens=s["predicted"],
                expected_tokens=s["expected"],
                ms=t * 1e3,
                error=error,
                hint=h,
            )
        )
    p, r = mean(x["precision"] for x in rows), mean(x["recall"] for x in rows)
    worst = sorted(rows, key=lambda x: x["f1"])[:worst_n]
    return dict(
        pages=len(pages),
        failed=failed,
        precision=p,
        recall=r,
        f1=mean(x["f1"] for x in rows),
        f1_of_mean_p_r=2 * p * r / (p + r) if p + r > 0 else 0.0,
        html_bytes=nbytes,
        extract_seconds=secs,
        wall_seconds=wall,
        mb_per_s=nbytes / 1e6 / secs,
        worst=[dict(id=w["id"], host=w["host"], f1=w["f1"], hint=w["hint"]) for w in worst],
        per_page=rows,
    )


def load_zyte(d):
    truth = json.loads((d / "ground-truth.json").read_text(encoding="utf-8"))
    pages = []
    for id in sorted(truth):
        path = d / "html" / f"{id}.html.gz"
        if path.exists():
            page = Page(id, truth[id].get("url"), gzip.decompress(path.read_bytes()))
            pages.append((page, truth[id].get("articleBody") or ""))
    return pages


def load_readability(d):
    pages = []
    for case in sorted(p for p in d.iterdir() if (p / "source.html").is_file() and (p / "expected.html").is_file()):
        expected = html_to_text((case / "expected.html").read_bytes().decode("utf-8", errors="replace"))
        pages.append((Page(case.name, READABILITY_PAGE_URL, (case / "source.html").read_bytes()), expected))
    return pages


def nonlatin_set(d, repeat):
    data = json.loads((d / "evaldata-subset.json").read_text(encoding="utf-8"))
    nbytes, secs, wall, failed = 0, 0.0, 0.0, 0
    with_found = with_total = without_absent = without_total = all_pass = 0
    rows = []
    for key in sorted(data, key=lambda k: data[k].get("file", "")):
        item = data[key]
        page = Page(item["file"], key, (d / "html" / item["file"]).read_bytes())
        (text, error), t, w = run(page, repeat)
        nbytes += page.html_bytes
        secs += t
        wall += w
        if error is not None:
            failed += 1
        text = squash(text or "")
        with_ = [squash(s) for s in item.get("with", []) if isinstance(s, str)]
        without = [squash(s) for s in item.get("without", []) if isinstance(s, str)]
        missing = [s for s in with_ if s not in text]
        leaked = [s for s in without if s in text]
        with_total += len(with_)
        with_found += len(with_) - len(missing)
        without_total += len(without)
        without_absent += len(without) - len(leaked)
        if not missing and not leaked and error is None:
            all_pass += 1
        rows.append(dict(file=item["file"], error=error, with_missing=missing, without_present=leaked, ms=t * 1e3))
    return dict(
        pages=len(rows),
        failed=failed,
        with_found=with_found,
        with_total=with_total,
        without_absent=without_absent,
        without_total=without_total,
        pages_all_pass=all_pass,
        html_bytes=nbytes,
        extract_seconds=secs,
        wall_seconds=wall,
        mb_per_s=nbytes / 1e6 / secs,
        per_page=rows,
    )


# ---------------------------------------------------------------------------------------------------------
# Report (the same lines as the Rust example)


def f1_line(name, s):
    return (
        f"{name:<12} {s['pages']:>3} pages, {s['failed']} failed: P {s['precision']:.3f}  R {s['recall']:.3f}  "
        f"F1 {s['f1']:.3f}  (F1 of mean P/R {s['f1_of_mean_p_r']:.3f})"
    )


def worst_lines(title, s):
    out = [f"  {title} (F1, page, host: why)"]
    for w in s["worst"]:
        out.append(f"    {w['f1']:.3f}  {w['id'][:16]}  {w['host']}: {w['hint']}")
    return out


def report(tool, r):
    out = [
        f"== {tool}: corpus {r['corpus']} (extract() timed alone, one thread, fastest of {r['repeat']} runs per page, "
        f"{r['speed']['clock']}; load average {r['speed'].get('load_average') or '-'})"
    ]
    if "zyte" in r:
        out.append(f1_line("zyte", r["zyte"]))
        out += worst_lines("worst ten", r["zyte"])
    if "readability" in r:
        out.append(f1_line("readability", r["readability"]))
        out += worst_lines("worst five", r["readability"])
    if "nonlatin" in r:
        n = r["nonlatin"]
        out.append(
            f"{'nonlatin':<12} {n['pages']:>3} pages, {n['failed']} failed: "
            f"must-include {n['with_found']}/{n['with_total']} found, "
            f"must-exclude {n['without_absent']}/{n['without_total']} absent, "
            f"{n['pages_all_pass']}/{n['pages']} pages pass all"
        )
        for p in n["per_page"]:
            why = []
            if p["error"]:
                why.append(f"failed: {p['error']}")
            why += [f"missing {json.dumps(s, ensure_ascii=False)}" for s in p["with_missing"]]
            why += [f"leaked {json.dumps(s, ensure_ascii=False)}" for s in p["without_present"]]
            if why:
                out.append(f"    {p['file']}: {', '.join(why)}")
    sp = r["speed"]
    out.append(
        f"{'speed':<12} all {sp['mb_per_s']:.1f} MB/s per core ({sp['html_bytes'] / 1e6:.1f} MB of HTML in "
        f"{sp['extract_seconds']:.2f} s of {sp['clock']}; wall {sp['wall_seconds']:.2f} s)"
    )
    speed = []
    for name in ("zyte", "readability", "nonlatin"):
        if name in r:
            b, t = r[name]["html_bytes"], r[name]["extract_seconds"]
            speed.append(f"{name} {b / 1e6 / t:.1f} MB/s ({b / 1e6:.1f} MB in {t:.2f} s)")
    out.append(f"{'':<12} {'; '.join(speed)}")
    return "\n".join(out)


def compare(paths, as_json):
    """Prints the reports of several runs (JSON files from --json) and a table of their figures side by side."""
    runs = []
    for p in paths:
        text = Path(p).read_text(encoding="utf-8")
        try:
            runs.append(json.loads(text))
        except ValueError:  # not JSON: a plain message such as "corpus not found"
            print(text.rstrip())
    if as_json:
        print(json.dumps({r["tool"]: r for r in runs}, indent=2, ensure_ascii=False))
        return 0
    for r in runs:
        print(report(f"{r['tool']} {r['version']}", r))
        print()
    if len(runs) < 2:
        return 0

    def get(r, *keys):
        for k in keys:
            if not isinstance(r, dict) or k not in r:
                return None
            r = r[k]
        return r

    def fmt(v):
        return "-" if v is None else f"{v:.3f}" if isinstance(v, float) else str(v)

    def mbs(v):
        return None if v is None else f"{v:.1f}"

    def frac(r, set_, a, b):
        return None if get(r, set_) is None else f"{get(r, set_, a)}/{get(r, set_, b)}"

    rows = [
        ("zyte precision", lambda r: get(r, "zyte", "precision")),
        ("zyte recall", lambda r: get(r, "zyte", "recall")),
        ("zyte F1 (mean of pages)", lambda r: get(r, "zyte", "f1")),
        ("zyte F1 of mean P/R", lambda r: get(r, "zyte", "f1_of_mean_p_r")),
        ("zyte failed pages", lambda r: get(r, "zyte", "failed")),
        ("readability precision", lambda r: get(r, "readability", "precision")),
        ("readability recall", lambda r: get(r, "readability", "recall")),
        ("readability F1", lambda r: get(r, "readability", "f1")),
        ("readability failed pages", lambda r: get(r, "readability", "failed")),
        ("nonlatin must-include found", lambda r: frac(r, "nonlatin", "with_found", "with_total")),
        ("nonlatin must-exclude absent", lambda r: frac(r, "nonlatin", "without_absent", "without_total")),
        ("nonlatin pages passing all", lambda r: frac(r, "nonlatin", "pages_all_pass", "pages")),
        ("nonlatin failed pages", lambda r: get(r, "nonlatin", "failed")),
        ("speed zyte MB/s", lambda r: mbs(get(r, "zyte", "mb_per_s"))),
        ("speed readability MB/s", lambda r: mbs(get(r, "readability", "mb_per_s"))),
        ("speed nonlatin MB/s", lambda r: mbs(get(r, "nonlatin", "mb_per_s"))),
        ("speed all MB/s per core", lambda r: mbs(get(r, "speed", "mb_per_s"))),
    ]
    heads = [f"{r['tool']} {r['version']}" for r in runs]
    width = max(22, *(len(h) + 2 for h in heads))
    print("side by side".ljust(30) + "".join(h.ljust(width) for h in heads))
    for label, f in rows:
        print(label.ljust(30) + "".join(fmt(f(r)).ljust(width) for r in runs))
    # Both scripts must see the same ground truth: compare the expected token counts page by page.
    for set_ in ("zyte", "readability"):
        counts = [{p["id"]: p["expected_tokens"] for p in get(r, set_, "per_page") or []} for r in runs]
        differ = [k for k in counts[0] if any(c.get(k) != counts[0][k] for c in counts[1:])]
        if differ:
            print(f"warning: {set_}: the ground truth tokenises differently on {len(differ)} pages: {differ[:5]}")
    return 0


def main():
    default_corpus = Path(__file__).resolve().parent.parent / ".." / "shared" / "corpus"
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--corpus", type=Path, default=default_corpus, help="the shared corpus (default: ../shared/corpus)")
    ap.add_argument("--json", action="store_true", help="print the figures and every page's scores as JSON")
    ap.add_argument("--repeat", type=int, default=5, help="time extract() N times per page, keep the fastest")
    ap.add_argument(
        "--compare",
        nargs="+",
        metavar="FILE",
        help="do not run: print the reports of JSON files written with --json (by this script or the Rust "
        "example) and a side-by-side table",
    )
    args = ap.parse_args()
    if args.compare:
        return compare(args.compare, args.json)
    if args.repeat < 1:
        ap.error("--repeat needs a number >= 1")
    corpus = args.corpus.resolve()
    if not corpus.is_dir():
        print(f"corpus not found at {corpus}: the benchmark needs ../shared/corpus")
        return 0
    try:
        import trafilatura
    except ImportError:
        print("trafilatura is not installed (pip install trafilatura lxml_html_clean)")
        return 0
    r = dict(tool="trafilatura", version=trafilatura.__version__, corpus=str(corpus), repeat=args.repeat)
    notes = []
    for name, sub, fn in (
        ("zyte", "article-extraction-benchmark", lambda d: f1_set(load_zyte(d), args.repeat, 10)),
        ("readability", "readability-test-pages", lambda d: f1_set(load_readability(d), args.repeat, 5)),
        ("nonlatin", "trafilatura-eval-nonlatin", lambda d: nonlatin_set(d, args.repeat)),
    ):
        if (corpus / sub).is_dir():
            try:
                r[name] = fn(corpus / sub)
            except (OSError, ValueError, KeyError) as e:
                notes.append(f"{name}: {e}")
    sets = [r[k] for k in ("zyte", "readability", "nonlatin") if k in r]
    if not sets:
        print(f"corpus not found at {corpus}: the benchmark needs ../shared/corpus")
        return 0
    nbytes, secs = sum(s["html_bytes"] for s in sets), sum(s["extract_seconds"] for s in sets)
    wall = sum(s["wall_seconds"] for s in sets)
    r["speed"] = dict(
        html_bytes=nbytes,
        extract_seconds=secs,
        wall_seconds=wall,
        mb_per_s=nbytes / 1e6 / secs,
        clock="thread CPU time",
        load_average=load_average(),
    )
    r["notes"] = notes
    if args.json:
        print(json.dumps(r, indent=2, ensure_ascii=False))
    else:
        print(report(f"trafilatura {r['version']}", r))
        for n in notes:
            print(f"note: {n}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
