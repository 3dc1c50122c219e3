import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createKafkaClient, type KafkaClient } from '@sluice/core';
import { checkCrashReplay, uniqueTopic, uniqueTransactionalId } from '@sluice/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readCommitted } from './fixtures/kafka-clicks-topics.ts';

const job = new URL('./fixtures/kafka-sink-clicks.job.ts', import.meta.url);
const bootstrap = process.env['KAFKA_BOOTSTRAP_SERVERS']?.split(',').filter(Boolean) ?? [];
const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe.skipIf(bootstrap.length === 0)('crash-and-replay: exactly-once KafkaSink', () => {
  let client: KafkaClient;
  beforeAll(async () => {
    client = await createKafkaClient({ bootstrapServers: bootstrap });
  });

  it.each([
    { name: 'parallelism 2, 1 thread', slots: 1, parallelism: 2 },
    { name: 'parallelism 2, 2 worker threads', slots: 2, parallelism: 2 },
  ])(
    '$name: 12 SIGKILLs (random, during upload, after checkpoint completion, during the commit), read_committed output equals the failure-free run',
    async ({ slots, parallelism }) => {
      // Each start replays from the latest checkpoint and gets killed soon after it: enough input
      // for 12 kills before the job can finish.
      const count = 80_000;
      const topics = { reference: uniqueTopic('clicks-ref'), crashing: uniqueTopic('clicks-crash') };
      const admin = client.admin();
      await admin.createTopics([
        { topic: topics.reference, partitions: 3 },
        { topic: topics.crashing, partitions: 3 },
      ]);
      await admin.close();
      const checkpoints = mkdtempSync(join(tmpdir(), 'sluice-kafka-crash-'));
      dirs.push(checkpoints);
      const prefixes = { reference: uniqueTransactionalId('clicks-ref'), crashing: uniqueTransactionalId('clicks') };
      const report = await checkCrashReplay({
        job,
        slots,
        parallelism,
        kills: 12,
        killMoments: ['random', 'during-upload', 'after-checkpoint', 'during-commit'],
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
        readOutput: (run) => readCommitted(client, topics[run]),
      });
      expect(report.kills).toBeGreaterThanOrEqual(12);
      for (const moment of ['random', 'during-upload', 'after-checkpoint', 'during-commit'] as const) {
        expect(report.killMoments[moment], moment).toBeGreaterThan(0);
      }
      expect(report.restoredStarts).toBeGreaterThan(5);
      expect(report.reference.length).toBeGreaterThan(1_000);
      expect(report.missing).toEqual([]);
      expect(report.extra).toEqual([]);
    },
    300_000,
  );
});
