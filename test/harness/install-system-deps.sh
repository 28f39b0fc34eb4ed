#!/usr/bin/env bash
# Installs, unattended and idempotently, the Debian packages the tests and the demo use:
# Debian's Ironic 21.4 (ironic-api/ironic-conductor, one-process `ironic`), python3-venv (the virtualenv
# of today's Ironic from PyPI, python-venv.sh), nginx with the DAV modules, and for the tests only
# (`--tests`, the default) the independent ISO readers, cloud-init (net-convert), ruby (ERB template
# tests), MariaDB (Ironic's distributed shape: API + conductors on one database) and what the sushy-tools
# virtualenv compiles libvirt-python with (the Redfish BMC emulator), Keystone and htpasswd (Ironic behind
# its own HTTP basic auth or a real Keystone). `--demo` installs Ironic and nginx alone.
# `--testbed` adds what the real deploys need (emulated servers, image builds, the Python virtualenvs of
# Ironic from PyPI and sushy-tools, python-venv.sh): QEMU, libvirt, debootstrap and the image tools.
# No service is left enabled at boot or running: whatever the packages enabled is disabled again.
# apt's output goes to a log file; the screen gets one line per step.
# Fast no-op when everything is present. Needs root (or sudo) on Debian 12.
set -euo pipefail

PKGS=(
  ironic-api ironic-conductor python3-ironic python3-ironicclient sqlite3 curl
  python3-venv
  nginx-light libnginx-mod-http-dav-ext
)
MODE="${1:---tests}"
case "${MODE}" in
  --demo) ;;
  --tests)
    PKGS+=(genisoimage xorriso p7zip-full python3-pycdlib cloud-init ruby mariadb-server python3-pymysql)
    # the sushy-tools virtualenv: libvirt-python has no wheel, pip compiles it against Debian's libvirt
    PKGS+=(python3-dev gcc pkg-config libvirt-dev)
    # authenticated Ironic: Keystone 22 (keystone-manage, keystone-wsgi-public; no daemon package) and
    # htpasswd for the bcrypt entry of Ironic's http_basic user file
    PKGS+=(python3-keystone apache2-utils)
    ;;
  --testbed)
    # virtualenvs: Debian's python3 with venv, and what libvirt-python compiles with
    PKGS+=(python3-venv python3-dev gcc pkg-config libvirt-dev)
    # emulated servers: QEMU (software emulation), libvirt (sushy-tools' libvirt driver), namespaces and bridges
    PKGS+=(qemu-system-x86 qemu-utils libvirt-daemon-system libvirt-clients iproute2 socat)
    # image builds (diskimage-builder, the stemcell) and the ISOs Ironic makes for virtual media
    PKGS+=(debootstrap squashfs-tools kpartx dosfstools e2fsprogs parted gdisk fdisk xz-utils zstd cpio isolinux syslinux-common genisoimage xorriso)
    PKGS+=(dnsmasq-base) # the IPA ramdisk check: a DHCP server inside its own namespace (no service to start)
    ;;
  *) echo "usage: install-system-deps.sh [--tests | --demo | --testbed]" >&2; exit 2 ;;
esac

