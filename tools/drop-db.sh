#!/usr/bin/env bash
# `make drop-demo`: drop a database and its filestore.
set -euo pipefail
# shellcheck source=tools/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

[ $# = 1 ] || sd_die "usage: tools/drop-db.sh DATABASE"
sd_require_odoo
sd_odoo_options
if [ "$(sd_db_exists "$1")" = no ]; then
    sd_log "there is no database $1"
    exit 0
fi
mkdir -p "$SD_LOCAL/log"
sd_drop_db "$1" || sd_die "could not drop the database $1: see $SD_LOCAL/log/drop.log"
sd_log "dropped the database $1"
