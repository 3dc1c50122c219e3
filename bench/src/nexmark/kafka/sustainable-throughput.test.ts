import { describe, expect, it } from 'vitest';
import { judgeRateStep, type LagSample } from './sustainable-throughput.ts';

/** Samples every 0.5 s for `seconds`: produced at `rate`, read at `readRate` (capped at produced). */
function samples(seconds: number, rate: number, readRate: number, startupSeconds = 0): LagSample[] {
  const out: LagSample[] = [];
  for (let t = 0; t <= seconds; t += 0.5) {
    const produced = Math.round(rate * t);
    const consumed = Math.min(produced, Math.round(readRate * Math.max(0, t - startupSeconds)));
    out.push({ atSeconds: t, produced, consumed });
  }
  return out;
}

describe('judgeRateStep', () => {
  it('sustained: the job reads as fast as the producer writes', () => {
    const step = judgeRateStep(100_000, samples(20, 100_000, 100_000));
    expect(step).toMatchObject({ sustained: true, finalLag: 0, producedPerSecond: 100_000 });
    expect(step.reason).toBeUndefined();
  });

  it('sustained: a start-up backlog that the job works off (the first third is not judged)', () => {
    // 2 s to start, then reads at 150k/s: the 200k backlog is gone after about 6 s.
    const step = judgeRateStep(100_000, samples(20, 100_000, 150_000, 2));
    expect(step.sustained).toBe(true);
    expect(step.lagGrowthPerSecond).toBeLessThanOrEqual(2_000);
  });

  it('not sustained: the lag keeps growing', () => {
    const step = judgeRateStep(100_000, samples(20, 100_000, 80_000));
    expect(step).toMatchObject({ sustained: false, producerLimited: false });
    expect(step.lagGrowthPerSecond).toBe(20_000);
    expect(step.consumedPerSecond).toBe(80_000);
    expect(step.reason).toBe('the lag grew by 20000 events/s');
  });

  it('not sustained when the producer fell short of the rate (the step measured the producer)', () => {
    const step = judgeRateStep(100_000, samples(20, 60_000, 60_000));
    expect(step).toMatchObject({ sustained: false, producerLimited: true });
    expect(step.reason).toBe('the producer reached only 60000 events/s');
  });

  it('not sustained without enough samples', () => {
    expect(judgeRateStep(1_000, [{ atSeconds: 0, produced: 0, consumed: 0 }])).toMatchObject({
      sustained: false,
      reason: 'too few samples',
    });
  });
});
