#!/usr/bin/env bash
# `make lint`: ruff's checks and formatting of the Python code (settings in pyproject.toml).
set -euo pipefail
# shellcheck source=tools/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

if ! "$PYTHON" -m ruff --version >/dev/null 2>&1; then
    sd_log "installing ruff with pip"
    "$PYTHON" -m pip install --quiet ruff >&2
fi
cd "$SD_ROOT"
"$PYTHON" -m ruff check .
"$PYTHON" -m ruff format --check .
