// The one error type of the ISO writer. Every input the format cannot represent exactly
// is rejected with a code instead of being silently cut or rewritten.
import { NamedError } from "../errors.ts";

export type IsoErrorCode =
  | "INVALID_PATH" // empty path or component, ".", "..", leading/trailing/double slash
  | "INVALID_NAME" // a character Rock Ridge or Joliet cannot carry exactly
  | "NAME_TOO_LONG" // more than 64 UCS-2 characters (Joliet limit)
  | "DUPLICATE_PATH"
  | "PATH_CONFLICT" // the same path is both a file and a directory
  | "TOO_DEEP" // ECMA-119 6.8.2.1: at most 8 directory levels, root included
  | "TOO_MANY_DIRECTORIES" // path table parent numbers are 16-bit (ECMA-119 9.4.4)
  | "FILE_TOO_LARGE" // data length is a 32-bit field (ECMA-119 9.1.4)
  | "INVALID_DATE" // not a date, or outside 1900..2155 (7-byte dates, ECMA-119 9.1.5)
  | "INVALID_IDENTIFIER"; // volume id / publisher / application id not representable

export class IsoLimitError extends NamedError {
  readonly code: IsoErrorCode;
  constructor(code: IsoErrorCode, message: string) {
    super(message);
    this.code = code;
  }
}
