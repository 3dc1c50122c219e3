/**
 * Processing time, injected. Operators never read the wall clock (DESIGN.md §3): the runtime
 * passes them a `Clock`; production uses {@link SystemClock}, tests a {@link ManualClock}.
 *
 * @example
 * ```ts
 * const clock = new ManualClock(0);
 * const env = StreamExecutionEnvironment.create({ clock });
 * clock.advance(60_000); // fires processing-time timers and windows due by then
 * ```
 */
export interface Clock {
  /** Current processing time in milliseconds. */
  now(): number;
  /**
   * Resolves once `now() >= time`, or when `signal` aborts (then it resolves too; callers re-check).
   * Used by the runtime to wait for the next processing-time timer.
   */
  sleepUntil(time: number, signal: AbortSignal): Promise<void>;
}

/** The machine's wall clock. */
export class SystemClock implements Clock {
  now(): number {
    return Date.now();
  }

  sleepUntil(time: number, signal: AbortSignal): Promise<void> {
    const delay = Math.max(0, time - Date.now());
    return new Promise<void>((resolve) => {
      if (signal.aborted) return resolve();
      const timer = setTimeout(done, Math.min(delay, 2 ** 31 - 1));
      function done(): void {
        clearTimeout(timer);
        signal.removeEventListener('abort', done);
        resolve();
      }
      signal.addEventListener('abort', done, { once: true });
    });
  }
}

/**
 * A clock that moves only when told: deterministic tests of processing-time logic.
 *
 * @example
 * ```ts
 * const clock = new ManualClock(1_000);
 * clock.advance(500);
 * clock.now(); // 1500
 * ```
 */
export class ManualClock implements Clock {
  private current: number;
  private readonly waiters = new Set<{ time: number; resolve: () => void }>();

  constructor(start = 0) {
    this.current = start;
  }

  now(): number {
    return this.current;
  }

  /** Moves time forward by `ms` and wakes everything waiting for a time now reached. */
  advance(ms: number): void {
    this.set(this.current + ms);
  }

  /** Sets the time (never backwards). */
  set(time: number): void {
    if (time < this.current) return;
    this.current = time;
    for (const waiter of [...this.waiters]) {
      if (waiter.time <= time) {
        this.waiters.delete(waiter);
        waiter.resolve();
      }
    }
  }

  sleepUntil(time: number, signal: AbortSignal): Promise<void> {
    if (time <= this.current || signal.aborted) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const waiter = {
        time,
        resolve: () => {
          signal.removeEventListener('abort', onAbort);
          resolve();
        },
      };
      const onAbort = (): void => {
        this.waiters.delete(waiter);
        resolve();
      };
      this.waiters.add(waiter);
      signal.addEventListener('abort', onAbort, { once: true });
    });
  }
}
