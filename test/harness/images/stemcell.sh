#!/usr/bin/env bash
# The test bed's BOSH stemcell: a minimal Debian 12 (debootstrap minbase from deb.debian.org, then the
# packages of stemcell/packages.txt) with GRUB for BIOS on an MBR disk of one root partition, a serial
# console on ttyS0, no network configuration of its own, and the real bosh-agent started by runit as the
# OpenStack stemcells do (stemcell/README.md says what the agent needed). Outputs, in one directory:
#   root.img            the raw disk image (one ext4 partition; IPA appends its config-2 partition after it)
#   root.qcow2          the same disk as qcow2
#   stemcell-raw.tgz    an OpenStack stemcell tarball: stemcell.MF + image (= tar.gz holding root.img raw)
#   stemcell-qcow2.tgz  the same with root.img in qcow2
#   packages.txt, build.txt   what is in the image (Debian release, kernel, every package) and the build's times
# Made once and cached under a key of everything that decides it (this script, stemcell/ but its README,
# the agent binary); prints the directory. A second call is a no-op.
#
#   stemcell.sh          the directory, $BOSH_IRONIC_CPI_CACHE/images/stemcell-<key>
#
# Needs root (debootstrap, chroot). The agent comes from $BOSH_PEERS_BIN/bosh-agent (default: the
# repository's ../shared/peers/bin). Debian has no reachable snapshot: the packages are those of the
# archive on the day of the build, recorded in packages.txt and build.txt.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
harness="$(cd "${here}/.." && pwd)"
repo="$(cd "${harness}/../.." && pwd)"
files="${here}/stemcell"
# shellcheck source=../cache-dir.sh
. "${harness}/cache-dir.sh"
# Progress goes to the terminal (fd 3 once the build runs, as its stderr goes to the log), one line a step.
step() { if { true >&3; } 2>/dev/null; then echo "[stemcell] $*" >&3; else echo "[stemcell] $*" >&2; fi; }

RELEASE=bookworm
MIRROR=http://deb.debian.org/debian
SECURITY=http://deb.debian.org/debian-security
# debootstrap's minbase lacks apt's https transport, and deb.debian.org serves both over http; apt checks
# every package against the signed Release files.

# --- inside a private mount namespace (stemcell.sh --in-namespace ROOTFS VERSION): everything that mounts.
# The mounts (proc, sys, dev, the package caches) vanish with the namespace, whatever happens.
if [ "${1:-}" = --in-namespace ]; then
  root="$2" version="$3" cache="${BOSH_IRONIC_CPI_CACHE}/images/debs"
  [ "$(readlink /proc/self/ns/mnt)" != "$(readlink /proc/1/ns/mnt)" ] || { step "ERROR: --in-namespace outside unshare"; exit 2; }
  mkdir -p "${cache}/debootstrap" "${cache}/apt"
  in_root() { chroot "${root}" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LC_ALL=C \
    DEBIAN_FRONTEND=noninteractive DEBCONF_NONINTERACTIVE_SEEN=true "$@"; }
  step "debootstrap ${RELEASE} (minbase) from ${MIRROR}"
  debootstrap --variant=minbase --cache-dir="${cache}/debootstrap" "${RELEASE}" "${root}" "${MIRROR}"
  mount -t proc proc "${root}/proc"
  mount -t sysfs sysfs "${root}/sys"
  mount --rbind /dev "${root}/dev"
  mount --bind "${cache}/apt" "${root}/var/cache/apt/archives"
  cp /etc/resolv.conf "${root}/etc/resolv.conf"
  # No maintainer script starts a daemon in the chroot.
  printf '#!/bin/sh\nexit 101\n' >"${root}/usr/sbin/policy-rc.d"
  chmod 0755 "${root}/usr/sbin/policy-rc.d"
  install -m 0644 "${files}/etc/dpkg-excludes" "${root}/etc/dpkg/dpkg.cfg.d/stemcell-excludes"
  install -D -m 0644 "${files}/etc/initramfs.conf" "${root}/etc/initramfs-tools/conf.d/stemcell.conf"
  install -D -m 0755 "${files}/etc/initramfs-hook" "${root}/etc/initramfs-tools/hooks/stemcell-modules"
  cat >"${root}/etc/apt/sources.list" <<EOF
