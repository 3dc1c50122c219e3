import { parseArgs } from 'node:util';
import { createKafkaClient } from '@sluice/core';
import { wallClockMs } from './bench-record.ts';

/*
 * The latency probe of `npm run bench:kafka` (forked by fork-bench-script.ts, never imported):
 * reads the job's output topic with read_committed from its end at start, and for every record
 * whose send time `ts` (in the value) is at or after --from (ms since the epoch) records
 * `time read - ts`: the end-to-end latency producer → job → committed output. Stops after
 * --seconds and prints { count, p50Ms, p99Ms, p999Ms, maxMs } as the last line on stdout.
 */

const { values } = parseArgs({
  options: {
    bootstrap: { type: 'string' },
    topic: { type: 'string' },
    seconds: { type: 'string' },
    from: { type: 'string', default: '0' },
  },
});

function fail(message: string): never {
  process.stderr.write(`kafka-latency-consumer: ${message}\n`);
  process.exit(2);
}

const bootstrap = (values.bootstrap ?? '').split(',').filter((s) => s.length > 0);
const topic = values.topic ?? fail('--topic is required');
const seconds = Number(values.seconds);
const from = Number(values.from);
if (bootstrap.length === 0) fail('--bootstrap host:port is required');
if (!(seconds > 0)) fail('--seconds must be > 0');

/** The `ts` field of a bench record's JSON, without parsing the rest. */
function sentAt(value: Buffer): number {
  const at = value.indexOf('"ts":');
  if (at < 0) return Number.NaN;
  const end = value.indexOf(',', at);
  return Number(value.toString('latin1', at + 5, end < 0 ? value.length : end));
}

const client = await createKafkaClient({ bootstrapServers: bootstrap, clientId: 'sluice-bench-latency' });
const admin = client.admin();
const partitions = await admin.partitionsOf([topic]);
await admin.close();
const consumer = client.consumer({ isolation: 'read_committed', maxWaitMs: 10 });
await consumer.assign(partitions.map((p) => ({ ...p, start: { kind: 'latest' } })));
process.send?.({ ready: true });

let latencies = new Float64Array(1 << 20);
let count = 0;
const stopAt = performance.now() + seconds * 1000;
while (performance.now() < stopAt) {
  const batches = await consumer.poll();
  const now = wallClockMs();
  for (const batch of batches) {
    for (const record of batch.records) {
      if (record.value === null) continue;
      const ts = sentAt(record.value);
      if (!(ts >= from)) continue;
      if (count === latencies.length) {
        const grown = new Float64Array(latencies.length * 2);
        grown.set(latencies);
        latencies = grown;
      }
      latencies[count++] = now - ts;
    }
  }
}
await consumer.close();
const sorted = latencies.subarray(0, count).sort();
const at = (p: number): number =>
  count === 0 ? 0 : (sorted[Math.min(count - 1, Math.max(0, Math.ceil((p / 100) * count) - 1))] as number);
const round = (ms: number): number => Math.round(ms * 10) / 10;
process.stdout.write(
  `${JSON.stringify({ count, p50Ms: round(at(50)), p99Ms: round(at(99)), p999Ms: round(at(99.9)), maxMs: round(at(100)) })}\n`,
);
process.disconnect?.();
