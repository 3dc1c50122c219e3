import { MessageChannel } from 'node:worker_threads';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Mailbox } from '../mailbox.ts';
import * as v8 from 'node:v8';
import { type BatchReceiver, type ColumnarBatch, ColumnarDecoder, ColumnarEncoder } from './columnar-batch.ts';
import {
  type CrossThreadCodec,
  OP_BARRIER,
  OP_END,
  OP_IDLE,
  OP_RECORD,
  OP_SPLITS,
  OP_TRIGGER,
  OP_WATERMARK,
  RemoteLink,
  receiveFlat,
} from './remote-link.ts';

// Runtime internals (not public API), tested over a real MessageChannel.

/** Entries have 6 slots in the flat form these tests compare: op, edge, consumer, channel, payload, timestamp. */
const ENTRY_SLOTS = 6;

/** A receiver that appends what it gets to `into`, flat. */
function collectInto(into: unknown[]): BatchReceiver {
  return {
    record: (edge, consumer, channel, value, timestamp) =>
      into.push(OP_RECORD, edge, consumer, channel, value, timestamp),
    control: (op, edge, consumer, channel, payload) => into.push(op, edge, consumer, channel, payload, 0),
  };
}

const ignore: BatchReceiver = { record: () => {}, control: () => {} };

/** Encodes flat entries into one batch. */
function encode(encoder: ColumnarEncoder, flat: readonly unknown[]): ColumnarBatch {
  receiveFlat(flat, encoder);
  return encoder.finish();
}

/** Decodes a batch into flat entries. */
function decode(decoder: ColumnarDecoder, batch: ColumnarBatch): unknown[] {
  const out: unknown[] = [];
  decoder.decode(batch, collectInto(out));
  return out;
}
describe('RemoteLink credit-based flow control', () => {
  it('keeps at most `credits` batches in flight and resumes when credits return', async () => {
    const { port1, port2 } = new MessageChannel();
    const received: unknown[][] = [];
    port2.on('message', (m) => received.push(m as unknown[]));
    const link = new RemoteLink(port1, new Mailbox(), ignore, { credits: 2, maxBatchRecords: 3 });
    for (let i = 0; i < 12; i++) link.record(0, 1, 0, i, i); // 4 full batches of 3 records
    link.flush();
    await new Promise((r) => setTimeout(r, 20));
    expect(received).toHaveLength(2);
    expect(link.blocked).toBe(true);
    port2.postMessage(1); // the receiver processed one batch
    await new Promise((r) => setTimeout(r, 20));
    expect(received).toHaveLength(3);
    port2.postMessage(1);
    await new Promise((r) => setTimeout(r, 20));
    expect(received).toHaveLength(4);
    expect(link.blocked).toBe(false);
    const values = received.flatMap((batch) => batch.filter((_, i) => i % 6 === 4));
    expect(values).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
    port1.close();
  });

  it('delivers batches on the mailbox and returns one credit per batch', async () => {
    const { port1, port2 } = new MessageChannel();
    const mailbox = new Mailbox();
    const delivered: unknown[] = [];
    new RemoteLink(port1, mailbox, collectInto(delivered));
    const credits: number[] = [];
    port2.on('message', (m) => credits.push(m as number));
    port2.postMessage([0, 0, 0, 0, 'x', 5]);
    await mailbox.waitForMail();
    expect(delivered).toEqual([]); // nothing runs outside the task loop
    mailbox.drain();
    expect(delivered).toEqual([0, 0, 0, 0, 'x', 5]);
    await new Promise((r) => setTimeout(r, 20));
    expect(credits).toEqual([1]);
    port1.close();
  });
});

/** One entry of a batch: [op, edge, consumer, channel, payload, timestamp]. */
type Entry = [number, number, number, number, unknown, number];

/**
 * Sends `entries` from one RemoteLink to another over a real MessageChannel and returns what the
 * receiving side delivered, flat (6 slots per entry).
 */
async function sendThrough(entries: readonly Entry[], codec: CrossThreadCodec, maxBatchRecords = 1024) {
  const { port1, port2 } = new MessageChannel();
  const mailbox = new Mailbox();
  const delivered: unknown[] = [];
  const sender = new RemoteLink(port1, new Mailbox(), ignore, { codec, maxBatchRecords });
  new RemoteLink(port2, mailbox, collectInto(delivered), { codec });
  for (const [op, edge, consumer, channel, payload, timestamp] of entries) {
    if (op === OP_RECORD) sender.record(edge, consumer, channel, payload, timestamp);
    else sender.control(op, edge, consumer, channel, payload);
  }
  sender.flush();
  while (delivered.length < entries.length * ENTRY_SLOTS) {
    await mailbox.waitForMail();
    mailbox.drain();
  }
  port1.close();
  return delivered;
}

