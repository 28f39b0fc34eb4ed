#!/usr/bin/env bash
# Boots the test bed's stemcell (stemcell.sh) the way a deployed server boots it, and checks that its
# bosh-agent comes up: QEMU under software emulation (BIOS/SeaBIOS, 1 GiB, virtio disks with serials), the
# root disk a copy of root.img with a config-2 partition appended the way ironic-python-agent does it
# (partition_utils.create_config_drive_partition: `parted mkpart primary fat32 -64MiB -0`, the ISO written
# into it), the ISO rendered by the CPI itself (`node dist/cpi.js render-config-drive`) for a manual network
# with a static IP, an ephemeral and a persistent disk, and a NIC on a tap device on a bridge inside a
# network namespace made here. From inside that namespace, bosh-cli's own agent client must get "pong" from
# `ping` and an answer from `get_state` over the agent's HTTPS mbus, with the mbus certificate generated as
# `bosh create-env` generates it (bosh int --vars-store); then the persistent disk must mount
# (add_persistent_disk, mount_disk, list_disk), and after a clean power-off the root partition must have grown
# only up to the config-2 partition, which must be unchanged. Prints the times; on failure the serial
# console and the agent's log (read from the VM's disk afterwards).
#
#   check-stemcell.sh [--bond [--preconfigure]] [STEMCELL_DIR]
#       STEMCELL_DIR     default: the directory stemcell.sh prints (built when missing)
#       --bond           two NICs in an active-backup bond carrying the manual network, and a second manual
#                        network on VLAN 200 of that bond (cloud_properties bond/vlan, as the CPI documents
#                        them): the VLAN address must answer too, before and after the active NIC loses its
#                        link. The agent cannot make bonds or VLANs (stemcell/README.md).
#       --preconfigure   marks every network `preconfigured` in the drive's agent settings before the boot:
#                        what the CPI would write so that the image, not the agent, configures the network
#                        from network_data.json (stemcell/network/bosh-network-data). A stand-in for that
#                        CPI change, to check the image's half.
#   STEMCELL_BOOT_WAIT=SECONDS           power-on to pong at most (default 420)
#
# Needs root (network namespace, tap device), dist/ (`npm run build`, made here when missing) and the BOSH
# tools in $BOSH_PEERS_BIN (default ../shared/peers/bin). The VM and the namespace are removed in every case.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
harness="$(cd "${here}/.." && pwd)"
repo="$(cd "${harness}/../.." && pwd)"
peers="${BOSH_PEERS_BIN:-${repo}/../shared/peers/bin}"
# shellcheck source=../cache-dir.sh
. "${harness}/cache-dir.sh"
step() { echo "[check-stemcell] $*" >&2; }
die() { step "ERROR: $*"; exit 1; }

[ "$(id -u)" = 0 ] || die "needs root (network namespace and tap device)"
bash "${harness}/install-system-deps.sh" --testbed
for t in bosh agent-call; do [ -x "${peers}/${t}" ] || die "no ${peers}/${t} (set BOSH_PEERS_BIN)"; done
bond=0 preconfigure=0
while [ $# -gt 0 ]; do
  case "$1" in
  --bond) bond=1 ;;
  --preconfigure) preconfigure=1 ;;
  -*) die "usage: check-stemcell.sh [--bond [--preconfigure]] [STEMCELL_DIR]" ;;
  *) break ;;
  esac
  shift
done
dir="${1:-$(bash "${here}/stemcell.sh")}"
[ -f "${dir}/root.img" ] || die "no root.img in ${dir}"
if [ ! -f "${repo}/dist/cpi.js" ]; then
  step "building dist/ (npm run build)"
  (cd "${repo}" && npm run -s build >&2)
fi

