#!/usr/bin/env python3
"""Feed corpus check (issue 11): every feed of ../shared/corpus/feeds served on loopback, polled by one
`presswatch once --feeds-only`, and `presswatch feeds --json` compared with feedparser on the same bytes.

    scripts/feed_corpus.py [--bin target/debug/presswatch] [--corpus DIR] [--python PY]

The count to match is feedparser's entry count for an XML feed, and the number of items in the file for a JSON
one (feedparser 6.0 reads no JSON): `items` of a JSON Feed, `rss.channel.item` of RSS-in-JSON. A file is
*well-formed* when feedparser parses it without `bozo` (a JSON file: when it is valid JSON); on those presswatch
must agree exactly. On the ill-formed ones presswatch does its best and must say the feed is damaged. A file whose
bytes hold `<item>`/`<entry>` (or JSON items) but for which presswatch reports 0 items and no error is a *silent
zero*, always a failure.

feedparser runs in the interpreter given by --python (default: /tmp/peers/bin/python when it exists, else this
one); install it with `python3 -m venv /tmp/peers && /tmp/peers/bin/pip install feedparser`.
Exit status: 0 when every well-formed feed agrees and there is no silent zero, 1 otherwise.
"""

import argparse
import http.server
import json
import os
import re
import subprocess
import sys
import tempfile
import threading

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

FEEDPARSER_COUNT = r"""
import feedparser, json, sys
out = {}
for path in sys.argv[1:]:
    with open(path, 'rb') as f:
        r = feedparser.parse(f.read())
    exc = r.get('bozo_exception')
    out[path] = {'entries': len(r.entries), 'bozo': bool(r.bozo),
                 'why': (type(exc).__name__ + ': ' + str(exc)) if r.bozo else ''}
print(json.dumps(out))
"""


def json_items(data):
    """Items of a JSON Feed (`items`) or of RSS-in-JSON (`rss.channel.item`), or None if it is neither."""
    if not isinstance(data, dict):
        return None
    if isinstance(data.get("items"), list):
        return len(data["items"])
    channel = data.get("rss", {}).get("channel") if isinstance(data.get("rss"), dict) else None
    if isinstance(channel, dict):
        item = channel.get("item", [])
        return len(item) if isinstance(item, list) else 1
    return None


def corpus_files(corpus):
    files = []
    for folder in sorted(os.listdir(corpus)):
        path = os.path.join(corpus, folder)
        if folder == "LICENSES" or not os.path.isdir(path):
            continue
        for name in sorted(os.listdir(path)):
            if os.path.isfile(os.path.join(path, name)):
                files.append(f"{folder}/{name}")
    return files


def expectations(corpus, files, python):
    xml = [f for f in files if not f.endswith(".json")]
    res = subprocess.run([python, "-c", FEEDPARSER_COUNT] + [os.path.join(corpus, f) for f in xml],
                         capture_output=True, text=True)
    if res.returncode != 0:
        sys.exit(f"feedparser failed ({python}): {res.stderr.strip()}\n"
                 "install it: python3 -m venv /tmp/peers && /tmp/peers/bin/pip install feedparser")
    fp = json.loads(res.stdout)
    out = {}
    for f in files:
        raw = open(os.path.join(corpus, f), "rb").read()
        if f.endswith(".json"):
            try:
                n = json_items(json.loads(raw.decode("utf-8-sig")))
                out[f] = {"expected": n or 0, "wellformed": n is not None, "why": "" if n is not None else "not a JSON feed",
                          "has_items": bool(n)}
            except ValueError as e:
                out[f] = {"expected": 0, "wellformed": False, "why": f"invalid JSON: {e}", "has_items": False}
        else:
            r = fp[os.path.join(corpus, f)]
            # Any encoding: look for the tag in the ASCII bytes and in UTF-16.
            probe = raw.replace(b"\x00", b"").lower()
            has_items = re.search(rb"<(\w+:)?(item|entry)[\s>/]", probe) is not None
            out[f] = {"expected": r["entries"], "wellformed": not r["bozo"], "why": r["why"], "has_items": has_items}
    return out


