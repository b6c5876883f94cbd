#!/usr/bin/env bash
# The README's "Install the command", checked the way a user runs it: a warning-free Release build, `dotnet pack` (the
# library package Reinforce.Core and the tool's pointer package Reinforce.Cli, which lists its RID packages), then one
# `dotnet pack -r <rid>` per RID package: Reinforce.Cli.linux-x64 (Native AOT, x86-64-v3), Reinforce.Cli.linux-arm64
# (Native AOT, cross-linked with clang and lld against Debian's arm64 libraries) and Reinforce.Cli.any (framework-
# dependent, what every other platform installs). Then `dotnet tool install` into a temporary tool path and into a
# local tool manifest, and the installed command: that it is the native executable and no .NET host, its --version, and
# two short trainings; the `any` package installed by its id; the arm64 executable trained under qemu-user with the
# same numbers as the x64 one; on an emulated x64 CPU below x86-64-v3, the native command's refusal and the `any` one. Installs read only the packed folder (a nuget.config that lists nothing else), so nothing
# is downloaded and no cached package of the same version can stand in for the one just packed.
# Installs what Native AOT needs with apt-get when it is missing (as root): clang and zlib1g-dev to link, and for
# linux-arm64 lld, libc6-dev:arm64, libgcc-N-dev:arm64, zlib1g-dev:arm64 and qemu-user-static.
# Prints PASS or FAIL per check and ends with one line "N passed, N failed"; exits 1 if any check failed.
# Usage: tools/ci-tool-install.sh     (.ci/run calls it after the tests; alone it takes about 5 minutes on 2 cores, most
#                                      of it the two Native AOT compilations)
set -uo pipefail
cd "$(dirname "$0")/.."
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
passed=0 failed=0
pass() { echo "PASS $1"; passed=$((passed + 1)); }
fail() { echo "FAIL $1"; [ -n "${2:-}" ] && sed 's/^/     /' "$2" | tail -n 20; failed=$((failed + 1)); }
summary() { echo "$passed passed, $failed failed"; [ "$failed" -eq 0 ]; exit; }
started=$(date +%s)

case $(uname -m) in
  x86_64) native_rid=linux-x64 cross_rid=linux-arm64 ;;
  aarch64) native_rid=linux-arm64 cross_rid="" ;; # an arm64 host packs its own RID; no cross-link to x64 here
  *) native_rid="" cross_rid="" ;;
esac

# What Native AOT links with, installed when missing: returns 1 (and says why in $work/apt.log) if it cannot be had.
ensure_packages() { # $@ = Debian package names (name:arch for a foreign architecture)
  local missing=() package
  for package in "$@"; do # a package installed for two architectures answers only by name:arch
    [[ $package == *:* ]] || package="$package:$(dpkg --print-architecture)"
    dpkg -s "$package" >/dev/null 2>&1 || missing+=("$package")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  if [ "$(id -u)" -ne 0 ]; then
    echo "missing ${missing[*]}; run as root to install them with apt-get" >>"$work/apt.log"
    return 1
  fi
  echo "== installing ${missing[*]}"
  if printf '%s\n' "${missing[@]}" | grep -q ':arm64$'; then
    dpkg --print-foreign-architectures | grep -qx arm64 || dpkg --add-architecture arm64
  fi
  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"; } >>"$work/apt.log" 2>&1
}

# 1. The build stays free of warnings: restore (NU…), compiler, analyzers (trim and AOT included).
if dotnet build -c Release -warnaserror >"$work/build.log" 2>&1; then
  pass "dotnet build -c Release -warnaserror"
else
  fail "dotnet build -c Release -warnaserror" "$work/build.log"
  summary # nothing below can run without the build
fi

version=$(dotnet msbuild Reinforce.Cli -getProperty:Version)
nupkg="$work/nupkg"
cli="$nupkg/Reinforce.Cli.$version.nupkg"
core="$nupkg/Reinforce.Core.$version.nupkg"

# 2. Pack both packable projects; a NuGet warning (NU5xxx) is an error. Reinforce.Cli is the pointer package here.
if dotnet pack -c Release --no-build -warnaserror -o "$nupkg" >"$work/pack.log" 2>&1 && [ -f "$cli" ] && [ -f "$core" ]; then
  pass "dotnet pack: Reinforce.Cli.$version.nupkg and Reinforce.Core.$version.nupkg, no warning"
