import { parseArgs } from 'node:util';
import { createKafkaClient, type KafkaProducer, type KafkaProducerRecord, SeededRandom } from '@sluice/core';
import { nexmarkGenerator } from '../generator.ts';

/*
 * The producer process of `npm run bench -- <query> --source kafka` (started by nexmark-topic.ts,
 * never imported): writes Nexmark events (seed 0, the reference settings, so exactly what the
 * in-process generator emits) as JSON to a topic, event n to partition n mod P (the topic stamps
 * records with the broker's append time; the queries read event time from the JSON). Two modes:
 *   --events N                 N events as fast as the broker takes them (pre-loading a topic);
 *   --rate R --seconds S       R events/s for S seconds, sent every 50 ms (sustainable throughput).
 * Progress goes to the parent over IPC ({ produced }) every 250 ms; the summary
 * ({ produced, seconds }) is the last line on stdout.
 */

const { values } = parseArgs({
  options: {
    bootstrap: { type: 'string' },
    topic: { type: 'string' },
    partitions: { type: 'string', default: '1' },
    events: { type: 'string' },
    rate: { type: 'string' },
    seconds: { type: 'string' },
  },
});

function fail(message: string): never {
  process.stderr.write(`nexmark-producer: ${message}\n`);
  process.exit(2);
}

const bootstrap = (values.bootstrap ?? '').split(',').filter((s) => s.length > 0);
const topic = values.topic ?? fail('--topic is required');
const partitions = Number(values.partitions);
if (bootstrap.length === 0) fail('--bootstrap host:port is required');
if (!Number.isInteger(partitions) || partitions <= 0) fail('--partitions must be a positive integer');

const generate = nexmarkGenerator();
const random = new SeededRandom();
let next = 0;
let produced = 0;

function records(count: number): KafkaProducerRecord[] {
  const batch: KafkaProducerRecord[] = new Array(count);
  for (let i = 0; i < count; i++, next++) {
    random.reset(0, next);
    const event = generate(next, random);
    batch[i] = {
      topic,
      partition: next % partitions,
      value: Buffer.from(JSON.stringify(event)),
    };
  }
  return batch;
}

const report = (): void => {
  process.send?.({ produced });
};

/** N events, up to 4 batches of 5,000 in flight. */
async function preload(producer: KafkaProducer, events: number): Promise<void> {
  const inFlight = new Set<Promise<void>>();
  while (next < events) {
    const count = Math.min(5_000, events - next);
    const sent: Promise<void> = producer.send(records(count)).then(() => {
      produced += count;
      inFlight.delete(sent);
    });
    inFlight.add(sent);
    if (inFlight.size >= 4) await Promise.race(inFlight);
  }
  await Promise.all(inFlight);
}

/** `rate` events/s for `seconds`: every 50 ms, sends what the schedule says is due (catching up after a slow send). */
async function constantRate(producer: KafkaProducer, rate: number, seconds: number): Promise<void> {
  const started = performance.now();
  const endAt = started + seconds * 1000;
  for (let now = started; now < endAt; now = performance.now()) {
    // In sends of at most 5,000 records: a partition's batch must stay under the broker's 1 MB message limit.
    for (let due = Math.floor(((now - started) / 1000) * rate) - next; due > 0; ) {
      const count = Math.min(due, 5_000);
      await producer.send(records(count));
      produced += count;
      due -= count;
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const client = await createKafkaClient({ bootstrapServers: bootstrap, clientId: 'sluice-nexmark-producer' });
const producer = client.producer();
const started = performance.now();
const progress = setInterval(report, 250);
try {
  if (values.events !== undefined) {
    const events = Number(values.events);
    if (!Number.isInteger(events) || events <= 0) fail('--events must be a positive integer');
    await preload(producer, events);
  } else {
    const rate = Number(values.rate);
    const seconds = Number(values.seconds);
    if (!(rate > 0) || !(seconds > 0)) fail('give --events N, or --rate R and --seconds S (both > 0)');
    await constantRate(producer, rate, seconds);
  }
} finally {
  clearInterval(progress);
  await producer.close();
}
report();
process.stdout.write(`${JSON.stringify({ produced, seconds: (performance.now() - started) / 1000 })}\n`);
process.disconnect?.();
