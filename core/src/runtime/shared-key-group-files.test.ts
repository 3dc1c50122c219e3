import { SluiceError } from '@sluice/core';
import { describe, expect, it } from 'vitest';
import { SharedKeyGroupFiles } from './shared-key-group-files.ts';

const decision = (checkpointId: number, baseCheckpointId: number | undefined, unchangedKeyGroups: number[]) => ({
  checkpointId,
  baseCheckpointId,
  changedKeyGroups: [],
  unchangedKeyGroups,
});

describe('SharedKeyGroupFiles', () => {
  it('references the files of unchanged key groups from the completed baseline only', () => {
    const files = new SharedKeyGroupFiles('my op');
    const a = files.pathFor(1, 1);
    expect(a).toMatch(/^my%20op\/kg-1-chk-1-[0-9a-f]{8}$/);
    expect(files.begin(decision(1, undefined, []))).toEqual([]);
    files.finish(1, [
      { keyGroup: 1, path: a },
      { keyGroup: 2, path: files.pathFor(2, 1) },
    ]);
    // Checkpoint 2 starts before 1 completed: relative to nothing, so full.
    expect(files.begin(decision(2, undefined, []))).toEqual([]);
    expect(files.complete(1)).toBe(true);
    // Key group 3 had no state at checkpoint 1: nothing to reference.
    expect(files.begin(decision(3, 1, [1, 3]))).toEqual([{ keyGroup: 1, path: a }]);
    files.finish(3, [{ keyGroup: 2, path: files.pathFor(2, 3) }]);
    expect(files.complete(3)).toBe(true);
    expect(files.complete(2)).toBe(false); // subsumed by 3
    expect(files.begin(decision(4, 3, [1, 2]))).toEqual([
      { keyGroup: 1, path: a },
      { keyGroup: 2, path: files.pathFor(2, 3) },
    ]);
  });

  it('refuses a baseline it does not know (the backend and the files disagree)', () => {
    const files = new SharedKeyGroupFiles('op');
    files.begin(decision(1, undefined, []));
    const error = (() => {
      try {
        files.begin(decision(2, 1, [0]));
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(SluiceError);
    expect((error as SluiceError).code).toBe('ILLEGAL_STATE');
  });
});
