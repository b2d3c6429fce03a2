#!/usr/bin/env bash
# `make demo`: a database with demo data and service_desk, served on
# http://$HTTP_INTERFACE:$HTTP_PORT until Ctrl-C.
#
# The database ($DEMO_DB) is created with demo data the first time and reused
# afterwards; each run installs service_desk when it is missing and upgrades
# it (-u) otherwise, so the demo follows the code of the checkout.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

DEMO_DB=${DEMO_DB:-service_desk_demo}
HTTP_PORT=${HTTP_PORT:-8069}
HTTP_INTERFACE=${HTTP_INTERFACE:-127.0.0.1}

sd_require_odoo
sd_odoo_options
mkdir -p "$SD_LOCAL/log"

if [ "$(sd_db_exists "$DEMO_DB")" = yes ]; then
    sd_log "reusing the database $DEMO_DB: installing or upgrading service_desk"
else
    sd_log "creating the database $DEMO_DB with demo data and service_desk (a minute or two)"
fi
# -i installs the addon where it is missing, -u upgrades it where it is there;
# --with-demo only matters for a database that does not exist yet.
sd_odoo server "${SD_ODOO_OPTS[@]}" -d "$DEMO_DB" --with-demo \
    -i service_desk -u service_desk --stop-after-init \
    --http-interface="$HTTP_INTERFACE" --log-level=warn
state=$(sd_module_state "$DEMO_DB")
[ "$state" = installed ] || sd_die "service_desk is '$state' in $DEMO_DB after the install: see the errors above."

url="http://$HTTP_INTERFACE:$HTTP_PORT"
cat <<EOF

  service_desk demo: $url  (database $DEMO_DB)

    manager          admin  / admin
    agent            agent  / agent
    portal customer  portal / portal   (portal at $url/my)

  Ctrl-C stops the server; the database stays for the next 'make demo'.

EOF
exec "$PYTHON" -m odoo server "${SD_ODOO_OPTS[@]}" -d "$DEMO_DB" \
    --db-filter="^${DEMO_DB}\$" \
    --http-interface="$HTTP_INTERFACE" --http-port="$HTTP_PORT" \
    --log-level="${LOG_LEVEL:-info}"
