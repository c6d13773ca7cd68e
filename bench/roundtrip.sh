#!/usr/bin/env bash
# pull, then check --strict, on real schemas: every schema dump of the corpus and the migration
# histories that replay with plain psql. A database compared with the schema.yaml pulled from it
# must show zero drift; any drift is a false report. Prints per project the tables and enums
# pulled, the drift found (with the first few items) and the time of each command.
#
#   bench/roundtrip.sh                               # everything
#   PROJECTS="pagila crates-io" bench/roundtrip.sh   # some of it
#   CORPUS=/path/to/corpus bench/roundtrip.sh        # default: ../shared/corpus next to the repo
#   PROFILE=debug bench/roundtrip.sh                 # the debug build (as .ci/run does)
#
# Loading uses psql without ON_ERROR_STOP: a statement a project's own environment would make
# work (a role, an extension this server lacks) is skipped, and the count of such errors is
# printed; the comparison is of whatever the files built.
#
# Needs: PostgreSQL server binaries (initdb, pg_ctl, psql), cargo, jq.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
CORPUS=${CORPUS:-$ROOT/../shared/corpus}
PROFILE=${PROFILE:-release}
BIN="${CARGO_TARGET_DIR:-$ROOT/target}/$PROFILE/driftlint"
# shellcheck source=bench/lib.sh
. "$ROOT/bench/lib.sh"

# project -> files to load, in C-locale order (see the corpus README).
declare -A SOURCES=(
    [lago-api]='schema/*.sql'
    [danbooru]='schema/*.sql'
    [openstreetmap-website]='schema/*.sql'
    [graphile-starter]='schema/*.sql'
    [pagila]='schema/*.sql'
    [crates-io]='migrations/*__up.sql'
    [trigger-dev]='migrations/*__migration.sql'
    [concourse]='migrations/*.up.sql'
    [harbor]='migrations/*.up.sql'
    [supabase-auth]='migrations/*.up.sql'
    [lemmy]='migrations/*__up.sql'
)
PROJECTS=${PROJECTS:-"lago-api danbooru openstreetmap-website graphile-starter pagila crates-io trigger-dev concourse harbor supabase-auth lemmy"}

[ -d "$CORPUS" ] || { say "no corpus at $CORPUS (set CORPUS=...)"; exit 2; }
command -v jq >/dev/null || { say "jq is needed to read the JSON reports"; exit 2; }

case $PROFILE in
    release) build_release ;;
    debug) (cd "$ROOT" && cargo build --quiet) ;;
    *) say "PROFILE must be release or debug"; exit 2 ;;
esac
WORK=$(mktemp -d /tmp/driftlint-roundtrip.XXXXXX)
trap 'stop_cluster "$WORK"' EXIT
trap 'exit 130' INT TERM
start_cluster "$WORK" || exit 2

seconds() { awk "BEGIN{printf \"%.2f\", $2 - $1}"; }

printf '%-22s %6s %6s %7s %6s %6s %6s  %s\n' project files errors tables enums drift pull/s check/s
false_drift=0
for project in $PROJECTS; do
    pattern=${SOURCES[$project]:-}
    [ -n "$pattern" ] || { say "unknown project $project"; exit 2; }
    db="rt_$(printf '%s' "$project" | tr -c 'a-z0-9\n' '_')"
    "$PG/psql" -X -q -h "$WORK" -U postgres -d postgres -c "CREATE DATABASE $db"
    # Some histories expect their own schema to exist already (supabase-auth: auth).
    "$PG/psql" -X -q -h "$WORK" -U postgres -d "$db" -c "CREATE SCHEMA IF NOT EXISTS auth" 2>/dev/null
    files=0
    errors=0
    while IFS= read -r file; do
        files=$((files + 1))
        count=$("$PG/psql" -X -q -h "$WORK" -U postgres -d "$db" -f "$CORPUS/$project/$file" 2>&1 >/dev/null |
            grep -c '^psql:.*ERROR' || true)
        errors=$((errors + count))
    done < <(cd "$CORPUS/$project" && LC_ALL=C ls $pattern | LC_ALL=C sort)
    url="postgresql://postgres@$SOCK/$db"
    start=$(date +%s.%N)
    # pull says "wrote FILE: N tables, M enums".
    enums=$("$BIN" pull --database-url "$url" --output "$WORK/$db.yaml" 2>&1 |
        sed -n 's/.* \([0-9]*\) enums$/\1/p')
    pulled=$(date +%s.%N)
    set +e
    "$BIN" check --schema "$WORK/$db.yaml" --database-url "$url" --strict --format json \
        >"$WORK/$db.json" 2>"$WORK/$db.err"
    rc=$?
    set -e
    checked=$(date +%s.%N)
    if [ "$rc" = 2 ]; then
        printf '%-22s %6s %6s  check could not run:\n' "$project" "$files" "$errors"
        head -n 8 "$WORK/$db.err"
        false_drift=$((false_drift + 1))
        continue
    fi
    tables=$(jq '.summary.tables_declared' "$WORK/$db.json")
    drift=$(jq '.summary.drift' "$WORK/$db.json")
    printf '%-22s %6s %6s %7s %6s %6s %6s  %s\n' "$project" "$files" "$errors" "$tables" "$enums" \
        "$drift" "$(seconds "$start" "$pulled")" "$(seconds "$pulled" "$checked")"
    if [ "$drift" != 0 ]; then
        false_drift=$((false_drift + drift))
        jq -r '.drift[:5][] | "    \(.kind) \(.schema).\(.table) \(.object // "") expected \(.expected // "-") found \(.actual // "-")"' \
            "$WORK/$db.json"
    fi
done
echo
if [ "$false_drift" = 0 ]; then
    echo "every pulled schema.yaml checks with zero drift against its database"
else
    echo "false drift or failures: $false_drift"
    exit 1
fi