/** What the 'json' codec gave before the columnar encoding: the whole batch through JSON. */
const viaJson = (entries: readonly Entry[]): unknown[] => JSON.parse(JSON.stringify(entries.flat())) as unknown[];

const record = (value: unknown, timestamp = 1_700_000_000_000, edge = 0, consumer = 1, channel = 0): Entry => [
  OP_RECORD,
  edge,
  consumer,
  channel,
  value,
  timestamp,
];

describe("RemoteLink 'json' codec (columnar batches)", () => {
  const uniform = Array.from({ length: 3000 }, (_, i) => record({ key: i % 100, time: Math.floor(i / 10) }, i));
  const strings = Array.from({ length: 50 }, (_, i) =>
    record({ id: i, name: `name-${i}`, note: i % 2 === 0 ? 'ünïcödé ✓ 🚀 \u2028 "q" \\' : '', ok: i % 3 === 0 }),
  );
  const control: Entry[] = [
    [OP_WATERMARK, 0, 1, 0, 1_700_000_000_000, 0],
    [OP_IDLE, 0, 1, 1, true, 0],
    [OP_BARRIER, 0, 1, 0, 7, 0],
    [OP_SPLITS, 3, 1, 0, [{ id: 'split-0', start: 0, end: 10 }], 0],
    [OP_SPLITS, 3, 1, 0, null, 0],
    [OP_TRIGGER, 0, 0, 0, { checkpointId: 8, options: { savepoint: false } }, 0],
    [OP_END, 0, 1, 0, 0, 0],
  ];
  const cases: [string, Entry[]][] = [
    ['records of one numeric shape, across several batches', uniform],
    ['string and boolean fields, unicode', strings],
    ['control entries only', control],
    [
      'control entries between records',
      [...uniform.slice(0, 5), ...control.slice(0, 3), ...uniform.slice(5, 9), ...control.slice(3)],
    ],
    [
      'mixed shapes (same keys in another order, other types, extra keys)',
      [
        record({ key: 1, time: 2 }),
        record({ time: 2, key: 1 }),
        record({ key: 'k', time: 2 }),
        record({ key: 1, time: 2, extra: true }),
        record({ key: 1 }),
        record({ key: 3, time: 4 }),
      ],
    ],
    [
      'values that are not flat records',
      [
        record({ nested: { a: 1 }, list: [1, 2] }),
        record([1, 'two', null]),
        record(null),
        record(undefined),
        record({}),
        record({ key: 1, missing: undefined }),
        record({ key: null }),
        record(new Date(0)),
        record(new Map([[1, 2]])),
        record(Object.assign(Object.create({ inherited: 1 }) as object, { own: 2 })),
        record(JSON.parse('{"__proto__": 5, "x": 1}')),
        record({ toJSON: () => 'custom' }),
      ],
    ],
    [
      'bare numbers, strings and booleans',
      [record(1), record(-2.5), record('s'), record(''), record(true), record(false), record(2 ** 53 + 2)],
    ],
    [
      'numbers JSON changes: -0, NaN, Infinity (kept as JSON makes them)',
      [
        record({ x: -0, y: 1 }),
        record({ x: Number.NaN, y: 1 }),
        record({ x: Number.POSITIVE_INFINITY, y: 1 }),
        record({ x: Number.MAX_SAFE_INTEGER, y: Number.MIN_VALUE }),
        record(-0),
        record(Number.NaN),
        record(Number.NEGATIVE_INFINITY),
        record({ x: 0.1 + 0.2, y: -1e-300 }),
      ],
    ],
    ['integer-like keys', [record({ 2: 'b', 1: 'a', z: 0 }), record({ 1: 'c', 2: 'd', z: 1 })]],
    ['many shapes in one batch', Array.from({ length: 40 }, (_, i) => record({ [`k${i % 20}`]: i }))],
  ];

  it.each(cases)('delivers what JSON gave: %s', async (_name, entries) => {
    expect(await sendThrough(entries, 'json', 1024)).toEqual(viaJson(entries));
    expect(await sendThrough(entries, 'json', 7)).toEqual(viaJson(entries));
  });

  it('gives every record of a shape one hidden structure (own keys, order, plain prototype)', async () => {
    const out = await sendThrough([record({ b: 1, a: 'x', c: false }), record({ b: 2, a: 'y', c: true })], 'json');
    const values = out.filter((_, i) => i % ENTRY_SLOTS === 4) as object[];
    for (const v of values) {
      expect(Object.getPrototypeOf(v)).toBe(Object.prototype);
      expect(Object.keys(v)).toEqual(['b', 'a', 'c']);
    }
  });

  it('carries timestamps and headers exactly (JSON turned a NaN timestamp into null)', async () => {
    const entries: Entry[] = [
      record({ v: 1 }, Number.MIN_SAFE_INTEGER, 65_000, 70_000, 3),
      record({ v: 2 }, Number.NaN),
      record({ v: 3 }, -0),
      record({ v: 4 }, 2 ** 53 - 1),
    ];
    const out = await sendThrough(entries, 'json');
    expect(out).toEqual(entries.flat());
    expect(Object.is(out[11], Number.NaN)).toBe(true);
    expect(Object.is(out[17], -0)).toBe(true);
  });

  it('sends the same entries unchanged with structured clone', async () => {
    const entries = [...uniform.slice(0, 10), ...control, record(new Map([[1, { a: 2n }]]))];
    expect(await sendThrough(entries, 'structured-clone')).toEqual(entries.flat());
  });

  it('moves the batch buffer instead of copying it (detached at the sender)', () => {
    const batch = encode(new ColumnarEncoder(), uniform.slice(0, 4).flat());
    const { port1 } = new MessageChannel();
    port1.postMessage(batch, [batch.buf]);
    expect(batch.buf.byteLength).toBe(0);
    port1.close();
  });

  it('decodes integral numbers as small integers: decoded and local records keep one hidden class', () => {
    // %HaveSameMap is V8's own check; the flag only affects functions compiled while it is set.
    v8.setFlagsFromString('--allow-natives-syntax');
    const sameMap = new Function('a', 'b', 'return %HaveSameMap(a, b)') as (a: object, b: object) => boolean;
    v8.setFlagsFromString('--no-allow-natives-syntax');
    // Keys used by no other test, so this shape's hidden class is fresh.
    const local = (i: number) => ({ smiKey: i, smiAt: i * 1000 });
    const before = local(1);
    const flat = [record(local(2), 5), record(local(3), 6)].flat();
    const out = decode(new ColumnarDecoder(), encode(new ColumnarEncoder(), flat));
    expect(out).toEqual(flat);
    // A double stored into the field would have given the decoded object (and every later local
    // one) another hidden class, with boxed numbers.
    expect(sameMap(out[4] as object, before)).toBe(true);
    expect(sameMap(local(4), before)).toBe(true);
  });

  it('starts a new batch after a payload JSON cannot encode', () => {
    const encoder = new ColumnarEncoder();
    encoder.record(0, 1, 0, { n: 1 }, 1);
    encoder.record(0, 1, 0, { big: 10n }, 2);
    expect(() => encoder.finish()).toThrow(/BigInt/);
    expect(encoder.size).toBe(0);
    const entries = [record({ n: 2 }, 3), record('s', 4)];
    expect(decode(new ColumnarDecoder(), encode(encoder, entries.flat()))).toEqual(entries.flat());
  });

  it('round-trips arbitrary JSON data like JSON does (property)', () => {
    const scalar = fc.oneof(fc.double(), fc.string({ unit: 'binary' }), fc.boolean(), fc.integer());
    const flat = fc.dictionary(fc.constantFrom('a', 'b', 'c', 'key', '1', 'time'), scalar, { maxKeys: 4 });
    const value = fc.oneof(scalar, flat, flat, fc.jsonValue(), fc.constant(undefined));
    const entry = fc.oneof(
      { weight: 8, arbitrary: value.map((v) => record(v, 5)) },
      { weight: 1, arbitrary: fc.jsonValue().map((v): Entry => [OP_WATERMARK, 0, 0, 0, v, 0]) },
    );
    const encoder = new ColumnarEncoder();
    const decoder = new ColumnarDecoder();
    fc.assert(
      fc.property(fc.array(entry, { maxLength: 60 }), (entries) => {
        const batch = encode(encoder, entries.flat());
        const received = structuredClone(batch, { transfer: [batch.buf] });
        expect(decode(decoder, received)).toEqual(viaJson(entries));
      }),
      { numRuns: 300 },
    );
  });
});
