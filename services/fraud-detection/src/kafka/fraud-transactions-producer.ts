import type { KafkaClient, KafkaProducerRecord } from '@sluice/core';
import type { Transaction } from '@sluice/fraud-detection-job';

/**
 * `transactions` sorted by event time (ties by id): the order to produce generated data in, so
 * every partition's records are in event-time order and none arrives late.
 *
 * @example
 * ```ts
 * const ordered = inEventTimeOrder(generateFraudData({ seed: 42, count: 10_000 }).transactions);
 * ```
 */
export function inEventTimeOrder(transactions: readonly Transaction[]): Transaction[] {
  return [...transactions].sort((a, b) => a.eventTime - b.eventTime || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

/** A transaction as the Kafka job reads it: JSON value, keyed by account id (one account, one partition). */
function recordOf(topic: string, tx: Transaction, partition?: number): KafkaProducerRecord {
  return {
    topic,
    ...(partition === undefined ? {} : { partition }),
    key: Buffer.from(tx.accountId),
    value: Buffer.from(JSON.stringify(tx)),
  };
}

/**
 * Options of {@link produceTransactions}.
 *
 * @example
 * ```ts
 * const options: ProduceTransactionsOptions = { batchSize: 1_000, recordsPerSecond: 500 };
 * ```
 */
export interface ProduceTransactionsOptions {
  /** Records per send (default 2000). */
  readonly batchSize?: number;
  /** Throttle (records per second); default as fast as the broker acknowledges. */
  readonly recordsPerSecond?: number;
}

/**
 * Writes transactions to `topic` in the given order (JSON values keyed by account id) with an
 * idempotent producer; resolves with how many were written once all are acknowledged.
 *
 * @example
 * ```ts
 * const client = await createKafkaClient({ bootstrapServers: ['localhost:9092'] });
 * await produceTransactions(client, 'fraud.transactions', inEventTimeOrder(data.transactions));
 * ```
 */
export async function produceTransactions(
  client: KafkaClient,
  topic: string,
  transactions: readonly Transaction[],
  options: ProduceTransactionsOptions = {},
): Promise<number> {
  const batchSize = options.batchSize ?? 2_000;
  const rate = options.recordsPerSecond;
  const producer = client.producer();
  const started = Date.now();
  try {
    for (let i = 0; i < transactions.length; i += batchSize) {
      if (rate !== undefined && rate > 0) {
        const due = started + (i * 1_000) / rate - Date.now();
        if (due > 0) await new Promise((resolve) => setTimeout(resolve, due));
      }
      await producer.send(transactions.slice(i, i + batchSize).map((tx) => recordOf(topic, tx)));
    }
  } finally {
    await producer.close();
  }
  return transactions.length;
}

/**
 * Writes one marker transaction to every partition of `topic`, an hour of event time after
 * `lastEventTime`, so the watermark of every partition passes every transaction produced so far
 * and the job judges them all (an unbounded source otherwise keeps the last `OUT_OF_ORDERNESS_MS`
 * of event time waiting). The markers raise no alert (a fresh account each, one ordinary payment);
 * transactions produced afterwards with older event times are late. For demos and tests.
 *
 * @example
 * ```ts
 * await flushEventTime(client, 'fraud.transactions', ordered.at(-1).eventTime);
 * ```
 */
export async function flushEventTime(client: KafkaClient, topic: string, lastEventTime: number): Promise<number> {
  const admin = client.admin();
  let partitions: number[];
  try {
    partitions = (await admin.partitionsOf([topic])).map((p) => p.partition);
  } finally {
    await admin.close();
  }
  const eventTime = lastEventTime + 3_600_000;
  const markers = partitions.map((partition) =>
    recordOf(
      topic,
      {
        id: `flush-${partition}-${eventTime}`,
        cardId: `flush-card-${partition}`,
        accountId: `flush-account-${partition}`,
        amountCents: 5_000,
        merchant: { id: 'flush', category: 'utilities' },
        location: { lat: 0, lon: 0 },
        eventTime,
      },
      partition,
    ),
  );
  const producer = client.producer();
  try {
    await producer.send(markers);
  } finally {
    await producer.close();
  }
  return markers.length;
}