deb ${MIRROR} ${RELEASE} main
deb ${MIRROR} ${RELEASE}-updates main
deb ${SECURITY} ${RELEASE}-security main
EOF
  step "apt-get: the point release's updates and $(grep -cEv '^\s*(#|$)' "${files}/packages.txt") packages"
  in_root apt-get update -q
  in_root apt-get dist-upgrade -y -q
  # shellcheck disable=SC2046
  in_root apt-get install -y -q --no-install-recommends $(grep -Ev '^\s*(#|$)' "${files}/packages.txt")
  step "configuring the agent, runit, monit, users and services"
  cp -a "${files}" "${root}/tmp/stemcell"
  install -m 0755 "${AGENT_BIN}" "${root}/tmp/bosh-agent"
  in_root bash /tmp/stemcell/configure.sh "${version}"
  # GRUB's core image, from the image's own grub-pc-bin: the MBR gap gets it (stemcell.sh writes it there).
  # Everything to read grub.cfg is built in; prefix "(,msdos1)" = partition 1 of the disk BIOS booted.
  in_root grub-mkimage -O i386-pc -o /tmp/core.img -p '(,msdos1)/boot/grub' \
    biosdisk part_msdos ext2 normal linux serial terminal echo test configfile boot minicmd
  cp "${root}/tmp/core.img" "${root}/usr/lib/grub/i386-pc/boot.img" "${root}/../"
  mkdir -p "${root}/boot/grub"
  cp -a "${root}/usr/lib/grub/i386-pc" "${root}/boot/grub/i386-pc"
  in_root dpkg-query -W -f='${Package} ${Version}\n' >"${root}/../packages.txt"
  exit 0
fi

exec 3>&2
[ "$(id -u)" = 0 ] || { step "ERROR: needs root (debootstrap and chroot)"; exit 1; }
peers="${BOSH_PEERS_BIN:-${repo}/../shared/peers/bin}"
AGENT_BIN="${peers}/bosh-agent"
[ -x "${AGENT_BIN}" ] || { step "ERROR: no bosh-agent at ${AGENT_BIN} (set BOSH_PEERS_BIN)"; exit 1; }
export AGENT_BIN

# --- The key: every input that decides the image.
agent_sha256="$(sha256sum "${AGENT_BIN}" | cut -d' ' -f1)"
key_inputs() {
  cat "${here}/stemcell.sh"
  echo "release=${RELEASE} mirror=${MIRROR} security=${SECURITY} agent=${agent_sha256}"
  # everything the image is made of (its README only describes it)
  (cd "${files}" && find . -type f ! -name README.md | LC_ALL=C sort | while read -r f; do echo "== ${f}"; cat "${f}"; done)
}
key="$(key_inputs | sha256sum | cut -c1-16)"
out="${BOSH_IRONIC_CPI_CACHE}/images/stemcell-${key}"
if [ -f "${out}/.complete" ]; then echo "${out}"; exit 0; fi

mkdir -p "${BOSH_IRONIC_CPI_CACHE}/images" "${BOSH_IRONIC_CPI_CACHE}/log"
# One build at a time (they share the package caches and both cores); the same key waits for the other.
exec 9>"${BOSH_IRONIC_CPI_CACHE}/images/.stemcell.lock"
flock 9
if [ -f "${out}/.complete" ]; then echo "${out}"; exit 0; fi

