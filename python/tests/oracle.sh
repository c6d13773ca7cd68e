#!/usr/bin/env bash
# The oracle test of driftlint's SQLAlchemy and Alembic support, with real packages and a real
# PostgreSQL:
#   - a virtualenv with SQLAlchemy, Alembic, psycopg and asyncpg from PyPI, and
#     driftlint-sqlalchemy installed from this checkout (python/driftlint-sqlalchemy);
#   - the exporter's own pytest suite;
#   - a scratch PostgreSQL cluster on a unix socket in a temporary directory (no TCP port);
#   - python/tests/oracle.py: for the runbooks' models and a model set using every feature,
#     create_all, `check --strict --models`: zero drift; objects dropped by hand: exactly those
#     reported; `repair --format alembic` applied twice by a real Alembic (asyncpg): clean again.
# Uses the debug binary `cargo test` built (target/debug/driftlint; DRIFTLINT=... to change it).
# The last line is "N passed, M failed"; the exit status is 1 when M > 0.
# KEEP_ORACLE_TMP=1 keeps the temporary directory.
set -uo pipefail
cd "$(dirname "$0")/../.."
root=$PWD
driftlint=${DRIFTLINT:-$root/target/debug/driftlint}

fail_setup() {
  echo "FAILED $1"
  [ -s "${work:-/nonexistent}/setup.log" ] && tail -n 30 "$work/setup.log" | sed 's/^/       | /'
  echo "0 passed, 1 failed"
  exit 1
}

[ -x "$driftlint" ] || fail_setup "no driftlint binary at $driftlint (run cargo build or cargo test first)"

work=$(mktemp -d "${TMPDIR:-/tmp}/driftlint-oracle.XXXXXX")
chmod 755 "$work"
as_postgres() {
  if [ "$(id -u)" = 0 ]; then
    su postgres -s /bin/sh -c "$*"
  else
    sh -c "$*"
  fi
}
cleanup() {
  if [ -f "$work/pg/data/postmaster.pid" ]; then
    as_postgres "'$bindir/pg_ctl' -D '$work/pg/data' -m immediate stop" >/dev/null 2>&1
  fi
  if [ "${KEEP_ORACLE_TMP:-}" = 1 ]; then echo "oracle: keeping $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT

# The virtualenv -------------------------------------------------------------------------------
started=$SECONDS
export PIP_DISABLE_PIP_VERSION_CHECK=1
python3 -m venv "$work/venv" >"$work/setup.log" 2>&1 || fail_setup "python3 -m venv (install python3-venv)"
"$work/venv/bin/pip" install --quiet "SQLAlchemy[asyncio]>=2,<3" alembic "psycopg[binary]" asyncpg pytest PyYAML \
  "$root/python/driftlint-sqlalchemy" >>"$work/setup.log" 2>&1 ||
  fail_setup "pip install SQLAlchemy, Alembic, psycopg, asyncpg and driftlint-sqlalchemy"
echo "oracle: $("$work/venv/bin/python" -c 'import sqlalchemy, alembic, psycopg, asyncpg; print("SQLAlchemy", sqlalchemy.__version__, "Alembic", alembic.__version__, "psycopg", psycopg.__version__, "asyncpg", asyncpg.__version__)'), ready after $((SECONDS - started)) s"

# The scratch PostgreSQL cluster ---------------------------------------------------------------
bindir=${DRIFTLINT_PG_BINDIR:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)}
[ -x "$bindir/initdb" ] || bindir=$(dirname "$(command -v initdb 2>/dev/null || echo /nonexistent/initdb)")
[ -x "$bindir/initdb" ] || fail_setup "no PostgreSQL server binaries (initdb, pg_ctl)"
mkdir -p "$work/pg"
[ "$(id -u)" = 0 ] && chown postgres "$work/pg"
as_postgres "'$bindir/initdb' -D '$work/pg/data' -A trust -U postgres --no-sync" >>"$work/setup.log" 2>&1 ||
  fail_setup "initdb"
as_postgres "'$bindir/pg_ctl' -D '$work/pg/data' -w -l '$work/pg/log' -o \"-k '$work/pg' -c listen_addresses='' -c fsync=off\" start" \
  >>"$work/setup.log" 2>&1 || { cat "$work/pg/log" >>"$work/setup.log" 2>/dev/null; fail_setup "pg_ctl start"; }

# The checks -----------------------------------------------------------------------------------
ORACLE_SOCKET=$work/pg ORACLE_WORK=$work DRIFTLINT=$driftlint \
  "$work/venv/bin/python" "$root/python/tests/oracle.py"
