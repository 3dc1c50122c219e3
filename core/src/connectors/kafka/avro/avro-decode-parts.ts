import { bytesToBigInt, checkPrecision, formatDecimal } from './avro-decimal.ts';
import { badAvroData } from './avro-errors.ts';
import {
  type AvroReadCursor,
  readBoolean,
  readBytes,
  readDouble,
  readFixed,
  readFloat,
  readInt,
  readLength,
  readLong,
  readLongBigInt,
  readString,
  skipVarint,
  truncated,
} from './avro-read-cursor.ts';
import type { AvroLogicalType, AvroPrimitiveName, AvroSchema } from './avro-schema.ts';

/** A compiled decoder of one schema node: reads one value at the cursor. */
export type NodeDecoder = (c: AvroReadCursor) => unknown;

/**
 * How `long` values come out of a decoder: JS numbers (exact up to ±(2^53-1); larger values are
 * bad records) or bigints (the full 64-bit range).
 *
 * @example
 * ```ts
 * const longs: AvroLongMode = 'bigint';
 * ```
 */
export type AvroLongMode = 'number' | 'bigint';

const readNull: NodeDecoder = () => null;

/** The decoder of a primitive type (the writer's encoding) producing the reader's logical value. */
export function primitiveDecoder(
  type: AvroPrimitiveName,
  logical: AvroLogicalType | undefined,
  longs: AvroLongMode,
): NodeDecoder {
  switch (type) {
    case 'null':
      return readNull;
    case 'boolean':
      return readBoolean;
    case 'int':
      return readInt;
    case 'long':
      return longs === 'bigint' ? readLongBigInt : readLong;
    case 'float':
      return readFloat;
    case 'double':
      return readDouble;
    case 'string':
      return readString;
    case 'bytes':
      if (logical?.name === 'decimal') {
        const { precision, scale } = logical;
        return (c) => {
          const len = readLength(c, 'a decimal');
          const start = c.pos;
          c.pos = start + len;
          return formatDecimal(checkPrecision(bytesToBigInt(c.buf, start, start + len), precision), scale);
        };
      }
      return readBytes;
  }
}

/** The decoder of a fixed of `size` bytes, as a Buffer or (decimal) a decimal string. */
export function fixedDecoder(size: number, logical: AvroLogicalType | undefined): NodeDecoder {
  if (logical?.name === 'decimal') {
    const { precision, scale } = logical;
    return (c) => {
      const start = c.pos;
      if (start + size > c.end) truncated(c, size, 'a decimal');
      c.pos = start + size;
      return formatDecimal(checkPrecision(bytesToBigInt(c.buf, start, start + size), precision), scale);
    };
  }
  return (c) => readFixed(c, size);
}

/** The decoder of an enum: the symbol at the written index. */
export function enumDecoder(symbols: readonly (string | undefined)[], name: string, fallback?: string): NodeDecoder {
  const n = symbols.length;
  return (c) => {
    const at = c.pos;
    const i = readInt(c);
    if (i < 0 || i >= n) throw badAvroData(`enum '${name}' has no symbol number ${i} (byte ${at})`);
    const symbol = symbols[i];
    if (symbol !== undefined) return symbol;
    if (fallback !== undefined) return fallback;
    throw badAvroData(
      `the writer's symbol number ${i} of enum '${name}' is not in the reader's enum, which has no default`,
    );
  };
}

/**
 * Reads the item count of the next array or map block; 0 ends the sequence. A negative count is
 * followed by the block's size in bytes (ignored here). The count is checked against the bytes
 * left, so a corrupt count cannot make the decoder allocate without bound.
 */
export function readBlockCount(c: AvroReadCursor, minItemBytes: number, what: string): number {
  const at = c.pos;
  let count = readLong(c);
  if (count < 0) {
    count = -count;
    const size = readLong(c);
    if (size < 0) throw badAvroData(`the ${what} block at byte ${at} has a negative byte size`);
  }
  const limit = minItemBytes > 0 ? (c.end - c.pos) / minItemBytes : MAX_EMPTY_ITEMS;
  if (count > limit) {
    throw badAvroData(`the ${what} block at byte ${at} claims ${count} items, more than the remaining bytes can hold`);
  }
  return count;
}

/** The most zero-byte items (nulls, empty records) one block may hold. */
const MAX_EMPTY_ITEMS = 10_000_000;

/** The decoder of an array, given the decoder of its items. */
export function arrayDecoder(items: NodeDecoder, minItemBytes: number): NodeDecoder {
  return (c) => {
    const out: unknown[] = [];
    for (;;) {
      const n = readBlockCount(c, minItemBytes, 'array');
      if (n === 0) return out;
      for (let i = 0; i < n; i++) out.push(items(c));
    }
  };
}

/** The decoder of a map (a plain object; a `__proto__` key is stored as an own property). */
export function mapDecoder(values: NodeDecoder, minValueBytes: number): NodeDecoder {
  return (c) => {
    const out: Record<string, unknown> = {};
    for (;;) {
      const n = readBlockCount(c, 1 + minValueBytes, 'map');
      if (n === 0) return out;
      for (let i = 0; i < n; i++) {
        const key = readString(c);
        const value = values(c);
        if (key === '__proto__')
          Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true });
        else out[key] = value;
      }
    }
  };
}

