// Stemcells in the WebDAV store: <cid>/root.img (streamed from the stemcell's image, checksummed on
// the way) and <cid>/stemcell.json (the record, written last). Light stemcells only get the record.
// create_vm finds the image through resolve(). Store and image failures become Bosh::Clouds errors here.
import { describeIssues } from "../../issues.ts";
import { randomUUID } from "node:crypto";
import type { Logger } from "../../log/index.ts";
import { BoshError, CloudError, CpiError } from "../../protocol/errors.ts";
import type { ImageDigest } from "../../stemcell/digest.ts";
import { StemcellImageError } from "../../stemcell/errors.ts";
import { SNIFF_BYTES, formatDisagreement, sniffImageFormat } from "../../stemcell/format.ts";
import { openRootImage, type RootImage } from "../../stemcell/image.ts";
import { LEGACY_CID, legacyObjectNames, parseLegacyMeta } from "../../stemcell/legacy.ts";
import { IMAGE_NAME, RECORD_NAME, StemcellRecord, type Checksums } from "../../stemcell/record.ts";
import { UnsafeKeyError, WebdavError, describeStoreError } from "../../webdav/errors.ts";
import { storeKey, type StoreKey } from "../../webdav/paths.ts";
import type { WebdavStore } from "../../webdav/store.ts";
import { parseImageChecksum, parseStemcellCloudProperties, type StemcellCloudProperties } from "./cloud-properties.ts";
import { sweepUnfinishedStemcells } from "./sweep.ts";

/** What create_vm needs to deploy a stemcell. */
export interface ResolvedStemcell {
  cid: string;
  /** Where Ironic conductors fetch the image (stemcell_store.read_url based; a light stemcell's own URL). */
  imageUrl: string;
  /** Uploaded stemcells have sha256 (and md5 for old Ironic); a light one has the one its image_checksum named. */
  checksums: Checksums;
  /** "raw" | "qcow2" by the image's first bytes; a light stemcell's declared disk_format, if any. */
  diskFormat: string | undefined;
  size: number | undefined;
  light: boolean;
}

export interface StemcellServiceDeps {
  store: WebdavStore;
  log: Logger;
  now?: () => Date;
  newCid?: () => string;
  /** How long a stemcell folder without its record must be left before it counts as a dead call's leftover. */
  staleMs?: number;
  /** Must an upload compute md5 too (Ironic before Ussuri)? Default: yes. */
  md5Needed?: () => Promise<boolean>;
}

/** resolve() of a CID the store does not know; on the wire a CloudError. */
export class StemcellNotFound extends CloudError {}

/** Anything thrown below → a Bosh::Clouds error that names the operation, never a credential. */
function toBoshError(what: string, err: unknown): BoshError {
  if (err instanceof BoshError) return err;
  if (err instanceof UnsafeKeyError) return new CpiError(`${what}: ${err.message}`, { cause: err });
  if (err instanceof StemcellImageError || err instanceof WebdavError)
    return new CloudError(`${what}: ${err.message}`, { cause: err });
  return new CloudError(`${what}: ${describeStoreError(err)}`, { cause: err });
}

const redact = (url: string) => url.replace(/\/\/[^/@]*@/, "//");

type CommonRecord = ReturnType<StemcellService["common"]>;

export class StemcellService {
  private readonly store: WebdavStore;
  private readonly log: Logger;
  private readonly now: () => Date;
  private readonly newCid: () => string;
  private readonly staleMs: number;
  private readonly md5Needed: () => Promise<boolean>;

  constructor(deps: StemcellServiceDeps) {
    this.md5Needed = deps.md5Needed ?? (async () => true);
    this.staleMs = deps.staleMs ?? 600_000;
    this.store = deps.store;
    this.log = deps.log;
    this.now = deps.now ?? (() => new Date());
    this.newCid = deps.newCid ?? (() => `stemcell-${randomUUID()}`);
  }

