#!/usr/bin/env python3
"""Python trafilatura's texts for the corpus sets that examples/extract_eval.rs scores, and its CPU time.

    scripts/peer_texts.py OUT_DIR [--corpus ../shared/corpus]

Writes OUT_DIR/<set>-<mode>.json ({id: text}) for modes `default` and `prec` (favor_precision), and
OUT_DIR/timing.json with the CPU seconds (time.process_time) each set and mode took, extraction only.
Pages are decoded as wcxb.py decodes them (UTF-8, replacing errors). Needs `pip install trafilatura`.
"""
import argparse, gzip, json, os, sys, time

SETS = {"wcxb-dev-articles": "html", "article-extraction-benchmark": "html"}


def pages(corpus, name):
    d = os.path.join(corpus, name)
    if name == "readability-test-pages":
        for k in sorted(os.listdir(d)):
            p = os.path.join(d, k, "source.html")
            if os.path.exists(p):
                yield k, open(p, "rb").read()
        return
    gt = json.load(open(os.path.join(d, "ground-truth.json")))
    for k in sorted(gt):
        p = os.path.join(d, "html", k + ".html.gz")
        if os.path.exists(p):
            yield k, gzip.open(p).read()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--corpus", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "shared", "corpus"))
    a = ap.parse_args()
    try:
        import trafilatura
    except ImportError:
        print("trafilatura is not installed: pip install trafilatura", file=sys.stderr)
        return 1
    os.makedirs(a.out, exist_ok=True)
    timing = {"trafilatura": trafilatura.__version__}
    for name in ["wcxb-dev-articles", "article-extraction-benchmark", "readability-test-pages"]:
        if not os.path.isdir(os.path.join(a.corpus, name)):
            print(f"{name}: missing under {a.corpus}, not measured", file=sys.stderr)
            continue
        docs = [(k, h.decode("utf-8", "replace")) for k, h in pages(a.corpus, name)]
        for mode in ("default", "prec"):
            t, out = time.process_time(), {}
            for k, h in docs:
                out[k] = trafilatura.extract(h, favor_precision=(mode == "prec")) or ""
            timing[f"{name}-{mode}"] = {"cpu_seconds": round(time.process_time() - t, 3), "pages": len(docs)}
            json.dump(out, open(os.path.join(a.out, f"{name}-{mode}.json"), "w"))
            print(f"{name} {mode}: {len(docs)} pages, {timing[f'{name}-{mode}']['cpu_seconds']} CPU s", file=sys.stderr)
    json.dump(timing, open(os.path.join(a.out, "timing.json"), "w"), indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
