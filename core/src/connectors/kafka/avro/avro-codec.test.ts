import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compileAvroDecoder, compileAvroEncoder, SluiceError } from '../../../index.ts';

function roundTrip<T>(schema: unknown, value: T, options: { longs?: 'bigint' } = {}): unknown {
  const bytes = compileAvroEncoder<T>(schema as object)(value);
  return compileAvroDecoder(schema as object, options)(bytes);
}

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    return e instanceof SluiceError ? e.code : `not a SluiceError: ${String(e)}`;
  }
  return undefined;
}

const everything = {
  type: 'record',
  name: 'Everything',
  namespace: 'test.avro',
  fields: [
    { name: 'n', type: 'null' },
    { name: 'b', type: 'boolean' },
    { name: 'i', type: 'int' },
    { name: 'l', type: 'long' },
    { name: 'f', type: 'float' },
    { name: 'd', type: 'double' },
    { name: 'bytes', type: 'bytes' },
    { name: 's', type: 'string' },
    { name: 'e', type: { type: 'enum', name: 'Color', symbols: ['RED', 'GREEN', 'BLUE'] } },
    { name: 'fx', type: { type: 'fixed', name: 'Four', size: 4 } },
    { name: 'arr', type: { type: 'array', items: 'string' } },
    { name: 'm', type: { type: 'map', values: ['null', 'long'] } },
    { name: 'u', type: ['null', 'string', 'Color', { type: 'array', items: 'Four' }] },
    {
      name: 'inner',
      type: {
        type: 'record',
        name: 'Inner',
        fields: [
          { name: 'color', type: 'Color' },
          { name: 'when', type: { type: 'long', logicalType: 'timestamp-micros' } },
        ],
      },
    },
    { name: 'dec', type: { type: 'bytes', logicalType: 'decimal', precision: 30, scale: 4 } },
    { name: 'date', type: { type: 'int', logicalType: 'date' } },
  ],
};

