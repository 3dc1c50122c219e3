import type { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { CollectSink, StreamExecutionEnvironment, WatermarkStrategy } from '@sluice/core';
import { type Payment, paymentSource, type SpendAlert, spendAlerts } from '@sluice/job-template';
import { JobServiceModule, METRIC_NAMES } from '@sluice/job-service';
import { type PrometheusService, startPrometheus } from '@sluice/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

describe('a real Prometheus server scraping a job service', () => {
  let app: INestApplication;
  let prometheus: PrometheusService;

  beforeAll(async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [
        JobServiceModule.forJob({
          jobName: 'spend-alerts',
          env: {},
          start: () => {
            const env = StreamExecutionEnvironment.create({ parallelism: 2 });
            const payments = env.fromSource(
              paymentSource({ accounts: 50, recordsPerSecond: 2_000 }),
              WatermarkStrategy.forMonotonousTimestamps<Payment>().withTimestampAssigner((p) => p.time),
              'payments',
            );
            spendAlerts(payments, { thresholdCents: 100_000 }).sinkTo(new CollectSink<SpendAlert>(), 'alerts');
            return env.executeAsync('spend-alerts');
          },
        }),
      ],
    }).compile();
    app = moduleRef.createNestApplication({ logger: false });
    await app.listen(0, '127.0.0.1');
    const port = new URL(await app.getUrl()).port;
    prometheus = await startPrometheus({
      targets: [`127.0.0.1:${port}`],
      scrapeIntervalMs: 500,
      jobName: 'sluice-test',
    });
  });

  afterAll(async () => {
    await prometheus?.stop();
    await app?.close();
  });

  it('scrapes the service: target up, engine series present with their labels, counters increasing', async () => {
    const [up] = await prometheus.waitForQuery('up{job="sluice-test"} == 1');
    expect(up?.value).toBe(1);

    const status = await prometheus.waitForQuery(`${METRIC_NAMES.jobStatus}{status="RUNNING"} == 1`);
    expect(status[0]?.metric).toMatchObject({ job: 'sluice-test', job_name: 'spend-alerts' });

    const records = await prometheus.waitForQuery(METRIC_NAMES.operatorRecordsOut, (series) => series.length >= 3);
    expect(records.map((s) => s.metric['operator']).sort()).toEqual(['alerts', 'payments', 'spend-per-account']);

    // Two scrapes at least: rate() over the source's counter is positive.
    const rate = await prometheus.waitForQuery(
      `rate(${METRIC_NAMES.operatorRecordsOut}{operator="payments"}[5s])`,
      (series) => (series[0]?.value ?? 0) > 0,
    );
    expect(rate[0]?.value).toBeGreaterThan(100);

    const processCpu = await prometheus.query('process_cpu_seconds_total{job="sluice-test"}');
    expect(processCpu).toHaveLength(1);
    const watermark = await prometheus.query(`${METRIC_NAMES.operatorWatermark}{operator="spend-per-account"}`);
    expect(watermark[0]?.value).toBeGreaterThan(1_700_000_000);
  });
});
