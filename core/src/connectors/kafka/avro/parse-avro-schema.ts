import { invalidSchema } from './avro-errors.ts';
import type {
  AvroField,
  AvroLogicalType,
  AvroNamedSchema,
  AvroPrimitiveName,
  AvroPrimitiveSchema,
  AvroSchema,
} from './avro-schema.ts';

const PRIMITIVES: ReadonlySet<string> = new Set([
  'null',
  'boolean',
  'int',
  'long',
  'float',
  'double',
  'bytes',
  'string',
]);
const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

interface Scope {
  /** Named types defined so far, by full name. */
  readonly named: Map<string, AvroSchema & AvroNamedSchema>;
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/**
 * Parses an Avro schema from its JSON text (or the already parsed JSON) into an {@link AvroSchema}:
 * names and namespaces are resolved to full names, references to named types (including
 * recursive ones) become the types themselves, and logical types are validated (invalid ones are
 * ignored, as the specification says). Throws `INVALID_ARGUMENT` for a schema that breaks the
 * specification, naming where.
 *
 * Not supported: schema references across registry subjects (Confluent `references`).
 *
 * @example
 * ```ts
 * const schema = parseAvroSchema({
 *   type: 'record',
 *   name: 'LinkedList',
 *   namespace: 'example',
 *   fields: [
 *     { name: 'value', type: 'int' },
 *     { name: 'next', type: ['null', 'LinkedList'] },
 *   ],
 * });
 * ```
 * @experimental
 */
export function parseAvroSchema(schema: string | object): AvroSchema {
  let json: unknown = schema;
  if (typeof schema === 'string') {
    try {
      json = JSON.parse(schema);
    } catch {
      // A bare type name such as `string` (not valid JSON) is accepted too.
      json = schema.trim();
    }
  }
  const parsed = parse(json as Json, '', { named: new Map() }, '$');
  if (typeof parsed === 'object') parsedSchemas.add(parsed);
  return parsed;
}

const parsedSchemas = new WeakSet<object>();

/**
 * Whether `schema` is the result of {@link parseAvroSchema} (and so need not be parsed again).
 *
 * @example
 * ```ts
 * isParsedAvroSchema(parseAvroSchema('"int"')); // true
 * ```
 */
export function isParsedAvroSchema(schema: unknown): schema is AvroSchema {
  return typeof schema === 'object' && schema !== null && parsedSchemas.has(schema);
}

/** An already parsed schema as it is; schema text or JSON parsed. */
export function asAvroSchema(schema: AvroSchema | string | object): AvroSchema {
  return isParsedAvroSchema(schema) ? schema : parseAvroSchema(schema);
}

function parse(json: Json, namespace: string, scope: Scope, where: string): AvroSchema {
  if (typeof json === 'string') return reference(json, namespace, scope, where);
  if (Array.isArray(json)) return union(json, namespace, scope, where);
  if (json === null || typeof json !== 'object') {
    throw invalidSchema(where, `expected a type name, an object or a union array; got ${JSON.stringify(json)}`);
  }
  const type = json.type;
  if (typeof type !== 'string') {
    // `{"type": {...}}` and `{"type": [...]}` wrap a type definition.
    if (type !== undefined && type !== null && typeof type === 'object') return parse(type, namespace, scope, where);
    throw invalidSchema(where, 'an object schema needs a "type"');
  }
  switch (type) {
    case 'record':
    case 'error':
      return record(json, type, namespace, scope, where);
    case 'enum':
      return enumType(json, namespace, scope, where);
    case 'fixed': {
      const name = define(json, namespace, scope, where);
      const size = json.size;
      if (typeof size !== 'number' || !Number.isInteger(size) || size < 0) {
        throw invalidSchema(where, `fixed '${name.fullName}' needs a non-negative integer "size"`);
      }
      const fixed = { type: 'fixed' as const, name: name.fullName, aliases: name.aliases, size };
      const logicalType = logical(json, 'fixed', size);
      const result = logicalType === undefined ? fixed : { ...fixed, logicalType };
      scope.named.set(name.fullName, result);
      return result;
    }
    case 'union':
      // The parsed form ({ type: 'union', branches }) is accepted too, so hand-built schemas parse.
      if (!Array.isArray(json.branches)) throw invalidSchema(where, 'a union object needs "branches"');
      return union(json.branches, namespace, scope, where);
    case 'array':
      if (json.items === undefined) throw invalidSchema(where, 'an array needs "items"');
      return { type: 'array', items: parse(json.items, namespace, scope, `${where}.items`) };
    case 'map':
      if (json.values === undefined) throw invalidSchema(where, 'a map needs "values"');
      return { type: 'map', values: parse(json.values, namespace, scope, `${where}.values`) };
    default: {
      if (!PRIMITIVES.has(type)) {
        // `{"type": "com.acme.User"}` refers to a named type.
        return reference(type, namespace, scope, where);
      }
      const logicalType = logical(json, type as AvroPrimitiveName, 0);
      const primitive: AvroPrimitiveSchema =
        logicalType === undefined
          ? { type: type as AvroPrimitiveName }
          : { type: type as AvroPrimitiveName, logicalType };
      return primitive;
    }
  }
}

function reference(name: string, namespace: string, scope: Scope, where: string): AvroSchema {
  if (PRIMITIVES.has(name)) return { type: name as AvroPrimitiveName };
  const candidates = name.includes('.') || namespace === '' ? [name] : [`${namespace}.${name}`, name];
  for (const candidate of candidates) {
    const found = scope.named.get(candidate);
    if (found !== undefined) return found;
  }
  throw invalidSchema(where, `unknown type '${name}' (define named types before referring to them)`);
}

function union(branches: Json[], namespace: string, scope: Scope, where: string): AvroSchema {
  const parsed = branches.map((b, i) => parse(b, namespace, scope, `${where}[${i}]`));
  const seen = new Set<string>();
  parsed.forEach((branch, i) => {
    if (branch.type === 'union') throw invalidSchema(`${where}[${i}]`, 'a union may not immediately contain a union');
    const key = 'name' in branch ? branch.name : branch.type;
    if (seen.has(key)) throw invalidSchema(`${where}[${i}]`, `the union has '${key}' twice`);
    seen.add(key);
  });
  return { type: 'union', branches: parsed };
}

interface Name {
  readonly fullName: string;
  readonly namespace: string;
  readonly aliases: readonly string[];
}

function define(json: { [key: string]: Json }, enclosing: string, scope: Scope, where: string): Name {
  const name = json.name;
  if (typeof name !== 'string') throw invalidSchema(where, `a ${String(json.type)} needs a "name"`);
  const ns = json.namespace;
  if (ns !== undefined && ns !== null && typeof ns !== 'string')
    throw invalidSchema(where, '"namespace" must be a string');
  let fullName: string;
  let namespace: string;
  if (name.includes('.')) {
    fullName = name;
    namespace = name.slice(0, name.lastIndexOf('.'));
  } else {
    namespace = typeof ns === 'string' ? ns : enclosing;
    fullName = namespace === '' ? name : `${namespace}.${name}`;
  }
  checkFullName(fullName, where);
  if (PRIMITIVES.has(fullName)) throw invalidSchema(where, `'${fullName}' is a primitive type and cannot be redefined`);
  if (scope.named.has(fullName)) throw invalidSchema(where, `'${fullName}' is defined twice`);
  const aliases = stringList(json.aliases, where, 'aliases').map((alias) => {
    const full = alias.includes('.') || namespace === '' ? alias : `${namespace}.${alias}`;
    checkFullName(full, where);
    return full;
  });
  return { fullName, namespace, aliases };
}

function checkFullName(fullName: string, where: string): void {
  for (const part of fullName.split('.')) {
    if (!NAME.test(part))
      throw invalidSchema(where, `'${fullName}' is not a valid name ([A-Za-z_][A-Za-z0-9_]* per part)`);
  }
}

function stringList(value: Json | undefined, where: string, what: string): string[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value) || value.some((v) => typeof v !== 'string')) {
    throw invalidSchema(where, `"${what}" must be an array of strings`);
  }
  return value as string[];
}