else
  fail "dotnet pack (expected $(basename "$cli") and $(basename "$core"))" "$work/pack.log"
  summary
fi

# 3. One package per RID: `any` (framework-dependent) and the native ones. A native one needs a C linker and zlib.
pack_rid() { # $1 = RID; extra properties follow
  local rid=$1
  shift
  dotnet pack Reinforce.Cli -c Release -r "$rid" -warnaserror -o "$nupkg" "$@" >"$work/pack-$rid.log" 2>&1 \
    && [ -f "$nupkg/Reinforce.Cli.$rid.$version.nupkg" ]
}
rid_seconds() { echo "$(($(date +%s) - $1)) s"; }
t0=$(date +%s)
if pack_rid any; then
  pass "dotnet pack -r any: Reinforce.Cli.any.$version.nupkg (framework-dependent), $(rid_seconds "$t0")"
else
  fail "dotnet pack -r any" "$work/pack-any.log"
fi
if [ -n "$native_rid" ]; then
  t0=$(date +%s)
  if ensure_packages clang zlib1g-dev && pack_rid "$native_rid"; then
    pass "dotnet pack -r $native_rid: Reinforce.Cli.$native_rid.$version.nupkg (Native AOT), $(rid_seconds "$t0")"
  else
    cat "$work/apt.log" >>"$work/pack-$native_rid.log" 2>/dev/null
    fail "dotnet pack -r $native_rid (Native AOT)" "$work/pack-$native_rid.log"
  fi
else
  fail "no Native AOT RID for this machine ($(uname -m)): the checks expect linux-x64 or linux-arm64"
fi
if [ -n "$cross_rid" ]; then
  t0=$(date +%s)
  gcc_major=$(ls /usr/lib/gcc/x86_64-linux-gnu 2>/dev/null | sort -n | tail -n 1) # clang links with this GCC's crt files
  if ensure_packages clang lld libc6-dev:arm64 "libgcc-${gcc_major:-12}-dev:arm64" zlib1g-dev:arm64 qemu-user-static \
    && pack_rid "$cross_rid"; then
    pass "dotnet pack -r $cross_rid: Reinforce.Cli.$cross_rid.$version.nupkg (Native AOT, cross-linked), $(rid_seconds "$t0")"
  else
    cat "$work/apt.log" >>"$work/pack-$cross_rid.log" 2>/dev/null
    fail "dotnet pack -r $cross_rid (Native AOT, cross-linked with clang and lld)" "$work/pack-$cross_rid.log"
  fi
fi

