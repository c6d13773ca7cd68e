#!/usr/bin/env bash
# Replays real migration histories from the corpus with `check --migrations` and `verify`, and
# prints per project: up files, replay time, verify time, the first file that fails to apply
# (and why), and how many files are not re-runnable or change the database when re-run.
#
#   bench/replay.sh                                  # all five projects
#   PROJECTS="crates-io concourse" bench/replay.sh   # some of them
#   CORPUS=/path/to/corpus bench/replay.sh           # default: ../shared/corpus next to the repo
#
# Pass 1 ("plain") uses driftlint's own scratch cluster, exactly what a user gets with no setup.
# Pass 2 ("with setup") runs only the projects that fail in pass 1 and need something a project's
# own environment provides (roles, search_path): on a bench server started here, prepared as
# described in the table, through --dev-url.
#
# Needs: PostgreSQL server binaries (initdb, pg_ctl, psql), cargo, jq.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
CORPUS=${CORPUS:-$ROOT/../shared/corpus}
PROJECTS=${PROJECTS:-"lemmy crates-io trigger-dev supabase-storage concourse"}
BIN="${CARGO_TARGET_DIR:-$ROOT/target}/release/driftlint"
TIMEOUT=${TIMEOUT:-120}

# shellcheck source=bench/lib.sh
. "$ROOT/bench/lib.sh"

[ -d "$CORPUS" ] || { say "no corpus at $CORPUS (set CORPUS=...)"; exit 2; }
command -v jq >/dev/null || { say "jq is needed to read the JSON reports"; exit 2; }

build_release
WORK=$(mktemp -d /tmp/driftlint-replay.XXXXXX)
trap 'stop_cluster "$WORK"' EXIT
trap 'exit 130' INT TERM

printf 'version: 1\ntables: {}\n' >"$WORK/empty.yaml"

stage() { stage_project "$1" "$WORK" "$CORPUS"; }

# One line of the table for `project`, replayed from `dir`; extra args go to driftlint.
measure() {
    local label=$1 dir=$2
    shift 2
    local check_json="$WORK/check.json" check_err="$WORK/check.err"
    local verify_json="$WORK/verify.json" verify_err="$WORK/verify.err"
    local t0 t1 t2 code_check code_verify
    t0=$(date +%s.%N)
    set +e
    "$BIN" check --schema "$WORK/empty.yaml" --migrations "$dir" --timeout "$TIMEOUT" \
        --format json "$@" >"$check_json" 2>"$check_err"
    code_check=$?
    t1=$(date +%s.%N)
    "$BIN" verify "$dir" --timeout "$TIMEOUT" --format json "$@" >"$verify_json" 2>"$verify_err"
    code_verify=$?
    set -e
    t2=$(date +%s.%N)

    local files ok not_rerunnable changes failed not_run failure replay_status
    files=$(jq '.summary.files' "$verify_json" 2>/dev/null || echo '?')
    ok=$(jq '.summary.ok' "$verify_json" 2>/dev/null || echo '?')
    not_rerunnable=$(jq '.summary.not_rerunnable' "$verify_json" 2>/dev/null || echo '?')
    changes=$(jq '.summary.changes_on_rerun' "$verify_json" 2>/dev/null || echo '?')
    not_run=$(jq '.summary.not_run' "$verify_json" 2>/dev/null || echo '?')
    failure=$(jq -r '.files[] | select(.status == "failed")
        | "\(.file | split("/") | last):\(.error.line // "?"): \(.error.message | split("\n") | first)"' \
        "$verify_json" 2>/dev/null || true)
    if [ "$code_check" = 2 ]; then
        replay_status="fails"
    else
        replay_status="ok"
    fi
    if [ -z "$failure" ] && [ "$code_verify" = 2 ]; then
        failure="error: $(grep -m1 '×' "$verify_err" | sed 's/^ *× *//')"
    fi
    failure=${failure:-none}
    if [ "$not_run" != 0 ] && [ "$not_run" != '?' ]; then
        failure="$failure ($not_run later files not reached)"
    fi
    # A `|` inside a message would break the table.
    failure=${failure//|/\\|}
    printf '| %s | %s | %s (%s s) | %s s | %s | %s | %s | %s |\n' \
        "$label" "$files" "$replay_status" "$(seconds "$t0" "$t1")" "$(seconds "$t1" "$t2")" \
        "$failure" "$not_rerunnable" "$changes" "$ok"
    # Details for the reader, on stderr.
    say "$label: check exit $code_check, verify exit $code_verify"
    jq -r '.files[] | select(.status == "changes_on_rerun")
        | "  changes on re-run: \(.file | split("/") | last): \([.changes[] | "\(.object_type) \(.object) \(.change)"] | join("; "))"' \
        "$verify_json" >&2 2>/dev/null || true
}

seconds() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", b - a }'; }

header() {
    printf '| project | up files | check --migrations | verify | first file that fails to apply | not re-runnable | changes on re-run | re-run cleanly |\n'
    printf '| --- | ---: | --- | ---: | --- | ---: | ---: | ---: |\n'
}

say "pass 1: driftlint's own scratch cluster, no setup"
echo "### Plain replay (scratch cluster, no setup; PostgreSQL $("$(find_bindir)/postgres" --version | awk '{print $3}'))"
echo
header
for project in $PROJECTS; do
    dir=$(stage "$project")
    measure "$project" "$dir"
done

# Pass 2: what the projects' own environments provide.
needs_setup=""
for project in $PROJECTS; do
    case "$project" in supabase-storage) needs_setup="$needs_setup $project" ;; esac
done
if [ -n "$needs_setup" ]; then
    start_cluster "$WORK" || exit 0
    echo
    echo "### With the project's environment (bench server through --dev-url)"
    echo
    header
    for project in $needs_setup; do
        case "$project" in
            supabase-storage)
                # The Supabase roles the GRANTs name, and the storage schema first on the search
                # path: files from 0047 on use unqualified names (the Storage server migrates
                # with search_path set to its schema).
                "$PG/psql" -X -q -h "$WORK" -U postgres -d postgres \
                    -c "CREATE ROLE anon NOLOGIN" -c "CREATE ROLE authenticated NOLOGIN" \
                    -c "CREATE ROLE service_role NOLOGIN" >/dev/null
                url="postgresql://postgres@$SOCK/postgres?options=-c%20search_path%3Dstorage,public"
                measure "supabase-storage (roles anon, authenticated, service_role; search_path=storage,public)" \
                    "$(stage "$project")" --dev-url "$url"
                ;;
        esac
    done
fi
