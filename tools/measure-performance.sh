#!/usr/bin/env bash
# Every number of docs/performance.md's tables, in one run: prints the page's tables as Markdown, in the page's order,
# each under the command that produced it, so that a run on a quiet machine can be pasted into the page as it is.
#   1. first training against the warm rate (tools/first-vs-warm.sh: the JIT build, and with AOT=1 the Benchmarks
#      project's entry point compiled with Native AOT, as the installed linux-x64 tool is);
#   2. the warm rate by episodes per update (the Benchmarks' `rate` command), for new TrainerOptions()'s 128 ReLU network
#      and for the default's 4-32-2 tanh one (`rate --default`);
#   3. the roofline of the update, the batched action and the CartPole step (`roofline`, with the FMA peak measured in
#      the same process) and the 500-step update's pieces (`update-times`);
#   4. the kernels against their scalar twins (`kernels`);
#   5. the PyTorch comparison: `compare` (C#) and, with PYTORCH=1 and a Python that has torch, peers/reinforce_pytorch.py;
#   6. with STARTUP=1, tools/measure-startup.sh (packs and installs every tool variant; a few minutes).
# The interleaved commands time the thread's CPU time in short blocks and quote medians, which a busy machine
# inflates least; the launch-to-exit figures are wall clock. The last line says the machine and its load average.
# Usage: tools/measure-performance.sh            about 10 minutes on the 2-vCPU machine of the page (more when it is busy)
#        AOT=1 PYTORCH=1 STARTUP=1 tools/measure-performance.sh    everything (PyTorch adds ~5 min, start-up ~5 min,
#                                                   the Native AOT publish of the Benchmarks 5-20 min)
#        AOT=<folder>/Reinforce.Benchmarks …       reuses a Native AOT build of the Benchmarks published before
#        PYTHON=/usr/bin/python3                   the Python with torch and numpy (Debian's python3-torch, python3-numpy)
# ROUNDS (default 5) is the number of fresh processes per variant of the first-training table.
set -euo pipefail
cd "$(dirname "$0")/.."
export LC_ALL=C DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
rounds=${ROUNDS:-5}
seeds=(1 2 3 4 5 6 7 8 9 10)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
load() { cut -d' ' -f1-3 /proc/loadavg; }

echo "building …" >&2
dotnet build -c Release Reinforce.Benchmarks >/dev/null
dotnet build -c Release Reinforce.Cli >/dev/null
bench=(dotnet Reinforce.Benchmarks/bin/Release/net10.0/Reinforce.Benchmarks.dll)

echo "## Machine"
echo
echo "$(nproc) vCPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //') (family $(grep -m1 'cpu family' /proc/cpuinfo | cut -d: -f2 | tr -d ' '), model $(grep -m1 '^model\s' /proc/cpuinfo | cut -d: -f2 | tr -d ' ')), $(grep -o -w -E 'avx512f|avx2|fma' /proc/cpuinfo | sort -u | tr '\n' ' ')$(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo), .NET SDK $(dotnet --version); load average at the start $(load)"
echo

echo "## First training against the warm rate"
echo
variants=("JIT, .NET's defaults (a library user's program)|${bench[*]}"
  "JIT, the CLI's runtimeconfig (TieredPGO off)|env DOTNET_TieredPGO=0 ${bench[*]}")
aot=""
if [ -x "${AOT:-}" ]; then
  aot=$AOT # a Native AOT build of the Benchmarks made before (the publish below)
elif [ "${AOT:-0}" != 0 ]; then
  echo "publishing the Benchmarks with Native AOT (ILC compiles BenchmarkDotNet and Roslyn too: 5-20 minutes) …" >&2
  # first-vs-warm needs no reflection; BenchmarkDotNet's own trim warnings are not errors here.
  dotnet publish Reinforce.Benchmarks -c Release -r linux-x64 -p:PublishAot=true -p:IlcInstructionSet=x86-64-v3 \
    -p:TreatWarningsAsErrors=false -o "$work/aot" >/dev/null 2>&1
  aot=$work/aot/Reinforce.Benchmarks
fi
[ -z "$aot" ] || variants+=("Native AOT, x86-64-v3 (as the installed linux-x64 tool)|$aot")
echo '```sh'
echo "B=Reinforce.Benchmarks/bin/Release/net10.0/Reinforce.Benchmarks.dll"
echo "tools/first-vs-warm.sh $rounds \"JIT|dotnet \$B\" \"TieredPGO off|env DOTNET_TieredPGO=0 dotnet \$B\"$([ -n "$aot" ] && echo " 'Native AOT|<publish folder>/Reinforce.Benchmarks'")"
[ -z "$aot" ] || echo "dotnet publish Reinforce.Benchmarks -c Release -r linux-x64 -p:PublishAot=true -p:IlcInstructionSet=x86-64-v3 -p:TreatWarningsAsErrors=false -o <publish folder>"
echo '```'
echo
tools/first-vs-warm.sh "$rounds" "${variants[@]}"
echo

