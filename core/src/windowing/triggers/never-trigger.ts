import type { Window } from '../windows/window.ts';
import { type Trigger, TriggerResult } from './trigger.ts';

/**
 * Never fires: the default trigger of {@link GlobalWindows}, which needs a real trigger (e.g.
 * {@link CountTrigger}) set with `.trigger(...)`.
 *
 * @example
 * ```ts
 * GlobalWindows.create().getDefaultTrigger(); // a NeverTrigger
 * ```
 */
export class NeverTrigger implements Trigger<unknown, Window> {
  private static readonly INSTANCE = new NeverTrigger();

  private constructor() {}

  /** The trigger (stateless, shared). */
  static create(): NeverTrigger {
    return NeverTrigger.INSTANCE;
  }

  onElement(): TriggerResult {
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

  onMerge(): void {}

  clear(): void {}

  toString(): string {
    return 'NeverTrigger()';
  }
}
