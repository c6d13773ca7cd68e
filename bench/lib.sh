# Shared by the bench scripts (source it): messages, a throwaway PostgreSQL cluster in a work
# directory, and its removal. Expects ROOT (the repository) to be set.

say() { printf '%s\n' "$*" >&2; }

# Runs a command as the postgres user when root (initdb refuses to run as root).
as_pg() {
    if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

# The directory of the PostgreSQL server binaries: DRIFTLINT_PG_BINDIR, pg_config --bindir, or
# the newest /usr/lib/postgresql/*/bin.
find_bindir() {
    if [ -n "${DRIFTLINT_PG_BINDIR:-}" ]; then echo "$DRIFTLINT_PG_BINDIR"; return; fi
    if command -v pg_config >/dev/null && [ -x "$(pg_config --bindir)/initdb" ]; then
        pg_config --bindir; return
    fi
    ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1
}

build_release() {
    say "building the release binary..."
    (cd "$ROOT" && cargo build --release --quiet)
}

# start_cluster WORK: a cluster in WORK/data listening only on a unix socket in WORK, tuned for
# speed over durability. Sets PG (the binaries) and SOCK (WORK, escaped for a URL host).
start_cluster() {
    local work=$1
    PG=$(find_bindir)
    [ -x "$PG/initdb" ] || { say "no PostgreSQL binaries found: apt-get install postgresql"; return 2; }
    [ "$(id -u)" = 0 ] && chown postgres "$work"
    say "starting a scratch cluster in $work ($PG)..."
    as_pg "$PG/initdb" -D "$work/data" -U postgres -A trust -E UTF8 --locale=C --no-sync >/dev/null ||
        return 2
    cat >>"$work/data/postgresql.conf" <<CONF
listen_addresses = ''
unix_socket_directories = '$work'
fsync = off
synchronous_commit = off
full_page_writes = off
autovacuum = off
shared_buffers = 256MB
max_locks_per_transaction = 1024
CONF
    as_pg "$PG/pg_ctl" -D "$work/data" -l "$work/server.log" -w start >/dev/null || return 2
    SOCK=$(printf '%s' "$work" | sed 's|/|%2F|g')
}

# stop_cluster WORK: stops the cluster of start_cluster, if running, and removes WORK.
stop_cluster() {
    local work=$1
    if [ -n "${PG:-}" ] && [ -f "$work/data/postmaster.pid" ]; then
        as_pg "$PG/pg_ctl" -D "$work/data" -m immediate stop >/dev/null 2>&1 || true
    fi
    rm -rf "$work"
}

# stage_project PROJECT WORK CORPUS: the directory to replay for one of the five replayable
# corpus projects (the corpus folder, or a staging copy in WORK).
stage_project() {
    local project=$1 WORK=$2 CORPUS=$3
    case "$project" in
        lemmy)
            # Lemmy runs its "replaceable schema" after the newest migration, in one transaction
            # (see corpus/lemmy/SOURCE.md): staged as a last migration that sorts after the rest.
            local dir="$WORK/stage-lemmy"
            mkdir -p "$dir"
            ln -s "$CORPUS"/lemmy/migrations/*__up.sql "$CORPUS"/lemmy/migrations/*__down.sql "$dir/"
            {
                printf 'DROP SCHEMA IF EXISTS r CASCADE;\nCREATE SCHEMA r;\n'
                cat "$CORPUS/lemmy/replaceable-schema/01__utils.sql"
                printf '\n'
                cat "$CORPUS/lemmy/replaceable-schema/02__triggers.sql"
            } >"$dir/9999-99-99-999999_replaceable_schema__up.sql"
            echo "$dir"
            ;;
        *) echo "$CORPUS/$project/migrations" ;;
    esac
}
