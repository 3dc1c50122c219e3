import { crc32 } from 'node:zlib';
import { serialize } from 'node:v8';
import {
  KEYED_STATE_SNAPSHOT_VERSION,
  type KeyGroupSnapshot,
  SluiceError,
  decodeKeyGroupSnapshots,
  encodeKeyGroupSnapshots,
} from '@sluice/core';
import { describe, expect, it } from 'vitest';

const none = { keys: [], namespaces: [], timestamps: [] };

const snapshots: KeyGroupSnapshot[] = [
  {
    keyGroup: 7,
    maxParallelism: 128,
    states: [
      {
        name: 'totals',
        ttl: false,
        namespaces: [
          {
            namespace: '',
            keys: [2n ** 100n, -(2n ** 64n), 'a', 1.5, -0, true],
            values: [1n, new Map([['x', new Set([1, 2])]]), { at: new Date(5) }, [1, [2]], null, 'v'],
          },
        ],
      },
      {
        name: 'seen',
        ttl: true,
        namespaces: [{ namespace: '0:60000', keys: ['a'], values: [42], touchedAt: [1_700_000_000_000] }],
      },
    ],
    timers: [
      {
        name: 'window-timers',
        eventTime: { keys: [2n ** 70n], namespaces: ['0:60000'], timestamps: [59_999] },
        processingTime: none,
      },
    ],
  },
  { keyGroup: 9, maxParallelism: 128, states: [], timers: [{ name: 't', eventTime: none, processingTime: none }] },
];

function reframe(payload: Uint8Array, version = KEYED_STATE_SNAPSHOT_VERSION): Uint8Array {
  const out = new Uint8Array(10 + payload.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, 0x534c4b53);
  view.setUint16(4, version);
  view.setUint32(6, crc32(payload));
  out.set(payload, 10);
  return out;
}

