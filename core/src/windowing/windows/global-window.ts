import { MAX_WATERMARK, type Timestamp } from '../../time/timestamps.ts';
import type { Window } from './window.ts';

/**
 * The single window holding all elements of a key ({@link GlobalWindows}); it never ends, so it
 * fires only through a trigger such as {@link CountTrigger} (count windows).
 *
 * @example
 * ```ts
 * const w = GlobalWindow.get();
 * w.maxTimestamp() === MAX_WATERMARK; // true
 * ```
 */
export class GlobalWindow implements Window {
  private static readonly INSTANCE = new GlobalWindow();
  readonly id = 'global';

  private constructor() {}

  /** The one instance. */
  static get(): GlobalWindow {
    return GlobalWindow.INSTANCE;
  }

  maxTimestamp(): Timestamp {
    return MAX_WATERMARK;
  }

  toString(): string {
    return 'GlobalWindow';
  }
}
