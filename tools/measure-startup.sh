#!/usr/bin/env bash
# Start-up of the reinforce command launched each way the README offers: `dotnet run --no-build`, the installed tool
# (`dotnet tool install` of Reinforce.Cli, which on linux-x64 puts the Native AOT executable of Reinforce.Cli.linux-x64
# on the PATH), a local tool (`dotnet reinforce`, the same executable started by the dotnet CLI), the framework-dependent
# tool (Reinforce.Cli.any, what other platforms install: a .NET apphost beside reinforce.dll), the apphost of
# `dotnet build`, and with AOT=1 Native AOT for the baseline x64 target (what the native package would be without
# x86-64-v3).
# Every figure is wall-clock time from just before the launch, read in this shell ($EPOCHREALTIME), over RUNS rounds
# (default 20) after one warm-up round; each round launches every variant in turn, so a drift in the machine's speed
# touches them alike. Prints a Markdown table of medians with (min–max) in milliseconds:
#   --version       `reinforce --version` until the process exits;
#   first line      `reinforce train --max-updates 1 --log-interval 1` until its first stderr line ("Training …");
#   first progress  the same run until its first progress line ("update     1 …", after one update of 4 episodes);
#   exit            the same run until it exits, the run folder written (config, CSVs, checkpoint, SVG);
#   its CPU         after each of --version and exit: user + system time of that process and of the children it
#                   waited for (bash's `times`), which a busy machine inflates less than the wall clock;
#   solved          `reinforce train --quiet` (the default run, to solved) until it exits: start-up plus training speed.
# Usage: tools/measure-startup.sh [RUNS]     packs the linux-x64 package (Native AOT, about a minute); AOT=1 also
#                                            publishes the baseline-x64 Native AOT build (another minute).
set -euo pipefail
cd "$(dirname "$0")/.."
export LC_ALL=C DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
runs=${1:-20}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

version=$(dotnet msbuild Reinforce.Cli -getProperty:Version)
case $(uname -m) in x86_64) arch=x64 ;; aarch64) arch=arm64 ;; *) arch=$(uname -m) ;; esac
case $arch in x64 | arm64) ;; *) echo "no Native AOT package for $(uname -m)" >&2; exit 1 ;; esac
echo "building, packing (Native AOT for linux-$arch) and installing reinforce $version …" >&2
dotnet build -c Release Reinforce.Cli >/dev/null
dotnet pack -c Release --no-build Reinforce.Cli -o "$work/nupkg" >/dev/null
dotnet pack -c Release -r any Reinforce.Cli -o "$work/nupkg" >/dev/null
dotnet pack -c Release -r "linux-$arch" Reinforce.Cli -o "$work/nupkg" >/dev/null
cat >"$work/nuget.config" <<EOF
<?xml version="1.0" encoding="utf-8"?>
<configuration>
  <packageSources>
    <clear />
    <add key="packed" value="$work/nupkg" />
  </packageSources>
</configuration>
EOF
# The local tool runs from the NuGet packages folder and is found through a cache in ~/.dotnet: private ones, so a
# cached package of the same version is not used and no entry pointing into this temporary folder outlives it.
export NUGET_PACKAGES="$work/packages" DOTNET_CLI_HOME="$work/home"
install=(--configfile "$work/nuget.config" --version "$version")
dotnet tool install --tool-path "$work/tools" "${install[@]}" Reinforce.Cli >/dev/null
dotnet tool install --tool-path "$work/tools-any" "${install[@]}" Reinforce.Cli.any >/dev/null
mkdir "$work/local"
(cd "$work/local" && dotnet new tool-manifest >/dev/null && dotnet tool install "${install[@]}" Reinforce.Cli >/dev/null)

names=("dotnet run --no-build" "installed tool, native (reinforce on the PATH)" "local tool (dotnet reinforce)"
  "installed tool, framework-dependent (Reinforce.Cli.any)" "apphost (bin/Release/net10.0/reinforce)")
commands=("dotnet run -c Release --no-build --project $PWD/Reinforce.Cli --" "$work/tools/reinforce" "dotnet reinforce"
  "$work/tools-any/reinforce" "$PWD/Reinforce.Cli/bin/Release/net10.0/reinforce")