echo "## Warm rate by episodes per update"
echo
echo '```sh'
echo "dotnet run -c Release --project Reinforce.Benchmarks -- rate 20 1 4 16 64 256"
echo '```'
echo
"${bench[@]}" rate 20 1 4 16 64 256 >"$work/rate"
head -1 "$work/rate"
echo
echo "| episodes per update | steps/s (median) | vs 1 episode | rollout, ns/step | gradient pass, ns/step | rollout share |"
echo "|---:|---:|---:|---:|---:|---:|"
awk 'NR > 2 { printf "| %s | %s | %s | %s | %s | %s |\n", $1, $2, $4, $5, $6, $7 " " $8 }' "$work/rate"
echo
echo "64 against 16 episodes per update: $(awk 'NR > 2 && $1 == 16 { a = $4 } NR > 2 && $1 == 64 { b = $4 } END { gsub("×", "", a); gsub("×", "", b); printf "%.2f×", b / a }' "$work/rate") (ratio of the medians' ratios to 1 episode)"
echo
echo "### The default network (4-32-2 tanh, what reinforce train runs)"
echo
echo '```sh'
echo "dotnet run -c Release --project Reinforce.Benchmarks -- rate 20 --default 1 8 16 64"
echo '```'
echo
"${bench[@]}" rate 20 --default 1 8 16 64 >"$work/rate-default"
head -1 "$work/rate-default"
echo
echo "| episodes per update | steps/s (median) | vs 1 episode | rollout, ns/step | gradient pass, ns/step | rollout share |"
echo "|---:|---:|---:|---:|---:|---:|"
awk 'NR > 2 { printf "| %s | %s | %s | %s | %s | %s |\n", $1, $2, $4, $5, $6, $7 " " $8 }' "$work/rate-default"
echo

echo "## Roofline"
echo
echo '```sh'
echo "dotnet run -c Release --project Reinforce.Benchmarks -- roofline 100"
echo "dotnet run -c Release --project Reinforce.Benchmarks -- update-times 100"
echo '```'
echo
"${bench[@]}" roofline 100
echo
"${bench[@]}" update-times 100 | sed 's/^/    /'
echo

echo "## Kernels against their scalar twins"
echo
echo '```sh'
echo "dotnet run -c Release --project Reinforce.Benchmarks -- kernels 50 128 1024"
echo '```'
echo
"${bench[@]}" kernels 50 128 1024
echo

echo "## Against PyTorch"
echo
echo '```sh'
echo "dotnet run -c Release --project Reinforce.Benchmarks -- compare --seeds ${seeds[*]}"
[ "${PYTORCH:-0}" != 0 ] && echo "python3 peers/reinforce_pytorch.py --seeds ${seeds[*]}" || true
echo '```'
echo
"${bench[@]}" compare --seeds "${seeds[@]}" | tee "$work/cs" | sed 's/^/    /'
python=${PYTHON:-python3}
if [ "${PYTORCH:-0}" != 0 ] && ! "$python" -c 'import numpy, torch' 2>/dev/null; then
  echo "(PyTorch side skipped: $python has no torch and numpy; Debian: apt-get install python3-torch python3-numpy, then PYTHON=/usr/bin/python3)"
elif [ "${PYTORCH:-0}" != 0 ]; then
  "$python" peers/reinforce_pytorch.py --seeds "${seeds[@]}" | tee "$work/py" | sed 's/^/    /'
  cs=$(awk '/^solved/ { print $4, $10 }' "$work/cs"); py=$(awk '/^solved/ { print $4, $10 }' "$work/py")
  echo
  echo "$cs $py" | awk '{ printf "ratio: %.0f× faster to solve (median seconds), %.0f× more steps per second (median)\n", $3 / $1, $2 / $4 }'
fi
echo

if [ "${STARTUP:-0}" != 0 ]; then
  echo "## Start-up"
  echo
  echo '```sh'
  echo "AOT=1 tools/measure-startup.sh 10"
  echo '```'
  AOT=1 tools/measure-startup.sh 10
  echo
fi
echo "load average at the end $(load)"
