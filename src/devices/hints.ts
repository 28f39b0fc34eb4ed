// Device hints for persistent disks, and the path the agent is told. The agent resolves {"path": …} by
// following symlinks (contract §4.5), so /dev/disk/by-path and /dev/disk/by-id are stable; bare /dev/sdX is
// accepted but unstable: the deploy ramdisk and the stemcell kernel may enumerate disks differently (the
// 2016 CPI's documented trap). A WWN becomes /dev/disk/by-id/wwn-0x…; a serial needs Ironic's inventory.
import { CpiError } from "../protocol/errors.ts";

export type HintKind = "by-path" | "by-id" | "wwn" | "serial" | "dev";

export interface DeviceHint {
  hint: string;
  kind: HintKind;
  /** For the agent; undefined for a serial until inventory gives a path. */
  path: string | undefined;
  stable: boolean;
  /** "0x…" lower-case, when the hint names one. */
  wwn?: string;
  serial?: string;
}

const WWN = /^(?:wwn-)?(0x[0-9a-fA-F]{8,32})$/;
const BY_ID_WWN = /^\/dev\/disk\/by-id\/wwn-(0x[0-9a-fA-F]{8,32})$/;

/** Classifies a hint; CpiError for forms that cannot name a whole, empty device. */
export function parseHint(hint: string): DeviceHint {
  if (hint.startsWith("/dev/disk/by-path/")) return { hint, kind: "by-path", path: hint, stable: true };
  if (hint.startsWith("/dev/disk/by-id/")) {
    const w = BY_ID_WWN.exec(hint);
    return { hint, kind: "by-id", path: hint, stable: true, ...(w ? { wwn: w[1]!.toLowerCase() } : {}) };
  }
  const wwn = WWN.exec(hint);
  if (wwn) {
    const id = wwn[1]!.toLowerCase();
    return { hint, kind: "wwn", path: `/dev/disk/by-id/wwn-${id}`, stable: true, wwn: id };
  }
  if (hint.startsWith("serial:") && hint.length > 7)
    return { hint, kind: "serial", path: undefined, stable: true, serial: hint.slice(7) };
  if (hint.startsWith("/dev/disk/")) {
    throw new CpiError(
      `persistent device hint ${hint}: by-uuid/by-label/by-partuuid name filesystems or partitions, and a new ` +
        `disk has none; use /dev/disk/by-path, /dev/disk/by-id, a WWN or serial:<serial>`,
    );
  }
  if (/^\/dev\/[A-Za-z0-9]+$/.test(hint)) return { hint, kind: "dev", path: hint, stable: false };
  throw new CpiError(
    `persistent device hint ${JSON.stringify(hint)} is not understood: use /dev/disk/by-path/…, ` +
      `/dev/disk/by-id/…, a WWN (0x…), serial:<serial> or (unstable) /dev/sdX`,
  );
}

/** Root-device hints (Ironic's properties.root_device) may carry operators like "s== /dev/sda". */
export function hintValue(v: unknown): string | undefined {
  if (typeof v !== "string" && typeof v !== "number") return undefined;
  const s = String(v).trim();
  const m = /^(?:s==|==|<in>|<or>)\s*(.+)$/.exec(s);
  return (m ? m[1]! : s).trim();
}
