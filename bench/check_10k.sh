#!/usr/bin/env bash
# check on a 10,000-table database: wall time, catalog queries, peak memory; migra side by side.
#
# Generates 10,000 tables (10 columns, a primary key, 2 more indexes and 1 foreign key each:
# 100,000 columns, 30,000 indexes, 10,000 foreign keys) on a throwaway PostgreSQL cluster, then
# runs `driftlint pull` and `driftlint check` against the pulled YAML with the release binary.
#
#   bench/check_10k.sh                 # everything on a scratch cluster (removed at exit)
#   TABLES=2000 bench/check_10k.sh     # a smaller run
#   EXPRESSION_INDEX=1 bench/check_10k.sh   # 2nd index on lower(name) WHERE email IS NOT NULL
#   BENCH_URL=postgres://... bench/check_10k.sh   # use an existing, EMPTY database instead
#   BEFORE_BIN=/tmp/driftlint-before bench/check_10k.sh   # also time another build of driftlint
#       (e.g. main's, copied aside) on the same database, alternating with this one, RUNS=3 each
#
# Needs: PostgreSQL server binaries (initdb, pg_ctl, psql), cargo. Optional: /usr/bin/time
# (peak memory), migra (`pip install migra psycopg2-binary`).
set -euo pipefail

TABLES=${TABLES:-10000}
if [ -n "${EXPRESSION_INDEX:-}" ]; then
    SECOND_INDEX='(lower(name)) WHERE email IS NOT NULL'
else
    SECOND_INDEX='(name, created_at DESC)'
fi
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BIN="${CARGO_TARGET_DIR:-$ROOT/target}/release/driftlint"
# shellcheck source=bench/lib.sh
. "$ROOT/bench/lib.sh"

build_release
WORK=$(mktemp -d /tmp/driftlint-bench.XXXXXX)
trap 'stop_cluster "$WORK"' EXIT
trap 'exit 130' INT TERM

if [ -n "${BENCH_URL:-}" ]; then
    URL=$BENCH_URL
    EMPTY_URL=""
    PSQL=(psql -X -q -v ON_ERROR_STOP=1 "$URL")
else
    start_cluster "$WORK" || { say "or set BENCH_URL"; exit 2; }
    URL="postgresql://postgres@$SOCK/bench"
    EMPTY_URL="postgresql+psycopg2://postgres@/empty?host=$WORK"
    "$PG/psql" -X -q -h "$WORK" -U postgres -d postgres -c "CREATE DATABASE bench" -c "CREATE DATABASE empty"
    PSQL=("$PG/psql" -X -q -v ON_ERROR_STOP=1 -h "$WORK" -U postgres -d bench)
fi

say "generating $TABLES tables..."
gen_start=$(date +%s.%N)
# Batches of 500 tables per transaction keep the lock table small.
"${PSQL[@]}" <<SQL
DO \$\$
DECLARE
    batch int := 500;
    first int;
    i int;
BEGIN
    FOR first IN 1..$TABLES BY batch LOOP
        FOR i IN first..least(first + batch - 1, $TABLES) LOOP
            EXECUTE format(
                'CREATE TABLE t%s (
                    id bigint PRIMARY KEY,
                    parent_id bigint %s,
                    name varchar(255) NOT NULL,
                    email text,
                    status smallint NOT NULL DEFAULT 0,
                    amount numeric(12,2),
                    payload jsonb,
                    tags text[],
                    created_at timestamptz NOT NULL DEFAULT now(),
                    updated_at timestamptz
                )', i, CASE WHEN i > 1 THEN format('REFERENCES t%s (id) ON DELETE CASCADE', i - 1)
                                         ELSE 'REFERENCES t1 (id)' END);
            EXECUTE format('CREATE INDEX ix_t%s_parent ON t%s (parent_id)', i, i);
            EXECUTE format('CREATE INDEX ix_t%s_name ON t%s $SECOND_INDEX', i, i);
        END LOOP;
        COMMIT;
    END LOOP;
END
\$\$;
SQL
gen_end=$(date +%s.%N)
say "generated in $(awk "BEGIN{printf \"%.1f\", $gen_end - $gen_start}") s"

YAML="$WORK/schema.yaml"
TIME_BIN=""
[ -x /usr/bin/time ] && TIME_BIN=/usr/bin/time

# Runs "$@" and prints "wall_seconds peak_rss_kb" on fd 3.
measure() {
    local log="$WORK/time.log"
    if [ -n "$TIME_BIN" ]; then
        "$TIME_BIN" -f '%e %M' -o "$log" "$@"
    else
        local s e; s=$(date +%s.%N); "$@"; e=$(date +%s.%N)
        echo "$(awk "BEGIN{printf \"%.2f\", $e - $s}") ?" >"$log"
    fi
}

set +e
measure "$BIN" pull --database-url "$URL" --output "$YAML" 2>/dev/null
pull_rc=$?
read -r pull_wall pull_rss < <(tail -n 1 "$WORK/time.log")
measure "$BIN" check --schema "$YAML" --database-url "$URL" --format json >"$WORK/check.json" 2>"$WORK/check.err"
check_rc=$?
read -r check_wall check_rss < <(tail -n 1 "$WORK/time.log")
# The same file with one column the database lacks, in the middle table: the drift report reads
# positions for that table only.
MIDDLE=$(( (TABLES + 1) / 2 ))
DRIFT_YAML="$WORK/drift.yaml"
awk -v key="  t$MIDDLE:" '
    { print }
    $0 == key { in_table = 1; next }
    in_table && $1 == "columns:" { print "      discovery_query_id: { type: bigint }"; in_table = 0 }
