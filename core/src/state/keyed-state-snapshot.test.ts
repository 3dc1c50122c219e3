// Snapshot and restore of keyed state per key group, with rescaling. The backend and the
// snapshot functions are runtime internals, so they are imported relatively; state is read and
// written through the public state accessors.
import {
  AggregatingStateDescriptor,
  ListStateDescriptor,
  ManualClock,
  MapStateDescriptor,
  ReducingStateDescriptor,
  SluiceError,
  ValueStateDescriptor,
  decodeKeyGroupSnapshots,
  encodeKeyGroupSnapshots,
  keyGroupOf,
  type KeyGroupSnapshot,
  type KeyType,
} from '@sluice/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { HeapKeyedStateBackend } from './heap-keyed-state-backend.ts';
import { keyGroupRangeFor, subtaskForKeyGroup } from './key-groups.ts';
import { restoreKeyGroups, snapshotKeyGroups } from './keyed-state-snapshot.ts';

const MAX = 128;
const TTL_MS = 10_000;
const WINDOWS = ['0:60000', '60000:120000'];

type Acc = { s: number; n: number };

function descriptors() {
  return {
    value: new ValueStateDescriptor<string>('value').enableTimeToLive({ ttlMs: TTL_MS }),
    list: new ListStateDescriptor<number>('list'),
    map: new MapStateDescriptor<string, { at: Date; n: bigint }>('map'),
    sum: new ReducingStateDescriptor<number>('sum', (a, b) => a + b),
    avg: new AggregatingStateDescriptor('avg', {
      createAccumulator: (): Acc => ({ s: 0, n: 0 }),
      add: (v: number, acc: Acc) => ({ s: acc.s + v, n: acc.n + 1 }),
      getResult: (acc: Acc) => acc.s / acc.n,
    }),
  };
}

function backendFor(range: { start: number; end: number }, clock: ManualClock): HeapKeyedStateBackend {
  return new HeapKeyedStateBackend({ maxParallelism: MAX, range, clock });
}

/** Writes every state kind for `key` (plain namespace), plus list and sum in two windows. */
function fill(backend: HeapKeyedStateBackend, key: KeyType, i: number): void {
  const d = descriptors();
  backend.setCurrentKey(key);
  backend.setCurrentNamespace('');
  backend.getState(d.value).update(`v${i}`);
  const list = backend.getListState(d.list);
  for (let j = 0; j <= i % 4; j++) list.add(i + j);
  const map = backend.getMapState(d.map);
  map.put(`m${i}`, { at: new Date(i * 1000), n: BigInt(i) * 10n ** 20n });
  map.put('other', { at: new Date(0), n: -1n });
  backend.getReducingState(d.sum).add(i);
  backend.getReducingState(d.sum).add(1);
  backend.getAggregatingState(d.avg).add(i);
  backend.getAggregatingState(d.avg).add(i + 2);
  for (const w of WINDOWS.slice(0, 1 + (i % 2))) {
    backend.setCurrentNamespace(w);
    backend.getListState(d.list).add(-i);
    backend.getReducingState(d.sum).add(i * 2);
  }
  backend.setCurrentNamespace('');
}

/** Everything `key` holds, read through the public accessors. */
function read(backend: HeapKeyedStateBackend, key: KeyType): unknown {
  const d = descriptors();
  backend.setCurrentKey(key);
  const out: Record<string, unknown> = {};
  for (const ns of ['', ...WINDOWS]) {
    backend.setCurrentNamespace(ns);
    out[ns] = {
      value: backend.getState(d.value).value(),
      list: [...backend.getListState(d.list).get()],
      map: [...backend.getMapState(d.map).entries()],
      sum: backend.getReducingState(d.sum).get(),
      avg: backend.getAggregatingState(d.avg).get(),
    };
  }
  backend.setCurrentNamespace('');
  return out;
}

function keys(n: number): KeyType[] {
  const out: KeyType[] = [];
  for (let i = 0; i < n; i++) {
    const kind = i % 4;
    out.push(kind === 0 ? `user-${i}` : kind === 1 ? i : kind === 2 ? BigInt(i) * 2n ** 70n : i % 8 === 3);
  }
  return [...new Set(out)];
}

