# shellcheck shell=bash
# Shared by the developer scripts in tools/: where the checkout is, how Odoo is
# run, and the Odoo options that reach the database.  Source it, do not run it.
#
# Settings read from the environment (the Makefile passes its variables on):
#   PYTHON           the interpreter that imports Odoo 19.0 (python3)
#   ADDONS_PATH      addons directories for Odoo; Odoo adds its own addons
#                    (default: .local/addons, where service_desk is linked)
#   SD_ODOO_RC       an Odoo configuration file whose db_* options (and
#   or ODOO_RC       anything else) are used instead of the local cluster
#   PGHOST PGPORT    an existing PostgreSQL server, see tools/postgres.sh
#   PGUSER PGPASSWORD

SD_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
SD_LOCAL="$SD_ROOT/.local"
PYTHON=${PYTHON:-python3}

sd_log() { echo "service_desk: $*" >&2; }
sd_die() { sd_log "$*"; exit 1; }

# Run a command as root: directly when we are root, else through sudo.
sd_as_root() {
    if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi
}

# The bin directory of the newest PostgreSQL from Debian's packages that has
# every program named (initdb when none is), else the one on PATH: a cluster
# made with its initdb is run with its pg_ctl.
sd_pg_bindir() {
    local dir program found
    for dir in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
        found=1
        for program in "${@:-initdb}"; do
            [ -x "$dir/$program" ] || found=0
        done
        [ "$found" = 1 ] && { echo "$dir"; return 0; }
    done
    program=$(command -v "${1:-initdb}") || return 1
    dirname "$program"
}

# Who owns the PostgreSQL clusters the scripts make: PostgreSQL refuses to run
# as root, so as root they belong to the postgres user.
sd_pg_owner() {
    if [ "$(id -u)" = 0 ]; then echo postgres; else id -un; fi
}

