import { setTimeout as delay } from 'node:timers/promises';
import { describeError, SluiceTestingError } from '../errors.ts';

/**
 * Options of {@link waitUntil}.
 *
 * @example
 * ```ts
 * const options: WaitUntilOptions = { what: 'Kafka at 127.0.0.1:9092', timeoutMs: 90_000 };
 * ```
 */
export interface WaitUntilOptions {
  /** What is awaited, for the timeout message ("Kafka broker at 127.0.0.1:40123"). */
  what: string;
  /** Overall budget, default 90 s. */
  timeoutMs?: number;
  /** Pause between two probes, default 250 ms (the probe itself is a real client call). */
  intervalMs?: number;
  /** Called before each probe: an error returned here ends the wait at once (e.g. the process died). */
  abortIf?: () => Error | undefined;
  /** Extra text for the timeout error (e.g. the tail of the service log). */
  details?: () => string;
}

/**
 * Polls `probe` (a real client call such as a ListBuckets or describeCluster) until it resolves,
 * and returns its value. Rejections count as "not ready yet". Throws `SERVICE_START_TIMEOUT`
 * with the last probe error when the budget is spent.
 *
 * @example
 * ```ts
 * await waitUntil(() => admin.describeCluster(), { what: 'Kafka broker', timeoutMs: 90_000 });
 * ```
 */
export async function waitUntil<T>(probe: () => Promise<T>, options: WaitUntilOptions): Promise<T> {
  const timeoutMs = options.timeoutMs ?? 90_000;
  const intervalMs = options.intervalMs ?? 250;
  const deadline = performance.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    const aborted = options.abortIf?.();
    if (aborted) throw aborted;
    try {
      return await probe();
    } catch (error) {
      lastError = error;
    }
    if (performance.now() + intervalMs >= deadline) break;
    await delay(intervalMs);
  }
  const aborted = options.abortIf?.();
  if (aborted) throw aborted;
  const details = options.details?.();
  throw new SluiceTestingError(
    'SERVICE_START_TIMEOUT',
    `${options.what} was not ready after ${Math.round(timeoutMs / 1000)} s (last probe: ${describeError(lastError)}). ` +
      'The machine may be overloaded: raise the timeout option, or look at the service log below.' +
      (details ? `\n${details}` : ''),
    { domain: 'external', retriable: true, cause: lastError },
  );
}
