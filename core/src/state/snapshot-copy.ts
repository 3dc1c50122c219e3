import { deserialize, serialize } from 'node:v8';

/**
 * A value that could not be copied for a snapshot (it is not structured-cloneable): the snapshot
 * that holds it fails with `cause` when it is encoded, as an encoding of the original would.
 */
export class UncopyableValue {
  readonly cause: unknown;
  constructor(cause: unknown) {
    this.cause = cause;
  }
}

/** Thrown inside {@link copyPlain} when a value needs the exact (`node:v8`) copy. */
const NOT_PLAIN: unique symbol = Symbol('not-plain');

/**
 * A deep copy of a state value that a snapshot encodes later in its place: encoding the copy
 * gives what encoding `value` now would give. Primitives are returned as they are; plain data
 * (objects with `Object.prototype` or no prototype, arrays without holes, Maps, Sets, Dates) is
 * copied by hand, keeping objects shared inside the value shared; anything else (class
 * instances, typed arrays, Buffers, arrays with holes…) goes through a `node:v8` round trip,
 * which is exact but slower. A value that cannot be serialized becomes an
 * {@link UncopyableValue}. (Named properties on arrays are not copied; `node:v8` would keep them.)
 *
 * @example
 * ```ts
 * const kept = copyForSnapshot(acc); // acc may now change in place
 * ```
 */
export function copyForSnapshot(value: unknown): unknown {
  if (typeof value !== 'object' || value === null) return value;
  try {
    return copyPlain(value, undefined);
  } catch (e) {
    if (e !== NOT_PLAIN) throw e;
  }
  try {
    return deserialize(serialize(value));
  } catch (cause) {
    return new UncopyableValue(cause);
  }
}

function copyPlain(value: object, seenBefore: Map<object, unknown> | undefined): unknown {
  let seen = seenBefore;
  const known = seen?.get(value);
  if (known !== undefined) return known;
  const proto = Object.getPrototypeOf(value) as unknown;
  if (proto === Object.prototype || proto === null) {
    const source = value as Record<string, unknown>;
    // A spread copy of a plain object gets the source's hidden class (V8 clones the map), so
    // values and their snapshot copies stay one shape for the code that packs them
    // (snapshot-columns.ts); object fields are replaced by deep copies below.
    const spread = proto !== null;
    const copy: Record<string, unknown> = spread ? { ...source } : Object.create(null);
    seen?.set(value, copy);
    // Read from the spread copy (data properties: a getter of the source runs once).
    const from = spread ? copy : source;
    for (const key of Object.keys(source)) {
      const v = from[key];
      if (typeof v === 'object' && v !== null) {
        seen ??= new Map([[value, copy]]);
        copy[key] = copyPlain(v, seen);
      } else {
        if (typeof v === 'function' || typeof v === 'symbol') throw NOT_PLAIN;
        if (!spread) copy[key] = v;
      }
    }
    return copy;
  }
  if (proto === Array.prototype) {
    const source = value as unknown[];
    const n = source.length;
    const copy: unknown[] = [];
    seen?.set(value, copy);
    for (let i = 0; i < n; i++) {
      if (!(i in source)) throw NOT_PLAIN;
      const v = source[i];
      if (typeof v === 'object' && v !== null) {
        seen ??= new Map([[value, copy]]);
        copy.push(copyPlain(v, seen));
      } else {
        if (typeof v === 'function' || typeof v === 'symbol') throw NOT_PLAIN;
        copy.push(v);
      }
    }
    return copy;
  }
  seen ??= new Map();
  if (proto === Map.prototype) {
    const copy = new Map<unknown, unknown>();
    seen.set(value, copy);
    for (const [k, v] of value as Map<unknown, unknown>) copy.set(copyItem(k, seen), copyItem(v, seen));
    return copy;
  }
  if (proto === Set.prototype) {
    const copy = new Set<unknown>();
    seen.set(value, copy);
    for (const v of value as Set<unknown>) copy.add(copyItem(v, seen));
    return copy;
  }
  if (proto === Date.prototype) {
    const copy = new Date((value as Date).getTime());
    seen.set(value, copy);
    return copy;
  }
  throw NOT_PLAIN;
}

function copyItem(v: unknown, seen: Map<object, unknown>): unknown {
  if (typeof v === 'object' && v !== null) return copyPlain(v, seen);
  if (typeof v === 'function' || typeof v === 'symbol') throw NOT_PLAIN;
  return v;
}
