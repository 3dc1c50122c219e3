import { describe, expect, it } from 'vitest';
import { type KafkaBenchResults, kafkaSectionMarkdown, withoutKafkaSection } from './kafka-section.ts';

const results: KafkaBenchResults = {
  measuredAt: '2026-01-01 00:00',
  command: 'npm run bench:kafka',
  machine: { cpus: 'test cpu', cores: 2, loadAverageBefore: [1, 1, 1], loadAverageAfter: [2, 2, 2] },
  partitions: 4,
  checkpointIntervalMs: 1_000,
  drain: [
    {
      guarantee: 'at-least-once',
      records: 1_000_000,
      seconds: 8,
      recordsPerSecond: 125_000,
      startupSeconds: 0.1,
      checkpoints: 7,
      peakRssMb: 400,
      cpuSecondsPerMillion: 8,
    },
  ],
  sustainable: [
    {
      guarantee: 'at-least-once',
      stepSeconds: 20,
      steps: [
        {
          rate: 100_000,
          producedPerSecond: 100_000,
          consumedPerSecond: 100_000,
          finalLag: 0,
          lagGrowthPerSecond: 0,
          sustained: true,
          producerLimited: false,
        },
      ],
      sustainableRecordsPerSecond: 100_000,
    },
    { guarantee: 'exactly-once', stepSeconds: 20, steps: [], sustainableRecordsPerSecond: 60_000 },
  ],
  latency: [
    { guarantee: 'at-least-once', rate: 50_000, seconds: 30, samples: 1, p50Ms: 3, p99Ms: 40, p999Ms: 60, maxMs: 70 },
  ],
};

describe('Kafka section of bench/RESULTS.md', () => {
  it('judges the targets on the sustained rates and the latency at half load', () => {
    const md = kafkaSectionMarkdown(results, 'analysis text');
    expect(md).toContain('| at-least-once ≥ 100,000 records/s | 100,000 | met |');
    expect(md).toContain('| exactly-once ≥ 70 % of at-least-once | 60 % | not met |');
    expect(md).toContain('| at-least-once p99 ≤ 50 ms at half load | 40 ms at 50,000/s | met |');
    expect(md).toContain('| at-least-once | 1,000,000 | 8 | 125,000 |');
    expect(md.trimEnd().endsWith('analysis text')).toBe(true);
  });

  it('cuts an earlier Kafka section out, up to the next section', () => {
    const md = kafkaSectionMarkdown(results, '');
    const before = `# Results\n\n## Nexmark\n\ntext\n\n${md}\n## Later\n\nkept\n`;
    expect(withoutKafkaSection(before)).toBe('# Results\n\n## Nexmark\n\ntext\n\n## Later\n\nkept\n');
    expect(withoutKafkaSection(`# Results\n\n${md}`)).toBe('# Results\n');
    expect(withoutKafkaSection('# Results\n')).toBe('# Results\n');
  });
});
