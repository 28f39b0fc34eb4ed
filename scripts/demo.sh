#!/usr/bin/env bash
# `npm run demo [-- --keep]`: everything the demo needs, idempotently and unattended (npm packages,
# today's Ironic from PyPI in its cached virtualenv, nginx with DAV), then a full BOSH-style lifecycle
# through the bundled CPI. IRONIC_RELEASE=debian runs it on Debian's Ironic 21.4 instead.
# `npm run demo -- --real` (root): one real deploy on an emulated server instead (scripts/demo-real.ts, run by
# scripts/e2e.sh, which builds or reuses the IPA ramdisk and the stemcell first).
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "${1:-}" = --real ]; then
  echo "A real deploy under software emulation: about 5 minutes; the first time, 20-35 minutes more to build the IPA ramdisk and the stemcell (cached after)."
  exec bash scripts/e2e.sh --run scripts/demo-real.ts
fi
bash scripts/setup.sh --demo
exec node --import tsx scripts/demo.ts "$@"
