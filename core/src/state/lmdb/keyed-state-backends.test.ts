// One behavioural suite, run against both keyed state backends (heap and LMDB). The backends are
// runtime internals, so they are imported relatively; state is read and written through the
// public state accessors and descriptors.
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  AggregatingStateDescriptor,
  type KeyGroupSnapshot,
  type KeyType,
  ListStateDescriptor,
  ManualClock,
  MapStateDescriptor,
  ReducingStateDescriptor,
  SluiceError,
  ValueStateDescriptor,
  decodeKeyGroupSnapshots,
  encodeKeyGroupSnapshots,
  keyGroupOf,
} from '@sluice/core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { HeapKeyedStateBackend } from '../heap-keyed-state-backend.ts';
import { keyGroupRangeFor, type KeyGroupRange } from '../key-groups.ts';
import type { KeyedStateBackend } from '../keyed-state-backend.ts';
import { LmdbKeyedStateBackend } from './lmdb-keyed-state-backend.ts';

const MAX = 128;
const ALL: KeyGroupRange = { start: 0, end: MAX - 1 };
const WINDOWS = ['0:60000', '60000:120000'];

let root: string;
const opened: KeyedStateBackend[] = [];
let counter = 0;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'sluice-lmdb-test-'));
});
afterEach(async () => {
  for (const b of opened.splice(0)) await b.dispose?.();
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

interface Factory {
  readonly name: string;
  create(range: KeyGroupRange, clock: ManualClock, options?: { cacheEntries?: number }): Promise<KeyedStateBackend>;
}

const heap: Factory = {
  name: 'heap',
  create: async (range, clock) => new HeapKeyedStateBackend({ maxParallelism: MAX, range, clock }),
};

const lmdb: Factory = {
  name: 'lmdb',
  create: async (range, clock, options = {}) => {
    const backend = await LmdbKeyedStateBackend.open({
      directory: join(root, `b${counter++}`),
      maxParallelism: MAX,
      range,
      clock,
      ...options,
    });
    opened.push(backend);
    return backend;
  },
};

/** A small cache, so that the LMDB variant evicts and reloads constantly. */
const lmdbTinyCache: Factory = {
  name: 'lmdb (cache of 16 entries)',
  create: (range, clock) => lmdb.create(range, clock, { cacheEntries: 16 }),
};

const FACTORIES = [heap, lmdb, lmdbTinyCache];

type Acc = { s: number; n: number };

function descriptors() {
  return {
    value: new ValueStateDescriptor<string>('value').enableTimeToLive({ ttlMs: 10_000 }),
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

/** Writes every state kind for `key` (plain namespace), plus list and sum in one or two windows. */
function fill(backend: KeyedStateBackend, key: KeyType, i: number): void {
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
function read(backend: KeyedStateBackend, key: KeyType): unknown {
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
    const kind = i % 5;
    out.push(
      kind === 0
        ? `user-${i}`
        : kind === 1
          ? i
          : kind === 2
            ? BigInt(i) * 2n ** 70n
            : kind === 3
              ? i % 10 === 3
              : i + 0.5,
    );
  }
  return [...new Set(out)];
}

/** Canonical form of snapshots, independent of entry order: group → state → ns → sorted entries. */
function canonical(snapshots: readonly KeyGroupSnapshot[]): unknown {
  const out: Record<string, unknown> = {};
  for (const g of [...snapshots].sort((a, b) => a.keyGroup - b.keyGroup)) {
    for (const s of g.states) {
      for (const ns of s.namespaces) {
        const rows = ns.keys.map((k, i) => [
          `${typeof k}:${String(k)}`,
          ns.values[i],
          ns.touchedAt === undefined ? null : ns.touchedAt[i],
        ]);
        rows.sort((a, b) => ((a[0] as string) < (b[0] as string) ? -1 : 1));
        out[`${g.keyGroup}/${s.name}/${s.ttl}/${ns.namespace}`] = rows;
      }
    }
  }
  return out;
}

describe.each(FACTORIES)('keyed state backend: $name', (factory) => {
  it('scopes every state kind to the current key', async () => {
    const b = await factory.create(ALL, new ManualClock(0));
    const value = b.getState(new ValueStateDescriptor<number>('v', -1));
    const list = b.getListState(new ListStateDescriptor<number>('l'));
    const map = b.getMapState(new MapStateDescriptor<number, string>('m'));
    const sum = b.getReducingState(new ReducingStateDescriptor<number>('s', (x, y) => x + y));
    const avg = b.getAggregatingState(descriptors().avg);
    const report = (k: KeyType) => {
      b.setCurrentKey(k);
      return `${String(k)} value=${value.value()} list=${list.get().join(',')} map=${[...map.keys()].join(',')} sum=${sum.get()} avg=${avg.get()} empty=${map.isEmpty()}`;
    };
    const add = (k: KeyType, v: number) => {
      b.setCurrentKey(k);
      value.update(v);
      list.add(v);
      map.put(v, `v${v}`);
      sum.add(v);
      avg.add(v);
    };
    add('a', 1);
    add('b', 10);
    add('a', 3);
    b.setCurrentKey('a');
    map.remove(1);
    expect(map.contains(3)).toBe(true);
    expect(map.get(3)).toBe('v3');
    expect(map.contains(1)).toBe(false);
    b.setCurrentKey('b');
    for (const s of [value, list, map, sum, avg]) s.clear();
    add('b', 4);
    b.setCurrentKey('c');
    list.addAll([7, 8]);
    list.addAll([9]);
    expect(report('a')).toBe('a value=3 list=1,3 map=3 sum=4 avg=2 empty=false');
    expect(report('b')).toBe('b value=4 list=4 map=4 sum=4 avg=4 empty=false');
    expect(report('c')).toBe('c value=-1 list=7,8,9 map= sum=undefined avg=undefined empty=true');
    b.setCurrentKey('c');
    list.update([]);
    expect(list.get()).toEqual([]);
    list.update([5]);
    map.put(1, 'x');
    map.remove(1);
    expect([...map.entries()]).toEqual([]);
    expect(report('c')).toBe('c value=-1 list=5 map= sum=undefined avg=undefined empty=true');
  });

  it('keeps namespaces apart and refuses a state name reused with another kind', async () => {
    const b = await factory.create(ALL, new ManualClock(0));
    const sum = b.getReducingState(new ReducingStateDescriptor<number>('sum', (x, y) => x + y));
    b.setCurrentKey(42);
    for (const [ns, v] of [
      ['', 1],
      [WINDOWS[0], 10],
      [WINDOWS[1], 100],
      [WINDOWS[0], 5],
    ] as const) {
      b.setCurrentNamespace(ns as string);
      sum.add(v);
    }
    const byNs = ['', ...WINDOWS].map((ns) => {
      b.setCurrentNamespace(ns);
      return sum.get();
    });
    expect(byNs).toEqual([1, 15, 100]);
    expect(b.getCurrentNamespace()).toBe(WINDOWS[1]);
    // The same name and kind gives the same state object.
    expect(b.getReducingState(new ReducingStateDescriptor<number>('sum', (x, y) => x + y))).toBe(sum);
    expect(() => b.getState(new ValueStateDescriptor('sum'))).toThrow(
      expect.objectContaining({ code: 'INVALID_ARGUMENT' }),
    );
  });

  it('refuses state access without a current key', async () => {
    const b = await factory.create(ALL, new ManualClock(0));
    const v = b.getState(new ValueStateDescriptor<number>('v'));
    expect(() => v.value()).toThrow(expect.objectContaining({ code: 'STATE_OUTSIDE_KEYED_CONTEXT' }));
  });

  it('expires state after its TTL on the injected clock (create-and-write and read-and-write)', async () => {
    const clock = new ManualClock(1_000);
    const b = await factory.create(ALL, clock);
    const written = b.getState(new ValueStateDescriptor<number>('w').enableTimeToLive({ ttlMs: 5_000 }));
    const read = b.getListState(
      new ListStateDescriptor<number>('r').enableTimeToLive({ ttlMs: 5_000, updateOn: 'read-and-write' }),
    );
    b.setCurrentKey('k');
    written.update(1);
    read.add(1);
    for (const t of [4_000, 8_000]) {
      clock.set(t);
      b.setCurrentKey(`other-${t}`); // switches key (and lets the LMDB cache evict)
      b.setCurrentKey('k');
      expect(read.get()).toEqual([1]); // read at 4s and 8s: refreshed each time
    }
    expect(written.value()).toBeUndefined(); // written at 1s, ttl 5s: gone at 8s
    clock.set(12_999);
    b.setCurrentKey('k');
    expect(read.get()).toEqual([1]);
    clock.set(17_999);
    expect(read.get()).toEqual([]);
    written.update(2);
    clock.set(22_998);
    expect(written.value()).toBe(2);
    clock.set(22_999);
    expect(written.value()).toBeUndefined();
  });

  it('scopes raw tables by key group, and keeps in-place changes of values handed out', async () => {
    const b = await factory.create(ALL, new ManualClock(0));
    const table = b.table<number[]>('window-contents');
    const ks = keys(300);
    for (const k of ks) {
      b.setCurrentKey(k);
      const g = b.getCurrentKeyGroup();
      expect(g).toBe(keyGroupOf(k, MAX));
      table.put(g, k, WINDOWS[0] as string, [1]);
    }
    for (const k of ks) {
      b.setCurrentKey(k);
      // The window operator appends to the stored list without putting it back.
      table.get(b.getCurrentKeyGroup(), k, WINDOWS[0] as string)?.push(2);
    }
    expect(table.size()).toBe(ks.length);
    const group = keyGroupOf(ks[0] as KeyType, MAX);
    const inGroup = [...table.entriesOfGroup(group)];
    expect(inGroup.map(([k]) => k).sort()).toEqual(ks.filter((k) => keyGroupOf(k, MAX) === group).sort());
    for (const [, ns, value] of inGroup) {
      expect(ns).toBe(WINDOWS[0]);
      expect(value).toEqual([1, 2]);
    }
    b.setCurrentKey(ks[0] as KeyType);
    table.remove(group, ks[0] as KeyType, WINDOWS[0] as string);
    expect(table.get(group, ks[0] as KeyType, WINDOWS[0] as string)).toBeUndefined();
    expect(table.size()).toBe(ks.length - 1);
    expect([...b.allTables().keys()]).toContain('window-contents');
  });

  it.each(FACTORIES)('snapshot → bytes → restore into $name gives the same state', async (target) => {
    const clock = new ManualClock(1_000);
    const original = await factory.create(ALL, clock);
    const ks = keys(500);
    ks.forEach((k, i) => {
      if (i === 250) clock.set(5_000); // the second half is written later
      fill(original, k, i);
    });
    const expected = new Map(ks.map((k) => [k, read(original, k)]));
    const snapshots = original.snapshot();
    const restoredClock = new ManualClock(5_000);
    const restored = await target.create(ALL, restoredClock);
    expect(restored.restore(decodeKeyGroupSnapshots(encodeKeyGroupSnapshots(snapshots)))).toEqual(
      snapshots.map((s) => s.keyGroup),
    );
    for (const k of ks) expect(read(restored, k)).toEqual(expected.get(k));
    expect(canonical(restored.snapshot())).toEqual(canonical(original.snapshot()));

    // TTL counts from the original writes: at 11s the first half (written at 1s) has expired.
    restoredClock.set(11_000);
    const d = descriptors();
    ks.forEach((k, i) => {
      restored.setCurrentKey(k);
      expect(restored.getState(d.value).value()).toBe(i < 250 ? undefined : `v${i}`);
    });
  });

  it('restores into a smaller key-group range only the groups in range (rescaling)', async () => {
    const clock = new ManualClock(0);
    const count = new ValueStateDescriptor<number>('count');
    const old = await factory.create(ALL, clock);
    const ks = keys(2_000);
    ks.forEach((k, i) => {
      old.setCurrentKey(k);
      old.getState(count).update(i);
    });
    const union = old.snapshot();
    for (const target of [heap, lmdb]) {
      const range = keyGroupRangeFor(1, MAX, 3);
      const fresh = await target.create(range, clock);
      const groups = fresh.restore(union);
      expect(groups).toEqual(union.map((s) => s.keyGroup).filter((g) => g >= range.start && g <= range.end));
      ks.forEach((k, i) => {
        const g = keyGroupOf(k, MAX);
        if (g < range.start || g > range.end) return;
        fresh.setCurrentKey(k);
        expect(fresh.getState(count).value()).toBe(i);
      });
      expect(fresh.table('count').size()).toBe(
        ks.filter((k) => keyGroupOf(k, MAX) >= range.start && keyGroupOf(k, MAX) <= range.end).length,
      );
      expect(fresh.snapshot().every((s) => s.keyGroup >= range.start && s.keyGroup <= range.end)).toBe(true);
    }
  });

  it('snapshots only the key groups asked for', async () => {
    const b = await factory.create(keyGroupRangeFor(1, MAX, 2), new ManualClock(0));
    const owned = keys(400).filter((k) => keyGroupOf(k, MAX) >= 64);
    for (const k of owned) {
      b.setCurrentKey(k);
      b.getState(new ValueStateDescriptor<number>('c')).update(1);
    }
    const groups = [...new Set(owned.map((k) => keyGroupOf(k, MAX)))].sort((a, c) => a - c);
    expect(b.snapshot().map((s) => s.keyGroup)).toEqual(groups);
    const [first, second] = groups as [number, number];
    expect(b.snapshot([second, first, 3, 999]).map((s) => s.keyGroup)).toEqual([first, second]);
  });

  it('converts state restored with TTL into a state declared without it, and vice versa', async () => {
    const clock = new ManualClock(0);
    const before = await factory.create(ALL, clock);
    before.setCurrentKey('k');
    before.getState(new ValueStateDescriptor<number>('a').enableTimeToLive({ ttlMs: 100 })).update(1);
    before.getState(new ValueStateDescriptor<number>('b')).update(2);
    const snapshots = before.snapshot();
    const after = await factory.create(ALL, clock);
    const b = after.getState(new ValueStateDescriptor<number>('b').enableTimeToLive({ ttlMs: 100 }));
    after.restore(snapshots);
    const a = after.getState(new ValueStateDescriptor<number>('a'));
    after.setCurrentKey('k');
    clock.set(50);
    expect([a.value(), b.value()]).toEqual([1, 2]);
    clock.set(1_000);
    expect([a.value(), b.value()]).toEqual([1, undefined]); // b's TTL counted from the restore
  });

  it('refuses snapshots taken with another maxParallelism', async () => {
    const b = await factory.create(ALL, new ManualClock(0));
    const foreign: KeyGroupSnapshot = { keyGroup: 1, maxParallelism: 64, states: [], timers: [] };
    expect(() => b.restore([foreign])).toThrow(SluiceError);
    expect(() => b.restore([foreign])).toThrow(expect.objectContaining({ code: 'SNAPSHOT_INCOMPATIBLE' }));
  });

  it('keeps a snapshot as of its encoding, whatever is written afterwards', async () => {
    const clock = new ManualClock(0);
    const b = await factory.create(ALL, clock);
    const list = b.getListState(new ListStateDescriptor<number>('list'));
    b.setCurrentKey('k');
    list.add(1);
    const bytes = encodeKeyGroupSnapshots(b.snapshot());
    list.add(2);
    const restored = await factory.create(ALL, clock);
    restored.restore(decodeKeyGroupSnapshots(bytes));
    restored.setCurrentKey('k');
    expect(restored.getListState(new ListStateDescriptor<number>('list')).get()).toEqual([1]);
  });
});

describe('LMDB keyed state backend', () => {
  it('holds state far larger than its cache bound, correctly', async () => {
    const clock = new ManualClock(0);
    const b = (await lmdb.create(ALL, clock, { cacheEntries: 1_000 })) as LmdbKeyedStateBackend;
    const count = b.getState(new ValueStateDescriptor<number>('count'));
    const seen = b.getMapState(new MapStateDescriptor<number, number>('seen'));
    const n = 20_000;
    for (let round = 0; round < 3; round++) {
      for (let i = 0; i < n; i++) {
        b.setCurrentKey(`k${(i * 7919) % n}`);
        count.update((count.value() ?? 0) + 1);
        if (round === 1) seen.put(i, round);
      }
    }
    const stats = b.cacheStats();
    expect(stats.evictions).toBeGreaterThan(50);
    expect(stats.entries).toBeLessThanOrEqual(1_000 + 2);
    for (let i = 0; i < n; i++) {
      b.setCurrentKey(`k${(i * 7919) % n}`);
      expect(count.value()).toBe(3);
      expect([...seen.entries()]).toEqual([[i, 1]]);
    }
    const snap = b.snapshot();
    const entries = snap.flatMap((g) =>
      g.states.filter((s) => s.name === 'count').flatMap((s) => s.namespaces[0]?.values ?? []),
    );
    expect(entries.length).toBe(n);
    expect(entries.every((v) => v === 3)).toBe(true);
  });

  it('reports exactly the changed key groups in incremental snapshots', async () => {
    const clock = new ManualClock(0);
    const b = (await lmdb.create({ start: 0, end: MAX - 1 }, clock)) as LmdbKeyedStateBackend;
    const v = b.getState(new ValueStateDescriptor<number>('v'));
    const table = b.table<{ n: number }>('objects');
    const write = (k: KeyType) => {
      b.setCurrentKey(k);
      v.update(1);
    };
    const ks = keys(1_000);
    ks.forEach(write);
    const first = b.snapshotIncremental(1);
    expect(first.baseCheckpointId).toBeUndefined();
    expect(first.changedKeyGroups.length).toBe(MAX);
    expect(first.unchangedKeyGroups).toEqual([]);
    b.notifySnapshotComplete(1);

    // Nothing written: nothing changed. Reads do not count, reads of values handed out in place do.
    b.setCurrentKey(ks[0] as KeyType);
    v.value();
    const second = b.snapshotIncremental(2);
    expect(second).toMatchObject({ baseCheckpointId: 1, changed: [], changedKeyGroups: [] });
    expect(second.unchangedKeyGroups.length).toBe(MAX);
    b.notifySnapshotComplete(2);

    // Three keys written, one removed: exactly their groups changed.
    const touched = [ks[3], ks[10], ks[500]] as KeyType[];
    touched.forEach(write);
    b.setCurrentKey(ks[700] as KeyType);
    v.clear();
    const groups = [...new Set([...touched, ks[700] as KeyType].map((k) => keyGroupOf(k, MAX)))].sort((a, c) => a - c);
    const third = b.snapshotIncremental(3);
    expect(third.baseCheckpointId).toBe(2);
    expect(third.changedKeyGroups).toEqual(groups);
    expect(third.changed.map((s) => s.keyGroup)).toEqual(
      groups.filter((g) => third.changed.some((s) => s.keyGroup === g)),
    );
    expect(third.unchangedKeyGroups.length).toBe(MAX - groups.length);
    // Checkpoint 3 never completes: checkpoint 4 must still contain its changes, plus new ones.
    const k4 = ks.find((k) => !groups.includes(keyGroupOf(k, MAX))) as KeyType;
    b.setCurrentKey(k4);
    table.put(b.getCurrentKeyGroup(), k4, '', { n: 1 });
    b.flush();
    b.setCurrentKey(k4);
    const obj = table.get(b.getCurrentKeyGroup(), k4, ''); // handed out for in-place change
    expect(obj).toEqual({ n: 1 });
    const fourth = b.snapshotIncremental(4);
    expect(fourth.baseCheckpointId).toBe(2);
    expect(fourth.changedKeyGroups).toEqual([...groups, keyGroupOf(k4, MAX)].sort((a, c) => a - c));
    b.notifySnapshotComplete(4);
    b.setCurrentKey(k4);
    table.get(b.getCurrentKeyGroup(), k4, '');
    const fifth = b.snapshotIncremental(5);
    expect(fifth).toMatchObject({ baseCheckpointId: 4, changedKeyGroups: [keyGroupOf(k4, MAX)] });
  });

  it('reads an asynchronous snapshot as of the moment it was taken while writes go on', async () => {
    const clock = new ManualClock(0);
    const b = (await lmdb.create(ALL, clock, { cacheEntries: 500 })) as LmdbKeyedStateBackend;
    const count = b.getState(new ValueStateDescriptor<number>('count'));
    const n = 5_000;
    for (let i = 0; i < n; i++) {
      b.setCurrentKey(i);
      count.update(i);
    }
    const pending = b.snapshotAsync(undefined, {}, 100); // yields every ~100 entries
    for (let i = 0; i < n; i++) {
      b.setCurrentKey(i);
      count.update(-1);
      if (i % 1000 === 0) await new Promise((r) => setImmediate(r));
    }
    b.flush();
    const snapshot = await pending;
    const restored = await heap.create(ALL, clock);
    restored.restore(snapshot);
    const c = restored.getState(new ValueStateDescriptor<number>('count'));
    for (let i = 0; i < n; i++) {
      restored.setCurrentKey(i);
      expect(c.value()).toBe(i);
    }
    // The live state moved on.
    const now = b.snapshot().flatMap((g) => g.states.flatMap((s) => s.namespaces.flatMap((ns) => ns.values)));
    expect(now.length).toBe(n);
    expect(now.every((v) => v === -1)).toBe(true);
  });

  it('deletes its files on dispose', async () => {
    const directory = join(root, 'disposed');
    const b = await LmdbKeyedStateBackend.open({
      directory,
      maxParallelism: MAX,
      range: ALL,
      clock: new ManualClock(0),
    });
    b.setCurrentKey('k');
    b.getState(new ValueStateDescriptor<number>('v')).update(1);
    b.flush();
    expect((await readdir(directory)).length).toBeGreaterThan(0);
    await b.dispose();
    expect((await readdir(root)).includes('disposed')).toBe(false);
  });

  it('refuses keys too long for LMDB with a message saying what to do', async () => {
    const b = await lmdb.create(ALL, new ManualClock(0));
    b.setCurrentKey('x'.repeat(3_000));
    const v = b.getState(new ValueStateDescriptor<number>('v'));
    expect(() => v.value()).toThrow(
      expect.objectContaining({ code: 'INVALID_ARGUMENT', message: expect.stringMatching(/shorter keys/) }),
    );
  });
});
