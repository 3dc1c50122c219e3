import { SluiceError } from '../errors.ts';
import { AsyncWaitOperator } from '../runtime/operators/async-wait-operator.ts';
import type { StreamOperator } from '../runtime/stream-operator.ts';
import type { DataStream } from './data-stream.ts';
import { addOperatorNode } from './operator-node.ts';

/**
 * The asynchronous call of async I/O: resolves to the output records for one input record (an
 * empty array for none). A rejection fails the job (`USER_FUNCTION_FAILED`); to skip a record on
 * error, catch inside and resolve to `[]` (or route it to a dead-letter topic of your own).
 *
 * @example
 * ```ts
 * const enrich: AsyncFunction<Txn, EnrichedTxn> = async (txn) => {
 *   const account = await accounts.get(txn.accountId);
 *   return account === undefined ? [] : [{ ...txn, country: account.country }];
 * };
 * ```
 */
export type AsyncFunction<IN, OUT> = (value: IN) => PromiseLike<readonly OUT[]>;

/**
 * Options of {@link AsyncDataStream.orderedWait} / {@link AsyncDataStream.unorderedWait}.
 *
 * @example
 * ```ts
 * const options: AsyncWaitOptions<Txn, EnrichedTxn> = { timeoutMs: 2_000, capacity: 50, timeout: (txn) => [{ ...txn, country: 'unknown' }] };
 * ```
 */
export interface AsyncWaitOptions<IN, OUT> {
  /**
   * Processing-time budget per record, in ms from its invocation (the injected clock). `Infinity`
   * disables timeouts.
   */
  readonly timeoutMs: number;
  /** Maximum records in flight (invoked, not yet emitted); more input is backpressured. Default 100. */
  readonly capacity?: number;
  /**
   * Called for a record whose call did not complete in time; returns the results to emit instead
   * (e.g. a default). Its late result is then ignored. Default: fail the job with `ASYNC_TIMEOUT`.
   */
  readonly timeout?: (value: IN) => readonly OUT[];
}

/**
 * Default capacity of async I/O operators (records in flight), as in Flink.
 * @example
 * ```ts
 * AsyncDataStream.unorderedWait(stream, 'lookup', fn, { timeoutMs: 500, capacity: DEFAULT_ASYNC_CAPACITY * 2 });
 * ```
 */
export const DEFAULT_ASYNC_CAPACITY = 100;

function asyncWait<IN, OUT>(
  ordered: boolean,
  stream: DataStream<IN>,
  name: string,
  fn: AsyncFunction<IN, OUT>,
  options: AsyncWaitOptions<IN, OUT>,
): DataStream<OUT> {
  if (typeof name !== 'string' || name === '') {
    throw new SluiceError(
      'INVALID_ARGUMENT',
      'Async I/O operators need a stable name, e.g. AsyncDataStream.orderedWait(stream, "enrich", fn, options).',
    );
  }
  const capacity = options.capacity ?? DEFAULT_ASYNC_CAPACITY;
  if (!Number.isInteger(capacity) || capacity < 1) {
    throw new SluiceError(
      'INVALID_ARGUMENT',
      `Async operator '${name}': capacity must be an integer >= 1; got ${capacity}.`,
    );
  }
  if (!(options.timeoutMs > 0)) {
    throw new SluiceError(
      'INVALID_ARGUMENT',
      `Async operator '${name}': timeoutMs must be > 0 (or Infinity); got ${options.timeoutMs}.`,
    );
  }
  const spec = { fn, ordered, timeoutMs: options.timeoutMs, capacity, onTimeout: options.timeout };
  return addOperatorNode<OUT>(
    {
      name,
      named: true,
      stateful: true,
      create: () => new AsyncWaitOperator<IN, OUT>(spec) as StreamOperator<unknown>,
    },
    { stream: stream as DataStream<unknown> },
  );
}

/**
 * Async I/O (Flink's `AsyncDataStream`): calls an external service per record without blocking the
 * task, with up to `capacity` calls in flight. Results return through the task's mailbox and keep
 * the input record's timestamp. Watermarks never overtake records: in `unorderedWait` a result may
 * overtake earlier records, but not a watermark that came before it.
 *
 * @example
 * ```ts
 * const enriched = AsyncDataStream.orderedWait(txns, 'enrich-account', async (t) => [{ ...t, account: await lookup(t.accountId) }], {
 *   timeoutMs: 1_000,
 *   capacity: 64,
 * });
 * ```
 */
export class AsyncDataStream {
  private constructor() {}

  /** Emits the results in input order (a slow call holds back later results). */
  static orderedWait<IN, OUT>(
    stream: DataStream<IN>,
    name: string,
    fn: AsyncFunction<IN, OUT>,
    options: AsyncWaitOptions<IN, OUT>,
  ): DataStream<OUT> {
    return asyncWait(true, stream, name, fn, options);
  }

  /** Emits results as they complete, but never across a watermark (lower latency, no order). */
  static unorderedWait<IN, OUT>(
    stream: DataStream<IN>,
    name: string,
    fn: AsyncFunction<IN, OUT>,
    options: AsyncWaitOptions<IN, OUT>,
  ): DataStream<OUT> {
    return asyncWait(false, stream, name, fn, options);
  }
}
