#!/usr/bin/env bash
# `make load`: install service_desk with its demo data in a throwaway
# database, then run benchmarks/load.py against it: Odoo with several workers
# on 127.0.0.1 and a free port, bounded concurrent clients, workers killed in
# the middle of ticket creations and a PostgreSQL restart, the figures and the
# consistency checks.  The server is stopped and the database dropped at the
# end, also when the run fails or is interrupted.
#
# PostgreSQL: the load test restarts it.  On the local cluster that would cut
# off every other database of the developer (a demo being served, tests
# running), so the run gets a cluster of its own (tools/postgres.sh with
# SD_PGDATA pointing to a new directory), stopped and removed at the end.  With
# an existing server (PGHOST/PGPORT/PGUSER, SD_ODOO_RC/ODOO_RC) the database is
# made there and the restart is skipped, which the run says.
#
#   LOAD_ARGS   e.g. "--clients 8 --requests 50 --workers 4 --time-limit 120",
#               "--no-faults", "--kills 5", "--db-restart-mode immediate"
#               (see python3 -m benchmarks.load -h)
#   KEEP_DB=1   keep the database afterwards (its name is printed; the run's
#               own cluster is then left running)
#   SD_LOAD_MODULE  the Python module run against the database (default
#               benchmarks.load; tools/bench_api.sh runs benchmarks.bench_api)
set -euo pipefail
# shellcheck source=tools/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

sd_require_odoo
mkdir -p "$SD_LOCAL/log"
export SD_LOCAL
db="service_desk_load_$(date +%Y%m%d_%H%M%S)_$$"

pgdata=""
load_args=()
if [ -z "${SD_ODOO_RC:-}${ODOO_RC:-}${PGHOST:-}${PGPORT:-}${PGUSER:-}" ]; then
    pgdata=$(mktemp -d "${TMPDIR:-/tmp}/service_desk_load_pg.XXXXXX")
    export SD_PGDATA=$pgdata
fi

# shellcheck disable=SC2329  # called by the EXIT trap
cleanup() {
    local status=$?
    trap - EXIT INT TERM
    if [ -n "${load_pid:-}" ] && kill -0 "$load_pid" 2>/dev/null; then
        kill -TERM "$load_pid" 2>/dev/null || true   # it stops its Odoo server
        wait "$load_pid" 2>/dev/null || true
    fi
    if [ -n "$pgdata" ] && [ -f "$pgdata/PG_VERSION" ] && [ "${KEEP_DB:-}" = 1 ]; then
        sd_log "kept the database $db in the cluster $pgdata (socket and data there, port ${SD_PGPORT:-5439}); stop it with: $(sd_pg_bindir)/pg_ctl -D $pgdata stop"
    elif [ -n "$pgdata" ]; then
        cp "$pgdata/server.log" "$SD_LOCAL/log/load-$db-postgresql.log" 2>/dev/null || true
        # the cluster goes away with the database in it: only its filestore is left to remove
        if [ -f "$pgdata/PG_VERSION" ] && sd_as_pg_owner "$(sd_pg_bindir)/pg_ctl" -D "$pgdata" status >/dev/null 2>&1 &&
            ! sd_as_pg_owner "$(sd_pg_bindir)/pg_ctl" -D "$pgdata" -m immediate -w stop >/dev/null 2>&1; then
            sd_log "could not stop the load test's PostgreSQL cluster in $pgdata: left as it is"
        else
            rm -rf "$pgdata"
        fi
        rm -rf "$SD_LOCAL/data/filestore/$db"
    else
        sd_drop_throwaway_db "$db"
    fi
    exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

sd_odoo_options
if [ -n "$pgdata" ]; then
    load_args=(--pg-data "$pgdata" --pg-ctl "$(sd_pg_bindir)/pg_ctl")
fi

sd_log "installing service_desk with demo data in the throwaway database $db"
if ! sd_install "$db" >/dev/null 2>&1; then
    cat "$SD_LOCAL/log/install-$db.log" >&2 || true
    sd_die "installing service_desk in $db failed."
fi
rm -f "$SD_LOCAL/log/install-$db.log"

module=${SD_LOAD_MODULE:-benchmarks.load}
sd_log "$module: Odoo with workers on 127.0.0.1, bounded clients (at most a few minutes)"
cd "$SD_ROOT"
# shellcheck disable=SC2086  # LOAD_ARGS is a list of options
"$PYTHON" -m "$module" --database "$db" ${load_args[@]+"${load_args[@]}"} ${LOAD_ARGS:-} -- "${SD_ODOO_OPTS[@]}" &
load_pid=$!
wait "$load_pid"