bash "${harness}/install-system-deps.sh" --testbed
log="${BOSH_IRONIC_CPI_CACHE}/log/stemcell-${key}.log"
: >"${log}"
step "building stemcell ${key} (about 5 minutes); the build's output: ${log}"
work="$(mktemp -d "${BOSH_IRONIC_CPI_CACHE}/images/.stemcell-${key}.XXXXXX")"
cleanup() {
  # The namespace took its mounts with it; never delete through a mount that is somehow still there.
  if grep -qF " ${work}/" /proc/self/mounts; then
    step "WARNING: mounts remain under ${work}; not removing it"
  else
    rm -rf "${work}"
  fi
}
trap cleanup EXIT
fail() {
  step "ERROR: $1 failed; the last lines of ${log}:"
  tail -n 30 "${log}" >&2
  exit 1
}
t0=${SECONDS}
times=()
timed() { # name, command...: runs it with its output in the log, records its seconds
  local name="$1" t=${SECONDS}
  shift
  "$@" >>"${log}" 2>&1 || fail "${name}"
  times+=("${name}: $((SECONDS - t)) s")
}

version="1.0.0+${key}"
root="${work}/rootfs"
timed "debootstrap + packages + configure" unshare --mount --propagation private bash "${here}/stemcell.sh" --in-namespace "${root}" "${version}"

