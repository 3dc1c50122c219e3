/**
 * `@sluice/core`: Apache Flink's stream-processing semantics in TypeScript.
 *
 * @example
 * ```ts
 * import { CollectSink, StreamExecutionEnvironment } from '@sluice/core';
 *
 * const env = StreamExecutionEnvironment.create();
 * const sink = new CollectSink<number>();
 * env.fromElements(1, 2, 3).map('double', (n) => n * 2).sinkTo(sink);
 * await env.execute('doubling');
 * ```
 * @packageDocumentation
 */
export { VERSION } from './version.ts';
export { ERROR_CODES, SluiceError, type ErrorCode, type ErrorDomain, type SluiceErrorOptions } from './errors.ts';

// Time
export { type Clock, ManualClock, SystemClock } from './time/clock.ts';
export { MAX_WATERMARK, MIN_WATERMARK, NO_TIMESTAMP, type Timestamp } from './time/timestamps.ts';
export {
  type TimestampAssigner,
  type WatermarkAlignmentSpec,
  type WatermarkGenerator,
  type WatermarkGeneratorContext,
  type WatermarkOutput,
  WatermarkStrategy,
} from './time/watermark-strategy.ts';

// API
export {
  StreamExecutionEnvironment,
  type EnvironmentOptions,
  type RuntimeMode,
} from './api/stream-execution-environment.ts';
export { DataStream, DataStreamSink } from './api/data-stream.ts';
export { KeyedStream } from './api/keyed-stream.ts';
export {
  defineJob,
  loadJobDefinition,
  startJob,
  type JobDefinition,
  type JobParams,
  type StartedJob,
  type StartJobOptions,
} from './api/job-definition.ts';
export { OutputTag } from './api/output-tag.ts';
export type {
  AggregateFunction,
  Collector,
  FilterFunction,
  FlatMapFunction,
  KeySelector,
  KeyedProcessContext,
  KeyedProcessFunction,
  KeyedRuntimeContext,
  MapFunction,
  OnTimerContext,
  ProcessContext,
  ProcessFunction,
  ReduceFunction,
  RuntimeContext,
  TimerService,
} from './api/functions.ts';
export type {
  CheckpointMetrics,
  JobClient,
  JobExecutionResult,
  JobGraphDescription,
  JobMetrics,
  JobStatus,
  OperatorMetrics,
  StopWithSavepointOptions,
} from './api/job-client.ts';
export type { CustomMetricSample, MetricCounter, MetricGroup, MetricLabels } from './api/metrics.ts';
export type {
  InputStatus,
  ReaderOutput,
  Source,
  SourceReader,
  SourceReaderContext,
  SourceSplit,
  SplitEnumerator,
  SplitEnumeratorContext,
  SplitOutput,
} from './api/source.ts';
export {
  isTwoPhaseCommitSink,
  type Committer,
  type PrecommittingSinkWriter,
  type Sink,
  type SinkWriter,
  type SinkWriterContext,
  type TwoPhaseCommitSink,
} from './api/sink.ts';

// State
export {
  AggregatingStateDescriptor,
  ListStateDescriptor,
  MapStateDescriptor,
  ReducingStateDescriptor,
  ValueStateDescriptor,
  type AggregatingState,
  type ListState,
  type MapState,
  type ReducingState,
  type StateTtlConfig,
  type ValueState,
} from './state/state-descriptors.ts';
export { DEFAULT_MAX_PARALLELISM, type KeyType, keyGroupOf } from './state/key-groups.ts';
export {
  StateBackends,
  type HeapStateBackendConfig,
  type LmdbStateBackendConfig,
  type LmdbStateBackendOptions,
  type StateBackendConfig,
} from './state/state-backends.ts';

// Connectors
export { CollectionSource } from './connectors/collection/collection-source.ts';
export {
  DataGeneratorSource,
  type DataGeneratorOptions,
  type GeneratorSplit,
} from './connectors/datagen/data-generator-source.ts';
export { SeededRandom } from './connectors/datagen/seeded-random.ts';
export { PrintSink } from './connectors/print/print-sink.ts';
export {
  FileSink,
  readFileSinkOutput,
  type FilePartCommittable,
  type FileSinkOptions,
} from './connectors/file/file-sink.ts';
export { CollectSink, type CollectedRecord } from './connectors/collect/collect-sink.ts';
export { QueueSource, type QueueSplit } from './connectors/queue/queue-source.ts';

// Two-input streams: connect, broadcast state, interval join; async I/O
export { ConnectedStreams, KeyedConnectedStreams } from './api/connected-streams.ts';
export type {
  CoFlatMapFunction,
  CoMapFunction,
  CoProcessFunction,
  KeyedCoProcessFunction,
} from './api/co-functions.ts';
export { BroadcastConnectedStream, BroadcastStream, KeyedBroadcastConnectedStream } from './api/broadcast-stream.ts';
export type {
  BroadcastContext,
  BroadcastProcessFunction,
  BroadcastReadOnlyContext,
  KeyedBroadcastContext,
  KeyedBroadcastOnTimerContext,
  KeyedBroadcastProcessFunction,
  KeyedBroadcastReadOnlyContext,
} from './api/broadcast-functions.ts';
export type { BroadcastState, ReadOnlyBroadcastState } from './state/broadcast-state.ts';
export type { OperatorRuntimeContext } from './api/functions.ts';
export {
  IntervalJoin,
  IntervalJoined,
  type ProcessJoinContext,
  type ProcessJoinFunction,
} from './api/interval-join.ts';
export {
  AsyncDataStream,
  DEFAULT_ASYNC_CAPACITY,
  type AsyncFunction,
  type AsyncWaitOptions,
} from './api/async-data-stream.ts';

