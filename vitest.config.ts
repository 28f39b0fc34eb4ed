import { defineConfig } from "vitest/config";

// Projects:
//   unit         pure functions, no processes, no servers
//   exec         spawns the built dist/cpi.js (run `npm run build` first); no servers
//   integration  one real Ironic and one real WebDAV nginx on 127.0.0.1, started by the global setup
//   release      the BOSH release (jobs/, packages/, release/)
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
        },
      },
      {
        test: {
          name: "exec",
          include: ["test/exec/**/*.test.ts"],
          globalSetup: ["test/support/build-once.ts"],
          environment: "node",
          testTimeout: 30_000,
        },
      },
      {
        test: {
          name: "integration",
          include: ["test/integration/**/*.test.ts"],
          environment: "node",
          globalSetup: ["test/support/global-setup.ts"],
          testTimeout: 120_000,
          hookTimeout: 180_000,
          // the files share one Ironic and one WebDAV server
          fileParallelism: false,
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
