// The bed's Ironic settings in one place: what it takes for Ironic 39 to deploy onto the emulated
// servers with the `redfish` hardware type, `redfish-virtual-media` boot (Ironic builds a BIOS-bootable
// ISO of the IPA kernel + ramdisk, publishes it on the bed's nginx and has the BMC insert it) and the
// `direct` deploy (IPA downloads the image itself and writes it to the root disk, with the config
// drive). Merged by startIronic over its own ironic.conf (test/harness/ironic-config.ts).
import type { IronicConfig } from "../ironic-config.ts";

export interface BedIronicInput {
  /** Ironic's API as the ramdisk reaches it: http://<bridge address>:<port> */
  apiUrl: string;
  /** the bed's nginx: Ironic's [deploy] http_root on disk and the URL it is served at */
  httpRoot: string;
  httpUrl: string;
  /** where IPA's logs of every deploy and cleaning are stored (tar.gz per run) */
  deployLogsDir: string;
  /** [conductor] automated_clean: Ironic's default (true) unless a test says otherwise; a node's own
   * automated_clean field (what the CPI sets per node) overrides it either way */
  automatedClean: boolean;
  /** [conductor] *_callback_timeout in s: how long Ironic waits for the ramdisk's first heartbeat */
  callbackTimeout: number;
}

export function bedIronicConfig(o: BedIronicInput): IronicConfig {
  return {
    DEFAULT: {
      // only what the bed uses: every node is a Redfish server booted from virtual media
      enabled_hardware_types: "redfish",
      enabled_boot_interfaces: "redfish-virtual-media",
      enabled_deploy_interfaces: "direct",
      enabled_power_interfaces: "redfish",
      enabled_management_interfaces: "redfish",
      // out-of-band inspection through sushy-tools works, but nothing of the bed needs it
      enabled_inspect_interfaces: "redfish,no-inspect",
      default_inspect_interface: "no-inspect",
      // sushy-tools' libvirt BIOS attributes are a fixed list; caching them at manage adds nothing
      enabled_bios_interfaces: "no-bios",
      enabled_firmware_interfaces: "no-firmware",
      enabled_raid_interfaces: "no-raid",
      enabled_console_interfaces: "no-console",
      enabled_rescue_interfaces: "no-rescue",
      enabled_vendor_interfaces: "no-vendor",
      enabled_storage_interfaces: "noop",
      // standalone: no Neutron; the ramdisk's address comes from the node's network_data
      enabled_network_interfaces: "noop",
      // Ironic's BIOS ISO is isolinux: Debian's isolinux and syslinux-common put these here
      // (Ironic's default isolinux_bin is /usr/lib/syslinux/isolinux.bin, which Debian does not have)
      isolinux_bin: "/usr/lib/ISOLINUX/isolinux.bin",
      ldlinux_c32: "/usr/lib/syslinux/modules/bios/ldlinux.c32",
    },
    service_catalog: {
      // standalone Ironic has no Keystone catalog: this is the `ipa-api-url` Ironic puts on the ISO's
      // kernel command line, where IPA sends its heartbeats (the API's address on the bed's bridge)
      endpoint_override: o.apiUrl,
    },
    deploy: {
      // the emulated servers are SeaBIOS machines; Ironic defaults to UEFI since 2023.2
      default_boot_mode: "bios",
      // Ironic writes the virtual-media ISOs here and hands the BMC http_url/<name>: the bed's nginx
      http_root: o.httpRoot,
      http_url: o.httpUrl,
      // IPA's default erase_devices (priority 10) shreds every disk: hours under emulation. Metadata
      // erase (priority 99, IPA's default) is what cleaning does here
      erase_devices_priority: 0,
    },
    redfish: {
      // Ironic's default plus the serial console: the ramdisk's boot is in the VM's console file
      kernel_append_params: "nofb vga=normal console=tty0 console=ttyS0,115200n8",
      // sushy-tools offers HTTP basic auth only; the default (auto) first tries a Redfish session and
      // logs an authentication ERROR on every new connection before falling back
      auth_type: "basic",
    },
    agent: {
      // IPA fetches image_source itself from the bed's nginx (Ironic's default, explicit here: the
      // conductor neither downloads nor converts the image)
      image_download_source: "http",
      // IPA's journal of every deploy and cleaning, also when it succeeds: what the test attaches when
      // a later step fails
      deploy_logs_collect: "always",
      deploy_logs_storage_backend: "local",
      deploy_logs_local_path: o.deployLogsDir,
    },
    conductor: {
      automated_clean: o.automatedClean,
      // the ramdisk boots under software emulation: minutes, not seconds
      clean_callback_timeout: o.callbackTimeout,
      deploy_callback_timeout: o.callbackTimeout,
    },
  };
}
