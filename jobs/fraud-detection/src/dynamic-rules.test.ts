import { CollectionSource, CollectSink, DataGeneratorSource, StreamExecutionEnvironment } from '@sluice/core';
import {
  type Alert,
  buildFraudDetection,
  type RejectedRuleUpdate,
  type RuleUpdate,
  ruleUpdateWatermarks,
  type Transaction,
  transactionWatermarks,
} from '@sluice/fraud-detection-job';
import { describe, expect, it } from 'vitest';

const T0 = 1_700_000_000_000;

/** A burst of `n` payments of one card, one second apart, starting at `at` (ms after T0). */
function burst(card: string, at: number, n: number): Transaction[] {
  return Array.from({ length: n }, (_, i) => ({
    id: `${card}-${at}-${i}`,
    cardId: card,
    accountId: `acct-${card}`,
    amountCents: 2_000,
    merchant: { id: 'm-1', category: 'retail' },
    location: { lat: 52.52, lon: 13.405 },
    eventTime: T0 + at + i * 1_000,
  }));
}

// Four payments per card within a minute: no alert at the default limit of 5, an alert at 3.
const INPUT = [...burst('a', 0, 4), ...burst('b', 600_000, 4), ...burst('c', 1_200_000, 4)];
const LOWER_AT_10_MIN: RuleUpdate = {
  id: 'lower',
  effectiveTime: T0 + 600_000,
  rules: { velocity: { maxTransactions: 3 } },
};
const RAISE_AT_20_MIN: RuleUpdate = {
  id: 'raise',
  effectiveTime: T0 + 1_200_000,
  rules: { velocity: { maxTransactions: 10 } },
};

async function run(
  updates: readonly unknown[],
  options: { oneUpdatePerPoll?: boolean; parallelism?: number } = {},
): Promise<{ alerts: Alert[]; rejected: RejectedRuleUpdate[] }> {
  const env = StreamExecutionEnvironment.create({ parallelism: options.parallelism ?? 1 });
  const transactions = env
    .fromSource(
      new DataGeneratorSource<Transaction>({
        count: INPUT.length,
        batchSize: 1,
        generate: (i) => INPUT[i] as Transaction,
      }),
      transactionWatermarks(0),
      'transactions',
    )
    .setParallelism(1);
  const source = options.oneUpdatePerPoll
    ? new DataGeneratorSource<RuleUpdate>({
        count: updates.length,
        batchSize: 1,
        generate: (i) => updates[i] as RuleUpdate,
      })
    : new CollectionSource(updates as RuleUpdate[]);
  const ruleUpdates = env.fromSource(source, ruleUpdateWatermarks(), 'rule-updates').setParallelism(1);
  const out = buildFraudDetection(env, { transactions, ruleUpdates });
  const alerts = new CollectSink<Alert>();
  const rejected = new CollectSink<RejectedRuleUpdate>();
  out.alerts.sinkTo(alerts, 'alerts');
  out.rejectedRuleUpdates.sinkTo(rejected, 'rejected');
  await env.execute('dynamic-rules-test');
  return { alerts: alerts.values, rejected: rejected.values };
}

const velocityCards = (alerts: Alert[]) =>
  alerts
    .filter((a) => a.rule === 'velocity')
    .map((a) => a.cardId)
    .sort();

describe('dynamic rules (broadcast rule updates)', () => {
  it('without updates, four payments a minute are within the default limit', async () => {
    expect(velocityCards((await run([])).alerts)).toEqual([]);
  });

  it('applies a threshold change from its effective event time on, without restarting', async () => {
    const { alerts } = await run([LOWER_AT_10_MIN]);
    // Card a pays before the update's effective time: judged by the old limit.
    expect(velocityCards(alerts)).toEqual(['b', 'c']);
    const b = alerts.find((a) => a.cardId === 'b') as Alert;
    expect(b.evidence.map((t) => t.id)).toEqual(['b-600000-0', 'b-600000-1', 'b-600000-2', 'b-600000-3']);
    expect(b.reason).toContain('limit 3');
  });

  it('applies a sequence of updates by effective time, whatever their arrival order or timing', async () => {
    const expected = ['b'];
    expect(velocityCards((await run([LOWER_AT_10_MIN, RAISE_AT_20_MIN])).alerts)).toEqual(expected);
    expect(velocityCards((await run([RAISE_AT_20_MIN, LOWER_AT_10_MIN])).alerts)).toEqual(expected);
    const slow = await run([LOWER_AT_10_MIN, RAISE_AT_20_MIN], { oneUpdatePerPoll: true });
    expect(velocityCards(slow.alerts)).toEqual(expected);
    const parallel = await run([LOWER_AT_10_MIN, RAISE_AT_20_MIN], { parallelism: 2 });
    expect(velocityCards(parallel.alerts)).toEqual(expected);
  });

  it('can disable a rule at runtime', async () => {
    const disable: RuleUpdate = { id: 'off', effectiveTime: T0 + 1_200_000, rules: { velocity: { enabled: false } } };
    expect(velocityCards((await run([LOWER_AT_10_MIN, disable])).alerts)).toEqual(['b']);
  });

  it('rejects an invalid update to the dead-letter output and keeps the rules in force', async () => {
    const bad = { id: 'bad', effectiveTime: T0, rules: { velocity: { maxTransactions: 0 }, typo: {} } };
    const { alerts, rejected } = await run([bad]);
    expect(velocityCards(alerts)).toEqual([]);
    expect(rejected).toHaveLength(1);
    expect(rejected[0]?.update).toEqual(bad);
    expect(rejected[0]?.problems).toEqual([
      'velocity.maxTransactions must be an integer >= 1; got 0',
      "unknown rule 'typo' (known: smallThenLarge, velocity, impossibleTravel, amountAnomaly)",
    ]);
  });
});
