// Differential test of the heap backend's asynchronous snapshot: real operators (windows of
// several kinds, a keyed process function with every state kind, TTL and timers) are driven with
// seeded random input and watermarks; at random moments the synchronous snapshot (the reference:
// the state and timers at the barrier, encoded at once) and the asynchronous one are both taken,
// the operators keep working while the asynchronous one is written in slices (also when the next
// checkpoint begins before it ended), and the two are compared entry by entry, key group by key
// group. The asynchronous bytes are also restored into a fresh operator, whose state must be the
// reference again. Internals are imported relatively.
import { inspect } from 'node:util';
import {
  type AggregateFunction,
  AggregatingStateDescriptor,
  type DataStream,
  EventTimeSessionWindows,
  type AggregatingState,
  type KeyedProcessFunction,
  type ListState,
  ListStateDescriptor,
  type MapState,
  MapStateDescriptor,
  type ReducingState,
  ReducingStateDescriptor,
  SlidingEventTimeWindows,
  TestOperatorRunner,
  TumblingEventTimeWindows,
  type ValueState,
  ValueStateDescriptor,
} from '@sluice/core';
import { describe, expect, it } from 'vitest';
import type { StreamOperator } from '../runtime/stream-operator.ts';
import type { HeapKeyedStateBackend } from './heap-keyed-state-backend.ts';
import { HeapSnapshot } from './heap-snapshot.ts';
import { keyGroupOf, subtaskForKeyGroup } from './key-groups.ts';
import { decodeKeyGroupSnapshots, encodeKeyGroupSnapshots, type KeyGroupSnapshot } from './snapshot-format.ts';
import type { SnapshotableTimers } from './timer-snapshot.ts';
import { restoreTimers } from './timer-snapshot.ts';

interface Click {
  readonly user: string;
  readonly time: number;
  readonly n: number;
}

/** mulberry32: a small seeded PRNG. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const count: AggregateFunction<Click, number, number> = {
  createAccumulator: () => 0,
  add: (_c, n) => n + 1,
  getResult: (n) => n,
  merge: (a, b) => a + b,
};

interface Stats {
  sum: number;
  users: string[];
}

/** An accumulator changed in place. */
const stats: AggregateFunction<Click, Stats, number> = {
  createAccumulator: () => ({ sum: 0, users: [] }),
  add: (c, acc) => {
    acc.sum += c.n;
    acc.users.push(c.user);
    return acc;
  },
  getResult: (acc) => acc.sum,
  merge: (a, b) => ({ sum: a.sum + b.sum, users: [...a.users, ...b.users] }),
};

/** Every kind of keyed state, changed in place and replaced, with TTL and timers. */
const everything: KeyedProcessFunction<string, Click, string> = {
  open(ctx) {
    const self = this as unknown as Record<string, unknown>;
    self['value'] = ctx.getState(new ValueStateDescriptor<{ n: number; seen: number[] }>('value'));
    self['list'] = ctx.getListState(new ListStateDescriptor<{ t: number }>('list'));
    self['map'] = ctx.getMapState(new MapStateDescriptor<number, number[]>('map'));
    self['reducing'] = ctx.getReducingState(
      new ReducingStateDescriptor<{ s: number }>('reducing', (a, b) => {
        a.s += b.s;
        return a;
      }),
    );
    self['agg'] = ctx.getAggregatingState(new AggregatingStateDescriptor('agg', stats));
    self['ttl'] = ctx.getState(
      new ValueStateDescriptor<{ hits: number }>('ttl').enableTimeToLive({ ttlMs: 50, updateOn: 'read-and-write' }),
    );
  },
  processElement(c, ctx, out) {
    const self = this as unknown as Record<string, never>;
    const value = self['value'] as unknown as ValueState<{ n: number; seen: number[] }>;
    const list = self['list'] as unknown as ListState<{ t: number }>;
    const map = self['map'] as unknown as MapState<number, number[]>;
    const reducing = self['reducing'] as unknown as ReducingState<{ s: number }>;
    const agg = self['agg'] as unknown as AggregatingState<Click, number>;
    const ttl = self['ttl'] as unknown as ValueState<{ hits: number }>;
    switch (c.n % 8) {
      case 0: {
        const v = value.value();
        if (v === undefined) value.update({ n: 1, seen: [c.time] });
        else {
          v.n++;
          v.seen.push(c.time);
          value.update(v);
        }
        break;
      }
      case 1:
        list.add({ t: c.time });
        if (list.get().length > 5) list.update(list.get().slice(2));
        break;
      case 2: {
        const slot = c.time % 3;
        const m = map.get(slot);
        if (m === undefined) map.put(slot, [c.time]);
        else m.push(c.time); // in place, not written back
        if (c.time % 7 === 0) map.remove((slot + 1) % 3);
        break;
      }
      case 3:
        reducing.add({ s: c.n });
        break;
      case 4:
        agg.add(c);
        break;
      case 5: {
        const t = ttl.value();
        if (t === undefined) ttl.update({ hits: 1 });
        else t.hits++; // in place: only the TTL refresh writes
        break;
      }
      case 6:
        ctx.timerService().registerEventTimeTimer(c.time + 100);
        ctx.timerService().registerProcessingTimeTimer(ctx.timerService().currentProcessingTime() + 30);
        break;
      default:
        ctx.timerService().deleteEventTimeTimer(c.time + 95);
        if (c.time % 2 === 0) value.clear();
        else list.clear();
    }
    out.collect(`${c.user}:${c.n}`);
  },
  onTimer(timestamp, ctx, out) {
    const self = this as unknown as Record<string, never>;
    const list = self['list'] as unknown as ListState<{ t: number }>;
    list.add({ t: -timestamp });
    out.collect(`timer ${ctx.getCurrentKey()} ${timestamp}`);
  },
};

