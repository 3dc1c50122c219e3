import type { Committer, SinkWriterContext } from '../../../api/sink.ts';
import { SluiceError } from '../../../errors.ts';
import { createKafkaClient } from '../create-kafka-client.ts';
import type { KafkaClientConfig } from '../kafka-client-config.ts';
import type { KafkaAdmin, KafkaClient, KafkaTransactionalProducer } from '../kafka-client.ts';
import { describeCause, KafkaClientError } from '../kafka-client-error.ts';
import { decodeRecords } from './epoch-buffer.ts';
import {
  type KafkaSinkCommittable,
  markerGroupOf,
  planCommits,
  removedWriterSubtasks,
  shouldResetMarker,
  transactionalIdOf,
  type WriterCommit,
} from './exactly-once-protocol.ts';
import { sendEnd } from './kafka-record-builder.ts';
import { KafkaSinkMetrics } from './kafka-sink-metrics.ts';

/** Settings of {@link KafkaSinkCommitter}. */
export interface KafkaSinkCommitterConfig {
  readonly client: KafkaClientConfig;
  readonly transactionalIdPrefix: string;
  readonly markerTopic: string;
  readonly transactionTimeoutMs: number;
  readonly maxBatchRecords: number;
}

/**
 * The exactly-once commit of one sink subtask (docs/kafka-exactly-once.md). Recovery initialises
 * the subtask's transactional id (fencing zombies, aborting their open transaction) and those of
 * writer subtasks a scale-down removed. A commit reads each writer's marker (once per attempt:
 * after fencing, this committer is the only one writing it), skips the epochs at or below it,
 * and writes the rest in one transaction with `sendOffsets(<prefix>-<writer>, checkpoint id)`.
 */
export class KafkaSinkCommitter implements Committer<KafkaSinkCommittable> {
  private readonly config: KafkaSinkCommitterConfig;
  private readonly ctx: SinkWriterContext;
  private readonly metrics: KafkaSinkMetrics;
  private client: Promise<KafkaClient> | undefined;
  private producer: KafkaTransactionalProducer | undefined;
  private admin: KafkaAdmin | undefined;
  private recovered: Promise<void> | undefined;
  /** Committed marker per writer, known since this committer fenced the ids (absent: read it). */
  private readonly markers = new Map<number, number>();

  constructor(config: KafkaSinkCommitterConfig, ctx: SinkWriterContext) {
    this.config = config;
    this.ctx = ctx;
    this.metrics = new KafkaSinkMetrics(ctx.metrics, true);
  }

  recover(): Promise<void> {
    this.recovered ??= this.runRecovery();
    return this.recovered;
  }

  private async runRecovery(): Promise<void> {
    const { ctx, config } = this;
    const client = await this.connect();
    this.admin = client.admin();
    this.producer = client.transactionalProducer({
      transactionalId: transactionalIdOf(config.transactionalIdPrefix, ctx.subtaskIndex),
      transactionTimeoutMs: config.transactionTimeoutMs,
    });
    await this.producer.initTransactions();
    for (const removed of removedWriterSubtasks(ctx.subtaskIndex, ctx.parallelism, ctx.restoredParallelism ?? 0)) {
      const zombie = client.transactionalProducer({
        transactionalId: transactionalIdOf(config.transactionalIdPrefix, removed),
        transactionTimeoutMs: config.transactionTimeoutMs,
      });
      try {
        await zombie.initTransactions();
      } finally {
        await zombie.close();
      }
    }
    if (shouldResetMarker(ctx.subtaskIndex, ctx.restoredCheckpointId, ctx.restoredParallelism)) {
      const own = ctx.subtaskIndex;
      if ((await this.readMarker(own)) > 0) {
        await this.admin.commitGroupOffsets(markerGroupOf(config.transactionalIdPrefix, own), [
          { topic: config.markerTopic, partition: 0, offset: 0 },
        ]);
      }
      this.markers.set(own, 0);
    }
  }

  async commit(committables: readonly KafkaSinkCommittable[]): Promise<void> {
    if (committables.length === 0) return;
    await this.recover();
    for (const c of committables) {
      if (!this.markers.has(c.writer)) this.markers.set(c.writer, await this.readMarker(c.writer));
    }
    for (const plan of planCommits(committables, this.markers)) {
      if (plan.epochs.length > 0) await this.commitWriter(plan);
    }
  }

  private async commitWriter(plan: WriterCommit): Promise<void> {
    const producer = this.producer as KafkaTransactionalProducer;
    const { config, ctx } = this;
    const started = performance.now();
    await producer.beginTransaction();
    try {
      let records = 0;
      let bytes = 0;
      for (const epoch of plan.epochs) {
        const decoded = decodeRecords(epoch.records);
        for (let i = 0; i < decoded.length; ) {
          const end = sendEnd(decoded, i, config.maxBatchRecords);
          await producer.send(decoded.slice(i, end));
          i = end;
        }
        records += decoded.length;
        bytes += epoch.payloadBytes;
      }
      await producer.sendOffsets(markerGroupOf(config.transactionalIdPrefix, plan.writer), [
        { topic: config.markerTopic, partition: 0, offset: plan.marker },
      ]);
      // The crash-and-replay checker kills here: records and marker sent, transaction still open.
      if (process.env['SLUICE_TRACE_CHECKPOINTS'] === '1') {
        console.error(
          `[sluice] kafka sink '${ctx.operatorUid}' subtask ${ctx.subtaskIndex} committing checkpoint ${plan.marker}`,
        );
      }
      await producer.commitTransaction();
      this.markers.set(plan.writer, plan.marker);
      this.metrics.commits.inc();
      this.metrics.recordsOut.inc(records);
      this.metrics.bytesOut.inc(bytes);
      this.metrics.lastCommitSeconds = (performance.now() - started) / 1000;
    } catch (error) {
      this.markers.delete(plan.writer); // whether it committed is unknown now: read it again
      if (!(error instanceof KafkaClientError && error.kind === 'PRODUCER_FENCED')) {
        await producer.abortTransaction().then(
          () => this.metrics.abortedTransactions.inc(),
          () => undefined,
        );
      }
      throw new SluiceError(
        'SINK_FAILED',
        `KafkaSink could not commit checkpoint ${plan.marker} of writer ${plan.writer}: ${describeCause(error)}. ` +
          'The job restarts and commits it again from the checkpoint (nothing is lost or duplicated).',
        { cause: error },
      );
    }
  }

  private async readMarker(writer: number): Promise<number> {
    const admin = this.admin as KafkaAdmin;
    const offsets = await admin.groupOffsets(markerGroupOf(this.config.transactionalIdPrefix, writer), [
      this.config.markerTopic,
    ]);
    return offsets.find((o) => o.topic === this.config.markerTopic && o.partition === 0)?.offset ?? 0;
  }

  private connect(): Promise<KafkaClient> {
    this.client ??= createKafkaClient(this.config.client);
    return this.client;
  }

  async close(): Promise<void> {
    await this.producer?.close().catch(() => undefined);
    await this.admin?.close().catch(() => undefined);
  }
}
