// Undo written next to do (house style §3.11): each step that acquires something pushes its undo before
// the next step starts; on failure the undos run in reverse, their own failures are logged and counted,
// and the caller rethrows the original error (or a sharper one when something could not be undone).
import type { Logger } from "../log/index.ts";

export class UndoStack {
  private readonly steps: { name: string; undo: () => Promise<void> }[] = [];

  push(name: string, undo: () => Promise<void>): void {
    this.steps.push({ name, undo });
  }

  /** Forget everything (the operation succeeded). */
  commit(): void {
    this.steps.length = 0;
  }

  /** Runs the undos newest first; answers the names of those that failed. */
  async unwind(log: Logger): Promise<string[]> {
    const failed: string[] = [];
    while (this.steps.length > 0) {
      const step = this.steps.pop()!;
      try {
        log.info({ step: step.name }, `rolling back: ${step.name}`);
        await step.undo();
      } catch (err) {
        log.error({ err, step: step.name }, `rollback step failed: ${step.name}`);
        failed.push(`${step.name}: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
    return failed;
  }
}
