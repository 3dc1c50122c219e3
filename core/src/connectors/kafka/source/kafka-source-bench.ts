// KafkaSource read throughput on a real broker (KAFKA_BOOTSTRAP_SERVERS): N JSON values of 200
// bytes in 4 partitions, read bounded ('latest-at-start') with KafkaDeserializers.json into a
// counting sink, and the same records read by a bare client consumer for reference.
//
//   source /tmp/svc/env.sh   # or any broker
//   node --conditions=@sluice/source core/src/connectors/kafka/source/kafka-source-bench.ts \
//     [--records 500000] [--library platformatic|kafkajs] [--parallelism 1] [--deserializer json|string|bytes]
//     [--topic <a topic an earlier run wrote>]
import { randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import {
  createKafkaClient,
  KafkaDeserializers,
  type KafkaClientLibrary,
  type KafkaRecordDeserializer,
  KafkaSource,
  type Sink,
  SluiceError,
  StreamExecutionEnvironment,
  WatermarkStrategy,
} from '../../../index.ts';

const { values: args } = parseArgs({
  options: {
    records: { type: 'string', default: '500000' },
    library: { type: 'string', default: 'platformatic' },
    parallelism: { type: 'string', default: '1' },
    deserializer: { type: 'string', default: 'json' },
    /** Read this topic (written by an earlier run) instead of writing a new one. */
    topic: { type: 'string' },
  },
});
const RECORDS = Number(args.records);
const PARTITIONS = 4;
const library = args.library as KafkaClientLibrary;
const bootstrap = process.env['KAFKA_BOOTSTRAP_SERVERS']?.split(',').filter(Boolean) ?? [];
if (bootstrap.length === 0) throw new SluiceError('INVALID_ARGUMENT', 'Set KAFKA_BOOTSTRAP_SERVERS.');

const client = await createKafkaClient({ library: 'platformatic', bootstrapServers: bootstrap });
const admin = client.admin();
const topic = args.topic ?? `bench-src-${randomUUID().slice(0, 8)}`;
if (args.topic === undefined) await produce();
function value(i: number): Buffer {
  const base = JSON.stringify({ id: i, card: `card-${i % 10_000}`, amount: (i % 97_331) / 100, pad: '' });
  return Buffer.from(base.replace('"pad":""', `"pad":"${'x'.repeat(Math.max(0, 200 - base.length))}"`));
}

async function produce(): Promise<void> {
  await admin.createTopics([{ topic, partitions: PARTITIONS }]);
  const producer = client.producer();
  const t0 = Date.now();
  for (let i = 0; i < RECORDS; i += 5_000) {
    const batch = [];
    for (let j = i; j < Math.min(RECORDS, i + 5_000); j++) {
      batch.push({ topic, partition: j % PARTITIONS, value: value(j), timestamp: t0 + j });
    }
    await producer.send(batch);
  }
  await producer.close();
}

function deserializer(): KafkaRecordDeserializer<unknown> {
  if (args.deserializer === 'bytes') return KafkaDeserializers.bytes();
  if (args.deserializer === 'string') return KafkaDeserializers.string();
  return KafkaDeserializers.json<{ id: number }>();
}

let counted = 0;
let firstAt = 0;
const counting: Sink<unknown> = {
  createWriter: () => ({
    write: () => {
      if (counted++ === 0) firstAt = performance.now();
    },
    flush: () => {},
    close: () => {},
  }),
};
const env = StreamExecutionEnvironment.create({ parallelism: Number(args.parallelism) });
env
  .fromSource(
    new KafkaSource({
      bootstrapServers: bootstrap,
      topics: [topic],
      bounded: 'latest-at-start',
      deserializer: deserializer(),
      client: { library },
    }),
    WatermarkStrategy.noWatermarks(),
    'kafka',
  )
  .sinkTo(counting, 'count');
const started = performance.now();
await env.execute('kafka-source-bench');
const finished = performance.now();
const sourceSeconds = (finished - started) / 1000;
const steadySeconds = (finished - firstAt) / 1000;
if (counted !== RECORDS) throw new SluiceError('ILLEGAL_STATE', `read ${counted} of ${RECORDS} records`);

// Reference: the bare consumer (no deserialization, no job).
const partitions = await admin.partitionsOf([topic]);
const ends = await admin.listOffsets(partitions, { kind: 'latest' });
const readClient = await createKafkaClient({ library, bootstrapServers: bootstrap });
const consumer = readClient.consumer();
const rawStarted = performance.now();
await consumer.assign(partitions.map((p) => ({ ...p, start: { kind: 'earliest' } })));
let raw = 0;
while (ends.some((e) => (consumer.position(e) ?? 0) < e.offset)) {
  for (const batch of await consumer.poll()) raw += batch.records.length;
}
const rawSeconds = (performance.now() - rawStarted) / 1000;
await consumer.close();
await admin.close();

console.log(
  JSON.stringify({
    library,
    topic,
    deserializer: args.deserializer,
    records: RECORDS,
    parallelism: Number(args.parallelism),
    sourceSeconds: Math.round(sourceSeconds * 100) / 100,
    sourceRecordsPerSecond: Math.round(RECORDS / sourceSeconds),
    startupSeconds: Math.round((firstAt - started) / 10) / 100,
    steadyRecordsPerSecond: Math.round(RECORDS / steadySeconds),
    sourceMBPerSecond: Math.round((RECORDS * 200) / sourceSeconds / 1e4) / 100,
    consumerRecordsPerSecond: Math.round(raw / rawSeconds),
    peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
  }),
);
process.exit(0);
