import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createKafkaClient, type KafkaClient } from '@sluice/core';
import { checkCrashReplay, type KillMoment, uniqueTopic, uniqueTransactionalId } from '@sluice/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { produceClicks, readCommitted } from './fixtures/kafka-clicks-topics.ts';

const job = new URL('./fixtures/kafka-to-kafka-clicks.job.ts', import.meta.url);
const bootstrap = process.env['KAFKA_BOOTSTRAP_SERVERS']?.split(',').filter(Boolean) ?? [];
const MOMENTS: readonly KillMoment[] = ['random', 'during-upload', 'after-checkpoint', 'during-commit'];
const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/**
 * Issue #5's end-to-end proof: a job reading Kafka (bounded at the end offsets of its first start,
 * 3 partitions), counting per user and second of event time, writing exactly-once to Kafka,
 * SIGKILLed 12 times, among them between checkpoint completion and the transaction's commit:
 * what read_committed consumers see equals the failure-free run, line for line.
 */
describe.skipIf(bootstrap.length === 0)('crash-and-replay: Kafka → keyed window → Kafka, exactly-once', () => {
  let client: KafkaClient;
  beforeAll(async () => {
    client = await createKafkaClient({ bootstrapServers: bootstrap });
  });

  it.each([
    { name: 'parallelism 2, 1 thread', slots: 1, parallelism: 2 },
    { name: 'parallelism 2, 2 worker threads', slots: 2, parallelism: 2 },
  ])(
    '$name: 12 SIGKILLs (random, during upload, after completion, during the commit); read_committed output equals the failure-free run',
    async ({ slots, parallelism }) => {
      const count = 40_000;
      const input = uniqueTopic('k2k-clicks-in');
      const outputs = { reference: uniqueTopic('k2k-ref'), crashing: uniqueTopic('k2k-crash') };
      const admin = client.admin();
      await admin.createTopics([
        { topic: input, partitions: 3 },
        { topic: outputs.reference, partitions: 3 },
        { topic: outputs.crashing, partitions: 3 },
      ]);
      await admin.close();
      await produceClicks(client, input, count, 3);
      const checkpoints = mkdtempSync(join(tmpdir(), 'sluice-k2k-crash-'));
      dirs.push(checkpoints);
      const prefixes = { reference: uniqueTransactionalId('k2k-ref'), crashing: uniqueTransactionalId('k2k') };
      const report = await checkCrashReplay({
        job,
        slots,
        parallelism,
        kills: 12,
        killMoments: MOMENTS,
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
        readOutput: (run) => readCommitted(client, outputs[run]),
      });
      expect(report.kills).toBeGreaterThanOrEqual(12);
      for (const moment of MOMENTS) expect(report.killMoments[moment], moment).toBeGreaterThan(0);
      expect(report.restoredStarts).toBeGreaterThan(5);
      // 40 users × 200 s of event time: nearly every (user, second) has clicks.
      expect(report.reference.length).toBeGreaterThan(7_000);
      const total = report.reference.reduce((n, line) => n + Number(line.slice(line.indexOf('=') + 1)), 0);
      expect(total).toBe(count);
      expect(report.missing).toEqual([]);
      expect(report.extra).toEqual([]);
    },
    300_000,
  );
});
