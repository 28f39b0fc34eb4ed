#!/usr/bin/env bash
# Boots the IPA ramdisk of ipa-ramdisk.sh the way the test bed's servers will (QEMU under software emulation,
# SeaBIOS, a virtio disk with a serial, a virtio NIC) on a bridge inside a network namespace it creates, and
# waits, bounded, for IPA to reach the stub Ironic API there (ipa/ironic-api-stub.py): its inspection data
# (the disk's serial, the NIC's address), its lookup and its first heartbeat. Prints the times from power-on.
#
#   check-ipa-ramdisk.sh [--dir DIR] [--dhcp] [--boot-iso] [--scsi] [--machine pc|q35] [--smp N] [--timeout SECS]
#
#   (default)    network_data.json (static IPv4, no DHCP server anywhere) on a CD made as Ironic makes its
#                virtual-media ISO (label config-2, a publisher id, ir_pub_id=<it> on the command line);
#                the kernel and ramdisk come through QEMU's -kernel/-initrd
#   --dhcp       network_data names the NIC with an ipv4_dhcp network (how the CPI describes a DHCP network):
#                a DHCP server (dnsmasq) in the namespace answers it
#   --boot-iso   boot from one ISO built like Ironic's BIOS virtual media (isolinux, kernel, ramdisk and
#                network_data.json on it) instead of -kernel/-initrd: the whole virtual-media path
#   --scsi       the disk and the CD on a virtio-scsi controller (as the test bed's libvirt domains have them)
#                instead of a virtio-blk disk and an IDE (pc) or SATA (q35) CD
#   --machine    QEMU machine: pc (i440fx; default) or q35
#   --smp        vCPUs (default 2)
#
# Stops QEMU and the stub and removes the namespace in every case; prints the serial console on failure.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
step() { echo "[check-ipa-ramdisk] $*" >&2; }

dir="" dhcp=0 boot_iso=0 scsi=0 machine=pc smp=2 timeout=900
while [ $# -gt 0 ]; do
  case "$1" in
    --dir) dir="$2"; shift 2 ;;
    --dhcp) dhcp=1; shift ;;
    --boot-iso) boot_iso=1; shift ;;
    --scsi) scsi=1; shift ;;
    --machine) machine="$2"; shift 2 ;;
    --smp) smp="$2"; shift 2 ;;
    --timeout) timeout="$2"; shift 2 ;;
    *) echo "usage: check-ipa-ramdisk.sh [--dir DIR] [--dhcp] [--boot-iso] [--scsi] [--machine pc|q35] [--smp N] [--timeout SECS]" >&2; exit 2 ;;
  esac
done
[ "$(id -u)" = 0 ] || { step "ERROR: needs root (network namespace, tap device)"; exit 1; }
[ -n "${dir}" ] || dir="$(bash "${here}/ipa-ramdisk.sh")"
for f in ipa.kernel ipa.initramfs; do [ -f "${dir}/${f}" ] || { step "ERROR: no ${dir}/${f}"; exit 1; }; done
for t in qemu-system-x86_64 qemu-img genisoimage ip; do command -v "$t" >/dev/null || { step "ERROR: ${t} missing (install-system-deps.sh --testbed)"; exit 1; }; done
if [ "${dhcp}" = 1 ]; then command -v dnsmasq >/dev/null || { step "ERROR: dnsmasq missing (install-system-deps.sh --testbed)"; exit 1; }; fi

# Everything lives in the namespace: the bridge (the "provisioning network"), the stub API, the VM's tap.
ns="bicpi-ipa-$$"
net=10.219.0
api="http://${net}.1:6385"
mac=52:54:00:4b:1c:01
serial=BICPI-IPA-DISK-1
node="$(cat /proc/sys/kernel/random/uuid)"
token="$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')"
pub="$(cat /proc/sys/kernel/random/uuid)"
work="$(mktemp -d "${TMPDIR:-/tmp}/check-ipa.XXXXXX")"
console="${work}/console.log"
qemu_pid="" stub_pid="" dns_pid="" ok=0

