/**
 * The task's mailbox: actions from asynchronous callbacks (async I/O results, sink flushes) are
 * queued here and run by the task loop between records, so operator code is never re-entered and
 * never runs concurrently with itself (DESIGN.md §2).
 */
export class Mailbox {
  private queue: (() => void)[] = [];
  private wake: (() => void) | undefined;

  /** Queues `action` to run on the task loop. Safe to call from any async callback. */
  submit(action: () => void): void {
    this.queue.push(action);
    const wake = this.wake;
    if (wake !== undefined) {
      this.wake = undefined;
      wake();
    }
  }

  get size(): number {
    return this.queue.length;
  }

  /** Runs every queued action (and actions they queue), in order. Returns how many ran. */
  drain(): number {
    let ran = 0;
    while (this.queue.length > 0) {
      const batch = this.queue;
      this.queue = [];
      for (const action of batch) action();
      ran += batch.length;
    }
    return ran;
  }

  /** Resolves when an action is queued (at once if one is). */
  waitForMail(): Promise<void> {
    if (this.queue.length > 0) return Promise.resolve();
    return new Promise((resolve) => {
      this.wake = resolve;
    });
  }
}