  /** create_stemcell: returns the new CID. A failure leaves nothing in the store. */
  async create(imagePath: string, cloudProperties: unknown, tags: Record<string, unknown> = {}): Promise<string> {
    const props = parseStemcellCloudProperties(cloudProperties);
    const cid = this.newCid();
    const common = this.common(cid, props, tags);
    await sweepUnfinishedStemcells(this.store, this.log, this.now(), this.staleMs);
    try {
      return props.image_url
        ? await this.createLight(common, props, props.image_url)
        : await this.upload(common, imagePath, props);
    } catch (err) {
      throw toBoshError(`create_stemcell ${cid}`, err);
    }
  }

  /** delete_stemcell: idempotent. */
  async delete(cid: string): Promise<void> {
    try {
      const key = storeKey(cid); // refuses an unsafe CID before any request, the sweep's included
      await sweepUnfinishedStemcells(this.store, this.log, this.now(), this.staleMs);
      const removed = await this.store.removeCollection(key);
      if (LEGACY_CID.test(cid))
        for (const name of Object.values(legacyObjectNames(cid))) await this.store.remove(storeKey(name));
      this.log.info({ stemcell_cid: cid }, removed ? `deleted stemcell ${cid}` : `stemcell ${cid} was already gone`);
    } catch (err) {
      throw toBoshError(`delete_stemcell ${cid}`, err);
    }
  }

  async resolve(cid: string): Promise<ResolvedStemcell> {
    try {
      const text = await this.store.getText(storeKey(cid, RECORD_NAME));
      if (text === undefined) return await this.resolveLegacy(cid);
      const parsed = StemcellRecord.safeParse(JSON.parse(text), { reportInput: true });
      if (!parsed.success)
        throw new CloudError(
          `stemcell ${cid}: its record in the store is not valid ` +
            `(${describeIssues(parsed.error.issues, { first: true })})`,
        );
      const r = parsed.data;
      return r.light
        ? {
            cid,
            imageUrl: r.image_url,
            checksums: r.checksums,
            diskFormat: r.format ?? undefined,
            size: r.size ?? undefined,
            light: true,
          }
        : {
            cid,
            imageUrl: this.store.readUrl(storeKey(cid, IMAGE_NAME)),
            checksums: r.checksums,
            diskFormat: r.format,
            size: r.size,
            light: false,
          };
    } catch (err) {
      if (err instanceof SyntaxError) throw new CloudError(`stemcell ${cid}: its record in the store is not JSON`);
      throw toBoshError(`stemcell ${cid}`, err);
    }
  }

  private async resolveLegacy(cid: string): Promise<ResolvedStemcell> {
    const names = legacyObjectNames(cid);
    const meta = LEGACY_CID.test(cid) ? await this.store.getText(storeKey(names.meta)) : undefined;
    const parsed = meta === undefined ? undefined : parseLegacyMeta(meta);
    if (!parsed) throw new StemcellNotFound(`stemcell ${cid} not found in the stemcell store`);
    const imageUrl = this.store.readUrl(storeKey(names.image));
    return { cid, imageUrl, checksums: { md5: parsed.md5 }, diskFormat: "qcow2", size: undefined, light: false };
  }

  private async upload(common: CommonRecord, imagePath: string, props: StemcellCloudProperties): Promise<string> {
    const { cid } = common;
    const log = this.log.child({ stemcell_cid: cid });
    const dir = storeKey(cid);
    // the store's stat fails fast (retried, typed) when it is down, before the image is read; Ironic is
    // asked meanwhile whether it needs md5 (never fails: no answer means yes)
    const [, md5] = await Promise.all([this.store.stat(dir), this.md5Needed()]);
    try {
      const digest = await this.streamImage(imagePath, storeKey(cid, IMAGE_NAME), md5, log);
      const mismatch = formatDisagreement(props.disk_format, digest.format);
      if (mismatch) log.warn({ declared: props.disk_format, detected: digest.format }, mismatch);
      const record: StemcellRecord = {
        ...common,
        light: false,
        format: digest.format,
        declared_disk_format: props.disk_format ?? null,
        size: digest.size,
        checksums: { sha256: digest.sha256, ...(digest.md5 ? { md5: digest.md5 } : {}) },
        image: IMAGE_NAME,
      };
      await this.store.putText(storeKey(cid, RECORD_NAME), `${JSON.stringify(record, null, 2)}\n`);
      log.info(
        { size: digest.size, format: digest.format, sha256: digest.sha256 },
        `stemcell ${cid} stored (${digest.format}, ${digest.size} bytes)`,
      );
      return cid;
    } catch (err) {
      await this.store
        .removeCollection(dir)
        .catch((e: unknown) =>
          log.error({ err: describeStoreError(e) }, `could not remove the partial stemcell ${dir.path}/`),
        );
      throw err;
    }
  }

