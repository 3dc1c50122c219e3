import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CollectSink,
  DataGeneratorSource,
  EventTimeSessionWindows,
  FsCheckpointStorage,
  type JobClient,
  type KeyedProcessFunction,
  readFileSinkOutput,
  type StateBackendConfig,
  StateBackends,
  StreamExecutionEnvironment,
  type ValueState,
  ValueStateDescriptor,
  WatermarkStrategy,
  startJob,
} from '@sluice/core';
import { afterEach, describe, expect, it } from 'vitest';
import { buildClicks } from './fixtures/clicks.job.ts';

const dirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'sluice-lmdb-chk-'));
  dirs.push(dir);
  return dir;
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** An LMDB backend whose working copies go to `dir`, with a tiny cache so values really go through LMDB. */
function lmdbIn(dir: string, incremental = true): StateBackendConfig {
  return StateBackends.lmdb({ directory: dir, cacheEntries: 64, incremental });
}

async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((r) => setTimeout(r, 5));
}

interface Visit {
  readonly user: string;
  readonly time: number;
}

/** Session windows (merging: window sets changed in place), a rolling reduce and an interval join. */
async function runOperators(backend: StateBackendConfig): Promise<string[]> {
  const env = StreamExecutionEnvironment.create({ parallelism: 2, stateBackend: backend });
  const visits = (name: string, count: number, step: number) =>
    env.fromSource(
      new DataGeneratorSource<Visit>({
        count,
        seed: 3,
        generate: (i, random) => ({ user: `u${random.nextInt(40)}`, time: i * step + random.nextInt(step * 3) }),
      }),
      WatermarkStrategy.forBoundedOutOfOrderness<Visit>(step * 4).withTimestampAssigner((v) => v.time),
      name,
    );
  const sink = new CollectSink<string>();
  visits('sessions-in', 3_000, 7)
    .keyBy((v) => v.user)
    .window(EventTimeSessionWindows.withGap(60))
    .aggregate(
      'sessions',
      {
        createAccumulator: () => [0, Number.MAX_SAFE_INTEGER] as [number, number],
        add: (v: Visit, [n, first]: [number, number]) => [n + 1, Math.min(first, v.time)] as [number, number],
        getResult: (acc: [number, number]) => acc,
        merge: (a: [number, number], b: [number, number]) => [a[0] + b[0], Math.min(a[1], b[1])] as [number, number],
      },
      {
        process: (key, ctx, results, out) => {
          for (const [n, first] of results)
            out.collect(`session ${key}@${ctx.window.start}-${ctx.window.end}=${n}/${first}`);
        },
      },
    )
    .sinkTo(sink, 'sessions-out');
  visits('totals-in', 2_000, 5)
    .keyBy((v) => v.user)
    .reduce('totals', (a, b) => ({ user: a.user, time: a.time + b.time }))
    .map((v) => `total ${v.user}=${v.time}`)
    .sinkTo(sink, 'totals-out');
  visits('left', 800, 11)
    .keyBy((v) => v.user)
    .intervalJoin(visits('right', 800, 13).keyBy((v) => v.user))
    .between(-20, 20)
    .process('join', { processElement: (l, r, _ctx, out) => out.collect(`join ${l.user} ${l.time}~${r.time}`) })
    .sinkTo(sink, 'join-out');
  await env.execute('operators');
  return [...sink.values].sort();
}

describe('LMDB state backend in the runtime', () => {
  it('runs session windows, rolling reduces and interval joins exactly as the heap backend does', async () => {
    const heap = await runOperators(StateBackends.heap());
    const stateDir = tempDir();
    const lmdb = await runOperators(lmdbIn(stateDir));
    expect(heap.length).toBeGreaterThan(1_000);
    expect(heap.some((line) => line.startsWith('session'))).toBe(true);
    expect(heap.some((line) => line.startsWith('join'))).toBe(true);
    expect(lmdb).toEqual(heap);
    // Every subtask's LMDB environment was removed with its job.
    expect(readdirSync(stateDir)).toEqual([]);
  });

  it('removes its working copies when the job fails', async () => {
    const stateDir = tempDir();
    const env = StreamExecutionEnvironment.create({ parallelism: 2, stateBackend: lmdbIn(stateDir) });
    buildClicks(env, { out: tempDir(), count: 2_000, failAt: { index: 500, armed: { value: true } } });
    await expect(env.execute('clicks')).rejects.toThrow(/injected failure at click 500/);
    expect(readdirSync(stateDir)).toEqual([]);
  });

  it.each([
    ['heap', 'lmdb', 1],
    ['lmdb', 'heap', 4],
    ['lmdb', 'lmdb', 4],
  ] as const)(
    'a %s savepoint at parallelism 2 restores into %s at parallelism %i: results equal the uninterrupted run',
    async (from, to, p) => {
      const expectedOut = tempDir();
      const reference = StreamExecutionEnvironment.create();
      buildClicks(reference, { out: expectedOut, count: 6_000 });
      await reference.execute('clicks');
      const expected = readFileSinkOutput(expectedOut).sort();

      const backendOf = (kind: 'heap' | 'lmdb') => (kind === 'heap' ? StateBackends.heap() : lmdbIn(tempDir()));
      const storage = new FsCheckpointStorage({ directory: tempDir() });
      const out = tempDir();
      const env = StreamExecutionEnvironment.create({ parallelism: 2, stateBackend: backendOf(from) });
      env.enableCheckpointing(1_000_000, { storage });
      buildClicks(env, { out, count: 6_000, rate: 20_000 });
      const client = env.executeAsync('clicks');
      await until(() => (client.metrics().operators[0]?.recordsOut ?? 0) >= 1_000);
      const savepoint = await client.stopWithSavepoint();
      expect(readFileSinkOutput(out).length).toBeLessThan(expected.length);

      const resumed = StreamExecutionEnvironment.create({ parallelism: p, stateBackend: backendOf(to) });
      resumed
        .enableCheckpointing(1_000_000, { storage })
        .setRestoreFrom({ savepointId: savepoint.savepointId as string });
      buildClicks(resumed, { out, count: 6_000 });
      await resumed.execute('clicks');
      expect(readFileSinkOutput(out).sort()).toEqual(expected);
    },
  );
});

