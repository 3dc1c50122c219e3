import { SluiceError } from '../../../errors.ts';
import { NO_TIMESTAMP, type Timestamp } from '../../../time/timestamps.ts';
import type { KafkaHeader, KafkaProducerRecord } from '../kafka-client.ts';
import type { KafkaHeadersLike, KafkaKeyLike, KafkaSinkOptions, KafkaValueSerializer } from './kafka-sink-options.ts';

function toBuffer(bytes: Buffer | Uint8Array | string): Buffer {
  if (typeof bytes === 'string') return Buffer.from(bytes, 'utf8');
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

function valueEncoder<T>(serializer: KafkaValueSerializer<T>): (value: T) => Buffer | null {
  if (typeof serializer === 'function') {
    return (value) => {
      const bytes = serializer(value);
      return bytes === null ? null : toBuffer(bytes);
    };
  }
  switch (serializer) {
    case 'json':
      return (value) => {
        if (value === null) return null;
        const text = JSON.stringify(value);
        if (text === undefined) {
          throw new SluiceError(
            'SERIALIZATION_FAILED',
            `KafkaSink cannot write ${typeof value} as JSON; map it to a JSON value or pass a serializer function.`,
          );
        }
        return Buffer.from(text, 'utf8');
      };
    case 'string':
      return (value) => (value === null ? null : Buffer.from(String(value), 'utf8'));
    case 'bytes':
      return (value) => {
        if (value === null) return null;
        if (!(value instanceof Uint8Array)) {
          throw new SluiceError(
            'SERIALIZATION_FAILED',
            `KafkaSink serializer 'bytes' needs Buffer or Uint8Array values, got ${typeof value}; use 'json', 'string' or a function.`,
          );
        }
        return toBuffer(value);
      };
    default:
      throw new SluiceError(
        'INVALID_ARGUMENT',
        `Unknown KafkaSink serializer '${String(serializer)}'; use 'json', 'string', 'bytes' or a function.`,
      );
  }
}

function keyBytes(key: KafkaKeyLike): Buffer | null {
  if (key === null || key === undefined) return null;
  if (typeof key === 'number') return Buffer.from(String(key), 'utf8');
  return toBuffer(key);
}

function headerList(headers: KafkaHeadersLike): KafkaHeader[] | undefined {
  if (headers === undefined) return undefined;
  if (Array.isArray(headers)) {
    return (headers as readonly KafkaHeader[]).map((h) => ({ key: h.key, value: toBuffer(h.value) }));
  }
  const out: KafkaHeader[] = [];
  for (const [key, value] of Object.entries(headers as Readonly<Record<string, string | Buffer | Uint8Array>>)) {
    out.push({ key, value: toBuffer(value) });
  }
  return out.length === 0 ? undefined : out;
}

/**
 * Turns a sink's values into producer records (topic, partition, key, value, headers,
 * timestamp) as the {@link KafkaSinkOptions} say. Synchronous: it runs on the hot path.
 *
 * @example
 * ```ts
 * const build = new KafkaRecordBuilder<{ id: string }>({ topic: 'out', key: (v) => v.id, bootstrapServers: 'k:9092', deliveryGuarantee: 'none' });
 * build.record({ id: 'a' }, 1_000); // { topic: 'out', key: <Buffer 61>, value: <Buffer {"id":"a"}>, timestamp: 1000 }
 * ```
 */
export class KafkaRecordBuilder<T> {
  private readonly topicOf: (value: T) => string;
  private readonly encode: (value: T) => Buffer | null;
  private readonly key: ((value: T) => KafkaKeyLike) | undefined;
  private readonly partition: KafkaSinkOptions<T>['partition'];
  private readonly headers: ((value: T) => KafkaHeadersLike) | undefined;
  private readonly eventTime: boolean;

  constructor(options: KafkaSinkOptions<T>) {
    const fixed = options.topic;
    const selector = options.topicSelector;
    this.topicOf = selector ?? (() => fixed as string);
    this.encode = valueEncoder(options.serializer ?? 'json');
    this.key = options.key;
    this.partition = options.partition;
    this.headers = options.headers;
    this.eventTime = (options.timestamp ?? 'event-time') === 'event-time';
  }

  record(value: T, timestamp: Timestamp): KafkaProducerRecord {
    const key = this.key === undefined ? null : keyBytes(this.key(value));
    const record: {
      topic: string;
      key: Buffer | null;
      value: Buffer | null;
      partition?: number;
      headers?: readonly KafkaHeader[];
      timestamp?: number;
    } = { topic: this.topicOf(value), key, value: this.encode(value) };
    const partition = typeof this.partition === 'function' ? this.partition(value, key) : this.partition;
    if (partition !== undefined) {
      if (!Number.isInteger(partition) || partition < 0) {
        throw new SluiceError(
          'INVALID_ARGUMENT',
          `KafkaSink partition must be an integer >= 0, got ${String(partition)}; fix the partition function.`,
        );
      }
      record.partition = partition;
    }
    if (this.headers !== undefined) {
      const headers = headerList(this.headers(value));
      if (headers !== undefined) record.headers = headers;
    }
    if (this.eventTime && timestamp !== NO_TIMESTAMP && Number.isFinite(timestamp) && timestamp >= 0) {
      record.timestamp = timestamp;
    }
    return record;
  }
}

/** Key + value + header bytes of a record (what `kafka_sink_bytes_out_total` counts). */
export function recordBytes(record: KafkaProducerRecord): number {
  let n = (record.key?.length ?? 0) + (record.value?.length ?? 0);
  if (record.headers !== undefined) for (const h of record.headers) n += h.key.length + h.value.length;
  return n;
}

/**
 * Most bytes one produce request of a KafkaSink carries (payload plus an estimated
 * {@link RECORD_OVERHEAD_BYTES} per record), so that every partition's batch in it stays below
 * the broker's default limit of 1 MiB (`message.max.bytes`): a larger batch is refused
 * (MESSAGE_TOO_LARGE) and would fail the job on every restart.
 */
export const MAX_SEND_BYTES = 900 * 1024;

/** Framing of one record in a record batch (lengths, attributes, deltas), estimated high. */
export const RECORD_OVERHEAD_BYTES = 24;

/**
 * Where the send that starts at `records[start]` ends (exclusive): after `maxRecords` records or
 * before the record that would take it over `maxBytes` (see {@link MAX_SEND_BYTES}), whichever
 * comes first; always at least one record.
 *
 * @example
 * ```ts
 * for (let i = 0; i < records.length; ) {
 *   const end = sendEnd(records, i, 5_000);
 *   await producer.send(records.slice(i, end));
 *   i = end;
 * }
 * ```
 */
export function sendEnd(
  records: readonly KafkaProducerRecord[],
  start: number,
  maxRecords: number,
  maxBytes = MAX_SEND_BYTES,
): number {
  const limit = Math.min(records.length, start + maxRecords);
  let bytes = 0;
  let i = start;
  for (; i < limit; i++) {
    bytes += recordBytes(records[i] as KafkaProducerRecord) + RECORD_OVERHEAD_BYTES;
    if (bytes > maxBytes && i > start) break;
  }
  return i;
}
