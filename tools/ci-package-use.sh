#!/usr/bin/env bash
# The library package used the way its README (Reinforce.Core/README.md) says: `dotnet pack Reinforce.Core` into a
# folder, then, in a fresh console project outside the repository, `dotnet add package Reinforce.Core --source <folder>`
# at the version just packed, the README's code block as Program.cs, a warning-free build, and a run whose output must
# be the README's output block. Also what the packages carry: the package's own README (not the repository's), the
# licence, the XML docs, the repository type without an address, and a snupkg with Reinforce.Core.pdb whose source paths
# are mapped to /_/ (the pack is a ContinuousIntegrationBuild, as on a CI server).
# The pack builds into a temporary artifacts folder, so the checkout's bin and obj are left as they are; the NuGet global
# packages folder is a private one in the same temporary folder, so no cached Reinforce.Core of the same version can
# stand in for the one just packed and nothing of this run stays in the user's cache. The project has no NuGet.config:
# as in the README, `--source` names the folder, and the build finds the package in the global packages folder.
# Prints PASS or FAIL per check and ends with one line "N passed, N failed"; exits 1 if any check failed.
# Usage: tools/ci-package-use.sh     (.ci/run calls it after tools/ci-tool-install.sh)
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
readme=Reinforce.Core/README.md
export NUGET_PACKAGES="$work/packages"

version=$(dotnet msbuild Reinforce.Core -getProperty:Version 2>"$work/version.log")
feed="$work/feed"
nupkg="$feed/Reinforce.Core.$version.nupkg"
snupkg="$feed/Reinforce.Core.$version.snupkg"

# 1. Pack the library alone; a NuGet warning (NU5xxx) is an error.
if [ -n "$version" ] && dotnet pack Reinforce.Core -c Release -warnaserror -p:ContinuousIntegrationBuild=true \
  --artifacts-path "$work/artifacts" -o "$feed" >"$work/pack.log" 2>&1 && [ -f "$nupkg" ] && [ -f "$snupkg" ]; then
  pass "dotnet pack Reinforce.Core: Reinforce.Core.$version.nupkg and .snupkg, no warning"
else
  cat "$work/version.log" >>"$work/pack.log"
  fail "dotnet pack Reinforce.Core (expected Reinforce.Core.$version.nupkg and .snupkg)" "$work/pack.log"
  summary # nothing below can run without the package
fi

# 2. What the package carries: the library's README (the file itself, named in the nuspec), the MIT expression and the
# licence text, the dll with its XML docs, and a repository element of type git with no address.
unzip -p "$nupkg" Reinforce.Core.nuspec >"$work/nuspec" 2>/dev/null
unzip -l "$nupkg" >"$work/files" 2>/dev/null
if unzip -p "$nupkg" README.md 2>/dev/null | cmp -s - "$readme" \
  && grep -q '<readme>README.md</readme>' "$work/nuspec" \
  && grep -q '<license type="expression">MIT</license>' "$work/nuspec" \
  && grep -Eq '<repository type="git"( commit="[0-9a-f]{40}")? />' "$work/nuspec" \
  && grep -Eq ' LICENSE$' "$work/files" \
  && grep -Eq ' lib/net10\.0/Reinforce\.Core\.dll$' "$work/files" && grep -Eq ' lib/net10\.0/Reinforce\.Core\.xml$' "$work/files" \
  && ! grep -Eq '\.pdb$' "$work/files"; then
  pass "package contents: $readme as README.md, MIT and LICENSE, Reinforce.Core.dll and .xml, repository type git, no pdb"
else
  { echo "== nuspec"; cat "$work/nuspec"; echo "== files"; cat "$work/files"; } >"$work/contents.log" 2>&1
  fail "package contents (README.md identical to $readme, MIT, LICENSE, dll and xml, repository type git)" "$work/contents.log"
fi

