import { SluiceError } from '../../errors.ts';
import { TimeWindow } from '../windows/time-window.ts';

/**
 * The one session window an element opens at `start`: a fixed gap, or (when `fixedGap` is NaN) the
 * gap the extractor returns for it, which must be > 0. Shared by the event- and processing-time
 * session assigners, which differ only in where `start` comes from.
 */
export function sessionWindowFor<T>(
  element: T,
  start: number,
  fixedGap: number,
  gapOf: (element: T) => number,
): readonly TimeWindow[] {
  const gap = Number.isNaN(fixedGap) ? gapOf(element) : fixedGap;
  if (!(gap > 0)) {
    throw new SluiceError('INVALID_ARGUMENT', `The dynamic session gap must be > 0 ms; the extractor returned ${gap}.`);
  }
  return [new TimeWindow(start, start + gap)];
}
