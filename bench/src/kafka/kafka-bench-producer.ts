import type { KafkaProducerRecord } from '@sluice/core';
import { benchValue, wallClockMs } from './bench-record.ts';
import { parseProducerArgs, runProducer } from './send-loops.ts';

/*
 * The producer process of `npm run bench:kafka` (forked by fork-bench-script.ts, never imported):
 * writes 200-byte JSON payments (bench-record.ts) to a topic, record n to partition n mod P, each
 * stamped with its send time (`ts` in the value and the record timestamp). Two modes:
 *   --records N              N records as fast as the broker takes them (pre-loading a topic);
 *   --rate R --seconds S     R records/s for S seconds, sent every 5 ms (a constant load).
 * Progress goes to the parent over IPC ({ produced }) every 250 ms; the summary
 * ({ produced, seconds }) is the last line on stdout.
 */

const { bootstrap, topic, partitions, mode } = parseProducerArgs('kafka-bench-producer', 'records');

function records(first: number, count: number): KafkaProducerRecord[] {
  const batch: KafkaProducerRecord[] = new Array(count);
  const ts = wallClockMs();
  for (let i = 0, n = first; i < count; i++, n++) {
    batch[i] = { topic, partition: n % partitions, value: benchValue(n, ts), timestamp: Math.floor(ts) };
  }
  return batch;
}

await runProducer({
  bootstrap,
  clientId: 'sluice-bench-producer',
  mode,
  records,
  // At most 2 000 records (about 450 KB) per partition, below the broker's 1 MiB batch limit.
  recordsPerSend: Math.min(8_000, 2_000 * partitions),
  // Sends overlap (up to 8 in flight) so one slow acknowledgement does not stall the load.
  tickMs: 5,
  maxInFlight: 8,
  catchUp: false,
});
