// Kafka client comparison (docs/decisions/0005-kafka-client.md): produce throughput, read_committed
// consume throughput and transaction latency of each client behind Sluice's client interface, on a
// real broker (KAFKA_BOOTSTRAP_SERVERS, or one started by @sluice/testing).
//
//   node --conditions=@sluice/source bench/src/kafka-clients/kafka-client-bench.mjs \
//     [--records 200000] [--transactions 200] [--clients platformatic,kafkajs] [--confluent <dir>] [--json]
//
// `--confluent <dir>` also measures @confluentinc/kafka-javascript (its KafkaJS-compatible API,
// directly, not behind the interface) from a directory where it is installed (it is not a
// dependency of this repo: it needs a native librdkafka build).
//
// A plain .mjs script run by Node 24 (which strips the types of the .ts files it imports), so that
// `tsc -b bench` does not compile it. It imports the client layer from core's sources until
// @sluice/core exports it; then switch the import to '@sluice/core'.
import { randomUUID } from 'node:crypto';
import { createRequire } from 'node:module';
import { parseArgs } from 'node:util';
import { startKafka } from '@sluice/testing';
import { createKafkaClient } from '@sluice/core';

const { values: args } = parseArgs({
  options: {
    records: { type: 'string', default: '200000' },
    transactions: { type: 'string', default: '200' },
    clients: { type: 'string', default: 'platformatic,kafkajs' },
    confluent: { type: 'string' },
    json: { type: 'boolean', default: false },
  },
});
const RECORDS = Number(args.records);
const TRANSACTIONS = Number(args.transactions);
const PARTITIONS = 4;
const SEND_BATCH = 1000;
const TX_RECORDS = 100;

/** 200-byte JSON values, the same for every client. */
function makeValues(count) {
  const values = [];
  for (let i = 0; i < count; i++) {
    const base = JSON.stringify({
      id: i,
      card: `card-${i % 10_000}`,
      amount: (i % 97_331) / 100,
      currency: 'EUR',
      ts: 1_700_000_000_000 + i,
      pad: '',
    });
    values.push(Buffer.from(base.replace('"pad":""', `"pad":"${'x'.repeat(200 - base.length)}"`)));
  }
  return values;
}

function percentile(samples, p) {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? 0;
}

const round = (v, d = 1) => Math.round(v * 10 ** d) / 10 ** d;

/** The three measurements through Sluice's KafkaClient interface. */
async function measureInterface(library, bootstrapServers, values) {
  const client = await createKafkaClient({ library, bootstrapServers, clientId: `bench-${library}` });
  const admin = client.admin();
  const topic = `bench-${library}-${randomUUID().slice(0, 8)}`;
  await admin.createTopics([{ topic, partitions: PARTITIONS }]);

  // Produce: idempotent, acks=all, batches of SEND_BATCH records spread over the partitions by key.
  const producer = client.producer();
  await producer.send([{ topic, value: Buffer.from('warm-up') }]);
  let started = performance.now();
  for (let i = 0; i < values.length; i += SEND_BATCH) {
    const batch = [];
    for (let j = i; j < Math.min(i + SEND_BATCH, values.length); j++)
      batch.push({ topic, key: Buffer.from(`card-${j % 10_000}`), value: values[j] });
    await producer.send(batch);
  }
  const produceSeconds = (performance.now() - started) / 1000;
  await producer.close();

  // Consume: read_committed, all partitions from the earliest offset to the end offsets.
  const partitions = await admin.partitionsOf([topic]);
  const ends = await admin.listOffsets(partitions, { kind: 'latest' });
  const consumer = client.consumer({ isolation: 'read_committed', maxWaitMs: 100 });
  started = performance.now();
  await consumer.assign(partitions.map((p) => ({ ...p, start: { kind: 'earliest' } })));
  let consumed = 0;
  let firstRecordAt = 0;
  while (ends.some((e) => (consumer.position(e) ?? 0) < e.offset)) {
    for (const batch of await consumer.poll()) {
      if (firstRecordAt === 0 && batch.records.length > 0) firstRecordAt = performance.now();
      consumed += batch.records.length;
    }
  }
  const consumeEnd = performance.now();
  await consumer.close();

  // Transactions: begin + send TX_RECORDS + commit, one after the other.
  const txTopic = `${topic}-tx`;
  await admin.createTopics([{ topic: txTopic, partitions: 1 }]);
  const tx = client.transactionalProducer({ transactionalId: `bench-${library}-${randomUUID()}` });
  await tx.initTransactions();
  const latencies = [];
  for (let t = 0; t < TRANSACTIONS + 5; t++) {
    const records = values.slice(0, TX_RECORDS).map((value) => ({ topic: txTopic, partition: 0, value }));
    const begin = performance.now();
    await tx.beginTransaction();
    await tx.send(records);
    await tx.commitTransaction();
    if (t >= 5) latencies.push(performance.now() - begin); // the first few warm connections up
  }
  await tx.close();
  await admin.close();
  return {
    client: library,
    produceRecordsPerSecond: Math.round(values.length / produceSeconds),
    produceMBPerSecond: round((values.length * 200) / produceSeconds / 1e6),
    consumeRecordsPerSecond: Math.round(consumed / ((consumeEnd - started) / 1000)),
    consumeFirstRecordMs: Math.round(firstRecordAt - started),
    consumed,
    txP50Ms: round(percentile(latencies, 50)),
    txP99Ms: round(percentile(latencies, 99)),
  };
}

