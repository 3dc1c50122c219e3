import {
  type CheckpointMetadata,
  decodeCheckpointMetadata,
  encodeCheckpointMetadata,
  refOf,
  SluiceError,
} from '@sluice/core';
import { describe, expect, it } from 'vitest';

const DIGEST = 'a'.repeat(64);

const meta: CheckpointMetadata = {
  kind: 'checkpoint',
  formatVersion: 1,
  jobId: 'orders',
  checkpointId: 4,
  triggeredAt: 1_000,
  completedAt: 1_250,
  totalSizeBytes: 30,
  sourcePositions: { 'orders-source': { 'orders-1': '977', 'orders-0': '1042' } },
  files: [
    { path: 'a/kg-0', sizeBytes: 10, sha256: DIGEST },
    { path: 'b/kg-0', sizeBytes: 20, sha256: DIGEST },
  ],
};

function text(value: unknown): string {
  return JSON.stringify(value);
}

function corruptCode(input: string): string | undefined {
  try {
    decodeCheckpointMetadata(input, 'chk-4/_metadata');
    return undefined;
  } catch (e) {
    expect(e).toBeInstanceOf(SluiceError);
    expect((e as SluiceError).message).toContain('chk-4/_metadata');
    expect((e as SluiceError).retriable).toBe(false);
    return (e as SluiceError).code;
  }
}

describe('checkpoint metadata', () => {
  it('round-trips through canonical JSON with sorted keys', () => {
    const bytes = encodeCheckpointMetadata(meta);
    expect(decodeCheckpointMetadata(bytes)).toEqual(meta);
    const json = new TextDecoder().decode(bytes);
    expect(json.indexOf('"orders-0"')).toBeLessThan(json.indexOf('"orders-1"'));
    expect(json.indexOf('"checkpointId"')).toBeLessThan(json.indexOf('"completedAt"'));
    // Key order of the input does not matter: equal records give equal bytes.
    const reordered = { ...meta, sourcePositions: { 'orders-source': { 'orders-0': '1042', 'orders-1': '977' } } };
    expect(encodeCheckpointMetadata(reordered)).toEqual(bytes);
  });

  it('round-trips a savepoint and knows its ref', () => {
    const sp: CheckpointMetadata = { ...meta, kind: 'savepoint', savepointId: 'v2' };
    expect(decodeCheckpointMetadata(encodeCheckpointMetadata(sp))).toEqual(sp);
    expect(refOf(sp)).toEqual({ kind: 'savepoint', savepointId: 'v2' });
    expect(refOf(meta)).toEqual({ kind: 'checkpoint', checkpointId: 4 });
  });

  it.each([
    ['not JSON', '{"formatVersion":1,'],
    ['an array', '[]'],
    ['another format version', text({ ...meta, formatVersion: 2 })],
    ['an unknown kind', text({ ...meta, kind: 'snapshot' })],
    ['a negative checkpoint id', text({ ...meta, checkpointId: -1 })],
    ['completion before trigger', text({ ...meta, completedAt: 999 })],
    ['a wrong total size', text({ ...meta, totalSizeBytes: 31 })],
    ['files that are not an array', text({ ...meta, files: {} })],
    ['a file path escaping the directory', text({ ...meta, files: [{ path: '../x', sizeBytes: 30, sha256: DIGEST }] })],
    ['a bad digest', text({ ...meta, files: [{ path: 'a', sizeBytes: 30, sha256: 'xyz' }] })],
    ['a duplicate file', text({ ...meta, files: [meta.files[0], { ...meta.files[0], sizeBytes: 20 }] })],
    ['missing source positions', text({ ...meta, sourcePositions: undefined })],
    ['a savepoint without id', text({ ...meta, kind: 'savepoint' })],
  ])('rejects %s as CORRUPT_CHECKPOINT', (_name, input) => {
    expect(corruptCode(input)).toBe('CORRUPT_CHECKPOINT');
  });

  it('rejects bytes that are not UTF-8', () => {
    expect(() => decodeCheckpointMetadata(new Uint8Array([0xff, 0xfe, 0x00]))).toThrow(/not UTF-8 JSON/);
  });

  it('refuses to encode values JSON cannot hold', () => {
    expect(() => encodeCheckpointMetadata({ ...meta, sourcePositions: { s: Number.NaN } })).toThrow(/NaN/);
    const withBigInt = { ...meta, sourcePositions: { s: 5n as unknown as string } };
    expect(() => encodeCheckpointMetadata(withBigInt)).toThrow(/plain JSON data only/);
    // The writer never writes what the reader would reject.
    expect(() => encodeCheckpointMetadata({ ...meta, completedAt: 999 })).toThrow(
      expect.objectContaining({ code: 'INVALID_ARGUMENT', message: expect.stringMatching(/precedes 'triggeredAt'/) }),
    );
  });
});