# Run a PostgreSQL program (initdb, pg_ctl, pg_basebackup, psql) as that owner.
sd_as_pg_owner() {
    if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

# Stop with one clear sentence when Odoo 19.0 cannot be imported.
sd_require_odoo() {
    local found
    if ! found=$("$PYTHON" -c 'import odoo.release as r; print(r.serie)' 2>/dev/null); then
        sd_die "Odoo 19.0 is not importable by $PYTHON: install an Odoo 19.0 source tree for it (for example 'pip install -e /path/to/odoo-19.0', or add the tree to PYTHONPATH) and run this again."
    fi
    if [ "$found" != "19.0" ]; then
        sd_die "$PYTHON imports Odoo $found, but service_desk needs Odoo 19.0: install an Odoo 19.0 source tree for it (for example 'pip install -e /path/to/odoo-19.0') and run this again."
    fi
}

# Odoo takes an addon's name from its directory.  The checkout may be named
# anything, so Odoo finds it as .local/addons/service_desk, a symlink to it.
sd_link_addon() {
    local link="$SD_LOCAL/addons/service_desk"
    mkdir -p "$SD_LOCAL/addons"
    if [ "$(readlink "$link" 2>/dev/null)" != "$SD_ROOT" ]; then
        ln -sfn "$SD_ROOT" "$link"
    fi
}

# The configuration file chosen by the developer, if any.
sd_odoo_rc() { echo "${SD_ODOO_RC:-${ODOO_RC:-}}"; }

# Fill the array SD_ODOO_OPTS with the options every Odoo command here needs:
# configuration file, database server, addons path and data directory.
# The database server is made available first (see tools/postgres.sh).
sd_odoo_options() {
    local rc pg
    sd_link_addon
    SD_ODOO_OPTS=()
    rc=$(sd_odoo_rc)
    if [ -n "$rc" ]; then
        [ -r "$rc" ] || sd_die "the Odoo configuration file $rc cannot be read."
        SD_ODOO_OPTS+=("--config=$rc")
    fi
    pg=$(bash "$SD_ROOT/tools/postgres.sh")
    # shellcheck disable=SC2206  # postgres.sh prints options without spaces
    SD_ODOO_OPTS+=($pg)
    SD_ODOO_OPTS+=("--addons-path=${ADDONS_PATH:-$SD_LOCAL/addons}")
    SD_ODOO_OPTS+=("--data-dir=$SD_LOCAL/data")
}

# Run an Odoo command (server, db, shell...) with the importable Odoo only:
# no console script is needed.
sd_odoo() { "$PYTHON" -m odoo "$@"; }

# Print whether the database exists: "yes" or "no".
sd_db_exists() {
    "$PYTHON" - "$1" "${SD_ODOO_OPTS[@]}" <<'PY'
import sys
from odoo.tools import config
name, options = sys.argv[1], sys.argv[2:]
config.parse_config(options + ["--http-interface=127.0.0.1"])
from odoo.service import db
print("yes" if db.exp_db_exist(name) else "no")
PY
}

# Print the state of the service_desk module in the database
# (installed, uninstalled, to upgrade...), or "missing" when it is unknown.
sd_module_state() {
    "$PYTHON" - "$1" "${SD_ODOO_OPTS[@]}" <<'PY'
import sys
from odoo.tools import config
name, options = sys.argv[1], sys.argv[2:]
config.parse_config(options + ["--http-interface=127.0.0.1"])
import odoo.sql_db
with odoo.sql_db.db_connect(name).cursor() as cr:
    cr.execute("SELECT state FROM ir_module_module WHERE name = 'service_desk'")
    row = cr.fetchone()
print(row[0] if row else "missing")
PY
}

# The checkout a demo database was made by: its path, recorded in the
# database's system parameter service_desk.demo_checkout ("" when unknown).
# A database is machine-wide, its filestore (attachments) is in the checkout
# that made it (.local/data).
SD_DEMO_CHECKOUT_PARAM=service_desk.demo_checkout
sd_demo_checkout() {
    "$PYTHON" - "$1" "$SD_DEMO_CHECKOUT_PARAM" "${SD_ODOO_OPTS[@]}" <<'PY'
import sys
from odoo.tools import config
name, key, options = sys.argv[1], sys.argv[2], sys.argv[3:]
config.parse_config(options + ["--http-interface=127.0.0.1"])
import odoo.sql_db
with odoo.sql_db.db_connect(name).cursor() as cr:
    cr.execute("SELECT value FROM ir_config_parameter WHERE key = %s", [key])
    row = cr.fetchone()
print(row[0] if row else "")
PY
}

# Record this checkout as the one that made the demo database.
sd_set_demo_checkout() {
    "$PYTHON" - "$1" "$SD_DEMO_CHECKOUT_PARAM" "$SD_ROOT" "${SD_ODOO_OPTS[@]}" <<'PY'
import sys
from odoo.tools import config
name, key, value, options = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]
config.parse_config(options + ["--http-interface=127.0.0.1"])
import odoo.sql_db
with odoo.sql_db.db_connect(name).cursor() as cr:
    cr.execute(
        """INSERT INTO ir_config_parameter (key, value, create_uid, write_uid, create_date, write_date)
           VALUES (%s, %s, 1, 1, now() at time zone 'UTC', now() at time zone 'UTC')
           ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value, write_date = EXCLUDED.write_date""",
        [key, value],
    )
PY
}

# Stop unless this checkout made the demo database DB.  The database is
# machine-wide, the filestore (attachments) is per checkout: reusing a demo
# database another checkout made would show its records with their files
# missing, and upgrade it with this checkout's code.  A database made here
# before the checkout was recorded (its filestore is here) is recorded now.
sd_check_demo_checkout() {
    local db=$1 made_by
    made_by=$(sd_demo_checkout "$db")
    [ "$made_by" = "$SD_ROOT" ] && return 0
    if [ -z "$made_by" ] && [ -d "$SD_LOCAL/data/filestore/$db" ]; then
        sd_set_demo_checkout "$db"
        return 0
    fi
    sd_die "the database $db was made by another checkout (${made_by:-one whose files are not in $SD_LOCAL/data}), not by $SD_ROOT; its attachments are not here. Either 'make drop-demo' (drops it: the other checkout loses its demo too) and run 'make demo' again, or choose another database: make demo DEMO_DB=service_desk_demo_$(basename "$SD_ROOT")"
}

