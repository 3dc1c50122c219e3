// Micro benchmark: a keyed count (ValueState<number>) over many keys, heap vs LMDB backend.
//
//   node --conditions=@sluice/source core/src/state/lmdb/lmdb-bench.ts [--keys 1000000] [--ops 3000000] [--cache 100000]
//
// Each variant runs in a child process of its own, so peak RSS is per variant. Prints one JSON
// line per variant: ops/s of the update loop, of a read-only pass, snapshot times and memory.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ManualClock } from '../../time/clock.ts';
import { HeapKeyedStateBackend } from '../heap-keyed-state-backend.ts';
import type { KeyedStateBackend } from '../keyed-state-backend.ts';
import { ValueStateDescriptor } from '../state-descriptors.ts';
import { LmdbKeyedStateBackend } from './lmdb-keyed-state-backend.ts';

const MAX = 128;

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i < 0 ? fallback : Number(process.argv[i + 1]);
}

const mb = (bytes: number): number => Math.round(bytes / 1024 / 1024);

/** Resident memory split into anonymous (heap, malloc) and file-backed (the LMDB map, reclaimable), Linux only. */
function residentSplit(): { rssAnonMb?: number; rssFileMb?: number } {
  try {
    const status = readFileSync('/proc/self/status', 'utf8');
    const kb = (field: string): number | undefined => {
      const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status);
      return m === null ? undefined : Math.round(Number(m[1]) / 1024);
    };
    return { rssAnonMb: kb('RssAnon'), rssFileMb: kb('RssFile') };
  } catch {
    return {};
  }
}

async function runVariant(variant: string, keyCount: number, ops: number, cache: number): Promise<void> {
  const clock = new ManualClock(0);
  const range = { start: 0, end: MAX - 1 };
  const dir = await mkdtemp(join(tmpdir(), 'sluice-lmdb-bench-'));
  const backend: KeyedStateBackend =
    variant === 'heap'
      ? new HeapKeyedStateBackend({ maxParallelism: MAX, range, clock })
      : await LmdbKeyedStateBackend.open({
          directory: join(dir, 'state'),
          maxParallelism: MAX,
          range,
          clock,
          cacheEntries: cache,
        });
  const keys: string[] = new Array(keyCount);
  for (let i = 0; i < keyCount; i++) keys[i] = `user-${i}`;
  const count = backend.getState(new ValueStateDescriptor<number>('count'));
  // Deterministic pseudo-random key order (xorshift), uniform over the keys.
  let x = 88172645;
  const next = (): number => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) % keyCount;
  };
  const rssBefore = process.memoryUsage().rss;
  let t = performance.now();
  for (let i = 0; i < ops; i++) {
    backend.setCurrentKey(keys[next()] as string);
    count.update((count.value() ?? 0) + 1);
  }
  const updateSeconds = (performance.now() - t) / 1000;
  t = performance.now();
  let total = 0;
  for (let i = 0; i < keyCount; i++) {
    backend.setCurrentKey(keys[i] as string);
    total += count.value() ?? 0;
  }
  const readSeconds = (performance.now() - t) / 1000;
  if (total !== ops) throw new RangeError(`counted ${total}, expected ${ops}`);
  t = performance.now();
  const snapshot = backend.snapshot();
  const snapshotMs = performance.now() - t;
  let entries = 0;
  for (const g of snapshot) for (const s of g.states) for (const ns of s.namespaces) entries += ns.keys.length;
  let asyncSnapshotMs: number | undefined;
  let asyncSnapshotBlockingMs: number | undefined;
  if (backend instanceof LmdbKeyedStateBackend) {
    // Dirty a tenth of the keys, then measure what an asynchronous snapshot keeps on the task.
    for (let i = 0; i < keyCount; i += 10) {
      backend.setCurrentKey(keys[i] as string);
      count.update((count.value() ?? 0) + 1);
    }
    t = performance.now();
    const pending = backend.snapshotAsync();
    asyncSnapshotBlockingMs = performance.now() - t;
    await pending;
    asyncSnapshotMs = performance.now() - t;
  }
  const usage = process.memoryUsage();
  console.log(
    JSON.stringify({
      variant,
      keys: keyCount,
      ops,
      cacheEntries: variant === 'heap' ? undefined : cache,
      updatesPerSecond: Math.round(ops / updateSeconds),
      readsPerSecond: Math.round(keyCount / readSeconds),
      snapshotEntries: entries,
      snapshotMs: Math.round(snapshotMs),
      asyncSnapshotBlockingMs: asyncSnapshotBlockingMs === undefined ? undefined : Math.round(asyncSnapshotBlockingMs),
      asyncSnapshotMs: asyncSnapshotMs === undefined ? undefined : Math.round(asyncSnapshotMs),
      rssBeforeMb: mb(rssBefore),
      rssMb: mb(usage.rss),
      ...residentSplit(),
      peakRssMb: mb(process.resourceUsage().maxRSS * 1024),
      heapUsedMb: mb(usage.heapUsed),
      cache: backend instanceof LmdbKeyedStateBackend ? backend.cacheStats() : undefined,
    }),
  );
  await backend.dispose?.();
  await rm(dir, { recursive: true, force: true });
}

const keyCount = arg('keys', 1_000_000);
const ops = arg('ops', 3_000_000);
const cache = arg('cache', 100_000);
const variantIndex = process.argv.indexOf('--variant');
if (variantIndex >= 0) {
  await runVariant(process.argv[variantIndex + 1] as string, keyCount, ops, cache);
} else {
  const variants: Array<[string, number]> = [
    ['heap', cache],
    ['lmdb', cache],
    ['lmdb', cache * 10],
  ];
  for (const [variant, c] of variants) {
    const child = spawnSync(
      process.execPath,
      [
        ...process.execArgv,
        process.argv[1] as string,
        '--variant',
        variant,
        '--keys',
        `${keyCount}`,
        '--ops',
        `${ops}`,
        '--cache',
        `${c}`,
      ],
      { stdio: 'inherit' },
    );
    if (child.status !== 0) process.exitCode = 1;
  }
}
