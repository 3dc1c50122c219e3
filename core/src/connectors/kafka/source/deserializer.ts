import { SluiceError } from '../../../errors.ts';
import type { KafkaRecord } from '../kafka-client.ts';

/**
 * Turns Kafka records into the values a {@link KafkaSource} emits. `deserialize` runs on the hot
 * path, synchronously, once per record; a record it throws on is a bad record: it goes to the
 * source's dead-letter topic (or fails the job when none is configured). `prepare`, when present,
 * runs once per fetched batch before any of its records is deserialized, and may be asynchronous
 * (e.g. fetching the schemas a batch refers to). A `prepare` that throws fails the fetch (retried,
 * then the job fails), so it should leave per-record problems to `deserialize`.
 *
 * @example
 * ```ts
 * const upperCase: KafkaRecordDeserializer<string> = {
 *   deserialize: (record) => {
 *     if (record.value === null) throw new Error('tombstone');
 *     return record.value.toString('utf8').toUpperCase();
 *   },
 * };
 * ```
 */
export interface KafkaRecordDeserializer<T> {
  /** Turns one record into a value; throws (any error) when the record is bad: it goes to the dead-letter topic. */
  deserialize(record: KafkaRecord): T;
  /** Optional async preparation of a fetched batch before deserialize is called synchronously on its records (e.g. fetching schemas by id). */
  prepare?(records: readonly KafkaRecord[]): Promise<void>;
}

function valueOf(record: KafkaRecord): Buffer {
  if (record.value === null) {
    throw new SluiceError(
      'SOURCE_FAILED',
      'the record has no value (a tombstone); use KafkaDeserializers.record(...) to handle tombstones yourself',
      { domain: 'user', retriable: false },
    );
  }
  return record.value;
}

/**
 * Ready-made deserializers. `json`, `string` and `bytes` read the record value only and treat a
 * tombstone (null value) as a bad record; `record` gives a function the whole record (key,
 * headers, timestamp, partition, offset).
 *
 * @example
 * ```ts
 * interface Payment { readonly card: string; readonly amount: number }
 * const payments = KafkaDeserializers.json<Payment>();
 * const keyed = KafkaDeserializers.record((r) => ({ key: r.key?.toString() ?? '', text: r.value?.toString() ?? '' }));
 * ```
 */
export const KafkaDeserializers = {
  /** The value parsed as UTF-8 JSON. The value is not validated: the type parameter is a promise you make. */
  json<T>(): KafkaRecordDeserializer<T> {
    return { deserialize: (record) => JSON.parse(valueOf(record).toString('utf8')) as T };
  },
  /** The value decoded as UTF-8. */
  string(): KafkaRecordDeserializer<string> {
    return { deserialize: (record) => valueOf(record).toString('utf8') };
  },
  /** The value bytes as they are (a view of the fetched buffer: copy it if you keep it long). */
  bytes(): KafkaRecordDeserializer<Buffer> {
    return { deserialize: valueOf };
  },
  /** Whatever `fn` makes of the whole record (key, value, headers, timestamp, offset); a throw marks the record bad. */
  record<T>(fn: (record: KafkaRecord) => T): KafkaRecordDeserializer<T> {
    return { deserialize: fn };
  },
} as const;
