#!/usr/bin/env bash
# What the README commands need, idempotently and unattended: the npm packages, the Debian packages, the
# Python virtualenvs (today's Ironic from PyPI; for the tests also sushy-tools, the Redfish BMC emulator)
# and dist/. `setup.sh --demo`: Ironic and nginx alone; without it, also what the tests read with (ISO
# readers, cloud-init, ruby, MariaDB). One line per step; long output goes to a log file named on screen.
set -euo pipefail
cd "$(dirname "$0")/.."
mode="${1:---tests}"
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  log="$(mktemp "${TMPDIR:-/tmp}/bosh-ironic-cpi-npm.XXXXXX.log")"
  echo "[setup] installing the npm packages (npm ci); its output: ${log}" >&2
  npm ci --no-audit --no-fund >"${log}" 2>&1 || { tail -n 20 "${log}" >&2; exit 1; }
fi
bash test/harness/install-system-deps.sh "${mode}"
# made once, cached under ~/.cache/bosh-ironic-cpi keyed by their pins (python-venv.sh); a no-op afterwards
venvs=(ironic)
[ "${mode}" = --demo ] || venvs+=(sushy-tools)
for v in "${venvs[@]}"; do bash test/harness/python-venv.sh "${v}" >/dev/null; done
npm run --silent build
