#!/usr/bin/env bash
# How the default configuration was chosen: candidate flag sets on CartPole-v1, each trained with seeds
# 0..N-1 (default 100) and at most 3000 episodes; prints solved count and episodes to solve (median, p90, max).
# Usage: tools/sweep-default.sh [SEEDS]
set -euo pipefail
cd "$(dirname "$0")/.."
seeds=${1:-100}
dotnet build -c Release Reinforce.Cli >/dev/null
reinforce=Reinforce.Cli/bin/Release/net10.0/reinforce
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
common="--env CartPole-v1 --hidden 128 --activation relu --optimizer adam --gamma 0.99 --max-episodes 3000 --quiet"
candidates=(
  "pytorch-like: 1 episode/update, discounted, norm/episode, lr 0.01|--batch-episodes 1 --returns discounted --normalize episode --lr 0.01"
  "same, lr 0.005|--batch-episodes 1 --returns discounted --normalize episode --lr 0.005"
  "same, entropy 0.01|--batch-episodes 1 --returns discounted --normalize episode --lr 0.01 --entropy-coef 0.01"
  "4 episodes, discounted, norm/batch, lr 0.01|--batch-episodes 4 --returns discounted --normalize batch --lr 0.01"
  "4 episodes, discounted, norm/batch, entropy 0.01|--batch-episodes 4 --returns discounted --normalize batch --lr 0.01 --entropy-coef 0.01"
  "4 episodes, discounted, norm/batch, entropy 0.01, lr 0.02|--batch-episodes 4 --returns discounted --normalize batch --lr 0.02 --entropy-coef 0.01"
  "4 episodes, reward-to-go, norm/batch, lr 0.01 (default)|--batch-episodes 4 --returns reward-to-go --normalize batch --lr 0.01"
  "4 episodes, reward-to-go, norm/batch, lr 0.02|--batch-episodes 4 --returns reward-to-go --normalize batch --lr 0.02"
)
echo "| candidate | solved | episodes: median | p90 | max |"
echo "|---|---|---|---|---|"
for candidate in "${candidates[@]}"; do
  name=${candidate%%|*}
  flags=${candidate#*|}
  episodes=()
  for ((seed = 0; seed < seeds; seed++)); do
    # shellcheck disable=SC2086
    line=$("$reinforce" train $common $flags --seed "$seed" --out "$work/run" | head -1)
    rm -rf "$work/run"
    if [[ $line == Solved* ]]; then
      episodes+=("$(echo "$line" | awk '{print $4}')")
    fi
  done
  sorted=($(printf '%s\n' "${episodes[@]}" | sort -n))
  n=${#sorted[@]}
  if ((n == 0)); then
    echo "| $name | 0/$seeds | – | – | – |"
  else
    echo "| $name | $n/$seeds | ${sorted[$((n / 2))]} | ${sorted[$((n * 9 / 10))]} | ${sorted[$((n - 1))]} |"
  fi
done