# Addresses exist only inside the namespace made below (the bridge 10.253.0.1, the VM 10.253.0.10; with
# --bond the VM's 10.253.200.10 on VLAN 200 too).
NET=10.253.0 VM_IP=10.253.0.10 MAC=52:54:00:5c:00:01 MAC2=52:54:00:5c:00:02 AGENT_ID=check-stemcell-agent
VLAN=200 VLAN_NET=10.253.200 VLAN_IP=10.253.200.10
BOOT_WAIT="${STEMCELL_BOOT_WAIT:-420}" # seconds from power-on to pong, at most (software emulation on a shared machine)
ns="stemcell-check-$$"
work="$(mktemp -d "${TMPDIR:-/tmp}/check-stemcell.XXXXXX")"
qemu_pid=""
ok=0
logs="${BOSH_IRONIC_CPI_CACHE}/log"
stop_vm() { # ACPI power button first (the guest flushes its disks, the agent's log with them), then signals
  [ -n "${qemu_pid}" ] || return 0
  if kill -0 "${qemu_pid}" 2>/dev/null && [ -S "${work}/monitor.sock" ]; then
    echo system_powerdown | socat - "UNIX-CONNECT:${work}/monitor.sock" >/dev/null 2>&1 || true
    for _ in $(seq 1 60); do kill -0 "${qemu_pid}" 2>/dev/null || break; sleep 1; done
  fi
  if kill -0 "${qemu_pid}" 2>/dev/null; then
    kill -TERM "${qemu_pid}"
    for _ in $(seq 1 20); do kill -0 "${qemu_pid}" 2>/dev/null || break; sleep 0.5; done
    kill -KILL "${qemu_pid}" 2>/dev/null || true
  fi
  qemu_pid=""
}
partition() { # N → "start size" in bytes of partition N of the root disk, as its table says now
  parted -m -s "${work}/root-disk.img" unit B print | awk -F: -v n="$1" '$1 == n { sub(/B$/, "", $2); sub(/B$/, "", $4); print $2, $4 }'
}
agent_log() { # the agent's log (/var/vcap/bosh/log/current) from the stopped VM's root filesystem, unmounted
  local p
  p="$(partition 1)"
  [ -n "${p}" ] || return 0
  dd if="${work}/root-disk.img" of="${work}/root.part" bs=1M iflag=skip_bytes,count_bytes \
    skip="${p% *}" count="${p#* }" status=none 2>/dev/null &&
    debugfs -R "cat /var/vcap/bosh/log/current" "${work}/root.part" 2>/dev/null
  rm -f "${work}/root.part"
}
cleanup() {
  set +e
  stop_vm
  if [ "${ok}" != 1 ]; then
    if [ -s "${work}/console.log" ]; then
      step "the serial console (last 150 lines of ${work}/console.log):"
      tail -n 150 "${work}/console.log" | sed 's/\r$//' >&2
    fi
    if [ -f "${work}/root-disk.img" ]; then
      agent_log >"${work}/agent.log"
      if [ -s "${work}/agent.log" ]; then
        step "the agent's log (last 60 lines of /var/vcap/bosh/log/current):"
        tail -n 60 "${work}/agent.log" >&2
      fi
    fi
  fi
  ip netns del "${ns}" 2>/dev/null
  rm -rf "${work}"
}
trap cleanup EXIT

# --- The mbus credentials, as create-env makes them (bosh-deployment's bosh.yml variables).
step "mbus certificate and password (bosh int --vars-store)"
cat >"${work}/vars.yml" <<EOF
variables:
- name: mbus_bootstrap_password
  type: password
- name: default_ca
  type: certificate
  options: {is_ca: true, common_name: ca}
- name: mbus_bootstrap_ssl
  type: certificate
  options: {ca: default_ca, common_name: ${VM_IP}, alternative_names: [${VM_IP}]}
EOF
"${peers}/bosh" int "${work}/vars.yml" --vars-store "${work}/creds.yml" >/dev/null
cred() { "${peers}/bosh" int "${work}/creds.yml" --path "$1"; }
password="$(cred /mbus_bootstrap_password)"
cred /mbus_bootstrap_ssl/ca >"${work}/ca.pem"