describe('keyed state snapshot and restore', () => {
  it('restores every state kind, window namespaces and TTL timestamps into a fresh backend', () => {
    const clock = new ManualClock(1_000);
    const all = { start: 0, end: MAX - 1 };
    const original = backendFor(all, clock);
    const ks = keys(600);
    ks.forEach((k, i) => {
      if (i === ks.length / 2) clock.set(5_000); // the second half is written later
      fill(original, k, i);
    });
    const expected = new Map(ks.map((k) => [k, read(original, k)]));

    const snapshots = snapshotKeyGroups(original);
    const viaBytes = decodeKeyGroupSnapshots(encodeKeyGroupSnapshots(snapshots));
    const restoredClock = new ManualClock(5_000);
    const restored = backendFor(all, restoredClock);
    expect(restoreKeyGroups(restored, viaBytes)).toEqual(snapshots.map((s) => s.keyGroup));
    for (const k of ks) expect(read(restored, k)).toEqual(expected.get(k));

    // TTL counts from the original writes: at 11s the first half (written at 1s) has expired.
    clock.set(11_000);
    restoredClock.set(11_000);
    const d = descriptors();
    ks.forEach((k, i) => {
      restored.setCurrentKey(k);
      original.setCurrentKey(k);
      const value = restored.getState(d.value).value();
      expect(value).toBe(i < ks.length / 2 ? undefined : `v${i}`);
      expect(value).toBe(original.getState(d.value).value());
    });
  });

  it('writes one snapshot per non-empty key group, and only the groups asked for', () => {
    const clock = new ManualClock(0);
    const backend = backendFor(keyGroupRangeFor(1, MAX, 2), clock);
    const count = new ValueStateDescriptor<number>('count');
    const owned = keys(200).filter((k) => subtaskForKeyGroup(keyGroupOf(k, MAX), MAX, 2) === 1);
    for (const k of owned) {
      backend.setCurrentKey(k);
      backend.getState(count).update(1);
    }
    const groups = new Set(owned.map((k) => keyGroupOf(k, MAX)));
    const snapshots = snapshotKeyGroups(backend);
    expect(snapshots.map((s) => s.keyGroup)).toEqual([...groups].sort((a, b) => a - b));
    for (const s of snapshots) expect(s.states.length).toBe(1);

    const [first, second] = [...groups];
    expect(snapshotKeyGroups(backend, [second as number, first as number, 3, 999]).map((s) => s.keyGroup)).toEqual(
      [first as number, second as number].sort((a, b) => a - b),
    );
  });

  it('keeps a snapshot as of its encoding, whatever is written afterwards', () => {
    const clock = new ManualClock(0);
    const backend = backendFor({ start: 0, end: MAX - 1 }, clock);
    const list = backend.getListState(new ListStateDescriptor<number>('list'));
    backend.setCurrentKey('k');
    list.add(1);
    const bytes = encodeKeyGroupSnapshots(snapshotKeyGroups(backend));
    list.add(2); // mutates the stored array in place
    const restored = backendFor({ start: 0, end: MAX - 1 }, clock);
    restoreKeyGroups(restored, decodeKeyGroupSnapshots(bytes));
    restored.setCurrentKey('k');
    expect(restored.getListState(new ListStateDescriptor<number>('list')).get()).toEqual([1]);
  });

  it('converts state restored with TTL into a state declared without it, and vice versa', () => {
    const clock = new ManualClock(0);
    const all = { start: 0, end: MAX - 1 };
    const before = backendFor(all, clock);
    before.setCurrentKey('k');
    before.getState(new ValueStateDescriptor<number>('a').enableTimeToLive({ ttlMs: 100 })).update(1);
    before.getState(new ValueStateDescriptor<number>('b')).update(2);
    const snapshots = snapshotKeyGroups(before);

    const after = backendFor(all, clock);
    // 'b' is declared (now with TTL) before the restore, 'a' after it (now without).
    const b = after.getState(new ValueStateDescriptor<number>('b').enableTimeToLive({ ttlMs: 100 }));
    restoreKeyGroups(after, snapshots);
    const a = after.getState(new ValueStateDescriptor<number>('a'));
    after.setCurrentKey('k');
    clock.set(50);
    expect([a.value(), b.value()]).toEqual([1, 2]);
    clock.set(1_000);
    expect([a.value(), b.value()]).toEqual([1, undefined]); // b's TTL counted from the restore
  });

  it('refuses snapshots taken with another maxParallelism', () => {
    const backend = backendFor({ start: 0, end: 63 }, new ManualClock(0));
    const foreign: KeyGroupSnapshot = { keyGroup: 1, maxParallelism: 64, states: [], timers: [] };
    expect(() => restoreKeyGroups(backend, [foreign])).toThrow(
      expect.objectContaining({ code: 'SNAPSHOT_INCOMPATIBLE', message: expect.stringMatching(/maxParallelism 64/) }),
    );
    expect(() => restoreKeyGroups(backend, [foreign])).toThrow(SluiceError);
  });
});

