import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  DataGeneratorSource,
  FsCheckpointStorage,
  SluiceError,
  StreamExecutionEnvironment,
  WatermarkStrategy,
} from '@sluice/core';
import { afterEach, expect, it } from 'vitest';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function unbounded(directory: string): StreamExecutionEnvironment {
  const env = StreamExecutionEnvironment.create();
  env.enableCheckpointing(1_000_000, { storage: new FsCheckpointStorage({ directory }) });
  env
    .fromSource(
      new DataGeneratorSource({ recordsPerSecond: 1_000, generate: (i) => i }),
      WatermarkStrategy.noWatermarks<number>(),
      'ticks',
    )
    .keyBy((i) => i % 3)
    .reduce('sum', (a, b) => a + b)
    .uid('sum')
    .print('sum');
  return env;
}

// Regression: a cancel that arrived while the job was still loading its savepoint was lost, and
// the job then ran on (a service shut down right after starting never stopped its job).
it('a job cancelled while it restores does not start', async () => {
  const directory = mkdtempSync(join(tmpdir(), 'sluice-cancel-restore-'));
  dirs.push(directory);
  const first = unbounded(directory).executeAsync('ticks');
  while ((first.metrics().operators[0]?.recordsOut ?? 0) < 10) await new Promise((r) => setTimeout(r, 5));
  const savepoint = await first.stopWithSavepoint();

  const env = unbounded(directory);
  env.setRestoreFrom({ savepointId: savepoint.savepointId as string });
  const client = env.executeAsync('ticks');
  await client.cancel(); // the restore has not finished yet: executeAsync returned before it
  expect(client.status()).toBe('CANCELED');
  await expect(client.result).rejects.toSatisfy((e) => e instanceof SluiceError && e.code === 'JOB_CANCELLED');
  expect(client.metrics().operators).toEqual([]); // no attempt ever ran
});
