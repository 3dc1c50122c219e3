import { SluiceError } from '../../errors.ts';
import type { Timestamp } from '../../time/timestamps.ts';
import type { Window } from './window.ts';

/**
 * A window of event or processing time, `[start, end)`: `start` inclusive, `end` exclusive.
 * Immutable; the assigners of tumbling and sliding windows reuse instances.
 *
 * @example
 * ```ts
 * const w = TimeWindow.of(0, 5_000);
 * w.maxTimestamp(); // 4999
 * w.intersects(TimeWindow.of(5_000, 6_000)); // true: session windows that touch merge
 * w.cover(TimeWindow.of(4_000, 9_000)); // TimeWindow [0, 9000)
 * ```
 */
export class TimeWindow implements Window {
  readonly start: Timestamp;
  readonly end: Timestamp;
  private cachedId: string | undefined;

  constructor(start: Timestamp, end: Timestamp) {
    if (!(end > start)) {
      throw new SluiceError('INVALID_ARGUMENT', `A TimeWindow needs end > start; got [${start}, ${end}).`);
    }
    this.start = start;
    this.end = end;
  }

  /** The window `[start, end)`. */
  static of(start: Timestamp, end: Timestamp): TimeWindow {
    return new TimeWindow(start, end);
  }

  /**
   * The window whose {@link TimeWindow.id} is `id` (`start:end`): restores window namespaces of
   * timers and state from a snapshot.
   *
   * @example
   * ```ts
   * TimeWindow.fromId('0:5000').equals(TimeWindow.of(0, 5_000)); // true
   * ```
   */
  static fromId(id: string): TimeWindow {
    const colon = id.indexOf(':', 1);
    const start = Number(id.slice(0, colon));
    const end = Number(id.slice(colon + 1));
    // Round-tripping through the id format rejects '', whitespace, extra colons and such.
    if (colon < 0 || `${start}:${end}` !== id || !(end > start)) {
      throw new SluiceError(
        'INVALID_ARGUMENT',
        `'${id}' is not a TimeWindow id; expected 'start:end' with end > start.`,
      );
    }
    return new TimeWindow(start, end);
  }

  /** `start:end`, computed once. */
  get id(): string {
    let id = this.cachedId;
    if (id === undefined) {
      id = `${this.start}:${this.end}`;
      this.cachedId = id;
    }
    return id;
  }

  /** `end - 1`: the last timestamp inside the window. */
  maxTimestamp(): Timestamp {
    return this.end - 1;
  }

  /** Whether the two windows overlap or touch (`[0, 5)` and `[5, 9)` intersect, as in Flink). */
  intersects(other: TimeWindow): boolean {
    return this.start <= other.end && this.end >= other.start;
  }

  /** The smallest window containing both. */
  cover(other: TimeWindow): TimeWindow {
    return new TimeWindow(Math.min(this.start, other.start), Math.max(this.end, other.end));
  }

  equals(other: unknown): boolean {
    return other instanceof TimeWindow && other.start === this.start && other.end === this.end;
  }

  toString(): string {
    return `TimeWindow[${this.start}, ${this.end})`;
  }

  /**
   * The start of the window of `size` (aligned to `offset`) that contains `timestamp`:
   * `timestamp - ((timestamp - offset) mod size)` with the remainder made non-negative, so
   * negative timestamps land in the right window too (Flink's formula).
   */
  static getWindowStartWithOffset(timestamp: Timestamp, offset: number, size: number): Timestamp {
    const remainder = (timestamp - offset) % size;
    return remainder < 0 ? timestamp - (remainder + size) : timestamp - remainder;
  }

  /**
   * Merges overlapping windows (session windows): sorts by start and reports every group of more
   * than one intersecting window with the window covering the group.
   */
  static mergeWindows(
    windows: readonly TimeWindow[],
    callback: (toBeMerged: TimeWindow[], mergeResult: TimeWindow) => void,
  ): void {
    const sorted = [...windows].sort((a, b) => a.start - b.start);
    let current: TimeWindow | undefined;
    let group: TimeWindow[] = [];
    for (const candidate of sorted) {
      if (current === undefined) {
        current = candidate;
        group = [candidate];
      } else if (current.intersects(candidate)) {
        current = current.cover(candidate);
        group.push(candidate);
      } else {
        if (group.length > 1) callback(group, current);
        current = candidate;
        group = [candidate];
      }
    }
    if (current !== undefined && group.length > 1) callback(group, current);
  }
}
