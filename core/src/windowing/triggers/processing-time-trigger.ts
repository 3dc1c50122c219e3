import type { Timestamp } from '../../time/timestamps.ts';
import type { Window } from '../windows/window.ts';
import { type OnMergeContext, type Trigger, type TriggerContext, TriggerResult } from './trigger.ts';

/**
 * Fires when the injected processing-time clock passes the end of the window (the default
 * trigger of processing-time assigners).
 *
 * @example
 * ```ts
 * keyed.window(TumblingProcessingTimeWindows.of(10_000)).trigger(ProcessingTimeTrigger.create());
 * ```
 */
export class ProcessingTimeTrigger implements Trigger<unknown, Window> {
  private static readonly INSTANCE = new ProcessingTimeTrigger();

  private constructor() {}

  /** The trigger (stateless, shared). */
  static create(): ProcessingTimeTrigger {
    return ProcessingTimeTrigger.INSTANCE;
  }

  onElement(_element: unknown, _timestamp: Timestamp, window: Window, ctx: TriggerContext): TriggerResult {
    ctx.registerProcessingTimeTimer(window.maxTimestamp());
    return TriggerResult.CONTINUE;
  }

  onEventTime(): TriggerResult {
    return TriggerResult.CONTINUE;
  }

  onProcessingTime(): TriggerResult {
    return TriggerResult.FIRE;
  }

  canMerge(): boolean {
    return true;
  }

  onMerge(window: Window, ctx: OnMergeContext): void {
    const max = window.maxTimestamp();
    if (max > ctx.currentProcessingTime()) ctx.registerProcessingTimeTimer(max);
  }

  clear(window: Window, ctx: TriggerContext): void {
    ctx.deleteProcessingTimeTimer(window.maxTimestamp());
  }

  toString(): string {
    return 'ProcessingTimeTrigger()';
  }
}
