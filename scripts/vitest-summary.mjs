// One plain closing line that any CI reads, "tests: N passed, N failed[, N skipped]", summed over the
// JSON reports of vitest runs (--reporter=json --outputFile.json=FILE): scripts/test.sh over its runs,
// .ci/run over the suite's and the real deploys'. Exits 1 when a report is missing or no test ran.
//
//   node scripts/vitest-summary.mjs REPORT.json...
import { readFileSync } from "node:fs";

const reports = process.argv.slice(2).map((file) => {
  try {
    return JSON.parse(readFileSync(file, "utf8"));
  } catch {
    console.log(`tests: ${file}: a run wrote no results`);
    return undefined;
  }
});
if (reports.length === 0) console.log("tests: no results");
if (reports.length === 0 || reports.some((r) => r === undefined)) process.exit(1);
const sum = (key) => reports.reduce((n, r) => n + r[key], 0);
const skipped = sum("numPendingTests") + sum("numTodoTests");
console.log(
  `tests: ${sum("numPassedTests")} passed, ${sum("numFailedTests")} failed${skipped ? `, ${skipped} skipped` : ""}`,
);
if (sum("numTotalTests") === 0) process.exitCode = 1;
