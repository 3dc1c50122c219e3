import { SluiceError } from '../../../errors.ts';
import {
  type AvroLongMode,
  arrayDecoder,
  compileSkipper,
  enumDecoder,
  fixedDecoder,
  mapDecoder,
  minEncodedSize,
  type NodeDecoder,
  primitiveDecoder,
  unionDecoder,
} from './avro-decode-parts.ts';
import { type DefaultFactory, defaultFactory } from './avro-defaults.ts';
import { badAvroData } from './avro-errors.ts';
import { readInt, readLongBigInt } from './avro-read-cursor.ts';
import type { AvroLogicalType, AvroNamedSchema, AvroRecordSchema, AvroSchema } from './avro-schema.ts';

interface Context {
  readonly longs: AvroLongMode;
  /** Decoders of (writer, reader) pairs of named types, so recursive types compile once. */
  readonly pairs: Map<AvroSchema, Map<AvroSchema, NodeDecoder>>;
  readonly skippers: Map<AvroSchema, NodeDecoder>;
}

/**
 * A decoder that reads data written with `writer` and returns values shaped by `reader`,
 * following the Avro schema-resolution rules. Throws `DESERIALIZATION_FAILED` at compile time
 * when the schemas cannot match at all (e.g. a reader field without a default that the writer
 * lacks); a writer union branch that the reader cannot read fails only for records that use it.
 */
export function compileResolvingDecoder(writer: AvroSchema, reader: AvroSchema, longs: AvroLongMode): NodeDecoder {
  return resolve(writer, reader, { longs, pairs: new Map(), skippers: new Map() }, '$');
}

function incompatible(where: string, problem: string): SluiceError {
  return new SluiceError(
    'DESERIALIZATION_FAILED',
    `The reader schema cannot read data of the writer schema at ${where}: ${problem}. Make the reader schema compatible (matching names or aliases, defaults for added fields).`,
    { retriable: false },
  );
}

function resolve(w: AvroSchema, r: AvroSchema, ctx: Context, where: string): NodeDecoder {
  if (w.type === 'union') {
    const branches = w.branches.map((branch, i) => {
      try {
        return resolve(branch, r, ctx, `${where}<branch ${i}>`);
      } catch (e) {
        if (!(e instanceof SluiceError)) throw e;
        // Fails only the records that use this branch.
        const problem = e.message;
        return () => {
          throw badAvroData(`writer union branch ${i} cannot be read with the reader schema (${problem})`);
        };
      }
    });
    return unionDecoder(branches);
  }
  if (r.type === 'union') {
    const i = pickBranch(w, r.branches);
    if (i < 0) throw incompatible(where, `the writer's '${nameOf(w)}' matches no branch of the reader's union`);
    return resolve(w, r.branches[i] as AvroSchema, ctx, where);
  }
  switch (r.type) {
    case 'record':
    case 'error':
      if (w.type !== 'record' && w.type !== 'error') break;
      if (!namesMatch(w, r)) throw incompatible(where, `record '${w.name}' does not match the reader's '${r.name}'`);
      return pair(ctx, w, r, resolveRecord(w, r, ctx, where));
    case 'enum': {
      if (w.type !== 'enum') break;
      if (!namesMatch(w, r)) throw incompatible(where, `enum '${w.name}' does not match the reader's '${r.name}'`);
      const symbols = w.symbols.map((s) => (r.symbols.includes(s) ? s : undefined));
      return enumDecoder(symbols, w.name, r.default);
    }
    case 'fixed':
      if (w.type !== 'fixed') break;
      if (!namesMatch(w, r) || w.size !== r.size) {
        throw incompatible(
          where,
          `fixed '${w.name}' (${w.size} bytes) does not match the reader's '${r.name}' (${r.size} bytes)`,
        );
      }
      return fixedDecoder(w.size, logicalOf(w.logicalType, r.logicalType, where));
    case 'array':
      if (w.type !== 'array') break;
      return arrayDecoder(resolve(w.items, r.items, ctx, `${where}[]`), minEncodedSize(w.items));
    case 'map':
      if (w.type !== 'map') break;
      return mapDecoder(resolve(w.values, r.values, ctx, `${where}{}`), minEncodedSize(w.values));
    default: {
      if (w.type === r.type) return primitiveDecoder(w.type, logicalOf(w.logicalType, r.logicalType, where), ctx.longs);
      const promoted = promotion(w.type, r.type, ctx.longs);
      if (promoted !== undefined) return promoted;
    }
  }
  throw incompatible(where, `the writer's '${nameOf(w)}' cannot be read as the reader's '${nameOf(r)}'`);
}

/** The decoder of a promoted primitive (int → long/float/double, long → float/double, ...). */
function promotion(w: string, r: string, longs: AvroLongMode): NodeDecoder | undefined {
  if (w === 'int' && r === 'long') return longs === 'bigint' ? (c) => BigInt(readInt(c)) : readInt;
  if (w === 'int' && (r === 'float' || r === 'double')) return readInt;
  if (w === 'long' && (r === 'float' || r === 'double')) return (c) => Number(readLongBigInt(c));
  if (w === 'float' && r === 'double') return primitiveDecoder('float', undefined, longs);
  if (w === 'string' && r === 'bytes')
    return (c) => Buffer.from(primitiveDecoder('string', undefined, longs)(c) as string, 'utf8');
  if (w === 'bytes' && r === 'string') return primitiveDecoder('string', undefined, longs);
  return undefined;
}