if [ "${AOT:-0}" != 0 ] && [ "$arch" = x64 ]; then
  echo "publishing with Native AOT for the baseline x64 target …" >&2
  dotnet publish Reinforce.Cli -c Release -r linux-x64 -p:PublishAot=true -p:IlcInstructionSet= -o "$work/aot" >/dev/null
  names+=("Native AOT, baseline x64 (no FMA)")
  commands+=("$work/aot/reinforce")
fi

# Sets cpu to the CPU time (user + system) of this shell's finished children so far, in µs: bash's `times`, second
# line. No $(…) here or around it: a command substitution is a child of its own and would be counted.
children_cpu() {
  local user system field
  times >"$work/cpu"
  { read -r _ _; read -r user system; } <"$work/cpu"
  cpu=0
  for field in "$user" "$system"; do
    [[ $field =~ ^([0-9]+)m([0-9]+)\.([0-9]+)s$ ]]
    cpu=$((cpu + (BASH_REMATCH[1] * 60 + BASH_REMATCH[2]) * 1000000 + 10#${BASH_REMATCH[3]} * 1000))
  done
}

# One launch of `--version`: prints wall and CPU µs; fails unless it exits with 0.
time_version() {
  local c0 t0 t1 cpu
  children_cpu; c0=$cpu
  t0=${EPOCHREALTIME/./}
  $1 --version >/dev/null 2>&1 || { echo "--version failed: $1" >&2; return 1; }
  t1=${EPOCHREALTIME/./}
  children_cpu
  echo "$((t1 - t0)) $((cpu - c0))"
}

# One `train --max-updates 1 --log-interval 1`: prints µs to the first stderr line, to the first progress line, to
# exit, and the run's CPU µs.
time_train() {
  local c0 t0 first="" progress="" line end cpu
  children_cpu; c0=$cpu
  t0=${EPOCHREALTIME/./}
  while IFS= read -r line; do
    [ -z "$first" ] && first=${EPOCHREALTIME/./}
    [ -z "$progress" ] && [[ $line == update* ]] && progress=${EPOCHREALTIME/./}
  done < <($1 train --max-updates 1 --log-interval 1 --seed 0 --out "$work/run" --force 2>&1 >/dev/null)
  end=${EPOCHREALTIME/./}
  wait $! || { echo "train failed: $1" >&2; return 1; }
  [ -n "$progress" ] || { echo "no progress line: $1" >&2; return 1; }
  children_cpu
  echo "$((first - t0)) $((progress - t0)) $((end - t0)) $((cpu - c0))"
}

# One default `train --quiet`: prints µs from launch to exit; fails unless it solved.
time_solve() {
  local t0 t1
  t0=${EPOCHREALTIME/./}
  $1 train --quiet --seed 0 --out "$work/solved" --force >"$work/solved.txt" 2>&1 || { echo "train failed: $1" >&2; return 1; }
  t1=${EPOCHREALTIME/./}
  grep -q '^Solved CartPole-v1' "$work/solved.txt" || { echo "not solved: $1" >&2; return 1; }
  echo "$((t1 - t0))"
}

cd "$work/local" # the local tool is found from its manifest here; every other path is absolute
for ((round = 0; round <= runs; round++)); do
  for i in "${!commands[@]}"; do
    v=$(time_version "${commands[$i]}")
    t=$(time_train "${commands[$i]}")
    d=$(time_solve "${commands[$i]}")
    if [ "$round" -gt 0 ]; then echo "$i $v $t $d" >>"$work/times"; fi
  done
  echo "round $round/$runs" >&2
done

echo
echo "| launched as | \`--version\` | its CPU | \`train\`: first line | first progress line | exit | its CPU | solved |"
echo "|---|---|---|---|---|---|---|---|"
for i in "${!names[@]}"; do
  printf '| %s |' "${names[$i]}"
  for column in 2 3 4 5 6 7 8; do
    awk -v i="$i" -v c="$column" '$1 == i { print $c / 1000 }' "$work/times" | sort -n | awk '
      { v[NR] = $1 } END { m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2; printf " %.0f (%.0f–%.0f) |", m, v[1], v[NR] }'
  done
  echo
done
echo
echo "ms, median (min–max) over $runs rounds; wall clock from launch, CPU = user + system of the finished process;"
echo "$(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), .NET $(dotnet --version) SDK"
