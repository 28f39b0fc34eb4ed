import { describe, expect, it } from "vitest";
import { formatDisagreement, sniffImageFormat } from "../../../src/stemcell/format.ts";
import { qcow2Image, rawImage } from "./tar-builder.ts";

describe("image format", () => {
  it("knows qcow2 by its magic and calls everything else raw", () => {
    expect(sniffImageFormat(qcow2Image(1000))).toBe("qcow2");
    expect(sniffImageFormat(rawImage(1000))).toBe("raw");
    expect(sniffImageFormat(Buffer.from("QFI"))).toBe("raw");
    expect(sniffImageFormat(Buffer.alloc(0))).toBe("raw");
  });

  it("has a sentence only when stemcell.MF and the bytes disagree", () => {
    expect(formatDisagreement(undefined, "raw")).toBeUndefined();
    expect(formatDisagreement("qcow2", "qcow2")).toBeUndefined();
    expect(formatDisagreement("qcow2", "raw")).toMatch(/says disk_format 'qcow2' but root.img is raw.*recording raw/);
  });
});
