#!/usr/bin/env bash
# `make lint`: ruff's checks and formatting of the Python code (settings in
# pyproject.toml), pylint with the pylint-odoo plugin (settings in .pylintrc),
# then tools/check_sudo.py (every superuser call says why it is safe).  Every
# linter runs; the status fails if any of them found something.
set -euo pipefail
# shellcheck source=tools/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

# the release .pre-commit-config.yaml names, so both check the same things
PYLINT_ODOO_VERSION=10.0.12

if ! "$PYTHON" -m ruff --version >/dev/null 2>&1; then
    sd_log "installing ruff with pip"
    "$PYTHON" -m pip install --quiet ruff >&2
fi
if ! "$PYTHON" -c 'import pylint_odoo' 2>/dev/null; then
    sd_log "installing pylint-odoo $PYLINT_ODOO_VERSION with pip"
    "$PYTHON" -m pip install --quiet "pylint-odoo==$PYLINT_ODOO_VERSION" >&2
fi
cd "$SD_ROOT"
status=0
"$PYTHON" -m ruff check . || status=1
"$PYTHON" -m ruff format --check . || status=1
# the addon as a package, and the command-line scripts of tools/, which are not
# part of it (pylint follows only directories with an __init__.py)
"$PYTHON" -m pylint --rcfile=.pylintrc . tools || status=1
# every superuser call says why it is safe, in a '# sudo:' comment where it is made
"$PYTHON" tools/check_sudo.py || status=1
exit "$status"
