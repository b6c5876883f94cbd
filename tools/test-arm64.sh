#!/usr/bin/env bash
# Runs the test suite as linux-arm64 on an x86-64 Linux machine, under qemu-user emulation: the evidence in CI that
# the golden runs (Training/GoldenRunTests) give the same weights on ARM64 (AdvSimd, Vector<float>.Count = 4, the
# portable kernels) as on x64.
#
#   tools/test-arm64.sh            # installs what is missing (as root), publishes, runs the whole suite
#   tools/test-arm64.sh --filter "TestCategory!=CliRobustness"    # what .ci/run runs: arguments go to the test runner
#
# Needs, from Debian: qemu-user-static and the arm64 runtime libraries (libc6, libstdc++6, libgcc-s1, zlib1g, and
# libssl3 for RandomNumberGenerator, which SeedSequence uses for an unseeded run);
# the script installs them with apt-get when they are missing (root only; it adds the arm64 architecture to dpkg).
# From NuGet: the linux-arm64 runtime and apphost packs, restored by dotnet publish. The test project is published
# self-contained with NUnit's own runner into bin/arm64/ inside the repository (the docs tests look for
# Reinforce.sln above the binary), built in its own artifacts folder so the x64 build is left alone.
#
# Prints the runner's output, then one line "arm64: Passed: N, Failed: M" for .ci/run to count; exits non-zero when a
# test fails or nothing ran.
set -uo pipefail
cd "$(dirname "$0")/.."

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

missing=()
command -v qemu-aarch64-static > /dev/null || missing+=(qemu-user-static)
for package in libc6 libstdc++6 libgcc-s1 zlib1g libssl3; do
  dpkg -s "$package:arm64" > /dev/null 2>&1 || missing+=("$package:arm64")
done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "tools/test-arm64.sh: error: missing ${missing[*]}; run as root to install them with apt-get" >&2
    echo "arm64: Passed: 0, Failed: 1"
    exit 2
  fi
  echo "== installing ${missing[*]}"
  dpkg --print-foreign-architectures | grep -qx arm64 || dpkg --add-architecture arm64
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" > /dev/null
fi

out=bin/arm64/tests
echo "== dotnet publish Reinforce.Core.Tests for linux-arm64 (self-contained, NUnit runner) into $out"
if ! dotnet publish Reinforce.Core.Tests -c Release -r linux-arm64 --self-contained \
    -p:EnableNUnitRunner=true -p:UseAppHost=true --artifacts-path bin/arm64/artifacts -o "$out" -v quiet -nologo; then
  echo "arm64: Passed: 0, Failed: 1"
  exit 1
fi

echo "== the suite as linux-arm64 under qemu-aarch64-static"
log=$(mktemp)
trap 'rm -f "$log"' EXIT
start=$(date +%s)
# Without DOTNET_EnableWriteXorExecute=0 the emulated JIT runs stale code after patching it and crashes. The run claims
# AdvSimd and 4-lane vectors (Numerics/InstructionSetTests checks it inside the emulated process) unless told otherwise.
DOTNET_EnableWriteXorExecute=0 REINFORCE_EXPECT_ISA="${REINFORCE_EXPECT_ISA:-arch=arm64 advsimd=on simd=on vector=4}" qemu-aarch64-static "$out/Reinforce.Core.Tests" "$@" 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
# Microsoft.Testing.Platform's summary: "  total: N", "  failed: N", "  succeeded: N", "  skipped: N". When the
# runner decides the terminal takes colours it starts those lines with ANSI escapes ("\e[32m  succeeded: N"), so the
# escapes are stripped before the lines are read.
plain=$(sed -E 's/\x1b\[[0-9;]*[A-Za-z]//g' "$log")
passed=$(grep -Eo '^ *succeeded: *[0-9]+' <<< "$plain" | grep -Eo '[0-9]+' | tail -1)
failed=$(grep -Eo '^ *failed: *[0-9]+' <<< "$plain" | grep -Eo '[0-9]+' | tail -1)
passed=${passed:-0}
failed=${failed:-0}
if [ "$passed" -eq 0 ] && [ "$failed" -eq 0 ]; then
  failed=1 # no summary: the runner did not start or crashed
fi
echo "arm64: $(( $(date +%s) - start )) s under emulation"
echo "arm64: Passed: $passed, Failed: $failed"
[ "$status" -eq 0 ] && [ "$failed" -eq 0 ]
