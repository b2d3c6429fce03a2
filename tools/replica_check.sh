#!/usr/bin/env bash
# `make replica-check`: the desk's reads on a PostgreSQL replica, its writes on
# the primary, and what a replica that lags or stops does to them.
#
# 1. A throwaway primary cluster (tools/postgres.sh with SD_PGDATA pointing to
#    a new directory: Unix socket only, in that directory) gets service_desk
#    with its demo data.
# 2. It logs every statement from then on (ALTER SYSTEM log_statement = all),
#    and a second cluster is made its streaming hot standby: pg_basebackup -R
#    over the primary's socket (wal_level replica, a "local replication"
#    entry in pg_hba.conf), its own port and socket directory.
# 3. benchmarks/replica_check.py runs Odoo with --workers=2 and
#    --db_replica_host/--db_replica_port pointing to the standby, drives the
#    read-only routes and the writes, pauses the standby's replay, stops it
#    and starts it again, and checks from both servers' statement logs and
#    statistics where each read and write went (see its docstring).
#
# Both clusters, the database's filestore and the processes are removed at
# the end, also when the run fails or is interrupted; Odoo's log is kept in
# .local/log.  The developer's own PostgreSQL (PGHOST...) is not used: the
# check needs clusters it may stop.
#
#   KEEP_DB=1   leave both clusters running afterwards (their paths are printed)
set -euo pipefail
# shellcheck source=tools/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

sd_require_odoo
mkdir -p "$SD_LOCAL/log"
export SD_LOCAL
db="service_desk_replica_$(date +%Y%m%d_%H%M%S)_$$"

bindir=$(sd_pg_bindir pg_basebackup initdb) || sd_die "pg_basebackup and initdb were not found: install PostgreSQL (Debian's postgresql package) and run this again."

owner=$(sd_pg_owner)

work=$(mktemp -d "${TMPDIR:-/tmp}/service_desk_replica.XXXXXX")
chmod 755 "$work"
primary="$work/primary"
standby="$work/standby"
primary_port=5441
standby_port=5442

# shellcheck disable=SC2329  # called by the EXIT trap
cleanup() {
    local status=$?
    trap - EXIT INT TERM
    if [ -n "${check_pid:-}" ] && kill -0 "$check_pid" 2>/dev/null; then
        kill -TERM "$check_pid" 2>/dev/null || true # it stops its Odoo server
        wait "$check_pid" 2>/dev/null || true
    fi
    if [ "${KEEP_DB:-}" = 1 ]; then
        sd_log "kept the clusters: primary $primary (port $primary_port), standby $standby (port $standby_port), database $db; stop them with: $bindir/pg_ctl -D DIR stop"
    else
        for cluster in "$standby" "$primary"; do
            if [ -f "$cluster/PG_VERSION" ] && sd_as_pg_owner "$bindir/pg_ctl" -D "$cluster" status >/dev/null 2>&1; then
                sd_as_pg_owner "$bindir/pg_ctl" -D "$cluster" -m immediate -w stop >/dev/null 2>&1 ||
                    sd_log "could not stop the cluster in $cluster"
            fi
        done
        rm -rf "$work" "$SD_LOCAL/data/filestore/$db"
    fi
    exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# the primary: tools/postgres.sh makes and starts it, and gives Odoo's options
unset PGHOST PGPORT PGUSER PGPASSWORD SD_ODOO_RC ODOO_RC
export SD_PGDATA="$primary" SD_PGPORT="$primary_port"
mkdir -p "$primary"
[ "$(id -u)" = 0 ] && chown "$owner" "$primary"
sd_odoo_options

sd_log "installing service_desk with demo data in the throwaway database $db (primary cluster $primary)"
if ! sd_install "$db" >/dev/null 2>&1; then
    cat "$SD_LOCAL/log/install-$db.log" >&2 || true
    sd_die "installing service_desk in $db failed."
fi
rm -f "$SD_LOCAL/log/install-$db.log"

sd_log "making the standby: every statement logged from now on, pg_basebackup -R of the primary"
psql_primary() { sd_as_pg_owner "$bindir/psql" -h "$primary" -p "$primary_port" -U odoo -d postgres -qAt "$@"; }
grep -q "^local[[:space:]]\+replication" "$primary/pg_hba.conf" ||
    echo "local   replication     odoo                                    trust" >>"$primary/pg_hba.conf"
psql_primary -c "ALTER SYSTEM SET wal_level = 'replica'" \
    -c "ALTER SYSTEM SET log_statement = 'all'" \
    -c "ALTER SYSTEM SET log_line_prefix = '%m [%p] %a@%d '" \
    -c "ALTER SYSTEM SET hot_standby = on" >/dev/null
sd_as_pg_owner "$bindir/pg_ctl" -D "$primary" -l "$primary/server.log" -w restart >/dev/null
[ "$(psql_primary -c 'SHOW wal_level')" = replica ] || sd_die "the primary's wal_level is not replica"

mkdir -p "$standby"
chmod 700 "$standby"
[ "$(id -u)" = 0 ] && chown "$owner" "$standby"
sd_as_pg_owner "$bindir/pg_basebackup" -h "$primary" -p "$primary_port" -U odoo -D "$standby" -R -X stream -c fast
cat >>"$standby/postgresql.conf" <<CONF
# the standby's own socket and port
port = $standby_port
unix_socket_directories = '$standby'
CONF
sd_as_pg_owner "$bindir/pg_ctl" -D "$standby" -l "$standby/server.log" -w start >/dev/null
[ "$(sd_as_pg_owner "$bindir/psql" -h "$standby" -p "$standby_port" -U odoo -d postgres -qAt -c 'SELECT pg_is_in_recovery()')" = t ] ||
    sd_die "the standby is not in recovery"

sd_log "replica check: Odoo with workers reading from the standby, faults (a few minutes)"
cd "$SD_ROOT"
"$PYTHON" -m benchmarks.replica_check --database "$db" \
    --primary "$primary" --primary-port "$primary_port" \
    --standby "$standby" --standby-port "$standby_port" \
    --pg-ctl "$bindir/pg_ctl" --pg-user "$owner" -- "${SD_ODOO_OPTS[@]}" &
check_pid=$!
wait "$check_pid"
