// Which checksums create_stemcell computes: sha256 always, md5 only for an Ironic older than Ussuri
// (its conductors insist on an md5 image_checksum). md5 was the costliest step of an upload (~500 MiB/s
// on one core, no CPU support), so it is skipped whenever the configured Ironic says it can do without.
import { serverNeedsMd5 } from "../../ironic/microversions.ts";
import type { Logger } from "../../log/index.ts";

/** What the question needs of Ironic: its advertised API range (one quick GET /). */
export type AskIronic = () => Promise<{ serverVersions: { min: string; max: string } }>;

/** An Ironic that cannot answer gets md5 too, which every Ironic accepts. */
export async function ironicNeedsMd5(ask: AskIronic, log: Logger): Promise<boolean> {
  try {
    const { serverVersions } = await ask();
    const needed = serverNeedsMd5(serverVersions);
    log.debug(
      { server: serverVersions, md5: needed },
      needed ? "this Ironic needs md5 image checksums" : "this Ironic checks sha256 alone",
    );
    return needed;
  } catch (err) {
    log.info({ err: (err as Error).message }, "could not ask Ironic for its version: computing md5 as well as sha256");
    return true;
  }
}
