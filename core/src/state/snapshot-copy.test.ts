// copyForSnapshot: what a snapshot keeps in place of a value the task may change in place must
// encode as the value did. Runtime internal, imported relatively.
import { deserialize, serialize } from 'node:v8';
import { describe, expect, it } from 'vitest';
import { copyForSnapshot, UncopyableValue } from './snapshot-copy.ts';

/** What a snapshot of `value` decodes to. */
const roundTrip = (value: unknown): unknown => deserialize(serialize(value));

class Point {
  x = 1;
  y = 2;
  get sum(): number {
    return this.x + this.y;
  }
}

describe('copyForSnapshot', () => {
  it('returns primitives as they are', () => {
    for (const v of [1, -0, Number.NaN, 'a', 10n, true, null, undefined])
      expect(Object.is(copyForSnapshot(v), v)).toBe(true);
  });

  it("copies an own '__proto__' key as data and keeps the copy's prototype", () => {
    const value = JSON.parse('{"__proto__": {"n": 1}, "m": 2}') as Record<string, unknown>;
    const copy = copyForSnapshot(value) as Record<string, unknown>;
    expect(Object.getPrototypeOf(copy)).toBe(Object.prototype);
    expect(Object.keys(copy)).toEqual(['__proto__', 'm']);
    expect(roundTrip(copy)).toEqual(roundTrip(value));
    (value['__proto__'] as { n: number }).n = 2; // a deep copy: the change does not reach it
    expect(Object.getOwnPropertyDescriptor(copy, '__proto__')?.value).toEqual({ n: 1 });
  });

  it('deep-copies plain data: later in-place changes do not reach the copy', () => {
    const value = {
      n: 1,
      list: [1, { a: 'x' }],
      map: new Map<string, number[]>([['k', [1]]]),
      set: new Set([1, 2]),
      at: new Date(5),
      bare: Object.assign(Object.create(null) as Record<string, number>, { z: 1 }),
    };
    const copy = copyForSnapshot(value);
    const before = roundTrip(value);
    const bytesBefore = serialize(value);
    value.n = 2;
    (value.list[1] as { a: string }).a = 'y';
    value.list.push(3);
    value.map.get('k')?.push(2);
    value.set.add(3);
    value.at.setTime(6);
    (value.bare as Record<string, number>).z = 2;
    expect(roundTrip(copy)).toEqual(before);
    expect(serialize(copy).equals(bytesBefore)).toBe(true);
  });

  it('keeps objects shared inside a value shared, and cycles', () => {
    const inner = { v: 1 };
    const value: Record<string, unknown> = { a: inner, b: [inner], m: new Map([[1, inner]]) };
    value['self'] = value;
    const copy = copyForSnapshot(value) as Record<string, unknown>;
    expect(copy['self']).toBe(copy);
    expect(copy['a']).not.toBe(inner);
    expect((copy['b'] as unknown[])[0]).toBe(copy['a']);
    expect((copy['m'] as Map<number, unknown>).get(1)).toBe(copy['a']);
    expect(serialize(copy).equals(serialize(value))).toBe(true);
  });

  it('copies anything else exactly as node:v8 encodes it (class instances, typed arrays, Buffers, holes)', () => {
    const point = new Point();
    const values: unknown[] = [point, new Uint16Array([1, 2]), Buffer.from('hi'), [1, , 3], new Map([[point, 1]])];
    for (const value of values) {
      const copy = copyForSnapshot(value);
      expect(copy).not.toBe(value);
      expect(serialize(copy).equals(serialize(value))).toBe(true);
    }
    point.x = 10;
    expect(roundTrip(copyForSnapshot(point))).toEqual({ x: 10, y: 2 });
  });

  it('marks a value that cannot be serialized instead of throwing in the task', () => {
    const copy = copyForSnapshot({ f: () => 1 });
    expect(copy).toBeInstanceOf(UncopyableValue);
    expect((copy as UncopyableValue).cause).toBeInstanceOf(Error);
  });
});
