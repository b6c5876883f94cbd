#!/usr/bin/env bash
# A fresh process's first training against its warm rate, for several builds or runtime settings, each variant a fresh
# process per round, the variants alternating round by round (A B C A B C …) so that a drift in the machine's load
# touches them alike. Each variant is 'label|command', the command a Benchmarks entry point with its settings, e.g.
#   tools/first-vs-warm.sh 5 \
#     'JIT, defaults|dotnet Reinforce.Benchmarks/bin/Release/net10.0/Reinforce.Benchmarks.dll' \
#     'TieredPGO off|env DOTNET_TieredPGO=0 dotnet Reinforce.Benchmarks/bin/Release/net10.0/Reinforce.Benchmarks.dll'
# and `first-vs-warm --config CONFIG --runs RUNS` is appended (CONFIG default, RUNS 20 unless set in the environment).
# Prints a Markdown table: per variant the medians over the rounds of first/warm on the wall clock and on the training
# thread's CPU clock, the first run's and the warm rate (thread CPU, steps/s) and the JIT's time during the first run.
set -euo pipefail
cd "$(dirname "$0")/.."
export LC_ALL=C
rounds=${1:?usage: tools/first-vs-warm.sh ROUNDS 'label|command' …}
shift
config=${CONFIG:-default}
runs=${RUNS:-20}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for ((round = 1; round <= rounds; round++)); do
  i=0
  for variant in "$@"; do
    command=${variant#*|}
    bash -c "$command first-vs-warm --config $config --runs $runs" >"$work/out" 2>&1 || { cat "$work/out" >&2; exit 1; }
    # wall: first/warm; thread: first/warm, first, warm; JIT ms in run 1
    awk -v i="$i" '
      /^  wall/ { for (f = 1; f <= NF; f++) if ($f == "first/warm") { w = $(f + 1); sub(";", "", w) } }
      /^  thread CPU time|^  wall time/ && !/^  wall +:/ { for (f = 1; f <= NF; f++) { if ($f == "first/warm") { t = $(f + 1); sub(";", "", t) } if ($f == "first") a = $(f + 1); if ($f == "warm") b = $(f + 1) } }
      /JIT during run 1/ { for (f = 1; f <= NF; f++) if ($f == "ms;") m = $(f - 1) }
      END { print i, w, t, a, b, m }' "$work/out" >>"$work/rows"
    i=$((i + 1))
  done
  echo "round $round/$rounds" >&2
done
echo "| variant | first/warm, wall | first/warm, thread CPU | first run, steps/s | warm, steps/s | JIT in the first run, ms |"
echo "|---|---:|---:|---:|---:|---:|"
i=0
for variant in "$@"; do
  printf '| %s |' "${variant%%|*}"
  for column in 2 3 4 5 6; do
    awk -v i="$i" -v c="$column" '$1 == i { print $c }' "$work/rows" | sort -g | awk -v c="$column" '
      { v[NR] = $1 } END { m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2; printf(c <= 3 ? " %.2f |" : c == 6 ? " %.0f |" : " %.0f |", m) }'
  done
  echo
  i=$((i + 1))
done
echo
echo "medians over $rounds rounds, a fresh process each; first-vs-warm --config $config --runs $runs (warm: the median of runs $((runs / 2 + 1))–$runs); load average $(cut -d' ' -f1-3 /proc/loadavg)"