# 4. What the packages carry: the pointer names every RID package and carries no code; the native package carries one
# executable (no dll, no symbols); the any package the managed dll. Licence expression, readme and licence text.
command -v unzip >/dev/null || echo "unzip is not installed: the package contents cannot be read" >"$work/contents.log"
unzip -p "$cli" Reinforce.Cli.nuspec >"$work/cli.nuspec" 2>/dev/null
unzip -p "$cli" tools/any/any/DotnetToolSettings.xml >"$work/tool.xml" 2>/dev/null
unzip -l "$cli" >"$work/cli.files" 2>/dev/null
unzip -l "$core" >"$work/core.files" 2>/dev/null
native_pkg="$nupkg/Reinforce.Cli.$native_rid.$version.nupkg"
any_pkg="$nupkg/Reinforce.Cli.any.$version.nupkg"
unzip -p "$native_pkg" "tools/any/$native_rid/DotnetToolSettings.xml" >"$work/native.xml" 2>/dev/null
unzip -l "$native_pkg" >"$work/native.files" 2>/dev/null
unzip -p "$any_pkg" tools/net10.0/any/DotnetToolSettings.xml >"$work/any.xml" 2>/dev/null
unzip -p "$any_pkg" Reinforce.Cli.any.nuspec >"$work/any.nuspec" 2>/dev/null
if grep -q '<Command Name="reinforce" />' "$work/tool.xml" \
  && grep -q '<RuntimeIdentifierPackage RuntimeIdentifier="linux-x64" Id="Reinforce.Cli.linux-x64" />' "$work/tool.xml" \
  && grep -q '<RuntimeIdentifierPackage RuntimeIdentifier="linux-arm64" Id="Reinforce.Cli.linux-arm64" />' "$work/tool.xml" \
  && grep -q '<RuntimeIdentifierPackage RuntimeIdentifier="any" Id="Reinforce.Cli.any" />' "$work/tool.xml" \
  && ! grep -Eq '\.dll$' "$work/cli.files" \
  && grep -q '<packageType name="DotnetTool"' "$work/cli.nuspec" \
  && grep -q '<license type="expression">MIT</license>' "$work/cli.nuspec" \
  && grep -q '<readme>README.md</readme>' "$work/cli.nuspec" \
  && grep -Eq ' README\.md$' "$work/cli.files" && grep -Eq ' LICENSE$' "$work/cli.files" \
  && grep -q '<Command Name="reinforce" EntryPoint="reinforce" Runner="executable" />' "$work/native.xml" \
  && grep -Eq " tools/any/$native_rid/reinforce$" "$work/native.files" \
  && ! grep -Eq '\.(dll|dbg|pdb)$' "$work/native.files" \
  && grep -q '<Command Name="reinforce" EntryPoint="reinforce.dll" Runner="dotnet" />' "$work/any.xml" \
  && grep -q '<packageType name="DotnetToolRidPackage"' "$work/any.nuspec" \
  && grep -Eq ' lib/net10\.0/Reinforce\.Core\.dll$' "$work/core.files" && grep -Eq ' LICENSE$' "$work/core.files"; then
  pass "package contents: pointer lists linux-x64, linux-arm64, any; $native_rid one executable; any reinforce.dll; MIT, README.md, LICENSE"
else
  for f in tool.xml cli.nuspec cli.files native.xml native.files any.xml any.nuspec core.files; do
    { echo "== $f"; cat "$work/$f"; } >>"$work/contents.log" 2>&1
  done
  fail "package contents" "$work/contents.log"
fi

cat >"$work/nuget.config" <<EOF
<?xml version="1.0" encoding="utf-8"?>
<configuration>
  <packageSources>
    <clear />
    <add key="packed" value="$nupkg" />
  </packageSources>
</configuration>
EOF
# Local tools run from the NuGet packages folder and are found through a cache in ~/.dotnet: private ones, so
# nothing of this run is left in the user's (a cached entry would outlive this temporary folder).
export NUGET_PACKAGES="$work/packages" DOTNET_CLI_HOME="$work/home"

# 5. Install into a tool path, as `dotnet tool install --global` does into ~/.dotnet/tools.
if dotnet tool install --tool-path "$work/tools" --configfile "$work/nuget.config" Reinforce.Cli --version "$version" >"$work/install.log" 2>&1 \
  && [ -x "$work/tools/reinforce" ]; then
  pass "dotnet tool install --tool-path: $work/tools/reinforce"
else
  fail "dotnet tool install --tool-path" "$work/install.log"
  summary
fi
reinforce="$work/tools/reinforce"

# 6. The installed command is the native executable: an ELF executable for this machine that no .NET host starts
# (no reinforce.dll or runtimeconfig beside it; COREHOST_TRACE=1, which makes the host of a managed tool trace every
# step to stderr, makes it print nothing).
target=$(readlink -f "$reinforce")
kind=$(file -b "$target" 2>&1)
case $native_rid in linux-x64) machine=x86-64 ;; linux-arm64) machine=aarch64 ;; *) machine=unknown ;; esac
trace=$(COREHOST_TRACE=1 "$reinforce" --version 2>&1 >/dev/null)
if [[ $kind == ELF\ 64-bit*executable*$machine* ]] && [ ! -e "$(dirname "$target")/reinforce.dll" ] \
  && [ ! -e "$(dirname "$target")/reinforce.runtimeconfig.json" ] && [ -z "$trace" ]; then
  pass "installed reinforce is the native executable ($native_rid package, $(($(stat -c %s "$target") / 1024)) KiB, no .NET host)"
else
  { echo "$target: $kind"; ls -la "$(dirname "$target")"; echo "COREHOST_TRACE=1 stderr:"; head -n 5 <<<"$trace"; } >"$work/native.log" 2>&1
  fail "installed reinforce is the native executable (ELF $machine, no reinforce.dll beside it, no host trace)" "$work/native.log"
