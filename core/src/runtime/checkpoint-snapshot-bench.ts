// Micro benchmark: what a checkpoint barrier costs the task (the synchronous part of
// takeSubtaskSnapshot) and what the rest costs, for a keyed count (ValueState<number>) over many
// keys, on the heap and on LMDB (full and incremental snapshots).
//
//   node --conditions=@sluice/source core/src/runtime/checkpoint-snapshot-bench.ts [--keys 1000000] [--touch 1000]
//
// One child process per variant; one JSON line each. `--touch` keys (uniformly spread) are updated
// between the first and the second checkpoint.
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HeapKeyedStateBackend } from '../state/heap-keyed-state-backend.ts';
import type { KeyedStateBackend } from '../state/keyed-state-backend.ts';
import { LmdbKeyedStateBackend } from '../state/lmdb/lmdb-keyed-state-backend.ts';
import { ValueStateDescriptor } from '../state/state-descriptors.ts';
import { ManualClock } from '../time/clock.ts';
import { SharedKeyGroupFiles } from './shared-key-group-files.ts';
import type { StreamOperator } from './stream-operator.ts';
import { type SubtaskSnapshotFiles, takeSubtaskSnapshot } from './subtask-state.ts';

const MAX = 128;

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i < 0 ? fallback : Number(process.argv[i + 1]);
}

const operator = { snapshotState: () => ({}) } as unknown as StreamOperator<unknown>;
const meta = { uid: 'count', subtask: 0, parallelism: 1, maxParallelism: MAX };

/** Barrier → files: the task-blocking part, the total, and the bytes. */
async function checkpoint(
  backend: KeyedStateBackend,
  id: number,
  shared: SharedKeyGroupFiles | undefined,
): Promise<{ syncMs: number; totalMs: number; bytes: number; sharedBytes: number }> {
  const t = performance.now();
  const result = takeSubtaskSnapshot(operator, meta, backend, id, shared);
  const syncMs = performance.now() - t;
  const files: SubtaskSnapshotFiles = result instanceof Promise ? await result : result;
  const totalMs = performance.now() - t;
  const sharedBytes = files.sharedFiles.reduce((sum, f) => sum + f.bytes.byteLength, 0);
  if (shared !== undefined) shared.complete(id);
  if (shared !== undefined && 'notifySnapshotComplete' in backend)
    (backend as LmdbKeyedStateBackend).notifySnapshotComplete(id);
  return {
    syncMs: Math.round(syncMs),
    totalMs: Math.round(totalMs),
    bytes: files.state.bytes.byteLength + sharedBytes,
    sharedBytes,
  };
}

async function runVariant(variant: string, keyCount: number, touch: number): Promise<void> {
  const clock = new ManualClock(0);
  const range = { start: 0, end: MAX - 1 };
  const dir = await mkdtemp(join(tmpdir(), 'sluice-chk-bench-'));
  const backend: KeyedStateBackend =
    variant === 'heap'
      ? new HeapKeyedStateBackend({ maxParallelism: MAX, range, clock })
      : await LmdbKeyedStateBackend.open({ directory: join(dir, 'state'), maxParallelism: MAX, range, clock });
  const count = backend.getState(new ValueStateDescriptor<number>('count'));
  for (let i = 0; i < keyCount; i++) {
    backend.setCurrentKey(`user-${i}`);
    count.update(i);
  }
  const shared = variant === 'lmdb-incremental' ? new SharedKeyGroupFiles('count') : undefined;
  const first = await checkpoint(backend, 1, shared);
  const step = Math.max(1, Math.floor(keyCount / touch));
  for (let i = 0; i < keyCount; i += step) {
    backend.setCurrentKey(`user-${i}`);
    count.update((count.value() ?? 0) + 1);
  }
  const second = await checkpoint(backend, 2, shared);
  console.log(JSON.stringify({ variant, keys: keyCount, touched: Math.ceil(keyCount / step), first, second }));
  await backend.dispose?.();
  await rm(dir, { recursive: true, force: true });
}

const keyCount = arg('keys', 1_000_000);
const touch = arg('touch', 1_000);
const variantIndex = process.argv.indexOf('--variant');
if (variantIndex >= 0) {
  await runVariant(process.argv[variantIndex + 1] as string, keyCount, touch);
} else {
  for (const variant of ['heap', 'lmdb-full', 'lmdb-incremental']) {
    const child = spawnSync(
      process.execPath,
      [
        ...process.execArgv,
        process.argv[1] as string,
        '--variant',
        variant,
        '--keys',
        `${keyCount}`,
        '--touch',
        `${touch}`,
      ],
      { stdio: 'inherit' },
    );
    if (child.status !== 0) process.exitCode = 1;
  }
}
