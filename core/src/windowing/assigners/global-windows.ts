import { NeverTrigger } from '../triggers/never-trigger.ts';
import type { Trigger } from '../triggers/trigger.ts';
import { GlobalWindow } from '../windows/global-window.ts';
import type { WindowAssigner, WindowAssignerContext } from './window-assigner.ts';

const ONLY: readonly GlobalWindow[] = Object.freeze([GlobalWindow.get()]);

/**
 * Puts every element of a key into the one {@link GlobalWindow}. Its default trigger never fires:
 * set one (e.g. {@link CountTrigger}); `keyed.countWindow(n)` does exactly that.
 *
 * @example
 * ```ts
 * keyed.window(GlobalWindows.create()).trigger(PurgingTrigger.of(CountTrigger.of(100))).reduce('per-100', sum);
 * ```
 */
export class GlobalWindows implements WindowAssigner<unknown, GlobalWindow> {
  private static readonly INSTANCE = new GlobalWindows();

  private constructor() {}

  /** The assigner (stateless, shared). */
  static create(): GlobalWindows {
    return GlobalWindows.INSTANCE;
  }

  assignWindows(_element?: unknown, _timestamp?: number, _ctx?: WindowAssignerContext): readonly GlobalWindow[] {
    return ONLY;
  }

  getDefaultTrigger(): Trigger<unknown, GlobalWindow> {
    return NeverTrigger.create();
  }

  isEventTime(): boolean {
    return false;
  }

  toString(): string {
    return 'GlobalWindows()';
  }
}
