import { uniqueTopic, uniqueTransactionalId } from '@sluice/testing';
import { describe, expect, it } from 'vitest';
import { bootstrap, kafkaCrashReplaySuite, killTwelveTimes, LAYOUTS } from './fixtures/kafka-crash-replay.ts';

const job = new URL('./fixtures/kafka-sink-clicks.job.ts', import.meta.url);

describe.skipIf(bootstrap.length === 0)('crash-and-replay: exactly-once KafkaSink', () => {
  const suite = kafkaCrashReplaySuite();

  it.each(LAYOUTS)(
    '$name: 12 SIGKILLs (random, during upload, after checkpoint completion, during the commit), read_committed output equals the failure-free run',
    async ({ slots, parallelism }) => {
      // Each start replays from the latest checkpoint and gets killed soon after it: enough input
      // for 12 kills before the job can finish.
      const count = 80_000;
      const topics = { reference: uniqueTopic('clicks-ref'), crashing: uniqueTopic('clicks-crash') };
      await suite.createTopics(topics.reference, topics.crashing);
      const checkpoints = suite.tempDir('sluice-kafka-crash-');
      const prefixes = { reference: uniqueTransactionalId('clicks-ref'), crashing: uniqueTransactionalId('clicks') };
      const report = await killTwelveTimes({
        client: suite.client,
        job,
        slots,
        parallelism,
        outputs: topics,
        params: (run): Record<string, string | number> =>
          run === 'reference'
            ? { topic: topics.reference, prefix: prefixes.reference, count }
            : {
                topic: topics.crashing,
                prefix: prefixes.crashing,
                count,
                rate: 4_000,
                checkpoints,
                interval: 150,
              },
      });
      expect(report.reference.length).toBeGreaterThan(1_000);
    },
    300_000,
  );
});
