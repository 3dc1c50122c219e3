import { SluiceError } from '../../errors.ts';
import { ReducingStateDescriptor } from '../../state/state-descriptors.ts';
import type { Timestamp } from '../../time/timestamps.ts';
import type { Window } from '../windows/window.ts';
import { type OnMergeContext, type Trigger, type TriggerContext, TriggerResult } from './trigger.ts';

const min = (a: number, b: number): number => Math.min(a, b);

/**
 * Fires every `interval` ms of event time (aligned to multiples of the interval) while the window
 * is open, and once more at its end: early, updating results of long windows.
 *
 * @example
 * ```ts
 * // A running daily count, updated every minute of event time.
 * keyed.window(TumblingEventTimeWindows.of(86_400_000)).trigger(ContinuousEventTimeTrigger.of(60_000));
 * ```
 */
export class ContinuousEventTimeTrigger implements Trigger<unknown, Window> {
  readonly interval: number;
  private readonly fireDescriptor = new ReducingStateDescriptor<number>('__continuous-event-time-fire', min);

  private constructor(interval: number) {
    this.interval = interval;
  }

  /** Fires every `interval` ms of event time. */
  static of(interval: number): ContinuousEventTimeTrigger {
    if (!(interval > 0)) {
      throw new SluiceError(
        'INVALID_ARGUMENT',
        `ContinuousEventTimeTrigger.of(interval) needs interval > 0; got ${interval}.`,
      );
    }
    return new ContinuousEventTimeTrigger(interval);
  }

  onElement(_element: unknown, timestamp: Timestamp, window: Window, ctx: TriggerContext): TriggerResult {
    const max = window.maxTimestamp();
    if (max <= ctx.currentWatermark()) return TriggerResult.FIRE;
    ctx.registerEventTimeTimer(max);
    const fire = ctx.getReducingState(this.fireDescriptor);
    if (fire.get() === undefined) this.registerNext(timestamp - (timestamp % this.interval), window, ctx);
    return TriggerResult.CONTINUE;
  }

  onEventTime(time: Timestamp, window: Window, ctx: TriggerContext): TriggerResult {
    if (time === window.maxTimestamp()) return TriggerResult.FIRE;
    const fire = ctx.getReducingState(this.fireDescriptor);
    if (fire.get() === time) {
      fire.clear();
      this.registerNext(time, window, ctx);
      return TriggerResult.FIRE;
    }
    return TriggerResult.CONTINUE;
  }

  onProcessingTime(): TriggerResult {
    return TriggerResult.CONTINUE;
  }

  canMerge(): boolean {
    return true;
  }

  onMerge(_window: Window, ctx: OnMergeContext): void {
    ctx.mergePartitionedState(this.fireDescriptor);
    const next = ctx.getReducingState(this.fireDescriptor).get();
    if (next !== undefined) ctx.registerEventTimeTimer(next);
  }

  clear(_window: Window, ctx: TriggerContext): void {
    const fire = ctx.getReducingState(this.fireDescriptor);
    const time = fire.get();
    if (time !== undefined) {
      ctx.deleteEventTimeTimer(time);
      fire.clear();
    }
  }

  private registerNext(time: Timestamp, window: Window, ctx: TriggerContext): void {
    const next = Math.min(time + this.interval, window.maxTimestamp());
    ctx.getReducingState(this.fireDescriptor).add(next);
    ctx.registerEventTimeTimer(next);
  }

  toString(): string {
    return `ContinuousEventTimeTrigger(${this.interval})`;
  }
}
