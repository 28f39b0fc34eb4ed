// What can be wrong with a stemcell image file itself (as opposed to the store it goes to).
import { NamedError } from "../errors.ts";

export type StemcellImageProblem =
  | "UNREADABLE" // the file cannot be opened or read
  | "CORRUPT_GZIP" // gzip header, data or trailer (CRC, length) is bad
  | "NOT_TAR" // a header block fails its checksum or is malformed
  | "TRUNCATED" // the archive ends inside a header or an entry
  | "NO_ROOT_IMG" // the archive holds no root.img
  | "NOT_A_FILE" // root.img is a link or a device, not a regular file
  | "DUPLICATE" // root.img appears twice
  | "EMPTY"; // root.img has no bytes

export class StemcellImageError extends NamedError {
  constructor(
    readonly problem: StemcellImageProblem,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}
