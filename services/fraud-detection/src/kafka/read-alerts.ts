import type { KafkaClient } from '@sluice/core';
import type { Alert } from '@sluice/fraud-detection-job';

/**
 * Every alert a `read_committed` consumer of `topic` sees now, from the beginning up to the last
 * stable offset of each partition (alerts of transactions still open are not visible yet).
 *
 * @example
 * ```ts
 * const alerts = await readCommittedAlerts(client, 'fraud.alerts');
 * console.log(alerts.length, new Set(alerts.map((a) => a.id)).size); // equal: no duplicates
 * ```
 */
export async function readCommittedAlerts(client: KafkaClient, topic: string): Promise<Alert[]> {
  const admin = client.admin();
  let ends: { topic: string; partition: number; offset: number }[];
  try {
    ends = await admin.listOffsets(await admin.partitionsOf([topic]), { kind: 'latest' });
  } finally {
    await admin.close();
  }
  const alerts: Alert[] = [];
  if (ends.every((end) => end.offset === 0)) return alerts;
  const consumer = client.consumer({ isolation: 'read_committed', maxWaitMs: 100 });
  try {
    await consumer.assign(ends.map((end) => ({ topic, partition: end.partition, start: { kind: 'earliest' } })));
    while (ends.some((end) => (consumer.position(end) ?? 0) < end.offset)) {
      for (const batch of await consumer.poll()) {
        for (const record of batch.records) {
          if (record.value !== null) alerts.push(JSON.parse(record.value.toString('utf8')) as Alert);
        }
      }
    }
  } finally {
    await consumer.close();
  }
  return alerts;
}
