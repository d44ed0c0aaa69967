#!/usr/bin/env bash
# Extraction benchmark (issues 4 and 9): presswatch's extractor and Python trafilatura on the real pages of
# ../shared/corpus (WCXB dev articles, Zyte benchmark, Mozilla Readability pages), each set in two halves by id,
# accuracy and CPU time per page side by side; then WCXB's own scoring through ../shared/tools/wcxb.py.
#
#   scripts/extract_bench.sh [--corpus DIR]
#
# Needs a Python with trafilatura (default /tmp/peers/bin/python, else python3; set PYTHON=...):
#   python3 -m venv /tmp/peers && /tmp/peers/bin/pip install trafilatura lxml_html_clean lxml
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
corpus="$root/../shared/corpus"
if [ "${1:-}" = "--corpus" ]; then corpus="$2"; fi
if [ ! -d "$corpus" ]; then
    echo "the corpus is missing at $corpus: nothing to measure (it lives in ../shared/corpus)"
    exit 1
fi
# shellcheck source=scripts/peer_python.sh
. "$root/scripts/peer_python.sh"
py=$(peer_python)
peer="${PEER_DIR:-$root/target/peer-texts}"
cargo build --quiet --release --example extract_eval
cargo build --quiet --release
if [ -n "$py" ]; then
    if [ ! -f "$peer/timing.json" ]; then
        echo "trafilatura's texts and times, once (minutes): $peer"
        "$py" scripts/peer_texts.py "$peer" --corpus "$corpus"
    fi
    target/release/examples/extract_eval --corpus "$corpus" --peer "$peer"
    if [ -f "$root/../shared/tools/wcxb.py" ]; then
        "$py" "$root/../shared/tools/wcxb.py" --bin target/release/presswatch 2>"$root/target/wcxb-report.json" | tail -n 1
        echo "(WCXB's report, with the worst pages: target/wcxb-report.json)"
    fi
    if [ -f "$root/../shared/tools/realchurn.py" ]; then
        # The hash alone under live-page churn, one `extract` a render (the stop check runs it on 150 pages).
        "$py" "$root/../shared/tools/realchurn.py" --bin target/release/presswatch --limit 150 2>/dev/null | tail -n 1
        "$py" "$root/../shared/tools/realchurn.py" --bin target/release/presswatch 2>"$root/target/realchurn-report.json" | tail -n 1
        echo "(realchurn's report, with each false edit: target/realchurn-report.json)"
    fi
else
    echo "no Python with trafilatura (pip install trafilatura): presswatch only"
    target/release/examples/extract_eval --corpus "$corpus"
fi
