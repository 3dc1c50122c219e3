import { SluiceError } from '../../../errors.ts';

/**
 * The first byte of every value in the schema-registry wire format.
 *
 * @example
 * ```ts
 * const looksLikeAvro = (bytes: Buffer) => bytes[0] === SCHEMA_REGISTRY_MAGIC_BYTE;
 * ```
 */
export const SCHEMA_REGISTRY_MAGIC_BYTE = 0;

/** Bytes before the Avro payload: the magic byte and the 4-byte big-endian schema id. */
export const SCHEMA_REGISTRY_HEADER_SIZE = 5;

/**
 * The schema id of a value in the schema-registry wire format (magic byte 0, 4-byte big-endian
 * schema id, then the Avro binary payload). Throws `DESERIALIZATION_FAILED` for a value too short
 * or without the magic byte.
 *
 * @example
 * ```ts
 * readSchemaId(Buffer.from([0, 0, 0, 0, 42, 0x02])); // 42
 * ```
 * @experimental
 */
export function readSchemaId(bytes: Uint8Array): number {
  if (bytes.length < SCHEMA_REGISTRY_HEADER_SIZE) {
    throw new SluiceError(
      'DESERIALIZATION_FAILED',
      `The value has ${bytes.length} byte(s), fewer than the 5-byte schema-registry header (magic byte 0 + schema id); it was not written by a schema-registry serializer.`,
      { retriable: false },
    );
  }
  const magic = bytes[0] as number;
  if (magic !== SCHEMA_REGISTRY_MAGIC_BYTE) {
    const printable = magic >= 0x20 && magic < 0x7f ? ` ('${String.fromCharCode(magic)}')` : '';
    throw new SluiceError(
      'DESERIALIZATION_FAILED',
      `The value starts with 0x${magic.toString(16).padStart(2, '0')}${printable}, not the schema-registry magic byte 0x00; it is not in the schema-registry wire format (plain JSON or Avro without a schema id?). Use a deserializer that matches how the topic is written.`,
      { retriable: false },
    );
  }
  return (
    (((bytes[1] as number) << 24) |
      ((bytes[2] as number) << 16) |
      ((bytes[3] as number) << 8) |
      (bytes[4] as number)) >>>
    0
  );
}

/**
 * The 5-byte wire-format header for `schemaId`.
 *
 * @example
 * ```ts
 * schemaRegistryHeader(42); // <Buffer 00 00 00 00 2a>
 * ```
 * @experimental
 */
export function schemaRegistryHeader(schemaId: number): Buffer {
  checkSchemaId(schemaId);
  const header = Buffer.alloc(SCHEMA_REGISTRY_HEADER_SIZE);
  header[0] = SCHEMA_REGISTRY_MAGIC_BYTE;
  header.writeUInt32BE(schemaId, 1);
  return header;
}

/** Throws `INVALID_ARGUMENT` unless `schemaId` fits the 4-byte header. */
export function checkSchemaId(schemaId: number): void {
  if (!Number.isInteger(schemaId) || schemaId < 0 || schemaId > 0xffffffff) {
    throw new SluiceError('INVALID_ARGUMENT', `A schema id must be an integer in [0, 2^32); got ${schemaId}.`);
  }
}
