// The heap backend's asynchronous snapshot (snapshotEncodedAsync / HeapSnapshot): whatever the
// task does to state and timers after the barrier — in-place changes of list, map and aggregate
// values, TTL refreshes and expiry, removals, new keys, namespaces and states, timers added,
// deleted and fired — the encoded snapshot is the state at the barrier. The backend and the
// snapshot are runtime internals, so they are imported relatively.
import { inspect } from 'node:util';
import {
  AggregatingStateDescriptor,
  decodeKeyGroupSnapshots,
  encodeKeyGroupSnapshots,
  type KeyGroupSnapshot,
  type KeyType,
  ListStateDescriptor,
  ManualClock,
  MapStateDescriptor,
  SluiceError,
  ValueStateDescriptor,
} from '@sluice/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ProcessingTimeScheduler } from '../runtime/processing-time-scheduler.ts';
import { HeapKeyedStateBackend } from './heap-keyed-state-backend.ts';
import { HeapSnapshot } from './heap-snapshot.ts';
import { InternalTimerService } from './timer-service.ts';

const MAX = 128;
const WINDOW = '0:60000';

interface Profile {
  n: number;
  tags: string[];
}

interface Acc {
  sum: number;
  seen: Set<number>;
}

/** A backend with every kind of state, TTL, window namespaces, a raw table and timers. */
function fixture(keyCount: number) {
  const clock = new ManualClock(1_000);
  const backend = new HeapKeyedStateBackend({ maxParallelism: MAX, range: { start: 0, end: MAX - 1 }, clock });
  const scheduler = new ProcessingTimeScheduler(clock);
  const fired: string[] = [];
  const timers = new InternalTimerService<string>(
    backend,
    scheduler,
    {
      onEventTime: (t) => fired.push(`event ${String(t.key)}`),
      onProcessingTime: (t) => fired.push(`processing ${String(t.key)}`),
    },
    (w) => w,
  );
  const s = {
    profile: backend.getState(new ValueStateDescriptor<Profile>('profile')),
    session: backend.getState(
      new ValueStateDescriptor<{ id: string }>('session').enableTimeToLive({
        ttlMs: 10_000,
        updateOn: 'read-and-write',
      }),
    ),
    events: backend.getListState(new ListStateDescriptor<{ id: number }>('events')),
    counts: backend.getMapState(new MapStateDescriptor<string, number[]>('counts')),
    // An accumulator changed in place and returned, as the checkpoint benchmark's job does.
    acc: backend.getAggregatingState(
      new AggregatingStateDescriptor('acc', {
        createAccumulator: (): Acc => ({ sum: 0, seen: new Set() }),
        add: (v: number, acc: Acc) => {
          acc.sum += v;
          acc.seen.add(v);
          return acc;
        },
        getResult: (acc: Acc) => acc.sum,
      }),
    ),
    raw: backend.table<{ c: number }>('raw'),
  };
  const keys: KeyType[] = [];
  for (let i = 0; i < keyCount; i++) keys.push(i % 3 === 0 ? `k${i}` : i % 3 === 1 ? i : BigInt(i) << 40n);
  keys.forEach((key, i) => {
    backend.setCurrentKey(key);
    s.profile.update({ n: i, tags: [`t${i}`] });
    if (i % 2 === 0) s.session.update({ id: `s${i}` });
    s.events.add({ id: i });
    s.counts.put(`c${i % 4}`, [i]);
    s.acc.add(i);
    backend.setCurrentNamespace(WINDOW);
    s.events.add({ id: -i });
    backend.setCurrentNamespace('');
    s.raw.put(backend.getCurrentKeyGroup(), key, WINDOW, { c: i });
    timers.registerEventTimeTimer(WINDOW, 59_999);
    if (i % 5 === 0) timers.registerProcessingTimeTimer(WINDOW, 5_000 + i);
  });
  return { clock, backend, timers, fired, s, keys, services: { 'window-timers': timers } };
}

type Fixture = ReturnType<typeof fixture>;

