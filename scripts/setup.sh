#!/usr/bin/env bash
# What both README commands need, idempotently and unattended: the npm packages, the Debian packages
# (Ironic 21.4, nginx with DAV, the ISO readers, cloud-init, ruby) and the bundle.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund
fi
bash test/harness/install-system-deps.sh
npm run --silent build
