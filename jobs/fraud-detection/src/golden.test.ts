import { CollectionSource, CollectSink, type RuntimeMode, StreamExecutionEnvironment, startJob } from '@sluice/core';
import {
  type Alert,
  type AlertSignature,
  alertSignature,
  buildFraudDetection,
  compareAlertSignatures,
  FRAUD_DETECTION_JOB_MODULE,
  type FraudDetectionJobOutputs,
  FraudTransactionSource,
  generateFraudData,
  type RuleUpdate,
  ruleUpdateWatermarks,
  type TransactionGeneratorOptions,
  transactionWatermarks,
} from '@sluice/fraud-detection-job';
import { describe, expect, it } from 'vitest';

const START = 1_700_000_000_000;
const OPTIONS: TransactionGeneratorOptions = {
  seed: 11,
  accounts: 400,
  count: 40_000,
  fraudRate: 0.04,
  maxDelayMs: 2_000,
  startTime: START,
};

async function detect(
  options: TransactionGeneratorOptions,
  env: { parallelism: number; runtimeMode: RuntimeMode },
  updates: readonly RuleUpdate[] = [],
): Promise<{ alerts: AlertSignature[]; late: number }> {
  const e = StreamExecutionEnvironment.create(env);
  const transactions = e.fromSource(new FraudTransactionSource(options), transactionWatermarks(2_000), 'transactions');
  const ruleUpdates =
    updates.length === 0
      ? undefined
      : e.fromSource(new CollectionSource(updates), ruleUpdateWatermarks(), 'rule-updates');
  const out = buildFraudDetection(e, { transactions, ruleUpdates, rules: options.rules });
  const alerts = new CollectSink<Alert>();
  const late = new CollectSink<unknown>();
  out.alerts.sinkTo(alerts, 'alerts');
  out.lateTransactions.sinkTo(late, 'late');
  await e.execute('fraud-detection-golden');
  return { alerts: alerts.values.map(alertSignature).sort(compareAlertSignatures), late: late.values.length };
}

describe('fraud detection golden run (generator ground truth)', () => {
  const truth = generateFraudData(OPTIONS);

  it('the ground truth covers every rule', () => {
    expect(truth.transactions).toHaveLength(40_000);
    const perRule = new Map<string, number>();
    for (const a of truth.expectedAlerts) perRule.set(a.rule, (perRule.get(a.rule) ?? 0) + 1);
    for (const rule of ['small-then-large', 'velocity', 'impossible-travel', 'amount-anomaly']) {
      expect(perRule.get(rule) ?? 0, rule).toBeGreaterThan(50);
    }
    // Deterministic: the same options give the same data.
    expect(generateFraudData(OPTIONS).expectedAlerts).toEqual(truth.expectedAlerts);
  });

  for (const [mode, parallelism] of [
    ['STREAMING', 1],
    ['BATCH', 1],
    ['STREAMING', 2],
    ['BATCH', 2],
  ] as const) {
    it(`raises exactly the ground-truth alerts in ${mode} mode at parallelism ${parallelism}`, async () => {
      const { alerts, late } = await detect(OPTIONS, { parallelism, runtimeMode: mode });
      expect(late).toBe(0);
      expect(alerts).toEqual(truth.expectedAlerts);
    });
  }

  it('follows rule updates: the ground truth and the job agree on a schedule of threshold changes', async () => {
    const day = 86_400_000;
    const updates: RuleUpdate[] = [
      {
        id: 'strict-velocity',
        effectiveTime: START + day,
        rules: { velocity: { maxTransactions: 3, windowMs: 30_000 } },
      },
      { id: 'strict-anomaly', effectiveTime: START + 2 * day, rules: { amountAnomaly: { zScore: 3 } } },
      { id: 'no-travel', effectiveTime: START + 3 * day, rules: { impossibleTravel: { enabled: false } } },
      { id: 'relaxed-velocity', effectiveTime: START + 4 * day, rules: { velocity: { maxTransactions: 8 } } },
    ];
    const options = { ...OPTIONS, ruleUpdates: updates };
    const scheduled = generateFraudData(options);
    expect(scheduled.expectedAlerts).not.toEqual(truth.expectedAlerts);
    const { alerts } = await detect(options, { parallelism: 2, runtimeMode: 'STREAMING' }, updates);
    expect(alerts).toEqual(scheduled.expectedAlerts);
  });

  it('normal behaviour alone raises no alert', async () => {
    const quiet = { ...OPTIONS, fraudRate: 0, count: 20_000 };
    expect(generateFraudData(quiet).expectedAlerts).toEqual([]);
    const { alerts } = await detect(quiet, { parallelism: 1, runtimeMode: 'STREAMING' });
    expect(alerts).toEqual([]);
  });

  it('the embedded job module raises the same alerts (startJob, parallelism 2)', async () => {
    const job = await startJob<FraudDetectionJobOutputs>(FRAUD_DETECTION_JOB_MODULE, {
      parallelism: 2,
      params: {
        seed: 11,
        accounts: 400,
        count: 40_000,
        fraudRate: 0.04,
        maxDelayMs: 2_000,
        startTime: START,
        sink: 'collect',
      },
    });
    await job.result;
    const alerts = job.built.alerts.values.map(alertSignature).sort(compareAlertSignatures);
    expect(alerts).toEqual(truth.expectedAlerts);
    expect(job.built.lateTransactions.values).toEqual([]);
  });
});
