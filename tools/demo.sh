#!/usr/bin/env bash
# `make demo`: a database with demo data and service_desk, served on
# http://$HTTP_INTERFACE:$HTTP_PORT until Ctrl-C.
#
# The database ($DEMO_DB) is created with demo data the first time and reused
# afterwards; each run installs service_desk when it is missing and upgrades
# it (-u) otherwise, so the demo follows the code of the checkout.  A database
# made by another checkout (recorded in its system parameter
# service_desk.demo_checkout) is not reused: the run stops and says so.
set -euo pipefail
# shellcheck source=tools/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

DEMO_DB=${DEMO_DB:-service_desk_demo}
HTTP_PORT=${HTTP_PORT:-8069}
HTTP_INTERFACE=${HTTP_INTERFACE:-127.0.0.1}

sd_require_odoo
if ! command -v wkhtmltopdf >/dev/null 2>&1; then
    # Odoo prints PDF reports (the customer service review) with wkhtmltopdf
    sd_log "wkhtmltopdf is missing (PDF reports need it): installing it from Debian's packages"
    { sd_as_root apt-get update -qq && DEBIAN_FRONTEND=noninteractive sd_as_root apt-get install -y -qq wkhtmltopdf; } >&2 ||
        sd_log "wkhtmltopdf could not be installed: PDF reports will be offered as HTML only."
fi
if command -v fc-list >/dev/null 2>&1 && ! { fc-list :lang=th | grep -q . && fc-list :lang=zh-cn | grep -q .; }; then
    # the demo's Thai and Chinese customers get their PDFs (and screens) in their script
    sd_log "fonts for Thai and Chinese are missing: installing fonts-thai-tlwg and fonts-wqy-zenhei from Debian's packages"
    { sd_as_root apt-get update -qq &&
        DEBIAN_FRONTEND=noninteractive sd_as_root apt-get install -y -qq fonts-thai-tlwg fonts-wqy-zenhei; } >&2 ||
        sd_log "the fonts could not be installed: Thai and Chinese will print as empty boxes in PDFs."
fi
sd_odoo_options

port_free() {
    "$PYTHON" - "$HTTP_INTERFACE" "$HTTP_PORT" <<'PY'
import socket, sys
with socket.socket() as s:
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        s.bind((sys.argv[1], int(sys.argv[2])))
    except OSError:
        sys.exit(1)
PY
}
check_port() {
    port_free || sd_die "port $HTTP_PORT of $HTTP_INTERFACE is in use: stop what listens there, or choose another port (make demo HTTP_PORT=8070)."
}
check_port

if [ "$(sd_db_exists "$DEMO_DB")" = yes ]; then
    sd_check_demo_checkout "$DEMO_DB"
    sd_log "reusing the database $DEMO_DB: installing or upgrading service_desk"
    # -i installs the addon where it is missing, -u upgrades it where it is there
    sd_install "$DEMO_DB" -u service_desk ||
        sd_die "the demo database $DEMO_DB is left as it is; 'make drop-demo' starts it afresh."
else
    sd_log "creating the database $DEMO_DB with demo data and service_desk (a minute or two)"
    if ! sd_install "$DEMO_DB"; then
        sd_drop_db "$DEMO_DB" || true
        sd_die "dropped the half-made database $DEMO_DB; fix the error above and run 'make demo' again."
    fi
    sd_set_demo_checkout "$DEMO_DB"
fi

check_port  # again: the install took a while
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
