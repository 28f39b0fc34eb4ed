// The IPA deploy ramdisk the bed boots (built and cached by test/harness/images/ipa-ramdisk.sh, another
// part of the harness): its kernel and initramfs, ready to publish on the bed's nginx as the nodes'
// deploy_kernel and deploy_ramdisk.
import { existsSync, statSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { run } from "./run.ts";

const SCRIPT = fileURLToPath(new URL("../images/ipa-ramdisk.sh", import.meta.url));

export interface IpaRamdisk {
  readonly dir: string;
  readonly kernel: string;
  readonly initramfs: string;
}

/**
 * $BOSH_IRONIC_CPI_IPA_RAMDISK (a directory with ipa.kernel and ipa.initramfs) when set, else what
 * ipa-ramdisk.sh prints: built on first use (tens of minutes, needs deb.debian.org and PyPI, so outside
 * the bed's namespace: test.sh runs it first), then answered from its cache in a moment.
 */
export async function ipaRamdisk(): Promise<IpaRamdisk> {
  let dir = process.env["BOSH_IRONIC_CPI_IPA_RAMDISK"] ?? "";
  if (!dir) {
    if (!existsSync(SCRIPT)) throw new Error(`testbed: ${SCRIPT} is missing (the IPA ramdisk build)`);
    const out = await run("bash", [SCRIPT], { timeoutMs: 3_600_000 });
    dir = out.trim().split("\n").at(-1) ?? "";
  }
  const kernel = join(dir, "ipa.kernel");
  const initramfs = join(dir, "ipa.initramfs");
  for (const f of [kernel, initramfs])
    if (!existsSync(f) || statSync(f).size === 0)
      throw new Error(`testbed: the IPA ramdisk directory ${JSON.stringify(dir)} has no ${f}`);
  return { dir, kernel, initramfs };
}
