import type { KafkaAdmin, OffsetSpec, PartitionOffset, TopicPartition } from './kafka-client.ts';

/** `topic:partition`, the key of per-partition maps in the adapters. */
export function partitionKey(tp: TopicPartition): string {
  return `${tp.topic}:${tp.partition}`;
}

/**
 * Turns start specs into concrete offsets with one admin request per kind of spec, so every
 * adapter resolves `timestamp` and `committed` the same way.
 */
export async function resolveOffsets(
  admin: KafkaAdmin,
  requests: readonly (TopicPartition & { readonly start: OffsetSpec })[],
): Promise<PartitionOffset[]> {
  const resolved = new Map<string, number>();
  const byKind = new Map<string, { spec: OffsetSpec; partitions: TopicPartition[] }>();
  for (const request of requests) {
    const { start } = request;
    if (start.kind === 'offset') {
      resolved.set(partitionKey(request), start.offset);
      continue;
    }
    const group =
      start.kind === 'timestamp'
        ? `t:${start.timestamp}`
        : start.kind === 'committed'
          ? `c:${start.groupId}:${start.fallback}`
          : start.kind;
    let entry = byKind.get(group);
    if (!entry) {
      entry = { spec: start, partitions: [] };
      byKind.set(group, entry);
    }
    entry.partitions.push({ topic: request.topic, partition: request.partition });
  }
  for (const { spec, partitions } of byKind.values()) {
    if (spec.kind === 'committed') {
      const committed = await admin.groupOffsets(spec.groupId, [...new Set(partitions.map((p) => p.topic))]);
      const missing: TopicPartition[] = [];
      const found = new Map(committed.map((c) => [partitionKey(c), c.offset]));
      for (const tp of partitions) {
        const offset = found.get(partitionKey(tp));
        if (offset === undefined) missing.push(tp);
        else resolved.set(partitionKey(tp), offset);
      }
      if (missing.length > 0) {
        for (const o of await admin.listOffsets(missing, { kind: spec.fallback }))
          resolved.set(partitionKey(o), o.offset);
      }
    } else if (spec.kind !== 'offset') {
      for (const o of await admin.listOffsets(partitions, spec)) resolved.set(partitionKey(o), o.offset);
    }
  }
  return requests.map((r) => ({ topic: r.topic, partition: r.partition, offset: resolved.get(partitionKey(r)) ?? 0 }));
}
