#!/usr/bin/env bash
# `npm run demo [-- --keep]`: everything the demo needs, idempotently and unattended (npm packages,
# Debian's Ironic 21.4 and nginx with DAV), then a full BOSH-style lifecycle through the bundled CPI.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --demo
exec node --import tsx scripts/demo.ts "$@"
