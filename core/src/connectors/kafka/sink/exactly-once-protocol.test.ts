import { describe, expect, it } from 'vitest';
import {
  defaultTransactionalIdPrefix,
  type KafkaSinkCommittable,
  markerGroupOf,
  planCommits,
  removedWriterSubtasks,
  shouldResetMarker,
  transactionalIdOf,
} from './exactly-once-protocol.ts';

const epoch = (writer: number, checkpointId: number): KafkaSinkCommittable => ({
  writer,
  checkpointId,
  records: { topics: [], count: 0, bytes: new Uint8Array(0) },
  payloadBytes: 0,
});
const ids = (list: readonly KafkaSinkCommittable[]) => list.map((c) => c.checkpointId);

describe('exactly-once Kafka sink protocol', () => {
  it.each([
    { name: 'nothing committed yet', markers: [], writer0: { marker: 6, epochs: [5, 6], skipped: [] } },
    {
      name: 'a crash after commit: epoch 5 is in',
      markers: [[0, 5]],
      writer0: { marker: 6, epochs: [6], skipped: [5] },
    },
    {
      name: 'all in (recovery after the last commit)',
      markers: [[0, 6]],
      writer0: { marker: 6, epochs: [], skipped: [5, 6] },
    },
    {
      name: 'finished (end-of-input marker)',
      markers: [[0, Number.MAX_SAFE_INTEGER]],
      writer0: { marker: Number.MAX_SAFE_INTEGER, epochs: [], skipped: [5, 6] },
    },
  ])('plans one transaction per writer above its marker: $name', ({ markers, writer0 }) => {
    const plans = planCommits([epoch(0, 6), epoch(2, 4), epoch(0, 5)], new Map(markers as [number, number][]));
    expect(
      plans.map((p) => ({ writer: p.writer, marker: p.marker, epochs: ids(p.epochs), skipped: ids(p.skipped) })),
    ).toEqual([
      { writer: 0, ...writer0 },
      { writer: 2, marker: 4, epochs: [4], skipped: [] },
    ]);
  });

  it.each([
    { subtask: 0, parallelism: 2, restored: 2, removed: [] },
    { subtask: 0, parallelism: 2, restored: 5, removed: [2, 4] },
    { subtask: 1, parallelism: 2, restored: 5, removed: [3] },
    { subtask: 0, parallelism: 4, restored: 2, removed: [] },
  ])(
    'subtask $subtask of $parallelism fences removed writers $removed (was $restored)',
    ({ subtask, parallelism, restored, removed }) => {
      expect(removedWriterSubtasks(subtask, parallelism, restored)).toEqual(removed);
    },
  );

  it.each([
    { subtask: 0, restoredCheckpointId: undefined, restoredParallelism: undefined, reset: true },
    { subtask: 1, restoredCheckpointId: 12, restoredParallelism: 2, reset: false },
    { subtask: 2, restoredCheckpointId: 12, restoredParallelism: 2, reset: true },
    { subtask: 2, restoredCheckpointId: 12, restoredParallelism: undefined, reset: false },
  ])('resets the marker of subtask $subtask (restored $restoredCheckpointId at $restoredParallelism): $reset', (c) => {
    expect(shouldResetMarker(c.subtask, c.restoredCheckpointId, c.restoredParallelism)).toBe(c.reset);
  });

  it('names transactional ids and marker groups per subtask', () => {
    const prefix = defaultTransactionalIdPrefix('alerts sink/v2');
    expect(prefix).toBe('sluice-alerts_sink_v2');
    expect(transactionalIdOf(prefix, 3)).toBe('sluice-alerts_sink_v2-3');
    expect(markerGroupOf(prefix, 3)).toBe('sluice-alerts_sink_v2-3');
  });
});
