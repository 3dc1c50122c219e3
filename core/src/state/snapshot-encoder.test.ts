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

  it('finishes in steps to the same bytes: nothing until the last step, big groups split across steps', () => {
    // Groups of ~0.1 MB and one of ~3 MB (strings of distinct values: not packed).
    const big = Array.from({ length: 3 * 16_384 }, (_, i) => `${i}`.padEnd(64, 'x'));
    const groups = [
      group(0, [1, 2]),
      group(1, big),
      ...Array.from({ length: 6 }, (_, g) => group(g + 2, big.slice(0, 1500))),
    ];
    const whole = encodeKeyGroupSnapshots(groups);
    expect(whole.length).toBeGreaterThan(3_500_000);
    for (const step of [1, 300_000, 2 << 20]) {
      const encoder = new KeyGroupSnapshotEncoder();
      for (const g of groups) encoder.add(g);
      let steps = 0;
      let bytes: Uint8Array | undefined;
      while ((bytes = encoder.finishStep(step)) === undefined) steps++;
      // A step copies at least one piece and at most ~max(step, 1 MiB) more than its budget.
      expect(steps).toBeGreaterThanOrEqual(Math.ceil(whole.length / Math.max(step, 1 << 20)) - 2);
      expect(Buffer.from(bytes).equals(Buffer.from(whole))).toBe(true);
      expect(() => encoder.finishStep(step)).toThrow(/already finished/);
      expect(() => encoder.add(group(9, [1]))).toThrow(/already finished/);
    }
  });

  it('leaves `reserve` zero bytes before the snapshot, in one step or many', () => {
    const groups = [group(0, [1, 2, 3]), group(1, ['a', { b: 2 }])];
    const whole = encodeKeyGroupSnapshots(groups);
    for (const step of [Number.POSITIVE_INFINITY, 7]) {
      const encoder = new KeyGroupSnapshotEncoder({ reserve: 13 });
      for (const g of groups) encoder.add(g);
      let bytes: Uint8Array | undefined;
      while ((bytes = encoder.finishStep(step)) === undefined);
      expect(bytes.length).toBe(13 + whole.length);
      expect([...bytes.subarray(0, 13)]).toEqual(new Array(13).fill(0));
      expect(Buffer.from(bytes.subarray(13)).equals(Buffer.from(whole))).toBe(true);
      expect(decodeKeyGroupSnapshots(bytes.subarray(13))).toEqual(groups);
    }
    expect(() => new KeyGroupSnapshotEncoder({ reserve: -1 })).toThrow(
      expect.objectContaining({ code: 'INVALID_ARGUMENT' }),
    );
  });

  it('refuses values that cannot be serialized with INVALID_ARGUMENT, and use after finish', () => {
    const encoder = new KeyGroupSnapshotEncoder();
    expect(() => encoder.add(group(1, [() => 1]))).toThrow(SluiceError);
    const done = new KeyGroupSnapshotEncoder();
    done.finish();
    expect(() => done.add(group(1, [1]))).toThrow(/already finished/);
  });
});
