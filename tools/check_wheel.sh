#!/usr/bin/env bash
# `make check-wheel`: build the odoo-addon-service_desk wheel of the last
# commit (tools/wheel.sh), install it into a throwaway virtual environment
# that sees the Odoo 19 installed for $PYTHON (--system-site-packages), and
# check that Python imports odoo.addons.service_desk from the venv and that
# Odoo's addons lookup finds the addon there, with its manifest.
# Everything is made in a temporary directory, removed at the end.
set -euo pipefail
# shellcheck source=tools/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

sd_require_odoo
tmp=$(mktemp -d "${TMPDIR:-/tmp}/service_desk_wheel.XXXXXX")
# shellcheck disable=SC2329  # called by the EXIT trap
cleanup() {
    local status=$?
    trap - EXIT INT TERM
    rm -rf "$tmp"
    exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

sd_log "building the wheel"
wheel=$(bash "$SD_ROOT/tools/wheel.sh" "$tmp/dist" | tail -n 1)
[ -f "$wheel" ] || sd_die "no wheel was built: see the errors above."
sd_log "installing $(basename "$wheel") into a throwaway virtual environment"
"$PYTHON" -m venv --system-site-packages "$tmp/venv"
venv_python="$tmp/venv/bin/python"
# Its requirements (odoo and the addons it depends on) come from the Odoo
# installed for $PYTHON, which the venv sees: pip must not fetch them.
"$venv_python" -m pip install --quiet --no-deps --no-index "$wheel" >&2

site=$("$venv_python" -c 'import sysconfig; print(sysconfig.get_path("purelib"))')
"$venv_python" - "$site" <<'PY'
import os
import sys

site = os.path.realpath(sys.argv[1])
expected = os.path.join(site, "odoo", "addons", "service_desk")

def inside_venv(path):
    return os.path.realpath(path) == expected

import odoo.addons.service_desk as addon  # noqa: E402

found = os.path.dirname(addon.__file__)
if not inside_venv(found):
    sys.exit(f"check-wheel: Python imports service_desk from {found}, not from the venv ({expected})")

from odoo.modules.module import Manifest  # noqa: E402
from odoo.tools import config  # noqa: E402

config.parse_config(["--http-interface=127.0.0.1"])  # default addons path: Odoo's own and the venv's
manifest = Manifest.for_addon("service_desk")
if manifest is None:
    sys.exit("check-wheel: Odoo's addons lookup does not find service_desk")
if not inside_venv(manifest.path):
    sys.exit(f"check-wheel: Odoo finds service_desk in {manifest.path}, not in the venv ({expected})")
for name in ("__manifest__.py", "static/description/icon.png", "views/menus.xml", "security/ir.model.access.csv"):
    if not os.path.isfile(os.path.join(expected, name)):
        sys.exit(f"check-wheel: the wheel lacks {name}")
# what the wheel requires (Odoo 19.0: whool maps Odoo's own addons to it) is
# installed in the environment
from importlib import metadata  # noqa: E402

from packaging.requirements import Requirement  # noqa: E402

for line in metadata.requires("odoo-addon-service_desk") or []:
    requirement = Requirement(line)
    try:
        version = metadata.version(requirement.name)
    except metadata.PackageNotFoundError:
        sys.exit(f"check-wheel: the wheel requires {line}, which the environment lacks")
    if not requirement.specifier.contains(version, prereleases=True):
        sys.exit(f"check-wheel: the wheel requires {line}, the environment has {requirement.name} {version}")
    print(f"check-wheel: requirement {line} met by {requirement.name} {version}")
# the manifest's external Python dependencies are the wheel's requirements too
names = {Requirement(line).name.lower() for line in metadata.requires("odoo-addon-service_desk") or []}
for dependency in manifest.get("external_dependencies", {}).get("python", []):
    if Requirement(dependency).name.lower() not in names:
        sys.exit(f"check-wheel: the wheel does not require {dependency}, which the manifest needs")
print(f"check-wheel: Odoo finds service_desk {manifest['version']} in {manifest.path}")
PY
sd_log "the wheel installs and Odoo finds the addon in the venv"
