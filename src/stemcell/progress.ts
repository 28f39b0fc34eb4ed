// Progress of a long copy, reported at every step (10 % by default) rather than on every chunk. Pure.

export type ProgressReport = (percent: number, bytes: number) => void;

/** Returns the function to call with the running byte count. */
export function progressSteps(total: number, report: ProgressReport, stepPercent = 10): (bytes: number) => void {
  let next = stepPercent;
  return (bytes) => {
    if (total <= 0 || next > 100) return;
    const percent = Math.floor((bytes / total) * 100);
    if (percent < next) return;
    report(Math.min(100, percent - (percent % stepPercent)), bytes);
    next = percent - (percent % stepPercent) + stepPercent;
  };
}