/** The same measurements on @confluentinc/kafka-javascript's KafkaJS-compatible API (no adapter). */
async function measureConfluent(dir, bootstrapServers, values) {
  const { KafkaJS } = createRequire(`${dir}/`)('@confluentinc/kafka-javascript');
  const kafka = new KafkaJS.Kafka({ kafkaJS: { brokers: bootstrapServers, logLevel: KafkaJS.logLevel.NOTHING } });
  const admin = kafka.admin();
  await admin.connect();
  const topic = `bench-confluent-${randomUUID().slice(0, 8)}`;
  await admin.createTopics({ topics: [{ topic, numPartitions: PARTITIONS }] });

  const producer = kafka.producer({ kafkaJS: { idempotent: true, acks: -1 } });
  await producer.connect();
  await producer.send({ topic, messages: [{ value: 'warm-up' }] });
  let started = performance.now();
  for (let i = 0; i < values.length; i += SEND_BATCH) {
    const messages = [];
    for (let j = i; j < Math.min(i + SEND_BATCH, values.length); j++)
      messages.push({ key: `card-${j % 10_000}`, value: values[j] });
    await producer.send({ topic, messages });
  }
  const produceSeconds = (performance.now() - started) / 1000;
  await producer.disconnect();

  const total = values.length + 1;
  const consumer = kafka.consumer({
    kafkaJS: { groupId: `bench-${randomUUID()}`, fromBeginning: true, autoCommit: false },
    'isolation.level': 'read_committed',
  });
  started = performance.now();
  await consumer.connect();
  await consumer.subscribe({ topics: [topic] });
  let consumed = 0;
  let firstRecordAt = 0;
  let consumeEnd = 0;
  await new Promise((resolve, reject) => {
    consumer
      .run({
        eachBatch: async ({ batch }) => {
          if (firstRecordAt === 0) firstRecordAt = performance.now();
          consumed += batch.messages.length;
          if (consumed >= total) {
            consumeEnd = performance.now();
            resolve();
          }
        },
      })
      .catch(reject);
  });
  await consumer.disconnect();

  const txTopic = `${topic}-tx`;
  await admin.createTopics({ topics: [{ topic: txTopic, numPartitions: 1 }] });
  const tx = kafka.producer({
    kafkaJS: { transactionalId: `bench-confluent-${randomUUID()}`, idempotent: true, acks: -1 },
  });
  await tx.connect();
  const latencies = [];
  for (let t = 0; t < TRANSACTIONS + 5; t++) {
    const messages = values.slice(0, TX_RECORDS).map((value) => ({ partition: 0, value }));
    const begin = performance.now();
    const transaction = await tx.transaction();
    await transaction.send({ topic: txTopic, messages });
    await transaction.commit();
    if (t >= 5) latencies.push(performance.now() - begin);
  }
  await tx.disconnect();
  await admin.disconnect();
  return {
    client: 'confluent',
    produceRecordsPerSecond: Math.round(values.length / produceSeconds),
    produceMBPerSecond: round((values.length * 200) / produceSeconds / 1e6),
    consumeRecordsPerSecond: Math.round(consumed / ((consumeEnd - started) / 1000)),
    consumeFirstRecordMs: Math.round(firstRecordAt - started),
    consumed,
    txP50Ms: round(percentile(latencies, 50)),
    txP99Ms: round(percentile(latencies, 99)),
  };
}

const kafka = await startKafka();
try {
  const values = makeValues(RECORDS);
  const results = [];
  for (const library of args.clients.split(',').filter(Boolean)) {
    results.push(await measureInterface(library, kafka.brokers, values));
    if (!args.json) console.error(`${library} done`);
  }
  if (args.confluent) results.push(await measureConfluent(args.confluent, kafka.brokers, values));
  if (args.json)
    for (const r of results) console.log(JSON.stringify({ records: RECORDS, transactions: TRANSACTIONS, ...r }));
  else console.table(results);
} finally {
  await kafka.stop();
}
