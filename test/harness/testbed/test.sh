#!/usr/bin/env bash
# The test bed's own tests in one command, as root: first, outside any namespace, what needs the network
# (Debian packages, the Python virtualenvs, the IPA ramdisk: each cached, a no-op once made), then the
# tests inside a network namespace of their own (netns-run.sh), where nothing but the bed is reachable.
#
#   bash test/harness/testbed/test.sh [VITEST ARGS...]
#
# BOSH_IRONIC_CPI_IPA_RAMDISK=DIR uses the ramdisk in DIR (ipa.kernel, ipa.initramfs) instead of building.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "${here}/../../.." && pwd)"
step() { echo "[testbed] $*" >&2; }

step "Debian packages (install-system-deps.sh --testbed)"
bash "${root}/test/harness/install-system-deps.sh" --testbed
for venv in ironic sushy-tools; do
  step "virtualenv ${venv}"
  bash "${root}/test/harness/python-venv.sh" "${venv}" >/dev/null
done
if [ -z "${BOSH_IRONIC_CPI_IPA_RAMDISK:-}" ]; then
  step "IPA ramdisk (test/harness/images/ipa-ramdisk.sh; the first build takes a while)"
  BOSH_IRONIC_CPI_IPA_RAMDISK="$(bash "${root}/test/harness/images/ipa-ramdisk.sh" | tail -n 1)"
  export BOSH_IRONIC_CPI_IPA_RAMDISK
fi
step "IPA ramdisk: ${BOSH_IRONIC_CPI_IPA_RAMDISK}"
cd "${root}"
exec bash "${here}/netns-run.sh" npx vitest run --config test/harness/testbed/vitest.config.ts "$@"
