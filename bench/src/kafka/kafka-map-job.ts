import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  FsCheckpointStorage,
  type JobClient,
  KAFKA_SINK_METRICS,
  KafkaDeserializers,
  KafkaSink,
  KafkaSource,
  StreamExecutionEnvironment,
  WatermarkStrategy,
} from '@sluice/core';
import type { BenchPayment, BenchPaymentOut } from './bench-record.ts';

/** The delivery guarantees the Kafka benchmark compares. */
export type BenchGuarantee = 'at-least-once' | 'exactly-once';

/** Options of {@link startKafkaMapJob}. */
export interface KafkaMapJobOptions {
  readonly bootstrapServers: readonly string[];
  readonly input: string;
  readonly output: string;
  readonly guarantee: BenchGuarantee;
  /** Checkpoint interval (both guarantees checkpoint: at-least-once waits for acks at each). */
  readonly checkpointIntervalMs: number;
  /** Read up to the end offsets at start and finish (drain runs); otherwise run until cancelled. */
  readonly bounded: boolean;
}

/** A running benchmark job and what it measured. */
export interface KafkaMapJob {
  readonly client: JobClient;
  /** `performance.now()` when the map saw its first record (undefined before). */
  firstRecordAt(): number | undefined;
  /** Records the source emitted so far. */
  read(): number;
  /** Records the sink had acknowledged (at-least-once) or committed (exactly-once) so far. */
  written(): number;
  /** Cancels if running and deletes the checkpoints. */
  dispose(): Promise<void>;
}

/**
 * Starts Kafka → map → Kafka in this process, one subtask: a KafkaSource (JSON), a map that adds
 * the amount in cents, a KafkaSink (JSON, keyed by card) with `guarantee`, checkpoints to a
 * temporary directory.
 *
 * @example
 * ```ts
 * const job = startKafkaMapJob({ bootstrapServers: ['localhost:9092'], input: 'in', output: 'out',
 *   guarantee: 'exactly-once', checkpointIntervalMs: 1_000, bounded: true });
 * await job.client.result;
 * ```
 */
export function startKafkaMapJob(options: KafkaMapJobOptions): KafkaMapJob {
  const directory = mkdtempSync(join(tmpdir(), 'sluice-kafka-bench-'));
  const env = StreamExecutionEnvironment.create({ parallelism: 1 });
  env.enableCheckpointing(options.checkpointIntervalMs, { storage: new FsCheckpointStorage({ directory }) });
  let first: number | undefined;
  env
    .fromSource(
      new KafkaSource<BenchPayment>({
        bootstrapServers: options.bootstrapServers,
        topics: [options.input],
        deserializer: KafkaDeserializers.json<BenchPayment>(),
        ...(options.bounded ? { bounded: 'latest-at-start' as const } : {}),
        client: { clientId: 'sluice-bench-source' },
      }),
      WatermarkStrategy.noWatermarks<BenchPayment>(),
      'payments-in',
    )
    .map('to-cents', (p): BenchPaymentOut => {
      first ??= performance.now();
      return { ...p, cents: Math.round(p.amount * 100) };
    })
    .sinkTo(
      new KafkaSink<BenchPaymentOut>({
        bootstrapServers: options.bootstrapServers,
        topic: options.output,
        key: (p) => p.card,
        deliveryGuarantee: options.guarantee,
        transactionalIdPrefix: `bench-${options.output}`,
        client: { clientId: 'sluice-bench-sink' },
      }),
      'payments-out',
    );
  const client = env.executeAsync(`kafka-map-${options.guarantee}`);
  client.result.catch(() => undefined);
  const operator = (name: string) => client.metrics().operators.find((o) => o.name === name);
  return {
    client,
    firstRecordAt: () => first,
    read: () => operator('payments-in')?.recordsOut ?? 0,
    written: () =>
      (operator('payments-out')?.custom ?? [])
        .filter((s) => s.name === KAFKA_SINK_METRICS.recordsOut)
        .reduce((n, s) => n + s.value, 0),
    dispose: async () => {
      await client.cancel().catch(() => undefined);
      rmSync(directory, { recursive: true, force: true });
    },
  };
}
