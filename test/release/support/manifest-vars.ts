// Values for every ((variable)) of release/manifests and of the bosh.yml-shaped fixture.
import { PEM } from "./ironic-cpi-properties.ts";

export const VARS: Record<string, unknown> = {
  // bosh-deployment's own
  director_name: "bosh-1",
  internal_cidr: "10.0.0.0/24",
  internal_gw: "10.0.0.1",
  internal_ip: "10.0.0.10",
  mbus_bootstrap_password: "mbus-secret",
  mbus_bootstrap_ssl: { ca: PEM, certificate: PEM, private_key: "key" },
  blobstore_agent_password: "agent-secret",
  blobstore_director_password: "director-secret",
  blobstore_ca: { certificate: PEM },
  nats_password: "nats-secret",
  // cpi.yml's
  ironic_cpi_release_url: "file:///tmp/bosh-ironic-cpi.tgz",
  stemcell_url: "https://example.com/bosh-stemcell-1.0-openstack-kvm-ubuntu-jammy-go_agent-raw.tgz",
  stemcell_sha1: "0123456789abcdef0123456789abcdef01234567",
  ironic_url: "http://10.0.0.5:6385",
  webdav_url: "http://10.0.0.5:8080/bosh",
  webdav_username: "bosh",
  webdav_password: "webdav-secret",
  director_mac: "52:54:00:12:34:56",
  director_ephemeral_disk: "/dev/disk/by-path/pci-0000:00:1f.2-ata-2",
  director_persistent_disk: "/dev/disk/by-path/pci-0000:00:1f.2-ata-3",
  // ironic-http-basic.yml / ironic-keystone.yml
  ironic_username: "bosh",
  ironic_password: "ironic-secret",
  keystone_url: "https://keystone.example.com:5000/v3",
  ironic_project: "baremetal",
  ironic_ca_cert: PEM,
  // cloud-config.yml / cpi-config.yml
  bmc_password: "bmc-secret",
  dc1_ironic_password: "dc1-secret",
  dc1_webdav_password: "dc1-webdav",
  dc2_ca: { certificate: PEM },
  dc2_keystone_password: "dc2-secret",
  dc2_webdav_password: "dc2-webdav",
  // registry.yml
  registry_password: "registry-secret",
  registry_store_url: "http://10.0.0.5:8080/bosh-registry",
  registry_store_username: "registry-store",
  registry_store_password: "registry-store-secret",
};
