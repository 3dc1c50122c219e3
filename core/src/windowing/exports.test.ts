import * as core from '@sluice/core';
import { describe, expect, it } from 'vitest';

// The public window surface changes only on purpose (STYLE.md 10).
describe('window exports', () => {
  it('exports the window API', () => {
    const names = [
      'WindowedStream',
      'JoinedStreams',
      'CoGroupedStreams',
      'JoinWhere',
      'JoinEqualTo',
      'WindowedJoin',
      'WindowedCoGroup',
      'TimeWindow',
      'GlobalWindow',
      'isMergingWindowAssigner',
      'TumblingEventTimeWindows',
      'TumblingProcessingTimeWindows',
      'SlidingEventTimeWindows',
      'SlidingProcessingTimeWindows',
      'EventTimeSessionWindows',
      'ProcessingTimeSessionWindows',
      'GlobalWindows',
      'TriggerResult',
      'EventTimeTrigger',
      'ProcessingTimeTrigger',
      'CountTrigger',
      'ContinuousEventTimeTrigger',
      'ContinuousProcessingTimeTrigger',
      'PurgingTrigger',
      'NeverTrigger',
      'CountEvictor',
      'TimeEvictor',
    ];
    for (const name of names) expect(core, name).toHaveProperty(name);
  });
});
