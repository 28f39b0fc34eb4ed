// ironic.conf of the harness: standalone Ironic for tests (fake-hardware and the real hardware types
// enabled), as sections of keys, with the caller's extraConfig merged over them. The API is open (noauth)
// unless `auth` says otherwise: HTTP basic from an htpasswd file, or Keystone tokens validated by
// keystonemiddleware; with `tls` it serves HTTPS itself ([api] enable_ssl_api).
import type { IronicInstall } from "./ironic-release.ts";

export type IniValue = string | number | boolean;
export type IronicConfig = Record<string, Record<string, IniValue>>;

/** Who may call the API, as Ironic's [DEFAULT] auth_strategy names it. */
export type ApiAuth =
  | { strategy: "noauth" }
  /** an htpasswd file of bcrypt entries ([DEFAULT] http_basic_auth_user_file) */
  | { strategy: "http_basic"; userFile: string }
  /** keystonemiddleware's [keystone_authtoken] section (its service user, auth_url, caching) */
  | { strategy: "keystone"; authtoken: Record<string, IniValue> };

export interface ConfigInput {
  install: IronicInstall;
  stateDir: string;
  /** the address the API, json-rpc and [deploy] http_url bind to */
  host: string;
  port: number;
  /** rpc_transport, host and group of this process; the all-in-one shape has no RPC */
  rpc?: { host: string; group: string };
  /** SQLAlchemy URL; default the state dir's sqlite file */
  database?: string;
  logName?: string;
  interval: number;
  powerInterval: number;
  callbackTimeout: number;
  automatedClean: boolean;
  debug: boolean;
  delays: { deploy: string; power: string; boot: string; management: string };
  /** default noauth */
  auth?: ApiAuth;
  /** HTTPS on the API: the certificate chain (leaf + intermediates) and key files, and the URL clients use */
  tls?: { chainFile: string; keyFile: string; publicEndpoint: string };
}

/** [DEFAULT] auth_strategy and what it reads. */
function authConfig(o: ConfigInput): IronicConfig {
  const auth = o.auth ?? { strategy: "noauth" };
  switch (auth.strategy) {
    case "noauth":
      return { DEFAULT: { auth_strategy: "noauth" } };
    case "http_basic":
      return { DEFAULT: { auth_strategy: "http_basic", http_basic_auth_user_file: auth.userFile } };
    case "keystone":
      return {
        // Ironic 39's default policy lets a project-scoped token act on every node only with the `service`
        // role in the service project, and only with this on (ironic/common/context.py, policy.py
        // SYSTEM_MEMBER/SYSTEM_READER → rule:service_role); 21.4's legacy rules take role:admin instead
        DEFAULT: {
          auth_strategy: "keystone",
          ...(o.install.release === "pypi" ? { rbac_service_role_elevated_access: true } : {}),
        },
        keystone_authtoken: auth.authtoken,
      };
  }
}

/** Ironic's own TLS on the API: [api] cert_file/key_file on today's Ironic (cheroot), [ssl] on 21.4. */
function tlsConfig(o: ConfigInput): IronicConfig {
  if (!o.tls) return {};
  const files = { cert_file: o.tls.chainFile, key_file: o.tls.keyFile };
  // public_endpoint: the links Ironic's answers carry (pagination's `next`) name the https URL
  const api = { enable_ssl_api: true, public_endpoint: o.tls.publicEndpoint };
  return o.install.release === "pypi" ? { api: { ...api, ...files } } : { api, ssl: files };
}