function record(
  json: { [key: string]: Json },
  type: 'record' | 'error',
  enclosing: string,
  scope: Scope,
  where: string,
): AvroSchema {
  const name = define(json, enclosing, scope, where);
  const fields: AvroField[] = [];
  const result = { type, name: name.fullName, aliases: name.aliases, fields };
  // Registered before the fields are parsed, so fields can refer to the record itself.
  scope.named.set(name.fullName, result);
  if (!Array.isArray(json.fields)) throw invalidSchema(where, `record '${name.fullName}' needs a "fields" array`);
  const seen = new Set<string>();
  json.fields.forEach((field, i) => {
    const at = `${where}.fields[${i}]`;
    if (field === null || typeof field !== 'object' || Array.isArray(field))
      throw invalidSchema(at, 'a field must be an object');
    const fieldName = field.name;
    if (typeof fieldName !== 'string' || !NAME.test(fieldName)) throw invalidSchema(at, 'a field needs a valid "name"');
    if (seen.has(fieldName)) throw invalidSchema(at, `field '${fieldName}' appears twice`);
    seen.add(fieldName);
    if (field.type === undefined) throw invalidSchema(at, `field '${fieldName}' needs a "type"`);
    const fieldType = parse(field.type, name.namespace, scope, `${at}(${fieldName})`);
    const hasDefault = Object.hasOwn(field, 'default');
    fields.push({
      name: fieldName,
      type: fieldType,
      hasDefault,
      ...(hasDefault ? { default: field.default } : {}),
      aliases: stringList(field.aliases, at, 'aliases'),
    });
  });
  return result;
}

