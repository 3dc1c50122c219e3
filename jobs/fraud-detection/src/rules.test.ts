import {
  CollectionSource,
  CollectSink,
  DataGeneratorSource,
  type RuntimeMode,
  StreamExecutionEnvironment,
} from '@sluice/core';
import {
  type Alert,
  alertSignature,
  buildFraudDetection,
  type FraudRulesPatch,
  fraudRules,
  type Location,
  type RuleUpdate,
  ruleUpdateWatermarks,
  type Transaction,
  transactionWatermarks,
  travelSpeedKmh,
} from '@sluice/fraud-detection-job';
import { describe, expect, it } from 'vitest';

const T0 = 1_700_000_000_000;
const PARIS: Location = { lat: 48.8566, lon: 2.3522 };
const TOKYO: Location = { lat: 35.6762, lon: 139.6503 };

let seq = 0;
function tx(at: number, amountCents: number, more: Partial<Transaction> = {}): Transaction {
  seq++;
  return {
    id: `t${String(seq).padStart(4, '0')}`,
    cardId: 'card-1',
    accountId: 'acct-1',
    amountCents,
    merchant: { id: 'm-1', category: 'grocery' },
    location: PARIS,
    eventTime: T0 + at,
    ...more,
  };
}

interface RunResult {
  alerts: Alert[];
  late: string[];
}

/**
 * Runs the whole pipeline on `input` in that arrival order, one record per poll, so the watermark
 * (bound `outOfOrdernessMs`) advances after every record, as with a live source.
 */
async function run(
  input: readonly Transaction[],
  options: {
    rules?: FraudRulesPatch;
    updates?: readonly RuleUpdate[];
    outOfOrdernessMs?: number;
    mode?: RuntimeMode;
    parallelism?: number;
  } = {},
): Promise<RunResult> {
  const env = StreamExecutionEnvironment.create({
    parallelism: options.parallelism ?? 1,
    runtimeMode: options.mode ?? 'STREAMING',
  });
  const source = new DataGeneratorSource<Transaction>({
    count: input.length,
    batchSize: 1,
    generate: (i) => input[i] as Transaction,
  });
  const transactions = env
    .fromSource(source, transactionWatermarks(options.outOfOrdernessMs ?? 0), 'transactions')
    .setParallelism(1);
  const ruleUpdates =
    options.updates === undefined
      ? undefined
      : env.fromSource(new CollectionSource(options.updates), ruleUpdateWatermarks(), 'rule-updates');
  const out = buildFraudDetection(env, { transactions, ruleUpdates, rules: fraudRules(options.rules) });
  const alerts = new CollectSink<Alert>();
  const late = new CollectSink<Transaction>();
  out.alerts.sinkTo(alerts, 'alerts');
  out.lateTransactions.sinkTo(late, 'late');
  await env.execute('rules-test');
  return { alerts: alerts.values, late: late.values.map((t) => t.id) };
}

function only(result: RunResult, rule: Alert['rule']): { ids: string[]; at: number }[] {
  return result.alerts
    .filter((a) => a.rule === rule)
    .map(alertSignature)
    .sort((a, b) => a.eventTime - b.eventTime)
    .map((s) => ({ ids: [...s.evidenceIds], at: s.eventTime - T0 }));
}

/** Amount-anomaly off, so the other rules' tests are not disturbed by large amounts. */
const NO_ANOMALY: FraudRulesPatch = { amountAnomaly: { enabled: false } };

describe('small-then-large rule', () => {
  it('alerts on a small payment immediately followed by a large one within the window (both ends inclusive)', async () => {
    const small = tx(0, 99);
    const large = tx(60_000, 50_001);
    const result = await run([tx(-600_000, 2_000), small, large], { rules: NO_ANOMALY });
    expect(only(result, 'small-then-large')).toEqual([{ ids: [small.id, large.id], at: 60_000 }]);
    const alert = result.alerts[0] as Alert;
    expect(alert).toMatchObject({ id: `small-then-large:${large.id}`, accountId: 'acct-1', cardId: 'card-1' });
    expect(alert.evidence).toEqual([small, large]);
  });

  it('does not alert exactly at the thresholds, after the window, or when another payment comes between', async () => {
    const result = await run(
      [
        tx(0, 100), // $1.00 is not small
        tx(1_000, 60_000),
        tx(600_000, 99),
        tx(601_000, 50_000), // $500.00 is not large
        tx(1_200_000, 99),
        tx(1_260_001, 60_000), // 60.001 s later
        tx(1_800_000, 50),
        tx(1_801_000, 5_000), // a medium payment in between
        tx(1_802_000, 90_000),
      ],
      { rules: NO_ANOMALY },
    );
    expect(only(result, 'small-then-large')).toEqual([]);
  });

  it('uses the latest small payment and raises one alert per small one', async () => {
    const s1 = tx(0, 10);
    const s2 = tx(5_000, 20);
    const l1 = tx(10_000, 70_000);
    const l2 = tx(11_000, 70_000);
    const result = await run([s1, s2, l1, l2], { rules: NO_ANOMALY });
    expect(only(result, 'small-then-large')).toEqual([{ ids: [s2.id, l1.id], at: 10_000 }]);
  });

  it('is keyed by account: a small payment of another account does not arm it', async () => {
    const result = await run([tx(0, 10, { accountId: 'acct-2', cardId: 'card-2' }), tx(1_000, 70_000)], {
      rules: NO_ANOMALY,
    });
    expect(only(result, 'small-then-large')).toEqual([]);
  });
});

