import { DataGeneratorSource } from '@sluice/core';
import type { Payment } from './spend-alerts.ts';

/**
 * A seeded payment generator: `accounts` accounts, amounts up to $250, one payment per 10 ms of
 * event time. Deterministic: the same options give the same payments.
 */
export function paymentSource(options: {
  accounts: number;
  count?: number;
  recordsPerSecond?: number;
  seed?: number;
  startTime?: number;
}): DataGeneratorSource<Payment> {
  const start = options.startTime ?? 1_700_000_000_000;
  return new DataGeneratorSource<Payment>({
    seed: options.seed ?? 7,
    ...(options.count === undefined ? {} : { count: options.count }),
    ...(options.recordsPerSecond === undefined ? {} : { recordsPerSecond: options.recordsPerSecond }),
    generate: (i, random) => ({
      account: `acct-${random.nextInt(options.accounts)}`,
      amountCents: 1 + random.nextInt(25_000),
      time: start + i * 10,
    }),
  });
}
