import type { Admin } from '@platformatic/kafka';
import type { KafkaAdmin, NewTopic, PartitionOffset, TopicPartition } from '../kafka-client.ts';
import type { KafkaClientConfig } from '../kafka-client-config.ts';
import { type PlatformaticModule, platformaticBaseOptions, platformaticError } from './platformatic-options.ts';

const EARLIEST = -2n;
const LATEST = -1n;

/** {@link KafkaAdmin} on @platformatic/kafka's `Admin`. */
export class PlatformaticAdmin implements KafkaAdmin {
  private readonly lib: PlatformaticModule;
  private readonly admin: Admin;

  constructor(lib: PlatformaticModule, config: KafkaClientConfig) {
    this.lib = lib;
    this.admin = new lib.Admin(platformaticBaseOptions(config));
  }

  async createTopics(topics: readonly NewTopic[]): Promise<void> {
    for (const t of topics) {
      try {
        await this.admin.createTopics({
          topics: [t.topic],
          partitions: t.partitions,
          replicas: t.replicationFactor ?? -1,
          configs: Object.entries(t.configs ?? {}).map(([name, value]) => ({ name, value })),
        });
      } catch (error) {
        if (this.lib.findErrorBy(error as Error, 'apiId', 'TOPIC_ALREADY_EXISTS') !== null) continue;
        throw this.fail(`Creating topic '${t.topic}'`, error);
      }
    }
  }

  async createPartitions(topic: string, totalPartitions: number): Promise<void> {
    const current = (await this.partitionsOf([topic])).length;
    if (current >= totalPartitions) return;
    try {
      await this.admin.createPartitions({ topics: [{ name: topic, count: totalPartitions }] });
    } catch (error) {
      throw this.fail(`Adding partitions to topic '${topic}'`, error);
    }
  }

  async listTopics(): Promise<string[]> {
    try {
      return await this.admin.listTopics({ includeInternals: false });
    } catch (error) {
      throw this.fail('Listing topics', error);
    }
  }

  async partitionsOf(topics: readonly string[]): Promise<TopicPartition[]> {
    try {
      const metadata = await this.admin.metadata({ topics: [...topics], forceUpdate: true });
      const result: TopicPartition[] = [];
      for (const topic of topics) {
        const count = metadata.topics.get(topic)?.partitionsCount ?? 0;
        for (let partition = 0; partition < count; partition++) result.push({ topic, partition });
      }
      return result;
    } catch (error) {
      throw this.fail(`Describing topics ${topics.join(', ')}`, error);
    }
  }

  async listOffsets(
    partitions: readonly TopicPartition[],
    spec:
      | { readonly kind: 'earliest' }
      | { readonly kind: 'latest' }
      | { readonly kind: 'timestamp'; readonly timestamp: number },
  ): Promise<PartitionOffset[]> {
    if (partitions.length === 0) return [];
    const request = (timestamp: bigint) =>
      this.admin.listOffsets({
        topics: groupByTopic(partitions).map(([name, ps]) => ({
          name,
          partitions: ps.map((p) => ({ partitionIndex: p, timestamp })),
        })),
        isolationLevel: this.lib.FetchIsolationLevels.READ_COMMITTED,
      });
    try {
      const timestamp = spec.kind === 'earliest' ? EARLIEST : spec.kind === 'latest' ? LATEST : BigInt(spec.timestamp);
      const listed = await request(timestamp);
      const result = listed.flatMap((t) =>
        t.partitions.map((p) => ({ topic: t.name, partition: p.partitionIndex, offset: p.offset })),
      );
      // No record at or after the timestamp: the broker answers -1, which means "the end".
      const tooLate = result.filter((r) => r.offset < 0n);
      if (tooLate.length > 0) {
        const ends = await this.listOffsets(tooLate, { kind: 'latest' });
        const byKey = new Map(ends.map((e) => [`${e.topic}:${e.partition}`, e.offset]));
        return result.map((r) => ({
          ...r,
          offset: r.offset < 0n ? (byKey.get(`${r.topic}:${r.partition}`) ?? 0) : Number(r.offset),
        }));
      }
      return result.map((r) => ({ ...r, offset: Number(r.offset) }));
    } catch (error) {
      throw this.fail('Listing offsets', error);
    }
  }

  async groupOffsets(groupId: string, topics: readonly string[]): Promise<PartitionOffset[]> {
    try {
      const partitions = await this.partitionsOf(topics);
      const [group] = await this.admin.listConsumerGroupOffsets({
        groups: [
          { groupId, topics: groupByTopic(partitions).map(([name, partitionIndexes]) => ({ name, partitionIndexes })) },
        ],
        // Offsets pending in an open transaction stay invisible (not an UNSTABLE_OFFSET_COMMIT error).
        requireStable: false,
      });
      return (group?.topics ?? []).flatMap((t) =>
        t.partitions
          .filter((p) => p.committedOffset >= 0n)
          .map((p) => ({ topic: t.name, partition: p.partitionIndex, offset: Number(p.committedOffset) })),
      );
    } catch (error) {
      throw this.fail(`Reading offsets of group '${groupId}'`, error);
    }
  }

  async commitGroupOffsets(groupId: string, offsets: readonly PartitionOffset[]): Promise<void> {
    const byTopic = new Map<string, { partition: number; offset: bigint }[]>();
    for (const o of offsets) {
      const list = byTopic.get(o.topic) ?? [];
      list.push({ partition: o.partition, offset: BigInt(o.offset) });
      byTopic.set(o.topic, list);
    }
    try {
      await this.admin.alterConsumerGroupOffsets({
        groupId,
        topics: [...byTopic].map(([name, partitionOffsets]) => ({ name, partitionOffsets })),
      });
    } catch (error) {
      throw this.fail(`Committing offsets of group '${groupId}'`, error);
    }
  }

  async close(): Promise<void> {
    await this.admin.close();
  }

  private fail(action: string, error: unknown) {
    return platformaticError(this.lib, 'SOURCE_FAILED', action, error);
  }
}

/** Partitions grouped by topic, in first-seen order. */
export function groupByTopic(partitions: readonly TopicPartition[]): [string, number[]][] {
  const byTopic = new Map<string, number[]>();
  for (const { topic, partition } of partitions) {
    const list = byTopic.get(topic) ?? [];
    list.push(partition);
    byTopic.set(topic, list);
  }
  return [...byTopic];
}
