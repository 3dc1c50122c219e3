// Table tests of the pure restore rules (STYLE.md 7); they are internal, so imported relatively.
import { describe, expect, it } from 'vitest';
import { redistributeBroadcastState } from './broadcast-state.ts';
import { type OperatorStateSnapshot, redistributeOperatorState } from './operator-state.ts';

describe('operator list state redistribution (round-robin split)', () => {
  it.each<{ from: OperatorStateSnapshot[]; to: number; expected: OperatorStateSnapshot[] }>([
    { from: [{ o: [1, 2, 3] }], to: 2, expected: [{ o: [1, 3] }, { o: [2] }] },
    { from: [{ o: [1, 2] }, { o: [3] }], to: 1, expected: [{ o: [1, 2, 3] }] },
    { from: [{ o: [1] }, { o: [2] }, { o: [3] }], to: 2, expected: [{ o: [1, 3] }, { o: [2] }] },
    { from: [{ o: [1] }, {}], to: 3, expected: [{ o: [1] }, { o: [] }, { o: [] }] },
    {
      from: [{ a: ['x'], b: [] }],
      to: 2,
      expected: [
        { a: ['x'], b: [] },
        { a: [], b: [] },
      ],
    },
  ])('$from -> $to subtasks', ({ from, to, expected }) => {
    expect(redistributeOperatorState(from, to)).toEqual(expected);
  });

  it('restores every item exactly once at any parallelism', () => {
    const old = [{ offsets: [1, 2, 3, 4] }, { offsets: [5, 6, 7] }, { offsets: [] }];
    for (let p = 1; p <= 9; p++) {
      const items = redistributeOperatorState(old, p).flatMap((s) => s.offsets ?? []);
      expect(items.sort()).toEqual([1, 2, 3, 4, 5, 6, 7]);
    }
  });

  it('refuses a parallelism below 1', () => {
    expect(() => redistributeOperatorState([], 0)).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
  });
});

describe('broadcast state redistribution (copies)', () => {
  it('gives new subtask i the copy of old subtask i mod old parallelism', () => {
    const a = { rules: [['r', 1]] as const };
    const b = { rules: [['r', 1]] as const };
    expect(redistributeBroadcastState([a, b], 3)).toEqual([a, b, a]);
    expect(redistributeBroadcastState([a, b], 3)[2]).toBe(a);
    expect(redistributeBroadcastState([], 2)).toEqual([{}, {}]);
  });
});
