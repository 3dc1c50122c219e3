import * as core from '@sluice/core';
import { describe, expect, it } from 'vitest';

// The whole public runtime surface of @sluice/core: it changes only on purpose (STYLE.md 10).
// Adding an export means adding it here (with TSDoc and a test that uses it).
describe('@sluice/core public surface', () => {
  it('exports exactly these runtime values', () => {
    expect(Object.keys(core).sort()).toEqual([
      'AggregatingStateDescriptor',
      'AsyncDataStream',
      'BroadcastConnectedStream',
      'BroadcastStream',
      'CoGroupedStreams',
      'CollectSink',
      'CollectionSource',
      'ConnectedStreams',
      'ContinuousEventTimeTrigger',
      'ContinuousProcessingTimeTrigger',
      'CountEvictor',
      'CountTrigger',
      'DEFAULT_ASYNC_CAPACITY',
      'DEFAULT_MAX_PARALLELISM',
      'DataGeneratorSource',
      'DataStream',
      'DataStreamSink',
      'ERROR_CODES',
      'EventTimeSessionWindows',
      'EventTimeTrigger',
      'GlobalWindow',
      'GlobalWindows',
      'IntervalJoin',
      'IntervalJoined',
      'JoinEqualTo',
      'JoinWhere',
      'JoinedStreams',
      'KeyedBroadcastConnectedStream',
      'KeyedConnectedStreams',
      'KeyedStream',
      'ListStateDescriptor',
      'MAX_WATERMARK',
      'MIN_WATERMARK',
      'ManualClock',
      'MapStateDescriptor',
      'NO_TIMESTAMP',
      'NeverTrigger',
      'OutputTag',
      'PrintSink',
      'ProcessingTimeSessionWindows',
      'ProcessingTimeTrigger',
      'PurgingTrigger',
      'ReducingStateDescriptor',
      'SeededRandom',
      'SlidingEventTimeWindows',
      'SlidingProcessingTimeWindows',
      'SluiceError',
      'StreamExecutionEnvironment',
      'SystemClock',
      'TestOperatorRunner',
      'TimeEvictor',
      'TimeWindow',
      'TriggerResult',
      'TumblingEventTimeWindows',
      'TumblingProcessingTimeWindows',
      'VERSION',
      'ValueStateDescriptor',
      'WatermarkStrategy',
      'WindowedCoGroup',
      'WindowedJoin',
      'WindowedStream',
      'defineJob',
      'isMergingWindowAssigner',
      'keyGroupOf',
      'loadJobDefinition',
      'startJob',
    ]);
  });

  it('keeps runtime internals out of reach', async () => {
    const internal = ['@sluice/core', 'internal', 'runtime', 'local-executor'].join('/');
    await expect(import(/* @vite-ignore */ internal)).rejects.toThrow(/not exported|internal/);
  });
});
