#!/usr/bin/env bash
# What `verify --locks` and `verify --both-ways` find on the five replayable histories of the
# corpus (the ones bench/replay.sh runs), and what --locks costs. Prints two markdown tables:
#
# 1. per project: up files, the time of plain `verify`, of `verify --locks --rows 0` and of
#    `verify --locks` (1,000 generated rows per table); from the --rows 0 run (which reaches the
#    same files as plain verify): statements observed, statements taking ACCESS EXCLUSIVE on a
#    relation that existed before their file, rewriting one, scanning one in full; the linter's
#    locking findings the run confirms and disproves; hazards no rule flagged; and where the run
#    with generated rows stops first (a NOT NULL without default on a filled table, say);
# 2. per project with down migrations: how many downs restore the schema (`--both-ways`).
#
#   bench/locks.sh                                  # all five projects
#   PROJECTS="crates-io concourse" bench/locks.sh   # some of them
#   BIN=target/debug/driftlint bench/locks.sh       # default: the release build (built here)
#
# Needs: PostgreSQL server binaries, cargo, jq.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
CORPUS=${CORPUS:-$ROOT/../shared/corpus}
PROJECTS=${PROJECTS:-"lemmy crates-io trigger-dev supabase-storage concourse"}
TIMEOUT=${TIMEOUT:-120}

# shellcheck source=bench/lib.sh
. "$ROOT/bench/lib.sh"

[ -d "$CORPUS" ] || { say "no corpus at $CORPUS (set CORPUS=...)"; exit 2; }
command -v jq >/dev/null || { say "jq is needed to read the JSON reports"; exit 2; }

if [ -z "${BIN:-}" ]; then
    build_release
    BIN="$ROOT/target/release/driftlint"
fi
WORK=$(mktemp -d /tmp/driftlint-locks.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
trap 'exit 130' INT TERM

seconds() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", b - a }'; }

# timed NAME ARGS...: runs `verify ARGS --format json` into $WORK/NAME.json; prints the seconds.
timed() {
    local name=$1
    shift
    local t0 t1
    t0=$(date +%s.%N)
    "$BIN" verify "$@" --timeout "$TIMEOUT" --format json >"$WORK/$name.json" 2>"$WORK/$name.err" || true
    t1=$(date +%s.%N)
    seconds "$t0" "$t1"
}

q() { jq -r "$1" "$2" 2>/dev/null || echo '?'; }

echo "### verify --locks on the corpus ($("$(find_bindir)/postgres" --version | awk '{print $3}'))"
echo
printf '| project | up files | verify | --locks --rows 0 | --locks (1,000 rows) | statements | ACCESS EXCLUSIVE on existing | rewrite | full scan | lint locking findings confirmed / disproved | observed hazards no rule flagged | first stop with generated rows |\n'
printf '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | --- | --- |\n'
downs_rows=""
total_confirmed=0
total_disproved=0
for project in $PROJECTS; do
    dir=$(stage_project "$project" "$WORK" "$CORPUS")
    say "$project: verify..."
    t_plain=$(timed plain "$dir")
    say "$project: verify --locks --rows 0..."
    t_locks=$(timed locks "$dir" --locks --rows 0)
    say "$project: verify --locks..."
    t_rows=$(timed rows "$dir" --locks)
    say "$project: verify --both-ways..."
    timed downs "$dir" --both-ways >/dev/null

    j="$WORK/locks.json"
    files=$(q '.summary.files' "$j")
    statements=$(q '.summary.locks.statements' "$j")
    exclusive=$(q '.summary.locks.access_exclusive' "$j")
    rewrites=$(q '.summary.locks.rewrites' "$j")
    scans=$(q '.summary.locks.scans' "$j")
    confirmed=$(q '[.summary.locks.lint[]?.confirmed] | add // 0' "$j")
    disproved=$(q '[.summary.locks.lint[]?.disproved] | add // 0' "$j")
    by_rule=$(q '[.summary.locks.lint | to_entries[] | "\(.key) \(.value.confirmed)/\(.value.disproved)"] | join(", ")' "$j")
    observed=$(q '[.summary.locks.observed | to_entries[] | "\(.key) \(.value)"] | join(", ")' "$j")
    total_confirmed=$((total_confirmed + ${confirmed//\?/0}))
    total_disproved=$((total_disproved + ${disproved//\?/0}))
    stop=$(q '.files[] | select(.status == "failed")
        | "\(.file | split("/") | last):\(.error.line // "?"): \(.error.message | split("\n") | first)"' \
        "$WORK/rows.json")
    reached=$(q '.summary.verified' "$WORK/rows.json")
    if [ -z "$stop" ]; then stop="none ($reached files)"; else stop="$stop ($reached files reached)"; fi
    stop=${stop//|/\\|}
    printf '| %s | %s | %s s | %s s | %s s | %s | %s | %s | %s | %s / %s (%s) | %s | %s |\n' \
        "$project" "$files" "$t_plain" "$t_locks" "$t_rows" "$statements" "$exclusive" "$rewrites" \
        "$scans" "$confirmed" "$disproved" "${by_rule:-none}" "${observed:-none}" "$stop"

    d="$WORK/downs.json"
    run=$(q '.summary.downs.run' "$d")
    if [ "$run" != 0 ] && [ "$run" != '?' ] && [ "$run" != null ]; then
        downs_rows="$downs_rows$(printf '| %s | %s | %s | %s | %s | %s |' "$project" "$(q '.summary.verified' "$d")" \
            "$run" "$(q '.summary.downs.ok' "$d")" "$(q '.summary.downs.not_restoring' "$d")" \
            "$(q '.summary.downs.failed' "$d")")"$'\n'
    fi
done
echo
echo "Locking lint findings on statements that ran: $total_confirmed confirmed, $total_disproved disproved."
echo
echo "### verify --both-ways on the corpus"
echo
printf '| project | up files run | downs run | restore the schema | do not restore it | fail |\n'
printf '| --- | ---: | ---: | ---: | ---: | ---: |\n'
printf '%s' "$downs_rows"
