#!/usr/bin/env bash
# Runs the libFuzzer harnesses of a -DDW_FUZZ=ON build, each for SECONDS.
#
#   tests/fuzz/run.sh BUILD_DIR SECONDS [HARNESS...]     (make fuzz FUZZ_SECONDS=N)
#
# The working corpus of each harness lives in BUILD_DIR/fuzz/corpus/<harness>
# (kept between runs, so coverage accumulates); it is seeded from tests/logs/
# (behind the prefix bytes the reader and pipeline harnesses read), rules/,
# and tests/fuzz/seeds/.  A crash, leak, timeout or out-of-memory stops the run
# with exit 1 and leaves the input in BUILD_DIR/fuzz/artifacts/<harness>/:
# minimise it (<harness> -minimize_crash=1 -runs=10000 FILE), fix the bug and
# add the input to tests/fuzz/regressions/<harness>/, which CTest replays.
# Environment: FUZZ_MAX_LEN (default 8192 bytes; 4096 for the loaders),
# FUZZ_RUNS (stop a harness after that many executions, default: time only),
# FUZZ_SEED (libFuzzer -seed; default random),
# FUZZ_WORK (corpus/artifact directory, default BUILD_DIR/fuzz).
# Prints one line per harness: executions, exec/s, coverage (cov = edges, ft = features).
set -u
BUILD=${1:?usage: run.sh BUILD_DIR SECONDS [HARNESS...]}
SECONDS_EACH=${2:?usage: run.sh BUILD_DIR SECONDS [HARNESS...]}
shift 2
SRC=$(cd "$(dirname "$0")/../.." && pwd)
FUZZ=$SRC/tests/fuzz
ALL="fuzz_detect fuzz_reader fuzz_reader_text fuzz_reader_plain fuzz_reader_json
     fuzz_rules fuzz_config fuzz_baseline fuzz_pipeline"
HARNESSES=${*:-$ALL}
WORK=${FUZZ_WORK:-$BUILD/fuzz}
mkdir -p "$WORK"

# seed DIR PREFIX-OCTAL... FILE...: copies each FILE into DIR once per prefix
seed_logs() {
    local dir=$1
    shift
    local prefixes=()
    while [ $# -gt 0 ] && [ "$1" != -- ]; do prefixes+=("$1"); shift; done
    shift
    for f in "$@"; do
        for p in "${prefixes[@]}"; do
            { printf "$p"; cat "$f"; } >"$dir/$(basename "$f").$(printf '%s' "$p" | tr -dc '0-9')"
        done
    done
}

make_corpus() {
    local h=$1 dir=$WORK/corpus/$1
    [ -d "$dir" ] && [ -n "$(ls -A "$dir")" ] && return 0
    mkdir -p "$dir"
    case $h in
    fuzz_detect) for f in "$SRC"/tests/logs/*.log; do head -c 4096 "$f" >"$dir/$(basename "$f")"; done ;;
    fuzz_reader) seed_logs "$dir" '\000\007' '\006\021' -- "$SRC"/tests/logs/*.log ;;
    fuzz_reader_text) seed_logs "$dir" '\000\007' '\001\003' '\002\005' '\003\011' -- "$SRC"/tests/logs/*.log ;;
    fuzz_reader_plain) seed_logs "$dir" '\000\007' -- "$SRC"/tests/logs/*.log ;;
    fuzz_reader_json) seed_logs "$dir" '\000\007' '\001\003' -- "$SRC"/tests/logs/*.log ;;
    fuzz_pipeline) seed_logs "$dir" '\000' '\050' -- "$SRC"/tests/logs/*.log ;;
    fuzz_rules) cp "$SRC"/rules/*.yaml "$SRC"/tests/golden/rules/*.yaml "$dir"/ 2>/dev/null ;;
    fuzz_config) cp "$FUZZ"/seeds/config/* "$dir"/ ;;
    fuzz_baseline) cp "$FUZZ"/seeds/baseline/* "$dir"/ ;;
    esac
    # earlier crashes stay in the corpus, so a regression is found again at once
    cp "$FUZZ"/regressions/"$h"/* "$dir"/ 2>/dev/null
    return 0
}

dict_of() {
    case $1 in
    fuzz_detect | fuzz_reader | fuzz_reader_plain | fuzz_pipeline) echo "$FUZZ/fuzz_reader.dict" ;;
    fuzz_reader_text) echo "$FUZZ/fuzz_text.dict" ;;
    fuzz_reader_json) echo "$FUZZ/fuzz_json.dict" ;;
    *) echo "$FUZZ/$1.dict" ;;
    esac
}

status=0
for h in $HARNESSES; do
    bin=$BUILD/tests/fuzz/$h
    if [ ! -x "$bin" ]; then
        echo "run.sh: $bin missing: configure with -DDW_FUZZ=ON -DCMAKE_C_COMPILER=clang" >&2
        exit 2
    fi
    make_corpus "$h"
    mkdir -p "$WORK/artifacts/$h"
    maxlen=${FUZZ_MAX_LEN:-8192}
    case $h in fuzz_rules | fuzz_config | fuzz_baseline) maxlen=${FUZZ_MAX_LEN:-4096} ;; esac
    runs=()
    [ -n "${FUZZ_RUNS:-}" ] && runs=(-runs="$FUZZ_RUNS")
    # a fixed seed (CI sets FUZZ_SEED) makes the first executions the same on
    # every run, so CI does not turn red by chance
    [ -n "${FUZZ_SEED:-}" ] && runs+=(-seed="$FUZZ_SEED")
    log=$WORK/$h.log
    # Leak checking stays on (-detect_leaks=1 is the default); -timeout bounds a
    # single input (a hang is a bug), -rss_limit_mb bounds memory.
    ASAN_OPTIONS=${ASAN_OPTIONS:-abort_on_error=1} \
    UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1} \
        "$bin" -dict="$(dict_of "$h")" -max_len=$maxlen -timeout=10 -rss_limit_mb=2048 \
        -max_total_time="$SECONDS_EACH" "${runs[@]}" -print_final_stats=1 \
        -artifact_prefix="$WORK/artifacts/$h/" "$WORK/corpus/$h" >"$log" 2>&1
    rc=$?
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
    speed=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log")
    cov=$(grep -E '^#[0-9]+' "$log" | tail -1 | grep -oE 'cov: [0-9]+ ft: [0-9]+ corp: [0-9]+/[^ ]+')
    printf '%-18s %s  execs %s  (%s/s)  %s\n' "$h" "$([ $rc -eq 0 ] && echo ok || echo FAIL)" \
        "${execs:-?}" "${speed:-?}" "${cov:-}"
    if [ $rc -ne 0 ]; then
        status=1
        grep -E 'ERROR|SUMMARY|==[0-9]+==|runtime error|Test unit written' "$log" | head -20 >&2
        echo "  full log: $log; input: $(ls -t "$WORK/artifacts/$h" | head -1)" >&2
    fi
done
exit $status
