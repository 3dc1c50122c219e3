import type { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import {
  CollectSink,
  DataGeneratorSource,
  type GeneratorSplit,
  type JobClient,
  type Source,
  type SourceReader,
  StreamExecutionEnvironment,
  WatermarkStrategy,
} from '@sluice/core';
import { JobServiceModule, METRIC_NAMES } from '@sluice/job-service';
import { parsePrometheusText, type PrometheusFamily, sampleValue } from '@sluice/testing';
import { afterEach, describe, expect, it, vi } from 'vitest';

/**
 * A rate-limited generator whose readers register connector metrics as a Kafka source would: a
 * counter from the start, and a gauge (with per-partition labels) only after their first 50
 * records, so that family appears while the job runs.
 */
function meteredTicks(): Source<number, GeneratorSplit, GeneratorSplit[]> {
  const inner = new DataGeneratorSource({ recordsPerSecond: 4_000, generate: (i) => i });
  return {
    boundedness: inner.boundedness,
    createEnumerator: (ctx) => inner.createEnumerator(ctx),
    restoreEnumerator: (ctx, state) => inner.restoreEnumerator(ctx, state),
    createReader(ctx) {
      const reader: SourceReader<number, GeneratorSplit> = inner.createReader(ctx);
      const records = ctx.metrics.counter('test_source_records_total', { topic: 'ticks' });
      // Clashes with an engine metric of the service: skipped with a warning, never a broken scrape.
      ctx.metrics.counter('operator_records_in_total');
      let emitted = 0;
      return {
        start: () => reader.start(),
        addSplits: (splits) => reader.addSplits(splits),
        notifyNoMoreSplits: () => reader.notifyNoMoreSplits(),
        isAvailable: () => reader.isAvailable(),
        snapshotState: (id) => reader.snapshotState(id),
        close: () => reader.close(),
        pollNext(output) {
          return reader.pollNext({
            ...output,
            forSplit: (id) => {
              const split = output.forSplit(id);
              return {
                collect(value, timestamp) {
                  records.inc();
                  if (++emitted === 50) {
                    const labels = { topic: 'ticks', partition: String(ctx.subtaskIndex), subtask: 'mine' };
                    ctx.metrics.gauge('test_source_lag_records', labels, () => 1_000 - emitted);
                  }
                  split.collect(value, timestamp);
                },
              };
            },
          });
        },
      };
    },
  };
}

function meteredJob(): JobClient {
  const env = StreamExecutionEnvironment.create({ parallelism: 2 });
  env
    .fromSource(meteredTicks(), WatermarkStrategy.noWatermarks<number>(), 'ticks')
    .uid('ticks')
    .sinkTo(new CollectSink<number>(), 'drop');
  return env.executeAsync('metered');
}

const apps: INestApplication[] = [];
afterEach(async () => {
  await Promise.all(apps.splice(0).map((app) => app.close()));
});

describe('connector and user metrics on /metrics', () => {
  it('exports JobClient.metrics().operators[i].custom as sluice_<name> with job_name, operator, subtask and own labels', async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [JobServiceModule.forJob({ jobName: 'metered', start: meteredJob, env: {} })],
    }).compile();
    const app = moduleRef.createNestApplication({ logger: false });
    apps.push(app);
    await app.listen(0, '127.0.0.1');
    const base = await app.getUrl();
    const scrape = async (): Promise<Map<string, PrometheusFamily>> =>
      parsePrometheusText(await (await fetch(`${base}/metrics`)).text());

    let families = await scrape();
    await vi.waitFor(
      async () => {
        families = await scrape();
        expect(families.get('sluice_test_source_lag_records')?.samples).toHaveLength(2);
      },
      { timeout: 20_000, interval: 100 },
    );
    const counter = families.get('sluice_test_source_records_total');
    expect(counter?.type).toBe('counter');
    expect(
      counter?.samples.map((s) => s.labels).sort((a, b) => (a['subtask'] ?? '').localeCompare(b['subtask'] ?? '')),
    ).toEqual([
      { job_name: 'metered', operator: 'ticks', subtask: '0', topic: 'ticks' },
      { job_name: 'metered', operator: 'ticks', subtask: '1', topic: 'ticks' },
    ]);
    const gauge = families.get('sluice_test_source_lag_records');
    expect(gauge?.type).toBe('gauge');
    // The sample's own `subtask` label cannot replace the service's: it is exported as exported_subtask.
    expect(gauge?.samples.find((s) => s.labels['subtask'] === '1')?.labels).toEqual({
      job_name: 'metered',
      operator: 'ticks',
      subtask: '1',
      topic: 'ticks',
      partition: '1',
      exported_subtask: 'mine',
    });
    const lag = sampleValue(families, 'sluice_test_source_lag_records', { subtask: '0' }) as number;
    expect(lag).toBeLessThanOrEqual(950);

    // Counters keep counting between scrapes; the engine metric of the same name is untouched.
    const before = sampleValue(families, 'sluice_test_source_records_total', { subtask: '0' }) as number;
    expect(before).toBeGreaterThanOrEqual(50);
    await vi.waitFor(
      async () =>
        expect(sampleValue(await scrape(), 'sluice_test_source_records_total', { subtask: '0' })).toBeGreaterThan(
          before,
        ),
      { timeout: 20_000, interval: 100 },
    );
    const engine = (await scrape()).get(METRIC_NAMES.operatorRecordsIn);
    expect(engine?.samples.every((s) => s.labels['operator_name'] !== undefined)).toBe(true);
  });
});