/** Distinct keys first, then a long run over a few hot keys, then every key once more. */
const KEYS = 20_000;
const HOT = 200_000;
function keyOf(i: number): string {
  if (i < KEYS) return `k${i}`;
  if (i < KEYS + HOT) return `k${i % 4}`;
  return `k${i - KEYS - HOT}`;
}
const TOTAL = KEYS + HOT + KEYS;

const counter: KeyedProcessFunction<string, string, string> & { count?: ValueState<number> } = {
  open(ctx) {
    this.count = ctx.getState(new ValueStateDescriptor<number>('count'));
  },
  processElement(key, _ctx, out) {
    const count = this.count as ValueState<number>;
    const n = (count.value() ?? 0) + 1;
    count.update(n);
    out.collect(`${key}=${n}`);
  },
};

/** Counts per key in ValueState; emits `key=count` for every record. */
function buildCounts(env: StreamExecutionEnvironment, sink: CollectSink<string>, rate?: number): void {
  env
    .fromSource(
      new DataGeneratorSource<string>({
        count: TOTAL,
        generate: keyOf,
        ...(rate === undefined ? {} : { recordsPerSecond: rate }),
      }),
      WatermarkStrategy.noWatermarks<string>(),
      'keys',
    )
    .keyBy((k) => k)
    .process('count', counter)
    .sinkTo(sink);
}

function sharedFiles(root: string, jobId: string): string[] {
  const dir = join(root, jobId, 'shared');
  try {
    return readdirSync(dir, { recursive: true, withFileTypes: true })
      .filter((e) => e.isFile())
      .map((e) => join(e.parentPath, e.name).slice(dir.length + 1));
  } catch {
    return [];
  }
}

