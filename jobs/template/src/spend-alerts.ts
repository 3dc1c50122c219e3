import { type DataStream, type KeyedProcessFunction, type ValueState, ValueStateDescriptor } from '@sluice/core';

/** A card payment. */
export interface Payment {
  readonly account: string;
  /** Amount in cents. */
  readonly amountCents: number;
  /** Event time, ms since epoch. */
  readonly time: number;
}

/** Raised when an account's total spend crosses another multiple of the threshold. */
export interface SpendAlert {
  readonly account: string;
  readonly totalCents: number;
  readonly crossedCents: number;
  readonly time: number;
}

/** Configuration of the template job. */
export interface SpendAlertsConfig {
  /** Alert each time the running total crosses a multiple of this (cents). */
  readonly thresholdCents: number;
}

type Fn = KeyedProcessFunction<string, Payment, SpendAlert> & { total?: ValueState<number> };

/**
 * The template's pipeline: per account, keep the running total of payments (keyed state) and
 * emit an alert whenever it crosses another multiple of `thresholdCents`.
 *
 * Fork this: replace the types and the function, keep the shape (a pure function from input
 * stream to output stream, so tests and the runner share it).
 *
 * @example
 * ```ts
 * const alerts = spendAlerts(env.fromElements(...payments), { thresholdCents: 100_000 });
 * alerts.print('alert');
 * ```
 */
export function spendAlerts(payments: DataStream<Payment>, config: SpendAlertsConfig): DataStream<SpendAlert> {
  const fn: Fn = {
    open(ctx) {
      this.total = ctx.getState(new ValueStateDescriptor<number>('total-cents', 0));
    },
    processElement(payment, _ctx, out) {
      const state = this.total as ValueState<number>;
      const before = state.value() ?? 0;
      const after = before + payment.amountCents;
      state.update(after);
      const crossed = Math.floor(after / config.thresholdCents);
      if (crossed > Math.floor(before / config.thresholdCents)) {
        out.collect({
          account: payment.account,
          totalCents: after,
          crossedCents: crossed * config.thresholdCents,
          time: payment.time,
        });
      }
    },
  };
  return payments.keyBy((p) => p.account).process('spend-per-account', fn);
}
