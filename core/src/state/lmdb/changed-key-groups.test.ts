// The bookkeeping of incremental snapshots (pure logic; internal, so imported relatively).
import { describe, expect, it } from 'vitest';
import { ChangedKeyGroups } from './changed-key-groups.ts';

type Step =
  | ['mark', number]
  | ['take', number, { base: number | undefined; changed: number[] }]
  | ['complete', number]
  | ['reset'];

const RANGE = { start: 10, end: 15 };

function run(steps: Step[]): void {
  const changes = new ChangedKeyGroups(RANGE);
  for (const step of steps) {
    if (step[0] === 'mark') changes.mark(step[1]);
    else if (step[0] === 'complete') changes.complete(step[1]);
    else if (step[0] === 'reset') changes.reset();
    else {
      const decision = changes.take(step[1]);
      const all = [10, 11, 12, 13, 14, 15];
      expect(decision).toEqual({
        baseCheckpointId: step[2].base,
        changed: step[2].changed,
        unchanged: all.filter((g) => !step[2].changed.includes(g)),
      });
    }
  }
}

const ALL = [10, 11, 12, 13, 14, 15];

describe('ChangedKeyGroups', () => {
  it.each<[string, Step[]]>([
    [
      'the first snapshot is full',
      [
        ['mark', 12],
        ['take', 1, { base: undefined, changed: ALL }],
      ],
    ],
    [
      'until one completes, every snapshot is full',
      [
        ['take', 1, { base: undefined, changed: ALL }],
        ['take', 2, { base: undefined, changed: ALL }],
        ['complete', 2],
        ['take', 3, { base: 2, changed: [] }],
      ],
    ],
    [
      'after a completed snapshot, only the marked groups',
      [
        ['take', 1, { base: undefined, changed: ALL }],
        ['complete', 1],
        ['mark', 13],
        ['mark', 10],
        ['mark', 13],
        ['take', 2, { base: 1, changed: [10, 13] }],
        ['complete', 2],
        ['take', 3, { base: 2, changed: [] }],
      ],
    ],
    [
      'a snapshot that never completes keeps its changes in the next one',
      [
        ['take', 1, { base: undefined, changed: ALL }],
        ['complete', 1],
        ['mark', 11],
        ['take', 2, { base: 1, changed: [11] }], // aborted
        ['mark', 14],
        ['take', 3, { base: 1, changed: [11, 14] }],
        ['complete', 3],
        ['mark', 15],
        ['take', 4, { base: 3, changed: [15] }],
      ],
    ],
    [
      'completing an older pending snapshot keeps the changes of newer pending ones',
      [
        ['take', 1, { base: undefined, changed: ALL }],
        ['complete', 1],
        ['mark', 11],
        ['take', 2, { base: 1, changed: [11] }],
        ['mark', 12],
        ['take', 3, { base: 1, changed: [11, 12] }],
        ['complete', 2],
        ['take', 4, { base: 2, changed: [12] }],
      ],
    ],
    [
      'an unknown or stale completion changes nothing',
      [
        ['take', 5, { base: undefined, changed: ALL }],
        ['complete', 5],
        ['complete', 99],
        ['complete', 4],
        ['mark', 10],
        ['take', 6, { base: 5, changed: [10] }],
      ],
    ],
    [
      'reset forgets the baseline',
      [
        ['take', 1, { base: undefined, changed: ALL }],
        ['complete', 1],
        ['reset'],
        ['take', 2, { base: undefined, changed: ALL }],
      ],
    ],
  ])('%s', (_, steps) => run(steps));
});