# --- The config drive, rendered by the CPI for this VM (what create_vm would hand Ironic).
step "config drive (node dist/cpi.js render-config-drive)"
for k in ca certificate private_key; do cred "/mbus_bootstrap_ssl/${k}" >"${work}/ssl-${k}"; done
node -e '
const fs = require("node:fs");
const [work, password, net, ip, mac, agentId, bond, mac2, vlan, vlanIp] = process.argv.slice(1);
const read = (k) => fs.readFileSync(`${work}/ssl-${k}`, "utf8");
const cpi = {
  // never contacted: render-config-drive reads no server
  ironic: { url: "http://127.0.0.1:9/" },
  stemcell_store: { url: "http://127.0.0.1:9/stemcells/" },
  // as bosh-deployment sets it for create-env: the agent serves its mbus over HTTPS on 6868
  agent: {
    mbus: `https://mbus:${password}@0.0.0.0:6868`,
    blobstore: { provider: "local", options: { blobstore_path: "/var/vcap/micro_bosh/data/cache" } },
  },
  // the ephemeral disk by its virtio serial (QEMU -device virtio-blk-pci,serial=ephemeral)
  disks: { ephemeral_device: "/dev/disk/by-id/virtio-ephemeral" },
};
const networks = {
  default: {
    type: "manual", ip, netmask: "255.255.255.0", gateway: `${net}.1`, dns: [`${net}.1`],
    default: ["dns", "gateway"], cloud_properties: {},
  },
};
let ports = [{ address: mac, pxe_enabled: true }];
if (bond === "1") {
  // network cloud_properties for a bond and a VLAN on it, as the CPI reads them
  const b = { macs: [mac, mac2], mode: "active-backup", miimon: 100 };
  networks.default.cloud_properties = { bond: b };
  networks.storage = { type: "manual", ip: vlanIp, netmask: "255.255.255.0", cloud_properties: { bond: b, vlan: Number(vlan) } };
  ports = [{ address: mac, pxe_enabled: true }, { address: mac2, pxe_enabled: false }];
}
const env = { bosh: { mbus: { cert: { ca: read("ca"), certificate: read("certificate"), private_key: read("private_key") } } } };
const input = {
  arguments: [agentId, "stemcell-check", {}, networks, [], env],
  node: { uuid: "5c0c0000-0000-4000-8000-000000000001", name: "check-stemcell" },
  ports,
  stemcell_api_version: 3,
};
fs.writeFileSync(`${work}/cpi.json`, JSON.stringify(cpi, null, 2));
fs.writeFileSync(`${work}/in.json`, JSON.stringify(input, null, 2));
'  "${work}" "${password}" "${NET}" "${VM_IP}" "${MAC}" "${AGENT_ID}" "${bond}" "${MAC2}" "${VLAN}" "${VLAN_IP}"
node "${repo}/dist/cpi.js" render-config-drive --config "${work}/cpi.json" --input "${work}/in.json" \
  --out "${work}/drive" >"${work}/render.json" || die "render-config-drive: $(cat "${work}/render.json")"
iso="${work}/drive/config-drive.iso"
[ -s "${iso}" ] || die "render-config-drive wrote no ISO: $(cat "${work}/render.json")"
if [ "${preconfigure}" = 1 ]; then
  # The proposed CPI change, by hand: every network of the agent settings (ec2/latest/user-data and the
  # openstack/*/user_data copies) `preconfigured`; the ISO packed again under its volume label.
  step "marking the drive's networks preconfigured (a stand-in for the CPI change)"
  osirrox -indev "${iso}" -extract / "${work}/iso" >/dev/null 2>&1 || die "osirrox could not read ${iso}"
  chmod -R u+w "${work}/iso"
  python3 - "${work}/iso" <<'EOF' || die "could not mark the networks preconfigured"
