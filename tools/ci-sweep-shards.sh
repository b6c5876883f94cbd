#!/usr/bin/env bash
# docs/cluster.md's promise, checked the way a cluster keeps it: a small grid (3 configurations × 20 seeds = 60 runs)
# split into 8 shards (7 or 8 runs each) run as 8 separate processes, 4 at a time (xargs -P, as GNU parallel would),
# merged, and compared file by file with the same sweep run whole: every file byte for byte, with only the documented
# wall-clock and machine fields masked (runs.csv's last column, summary.csv's wall_seconds_median and wall_seconds_total, summary.md's s/run column and
# s/run line; the .reinforce-run marker and shards.json are not compared, nor the content of reproducibility.json, which describes
# the writing process). Then the merge's refusals of a missing and a
# doubled shard (exit 2), and a shard killed after its 3rd run and resumed, merged again to the same folder.
# Prints PASS or FAIL per check and ends with one line "N passed, N failed"; exits 1 if any check failed.
# Usage: tools/ci-sweep-shards.sh     (.ci/run calls it; about half a minute on 2 cores; builds the CLI if it is missing)
set -uo pipefail
cd "$(dirname "$0")/.."
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1 NO_COLOR=1

root=$(pwd)
cli="$root/Reinforce.Cli/bin/Release/net10.0/reinforce.dll"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
passed=0 failed=0
pass() { echo "PASS $1"; passed=$((passed + 1)); }
fail() { echo "FAIL $1"; [ -n "${2:-}" ] && sed 's/^/     /' "$2" | tail -n 20; failed=$((failed + 1)); }
summary() { echo "$passed passed, $failed failed"; [ "$failed" -eq 0 ]; exit; }
reinforce() { dotnet "$cli" "$@"; }

if [ ! -f "$cli" ] && ! dotnet build -c Release Reinforce.Cli >"$work/build.log" 2>&1; then
  fail "dotnet build -c Release Reinforce.Cli" "$work/build.log"
  summary
fi

flags=(--grid lr=0.01,0.02,0.04 --seeds 20 --max-episodes 24 --hidden 8 --reward-threshold 25 --running-reward-weight 0.3
  --eval-episodes 2 --bootstrap-resamples 200 --threads 1 --quiet)
shards=8
mkdir -p "$work/whole" "$work/shards" "$work/merged" "$work/again"

# The sweep run whole and the merge write `--out sweep` from folders of their own, so their command lines are the same.
if (cd "$work/whole" && reinforce sweep "${flags[@]}" --out sweep) >"$work/whole.log" 2>&1; then
  pass "the sweep run whole"
else
  fail "the sweep run whole" "$work/whole.log"
  summary
fi

if (cd "$work/shards" && seq 1 "$shards" | xargs -P 4 -I{} dotnet "$cli" sweep "${flags[@]}" --shard "{}/$shards" --out "shard-{}") >"$work/shards.log" 2>&1; then
  pass "$shards shards as $shards processes, 4 at a time"
else
  fail "$shards shards as $shards processes, 4 at a time" "$work/shards.log"
  summary
fi

runs=$(find "$work/shards" -path '*/finished-runs/*.json' | wc -l)
distinct=$(find "$work/shards" -path '*/finished-runs/*.json' -printf '%f\n' | sort -u | wc -l)
if [ "$runs" -eq 60 ] && [ "$distinct" -eq 60 ]; then
  pass "the shards hold the 60 runs, each once"
else
  echo "$runs run files, $distinct distinct" >"$work/count.log"
  fail "the shards hold the 60 runs, each once" "$work/count.log"
fi

if (cd "$work/merged" && reinforce sweep merge "$work"/shards/shard-* --out sweep --quiet) >"$work/merge.log" 2>&1; then
  pass "sweep merge of the $shards shards"
else
  fail "sweep merge of the $shards shards" "$work/merge.log"
  summary
fi

# A file with its wall-clock fields blanked (see the header).
masked() { # $1 = file
  case $(basename "$1") in
    runs.csv) sed -E 's/,[^,]*$//' "$1" ;;
    summary.csv) python3 -c '
import csv, sys
rows = list(csv.reader(open(sys.argv[1], newline="")))
drop = {i for i, name in enumerate(rows[0]) if name in ("wall_seconds_median", "wall_seconds_total")}
csv.writer(sys.stdout, lineterminator="\n").writerows([v for i, v in enumerate(r) if i not in drop] for r in rows)' "$1" ;;
    summary.md) sed -E -e 's/^- \*\*s\/run\*\*.*/- s\/run (masked)/' -e '/^\| .* \| .* \| .* \| .* \| .* \| .* \| .* \|$/s/ \| [^|]* \|$/ | (masked) |/' "$1" ;;
    *) cat "$1" ;;
  esac
}

