import { parseArgs } from 'node:util';
import { createKafkaClient, type KafkaProducer, type KafkaProducerRecord } from '@sluice/core';
import { benchValue, wallClockMs } from './bench-record.ts';

/*
 * The producer process of `npm run bench:kafka` (forked by fork-bench-script.ts, never imported):
 * writes 200-byte JSON payments (bench-record.ts) to a topic, record n to partition n mod P, each
 * stamped with its send time (`ts` in the value and the record timestamp). Two modes:
 *   --records N              N records as fast as the broker takes them (pre-loading a topic);
 *   --rate R --seconds S     R records/s for S seconds, sent every 5 ms (a constant load).
 * Progress goes to the parent over IPC ({ produced }) every 250 ms; the summary
 * ({ produced, seconds }) is the last line on stdout.
 */

const { values } = parseArgs({
  options: {
    bootstrap: { type: 'string' },
    topic: { type: 'string' },
    partitions: { type: 'string', default: '1' },
    records: { type: 'string' },
    rate: { type: 'string' },
    seconds: { type: 'string' },
  },
});

function fail(message: string): never {
  process.stderr.write(`kafka-bench-producer: ${message}\n`);
  process.exit(2);
}

const bootstrap = (values.bootstrap ?? '').split(',').filter((s) => s.length > 0);
const topic = values.topic ?? fail('--topic is required');
const partitions = Number(values.partitions);
if (bootstrap.length === 0) fail('--bootstrap host:port is required');
if (!Number.isInteger(partitions) || partitions <= 0) fail('--partitions must be a positive integer');

let next = 0;
let produced = 0;
/** Records per send: at most 2 000 (about 450 KB) per partition, below the broker's 1 MiB batch limit. */
const SEND = Math.min(8_000, 2_000 * partitions);

function records(count: number): KafkaProducerRecord[] {
  const batch: KafkaProducerRecord[] = new Array(count);
  const ts = wallClockMs();
  for (let i = 0; i < count; i++, next++) {
    batch[i] = { topic, partition: next % partitions, value: benchValue(next, ts), timestamp: Math.floor(ts) };
  }
  return batch;
}

/** N records, up to 4 sends in flight. */
async function preload(producer: KafkaProducer, count: number): Promise<void> {
  const inFlight = new Set<Promise<void>>();
  while (next < count) {
    const n = Math.min(SEND, count - next);
    const sent: Promise<void> = producer.send(records(n)).then(() => {
      produced += n;
      inFlight.delete(sent);
    });
    inFlight.add(sent);
    if (inFlight.size >= 4) await Promise.race(inFlight);
  }
  await Promise.all(inFlight);
}

/**
 * `rate` records/s for `seconds`: every 5 ms, sends what the schedule says is due. Sends overlap
 * (up to 8 in flight) so one slow acknowledgement does not stall the load; a schedule it cannot
 * keep shows up as a lower produced rate.
 */
async function constantRate(producer: KafkaProducer, rate: number, seconds: number): Promise<void> {
  const started = performance.now();
  const endAt = started + seconds * 1000;
  const inFlight = new Set<Promise<void>>();
  for (let now = started; now < endAt; now = performance.now()) {
    const due = Math.floor(((now - started) / 1000) * rate) - next;
    if (due > 0 && inFlight.size < 8) {
      const n = Math.min(due, SEND);
      const sent: Promise<void> = producer.send(records(n)).then(() => {
        produced += n;
        inFlight.delete(sent);
      });
      inFlight.add(sent);
    }
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  await Promise.all(inFlight);
}

const client = await createKafkaClient({ bootstrapServers: bootstrap, clientId: 'sluice-bench-producer' });
const producer = client.producer();
const started = performance.now();
const progress = setInterval(() => process.send?.({ produced }), 250);
try {
  if (values.records !== undefined) {
    const count = Number(values.records);
    if (!Number.isInteger(count) || count <= 0) fail('--records must be a positive integer');
    await preload(producer, count);
  } else {
    const rate = Number(values.rate);
    const seconds = Number(values.seconds);
    if (!(rate > 0) || !(seconds > 0)) fail('give --records N, or --rate R and --seconds S (both > 0)');
    await constantRate(producer, rate, seconds);
  }
} finally {
  clearInterval(progress);
  await producer.close();
}
process.send?.({ produced });
process.stdout.write(`${JSON.stringify({ produced, seconds: (performance.now() - started) / 1000 })}\n`);
process.disconnect?.();
