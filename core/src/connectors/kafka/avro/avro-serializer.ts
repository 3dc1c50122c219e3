import { compileAvroWriter } from './avro-encoder.ts';
import type { AvroSchema } from './avro-schema.ts';
import { AvroWriteBuffer } from './avro-write-buffer.ts';
import { checkSchemaId, SCHEMA_REGISTRY_MAGIC_BYTE } from './schema-registry-wire-format.ts';

/**
 * Options of {@link avroSerializer}.
 *
 * @example
 * ```ts
 * const options: AvroSerializerOptions = { schema: '"string"', schemaId: 7 };
 * ```
 */
export interface AvroSerializerOptions {
  /** The writer schema. */
  readonly schema: AvroSchema | string | object;
  /** Its id in the registry (e.g. from `SchemaRegistryClient.register`). */
  readonly schemaId: number;
}

/**
 * Turns values into Kafka record bytes.
 *
 * @example
 * ```ts
 * const upper: AvroValueSerializer<string> = { serialize: (s) => Buffer.from(s.toUpperCase()) };
 * ```
 */
export interface AvroValueSerializer<T> {
  /** The bytes of `value`; throws `SERIALIZATION_FAILED` when it does not fit the schema. */
  serialize(value: T): Buffer;
}

/**
 * Serializes values as Avro in the schema-registry wire format: magic byte 0, the 4-byte
 * big-endian `schemaId`, then the Avro binary encoding (see {@link compileAvroEncoder} for the
 * values it accepts). The schema is compiled once.
 *
 * @example
 * ```ts
 * const registry = new SchemaRegistryClient({ url: 'http://localhost:8081' });
 * const schema = '{"type":"record","name":"Alert","fields":[{"name":"card","type":"string"}]}';
 * const serializer = avroSerializer<{ card: string }>({ schema, schemaId: await registry.register('alerts-value', schema) });
 * const bytes = serializer.serialize({ card: 'c-1' });
 * ```
 * @experimental
 */
export function avroSerializer<T>(options: AvroSerializerOptions): AvroValueSerializer<T> {
  checkSchemaId(options.schemaId);
  const write = compileAvroWriter(options.schema);
  const id = options.schemaId;
  const w = new AvroWriteBuffer();
  return {
    serialize(value) {
      w.pos = 0;
      w.ensure(5);
      w.buf[0] = SCHEMA_REGISTRY_MAGIC_BYTE;
      w.buf.writeUInt32BE(id, 1);
      w.pos = 5;
      write(w, value);
      return w.take();
    },
  };
}