/** Everything a snapshot holds, order-free: one line per entry and per timer, sorted. */
function contents(groups: readonly KeyGroupSnapshot[]): string[] {
  const show = (v: unknown) => inspect(v, { depth: null, sorted: true, breakLength: Number.POSITIVE_INFINITY });
  const lines: string[] = [];
  for (const g of groups) {
    for (const state of g.states) {
      for (const ns of state.namespaces) {
        ns.keys.forEach((key, i) => {
          const touched = ns.touchedAt === undefined ? '' : ` @${ns.touchedAt[i]}`;
          lines.push(
            `${g.keyGroup} ${state.name} ttl=${state.ttl} [${ns.namespace}] ${show(key)} = ${show(ns.values[i])}${touched}`,
          );
        });
      }
    }
    for (const t of g.timers) {
      for (const [domain, e] of [
        ['event', t.eventTime],
        ['processing', t.processingTime],
      ] as const) {
        e.keys.forEach((key, i) => {
          lines.push(`${g.keyGroup} timer ${t.name} ${domain} ${show(key)} [${e.namespaces[i]}] @${e.timestamps[i]}`);
        });
      }
    }
  }
  return lines.sort();
}

/** The synchronous snapshot of the fixture now, as decoded contents. */
function snapshotNow(f: Fixture): string[] {
  return contents(decodeKeyGroupSnapshots(encodeKeyGroupSnapshots(f.backend.snapshot(undefined, f.services))));
}

/** One change of the kinds the task makes after a barrier, to `key`. */
function change(f: Fixture, key: KeyType, kind: number, step: number): void {
  const { backend, s, timers, clock } = f;
  backend.setCurrentKey(key);
  const group = backend.getCurrentKeyGroup();
  switch (kind % 12) {
    case 0: {
      const p = s.profile.value();
      if (p !== undefined) {
        p.n += 1000; // in place, then written back
        p.tags.push('changed');
        s.profile.update(p);
      } else s.profile.update({ n: step, tags: ['new'] });
      break;
    }
    case 1:
      s.session.value(); // a TTL read refreshes touchedAt in place
      break;
    case 2:
      s.events.add({ id: 10_000 + step }); // pushes onto the stored array
      break;
    case 3:
      s.counts.get('c1')?.push(step); // changes a map value in place
      s.counts.put(`x${step}`, [step]);
      s.counts.remove('c2');
      break;
    case 4:
      s.acc.add(step); // the accumulator is changed in place
      break;
    case 5:
      s.profile.clear();
      s.events.clear();
      break;
    case 6: {
      const v = s.raw.get(group, key, WINDOW); // runtime operators change table values in place
      if (v !== undefined) {
        v.c += 1;
        s.raw.put(group, key, WINDOW, v);
      }
      break;
    }
    case 7:
      s.raw.remove(group, key, WINDOW);
      s.raw.put(group, key, `${step}:${step + 1}`, { c: step }); // a new namespace
      break;
    case 8:
      backend.setCurrentNamespace(WINDOW);
      s.events.add({ id: 20_000 + step });
      s.events.update([{ id: step }]);
      backend.setCurrentNamespace('');
      break;
    case 9:
      timers.deleteEventTimeTimer(WINDOW, 59_999);
      timers.registerEventTimeTimer(WINDOW, 70_000 + step);
      break;
    case 10:
      timers.deleteEventTimeTimer(WINDOW, 59_999);
      timers.registerEventTimeTimer(WINDOW, 59_999); // deleted and added again
      timers.registerProcessingTimeTimer(`w${step}`, 9_000);
      break;
    default:
      clock.advance(20_000); // TTL expires: the next read removes the entry
      s.session.value();
      s.session.update({ id: `late${step}` });
      backend.getState(new ValueStateDescriptor<number>(`late-state-${step % 3}`)).update(step); // new states
  }
}

