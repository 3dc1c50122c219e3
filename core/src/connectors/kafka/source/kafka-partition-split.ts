import type { SourceSplit } from '../../../api/source.ts';
import type { TopicPartition } from '../kafka-client.ts';

/**
 * A dead letter whose write was not acknowledged when a checkpoint was taken. It travels in the
 * checkpoint (bytes as base64) and is written again after a restore, so a crash never loses it.
 *
 * @example
 * ```ts
 * const letter: PendingDeadLetter = { key: null, value: 'e30=', headers: [] };
 * ```
 */
export interface PendingDeadLetter {
  readonly key: string | null;
  readonly value: string | null;
  readonly headers: readonly { readonly key: string; readonly value: string }[];
  /** The letter's own timestamp, if it has one (else the producer's clock when written). */
  readonly timestamp?: number;
}

/**
 * One Kafka partition as a split of a {@link KafkaSource}, with its position: in a checkpoint,
 * `offset` is the next record to read; every record before it was emitted (or dead-lettered).
 *
 * @example
 * ```ts
 * const split: KafkaPartitionSplit = { splitId: 'payments:3', topic: 'payments', partition: 3, offset: 1042 };
 * ```
 */
export interface KafkaPartitionSplit extends SourceSplit {
  readonly topic: string;
  readonly partition: number;
  /** The next offset to read. */
  readonly offset: number;
  /** Bounded reads: the split ends when its position reaches this offset (exclusive). */
  readonly stopOffset?: number;
  /** Dead letters of records before `offset` not yet acknowledged by the broker: written again on restore. */
  readonly pendingDeadLetters?: readonly PendingDeadLetter[];
  /**
   * @internal Set on a pseudo-split by the enumerator when partition discovery failed for good:
   * the reader that gets it fails the job with this message (the enumerator has no other way).
   */
  readonly discoveryFailure?: string;
}

/**
 * What the split enumerator checkpoints: every partition it ever assigned (`topic:partition`), and
 * whether the initial discovery (which uses `startingOffsets`) completed.
 *
 * @example
 * ```ts
 * const state: KafkaEnumeratorState = { assigned: ['payments:0', 'payments:1'], initialized: true };
 * ```
 */
export interface KafkaEnumeratorState {
  readonly assigned: readonly string[];
  readonly initialized: boolean;
}

/** The split id of a partition: `topic:partition` (a topic name cannot contain ':'). */
export function splitIdOf(tp: TopicPartition): string {
  return `${tp.topic}:${tp.partition}`;
}

/** FNV-1a over the UTF-16 code units: stable across runs and processes (unlike object hashes). */
function stableHash(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

/**
 * The reader subtask that owns a partition: the topic's partitions are dealt round-robin from a
 * topic-dependent start, so one topic spreads evenly and several topics do not all pile up on
 * subtask 0. Deterministic: the same on every run, on restore and in every thread.
 */
export function ownerOf(tp: TopicPartition, parallelism: number): number {
  return (((stableHash(tp.topic) % parallelism) + tp.partition) % parallelism) >>> 0;
}
