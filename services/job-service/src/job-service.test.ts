import type { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { CollectSink, type JobClient, StreamExecutionEnvironment, WatermarkStrategy } from '@sluice/core';
import { type Payment, paymentSource, type SpendAlert, spendAlerts } from '@sluice/job-template';
import {
  connectKafkaTransport,
  JobLifecycle,
  JobServiceModule,
  type JobServiceOptions,
  type JobView,
  METRIC_LABELS,
  METRIC_NAMES,
  PROBLEM_JSON,
  type ProblemDetails,
} from '@sluice/job-service';
import { parsePrometheusText, type PrometheusFamily, sampleValue } from '@sluice/testing';
import { afterEach, describe, expect, it, vi } from 'vitest';

const TOKEN = 'test-token-0123456789abcdef';

/** The template job (spend alerts over a seeded, throttled payment generator). */
function spendAlertsJob(options: { count?: number; parallelism?: number } = {}): () => JobClient {
  return () => {
    const env = StreamExecutionEnvironment.create({ parallelism: options.parallelism ?? 2 });
    const payments = env
      .fromSource(
        paymentSource({
          accounts: 50,
          recordsPerSecond: 5_000,
          ...(options.count === undefined ? {} : { count: options.count }),
        }),
        WatermarkStrategy.forMonotonousTimestamps<Payment>().withTimestampAssigner((p) => p.time),
        'payments',
      )
      .setParallelism(1);
    spendAlerts(payments, { thresholdCents: 100_000 }).sinkTo(new CollectSink<SpendAlert>(), 'alerts');
    return env.executeAsync('spend-alerts');
  };
}

const apps: INestApplication[] = [];

async function startApp(options: Partial<JobServiceOptions> = {}): Promise<{ app: INestApplication; base: string }> {
  const moduleRef = await Test.createTestingModule({
    imports: [JobServiceModule.forJob({ jobName: 'spend-alerts', start: spendAlertsJob(), env: {}, ...options })],
  }).compile();
  const app = moduleRef.createNestApplication({ logger: false });
  apps.push(app);
  await app.init();
  await connectKafkaTransport(app);
  await app.listen(0, '127.0.0.1');
  return { app, base: await app.getUrl() };
}

afterEach(async () => {
  await Promise.all(apps.splice(0).map((app) => app.close()));
});

async function scrape(base: string): Promise<Map<string, PrometheusFamily>> {
  const response = await fetch(`${base}/metrics`);
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
  return parsePrometheusText(await response.text());
}

async function problem(response: Response, status: number): Promise<ProblemDetails> {
  expect(response.status).toBe(status);
  expect(response.headers.get('content-type')?.split(';')[0]).toBe(PROBLEM_JSON);
  const body = (await response.json()) as ProblemDetails;
  expect(body).toMatchObject({
    status,
    type: expect.any(String),
    title: expect.any(String),
    detail: expect.any(String),
  });
  return body;
}

const post = (url: string, body?: string, headers: Record<string, string> = {}): Promise<Response> =>
  fetch(url, {
    method: 'POST',
    headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
    ...(body === undefined ? {} : { body }),
  });

describe('JobServiceModule over HTTP', () => {
  it('describes the running job at GET /api/job', async () => {
    const { base } = await startApp();
    const response = await fetch(`${base}/api/job`);
    expect(response.status).toBe(200);
    const job = (await response.json()) as JobView;
    expect(job).toMatchObject({ name: 'spend-alerts', status: 'RUNNING', parallelism: 2 });
    expect(Date.parse(job.startedAt ?? '')).toBeGreaterThan(0);
    expect(job.graph.vertices.map((v) => v.uid)).toEqual(expect.arrayContaining(['spend-per-account']));
    expect(job.graph.edges.length).toBeGreaterThan(0);
  });

  it('exports process, engine and control metrics by Prometheus conventions, increasing while the job runs', async () => {
    const { base } = await startApp();
    await fetch(`${base}/api/job/savepoints`, { method: 'POST' }); // one rejected command to count
    const first = await scrape(base);

    // Process metrics from this app's own registry.
    expect(first.get('process_cpu_seconds_total')?.type).toBe('counter');
    expect(first.get('nodejs_heap_size_used_bytes')?.type).toBe('gauge');

    // Every sluice_ family: named as declared, typed by its suffix, labelled with job_name.
    const declared = new Set<string>(Object.values(METRIC_NAMES));
    const sluice = [...first.values()].filter((f) => f.name.startsWith('sluice_'));
    expect(sluice.length).toBeGreaterThan(5);
    for (const family of sluice) {
      expect(declared.has(family.name), family.name).toBe(true);
      expect(family.type).toBe(family.name.endsWith('_total') ? 'counter' : 'gauge');
      expect(family.help?.length).toBeGreaterThan(0);
      for (const sample of family.samples) expect(sample.labels[METRIC_LABELS.jobName]).toBe('spend-alerts');
    }
    expect(sampleValue(first, METRIC_NAMES.jobStatus, { status: 'RUNNING' })).toBe(1);
    expect(sampleValue(first, METRIC_NAMES.jobStatus, { status: 'FAILED' })).toBe(0);
    expect(sampleValue(first, METRIC_NAMES.checkpointsEnabled)).toBe(0);
    expect(
      sampleValue(first, METRIC_NAMES.controlCommands, {
        command: 'savepoint',
        transport: 'http',
        outcome: 'rejected',
      }),
    ).toBe(1);

    // Engine metrics per operator, labelled by uid and name, growing while the job runs.
    const out = (families: Map<string, PrometheusFamily>, operator: string) =>
      sampleValue(families, METRIC_NAMES.operatorRecordsOut, { operator }) ?? -1;
    await vi.waitFor(async () => expect(out(await scrape(base), 'payments')).toBeGreaterThan(0), { timeout: 10_000 });
    const before = await scrape(base);
    const recordsOut = before.get(METRIC_NAMES.operatorRecordsOut);
    expect(recordsOut?.type).toBe('counter');
    expect(recordsOut?.samples.map((s) => s.labels[METRIC_LABELS.operator])).toEqual(
      expect.arrayContaining(['payments', 'spend-per-account']),
    );
    for (const s of recordsOut?.samples ?? []) expect(s.labels[METRIC_LABELS.operatorName]).toEqual(expect.any(String));
    expect(sampleValue(before, METRIC_NAMES.operatorParallelism, { operator: 'spend-per-account' })).toBe(2);
    const inBefore = sampleValue(before, METRIC_NAMES.operatorRecordsIn, { operator: 'spend-per-account' }) ?? -1;
    expect(inBefore).toBeGreaterThan(0);
    await vi.waitFor(
      async () => {
        const after = await scrape(base);
        expect(out(after, 'payments')).toBeGreaterThan(out(before, 'payments'));
        expect(sampleValue(after, METRIC_NAMES.operatorRecordsIn, { operator: 'spend-per-account' })).toBeGreaterThan(
          inBefore,
        );
      },
      { timeout: 10_000, interval: 200 },
    );
    // Event time: watermarks are Unix seconds (the generator starts in November 2023).
    await vi.waitFor(
      async () => {
        const now = await scrape(base);
        const watermark = sampleValue(now, METRIC_NAMES.operatorWatermark, { operator: 'spend-per-account' }) ?? 0;
        expect(watermark).toBeGreaterThan(1_700_000_000);
        expect(watermark).toBeLessThan(Date.now() / 1000);
        const lag = sampleValue(now, METRIC_NAMES.operatorEventTimeLag, { operator: 'spend-per-account' }) ?? 0;
        expect(lag).toBeGreaterThan(0);
      },
      { timeout: 10_000, interval: 200 },
    );
  });

  it('is live and ready while the job runs; not ready (503 problem) once it finished', async () => {
    const running = await startApp();
    const live = await fetch(`${running.base}/health/live`);
    expect(live.status).toBe(200);
    expect(await live.json()).toMatchObject({ status: 'ok', info: { job: { status: 'up', jobStatus: 'RUNNING' } } });
    const ready = await fetch(`${running.base}/health/ready`);
    expect(ready.status).toBe(200);

    const { app, base } = await startApp({ start: spendAlertsJob({ count: 500 }) });
    const job = app.get(JobLifecycle).client();
    await job.result;
    expect(job.status()).toBe('FINISHED');
    const notReady = await problem(await fetch(`${base}/health/ready`), 503);
    expect(notReady.detail).toContain('FINISHED');
    expect(notReady['checks']).toMatchObject({
      status: 'error',
      error: { job: { status: 'down', jobStatus: 'FINISHED' } },
    });
    expect((await fetch(`${base}/health/live`)).status).toBe(200);
  });

  it('answers CHECKPOINTING_DISABLED with 409 problem+json for savepoint and stop', async () => {
    const { base } = await startApp();
    const savepoint = await problem(await post(`${base}/api/job/savepoints`, '{}'), 409);
    expect(savepoint).toMatchObject({
      code: 'CHECKPOINTING_DISABLED',
      type: 'urn:sluice:problem:checkpointing-disabled',
    });
    expect(savepoint.instance).toBe('/api/job/savepoints');
    const stop = await problem(await post(`${base}/api/job/stop`, '{"drain":true}'), 409);
    expect(stop.code).toBe('CHECKPOINTING_DISABLED');
    expect((await (await fetch(`${base}/api/job`)).json()) as JobView).toMatchObject({ status: 'RUNNING' });
    const checkpoints = await fetch(`${base}/api/job/checkpoints`);
    expect(checkpoints.status).toBe(200);
    expect(await checkpoints.json()).toMatchObject({ checkpoints: [], stats: { enabled: false, completed: 0 } });
  });

  it('validates request bodies (400 problem+json)', async () => {
    const { base } = await startApp();
    for (const [url, body, words] of [
      ['/api/job/stop', '{"drain":"yes"}', 'drain must be true or false'],
      ['/api/job/stop', '{"drain":true,"force":1}', '"force"'],
      ['/api/job/stop', '[true]', 'JSON object'],
      ['/api/job/savepoints', '{"name":"x"}', '"name"'],
    ] as const) {
      const body400 = await problem(await post(`${base}${url}`, body), 400);
      expect(body400).toMatchObject({ code: 'INVALID_REQUEST' });
      expect(body400.detail).toContain(words);
    }
    const malformed = await problem(await post(`${base}/api/job/stop`, '{"drain":'), 400);
    expect(malformed.type).toBe('about:blank');
    const missing = await problem(await fetch(`${base}/api/nothing-here`), 404);
    expect(missing.title).toBe('Not Found');
  });

  it('protects the mutating routes with the bearer token (401 problem+json), not the read-only ones', async () => {
    const { base } = await startApp({ config: { apiToken: TOKEN } });
    const without = await post(`${base}/api/job/savepoints`);
    expect(without.headers.get('www-authenticate')).toMatch(/^Bearer/);
    expect(await problem(without, 401)).toMatchObject({ code: 'UNAUTHORIZED' });
    const wrong = await post(`${base}/api/job/stop`, '{}', { authorization: 'Bearer not-the-token-at-all' });
    expect((await problem(wrong, 401)).detail).toContain('does not match');
    // With the token the request gets past the guard, to the job (which has no checkpointing).
    const right = await post(`${base}/api/job/savepoints`, undefined, { authorization: `Bearer ${TOKEN}` });
    expect((await problem(right, 409)).code).toBe('CHECKPOINTING_DISABLED');
    expect((await fetch(`${base}/api/job`)).status).toBe(200);
    expect((await fetch(`${base}/metrics`)).status).toBe(200);
  });

  it('cancels a job without checkpointing when the app shuts down', async () => {
    const { app } = await startApp();
    const job = app.get(JobLifecycle).client();
    expect(job.status()).toBe('RUNNING');
    apps.splice(apps.indexOf(app), 1);
    await app.close();
    expect(job.status()).toBe('CANCELED');
  });

  it('fails fast on an invalid configuration', () => {
    expect(() => JobServiceModule.forJob({ jobName: 'x', start: spendAlertsJob(), env: { PORT: 'eighty' } })).toThrow(
      /PORT must be an integer/,
    );
  });
});