interface Variant {
  readonly name: string;
  readonly build: (input: DataStream<Click>) => DataStream<unknown>;
}

const variants: Variant[] = [
  {
    name: 'tumbling event-time window, numeric aggregate (the crash-test job)',
    build: (input) =>
      input
        .keyBy((c) => c.user)
        .window(TumblingEventTimeWindows.of(1_000))
        .aggregate('clicks-per-second', count, {
          process: (user, ctx, counts, out) => {
            for (const n of counts) out.collect(`${user}@${ctx.window.start}=${n}`);
          },
        }) as DataStream<unknown>,
  },
  {
    name: 'sliding event-time window, accumulator changed in place, lateness',
    build: (input) =>
      input
        .keyBy((c) => c.user)
        .window(SlidingEventTimeWindows.of(1_000, 250))
        .allowedLateness(300)
        .aggregate('stats', stats) as DataStream<unknown>,
  },
  {
    name: 'tumbling event-time window, list contents',
    build: (input) =>
      input
        .keyBy((c) => c.user)
        .window(TumblingEventTimeWindows.of(500))
        .process('list', {
          process: (user, ctx, elements, out) => {
            out.collect(`${user}@${ctx.window.start}=${[...elements].length}`);
          },
        }) as DataStream<unknown>,
  },
  {
    name: 'event-time session windows',
    build: (input) =>
      input
        .keyBy((c) => c.user)
        .window(EventTimeSessionWindows.withGap(40))
        .aggregate('sessions', count) as DataStream<unknown>,
  },
  {
    name: 'keyed process function with every state kind, TTL and timers',
    build: (input) => input.keyBy((c) => c.user).process('everything', everything) as DataStream<unknown>,
  },
];

interface Internals {
  readonly backend: HeapKeyedStateBackend;
  readonly operator: StreamOperator<unknown>;
}

function internals(runner: TestOperatorRunner<Click, never, unknown>): Internals {
  return runner as unknown as Internals;
}

function timersOf(operator: StreamOperator<unknown>): Record<string, SnapshotableTimers> {
  const timers: Record<string, SnapshotableTimers> = {};
  for (const t of operator.restorableTimerServices?.() ?? []) timers[t.name] = t.service;
  return timers;
}

const show = (v: unknown): string => inspect(v, { depth: null, sorted: true, breakLength: Number.POSITIVE_INFINITY });

/** Everything a snapshot holds, per key group, order-free: one line per entry and per timer, sorted. */
function contents(groups: readonly KeyGroupSnapshot[]): Map<number, string[]> {
  const byGroup = new Map<number, string[]>();
  for (const g of groups) {
    const lines: string[] = [];
    for (const state of g.states) {
      for (const ns of state.namespaces) {
        ns.keys.forEach((key, i) => {
          const touched = ns.touchedAt === undefined ? '' : ` @${ns.touchedAt[i]}`;
          lines.push(`${state.name} ttl=${state.ttl} [${ns.namespace}] ${show(key)} = ${show(ns.values[i])}${touched}`);
        });
      }
    }
    for (const t of g.timers) {
      for (const [domain, e] of [
        ['event', t.eventTime],
        ['processing', t.processingTime],
      ] as const) {
        e.keys.forEach((key, i) => {
          lines.push(`timer ${t.name} ${domain} ${show(key)} [${e.namespaces[i]}] @${e.timestamps[i]}`);
        });
      }
    }
    if (lines.length > 0) byGroup.set(g.keyGroup, [...(byGroup.get(g.keyGroup) ?? []), ...lines].sort());
  }
  return byGroup;
}

/** The differences between two snapshots' contents, key group by key group (empty when equal). */
function diff(expected: Map<number, string[]>, actual: Map<number, string[]>): string[] {
  const out: string[] = [];
  for (const g of new Set([...expected.keys(), ...actual.keys()])) {
    const e = new Set(expected.get(g) ?? []);
    const a = new Set(actual.get(g) ?? []);
    for (const line of e) if (!a.has(line)) out.push(`group ${g}: missing ${line}`);
    for (const line of a) if (!e.has(line)) out.push(`group ${g}: extra   ${line}`);
    if ((expected.get(g)?.length ?? 0) !== (actual.get(g)?.length ?? 0)) out.push(`group ${g}: count differs`);
  }
  return out;
}

const nextTurn = (): Promise<void> => new Promise<void>((resolve) => setImmediate(resolve));
const sleep = (ms: number): Promise<void> => new Promise<void>((resolve) => setTimeout(resolve, ms));

