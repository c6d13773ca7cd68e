#!/usr/bin/env bash
# Benchmark `driftlint lint --format json` over every .sql file of a corpus directory, and run
# squawk (pip install squawk-cli) on the same files side by side when it is installed.
#
#   bench/lint.sh [CORPUS_DIR]        default: ../shared/corpus (relative to the repository)
#   RUNS=7 bench/lint.sh              number of timed runs per tool (default 5; best and median shown)
set -euo pipefail
cd "$(dirname "$0")/.."

corpus="${1:-../shared/corpus}"
runs="${RUNS:-5}"
if [ ! -d "$corpus" ]; then
  echo "bench/lint.sh: no corpus directory at $corpus" >&2
  exit 2
fi

cargo build --release --quiet
driftlint="$PWD/target/release/driftlint"

mapfile -d '' files < <(find "$corpus" -type f -name '*.sql' -print0 | LC_ALL=C sort -z)
count=${#files[@]}
if [ "$count" -eq 0 ]; then
  echo "bench/lint.sh: no .sql files under $corpus" >&2
  exit 2
fi
bytes=$(cat "${files[@]}" | wc -c)
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

# time_runs NAME ALLOWED_EXIT_CODES COMMAND...: run COMMAND $runs times (after one warm-up run),
# print best and median wall time, and leave the best time in $best.
time_runs() {
  local name=$1 allowed=$2
  shift 2
  local times=() i start end rc
  for ((i = 0; i <= runs; i++)); do
    start=$(date +%s%N)
    set +e
    "$@" >"$out/$name.out" 2>"$out/$name.err"
    rc=$?
    set -e
    end=$(date +%s%N)
    if [[ " $allowed " != *" $rc "* ]]; then
      echo "$name exited with $rc:" >&2
      tail -n 20 "$out/$name.err" >&2
      exit 1
    fi
    # The first run only warms the page cache.
    [ "$i" -gt 0 ] && times+=($(((end - start) / 1000)))
  done
  best=$(printf '%s\n' "${times[@]}" | sort -n | head -n 1)
  local median
  median=$(printf '%s\n' "${times[@]}" | sort -n | sed -n "$(((${#times[@]} + 1) / 2))p")
  python3 - "$name" "$best" "$median" "$count" "$bytes" <<'PY'
import sys
name, best, median, count, size = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
seconds = best / 1e6
print(f"{name:<10} best {seconds:6.3f} s   median {median / 1e6:6.3f} s   "
      f"{count / seconds:9.0f} files/s   {size / seconds / 1e6:6.1f} MB/s")
PY
}

echo "corpus: $corpus: $count files, $(python3 -c "print(f'{$bytes / 1e6:.2f}')") MB; $runs timed runs each, $(nproc) cores"

time_runs driftlint "0 1" "$driftlint" lint --format json "${files[@]}"
driftlint_best=$best
python3 - "$out/driftlint.out" "$count" <<'PY'
import json, sys
report = json.load(open(sys.argv[1]))
summary = report.get("summary", {})
print(f"driftlint: {summary.get('files')} of {sys.argv[2]} files linted, "
      f"{summary.get('statements')} statements, {summary.get('findings')} findings")
PY

if command -v squawk >/dev/null 2>&1; then
  # squawk takes file paths as arguments; its human report says how many files it checked.
  checked=$(squawk "${files[@]}" 2>&1 | grep -o 'checked [0-9]* source files' || true)
  echo "squawk $(squawk --version | awk '{print $2}'): ${checked:-did not say how many files it checked}"
  time_runs squawk "0 1" squawk --reporter json "${files[@]}"
  squawk_best=$best
  python3 - "$driftlint_best" "$squawk_best" <<'PY'
import sys
ours, theirs = int(sys.argv[1]), int(sys.argv[2])
ratio = ours / theirs
verdict = "meets" if ratio <= 0.5 else "misses"
print(f"ratio: driftlint takes {ratio:.2f}x squawk's wall time "
      f"({theirs / ours:.1f}x faster); target <= 0.50x: {verdict}")
PY
else
  echo "squawk is not installed (pip install squawk-cli): no side-by-side run"
fi