# Install service_desk with demo data in a database, creating the database when
# it does not exist, and upgrade it when it is installed already.  Odoo's log
# is shown and kept in .local/log/install-DB.log.  Fails when the install
# fails, when the addon is not installed afterwards, or when Odoo loaded it
# without its demo data (Odoo only warns about that).
# The Python libraries the manifest's external_dependencies name: Odoo
# refuses to install the addon without them.  PyICU (segmentation.py) is
# built against Debian's ICU, with its headers and pkg-config.
sd_require_python_deps() {
    "$PYTHON" -c 'import icu' 2>/dev/null && return 0
    if ! command -v pkg-config >/dev/null 2>&1 || ! pkg-config --exists icu-i18n 2>/dev/null ||
            ! command -v g++ >/dev/null 2>&1; then
        sd_log "PyICU needs ICU's headers to build: installing libicu-dev, pkg-config and g++ from Debian's packages"
        { sd_as_root apt-get update -qq &&
            DEBIAN_FRONTEND=noninteractive sd_as_root apt-get install -y -qq libicu-dev pkg-config g++; } >&2 ||
            true  # said below
    fi
    sd_log "installing PyICU with pip (Thai, Chinese and Japanese words; about two minutes to build)"
    "$PYTHON" -m pip install --quiet PyICU >&2 ||
        sd_die "PyICU could not be installed: install Debian's libicu-dev and pkg-config, then 'pip install PyICU', and run this again."
}

sd_install() {
    local db=$1 log state
    shift
    sd_require_python_deps
    mkdir -p "$SD_LOCAL/log"
    log="$SD_LOCAL/log/install-$db.log"
    if ! sd_odoo server "${SD_ODOO_OPTS[@]}" -d "$db" --with-demo \
            -i service_desk "$@" --stop-after-init \
            --http-interface=127.0.0.1 --log-level=warn 2>&1 | tee "$log"; then
        sd_log "installing service_desk in $db failed: see the errors above ($log)."
        return 1
    fi
    state=$(sd_module_state "$db")
    if [ "$state" != installed ]; then
        sd_log "service_desk is '$state' in $db after the install: see the errors above ($log)."
        return 1
    fi
    if grep -q "demo data failed to install" "$log"; then
        sd_log "Odoo installed service_desk in $db WITHOUT its demo data, because loading it failed: see the error above ($log)."
        return 1
    fi
}

# Drop a database and its filestore; quiet, for cleanups.
sd_drop_db() {
    sd_odoo db "${SD_ODOO_OPTS[@]}" drop "$1" >>"$SD_LOCAL/log/drop.log" 2>&1
}

# Drop a script's throwaway database when it ends, unless KEEP_DB=1 keeps it;
# say so when it could not be dropped.
sd_drop_throwaway_db() {
    local db=$1
    if [ "${KEEP_DB:-}" = 1 ]; then
        sd_log "kept the database $db (KEEP_DB=1)"
    elif ! sd_drop_db "$db"; then
        [ "$(sd_db_exists "$db" 2>/dev/null)" = no ] ||
            sd_log "could not drop the database $db: see $SD_LOCAL/log/drop.log"
    fi
}

# Drop the throwaway database named by $db when the script ends, however it
# ends (scripts with more to clean up write their own cleanup around
# sd_drop_throwaway_db).
sd_trap_throwaway_db() {
    # shellcheck disable=SC2329  # called by the EXIT trap
    _sd_cleanup() {
        local status=$?
        trap - EXIT INT TERM
        sd_drop_throwaway_db "$db"
        exit "$status"
    }
    trap _sd_cleanup EXIT
    trap 'exit 130' INT
    trap 'exit 143' TERM
}