# nginx-light has the core dav module (PUT/DELETE/MKCOL/COPY/MOVE: --with-http_dav_module);
# libnginx-mod-http-dav-ext adds PROPFIND/OPTIONS. test/harness/webdav.ts loads the .so itself.
verify() {
  local bad=()
  [ -x /usr/bin/ironic ] && [ -x /usr/bin/ironic-dbsync ] || bad+=("/usr/bin/ironic, /usr/bin/ironic-dbsync")
  [ -f /usr/lib/nginx/modules/ngx_http_dav_ext_module.so ] || bad+=("ngx_http_dav_ext_module.so")
  /usr/sbin/nginx -V 2>&1 | grep -q -- --with-http_dav_module || bad+=("nginx without --with-http_dav_module")
  /usr/bin/python3 -c 'import venv, ensurepip' 2>/dev/null || bad+=("python3 venv/ensurepip")
  if [ "${MODE}" = --tests ]; then
    [ -x /usr/sbin/mariadbd ] || bad+=("/usr/sbin/mariadbd")
    [ -x /usr/bin/keystone-manage ] && [ -x /usr/bin/htpasswd ] || bad+=("/usr/bin/keystone-manage, /usr/bin/htpasswd")
  fi
  if [ "${MODE}" = --testbed ]; then command -v qemu-system-x86_64 >/dev/null && [ -x /usr/sbin/libvirtd ] || bad+=("qemu-system-x86_64, libvirtd"); fi
  if [ ${#bad[@]} -gt 0 ]; then echo "[install-system-deps] ERROR: missing after install: ${bad[*]}" >&2; exit 1; fi
}

missing=()
for p in "${PKGS[@]}"; do
  st=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
  [ "$st" = "install ok installed" ] || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  verify
  echo "[install-system-deps] all ${#PKGS[@]} packages present" >&2
  exit 0
fi

SUDO=
if [ "$(id -u)" != 0 ]; then
  command -v sudo >/dev/null || { echo "[install-system-deps] need root or sudo to install: ${missing[*]}" >&2; exit 1; }
  SUDO=sudo
fi

log="$(mktemp "${TMPDIR:-/tmp}/bosh-ironic-cpi-apt.XXXXXX.log")"
echo "[install-system-deps] installing ${#missing[@]} Debian packages (${missing[*]}); apt's output: ${log}" >&2
export DEBIAN_FRONTEND=noninteractive DEBCONF_NONINTERACTIVE_SEEN=true

# What starts at boot before the install: systemd wants-links and SysV rc start links.
boot_links() { find /etc/systemd/system /etc/rc[2-5].d -type l \( -path '*.wants/*' -o -name 'S*' \) 2>/dev/null | sort; }
before="$(boot_links)"

# Maintainer scripts must not start daemons (ironic-api on 0.0.0.0:6385, nginx on :80, tftpd, xinetd).
made_policy=0
if [ ! -e /usr/sbin/policy-rc.d ]; then
  printf '#!/bin/sh\n# temporary, created by install-system-deps.sh\nexit 101\n' | $SUDO tee /usr/sbin/policy-rc.d >/dev/null
  $SUDO chmod 755 /usr/sbin/policy-rc.d
  made_policy=1
fi
cleanup() { if [ "$made_policy" = 1 ]; then $SUDO rm -f /usr/sbin/policy-rc.d; fi; }
trap cleanup EXIT

# No dbconfig database, rabbit, keystone or endpoint registration: the tests write their own config.
$SUDO debconf-set-selections <<'SEL'
ironic-common ironic/configure_db boolean false
ironic-common ironic/configure_rabbit boolean false
ironic-common ironic/configure_ksat boolean false
ironic-common ironic/enabled_drivers multiselect
ironic-api ironic/configure_api-endpoint boolean false
dbconfig-common dbconfig-common/dbconfig-install boolean false
SEL

fail() { echo "[install-system-deps] ERROR: $1 failed; the last lines of ${log}:" >&2; tail -n 20 "${log}" >&2; exit 1; }
$SUDO dpkg --configure -a >>"${log}" 2>&1 || true
$SUDO apt-get update -q >>"${log}" 2>&1 || fail "apt-get update"
$SUDO apt-get install -y -q --no-install-recommends -o DPkg::Lock::Timeout=300 \
  -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold "${missing[@]}" >>"${log}" 2>&1 || fail "apt-get install"

# The packages enable their services at boot (nginx on :80, ironic-api on 0.0.0.0:6385, cloud-init, which
# rewrites the network and the hostname at the next boot, open-iscsi, tftpd-hpa, xinetd): undo each new one.
disabled=()
while read -r link; do
  [ -n "${link}" ] || continue
  name="$(basename "${link}")"
  case "${link}" in
    *.wants/*) $SUDO systemctl disable --no-reload "${name}" >>"${log}" 2>&1 || true; $SUDO rm -f "${link}" ;;
    *) svc="${name#S[0-9][0-9]}"; $SUDO update-rc.d "${svc}" disable >>"${log}" 2>&1 || $SUDO rm -f "${link}" ;;
  esac
  disabled+=("${name}")
done < <(comm -13 <(printf '%s\n' "${before}") <(boot_links))
if [ -d /run/systemd/system ]; then $SUDO systemctl stop ironic-api ironic-conductor nginx tftpd-hpa xinetd mariadb libvirtd virtlogd >>"${log}" 2>&1 || true; fi
[ "${#disabled[@]}" -eq 0 ] || echo "[install-system-deps] disabled at boot again: $(printf '%s\n' "${disabled[@]}" | sort -u | tr '\n' ' ')" >&2
left="$(comm -13 <(printf '%s\n' "${before}") <(boot_links))"
if [ -n "${left}" ]; then echo "[install-system-deps] ERROR: still enabled at boot: ${left}" >&2; exit 1; fi
verify
echo "[install-system-deps] done" >&2