# 3. The symbol package: Reinforce.Core.pdb, whose documents are under /_/. A portable PDB stores each document name as
# its parts (split at /), each a blob with a one-byte length below 128; a mapped name starts with the parts "" "_"
# "Reinforce.Core", so the bytes 0x01 '_' 0x0E "Reinforce.Core" are there (0x0E = 14, the length of the name).
unzip -l "$snupkg" >"$work/symbols.files" 2>/dev/null
unzip -p "$snupkg" lib/net10.0/Reinforce.Core.pdb >"$work/Reinforce.Core.pdb" 2>/dev/null
if grep -Eq ' lib/net10\.0/Reinforce\.Core\.pdb$' "$work/symbols.files" \
  && [ "$(head -c 4 "$work/Reinforce.Core.pdb")" = BSJB ] \
  && LC_ALL=C grep -aqP '\x01_\x0eReinforce\.Core' "$work/Reinforce.Core.pdb"; then
  pass "Reinforce.Core.$version.snupkg: lib/net10.0/Reinforce.Core.pdb (portable, $(($(stat -c %s "$work/Reinforce.Core.pdb") / 1024)) KiB, source paths under /_/)"
else
  fail "Reinforce.Core.$version.snupkg (expected lib/net10.0/Reinforce.Core.pdb, a portable PDB with its source paths under /_/)" "$work/symbols.files"
fi

# 4. A fresh console project in the temporary folder, outside the repository (no Directory.Build.props or global.json of
# the repository above it), with the package added as the README says, at the version just packed.
app="$work/app"
if dotnet new console -n PackageUse -o "$app" --no-restore --no-update-check >"$work/new.log" 2>&1 \
  && (cd "$app" && dotnet add package Reinforce.Core --version "$version" --source "$feed") >>"$work/new.log" 2>&1 \
  && grep -Fq "<PackageReference Include=\"Reinforce.Core\" Version=\"$version\" />" "$app/PackageUse.csproj" \
  && cmp -s "$nupkg" "$NUGET_PACKAGES/reinforce.core/$version/reinforce.core.$version.nupkg"; then
  pass "dotnet new console, dotnet add package Reinforce.Core --version $version --source <folder>: the package just packed"
else
  cat "$app/PackageUse.csproj" >>"$work/new.log" 2>&1
  fail "dotnet new console and dotnet add package Reinforce.Core --version $version (the packed file in the packages folder)" "$work/new.log"
  summary
fi

# 5. The README's code block (its one ```csharp block) is Program.cs, and builds without a warning.
awk '/^```csharp$/ { inside = 1; next } /^```$/ { inside = 0 } inside' "$readme" >"$app/Program.cs"
if [ -s "$app/Program.cs" ] && (cd "$app" && dotnet build -c Release -warnaserror) >"$work/build.log" 2>&1; then
  pass "the README's example as Program.cs: dotnet build -c Release -warnaserror"
else
  cat "$app/Program.cs" >>"$work/build.log"
  fail "the README's example as Program.cs: dotnet build -c Release -warnaserror" "$work/build.log"
  summary
fi

# 6. It runs and prints the README's output block (after "It prints:"), line for line: ten updates, 40 episodes and the
# steps the README states, the greedy evaluation.
awk '/^It prints:$/ { found = 1; next } found && /^```text$/ { inside = 1; next } inside && /^```$/ { exit } inside' "$readme" >"$work/expected.txt"
(cd "$app" && dotnet run -c Release --no-build) >"$work/output.txt" 2>"$work/run.err"; code=$?
steps_line=$(grep -E '^40 episodes, [0-9]+ steps' "$work/expected.txt")
if [ "$code" -eq 0 ] && [ -n "$steps_line" ] && diff "$work/expected.txt" "$work/output.txt" >"$work/run.log" 2>&1; then
  pass "the example runs and prints the README's output ($steps_line)"
else
  { echo "exit $code"; cat "$work/run.err"; } >>"$work/run.log"
  fail "the example's output (expected the README's block after 'It prints:', with a line '40 episodes, N steps')" "$work/run.log"
fi

echo "tools/ci-package-use.sh: $(($(date +%s) - started)) s"
summary