describe('keyed-state snapshot bytes', () => {
  it("writes a window's timer keys once when they equal its state's keys, and decodes both", () => {
    const keys = Array.from({ length: 1000 }, (_, i) => i * 3);
    const group = (timerKeys: number[]): KeyGroupSnapshot => ({
      keyGroup: 1,
      maxParallelism: 128,
      states: [
        { name: 'counts', ttl: false, namespaces: [{ namespace: '0:1000', keys, values: keys.map((k) => k % 7) }] },
      ],
      timers: [
        {
          name: 'window-timers',
          eventTime: {
            keys: timerKeys,
            namespaces: timerKeys.map(() => '0:1000'),
            timestamps: timerKeys.map(() => 999),
          },
          processingTime: none,
        },
      ],
    });
    const same = group([...keys]);
    const other = group([...keys.slice(1), keys[0] as number]); // same keys, another order
    const sameBytes = encodeKeyGroupSnapshots([same]);
    const otherBytes = encodeKeyGroupSnapshots([other]);
    expect(decodeKeyGroupSnapshots(sameBytes)).toEqual([same]);
    expect(decodeKeyGroupSnapshots(otherBytes)).toEqual([other]);
    // 1000 int32 keys are 4000 bytes: written once, referred to the second time.
    expect(otherBytes.length - sameBytes.length).toBeGreaterThan(3900);
    const [decoded] = decodeKeyGroupSnapshots(sameBytes);
    const timerKeys = decoded?.timers[0]?.eventTime.keys as number[];
    timerKeys[0] = -1; // decoded columns are arrays of their own
    expect(decoded?.states[0]?.namespaces[0]?.keys[0]).toBe(0);
  });

  it('round-trips bigint keys and structured values', () => {
    const decoded = decodeKeyGroupSnapshots(encodeKeyGroupSnapshots(snapshots));
    expect(decoded).toEqual(snapshots);
    const keys = decoded[0]?.states[0]?.namespaces[0]?.keys ?? [];
    expect(keys[0]).toBe(2n ** 100n);
    expect(typeof keys[1]).toBe('bigint');
  });

  it.each<[string, (b: Uint8Array) => Uint8Array]>([
    ['a flipped payload byte', (b) => b.map((x, i) => (i === b.length - 3 ? x ^ 0x40 : x))],
    ['truncation', (b) => b.subarray(0, b.length - 5)],
    ['a missing header', (b) => b.subarray(0, 6)],
    ['another file type', (b) => b.map((x, i) => (i === 0 ? 0x7b : x))],
    ['a payload that is not v8 data', () => reframe(new Uint8Array([1, 2, 3, 4]))],
    ['a payload of the wrong shape', () => reframe(serialize([{ keyGroup: 1, states: 'no' }]))],
    [
      'columns that do not line up',
      () =>
        reframe(
          serialize([
            {
              keyGroup: 1,
              maxParallelism: 128,
              states: [{ name: 's', ttl: false, namespaces: [{ namespace: '', keys: [1], values: [] }] }],
              timers: [],
            },
          ]),
        ),
    ],
  ])('fails with CORRUPT_CHECKPOINT on %s', (_, damage) => {
    const bytes = damage(encodeKeyGroupSnapshots(snapshots));
    let error: unknown;
    try {
      decodeKeyGroupSnapshots(bytes);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(SluiceError);
    expect(error).toMatchObject({ code: 'CORRUPT_CHECKPOINT', retriable: false });
    expect((error as Error).message).toMatch(/corrupt.*earlier checkpoint/s);
  });

  it('refuses a newer format version', () => {
    const bytes = reframe(serialize(snapshots), KEYED_STATE_SNAPSHOT_VERSION + 1);
    expect(() => decodeKeyGroupSnapshots(bytes)).toThrow(expect.objectContaining({ code: 'SNAPSHOT_INCOMPATIBLE' }));
  });

  it('says which value cannot be serialized', () => {
    const bad: KeyGroupSnapshot = {
      keyGroup: 0,
      maxParallelism: 128,
      states: [{ name: 's', ttl: false, namespaces: [{ namespace: '', keys: ['k'], values: [() => 1] }] }],
      timers: [],
    };
    expect(() => encodeKeyGroupSnapshots([bad])).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
  });
});

const range = (n: number, f: (i: number) => unknown): unknown[] => Array.from({ length: n }, (_, i) => f(i));

describe('keyed-state snapshot format versions', () => {
  const groups: KeyGroupSnapshot[] = range(4, (g) => ({
    keyGroup: g,
    maxParallelism: 128,
    states: [
      {
        name: 'count',
        ttl: true,
        namespaces: [
          {
            namespace: '0:60000',
            keys: range(2_000, (i) => i * 4 + g),
            values: range(2_000, (i) => ({ n: i, last: 'x' })),
            touchedAt: range(2_000, () => 1_700_000_000_000),
          },
        ],
      },
    ],
    timers: [
      {
        name: 'window-timers',
        eventTime: {
          keys: range(2_000, (i) => i * 4 + g),
          namespaces: range(2_000, () => '0:60000'),
          timestamps: range(2_000, () => 59_999),
        },
        processingTime: { keys: [], namespaces: [], timestamps: [] },
      },
    ],
  })) as KeyGroupSnapshot[];

  it('still reads version 1 (every column a v8 array)', () => {
    expect(decodeKeyGroupSnapshots(reframe(serialize(groups), 1))).toEqual(groups);
  });

  it('writes version 2, a fraction of version 1 for regular columns, decoded to the same groups', () => {
    const bytes = encodeKeyGroupSnapshots(groups);
    expect(new DataView(bytes.buffer, bytes.byteOffset).getUint16(4)).toBe(2);
    expect(decodeKeyGroupSnapshots(bytes)).toEqual(groups);
    expect(bytes.byteLength * 3).toBeLessThan(serialize(groups).byteLength);
  });

  it('reports a damaged packed column as a corrupt checkpoint', () => {
    const bad = [
      {
        keyGroup: 1,
        maxParallelism: 128,
        states: [],
        timers: [
          {
            name: 't',
            eventTime: { keys: { p: 'zip' }, namespaces: [], timestamps: [] },
            processingTime: { keys: [], namespaces: [], timestamps: [] },
          },
        ],
      },
    ];
    expect(() => decodeKeyGroupSnapshots(reframe(serialize(bad), 2))).toThrow(
      expect.objectContaining({ code: 'CORRUPT_CHECKPOINT' }),
    );
  });
});
