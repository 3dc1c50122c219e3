import type { Admin, Kafka } from 'kafkajs';
import type { KafkaAdmin, NewTopic, PartitionOffset, TopicPartition } from '../kafka-client.ts';
import { kafkaJsError } from './kafkajs-options.ts';

/** {@link KafkaAdmin} on kafkajs' admin client (connected on first use). */
export class KafkaJsAdmin implements KafkaAdmin {
  private readonly admin: Admin;
  private connected: Promise<void> | undefined;

  constructor(kafka: Kafka) {
    this.admin = kafka.admin();
  }

  async createTopics(topics: readonly NewTopic[]): Promise<void> {
    await this.run('Creating topics', async (admin) => {
      await admin.createTopics({
        waitForLeaders: true,
        topics: topics.map((t) => ({
          topic: t.topic,
          numPartitions: t.partitions,
          replicationFactor: t.replicationFactor ?? -1,
          configEntries: Object.entries(t.configs ?? {}).map(([name, value]) => ({ name, value })),
        })),
      });
    });
  }

  async createPartitions(topic: string, totalPartitions: number): Promise<void> {
    const current = (await this.partitionsOf([topic])).length;
    if (current >= totalPartitions) return;
    await this.run(`Adding partitions to topic '${topic}'`, async (admin) => {
      await admin.createPartitions({ topicPartitions: [{ topic, count: totalPartitions }] });
    });
  }

  listTopics(): Promise<string[]> {
    return this.run('Listing topics', async (admin) => (await admin.listTopics()).filter((t) => !t.startsWith('__')));
  }

  partitionsOf(topics: readonly string[]): Promise<TopicPartition[]> {
    return this.run(`Describing topics ${topics.join(', ')}`, async (admin) => {
      const { topics: described } = await admin.fetchTopicMetadata({ topics: [...topics] });
      return described.flatMap((t) =>
        t.partitions
          .map((p) => ({ topic: t.name, partition: p.partitionId }))
          .sort((a, b) => a.partition - b.partition),
      );
    });
  }

  listOffsets(
    partitions: readonly TopicPartition[],
    spec:
      | { readonly kind: 'earliest' }
      | { readonly kind: 'latest' }
      | { readonly kind: 'timestamp'; readonly timestamp: number },
  ): Promise<PartitionOffset[]> {
    return this.run('Listing offsets', async (admin) => {
      const result: PartitionOffset[] = [];
      for (const topic of new Set(partitions.map((p) => p.topic))) {
        const wanted = new Set(partitions.filter((p) => p.topic === topic).map((p) => p.partition));
        const listed =
          spec.kind === 'timestamp'
            ? await admin.fetchTopicOffsetsByTimestamp(topic, spec.timestamp)
            : (await admin.fetchTopicOffsets(topic)).map((o) => ({
                partition: o.partition,
                offset: spec.kind === 'earliest' ? o.low : o.high,
              }));
        for (const o of listed)
          if (wanted.has(o.partition)) result.push({ topic, partition: o.partition, offset: Number(o.offset) });
      }
      return result;
    });
  }

  groupOffsets(groupId: string, topics: readonly string[]): Promise<PartitionOffset[]> {
    return this.run(`Reading offsets of group '${groupId}'`, async (admin) => {
      const fetched = await admin.fetchOffsets({ groupId, topics: [...topics] });
      return fetched.flatMap((t) =>
        t.partitions
          .filter((p) => Number(p.offset) >= 0)
          .map((p) => ({ topic: t.topic, partition: p.partition, offset: Number(p.offset) })),
      );
    });
  }

  commitGroupOffsets(groupId: string, offsets: readonly PartitionOffset[]): Promise<void> {
    return this.run(`Committing offsets of group '${groupId}'`, async (admin) => {
      for (const topic of new Set(offsets.map((o) => o.topic))) {
        const partitions = offsets
          .filter((o) => o.topic === topic)
          .map((o) => ({ partition: o.partition, offset: String(o.offset) }));
        await admin.setOffsets({ groupId, topic, partitions });
      }
    });
  }

  async close(): Promise<void> {
    if (this.connected) await this.admin.disconnect();
    this.connected = undefined;
  }

  private async run<T>(action: string, call: (admin: Admin) => Promise<T>): Promise<T> {
    try {
      this.connected ??= this.admin.connect().catch((error: unknown) => {
        this.connected = undefined;
        throw error;
      });
      await this.connected;
      return await call(this.admin);
    } catch (error) {
      throw kafkaJsError('SOURCE_FAILED', action, error);
    }
  }
}
