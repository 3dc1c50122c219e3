import {
  type AvroLongMode,
  arrayDecoder,
  enumDecoder,
  fixedDecoder,
  mapDecoder,
  minEncodedSize,
  type NodeDecoder,
  primitiveDecoder,
  recordDecoder,
  unionDecoder,
} from './avro-decode-parts.ts';
import { badAvroData } from './avro-errors.ts';
import { AvroReadCursor } from './avro-read-cursor.ts';
import { compileResolvingDecoder } from './avro-resolver.ts';
import type { AvroSchema } from './avro-schema.ts';
import { asAvroSchema as asSchema } from './parse-avro-schema.ts';

/**
 * Options of {@link compileAvroDecoder}.
 *
 * @example
 * ```ts
 * const options: AvroDecoderOptions = { longs: 'bigint', readerSchema: '{"type":"record","name":"User","fields":[]}' };
 * ```
 */
export interface AvroDecoderOptions {
  /**
   * How `long` values come out: `'number'` (default) gives JS numbers and treats a long outside
   * ±(2^53 - 1) as a bad record (it would lose precision); `'bigint'` gives every long as a
   * bigint, exact over the full 64-bit range.
   */
  readonly longs?: AvroLongMode;
  /**
   * The schema the application expects. When given, data written with the writer schema is
   * resolved to it by the Avro schema-resolution rules: fields matched by name or alias, fields
   * the reader lacks skipped, fields the writer lacks filled from the reader's defaults, numeric
   * and string/bytes promotions, enum defaults for unknown symbols, union branch matching.
   */
  readonly readerSchema?: AvroSchema | string | object;
}

/**
 * A compiled decoder: decodes one Avro value (binary encoding) from `bytes[start, end)`. The
 * whole range must be consumed: leftover bytes are an error, since they mean a schema mismatch.
 * Throws a `DESERIALIZATION_FAILED` {@link SluiceError} for bytes that do not fit the schema.
 *
 * @example
 * ```ts
 * const decode: AvroDecodeFunction<string> = compileAvroDecoder('"string"');
 * decode(Buffer.from([0x06, 0x66, 0x6f, 0x6f])); // 'foo'
 * ```
 */
export type AvroDecodeFunction<T> = (bytes: Uint8Array, start?: number, end?: number) => T;

/**
 * Compiles a schema into a decode function once; each call then runs closures specialized to the
 * schema (records are built by a generated object literal per record type), without
 * interpreting the schema per record.
 *
 * Values: null → `null`; boolean; int, float, double → number; long → number (or bigint, see
 * {@link AvroDecoderOptions.longs}); string → string; bytes and fixed → a new Buffer; enum → its
 * symbol; array → array; map → plain object; record → plain object with the fields in schema
 * order; union → the branch's value as it is (not wrapped). Logical types: `decimal` → a string
 * with exactly `scale` fraction digits (e.g. "-12.30"), exact at any precision; `date` → days
 * since 1970-01-01; `time-millis` → ms after midnight; `time-micros` → µs after midnight;
 * `timestamp-millis` and `local-timestamp-millis` → ms since the epoch (a Sluice timestamp);
 * `timestamp-micros` and `local-timestamp-micros` → µs since the epoch (exact as a number until
 * the year 2255); `uuid` → string; `duration` → the 12-byte Buffer.
 *
 * @example
 * ```ts
 * const decode = compileAvroDecoder<{ id: number; name: string }>({
 *   type: 'record',
 *   name: 'User',
 *   fields: [
 *     { name: 'id', type: 'long' },
 *     { name: 'name', type: 'string' },
 *   ],
 * });
 * decode(Buffer.from([0x02, 0x06, 0x66, 0x6f, 0x6f])); // { id: 1, name: 'foo' }
 * ```
 * @experimental
 */
export function compileAvroDecoder<T = unknown>(
  schema: AvroSchema | string | object,
  options: AvroDecoderOptions = {},
): AvroDecodeFunction<T> {
  const writer = asSchema(schema);
  const longs = options.longs ?? 'number';
  const root =
    options.readerSchema === undefined
      ? compileNode(writer, longs, new Map())
      : compileResolvingDecoder(writer, asSchema(options.readerSchema), longs);
  const cursor = new AvroReadCursor();
  return (bytes, start = 0, end = bytes.length) => {
    cursor.buf = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    cursor.pos = start;
    cursor.end = end;
    const value = root(cursor);
    if (cursor.pos !== end) {
      throw badAvroData(`${end - cursor.pos} byte(s) are left over after the value (it ended at byte ${cursor.pos})`);
    }
    return value as T;
  };
}

/** The decoder of one node of the writer schema (no resolution). */
export function compileNode(schema: AvroSchema, longs: AvroLongMode, cache: Map<AvroSchema, NodeDecoder>): NodeDecoder {
  const cached = cache.get(schema);
  if (cached !== undefined) return cached;
  switch (schema.type) {
    case 'record':
    case 'error': {
      const fields: NodeDecoder[] = [];
      const decoder = recordDecoder(
        schema.fields.map((f) => f.name),
        fields,
      );
      // Cached before the fields compile, so a recursive reference finds it (the generated
      // function reads `fields` at call time).
      cache.set(schema, decoder);
      for (const f of schema.fields) fields.push(compileNode(f.type, longs, cache));
      return decoder;
    }
    case 'enum':
      return cached1(cache, schema, enumDecoder(schema.symbols, schema.name));
    case 'fixed':
      return cached1(cache, schema, fixedDecoder(schema.size, schema.logicalType));
    case 'array':
      return arrayDecoder(compileNode(schema.items, longs, cache), minEncodedSize(schema.items));
    case 'map':
      return mapDecoder(compileNode(schema.values, longs, cache), minEncodedSize(schema.values));
    case 'union':
      return unionDecoder(schema.branches.map((b) => compileNode(b, longs, cache)));
    default:
      return primitiveDecoder(schema.type, schema.logicalType, longs);
  }
}

function cached1(cache: Map<AvroSchema, NodeDecoder>, schema: AvroSchema, decoder: NodeDecoder): NodeDecoder {
  cache.set(schema, decoder);
  return decoder;
}
