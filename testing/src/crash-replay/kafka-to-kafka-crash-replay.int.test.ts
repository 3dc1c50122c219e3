import { uniqueTopic, uniqueTransactionalId } from '@sluice/testing';
import { describe, expect, it } from 'vitest';
import { produceClicks } from './fixtures/kafka-clicks-topics.ts';
import { bootstrap, kafkaCrashReplaySuite, killTwelveTimes, LAYOUTS } from './fixtures/kafka-crash-replay.ts';

const job = new URL('./fixtures/kafka-to-kafka-clicks.job.ts', import.meta.url);

/**
 * Issue #5's end-to-end proof: a job reading Kafka (bounded at the end offsets of its first start,
 * 3 partitions), counting per user and second of event time, writing exactly-once to Kafka,
 * SIGKILLed 12 times, among them between checkpoint completion and the transaction's commit:
 * what read_committed consumers see equals the failure-free run, line for line.
 */
describe.skipIf(bootstrap.length === 0)('crash-and-replay: Kafka → keyed window → Kafka, exactly-once', () => {
  const suite = kafkaCrashReplaySuite();

  it.each(LAYOUTS)(
    '$name: 12 SIGKILLs (random, during upload, after completion, during the commit); read_committed output equals the failure-free run',
    async ({ slots, parallelism }) => {
      const count = 40_000;
      const input = uniqueTopic('k2k-clicks-in');
      const outputs = { reference: uniqueTopic('k2k-ref'), crashing: uniqueTopic('k2k-crash') };
      await suite.createTopics(input, outputs.reference, outputs.crashing);
      await produceClicks(suite.client, input, count, 3);
      const checkpoints = suite.tempDir('sluice-k2k-crash-');
      const prefixes = { reference: uniqueTransactionalId('k2k-ref'), crashing: uniqueTransactionalId('k2k') };
      const report = await killTwelveTimes({
        client: suite.client,
        job,
        slots,
        parallelism,
        outputs,
        params: (run): Record<string, string | number> =>
          run === 'reference'
            ? { input, output: outputs.reference, prefix: prefixes.reference }
            : {
                input,
                output: outputs.crashing,
                prefix: prefixes.crashing,
                checkpoints,
                interval: 150,
                // Each reader emits about 2 000 clicks/s, a fetch brings one small batch per
                // partition: every start makes some progress and the run outlives 12 kills.
                rate: 2_000,
                fetchBytes: 1_024,
              },
      });
      // 40 users × 200 s of event time: nearly every (user, second) has clicks.
      expect(report.reference.length).toBeGreaterThan(7_000);
      const total = report.reference.reduce((n, line) => n + Number(line.slice(line.indexOf('=') + 1)), 0);
      expect(total).toBe(count);
    },
    300_000,
  );
});
