import { TimeWindow } from '../windows/time-window.ts';

const MAX_ENTRIES = 1024;

/**
 * Frozen window arrays of an aligned (tumbling or sliding) assigner, by latest window start:
 * elements of the same windows reuse one array and the same TimeWindows (no allocation per
 * record). Entries are never mutated, so the cache may be shared by subtasks and operators.
 */
export class AlignedWindowCache {
  private readonly size: number;
  private readonly slide: number;
  /** lastStart → arrays by window count (the count varies with the timestamp when size % slide ≠ 0). */
  private readonly byStart = new Map<number, (readonly TimeWindow[] | undefined)[]>();
  private lastStart = Number.NaN;
  private last: readonly TimeWindow[] = [];

  constructor(size: number, slide: number) {
    this.size = size;
    this.slide = slide;
  }

  /** The windows of `timestamp`, whose latest (slide-aligned) start is `lastStart`. */
  windows(lastStart: number, timestamp: number): readonly TimeWindow[] {
    const count = Math.ceil((lastStart - timestamp + this.size) / this.slide);
    if (lastStart === this.lastStart && count === this.last.length) return this.last;
    let byCount = this.byStart.get(lastStart);
    if (byCount === undefined) {
      if (this.byStart.size >= MAX_ENTRIES) this.byStart.clear();
      byCount = [];
      this.byStart.set(lastStart, byCount);
    }
    let windows = byCount[count];
    if (windows === undefined) {
      const list: TimeWindow[] = [];
      for (let start = lastStart; start > timestamp - this.size; start -= this.slide) {
        list.push(new TimeWindow(start, start + this.size));
      }
      windows = Object.freeze(list);
      byCount[count] = windows;
    }
    this.lastStart = lastStart;
    this.last = windows;
    return windows;
  }
}
