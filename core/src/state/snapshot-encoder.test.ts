// KeyGroupSnapshotEncoder writes key groups one at a time and must produce exactly what
// encodeKeyGroupSnapshots writes for the whole list (the canonical snapshot format).
import { decodeKeyGroupSnapshots, encodeKeyGroupSnapshots, type KeyGroupSnapshot, SluiceError } from '@sluice/core';
import { describe, expect, it } from 'vitest';
import { KeyGroupSnapshotEncoder } from './snapshot-format.ts';

function group(keyGroup: number, values: unknown[]): KeyGroupSnapshot {
  return {
    keyGroup,
    maxParallelism: 256,
    states: [
      {
        name: 'v',
        ttl: false,
        namespaces: [{ namespace: '', keys: values.map((_, i) => `k${keyGroup}-${i}`), values }],
      },
    ],
    timers: [],
  };
}

function encodeInSlices(groups: readonly KeyGroupSnapshot[]): Uint8Array {
  const encoder = new KeyGroupSnapshotEncoder();
  for (const g of groups) encoder.add(g);
  expect(encoder.size).toBe(groups.length);
  return encoder.finish();
}

describe('KeyGroupSnapshotEncoder', () => {
  it('writes the bytes of encodeKeyGroupSnapshots, also for 0 and for more than 127 groups', () => {
    for (const n of [0, 1, 3, 200]) {
      const groups = Array.from({ length: n }, (_, g) => group(g, [g, { n: g, at: new Date(g) }, [g, 10n ** 20n]]));
      const bytes = encodeInSlices(groups);
      expect(Buffer.from(bytes).equals(Buffer.from(encodeKeyGroupSnapshots(groups)))).toBe(true);
      expect(decodeKeyGroupSnapshots(bytes)).toEqual(groups);
    }
  });

  it('writes an object shared between key groups once, as one encoding of the list does', () => {
    const shared = { rule: 'r1', limits: [1, 2] };
    const groups = [group(1, [shared, 1]), group(2, [2, shared]), group(3, [[shared]])];
    const bytes = encodeInSlices(groups);
    expect(Buffer.from(bytes).equals(Buffer.from(encodeKeyGroupSnapshots(groups)))).toBe(true);
    const decoded = decodeKeyGroupSnapshots(bytes);
    const first = decoded[0]?.states[0]?.namespaces[0]?.values[0];
    expect(first).toEqual(shared);
    expect(decoded[1]?.states[0]?.namespaces[0]?.values[1]).toBe(first);
    expect((decoded[2]?.states[0]?.namespaces[0]?.values[0] as unknown[])[0]).toBe(first);
  });

  it('refuses values that cannot be serialized with INVALID_ARGUMENT, and use after finish', () => {
    const encoder = new KeyGroupSnapshotEncoder();
    expect(() => encoder.add(group(1, [() => 1]))).toThrow(SluiceError);
    const done = new KeyGroupSnapshotEncoder();
    done.finish();
    expect(() => done.add(group(1, [1]))).toThrow(/already finished/);
  });
});