/** The decoder of a union, given one decoder per branch. */
export function unionDecoder(branches: readonly NodeDecoder[]): NodeDecoder {
  const n = branches.length;
  // Two-branch unions (the usual ["null", T]) skip the array lookup.
  if (n === 2) {
    const first = branches[0] as NodeDecoder;
    const second = branches[1] as NodeDecoder;
    return (c) => {
      const at = c.pos;
      const i = readInt(c);
      if (i === 0) return first(c);
      if (i === 1) return second(c);
      throw badAvroData(`union branch ${i} at byte ${at} does not exist (the union has 2)`);
    };
  }
  return (c) => {
    const at = c.pos;
    const i = readInt(c);
    const branch = branches[i];
    if (branch === undefined) throw badAvroData(`union branch ${i} at byte ${at} does not exist (the union has ${n})`);
    return branch(c);
  };
}

/**
 * The decoder of a record: an object literal built by a function generated once per record type
 * (so each record type gets its own hidden class and monomorphic property stores). Field names
 * are Avro names ([A-Za-z_][A-Za-z0-9_]*), so they are safe in generated source.
 */
export function recordDecoder(names: readonly string[], fields: readonly NodeDecoder[]): NodeDecoder {
  if (names.length === 0) return () => ({});
  // A quoted "__proto__" key would set the prototype; the computed form defines a property.
  const key = (name: string) => (name === '__proto__' ? '["__proto__"]' : JSON.stringify(name));
  const body = names.map((name, i) => `${key(name)}: d[${i}](c)`).join(', ');
  // biome-ignore lint/security/noGlobalEval: generated once per record type from validated Avro names.
  return new Function('d', `return function readRecord(c) { return { ${body} }; };`)(fields) as NodeDecoder;
}

/** The smallest number of bytes a value of `schema` can take (0 for null and empty records). */
export function minEncodedSize(schema: AvroSchema, seen: Set<AvroSchema> = new Set()): number {
  switch (schema.type) {
    case 'null':
      return 0;
    case 'float':
      return 4;
    case 'double':
      return 8;
    case 'fixed':
      return schema.size;
    case 'record':
    case 'error': {
      if (seen.has(schema)) return 0;
      seen.add(schema);
      let sum = 0;
      for (const f of schema.fields) sum += minEncodedSize(f.type, seen);
      seen.delete(schema);
      return sum;
    }
    default:
      return 1;
  }
}

/** A function that moves the cursor past one value of `schema` without building it. */
export function compileSkipper(schema: AvroSchema, cache: Map<AvroSchema, NodeDecoder> = new Map()): NodeDecoder {
  const cached = cache.get(schema);
  if (cached !== undefined) return cached;
  let skip: NodeDecoder;
  switch (schema.type) {
    case 'null':
      skip = readNull;
      break;
    case 'boolean':
      skip = readBoolean;
      break;
    case 'int':
    case 'long':
    case 'enum':
      skip = skipVarint as NodeDecoder;
      break;
    case 'float':
      skip = readFloat;
      break;
    case 'double':
      skip = readDouble;
      break;
    case 'string':
    case 'bytes':
      skip = (c) => {
        // Not `c.pos += readLength(c)`: that would add to the position from before the length.
        const len = readLength(c, schema.type);
        c.pos += len;
        return undefined;
      };
      break;
    case 'fixed': {
      const size = schema.size;
      skip = (c) => {
        if (c.pos + size > c.end) truncated(c, size, `a fixed of ${size} bytes`);
        c.pos += size;
        return undefined;
      };
      break;
    }
    case 'array':
    case 'map': {
      const isMap = schema.type === 'map';
      const inner = isMap ? schema.values : schema.items;
      let skipItem: NodeDecoder = readNull;
      skip = (c) => {
        for (;;) {
          const at = c.pos;
          const count = readLong(c);
          if (count === 0) return undefined;
          if (count < 0) {
            // A negative count comes with the block's byte size: jump over the whole block.
            const size = readLong(c);
            if (size < 0) throw badAvroData(`the block at byte ${at} has a negative byte size`);
            if (c.pos + size > c.end) truncated(c, size, 'a block');
            c.pos += size;
            continue;
          }
          for (let i = 0; i < count; i++) {
            if (isMap) {
              const len = readLength(c, 'a map key');
              c.pos += len;
            }
            skipItem(c);
          }
        }
      };
      cache.set(schema, skip);
      skipItem = compileSkipper(inner, cache);
      return skip;
    }
    case 'union':
      // A union is reached again only through a named record, which is cached before its fields.
      skip = unionDecoder(schema.branches.map((b) => compileSkipper(b, cache)));
      break;
    case 'record':
    case 'error': {
      const parts: NodeDecoder[] = [];
      skip = (c) => {
        for (let i = 0; i < parts.length; i++) (parts[i] as NodeDecoder)(c);
        return undefined;
      };
      cache.set(schema, skip);
      for (const f of schema.fields) parts.push(compileSkipper(f.type, cache));
      return skip;
    }
  }
  cache.set(schema, skip);
  return skip;
}
