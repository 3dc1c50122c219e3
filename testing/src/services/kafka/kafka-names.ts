import { uniqueName } from '../../unique-name.ts';

/**
 * A topic name no other test or run uses: `<prefix>-<pid>-<n>-<random>`.
 *
 * @example
 * ```ts
 * const topic = uniqueTopic('orders'); // "orders-4711-1-9f3a2c1b"
 * ```
 */
export function uniqueTopic(prefix = 'topic'): string {
  return uniqueName(prefix, { maxLength: 200 });
}

/**
 * A consumer group id no other test or run uses.
 *
 * @example
 * ```ts
 * const consumer = kafka.consumer({ groupId: uniqueGroupId('orders-reader') });
 * ```
 */
export function uniqueGroupId(prefix = 'group'): string {
  return uniqueName(prefix, { maxLength: 200 });
}

/**
 * A transactional id no other test or run uses.
 *
 * @example
 * ```ts
 * const producer = kafka.producer({ transactionalId: uniqueTransactionalId('sink'), idempotent: true });
 * ```
 */
export function uniqueTransactionalId(prefix = 'tx'): string {
  return uniqueName(prefix, { maxLength: 200 });
}
