#!/usr/bin/env bash
# Installs, unattended and idempotently, the Debian packages the tests and the demo use:
# Ironic 21.4 (ironic-api/ironic-conductor, one-process `ironic`), nginx with the DAV modules,
# the independent ISO readers, cloud-init (net-convert), ruby (ERB template tests).
# Fast no-op when everything is present. Needs root (or sudo) on Debian 12.
set -euo pipefail

PKGS=(
  ironic-api ironic-conductor python3-ironic python3-ironicclient sqlite3 curl
  nginx-light libnginx-mod-http-dav-ext
  genisoimage xorriso p7zip-full python3-pycdlib cloud-init
  ruby
)

# nginx-light has the core dav module (PUT/DELETE/MKCOL/COPY/MOVE: --with-http_dav_module);
# libnginx-mod-http-dav-ext adds PROPFIND/OPTIONS. test/harness/webdav.ts loads the .so itself.
verify() {
  local bad=()
  [ -x /usr/bin/ironic ] && [ -x /usr/bin/ironic-dbsync ] || bad+=("/usr/bin/ironic, /usr/bin/ironic-dbsync")
  [ -f /usr/lib/nginx/modules/ngx_http_dav_ext_module.so ] || bad+=("ngx_http_dav_ext_module.so")
  /usr/sbin/nginx -V 2>&1 | grep -q -- --with-http_dav_module || bad+=("nginx without --with-http_dav_module")
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

echo "[install-system-deps] installing: ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive DEBCONF_NONINTERACTIVE_SEEN=true

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

$SUDO dpkg --configure -a >/dev/null 2>&1 || true
$SUDO apt-get update -q >/dev/null || $SUDO apt-get update -q
$SUDO apt-get install -y -q --no-install-recommends -o DPkg::Lock::Timeout=300 \
  -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold "${missing[@]}" >&2

# Where systemd really runs, the packages enable services that would grab public ports at boot.
if [ -d /run/systemd/system ] && command -v systemctl >/dev/null; then
  $SUDO systemctl disable --now ironic-api ironic-conductor nginx >/dev/null 2>&1 || true
fi
verify
echo "[install-system-deps] done" >&2