' "$YAML" >"$DRIFT_YAML"
measure "$BIN" check --schema "$DRIFT_YAML" --database-url "$URL" --format json >"$WORK/drift.json" 2>"$WORK/drift.err"
drift_rc=$?
read -r drift_wall drift_rss < <(tail -n 1 "$WORK/time.log")
set -e
[ "$pull_rc" = 0 ] || { say "pull failed ($pull_rc)"; exit 1; }

queries=$(grep -o '"catalog_queries": *[0-9]*' "$WORK/check.json" | grep -o '[0-9]*$' || echo "?")
drift=$(grep -o '"drift": *[0-9]*' "$WORK/check.json" | grep -o '[0-9]*$' || echo "?")
lines=$(wc -l <"$YAML")

echo
echo "driftlint on $TABLES tables ($((TABLES * 10)) columns, $((TABLES * 3)) indexes incl. primary keys, $TABLES foreign keys)"
echo "  second index per table: $SECOND_INDEX"
printf '  %-22s %s\n' "pull wall time:" "${pull_wall} s" \
    "pull peak RSS:" "$([ "$pull_rss" = "?" ] && echo "?" || echo "$((pull_rss / 1024)) MB")" \
    "pulled YAML:" "$lines lines" \
    "check wall time:" "${check_wall} s (exit $check_rc, drift $drift)" \
    "check peak RSS:" "$([ "$check_rss" = "?" ] && echo "?" || echo "$((check_rss / 1024)) MB")" \
    "catalog queries:" "$queries" \
    "check with 1 drift:" "${drift_wall} s (exit $drift_rc, drift $(grep -o '"drift": *[0-9]*' "$WORK/drift.json" | grep -o '[0-9]*$' || echo "?"))" \
    "  its peak RSS:" "$([ "$drift_rss" = "?" ] && echo "?" || echo "$((drift_rss / 1024)) MB")"
if [ "$check_rc" != 0 ]; then
    say "check did not come out clean:"; head -c 2000 "$WORK/check.json" >&2; cat "$WORK/check.err" >&2
fi

# BEFORE_BIN: both binaries, alternating, on the same database and files: the load step
# (DRIFTLINT_TIMINGS=1), wall time and peak memory of each check.
if [ -n "${BEFORE_BIN:-}" ]; then
    RUNS=${RUNS:-3}
    side="$WORK/side.txt"
    : >"$side"
    set +e
    for run in $(seq 1 "$RUNS"); do
        for label in before after; do
            bin=$BIN
            [ "$label" = before ] && bin=$BEFORE_BIN
            for file in check drift; do
                yaml=$YAML
                [ "$file" = drift ] && yaml=$DRIFT_YAML
                DRIFTLINT_TIMINGS=1 measure "$bin" check --schema "$yaml" --database-url "$URL" \
                    --format json >/dev/null 2>"$WORK/side.err"
                rc=$?
                read -r wall rss < <(tail -n 1 "$WORK/time.log")
                load=$(awk '/^timing: load schema.yaml/ { print $4 }' "$WORK/side.err")
                echo "$label $file $run ${load:-?} $wall $rss $rc" >>"$side"
            done
        done
    done
    set -e
    echo
    echo "side by side, $RUNS runs each, alternating (before: $BEFORE_BIN, after: $BIN)"
    printf '  %-7s %-6s %-24s %-22s %-18s %s\n' binary check "load step ms (min/med)" \
        "wall s (min/med)" "peak RSS MB (max)" exits
    for file in check drift; do
        for label in before after; do
            awk -v l="$label" -v f="$file" '
                function med(a, n,   i, j, t) {
                    for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (a[j] < a[i]) { t = a[i]; a[i] = a[j]; a[j] = t }
                    return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
                }
                $1 == l && $2 == f { n++; load[n] = $4; wall[n] = $5; if ($6 > rss) rss = $6; exits = exits $7 }
                END {
                    med_load = med(load, n); min_load = load[1]
                    med_wall = med(wall, n); min_wall = wall[1]
                    printf "  %-7s %-6s %-24s %-22s %-18s %s\n", l, f,
                        sprintf("%.1f / %.1f", min_load, med_load),
                        sprintf("%.2f / %.2f", min_wall, med_wall), int(rss / 1024), exits
                }' "$side"
        done
    done
fi

if command -v migra >/dev/null && [ -n "$EMPTY_URL" ]; then
    set +e
    measure migra --unsafe "$EMPTY_URL" "postgresql+psycopg2://postgres@/bench?host=$WORK" >/dev/null 2>"$WORK/migra.err"
    migra_rc=$?
    set -e
    read -r migra_wall migra_rss < <(tail -n 1 "$WORK/time.log")
    # migra exits 2 when it found differences (which it does: empty vs 10,000 tables).
    if [ "$migra_rc" != 0 ] && [ "$migra_rc" != 2 ]; then tail -n 3 "$WORK/migra.err" >&2; fi
    printf '  %-22s %s\n' "migra wall time:" "${migra_wall} s (exit $migra_rc)" \
        "migra peak RSS:" "$([ "$migra_rss" = "?" ] && echo "?" || echo "$((migra_rss / 1024)) MB")"
else
    echo "  (migra not installed or BENCH_URL given: pip install migra psycopg2-binary to compare)"
fi
