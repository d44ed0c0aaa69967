# Sourced by the benchmarks that run Python trafilatura beside presswatch (extract_bench.sh, perf_bench.sh).
# peer_python prints the Python to run it with: $PYTHON when set; else the first of the measuring tools' venv
# (/tmp/peers, see ../shared/tools/README.md) and python3 that can import trafilatura; else nothing.
peer_python() {
    if [ -n "${PYTHON:-}" ]; then
        echo "$PYTHON"
        return
    fi
    local c
    for c in /tmp/peers/bin/python python3; do
        if "$c" -c 'import trafilatura' 2>/dev/null; then
            echo "$c"
            return
        fi
    done
}
