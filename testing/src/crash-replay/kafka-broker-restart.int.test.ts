import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createKafkaClient, type KafkaClient, startJob } from '@sluice/core';
import { type KafkaService, startKafka, uniqueTopic, uniqueTransactionalId } from '@sluice/testing';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { produceClicks, readCommitted } from './fixtures/kafka-clicks-topics.ts';

const job = new URL('./fixtures/kafka-to-kafka-clicks.job.ts', import.meta.url);
// This test restarts its own broker (a local Java process); it runs where the suite has Kafka.
const enabled = (process.env['KAFKA_BOOTSTRAP_SERVERS'] ?? '') !== '';
const dirs: string[] = [];

/**
 * Issue #5: the broker goes away while a Kafka → keyed window → Kafka job runs with checkpoints
 * and comes back on the same port with its data. Source and sink errors in between are
 * retriable; the job retries or restarts from its last checkpoint (the default restart strategy
 * with checkpointing never gives up) and finishes; read_committed output equals a run without
 * the outage.
 */
describe.skipIf(!enabled)('Kafka → window → Kafka across a broker restart', () => {
  let kafka: KafkaService;
  let client: KafkaClient;
  beforeAll(async () => {
    kafka = await startKafka({ mode: 'local-process' });
    client = await createKafkaClient({ bootstrapServers: kafka.brokers });
  });
  afterAll(async () => {
    await kafka?.stop();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  it.each([
    // Within the client's own retries (about 5 s): the job stalls and goes on.
    { signal: 'SIGTERM', downtimeMs: 4_000, outlastsClientRetries: false },
    { signal: 'SIGKILL', downtimeMs: 4_000, outlastsClientRetries: false },
    // Longer than the client's retries: calls fail (retriable); the job retries, or restarts from its checkpoint.
    { signal: 'SIGKILL', downtimeMs: 15_000, outlastsClientRetries: true },
  ] as const)(
    'broker stopped with $signal for $downtimeMs ms mid-run: the job recovers and read_committed output is exact',
    async ({ signal, downtimeMs, outlastsClientRetries }) => {
      const count = 40_000;
      const input = uniqueTopic('restart-in');
      const outputs = { reference: uniqueTopic('restart-ref'), outage: uniqueTopic('restart-out') };
      const admin = client.admin();
      await admin.createTopics([
        { topic: input, partitions: 3 },
        { topic: outputs.reference, partitions: 3 },
        { topic: outputs.outage, partitions: 3 },
      ]);
      await admin.close();
      await produceClicks(client, input, count, 3);
      const common = { bootstrap: kafka.bootstrapServers, input };

      const reference = await startJob(job, {
        parallelism: 2,
        params: { ...common, output: outputs.reference, prefix: uniqueTransactionalId('restart-ref') },
      });
      await reference.result;
      const expected = (await readCommitted(client, outputs.reference)).sort();
      expect(expected.length).toBeGreaterThan(7_000);

      const checkpoints = mkdtempSync(join(tmpdir(), 'sluice-broker-restart-'));
      dirs.push(checkpoints);
      const lines: string[] = [];
      const capture = (...args: unknown[]): void => {
        lines.push(args.map(String).join(' '));
      };
      const warn = vi.spyOn(console, 'warn').mockImplementation(capture);
      const error = vi.spyOn(console, 'error').mockImplementation(capture);
      try {
        const running = await startJob(job, {
          parallelism: 2,
          params: {
            ...common,
            output: outputs.outage,
            prefix: uniqueTransactionalId('restart'),
            checkpoints,
            interval: 200,
            rate: 2_000, // about 13 s of input: the outage falls in the middle
            fetchBytes: 1_024,
          },
        });
        const lastCheckpoint = (): number => running.metrics().checkpoints.lastCheckpointId ?? 0;
        await vi.waitFor(() => expect(running.metrics().checkpoints.completed).toBeGreaterThanOrEqual(2), {
          timeout: 60_000,
          interval: 50,
        });
        const before = lastCheckpoint();
        await kafka.restart?.({ downtimeMs, signal });
        expect(running.status()).toBe('RUNNING');
        await running.result;
        expect(running.status()).toBe('FINISHED');
        // It went on checkpointing after the outage (ids keep growing over restarts).
        expect(lastCheckpoint()).toBeGreaterThan(before);
      } finally {
        warn.mockRestore();
        error.mockRestore();
      }
      if (outlastsClientRetries) {
        // The outage reached the job: some Kafka call failed after the client's retries (the lag
        // metric's end offsets, a fetch, or a commit: then the job restarted), and the job went on.
        expect(lines.some((l) => /KafkaSource: .* failed|restarting from the latest checkpoint/.test(l))).toBe(true);
      }
      const actual = (await readCommitted(client, outputs.outage)).sort();
      expect(actual.length).toBe(expected.length);
      expect(actual).toEqual(expected);
    },
    240_000,
  );
});
