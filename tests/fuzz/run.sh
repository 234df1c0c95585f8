#!/usr/bin/env bash
# Runs the libFuzzer harnesses of a -DDW_FUZZ=ON build within ONE time budget.
#
#   tests/fuzz/run.sh BUILD_DIR BUDGET_SECONDS [HARNESS...]   (make fuzz FUZZ_BUDGET=N)
#
# The budget is shared: each harness gets what is left divided by the
# harnesses still to run (so one that stops early, at a crash or FUZZ_RUNS,
# leaves its time to the others).  Every run starts where the last ones
# ended: the working corpus BUILD_DIR/fuzz/corpus/<harness> (kept between
# runs) takes in the repository's minimized corpus tests/fuzz/corpus/<harness>
# (merged with -merge=1 by `make fuzz-long`), the seeds (tests/logs/ behind
# the prefix bytes the reader and pipeline harnesses read, rules/,
# tests/fuzz/seeds/) and the regression inputs.
#
# FUZZ_MERGE=1 (make fuzz-long) afterwards merges each working corpus back
# into tests/fuzz/corpus/<harness>: libFuzzer's merge keeps a minimal set of
# inputs with the same edge coverage, capped (FUZZ_CORPUS_FILES inputs,
# default 150, of at most FUZZ_CORPUS_BYTES, default 4096; fuzz_store: 10 of
# 65536), so the repository keeps what the campaign found and stays small.
#
# A crash, leak, timeout or out-of-memory makes the run exit 1 and leaves the
# input in BUILD_DIR/fuzz/artifacts/<harness>/: minimise it (<harness>
# -minimize_crash=1 -runs=10000 FILE), fix the bug and add the input to
# tests/fuzz/regressions/<harness>/, which CTest replays.
# Environment: FUZZ_MAX_LEN (default 8192 bytes; 4096 for the loaders, 65536
# for fuzz_store), FUZZ_RUNS (stop a harness after that many executions),
# FUZZ_SEED (libFuzzer -seed; default random), FUZZ_WORK (corpus/artifact
# directory, default BUILD_DIR/fuzz).
# Prints one line per harness: seconds, executions, exec/s, and coverage at
# the start (the corpus loaded) and at the end (cov = edges, ft = features).
set -u
BUILD=${1:?usage: run.sh BUILD_DIR BUDGET_SECONDS [HARNESS...]}
BUDGET=${2:?usage: run.sh BUILD_DIR BUDGET_SECONDS [HARNESS...]}
shift 2
SRC=$(cd "$(dirname "$0")/../.." && pwd)
FUZZ=$SRC/tests/fuzz
ALL="fuzz_detect fuzz_reader fuzz_reader_text fuzz_reader_plain fuzz_reader_json
     fuzz_rules fuzz_config fuzz_baseline fuzz_pipeline
     fuzz_store fuzz_baseline_scale fuzz_config_scale fuzz_bundle"
read -r -a HARNESSES <<<"$(echo ${*:-$ALL})"
WORK=${FUZZ_WORK:-$BUILD/fuzz}
mkdir -p "$WORK"

# seed DIR PREFIX-OCTAL... -- FILE...: copies each FILE into DIR once per prefix
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

