import type { AvroLongMode } from './avro-decode-parts.ts';
import { bytesToBigInt, formatDecimal } from './avro-decimal.ts';
import { invalidSchema } from './avro-errors.ts';
import type { AvroSchema } from './avro-schema.ts';

/** Makes a fresh value of a field default each call (arrays, maps and Buffers are never shared). */
export type DefaultFactory = () => unknown;

const SPECIAL_NUMBERS: Readonly<Record<string, number>> = {
  NaN: Number.NaN,
  Infinity: Infinity,
  '-Infinity': -Infinity,
};

/**
 * Turns a default value as written in a schema (JSON) into the factory of the value a decoder
 * would produce for `schema`. Bytes and fixed defaults are strings whose code points 0-255 are the
 * bytes; a union's default is for its first branch (later branches are tried too, as Avro 1.12
 * allows). Throws `INVALID_ARGUMENT` when the default does not fit the type.
 */
export function defaultFactory(schema: AvroSchema, json: unknown, longs: AvroLongMode, where: string): DefaultFactory {
  const bad = (): never => {
    throw invalidSchema(where, `the default ${JSON.stringify(json)} does not fit the type '${describe(schema)}'`);
  };
  const constant =
    (value: unknown): DefaultFactory =>
    () =>
      value;
  switch (schema.type) {
    case 'null':
      return json === null ? constant(null) : bad();
    case 'boolean':
      return typeof json === 'boolean' ? constant(json) : bad();
    case 'int':
      return Number.isInteger(json) && (json as number) >= -(2 ** 31) && (json as number) < 2 ** 31
        ? constant(json)
        : bad();
    case 'long': {
      if (!Number.isInteger(json)) return bad();
      const n = json as number;
      return constant(longs === 'bigint' ? BigInt(n) : n);
    }
    case 'float':
    case 'double':
      if (typeof json === 'number') return constant(json);
      if (typeof json === 'string' && json in SPECIAL_NUMBERS) return constant(SPECIAL_NUMBERS[json]);
      return bad();
    case 'string':
      return typeof json === 'string' ? constant(json) : bad();
    case 'enum':
      return typeof json === 'string' && schema.symbols.includes(json) ? constant(json) : bad();
    case 'bytes':
    case 'fixed': {
      if (typeof json !== 'string' || [...json].some((ch) => (ch.codePointAt(0) as number) > 0xff)) return bad();
      const bytes = Buffer.from(json, 'latin1');
      if (schema.type === 'fixed' && bytes.length !== schema.size) return bad();
      if (schema.logicalType?.name === 'decimal') {
        return constant(formatDecimal(bytesToBigInt(bytes, 0, bytes.length), schema.logicalType.scale));
      }
      return () => Buffer.from(bytes);
    }
    case 'array': {
      if (!Array.isArray(json)) return bad();
      const items = json.map((item, i) => defaultFactory(schema.items, item, longs, `${where}[${i}]`));
      return () => items.map((make) => make());
    }
    case 'map': {
      if (json === null || typeof json !== 'object' || Array.isArray(json)) return bad();
      const entries = Object.entries(json).map(
        ([k, v]) => [k, defaultFactory(schema.values, v, longs, `${where}.${k}`)] as const,
      );
      return () => {
        const out: Record<string, unknown> = {};
        for (const [k, make] of entries)
          Object.defineProperty(out, k, { value: make(), enumerable: true, writable: true, configurable: true });
        return out;
      };
    }
    case 'record':
    case 'error': {
      if (json === null || typeof json !== 'object' || Array.isArray(json)) return bad();
      const given = json as Record<string, unknown>;
      const fields = schema.fields.map((f) => {
        if (Object.hasOwn(given, f.name))
          return [f.name, defaultFactory(f.type, given[f.name], longs, `${where}.${f.name}`)] as const;
        if (f.hasDefault) return [f.name, defaultFactory(f.type, f.default, longs, `${where}.${f.name}`)] as const;
        return bad();
      });
      return () => {
        const out: Record<string, unknown> = {};
        for (const [k, make] of fields)
          Object.defineProperty(out, k, { value: make(), enumerable: true, writable: true, configurable: true });
        return out;
      };
    }
    case 'union': {
      for (const branch of schema.branches) {
        try {
          return defaultFactory(branch, json, longs, where);
        } catch {
          // Try the next branch.
        }
      }
      return bad();
    }
  }
}

function describe(schema: AvroSchema): string {
  return 'name' in schema ? schema.name : schema.type;
}
