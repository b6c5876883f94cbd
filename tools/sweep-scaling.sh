#!/usr/bin/env bash
# Benchmark: the wall time of `reinforce sweep --seeds N` (the default configuration, N = 100) on 1 and on
# 2 workers (--threads), whole process (start-up, JIT, the runs, the summary and the figures), each measured R times
# in turn (1, 2, 1, 2, …) so that a drift of the machine hits both alike; prints the median, min and max of each and
# the speed-up of the medians. Runs are independent, so on 2 free cores the speed-up should be close to 2. As a
# control it also times two 1-worker sweeps run at once: what two cores of this machine give to independent processes.
# Usage: tools/sweep-scaling.sh [SEEDS] [REPEATS]        (defaults 100 and 5)
# Why: benchmarks/notes.md#sweep-scaling
set -euo pipefail
cd "$(dirname "$0")/.."
seeds=${1:-100}
repeats=${2:-5}
dotnet build -c Release Reinforce.Cli >/dev/null
reinforce=Reinforce.Cli/bin/Release/net10.0/reinforce
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$reinforce" sweep --seeds 4 --quiet --out "$work/warm-up" >/dev/null   # first start: disk cache
declare -A times
for ((r = 0; r < repeats; r++)); do
  for workers in 1 2; do
    start=$(date +%s%N)
    "$reinforce" sweep --seeds "$seeds" --threads "$workers" --quiet --out "$work/s$workers" --force >/dev/null
    end=$(date +%s%N)
    times[$workers]+="$(( (end - start) / 1000000 )) "
  done
  # The machine's own two-core scaling, as a control: two independent 1-worker sweeps at the same time, which share
  # nothing, take `pair`; on two free cores that is the time of one.
  start=$(date +%s%N)
  "$reinforce" sweep --seeds "$seeds" --threads 1 --quiet --out "$work/p1" --force >/dev/null &
  "$reinforce" sweep --seeds "$seeds" --threads 1 --quiet --out "$work/p2" --force >/dev/null &
  wait
  end=$(date +%s%N)
  times[pair]+="$(( (end - start) / 1000000 )) "
done
stats() { tr ' ' '\n' | grep -v '^$' | sort -n | awk '{ a[NR] = $1 } END { m = NR % 2 ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2; printf "%.2f %.2f %.2f\n", m / 1000, a[1] / 1000, a[NR] / 1000 }'; }
read -r m1 lo1 hi1 <<<"$(echo "${times[1]}" | stats)"
read -r m2 lo2 hi2 <<<"$(echo "${times[2]}" | stats)"
read -r mp lop hip <<<"$(echo "${times[pair]}" | stats)"
echo "reinforce sweep --seeds $seeds (default configuration), $repeats runs each, $(nproc) cores:"
echo
echo "| workers | wall time: median (min–max) | speed-up |"
echo "|---|---|---|"
echo "| 1 | $m1 s ($lo1–$hi1) | 1.00× |"
echo "| 2 | $m2 s ($lo2–$hi2) | $(awk -v a="$m1" -v b="$m2" 'BEGIN { printf "%.2f", a / b }')× |"
echo
echo "Control, the machine's two-core scaling: two 1-worker sweeps at once took $mp s ($lop–$hip), i.e. the work of"
echo "two sweeps at $(awk -v a="$m1" -v b="$mp" 'BEGIN { printf "%.2f", 2 * a / b }')× the rate of one (2.00× on two free cores)."
