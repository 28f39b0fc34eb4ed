// vitest globalSetup of the "integration" project: ONE real Ironic and ONE real WebDAV nginx for all
// integration files, handed to the tests with provide/inject (see servers.ts), stopped in teardown.
// The "distributed" project gets Ironic's production shape (MariaDB, ironic-api, two conductors in
// groups az1 and az2); IRONIC_SHAPE=distributed gives it to any project. IRONIC_RELEASE=pypi|debian
// picks today's Ironic (the default) or Debian's 21.4 for the whole run.
// A server that cannot start fails the run loudly; nothing is skipped.
import type { TestProject } from "vitest/node";
import { startIronic, type IronicServer } from "../harness/ironic.ts";
import { startWebdav, type WebdavServer } from "../harness/webdav.ts";

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const shape = project.name === "distributed" ? "distributed" : undefined;
  const [ironicResult, webdavResult] = await Promise.allSettled([startIronic({ shape }), startWebdav()]);
  const started = [ironicResult, webdavResult].flatMap((r) => (r.status === "fulfilled" ? [r.value] : []));
  const teardown = async () => {
    await Promise.allSettled(started.map((s) => s.stop()));
  };
  if (ironicResult.status === "rejected" || webdavResult.status === "rejected") {
    await teardown();
    const errors = [ironicResult, webdavResult].flatMap((r) =>
      r.status === "rejected" ? [String(r.reason?.stack ?? r.reason)] : [],
    );
    throw new Error(`integration servers could not start:\n${errors.join("\n\n")}`);
  }
  const ironic: IronicServer = ironicResult.value;
  const webdav: WebdavServer = webdavResult.value;
  project.provide("ironic", {
    url: ironic.url,
    stateDir: ironic.stateDir,
    shape: ironic.shape,
    release: ironic.release,
    version: ironic.version,
    conductorGroups: ironic.conductors.map((c) => c.group),
    conductors: ironic.conductors.map((c) => ({ group: c.group, name: c.name })),
    database: ironic.database,
    // IRONIC_AUTH / IRONIC_TLS (harness ironic.ts): what the CPI's configuration needs, and the
    // plain-HTTP admin way in for fixtures (the same as url for a noauth, plain-HTTP Ironic)
    access: ironic.access,
    adminUrl: ironic.adminUrl,
  });
  project.provide("webdav", {
    url: webdav.url,
    username: webdav.username,
    password: webdav.password,
    dataDir: webdav.dataDir,
    privateUrl: webdav.privateUrl,
    privateUsername: webdav.privateUsername,
    privatePassword: webdav.privatePassword,
  });
  return teardown;
}
