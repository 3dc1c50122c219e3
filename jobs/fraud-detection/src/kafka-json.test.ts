import type { KafkaRecord } from '@sluice/core';
import {
  FraudDetectionError,
  fraudDetectionKafkaJobParams,
  generateFraudData,
  ruleUpdateDeserializer,
  transactionDeserializer,
  transactionProblems,
} from '@sluice/fraud-detection-job';
import { describe, expect, it } from 'vitest';

const record = (value: string | null): KafkaRecord => ({
  topic: 'fraud.transactions',
  partition: 0,
  offset: 0,
  key: null,
  value: value === null ? null : Buffer.from(value),
  headers: [],
  timestamp: 0,
});

describe('Kafka JSON of the fraud-detection job', () => {
  it('reads generated transactions back exactly and rejects incomplete ones with the reason', () => {
    const [tx] = generateFraudData({ seed: 3, accounts: 10, count: 1 }).transactions;
    const read = transactionDeserializer().deserialize(record(JSON.stringify(tx)));
    expect(read).toEqual(tx);
    expect(transactionProblems(tx)).toEqual([]);

    const bad = { ...tx, eventTime: '2024-01-01', location: { lat: 95, lon: 0 }, merchant: undefined };
    expect(transactionProblems(bad)).toEqual([
      'eventTime must be an integer (ms since the epoch)',
      'merchant must be { id, category } (non-empty strings)',
      'location must be { lat, lon } in decimal degrees',
    ]);
    const deserialize = transactionDeserializer().deserialize;
    expect(() => deserialize(record(JSON.stringify(bad)))).toThrow(/invalid transaction: eventTime must be/);
    expect(() => deserialize(record('not json'))).toThrow(/a transaction must be JSON/);
    expect(() => deserialize(record(null))).toThrow(/tombstone/);
    expect(() => deserialize(record('[1,2]'))).toThrow(/a transaction must be a JSON object/);
  });

  it('reads rule updates with an integer effectiveTime and leaves the rest of validation to the job', () => {
    const deserialize = ruleUpdateDeserializer().deserialize;
    const update = { id: 'lower', effectiveTime: 1_700_000_000_000, rules: { velocity: { maxTransactions: 3 } } };
    expect(deserialize(record(JSON.stringify(update)))).toEqual(update);
    // Invalid rules still pass here: validate-rule-updates rejects them (counted, side output).
    const badRules = { id: 'x', effectiveTime: 1, rules: { velocity: { windowMs: 0 } } };
    expect(deserialize(record(JSON.stringify(badRules)))).toEqual(badRules);
    // Without an event time an update cannot be placed in time: dead-letter topic.
    expect(() => deserialize(record('{"id":"x","rules":{}}'))).toThrow(/integer effectiveTime/);
    expect(() => deserialize(record('{'))).toThrow(/a rule update must be JSON/);
  });

  it('parses the Kafka job parameters with defaults and names a bad one', () => {
    expect(fraudDetectionKafkaJobParams({ bootstrapServers: 'k:9092' })).toEqual({
      bootstrapServers: 'k:9092',
      transactionsTopic: 'fraud.transactions',
      alertsTopic: 'fraud.alerts',
      deadLetterTopic: 'fraud.transactions.dlq',
      rulesTopic: 'fraud.rules',
      groupId: 'fraud-detection-job',
      transactionalIdPrefix: 'fraud-detection-alerts',
      rules: {},
      outOfOrdernessMs: 5_000,
      transactionsIdleMs: undefined,
      ruleUpdatesIdleMs: 5_000,
    });
    expect(fraudDetectionKafkaJobParams({ bootstrapServers: 'k:9092', transactionsIdleMs: '30000' })).toMatchObject({
      transactionsIdleMs: 30_000,
    });
    expect(() => fraudDetectionKafkaJobParams({})).toThrow(FraudDetectionError);
    expect(() => fraudDetectionKafkaJobParams({})).toThrow(/bootstrapServers is required/);
    expect(() => fraudDetectionKafkaJobParams({ bootstrapServers: 'k:9092', ruleUpdatesIdleMs: 0 })).toThrow(
      /ruleUpdatesIdleMs must be an integer >= 1/,
    );
    expect(() => fraudDetectionKafkaJobParams({ bootstrapServers: 'k:9092', rules: '{' })).toThrow(
      /rules is not valid JSON/,
    );
  });
});
