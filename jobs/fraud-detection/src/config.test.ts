import {
  DEFAULT_FRAUD_RULES,
  FraudDetectionError,
  FraudTransactionSource,
  fraudDetectionConfig,
  fraudDetectionJobParams,
  fraudRules,
  generateFraudData,
  validateRuleUpdate,
} from '@sluice/fraud-detection-job';
import { describe, expect, it } from 'vitest';

function thrown(fn: () => unknown): FraudDetectionError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(FraudDetectionError);
    return e as FraudDetectionError;
  }
  throw new FraudDetectionError('INVALID_CONFIG', 'expected the call to throw');
}

describe('fraud rules configuration', () => {
  it('has the documented defaults', () => {
    expect(fraudRules()).toEqual({
      smallThenLarge: { enabled: true, smallBelowCents: 100, largeAboveCents: 50_000, withinMs: 60_000 },
      velocity: { enabled: true, maxTransactions: 5, windowMs: 60_000 },
      impossibleTravel: { enabled: true, maxSpeedKmh: 1_000 },
      amountAnomaly: { enabled: true, zScore: 4, minHistory: 20 },
    });
    expect(fraudRules()).toEqual(DEFAULT_FRAUD_RULES);
  });

  it('applies overrides field by field', () => {
    const rules = fraudRules({ velocity: { maxTransactions: 3 }, impossibleTravel: { maxSpeedKmh: 850.5 } });
    expect(rules.velocity).toEqual({ enabled: true, maxTransactions: 3, windowMs: 60_000 });
    expect(rules.impossibleTravel.maxSpeedKmh).toBe(850.5);
    expect(rules.smallThenLarge).toEqual(DEFAULT_FRAUD_RULES.smallThenLarge);
  });

  it('rejects invalid values with a classified error naming every bad field', () => {
    const e = thrown(() =>
      fraudRules({
        smallThenLarge: { smallBelowCents: 0.5 },
        velocity: { maxTransactions: 0, windowMs: -1 },
        impossibleTravel: { maxSpeedKmh: Number.POSITIVE_INFINITY },
        amountAnomaly: { minHistory: 1, zScore: 0 },
      }),
    );
    expect(e.code).toBe('INVALID_CONFIG');
    expect(e.domain).toBe('user');
    expect(e.retriable).toBe(false);
    for (const field of [
      'smallThenLarge.smallBelowCents must be an integer >= 1; got 0.5',
      'velocity.maxTransactions must be an integer >= 1; got 0',
      'velocity.windowMs must be an integer >= 1; got -1',
      'impossibleTravel.maxSpeedKmh must be a finite number > 0',
      'amountAnomaly.minHistory must be an integer >= 2; got 1',
      'amountAnomaly.zScore must be a finite number > 0; got 0',
    ]) {
      expect(e.message).toContain(field);
    }
  });

  it('rejects unknown rules and fields (typos are not ignored) and wrong types', () => {
    expect(thrown(() => fraudRules({ velocty: {} } as never)).message).toContain("unknown rule 'velocty'");
    expect(thrown(() => fraudRules({ velocity: { max: 3 } } as never)).message).toContain(
      "unknown field 'velocity.max'",
    );
    expect(thrown(() => fraudRules({ velocity: { enabled: 'yes' } } as never)).message).toContain(
      'velocity.enabled must be true or false',
    );
  });

  it('validates the job configuration', () => {
    expect(fraudDetectionConfig()).toMatchObject({ outOfOrdernessMs: 5_000, ruleUpdatesIdleMs: 1_000 });
    const e = thrown(() => fraudDetectionConfig({ outOfOrdernessMs: -5, rules: { velocity: { windowMs: 0 } } }));
    expect(e.code).toBe('INVALID_CONFIG');
    expect(e.message).toContain('outOfOrdernessMs must be an integer >= 0; got -5');
    expect(e.message).toContain('velocity.windowMs must be an integer >= 1; got 0');
  });
});

describe('rule updates', () => {
  it('accepts a valid update and rejects an invalid one with INVALID_RULE_UPDATE', () => {
    const ok = { id: 'u1', effectiveTime: 1_000, rules: { velocity: { maxTransactions: 2 } } };
    expect(validateRuleUpdate(ok)).toBe(ok);
    const e = thrown(() => validateRuleUpdate({ id: '', effectiveTime: 1.5, rules: { velocity: { windowMs: 0 } } }));
    expect(e.code).toBe('INVALID_RULE_UPDATE');
    expect(e.message).toContain('id must be a non-empty string');
    expect(e.message).toContain('effectiveTime must be an integer');
    expect(e.message).toContain('velocity.windowMs must be an integer >= 1; got 0');
  });
});

describe('generator and job parameters', () => {
  it('rejects invalid generator options with INVALID_GENERATOR_OPTIONS', () => {
    const e = thrown(() => new FraudTransactionSource({ accounts: 0, fraudRate: 2, count: -1 }));
    expect(e.code).toBe('INVALID_GENERATOR_OPTIONS');
    expect(e.message).toContain('accounts must be an integer >= 1');
    expect(e.message).toContain('fraudRate must be between 0 and 1');
    expect(e.message).toContain('count must be an integer >= 0');
    expect(thrown(() => generateFraudData({ accounts: 10 })).message).toContain('set count');
    expect(
      thrown(() => new FraudTransactionSource({ rules: fraudRules({ velocity: { maxTransactions: 1 } }) })).message,
    ).toContain('velocity.maxTransactions >= 2');
  });

  it('parses job parameters and rejects bad ones with INVALID_CONFIG', () => {
    const params = fraudDetectionJobParams({ count: '1000', seed: 3, rules: '{"velocity":{"maxTransactions":3}}' });
    expect(params).toMatchObject({ count: 1_000, seed: 3, sink: 'print', rules: { velocity: { maxTransactions: 3 } } });
    expect(params.recordsPerSecond).toBeUndefined();
    expect(thrown(() => fraudDetectionJobParams({ count: 'many' })).message).toContain('count must be a number');
    expect(thrown(() => fraudDetectionJobParams({ rules: '{' })).message).toContain('rules is not valid JSON');
    expect(thrown(() => fraudDetectionJobParams({ sink: 'kafka' })).code).toBe('INVALID_CONFIG');
  });
});
