#!/usr/bin/env bash
# `make load`: install service_desk with its demo data in a throwaway
# database, then run benchmarks/load.py against it: Odoo with several workers
# on 127.0.0.1 and a free port, bounded concurrent clients, the figures and
# the consistency checks.  The server is stopped and the database dropped at
# the end, also when the run fails or is interrupted.
#
#   LOAD_ARGS   e.g. "--clients 8 --requests 50 --workers 4 --time-limit 120"
#               (see python3 -m benchmarks.load -h)
#   KEEP_DB=1   keep the database afterwards (its name is printed)
set -euo pipefail
# shellcheck source=tools/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

sd_require_odoo
sd_odoo_options
mkdir -p "$SD_LOCAL/log"
export SD_LOCAL
db="service_desk_load_$(date +%Y%m%d_%H%M%S)_$$"

# shellcheck disable=SC2329  # called by the EXIT trap
cleanup() {
    local status=$?
    trap - EXIT INT TERM
    if [ -n "${load_pid:-}" ] && kill -0 "$load_pid" 2>/dev/null; then
        kill -TERM "$load_pid" 2>/dev/null || true   # it stops its Odoo server
        wait "$load_pid" 2>/dev/null || true
    fi
    sd_drop_throwaway_db "$db"
    exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

sd_log "installing service_desk with demo data in the throwaway database $db"
if ! sd_install "$db" >/dev/null 2>&1; then
    cat "$SD_LOCAL/log/install-$db.log" >&2 || true
    sd_die "installing service_desk in $db failed."
fi
rm -f "$SD_LOCAL/log/install-$db.log"

sd_log "load test: Odoo with workers on 127.0.0.1, bounded clients (at most a few minutes)"
cd "$SD_ROOT"
# shellcheck disable=SC2086  # LOAD_ARGS is a list of options
"$PYTHON" -m benchmarks.load --database "$db" ${LOAD_ARGS:-} -- "${SD_ODOO_OPTS[@]}" &
load_pid=$!
wait "$load_pid"
