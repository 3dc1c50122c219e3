import type { KafkaHeader, KafkaProducer, KafkaProducerRecord, KafkaRecord } from '../kafka-client.ts';
import type { PendingDeadLetter } from './kafka-partition-split.ts';

/** Header keys a dead letter carries besides the original headers. */
export const DEAD_LETTER_HEADERS = {
  error: 'sluice.dlq.error',
  topic: 'sluice.dlq.topic',
  partition: 'sluice.dlq.partition',
  offset: 'sluice.dlq.offset',
  timestamp: 'sluice.dlq.timestamp',
} as const;

/** Longest error message kept in the `sluice.dlq.error` header. */
const MAX_ERROR_LENGTH = 4_000;

/**
 * The record written to `topic` for the bad record `record`: original key, value and headers, plus
 * where and why. Its own timestamp is the time it was dead-lettered; the original one is a header
 * (besides, @platformatic/kafka 2.12 garbles a record timestamp far below the first one of its
 * batch, which old records mixed with new ones would hit).
 */
export function deadLetterOf(topic: string, record: KafkaRecord, error: string): KafkaProducerRecord {
  const text = (key: string, value: string): KafkaHeader => ({ key, value: Buffer.from(value, 'utf8') });
  return {
    topic,
    key: record.key,
    value: record.value,
    headers: [
      ...record.headers,
      text(DEAD_LETTER_HEADERS.error, error.slice(0, MAX_ERROR_LENGTH)),
      text(DEAD_LETTER_HEADERS.topic, record.topic),
      text(DEAD_LETTER_HEADERS.partition, String(record.partition)),
      text(DEAD_LETTER_HEADERS.offset, String(record.offset)),
      text(DEAD_LETTER_HEADERS.timestamp, String(record.timestamp)),
    ],
  };
}

/** A dead letter as checkpoint data (base64 bytes). */
export function encodeDeadLetter(record: KafkaProducerRecord): PendingDeadLetter {
  return {
    key: record.key?.toString('base64') ?? null,
    value: record.value?.toString('base64') ?? null,
    headers: (record.headers ?? []).map((h) => ({ key: h.key, value: h.value.toString('base64') })),
    ...(record.timestamp === undefined ? {} : { timestamp: record.timestamp }),
  };
}

/** The inverse of {@link encodeDeadLetter}, addressed to `topic`. */
export function decodeDeadLetter(topic: string, letter: PendingDeadLetter): KafkaProducerRecord {
  return {
    topic,
    key: letter.key === null ? null : Buffer.from(letter.key, 'base64'),
    value: letter.value === null ? null : Buffer.from(letter.value, 'base64'),
    headers: letter.headers.map((h) => ({ key: h.key, value: Buffer.from(h.value, 'base64') })),
    ...(letter.timestamp === undefined ? {} : { timestamp: letter.timestamp }),
  };
}

interface Outgoing {
  /** The pending set of the split the record came from: the record leaves it once acknowledged. */
  readonly owner: Set<KafkaProducerRecord>;
  readonly record: KafkaProducerRecord;
}

/**
 * Writes dead letters in batches (one send per poll) through a plain idempotent producer. A
 * letter stays in its split's pending set until the broker acknowledged it, and the reader
 * snapshots that set with the split: a checkpoint taken before the acknowledgement carries the
 * letter, and a restore writes it again (at-least-once).
 */
export class DeadLetterWriter {
  private readonly producer: () => Promise<KafkaProducer>;
  private readonly settled: (error?: unknown, count?: number) => void;
  private outgoing: Outgoing[] = [];
  private readonly inFlight = new Set<Promise<void>>();
  private unacknowledged = 0;

  /**
   * @param producer the producer to write with (created on first use)
   * @param settled called after each send: with the error if it failed, else with the number written
   */
  constructor(producer: () => Promise<KafkaProducer>, settled: (error?: unknown, count?: number) => void) {
    this.producer = producer;
    this.settled = settled;
  }

  /** Letters added but not acknowledged yet. */
  get pending(): number {
    return this.unacknowledged;
  }

  add(owner: Set<KafkaProducerRecord>, record: KafkaProducerRecord): void {
    owner.add(record);
    this.outgoing.push({ owner, record });
    this.unacknowledged++;
  }

  /** Sends what was added since the last flush, as one batch. */
  flush(): void {
    if (this.outgoing.length === 0) return;
    const batch = this.outgoing;
    this.outgoing = [];
    const sending = this.send(batch);
    this.inFlight.add(sending);
    void sending.finally(() => this.inFlight.delete(sending));
  }

  /** Resolves when the sends in flight settled. */
  async settle(): Promise<void> {
    await Promise.allSettled([...this.inFlight]);
  }

  private async send(batch: readonly Outgoing[]): Promise<void> {
    try {
      const producer = await this.producer();
      await producer.send(batch.map((o) => o.record));
    } catch (error) {
      this.settled(error);
      return;
    }
    for (const o of batch) o.owner.delete(o.record);
    this.unacknowledged -= batch.length;
    this.settled(undefined, batch.length);
  }
}
