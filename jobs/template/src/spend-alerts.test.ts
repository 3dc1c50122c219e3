import { CollectSink, StreamExecutionEnvironment, WatermarkStrategy } from '@sluice/core';
import { type Payment, paymentSource, spendAlerts, type SpendAlert } from '@sluice/job-template';
import { describe, expect, it } from 'vitest';

function expected(payments: Payment[], threshold: number): SpendAlert[] {
  const totals = new Map<string, number>();
  const alerts: SpendAlert[] = [];
  for (const p of payments) {
    const before = totals.get(p.account) ?? 0;
    const after = before + p.amountCents;
    totals.set(p.account, after);
    const crossed = Math.floor(after / threshold);
    if (crossed > Math.floor(before / threshold)) {
      alerts.push({ account: p.account, totalCents: after, crossedCents: crossed * threshold, time: p.time });
    }
  }
  return alerts;
}

const byKey = (a: SpendAlert, b: SpendAlert) => a.account.localeCompare(b.account) || a.time - b.time;

describe('spend alerts template job', () => {
  it('alerts exactly when an account crosses a threshold, at parallelism 1 and 3', async () => {
    // The input, computed once from the same seeded generator.
    const inputEnv = StreamExecutionEnvironment.create();
    const inputSink = new CollectSink<Payment>();
    inputEnv
      .fromSource(paymentSource({ accounts: 20, count: 5_000 }), WatermarkStrategy.noWatermarks(), 'payments')
      .sinkTo(inputSink);
    await inputEnv.execute();
    const want = expected(inputSink.values, 100_000).sort(byKey);
    expect(want.length).toBeGreaterThan(100);

    for (const parallelism of [1, 3]) {
      const env = StreamExecutionEnvironment.create({ parallelism });
      const sink = new CollectSink<SpendAlert>();
      const payments = env
        .fromSource(paymentSource({ accounts: 20, count: 5_000 }), WatermarkStrategy.noWatermarks(), 'payments')
        .setParallelism(1);
      spendAlerts(payments, { thresholdCents: 100_000 }).sinkTo(sink);
      await env.execute('spend-alerts');
      expect([...sink.values].sort(byKey)).toEqual(want);
    }
  });
});
