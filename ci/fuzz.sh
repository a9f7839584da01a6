#!/usr/bin/env bash
# ci/fuzz.sh [SECONDS] [TARGET...]: fuzzes the readers of untrusted input.
# Builds the libFuzzer targets of tests/fuzz with clang-14 (ASan + UBSan) in
# build-fuzz/, installing clang-14 and libclang-rt-14-dev if they are
# missing, then runs each target for SECONDS (default 20) from its seed
# corpus in tests/fuzz/corpus/<target>. Fails on any crash, sanitizer
# report, leak, timeout or out-of-memory, except a crash whose sanitizer
# SUMMARY line matches one of KNOWN_CRASHES below: those are reported bugs
# in code outside tests/, kept (with their inputs) in tests/fuzz/crashes/.
# New findings are left in build-fuzz/fuzz-findings/<target>/.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-20}
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(fuzz_folded fuzz_profile_json fuzz_baseline fuzz_config fuzz_records fuzz_check_json)

# Known, reported, not yet fixed (see tests/fuzz/CMakeLists.txt PG_KNOWN_FAILING
# and the inputs in tests/fuzz/crashes/): an extended regular expression
# matched against the SUMMARY line of the crash.
KNOWN_CRASHES=(
)

need=()
command -v clang-14 >/dev/null 2>&1 || need+=(clang-14)
ls /usr/lib/llvm-14/lib/clang/*/lib/linux/libclang_rt.fuzzer-x86_64.a >/dev/null 2>&1 || need+=(libclang-rt-14-dev)
if [ ${#need[@]} -gt 0 ]; then
  echo "ci/fuzz.sh: installing ${need[*]}"
  sudo_cmd=()
  [ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
  export DEBIAN_FRONTEND=noninteractive
  "${sudo_cmd[@]}" apt-get update -q
  "${sudo_cmd[@]}" apt-get install -y -q --no-install-recommends "${need[@]}"
fi

CC=clang-14 cmake -S . -B build-fuzz -DPG_FUZZ=ON -DPG_TESTS=OFF -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build-fuzz -j"$(nproc)" --target "${targets[@]}"

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
findings=build-fuzz/fuzz-findings
failed=0
for t in "${targets[@]}"; do
  bin=build-fuzz/tests/fuzz/$t
  seeds=tests/fuzz/corpus/$t
  work=$(mktemp -d)
  art=$findings/$t
  rm -rf "$art"
  mkdir -p "$art" "$work/corpus"
  # Fork mode keeps fuzzing after a crash, so that a known one does not
  # hide the others; every artifact is classified afterwards. New inputs
  # go to the scratch corpus, never into tests/fuzz/corpus.
  set +e
  "$bin" -fork=1 -ignore_crashes=1 -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
         -artifact_prefix="$art/" "$work/corpus" "$seeds" >"$work/log" 2>&1
  set -e
  execs=$(grep -oE '^#[0-9]+: ' "$work/log" | tail -1 | tr -dc 0-9)
  known=0
  new=0
  for a in "$art"/*; do
    [ -e "$a" ] || continue
    summary=$("$bin" -runs=1 "$a" 2>&1 | grep -m1 '^SUMMARY:' || true)
    kind=$(basename "$a" | cut -d- -f1)
    is_known=0
    if [ "$kind" = crash ]; then
      for k in "${KNOWN_CRASHES[@]}"; do
        if grep -qE -- "$k" <<<"$summary"; then is_known=1; fi
      done
    fi
    if [ $is_known = 1 ]; then
      known=$((known + 1))
      rm -f "$a"
    else
      new=$((new + 1))
      echo "ci/fuzz.sh: $t: NEW $kind: $a"
      echo "  ${summary:-(no sanitizer summary: re-run it with $bin $a)}"
    fi
  done
  echo "ci/fuzz.sh: $t: ${execs:-0} executions in ${seconds} s; new findings: $new; known crashes hit: $known"
  if [ $new -gt 0 ] || ! grep -q '^INFO: fuzzed for' "$work/log"; then
    failed=1
    grep -vE '^#[0-9]+: |^INFO: ' "$work/log" | tail -40 || true
  fi
  rm -rf "$work"
done
if [ $failed != 0 ]; then
  echo "ci/fuzz.sh: FAILED: reproduce with build-fuzz/tests/fuzz/<target> <input>; inputs in $findings/"
  exit 1
fi
echo "ci/fuzz.sh: no new finding"
