/**
 * The record of the Kafka benchmark: a payment as JSON, padded to exactly 200 bytes. `ts` is the
 * wall-clock time (ms since the epoch, with fractions) at which the producer sent it; the
 * latency consumer subtracts it from the time it reads the job's output.
 */
export interface BenchPayment {
  readonly id: number;
  readonly card: string;
  readonly amount: number;
  readonly currency: string;
  readonly ts: number;
  readonly pad: string;
}

/** What the benchmark job writes: the payment with its amount in cents. */
export interface BenchPaymentOut extends BenchPayment {
  readonly cents: number;
}

/** Bytes of one input value. */
export const BENCH_RECORD_BYTES = 200;

/** `'x'.repeat(n)` for every pad length a record can need. */
const PADS = Array.from({ length: BENCH_RECORD_BYTES + 1 }, (_, n) => 'x'.repeat(n));

/**
 * The JSON of payment `id` sent at `ts`, padded to {@link BENCH_RECORD_BYTES} bytes. Built by
 * concatenation (the same text `JSON.stringify` gives for these fields: numbers and ASCII
 * strings without escapes), so the producer process spends its CPU on Kafka, not on the text.
 *
 * @example
 * ```ts
 * benchValue(7, Date.now()).length; // 200
 * JSON.parse(benchValue(7, 1).toString()).card; // "card-7"
 * ```
 */
export function benchValue(id: number, ts: number): Buffer {
  const head = `{"id":${id},"card":"card-${id % 10_000}","amount":${(id % 97_331) / 100},"currency":"EUR","ts":${ts},"pad":"`;
  const pad = PADS[Math.max(0, BENCH_RECORD_BYTES - head.length - 2)] ?? '';
  return Buffer.from(`${head}${pad}"}`, 'latin1');
}

/** Wall-clock time in ms with sub-millisecond precision (comparable across processes on one machine). */
export function wallClockMs(): number {
  return performance.timeOrigin + performance.now();
}
