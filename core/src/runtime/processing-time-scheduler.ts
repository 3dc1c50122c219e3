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
   * Fires everything scheduled so far (BATCH mode end of input), in time order. Callbacks that
   * timers schedule while firing are not run: a self-rescheduling timer cannot loop forever.
   */
  fireAll(): void {
    const pending: Scheduled[] = [];
    for (let next = this.heap.pop(); next !== undefined; next = this.heap.pop()) pending.push(next);
    for (const item of pending) item.callback(item.time);
  }
}
