#!/usr/bin/env bash
# A Python virtualenv of the test bed (Ironic from PyPI, sushy-tools, diskimage-builder, ...), made once
# and cached under a key of its inputs: test/harness/python/<name>.in (what we ask for) and
# test/harness/python/<name>.txt (every package pinned), and Debian's interpreter. Prints its directory.
#
#   python-venv.sh NAME            the venv (made when its key is new; a second call is a no-op)
#   python-venv.sh --pin NAME      re-resolves NAME.in against PyPI today and rewrites NAME.txt (a deliberate
#                                  update: commit the new pins)
#
# Debian's /usr/bin/python3 (3.11): the interpreter every project machine has, whatever pyenv says.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
# shellcheck source=cache-dir.sh
. "${here}/cache-dir.sh"
PY=/usr/bin/python3

pin=0
if [ "${1:-}" = --pin ]; then pin=1; shift; fi
name="${1:?usage: python-venv.sh [--pin] NAME}"
in="${here}/python/${name}.in"
txt="${here}/python/${name}.txt"
[ -f "${in}" ] || { echo "python-venv: no ${in}" >&2; exit 2; }
[ -x "${PY}" ] || { echo "python-venv: ${PY} missing (Debian's python3)" >&2; exit 1; }
"${PY}" -c 'import venv, ensurepip' 2>/dev/null || {
  echo "python-venv: ${PY} has no venv/ensurepip (Debian package python3-venv)" >&2
  exit 1
}
# No pyenv or virtualenv of the caller may leak in.
unset PYTHONPATH PYTHONHOME VIRTUAL_ENV PIP_REQUIRE_VIRTUALENV PIP_USER
export PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_INPUT=1

make_venv() { # dir → a fresh, empty venv
  rm -rf "$1"
  "${PY}" -m venv "$1"
}

log_of() { echo "${BOSH_IRONIC_CPI_CACHE}/log/venv-${name}.log"; }
mkdir -p "${BOSH_IRONIC_CPI_CACHE}/venv" "${BOSH_IRONIC_CPI_CACHE}/log"

if [ "${pin}" = 1 ]; then
  tmp="$(mktemp -d "${BOSH_IRONIC_CPI_CACHE}/venv/pin-${name}.XXXXXX")"
  trap 'rm -rf "${tmp}"' EXIT
  make_venv "${tmp}/v"
  "${tmp}/v/bin/pip" install -q --upgrade pip >&2
  "${tmp}/v/bin/pip" install -q -r "${in}" >&2
  {
    echo "# pinned by test/harness/python-venv.sh --pin ${name} on $(date -u +%Y-%m-%d) ($("${PY}" -V))"
    "${tmp}/v/bin/pip" freeze --all --exclude-editable | LC_ALL=C sort -f
  } >"${txt}"
  echo "python-venv: wrote ${txt}" >&2
  exit 0
fi
[ -f "${txt}" ] || { echo "python-venv: no ${txt}: run python-venv.sh --pin ${name}" >&2; exit 2; }

key="$( (cat "${in}" "${txt}"; "${PY}" -VV) | sha256sum | cut -c1-16)"
dir="${BOSH_IRONIC_CPI_CACHE}/venv/${name}-${key}"
if [ -f "${dir}/.complete" ]; then echo "${dir}"; exit 0; fi

log="$(log_of)"
# A venv's scripts carry its own path, so it is made in place, under a lock, and marked complete last.
exec 9>"${dir}.lock"
flock 9
if [ ! -f "${dir}/.complete" ]; then
  echo "[python-venv] making the ${name} virtualenv (${dir}); pip's output: ${log}" >&2
  make_venv "${dir}"
  {
    # pip itself first, at its pinned version, then everything else within the pins.
    "${dir}/bin/pip" install --constraint "${txt}" pip &&
      "${dir}/bin/pip" install --constraint "${txt}" -r "${in}"
  } >"${log}" 2>&1 || {
    echo "[python-venv] ERROR: pip failed for ${name}; the last lines of ${log}:" >&2
    tail -n 20 "${log}" >&2
    rm -rf "${dir}"
    exit 1
  }
  touch "${dir}/.complete"
fi
echo "${dir}"
