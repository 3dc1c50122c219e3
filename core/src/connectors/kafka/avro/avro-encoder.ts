import { bigIntToBytes, parseDecimal } from './avro-decimal.ts';
import { type DefaultFactory, defaultFactory } from './avro-defaults.ts';
import { AvroEncodeProblem, describeValue, encodeFailed } from './avro-errors.ts';
import type { AvroSchema } from './avro-schema.ts';
import { asAvroSchema } from './parse-avro-schema.ts';
import {
  AvroWriteBuffer,
  writeBytes,
  writeDouble,
  writeFloat,
  writeInt,
  writeLong,
  writeLongBigInt,
  writeRaw,
  writeString,
} from './avro-write-buffer.ts';

/**
 * A compiled encoder: the Avro binary encoding of one value, as a new Buffer. Throws a
 * `SERIALIZATION_FAILED` {@link SluiceError} naming the path of the first part of the value that
 * does not fit the schema.
 *
 * @example
 * ```ts
 * const encode: AvroEncodeFunction<number> = compileAvroEncoder('"int"');
 * encode(-1); // <Buffer 01>
 * ```
 */
export type AvroEncodeFunction<T> = (value: T) => Buffer;

/** Writes one value into a write buffer (the building block of encoders and the serializer). */
export type AvroValueWriter = (w: AvroWriteBuffer, value: unknown) => void;

/**
 * Compiles a schema into an encode function once. It takes the values {@link compileAvroDecoder}
 * produces, and also: a long as a number or a bigint; a decimal as a string ("12.30", at most
 * `scale` fraction digits, never rounded) or as its unscaled bigint; a map as a plain object or a
 * `Map`; `undefined` wherever `null` is allowed. A record field that is missing (`undefined`) takes
 * its schema default when it has one. A union value goes to the first branch it fits (checked
 * by JS type first, then by deep check when several branches share a JS type, e.g. two records):
 * so a union of two record types whose fields overlap encodes as the first one that fits.
 *
 * @example
 * ```ts
 * const encode = compileAvroEncoder<{ id: number; email: string | null }>({
 *   type: 'record',
 *   name: 'User',
 *   fields: [
 *     { name: 'id', type: 'long' },
 *     { name: 'email', type: ['null', 'string'], default: null },
 *   ],
 * });
 * encode({ id: 1, email: null }); // <Buffer 02 00>
 * ```
 * @experimental
 */
export function compileAvroEncoder<T = unknown>(schema: AvroSchema | string | object): AvroEncodeFunction<T> {
  const write = compileAvroWriter(schema);
  const w = new AvroWriteBuffer();
  return (value) => {
    w.pos = 0;
    write(w, value);
    return w.take();
  };
}

/** The value writer of a schema; errors come out as `SERIALIZATION_FAILED`. */
export function compileAvroWriter(schema: AvroSchema | string | object): AvroValueWriter {
  const root = compile(asAvroSchema(schema), new Map());
  return (w, value) => {
    try {
      root.write(w, value);
    } catch (e) {
      throw encodeFailed(e);
    }
  };
}

type Kind = 'null' | 'boolean' | 'number' | 'bigint' | 'string' | 'bytes' | 'array' | 'object';

interface NodeEncoder {
  write(w: AvroWriteBuffer, value: unknown): void;
  /** Whether the value fits (deep); used to choose among union branches of the same JS kind. */
  check(value: unknown): boolean;
  readonly kinds: readonly Kind[];
}

function kindOf(value: unknown): Kind {
  if (value === null || value === undefined) return 'null';
  switch (typeof value) {
    case 'boolean':
      return 'boolean';
    case 'number':
      return 'number';
    case 'bigint':
      return 'bigint';
    case 'string':
      return 'string';
    default:
      if (Array.isArray(value)) return 'array';
      if (value instanceof Uint8Array) return 'bytes';
      return 'object';
  }
}

function mismatch(expected: string, value: unknown): AvroEncodeProblem {
  return new AvroEncodeProblem(`expected ${expected}; got ${describeValue(value)}`);
}

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