describe('velocity rule', () => {
  const at = (ms: number) => tx(ms, 2_000);

  it('allows maxTransactions within the window and alerts on one more, with the window as evidence', async () => {
    const burst = [0, 10_000, 20_000, 30_000, 40_000, 60_000].map(at);
    const result = await run(burst);
    expect(only(result, 'velocity')).toEqual([{ ids: burst.map((t) => t.id), at: 60_000 }]);
  });

  it('includes a payment exactly windowMs old and excludes one a millisecond older', async () => {
    const inside = [0, 1, 2, 3, 4, 60_000].map(at); // 0 is exactly 60 s before 60_000
    expect(only(await run(inside), 'velocity')).toHaveLength(1);
    const outside = [0, 10, 20, 30, 40, 60_001].map(at); // 0 is 60.001 s before
    expect(only(await run(outside), 'velocity')).toEqual([]);
  });

  it('raises one alert per burst and re-arms once the count is back under the limit', async () => {
    const first = [0, 1_000, 2_000, 3_000, 4_000, 5_000, 6_000, 7_000].map(at);
    const second = [300_000, 301_000, 302_000, 303_000, 304_000, 305_000].map(at);
    const result = await run([...first, ...second]);
    expect(only(result, 'velocity')).toEqual([
      { ids: first.slice(0, 6).map((t) => t.id), at: 5_000 },
      { ids: second.map((t) => t.id), at: 305_000 },
    ]);
  });

  it('is keyed by card', async () => {
    const mixed = [0, 1, 2, 3, 4, 5].map((ms, i) => tx(ms, 2_000, { cardId: `card-${i % 2}` }));
    expect(only(await run(mixed), 'velocity')).toEqual([]);
  });
});

describe('impossible-travel rule', () => {
  const km = 9_713; // Paris–Tokyo, roughly
  it('alerts when consecutive payments of a card need more than maxSpeedKmh, not at or below it', async () => {
    const hours = (h: number) => Math.round(h * 3_600_000);
    const a = tx(0, 2_000);
    const tooFast = tx(hours(km / 1_000) - 60_000, 2_000, { location: TOKYO }); // a minute short
    const b = tx(30 * 3_600_000, 2_000);
    const possible = tx(30 * 3_600_000 + hours(km / 900), 2_000, { location: TOKYO });
    const result = await run([a, tooFast, b, possible], { rules: NO_ANOMALY });
    expect(travelSpeedKmh(a.location, tooFast.location, tooFast.eventTime - a.eventTime)).toBeGreaterThan(1_000);
    expect(travelSpeedKmh(b.location, possible.location, possible.eventTime - b.eventTime)).toBeLessThan(1_000);
    // Tokyo back to Paris in ~20 hours is possible too.
    expect(only(result, 'impossible-travel')).toEqual([{ ids: [a.id, tooFast.id], at: tooFast.eventTime - T0 }]);
  });

  it('at exactly the limit does not alert (strictly above)', async () => {
    const a = tx(0, 2_000, { location: { lat: 0, lon: 0 } });
    const b = tx(3_600_000, 2_000, { location: { lat: 0, lon: 1 } });
    const speed = travelSpeedKmh(a.location, b.location, 3_600_000);
    expect(
      only(await run([a, b], { rules: { impossibleTravel: { maxSpeedKmh: speed } } }), 'impossible-travel'),
    ).toEqual([]);
    const below = await run([a, b], { rules: { impossibleTravel: { maxSpeedKmh: speed - 0.001 } } });
    expect(only(below, 'impossible-travel')).toEqual([{ ids: [a.id, b.id], at: 3_600_000 }]);
  });

  it('two places at the same millisecond is impossible; the same place is not', async () => {
    const a = tx(0, 2_000);
    const same = tx(0, 2_000);
    const elsewhere = tx(0, 2_000, { location: { lat: PARIS.lat + 0.01, lon: PARIS.lon } });
    const result = await run([a, same, elsewhere], { rules: NO_ANOMALY });
    // Equal event times are judged in id order: a, same (0 km), elsewhere (1.1 km in 0 ms).
    expect(only(result, 'impossible-travel')).toEqual([{ ids: [same.id, elsewhere.id], at: 0 }]);
  });
});

