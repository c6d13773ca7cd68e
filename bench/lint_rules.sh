#!/usr/bin/env bash
# Per-rule finding counts of `driftlint lint` next to squawk's on every .sql file of a corpus, and
# where two rules look for the same hazard, how often the two tools agree on a statement.
#
#   bench/lint_rules.sh [CORPUS_DIR]          default: ../shared/corpus
#   SQUAWK=/path/to/squawk bench/lint_rules.sh   the squawk to compare with (pip install squawk-cli)
#   SAMPLE=50 SEED=1 OUT=/tmp/disagreements.tsv bench/lint_rules.sh
#       also writes SAMPLE disagreements, drawn with SEED, with the statement's first line, for
#       classifying by hand (docs/lint-vs-squawk.md holds one such classification)
#
# Both tools run with their default rule sets. squawk counts lines from 0 and driftlint from 1; a
# squawk finding matches a driftlint finding of a paired rule when its line falls inside the
# driftlint finding's statement span (or the two start on the same line).
set -euo pipefail
cd "$(dirname "$0")/.."

corpus="${1:-../shared/corpus}"
[ -d "$corpus" ] || { echo "bench/lint_rules.sh: no corpus directory at $corpus" >&2; exit 2; }
squawk="${SQUAWK:-$(command -v squawk || true)}"
[ -n "$squawk" ] || { echo "bench/lint_rules.sh: squawk not found (pip install squawk-cli, or SQUAWK=...)" >&2; exit 2; }

cargo build --release --quiet
list=$(mktemp)
trap 'rm -f "$list"' EXIT
# The migration histories only: pg-regress is PostgreSQL's own test SQL, not migrations.
find "$corpus" -type f -name '*.sql' -not -path '*/pg-regress/*' -not -path '*/migrations-templated/*' -print0 |
    LC_ALL=C sort -z >"$list"

python3 - "${CARGO_TARGET_DIR:-$PWD/target}/release/driftlint" "$squawk" "$list" <<'PY'
import collections, json, os, random, subprocess, sys

driftlint, squawk, list_path = sys.argv[1:4]
files = [f for f in open(list_path, "rb").read().decode().split("\0") if f]

# squawk rule -> the driftlint rules that look for the same hazard ("idempotency": that category).
PAIRS = {
    "require-concurrent-index-creation": ["create-index-without-concurrently"],
    "require-concurrent-index-deletion": ["drop-index-without-concurrently"],
    "constraint-missing-not-valid": ["add-check-without-not-valid", "add-foreign-key-without-not-valid"],
    "adding-foreign-key-constraint": ["add-foreign-key-without-not-valid", "add-column-with-foreign-key"],
    "changing-column-type": ["alter-column-type"],
    "adding-not-nullable-field": ["set-not-null"],
    "adding-required-field": ["add-column-not-null-without-default"],
    "adding-field-with-default": ["add-column-with-volatile-default"],
    "disallowed-unique-constraint": ["add-unique-without-index"],
    "adding-serial-primary-key-field": ["add-primary-key-without-index"],
    "ban-drop-column": ["drop-column"],
    "ban-drop-table": ["drop-table"],
    "require-lock-timeout": ["missing-lock-timeout"],
    "ban-concurrent-index-creation-in-transaction": ["concurrently-in-transaction"],
    "transaction-nesting": ["transaction-nesting"],
    "ban-truncate-cascade": ["truncate"],
    "require-concurrent-reindex": ["reindex-without-concurrently"],
    "identifier-too-long": ["identifier-too-long"],
    "syntax-error": ["syntax-error"],
    "prefer-robust-stmts": ["idempotency"],
}


def run_driftlint():
    # lint exits 1 on findings; only 2 is a failure.
    out = subprocess.run([driftlint, "lint", "--format", "json", *files], capture_output=True, text=True)
    if out.returncode not in (0, 1):
        sys.exit(f"driftlint failed ({out.returncode}): {out.stderr[-2000:]}")
    found = []
    for f in json.loads(out.stdout)["findings"]:
        if f["severity"] == "info":
            continue
        found.append((os.path.normpath(f["file"]), f["line"], f["end_line"], f["rule"], f["category"]))
    return found


def run_squawk():
    out = subprocess.run([squawk, "--reporter", "json", *files], capture_output=True, text=True)
    found = []
    for f in json.loads(out.stdout or "[]"):
        line = f["line"] + 1
        found.append((os.path.normpath(f["file"]), line, f.get("line_end", f["line"]) + 1, f["rule_name"]))
    return found


ours, theirs = run_driftlint(), run_squawk()
print(f"{len(files)} files; driftlint: {len(ours)} findings (errors and warnings), squawk {len(theirs)}")

print("\nper rule, driftlint")
for rule, n in collections.Counter(r[3] for r in ours).most_common():
    print(f"  {n:6d}  {rule}")
print("\nper rule, squawk")
for rule, n in collections.Counter(r[3] for r in theirs).most_common():
    print(f"  {n:6d}  {rule}")

by_file = collections.defaultdict(list)
for f in ours:
    by_file[f[0]].append(f)


def matches(finding, wanted):
    return [
        o for o in by_file[finding[0]]
        if (o[3] in wanted or o[4] in wanted) and (o[1] <= finding[1] <= o[2] or o[1] == finding[1])
    ]


print("\npaired rules: statements both flag / only squawk / only driftlint")
disagreements = []
for rule, wanted in PAIRS.items():
    mine = [o for o in ours if o[3] in wanted or o[4] in wanted]
    seen, both, only_theirs = set(), 0, 0
    for t in (t for t in theirs if t[3] == rule):
        hit = matches(t, wanted)
        if hit:
            both += 1
            seen.update(hit)
        else:
            only_theirs += 1
            disagreements.append(("squawk only", rule, t[0], t[1]))
    only_ours = [o for o in mine if o not in seen]
    # One statement can carry several driftlint findings of the paired rules: count statements.
    only_ours_statements = {(o[0], o[1]) for o in only_ours}
    for file, line in sorted(only_ours_statements):
        disagreements.append(("driftlint only", "/".join(wanted), file, line))
    print(f"  {rule:46s} {both:6d} {only_theirs:6d} {len(only_ours_statements):6d}   ({', '.join(wanted)})")

sample, out_path = int(os.environ.get("SAMPLE", "0")), os.environ.get("OUT")
if sample and out_path:
    random.Random(int(os.environ.get("SEED", "1"))).shuffle(disagreements)
    with open(out_path, "w") as out:
        out.write("who\trule\tfile\tline\tfirst line of the statement\n")
        for who, rule, file, line in disagreements[:sample]:
            text = open(file, encoding="utf-8", errors="replace").read().split("\n")
            first = text[line - 1].strip() if 0 < line <= len(text) else ""
            out.write(f"{who}\t{rule}\t{file}\t{line}\t{first[:160]}\n")
    print(f"\n{min(sample, len(disagreements))} of {len(disagreements)} disagreements written to {out_path}")
PY
