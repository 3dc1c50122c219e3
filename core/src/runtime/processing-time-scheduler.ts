import type { Clock } from '../time/clock.ts';
import { MinHeap } from './min-heap.ts';

interface Scheduled {
  readonly time: number;
  readonly callback: (time: number) => void;
}

/**
 * Processing-time callbacks of one task, fired by the task's mailbox loop (never re-entrantly)
 * when the injected clock reaches them.
 */
export class ProcessingTimeScheduler {
  readonly clock: Clock;
  private readonly heap = new MinHeap<Scheduled>((a, b) => a.time < b.time);
  private readonly endOfInputHooks: (() => void)[] = [];

  constructor(clock: Clock) {
    this.clock = clock;
  }

  schedule(time: number, callback: (time: number) => void): void {
    this.heap.push({ time, callback });
  }

  /** The earliest scheduled time, if any. */
  nextTime(): number | undefined {
    return this.heap.peek()?.time;
  }

  /** Fires every callback due at the clock's current time, in time order. Returns how many fired. */
  fireDue(): number {
    const now = this.clock.now();
    let fired = 0;
    for (let next = this.heap.peek(); next !== undefined && next.time <= now; next = this.heap.peek()) {
      this.heap.pop();
      next.callback(now);
      fired++;
    }
    return fired;
  }

  /**
   * Registers what must happen to processing time at end of input in BATCH mode (timer services
   * fire all their processing-time timers).
   */
  onEndOfInput(hook: () => void): void {
    this.endOfInputHooks.push(hook);
  }

  /**
   * BATCH mode end of input: every timer service fires all processing-time timers it holds, in
   * time order. Timers registered while firing are not fired, so a self-rescheduling timer cannot
   * loop forever. Other scheduled callbacks (e.g. async I/O timeouts) stay scheduled by real time.
   */
  fireAll(): void {
    for (const hook of this.endOfInputHooks) hook();
  }
}