describe('amount-anomaly rule', () => {
  const history = (n: number) => Array.from({ length: n }, (_, i) => tx(i * 600_000, i % 2 === 0 ? 1_000 : 3_000));
  const ON = { amountAnomaly: { zScore: 4, minHistory: 20 } };

  it('alerts on an amount more than zScore deviations above the mean once minHistory amounts exist', async () => {
    // 20 amounts of $10 and $30: mean $20, sample deviation ≈ $10.26, so $70 has z ≈ 4.87.
    const spike = tx(20 * 600_000, 7_000);
    const result = await run([...history(20), spike], { rules: ON });
    expect(only(result, 'amount-anomaly')).toEqual([{ ids: [spike.id], at: spike.eventTime - T0 }]);
    expect((result.alerts[0] as Alert).reason).toContain('standard deviations');
  });

  it('needs minHistory amounts, and a spread', async () => {
    const early = await run([...history(19), tx(19 * 600_000, 7_000)], { rules: ON });
    expect(only(early, 'amount-anomaly')).toEqual([]);
    const flat = Array.from({ length: 25 }, (_, i) => tx(i * 600_000, 1_000));
    const noSpread = await run([...flat, tx(25 * 600_000, 100_000)], { rules: ON });
    expect(only(noSpread, 'amount-anomaly')).toEqual([]);
  });

  it('keeps anomalies out of the statistics, so a repeated spike alerts again', async () => {
    const spikes = [tx(20 * 600_000, 7_000), tx(21 * 600_000, 7_000)];
    const result = await run([...history(20), ...spikes], { rules: ON });
    expect(only(result, 'amount-anomaly').map((a) => a.ids[0])).toEqual(spikes.map((s) => s.id));
  });

  it('does not alert at exactly the threshold', async () => {
    // Two amounts, 1000 and 3000: mean 2000, sample deviation √2·1000; z of 2000 + 4·√2·1000 is 4.
    const sd = Math.SQRT2 * 1_000;
    const base = [tx(0, 1_000), tx(600_000, 3_000)];
    const rules = { amountAnomaly: { zScore: (2_000 + 4 * sd - 2_000) / sd, minHistory: 2 } };
    expect(only(await run([...base, tx(1_200_000, 2_000 + 4 * sd)], { rules }), 'amount-anomaly')).toEqual([]);
    expect(only(await run([...base, tx(1_200_000, 2_000 + 4 * sd + 1)], { rules }), 'amount-anomaly')).toHaveLength(1);
  });
});

describe('event time', () => {
  const story = () => {
    seq = 1000;
    return [
      tx(0, 50),
      tx(2_000, 60_000),
      ...[10_000, 11_000, 12_000, 13_000, 14_000, 15_000].map((ms) => tx(ms, 2_000)),
      tx(16_000, 2_000, { location: TOKYO }),
    ];
  };
  const signatures = (r: RunResult) =>
    r.alerts.map(alertSignature).sort((a, b) => (a.evidenceIds.join() < b.evidenceIds.join() ? -1 : 1));

  it('gives the same alerts for out-of-order arrival within the watermark bound', async () => {
    const ordered = await run(story(), { rules: NO_ANOMALY, outOfOrdernessMs: 5_000 });
    expect(ordered.alerts.map((a) => a.rule).sort()).toEqual(['impossible-travel', 'small-then-large', 'velocity']);
    const shuffled = story();
    // Every record is at most 5 s behind the newest one before it.
    const reordered = [1, 0, 3, 2, 5, 4, 8, 6, 7].map((i) => shuffled[i]) as Transaction[];
    expect(new Set(reordered).size).toBe(9);
    const result = await run(reordered, { rules: NO_ANOMALY, outOfOrdernessMs: 5_000 });
    expect(result.late).toEqual([]);
    expect(signatures(result)).toEqual(signatures(ordered));
  });

  it('sends late transactions (behind the watermark) to lateTransactions without judging them', async () => {
    const small = tx(0, 50);
    const later = tx(100_000, 2_000);
    const lateLarge = tx(30_000, 60_000); // arrives when the watermark is at 100_000 - 1_000 - 1
    const result = await run([small, later, lateLarge], { rules: NO_ANOMALY, outOfOrdernessMs: 1_000 });
    expect(result.late).toEqual([lateLarge.id]);
    expect(result.alerts).toEqual([]);
  });

  it('gives the same alerts in BATCH mode and at parallelism 2', async () => {
    const ordered = await run(story(), { rules: NO_ANOMALY });
    const batch = await run(story(), { rules: NO_ANOMALY, mode: 'BATCH' });
    const parallel = await run(story(), { rules: NO_ANOMALY, parallelism: 2 });
    expect(signatures(batch)).toEqual(signatures(ordered));
    expect(signatures(parallel)).toEqual(signatures(ordered));
  });
});
