// Checks the configuration schema runs on values, for what fails later and obscurely otherwise: a
// credential HTTP basic auth cannot carry, a CA that is not a certificate, a registry store the image
// readers can read. No I/O.

/** HTTP basic auth sends Latin-1 bytes (Node's btoa and header encoding refuse anything else). */
export const isLatin1 = (s: string) => /^[\u0000-\u00ff]*$/.test(s);

const CERT = /-----BEGIN CERTIFICATE-----[^-]+-----END CERTIFICATE-----/g;

/** One or more PEM certificates and nothing else but whitespace, each parseable. */
export function isCertificateBundle(pem: string): boolean {
  const blocks = pem.match(CERT) ?? [];
  if (blocks.length === 0 || pem.replace(CERT, "").trim() !== "") return false;
  // Loaded here, not at the top: node:crypto costs ~10 ms of every call, most configure no CA.
  const { X509Certificate } = process.getBuiltinModule("node:crypto");
  return blocks.every((b) => {
    try {
      new X509Certificate(b);
      return true;
    } catch {
      return false;
    }
  });
}

/** Is `url` the same origin as `base` and at or below its path? */
export function storeInside(url: string, base: string): boolean {
  const a = new URL(url);
  const b = new URL(base);
  const dir = (p: string) => (p.endsWith("/") ? p : `${p}/`);
  return a.origin === b.origin && dir(a.pathname).startsWith(dir(b.pathname));
}
