import { deserialize, serialize } from 'node:v8';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { packColumn, RunColumn, unpackColumn } from './snapshot-columns.ts';

/** Element-wise Object.is (toEqual would let -0 pass for 0 inside arrays on some matchers). */
function expectSameElements(actual: readonly unknown[], expected: readonly unknown[]): void {
  expect(actual).toHaveLength(expected.length);
  expected.forEach((v, i) => {
    if (typeof v === 'object' && v !== null) expect(actual[i]).toEqual(v);
    else expect(Object.is(actual[i], v)).toBe(true);
  });
}

function kind(column: unknown): string {
  return Array.isArray(column) ? 'array' : (column as { p: string }).p;
}

const range = (n: number, f: (i: number) => unknown): unknown[] => Array.from({ length: n }, (_, i) => f(i));

describe('packed snapshot columns', () => {
  it.each([
    ['i32', range(20, (i) => i * 3 - 10)],
    ['f64', range(20, (i) => (i === 3 ? -0 : i === 4 ? Number.NaN : i === 5 ? -Infinity : i + 0.5))],
    ['f64', range(20, (i) => (i === 0 ? 0 : i === 1 ? -0 : i))], // -0 is not an int32
    ['f64', range(20, (i) => 2 ** 40 + i)],
    ['f64', range(20, (i) => (i < 12 ? i : i === 12 ? -0 : i))], // int32s, then -0
    ['f64', range(20, (i) => (i < 19 ? 5 : 5.5))], // a run of int32s, then a double
    ['f64', range(20, (i) => (i < 10 ? i : Number.NaN))],
    ['array', range(20, (i) => (i < 15 ? i : 'x'))], // int32s, then a string
    ['same', range(20, () => 0.25)],
    ['same', range(20, () => '0:4503599627370495')],
    ['same', range(20, () => 59_999)],
    ['same', range(20, () => true)],
    ['same', range(20, () => null)],
    ['same', range(20, () => undefined)],
    ['same', range(20, () => 7n)],
    ['i32', range(20, () => 0)], // a run of 0 is written as numbers: -0 and 0 stay apart
    ['dict', range(40, (i) => ['red', 'green', 'blue'][i % 3])],
    ['array', range(20, (i) => `user-${i}`)], // mostly distinct strings: an index would not pay
    ['array', range(20, (i) => (i === 7 ? 'x' : i))], // mixed types
    ['array', range(20, (i) => (i % 2 === 0 ? 1n : 2n))],
    ['array', range(5, (i) => i)], // too short to pack
  ])('packs as %s and unpacks to the same elements', (expectedKind, column) => {
    const packed = packColumn(column);
    expect(kind(packed)).toBe(expectedKind);
    expectSameElements(unpackColumn(structuredClone(packed)), column);
  });

  it('packs records whose field names need quoting in generated code', () => {
    const names = ["it's", 'back\\slash', 'line\nbreak', '"', '', '7', 'constructor', '${x}', '\u2028'];
    const values = range(20, (i) => Object.fromEntries(names.map((k, f) => [k, i * 10 + f])));
    const packed = packColumn(values);
    expect(kind(packed)).toBe('rec');
    const back = unpackColumn(structuredClone(packed)) as Record<string, unknown>[];
    expect(back).toEqual(values);
    expect(back.map((r) => Object.keys(r))).toEqual(values.map((r) => Object.keys(r as object))); // same order
    // Another field list later gets its own reader; a record that does not fit leaves the column as it is.
    const mixed = [...range(10, (i) => ({ a: i })), { a: 1, b: 2 }];
    expect(packColumn(mixed)).toBe(mixed);
  });

  it('packs flat records as a column per field, and the field columns too', () => {
    const values = range(100, (i) => ({ n: i, avg: i / 3, label: i % 2 === 0 ? 'even' : 'odd', seen: undefined }));
    const packed = packColumn(values) as {
      readonly p: string;
      readonly f: readonly string[];
      readonly c: readonly unknown[];
    };
    expect(packed.p).toBe('rec');
    expect(packed.f).toEqual(['n', 'avg', 'label', 'seen']);
    expect(packed.c.map(kind)).toEqual(['i32', 'f64', 'dict', 'same']);
    const back = unpackColumn(structuredClone(packed));
    expect(back).toEqual(values);
    expect(Object.keys(back[0] as object)).toEqual(['n', 'avg', 'label', 'seen']);
  });

  it('leaves values that records would change as they are, for node:v8 to write exactly', () => {
    class Acc {
      n = 1;
    }
    const base = () => range(20, (i) => ({ n: i, m: 1 }));
    const cases: [string, unknown[]][] = [
      ['a nested object', base().map((v, i) => (i === 9 ? { n: 1, m: { deep: true } } : v))],
      ['a missing key', base().map((v, i) => (i === 9 ? { n: 1 } : v))],
      ['an extra key', base().map((v, i) => (i === 9 ? { n: 1, m: 2, x: 3 } : v))],
      ['keys in another order', base().map((v, i) => (i === 9 ? { m: 2, n: 1 } : v))],
      ['a class instance', base().map((v, i) => (i === 9 ? new Acc() : v))],
      [
        'a null-prototype object',
        base().map((v, i) => (i === 9 ? Object.assign(Object.create(null), { n: 1, m: 1 }) : v)),
      ],
      ['an array among objects', base().map((v, i) => (i === 9 ? [1, 2] : v))],
      ['a __proto__ key', range(20, () => JSON.parse('{"__proto__": 1, "n": 2}'))],
      ['Maps', range(20, (i) => new Map([[i, i]]))],
      ['Dates', range(20, (i) => new Date(i))],
      ['arrays', range(20, (i) => [i, i + 1])],
    ];
    for (const [what, column] of cases) {
      expect(kind(packColumn(column)), what).toBe('array');
    }
  });

  it('unpacks any generated column to the elements it was packed from', () => {
    const primitive = fc.oneof(
      fc.integer({ min: -5, max: 5 }),
      fc.double(),
      fc.constantFrom('a', 'b', 'c'),
      fc.string(),
      fc.boolean(),
      fc.constant(null),
      fc.constant(undefined),
      fc.bigInt({ min: -3n, max: 3n }),
    );
    const column = fc.oneof(
      fc.array(primitive, { maxLength: 40 }),
      fc.array(fc.integer(), { maxLength: 40 }),
      fc.array(fc.double(), { maxLength: 40 }),
      fc.array(fc.constantFrom('x', 'y', 'z'), { maxLength: 60 }),
      fc.array(fc.record({ n: fc.integer(), s: fc.constantFrom('p', 'q'), d: primitive }), { maxLength: 40 }),
    );
    fc.assert(
      fc.property(column, (values) => {
        expectSameElements(unpackColumn(structuredClone(packColumn(values))), values);
      }),
    );
  });

  it('builds runs that pack as packing the elements would', () => {
    const runs = fc.array(
      fc.tuple(
        fc.oneof(fc.constantFrom('0:60000', '60000:120000'), fc.constantFrom(0, -0, 59_999, 119_999)),
        fc.nat(20),
      ),
      { maxLength: 6 },
    );
    fc.assert(
      fc.property(runs, (spec) => {
        const built = new RunColumn();
        const elements: unknown[] = [];
        for (const [value, count] of spec) {
          for (let i = 0; i < count; i++) {
            built.push(value);
            elements.push(value);
          }
        }
        expect(built.size).toBe(elements.length);
        const fromRuns = built.encoded();
        const packed = packColumn(elements);
        expect(kind(fromRuns)).toBe(kind(packed));
        expectSameElements(unpackColumn(structuredClone(fromRuns)), elements);
        // Same structure after a v8 round trip (typed array classes, -0 kept apart from 0). Not
        // the same bytes: v8 writes a number as an int32 or a double by how V8 happens to store
        // it (Smi or heap number), which differs between two equal values (CI seed 271388698:
        // eight 59_999s, one run stored as a Smi, the other as a heap number).
        expect(deserialize(serialize(fromRuns))).toStrictEqual(deserialize(serialize(packed)));
      }),
    );
  });

  it('rejects malformed packed columns', () => {
    expect(() => unpackColumn({ p: 'dict', u: ['a'], i: Uint8Array.of(0, 3) })).toThrow(/out of range/);
    expect(() => unpackColumn({ p: 'same', v: 1, n: -1 })).toThrow(/invalid length/);
    expect(() => unpackColumn({ p: 'rec', f: ['a', 'b'], c: [[1]], n: 1 })).toThrow(/mismatched/);
    expect(() => unpackColumn({ p: 'rec', f: ['a'], c: [[1, 2]], n: 1 })).toThrow(/another length/);
    expect(() => unpackColumn({ p: 'zip' })).toThrow(/neither an array nor a packed column/);
  });
});