compare() { # $1 = expected folder, $2 = actual folder, $3 = what
  local expected=$1 actual=$2 what=$3 file
  local listing_a listing_b
  listing_a=$(cd "$expected" && find . -mindepth 1 ! -name .reinforce-run ! -name shards.json | sort)
  listing_b=$(cd "$actual" && find . -mindepth 1 ! -name .reinforce-run ! -name shards.json | sort)
  if [ "$listing_a" = "$listing_b" ]; then
    pass "$what: the same files"
  else
    diff <(echo "$listing_a") <(echo "$listing_b") >"$work/listing.log"
    fail "$what: the same files" "$work/listing.log"
    return
  fi
  for file in $listing_a; do
    if [ "${file#./}" = reproducibility.json ]; then
      continue # there in both (the listing), but it describes the process that wrote the folder
    fi
    if cmp -s <(masked "$expected/$file") <(masked "$actual/$file"); then
      pass "$what: ${file#./} is the same"
    else
      diff <(masked "$expected/$file") <(masked "$actual/$file") | head -n 20 >"$work/diff.log"
      fail "$what: ${file#./} is the same" "$work/diff.log"
    fi
  done
}

compare "$work/whole/sweep" "$work/merged/sweep" "merged"

# Refusals: one line, exit 2, nothing written.
reinforce sweep merge "$work"/shards/shard-[1-7] --out "$work/missing" >"$work/missing.log" 2>&1
code=$?
if [ "$code" -eq 2 ] && grep -q "shard 8 of 8 is missing" "$work/missing.log" && [ ! -e "$work/missing" ] && [ ! -e "$work/missing.partial" ]; then
  pass "a missing shard is refused with exit 2"
else
  fail "a missing shard is refused with exit 2 (exit $code)" "$work/missing.log"
fi
reinforce sweep merge "$work"/shards/shard-* "$work/shards/shard-3/" --out "$work/twice" >"$work/twice.log" 2>&1
code=$?
if [ "$code" -eq 2 ] && grep -q "are both shard 3/8" "$work/twice.log" && [ ! -e "$work/twice" ]; then
  pass "a shard given twice is refused with exit 2"
else
  fail "a shard given twice is refused with exit 2 (exit $code)" "$work/twice.log"
fi

# Shard 5 again, killed (SIGKILL) once its 3rd run is recorded, then resumed; merged with the others it is the same sweep.
mkdir -p "$work/again/shards"
for k in $(seq 1 "$shards"); do [ "$k" -ne 5 ] && cp -r "$work/shards/shard-$k" "$work/again/shards/"; done
(
  cd "$work/again/shards" || exit 1
  exec env REINFORCE_TEST_PAUSE_AFTER_SWEEP_RUN=3 dotnet "$cli" sweep "${flags[@]}" --shard "5/$shards" --out shard-5
) 2>"$work/killed.log" &
child=$!
for _ in $(seq 1 600); do grep -q "paused after sweep run 3" "$work/killed.log" && break; sleep 0.1; done
kill -9 "$child" 2>/dev/null
wait "$child" 2>/dev/null
recorded=$(find "$work/again/shards/shard-5.partial/finished-runs" -name '*.json' 2>/dev/null | wc -l)
if grep -q "paused after sweep run 3" "$work/killed.log" && [ "$recorded" -eq 3 ]; then
  pass "shard 5 killed after its 3rd run leaves shard-5.partial with 3 runs"
else
  echo "$recorded runs recorded" >>"$work/killed.log"
  fail "shard 5 killed after its 3rd run leaves shard-5.partial with 3 runs" "$work/killed.log"
fi
if (cd "$work/again/shards" && reinforce sweep "${flags[@]}" --shard "5/$shards" --resume shard-5) >"$work/resume.log" 2>&1 \
  && (cd "$work/again" && reinforce sweep merge "$work"/again/shards/shard-* --out sweep --quiet) >>"$work/resume.log" 2>&1; then
  pass "the killed shard resumed, and merged"
  compare "$work/whole/sweep" "$work/again/sweep" "resumed and merged"
else
  fail "the killed shard resumed, and merged" "$work/resume.log"
fi

summary