const isInt = (v: unknown): v is number => typeof v === 'number' && (v | 0) === v;
const isLong = (v: unknown): boolean =>
  typeof v === 'number' ? Number.isSafeInteger(v) : typeof v === 'bigint' && v >= INT64_MIN && v <= INT64_MAX;
const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Uint8Array);

function leaf(
  kinds: readonly Kind[],
  check: (v: unknown) => boolean,
  expected: string,
  write: (w: AvroWriteBuffer, v: never) => void,
): NodeEncoder {
  return {
    kinds,
    check,
    write(w, v) {
      if (!check(v)) throw mismatch(expected, v);
      write(w, v as never);
    },
  };
}

function compile(schema: AvroSchema, cache: Map<AvroSchema, NodeEncoder>): NodeEncoder {
  const cached = cache.get(schema);
  if (cached !== undefined) return cached;
  switch (schema.type) {
    case 'null':
      return leaf(
        ['null'],
        (v) => v === null || v === undefined,
        'null',
        () => {},
      );
    case 'boolean':
      return leaf(
        ['boolean'],
        (v) => typeof v === 'boolean',
        'a boolean',
        (w, v: boolean) => {
          w.ensure(1);
          w.buf[w.pos++] = v ? 1 : 0;
        },
      );
    case 'int':
      return leaf(['number'], isInt, 'an int (32-bit integer)', writeInt);
    case 'long':
      return leaf(
        ['number', 'bigint'],
        isLong,
        'a long (safe integer number or 64-bit bigint)',
        (w, v: number | bigint) => (typeof v === 'number' ? writeLong(w, v) : writeLongBigInt(w, v)),
      );
    case 'float':
      return leaf(['number'], (v) => typeof v === 'number', 'a number', writeFloat);
    case 'double':
      return leaf(['number'], (v) => typeof v === 'number', 'a number', writeDouble);
    case 'string':
      return leaf(['string'], (v) => typeof v === 'string', 'a string', writeString);
    case 'bytes':
    case 'fixed': {
      const size = schema.type === 'fixed' ? schema.size : undefined;
      const logical = schema.logicalType;
      if (logical?.name === 'decimal') {
        const { precision, scale } = logical;
        const fits = (v: unknown) => {
          try {
            const bytes = bigIntToBytes(parseDecimal(v, precision, scale));
            return size === undefined || bytes.length <= size;
          } catch {
            return false;
          }
        };
        return {
          kinds: ['string', 'bigint'],
          check: fits,
          write(w, v) {
            const bytes = bigIntToBytes(parseDecimal(v, precision, scale), size);
            if (size === undefined) writeBytes(w, bytes);
            else writeRaw(w, bytes);
          },
        };
      }
      if (size === undefined)
        return leaf(['bytes'], (v) => v instanceof Uint8Array, 'bytes (a Buffer or Uint8Array)', writeBytes);
      return leaf(
        ['bytes'],
        (v) => v instanceof Uint8Array && v.length === size,
        `${size} bytes (a Buffer or Uint8Array) for fixed '${(schema as { name: string }).name}'`,
        writeRaw,
      );
    }
    case 'enum': {
      const index = new Map(schema.symbols.map((s, i) => [s, i]));
      const encoder = leaf(
        ['string'],
        (v) => typeof v === 'string' && index.has(v),
        `one of the symbols of enum '${schema.name}' (${schema.symbols.join(', ')})`,
        (w, v: string) => writeInt(w, index.get(v) as number),
      );
      cache.set(schema, encoder);
      return encoder;
    }
    case 'array':
      return arrayEncoder(compile(schema.items, cache));
    case 'map':
      return mapEncoder(compile(schema.values, cache));
    case 'union':
      return unionEncoder(schema.branches.map((b) => compile(b, cache)));
    case 'record':
    case 'error': {
      const names = schema.fields.map((f) => f.name);
      const encoders: NodeEncoder[] = [];
      const defaults: (DefaultFactory | undefined)[] = schema.fields.map((f) =>
        f.hasDefault ? defaultFactory(f.type, f.default, 'number', `${schema.name}.${f.name}`) : undefined,
      );
      const n = names.length;
      const encoder: NodeEncoder = {
        kinds: ['object'],
        check(v) {
          if (!isPlainObject(v)) return false;
          for (let i = 0; i < n; i++) {
            const fv = v[names[i] as string];
            if (fv === undefined && defaults[i] !== undefined) continue;
            if (!(encoders[i] as NodeEncoder).check(fv)) return false;
          }
          return true;
        },
        write(w, v) {
          if (!isPlainObject(v)) throw mismatch(`a record '${schema.name}' (an object)`, v);
          for (let i = 0; i < n; i++) {
            const name = names[i] as string;
            let fv = v[name];
            if (fv === undefined) fv = defaults[i]?.();
            try {
              (encoders[i] as NodeEncoder).write(w, fv);
            } catch (e) {
              if (e instanceof AvroEncodeProblem) e.path.unshift(`.${name}`);
              throw e;
            }
          }
        },
      };
      // Cached before the fields compile, so recursive references find it.
      cache.set(schema, encoder);
      for (const f of schema.fields) encoders.push(compile(f.type, cache));
      return encoder;
    }
  }
}

