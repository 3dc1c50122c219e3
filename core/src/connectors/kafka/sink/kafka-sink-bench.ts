/**
 * Throughput of KafkaSink per delivery guarantee, and the cost of an exactly-once epoch in a
 * checkpoint. Not a test: run by hand against a broker.
 *
 *   node --conditions=@sluice/source core/src/connectors/kafka/sink/kafka-sink-bench.ts [records] [library]
 *
 * Brokers: KAFKA_BOOTSTRAP_SERVERS. Prints one JSON line per run.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { serialize } from 'node:v8';
import {
  createKafkaClient,
  DataGeneratorSource,
  FsCheckpointStorage,
  type KafkaClientLibrary,
  type KafkaDeliveryGuarantee,
  KafkaSink,
  StreamExecutionEnvironment,
  WatermarkStrategy,
} from '../../../index.ts';
import { EpochBuffer } from './epoch-buffer.ts';
import { KafkaRecordBuilder } from './kafka-record-builder.ts';

const records = Number(process.argv[2] ?? 200_000);
const library = (process.argv[3] ?? 'platformatic') as KafkaClientLibrary;
const bootstrap = (process.env['KAFKA_BOOTSTRAP_SERVERS'] ?? '').split(',').filter(Boolean);

interface Event {
  readonly id: number;
  readonly user: string;
  readonly amount: number;
}
const generate = (id: number): Event => ({ id, user: `user-${id % 1_000}`, amount: (id * 7) % 10_000 });

function epochCost(): void {
  const build = new KafkaRecordBuilder<Event>({
    bootstrapServers: 'x:1',
    topic: 'out',
    key: (e) => e.user,
    deliveryGuarantee: 'exactly-once',
  });
  const epoch = new EpochBuffer();
  const t0 = performance.now();
  for (let i = 0; i < records; i++) epoch.append(build.record(generate(i), i));
  const t1 = performance.now();
  const bytes = serialize(epoch.seal()).length;
  const t2 = performance.now();
  console.log(
    JSON.stringify({
      run: 'epoch-buffer',
      records,
      appendNsPerRecord: Math.round(((t1 - t0) * 1e6) / records),
      checkpointSerializeMs: Math.round(t2 - t1),
      checkpointBytesPerRecord: Math.round(bytes / records),
    }),
  );
}

async function run(deliveryGuarantee: KafkaDeliveryGuarantee): Promise<void> {
  const topic = `sink-bench-${deliveryGuarantee}-${process.pid}-${Date.now()}`;
  const client = await createKafkaClient({ library, bootstrapServers: bootstrap });
  const admin = client.admin();
  await admin.createTopics([{ topic, partitions: 4 }]);
  await admin.close();
  const dir = mkdtempSync(join(tmpdir(), 'sluice-sink-bench-'));
  try {
    const env = StreamExecutionEnvironment.create({ parallelism: 1 });
    env.enableCheckpointing(500, { storage: new FsCheckpointStorage({ directory: dir }) });
    env
      .fromSource(new DataGeneratorSource({ count: records, generate }), WatermarkStrategy.noWatermarks<Event>(), 'gen')
      .sinkTo(
        new KafkaSink<Event>({
          bootstrapServers: bootstrap,
          topic,
          key: (e) => e.user,
          deliveryGuarantee,
          client: { library },
        }),
        'bench-kafka',
      );
    const started = performance.now();
    const job = env.executeAsync('kafka-sink-bench');
    await job.result;
    const seconds = (performance.now() - started) / 1000;
    const custom = job.metrics().operators.flatMap((o) => o.custom);
    const value = (name: string) => custom.find((s) => s.name === name)?.value;
    console.log(
      JSON.stringify({
        run: deliveryGuarantee,
        library,
        records,
        seconds: Number(seconds.toFixed(2)),
        recordsPerSecond: Math.round(records / seconds),
        commits: value('kafka_sink_commits_total'),
        lastCommitSeconds: value('kafka_sink_commit_seconds'),
        checkpoints: job.metrics().checkpoints.completed,
      }),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

epochCost();
for (const guarantee of ['none', 'at-least-once', 'exactly-once'] as const) await run(guarantee);
