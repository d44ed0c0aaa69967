#!/usr/bin/env bash
# Coverage-guided fuzzing (libFuzzer through cargo-fuzz) of every input stage, one target at a time.
#
#   scripts/fuzz.sh [SECONDS]          # CPU seconds per target (default 600), all targets
#   FUZZ_TARGETS="page canon" scripts/fuzz.sh 60
#   FUZZ_ARGS="-max_len=65536" scripts/fuzz.sh 600    # extra libFuzzer flags
#
# Needs cargo-fuzz (`cargo install cargo-fuzz`); runs on the stable toolchain with RUSTC_BOOTSTRAP=1 and no
# sanitizer (`-s none`). Each target starts from its seeds (fuzz/corpus/TARGET, committed) and the corpus it
# grew before (fuzz/work/TARGET, not committed). libFuzzer counts wall time, so a target is run again with
# what is left until it has had SECONDS of CPU (on a shared machine a run gets less CPU than wall time).
# An input that panics, fails an assertion or runs longer than 10 s stops its target and is kept in
# fuzz/artifacts/TARGET/; the exit code is 1 if any target found something.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root/fuzz"

budget="${1:-600}"
read -r -a targets <<< "${FUZZ_TARGETS:-feed page canon import_line query_line}"
read -r -a extra <<< "${FUZZ_ARGS:-}"

if ! cargo fuzz --version >/dev/null 2>&1; then
    echo "fuzz.sh: cargo-fuzz is not installed; run: cargo install cargo-fuzz" >&2
    exit 2
fi
if [ ! -x /usr/bin/time ]; then
    echo "fuzz.sh: /usr/bin/time is missing (Debian package: time); it measures each run's CPU time" >&2
    exit 2
fi
export RUSTC_BOOTSTRAP=1
cargo fuzz build -s none >&2

mkdir -p logs
found=0
printf '%-12s %9s %9s %12s %10s %8s %10s  %s\n' target cpu_s wall_s executions exec/cpu_s corpus bytes result
for t in "${targets[@]}"; do
    mkdir -p "work/$t" "artifacts/$t"
    log="logs/$t.log"
    : > "$log"
    cpu=0 wall=0 runs=0 result=ok
    # At most 20 runs of a target: each gets at least 30 s, so this bounds a target to 20 × its budget.
    for _ in $(seq 20); do
        left=$(( budget - cpu ))
        [ "$left" -gt 0 ] || break
        # Wall time for the CPU still owed, at the share of a core the runs so far got (at most 4 × that), so
        # that a target is seldom restarted: each restart runs its whole corpus again before fuzzing on.
        if [ "$cpu" -gt 0 ]; then
            left=$(( left * wall / cpu ))
            [ "$left" -le $(( 4 * (budget - cpu) )) ] || left=$(( 4 * (budget - cpu) ))
        fi
        [ "$left" -ge 30 ] || left=30
        rc=0
        /usr/bin/time -f '%U %S %e' -o "logs/$t.time" \
            cargo fuzz run -s none "$t" "work/$t" "corpus/$t" -- \
            -max_total_time="$left" -timeout=10 -print_final_stats=1 "${extra[@]}" >"logs/$t.run.log" 2>&1 || rc=$?
        cat "logs/$t.run.log" >>"$log"
        read -r user sys elapsed < <(tail -n 1 "logs/$t.time")
        cpu=$(( cpu + ${user%.*} + ${sys%.*} ))
        wall=$(( wall + ${elapsed%.*} ))
        n=$(grep -o 'stat::number_of_executed_units: [0-9]*' "logs/$t.run.log" | tail -n 1 | awk '{print $2}')
        runs=$(( runs + ${n:-0} ))
        if [ "$rc" -ne 0 ]; then
            result="FOUND: $(grep -o 'artifacts/[^ ]*' "logs/$t.run.log" | tail -n 1) (see fuzz/$log)"
            found=1
            break
        fi
    done
    files=$(find "work/$t" -type f | wc -l)
    bytes=$(find "work/$t" -type f -printf '%s\n' | awk '{s += $1} END {print s + 0}')
    printf '%-12s %9d %9d %12d %10d %8d %10d  %s\n' "$t" "$cpu" "$wall" "$runs" $(( runs / (cpu > 0 ? cpu : 1) )) \
        "$files" "$bytes" "$result"
done
exit "$found"
