import type { Committer, PrecommittingSinkWriter, Sink, SinkWriter, SinkWriterContext } from '../../../api/sink.ts';
import { SluiceError } from '../../../errors.ts';
import type { KafkaClientConfig } from '../kafka-client-config.ts';
import { BatchingKafkaWriter } from './batching-kafka-writer.ts';
import { ExactlyOnceKafkaWriter } from './exactly-once-kafka-writer.ts';
import {
  defaultTransactionalIdPrefix,
  type KafkaSinkCommittable,
  TRANSACTIONAL_ID_PREFIX,
} from './exactly-once-protocol.ts';
import { KafkaRecordBuilder } from './kafka-record-builder.ts';
import { KafkaSinkCommitter } from './kafka-sink-committer.ts';
import type { KafkaDeliveryGuarantee, KafkaSinkOptions } from './kafka-sink-options.ts';

const GUARANTEES: readonly KafkaDeliveryGuarantee[] = ['none', 'at-least-once', 'exactly-once'];

function invalid(message: string): SluiceError {
  return new SluiceError('INVALID_ARGUMENT', message);
}

function positiveInteger(value: number | undefined, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < 1) throw invalid(`KafkaSink ${name} must be an integer >= 1; got ${value}.`);
  return value;
}

/**
 * Writes a stream to Kafka with the chosen {@link KafkaDeliveryGuarantee}.
 *
 * `exactly-once` (docs/kafka-exactly-once.md) keeps each checkpoint interval's records in the
 * checkpoint and writes them in one transaction, with an idempotence marker, when the checkpoint
 * completes (and again, skipped if already done, when the job recovers). So output becomes
 * visible to `read_committed` consumers only after each checkpoint completes, and checkpoints
 * grow with the output of one interval: pick the interval with both in mind. It needs
 * checkpointing (without it, everything is committed at end of input).
 * `at-least-once` makes each checkpoint wait for the acks of everything written before it;
 * `none` only batches and sends.
 *
 * @example
 * ```ts
 * env.enableCheckpointing(1_000, { storage });
 * alerts.sinkTo(
 *   new KafkaSink<Alert>({
 *     bootstrapServers: ['localhost:9092'],
 *     topic: 'alerts',
 *     key: (a) => a.card,
 *     headers: (a) => ({ source: 'fraud-detection' }),
 *     deliveryGuarantee: 'exactly-once',
 *     transactionalIdPrefix: 'fraud-detection-alerts',
 *   }),
 *   'alerts-kafka',
 * );
 * ```
 * @experimental
 */
export class KafkaSink<T> implements Sink<T> {
  /** True for `exactly-once`: the runtime then drives the two-phase commit. */
  readonly twoPhaseCommit: boolean;
  readonly deliveryGuarantee: KafkaDeliveryGuarantee;
  private readonly options: KafkaSinkOptions<T>;
  private readonly client: KafkaClientConfig;
  private readonly maxBatchRecords: number;
  private readonly maxBufferedBytes: number;
  private readonly transactionTimeoutMs: number;
  private readonly markerTopic: string | undefined;

  constructor(options: KafkaSinkOptions<T>) {
    if (options === undefined || options === null) throw invalid('KafkaSink needs options.');
    const servers =
      typeof options.bootstrapServers === 'string'
        ? options.bootstrapServers.split(',').map((s) => s.trim())
        : [...(options.bootstrapServers ?? [])];
    if (servers.filter(Boolean).length === 0) {
      throw invalid('KafkaSink needs bootstrapServers, e.g. { bootstrapServers: ["localhost:9092"] }.');
    }
    const hasTopic = typeof options.topic === 'string' && options.topic !== '';
    const hasSelector = typeof options.topicSelector === 'function';
    if (hasTopic === hasSelector) {
      throw invalid('KafkaSink needs exactly one of topic (a fixed topic) and topicSelector (a topic per record).');
    }
    if (!GUARANTEES.includes(options.deliveryGuarantee)) {
      throw invalid(
        `KafkaSink deliveryGuarantee must be one of ${GUARANTEES.join(', ')}; got '${String(options.deliveryGuarantee)}'.`,
      );
    }
    if (typeof options.partition === 'number' && (!Number.isInteger(options.partition) || options.partition < 0)) {
      throw invalid(`KafkaSink partition must be an integer >= 0; got ${options.partition}.`);
    }
    const prefix = options.transactionalIdPrefix;
    if (prefix !== undefined && !TRANSACTIONAL_ID_PREFIX.test(prefix)) {
      throw invalid(`KafkaSink transactionalIdPrefix '${prefix}' may only contain letters, digits, '.', '_' and '-'.`);
    }
    this.markerTopic = options.markerTopic ?? options.topic;
    if (options.deliveryGuarantee === 'exactly-once' && (this.markerTopic === undefined || this.markerTopic === '')) {
      throw invalid(
        'KafkaSink with topicSelector and exactly-once needs markerTopic: an existing topic whose partition 0 carries ' +
          'the commit markers (e.g. one of the output topics).',
      );
    }
    this.options = options;
    this.deliveryGuarantee = options.deliveryGuarantee;
    this.twoPhaseCommit = options.deliveryGuarantee === 'exactly-once';
    this.client = { ...options.client, bootstrapServers: servers.filter(Boolean) };
    this.maxBatchRecords = positiveInteger(options.maxBatchRecords, 'maxBatchRecords', 5_000);
    this.maxBufferedBytes = positiveInteger(options.maxBufferedBytes, 'maxBufferedBytes', 32 * 1024 * 1024);
    this.transactionTimeoutMs = positiveInteger(options.transactionTimeoutMs, 'transactionTimeoutMs', 60_000);
    new KafkaRecordBuilder(options); // fails now on a bad serializer, not in the job
  }

  /** The prefix of transactional ids and marker groups for a sink with this uid. */
  transactionalIdPrefix(operatorUid: string): string {
    return this.options.transactionalIdPrefix ?? defaultTransactionalIdPrefix(operatorUid);
  }

  createWriter(ctx: SinkWriterContext): SinkWriter<T> | PrecommittingSinkWriter<T, KafkaSinkCommittable> {
    const build = new KafkaRecordBuilder(this.options);
    if (this.twoPhaseCommit) return new ExactlyOnceKafkaWriter(build, ctx);
    return new BatchingKafkaWriter(
      build,
      this.client,
      {
        atLeastOnce: this.deliveryGuarantee === 'at-least-once',
        maxBatchRecords: this.maxBatchRecords,
        maxBufferedBytes: this.maxBufferedBytes,
      },
      ctx,
    );
  }

  createCommitter(ctx: SinkWriterContext): Committer<KafkaSinkCommittable> {
    return new KafkaSinkCommitter(
      {
        client: this.client,
        transactionalIdPrefix: this.transactionalIdPrefix(ctx.operatorUid),
        markerTopic: this.markerTopic as string,
        transactionTimeoutMs: this.transactionTimeoutMs,
        maxBatchRecords: this.maxBatchRecords,
      },
      ctx,
    );
  }
}
