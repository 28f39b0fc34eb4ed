#!/usr/bin/env bash
# `npm run demo [-- --keep]`: everything the demo needs, idempotently and unattended (npm packages,
# Debian's Ironic 21.4 and nginx with DAV), then a full BOSH-style lifecycle through the bundled CPI.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund
fi
bash test/harness/install-system-deps.sh
npm run --silent build
exec node --import tsx scripts/demo.ts "$@"