class Handler(http.server.BaseHTTPRequestHandler):
    corpus = "."

    def do_GET(self):  # noqa: N802 (http.server's name)
        rel = self.path.split("?")[0].lstrip("/")
        path = os.path.normpath(os.path.join(self.corpus, rel))
        if not path.startswith(os.path.normpath(self.corpus)) or not os.path.isfile(path):
            self.send_error(404)
            return
        body = open(path, "rb").read()
        self.send_response(200)
        # No charset: the bytes speak for themselves, as they do to feedparser.
        self.send_header("Content-Type", "application/json" if rel.endswith(".json") else "application/xml")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def toml_str(s):
    return json.dumps(s)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--bin", default=os.path.join(ROOT, "target", "debug", "presswatch"))
    ap.add_argument("--corpus", default=os.path.join(ROOT, "..", "shared", "corpus", "feeds"))
    default_py = "/tmp/peers/bin/python" if os.path.exists("/tmp/peers/bin/python") else sys.executable
    ap.add_argument("--python", default=default_py, help="an interpreter with feedparser")
    args = ap.parse_args()
    corpus = os.path.abspath(args.corpus)
    if not os.path.isdir(corpus):
        sys.exit(f"no feed corpus at {corpus} (it lives in ../shared/corpus/feeds)")
    if not os.path.exists(args.bin):
        sys.exit(f"no presswatch binary at {args.bin}: run `cargo build` first, or pass --bin")

    files = corpus_files(corpus)
    expected = expectations(corpus, files, args.python)

    Handler.corpus = corpus
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    port = server.server_address[1]

    with tempfile.TemporaryDirectory() as tmp:
        config = os.path.join(tmp, "presswatch.toml")
        with open(config, "w") as c:
            c.write(f"[store]\npath = {toml_str(os.path.join(tmp, 'store'))}\n\n")
            c.write("[crawler]\nallow_private_networks = true\ntimeout = \"10s\"\nper_host_concurrency = 8\n\n")
            for f in files:
                c.write(f"[[feed]]\nname = {toml_str(f)}\nurl = {toml_str(f'http://127.0.0.1:{port}/{f}')}\n\n")
        cmd = [args.bin, "--config", config, "--log-format", "json"]
        once = subprocess.run(cmd + ["once", "--feeds-only"], capture_output=True, text=True)
        if once.returncode != 0:
            sys.exit(f"presswatch once failed ({once.returncode}): {once.stderr}")
        feeds = subprocess.run(cmd + ["feeds", "--json"], capture_output=True, text=True, check=True)
        got = {v["name"]: v for v in map(json.loads, feeds.stdout.splitlines())}
    server.shutdown()

    rows, agree_wf, total_wf, agree_ill, total_ill, damaged, silent, bad = [], 0, 0, 0, 0, 0, [], []
    for f in files:
        e, g = expected[f], got.get(f, {})
        items = g.get("items") or 0
        error = g.get("last_error") or ""
        # A well-formed feed must also be read without an error; an ill-formed one should say it is damaged.
        ok = items == e["expected"] and (not e["wellformed"] or not error)
        if e["wellformed"]:
            total_wf += 1
            agree_wf += ok
            if not ok:
                bad.append(f)
        else:
            total_ill += 1
            agree_ill += ok
            damaged += bool(error)
        if e["has_items"] and items == 0 and not error:
            silent.append(f)
        verdict = "ok" if ok else ("MISMATCH" if e["wellformed"] else "differs")
        if not ok and e["wellformed"] and items == e["expected"]:
            verdict = "ERROR"
        if f in silent:
            verdict = "SILENT ZERO"
        rows.append((f, "well-formed" if e["wellformed"] else "ill-formed", e["expected"], items, verdict,
                     error, e["why"]))

    width = max(len(r[0]) for r in rows)
    print(f"{'file':{width}}  {'feedparser':11}  {'exp':>4}  {'got':>4}  verdict      presswatch error / feedparser bozo")
    for f, kind, exp, items, verdict, error, why in rows:
        note = error or ""
        if why:
            note = f"{note}  [feedparser: {why}]" if note else f"[feedparser: {why}]"
        print(f"{f:{width}}  {kind:11}  {exp:>4}  {items:>4}  {verdict:11}  {note[:160]}")
    print()
    print(f"well-formed: {agree_wf}/{total_wf} agree; ill-formed: {agree_ill}/{total_ill} agree "
          f"({damaged} reported as damaged or failed); silent zeros: {len(silent)}")
    for f in bad:
        print(f"  mismatch or error: {f}")
    for f in silent:
        print(f"  silent zero: {f}")
    return 1 if bad or silent else 0


if __name__ == "__main__":
    sys.exit(main())
