#!/usr/bin/env bash
# The whole test suite, from a fresh Debian 12 machine with Node and npm: installs the npm
# dependencies and the Debian packages it needs (real Ironic, nginx WebDAV, ISO readers,
# cloud-init, ruby), builds dist/, type-checks, checks the formatting, and runs every vitest project.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup.sh
npx tsc --noEmit
# The tree as the formatter writes it (npm run format fixes it).
npx biome format . >/dev/null 2>&1 || { npx biome format . --max-diagnostics=20 >&2 || true; echo "test.sh: files are not formatted: run npm run format" >&2; exit 1; }

mkdir -p .tmp
# Every temporary directory of the run (tests, servers, clones) lives in one, removed at the end.
TMPDIR="$(mktemp -d "${TMPDIR:-/tmp}/bosh-ironic-cpi-test.XXXXXX")"
export TMPDIR
trap 'rm -rf "${TMPDIR}"' EXIT
# Colour codes only for a terminal: a CI log or a file gets plain text.
[ -t 1 ] || export NO_COLOR=1
status=0
# Without arguments: every project but conformance, which needs the real BOSH tools (npm run test:conformance),
# and then, on its own so two Ironics never share the 2 cores, the distributed project.
runs=("$*")
if [ "$#" -eq 0 ]; then runs=("--project unit --project exec --project integration --project release" "--project distributed"); fi
results=()
for i in "${!runs[@]}"; do
  out=".tmp/vitest-results-${i}.json"
  rm -f "${out}"
  # shellcheck disable=SC2086 # one string of arguments per run
  npx vitest run --reporter=default --reporter=json --outputFile.json="${out}" ${runs[$i]} || status=$?
  results+=("${out}")
done

# One plain closing line that any CI reads: "N passed, N failed[, N skipped]".
node -e '
const rs = process.argv.slice(1).map((f) => { try { return require(require("path").resolve(f)); } catch { return undefined; } });
if (rs.some((r) => !r)) { console.log("tests: a run wrote no results"); process.exit(1); }
const sum = (k) => rs.reduce((n, r) => n + r[k], 0);
const skipped = sum("numPendingTests") + sum("numTodoTests");
console.log(`tests: ${sum("numPassedTests")} passed, ${sum("numFailedTests")} failed` + (skipped ? `, ${skipped} skipped` : ""));
if (sum("numTotalTests") === 0) process.exitCode = 1;
' "${results[@]}" || status=1
exit $status
