import { type KafkaProducerRecord, SeededRandom } from '@sluice/core';
import { parseProducerArgs, runProducer } from '../../kafka/send-loops.ts';
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

const { bootstrap, topic, partitions, mode } = parseProducerArgs('nexmark-producer', 'events');

const generate = nexmarkGenerator();
const random = new SeededRandom();

function records(first: number, count: number): KafkaProducerRecord[] {
  const batch: KafkaProducerRecord[] = new Array(count);
  for (let i = 0, n = first; i < count; i++, n++) {
    random.reset(0, n);
    const event = generate(n, random);
    batch[i] = {
      topic,
      partition: n % partitions,
      value: Buffer.from(JSON.stringify(event)),
    };
  }
  return batch;
}

await runProducer({
  bootstrap,
  clientId: 'sluice-nexmark-producer',
  mode,
  records,
  // In sends of at most 5,000 records: a partition's batch must stay under the broker's 1 MB message limit.
  recordsPerSend: 5_000,
  // One send at a time, catching up after a slow one.
  tickMs: 50,
  maxInFlight: 1,
  catchUp: true,
});
