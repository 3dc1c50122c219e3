import { SluiceError } from '../../errors.ts';
import { ReducingStateDescriptor } from '../../state/state-descriptors.ts';
import type { Window } from '../windows/window.ts';
import { type OnMergeContext, type Trigger, type TriggerContext, TriggerResult } from './trigger.ts';

const min = (a: number, b: number): number => Math.min(a, b);

/**
 * Fires every `interval` ms of processing time (from the injected clock, aligned to multiples of
 * the interval) while the window has elements.
 *
 * @example
 * ```ts
 * keyed.window(GlobalWindows.create()).trigger(ContinuousProcessingTimeTrigger.of(5_000));
 * ```
 */
export class ContinuousProcessingTimeTrigger implements Trigger<unknown, Window> {
  readonly interval: number;
  private readonly fireDescriptor = new ReducingStateDescriptor<number>('__continuous-processing-time-fire', min);

  private constructor(interval: number) {
    this.interval = interval;
  }

  /** Fires every `interval` ms of processing time. */
  static of(interval: number): ContinuousProcessingTimeTrigger {
    if (!(interval > 0)) {
      throw new SluiceError(
        'INVALID_ARGUMENT',
        `ContinuousProcessingTimeTrigger.of(interval) needs interval > 0; got ${interval}.`,
      );
    }
    return new ContinuousProcessingTimeTrigger(interval);
  }

  onElement(_element: unknown, _timestamp: number, window: Window, ctx: TriggerContext): TriggerResult {
    const fire = ctx.getReducingState(this.fireDescriptor);
    if (fire.get() === undefined) {
      const now = ctx.currentProcessingTime();
      this.registerNext(now - (now % this.interval), window, ctx);
    }
    return TriggerResult.CONTINUE;
  }

  onEventTime(): TriggerResult {
    return TriggerResult.CONTINUE;
  }

  onProcessingTime(time: number, window: Window, ctx: TriggerContext): TriggerResult {
    const fire = ctx.getReducingState(this.fireDescriptor);
    if (fire.get() === time) {
      fire.clear();
      this.registerNext(time, window, ctx);
      return TriggerResult.FIRE;
    }
    return TriggerResult.CONTINUE;
  }

  canMerge(): boolean {
    return true;
  }

  onMerge(_window: Window, ctx: OnMergeContext): void {
    ctx.mergePartitionedState(this.fireDescriptor);
    const next = ctx.getReducingState(this.fireDescriptor).get();
    if (next !== undefined) ctx.registerProcessingTimeTimer(next);
  }

  clear(_window: Window, ctx: TriggerContext): void {
    const fire = ctx.getReducingState(this.fireDescriptor);
    const time = fire.get();
    if (time !== undefined) {
      ctx.deleteProcessingTimeTimer(time);
      fire.clear();
    }
  }

  private registerNext(time: number, window: Window, ctx: TriggerContext): void {
    const next = Math.min(time + this.interval, window.maxTimestamp());
    ctx.getReducingState(this.fireDescriptor).add(next);
    ctx.registerProcessingTimeTimer(next);
  }

  toString(): string {
    return `ContinuousProcessingTimeTrigger(${this.interval})`;
  }
}
