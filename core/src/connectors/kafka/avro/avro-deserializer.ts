import { SluiceError } from '../../../errors.ts';
import type { KafkaRecord } from '../kafka-client.ts';
import type { KafkaRecordDeserializer } from '../source/deserializer.ts';
import type { AvroLongMode } from './avro-decode-parts.ts';
import { type AvroDecodeFunction, compileAvroDecoder } from './avro-decoder.ts';
import type { AvroSchema } from './avro-schema.ts';
import { SchemaRegistryClient, SchemaRegistryError } from './schema-registry-client.ts';
import {
  readSchemaId,
  SCHEMA_REGISTRY_HEADER_SIZE,
  SCHEMA_REGISTRY_MAGIC_BYTE,
} from './schema-registry-wire-format.ts';
import { asAvroSchema } from './parse-avro-schema.ts';

/**
 * Options of {@link avroDeserializer}: a registry (`registry`, or `registryUrl` and optional
 * `basicAuth`) and how to decode.
 *
 * @example
 * ```ts
 * const options: AvroDeserializerOptions = { registryUrl: 'http://localhost:8081', longs: 'bigint' };
 * ```
 */
export interface AvroDeserializerOptions {
  /** A shared client (its cache is shared too). */
  readonly registry?: SchemaRegistryClient;
  /** The registry's base URL, when no `registry` is given. */
  readonly registryUrl?: string;
  /** Basic auth for `registryUrl`. */
  readonly basicAuth?: { readonly username: string; readonly password: string };
  /** The schema the application reads with; data of every writer schema is resolved to it. */
  readonly readerSchema?: AvroSchema | string | object;
  /** `'number'` (default; a long beyond ±(2^53-1) is a bad record) or `'bigint'`. */
  readonly longs?: AvroLongMode;
  /** Which part of the record holds the Avro data (default `'value'`). */
  readonly part?: 'value' | 'key';
  /** A null value (tombstone): `'error'` (default; a bad record) or `'null'` (deserialized to null). */
  readonly tombstones?: 'error' | 'null';
}

type Entry = AvroDecodeFunction<unknown> | SluiceError;

/**
 * A Kafka deserializer of Avro in the schema-registry wire format (magic byte 0, 4-byte
 * big-endian schema id, Avro binary). `prepare` fetches the schemas of ids the batch uses that it
 * has not seen (one request per id, concurrently) and compiles a decoder per id; `deserialize` is
 * synchronous. A bad magic byte, a value too short, an id the registry does not know (404), a
 * non-Avro schema, a schema the reader schema cannot resolve, and a truncated or overlong payload
 * make `deserialize` throw a `DESERIALIZATION_FAILED` error, so the record goes to the dead-letter
 * topic; a registry that cannot be reached makes `prepare` throw (retriable), so the fetch is retried.
 * Ids the registry does not know are remembered as bad for the life of the deserializer.
 *
 * Decoded values are as {@link compileAvroDecoder} describes.
 *
 * @example
 * ```ts
 * interface Payment { readonly card: string; readonly amount: string }
 * const source = new KafkaSource({
 *   topics: ['payments'],
 *   deserializer: avroDeserializer<Payment>({ registryUrl: 'http://localhost:8081' }),
 * });
 * ```
 * @experimental
 */
export function avroDeserializer<T>(options: AvroDeserializerOptions): KafkaRecordDeserializer<T> {
  const registry = registryOf(options);
  const part = options.part ?? 'value';
  const nullTombstones = options.tombstones === 'null';
  const longs = options.longs ?? 'number';
  const readerSchema = options.readerSchema === undefined ? undefined : asAvroSchema(options.readerSchema);
  const entries = new Map<number, Entry>();

  const compile = async (id: number): Promise<void> => {
    let registered: { schema: string; schemaType: string };
    try {
      registered = await registry.getSchemaById(id);
    } catch (e) {
      if (e instanceof SchemaRegistryError && e.status !== undefined && e.status === 404) {
        entries.set(id, badId(id, `the registry at ${registry.url} has no schema with this id`, e));
        return;
      }
      throw e;
    }
    if (registered.schemaType !== 'AVRO') {
      entries.set(id, badId(id, `it is a ${registered.schemaType} schema, not Avro`));
      return;
    }
    try {
      entries.set(
        id,
        compileAvroDecoder(registered.schema, readerSchema === undefined ? { longs } : { longs, readerSchema }),
      );
    } catch (e) {
      entries.set(id, badId(id, e instanceof Error ? e.message : String(e), e));
    }
  };

  return {
    async prepare(records) {
      let missing: Set<number> | undefined;
      for (const record of records) {
        const bytes = part === 'value' ? record.value : record.key;
        if (bytes === null || bytes.length < SCHEMA_REGISTRY_HEADER_SIZE || bytes[0] !== SCHEMA_REGISTRY_MAGIC_BYTE)
          continue;
        const id = bytes.readUInt32BE(1);
        if (!entries.has(id)) (missing ??= new Set()).add(id);
      }
      if (missing !== undefined) await Promise.all([...missing].map(compile));
    },
    deserialize(record: KafkaRecord): T {
      const bytes = part === 'value' ? record.value : record.key;
      if (bytes === null) {
        if (nullTombstones) return null as T;
        throw new SluiceError(
          'DESERIALIZATION_FAILED',
          `The record's ${part} is null (a tombstone); pass tombstones: 'null' to avroDeserializer to receive it as null.`,
          { retriable: false },
        );
      }
      const id = readSchemaId(bytes);
      const entry = entries.get(id);
      if (entry === undefined) {
        throw new SluiceError(
          'DESERIALIZATION_FAILED',
          `Schema id ${id} has not been fetched; await deserializer.prepare(records) before deserialize (the Kafka source does this per batch).`,
          { retriable: false },
        );
      }
      if (typeof entry !== 'function') {
        throw new SluiceError('DESERIALIZATION_FAILED', entry.message, { retriable: false, cause: entry.cause });
      }
      return entry(bytes, SCHEMA_REGISTRY_HEADER_SIZE, bytes.length) as T;
    },
  };
}

function badId(id: number, reason: string, cause?: unknown): SluiceError {
  return new SluiceError('DESERIALIZATION_FAILED', `Records with schema id ${id} cannot be decoded: ${reason}.`, {
    retriable: false,
    cause,
  });
}

function registryOf(options: AvroDeserializerOptions): SchemaRegistryClient {
  if (options.registry !== undefined) return options.registry;
  if (options.registryUrl === undefined) {
    throw new SluiceError(
      'INVALID_ARGUMENT',
      'avroDeserializer needs a schema registry: pass registry or registryUrl.',
    );
  }
  return new SchemaRegistryClient(
    options.basicAuth === undefined
      ? { url: options.registryUrl }
      : { url: options.registryUrl, basicAuth: options.basicAuth },
  );
}
