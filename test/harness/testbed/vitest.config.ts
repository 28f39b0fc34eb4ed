import { defineConfig } from "vitest/config";

// The test bed's own tests: real deploys onto emulated servers (minutes each under software emulation).
// Not part of `npm test`. Run inside a network namespace of their own, as root:
//   bash test/harness/testbed/netns-run.sh npx vitest run --config test/harness/testbed/vitest.config.ts
export default defineConfig({
  test: {
    name: "testbed",
    include: ["test/harness/testbed/**/*.test.ts"],
    environment: "node",
    // a deploy, a reboot into the disk and an undeploy with cleaning, under emulation
    testTimeout: 45 * 60_000,
    // the first build of the IPA ramdisk runs in beforeAll
    hookTimeout: 90 * 60_000,
    fileParallelism: false,
  },
});