// Testing hook (wrapped by @sluice/testing's operator harnesses)
export {
  TestOperatorRunner,
  type TestOperatorRunnerOptions,
  type TestOutputRecord,
} from './runtime/test-operator-runner.ts';
export type { BroadcastStateSnapshot } from './state/broadcast-state.ts';
export type { OperatorStateSnapshot } from './state/operator-state.ts';

// Windows
export { WindowedStream } from './api/windowed-stream.ts';
export {
  CoGroupedStreams,
  JoinedStreams,
  JoinEqualTo,
  JoinWhere,
  WindowedCoGroup,
  WindowedJoin,
  type CoGroupFunction,
  type JoinFunction,
  type TaggedUnion,
} from './api/join.ts';
export type { Window } from './windowing/windows/window.ts';
export { TimeWindow } from './windowing/windows/time-window.ts';
export { GlobalWindow } from './windowing/windows/global-window.ts';
export {
  isMergingWindowAssigner,
  type MergingWindowAssigner,
  type WindowAssigner,
  type WindowAssignerContext,
} from './windowing/assigners/window-assigner.ts';
export { TumblingEventTimeWindows } from './windowing/assigners/tumbling-event-time-windows.ts';
export { TumblingProcessingTimeWindows } from './windowing/assigners/tumbling-processing-time-windows.ts';
export { SlidingEventTimeWindows } from './windowing/assigners/sliding-event-time-windows.ts';
export { SlidingProcessingTimeWindows } from './windowing/assigners/sliding-processing-time-windows.ts';
export { EventTimeSessionWindows } from './windowing/assigners/event-time-session-windows.ts';
export { ProcessingTimeSessionWindows } from './windowing/assigners/processing-time-session-windows.ts';
export { GlobalWindows } from './windowing/assigners/global-windows.ts';
export {
  TriggerResult,
  type KeyedStateStore,
  type OnMergeContext,
  type Trigger,
  type TriggerContext,
} from './windowing/triggers/trigger.ts';
export { EventTimeTrigger } from './windowing/triggers/event-time-trigger.ts';
export { ProcessingTimeTrigger } from './windowing/triggers/processing-time-trigger.ts';
export { CountTrigger } from './windowing/triggers/count-trigger.ts';
export { ContinuousEventTimeTrigger } from './windowing/triggers/continuous-event-time-trigger.ts';
export { ContinuousProcessingTimeTrigger } from './windowing/triggers/continuous-processing-time-trigger.ts';
export { PurgingTrigger } from './windowing/triggers/purging-trigger.ts';
export { NeverTrigger } from './windowing/triggers/never-trigger.ts';
export type { Evictor, EvictorContext, TimestampedValue } from './windowing/evictors/evictor.ts';
export { CountEvictor } from './windowing/evictors/count-evictor.ts';
export { TimeEvictor } from './windowing/evictors/time-evictor.ts';
export type { ProcessWindowContext, ProcessWindowFunction } from './windowing/process-window-function.ts';

// State snapshots
export {
  KEYED_STATE_SNAPSHOT_VERSION,
  decodeKeyGroupSnapshots,
  encodeKeyGroupSnapshots,
  type KeyGroupSnapshot,
  type NamespaceSnapshot,
  type StateSnapshot,
  type TimerEntriesSnapshot,
  type TimerServiceSnapshot,
} from './state/snapshot-format.ts';

