#!/usr/bin/env bash
# The whole test suite, from a fresh Debian 12 machine with Node and npm: installs the npm
# dependencies, the Debian packages and the Python virtualenvs it needs (real Ironic, nginx WebDAV,
# ISO readers, cloud-init, ruby, MariaDB, sushy-tools), builds dist/, type-checks, checks the
# formatting and lint, and runs every vitest project on today's Ironic (PyPI), then the lifecycle, the newer
# API's features, Redfish and the distributed project again on Debian's Ironic 21.4.
#
#   scripts/test.sh                      the above (npm test)
#   scripts/test.sh --with-conformance   the above, and the conformance project on both Ironics, and once more
#                                        on today's Ironic behind HTTP basic auth over TLS from a private CA
#                                        with an intermediate (CI)
#   scripts/test.sh ARGS...              one vitest run with these arguments, on $IRONIC_RELEASE (default pypi)
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup.sh
npx tsc --noEmit
# The tree as the formatter writes it (npm run format fixes it), and clean under the linter (biome.jsonc).
npx biome check . >/dev/null 2>&1 || {
  npx biome check . --max-diagnostics=20 >&2 || true
  echo "test.sh: files are not formatted or not lint-clean: npm run format, then npx biome lint ." >&2
  exit 1
}

mkdir -p .tmp
# Every temporary directory of the run (tests, servers, clones) lives in one, removed at the end.
TMPDIR="$(mktemp -d "${TMPDIR:-/tmp}/bosh-ironic-cpi-test.XXXXXX")"
export TMPDIR
trap 'rm -rf "${TMPDIR}"' EXIT
# Colour codes only for a terminal: a CI log or a file gets plain text.
[ -t 1 ] || export NO_COLOR=1

# One run per line: "<release> [VAR=value ...] <vitest arguments>", the variables set for that run only.
# Two Ironics never share the 2 cores: the distributed project runs on its own, after the rest.
conformance=0
if [ "${1:-}" = --with-conformance ]; then conformance=1; shift; fi
runs=()
if [ "$#" -gt 0 ]; then
  runs=("${IRONIC_RELEASE:-pypi} $*")
else
  runs=(
    "pypi --project unit --project exec --project integration --project release"
    "pypi --project distributed"
    # 21.4, the oldest Ironic we support: the lifecycle, what the newer API gives (each feature
    # without it) and the Redfish BMC
    "debian --project integration test/integration/vm-lifecycle.test.ts test/integration/ironic-features.test.ts test/integration/redfish.test.ts"
    "debian --project distributed"
  )
  if [ "${conformance}" = 1 ]; then
    export BOSH_PEERS_BIN="${BOSH_PEERS_BIN:-$(cd .. && pwd)/shared/peers/bin}"
    # issue 30: the create-env lifecycle through bosh-cli's CPI client and the rendered job against Ironic as
    # Bifrost-style fleets run it (htpasswd with bcrypt, HTTPS from a private CA with an intermediate); the
    # integration project's auth-*.test.ts cover Keystone and the failure cases on every run
    runs+=("pypi --project conformance" "debian --project conformance"
      "pypi IRONIC_AUTH=http_basic IRONIC_TLS=1 --project conformance test/conformance/cpi-call.test.ts")
  fi
fi

status=0
results=()
timings=()
for i in "${!runs[@]}"; do
  release="${runs[$i]%% *}"
  args="${runs[$i]#* }"
  vars=()
  while [[ "${args}" =~ ^([A-Z_]+=[^ ]*)\ (.*)$ ]]; do
    vars+=("${BASH_REMATCH[1]}")
    args="${BASH_REMATCH[2]}"
  done
  out=".tmp/vitest-results-${i}.json"
  rm -f "${out}"
  echo "=== test.sh: Ironic ${release}: ${vars[*]}${vars[*]:+ }vitest run ${args}" >&2
  t0=${SECONDS}
  # shellcheck disable=SC2086 # one string of arguments per run
  env IRONIC_RELEASE="${release}" "${vars[@]}" npx vitest run --reporter=default --reporter=json --outputFile.json="${out}" ${args} || status=$?
  timings+=("$((SECONDS - t0)) s  Ironic ${release}: ${vars[*]}${vars[*]:+ }${args}")
  results+=("${out}")
done

echo "=== test.sh: time per run" >&2
printf '  %s\n' "${timings[@]}" >&2
# One plain closing line that any CI reads: "N passed, N failed[, N skipped]", over every run.
node scripts/vitest-summary.mjs "${results[@]}" || status=1
exit $status
