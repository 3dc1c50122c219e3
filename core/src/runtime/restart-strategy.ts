import { SluiceError } from '../errors.ts';

/**
 * What happens when a running job fails (DESIGN.md §5): it restarts from its latest completed
 * checkpoint after a delay, or fails for good. Built with {@link RestartStrategies}.
 */
export type RestartStrategy =
  | { readonly kind: 'none' }
  | { readonly kind: 'fixed-delay'; readonly attempts: number; readonly delayMs: number }
  | {
      readonly kind: 'exponential-backoff';
      readonly initialDelayMs: number;
      readonly maxDelayMs: number;
      readonly multiplier: number;
      /** After this long without a failure the delay starts over from `initialDelayMs`. */
      readonly resetAfterMs: number;
      readonly maxAttempts: number;
    }
  | {
      readonly kind: 'failure-rate';
      readonly maxFailures: number;
      readonly intervalMs: number;
      readonly delayMs: number;
    };

function check(ok: boolean, message: string): void {
  if (!ok) throw new SluiceError('INVALID_ARGUMENT', message);
}

/**
 * Builders of restart strategies (Flink's names and meanings).
 *
 * @example
 * ```ts
 * env.setRestartStrategy(RestartStrategies.fixedDelay(3, 1_000));          // 3 restarts, 1 s apart
 * env.setRestartStrategy(RestartStrategies.exponentialBackoff({ initialDelayMs: 100, maxDelayMs: 10_000 }));
 * env.setRestartStrategy(RestartStrategies.failureRate(5, 60_000, 1_000)); // at most 5 failures a minute
 * ```
 */
export const RestartStrategies = {
  none(): RestartStrategy {
    return { kind: 'none' };
  },
  fixedDelay(attempts: number, delayMs: number): RestartStrategy {
    check(
      Number.isSafeInteger(attempts) && attempts >= 0,
      `fixedDelay attempts must be an integer >= 0; got ${attempts}.`,
    );
    check(delayMs >= 0, `fixedDelay delayMs must be >= 0; got ${delayMs}.`);
    return { kind: 'fixed-delay', attempts, delayMs };
  },
  exponentialBackoff(options: {
    initialDelayMs: number;
    maxDelayMs: number;
    multiplier?: number;
    resetAfterMs?: number;
    maxAttempts?: number;
  }): RestartStrategy {
    const multiplier = options.multiplier ?? 2;
    check(options.initialDelayMs >= 0, `initialDelayMs must be >= 0; got ${options.initialDelayMs}.`);
    check(options.maxDelayMs >= options.initialDelayMs, 'maxDelayMs must be >= initialDelayMs.');
    check(multiplier >= 1, `multiplier must be >= 1; got ${multiplier}.`);
    return {
      kind: 'exponential-backoff',
      initialDelayMs: options.initialDelayMs,
      maxDelayMs: options.maxDelayMs,
      multiplier,
      resetAfterMs: options.resetAfterMs ?? 60 * 60 * 1000,
      maxAttempts: options.maxAttempts ?? Number.POSITIVE_INFINITY,
    };
  },
  failureRate(maxFailures: number, intervalMs: number, delayMs: number): RestartStrategy {
    check(
      Number.isSafeInteger(maxFailures) && maxFailures >= 1,
      `maxFailures must be an integer >= 1; got ${maxFailures}.`,
    );
    check(intervalMs > 0 && delayMs >= 0, 'intervalMs must be > 0 and delayMs >= 0.');
    return { kind: 'failure-rate', maxFailures, intervalMs, delayMs };
  },
} as const;

/** Restart after `delayMs`, or give up. */
export type RestartDecision =
  | { readonly action: 'restart'; readonly delayMs: number }
  | { readonly action: 'fail'; readonly reason: string };

/**
 * Decides what to do about a failure at `now`, given the times of the earlier failures of this
 * job (oldest first, not including this one). Pure: table-tested.
 *
 * @example
 * ```ts
 * decideRestart(RestartStrategies.fixedDelay(2, 500), [], 1000);     // { action: 'restart', delayMs: 500 }
 * decideRestart(RestartStrategies.fixedDelay(2, 500), [1, 2], 1000); // { action: 'fail', ... }
 * ```
 */
export function decideRestart(
  strategy: RestartStrategy,
  earlierFailures: readonly number[],
  now: number,
): RestartDecision {
  switch (strategy.kind) {
    case 'none':
      return { action: 'fail', reason: 'the restart strategy is none' };
    case 'fixed-delay':
      return earlierFailures.length < strategy.attempts
        ? { action: 'restart', delayMs: strategy.delayMs }
        : { action: 'fail', reason: `all ${strategy.attempts} restart attempts are used up` };
    case 'exponential-backoff': {
      // Failures since the last quiet period of resetAfterMs count towards the delay.
      let streak = 0;
      let next = now;
      for (let i = earlierFailures.length - 1; i >= 0; i--) {
        const t = earlierFailures[i] as number;
        if (next - t > strategy.resetAfterMs) break;
        streak++;
        next = t;
      }
      if (earlierFailures.length >= strategy.maxAttempts) {
        return { action: 'fail', reason: `all ${strategy.maxAttempts} restart attempts are used up` };
      }
      const delay = Math.min(strategy.maxDelayMs, strategy.initialDelayMs * strategy.multiplier ** streak);
      return { action: 'restart', delayMs: delay };
    }
    case 'failure-rate': {
      const recent = earlierFailures.filter((t) => now - t < strategy.intervalMs).length + 1;
      return recent > strategy.maxFailures
        ? {
            action: 'fail',
            reason: `${recent} failures within ${strategy.intervalMs} ms exceed the allowed ${strategy.maxFailures}`,
          }
        : { action: 'restart', delayMs: strategy.delayMs };
    }
  }
}
