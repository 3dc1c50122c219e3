import type { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import type { StartedJob } from '@sluice/core';
import type { FraudDetectionJobOutputs, RuleUpdate } from '@sluice/fraud-detection-job';
import {
  FRAUD_ALERTS_METRIC,
  FRAUD_RULE_UPDATES_METRIC,
  fraudDetectionServiceOptions,
} from '@sluice/fraud-detection-service';
import {
  JobLifecycle,
  JobServiceModule,
  type JobServiceOptions,
  METRIC_NAMES,
  PROBLEM_JSON,
  type ProblemDetails,
} from '@sluice/job-service';
import { parsePrometheusText, sampleValue } from '@sluice/testing';
import { afterEach, describe, expect, it, vi } from 'vitest';

const TOKEN = 'live-rules-token-0123456789';
/** No fraud patterns: under the default rules the generated traffic raises no alert at all. */
const QUIET = { RECORDS_PER_SECOND: '20000', FRAUD_RATE: '0', ALERT_SINK: 'collect', SLUICE_API_TOKEN: TOKEN };
/** Normal traffic has many cards with two payments within a day, none within a minute. */
const STRICT_VELOCITY = { velocity: { maxTransactions: 1, windowMs: 86_400_000 } };

const apps: INestApplication[] = [];
afterEach(async () => {
  await Promise.all(apps.splice(0).map((app) => app.close()));
});

async function start(
  env: NodeJS.ProcessEnv,
): Promise<{ app: INestApplication; base: string; options: JobServiceOptions }> {
  const options = fraudDetectionServiceOptions(env);
  const moduleRef = await Test.createTestingModule({ imports: [JobServiceModule.forJob(options)] }).compile();
  const app = moduleRef.createNestApplication({ logger: false });
  apps.push(app);
  await app.listen(0, '127.0.0.1');
  return { app, base: await app.getUrl(), options };
}

const metric = async (base: string, name: string, labels: Record<string, string>): Promise<number> =>
  sampleValue(parsePrometheusText(await (await fetch(`${base}/metrics`)).text()), name, labels) ?? 0;

const postRules = (base: string, body: unknown, token: string | null = TOKEN): Promise<Response> =>
  fetch(`${base}/api/rules`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token === null ? {} : { authorization: `Bearer ${token}` }) },
    body: JSON.stringify(body),
  });

async function problem(response: Response, status: number): Promise<ProblemDetails> {
  expect(response.status).toBe(status);
  expect(response.headers.get('content-type')?.split(';')[0]).toBe(PROBLEM_JSON);
  return (await response.json()) as ProblemDetails;
}

/**
 * Waits until the job judged a good amount of traffic: the rule operators got it and their
 * watermark moved (the idle rule-update stream no longer holds it back); returns that watermark (ms).
 */
async function judged(base: string, records: number): Promise<number> {
  let watermark = 0;
  await vi.waitFor(
    async () => {
      expect(await metric(base, METRIC_NAMES.operatorRecordsIn, { operator: 'rule-velocity' })).toBeGreaterThan(
        records,
      );
      watermark = await metric(base, METRIC_NAMES.operatorWatermark, { operator: 'rule-velocity' });
      expect(watermark).toBeGreaterThan(0);
    },
    { timeout: 30_000, interval: 100 },
  );
  return watermark * 1000;
}

