#!/usr/bin/env bash
# Per-rule finding counts of `driftlint lint` over a corpus, next to squawk's for the rules that
# look for the same hazard (squawk from PyPI: pip install squawk-cli, when installed).
#
#   bench/lint_rules.sh [CORPUS_DIR]          default: ../shared/corpus (relative to the repository)
#   SQUAWK=/path/to/squawk bench/lint_rules.sh
#
# Counts do not depend on the build, so this uses the debug build.
set -euo pipefail
cd "$(dirname "$0")/.."

corpus="${1:-../shared/corpus}"
if [ ! -d "$corpus" ]; then
  echo "bench/lint_rules.sh: no corpus directory at $corpus" >&2
  exit 2
fi

cargo build --quiet
list=$(mktemp)
trap 'rm -f "$list"' EXIT
find "$corpus" -type f -name '*.sql' -print0 | LC_ALL=C sort -z >"$list"

python3 - "$PWD/target/debug/driftlint" "$list" <<'PY'
import collections, json, os, shutil, subprocess, sys

driftlint, list_path = sys.argv[1], sys.argv[2]
files = [f for f in open(list_path, "rb").read().decode().split("\0") if f]
out = subprocess.run([driftlint, "lint", "--format", "json", *files], capture_output=True).stdout
ours = collections.Counter(f["rule"] for f in json.loads(out)["findings"])

squawk = os.environ.get("SQUAWK") or shutil.which("squawk")
theirs = collections.Counter()
version = None
if squawk:
    version = subprocess.run([squawk, "--version"], capture_output=True, text=True).stdout.split()[-1]
    report = subprocess.run([squawk, "--reporter", "json", *files], capture_output=True, text=True).stdout
    theirs = collections.Counter(f["rule_name"] for f in json.loads(report or "[]"))

# Rules that look for the same hazard (driftlint's, squawk's).
pairs = [
    (["create-index-without-concurrently"], ["require-concurrent-index-creation"]),
    (["drop-index-without-concurrently"], ["require-concurrent-index-deletion"]),
    (["add-unique-without-index"], ["disallowed-unique-constraint"]),
    (["add-primary-key-without-index"], ["adding-serial-primary-key-field"]),
    (["add-column-with-volatile-default"], ["adding-field-with-default"]),
    (["add-column-not-null-without-default"], ["adding-required-field"]),
    (["add-foreign-key-without-not-valid", "add-column-with-foreign-key"], ["adding-foreign-key-constraint"]),
    (["add-check-without-not-valid"], ["constraint-missing-not-valid"]),
    (["set-not-null"], ["adding-not-nullable-field"]),
    (["alter-column-type"], ["changing-column-type"]),
    (["concurrently-in-transaction"], ["ban-concurrent-index-creation-in-transaction"]),
    (["transaction-nesting"], ["transaction-nesting"]),
    (["missing-lock-timeout"], ["require-lock-timeout"]),
    (["reindex-without-concurrently"], ["require-concurrent-reindex"]),
    (["identifier-too-long"], ["identifier-too-long"]),
    (["truncate"], ["ban-truncate-cascade"]),
    (["drop-column"], ["ban-drop-column"]),
    (["drop-table"], ["ban-drop-table"]),
    (["syntax-error"], ["syntax-error"]),
]
print(f"corpus: {len(files)} files; squawk: {version or 'not installed (pip install squawk-cli)'}")
print(f"{'driftlint rule(s)':<58} {'count':>6}   {'squawk rule':<46} {'count':>6}")
shown_ours, shown_theirs = set(), set()
for mine, other in pairs:
    shown_ours.update(mine)
    shown_theirs.update(other)
    print(f"{', '.join(mine):<58} {sum(ours[r] for r in mine):>6}   "
          f"{', '.join(other):<46} {sum(theirs[r] for r in other) if version else '-':>6}")
print("\nother driftlint rules:")
for rule, n in ours.most_common():
    if rule not in shown_ours:
        print(f"  {rule:<56} {n:>6}")
if version:
    print("\nother squawk rules:")
    for rule, n in theirs.most_common():
        if rule not in shown_theirs:
            print(f"  {rule:<56} {n:>6}")
PY
