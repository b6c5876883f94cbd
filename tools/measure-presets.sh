#!/usr/bin/env bash
# Measures every preset: episodes, steps and wall seconds to solve, over seeds 0..N-1 (default 10),
# one run at a time with the Release build. Prints a Markdown table (the README's) and the raw lines.
# Usage: tools/measure-presets.sh [SEEDS]          PRESETS="pytorch-reinforce default" tools/measure-presets.sh 20 measures only those
set -euo pipefail
cd "$(dirname "$0")/.."
seeds=${1:-10}
dotnet build -c Release Reinforce.Cli >/dev/null
reinforce=Reinforce.Cli/bin/Release/net10.0/reinforce
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
raw="$work/raw.txt"
for preset in ${PRESETS:-default pytorch-example pytorch-reinforce practical-rl gymnasium-torch handson-keras spinningup-simple spinningup-rtg}; do
  for ((seed = 0; seed < seeds; seed++)); do
    line=$("$reinforce" train --preset "$preset" --seed "$seed" --quiet --out "$work/run" | head -1)
    rm -rf "$work/run"
    echo "$preset $seed $line" | tee -a "$raw" >&2
  done
done
echo
echo "| preset | solved | episodes to solve: median (min–max) | steps: median | seconds: median (max) |"
echo "|---|---|---|---|---|"
awk '
  function median(list, n,   a, i, j, t) { split(list, a, " "); for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (a[j] + 0 < a[i] + 0) { t = a[i]; a[i] = a[j]; a[j] = t }
    return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2 }
  function lo(list,   a, n, i, m) { n = split(list, a, " "); m = a[1]; for (i = 2; i <= n; i++) if (a[i] + 0 < m + 0) m = a[i]; return m }
  function hi(list,   a, n, i, m) { n = split(list, a, " "); m = a[1]; for (i = 2; i <= n; i++) if (a[i] + 0 > m + 0) m = a[i]; return m }
  { preset = $1; runs[preset]++; if (!(preset in order)) { order[preset] = ++count; names[count] = preset }
    if ($3 == "Solved") { solved[preset]++; ep[preset] = ep[preset] " " $6; st[preset] = st[preset] " " substr($8, 2); se[preset] = se[preset] " " $11 } }
  END { for (k = 1; k <= count; k++) { p = names[k]; n = solved[p] + 0
    if (n == 0) { printf "| %s | 0/%d | – | – | – |\n", p, runs[p]; continue }
    printf "| %s | %d/%d | %s (%s–%s) | %s | %.2f (%.2f) |\n", p, n, runs[p], median(ep[p], n), lo(ep[p]), hi(ep[p]), median(st[p], n), median(se[p], n), hi(se[p]) } }
' "$raw"
