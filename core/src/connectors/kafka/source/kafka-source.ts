import type {
  Source,
  SourceReader,
  SourceReaderContext,
  SplitEnumerator,
  SplitEnumeratorContext,
} from '../../../api/source.ts';
import type { KafkaEnumeratorState, KafkaPartitionSplit } from './kafka-partition-split.ts';
import { KafkaSourceEnumerator } from './kafka-source-enumerator.ts';
import { type KafkaSourceOptions, type KafkaSourceSettings, kafkaSourceSettings } from './kafka-source-options.ts';
import { KafkaSourceReader } from './kafka-source-reader.ts';

/**
 * Reads Kafka topics (a list, or every topic matching a pattern) as a parallel, checkpointed
 * source (docs/connectors/kafka-source.md).
 *
 * - Each partition is a split owned by one subtask (deterministically, so ownership is stable
 *   across runs); new partitions and topics are discovered every `discoveryIntervalMs`.
 * - Checkpoints hold each partition's next offset; a restored job resumes exactly there.
 *   Offsets are also committed to `groupId` when a checkpoint completes, for lag monitoring only.
 * - Records carry their Kafka timestamp; watermarks are generated per partition, and with
 *   `WatermarkStrategy.withIdleness` an idle partition does not hold the watermark back.
 * - `bounded` makes it end at stop offsets (e.g. the end offsets at start): usable in BATCH mode.
 * - A record the deserializer throws on goes to `deadLetterTopic` (at-least-once), or fails the job.
 * - `read_committed` by default: aborted transactions are never seen.
 *
 * @example
 * ```ts
 * interface Payment { readonly card: string; readonly amount: number; readonly time: number }
 * const source = new KafkaSource<Payment>({
 *   bootstrapServers: ['localhost:9092'],
 *   topics: ['payments'],
 *   groupId: 'fraud-detection',
 *   deserializer: KafkaDeserializers.json<Payment>(),
 *   deadLetterTopic: 'payments-dlq',
 * });
 * env.fromSource(source, WatermarkStrategy.forBoundedOutOfOrderness<Payment>(5_000).withIdleness(30_000), 'payments');
 * ```
 * @experimental
 */
export class KafkaSource<T> implements Source<T, KafkaPartitionSplit, KafkaEnumeratorState> {
  readonly boundedness: 'bounded' | 'unbounded';
  private readonly settings: KafkaSourceSettings<T>;

  constructor(options: KafkaSourceOptions<T>) {
    this.settings = kafkaSourceSettings(options);
    this.boundedness = options.bounded === undefined ? 'unbounded' : 'bounded';
  }

  createEnumerator(
    ctx: SplitEnumeratorContext<KafkaPartitionSplit>,
  ): SplitEnumerator<KafkaPartitionSplit, KafkaEnumeratorState> {
    return new KafkaSourceEnumerator(ctx, this.settings as KafkaSourceSettings<unknown>);
  }

  restoreEnumerator(
    ctx: SplitEnumeratorContext<KafkaPartitionSplit>,
    state: KafkaEnumeratorState,
  ): SplitEnumerator<KafkaPartitionSplit, KafkaEnumeratorState> {
    return new KafkaSourceEnumerator(ctx, this.settings as KafkaSourceSettings<unknown>, state);
  }

  createReader(ctx: SourceReaderContext): SourceReader<T, KafkaPartitionSplit> {
    return new KafkaSourceReader<T>(this.settings, ctx);
  }
}