import glob, json, sys
for path in [f"{sys.argv[1]}/ec2/latest/user-data", *glob.glob(f"{sys.argv[1]}/openstack/*/user_data")]:
    settings = json.load(open(path))
    for network in settings["networks"].values():
        if network.get("type") != "vip":
            network["preconfigured"] = True
    json.dump(settings, open(path, "w"))
EOF
  iso="${work}/drive/config-drive-preconfigured.iso"
  genisoimage -quiet -o "${iso}" -V config-2 -J -R "${work}/iso"
fi

# --- The disks. Root: the image on a bigger disk, config-2 appended as IPA does it on an MBR disk.
cp --sparse=always "${dir}/root.img" "${work}/root-disk.img"
truncate -s 4G "${work}/root-disk.img"
parted -a optimal -s -- "${work}/root-disk.img" mkpart primary fat32 -64MiB -0
start="$(parted -m -s "${work}/root-disk.img" unit B print | awk -F: '$1 == "2" { sub(/B$/, "", $2); print $2 }')"
[ -n "${start}" ] || die "no config-2 partition after parted mkpart"
dd if="${iso}" of="${work}/root-disk.img" bs=512 seek="$((start / 512))" conv=notrunc status=none
truncate -s 4G "${work}/ephemeral.img"
truncate -s 2G "${work}/persistent.img"

# --- The namespace: a bridge holding the host side's address and the VM's tap device.
step "network namespace ${ns}: bridge ${NET}.1/24, tap for the VM"
ip netns add "${ns}"
ip -n "${ns}" link set lo up
ip -n "${ns}" link add br0 type bridge
ip -n "${ns}" addr add "${NET}.1/24" dev br0
ip -n "${ns}" link set br0 up
ip -n "${ns}" tuntap add dev tap0 mode tap
ip -n "${ns}" link set tap0 master br0 up
nics=(-netdev "tap,id=n0,ifname=tap0,script=no,downscript=no" -device "virtio-net-pci,netdev=n0,mac=${MAC}")
if [ "${bond}" = 1 ]; then
  ip -n "${ns}" tuntap add dev tap1 mode tap
  ip -n "${ns}" link set tap1 master br0 up
  nics+=(-netdev "tap,id=n1,ifname=tap1,script=no,downscript=no" -device "virtio-net-pci,netdev=n1,mac=${MAC2}")
fi

step "power on: QEMU (TCG, BIOS, 1 GiB); serial console in ${work}/console.log"
t_on=${SECONDS}
ip netns exec "${ns}" qemu-system-x86_64 -accel tcg -machine pc -cpu max -smp 2 -m 1024 \
  -nodefaults -display none -no-reboot -monitor "unix:${work}/monitor.sock,server,nowait" \
  -chardev "file,id=s0,path=${work}/console.log" -serial chardev:s0 \
  -drive "file=${work}/root-disk.img,if=none,id=d0,format=raw,cache=unsafe" -device virtio-blk-pci,drive=d0,serial=root,bootindex=1 \
  -drive "file=${work}/ephemeral.img,if=none,id=d1,format=raw,cache=unsafe" -device virtio-blk-pci,drive=d1,serial=ephemeral \
  -drive "file=${work}/persistent.img,if=none,id=d2,format=raw,cache=unsafe" -device virtio-blk-pci,drive=d2,serial=persistent \
  "${nics[@]}" \
  >"${work}/qemu.log" 2>&1 &
qemu_pid=$!

