import { describe, expect, it } from 'vitest';
import * as bench from '../index.ts';

describe('@sluice/bench public surface', () => {
  it('exports the Nexmark generator, queries and runner (change this list on purpose only)', () => {
    const nexmark = Object.keys(bench)
      .filter(
        (name) =>
          ![
            'BENCH_ERROR_CODES',
            'BenchError',
            'LatencyRecorder',
            'MICRO_QUERIES',
            'barChartSvg',
            'makeEvents',
            'peakRssMb',
            'runKeyedWindow',
            'runMicro',
            'steadyEventsPerSecond',
            'summarizeCpuProfile',
          ].includes(name),
      )
      .sort();
    expect(nexmark).toEqual(
      [
        'AUCTION_PROPORTION',
        'AUCTION_SKIP',
        'BID_PROPORTION',
        'DEFAULT_NEXMARK_CONFIG',
        'DOLLAR_TO_EURO',
        'NEXMARK_QUERIES',
        'PERSON_PROPORTION',
        'Q3_CATEGORY',
        'Q3_STATES',
        'TOTAL_PROPORTION',
        'bidsOf',
        'isBid',
        'nexmarkEvents',
        'nexmarkGenerator',
        'nexmarkSource',
        'nexmarkTimestamp',
        'nexmarkWatermarks',
        'q0',
        'q1',
        'q2',
        'q3',
        'q4',
        'q5',
        'q7',
        'q8',
        'q11',
        'q12',
        'runNexmark',
      ].sort(),
    );
    expect(Object.keys(bench.NEXMARK_QUERIES).sort()).toEqual([
      'q0',
      'q1',
      'q11',
      'q12',
      'q2',
      'q3',
      'q4',
      'q5',
      'q7',
      'q8',
    ]);
  });
});
