// One row per figure: our number beside its baseline measured in the same run.
export interface BenchRow {
  figure: string;
  ours: string;
  baseline: string;
  /** ours / baseline where that ratio is what the goal speaks of */
  ratio?: number;
  goal: string;
  met: boolean;
}

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

export const ms = (x: number) => `${x.toFixed(x < 10 ? 2 : 1)} ms`;

export function formatTable(rows: readonly BenchRow[]): string {
  const head = ["figure", "ours", "baseline", "ratio", "goal", "met"];
  const body = rows.map((r) => [
    r.figure,
    r.ours,
    r.baseline,
    r.ratio === undefined ? "" : `${r.ratio.toFixed(2)}×`,
    r.goal,
    r.met ? "yes" : "NO",
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(" | ")} |`;
  return [line(head), `|${widths.map((w) => "-".repeat(w + 2)).join("|")}|`, ...body.map(line)].join("\n");
}
