// Snapshot and restore of timers per key group at another parallelism. Timer services are runtime
// internals, so they are imported relatively.
import { ManualClock, TimeWindow, decodeKeyGroupSnapshots, encodeKeyGroupSnapshots, keyGroupOf } from '@sluice/core';
import { describe, expect, it } from 'vitest';
import { ProcessingTimeScheduler } from '../runtime/processing-time-scheduler.ts';
import { HeapKeyedStateBackend } from './heap-keyed-state-backend.ts';
import { type KeyType, keyGroupRangeFor, subtaskForKeyGroup } from './key-groups.ts';
import { restoreKeyGroups, snapshotKeyGroups } from './keyed-state-snapshot.ts';
import { restoreTimers } from './timer-snapshot.ts';
import { InternalTimerService, type Timer } from './timer-service.ts';

const MAX = 128;

interface Subtask {
  backend: HeapKeyedStateBackend;
  scheduler: ProcessingTimeScheduler;
  timers: InternalTimerService<TimeWindow>;
  fired: string[];
}

function subtasks(parallelism: number, clock: ManualClock): Subtask[] {
  return Array.from({ length: parallelism }, (_, i) => {
    const backend = new HeapKeyedStateBackend({
      maxParallelism: MAX,
      range: keyGroupRangeFor(i, MAX, parallelism),
      clock,
    });
    const scheduler = new ProcessingTimeScheduler(clock);
    const fired: string[] = [];
    const record = (domain: string) => (t: Timer<TimeWindow>) => {
      // The timer's key is current while it fires, and the namespace is a real TimeWindow again.
      expect(backend.getCurrentKey()).toBe(t.key);
      expect(t.namespace).toBeInstanceOf(TimeWindow);
      fired.push(`${domain} ${String(t.key)} ${t.namespace.id} @${t.timestamp}`);
    };
    const target = { onEventTime: record('event'), onProcessingTime: record('processing') };
    const timers = new InternalTimerService<TimeWindow>(backend, scheduler, target, (w) => w.id);
    return { backend, scheduler, timers, fired };
  });
}

function ownerOf(key: KeyType, parallelism: number): number {
  return subtaskForKeyGroup(keyGroupOf(key, MAX), MAX, parallelism);
}

describe('timer snapshot and restore', () => {
  it('restores timers at another parallelism; each new subtask fires exactly the timers of its keys', () => {
    const clock = new ManualClock(0);
    const old = subtasks(2, clock);
    const keys: KeyType[] = [];
    for (let i = 0; i < 400; i++) keys.push(i % 3 === 0 ? `k${i}` : i % 3 === 1 ? i : BigInt(i) << 64n);
    const expectedEvent = new Set<string>();
    const expectedProcessing = new Set<string>();
    keys.forEach((key, i) => {
      const { backend, timers } = old[ownerOf(key, 2)] as Subtask;
      backend.setCurrentKey(key);
      const window = TimeWindow.of((i % 5) * 1_000, (i % 5) * 1_000 + 1_000);
      timers.registerEventTimeTimer(window, window.maxTimestamp());
      expectedEvent.add(`event ${String(key)} ${window.id} @${window.maxTimestamp()}`);
      timers.registerEventTimeTimer(window, 100_000 + i); // beyond the watermark below: must not fire
      if (i % 4 === 0) {
        timers.registerProcessingTimeTimer(window, 500 + i);
        expectedProcessing.add(`processing ${String(key)} ${window.id} @${500 + i}`);
      }
    });

    const bytes = encodeKeyGroupSnapshots(
      old.flatMap((s) => snapshotKeyGroups(s.backend, undefined, { 'window-timers': s.timers })),
    );
    const union = decodeKeyGroupSnapshots(bytes);

    const fresh = subtasks(3, clock);
    let restored = 0;
    for (const s of fresh) {
      restoreKeyGroups(s.backend, union);
      restored += restoreTimers(s.timers, 'window-timers', union, TimeWindow.fromId);
      expect(restoreTimers(s.timers, 'other-service', union, TimeWindow.fromId)).toBe(0);
    }
    expect(restored).toBe(keys.length * 2 + expectedProcessing.size);

    for (const s of fresh) s.timers.advanceWatermark(10_000);
    clock.set(10_000);
    for (const s of fresh) s.scheduler.fireDue(); // the restored processing-time timers were re-armed

    const all = fresh.flatMap((s) => s.fired);
    expect(new Set(all)).toEqual(new Set([...expectedEvent, ...expectedProcessing]));
    expect(all.length).toBe(expectedEvent.size + expectedProcessing.size); // each fired once
    fresh.forEach((s, subtask) => {
      for (const line of s.fired) {
        const key = keys.find((k) => line.split(' ')[1] === String(k)) as KeyType;
        expect(ownerOf(key, 3)).toBe(subtask);
      }
      expect(s.timers.numProcessingTimeTimers()).toBe(0);
    });
    expect(fresh.reduce((n, s) => n + s.timers.numEventTimeTimers(), 0)).toBe(keys.length);
  });

  it('refuses a namespace parser that does not invert the namespace ids', () => {
    const clock = new ManualClock(0);
    const [s] = subtasks(1, clock) as [Subtask];
    s.backend.setCurrentKey('a');
    s.timers.registerEventTimeTimer(TimeWindow.of(0, 10), 9);
    const snapshots = snapshotKeyGroups(s.backend, undefined, { t: s.timers });
    const [target] = subtasks(1, clock) as [Subtask];
    expect(() => restoreTimers(target.timers, 't', snapshots, () => TimeWindow.of(0, 20))).toThrow(
      expect.objectContaining({ code: 'SNAPSHOT_INCOMPATIBLE' }),
    );
  });
});

describe('TimeWindow.fromId', () => {
  it.each([
    [0, 5_000],
    [-5_000, -1_000],
    [-1, 1],
    [1.5, 2.25],
  ])('inverts id for [%d, %d)', (start, end) => {
    const w = TimeWindow.of(start, end);
    expect(TimeWindow.fromId(w.id).equals(w)).toBe(true);
  });

  it.each(['', 'global', '5', ':5', '5:', '1:2:3', ' 1:2', '0x1:2', '5:1', '1:1'])('rejects %j', (id) => {
    expect(() => TimeWindow.fromId(id)).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
  });
});