  /**
   * image → gunzip → untar → checksum → PUT, all streamed; then the stored size is checked. The store
   * retries a failed upload (a 5xx, a dropped connection) by asking for a fresh body: the image file is
   * opened and read again from its start.
   */
  private async streamImage(imagePath: string, key: StoreKey, md5: boolean, log: Logger): Promise<ImageDigest> {
    let image: RootImage | undefined;
    const onProgress = (percent: number, bytes: number) =>
      log.info({ percent, bytes }, `uploading root.img: ${percent} %`);
    const open = async () => {
      image?.abort();
      image = await openRootImage(imagePath, { onProgress, md5 });
      log.info({ size: image.size, path: key.path }, `uploading root.img (${image.size} bytes) to ${key.path}`);
      return { body: image.body, size: image.size };
    };
    try {
      await this.store.putStreamFrom(key, open);
    } catch (err) {
      image?.abort();
      // a broken image also breaks the upload: report the cause, not the symptom
      const read: unknown = await image?.done.then(
        () => undefined,
        (e: unknown) => e,
      );
      throw read instanceof StemcellImageError ? read : err;
    }
    const digest = await (image as RootImage).done; // the whole archive read: gzip CRC and tar checked
    const stored = await this.store.stat(key);
    if (stored?.size !== digest.size)
      throw new CloudError(`the store holds ${stored?.size ?? "no"} bytes at ${key.path}, expected ${digest.size}`);
    return digest;
  }

  private async createLight(common: CommonRecord, props: StemcellCloudProperties, url: string): Promise<string> {
    const { cid } = common;
    const checksums = parseImageChecksum(props.image_checksum ?? "");
    const probe = await this.store.probe(url);
    if (!probe.reachable)
      throw new CloudError(`light stemcell image_url ${redact(url)} is not reachable: ${probe.detail}`);
    // Ironic names the format to IPA only from instance_info (image_disk_format); without one, IPA 13 takes
    // any MBR/GPT image for "gpt" and fails. Undeclared: the image's first bytes say, as for an upload.
    const head = props.disk_format === undefined ? await this.store.imageHead(url, SNIFF_BYTES) : undefined;
    const format = props.disk_format ?? (head && head.length >= SNIFF_BYTES ? sniffImageFormat(head) : null);
    if (format === null)
      this.log.warn({ image_url: redact(url) }, "light stemcell without disk_format whose first bytes cannot be read");
    const record: StemcellRecord = {
      ...common,
      light: true,
      format,
      size: probe.size ?? null,
      checksums,
      image_url: url,
    };
    await this.store.putText(storeKey(cid, RECORD_NAME), `${JSON.stringify(record, null, 2)}\n`);
    this.log.info({ stemcell_cid: cid, image_url: redact(url) }, `light stemcell ${cid} recorded (${redact(url)})`);
    return cid;
  }

  private common(cid: string, p: StemcellCloudProperties, tags: Record<string, unknown>) {
    return {
      record_version: 1 as const,
      cid,
      name: p.name ?? null,
      version: p.version ?? null,
      os_distro: p.os_distro ?? null,
      architecture: p.architecture ?? null,
      created_at: this.now().toISOString(),
      // API v3: the runtime config's tags, as strings (an operator reads them in stemcell.json)
      ...(Object.keys(tags).length > 0
        ? {
            tags: Object.fromEntries(
              Object.entries(tags).map(([k, v]) => [k, typeof v === "string" ? v : JSON.stringify(v)]),
            ),
          }
        : {}),
    };
  }
}
