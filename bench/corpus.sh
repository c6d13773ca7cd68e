#!/usr/bin/env bash
# Robustness run: lint every .sql file of a corpus directory with `--format json` and fail if
# driftlint crashed (a panic, or an exit code other than 0, 1 or 2). Prints statements/s and how
# many statements were parsed fully, by the token-level fallback, or not at all.
#
#   bench/corpus.sh [CORPUS_DIR]      default: ../shared/corpus (relative to the repository)
#   PROFILE=debug bench/corpus.sh     lint with the debug build (overflow checks on) instead
set -euo pipefail
cd "$(dirname "$0")/.."

corpus="${1:-../shared/corpus}"
if [ ! -d "$corpus" ]; then
  echo "bench/corpus.sh: no corpus directory at $corpus" >&2
  exit 2
fi

profile="${PROFILE:-release}"
case $profile in
  release) cargo build --release --quiet ;;
  debug) cargo build --quiet ;;
  *)
    echo "bench/corpus.sh: PROFILE must be release or debug" >&2
    exit 2
    ;;
esac
driftlint="$PWD/target/$profile/driftlint"

mapfile -d '' files < <(find "$corpus" -type f -name '*.sql' -print0 | LC_ALL=C sort -z)
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

start=$(date +%s%N)
set +e
timeout 120 "$driftlint" lint --format json "${files[@]}" >"$out/report.json" 2>"$out/stderr.txt"
rc=$?
set -e
end=$(date +%s%N)

if grep -q "panicked" "$out/stderr.txt"; then
  echo "FAIL: driftlint panicked on the corpus:" >&2
  grep -A3 "panicked" "$out/stderr.txt" | head -n 40 >&2
  exit 1
fi
case $rc in
  0 | 1 | 2) ;;
  124)
    echo "FAIL: driftlint did not finish within 120 s" >&2
    exit 1
    ;;
  *)
    echo "FAIL: driftlint exited with $rc" >&2
    tail -n 20 "$out/stderr.txt" >&2
    exit 1
    ;;
esac

python3 - "$out/report.json" "${#files[@]}" "$(((end - start) / 1000))" "$rc" <<'PY'
import collections, json, sys

path, file_count, micros, rc = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
try:
    report = json.load(open(path))
except ValueError as error:
    sys.exit(f"FAIL: the JSON report does not parse: {error}")
if report.get("version") != 1 or not isinstance(report.get("findings"), list):
    sys.exit("FAIL: the JSON report does not have the version 1 shape")

summary = report.get("summary", {})
seconds = micros / 1e6
statements = summary.get("statements") or 0
print(f"corpus: {file_count} files, {summary.get('files')} linted, exit code {rc}, {seconds:.2f} s wall")
if summary.get("files") != file_count:
    sys.exit(f"FAIL: {file_count} files given, {summary.get('files')} linted")
print(f"statements: {statements} ({statements / seconds:,.0f} statements/s)")

# Parse coverage: the summary's own counts, under whichever of these names it uses.
def count(*names):
    for scope in (summary, summary.get("parse", {}), summary.get("parsing", {}), summary.get("coverage", {})):
        if not isinstance(scope, dict):
            continue
        for name in names:
            if isinstance(scope.get(name), int):
                return scope[name]
    return None

fully = count("parsed_fully", "parsed", "fully", "full")
fallback = count("parsed_by_fallback", "fallback", "parsed_fallback")
not_at_all = count("not_parsed", "unparsed", "not_at_all", "none", "parsed_not_at_all")
if None in (fully, fallback, not_at_all):
    print(f"parse coverage: not in the summary ({json.dumps(summary)})")
else:
    total = fully + fallback + not_at_all
    def share(n):
        return f"{n} ({100 * n / total:.1f}%)" if total else str(n)
    print(f"parse coverage: fully {share(fully)}, fallback {share(fallback)}, not at all {share(not_at_all)}")

rules = collections.Counter(f.get("rule") for f in report["findings"])
print("findings by rule:", ", ".join(f"{rule} {n}" for rule, n in rules.most_common()))
PY
