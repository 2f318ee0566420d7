#!/usr/bin/env bash
# The fuzz suite (scripts/test fuzz): build the libFuzzer targets of tests/fuzz with
# clang-16 in $MOAT_BUILD_DIR-fuzz, then run each for a bounded time over its seed
# corpus (tests/fuzz/corpus/NAME) and the inputs earlier runs found. A crash, a
# sanitizer report, a leak, a hang (-timeout) or an input over the memory limit fails.
# Prints "ok fuzz/NAME: N runs, no crash", "not ok fuzz/NAME: reason" or
# "skip fuzz/NAME: reason" per target, then a "# fuzz:" summary of the inputs executed.
#
# Environment: MOAT_FUZZ_SECONDS (per target, default 30), MOAT_FUZZ_TARGETS (names,
# default all), MOAT_BUILD_DIR, MOAT_RESULTS (crash inputs and logs are copied there).
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
repo=$PWD
builddir=${MOAT_BUILD_DIR:-build}
[[ $builddir == /* ]] || builddir=$repo/$builddir
fuzzdir=$builddir-fuzz
seconds=${MOAT_FUZZ_SECONDS:-30}
read -r -a targets <<<"${MOAT_FUZZ_TARGETS:-spec harden policy annotations}"
results=${MOAT_RESULTS:-$fuzzdir/results}
cxx=clang++-16

log() { echo "# $*"; }
skip_all() {
    local t
    for t in "${targets[@]}"; do echo "skip fuzz/$t: $*"; done
    exit 0
}
fail_all() {
    local t
    for t in "${targets[@]}"; do echo "not ok fuzz/$t: $*"; done
    exit 1
}

if [[ ! $seconds =~ ^[1-9][0-9]*$ ]]; then
    fail_all "MOAT_FUZZ_SECONDS must be a positive number of seconds, got \"$seconds\""
fi
# libFuzzer is a clang runtime (libclang-rt-16-dev); clang 14 cannot compile
# libstdc++'s std::expected. scripts/install-deps installs both on Debian 12.
command -v "$cxx" >/dev/null || skip_all "$cxx is not installed (apt-get install clang-16 libclang-rt-16-dev)"
if ! echo 'extern "C" int LLVMFuzzerTestOneInput(const char*, unsigned long) { return 0; }' |
        "$cxx" -x c++ -fsanitize=fuzzer -o /dev/null - 2>/dev/null; then
    skip_all "$cxx cannot link a libFuzzer program (libclang-rt-16-dev missing?)"
fi

mkdir -p "$results"
build_log=$results/fuzz-build.log
start=$(date +%s)
if [[ ! -f $fuzzdir/build.ninja ]]; then
    if ! CXX=$cxx meson setup "$fuzzdir" tests/fuzz -Dfuzz_seconds="$seconds" >"$build_log" 2>&1; then
        sed 's/^/# /' "$build_log" | tail -30
        fail_all "meson setup of $fuzzdir failed (log above)"
    fi
fi
if ! nice -n 10 ninja -C "$fuzzdir" >>"$build_log" 2>&1; then
    sed 's/^/# /' "$build_log" | grep -E 'error|FAILED' | head -30
    fail_all "the fuzz build failed ($build_log)"
fi
built=$(date +%s)
log "fuzz: built in $((built - start))s ($fuzzdir)"

total_runs=0
failed=0
for t in "${targets[@]}"; do
    exe=$fuzzdir/fuzz-$t
    seeds=tests/fuzz/corpus/$t
    if [[ ! -x $exe || ! -d $seeds ]]; then
        echo "not ok fuzz/$t: no target $exe or no seed corpus $seeds"
        failed=$((failed + 1))
        continue
    fi
    # New inputs go to the first directory, in the build tree: the seeds are only read.
    work=$fuzzdir/corpus-$t
    mkdir -p "$work" "$results/$t"
    out=$results/$t/fuzz.log
    rm -f "$results/$t"/crash-* "$results/$t"/timeout-* "$results/$t"/oom-* "$results/$t"/leak-*
    status=0
    # -timeout: one input taking 10 s is a hang. -rss_limit_mb bounds the process,
    # -malloc_limit_mb one allocation: a 100 MB string from 64 KiB of input is a bug.
    timeout --kill-after=10 $((seconds + 120)) "$exe" -max_total_time="$seconds" -timeout=10 \
        -max_len=65536 -rss_limit_mb=2048 -malloc_limit_mb=512 -print_final_stats=1 \
        -artifact_prefix="$results/$t/" "$work" "$seeds" >"$out" 2>&1 || status=$?
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$out" | tail -1)
    [[ $runs =~ ^[0-9]+$ ]] || runs=$(sed -n 's/^Done \([0-9]*\) runs.*/\1/p' "$out" | tail -1)
    [[ $runs =~ ^[0-9]+$ ]] || runs=0
    total_runs=$((total_runs + runs))
    if [[ $status -eq 0 && $runs -gt 0 ]]; then
        echo "ok fuzz/$t: $runs runs, no crash"
        continue
    fi
    failed=$((failed + 1))
    artifact=$(find "$results/$t" -maxdepth 1 -type f \( -name 'crash-*' -o -name 'timeout-*' \
                    -o -name 'oom-*' -o -name 'leak-*' -o -name 'slow-unit-*' \) | head -1)
    # The first line that says what went wrong: libFuzzer's, a sanitizer's or the target's own.
    why=$(grep -m1 -E '^==[0-9]+==ERROR|^SUMMARY|runtime error|^(spec|config|process|state|resources|policy|harden|annotation)[ :]' "$out" |
          cut -c1-300)
    [[ $status -eq 124 || $status -eq 137 ]] && why="killed after $((seconds + 120))s"
    [[ -z $why ]] && why="exit status $status after $runs runs"
    sed 's/^/# /' "$out" | grep -vE '^# #[0-9]+' | tail -40
    if [[ -n $artifact ]]; then
        log "reproduce: $exe $artifact"
        log "input (base64): $(head -c 4096 "$artifact" | base64 -w0)"
    fi
    echo "not ok fuzz/$t: $why${artifact:+ (input: $artifact)}"
done
log "fuzz: ${#targets[@]} targets, $total_runs inputs executed, ${seconds}s each, $(($(date +%s) - start))s in all with the build"
[[ $failed -eq 0 ]]
