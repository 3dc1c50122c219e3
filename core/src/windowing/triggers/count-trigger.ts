import { SluiceError } from '../../errors.ts';
import { ReducingStateDescriptor } from '../../state/state-descriptors.ts';
import type { Window } from '../windows/window.ts';
import { type OnMergeContext, type Trigger, type TriggerContext, TriggerResult } from './trigger.ts';

const sum = (a: number, b: number): number => a + b;

/**
 * Fires when the window holds `maxCount` elements since the last fire (count windows). The count
 * is per-window trigger state, so it survives restarts and merges for session windows.
 *
 * @example
 * ```ts
 * keyed.window(GlobalWindows.create()).trigger(PurgingTrigger.of(CountTrigger.of(100)));
 * ```
 */
export class CountTrigger implements Trigger<unknown, Window> {
  readonly maxCount: number;
  private readonly countDescriptor = new ReducingStateDescriptor<number>('__count-trigger', sum);

  private constructor(maxCount: number) {
    this.maxCount = maxCount;
  }

  /** Fires every `maxCount` elements. */
  static of(maxCount: number): CountTrigger {
    if (!Number.isInteger(maxCount) || maxCount < 1) {
      throw new SluiceError(
        'INVALID_ARGUMENT',
        `CountTrigger.of(maxCount) needs a whole number >= 1; got ${maxCount}.`,
      );
    }
    return new CountTrigger(maxCount);
  }

  onElement(_element: unknown, _timestamp: number, _window: Window, ctx: TriggerContext): TriggerResult {
    const count = ctx.getReducingState(this.countDescriptor);
    count.add(1);
    if ((count.get() ?? 0) >= this.maxCount) {
      count.clear();
      return TriggerResult.FIRE;
    }
    return TriggerResult.CONTINUE;
  }

  onEventTime(): TriggerResult {
    return TriggerResult.CONTINUE;
  }

  onProcessingTime(): TriggerResult {
    return TriggerResult.CONTINUE;
  }

  canMerge(): boolean {
    return true;
  }

  onMerge(_window: Window, ctx: OnMergeContext): void {
    ctx.mergePartitionedState(this.countDescriptor);
  }

  clear(_window: Window, ctx: TriggerContext): void {
    ctx.getReducingState(this.countDescriptor).clear();
  }

  toString(): string {
    return `CountTrigger(${this.maxCount})`;
  }
}
