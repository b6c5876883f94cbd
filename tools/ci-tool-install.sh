#!/usr/bin/env bash
# The README's "Install the command", checked the way a user runs it: a warning-free Release build, `dotnet pack`
# (the tool package Reinforce.Cli and the library package Reinforce.Core, both without a warning), `dotnet tool install`
# into a temporary tool path and into a local tool manifest, then the installed `reinforce --version` and a short
# `reinforce train`. Installs read only the packed folder (a nuget.config that lists nothing else), so nothing is
# downloaded and no cached package of the same version can stand in for the one just packed.
# Prints PASS or FAIL per check and ends with one line "N passed, N failed"; exits 1 if any check failed.
# Usage: tools/ci-tool-install.sh          (.ci/run calls it after the tests; it also runs alone, in about a minute)
set -uo pipefail
cd "$(dirname "$0")/.."
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
passed=0 failed=0
pass() { echo "PASS $1"; passed=$((passed + 1)); }
fail() { echo "FAIL $1"; [ -n "${2:-}" ] && sed 's/^/     /' "$2" | tail -n 20; failed=$((failed + 1)); }
summary() { echo "$passed passed, $failed failed"; [ "$failed" -eq 0 ]; exit; }

# 1. The build stays free of warnings: restore (NU…), compiler, analyzers (trim and AOT included).
if dotnet build -c Release -warnaserror >"$work/build.log" 2>&1; then
  pass "dotnet build -c Release -warnaserror"
else
  fail "dotnet build -c Release -warnaserror" "$work/build.log"
  summary # nothing below can run without the build
fi

version=$(dotnet msbuild Reinforce.Cli -getProperty:Version)
cli="$work/nupkg/Reinforce.Cli.$version.nupkg"
core="$work/nupkg/Reinforce.Core.$version.nupkg"

# 2. Pack both packable projects; a NuGet warning (NU5xxx) is an error.
if dotnet pack -c Release --no-build -warnaserror -o "$work/nupkg" >"$work/pack.log" 2>&1 && [ -f "$cli" ] && [ -f "$core" ]; then
  pass "dotnet pack: Reinforce.Cli.$version.nupkg and Reinforce.Core.$version.nupkg, no warning"
else
  fail "dotnet pack (expected $(basename "$cli") and $(basename "$core"))" "$work/pack.log"
  summary
fi

# 3. What the packages carry: the tool's command name, the licence expression, the readme and the licence text.
command -v unzip >/dev/null || echo "unzip is not installed: the package contents cannot be read" >"$work/contents.log"
unzip -p "$cli" Reinforce.Cli.nuspec >"$work/cli.nuspec" 2>/dev/null
unzip -p "$cli" tools/net10.0/any/DotnetToolSettings.xml >"$work/tool.xml" 2>/dev/null
unzip -l "$cli" >"$work/cli.files" 2>/dev/null
unzip -l "$core" >"$work/core.files" 2>/dev/null
if grep -q '<Command Name="reinforce" EntryPoint="reinforce.dll"' "$work/tool.xml" \
  && grep -q '<packageType name="DotnetTool"' "$work/cli.nuspec" \
  && grep -q '<license type="expression">MIT</license>' "$work/cli.nuspec" \
  && grep -q '<readme>README.md</readme>' "$work/cli.nuspec" \
  && grep -Eq ' README\.md$' "$work/cli.files" && grep -Eq ' LICENSE$' "$work/cli.files" \
  && grep -Eq ' lib/net10\.0/Reinforce\.Core\.dll$' "$work/core.files" && grep -Eq ' LICENSE$' "$work/core.files"; then
  pass "package contents: command 'reinforce', MIT, README.md, LICENSE; Reinforce.Core's lib/net10.0"
else
  cat "$work/tool.xml" "$work/cli.nuspec" "$work/cli.files" "$work/core.files" >>"$work/contents.log" 2>&1
  fail "package contents" "$work/contents.log"
fi

cat >"$work/nuget.config" <<EOF
<?xml version="1.0" encoding="utf-8"?>
<configuration>
  <packageSources>
    <clear />
    <add key="packed" value="$work/nupkg" />
  </packageSources>
</configuration>
EOF
# Local tools run from the NuGet packages folder and are found through a cache in ~/.dotnet: private ones, so
# nothing of this run is left in the user's (a cached entry would outlive this temporary folder).
export NUGET_PACKAGES="$work/packages" DOTNET_CLI_HOME="$work/home"

# 4. Install into a tool path, as `dotnet tool install --global` does into ~/.dotnet/tools.
if dotnet tool install --tool-path "$work/tools" --configfile "$work/nuget.config" Reinforce.Cli --version "$version" >"$work/install.log" 2>&1 \
  && [ -x "$work/tools/reinforce" ]; then
  pass "dotnet tool install --tool-path: $work/tools/reinforce"
else
  fail "dotnet tool install --tool-path" "$work/install.log"
  summary
fi

# 5. The installed command prints the packed version.
out=$("$work/tools/reinforce" --version 2>"$work/version.err"); code=$?
if [ "$code" -eq 0 ] && [ "$out" = "reinforce $version" ]; then
  pass "installed reinforce --version: '$out'"
else
  echo "exit $code, stdout '$out'" >>"$work/version.err"
  fail "installed reinforce --version (expected exit 0 and 'reinforce $version')" "$work/version.err"
fi

# 6. The installed command trains: two updates of four episodes, a complete run folder.
"$work/tools/reinforce" train --max-updates 2 --quiet --out "$work/run" >"$work/train.out" 2>"$work/train.err"; code=$?
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

# 7. A local tool manifest, the README's other way: `dotnet reinforce` in that folder.
mkdir "$work/local"
if (cd "$work/local" && dotnet new tool-manifest >"$work/local.log" 2>&1 \
  && dotnet tool install --configfile "$work/nuget.config" Reinforce.Cli --version "$version" >>"$work/local.log" 2>&1 \
  && [ "$(dotnet reinforce --version 2>>"$work/local.log")" = "reinforce $version" ]); then
  pass "local tool manifest: dotnet reinforce --version"
else
  fail "local tool manifest: dotnet new tool-manifest, dotnet tool install, dotnet reinforce --version" "$work/local.log"
fi

summary
