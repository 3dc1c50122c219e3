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
  type WatermarkGenerator,
  type WatermarkGeneratorContext,
  type WatermarkOutput,
  WatermarkStrategy,
} from './time/watermark-strategy.ts';

// API
export { StreamExecutionEnvironment, type EnvironmentOptions, type RuntimeMode } from './api/stream-execution-environment.ts';
export { DataStream, DataStreamSink } from './api/data-stream.ts';
export { KeyedStream } from './api/keyed-stream.ts';
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
export type { JobClient, JobExecutionResult, JobGraphDescription, JobStatus } from './api/job-client.ts';
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
export type { Sink, SinkWriter, SinkWriterContext } from './api/sink.ts';

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

// Connectors
export { CollectionSource } from './connectors/collection/collection-source.ts';
export { DataGeneratorSource, type DataGeneratorOptions, type GeneratorSplit } from './connectors/datagen/data-generator-source.ts';
export { SeededRandom } from './connectors/datagen/seeded-random.ts';
export { PrintSink } from './connectors/print/print-sink.ts';
export { CollectSink, type CollectedRecord } from './connectors/collect/collect-sink.ts';
