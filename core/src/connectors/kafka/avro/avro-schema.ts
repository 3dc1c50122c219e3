/**
 * The parsed form of an Avro schema (Avro 1.11 specification, "Schema Declaration"). Named types
 * are resolved: a reference to a record is the record object itself, so recursive types are
 * cyclic object graphs. Names are full names (`namespace.name`).
 *
 * @example
 * ```ts
 * const schema = parseAvroSchema('{"type":"record","name":"a.User","fields":[{"name":"id","type":"long"}]}');
 * if (schema.type === 'record') console.log(schema.name, schema.fields.map((f) => f.name)); // a.User [ 'id' ]
 * ```
 * @experimental
 */
export type AvroSchema =
  | AvroPrimitiveSchema
  | AvroRecordSchema
  | AvroEnumSchema
  | AvroArraySchema
  | AvroMapSchema
  | AvroUnionSchema
  | AvroFixedSchema;

/**
 * The Avro primitive type names.
 *
 * @example
 * ```ts
 * const name: AvroPrimitiveName = 'long';
 * ```
 */
export type AvroPrimitiveName = 'null' | 'boolean' | 'int' | 'long' | 'float' | 'double' | 'bytes' | 'string';

/**
 * A logical type the codec understands. Invalid ones (e.g. `date` on a string, a decimal whose
 * precision does not fit its fixed size) are ignored, as the specification requires: the value is
 * then read as its underlying type. Unknown logical types are ignored the same way.
 *
 * @example
 * ```ts
 * const money: AvroLogicalType = { name: 'decimal', precision: 12, scale: 2 };
 * ```
 */
export type AvroLogicalType =
  | { readonly name: 'decimal'; readonly precision: number; readonly scale: number }
  | {
      readonly name:
        | 'date'
        | 'time-millis'
        | 'time-micros'
        | 'timestamp-millis'
        | 'timestamp-micros'
        | 'local-timestamp-millis'
        | 'local-timestamp-micros'
        | 'uuid'
        | 'duration';
    };

/** A primitive type, possibly annotated with a logical type. @example `{ type: 'int', logicalType: { name: 'date' } }` */
export interface AvroPrimitiveSchema {
  readonly type: AvroPrimitiveName;
  readonly logicalType?: AvroLogicalType;
}

/** Properties shared by records, enums and fixed. @example `{ type: 'fixed', name: 'a.Md5', aliases: [], size: 16 }` */
export interface AvroNamedSchema {
  /** The full name, e.g. `com.acme.User`. */
  readonly name: string;
  /** Full names this type is also known as (for schema resolution). */
  readonly aliases: readonly string[];
}

/** A record (or `error`, which is the same on the wire). @example `schema.fields[0]?.name` */
export interface AvroRecordSchema extends AvroNamedSchema {
  readonly type: 'record' | 'error';
  readonly fields: readonly AvroField[];
}

/** A field of a record. `default` is the JSON default as written in the schema. @example `field.hasDefault ? field.default : undefined` */
export interface AvroField {
  readonly name: string;
  readonly type: AvroSchema;
  readonly hasDefault: boolean;
  readonly default?: unknown;
  /** Other names of the field (for schema resolution). */
  readonly aliases: readonly string[];
}

/** An enum. @example `{ type: 'enum', name: 'Suit', aliases: [], symbols: ['SPADES', 'HEARTS'] }` */
export interface AvroEnumSchema extends AvroNamedSchema {
  readonly type: 'enum';
  readonly symbols: readonly string[];
  /** The symbol a reader uses for a writer symbol it does not know (schema resolution). */
  readonly default?: string;
}

/** An array. @example `{ type: 'array', items: { type: 'string' } }` */
export interface AvroArraySchema {
  readonly type: 'array';
  readonly items: AvroSchema;
}

/** A map with string keys. @example `{ type: 'map', values: { type: 'long' } }` */
export interface AvroMapSchema {
  readonly type: 'map';
  readonly values: AvroSchema;
}

/** A union (a JSON array in schema text). @example `{ type: 'union', branches: [{ type: 'null' }, { type: 'string' }] }` */
export interface AvroUnionSchema {
  readonly type: 'union';
  readonly branches: readonly AvroSchema[];
}

/** A fixed-size byte string. @example `{ type: 'fixed', name: 'Md5', aliases: [], size: 16 }` */
export interface AvroFixedSchema extends AvroNamedSchema {
  readonly type: 'fixed';
  readonly size: number;
  readonly logicalType?: AvroLogicalType;
}