/** The reader's logical type, when the writer's (if any) agrees with it. */
function logicalOf(
  w: AvroLogicalType | undefined,
  r: AvroLogicalType | undefined,
  where: string,
): AvroLogicalType | undefined {
  if (w?.name === 'decimal' && r?.name === 'decimal' && (w.precision !== r.precision || w.scale !== r.scale)) {
    throw incompatible(
      where,
      `decimal(${w.precision},${w.scale}) does not match the reader's decimal(${r.precision},${r.scale})`,
    );
  }
  return r;
}

function pair(
  ctx: Context,
  w: AvroSchema,
  r: AvroSchema,
  build: (register: (d: NodeDecoder) => void) => NodeDecoder,
): NodeDecoder {
  let byReader = ctx.pairs.get(w);
  if (byReader === undefined) {
    byReader = new Map();
    ctx.pairs.set(w, byReader);
  }
  const cached = byReader.get(r);
  if (cached !== undefined) return cached;
  const map = byReader;
  return build((d) => map.set(r, d));
}

function resolveRecord(
  w: AvroRecordSchema,
  r: AvroRecordSchema,
  ctx: Context,
  where: string,
): (register: (d: NodeDecoder) => void) => NodeDecoder {
  return (register) => {
    // Parts run in writer order: a reader field's decoder, or a skipper for a field it lacks.
    const parts: NodeDecoder[] = [];
    const defaults: DefaultFactory[] = [];
    const lines: string[] = [];
    const slotOf = new Map<string, string>();
    w.fields.forEach((wf, i) => {
      const rf = r.fields.find((f) => f.name === wf.name) ?? r.fields.find((f) => f.aliases.includes(wf.name));
      if (rf === undefined || slotOf.has(rf.name)) {
        lines.push(`p[${i}](c);`);
      } else {
        slotOf.set(rf.name, `v${i}`);
        lines.push(`const v${i} = p[${i}](c);`);
      }
    });
    const entries = r.fields.map((rf, j) => {
      let slot = slotOf.get(rf.name);
      if (slot === undefined) {
        if (!rf.hasDefault) {
          throw incompatible(
            `${where}.${rf.name}`,
            `the reader's field '${rf.name}' is not in the writer's record and has no default`,
          );
        }
        defaults[j] = defaultFactory(rf.type, rf.default, ctx.longs, `${where}.${rf.name}`);
        slot = `f[${j}]()`;
      }
      const key = rf.name === '__proto__' ? '["__proto__"]' : JSON.stringify(rf.name);
      return `${key}: ${slot}`;
    });
    // biome-ignore lint/security/noGlobalEval: generated once per record pair from validated Avro names.
    const make = new Function(
      'p',
      'f',
      `return function resolveRecord(c) { ${lines.join(' ')} return { ${entries.join(', ')} }; };`,
    );
    const decoder = make(parts, defaults) as NodeDecoder;
    // Registered before the field decoders compile, so recursive types find it.
    register(decoder);
    w.fields.forEach((wf, i) => {
      const slot = lines[i] as string;
      if (slot.startsWith('const')) {
        const rf = (r.fields.find((f) => f.name === wf.name) ??
          r.fields.find((f) => f.aliases.includes(wf.name))) as (typeof r.fields)[number];
        parts[i] = resolve(wf.type, rf.type, ctx, `${where}.${rf.name}`);
      } else {
        parts[i] = compileSkipper(wf.type, ctx.skippers);
      }
    });
    return decoder;
  };
}

function unqualified(name: string): string {
  return name.slice(name.lastIndexOf('.') + 1);
}

function namesMatch(w: AvroNamedSchema, r: AvroNamedSchema): boolean {
  const short = unqualified(w.name);
  return unqualified(r.name) === short || r.aliases.some((a) => a === w.name || unqualified(a) === short);
}

function nameOf(schema: AvroSchema): string {
  return 'name' in schema ? schema.name : schema.type;
}

const PROMOTIONS: Readonly<Record<string, readonly string[]>> = {
  int: ['long', 'float', 'double'],
  long: ['float', 'double'],
  float: ['double'],
  string: ['bytes'],
  bytes: ['string'],
};

/** The reader union branch for a writer (non-union) type: an exact match first, then a promotion. */
function pickBranch(w: AvroSchema, branches: readonly AvroSchema[]): number {
  const exact = branches.findIndex((b) => {
    if (b.type !== w.type && !(isRecord(b) && isRecord(w))) return false;
    if ('name' in b && 'name' in w) return namesMatch(w, b);
    return true;
  });
  if (exact >= 0) return exact;
  return branches.findIndex((b) => PROMOTIONS[w.type]?.includes(b.type) === true);
}

function isRecord(s: AvroSchema): boolean {
  return s.type === 'record' || s.type === 'error';
}
