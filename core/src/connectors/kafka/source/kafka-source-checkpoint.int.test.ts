import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CollectSink,
  FileSink,
  FsCheckpointStorage,
  KAFKA_SOURCE_METRICS,
  type KafkaPartitionSplit,
  KafkaSource,
  readFileSinkOutput,
  StreamExecutionEnvironment,
  WatermarkStrategy,
} from '@sluice/core';
import { afterEach, describe, expect, it } from 'vitest';
import {
  bootstrap,
  describeRecord,
  eventually,
  jobsToCancel,
  KafkaKit,
  openForSuite,
  samplesOf,
  sourceOptions,
  unique,
} from './fixtures/kafka-source-kit.ts';

const dirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'sluice-kafka-src-'));
  dirs.push(dir);
  return dir;
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe.skipIf(bootstrap.length === 0)('KafkaSource checkpoints', () => {
  const kit = openForSuite(new KafkaKit());
  const jobs = jobsToCancel();

  it('resumes from a checkpoint after cancel exactly where it stopped: nothing lost, nothing duplicated', async () => {
    const topic = await kit.topic(3);
    const expected = await kit.fill(topic, 3, 20_000);
    const storage = new FsCheckpointStorage({ directory: tempDir() });
    const out = tempDir();
    const build = (env: StreamExecutionEnvironment) => {
      const source = new KafkaSource(
        sourceOptions('platformatic', { topics: [topic], deserializer: describeRecord, maxRecordsPerPoll: 20 }),
      );
      env
        .fromSource(source, WatermarkStrategy.noWatermarks<string>(), 'kafka')
        .sinkTo(new FileSink<string>({ directory: out, encode: (s) => s }), 'file');
    };
    const env = StreamExecutionEnvironment.create({ parallelism: 2 });
    env.enableCheckpointing(20, { storage, keepCheckpointsOnCancel: true });
    build(env);
    const client = env.executeAsync('kafka-resume');
    jobs.push(client);
    await eventually('records read', () => (client.metrics().operators[0]?.recordsOut ?? 0) > 0);
    const before = client.metrics().checkpoints.completed;
    await eventually('a checkpoint after that', () => client.metrics().checkpoints.completed >= before + 2);
    await client.cancel();
    const listed = await client.listCheckpoints();
    const positions = Object.values(listed.at(-1)?.sourcePositions ?? {}).flat() as unknown as KafkaPartitionSplit[];
    expect(positions.map((p) => p.splitId).sort()).toEqual([0, 1, 2].map((p) => `${topic}:${p}`));
    expect(positions.some((p) => p.offset > 0)).toBe(true);

    // More records arrive while the job is down.
    await kit.fill(topic, 3, 100);
    for (let p = 0; p < 3; p++) for (let i = 0; i < 100; i++) expected.push(`${p}:${20_000 + i}:v${i}`);
    expected.sort();

    const resumed = StreamExecutionEnvironment.create({ parallelism: 2 });
    resumed.enableCheckpointing(20, { storage }).setRestoreFrom('latest');
    build(resumed);
    const restarted = resumed.executeAsync('kafka-resume');
    jobs.push(restarted);
    await eventually('every record committed', () => readFileSinkOutput(out).length >= expected.length, 60_000);
    await restarted.stopWithSavepoint();
    expect(restarted.metrics().checkpoints.restoredFrom).toBe(listed.at(-1)?.checkpointId);
    expect(readFileSinkOutput(out).sort()).toEqual(expected);
  }, 90_000);

  it('commits checkpointed offsets to the group, and the lag gauge is end offset minus position', async () => {
    const topic = await kit.topic(2);
    await kit.fill(topic, 2, 50);
    const groupId = unique('lag-group');
    const env = StreamExecutionEnvironment.create({ parallelism: 2 });
    env.enableCheckpointing(30, { storage: new FsCheckpointStorage({ directory: tempDir() }) });
    const sink = new CollectSink<string>();
    env
      .fromSource(
        new KafkaSource(
          sourceOptions('platformatic', {
            topics: [topic],
            groupId,
            deserializer: describeRecord,
            lagRefreshIntervalMs: 50,
          }),
        ),
        WatermarkStrategy.noWatermarks<string>(),
        'kafka',
      )
      .sinkTo(sink);
    const client = env.executeAsync('kafka-commit');
    jobs.push(client);
    await eventually('all records', () => sink.values.length === 100);
    await eventually('offsets committed', async () => {
      const committed = await kit.admin.groupOffsets(groupId, [topic]);
      return committed.length === 2 && committed.every((c) => c.offset === 50);
    });
    const lag = () => samplesOf(client, KAFKA_SOURCE_METRICS.lag);
    await eventually('lag gauges', () => lag().length === 2 && lag().every((s) => s.value === 0));
    expect(samplesOf(client, KAFKA_SOURCE_METRICS.commitSeconds).length).toBe(2);
    expect(samplesOf(client, KAFKA_SOURCE_METRICS.commitFailures).every((s) => s.value === 0)).toBe(true);
    const recordsIn = samplesOf(client, KAFKA_SOURCE_METRICS.recordsIn);
    expect(recordsIn.reduce((n, s) => n + s.value, 0)).toBe(100);
    expect(samplesOf(client, KAFKA_SOURCE_METRICS.bytesIn).reduce((n, s) => n + s.value, 0)).toBeGreaterThan(100);

    // More records arrive and are read; the commits follow the next checkpoint.
    await kit.fill(topic, 2, 60);
    await eventually('the new records', () => sink.values.length === 220);
    await eventually('new offsets committed', async () => {
      const committed = await kit.admin.groupOffsets(groupId, [topic]);
      return committed.every((c) => c.offset === 110);
    });
    await client.cancel();
  });
});
