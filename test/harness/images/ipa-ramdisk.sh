#!/usr/bin/env bash
# The ironic-python-agent (IPA) deploy kernel + ramdisk of the test bed, built with the field's tools:
# ironic-python-agent-builder / diskimage-builder (the `dib` virtualenv), a Debian 12 base from deb.debian.org,
# IPA 13.0.0 and glean from their PyPI sdists (test/harness/images/ipa/ipa-source.txt), the ramdisk's Python
# packages pinned by test/harness/images/ipa/constraints.txt, and the project's element ipa-testbed.
# Made once and cached under a key of all of that; prints the directory holding ipa.kernel and ipa.initramfs.
#
#   ipa-ramdisk.sh           the directory (built when its key is new; a second call is a no-op)
#   ipa-ramdisk.sh --pin     re-resolves constraints.txt against PyPI today (a deliberate update: commit it)
#
# Needs root (diskimage-builder chroots and mounts). The builder's output goes to a log file.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
harness="$(cd "${here}/.." && pwd)"
ipa="${here}/ipa"
# shellcheck source=../cache-dir.sh
. "${harness}/cache-dir.sh"
PY=/usr/bin/python3
step() { echo "[ipa-ramdisk] $*" >&2; }

unset PYTHONPATH PYTHONHOME VIRTUAL_ENV PIP_REQUIRE_VIRTUALENV PIP_USER
export PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_INPUT=1

# pip in the build chroot installs from a local wheelhouse only (PIP_NO_INDEX): this machine reaches PyPI
# through a TLS proxy whose CA the chroot does not trust, and nothing then changes under a key.
# The element upgrades the ramdisk venv's pip to exactly this version (REQUIRED_PIP_STR in its install script).
ELEMENT_PIP=pip==25.1.1
BUILD_TOOLS=(setuptools wheel) # what pip needs to build IPA's and glean's sdists (pinned in constraints.txt)

if [ "${1:-}" = --pin ]; then
  # The ramdisk runs Debian 12's python3.11, the same interpreter as this host's /usr/bin/python3.
  tmp="$(mktemp -d)"
  trap 'rm -rf "${tmp}"' EXIT
  "${PY}" -m venv "${tmp}/v"
  "${tmp}/v/bin/pip" install -q --upgrade pip >&2
  pkgs=$(grep -Ev '^\s*(#|$)' "${ipa}/ipa-source.txt" | cut -d' ' -f1)
  # shellcheck disable=SC2086
  "${tmp}/v/bin/pip" install -q ${pkgs} "${BUILD_TOOLS[@]}" >&2
  "${tmp}/v/bin/pip" freeze --all | grep -v -e '^ironic-python-agent==' -e '^glean==' -e '^pip==' | LC_ALL=C sort -f >"${tmp}/pins"
  # Wheels only: the ramdisk keeps no compiler.
  "${tmp}/v/bin/pip" download -q --only-binary :all: -d "${tmp}/w" -r "${tmp}/pins" >&2
  {
    sed -n '1,3p' "${ipa}/constraints.txt"
    echo "# pinned by test/harness/images/ipa-ramdisk.sh --pin on $(date -u +%Y-%m-%d) ($("${PY}" -V))"
    cat "${tmp}/pins"
  } >"${ipa}/constraints.txt.new"
  mv "${ipa}/constraints.txt.new" "${ipa}/constraints.txt"
  step "wrote ${ipa}/constraints.txt"
  exit 0
fi

[ "$(id -u)" = 0 ] || { step "ERROR: needs root (diskimage-builder mounts and chroots)"; exit 1; }

