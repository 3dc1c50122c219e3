import { mkdtempSync, readFileSync, rmSync, truncateSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type CheckpointInfo,
  FsCheckpointStorage,
  readFileSinkOutput,
  StreamExecutionEnvironment,
  startJob,
} from '@sluice/core';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { buildClicks } from './fixtures/clicks.job.ts';

/*
 * Damaged checkpoints through the runtime: a job checkpoints, is cancelled, its newest checkpoint
 * is damaged on disk, and the job is started again with restore 'latest'. It must say which
 * checkpoint it skipped and why, restore the one before, and end with exactly the output of a run
 * that never stopped — never restore the damaged bytes, never start over from nothing.
 */

const COUNT = 6_000;
const dirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'sluice-fallback-'));
  dirs.push(dir);
  return dir;
}
afterEach(() => {
  vi.restoreAllMocks();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

let reference: string[] | undefined;
async function expectedOutput(): Promise<string[]> {
  if (reference === undefined) {
    const out = tempDir();
    const env = StreamExecutionEnvironment.create();
    buildClicks(env, { out, count: COUNT });
    await env.execute('clicks');
    reference = readFileSinkOutput(out).sort();
  }
  return reference;
}

interface Stopped {
  readonly chk: string;
  readonly out: string;
  /** The completed checkpoints left in storage, oldest first. */
  readonly listed: readonly CheckpointInfo[];
}

/** Runs the clicks job with checkpoints every 30 ms until `checkpoints` completed, then cancels it (keeping them). */
async function runAndStop(checkpoints: number): Promise<Stopped> {
  const chk = tempDir();
  const out = tempDir();
  const env = StreamExecutionEnvironment.create({ parallelism: 2 });
  env.enableCheckpointing(30, {
    storage: new FsCheckpointStorage({ directory: chk }),
    retainedCheckpoints: 3,
    keepCheckpointsOnCancel: true,
  });
  buildClicks(env, { out, count: COUNT, rate: 4_000 });
  const client = env.executeAsync('clicks');
  while (client.metrics().checkpoints.completed < checkpoints && client.status() === 'RUNNING') {
    await new Promise((r) => setTimeout(r, 10));
  }
  expect(client.status()).toBe('RUNNING'); // stopped by the test, not finished
  await client.cancel();
  const listed = (await client.listCheckpoints()).filter((c) => c.kind === 'checkpoint');
  expect(listed.length).toBeGreaterThanOrEqual(2);
  expect(readFileSinkOutput(out).length).toBeLessThan((await expectedOutput()).length);
  return { chk, out, listed };
}

function dirOf(stopped: Stopped, info: CheckpointInfo): string {
  return join(stopped.chk, 'clicks', `chk-${info.checkpointId}`);
}

/** A keyed state file of the window operator in a checkpoint (the state that matters most). */
function windowStateFile(dir: string): string {
  const meta = JSON.parse(readFileSync(join(dir, '_metadata'), 'utf8')) as { files: { path: string }[] };
  const file = meta.files.find((f) => f.path.startsWith('count-clicks/'));
  expect(file).toBeDefined();
  return join(dir, ...(file as { path: string }).path.split('/'));
}

type Damage = (checkpointDir: string) => void;

const damages: { name: string; damage: Damage; reason: RegExp }[] = [
  {
    name: 'its _metadata is deleted',
    damage: (dir) => unlinkSync(join(dir, '_metadata')),
    reason: /no _metadata/,
  },
  {
    name: 'a state file is truncated',
    damage: (dir) => {
      const file = windowStateFile(dir);
      truncateSync(file, Math.floor(readFileSync(file).byteLength / 2));
    },
    reason: /state file 'count-clicks\/[^']+' has \d+ bytes, expected \d+/,
  },
  {
    name: 'a state file is overwritten with garbage of the same size',
    damage: (dir) => {
      const file = windowStateFile(dir);
      const garbage = Buffer.alloc(readFileSync(file).byteLength, 0x5a);
      writeFileSync(file, garbage);
    },
    reason: /state file 'count-clicks\/[^']+' does not match its SHA-256 digest/,
  },
];