mbus="https://mbus:${password}@${VM_IP}:6868"
call() { ip netns exec "${ns}" "${peers}/agent-call" -mbus "${mbus}" -ca-cert "${work}/ca.pem" "$@"; }
step "waiting for the agent (ping, up to ${BOOT_WAIT} s)"
call -wait "${BOOT_WAIT}" ping >"${work}/ping.out" 2>"${work}/ping.err" &
ping_pid=$!
# Milestones on the serial console, for the time breakdown: SeaBIOS until GRUB's menu, GRUB's 1 s timeout
# and loading the kernel and initramfs until "Linux version", the boot until runit starts the agent, then
# the agent's bootstrap until pong.
declare -A seen=()
milestones=("GNU GRUB:grub" "Linux version:kernel" "Started .*runit.service:runit")
while kill -0 "${ping_pid}" 2>/dev/null; do
  if ! kill -0 "${qemu_pid}" 2>/dev/null; then
    kill "${ping_pid}" 2>/dev/null || true
    die "QEMU stopped after $((SECONDS - t_on)) s: $(tail -n 5 "${work}/qemu.log")"
  fi
  for m in "${milestones[@]}"; do
    [ -n "${seen[${m#*:}]:-}" ] || ! grep -qa "${m%:*}" "${work}/console.log" || seen[${m#*:}]=$((SECONDS - t_on))
  done
  sleep 1
done
wait "${ping_pid}" || die "no pong after $((SECONDS - t_on)) s: $(tail -n 3 "${work}/ping.err")"
t_pong=$((SECONDS - t_on))
grep -qx '"pong"' "${work}/ping.out" || die "ping answered $(cat "${work}/ping.out")"
step "pong ${t_pong} s after power-on (GRUB at ${seen[grub]:-?} s, kernel at ${seen[kernel]:-?} s, runit starting the agent at ${seen[runit]:-?} s)"

# bosh-cli's client keeps job_state and the network specs of get_state's answer; with no job applied,
# monit (which the agent started over runit) reports the empty job list as "running".
call get_state >"${work}/state.json" 2>"${work}/state.err" || die "get_state failed: $(tail -n 3 "${work}/state.err")"
grep -q '"JobState":"running"' "${work}/state.json" || die "get_state answered $(cat "${work}/state.json")"
step "get_state: $(cat "${work}/state.json")"

if [ "${bond}" = 1 ]; then
  # Both networks on the bond: the VLAN's address answers ARP on VLAN 200, and the mbus and the VLAN still
  # answer with the bond's first NIC unplugged (the bond fails over to the second one).
  vlan_arp() { ip netns exec "${ns}" python3 - br0 "${VLAN}" "${VLAN_NET}.1" "${VLAN_IP}" <<'EOF'
# ARP for the VM's VLAN address, tagged, from the bridge: this host's kernel has no 802.1Q devices
# (no 8021q, no bridge VLAN filtering), so the frames are made and read with a packet socket.
import socket, struct, sys, time
dev, vid, src_ip, dst_ip = sys.argv[1], int(sys.argv[2]), socket.inet_aton(sys.argv[3]), socket.inet_aton(sys.argv[4])
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(0x0003))
s.bind((dev, 0))
s.setsockopt(263, 8, 1)  # SOL_PACKET, PACKET_AUXDATA: the kernel hands a received tag over beside the frame
me = bytes.fromhex(open(f"/sys/class/net/{dev}/address").read().strip().replace(":", ""))
arp = struct.pack("!HHBBH6s4s6s4s", 1, 0x0800, 6, 4, 1, me, src_ip, b"\0" * 6, dst_ip)
frame = b"\xff" * 6 + me + struct.pack("!HHH", 0x8100, vid, 0x0806) + arp
s.settimeout(1)
for _ in range(10):
    s.send(frame)
    end = time.time() + 1
    while time.time() < end:
        try:
            data, anc, _, _ = s.recvmsg(2048, 64)
        except socket.timeout:
            break
        tci = next((struct.unpack("IIIHHHH", d[:20])[5] for l, t, d in anc if (l, t) == (263, 8)), None)
        if data[12:14] == b"\x81\x00":  # the tag left in the frame
            tci, data = struct.unpack("!H", data[14:16])[0], data[:12] + data[16:]
        if tci is not None and tci & 0xFFF == vid and data[12:14] == b"\x08\x06" and data[20:22] == b"\x00\x02" \
                and data[28:32] == dst_ip:
            print(f"{sys.argv[4]} is at {data[22:28].hex(':')} on VLAN {vid}")
            sys.exit(0)
sys.exit(f"no ARP reply for {sys.argv[4]} on VLAN {vid} within 10 s")
EOF
  }
  vlan_arp >"${work}/vlan.out" 2>&1 || die "VLAN ${VLAN}: $(tail -n 1 "${work}/vlan.out")"
  step "bond: $(cat "${work}/vlan.out")"
  # the cable out of the first NIC: QEMU drops its link, the guest's bond sees it (miimon) and fails over
  echo "set_link n0 off" | socat - "UNIX-CONNECT:${work}/monitor.sock" >/dev/null
  sleep 3
  call ping >/dev/null 2>"${work}/ping2.err" || die "with the first NIC unplugged, no pong: $(tail -n 2 "${work}/ping2.err")"
  vlan_arp >"${work}/vlan.out" 2>&1 || die "with the first NIC unplugged, VLAN ${VLAN}: $(tail -n 1 "${work}/vlan.out")"
  echo "set_link n0 on" | socat - "UNIX-CONNECT:${work}/monitor.sock" >/dev/null
  step "bond: with the first NIC unplugged, pong and $(cat "${work}/vlan.out")"
fi

# The persistent disk as attach_disk hands it over (a path hint, here by virtio serial): the agent
# partitions it (parted), makes ext4 and mounts it on /var/vcap/store.
disk_cid=check-stemcell-disk
call add_persistent_disk "${disk_cid}" '{"path":"/dev/disk/by-id/virtio-persistent"}' >/dev/null 2>"${work}/disk.err" ||
  die "add_persistent_disk failed: $(tail -n 3 "${work}/disk.err")"
t_disk=${SECONDS}
call mount_disk "${disk_cid}" >/dev/null 2>"${work}/disk.err" || die "mount_disk failed: $(tail -n 3 "${work}/disk.err")"
call list_disk >"${work}/disks.json" 2>"${work}/disk.err" || die "list_disk failed: $(tail -n 3 "${work}/disk.err")"
grep -q "\"${disk_cid}\"" "${work}/disks.json" || die "list_disk answered $(cat "${work}/disks.json") after mount_disk"
step "persistent disk: add_persistent_disk, mount_disk ($((SECONDS - t_disk)) s), list_disk: $(cat "${work}/disks.json")"

# After the first boot: the agent grew the root partition (growpart, then resize2fs) up to the config-2
# partition IPA appended, which must still be there, whole, and still read as the config drive.
stop_vm
read -r p1_start p1_size <<<"$(partition 1)"
read -r p2_start p2_size <<<"$(partition 2)"
[ -n "${p2_start:-}" ] || die "the config-2 partition is gone after the first boot"
[ $((p1_start + p1_size)) -le "${p2_start}" ] || die "the root partition now overlaps config-2"
dd if="${work}/root-disk.img" of="${work}/p2.img" bs=1M iflag=skip_bytes,count_bytes skip="${p2_start}" \
  count="$(stat -c %s "${iso}")" status=none
cmp -s "${iso}" "${work}/p2.img" || die "the config-2 partition's content changed after the first boot"
step "root partition grew from $(($(stat -c %s "${dir}/root.img") / 1048576 - 1)) to $((p1_size / 1048576)) MiB, up to config-2 (intact, $((p2_size / 1048576)) MiB)"

mkdir -p "${logs}"
cp "${work}/console.log" "${logs}/check-stemcell-console.log"
agent_log >"${logs}/check-stemcell-agent.log"
ok=1
step "OK: the stemcell booted, its agent read the CPI's config drive and answers on ${VM_IP}:6868 (pong after ${t_pong} s);" \
  "logs: ${logs}/check-stemcell-console.log, ${logs}/check-stemcell-agent.log"
