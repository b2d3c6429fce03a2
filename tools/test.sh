#!/usr/bin/env bash
# `make test`: install service_desk with demo data in a throwaway database, run
# its tests with pytest-odoo (HttpCase tours in headless Chromium), drop the
# database, and exit with pytest's status.  A skipped test counts as a failure
# (tests/conftest.py).
#
#   TESTS        what to run: test files (tests/test_x.py), pytest node ids
#                (tests/test_x.py::TestX::test_y) or module names
#                (odoo.addons.service_desk.tests.test_x); default: all tests
#   PYTEST_ARGS  more pytest options, e.g. "-k sla -x"
#   TEST_LOG_LEVEL  Odoo's log level during the tests (warn); shown for failures
#   KEEP_DB=1    keep the database afterwards (its name is printed)
set -euo pipefail
# shellcheck source=tools/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

sd_require_odoo

# --- what the tests need besides Odoo ---------------------------------------

find_browser() {
    local b
    for b in google-chrome chromium chromium-browser google-chrome-stable; do
        command -v "$b" >/dev/null 2>&1 && return 0
    done
    return 1
}
if ! find_browser; then
    sd_log "Chromium is missing (tours need it): installing it from Debian's packages"
    sd_as_root apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive sd_as_root apt-get install -y -qq chromium >&2
    find_browser || sd_die "Chromium could not be installed: install Debian's 'chromium' package and run this again."
fi
if ! command -v wkhtmltopdf >/dev/null 2>&1; then
    # the service review's test prints its PDF with it, as Odoo does
    sd_log "wkhtmltopdf is missing (PDF reports need it): installing it from Debian's packages"
    { sd_as_root apt-get update -qq && DEBIAN_FRONTEND=noninteractive sd_as_root apt-get install -y -qq wkhtmltopdf; } >&2 ||
        true  # said below
    command -v wkhtmltopdf >/dev/null 2>&1 ||
        sd_die "wkhtmltopdf could not be installed: install Debian's 'wkhtmltopdf' package and run this again."
fi
missing=()
"$PYTHON" -c 'import pytest_odoo' 2>/dev/null || missing+=(pytest-odoo)
"$PYTHON" -c 'import websocket' 2>/dev/null || missing+=(websocket-client)
if [ ${#missing[@]} -gt 0 ]; then
    sd_log "installing ${missing[*]} with pip"
    "$PYTHON" -m pip install --quiet "${missing[@]}" >&2
fi

# --- the throwaway database ---------------------------------------------------

sd_odoo_options
mkdir -p "$SD_LOCAL/log"
db="service_desk_test_$(date +%Y%m%d_%H%M%S)_$$"

sd_trap_throwaway_db

sd_log "installing service_desk with demo data in the throwaway database $db"
sd_install "$db" || exit 1
rm -f "$SD_LOCAL/log/install-$db.log"

# --- the tests ------------------------------------------------------------------

# pytest-odoo takes Odoo's options as --odoo-<name> / --odoo-extra=<name>=value.
pytest_odoo=(--odoo-database="$db" --odoo-http
             --odoo-log-level="${TEST_LOG_LEVEL:-warn}"
             --odoo-extra=http-interface=127.0.0.1)
for opt in "${SD_ODOO_OPTS[@]}"; do
    case "$opt" in
        --config=*) pytest_odoo+=(--odoo-config="${opt#--config=}") ;;
        --addons-path=*) pytest_odoo+=(--odoo-addons-path="${opt#--addons-path=}") ;;
        --*) pytest_odoo+=(--odoo-extra="${opt#--}") ;;
    esac
done

# The tests are named as Odoo imports them (odoo.addons.service_desk.tests.*)
# and collected with --pyargs: a path inside the checkout would make pytest
# import tests/conftest.py as a top-level "service_desk" package before Odoo
# is set up, which Odoo refuses.
targets=()
for t in ${TESTS:-tests}; do
    path=${t%%::*}
    rest=${t#"$path"}
    case "$path" in
        odoo.addons.*) ;;
        *)
            path=${path#./}
            path=${path%/}
            path=${path%.py}
            path="odoo.addons.service_desk.${path//\//.}"
            ;;
    esac
    targets+=("$path$rest")
done

cd "$SD_LOCAL"  # no tests/ here: conftest.py is loaded only during collection
set +e
# shellcheck disable=SC2086  # PYTEST_ARGS is a list of options
"$PYTHON" -m pytest -c "$SD_ROOT/pyproject.toml" --rootdir="$SD_ROOT" \
    "${pytest_odoo[@]}" ${PYTEST_ARGS:-} --pyargs "${targets[@]}"
status=$?
set -e
if [ "$status" = 5 ]; then
    sd_log "no test was collected: test classes must be @tagged and imported by tests/__init__.py"
fi
exit "$status"