function arrayEncoder(items: NodeEncoder): NodeEncoder {
  return {
    kinds: ['array'],
    check: (v) => Array.isArray(v) && v.every((item) => items.check(item)),
    write(w, v) {
      if (!Array.isArray(v)) throw mismatch('an array', v);
      const n = v.length;
      if (n > 0) {
        writeLong(w, n);
        for (let i = 0; i < n; i++) {
          try {
            items.write(w, v[i]);
          } catch (e) {
            if (e instanceof AvroEncodeProblem) e.path.unshift(`[${i}]`);
            throw e;
          }
        }
      }
      writeInt(w, 0);
    },
  };
}

function mapEncoder(values: NodeEncoder): NodeEncoder {
  const entriesOf = (v: unknown): [string, unknown][] | undefined => {
    if (v instanceof Map) return [...v.entries()].every(([k]) => typeof k === 'string') ? [...v.entries()] : undefined;
    return isPlainObject(v) ? Object.entries(v) : undefined;
  };
  return {
    kinds: ['object'],
    check(v) {
      const entries = entriesOf(v);
      return entries !== undefined && entries.every(([, value]) => values.check(value));
    },
    write(w, v) {
      const entries = entriesOf(v);
      if (entries === undefined) throw mismatch('a map (a plain object or a Map with string keys)', v);
      if (entries.length > 0) {
        writeLong(w, entries.length);
        for (const [key, value] of entries) {
          writeString(w, key);
          try {
            values.write(w, value);
          } catch (e) {
            if (e instanceof AvroEncodeProblem) e.path.unshift(`[${JSON.stringify(key)}]`);
            throw e;
          }
        }
      }
      writeInt(w, 0);
    },
  };
}

function unionEncoder(branches: readonly NodeEncoder[]): NodeEncoder {
  const byKind = new Map<Kind, number[]>();
  branches.forEach((b, i) => {
    for (const kind of b.kinds) {
      const list = byKind.get(kind) ?? [];
      list.push(i);
      byKind.set(kind, list);
    }
  });
  const pick = (v: unknown): number => {
    const candidates = byKind.get(kindOf(v));
    if (candidates === undefined) return -1;
    if (candidates.length === 1) return candidates[0] as number;
    for (const i of candidates) if ((branches[i] as NodeEncoder).check(v)) return i;
    return -1;
  };
  return {
    kinds: [...byKind.keys()],
    check: (v) => {
      const i = pick(v);
      return i >= 0 && (branches[i] as NodeEncoder).check(v);
    },
    write(w, v) {
      const i = pick(v);
      if (i < 0) throw new AvroEncodeProblem(`${describeValue(v)} fits no branch of the union`);
      writeInt(w, i);
      (branches[i] as NodeEncoder).write(w, v);
    },
  };
}