describe('Avro codec round trips', () => {
  it('round-trips a record using every type', () => {
    const value = {
      n: null,
      b: true,
      i: -123456,
      l: 2 ** 40 + 7,
      f: 0.5,
      d: Math.PI,
      bytes: Buffer.from([0, 255, 7]),
      s: 'héllo wörld ✓ 𝄞',
      e: 'BLUE',
      fx: Buffer.from([1, 2, 3, 4]),
      arr: ['a', '', 'ccc'],
      m: { one: 1, none: null, big: -(2 ** 50) },
      u: [Buffer.from([9, 9, 9, 9])],
      inner: { color: 'GREEN', when: 1_700_000_000_123_456 },
      dec: '-12345678901234567890123.4560',
      date: -1,
    };
    expect(roundTrip(everything, value)).toEqual(value);
    expect(roundTrip(everything, { ...value, u: 'RED' })).toEqual({ ...value, u: 'RED' });
    expect(roundTrip(everything, { ...value, u: null })).toEqual({ ...value, u: null });
  });

  it('keeps int, long, float and double extremes exact', () => {
    for (const i of [0, 1, -1, 2 ** 31 - 1, -(2 ** 31), 12345, -999999]) expect(roundTrip('"int"', i)).toBe(i);
    for (const l of [
      0,
      2 ** 31,
      -(2 ** 31) - 1,
      2 ** 32,
      -(2 ** 32),
      2 ** 52 + 1,
      Number.MAX_SAFE_INTEGER,
      Number.MIN_SAFE_INTEGER,
    ]) {
      expect(roundTrip('"long"', l)).toBe(l);
    }
    for (const l of [2n ** 63n - 1n, -(2n ** 63n), 2n ** 53n, -(2n ** 53n) - 1n, 0n]) {
      expect(roundTrip('"long"', l, { longs: 'bigint' })).toBe(l);
    }
    for (const d of [0, -0, Number.MAX_VALUE, Number.MIN_VALUE, Infinity, -Infinity])
      expect(roundTrip('"double"', d)).toBe(d);
    expect(roundTrip('"double"', Number.NaN)).toBeNaN();
    expect(roundTrip('"float"', 1.5)).toBe(1.5);
    expect(roundTrip('"float"', 0.1)).toBe(Math.fround(0.1));
  });

  it('treats a long beyond ±(2^53-1) as a bad record in number mode, with a hint', () => {
    const bytes = compileAvroEncoder('"long"')(2n ** 53n);
    expect(() => compileAvroDecoder('"long"')(bytes)).toThrow(/longs: 'bigint'/);
    expect(codeOf(() => compileAvroDecoder('"long"')(bytes))).toBe('DESERIALIZATION_FAILED');
    expect(compileAvroDecoder('"long"', { longs: 'bigint' })(bytes)).toBe(2n ** 53n);
  });

  it('round-trips unicode strings of every length class (ASCII fast paths and UTF-8)', () => {
    const strings = [
      '',
      'a',
      'x'.repeat(23),
      'x'.repeat(24),
      'y'.repeat(63),
      'y'.repeat(64),
      'z'.repeat(10_000),
      '日本語',
      '🎉'.repeat(30),
      `${'a'.repeat(20)}ü`,
    ];
    for (const s of strings) expect(roundTrip('"string"', s)).toBe(s);
  });

  it('round-trips a recursive named type (a linked list) and a tree through nested unions', () => {
    const list = {
      type: 'record',
      name: 'LinkedList',
      fields: [
        { name: 'value', type: 'int' },
        { name: 'next', type: ['null', 'LinkedList'] },
      ],
    };
    let value: { value: number; next: unknown } | null = null;
    for (let i = 0; i < 200; i++) value = { value: i, next: value };
    expect(roundTrip(list, value)).toEqual(value);

    const tree = {
      type: 'record',
      name: 'Node',
      namespace: 'x',
      fields: [
        { name: 'label', type: ['null', 'string', 'long'] },
        {
          name: 'children',
          type: { type: 'array', items: ['null', 'x.Node', { type: 'map', values: ['null', 'Node'] }] },
        },
      ],
    };
    const leaf = { label: 7, children: [] };
    const t = { label: 'root', children: [null, leaf, { a: leaf, b: null }, { label: null, children: [{ z: leaf }] }] };
    expect(roundTrip(tree, t)).toEqual(t);
  });

  it('chooses among union branches of the same JS type by deep check', () => {
    const union = [
      'int',
      'double',
      { type: 'record', name: 'A', fields: [{ name: 'a', type: 'string' }] },
      { type: 'record', name: 'B', fields: [{ name: 'b', type: 'long' }] },
      { type: 'enum', name: 'E', symbols: ['X'] },
      'string',
    ];
    const encode = compileAvroEncoder(union);
    expect(encode(3)[0]).toBe(0); // branch 0: int
    expect(encode(3.5)[0]).toBe(2); // branch 1: double
    expect(encode(2 ** 40)[0]).toBe(2); // not an int: double
    expect(encode({ b: 1 })[0]).toBe(6); // branch 3
    expect(encode('X')[0]).toBe(8); // the enum before the string
    expect(encode('Y')[0]).toBe(10);
    for (const v of [3, 3.5, { a: 'q' }, { b: 5 }, 'X', 'Y']) expect(roundTrip(union, v)).toEqual(v);
  });

  it('stores a map key "__proto__" as data, without touching prototypes', () => {
    const schema = { type: 'map', values: 'string' };
    const decoded = compileAvroDecoder<Record<string, string>>(schema)(
      compileAvroEncoder(schema)(JSON.parse('{"__proto__":"x","k":"v"}')),
    );
    expect(Object.getPrototypeOf(decoded)).toBe(Object.prototype);
    expect(Object.keys(decoded)).toEqual(['__proto__', 'k']);
    expect(decoded.__proto__ === 'x' || Object.getOwnPropertyDescriptor(decoded, '__proto__')?.value === 'x').toBe(
      true,
    );
    expect(({} as Record<string, unknown>).k).toBeUndefined();
  });

  it('encodes Maps, bigints for longs, undefined for null and missing fields with defaults', () => {
    const schema = {
      type: 'record',
      name: 'R',
      fields: [
        { name: 'm', type: { type: 'map', values: 'long' } },
        { name: 'opt', type: ['null', 'string'] },
        { name: 'count', type: 'int', default: 5 },
        { name: 'tags', type: { type: 'array', items: 'string' }, default: ['t'] },
      ],
    };
    const decoded = roundTrip(schema, { m: new Map([['a', 1n]]), opt: undefined });
    expect(decoded).toEqual({ m: { a: 1 }, opt: null, count: 5, tags: ['t'] });
  });

  it('round-trips decimals in bytes and fixed, and rejects values the schema cannot hold', () => {
    const bytesDec = { type: 'bytes', logicalType: 'decimal', precision: 9, scale: 3 };
    for (const [input, out] of [
      ['1', '1.000'],
      ['-0.5', '-0.500'],
      ['123456.789', '123456.789'],
      ['0', '0.000'],
    ] as const) {
      expect(roundTrip(bytesDec, input)).toBe(out);
    }
    expect(roundTrip(bytesDec, 1234n)).toBe('1.234');
    expect(codeOf(() => compileAvroEncoder(bytesDec)('1.2345'))).toBe('SERIALIZATION_FAILED'); // would round
    expect(codeOf(() => compileAvroEncoder(bytesDec)('1234567.8'))).toBe('SERIALIZATION_FAILED'); // 10 digits
    const fixedDec = { type: 'fixed', name: 'D', size: 8, logicalType: 'decimal', precision: 18, scale: 2 };
    expect(roundTrip(fixedDec, '-9999999999999999.99')).toBe('-9999999999999999.99');
  });

  it('ignores invalid logical types and reads the underlying type', () => {
    expect(roundTrip({ type: 'string', logicalType: 'date' }, 'not a date')).toBe('not a date');
    expect(roundTrip({ type: 'bytes', logicalType: 'decimal', precision: 0 }, Buffer.from([1]))).toEqual(
      Buffer.from([1]),
    );
    // 2 bytes hold at most 4 decimal digits (32767), so precision 5 is invalid on fixed(2).
    expect(
      roundTrip({ type: 'fixed', name: 'F', size: 2, logicalType: 'decimal', precision: 5 }, Buffer.from([1, 2])),
    ).toEqual(Buffer.from([1, 2]));
    expect(roundTrip({ type: 'int', logicalType: 'no-such-type' }, 4)).toBe(4);
  });

  it('property: random records round-trip', () => {
    const schema = {
      type: 'record',
      name: 'P',
      fields: [
        { name: 'i', type: 'int' },
        { name: 'l', type: 'long' },
        { name: 'd', type: 'double' },
        { name: 's', type: 'string' },
        { name: 'b', type: 'bytes' },
        { name: 'a', type: { type: 'array', items: ['null', 'string', 'long'] } },
        { name: 'm', type: { type: 'map', values: 'boolean' } },
      ],
    };
    const encode = compileAvroEncoder(schema);
    const decode = compileAvroDecoder(schema);
    const arb = fc.record({
      i: fc.integer(),
      l: fc.maxSafeInteger(),
      d: fc.double({ noNaN: true }),
      s: fc.string({ unit: 'grapheme' }),
      b: fc.uint8Array().map((u) => Buffer.from(u)),
      a: fc.array(fc.oneof(fc.constant(null), fc.string(), fc.maxSafeInteger())),
      m: fc.dictionary(
        fc.string().filter((k) => k !== '__proto__'),
        fc.boolean(),
      ),
    });
    fc.assert(
      fc.property(arb, (value) => {
        expect(decode(encode(value))).toEqual(value);
      }),
      { numRuns: 300 },
    );
  });
});

