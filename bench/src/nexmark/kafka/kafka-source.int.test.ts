import { describe, expect, it } from 'vitest';
import { runNexmark } from '../run-nexmark.ts';
import { preloadNexmarkTopics } from './nexmark-topic.ts';

const bootstrap = process.env['KAFKA_BOOTSTRAP_SERVERS']?.split(',').filter(Boolean) ?? [];

describe.skipIf(bootstrap.length === 0)('Nexmark over Kafka (--source kafka)', () => {
  it('a pre-loaded topic gives every query the same results as the in-process generator', async () => {
    const events = 30_000;
    const topics = await preloadNexmarkTopics(bootstrap, 3, events, 1_000);
    for (const query of ['q0', 'q2', 'q5', 'q11']) {
      const inProcess = await runNexmark(query, events, 1);
      const kafka = await runNexmark(query, events, 1, { kafka: topics.main });
      expect(kafka.source).toBe('kafka');
      expect(kafka.outputs).toBe(inProcess.outputs);
      expect(kafka.outputs).toBeGreaterThan(0);
    }
    const warmUp = await runNexmark('q0', topics.warmUpEvents, 2, { kafka: topics.warmUp });
    expect(warmUp.outputs).toBe(1_000);
  }, 120_000);
});