fi

# 7. The installed command prints the packed version.
out=$("$reinforce" --version 2>"$work/version.err"); code=$?
if [ "$code" -eq 0 ] && [ "$out" = "reinforce $version" ]; then
  pass "installed reinforce --version: '$out'"
else
  echo "exit $code, stdout '$out'" >>"$work/version.err"
  fail "installed reinforce --version (expected exit 0 and 'reinforce $version')" "$work/version.err"
fi

# 8. The installed command trains: two updates of four episodes (--batch-episodes 4; the default takes 8), a complete run folder.
"$reinforce" train --max-updates 2 --batch-episodes 4 --quiet --out "$work/run" >"$work/train.out" 2>"$work/train.err"; code=$?
if [ "$code" -eq 0 ] \
  && grep -Eq '^(Not solved|Solved) CartPole-v1 after 8 episodes \([0-9]+ steps\)' "$work/train.out" \
  && grep -Fqx "Run folder: $work/run" "$work/train.out" \
  && [ -s "$work/run/checkpoint.safetensors" ] && [ -s "$work/run/config.json" ] && [ -s "$work/run/learning-curve.svg" ] \
  && [ "$(wc -l <"$work/run/metrics.csv")" -eq 3 ] && [ "$(wc -l <"$work/run/episodes.csv")" -eq 9 ]; then
  pass "installed reinforce train --max-updates 2: 8 episodes, run folder complete"
else
  { echo "exit $code"; cat "$work/train.out" "$work/train.err"; ls -la "$work/run" "$work/run.partial"; } >"$work/train.log" 2>&1
  fail "installed reinforce train --max-updates 2 --quiet (expected exit 0, 8 episodes, a complete run folder)" "$work/train.log"
fi

# 9. Three updates of a hidden layer of 8, with the JIT's switches DOTNET_EnableHWIntrinsic=0 and DOTNET_EnableAVX2=0
# set: the native executable has no JIT to switch, so it trains on hardware FMA and prints no warning about it (the
# framework-dependent tool would warn and run its kernels in software).
DOTNET_EnableHWIntrinsic=0 DOTNET_EnableAVX2=0 "$reinforce" train --max-updates 3 --batch-episodes 4 --hidden 8 --out "$work/run3" \
  >"$work/train3.out" 2>"$work/train3.err"; code=$?
if [ "$code" -eq 0 ] && grep -Eq '^(Not solved|Solved) CartPole-v1 after 12 episodes' "$work/train3.out" \
  && ! grep -q 'warning' "$work/train3.err" && grep -q '4-8-2' "$work/train3.err" \
  && [ "$(wc -l <"$work/run3/metrics.csv")" -eq 4 ] && [ -s "$work/run3/checkpoint.safetensors" ]; then
  pass "installed reinforce train --max-updates 3 --hidden 8: 12 episodes; DOTNET_EnableHWIntrinsic=0 has no effect"
else
  { echo "exit $code"; cat "$work/train3.out" "$work/train3.err"; } >"$work/train3.log" 2>&1
  fail "installed reinforce train --max-updates 3 --hidden 8 (expected exit 0, 12 episodes, no warning)" "$work/train3.log"
fi

# 10. The fallback, installed by its package id as the README says for an x64 CPU below x86-64-v3: the framework-
# dependent command (a .NET apphost beside reinforce.dll), same version.
if dotnet tool install --tool-path "$work/tools-any" --configfile "$work/nuget.config" Reinforce.Cli.any --version "$version" >"$work/install-any.log" 2>&1 \
  && find "$work/tools-any/.store" -name reinforce.dll | grep -q .; then
  out=$("$work/tools-any/reinforce" --version 2>>"$work/install-any.log")
  if [ "$out" = "reinforce $version" ]; then
    pass "dotnet tool install Reinforce.Cli.any: the framework-dependent reinforce --version '$out'"
  else
    echo "--version printed '$out'" >>"$work/install-any.log"
    fail "framework-dependent reinforce --version (expected 'reinforce $version')" "$work/install-any.log"
  fi
else
  fail "dotnet tool install --tool-path Reinforce.Cli.any (expected a tool with reinforce.dll)" "$work/install-any.log"
fi

