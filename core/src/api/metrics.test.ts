import { describe, expect, it } from 'vitest';
import {
  type CustomMetricSample,
  CollectionSource,
  type MetricGroup,
  type SourceReaderContext,
  StreamExecutionEnvironment,
  WatermarkStrategy,
} from '../index.ts';
import { SubtaskMetricGroup } from './metrics.ts';

describe('SubtaskMetricGroup', () => {
  it('keeps one counter per name and labels, and reads gauges at collection time', () => {
    const group = new SubtaskMetricGroup(3);
    const a = group.counter('records_in_total', { topic: 't', partition: '0' });
    a.inc();
    group.counter('records_in_total', { partition: '0', topic: 't' }).inc(4);
    group.counter('records_in_total', { topic: 't', partition: '1' }).inc(-5); // negative: ignored
    let lag = 7;
    group.gauge('lag_records', { partition: '0' }, () => lag);
    group.gauge('unknown', {}, () => undefined);
    lag = 9;
    expect(group.samples()).toEqual([
      { name: 'records_in_total', kind: 'counter', subtask: 3, labels: { topic: 't', partition: '0' }, value: 5 },
      { name: 'records_in_total', kind: 'counter', subtask: 3, labels: { topic: 't', partition: '1' }, value: 0 },
      { name: 'lag_records', kind: 'gauge', subtask: 3, labels: { partition: '0' }, value: 9 },
    ]);
  });

  it('rejects names that are not snake case', () => {
    expect(() => new SubtaskMetricGroup(0).counter('Records-In')).toThrow(/snake case/);
  });
});

describe('connector metrics through JobClient.metrics()', () => {
  it('reports what a source reader registered, with its subtask', async () => {
    // A collection source whose readers count what they emit into their metric group.
    class CountingSource extends CollectionSource<number> {
      override createReader(ctx?: SourceReaderContext) {
        const reader = super.createReader();
        if (ctx === undefined) return reader;
        const metrics: MetricGroup = ctx.metrics;
        const emitted = metrics.counter('test_emitted_total', { source: 'numbers' });
        const poll = reader.pollNext.bind(reader);
        reader.pollNext = (output) =>
          poll({
            collect(v, ts) {
              emitted.inc();
              output.collect(v, ts);
            },
            forSplit: (id) => {
              const split = output.forSplit(id);
              return {
                collect(v, ts) {
                  emitted.inc();
                  split.collect(v, ts);
                },
              };
            },
            releaseSplit: (id) => output.releaseSplit(id),
          });
        return reader;
      }
    }
    const counting = new CountingSource([1, 2, 3, 4, 5, 6]);
    const env = StreamExecutionEnvironment.create({ parallelism: 2 });
    env.fromSource(counting, WatermarkStrategy.noWatermarks(), 'numbers').uid('numbers').print();
    const client = env.executeAsync('metrics');
    await client.result;
    const samples: CustomMetricSample[] = client.metrics().operators.flatMap((op) => op.custom);
    const total = samples.filter((s) => s.name === 'test_emitted_total').reduce((sum, s) => sum + s.value, 0);
    expect(total).toBe(6);
    // A collection source is not parallel: one reader, subtask 0.
    expect(samples.map((s) => s.subtask)).toEqual([0]);
  });
});
