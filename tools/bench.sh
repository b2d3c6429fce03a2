#!/usr/bin/env bash
# `make bench`: install service_desk (without demo data) in a throwaway
# database, run every benchmark of benchmarks/ against it and print their
# table: what was measured, the two runs compared side by side, both times,
# their ratio and the target.  The database is dropped at the end.
#
#   BENCH_ARGS  scale and selection, e.g. "--agents 100 --tickets 200" or
#               "--only sla_deadline_cron" (see python3 -m benchmarks.bench -h)
#   KEEP_DB=1   keep the database afterwards (its name is printed)
#
# The yardstick, OCA's helpdesk_mgmt and helpdesk_mgmt_sla 19.0, is installed
# in the same database from their wheels on PyPI (downloaded once into
# .local/oca, never part of the addon), so that `ticket_creation_vs_oca`
# creates their tickets and ours side by side.
set -euo pipefail
# shellcheck source=tools/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

sd_require_odoo
sd_require_python_deps
oca="$SD_LOCAL/oca"
oca_modules=service_desk
if [ -d "$oca/addons/helpdesk_mgmt_sla" ] || {
    sd_log "downloading the OCA yardstick (helpdesk_mgmt, helpdesk_mgmt_sla 19.0) from PyPI into $oca"
    "$PYTHON" -m pip download --quiet --no-deps --only-binary=:all: --dest "$oca/wheels" \
        'odoo-addon-helpdesk_mgmt==19.0.*' 'odoo-addon-helpdesk_mgmt_sla==19.0.*' &&
    "$PYTHON" - "$oca" <<'PY'
import pathlib, shutil, sys, zipfile
oca = pathlib.Path(sys.argv[1])
unpacked = oca / "unpacked"
shutil.rmtree(unpacked, ignore_errors=True)
for wheel in sorted((oca / "wheels").glob("odoo_addon_helpdesk_mgmt*.whl")):
    zipfile.ZipFile(wheel).extractall(unpacked)
shutil.rmtree(oca / "addons", ignore_errors=True)
shutil.move(unpacked / "odoo" / "addons", oca / "addons")
shutil.rmtree(unpacked)
PY
}; then
    ADDONS_PATH="${ADDONS_PATH:-$SD_LOCAL/addons},$oca/addons"
    oca_modules=service_desk,helpdesk_mgmt_sla
else
    sd_log "the OCA yardstick could not be downloaded: ticket_creation_vs_oca will fail"
fi
sd_odoo_options
mkdir -p "$SD_LOCAL/log"
db="service_desk_bench_$(date +%Y%m%d_%H%M%S)_$$"

sd_trap_throwaway_db

sd_log "installing $oca_modules in the throwaway database $db"
log="$SD_LOCAL/log/install-$db.log"
if ! sd_odoo server "${SD_ODOO_OPTS[@]}" -d "$db" -i "$oca_modules" --stop-after-init \
        --http-interface=127.0.0.1 --log-level=warn >"$log" 2>&1; then
    cat "$log" >&2
    sd_die "installing service_desk in $db failed ($log)."
fi
[ "$(sd_module_state "$db")" = installed ] || { cat "$log" >&2; sd_die "service_desk is not installed in $db ($log)."; }
rm -f "$log"

sd_log "running the benchmarks (a few minutes on two cores at the default scale)"
cd "$SD_ROOT"
# shellcheck disable=SC2086  # BENCH_ARGS is a list of options
"$PYTHON" -m benchmarks.bench --database "$db" ${BENCH_ARGS:-} -- "${SD_ODOO_OPTS[@]}" --http-interface=127.0.0.1
