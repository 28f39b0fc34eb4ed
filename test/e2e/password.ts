// env.bosh.password is a crypt(3) hash (the director and create-env send one): the agent sets it as root's.
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";

/** SHA-512 crypt of `password` (openssl passwd -6), as `bosh create-env` takes it from its manifest. */
export function rootPasswordHash(password: string): string {
  const salt = randomBytes(6).toString("hex");
  return execFileSync("openssl", ["passwd", "-6", "-salt", salt, "-stdin"], {
    input: password,
    encoding: "utf8",
  }).trim();
}
