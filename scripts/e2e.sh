#!/usr/bin/env bash
# The real deploys (npm run test:e2e), as root on Debian 12: first, outside any namespace, everything that
# needs the network, each cached and a no-op once made (npm packages, Debian packages, the Python
# virtualenvs of Ironic and sushy-tools, the IPA deploy ramdisk, the stemcell with the real bosh-agent,
# dist/); then the e2e vitest project inside a network namespace of its own, where only the test bed is
# reachable (test/harness/testbed/netns-run.sh). BOSH_PEERS_BIN: the real BOSH tools (default ../shared/peers/bin).
#
#   scripts/e2e.sh [VITEST ARGS...]     e.g. scripts/e2e.sh test/e2e/lifecycle.test.ts
#   scripts/e2e.sh --run SCRIPT [ARGS]  instead of the tests, a script on the test bed (npm run demo -- --real:
#                                       scripts/demo-real.ts; npm run bench -- --real: bench/real-deploy.ts)
#   scripts/e2e.sh --images             only the test bed's Debian packages, the virtualenvs and the two images,
#                                       no npm (.ci/run builds them beside npm test, which owns node_modules)
set -euo pipefail
cd "$(dirname "$0")/.."
step() { echo "[e2e] $*" >&2; }
[ "$(id -u)" = 0 ] || { echo "[e2e] needs root (network namespaces, libvirt)" >&2; exit 1; }

export BOSH_PEERS_BIN="${BOSH_PEERS_BIN:-$(cd .. && pwd)/shared/peers/bin}"
for t in bosh cpi-call agent-call bosh-agent; do
  [ -x "${BOSH_PEERS_BIN}/${t}" ] || { echo "[e2e] no ${BOSH_PEERS_BIN}/${t}: set BOSH_PEERS_BIN" >&2; exit 1; }
done

t0=${SECONDS}
images() {
  step "the test bed's Debian packages (install-system-deps.sh --testbed)"
  bash test/harness/install-system-deps.sh --testbed
  for venv in ironic sushy-tools; do
    step "virtualenv ${venv}"
    bash test/harness/python-venv.sh "${venv}" >/dev/null
  done
  step "IPA deploy ramdisk (test/harness/images/ipa-ramdisk.sh: built once, then cached)"
  BOSH_IRONIC_CPI_IPA_RAMDISK="$(bash test/harness/images/ipa-ramdisk.sh | tail -n 1)"
  step "stemcell with the real bosh-agent (test/harness/images/stemcell.sh: built once, then cached)"
  BOSH_IRONIC_CPI_STEMCELL="$(bash test/harness/images/stemcell.sh | tail -n 1)"
  export BOSH_IRONIC_CPI_IPA_RAMDISK BOSH_IRONIC_CPI_STEMCELL
}
if [ "${1:-}" = --images ]; then
  images
  step "images ready in $((SECONDS - t0)) s"
  exit 0
fi
step "npm packages, Debian packages, dist/ (scripts/setup.sh)"
bash scripts/setup.sh
images
step "ready in $((SECONDS - t0)) s; the tests, inside a network namespace of their own"

mkdir -p .tmp
TMPDIR="$(mktemp -d "${TMPDIR:-/tmp}/bosh-ironic-cpi-e2e.XXXXXX")"
export TMPDIR
trap 'rm -rf "${TMPDIR}"' EXIT
[ -t 1 ] || export NO_COLOR=1
t1=${SECONDS}
status=0
if [ "${1:-}" = --run ]; then
  shift
  bash test/harness/testbed/netns-run.sh node --import tsx "$@" || status=$?
else
  # The JSON report: .ci/run's closing line sums it with npm test's (scripts/vitest-summary.mjs).
  rm -f .tmp/vitest-results-e2e.json
  bash test/harness/testbed/netns-run.sh npx vitest run --project e2e \
    --reporter=default --reporter=json --outputFile.json=.tmp/vitest-results-e2e.json "$@" || status=$?
fi
step "inside the namespace $((SECONDS - t1)) s (the whole run $((SECONDS - t0)) s)"
exit "${status}"
