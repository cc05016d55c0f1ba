#!/usr/bin/env bash
# Runs one libFuzzer target of the asan build for a bounded time (`make fuzz` runs them all).
#   fuzz/run.sh TARGET SECONDS [BUILD_DIR]
# It works on a scratch corpus, BUILD_DIR/fuzz-corpus/TARGET, into which the repository's seeds and
# regression inputs are copied (the repository's files are never changed; the scratch corpus is
# kept between runs, so coverage accumulates). Crash inputs go to BUILD_DIR/fuzz-artifacts/, the
# log to BUILD_DIR/fuzz-logs/TARGET.log. Exits non-zero when the target found a crash.
set -euo pipefail

target=$1
seconds=$2
build=${3:-build/asan}
fuzz_dir=$(cd "$(dirname "$0")" && pwd)

program=$build/fuzz/$target
corpus=$build/fuzz-corpus/$target
artifacts=$build/fuzz-artifacts
log=$build/fuzz-logs/$target.log
mkdir -p "$corpus" "$artifacts" "$(dirname "$log")"
for seeds in "$fuzz_dir/corpus/$target" "$fuzz_dir/regressions/$target"; do
  if [ -d "$seeds" ]; then find "$seeds" -maxdepth 1 -type f -exec cp -n {} "$corpus"/ \; ; fi
done

args=(-max_total_time="$seconds" -timeout=30 -print_final_stats=1
      -artifact_prefix="$artifacts/$target-")
if [ -f "$fuzz_dir/$target.dict" ]; then args+=(-dict="$fuzz_dir/$target.dict"); fi

echo "$target: fuzzing for ${seconds}s, log in $log"
status=0
"$program" "${args[@]}" "$corpus" >"$log" 2>&1 || status=$?

runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
speed=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log")
added=$(sed -n 's/^stat::new_units_added: *//p' "$log")
files=$(find "$corpus" -maxdepth 1 -type f | wc -l)
if [ "$status" -ne 0 ]; then
  echo "$target: FAILED (exit $status) after ${runs:-?} runs; see $log and $artifacts/"
  grep -E '^(==[0-9]+== ?ERROR|SUMMARY|\*\*\* invariant broken|artifact_prefix)' "$log" | head -n 5 || true
  exit 1
fi
echo "$target: ok, ${runs:-?} runs at ${speed:-?}/s, ${added:-?} new inputs, corpus of $files files"
