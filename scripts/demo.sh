#!/usr/bin/env bash
# `npm run demo [-- --keep]`: everything the demo needs, idempotently and unattended (npm packages,
# today's Ironic from PyPI in its cached virtualenv, nginx with DAV), then a full BOSH-style lifecycle
# through the bundled CPI. IRONIC_RELEASE=debian runs it on Debian's Ironic 21.4 instead.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --demo
exec node --import tsx scripts/demo.ts "$@"
