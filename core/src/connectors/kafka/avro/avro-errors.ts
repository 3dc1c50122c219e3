import { SluiceError } from '../../../errors.ts';

/** A schema that does not follow the Avro specification (a user error, found at parse/compile time). */
export function invalidSchema(where: string, problem: string): SluiceError {
  return new SluiceError(
    'INVALID_ARGUMENT',
    `Invalid Avro schema at ${where}: ${problem}. Fix the schema (see the Avro 1.11 specification, "Schema Declaration").`,
  );
}

/** Bytes that cannot be decoded with the schema: a bad record, routed to the dead-letter topic. */
export function badAvroData(problem: string): SluiceError {
  return new SluiceError(
    'DESERIALIZATION_FAILED',
    `Cannot decode Avro data: ${problem}. The record is corrupt or was written with a different schema than the one used to read it.`,
    { retriable: false },
  );
}

/**
 * Thrown inside the encoder; the path is filled in while it unwinds through records, arrays and
 * maps, and the top-level encoder turns it into a {@link SluiceError} (`SERIALIZATION_FAILED`).
 */
export class AvroEncodeProblem extends Error {
  readonly path: string[] = [];
}

/** The error of an encode call whose value does not match the schema. */
export function encodeFailed(problem: unknown): SluiceError {
  if (problem instanceof AvroEncodeProblem) {
    const at = problem.path.length === 0 ? 'the top-level value' : `'${problem.path.join('').replace(/^\./, '')}'`;
    return new SluiceError(
      'SERIALIZATION_FAILED',
      `Cannot encode ${at} as Avro: ${problem.message}. Make the value match the writer schema.`,
      { retriable: false },
    );
  }
  if (problem instanceof SluiceError) return problem;
  return new SluiceError('SERIALIZATION_FAILED', `Cannot encode the value as Avro: ${String(problem)}`, {
    retriable: false,
    cause: problem,
  });
}

/** A short description of a JS value for error messages. */
export function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return 'undefined';
  if (typeof value === 'string') return value.length > 40 ? `string "${value.slice(0, 40)}…"` : `string "${value}"`;
  if (typeof value === 'number' || typeof value === 'bigint' || typeof value === 'boolean') {
    return `${typeof value} ${String(value)}`;
  }
  if (Array.isArray(value)) return `array of ${value.length}`;
  if (value instanceof Uint8Array) return `${value.length} bytes`;
  return typeof value;
}