cleanup() {
  local p
  # (each was started as `ip netns exec CMD &`: ip execs CMD, so $! is CMD itself; QEMU's pidfile besides)
  [ ! -s "${work}/qemu.pid" ] || qemu_pid="${qemu_pid} $(cat "${work}/qemu.pid")"
  for p in ${qemu_pid} ${stub_pid} ${dns_pid}; do kill "$p" 2>/dev/null || true; done
  for p in ${qemu_pid} ${stub_pid} ${dns_pid}; do
    for _ in $(seq 1 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$p" 2>/dev/null || true
  done
  ip netns del "${ns}" 2>/dev/null || true
  if [ "${ok}" != 1 ]; then
    step "the serial console (${console}), last 150 lines:"
    tail -n 150 "${console}" >&2 2>/dev/null || true
    step "the stub API's events:"
    cat "${work}/events.jsonl" >&2 2>/dev/null || true
    [ ! -f "${work}/dnsmasq.log" ] || { step "dnsmasq:"; cat "${work}/dnsmasq.log" >&2; }
  fi
  rm -rf "${work}"
}
trap cleanup EXIT

step "network namespace ${ns}: bridge ${net}.1/24, tap for the VM"
ip netns add "${ns}"
nsx() { ip netns exec "${ns}" "$@"; }
nsx ip link set lo up
nsx ip link add br0 type bridge
nsx ip addr add "${net}.1/24" dev br0
nsx ip link set br0 up
nsx ip tuntap add dev tap0 mode tap
nsx ip link set tap0 master br0
nsx ip link set tap0 up

# The node's network_data, as the CPI would give Ironic: one physical link, static IPv4, a gateway, DNS; or
# (--dhcp) the link with an ipv4_dhcp network. The ramdisk never falls back to DHCP on a NIC network_data
# does not name (ipa-ramdisk.sh: DIB_SIMPLE_INIT_NO_DHCP_FALLBACK).
mkdir -p "${work}/cd/openstack/latest"
if [ "${dhcp}" = 1 ]; then
  cat >"${work}/cd/openstack/latest/network_data.json" <<EOF
{
  "links": [{"id": "nic0", "type": "phy", "ethernet_mac_address": "${mac}", "mtu": 1500}],
  "networks": [{"id": "provisioning", "type": "ipv4_dhcp", "link": "nic0", "network_id": "provisioning"}],
  "services": []
}
EOF
else
  cat >"${work}/cd/openstack/latest/network_data.json" <<EOF
{
  "links": [{"id": "nic0", "type": "phy", "ethernet_mac_address": "${mac}", "mtu": 1500}],
  "networks": [{"id": "provisioning", "type": "ipv4", "link": "nic0", "network_id": "provisioning",
                "ip_address": "${net}.10", "netmask": "255.255.255.0",
                "routes": [{"network": "0.0.0.0", "netmask": "0.0.0.0", "gateway": "${net}.1"}]}],
  "services": [{"type": "dns", "address": "${net}.1"}]
}
EOF
fi

label=config-2 # the ISO's volume label, as Ironic labels a virtual-media ISO with network_data on it
cmdline="console=ttyS0,115200 nofb vga=normal ipa-debug=1 boot_method=vmedia"
cmdline+=" ipa-api-url=${api} ipa-agent-token=${token}"
# Inspection data shows what IPA sees (disk serials, addresses); the "default" collector alone, as the
# "logs" one (the journal, many commands) costs a minute under emulation and tells nothing here.
cmdline+=" ipa-inspection-callback-url=${api}/v1/continue_inspection ipa-inspection-collectors=default"
qemu_boot=()
if [ "${boot_iso}" = 1 ]; then
  # Ironic's BIOS virtual media (ironic.common.images.create_isolinux_image_for_bios): isolinux, the kernel
  # and ramdisk, the injected network_data.json, label config-2, a publisher id that ir_pub_id names.
  iso="${work}/cd"
  mkdir -p "${iso}/isolinux"
  cp /usr/lib/ISOLINUX/isolinux.bin /usr/lib/syslinux/modules/bios/ldlinux.c32 "${iso}/isolinux/"
  cp "${dir}/ipa.kernel" "${iso}/vmlinuz"
  cp "${dir}/ipa.initramfs" "${iso}/initrd"
  printf 'default boot\n\nlabel boot\nkernel /vmlinuz\nappend initrd=/initrd text %s ir_pub_id=%s --\n' "${cmdline}" "${pub}" >"${iso}/isolinux/isolinux.cfg"
  genisoimage -quiet -r -V "${label}" -J -l -publisher "${pub}" -no-emul-boot -boot-load-size 4 -boot-info-table \
    -b isolinux/isolinux.bin -o "${work}/vmedia.iso" "${iso}"
  cd_iso="${work}/vmedia.iso"
  qemu_boot=(-boot d)
  step "boot ISO like Ironic's ($(($(stat -c %s "${work}/vmedia.iso") / 1048576)) MiB, label ${label})"
else
  # The CD Ironic would attach, without the boot files: config-2 with network_data.json.
  genisoimage -quiet -r -V "${label}" -J -l -publisher "${pub}" -o "${work}/vmedia.iso" "${work}/cd"
  cd_iso="${work}/vmedia.iso"
  qemu_boot=(-kernel "${dir}/ipa.kernel" -initrd "${dir}/ipa.initramfs" -append "${cmdline} ir_pub_id=${pub}")
fi

if [ "${dhcp}" = 1 ]; then
  ip netns exec "${ns}" dnsmasq --keep-in-foreground --no-resolv --no-hosts --bind-interfaces --interface=br0 --except-interface=lo \
    --dhcp-range="${net}.100,${net}.150,255.255.255.0,1h" --dhcp-host="${mac},${net}.10" \
    --dhcp-leasefile="${work}/dnsmasq.leases" --pid-file= --port=0 --log-dhcp --log-facility="${work}/dnsmasq.log" &
  dns_pid=$!
fi

qemu-img create -q -f qcow2 "${work}/disk.qcow2" 8G
: >"${work}/events.jsonl"
t0="$(date +%s.%N)"
ip netns exec "${ns}" /usr/bin/python3 "${here}/ipa/ironic-api-stub.py" --listen "${net}.1:6385" --node "${node}" --token "${token}" \
  --events "${work}/events.jsonl" --inventory "${work}/inventory.json" --t0 "${t0}" 2>"${work}/stub.log" &
stub_pid=$!
if [ "${scsi}" = 1 ]; then
  storage=(-device virtio-scsi-pci,id=scsi0
    -drive "file=${work}/disk.qcow2,if=none,id=disk0,format=qcow2" -device "scsi-hd,bus=scsi0.0,drive=disk0,serial=${serial}"
    -drive "file=${cd_iso},if=none,id=cd0,media=cdrom,readonly=on" -device "scsi-cd,bus=scsi0.0,drive=cd0,bootindex=1")
else
  storage=(-drive "file=${work}/disk.qcow2,if=none,id=disk0,format=qcow2" -device "virtio-blk-pci,drive=disk0,serial=${serial}"
    -drive "file=${cd_iso},media=cdrom,readonly=on")
fi
step "booting $(basename "${dir}") (machine ${machine}, TCG, ${smp} vCPUs, 2560 MiB, $([ "${scsi}" = 1 ] && echo virtio-scsi || echo virtio-blk)); console: ${console}"
ip netns exec "${ns}" qemu-system-x86_64 -pidfile "${work}/qemu.pid" -accel tcg -machine "${machine}" -smp "${smp}" -m 2560 -display none -monitor none -no-reboot \
  -serial "file:${console}" \
  "${storage[@]}" -netdev tap,id=nic0,ifname=tap0,script=no,downscript=no -device "virtio-net-pci,netdev=nic0,mac=${mac}" \
  "${qemu_boot[@]}" 2>"${work}/qemu.log" &
qemu_pid=$!

since() { awk -v t="$1" 'BEGIN { printf "%.1f", t }'; }
first() { grep -m1 "$1" "${work}/events.jsonl" | sed -E 's/^\{"t": ([0-9.]+).*/\1/'; }
deadline=$(($(date +%s) + timeout))
while :; do
  if grep -q '"/v1/heartbeat/' "${work}/events.jsonl"; then break; fi
  kill -0 "${qemu_pid}" 2>/dev/null || { step "ERROR: QEMU exited: $(cat "${work}/qemu.log")"; exit 1; }
  kill -0 "${stub_pid}" 2>/dev/null || { step "ERROR: the stub API exited: $(cat "${work}/stub.log")"; exit 1; }
  [ "$(date +%s)" -lt "${deadline}" ] || { step "ERROR: no heartbeat within ${timeout} s"; exit 1; }
  sleep 2
done

# What IPA saw and said, checked against what the VM was given.
fails=()
[ -s "${work}/inventory.json" ] || fails+=("no inspection data")
if [ -s "${work}/inventory.json" ]; then
  /usr/bin/python3 - "${work}/inventory.json" "${serial}" "${mac}" "${net}.10" >"${work}/verdict.txt" <<'PY' || true
import json, sys
data = json.load(open(sys.argv[1])); serial, mac, ip = sys.argv[2:5]
inv = data.get("inventory", {})
disks = inv.get("disks", [])
ifaces = inv.get("interfaces", [])
print("disks:", [(d.get("name"), d.get("serial"), d.get("size")) for d in disks])
print("interfaces:", [(i.get("name"), i.get("mac_address"), i.get("ipv4_address")) for i in ifaces])
bad = []
if not any(d.get("serial") == serial for d in disks): bad.append("no disk with serial %s" % serial)
if not any(i.get("mac_address") == mac and i.get("ipv4_address") == ip for i in ifaces): bad.append("no NIC %s with %s" % (mac, ip))
print("FAIL: " + "; ".join(bad) if bad else "OK")
PY
  grep -q '^OK$' "${work}/verdict.txt" || fails+=("$(grep '^FAIL' "${work}/verdict.txt" || echo "inventory unreadable")")
fi
grep '"/v1/lookup"' "${work}/events.jsonl" | grep -qi "${mac}" || fails+=("no lookup with ${mac}")
# (https: IPA makes itself a certificate when the API's version has agent auto-TLS, 1.68, as Ironic 39 has)
grep '"/v1/heartbeat/' "${work}/events.jsonl" | grep -Eq "\"callback_url\": \"https?://${net}.10:9999\"" ||
  fails+=("no heartbeat announcing https://${net}.10:9999")
if [ ${#fails[@]} -gt 0 ]; then step "ERROR: ${fails[*]}"; cat "${work}/verdict.txt" >&2 2>/dev/null || true; exit 1; fi

sed 's/^/[check-ipa-ramdisk]   /' "${work}/verdict.txt" >&2
t_any="$(head -1 "${work}/events.jsonl" | sed -E 's/^\{"t": ([0-9.]+).*/\1/')"
step "OK, seconds from power-on: first request to the API $(since "${t_any}"), inspection data $(first continue_inspection)," \
  "lookup $(first '/v1/lookup'), first heartbeat $(first '/v1/heartbeat/')"
ok=1
