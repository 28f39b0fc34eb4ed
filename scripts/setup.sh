#!/usr/bin/env bash
# What the README commands need, idempotently and unattended: the npm packages, the Debian packages and
# dist/. `setup.sh --demo`: Ironic and nginx alone; without it, also what the tests read with
# (ISO readers, cloud-init, ruby). One line per step; the full output goes to a log file named on screen.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  log="$(mktemp "${TMPDIR:-/tmp}/bosh-ironic-cpi-npm.XXXXXX.log")"
  echo "[setup] installing the npm packages (npm ci); its output: ${log}" >&2
  npm ci --no-audit --no-fund >"${log}" 2>&1 || { tail -n 20 "${log}" >&2; exit 1; }
fi
bash test/harness/install-system-deps.sh "${1:---tests}"
npm run --silent build
