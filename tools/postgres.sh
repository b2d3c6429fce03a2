#!/usr/bin/env bash
# Make a PostgreSQL server available to Odoo and print the Odoo command-line
# options that reach it (--db_host=... --db_port=... --db_user=...).
#
# - PGHOST / PGPORT / PGUSER / PGPASSWORD set: that server is used as it is.
# - SD_ODOO_RC or ODOO_RC (an Odoo configuration file) set: its db_* options
#   are used, and nothing is printed.
# - otherwise a private cluster (the embedded default) is created once and
#   started when it is not running: data in $SD_PGDATA, reachable only through
#   a Unix socket in that directory, port $SD_PGPORT, superuser "odoo".
# PostgreSQL itself is installed from Debian's packages when it is missing.
set -euo pipefail

# shellcheck source=tools/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

if [ -n "${SD_ODOO_RC:-}${ODOO_RC:-}" ]; then
    exit 0  # the configuration file carries the connection options
fi
if [ -n "${PGHOST:-}${PGPORT:-}${PGUSER:-}" ]; then
    opts=""
    [ -n "${PGHOST:-}" ] && opts="$opts --db_host=$PGHOST"
    [ -n "${PGPORT:-}" ] && opts="$opts --db_port=$PGPORT"
    [ -n "${PGUSER:-}" ] && opts="$opts --db_user=$PGUSER"
    [ -n "${PGPASSWORD:-}" ] && opts="$opts --db_password=$PGPASSWORD"
    echo "$opts"
    exit 0
fi

bindir=$(sd_pg_bindir || true)
if [ -z "$bindir" ]; then
    sd_log "PostgreSQL is missing: installing it from Debian's packages"
    sd_as_root apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive sd_as_root apt-get install -y -qq postgresql postgresql-client >&2
    bindir=$(sd_pg_bindir)
fi

owner=$(sd_pg_owner)
if [ "$(id -u)" = 0 ]; then
    default_data=/var/lib/postgresql/service_desk
else
    default_data="${XDG_DATA_HOME:-$HOME/.local/share}/service_desk/pgdata"
fi
data="${SD_PGDATA:-$default_data}"
port="${SD_PGPORT:-5439}"

if [ ! -f "$data/PG_VERSION" ]; then
    sd_log "creating the local PostgreSQL cluster in $data"
    mkdir -p "$data"
    [ "$(id -u)" = 0 ] && chown "$owner" "$data"
    sd_as_pg_owner "$bindir/initdb" -D "$data" -U odoo --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
    cat >> "$data/postgresql.conf" <<CONF
listen_addresses = ''
unix_socket_directories = '$data'
port = $port
synchronous_commit = off
CONF
fi
if ! sd_as_pg_owner "$bindir/pg_ctl" -D "$data" status >/dev/null 2>&1; then
    sd_log "starting the local PostgreSQL cluster ($data, port $port)"
    sd_as_pg_owner "$bindir/pg_ctl" -D "$data" -l "$data/server.log" -w -t 60 start >/dev/null
fi
echo "--db_host=$data --db_port=$port --db_user=odoo"
