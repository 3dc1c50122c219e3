import { type AlertSignature, compareAlertSignatures } from '../alert.ts';
import { FraudDetectionError } from '../errors.ts';
import type { Transaction } from '../transaction.ts';
import { resolveGeneratorOptions, type TransactionGeneratorOptions } from './generator-options.ts';
import { ShardSimulation } from './shard-simulation.ts';

/** What {@link generateFraudData} returns. */
export interface FraudData {
  /** The transactions, shard after shard, each shard in emission order. */
  readonly transactions: Transaction[];
  /** The alerts the rules must raise on exactly these transactions, sorted by {@link compareAlertSignatures}. */
  readonly expectedAlerts: AlertSignature[];
}

/**
 * Runs the generator in memory (bounded options only): the transactions
 * {@link FraudTransactionSource} emits for the same options, and the ground truth — every alert
 * the four rules must raise on them, with the rules and rule updates given in the options.
 *
 * @example
 * ```ts
 * const { transactions, expectedAlerts } = generateFraudData({ seed: 1, accounts: 200, count: 20_000, fraudRate: 0.05 });
 * ```
 */
export function generateFraudData(options: TransactionGeneratorOptions): FraudData {
  const resolved = resolveGeneratorOptions(options);
  if (resolved.count === undefined) {
    throw new FraudDetectionError(
      'INVALID_GENERATOR_OPTIONS',
      'generateFraudData needs a bounded generator: set count (use FraudTransactionSource for unbounded data).',
    );
  }
  const transactions: Transaction[] = [];
  const expectedAlerts: AlertSignature[] = [];
  for (let shard = 0; shard < resolved.shards; shard++) {
    const sim = new ShardSimulation(resolved, shard);
    for (let item = sim.next(); item !== undefined; item = sim.next()) {
      transactions.push(item.tx);
      expectedAlerts.push(...item.alerts);
    }
  }
  return { transactions, expectedAlerts: expectedAlerts.sort(compareAlertSignatures) };
}