seed() {
    local h=$1 dir=$2
    case $h in
    fuzz_detect) for f in "$SRC"/tests/logs/*.log; do head -c 4096 "$f" >"$dir/$(basename "$f")"; done ;;
    fuzz_reader) seed_logs "$dir" '\000\007' '\006\021' -- "$SRC"/tests/logs/*.log ;;
    fuzz_reader_text) seed_logs "$dir" '\000\007' '\001\003' '\002\005' '\003\011' -- "$SRC"/tests/logs/*.log ;;
    fuzz_reader_plain) seed_logs "$dir" '\000\007' -- "$SRC"/tests/logs/*.log ;;
    fuzz_reader_json) seed_logs "$dir" '\000\007' '\001\003' -- "$SRC"/tests/logs/*.log ;;
    fuzz_pipeline) seed_logs "$dir" '\000' '\050' -- "$SRC"/tests/logs/*.log ;;
    fuzz_rules) cp "$SRC"/rules/*.yaml "$SRC"/tests/golden/rules/*.yaml "$dir"/ 2>/dev/null ;;
    fuzz_config | fuzz_config_scale) cp "$FUZZ"/seeds/config/* "$dir"/ ;;
    fuzz_baseline | fuzz_baseline_scale) cp "$FUZZ"/seeds/baseline/* "$dir"/ ;;
    fuzz_store) cp "$FUZZ"/seeds/store/* "$dir"/ ;;
    esac
}

# The working corpus: seeded once; the repository corpus and the regression
# inputs (an earlier crash is found again at once) come in on every run.
make_corpus() {
    local h=$1 dir=$WORK/corpus/$1
    mkdir -p "$dir"
    [ -n "$(ls -A "$dir")" ] || seed "$h" "$dir"
    cp -n "$FUZZ"/corpus/"$h"/* "$dir"/ 2>/dev/null
    cp -n "$FUZZ"/regressions/"$h"/* "$dir"/ 2>/dev/null
    rm -f "$dir/.keep"
    return 0
}

dict_of() {
    case $1 in
    fuzz_detect | fuzz_reader | fuzz_reader_plain | fuzz_pipeline) echo "$FUZZ/fuzz_reader.dict" ;;
    fuzz_reader_text) echo "$FUZZ/fuzz_text.dict" ;;
    fuzz_reader_json) echo "$FUZZ/fuzz_json.dict" ;;
    fuzz_baseline_scale) echo "$FUZZ/fuzz_baseline.dict" ;;
    fuzz_config_scale) echo "$FUZZ/fuzz_config.dict" ;;
    fuzz_store) echo "$FUZZ/fuzz_store.dict" ;;
    *) echo "$FUZZ/$1.dict" ;;
    esac
}

max_len_of() {
    case $1 in
    fuzz_store) echo "${FUZZ_MAX_LEN:-65536}" ;;
    fuzz_rules | fuzz_config | fuzz_baseline | fuzz_*_scale) echo "${FUZZ_MAX_LEN:-4096}" ;;
    *) echo "${FUZZ_MAX_LEN:-8192}" ;;
    esac
}

# merge_back HARNESS BIN: the working corpus, minimized and capped, becomes
# tests/fuzz/corpus/HARNESS.  Only inputs within the size cap take part; the
# greedy set-cover merge on edges (-set_cover_merge=1 -use_counters=0) keeps
# few inputs that cover every edge any of them covers (hit counts are left
# to the next campaign); over the count cap, the smallest stay.
merge_back() {
    local h=$1 bin=$2 files=${FUZZ_CORPUS_FILES:-150} bytes=${FUZZ_CORPUS_BYTES:-4096}
    [ "$h" = fuzz_store ] && files=${FUZZ_CORPUS_FILES:-10} && bytes=${FUZZ_CORPUS_BYTES:-65536}
    local new=$WORK/merge/$h stage=$WORK/merge/$h.in
    rm -rf "$new" "$stage"
    mkdir -p "$new" "$stage" "$FUZZ/corpus/$h"
    find "$FUZZ/corpus/$h" "$WORK/corpus/$h" -type f -size -$((bytes + 1))c -exec cp -n {} "$stage"/ \;
    "$bin" -set_cover_merge=1 -use_counters=0 -max_len="$bytes" "$new" "$stage" \
        >"$WORK/$h.merge.log" 2>&1 || { echo "  merge failed: $WORK/$h.merge.log" >&2; return 1; }
    ls -S -r "$new" | tail -n +$((files + 1)) | while read -r f; do rm -f "$new/$f"; done
    rm -rf "${FUZZ:?}/corpus/$h" "$stage"
    mv "$new" "$FUZZ/corpus/$h"
    echo "  corpus/$h: $(ls "$FUZZ/corpus/$h" | wc -l) inputs, $(cat "$FUZZ/corpus/$h"/* | wc -c) bytes"
}

status=0
left=$BUDGET
started=$(date +%s)
for i in "${!HARNESSES[@]}"; do
    h=${HARNESSES[$i]}
    bin=$BUILD/tests/fuzz/$h
    if [ ! -x "$bin" ]; then
        echo "run.sh: $bin missing: configure with -DDW_FUZZ=ON -DCMAKE_C_COMPILER=clang" >&2
        exit 2
    fi
    make_corpus "$h"
    mkdir -p "$WORK/artifacts/$h"
    share=$((left / (${#HARNESSES[@]} - i)))
    [ "$share" -ge 1 ] || share=1
    runs=()
    [ -n "${FUZZ_RUNS:-}" ] && runs=(-runs="$FUZZ_RUNS")
    # a fixed seed (CI sets FUZZ_SEED) makes the first executions the same on
    # every run, so CI does not turn red by chance
    [ -n "${FUZZ_SEED:-}" ] && runs+=(-seed="$FUZZ_SEED")
    log=$WORK/$h.log
    t0=$(date +%s)
    # Leak checking stays on (-detect_leaks=1 is the default); -timeout bounds a
    # single input (a hang is a bug), -rss_limit_mb bounds memory.
    ASAN_OPTIONS=${ASAN_OPTIONS:-abort_on_error=1} \
    UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1} \
        "$bin" -dict="$(dict_of "$h")" -max_len="$(max_len_of "$h")" -timeout=10 \
        -rss_limit_mb=2048 -max_total_time="$share" "${runs[@]}" -print_final_stats=1 \
        -artifact_prefix="$WORK/artifacts/$h/" "$WORK/corpus/$h" >"$log" 2>&1
    rc=$?
    left=$((BUDGET - ($(date +%s) - started)))
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
    speed=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log")
    start_cov=$(grep -E 'INITED' "$log" | head -1 | grep -oE 'cov: [0-9]+ ft: [0-9]+')
    cov=$(grep -E '^#[0-9]+' "$log" | tail -1 | grep -oE 'cov: [0-9]+ ft: [0-9]+ corp: [0-9]+/[^ ]+')
    printf '%-20s %s %4ss  execs %s (%s/s)  start %s  end %s\n' "$h" \
        "$([ $rc -eq 0 ] && echo ok || echo FAIL)" "$(($(date +%s) - t0))" "${execs:-?}" \
        "${speed:-?}" "${start_cov:-?}" "${cov:-?}"
    if [ $rc -ne 0 ]; then
        status=1
        grep -E 'ERROR|SUMMARY|==[0-9]+==|runtime error|Test unit written' "$log" | head -20 >&2
        echo "  full log: $log; input: $(ls -t "$WORK/artifacts/$h" | head -1)" >&2
    elif [ "${FUZZ_MERGE:-0}" = 1 ]; then
        merge_back "$h" "$bin" || status=1
    fi
done
exit $status