# --- Finish the tree: nothing of the build host or of apt's download state stays in the image.
kernel="$(basename "$(ls "${root}"/boot/vmlinuz-* | tail -n 1)")"
kernel="${kernel#vmlinuz-}"
debian="$(cat "${root}/etc/debian_version")"
rm -rf "${root}/tmp/stemcell" "${root}/tmp/bosh-agent" "${root}/tmp/core.img" "${root}/usr/sbin/policy-rc.d" \
  "${root}"/var/lib/apt/lists/* "${root}"/var/log/apt/* "${root}/var/log/dpkg.log" "${root}"/var/cache/debconf/*-old \
  "${root}"/var/cache/apt/*.bin "${root}"/var/cache/apt/archives/*.deb
rm -f "${root}/etc/resolv.conf"
ln -s ../run/resolvconf/resolv.conf "${root}/etc/resolv.conf"
# what debootstrap unpacked before the dpkg excludes were in place
find "${root}/usr/share/doc" -type f ! -name copyright -delete
find "${root}/usr/share/doc" -depth -type d -empty -delete
rm -rf "${root}"/usr/share/man/* "${root}"/usr/share/info/*
find "${root}/usr/share/locale" -mindepth 1 -maxdepth 1 ! -name locale.alias -exec rm -rf {} +

uuid="$(cat /proc/sys/kernel/random/uuid)"
echo "UUID=${uuid} / ext4 errors=remount-ro 0 1" >"${root}/etc/fstab"
sed -e "s/@ROOT_UUID@/${uuid}/g" -e "s/@KERNEL_VERSION@/${kernel}/g" "${files}/etc/grub.cfg" >"${root}/boot/grub/grub.cfg"

# --- The disk: 1 MiB for the MBR and GRUB's core image, then the root partition, sized to the tree with
# room for the agent's first boot (its data lives on the ephemeral disk, /var/log and /tmp move there).
used_mib="$(du -sx --block-size=1M "${root}" | cut -f1)"
part_mib=$(((used_mib * 5 / 4 + 128 + 63) / 64 * 64))
disk_mib=$((part_mib + 1))
step "root tree ${used_mib} MiB (Debian ${debian}, kernel ${kernel}); root partition ${part_mib} MiB"
img="${work}/root.img"
timed "mke2fs -d (root filesystem from the tree)" \
  mke2fs -t ext4 -L stemcell-root -U "${uuid}" -d "${root}" -E root_owner=0:0 -F "${work}/root.part" "${part_mib}M"
truncate -s "${disk_mib}M" "${img}"
# One primary partition, bootable, from 1 MiB to the end: IPA adds config-2 as a second one on the real disk.
timed "sfdisk" sfdisk --no-reread --no-tell-kernel "${img}" <<<$'label: dos\nstart=2048, type=83, bootable'
timed "root partition into the disk" dd if="${work}/root.part" of="${img}" bs=1M seek=1 conv=notrunc,sparse status=none
rm -f "${work}/root.part"
# GRUB for BIOS by hand, as grub-install would on a real disk (this host's loop devices show no partitions
# to probe): boot.img's code into the MBR (before the disk signature and partition table at byte 440),
# core.img into the gap from sector 1, where boot.img and core.img's first sector look for it.
core_sectors=$((($(stat -c %s "${work}/core.img") + 511) / 512))
[ "${core_sectors}" -lt 2047 ] || fail "core.img fits the MBR gap (${core_sectors} sectors)"
dd if="${work}/boot.img" of="${img}" bs=440 count=1 conv=notrunc status=none
dd if="${work}/core.img" of="${img}" bs=512 seek=1 conv=notrunc status=none
timed "qemu-img convert (qcow2)" qemu-img convert -f raw -O qcow2 "${img}" "${work}/root.qcow2"

# --- The stemcell tarballs, as bosh-linux-stemcell-builder packs an OpenStack stemcell (stemcell_packager.rb):
# stemcell.MF + image, image = tar.gz of root.img.
manifest() { # disk_format name_suffix image_sha1
  cat <<EOF
---
name: bosh-openstack-kvm-debian-${RELEASE}-go_agent$2
version: "${version}"
bosh_protocol: 1
api_version: 3
sha1: $3
operating_system: debian-${RELEASE}
stemcell_formats:
- openstack-qcow2
- openstack-raw
cloud_properties:
  name: bosh-openstack-kvm-debian-${RELEASE}-go_agent$2
  version: "${version}"
  infrastructure: openstack
  hypervisor: kvm
  disk: ${disk_mib}
  disk_format: $1
  container_format: bare
  os_type: linux
  os_distro: debian
  architecture: x86_64
  auto_disk_config: true
EOF
}
pack() { # disk_format file name_suffix
  local d="${work}/pack-$1"
  mkdir -p "${d}/in"
  ln "$2" "${d}/in/root.img"
  tar --format=gnu -C "${d}/in" -cf - root.img | gzip -6 -n >"${d}/image"
  manifest "$1" "$3" "$(sha1sum "${d}/image" | cut -d' ' -f1)" >"${d}/stemcell.MF"
  cp "${work}/packages.txt" "${d}/packages.txt"
  tar --format=gnu -C "${d}" -cf - stemcell.MF packages.txt image | gzip -1 -n >"${work}/stemcell-$1.tgz"
  rm -rf "${d}"
}
timed "stemcell-raw.tgz" pack raw "${img}" -raw
timed "stemcell-qcow2.tgz" pack qcow2 "${work}/root.qcow2" ""

{
  echo "stemcell ${version}: Debian ${debian} (${RELEASE}), kernel ${kernel}, bosh-agent sha256 ${agent_sha256}"
  echo "built $(date -u +%Y-%m-%dT%H:%M:%SZ) from ${MIRROR} in $((SECONDS - t0)) s"
  printf '  %s\n' "${times[@]}"
  echo "root tree ${used_mib} MiB; root.img $(du -m --apparent-size "${img}" | cut -f1) MiB ($(du -m "${img}" | cut -f1) MiB allocated);" \
    "root.qcow2 $(du -m "${work}/root.qcow2" | cut -f1) MiB; stemcell-raw.tgz $(du -m "${work}/stemcell-raw.tgz" | cut -f1) MiB;" \
    "stemcell-qcow2.tgz $(du -m "${work}/stemcell-qcow2.tgz" | cut -f1) MiB"
} >"${work}/build.txt"
cat "${work}/build.txt" >>"${log}"
rm -rf "${root}" "${work}/core.img" "${work}/boot.img"
chmod 0755 "${work}"
rm -rf "${out}"
mv "${work}" "${out}"
touch "${out}/.complete"
step "done in $((SECONDS - t0)) s: $(tail -n 1 "${out}/build.txt")"
echo "${out}"
