// InternalTimerService.captureTimers: a snapshot reads the timers as of the capture in slices of
// any size while the service keeps adding, deleting and firing timers in between. Timer services
// are runtime internals, so they are imported relatively.
import { ManualClock } from '@sluice/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ProcessingTimeScheduler } from '../runtime/processing-time-scheduler.ts';
import { HeapKeyedStateBackend } from './heap-keyed-state-backend.ts';
import { InternalTimerService, type TimerCursor } from './timer-service.ts';

const MAX = 16;

function service() {
  const clock = new ManualClock(0);
  const backend = new HeapKeyedStateBackend({ maxParallelism: MAX, range: { start: 0, end: MAX - 1 }, clock });
  const timers = new InternalTimerService<string>(
    backend,
    new ProcessingTimeScheduler(clock),
    { onEventTime: () => {}, onProcessingTime: () => {} },
    (w) => w,
  );
  const live = (): string[] => {
    const all: string[] = [];
    timers.forEachTimer('event-time', (t, ns, key, group) => all.push(`${t} ${ns} ${String(key)} g${group}`));
    return all.sort();
  };
  /** Registers a timer at `time` in `ns` for each of `keys`; returns them as the capture lists them. */
  const register = (keys: readonly number[], ns: string, time: number): string[] =>
    keys.map((key) => {
      backend.setCurrentKey(key);
      timers.registerEventTimeTimer(ns, time);
      return `${time} ${ns} ${key} g${backend.getCurrentKeyGroup()}`;
    });
  return { backend, timers, live, register };
}

/**
 * Steps `cursor` to the end with slices of `sizes` (cycled), running `between` after each slice;
 * with `rows`, the cursor may also hand over runs of a key group's timers through a keys visitor.
 */
function readAll(
  cursor: TimerCursor,
  sizes: readonly number[],
  between: (slice: number) => void,
  rows = false,
): string[] {
  const seen: string[] = [];
  for (let slice = 0; ; slice++) {
    if (slice > 10_000) expect.unreachable('the capture does not end');
    const max = sizes[slice % sizes.length] as number;
    let visited = 0;
    const done = cursor.step(
      max,
      (t, ns, key, group) => {
        visited++;
        seen.push(`${t} ${ns} ${String(key)} g${group}`);
      },
      rows
        ? (t, ns, group, keys, from, to) => {
            for (let i = from; i < to; i++) seen.push(`${t} ${ns} ${String(keys[i])} g${group}`);
            visited += to - from;
          }
        : undefined,
    );
    // The last step also visits the recorded timers, however many.
    if (!done) expect(visited).toBeLessThanOrEqual(max);
    if (done) return seen.sort();
    between(slice);
  }
}

const op = fc.record({
  kind: fc.constantFrom('add', 'delete', 'delete-add', 'fire'),
  key: fc.integer({ min: 0, max: 30 }),
  time: fc.integer({ min: 1, max: 6 }),
  ns: fc.constantFrom('a', 'b', 'c'),
});

describe('timer capture for asynchronous snapshots', () => {
  // Copied key groups visited a timer at a time, or in runs through a keys visitor.
  it.each([false, true])(
    'visits exactly the timers of the capture, whatever changes between slices (runs of keys: %s)',
    (rows) => {
      fc.assert(
        fc.property(
          fc.array(
            fc.tuple(fc.integer({ min: 0, max: 30 }), fc.integer({ min: 1, max: 6 }), fc.constantFrom('a', 'b', 'c')),
            {
              maxLength: 80,
            },
          ),
          fc.array(fc.integer({ min: 1, max: 7 }), { minLength: 1, maxLength: 5 }),
          fc.array(fc.array(op, { maxLength: 4 }), { minLength: 1, maxLength: 30 }),
          (initial, sizes, changes) => {
            const { backend, timers, live } = service();
            for (const [key, time, ns] of initial) {
              backend.setCurrentKey(key);
              timers.registerEventTimeTimer(ns, time);
            }
            const atCapture = live();
            const cursor = timers.captureTimers('event-time');
            const seen = readAll(
              cursor,
              sizes,
              (slice) => {
                for (const c of changes[slice % changes.length] ?? []) {
                  backend.setCurrentKey(c.key);
                  if (c.kind === 'add') timers.registerEventTimeTimer(c.ns, c.time);
                  else if (c.kind === 'delete') timers.deleteEventTimeTimer(c.ns, c.time);
                  else if (c.kind === 'delete-add') {
                    timers.deleteEventTimeTimer(c.ns, c.time);
                    timers.registerEventTimeTimer(c.ns, c.time);
                  } else timers.advanceWatermark(c.time); // fires and removes timers <= time
                }
              },
              rows,
            );
            expect(seen).toEqual(atCapture);
            // The capture is over: changes are not recorded any more, a new capture may begin.
            expect(readAll(timers.captureTimers('event-time'), [1000], () => {})).toEqual(live());
          },
        ),
        { numRuns: 300 },
      );
    },
  );

  it('ends although timers come and go faster than the slices read', () => {
    const { backend, timers, register } = service();
    const atCapture = register(
      Array.from({ length: 20 }, (_, i) => i),
      'a',
      50,
    );
    const cursor = timers.captureTimers('event-time');
    const seen = readAll(cursor, [1], (slice) => {
      // Every slice: three timers at a new time, and the previous new time fired.
      for (let k = 0; k < 3; k++) {
        backend.setCurrentKey(100 + k);
        timers.registerEventTimeTimer('b', 100 + slice);
      }
      timers.advanceWatermark(99 + slice);
    });
    expect(seen).toEqual(atCapture.sort());
  });

  it('visits a timer changed after its key group was copied once, as it was at the capture', () => {
    const { backend, timers, register } = service();
    const atCapture = register([0, 1, 2, 3], 'a', 5);
    const cursor = timers.captureTimers('event-time');
    // One timer per step: the cursor stops in the bucket, after copying its first key group.
    let first: string | undefined;
    expect(cursor.step(1, (t, ns, key, group) => (first = `${t} ${ns} ${String(key)} g${group}`))).toBe(false);
    const key = Number(first?.split(' ')[2]);
    backend.setCurrentKey(key);
    timers.deleteEventTimeTimer('a', 5);
    timers.registerEventTimeTimer('a', 7);
    backend.setCurrentKey(100); // a new timer in the bucket: not in the capture
    timers.registerEventTimeTimer('a', 5);
    const rest = readAll(cursor, [1], () => {});
    expect([first, ...rest].sort()).toEqual(atCapture.sort());
  });

  it('allows one capture at a time per timer domain; close ends one early', () => {
    const { backend, timers, live } = service();
    backend.setCurrentKey('k');
    timers.registerEventTimeTimer('a', 5);
    const cursor = timers.captureTimers('event-time');
    expect(() => timers.captureTimers('event-time')).toThrow(/already reading these timers/);
    expect(readAll(timers.captureTimers('processing-time'), [10], () => {})).toEqual([]);
    cursor.close();
    expect(readAll(timers.captureTimers('event-time'), [10], () => {})).toEqual(live());
  });
});