# --- What decides the result: the settings handed to diskimage-builder, and every file the build reads. ---
RELEASE=bookworm
ELEMENTS=(dynamic-login ipa-testbed) # beside ironic-python-agent-ramdisk and debian-minimal (the builder adds them)
settings() {
  # Debian 12 from deb.debian.org only (security.debian.org is out of reach; deb.debian.org serves it too).
  echo "DIB_RELEASE=${RELEASE}"
  echo "DIB_DISTRIBUTION_MIRROR=http://deb.debian.org/debian"
  echo "DIB_DEBIAN_SECURITY_MIRROR=http://deb.debian.org/debian-security"
  # main only: no non-free firmware or microcode (an emulated server loads none).
  echo "DIB_DEBIAN_COMPONENTS=main"
  echo "DIB_APT_MINIMAL_CREATE_INTERFACES=0"
  # IPA and glean from the local sdists; the requirements "repository" is our constraints file.
  echo "DIB_REPOTYPE_ironic_python_agent=tar"
  echo "DIB_REPOREF_ironic_python_agent=ironic_python_agent-13.0.0"
  echo "DIB_REPOTYPE_requirements=tar"
  echo "DIB_REPOREF_requirements=."
  echo "DIB_INSTALLTYPE_simple_init=repo"
  echo "DIB_REPOTYPE_glean=tar"
  echo "DIB_REPOREF_glean=glean-1.25.1"
  # Every pip in the chroot (IPA's venv, glean's venv, their sdists' builds): the wheelhouse that comes with
  # the requirements tarball, under the same constraints.
  echo "PIP_CONSTRAINT=/tmp/requirements/upper-constraints.txt"
  echo "PIP_NO_INDEX=1"
  echo "PIP_FIND_LINKS=/tmp/requirements/wheels"
  # One network stack: glean writes ifupdown configuration (static from network_data.json, DHCP otherwise);
  # the element's default would add systemd-networkd running DHCP on en* beside it.
  echo "DIB_IPA_ENABLE_SYSTEMD_NETWORKD=false"
  # A NIC that network_data does not name stays down: glean's fallback ran dhclient on it, and IPA waited
  # 40 s for that DHCP answer on every boot of a two-NIC server (the CPI always sets network_data, with
  # ipv4_dhcp for a network that wants DHCP).
  echo "DIB_SIMPLE_INIT_NO_DHCP_FALLBACK=1"
  echo "DIB_IPA_ENABLE_RESCUE=false"
  # zstd: decompresses several times faster than xz (the kernel unpacks it under emulation). Level 10:
  # 118 MB in 6.5 s; level 19 saved 15 MB for 7.5 minutes of a first build.
  echo "DIB_IPA_COMPRESS_CMD=zstd -10 -T0 -q -c"
  echo "DIB_CHECKSUM=0"
}
key_inputs() {
  cat "$0" "${harness}/python/dib.in" "${harness}/python/dib.txt"
  settings
  echo "${ELEMENTS[*]}"
  # every file under ipa/ but the documentation
  (cd "${ipa}" && find . -type f ! -name 'README*' -print0 | LC_ALL=C sort -z | xargs -0 sha256sum)
  "${PY}" -VV
}
key="$(key_inputs | sha256sum | cut -c1-16)"
out="${BOSH_IRONIC_CPI_CACHE}/images/ipa-${key}"
if [ -f "${out}/.complete" ]; then echo "${out}"; exit 0; fi

mkdir -p "${BOSH_IRONIC_CPI_CACHE}/images" "${BOSH_IRONIC_CPI_CACHE}/log"
exec 9>"${out}.lock"
flock 9
if [ -f "${out}/.complete" ]; then echo "${out}"; exit 0; fi

started=$(date +%s)
step "building the IPA ramdisk ${out} (key ${key})"
step "installing the test bed's Debian packages"
bash "${harness}/install-system-deps.sh" --testbed
venv="$(bash "${harness}/python-venv.sh" dib)"

log="${BOSH_IRONIC_CPI_CACHE}/log/ipa-ramdisk-${key}.log"
: >"${log}"
work="$(mktemp -d "${BOSH_IRONIC_CPI_CACHE}/images/build-ipa-${key}.XXXXXX")"
# diskimage-builder unmounts on its own failures; this catches what an interrupted run leaves mounted.
cleanup() {
  local rc=$? m
  while read -r m; do umount -l "${m}" 2>/dev/null || true; done < <(findmnt -rn -o TARGET | grep -F "${work}/" | sort -r)
  rm -rf "${work}"
  if [ "${rc}" != 0 ]; then rm -rf "${out}"; fi
}
trap cleanup EXIT
fail() {
  step "ERROR: $1; the last lines of ${log}:"
  tail -n 40 "${log}" >&2
  exit 1
}

step "downloading the IPA and glean sdists (pinned by hash) and the ramdisk's wheels; pip's output: ${log}"
src="${BOSH_IRONIC_CPI_CACHE}/images/src"
wheels="${src}/wheels-$(cat "${ipa}/constraints.txt" | sha256sum | cut -c1-16)"
mkdir -p "${src}"
"${PY}" -m pip download -q --no-deps --no-binary :all: --require-hashes -r "${ipa}/ipa-source.txt" -d "${src}" >>"${log}" 2>&1 ||
  fail "pip download of the sdists"
if [ ! -f "${wheels}/.complete" ]; then
  rm -rf "${wheels}"
  "${PY}" -m pip download -q --only-binary :all: --no-deps -d "${wheels}" "${ELEMENT_PIP}" \
    -r <(grep -Ev '^\s*(#|$)' "${ipa}/constraints.txt") >>"${log}" 2>&1 || fail "pip download of the wheels"
  touch "${wheels}/.complete"