function enumType(json: { [key: string]: Json }, enclosing: string, scope: Scope, where: string): AvroSchema {
  const name = define(json, enclosing, scope, where);
  const symbols = stringList(json.symbols, where, 'symbols');
  if (json.symbols === undefined) throw invalidSchema(where, `enum '${name.fullName}' needs "symbols"`);
  const unique = new Set(symbols);
  if (unique.size !== symbols.length) throw invalidSchema(where, `enum '${name.fullName}' repeats a symbol`);
  for (const symbol of symbols) {
    if (!NAME.test(symbol)) throw invalidSchema(where, `enum symbol '${symbol}' is not a valid name`);
  }
  const def = json.default;
  if (def !== undefined && (typeof def !== 'string' || !unique.has(def))) {
    throw invalidSchema(where, `enum default must be one of the symbols; got ${JSON.stringify(def)}`);
  }
  const result =
    def === undefined
      ? { type: 'enum' as const, name: name.fullName, aliases: name.aliases, symbols }
      : { type: 'enum' as const, name: name.fullName, aliases: name.aliases, symbols, default: def };
  scope.named.set(name.fullName, result);
  return result;
}

const LOGICAL_UNDERLYING: Readonly<Record<string, string>> = {
  date: 'int',
  'time-millis': 'int',
  'time-micros': 'long',
  'timestamp-millis': 'long',
  'timestamp-micros': 'long',
  'local-timestamp-millis': 'long',
  'local-timestamp-micros': 'long',
  uuid: 'string',
  duration: 'fixed',
};

/** The logical type of a schema object, or undefined when absent, unknown or invalid. */
function logical(json: { [key: string]: Json }, type: string, fixedSize: number): AvroLogicalType | undefined {
  const name = json.logicalType;
  if (typeof name !== 'string') return undefined;
  if (name === 'decimal') {
    if (type !== 'bytes' && type !== 'fixed') return undefined;
    const precision = json.precision;
    const scale = json.scale ?? 0;
    if (typeof precision !== 'number' || !Number.isInteger(precision) || precision <= 0) return undefined;
    if (typeof scale !== 'number' || !Number.isInteger(scale) || scale < 0 || scale > precision) return undefined;
    if (type === 'fixed' && precision > maxDecimalDigits(fixedSize)) return undefined;
    return { name: 'decimal', precision, scale };
  }
  const underlying = LOGICAL_UNDERLYING[name];
  if (underlying !== type) return undefined;
  if (name === 'duration' && fixedSize !== 12) return undefined;
  return { name } as AvroLogicalType;
}

/** floor(log10(2^(8n-1) - 1)): the most decimal digits a signed n-byte number always holds. */
function maxDecimalDigits(bytes: number): number {
  if (bytes === 0) return 0;
  const max = (1n << BigInt(8 * bytes - 1)) - 1n;
  return max.toString().length - 1;
}
