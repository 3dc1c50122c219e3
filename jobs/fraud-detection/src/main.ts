import { startJob } from '@sluice/core';
import type { FraudDetectionJobOutputs } from './fraud-detection.job.ts';
import { FRAUD_DETECTION_JOB_MODULE } from './job-module.ts';

/**
 * Runs the fraud-detection job on its embedded default: an unbounded seeded generator (1,000
 * payments/s over 1,000 accounts, 1% fraud patterns) and alerts printed as JSON lines. Stop it
 * with Ctrl-C. Environment variables: PARALLELISM, SLOTS, RECORDS_PER_SECOND (0 = as fast as
 * possible), COUNT (bounded run), SEED, ACCOUNTS, FRAUD_RATE, RULES and RULE_UPDATES (JSON).
 */
const env = process.env;
const rate = Number(env.RECORDS_PER_SECOND ?? 1_000);
const parallelism = Number(env.PARALLELISM ?? 2);
const job = await startJob<FraudDetectionJobOutputs>(FRAUD_DETECTION_JOB_MODULE, {
  parallelism,
  slots: Number(env.SLOTS ?? 1),
  params: {
    recordsPerSecond: rate > 0 ? rate : undefined,
    count: env.COUNT,
    seed: env.SEED,
    accounts: env.ACCOUNTS,
    fraudRate: env.FRAUD_RATE,
    rules: env.RULES,
    ruleUpdates: env.RULE_UPDATES,
  },
});
console.error(`[sluice] job 'fraud-detection' running (parallelism ${parallelism}); Ctrl-C to stop`);
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    void job.cancel().then(() => {
      console.error('[sluice] job cancelled');
      process.exit(0);
    });
  });
}
job.result.then(
  () => console.error('[sluice] job finished'),
  (error: unknown) => {
    if (job.status() === 'CANCELED') return;
    console.error('[sluice] job failed:', error);
    process.exit(1);
  },
);
