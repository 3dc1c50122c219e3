import type { KafkaRecordDeserializer } from '@sluice/core';
import { FraudDetectionError } from '../errors.ts';
import type { RuleUpdate } from '../rule-update.ts';
import type { Transaction } from '../transaction.ts';

const isText = (v: unknown): v is string => typeof v === 'string' && v.length > 0;
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Problems of a value read as a {@link Transaction}, empty when it is one (every field present,
 * amounts and times integers, coordinates on Earth).
 *
 * @example
 * ```ts
 * transactionProblems({ id: 'tx-1' }); // ['cardId must be a non-empty string', ...]
 * ```
 */
export function transactionProblems(value: unknown): string[] {
  if (!isObject(value)) return ['a transaction must be a JSON object'];
  const problems: string[] = [];
  for (const field of ['id', 'cardId', 'accountId'] as const) {
    if (!isText(value[field])) problems.push(`${field} must be a non-empty string`);
  }
  if (!Number.isSafeInteger(value['amountCents'])) problems.push('amountCents must be an integer (cents)');
  if (!Number.isSafeInteger(value['eventTime'])) problems.push('eventTime must be an integer (ms since the epoch)');
  const merchant = value['merchant'];
  if (!isObject(merchant) || !isText(merchant['id']) || !isText(merchant['category'])) {
    problems.push('merchant must be { id, category } (non-empty strings)');
  }
  const location = value['location'];
  const lat = isObject(location) ? location['lat'] : undefined;
  const lon = isObject(location) ? location['lon'] : undefined;
  if (typeof lat !== 'number' || typeof lon !== 'number' || !(Math.abs(lat) <= 90) || !(Math.abs(lon) <= 180)) {
    problems.push('location must be { lat, lon } in decimal degrees');
  }
  return problems;
}

function invalidRecord(message: string): FraudDetectionError {
  return new FraudDetectionError('INVALID_RECORD', message);
}

function jsonOf(value: Buffer | null, what: string): unknown {
  if (value === null) throw invalidRecord(`a ${what} record needs a value (got a tombstone)`);
  try {
    return JSON.parse(value.toString('utf8'));
  } catch (error) {
    throw invalidRecord(`a ${what} must be JSON (${error instanceof Error ? error.message : String(error)})`);
  }
}

/**
 * Transactions as JSON record values (the {@link Transaction} shape); a record that is not JSON or
 * not a complete transaction throws, so a `KafkaSource` sends it to its dead-letter topic with the
 * reason in the `sluice.dlq.error` header.
 *
 * @example
 * ```ts
 * new KafkaSource<Transaction>({ ..., deserializer: transactionDeserializer(), deadLetterTopic: 'fraud.transactions.dlq' });
 * ```
 */
export function transactionDeserializer(): KafkaRecordDeserializer<Transaction> {
  return {
    deserialize(record) {
      const value = jsonOf(record.value, 'transaction');
      const problems = transactionProblems(value);
      if (problems.length > 0) throw invalidRecord(`invalid transaction: ${problems.join('; ')}`);
      return value as Transaction;
    },
  };
}

/**
 * Rule updates as JSON record values (`{ id, effectiveTime, rules }`). A record that is not a JSON
 * object with an integer `effectiveTime` throws (it cannot be placed in event time) and goes to the
 * dead-letter topic; anything else passes, and the job's `validate-rule-updates` step rejects what
 * is still wrong (its `rejectedRuleUpdates` output, counted as rejected).
 *
 * @example
 * ```ts
 * new KafkaSource<RuleUpdate>({ ..., topics: ['fraud.rules'], deserializer: ruleUpdateDeserializer() });
 * ```
 */
export function ruleUpdateDeserializer(): KafkaRecordDeserializer<RuleUpdate> {
  return {
    deserialize(record) {
      const value = jsonOf(record.value, 'rule update');
      if (!isObject(value) || !Number.isSafeInteger(value['effectiveTime'])) {
        throw invalidRecord(
          'a rule update must be a JSON object with an integer effectiveTime (event time in ms from which it applies)',
        );
      }
      return value as unknown as RuleUpdate;
    },
  };
}