describe('Avro decoder on bad input', () => {
  const schema = {
    type: 'record',
    name: 'R',
    fields: [
      { name: 'id', type: 'long' },
      { name: 'name', type: 'string' },
      { name: 'tags', type: { type: 'array', items: 'string' } },
      { name: 'score', type: 'double' },
      { name: 'kind', type: { type: 'enum', name: 'K', symbols: ['A', 'B'] } },
      { name: 'opt', type: ['null', 'bytes'] },
    ],
  };
  const bytes = compileAvroEncoder(schema)({
    id: 123456789,
    name: 'someone',
    tags: ['x', 'y'],
    score: 1.5,
    kind: 'B',
    opt: Buffer.from([1, 2]),
  });
  const decode = compileAvroDecoder(schema);

  it('fails every truncated prefix with DESERIALIZATION_FAILED (never a RangeError or a partial value)', () => {
    for (let len = 0; len < bytes.length; len++) {
      expect(
        codeOf(() => decode(bytes.subarray(0, len))),
        `prefix of ${len} bytes`,
      ).toBe('DESERIALIZATION_FAILED');
    }
    expect(decode(bytes)).toMatchObject({ id: 123456789, kind: 'B' });
  });

  it('rejects leftover bytes, bad union and enum indexes, bad booleans, overlong varints', () => {
    expect(() => decode(Buffer.concat([bytes, Buffer.from([0])]))).toThrow(/left over/);
    expect(() => compileAvroDecoder(['null', 'int'])(Buffer.from([0x04]))).toThrow(/union branch 2/);
    expect(() => compileAvroDecoder({ type: 'enum', name: 'E', symbols: ['A'] })(Buffer.from([0x02]))).toThrow(
      /no symbol number 1/,
    );
    expect(() => compileAvroDecoder('"boolean"')(Buffer.from([2]))).toThrow(/not 0 or 1/);
    expect(() => compileAvroDecoder('"int"')(Buffer.from([0xff, 0xff, 0xff, 0xff, 0x7f]))).toThrow(/32 bits/);
    expect(() => compileAvroDecoder('"long"', { longs: 'bigint' })(Buffer.alloc(11, 0xff))).toThrow(/64 bits/);
    expect(() => compileAvroDecoder('"string"')(Buffer.from([0x01]))).toThrow(/negative length/);
  });

  it('refuses a block count the remaining bytes cannot hold, instead of allocating it', () => {
    // count 2^40 strings in a 7-byte payload
    const huge = compileAvroEncoder('"long"')(2 ** 40);
    expect(() =>
      compileAvroDecoder({ type: 'array', items: 'string' })(Buffer.concat([huge, Buffer.from([0])])),
    ).toThrow(/claims/);
    expect(() => compileAvroDecoder({ type: 'array', items: 'null' })(Buffer.concat([huge, Buffer.from([0])]))).toThrow(
      /claims/,
    );
  });

  it('reads from a Uint8Array view and a sub-range', () => {
    const framed = Buffer.concat([Buffer.from([9, 9]), bytes, Buffer.from([7])]);
    const view = new Uint8Array(framed.buffer, framed.byteOffset, framed.length);
    expect(decode(view, 2, 2 + bytes.length)).toMatchObject({ name: 'someone' });
  });

  it('returns bytes that do not alias the input buffer', () => {
    const b = compileAvroEncoder('"bytes"')(Buffer.from([1, 2, 3]));
    const decoded = compileAvroDecoder<Buffer>('"bytes"')(b);
    b.fill(0);
    expect([...decoded]).toEqual([1, 2, 3]);
  });
});

