#!/usr/bin/env bash
# The benchmark of dextwatch against ripgrep and GNU grep on the same corpora.
#
#   bench/run.sh [SIZE_MB ...]      default: 100 1000
#
# Builds a release binary (build-bench/), generates deterministic corpora in
# $BENCH_DIR (default /tmp/dextwatch-bench) in `log --style syslog` and
# `--style ndjson`, exports the rules' patterns for ripgrep with
# `dextwatch rules export --format rg`, then runs, alternating, RUNS times each:
#   dextwatch scan --no-store --quiet --format json FILE
#   rg -c -f PATTERNS FILE
# and prints median wall time, MB/s, peak RSS and the ratio dextwatch/rg.
# GNU grep runs once per corpus up to GREP_MAX_MB (default 100): `grep -P -c`
# with the patterns joined into one alternation (ERE lacks (?:...) and \s,
# and grep -P takes a single pattern); it runs at about 1-3 MB/s on these
# patterns, so larger corpora would take many minutes each.
# Also runs the store benchmark (findings/s, `recent` latency).
# DEXTWATCH_NO_PREFILTER=1 in the environment measures the slow path (every
# event parsed and tried against every rule) instead.
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${RUNS:-5}
BENCH_DIR=${BENCH_DIR:-/tmp/dextwatch-bench}
sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(100 1000)
for tool in rg /usr/bin/time; do
    command -v "$tool" >/dev/null || { echo "bench: needs $tool (apt-get install ripgrep time)" >&2; exit 2; }
done
mkdir -p "$BENCH_DIR"
cmake -S . -B build-bench -DCMAKE_BUILD_TYPE=Release -DDW_TESTS=OFF >/dev/null
cmake --build build-bench -j 2 >/dev/null
DW=build-bench/dextwatch
"$DW" rules export --format rg >"$BENCH_DIR/patterns.rg" 2>"$BENCH_DIR/export.err"
echo "patterns: $(wc -l <"$BENCH_DIR/patterns.rg") (from $($DW rules list | wc -l) rules)"
grep_pattern=$(sed 's/.*/(?:&)/' "$BENCH_DIR/patterns.rg" | paste -sd'|')

# run NAME CMD... -> prints "seconds maxrss_kb" of one run
# (time writes "Command exited with non-zero status N" first when N != 0: skip it).
# Output goes to a file, not /dev/null: GNU grep stops at the first match
# when its output is /dev/null, which made an earlier grep column meaningless.
run() { /usr/bin/time -f "%e %M" -o "$BENCH_DIR/t" "$@" >"$BENCH_DIR/out" 2>&1 || true; tail -n1 "$BENCH_DIR/t"; }
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

printf '%-8s %6s  %-10s %9s %9s %11s %10s %8s\n' style MB tool median_s MB/s Mlines/s peak_RSS vs_rg
for mb in "${sizes[@]}"; do
    for style in syslog ndjson; do
        f="$BENCH_DIR/corpus-$mb.$style"
        [ -s "$f" ] || build-bench/dw_gen "$style" "$mb" 42 >"$f"
        cat "$f" >/dev/null # warm the page cache for every tool alike
        lines=$(wc -l <"$f")
        : >"$BENCH_DIR/dw" ; : >"$BENCH_DIR/rg" ; : >"$BENCH_DIR/grep"
        tools="dw rg"
        for _ in $(seq "$RUNS"); do
            run "$DW" scan --no-store --quiet --fail-on never --format json "$f" >>"$BENCH_DIR/dw"
            run rg -c -f "$BENCH_DIR/patterns.rg" "$f" >>"$BENCH_DIR/rg"
        done
        if [ "$mb" -le "${GREP_MAX_MB:-100}" ]; then
            run grep -P -c "$grep_pattern" "$f" >>"$BENCH_DIR/grep"
            tools="dw rg grep"
        fi
        rg_med=$(cut -d' ' -f1 "$BENCH_DIR/rg" | median)
        for tool in $tools; do
            med=$(cut -d' ' -f1 "$BENCH_DIR/$tool" | median)
            rss=$(cut -d' ' -f2 "$BENCH_DIR/$tool" | sort -n | tail -n1)
            awk -v s="$style" -v mb="$mb" -v t="$tool" -v m="$med" -v r="$rss" -v rg="$rg_med" -v l="$lines" \
                'BEGIN { printf "%-8s %6d  %-10s %9.3f %9.0f %11.2f %7.1fMiB %8.2f\n", s, mb, t, m, (m > 0 ? mb / m : 0), (m > 0 ? l / m / 1e6 : 0), r / 1024, (rg > 0 ? m / rg : 0) }'
        done
    done
done
echo
build-bench/dw_store_bench "$BENCH_DIR" 100000 1000000
