import type { Timestamp } from '../../time/timestamps.ts';
import type { Window } from '../windows/window.ts';
import { type OnMergeContext, type Trigger, type TriggerContext, TriggerResult } from './trigger.ts';

function purging(result: TriggerResult): TriggerResult {
  return result === TriggerResult.FIRE ? TriggerResult.FIRE_AND_PURGE : result;
}

/**
 * Turns every `FIRE` of the wrapped trigger into `FIRE_AND_PURGE`: each evaluation sees only the
 * elements since the previous one.
 *
 * @example
 * ```ts
 * // Every 10 s of event time, the sum of what arrived since the last emission.
 * windowed.trigger(PurgingTrigger.of(ContinuousEventTimeTrigger.of(10_000)));
 * ```
 */
export class PurgingTrigger<T, W extends Window> implements Trigger<T, W> {
  readonly nested: Trigger<T, W>;

  private constructor(nested: Trigger<T, W>) {
    this.nested = nested;
  }

  /** Wraps `nested`. */
  static of<T, W extends Window>(nested: Trigger<T, W>): PurgingTrigger<T, W> {
    return new PurgingTrigger(nested);
  }

  onElement(element: T, timestamp: Timestamp, window: W, ctx: TriggerContext): TriggerResult {
    return purging(this.nested.onElement(element, timestamp, window, ctx));
  }

  onEventTime(time: Timestamp, window: W, ctx: TriggerContext): TriggerResult {
    return purging(this.nested.onEventTime?.(time, window, ctx) ?? TriggerResult.CONTINUE);
  }

  onProcessingTime(time: number, window: W, ctx: TriggerContext): TriggerResult {
    return purging(this.nested.onProcessingTime?.(time, window, ctx) ?? TriggerResult.CONTINUE);
  }

  canMerge(): boolean {
    return this.nested.canMerge?.() ?? false;
  }

  onMerge(window: W, ctx: OnMergeContext): void {
    this.nested.onMerge?.(window, ctx);
  }

  clear(window: W, ctx: TriggerContext): void {
    this.nested.clear?.(window, ctx);
  }

  toString(): string {
    return `PurgingTrigger(${String(this.nested)})`;
  }
}
