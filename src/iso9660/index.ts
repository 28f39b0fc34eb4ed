// A small, pure ISO9660 image writer for OpenStack config drives: ECMA-119 primary volume
// with Rock Ridge 1.09, a Joliet supplementary volume, deterministic output. It never
// touches the file system or the clock: every byte derives from the options.
import { SECTOR } from "./bytes.ts";
import { checkDate, recordDate } from "./datetime.ts";
import { directoryRecord } from "./directory-record.ts";
import { renderDirectories } from "./directories.ts";
import { DRAFT_LAYOUT, type Layout, placeImage, PVD_BLOCK, SVD_BLOCK, TERMINATOR_BLOCK } from "./layout.ts";
import { jolietNamespace, type Namespace, primaryNamespace } from "./namespace.ts";
import { pathTable, pathTableSize } from "./path-table.ts";
import { ContinuationArea } from "./rock-ridge.ts";
import { buildTree, type FileNode, walk } from "./tree.ts";
import {
  checkIdentifier,
  type DescriptorFields,
  jolietDescriptor,
  primaryDescriptor,
  terminator,
} from "./volume-descriptor.ts";

export { type IsoErrorCode, IsoLimitError } from "./errors.ts";

export interface IsoFile {
  path: string; // "ec2/latest/meta-data.json": no leading slash
  data: Uint8Array;
}

export interface IsoOptions {
  volumeId?: string; // default "config-2"; also the Joliet volume id
  files: IsoFile[];
  directories?: string[]; // extra (possibly empty) directories
  date: Date; // every timestamp in the image
  publisher?: string;
  applicationId?: string;
}

const DEFAULT_VOLUME_ID = "config-2";

export function buildIso(opts: IsoOptions): Uint8Array {
  const volumeId = opts.volumeId ?? DEFAULT_VOLUME_ID;
  checkIdentifier("volumeId", volumeId, 16, true);
  checkIdentifier("publisher", opts.publisher ?? "", 64, false);
  checkIdentifier("applicationId", opts.applicationId ?? "", 64, false);
  checkDate(opts.date);
  const root = buildTree(opts.files, opts.directories ?? []);
  const primary = primaryNamespace(root);
  const joliet = jolietNamespace(root);
  const files = [...walk(root)].filter((n): n is FileNode => n.kind === "file");
  const date7 = recordDate(opts.date);

  const render = (layout: Layout) => {
    const area = new ContinuationArea();
    const primaryDirs = renderDirectories(primary, layout, date7, area);
    const jolietDirs = renderDirectories(joliet, layout, date7, area);
    return { primaryDirs, jolietDirs, area, ceSectors: area.sectors };
  };
  const draft = render(DRAFT_LAYOUT);
  const layout = placeImage(primary, joliet, draft, files);
  const final = render(layout);
  const sizes = (r: typeof draft) =>
    [...r.primaryDirs, ...r.jolietDirs]
      .map((d) => d.length)
      .concat(r.ceSectors)
      .join();
  if (sizes(final) !== sizes(draft)) throw new Error("internal: layout changed sizes");

  const image = new Uint8Array(layout.blocks * SECTOR); // 8.4.8: exactly the volume space
  const put = (block: number, bytes: Uint8Array) => image.set(bytes, block * SECTOR);
  const fields = (ns: Namespace, pathL: number, pathM: number): DescriptorFields => {
    const top = ns.dirs[0]!;
    const rootRecord = directoryRecord({
      id: top.id,
      extent: layout.extentOf(top),
      size: layout.sizeOf(top),
      isDir: true,
      date7,
    });
    return {
      volumeId,
      publisher: opts.publisher ?? "",
      applicationId: opts.applicationId ?? "",
      blocks: layout.blocks,
      pathTableSize: pathTableSize(ns),
      pathL,
      pathM,
      root: rootRecord,
      date: opts.date,
    };
  };
  const pt = layout.pathTables;
  put(PVD_BLOCK, primaryDescriptor(fields(primary, pt.primaryL, pt.primaryM)));
  put(SVD_BLOCK, jolietDescriptor(fields(joliet, pt.jolietL, pt.jolietM)));
  put(TERMINATOR_BLOCK, terminator());
  put(pt.primaryL, pathTable(primary, layout.extentOf, true));
  put(pt.primaryM, pathTable(primary, layout.extentOf, false));
  put(pt.jolietL, pathTable(joliet, layout.extentOf, true));
  put(pt.jolietM, pathTable(joliet, layout.extentOf, false));
  for (const [i, dir] of primary.dirs.entries()) put(layout.extentOf(dir), final.primaryDirs[i]!);
  put(layout.ceBase, final.area.bytes());
  for (const [i, dir] of joliet.dirs.entries()) put(layout.extentOf(dir), final.jolietDirs[i]!);
  for (const file of files) put(layout.extentOf(file), file.data);
  return image;
}