// Checkpoint storage
export { type CheckpointRef, CheckpointPaths, METADATA_FILE_NAME } from './checkpoint/paths.ts';
export {
  CHECKPOINT_FORMAT_VERSION,
  decodeCheckpointMetadata,
  encodeCheckpointMetadata,
  refOf,
  type CheckpointFileEntry,
  type CheckpointMetadata,
  type CheckpointMetadataBody,
  type JsonValue,
} from './checkpoint/metadata.ts';
export type { CheckpointStorage, StoredFile } from './checkpoint/storage.ts';
export { FsCheckpointStorage, type FsCheckpointStorageOptions } from './checkpoint/fs-checkpoint-storage.ts';
export { S3CheckpointStorage, type S3CheckpointStorageOptions } from './checkpoint/s3-checkpoint-storage.ts';
export { decideRetry, isRetriableS3Error, type RetryDecision, type RetryPolicy } from './checkpoint/s3-retry.ts';
export {
  chooseCheckpointToRestore,
  decideOnCancel,
  decideRetention,
  judgeCheckpoint,
  type CancelDecision,
  type CheckpointInspection,
  type CheckpointVerdict,
  type RestoreDecision,
  type RetentionDecision,
  type SkippedVerdict,
  type SkipReason,
} from './checkpoint/decisions.ts';
export {
  CheckpointStore,
  type CheckpointInfo,
  type CheckpointLogger,
  type CheckpointStoreOptions,
  type NewCheckpoint,
  type NewCheckpointBody,
  type VerifiedCheckpoint,
} from './checkpoint/checkpoint-store.ts';
export {
  checkpointConfigOf,
  type CheckpointConfig,
  type CheckpointingMode,
  type CheckpointingOptions,
  type RestoreFrom,
} from './checkpoint/checkpoint-config.ts';
export {
  decideOnCheckpointFailure,
  decideTrigger,
  type FailureDecision,
  type TriggerDecision,
  type TriggerInputs,
} from './checkpoint/trigger-decisions.ts';
export {
  decideRestart,
  RestartStrategies,
  type RestartDecision,
  type RestartStrategy,
} from './runtime/restart-strategy.ts';
export type {
  OperatorSnapshot,
  RestorableTimerService,
  RestoredOperatorState,
} from './runtime/stream-operator.ts';
export { createKafkaClient } from './connectors/kafka/create-kafka-client.ts';
export {
  DEFAULT_KAFKA_CLIENT_LIBRARY,
  type KafkaClientConfig,
  type KafkaSaslConfig,
} from './connectors/kafka/kafka-client-config.ts';
export { KafkaClientError, type KafkaClientErrorKind } from './connectors/kafka/kafka-client-error.ts';
export type {
  KafkaAdmin,
  KafkaClient,
  KafkaClientLibrary,
  KafkaConsumer,
  KafkaConsumerOptions,
  KafkaHeader,
  KafkaProducer,
  KafkaProducerOptions,
  KafkaProducerRecord,
  KafkaRecord,
  KafkaRecordBatch,
  KafkaTransactionalProducer,
  KafkaTransactionalProducerOptions,
  NewTopic,
  OffsetSpec,
  PartitionOffset,
  TopicPartition,
} from './connectors/kafka/kafka-client.ts';
export { KafkaSink } from './connectors/kafka/sink/kafka-sink.ts';
export type {
  KafkaDeliveryGuarantee,
  KafkaHeadersLike,
  KafkaKeyLike,
  KafkaSinkOptions,
  KafkaValueSerializer,
} from './connectors/kafka/sink/kafka-sink-options.ts';
export { KAFKA_SINK_METRICS } from './connectors/kafka/sink/kafka-sink-metrics.ts';
export type { KafkaSinkCommittable } from './connectors/kafka/sink/exactly-once-protocol.ts';
export type { EncodedRecords } from './connectors/kafka/sink/epoch-buffer.ts';
export { KafkaSource } from './connectors/kafka/source/kafka-source.ts';
export {
  KafkaDeserializers,
  type KafkaRecordDeserializer,
} from './connectors/kafka/source/deserializer.ts';
export type {
  KafkaSourceOptions,
  KafkaStartingOffsets,
  KafkaStopOffsets,
} from './connectors/kafka/source/kafka-source-options.ts';
export type {
  KafkaEnumeratorState,
  KafkaPartitionSplit,
  PendingDeadLetter,
} from './connectors/kafka/source/kafka-partition-split.ts';
export { KAFKA_SOURCE_METRICS } from './connectors/kafka/source/kafka-source-metrics.ts';
export { DEAD_LETTER_HEADERS } from './connectors/kafka/source/dead-letter-writer.ts';

// Avro and the schema-registry wire format
export type {
  AvroArraySchema,
  AvroEnumSchema,
  AvroField,
  AvroFixedSchema,
  AvroLogicalType,
  AvroMapSchema,
  AvroNamedSchema,
  AvroPrimitiveName,
  AvroPrimitiveSchema,
  AvroRecordSchema,
  AvroSchema,
  AvroUnionSchema,
} from './connectors/kafka/avro/avro-schema.ts';
export { isParsedAvroSchema, parseAvroSchema } from './connectors/kafka/avro/parse-avro-schema.ts';
export type { AvroLongMode } from './connectors/kafka/avro/avro-decode-parts.ts';
export {
  compileAvroDecoder,
  type AvroDecodeFunction,
  type AvroDecoderOptions,
} from './connectors/kafka/avro/avro-decoder.ts';
export { compileAvroEncoder, type AvroEncodeFunction } from './connectors/kafka/avro/avro-encoder.ts';
export {
  readSchemaId,
  SCHEMA_REGISTRY_MAGIC_BYTE,
  schemaRegistryHeader,
} from './connectors/kafka/avro/schema-registry-wire-format.ts';
export {
  SchemaRegistryClient,
  SchemaRegistryError,
  type RegisteredSchema,
  type SchemaRegistryClientOptions,
} from './connectors/kafka/avro/schema-registry-client.ts';
export { avroDeserializer, type AvroDeserializerOptions } from './connectors/kafka/avro/avro-deserializer.ts';
export {
  avroSerializer,
  type AvroSerializerOptions,
  type AvroValueSerializer,
} from './connectors/kafka/avro/avro-serializer.ts';
