import { PrintSink, StreamExecutionEnvironment, WatermarkStrategy } from '@sluice/core';
import { paymentSource } from './payment-generator.ts';
import { spendAlerts, type Payment } from './spend-alerts.ts';

/**
 * Runs the template job on its embedded default: an unbounded generator (1,000 payments/s over
 * 1,000 accounts) and a print sink. Stop it with Ctrl-C.
 */
const env = StreamExecutionEnvironment.create({ parallelism: Number(process.env.PARALLELISM ?? 2) });
const payments = env.fromSource(
  paymentSource({ accounts: 1_000, recordsPerSecond: Number(process.env.RECORDS_PER_SECOND ?? 1_000) }),
  WatermarkStrategy.forMonotonousTimestamps<Payment>().withTimestampAssigner((p) => p.time),
  'payments',
);
spendAlerts(payments, { thresholdCents: 100_000 }).sinkTo(new PrintSink('alert'), 'print-alerts');

const job = env.executeAsync('spend-alerts');
console.log(`[sluice] job 'spend-alerts' running (parallelism ${env.parallelism}); Ctrl-C to stop`);
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    void job.cancel().then(() => {
      console.log('[sluice] job cancelled');
      process.exit(0);
    });
  });
}
job.result.catch((error: unknown) => {
  if (job.status() === 'CANCELED') return;
  console.error('[sluice] job failed:', error);
  process.exit(1);
});
