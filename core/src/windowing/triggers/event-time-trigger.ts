import type { Timestamp } from '../../time/timestamps.ts';
import type { Window } from '../windows/window.ts';
import { type OnMergeContext, type Trigger, type TriggerContext, TriggerResult } from './trigger.ts';

/**
 * Fires once the watermark passes the end of the window (the default trigger of event-time
 * assigners). An element that arrives after that, within the allowed lateness, fires the window
 * again at once.
 *
 * @example
 * ```ts
 * keyed.window(GlobalWindows.create()).trigger(EventTimeTrigger.create());
 * ```
 */
export class EventTimeTrigger implements Trigger<unknown, Window> {
  private static readonly INSTANCE = new EventTimeTrigger();

  private constructor() {}

  /** The trigger (stateless, shared). */
  static create(): EventTimeTrigger {
    return EventTimeTrigger.INSTANCE;
  }

  onElement(_element: unknown, _timestamp: Timestamp, window: Window, ctx: TriggerContext): TriggerResult {
    const max = window.maxTimestamp();
    if (max <= ctx.currentWatermark()) return TriggerResult.FIRE;
    ctx.registerEventTimeTimer(max);
    return TriggerResult.CONTINUE;
  }

  onEventTime(time: Timestamp, window: Window): TriggerResult {
    return time === window.maxTimestamp() ? TriggerResult.FIRE : TriggerResult.CONTINUE;
  }

  onProcessingTime(): TriggerResult {
    return TriggerResult.CONTINUE;
  }

  canMerge(): boolean {
    return true;
  }

  onMerge(window: Window, ctx: OnMergeContext): void {
    const max = window.maxTimestamp();
    if (max > ctx.currentWatermark()) ctx.registerEventTimeTimer(max);
  }

  clear(window: Window, ctx: TriggerContext): void {
    ctx.deleteEventTimeTimer(window.maxTimestamp());
  }

  toString(): string {
    return 'EventTimeTrigger()';
  }
}