describe('Avro encoder errors', () => {
  it('names the path of the value that does not fit', () => {
    const schema = {
      type: 'record',
      name: 'Order',
      fields: [
        {
          name: 'items',
          type: { type: 'array', items: { type: 'record', name: 'Item', fields: [{ name: 'qty', type: 'int' }] } },
        },
        { name: 'meta', type: { type: 'map', values: 'string' } },
      ],
    };
    const encode = compileAvroEncoder(schema);
    expect(() => encode({ items: [{ qty: 1 }, { qty: 1.5 }], meta: {} })).toThrow(
      /'items\[1\]\.qty'.*expected an int .*got number 1\.5/,
    );
    expect(() => encode({ items: [], meta: { k: 3 } })).toThrow(/'meta\["k"\]'.*expected a string/);
    expect(() => encode({ items: [] })).toThrow(/'meta'/);
    expect(codeOf(() => encode({ items: 'no', meta: {} }))).toBe('SERIALIZATION_FAILED');
    expect(() => compileAvroEncoder(['null', 'int'])('x')).toThrow(/fits no branch/);
    expect(() => compileAvroEncoder('"int"')(2 ** 31)).toThrow(/32-bit/);
    expect(() => compileAvroEncoder('"long"')(2 ** 53)).toThrow(/safe integer/);
    expect(() => compileAvroEncoder({ type: 'fixed', name: 'F', size: 2 })(Buffer.alloc(3))).toThrow(/2 bytes/);
  });
});
