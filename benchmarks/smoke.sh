#!/usr/bin/env bash
# CI smoke check: runs bench.sh once on pass_chain_1000 and retry_catch_1000 with an already-built asl binary and fails unless both rows are ok (correctness, not speed).
#
#   benchmarks/smoke.sh <path to the asl binary> [bench dir]
#
#   bench dir   the shared harness (default: ../shared/bench next to the project root, or $ASL_BENCH_DIR)
#
# Builds nothing. Needs bash, jq, sha256sum and GNU /usr/bin/time (what bench.sh needs).
# Exit codes: 0 both rows ok; 1 a row is missing or not ok; 64 usage / missing tool or harness.
set -uo pipefail

if (( $# < 1 || $# > 2 )); then sed -n '2,9p' "$0"; exit 64; fi
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
asl="$1"
bench_dir="${2:-${ASL_BENCH_DIR:-$here/../../shared/bench}}"
workloads=(pass_chain_1000 retry_catch_1000)

if [[ ! -x "$asl" ]]; then echo "smoke.sh: '$asl' is not an executable" >&2; exit 64; fi
asl="$(cd "$(dirname "$asl")" && pwd)/$(basename "$asl")"
if [[ ! -x "$bench_dir/bench.sh" ]]; then echo "smoke.sh: no bench.sh in '$bench_dir'" >&2; exit 64; fi
for tool in jq sha256sum /usr/bin/time; do
  command -v "$tool" >/dev/null || { echo "smoke.sh: missing $tool (apt-get install jq time)" >&2; exit 64; }
done

out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
# -r 1 -W 0: one timed execution, no warm-up; -T: the engine's transition count must match too.
filter="^($(IFS='|'; echo "${workloads[*]}"))\$"
"$bench_dir/bench.sh" -n asl-smoke -r 1 -W 0 -T -t 300 -o "$out" -w "$filter" -- "$asl"

fail=0
for wl in "${workloads[@]}"; do
  row="$(jq -c --arg wl "$wl" 'select(.workload == $wl)' "$out/summary.jsonl" 2>/dev/null)"
  check="$(jq -r '.check' <<<"${row:-null}" 2>/dev/null)"
  if [[ "$check" != "ok" ]]; then
    echo "smoke.sh: $wl: expected check 'ok', got '${check:-no row}' ($(jq -c '{status, rc}' <<<"${row:-null}" 2>/dev/null))" >&2
    [[ -s "$out/$wl.err" ]] && sed 's/^/  stderr: /' "$out/$wl.err" | head -20 >&2
    fail=1
  fi
done
(( fail == 0 )) && echo "smoke.sh: ok (${workloads[*]})"
exit "$fail"