describe('incremental checkpoints (LMDB)', () => {
  it('upload only changed key groups, restore exactly, and drop shared files no checkpoint needs', async () => {
    const root = tempDir();
    const storage = new FsCheckpointStorage({ directory: root });
    const env = StreamExecutionEnvironment.create({ parallelism: 2, stateBackend: lmdbIn(tempDir()) });
    env.enableCheckpointing(1_000_000, { storage, retainedCheckpoints: 1, keepCheckpointsOnCancel: true });
    buildCounts(env, new CollectSink<string>(), 40_000);
    const client: JobClient = env.executeAsync('counts');
    const read = () => client.metrics().operators[0]?.recordsOut ?? 0;

    await until(() => read() >= KEYS + 100);
    const first = await client.triggerCheckpoint();
    expect(first.uploadedSizeBytes).toBe(first.totalSizeBytes);
    const firstFiles = sharedFiles(root, 'counts');
    expect(firstFiles.length).toBeGreaterThan(100); // one file per non-empty key group (of 128)
    expect(firstFiles.every((f) => f.includes(`-chk-${first.checkpointId}-`))).toBe(true);

    const before = read();
    await until(() => read() >= before + 2_000); // only the 4 hot keys change
    const second = await client.triggerCheckpoint();
    expect(second.checkpointId).toBeGreaterThan(first.checkpointId);
    expect(second.uploadedSizeBytes * 10).toBeLessThan(first.uploadedSizeBytes);
    expect(second.totalSizeBytes).toBeGreaterThan(first.totalSizeBytes * 0.9);
    expect(client.metrics().checkpoints.lastUploadedSizeBytes).toBe(second.uploadedSizeBytes);
    const secondFiles = sharedFiles(root, 'counts');
    const rewritten = secondFiles.filter((f) => f.includes(`-chk-${second.checkpointId}-`));
    expect(rewritten.length).toBeGreaterThan(0);
    expect(rewritten.length).toBeLessThanOrEqual(4);
    // chk-1 is no longer retained: its files of the rewritten key groups went with it; the rest
    // are still referenced by chk-2.
    expect(secondFiles.length).toBe(firstFiles.length);
    expect((await client.listCheckpoints()).map((c) => c.checkpointId)).toEqual([second.checkpointId]);
    expect(read()).toBeLessThan(KEYS + HOT); // still in the hot phase
    await client.cancel();

    // Restore the incremental checkpoint (heap, another parallelism) and run to the end: every
    // key is seen once more at the end, so its last count shows whether its state came back.
    const sink = new CollectSink<string>();
    const resumed = StreamExecutionEnvironment.create({ parallelism: 3 });
    resumed.enableCheckpointing(1_000_000, { storage, retainedCheckpoints: 1 }).setRestoreFrom('latest');
    buildCounts(resumed, sink);
    const restarted = resumed.executeAsync('counts');
    await restarted.result;
    expect(restarted.metrics().checkpoints.restoredFrom).toBe(second.checkpointId);
    const last = new Map<string, number>();
    for (const line of sink.values) {
      const [key, n] = line.split('=');
      last.set(key as string, Number(n));
    }
    expect(last.size).toBe(KEYS);
    for (let k = 0; k < KEYS; k++) expect(last.get(`k${k}`)).toBe(k < 4 ? 2 + HOT / 4 : 2);
  });

  it('a job restored from an incremental checkpoint writes a full one first, after which the old files go', async () => {
    const root = tempDir();
    const storage = new FsCheckpointStorage({ directory: root });
    const run = (restore: boolean) => {
      const env = StreamExecutionEnvironment.create({ parallelism: 2, stateBackend: lmdbIn(tempDir()) });
      env.enableCheckpointing(1_000_000, { storage, retainedCheckpoints: 1, keepCheckpointsOnCancel: !restore });
      if (restore) env.setRestoreFrom('latest');
      buildCounts(env, new CollectSink<string>(), 40_000);
      return env.executeAsync('counts');
    };
    const job = run(false);
    await until(() => (job.metrics().operators[0]?.recordsOut ?? 0) >= KEYS + 100);
    await job.triggerCheckpoint();
    await job.triggerCheckpoint();
    const oldFiles = sharedFiles(root, 'counts');
    await job.cancel();

    const again = run(true);
    await until(() => again.metrics().checkpoints.restoredFrom !== undefined);
    const full = await again.triggerCheckpoint();
    expect(full.uploadedSizeBytes).toBe(full.totalSizeBytes);
    const newFiles = sharedFiles(root, 'counts');
    expect(newFiles.every((f) => f.includes(`-chk-${full.checkpointId}-`))).toBe(true);
    expect(newFiles.some((f) => oldFiles.includes(f))).toBe(false);
    await again.cancel();
    // Cancelled without keeping checkpoints: nothing of the job is left.
    expect(sharedFiles(root, 'counts')).toEqual([]);
  });
});

describe('LMDB on worker threads', () => {
  it('incremental checkpoints and a savepoint on 2 threads; resume on the heap on 1 thread', async () => {
    const module = new URL('./fixtures/clicks.job.ts', import.meta.url);
    const storage = tempDir();
    const stateDir = tempDir();
    const expectedOut = tempDir();
    await (await startJob(module, { params: { out: expectedOut, count: 20_000 } })).result;
    const expected = readFileSinkOutput(expectedOut).sort();

    const out = tempDir();
    const job = await startJob(module, {
      parallelism: 2,
      slots: 2,
      params: { out, count: 20_000, rate: 10_000, storage, backend: 'lmdb', stateDir },
    });
    await new Promise((r) => setTimeout(r, 200));
    const first = await job.triggerCheckpoint();
    const second = await job.triggerCheckpoint();
    expect(first.uploadedSizeBytes).toBe(first.totalSizeBytes);
    // Incremental: whatever key groups the second one did not rewrite, it references.
    expect(second.uploadedSizeBytes).toBeLessThanOrEqual(second.totalSizeBytes);
    expect(sharedFiles(storage, 'clicks').length).toBeGreaterThan(0);
    const savepoint = await job.stopWithSavepoint();
    expect(savepoint.uploadedSizeBytes).toBe(savepoint.totalSizeBytes);
    expect(job.status()).toBe('FINISHED');
    expect(readdirSync(stateDir)).toEqual([]);

    const resumed = await startJob(module, {
      params: { out, count: 20_000, storage, savepoint: savepoint.savepointId as string },
    });
    await resumed.result;
    expect(readFileSinkOutput(out).sort()).toEqual(expected);
  });
});