# 11. The cross-linked linux-arm64 executable runs under qemu-user and trains to the same numbers as the native x64
# one in check 9 (metrics.csv without its wall_seconds column: returns, lengths, loss, entropy, running reward).
if [ -n "$cross_rid" ]; then
  arm_pkg="$nupkg/Reinforce.Cli.$cross_rid.$version.nupkg"
  mkdir -p "$work/arm64"
  if unzip -q -o "$arm_pkg" "tools/any/$cross_rid/reinforce" -d "$work/arm64" 2>"$work/arm64.log" \
    && chmod +x "$work/arm64/tools/any/$cross_rid/reinforce" \
    && file -b "$work/arm64/tools/any/$cross_rid/reinforce" | grep -q 'ELF 64-bit.*ARM aarch64' \
    && command -v qemu-aarch64-static >/dev/null \
    && qemu-aarch64-static "$work/arm64/tools/any/$cross_rid/reinforce" train --max-updates 3 --batch-episodes 4 --hidden 8 --out "$work/run3-arm64" --quiet >>"$work/arm64.log" 2>&1 \
    && [ -s "$work/run3/metrics.csv" ] \
    && diff <(cut -d, -f1-3,5- "$work/run3/metrics.csv") <(cut -d, -f1-3,5- "$work/run3-arm64/metrics.csv") >>"$work/arm64.log"; then
    pass "linux-arm64 executable (ELF aarch64) under qemu-aarch64-static: train --max-updates 3 --hidden 8 gives the x64 numbers"
  else
    file -b "$work/arm64/tools/any/$cross_rid/reinforce" >>"$work/arm64.log" 2>&1
    fail "linux-arm64 executable under qemu-aarch64-static: train, same metrics as x64" "$work/arm64.log"
  fi
fi

# 12. An x64 CPU below x86-64-v3, emulated by qemu-user as a Westmere (SSE4.2, no AVX, no FMA): the native command
# stops before Main with the runtime's message and exit 134, and the `any` command of check 10, the README's answer
# for such a CPU, runs there.
if [ "$native_rid" = linux-x64 ]; then
  if command -v qemu-x86_64-static >/dev/null; then
    # (in a group whose stderr is dropped: the shell's own "Aborted" line is no part of the check)
    { qemu-x86_64-static -cpu Westmere "$reinforce" --version >"$work/westmere.out" 2>"$work/westmere.err"; code=$?; } 2>/dev/null
    out=$(DOTNET_EnableWriteXorExecute=0 qemu-x86_64-static -cpu Westmere "$work/tools-any/reinforce" --version 2>>"$work/westmere.any.err")
    if [ "$code" -eq 134 ] && grep -q 'The required instruction sets are not supported by the current CPU' "$work/westmere.err" \
      && [ ! -s "$work/westmere.out" ] && [ "$out" = "reinforce $version" ]; then
      pass "on an emulated Westmere (below x86-64-v3): native reinforce refuses (exit 134), the any package's runs"
    else
      { echo "native: exit $code"; cat "$work/westmere.out" "$work/westmere.err"; echo "any: '$out'"; grep -v "TCG doesn't" "$work/westmere.any.err"; } >"$work/westmere.log" 2>&1
      fail "on an emulated Westmere: native exit 134 with the runtime's message, any package's --version" "$work/westmere.log"
    fi
  else
    fail "qemu-x86_64-static is missing (qemu-user-static): cannot emulate a CPU below x86-64-v3"
  fi
fi

# 13. A local tool manifest, the README's other way: `dotnet reinforce` in that folder (the native executable, started
# by the dotnet CLI).
mkdir "$work/local"
if (cd "$work/local" && dotnet new tool-manifest >"$work/local.log" 2>&1 \
  && dotnet tool install --configfile "$work/nuget.config" Reinforce.Cli --version "$version" >>"$work/local.log" 2>&1 \
  && [ "$(dotnet reinforce --version 2>>"$work/local.log")" = "reinforce $version" ]); then
  pass "local tool manifest: dotnet reinforce --version"
else
  fail "local tool manifest: dotnet new tool-manifest, dotnet tool install, dotnet reinforce --version" "$work/local.log"
fi

echo "tools/ci-tool-install.sh: $(($(date +%s) - started)) s"
summary
