#!/bin/bash
# Runs inside the image's chroot (stemcell.sh copies this directory to /tmp/stemcell first): users, groups,
# directories and services the bosh-agent expects of a stemcell. Arguments: the stemcell version.
# What each step answers to is in the agent's source (cloudfoundry/bosh-agent d3fc095bd), named below.
set -euo pipefail
version="${1:?usage: configure.sh VERSION}"
src=/tmp/stemcell

# Users and groups as bosh-linux-stemcell-builder's bosh_users stage makes them: vcap (uid 1000) is the
# agent's user (SetupSSH, SetUserPassword, chown root:vcap everywhere); bosh_sshers/bosh_sudoers are the
# groups the agent puts `bosh ssh` users in. Passwords stay locked: the agent sets root's and vcap's from
# env.bosh.password (usermod -p) at every bootstrap.
groupadd --system admin
groupadd --gid 1000 vcap
useradd --uid 1000 --gid vcap --create-home --comment 'BOSH System User' --shell /bin/bash vcap
chmod 700 /home/vcap
groupadd bosh_sshers
groupadd bosh_sudoers
usermod -G admin,adm,audio,cdrom,dialout,floppy,video,bosh_sshers,dip,plugdev vcap
# SetupLogDir runs `chown root:syslog /var/vcap/data/root_log` and fails without the group; Ubuntu's
# rsyslog creates it, Debian has none.
groupadd --system syslog

# The agent's tree. bosh/bin comes first in the agent's PATH (runit run script).
install -d -m 0755 /var/vcap /var/vcap/bosh /var/vcap/bosh/bin /var/vcap/bosh/etc /var/vcap/bosh/log
install -d -m 0755 /var/vcap/data /var/vcap/store /var/vcap/jobs /var/vcap/packages
install -d -m 0700 /var/vcap/monit /var/vcap/monit/job /var/vcap/monit/svlog /var/vcap/monit/events
# the cache of `bosh create-env`'s local blobstore (micro/https_handler.go serves /blobs from it)
install -d -m 0755 /var/vcap/micro_bosh /var/vcap/micro_bosh/data /var/vcap/micro_bosh/data/cache
install -m 0755 /tmp/bosh-agent /var/vcap/bosh/bin/bosh-agent
for f in bosh-agent-rc restart_networking bosh-start-logging-and-auditing monit; do
  install -m 0755 "${src}/bin/${f}" "/var/vcap/bosh/bin/${f}"
done
install -m 0644 "${src}/agent.json" /var/vcap/bosh/agent.json
# -P "$(cat operating_system)": the agent's platform. Its `ubuntu` platform is plain systemd + networkd +
# resolvconf + runit Linux, which this Debian is; there is no `debian` platform.
echo ubuntu >/var/vcap/bosh/etc/operating_system
echo "${version}" >/var/vcap/bosh/etc/stemcell_version
install -m 0700 "${src}/etc/monitrc" /var/vcap/bosh/etc/monitrc
install -m 0600 "${src}/etc/alerts.monitrc" /var/vcap/monit/alerts.monitrc
# monit refuses to start when an include pattern matches nothing
touch /var/vcap/monit/empty.monitrc

# runit: the agent and monit services; monit starts only when the agent says `sv start monit`.
rm -rf /etc/sv/agent /etc/sv/monit
mkdir -p /etc/sv /etc/service
cp -a "${src}/runit/agent" /etc/sv/agent
cp -a "${src}/runit/monit" /etc/sv/monit
chmod 0755 /etc/sv/agent/run /etc/sv/agent/log/run /etc/sv/monit/run /etc/sv/monit/log/run
chmod 0700 /etc/sv/agent
ln -sfn /etc/sv/agent /etc/service/agent
ln -sfn /etc/sv/monit /etc/service/monit
# Debian's runit links a placeholder "default-syslog" (a `sleep 6000`) into the same directory: only the
# agent and monit are supervised, as on the stemcells.
rm -f /etc/service/default-syslog
install -m 0644 "${src}/etc/runit.service" /etc/systemd/system/runit.service
systemctl enable runit.service

# Networking: nothing configured in the image (no DHCP, no ifupdown). The agent writes
# /etc/systemd/network/10_<nic>.network and restarts systemd-networkd; resolvconf.service makes
# /run/resolvconf at boot for the agent's `resolvconf -u`. Nothing waits for "online": the agent is
# what brings the network up.
# (the agent walks /etc/systemd/network and fails when it is missing)
install -d -m 0755 /etc/systemd/network
systemctl enable systemd-networkd.service resolvconf.service
systemctl disable systemd-networkd-wait-online.service
# Bonds and VLANs: bosh-network-data renders network_data.json for ifupdown when the agent settings mark the
# networks preconfigured. cloud-init is only its converter: cloud-init's own boot stages stay off.
install -m 0755 "${src}/network/bosh-network-data" /usr/local/sbin/bosh-network-data
install -m 0644 "${src}/network/bosh-network-data.service" /etc/systemd/system/bosh-network-data.service
install -m 0644 "${src}/network/interfaces" /etc/network/interfaces
install -d -m 0755 /etc/network/interfaces.d
systemctl enable bosh-network-data.service networking.service
install -d -m 0755 /etc/cloud
touch /etc/cloud/cloud-init.disabled
# Debian's monit package starts its own monit (/etc/monit/monitrc) from an init script; the agent's
# monit is the runit one.
systemctl disable monit.service 2>/dev/null || update-rc.d monit disable
# A fresh machine-id at first boot, never the builder's; systemd-firstboot (if this systemd ships it)
# must not stop the boot with questions on the console.
: >/etc/machine-id
rm -f /var/lib/dbus/machine-id
systemctl mask systemd-firstboot.service

echo localhost >/etc/hostname