function captureLog(): string[] {
  const lines: string[] = [];
  const capture = (...args: unknown[]): void => {
    lines.push(args.map(String).join(' '));
  };
  vi.spyOn(console, 'error').mockImplementation(capture);
  vi.spyOn(console, 'warn').mockImplementation(capture);
  return lines;
}

describe('restore from latest falls back past a damaged newest checkpoint (filesystem storage)', () => {
  it.each(damages)('in process, when $name', async ({ damage, reason }) => {
    const expected = await expectedOutput();
    const stopped = await runAndStop(3);
    const newest = stopped.listed.at(-1) as CheckpointInfo;
    const previous = stopped.listed.at(-2) as CheckpointInfo;
    damage(dirOf(stopped, newest));

    const log = captureLog();
    const env = StreamExecutionEnvironment.create({ parallelism: 2 });
    env
      .enableCheckpointing(30, { storage: new FsCheckpointStorage({ directory: stopped.chk }), retainedCheckpoints: 3 })
      .setRestoreFrom('latest');
    buildClicks(env, { out: stopped.out, count: COUNT, rate: 6_000 });
    const client = env.executeAsync('clicks');
    await client.result;

    expect(client.metrics().checkpoints.restoredFrom).toBe(previous.checkpointId);
    const skipped = log.filter((line) => line.includes(`chk-${newest.checkpointId} (`));
    expect(skipped).toHaveLength(1);
    expect(skipped[0]).toMatch(reason);
    expect(skipped[0]).toContain(`falling back to chk-${previous.checkpointId}`);
    expect(readFileSinkOutput(stopped.out).sort()).toEqual(expected);
    // The job checkpointed again after the restore, past the damaged checkpoint's number.
    const after = await client.listCheckpoints();
    expect(after.at(-1)?.checkpointId).toBeGreaterThan(newest.checkpointId);
  });

  it('on worker threads started with restoreFrom latest (the service path), when a state file is garbage', async () => {
    const expected = await expectedOutput();
    const stopped = await runAndStop(3);
    const newest = stopped.listed.at(-1) as CheckpointInfo;
    const previous = stopped.listed.at(-2) as CheckpointInfo;
    (damages[2] as (typeof damages)[number]).damage(dirOf(stopped, newest));

    const log = captureLog();
    const job = await startJob(new URL('./fixtures/clicks.job.ts', import.meta.url), {
      parallelism: 2,
      slots: 2,
      checkpointing: {
        intervalMs: 30,
        storage: new FsCheckpointStorage({ directory: stopped.chk }),
        retainedCheckpoints: 3,
      },
      restoreFrom: 'latest',
      params: { out: stopped.out, count: COUNT, rate: 6_000 },
    });
    await job.result;
    expect(job.metrics().checkpoints.restoredFrom).toBe(previous.checkpointId);
    expect((await job.listCheckpoints()).at(-1)?.checkpointId).toBeGreaterThan(newest.checkpointId);
    expect(log.join('\n')).toMatch(
      new RegExp(`chk-${newest.checkpointId} \\(state file .* does not match its SHA-256 digest\\)`),
    );
    expect(readFileSinkOutput(stopped.out).sort()).toEqual(expected);
  });

  it('refuses to start from nothing when every completed checkpoint is damaged', async () => {
    const stopped = await runAndStop(2);
    for (const info of stopped.listed) (damages[1] as (typeof damages)[number]).damage(dirOf(stopped, info));
    const before = readFileSinkOutput(stopped.out);

    const log = captureLog();
    const env = StreamExecutionEnvironment.create({ parallelism: 2 });
    env
      .enableCheckpointing(30, { storage: new FsCheckpointStorage({ directory: stopped.chk }), retainedCheckpoints: 3 })
      .setRestoreFrom('latest');
    buildClicks(env, { out: stopped.out, count: COUNT });
    await expect(env.executeAsync('clicks').result).rejects.toMatchObject({ code: 'CORRUPT_CHECKPOINT' });
    expect(log.join('\n')).toContain(`chk-${(stopped.listed.at(-1) as CheckpointInfo).checkpointId} (`);
    // Nothing was replayed from scratch into the output.
    expect(readFileSinkOutput(stopped.out)).toEqual(before);
  });
});
