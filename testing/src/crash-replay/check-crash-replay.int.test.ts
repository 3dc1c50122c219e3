import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readFileSinkOutput } from '@sluice/core';
import { checkCrashReplay } from '@sluice/testing';
import { afterAll, describe, expect, it } from 'vitest';

const job = new URL('./fixtures/windowed-clicks.job.ts', import.meta.url);
const dirs: string[] = [];
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'sluice-crash-'));
  dirs.push(d);
  return d;
}
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('crash-and-replay: SIGKILL the job process 10 times, output equals the failure-free run', () => {
  it.each([
    { name: 'heap state, filesystem checkpoints, 1 thread', slots: 1, parallelism: 1, count: 20_000 },
    { name: 'heap state, filesystem checkpoints, 2 worker threads', slots: 2, parallelism: 2, count: 10_000 },
  ])('$name', async ({ slots, parallelism, count }) => {
    const ref = tempDir();
    const out = tempDir();
    const checkpoints = tempDir();
    const report = await checkCrashReplay({
      job,
      slots,
      parallelism,
      kills: 10,
      params: (run): Record<string, string | number> =>
        run === 'reference' ? { out: ref, count } : { out, count, rate: 4_000, checkpoints, interval: 150 },
      readOutput: (run) => readFileSinkOutput(run === 'reference' ? ref : out),
    });
    expect(report.kills).toBeGreaterThanOrEqual(10);
    expect(report.killMoments['during-upload']).toBeGreaterThan(0);
    expect(report.killMoments['after-checkpoint']).toBeGreaterThan(0);
    expect(report.reference.length).toBeGreaterThan(1_000);
    expect(report.missing).toEqual([]);
    expect(report.extra).toEqual([]);
  });
});
