import { serialize } from 'node:v8';
import { ManualClock, ValueStateDescriptor, decodeKeyGroupSnapshots } from '@sluice/core';
import { describe, expect, it } from 'vitest';
import { HeapKeyedStateBackend } from '../state/heap-keyed-state-backend.ts';
import type { StreamOperator } from './stream-operator.ts';
import { decodeSubtaskState, type SubtaskMeta, takeSubtaskSnapshot } from './subtask-state.ts';

const META: SubtaskMeta = { uid: 'counts', subtask: 1, parallelism: 2, maxParallelism: 128 };

/** An operator whose only state of its own is a list of offsets. */
function operatorWithListState(offsets: number[]): StreamOperator<unknown> {
  return { snapshotState: () => ({ listState: { offsets } }) } as unknown as StreamOperator<unknown>;
}

function backendWithCounts(n: number): HeapKeyedStateBackend {
  const backend = new HeapKeyedStateBackend({
    maxParallelism: 128,
    range: { start: 64, end: 127 },
    clock: new ManualClock(0),
  });
  const count = backend.getState(new ValueStateDescriptor<{ n: number }>('count'));
  for (let key = 0; key < n; key++) {
    const group = backend.range.start + (key % 64);
    backend.setCurrentKeyAndGroup(`k${key}`, group);
    count.update({ n: key });
  }
  return backend;
}

describe('subtask state files', () => {
  it('hold the heap snapshot behind their header without a copy, and read it back in place', async () => {
    const backend = backendWithCounts(5_000);
    const expected = backend.snapshot();
    const files = await takeSubtaskSnapshot(operatorWithListState([7, 8]), META, backend, 3, undefined);
    const bytes = files.state.bytes;
    expect(files.state.path).toBe('counts/1-of-2');

    const state = decodeSubtaskState(bytes, 'the test file');
    expect(state).toMatchObject({ ...META, operator: { listState: { offsets: [7, 8] } } });
    const keyed = state.keyed as Uint8Array;
    // The keyed bytes are a view of the file, ending where it ends: encoded into it, read in place.
    expect(keyed.buffer).toBe(bytes.buffer);
    expect(keyed.byteOffset + keyed.byteLength).toBe(bytes.byteLength);
    expect(decodeKeyGroupSnapshots(keyed)).toEqual(JSON.parse(JSON.stringify(expected)));
  });

  it('round-trip an operator without keyed state', async () => {
    const files = await takeSubtaskSnapshot(operatorWithListState([1]), META, undefined, 1, undefined);
    const state = decodeSubtaskState(files.state.bytes, 'the test file');
    expect(state.keyed).toBeUndefined();
    expect(state.operator).toEqual({ listState: { offsets: [1] } });
  });

  it('still read files written before the framed format (one node:v8 value)', () => {
    const legacy = serialize({
      magic: 'sluice-subtask-state',
      version: 1,
      state: { ...META, keyed: Uint8Array.of(1, 2, 3), operator: {} },
    });
    const state = decodeSubtaskState(legacy, 'an old file');
    expect(state.keyed).toEqual(Uint8Array.of(1, 2, 3));
    expect(state.uid).toBe('counts');
  });

  it('report damaged files as corrupt, not as state', async () => {
    const files = await takeSubtaskSnapshot(operatorWithListState([1]), META, backendWithCounts(10), 1, undefined);
    const bytes = files.state.bytes;
    const corrupt = expect.objectContaining({ code: 'CORRUPT_CHECKPOINT' });
    // Cut inside the header, or inside the frame's length field.
    expect(() => decodeSubtaskState(bytes.subarray(0, 20), 'f')).toThrow(corrupt);
    expect(() => decodeSubtaskState(bytes.subarray(0, 10), 'f')).toThrow(corrupt);
    // A file without keyed state followed by stray bytes.
    const plain = (await takeSubtaskSnapshot(operatorWithListState([1]), META, undefined, 1, undefined)).state.bytes;
    const stray = new Uint8Array(plain.length + 3);
    stray.set(plain);
    expect(() => decodeSubtaskState(stray, 'f')).toThrow(corrupt);
    // Cut inside the keyed bytes: the keyed snapshot's own checksum catches it.
    const cut = decodeSubtaskState(bytes.subarray(0, bytes.length - 5), 'f');
    expect(() => decodeKeyGroupSnapshots(cut.keyed as Uint8Array)).toThrow(corrupt);
  });
});