export function ironicConfig(o: ConfigInput): IronicConfig {
  const d = o.stateDir;
  const rpcHost = o.rpc?.host ?? o.host;
  const base: IronicConfig = {
    DEFAULT: {
      rpc_transport: o.rpc ? "json-rpc" : "none",
      host: rpcHost,
      debug: o.debug,
      log_file: `${d}/log/${o.logName ?? "ironic.log"}`,
      use_stderr: false,
      state_path: d,
      tempdir: `${d}/tmp`,
      pybasedir: o.install.pybasedir,
      // moved to [conductor] in Ironic 2025.2 (its own option replacing oslo.service's)
      ...(o.install.release === "debian" ? { graceful_shutdown_timeout: 5 } : {}),
      minimum_memory_warning_only: true,
      hash_ring_reset_interval: 10,
      enabled_hardware_types: "fake-hardware,ipmi,redfish",
      enabled_bios_interfaces: "fake,no-bios",
      enabled_boot_interfaces: "fake,ipxe,pxe,redfish-virtual-media",
      enabled_console_interfaces: "fake,no-console",
      enabled_deploy_interfaces: "fake,direct",
      enabled_inspect_interfaces: "fake,no-inspect",
      enabled_management_interfaces: "fake,ipmitool,redfish",
      enabled_network_interfaces: "noop",
      enabled_power_interfaces: "fake,ipmitool,redfish",
      enabled_raid_interfaces: "fake,no-raid",
      enabled_rescue_interfaces: "fake,no-rescue",
      enabled_storage_interfaces: "fake,noop",
      enabled_vendor_interfaces: "fake,ipmitool,no-vendor",
      default_network_interface: "noop",
    },
    api: { host_ip: o.host, port: o.port, api_workers: 1 },
    json_rpc: { auth_strategy: "noauth", host_ip: rpcHost, port: o.port + 2 },
    conductor: {
      ...(o.rpc?.group ? { conductor_group: o.rpc.group } : {}),
      automated_clean: o.automatedClean,
      sync_power_state_interval: o.powerInterval,
      check_provision_state_interval: o.interval,
      check_allocations_interval: o.interval,
      heartbeat_interval: o.interval,
      heartbeat_timeout: o.interval * 3,
      deploy_callback_timeout: o.callbackTimeout,
      allow_deleting_available_nodes: true,
      ...(o.install.release === "pypi" ? { graceful_shutdown_timeout: 5 } : {}),
    },
    database: o.database
      ? { connection: o.database, max_pool_size: 10 }
      : { connection: `sqlite:///${d}/ironic.sqlite`, sqlite_synchronous: false },
    deploy: {
      configdrive_use_object_store: false,
      fast_track: false,
      http_root: `${d}/httpboot`,
      http_url: `http://${o.host}:${o.port + 1}`,
    },
    pxe: {
      tftp_root: `${d}/tftpboot`,
      tftp_master_path: `${d}/tftpboot/master_images`,
      images_path: `${d}/images`,
      instance_master_path: `${d}/master_images`,
    },
    dhcp: { dhcp_provider: "none" },
    // standalone, no Swift: virtual-media ISOs are served from [deploy] http_root. 21.4 defaults to Swift
    // (its tear down of a redfish-virtual-media node failed: "An auth plugin is required"); Ironic 39 does not
    redfish: { use_swift: false },
    // standalone: no Nova to tell of the power changes of nodes with an instance_uuid (a warning each time)
    nova: { send_power_notifications: false },
    oslo_concurrency: { lock_path: `${d}/lock` },
    fake: {
      deploy_delay: o.delays.deploy,
      power_delay: o.delays.power,
      boot_delay: o.delays.boot,
      management_delay: o.delays.management,
    },
  };
  return mergeConfig(mergeConfig(base, authConfig(o)), tlsConfig(o));
}

/** `extra` over `base`, key by key (a section of `extra` adds to the section of `base`, never replaces it). */
export function mergeConfig(base: IronicConfig, extra: IronicConfig | undefined): IronicConfig {
  const out: IronicConfig = {};
  for (const [section, keys] of Object.entries(base)) out[section] = { ...keys };
  for (const [section, keys] of Object.entries(extra ?? {})) out[section] = { ...out[section], ...keys };
  return out;
}

/** INI text, oslo.config's syntax: `key = value`, one value per line. */
export function renderIni(cfg: IronicConfig): string {
  const lines = ["# generated by the bosh-ironic-cpi test harness - standalone Ironic for tests"];
  for (const [section, keys] of Object.entries(cfg)) {
    lines.push("", `[${section}]`);
    for (const [k, v] of Object.entries(keys)) {
      const s = String(v);
      if (/[\r\n]/.test(s) || /[\r\n[\]=]/.test(k))
        throw new Error(`ironic.conf: [${section}] ${k}: a key or value cannot span lines`);
      lines.push(`${k} = ${s}`);
    }
  }
  return `${lines.join("\n")}\n`;
}