describe('live rule updates (embedded job, SLOTS=1)', () => {
  it('POST /api/rules changes the alerts of the running job, without a restart', async () => {
    const { app, base } = await start(QUIET);
    const job = app.get(JobLifecycle).client() as StartedJob<FraudDetectionJobOutputs>;
    const startedAt = app.get(JobLifecycle).startedAt();
    const watermark = await judged(base, 5_000);
    expect(await metric(base, FRAUD_ALERTS_METRIC.name, { rule: 'velocity' })).toBe(0);

    // Protected and validated like the other mutating routes; errors are problem+json.
    expect((await problem(await postRules(base, { id: 'x', rules: STRICT_VELOCITY }, null), 401)).code).toBe(
      'UNAUTHORIZED',
    );
    const invalid = await problem(await postRules(base, { id: 'x', rules: { velocity: { windowMs: 0 } } }), 400);
    expect(invalid).toMatchObject({ code: 'INVALID_REQUEST', detail: expect.stringMatching(/velocity\.windowMs/) });
    expect((await problem(await postRules(base, { id: 'x', rules: {}, extra: 1 }), 400)).detail).toMatch(/extra/);

    const response = await postRules(base, { id: 'strict-velocity', rules: STRICT_VELOCITY });
    expect(response.status).toBe(202);
    const { accepted } = (await response.json()) as { accepted: RuleUpdate };
    expect(accepted).toMatchObject({ id: 'strict-velocity', rules: STRICT_VELOCITY });
    // Default effective time: just past the rule operators' watermark (the job's event time).
    expect(accepted.effectiveTime).toBeGreaterThan(watermark);

    await vi.waitFor(
      async () => expect(await metric(base, FRAUD_ALERTS_METRIC.name, { rule: 'velocity' })).toBeGreaterThan(10),
      { timeout: 30_000, interval: 100 },
    );
    expect(await metric(base, FRAUD_RULE_UPDATES_METRIC.name, { outcome: 'applied' })).toBe(1);
    expect(
      await metric(base, METRIC_NAMES.controlCommands, { command: 'rules', transport: 'http', outcome: 'ok' }),
    ).toBe(1);
    expect(
      await metric(base, METRIC_NAMES.controlCommands, { command: 'rules', transport: 'http', outcome: 'rejected' }),
    ).toBe(2); // the two invalid bodies; the 401 never reached the route
    // The update applies from its effective time on, in event time: nothing before it alerts.
    const velocity = job.built.alerts.values.filter((a) => a.rule === 'velocity');
    expect(velocity.length).toBeGreaterThan(10);
    expect(Math.min(...velocity.map((a) => a.eventTime))).toBeGreaterThanOrEqual(accepted.effectiveTime);
    // Same job, never restarted.
    expect(job.status()).toBe('RUNNING');
    expect(app.get(JobLifecycle).client()).toBe(job);
    expect(app.get(JobLifecycle).startedAt()).toBe(startedAt);
    expect(job.metrics().checkpoints.restoredFrom).toBeUndefined();
  });

  it('applies a rule update from the fraud.rules transport handler to the running job', async () => {
    const topic = 'fraud.rules.live';
    const { app, base, options } = await start({ ...QUIET, SLUICE_FRAUD_RULES_TOPIC: topic });
    const job = app.get(JobLifecycle).client();
    await judged(base, 2_000);
    expect(await metric(base, FRAUD_ALERTS_METRIC.name, { rule: 'impossible-travel' })).toBe(0);
    const handler = options.events?.[topic];
    expect(handler).toBeDefined();
    const logger = { log: vi.fn(), warn: vi.fn() };
    await handler?.(
      { id: 'walking-speed', rules: { impossibleTravel: { maxSpeedKmh: 5 } } },
      { job, topic, key: 'k', logger },
    );
    expect(logger.log).toHaveBeenCalledWith(expect.stringMatching(/rule update walking-speed from fraud\.rules\.live/));
    await vi.waitFor(
      async () =>
        expect(await metric(base, FRAUD_ALERTS_METRIC.name, { rule: 'impossible-travel' })).toBeGreaterThan(0),
      { timeout: 30_000, interval: 100 },
    );
    const rejected = await Promise.resolve()
      .then(() =>
        handler?.({ id: 'bad', rules: { velocity: { windowMs: 0 } } }, { job, topic, key: undefined, logger }),
      )
      .then(
        () => undefined,
        (error: unknown) => error,
      );
    expect(rejected).toMatchObject({ code: 'INVALID_REQUEST' });
  });

  it('answers 409 NOT_SUPPORTED with SLOTS > 1 (the rule-update queue cannot run in worker threads)', async () => {
    const { base } = await start({ ...QUIET, SLOTS: '2' });
    const body = await problem(await postRules(base, { id: 'x', rules: STRICT_VELOCITY }), 409);
    expect(body).toMatchObject({ code: 'NOT_SUPPORTED', detail: expect.stringMatching(/SLOTS=1/) });
  });
});
