#!/usr/bin/env bash
# `make core-tests`: Odoo's own test suites of the addons service_desk extends,
# run in a throwaway database where service_desk is installed with demo data,
# to show that installing the desk changes nothing they rely on.  The suites
# are those of the manifest's "depends", but mail's (an hour on two cores,
# and every addon of Odoo exercises mail), plus resource, which the desk's
# calendars extend.  Odoo's own log is kept in .local/log; the command exits
# non-zero when a test fails or errs.
#
#   CORE_SUITES  the addons whose suites run, e.g. "portal rating"
#   KEEP_DB=1    keep the database afterwards (its name is printed)
set -euo pipefail
# shellcheck source=tools/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

sd_require_odoo
sd_require_python_deps

if [ -z "${CORE_SUITES:-}" ]; then
    CORE_SUITES=$("$PYTHON" - "$SD_ROOT/__manifest__.py" <<'PY'
import ast
import sys

with open(sys.argv[1], encoding="utf-8") as file:
    manifest = ast.literal_eval(file.read())
suites = [name for name in manifest["depends"] if name != "mail"]
print(" ".join(dict.fromkeys([*suites, "resource"])))
PY
)
fi
read -r -a suites <<<"$CORE_SUITES"
[ ${#suites[@]} -gt 0 ] || sd_die "CORE_SUITES names no addon."
modules=$(IFS=,; echo "${suites[*]},service_desk")
tags=$(printf '/%s,' "${suites[@]}"); tags=${tags%,}

sd_odoo_options
mkdir -p "$SD_LOCAL/log"
db="service_desk_core_$(date +%Y%m%d_%H%M%S)_$$"
log="$SD_LOCAL/log/core-tests-$db.log"
sd_trap_throwaway_db

sd_log "running Odoo's test suites of ${suites[*]} with service_desk installed, in $db (log: $log)"
status=0
sd_odoo server "${SD_ODOO_OPTS[@]}" -d "$db" --with-demo -i "$modules" --test-tags "$tags" \
    --stop-after-init --http-interface=127.0.0.1 --log-level=info >"$log" 2>&1 || status=$?
grep -E "odoo\.tests\.(stats|result)|^FAIL|^ERROR| ERROR .*(FAIL|Test)" "$log" >&2 || true
if [ "$status" != 0 ] || ! grep -q "odoo.tests.result: 0 failed, 0 error(s)" "$log"; then
    sd_die "Odoo's own tests failed with service_desk installed: see $log"
fi
sd_log "Odoo's own test suites of ${suites[*]} pass with service_desk installed"
