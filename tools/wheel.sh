#!/usr/bin/env bash
# `make wheel`: build the odoo-addon-service_desk wheel of the last commit.
# whool names the distribution after the addon's directory, so the commit is
# cloned into .local/build/service_desk and built there.
set -euo pipefail
# shellcheck source=tools/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

dist=${1:-$SD_LOCAL/dist}
build="$SD_LOCAL/build"
rm -rf "$build"
mkdir -p "$build" "$dist"
rm -f "$dist"/odoo_addon_service_desk-*.whl
git clone --quiet "$SD_ROOT" "$build/service_desk"
(cd "$build/service_desk" && "$PYTHON" -m pip wheel --quiet --no-deps . -w "$dist")
rm -rf "$build"
ls "$dist"/odoo_addon_service_desk-*.whl
