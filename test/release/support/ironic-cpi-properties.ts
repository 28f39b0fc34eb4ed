// ironic_cpi job properties for the template tests: the required ones only, and every one set.
import { TEST_CA } from "../../support/test-ca.ts";

/** A real (self-signed, test-only) certificate: the configuration schema parses every ca_cert. */
export const PEM = TEST_CA;

/** Only what has no default anywhere: the rest comes from the CPI's schema defaults. */
export const REQUIRED = {
  ironic: { url: "http://10.0.0.5:6385" },
  stemcell_store: { url: "http://10.0.0.5:8080/bosh" },
  agent: { mbus: "nats://10.0.0.10:4222" },
};

/** The config-file part: every key of cpi.json, keystone auth. */
export const ALL_CONFIG = {
  ironic: {
    url: "https://ironic.example.com:6385",
    auth: {
      type: "keystone",
      auth_url: "https://keystone.example.com:5000/v3",
      username: "bosh",
      password: "ironic-secret",
      project_name: "baremetal",
      user_domain_name: "users",
      project_domain_name: "projects",
      region_name: "RegionTwo",
      interface: "internal",
    },
    ca_cert: PEM,
    insecure: false,
    max_api_version: "1.82",
    request_timeout: 90,
    retries: { attempts: 5, base_delay_ms: 100, max_delay_ms: 2000 },
    poll: { initial_interval_ms: 500, max_interval_ms: 5000 },
    deploy_timeout: 7200,
    delete_timeout: 900,
    power_timeout: 120,
    stale_claim_margin: 300,
    shard: "bosh-prod",
    owner: "bosh",
    lessee: "bosh-lessee",
  },
  stemcell_store: {
    url: "https://webdav.example.com/bosh",
    read_url: "http://172.16.0.5:8080/bosh",
    username: "bosh",
    password: "webdav-secret",
    ca_cert: PEM,
    insecure: true,
    request_timeout: 600,
    retries: 2,
  },
  registry: {
    mode: "always",
    endpoint: "http://registry:registry-secret@10.0.0.10:25777",
    prefix: "settings",
    store: {
      url: "https://webdav.example.com/bosh-registry",
      username: "registry-store",
      password: "registry-store-secret",
      ca_cert: PEM,
      insecure: true,
      request_timeout: 120,
      retries: 3,
    },
  },
  agent: {
    mbus: "nats://10.0.0.10:4222",
    ntp: ["time1.example.com", "time2.example.com"],
    blobstore: {
      provider: "dav",
      options: { endpoint: "https://10.0.0.10:25250", user: "agent", password: "agent-secret" },
    },
  },
  network: {
    unused_nics: "dhcp",
    loopback_base: "127.0.0.200",
    loopback_prefix: 25,
    default_dns: ["10.0.0.2", "2001:db8::53"],
  },
  config_drive: { public_keys: ["ssh-ed25519 AAAAC3Nza operator@example.com"], max_packed_bytes: 131072 },
  disks: {
    system_device: "/dev/disk/by-path/pci-0000:00:1f.2-ata-1",
    ephemeral_device: "/dev/disk/by-path/pci-0000:00:1f.2-ata-2",
    persistent_devices: ["/dev/disk/by-path/pci-0000:00:1f.2-ata-3", "/dev/disk/by-path/pci-0000:00:1f.2-ata-4"],
  },
  placement: { avoid_failed_for: 600, maintenance_after_failures: 5, failure_domain: "trait:CUSTOM_RACK_" },
  stemcell_formats: ["openstack-raw"],
  automated_clean: false,
  debug: { api_version: 1 },
};

/** Every property of the job: the config part plus the conventional BOSH ones (which agent.* beats). */
export const ALL = {
  ...ALL_CONFIG,
  ntp: ["0.pool.example.com"],
  blobstore: {
    provider: "dav",
    path: "/var/vcap/micro_bosh/data/cache",
    address: "10.0.0.10",
    port: 25250,
    agent: { user: "agent", password: "agent-secret" },
    tls: { cert: { ca: PEM } },
  },
  env: {
    http_proxy: "http://proxy.example.com:3128",
    https_proxy: "http://proxy.example.com:3129",
    no_proxy: "localhost,127.0.0.1",
  },
};
