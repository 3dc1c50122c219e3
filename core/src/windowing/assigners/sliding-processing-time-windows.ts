import { SluiceError } from '../../errors.ts';
import type { Timestamp } from '../../time/timestamps.ts';
import { AlignedWindowCache } from '../internal/aligned-window-cache.ts';
import { ProcessingTimeTrigger } from '../triggers/processing-time-trigger.ts';
import type { Trigger } from '../triggers/trigger.ts';
import { TimeWindow } from '../windows/time-window.ts';
import { type WindowAssigner, type WindowAssignerContext, requirePositive } from './window-assigner.ts';

/**
 * Overlapping windows of processing time (the injected clock): `size` ms long, one every `slide`
 * ms. Default trigger: {@link ProcessingTimeTrigger}.
 *
 * @example
 * ```ts
 * keyed.window(SlidingProcessingTimeWindows.of(60_000, 10_000)).reduce('rolling-minute', (a, b) => a + b);
 * ```
 */
export class SlidingProcessingTimeWindows implements WindowAssigner<unknown, TimeWindow> {
  readonly size: number;
  readonly slide: number;
  readonly offset: number;
  private readonly cache: AlignedWindowCache;

  private constructor(size: number, slide: number, offset: number) {
    this.size = requirePositive(size, 'SlidingProcessingTimeWindows size');
    this.slide = requirePositive(slide, 'SlidingProcessingTimeWindows slide');
    if (!(Math.abs(offset) < slide)) {
      throw new SluiceError(
        'INVALID_ARGUMENT',
        `SlidingProcessingTimeWindows needs |offset| < slide; got slide ${slide}, offset ${offset}.`,
      );
    }
    this.offset = offset;
    this.cache = new AlignedWindowCache(size, slide);
  }

  /** Windows of `size` ms every `slide` ms of processing time, shifted by `offset` ms. */
  static of(size: number, slide: number, offset = 0): SlidingProcessingTimeWindows {
    return new SlidingProcessingTimeWindows(size, slide, offset);
  }

  assignWindows(_element: unknown, _timestamp: Timestamp, ctx: WindowAssignerContext): readonly TimeWindow[] {
    const now = ctx.currentProcessingTime();
    return this.cache.windows(TimeWindow.getWindowStartWithOffset(now, this.offset, this.slide), now);
  }

  getDefaultTrigger(): Trigger<unknown, TimeWindow> {
    return ProcessingTimeTrigger.create();
  }

  isEventTime(): boolean {
    return false;
  }

  toString(): string {
    return `SlidingProcessingTimeWindows(${this.size}, ${this.slide})`;
  }
}
