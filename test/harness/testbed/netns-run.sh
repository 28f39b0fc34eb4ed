#!/usr/bin/env bash
# Runs a command (the e2e vitest run, a script) inside a network namespace made for it, so the command
# reaches the test bed the way the bed's own parts do: Ironic, nginx, sushy-tools and the VMs at their
# addresses on the bed's bridge, no forwarders. The namespace has its loopback and nothing else (no route
# out): npm, PyPI and the machine's networks are out of reach for the command, so install first.
#
#   netns-run.sh [--] COMMAND [ARG...]
#
# startTestbed adopts the namespace it runs in (adds its bridge) and leaves it to this script, which at
# the end ends every process still in it (TERM, KILL after 10 s) and deletes it, also when the command
# fails or this script is interrupted. The command's exit status is this script's.
set -euo pipefail
[ "${1:-}" = -- ] && shift
[ $# -gt 0 ] || { echo "usage: netns-run.sh [--] COMMAND [ARG...]" >&2; exit 64; }
[ "$(id -u)" = 0 ] || { echo "[netns-run] needs root (ip netns)" >&2; exit 1; }

ns="bicpi-run-$$-$(head -c3 /dev/urandom | od -An -tx1 | tr -d ' \n')"
log() { echo "[netns-run] $*" >&2; }

# Every process in the namespace but this script (which is not in it).
members() { ip netns pids "${ns}" 2>/dev/null || true; }

cleanup() {
  local pids i
  trap '' INT TERM HUP
  pids="$(members | tr '\n' ' ')"
  if [ -n "${pids// /}" ]; then
    log "ending what still runs in ${ns}: ${pids}"
    # shellcheck disable=SC2086
    kill -TERM ${pids} 2>/dev/null || true
    for i in $(seq 100); do
      [ -n "$(members)" ] || break
      sleep 0.1
    done
    pids="$(members | tr '\n' ' ')"
    # shellcheck disable=SC2086
    [ -z "${pids// /}" ] || kill -KILL ${pids} 2>/dev/null || true
  fi
  ip netns del "${ns}" 2>/dev/null || true
  log "deleted network namespace ${ns}"
}

ip netns add "${ns}"
trap cleanup EXIT
# A signal ends the run: cleanup (on EXIT) ends the command with everything else in the namespace. The
# command runs in the background and the script waits for it, because bash runs a trap only once the
# foreground command has finished.
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP
ip -n "${ns}" link set lo up
log "running in network namespace ${ns}: $*"
ip netns exec "${ns}" "$@" &
status=0
wait "$!" || status=$?
exit "${status}"
