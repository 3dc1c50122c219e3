import { CheckpointPaths, METADATA_FILE_NAME, SluiceError } from '@sluice/core';
import { describe, expect, it } from 'vitest';

describe('CheckpointPaths', () => {
  const paths = new CheckpointPaths('orders');

  it('builds the documented layout', () => {
    expect(paths.jobDir).toBe('orders');
    expect(paths.sharedDir).toBe('orders/shared');
    expect(paths.checkpointDir(7)).toBe('orders/chk-7');
    expect(paths.metadataFile({ kind: 'checkpoint', checkpointId: 7 })).toBe(`orders/chk-7/${METADATA_FILE_NAME}`);
    expect(paths.stateFile({ kind: 'checkpoint', checkpointId: 0 }, 'counts/kg-0-127')).toBe(
      'orders/chk-0/counts/kg-0-127',
    );
    expect(paths.savepointDir('before-upgrade')).toBe('orders/savepoints/sp-before-upgrade');
    expect(paths.metadataFile({ kind: 'savepoint', savepointId: 'v2' })).toBe('orders/savepoints/sp-v2/_metadata');
  });

  it.each([
    ['chk-0', 0],
    ['chk-12', 12],
    ['chk-012', undefined],
    ['chk-', undefined],
    ['chk-1a', undefined],
    ['shared', undefined],
    ['savepoints', undefined],
  ])('parses directory name %s as %s', (name, id) => {
    expect(CheckpointPaths.parseCheckpointDirName(name)).toBe(id);
  });

  it('parses savepoint directory names', () => {
    expect(CheckpointPaths.parseSavepointDirName('sp-v2.1')).toBe('v2.1');
    expect(CheckpointPaths.parseSavepointDirName('chk-1')).toBeUndefined();
  });

  it.each([['../x'], ['a//b'], ['.hidden'], ['a/./b'], [METADATA_FILE_NAME], ['a b'], ['']])(
    'rejects state file path %j',
    (path) => {
      expect(() => paths.stateFile({ kind: 'checkpoint', checkpointId: 1 }, path)).toThrow(SluiceError);
    },
  );

  it('rejects bad job ids, checkpoint ids and savepoint ids', () => {
    expect(() => new CheckpointPaths('a/b')).toThrow(/Invalid job id/);
    expect(() => new CheckpointPaths('')).toThrow(/Invalid job id/);
    expect(() => paths.checkpointDir(-1)).toThrow(/non-negative integer/);
    expect(() => paths.checkpointDir(1.5)).toThrow(/non-negative integer/);
    expect(() => paths.savepointDir('../x')).toThrow(/Invalid savepoint id/);
  });
});
