import { isTwoPhaseCommitSink, KafkaSink, type KafkaSinkOptions, SluiceError } from '@sluice/core';
import { describe, expect, it } from 'vitest';

const options = { bootstrapServers: ['localhost:9092'], topic: 'out', deliveryGuarantee: 'exactly-once' } as const;

describe('KafkaSink options', () => {
  it.each([
    [{ ...options, bootstrapServers: [] }, /needs bootstrapServers/],
    [{ ...options, topic: undefined }, /exactly one of topic/],
    [{ ...options, topicSelector: () => 'x' }, /exactly one of topic/],
    [{ ...options, deliveryGuarantee: 'twice' }, /deliveryGuarantee must be one of/],
    [{ ...options, partition: 1.5 }, /partition must be an integer/],
    [{ ...options, transactionalIdPrefix: 'a b' }, /may only contain/],
    [{ ...options, topic: undefined, topicSelector: () => 'x' }, /needs markerTopic/],
    [{ ...options, maxBatchRecords: 0 }, /maxBatchRecords must be an integer/],
    [{ ...options, serializer: 'xml' }, /Unknown KafkaSink serializer/],
  ])('rejects %o', (bad, message) => {
    expect(() => new KafkaSink(bad as unknown as KafkaSinkOptions<unknown>)).toThrow(message);
    expect(() => new KafkaSink(bad as unknown as KafkaSinkOptions<unknown>)).toThrow(SluiceError);
  });

  it('commits in two phases only for exactly-once', () => {
    expect(isTwoPhaseCommitSink(new KafkaSink(options))).toBe(true);
    expect(isTwoPhaseCommitSink(new KafkaSink({ ...options, deliveryGuarantee: 'at-least-once' }))).toBe(false);
    expect(isTwoPhaseCommitSink(new KafkaSink({ ...options, deliveryGuarantee: 'none' }))).toBe(false);
  });

  it('derives the transactional id prefix from the sink uid unless given', () => {
    expect(new KafkaSink(options).transactionalIdPrefix('alerts-kafka')).toBe('sluice-alerts-kafka');
    expect(new KafkaSink({ ...options, transactionalIdPrefix: 'fraud.alerts' }).transactionalIdPrefix('x')).toBe(
      'fraud.alerts',
    );
    expect(
      () => new KafkaSink({ ...options, topic: undefined, topicSelector: () => 'x', markerTopic: 'alerts' }),
    ).not.toThrow();
  });

  it('buffers an epoch without any I/O and seals it at the barrier (exactly-once)', async () => {
    const { SubtaskMetricGroup } = await import('../../../api/metrics.ts');
    const sink = new KafkaSink<{ id: string }>({ ...options, key: (v) => v.id });
    const ctx = { subtaskIndex: 1, parallelism: 2, operatorUid: 'out', metrics: new SubtaskMetricGroup(1) };
    const writer = sink.createWriter(ctx) as ReturnType<KafkaSink<{ id: string }>['createWriter']> & {
      prepareCommit(id: number): { writer: number; checkpointId: number; records: { count: number } }[];
    };
    expect(writer.prepareCommit(1)).toEqual([]);
    writer.write({ id: 'a' }, 5);
    writer.write({ id: 'b' }, 6);
    const [epoch] = writer.prepareCommit(2);
    expect(epoch).toMatchObject({ writer: 1, checkpointId: 2, records: { count: 2 } });
    expect(writer.prepareCommit(3)).toEqual([]);
  });
});
