import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CollectSink,
  DataGeneratorSource,
  type KeyedProcessFunction,
  S3CheckpointStorage,
  StateBackends,
  StreamExecutionEnvironment,
  type ValueState,
  ValueStateDescriptor,
  WatermarkStrategy,
} from '@sluice/core';
import { type S3Service, skipWithoutService, startS3 } from '@sluice/testing';
import { afterEach, describe, expect, it } from 'vitest';

const KEYS = 5_000;
const HOT = 99_999; // divisible by the 3 hot keys
/** Distinct keys, then a long run over 3 hot keys, then every key once more. */
const keyOf = (i: number): string => (i < KEYS ? `k${i}` : i < KEYS + HOT ? `k${i % 3}` : `k${i - KEYS - HOT}`);

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

function build(env: StreamExecutionEnvironment, sink: CollectSink<string>, rate?: number): void {
  env
    .fromSource(
      new DataGeneratorSource<string>({
        count: KEYS + HOT + KEYS,
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

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((r) => setTimeout(r, 10));
}

describe.skipIf(skipWithoutService('s3'))('incremental LMDB checkpoints in S3 (S3Mock)', () => {
  it('upload only changed key groups, delete unreferenced shared objects, and restore exactly', async () => {
    const s3: S3Service = await startS3({ bucketPrefix: 'lmdb-inc' });
    try {
      const storage = new S3CheckpointStorage({
        bucket: s3.bucket,
        prefix: 'incremental',
        endpoint: s3.endpoint,
        region: s3.region,
        credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey },
        forcePathStyle: true,
      });
      const stateDir = mkdtempSync(join(tmpdir(), 'sluice-lmdb-s3-'));
      dirs.push(stateDir);
      const env = StreamExecutionEnvironment.create({
        parallelism: 2,
        stateBackend: StateBackends.lmdb({ directory: stateDir }),
      });
      env.enableCheckpointing(1_000_000, { storage, retainedCheckpoints: 1, keepCheckpointsOnCancel: true });
      build(env, new CollectSink<string>(), 20_000);
      const job = env.executeAsync('counts');
      const read = () => job.metrics().operators[0]?.recordsOut ?? 0;
      await until(() => read() >= KEYS + 50);
      const first = await job.triggerCheckpoint();
      const sharedAfterFirst = await storage.list('counts/shared');
      const before = read();
      await until(() => read() >= before + 500);
      const second = await job.triggerCheckpoint();
      expect(read()).toBeLessThan(KEYS + HOT);
      expect(first.uploadedSizeBytes).toBe(first.totalSizeBytes);
      expect(second.uploadedSizeBytes * 5).toBeLessThan(first.uploadedSizeBytes);
      const sharedAfterSecond = await storage.list('counts/shared');
      // The hot key groups' files of chk-1 went with chk-1; the same number of key groups is stored.
      expect(sharedAfterSecond.length).toBe(sharedAfterFirst.length);
      expect(sharedAfterSecond.filter((f) => f.key.includes(`-chk-${first.checkpointId}-`)).length).toBeLessThan(
        sharedAfterFirst.length,
      );
      await job.cancel();

      const sink = new CollectSink<string>();
      const resumed = StreamExecutionEnvironment.create({
        parallelism: 1,
        stateBackend: StateBackends.lmdb({ directory: stateDir }),
      });
      resumed.enableCheckpointing(1_000_000, { storage }).setRestoreFrom('latest');
      build(resumed, sink);
      const restarted = resumed.executeAsync('counts');
      await restarted.result;
      expect(restarted.metrics().checkpoints.restoredFrom).toBe(second.checkpointId);
      const last = new Map<string, number>();
      for (const line of sink.values) {
        const [key, n] = line.split('=');
        last.set(key as string, Number(n));
      }
      expect(last.size).toBe(KEYS);
      for (let k = 0; k < KEYS; k++) expect(last.get(`k${k}`)).toBe(k < 3 ? 2 + HOT / 3 : 2);
    } finally {
      await s3.stop();
    }
  });
});
