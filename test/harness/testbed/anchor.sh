#!/usr/bin/env bash
# The anchor of one test bed, started as
#   ip netns exec NETNS unshare --mount --propagation private -- bash anchor.sh BED_DIR NETNS OWN_NETNS KEEP
# (OWN_NETNS and KEEP are 0 or 1). It holds the bed's namespaces open and is the bed's reaper.
#
# - Mounts: it bind-mounts the bed's own libvirt directories over the system ones, so the bed's libvirtd
#   keeps its sockets, domain definitions, storage pool and logs under BED_DIR and never touches the
#   machine's /etc/libvirt, /run/libvirt or /var/lib/libvirt.
# - Processes: it starts the bed's init, PID 1 of a new PID namespace (a bash, which reaps every orphan
#   adopted: libvirt daemonizes QEMU and waits for each QEMU it kills to be reaped; this machine's own
#   PID 1 reaps orphans only now and then, which made every libvirt call hang). The bed's daemons enter
#   it with `nsenter -t INIT -m -n -p`; when the init ends, the kernel ends everything left in it.
# - It prints "anchor ready init=<pid>" and waits on stdin: the Node process that started it holds the
#   other end, so a line "stop", an EOF (Node exited or was killed, however it died) or SIGTERM/SIGINT/
#   SIGHUP all lead to the same cleanup: every process of the bed is ended (TERM, KILL after 10 s), the
#   network namespace is deleted when the bed made it, and BED_DIR is removed unless KEEP.
set -euo pipefail
# The whole script is one block, parsed before it runs: bash reads a script as it goes, and an edit of
# this file (a checkout) while a bed runs would otherwise change what the waiting anchor runs next.
{
bed="${1:?usage: anchor.sh BED_DIR NETNS OWN_NETNS KEEP}"
netns="${2:?}"
own_netns="${3:?}"
keep="${4:?}"
cd /
log() { echo "[anchor $$] $*" >&2; }

# target:source (the sources are prepared by libvirt.ts before the anchor starts)
mounts=(
  "/etc/libvirt:${bed}/libvirt/etc"
  "/run/libvirt:${bed}/libvirt/run"
  "/var/lib/libvirt:${bed}/libvirt/lib"
  "/var/cache/libvirt:${bed}/libvirt/cache"
  "/var/log/libvirt:${bed}/libvirt/log"
)
for m in "${mounts[@]}"; do
  target="${m%%:*}"
  # /run/libvirt and /var/log/libvirt exist only once a libvirt ran on the machine: the empty mount
  # point is the one trace the bed leaves outside its dir
  mkdir -p "${target}"
  mount --bind "${m#*:}" "${target}"
done

# The bed's init: PID 1 of a new PID namespace, with its own /proc (libvirt reads /proc/<its pid>).
# It waits on a pipe from here: when the anchor goes, so does the init, and with it the namespace.
exec {init_in}> >(exec unshare --pid --fork --mount-proc --kill-child=SIGKILL -- bash -c 'read -r _ || true')
init_parent=$!
# The init is the child of that unshare. A child's pid from /proc/<pid>/stat: its 4th field, counted
# after the parenthesised command name (which may hold spaces), is the parent's pid.
child_of() {
  local parent="$1" p line fields
  for p in /proc/[0-9]*; do
    read -r line <"${p}/stat" 2>/dev/null || continue
    read -r -a fields <<<"${line##*) }"
    if [ "${fields[1]:-}" = "${parent}" ]; then
      echo "${p#/proc/}"
      return 0
    fi
  done
}
init=""
for _ in $(seq 100); do
  init="$(child_of "${init_parent}")"
  [ -n "${init}" ] && break
  sleep 0.05
done
[ -n "${init}" ] || { log "the bed's init did not start"; exit 1; }

# Every process of the bed but the anchor and the init, into the array `found`: members of the init's
# PID namespace, of the anchor's and the init's mount namespaces and, when the bed made the network
# namespace, of that. Only shell builtins (-ef compares namespace inodes): the scan never meets a
# helper process of its own.
found=()
scan() {
  local p pid
  found=()
  for p in /proc/[0-9]*; do
    pid="${p#/proc/}"
    [ "${pid}" != "$$" ] && [ "${pid}" != "${init}" ] && [ "${pid}" != "${init_parent}" ] || continue
    if [[ "${p}/ns/pid" -ef "/proc/${init}/ns/pid" ]] || [[ "${p}/ns/mnt" -ef "/proc/$$/ns/mnt" ]] ||
      [[ "${p}/ns/mnt" -ef "/proc/${init}/ns/mnt" ]] ||
      { [ "${own_netns}" = 1 ] && [[ "${p}/ns/net" -ef "/proc/$$/ns/net" ]]; }; then
      found+=("${pid}")
    fi
  done
}

# Ends the bed's processes: TERM, then KILL what still runs after 10 s (both waits bounded).
end_all() {
  local i
  scan
  [ "${#found[@]}" -gt 0 ] || return 0
  log "ending the bed's processes: ${found[*]}"
  kill -TERM "${found[@]}" 2>/dev/null || true
  for i in $(seq 100); do
    scan
    [ "${#found[@]}" -gt 0 ] || return 0
    sleep 0.1
  done
  log "still running after 10 s, killing: ${found[*]}"
  kill -KILL "${found[@]}" 2>/dev/null || true
  for i in $(seq 50); do
    scan
    [ "${#found[@]}" -gt 0 ] || return 0
    sleep 0.1
  done
  log "could not end: ${found[*]}"
}

cleaned=0
cleanup() {
  [ "${cleaned}" = 0 ] || return 0
  cleaned=1
  trap '' TERM INT HUP
  end_all
  # the init reads EOF and exits; the kernel ends whatever is still in its PID namespace
  exec {init_in}>&-
  for _ in $(seq 50); do
    [ -d "/proc/${init}" ] || break
    sleep 0.1
  done
  if [ "${own_netns}" = 1 ]; then ip netns del "${netns}" 2>/dev/null && log "deleted network namespace ${netns}" || true; fi
  for m in "${mounts[@]}"; do umount -l "${m%%:*}" 2>/dev/null || true; done
  if [ "${keep}" = 1 ]; then log "kept ${bed}"; else rm -rf "${bed}" && log "removed ${bed}"; fi
}
trap 'cleanup; exit 0' TERM INT HUP
trap cleanup EXIT

echo "anchor ready init=${init}"
line=""
while IFS= read -r line; do
  [ "${line}" = stop ] && break
done
log "stopping (${line:-stdin closed})"
exit 0
}