fi
# The element installs IPA with `pip install -c /tmp/requirements/upper-constraints.txt`: give it ours, and
# the wheels beside it.
mkdir -p "${work}/requirements"
cp "${ipa}/constraints.txt" "${work}/requirements/upper-constraints.txt"
cp -r "${wheels}" "${work}/requirements/wheels"
tar -C "${work}/requirements" -czf "${work}/requirements.tar.gz" .

mkdir -p "${work}/tmp" "${work}/out"
env_args=()
while IFS= read -r kv; do env_args+=("${kv}"); done < <(settings)
env_args+=(
  "DIB_REPOLOCATION_ironic_python_agent=file://${src}/ironic_python_agent-13.0.0.tar.gz"
  "DIB_REPOLOCATION_glean=file://${src}/glean-1.25.1.tar.gz"
  "DIB_REPOLOCATION_requirements=file://${work}/requirements.tar.gz"
  # diskimage-builder's own cache (the debootstrap tarball, fetched sources) lives with ours.
  "DIB_IMAGE_CACHE=${BOSH_IRONIC_CPI_CACHE}/dib-cache"
  # Its build directories under ours, so the cleanup above finds whatever it leaves.
  "TMPDIR=${work}/tmp"
  "PATH=${venv}/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
)
elem_args=()
for e in "${ELEMENTS[@]}"; do elem_args+=(-e "${e}"); done

step "running ironic-python-agent-builder (debian-minimal ${RELEASE}, elements ${ELEMENTS[*]}); its output: ${log}"
env "${env_args[@]}" "${venv}/bin/ironic-python-agent-builder" debian-minimal -r "${RELEASE}" \
  -o "${work}/out/ipa" "${elem_args[@]}" --elements-path "${ipa}/elements" >>"${log}" 2>&1 </dev/null ||
  fail "ironic-python-agent-builder"

step "checking the ramdisk holds what IPA's direct deploy runs"
listing="${work}/initramfs.list"
# (cpio lists the names as stored: "./usr/..." or "usr/...", by version; compare without the "./")
zstd -dc "${work}/out/ipa.initramfs" | cpio -t --quiet 2>>"${log}" | sed 's|^\./||' >"${listing}" || fail "reading the initramfs"
missing=()
for f in usr/bin/qemu-img usr/sbin/sgdisk usr/sbin/parted usr/sbin/partprobe usr/sbin/mkfs.vfat usr/sbin/mkfs.ext4 \
  usr/sbin/blkid usr/bin/lsblk usr/sbin/wipefs usr/sbin/blockdev usr/sbin/mdadm usr/sbin/hdparm usr/bin/udevadm \
  usr/sbin/ifup usr/sbin/dhclient usr/local/bin/ironic-python-agent usr/glean/bin/glean \
  usr/lib/systemd/system/ironic-python-agent.service etc/systemd/system/multi-user.target.wants/ironic-python-agent.service \
  etc/systemd/system/multi-user.target.wants/ironic-agent-resolve-config-drive.service \
  usr/lib/systemd/system/glean@.service etc/udev/rules.d/99-glean.rules \
  usr/lib/ipa-testbed-bytecode/encodings/opt/ironic-python-agent/lib/python3.11/site-packages/ironic_python_agent/agent.cpython-311.pyc; do
  grep -qx "${f}" "${listing}" || missing+=("${f}")
done
for m in virtio_blk virtio_net virtio_scsi sr_mod isofs ata_piix ahci vfat e1000e; do
  grep -q "/${m}\.ko$" "${listing}" || missing+=("${m}.ko")
done
[ ${#missing[@]} -eq 0 ] || { echo "missing in the initramfs: ${missing[*]}" >>"${log}"; fail "the initramfs lacks ${missing[*]}"; }

mkdir -p "${out}"
mv "${work}/out/ipa.kernel" "${out}/ipa.kernel"
mv "${work}/out/ipa.initramfs" "${out}/ipa.initramfs"
cp "${ipa}/constraints.txt" "${out}/constraints.txt"
# What went in, for whoever reads the cache: the Debian packages and the Python packages of the ramdisk.
find "${work}/out" -maxdepth 1 -name '*.d' -exec cp -r {} "${out}/manifests" \; 2>/dev/null || true
cp "${log}" "${out}/build.log"
secs=$(($(date +%s) - started))
{
  echo "built $(date -u +%Y-%m-%dT%H:%M:%SZ) in ${secs} s, key ${key}"
  echo "ipa.kernel $(stat -c %s "${out}/ipa.kernel") bytes"
  echo "ipa.initramfs $(stat -c %s "${out}/ipa.initramfs") bytes (zstd), $(zstd -dc "${out}/ipa.initramfs" | wc -c) bytes unpacked"
} >"${out}/build-info.txt"
touch "${out}/.complete"
step "done in ${secs} s: $(tr '\n' ';' <"${out}/build-info.txt")"
echo "${out}"