const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('heap backend asynchronous snapshot', () => {
  it('writes the same bytes as encoding the synchronous snapshot when nothing changes', async () => {
    const f = fixture(500);
    // An object shared between key groups is written once and referenced after.
    const shared = { n: -1, tags: ['shared'] };
    for (const key of ['a', 'b', 'c', 'd']) {
      f.backend.setCurrentKey(key);
      f.s.profile.update(shared);
    }
    const expected = encodeKeyGroupSnapshots(f.backend.snapshot(undefined, f.services));
    const bytes = await f.backend.snapshotEncodedAsync(f.services);
    expect(Buffer.from(bytes).equals(Buffer.from(expected))).toBe(true);
    const decoded = decodeKeyGroupSnapshots(bytes);
    const profiles = decoded.flatMap((g) =>
      g.states
        .filter((s) => s.name === 'profile')
        .flatMap((s) =>
          s.namespaces.flatMap((ns) => ns.values.filter((_, i) => ['a', 'b', 'c', 'd'].includes(ns.keys[i] as string))),
        ),
    );
    expect(profiles).toHaveLength(4);
    for (const p of profiles) expect(p).toBe(profiles[0]);
  });

  it('keeps entries replaced after the barrier in their place: the same bytes as a snapshot at the barrier', async () => {
    const f = fixture(400);
    const expected = encodeKeyGroupSnapshots(f.backend.snapshot(undefined, f.services));
    const pending = f.backend.snapshotEncodedAsync(f.services);
    f.keys.forEach((key, i) => {
      if (i % 3 !== 1) return; // some keys of a key group, not all
      f.backend.setCurrentKey(key);
      f.s.profile.update({ n: 99, tags: ['after the barrier'] });
    });
    // In order, so a window's timer keys still equal its state's keys (written once).
    expect(Buffer.from(await pending).equals(Buffer.from(expected))).toBe(true);
  });

  it('holds the state at the barrier whatever is changed right after it', async () => {
    const f = fixture(300);
    const atBarrier = snapshotNow(f);
    const pending = f.backend.snapshotEncodedAsync(f.services);
    f.keys.forEach((key, i) => {
      for (let kind = 0; kind < 12; kind++) change(f, key, kind + i, i);
    });
    f.timers.advanceWatermark(80_000); // fires (and removes) every event-time timer
    f.clock.advance(10_000);
    f.timers.onProcessingTime(f.clock.now());
    expect(f.fired.length).toBeGreaterThan(300);
    const afterwards = snapshotNow(f);
    expect(afterwards).not.toEqual(atBarrier); // the changes are real…
    expect(contents(decodeKeyGroupSnapshots(await pending))).toEqual(atBarrier); // …and not in the snapshot
  });

  it('holds the state at the barrier when changes interleave with the slices that write it', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(fc.nat(), fc.nat(), fc.integer({ min: 0, max: 6 })), { minLength: 1, maxLength: 300 }),
        async (ops) => {
          const f = fixture(200);
          const atBarrier = snapshotNow(f);
          const snapshot = new HeapSnapshot(
            {
              maxParallelism: MAX,
              range: f.backend.range,
              tables: [...f.backend.allTables().values()],
              timerServices: f.services,
              sliceMs: 0, // one key group per slice
            },
            () => {},
          );
          let settled = false;
          void snapshot.result.then(
            () => (settled = true),
            () => (settled = true),
          );
          let turns = 0;
          for (let i = 0; !settled; i++) {
            const [keyIndex, kind, burst] = ops[i % ops.length] as [number, number, number];
            for (let b = 0; b <= burst; b++)
              change(f, f.keys[(keyIndex + b * 7) % f.keys.length] as KeyType, kind + b, i);
            await nextTurn();
            turns++;
          }
          expect(turns).toBeGreaterThan(10);
          expect(contents(decodeKeyGroupSnapshots(await snapshot.result))).toEqual(atBarrier);
        },
      ),
      { numRuns: 15 },
    );
  });

  it('assembles the bytes of a large snapshot in slices too, about a MiB per slice', async () => {
    const clock = new ManualClock(0);
    const backend = new HeapKeyedStateBackend({ maxParallelism: MAX, range: { start: 0, end: MAX - 1 }, clock });
    const blob = backend.getState(new ValueStateDescriptor<string>('blob'));
    for (let k = 0; k < 6; k++) {
      backend.setCurrentKey(`key-${k}`);
      blob.update(String(k).repeat(1_500_000)); // 1.5 MB each, distinct
    }
    const expected = encodeKeyGroupSnapshots(backend.snapshot(undefined, {}));
    const snapshot = new HeapSnapshot(
      {
        maxParallelism: MAX,
        range: backend.range,
        tables: [...backend.allTables().values()],
        timerServices: {},
        sliceMs: 0,
      },
      () => {},
    );
    let settled = false;
    void snapshot.result.finally(() => (settled = true));
    let turns = 0;
    for (; !settled; turns++) await nextTurn();
    // One slice per key group (sliceMs 0), then one per step of 1-2 MiB (a step ends after the
    // piece that uses up its MiB) of the ~9 MB of bytes; all at once, it would be MAX or MAX + 1.
    const steps = Math.floor(expected.length / (2 << 20));
    expect(steps).toBeGreaterThanOrEqual(4);
    expect(turns).toBeGreaterThanOrEqual(MAX + steps - 1);
    // (Decoded, not byte for byte: how V8 pads a string may differ between one serialize call
    // and one per key group, see KeyGroupSnapshotEncoder.)
    expect(decodeKeyGroupSnapshots(await snapshot.result)).toEqual(decodeKeyGroupSnapshots(expected));
  });

  it('keeps nothing once the snapshot is written: later changes cost no copies and reach the next snapshot', async () => {
    const f = fixture(100);
    await f.backend.snapshotEncodedAsync(f.services);
    for (const key of f.keys) change(f, key, 2, 1);
    const now = snapshotNow(f);
    expect(contents(decodeKeyGroupSnapshots(await f.backend.snapshotEncodedAsync(f.services)))).toEqual(now);
  });

  it('finishes a pending snapshot before the next one begins', async () => {
    const f = fixture(150);
    const first = snapshotNow(f);
    const one = f.backend.snapshotEncodedAsync(f.services);
    for (const key of f.keys) change(f, key, 4, 7);
    const second = snapshotNow(f);
    const two = f.backend.snapshotEncodedAsync(f.services);
    for (const key of f.keys) change(f, key, 0, 8);
    expect(contents(decodeKeyGroupSnapshots(await one))).toEqual(first);
    expect(contents(decodeKeyGroupSnapshots(await two))).toEqual(second);
  });

  it('finishes first when a state is migrated to TTL after the barrier (a bulk change)', async () => {
    const f = fixture(50);
    // Restored without TTL, declared with TTL after the barrier: every value is wrapped at once.
    const restored = new HeapKeyedStateBackend({ maxParallelism: MAX, range: f.backend.range, clock: f.clock });
    restored.restore(f.backend.snapshot());
    const atBarrier = contents(decodeKeyGroupSnapshots(encodeKeyGroupSnapshots(restored.snapshot())));
    const pending = restored.snapshotEncodedAsync();
    const profile = restored.getState(new ValueStateDescriptor<Profile>('profile').enableTimeToLive({ ttlMs: 1 }));
    restored.setCurrentKey(f.keys[0] as KeyType);
    expect(profile.value()).toEqual({ n: 0, tags: ['t0'] });
    expect(contents(decodeKeyGroupSnapshots(await pending))).toEqual(atBarrier);
  });

  it('fails the snapshot, not the task, when a value cannot be serialized', async () => {
    for (const touch of [false, true]) {
      const f = fixture(10);
      const odd = f.backend.getState(new ValueStateDescriptor<unknown>('odd'));
      f.backend.setCurrentKey('fn');
      odd.update({ call: () => 1 });
      // A key of the same key group, changed after the barrier before 'fn' is handed out.
      const group = f.backend.getCurrentKeyGroup();
      let twin = '';
      for (let i = 0; twin === ''; i++) {
        f.backend.setCurrentKey(`k${i}`);
        if (f.backend.getCurrentKeyGroup() === group) twin = `k${i}`;
      }
      odd.update('at the barrier');
      const pending = f.backend.snapshotEncodedAsync(f.services);
      odd.update('after the barrier');
      f.backend.setCurrentKey('fn');
      if (touch) expect(typeof (odd.value() as { call: unknown }).call).toBe('function');
      await expect(pending).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
      await expect(pending).rejects.toBeInstanceOf(SluiceError);
      f.backend.setCurrentKey(twin);
      expect(odd.value()).toBe('after the barrier'); // the failed snapshot left the state as it was
      f.backend.setCurrentKey('fn');
      // Nothing is kept any more; the next snapshot without the value works.
      odd.clear();
      await expect(f.backend.snapshotEncodedAsync(f.services)).resolves.toBeInstanceOf(Uint8Array);
    }
  });

  it('rejects a snapshot abandoned by dispose', async () => {
    const f = fixture(10);
    const pending = f.backend.snapshotEncodedAsync(f.services);
    await f.backend.dispose();
    await expect(pending).rejects.toMatchObject({ code: 'ILLEGAL_STATE' });
  });
});
