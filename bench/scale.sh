#!/usr/bin/env bash
# Scale: N distinct failures inside one correlation window (issue 17, item 4).
#
#   bench/scale.sh [DEXTWATCH] [N ...]      default: build/dextwatch, 10000 30000 100000 1000000
#
# Each line is a failure of its own dext (its own bundle and registry tag),
# all within one second of log time, so every one of them is open at once
# unless the correlator bounds what it holds.  For each N it runs
#   dextwatch scan --no-store --quiet --fail-on never --format json FILE
#   dextwatch scan --no-store --fail-on never FILE      (text, with its summary)
# under /usr/bin/time -v and prints wall and CPU seconds, CPU microseconds
# per incident and peak RSS.  Linear time shows as a flat us/incident column,
# flat memory as a flat RSS column (CPU time is steadier than wall time on a
# shared machine).  Corpora go to $BENCH_DIR (default /tmp/dextwatch-bench).
set -euo pipefail
cd "$(dirname "$0")/.."
DW=${1:-build/dextwatch}
[ $# -gt 0 ] && shift
sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(10000 30000 100000 1000000)
BENCH_DIR=${BENCH_DIR:-/tmp/dextwatch-bench}
mkdir -p "$BENCH_DIR"
[ -x /usr/bin/time ] || { echo "scale: needs /usr/bin/time (apt-get install time)" >&2; exit 2; }
export DEXTWATCH_RULES=${DEXTWATCH_RULES:-$PWD/rules}

gen() { awk -v n="$1" -f bench/distinct.awk; }

# measure COUNT_RE CMD...: "seconds rss_kb incidents" of one run; the output
# (gigabytes at 1M) is only counted: lines matching COUNT_RE
measure() {
    local re=$1
    shift
    local got
    got=$( { /usr/bin/time -v -o "$BENCH_DIR/time.txt" "$@" 2>/dev/null || true; } | grep -c "$re" || true)
    awk -F': ' -v g="$got" '/Elapsed \(wall clock\)/ { n = split($2, t, ":"); s = 0; for (i = 1; i <= n; i++) s = s * 60 + t[i] }
                /User time|System time/ { cpu += $2 }
                /Maximum resident set size/ { r = $2 }
                END { print s, cpu, r, g }' "$BENCH_DIR/time.txt"
}

printf '%-9s %-6s %8s %8s %15s %10s %10s\n' N format wall_s cpu_s cpu_us/incident peak_RSS incidents
for n in "${sizes[@]}"; do
    f="$BENCH_DIR/distinct-$n.log"
    [ -s "$f" ] || gen "$n" >"$f"
    for format in json text; do
        if [ "$format" = json ]; then
            read -r s cpu rss got < <(measure '^{' "$DW" scan --no-store --quiet --fail-on never --format json "$f")
        else
            read -r s cpu rss got < <(measure '^ERROR ' "$DW" scan --no-store --fail-on never "$f")
        fi
        awk -v n="$n" -v fm="$format" -v s="$s" -v c="$cpu" -v r="$rss" -v g="$got" \
            'BEGIN { printf "%-9d %-6s %8.2f %8.2f %15.1f %7.1fMiB %10d\n", n, fm, s, c, c * 1e6 / n, r / 1024, g }'
    done
done