describe('rescaling keyed state', () => {
  const clock = new ManualClock(0);
  const value = new ValueStateDescriptor<string>('value');
  const windowed = new ReducingStateDescriptor<number>('per-window', (a, b) => a + b);
  const ks = keys(10_000);

  function subtasksOf(parallelism: number): HeapKeyedStateBackend[] {
    return Array.from({ length: parallelism }, (_, i) => backendFor(keyGroupRangeFor(i, MAX, parallelism), clock));
  }

  function ownerOf(key: KeyType, parallelism: number): number {
    return subtaskForKeyGroup(keyGroupOf(key, MAX), MAX, parallelism);
  }

  // Three subtasks, each holding the keys routed to it.
  const old = subtasksOf(3);
  ks.forEach((k, i) => {
    const backend = old[ownerOf(k, 3)] as HeapKeyedStateBackend;
    backend.setCurrentKey(k);
    backend.getState(value).update(`v${i}`);
    backend.setCurrentNamespace(WINDOWS[i % 2] as string);
    backend.getReducingState(windowed).add(i);
    backend.setCurrentNamespace('');
  });
  const union = old.flatMap((b) => snapshotKeyGroups(b));

  it.each([1, 4])('restores the union of 3 subtasks into %i, each key only at its new owner', (parallelism) => {
    const fresh = subtasksOf(parallelism);
    const groups = fresh.flatMap((b) => restoreKeyGroups(b, union));
    expect(groups.sort((a, b) => a - b)).toEqual(union.map((s) => s.keyGroup).sort((a, b) => a - b));
    ks.forEach((k, i) => {
      const owner = ownerOf(k, parallelism);
      fresh.forEach((backend, subtask) => {
        backend.setCurrentKey(k);
        const here = subtask === owner;
        expect(backend.getState(value).value()).toBe(here ? `v${i}` : undefined);
        backend.setCurrentNamespace(WINDOWS[i % 2] as string);
        expect(backend.getReducingState(windowed).get()).toBe(here ? i : undefined);
        backend.setCurrentNamespace('');
      });
    });
    const total = fresh.reduce((n, b) => n + b.table('value').size(), 0);
    expect(total).toBe(ks.length);
  });
});

describe('rescaling keyed state (fast-check)', () => {
  it('from any parallelism P to any Q, every key is readable exactly at its new owner', () => {
    const key = fc.oneof(
      fc.string({ maxLength: 6 }),
      fc.integer(),
      fc.bigInt(),
      fc.boolean(),
      fc.double({ noNaN: true }),
    );
    fc.assert(
      fc.property(
        fc.uniqueArray(key, { maxLength: 60, comparator: 'SameValueZero' }),
        fc.integer({ min: 1, max: 9 }),
        fc.integer({ min: 1, max: 9 }),
        fc.integer({ min: 9, max: 64 }),
        (ks, from, to, maxParallelism) => {
          const clock = new ManualClock(0);
          const count = new ValueStateDescriptor<number>('count');
          const make = (parallelism: number) =>
            Array.from(
              { length: parallelism },
              (_, i) =>
                new HeapKeyedStateBackend({
                  maxParallelism,
                  range: keyGroupRangeFor(i, maxParallelism, parallelism),
                  clock,
                }),
            );
          const owner = (k: KeyType, parallelism: number) =>
            subtaskForKeyGroup(keyGroupOf(k, maxParallelism), maxParallelism, parallelism);
          const old = make(from);
          ks.forEach((k, i) => {
            const backend = old[owner(k, from)] as HeapKeyedStateBackend;
            backend.setCurrentKey(k);
            backend.getState(count).update(i);
          });
          const union = decodeKeyGroupSnapshots(encodeKeyGroupSnapshots(old.flatMap((b) => snapshotKeyGroups(b))));
          const fresh = make(to);
          for (const b of fresh) restoreKeyGroups(b, union);
          ks.forEach((k, i) => {
            fresh.forEach((b, subtask) => {
              b.setCurrentKey(k);
              expect(b.getState(count).value()).toBe(subtask === owner(k, to) ? i : undefined);
            });
          });
        },
      ),
      { numRuns: 200 },
    );
  });
});
