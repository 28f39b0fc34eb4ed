import { defineConfig } from "vitest/config";

// Projects:
//   unit         pure functions, no processes, no servers
//   exec         spawns the built dist/cpi.js (run `npm run build` first); no servers
//   integration  one real Ironic and one real WebDAV nginx on 127.0.0.1, started by the global setup
//                (today's Ironic from PyPI; IRONIC_RELEASE=debian for Debian's 21.4, as for every project)
//   distributed  the lifecycle, the parallel claims and the conductor groups on Ironic's production
//                shape: MariaDB, ironic-api and two ironic-conductors (json-rpc, groups az1 and az2).
//                IRONIC_SHAPE=distributed npm run test:integration runs every integration file on it
//   release      the BOSH release (jobs/, packages/, release/)
//   conformance  against the real bosh CLI, bosh-cli's CPI client and bosh-agent's settings reader
//                (BOSH_PEERS_BIN or PATH), with the real Ironic and nginx: `npm run test:conformance`,
//                not part of `npm test` (a fresh machine has no BOSH tools)
// Every log line the CPI produces under test is captured and scanned for the secrets the tests used
// (test/support/log-capture.ts, log-scan.ts): per test file, and once for the whole run.
const SECRET_SCAN = { globalSetup: ["test/support/log-scan.ts"], setupFiles: ["test/support/log-scan-file.ts"] };

export default defineConfig({
  test: {
    // global teardown stops Ironic (SIGTERM, SIGKILL after 10 s) and nginx
    teardownTimeout: 60_000,
    projects: [
      {
        test: {
          name: "unit",
          include: ["test/unit/**/*.test.ts"],
          environment: "node",
          ...SECRET_SCAN,
        },
      },
      {
        test: {
          name: "exec",
          include: ["test/exec/**/*.test.ts"],
          environment: "node",
          testTimeout: 30_000,
          ...SECRET_SCAN,
          globalSetup: [...SECRET_SCAN.globalSetup, "test/support/build-once.ts"],
        },
      },
      {
        test: {
          name: "integration",
          include: ["test/integration/**/*.test.ts"],
          environment: "node",
          ...SECRET_SCAN,
          globalSetup: [...SECRET_SCAN.globalSetup, "test/support/global-setup.ts"],
          testTimeout: 120_000,
          hookTimeout: 180_000,
          // the files share one Ironic and one WebDAV server
          fileParallelism: false,
        },
      },
      {
        test: {
          name: "distributed",
          include: [
            "test/integration/vm-lifecycle.test.ts",
            "test/integration/vm-parallel.test.ts",
            "test/distributed/**/*.test.ts",
          ],
          environment: "node",
          ...SECRET_SCAN,
          globalSetup: [...SECRET_SCAN.globalSetup, "test/support/global-setup.ts"],
          testTimeout: 180_000,
          hookTimeout: 180_000,
          fileParallelism: false,
        },
      },
      {
        test: {
          name: "conformance",
          include: ["test/conformance/**/*.test.ts"],
          environment: "node",
          ...SECRET_SCAN,
          globalSetup: [
            ...SECRET_SCAN.globalSetup,
            "test/conformance/peers-setup.ts",
            "test/support/build-once.ts",
            "test/support/global-setup.ts",
          ],
          testTimeout: 300_000,
          hookTimeout: 300_000,
          fileParallelism: false,
        },
      },
      {
        // real deploys (scripts/e2e.sh, npm run test:e2e): emulated servers behind a Redfish BMC, today's
        // Ironic, IPA writing the stemcell built here, the real bosh-agent on it. Runs inside a network
        // namespace of its own (root); not part of npm test. Each file drives its own server, side by side.
        test: {
          name: "e2e",
          include: ["test/e2e/**/*.test.ts"],
          environment: "node",
          ...SECRET_SCAN,
          globalSetup: [...SECRET_SCAN.globalSetup, "test/e2e/global-setup.ts"],
          testTimeout: 60 * 60_000,
          hookTimeout: 20 * 60_000,
          maxWorkers: 3,
        },
      },
      {
        // the BOSH release: job templates (Ruby ERB), package scripts, manifests; fetches the
        // Node.js blob with npm pack and runs bin/cpi on the built bundle
        test: { name: "release", include: ["test/release/**/*.test.ts"], testTimeout: 120_000, hookTimeout: 300_000 },
      },
    ],
  },
});
