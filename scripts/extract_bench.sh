#!/usr/bin/env bash
# Extraction benchmark (issue 4): presswatch's extract() and, when it is installed, Python trafilatura on the
# same pages with the same tokenisation; prints both reports and the figures side by side.
#
#   scripts/extract_bench.sh [--corpus DIR] [--repeat N] [--json]
#
# presswatch: examples/extract_bench.rs (release build; the first build takes minutes).
# trafilatura: scripts/trafilatura_bench.py (pip install trafilatura lxml_html_clean).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

json=0
args=()
for a in "$@"; do
    if [ "$a" = "--json" ]; then json=1; else args+=("$a"); fi
done

if ! command -v python3 >/dev/null 2>&1; then
    echo "python3 not found: presswatch only, trafilatura not run"
    exec cargo run --quiet --release --example extract_bench -- ${args[@]+"${args[@]}"}
fi

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

files=("$tmp/presswatch.json")
cargo run --quiet --release --example extract_bench -- ${args[@]+"${args[@]}"} --json >"$tmp/presswatch.json"
if python3 -c "import trafilatura" >/dev/null 2>&1; then
    python3 scripts/trafilatura_bench.py ${args[@]+"${args[@]}"} --json >"$tmp/trafilatura.json"
    files+=("$tmp/trafilatura.json")
else
    echo "trafilatura is not installed (pip install trafilatura lxml_html_clean): presswatch only"
    echo
fi

compare=(python3 scripts/trafilatura_bench.py --compare "${files[@]}")
if [ "$json" = 1 ]; then compare+=(--json); fi
"${compare[@]}"