interface Checkpoint {
  readonly id: number;
  readonly reference: Map<number, string[]>;
  readonly bytes: Promise<Uint8Array>;
  settled: boolean;
}

/**
 * `sliced`: the snapshot writes one key group (or timer step) per slice, so the task's work
 * interleaves with its writing (the state here is small enough for one 5 ms slice otherwise). It
 * is then begun as `snapshotEncodedAsync` does, finishing the previous one first.
 */
async function run(
  variant: Variant,
  seed: number,
  sliced: boolean,
): Promise<{ checkpoints: number; problems: string[] }> {
  const random = prng(seed);
  const options = { parallelism: 2, subtaskIndex: seed % 2 };
  const runner = TestOperatorRunner.oneInput<Click, unknown>(variant.build, options);
  runner.open();
  const { backend, operator } = internals(runner);
  const timers = timersOf(operator);
  // Users owned by the subtask under test.
  const users: string[] = [];
  for (let i = 0; users.length < 40; i++) {
    if (subtaskForKeyGroup(keyGroupOf(`user-${i}`, 128), 128, 2) === options.subtaskIndex) users.push(`user-${i}`);
  }
  const problems: string[] = [];
  const pending: Checkpoint[] = [];
  let last: HeapSnapshot | undefined;
  const snapshotAsync = (): Promise<Uint8Array> => {
    if (!sliced) return backend.snapshotEncodedAsync(timers);
    last?.finishNow();
    const source = { maxParallelism: 128, range: backend.range, tables: [...backend.allTables().values()] };
    last = new HeapSnapshot({ ...source, timerServices: timers, sliceMs: 0 }, () => {});
    return last.result;
  };
  let time = 0;
  let watermark = -1;
  let n = 0;
  let checkpoints = 0;
  const check = async (cp: Checkpoint): Promise<void> => {
    let bytes: Uint8Array;
    try {
      bytes = await cp.bytes;
    } catch (e) {
      problems.push(`checkpoint ${cp.id}: failed ${String(e)}`);
      return;
    }
    const d = diff(cp.reference, contents(decodeKeyGroupSnapshots(bytes)));
    for (const line of d.slice(0, 20)) problems.push(`checkpoint ${cp.id}: ${line}`);
    // Restore the asynchronous bytes into a fresh operator: its state is the reference again.
    const fresh = TestOperatorRunner.oneInput<Click, unknown>(variant.build, options);
    fresh.open();
    const restored = internals(fresh);
    const groups = decodeKeyGroupSnapshots(bytes);
    restored.backend.restore(groups);
    for (const t of restored.operator.restorableTimerServices?.() ?? []) {
      restoreTimers(t.service, t.name, groups, t.namespaceFromId);
    }
    const again = contents(
      decodeKeyGroupSnapshots(
        encodeKeyGroupSnapshots(restored.backend.snapshot(undefined, timersOf(restored.operator))),
      ),
    );
    for (const line of diff(cp.reference, again).slice(0, 20)) problems.push(`checkpoint ${cp.id} restored: ${line}`);
  };
  for (let step = 0; step < 8_000; step++) {
    const r = random();
    if (r < 0.75) {
      // 5 ms of event time per click, a little out of order, as the crash test's generator.
      time += 5;
      const t = Math.max(watermark + 1, time - Math.floor(random() * 30));
      const user = users[Math.floor(random() * users.length)] as string;
      runner.processElement({ user, time: t, n: n++ }, t);
    } else if (r < 0.83) {
      watermark = Math.max(watermark, time - Math.floor(random() * 50));
      runner.processWatermark(watermark);
    } else if (r < 0.85) {
      runner.advanceProcessingTime(Math.floor(random() * 40));
    } else if (r < 0.86) {
      // A checkpoint barrier: reference now, asynchronous snapshot in slices from now on.
      const reference = contents(decodeKeyGroupSnapshots(encodeKeyGroupSnapshots(backend.snapshot(undefined, timers))));
      const id = ++checkpoints;
      const cp: Checkpoint = { id, reference, bytes: snapshotAsync(), settled: false };
      cp.bytes.then(
        () => (cp.settled = true),
        () => (cp.settled = true),
      );
      pending.push(cp);
    } else if (r < 0.98) {
      await nextTurn();
    } else {
      await sleep(1);
    }
    while (pending.length > 0 && (pending[0] as Checkpoint).settled) await check(pending.shift() as Checkpoint);
  }
  for (const cp of pending) await check(cp);
  return { checkpoints, problems };
}

describe('heap backend asynchronous snapshot, differential', () => {
  for (const variant of variants) {
    it(`equals the synchronous snapshot at the barrier and restores to it: ${variant.name}`, async () => {
      let checkpoints = 0;
      for (const [seed, sliced] of [
        [1, false],
        [2, true],
        [3, true],
      ] as const) {
        const result = await run(variant, seed, sliced);
        checkpoints += result.checkpoints;
        expect(result.problems, `seed ${seed}`).toEqual([]);
      }
      expect(checkpoints).toBeGreaterThan(50);
    });
  }
});
