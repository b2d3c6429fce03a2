#!/usr/bin/env bash
# `make check-upgrade`: the life of service_desk in a database, without demo
# data, the way a customer's database goes through it:
#   1. install service_desk in a throwaway database;
#   2. create tickets, a team, settings, and edit records the addon ships
#      (tools/check_upgrade.py prepare);
#   3. upgrade it (-u service_desk) and check nothing was lost or reset
#      (tools/check_upgrade.py verify);
#   4. uninstall it and check its menus, crons, models, tables and SQL
#      objects are gone (tools/check_upgrade.py uninstall).
# The database is dropped at the end, whatever happened.  KEEP_DB=1 keeps it.
set -euo pipefail
# shellcheck source=tools/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

sd_require_odoo
sd_require_python_deps
sd_odoo_options
mkdir -p "$SD_LOCAL/log"
db="service_desk_upgrade_$(date +%Y%m%d_%H%M%S)_$$"
log="$SD_LOCAL/log/check-upgrade-$db.log"

# shellcheck disable=SC2329  # called by the EXIT trap
cleanup() {
    local status=$?
    trap - EXIT INT TERM
    sd_drop_throwaway_db "$db"
    [ "$status" = 0 ] && rm -f "$log"
    exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

odoo_step() {
    local what=$1
    shift
    sd_log "$what"
    if ! sd_odoo server "${SD_ODOO_OPTS[@]}" -d "$db" "$@" --stop-after-init \
            --http-interface=127.0.0.1 --log-level=warn >>"$log" 2>&1; then
        tail -n 40 "$log" >&2
        sd_die "$what failed: see $log"
    fi
    if grep -E " (ERROR|CRITICAL) " "$log" >&2; then
        sd_die "$what logged errors: see $log"
    fi
}
check_step() {
    local step=$1
    shift
    "$PYTHON" "$SD_ROOT/tools/check_upgrade.py" "$step" "$db" "${SD_ODOO_OPTS[@]}" --log-level=warn "$@" 2>&1 |
        tee -a "$log" >&2
    return "${PIPESTATUS[0]}"
}

odoo_step "installing service_desk without demo data in the throwaway database $db" -i service_desk
[ "$(sd_module_state "$db")" = installed ] || sd_die "service_desk is not installed in $db: see $log"
check_step prepare
odoo_step "upgrading service_desk (-u service_desk)" -u service_desk
check_step verify
sd_log "uninstalling service_desk"
# Odoo first deletes the records the addon shipped one by one; the stages and
# SLA policies the tickets still point to refuse, and go with their tables a
# moment later.  PostgreSQL's refusals are logged by odoo.sql_db as errors:
# they are muted here, the checks after the uninstall tell what is left.
check_step uninstall --log-handler=odoo.sql_db:CRITICAL
sd_log "upgrade and uninstall checks passed"
