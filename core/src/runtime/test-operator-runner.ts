import { SubtaskMetricGroup } from '../api/metrics.ts';
import type { DataStream } from '../api/data-stream.ts';
import type { Source } from '../api/source.ts';
import { type RuntimeMode, StreamExecutionEnvironment } from '../api/stream-execution-environment.ts';
import { SluiceError } from '../errors.ts';
import { BroadcastStateStore, type BroadcastStateSnapshot } from '../state/broadcast-state.ts';
import { HeapKeyedStateBackend } from '../state/heap-keyed-state-backend.ts';
import { VOID_NAMESPACE } from '../state/keyed-state-scope.ts';
import {
  DEFAULT_MAX_PARALLELISM,
  type KeyType,
  keyGroupOf,
  keyGroupRangeFor,
  subtaskForKeyGroup,
} from '../state/key-groups.ts';
import { OperatorStateStore, type OperatorStateSnapshot } from '../state/operator-state.ts';
import type {
  AggregatingStateDescriptor,
  ListStateDescriptor,
  MapStateDescriptor,
  ReducingStateDescriptor,
  StateDescriptor,
  ValueStateDescriptor,
} from '../state/state-descriptors.ts';
import { ManualClock } from '../time/clock.ts';
import { NO_TIMESTAMP, type Timestamp } from '../time/timestamps.ts';
import { WatermarkStrategy } from '../time/watermark-strategy.ts';
import { InputGate } from './input-gate.ts';
import type { Transformation } from './logical-graph.ts';
import { Mailbox } from './mailbox.ts';
import { hasTimerIntrospection } from './operators/timer-introspection.ts';
import { ProcessingTimeScheduler } from './processing-time-scheduler.ts';
import type { OperatorContext, Output, StreamOperator } from './stream-operator.ts';

/**
 * Options of {@link TestOperatorRunner}.
 * @example
 * ```ts
 * const options: TestOperatorRunnerOptions = { clock: new ManualClock(0), parallelism: 2, subtaskIndex: 1 };
 * ```
 */
export interface TestOperatorRunnerOptions {
  /** The processing-time clock (default: a `ManualClock` at 0). */
  readonly clock?: ManualClock;
  /** Which subtask the operator is (default 0); keys must belong to its key groups. */
  readonly subtaskIndex?: number;
  /** Parallelism the operator believes it runs at (default 1). */
  readonly parallelism?: number;
  /** Number of key groups (default 128). */
  readonly maxParallelism?: number;
  readonly runtimeMode?: RuntimeMode;
}

/**
 * A record an operator emitted, with its event timestamp (`NO_TIMESTAMP` when it has none).
 * @example
 * ```ts
 * const first: TestOutputRecord<string> | undefined = runner.output[0]; // { value: 'a', timestamp: 1_000 }
 * ```
 */
export interface TestOutputRecord<T> {
  readonly value: T;
  readonly timestamp: Timestamp;
}

type AnyOperator = StreamOperator<unknown> & {
  processElement?: (v: unknown, t: Timestamp) => void;
  processElement1?: (v: unknown, t: Timestamp) => void;
  processElement2?: (v: unknown, t: Timestamp) => void;
  operatorState?: unknown;
  broadcastState?: unknown;
};

/** A source that only stands for the operator's input while the graph is built; never run. */
function placeholderSource<T>(): Source<T> {
  const fail = (): never => {
    throw new SluiceError('ILLEGAL_STATE', 'The placeholder input of a TestOperatorRunner cannot be executed.');
  };
  return { boundedness: 'bounded', createEnumerator: fail, restoreEnumerator: fail, createReader: fail };
}

/** Captures everything an operator emits. */
class CapturingOutput implements Output<unknown> {
  records: TestOutputRecord<unknown>[] = [];
  sides = new Map<string, TestOutputRecord<unknown>[]>();
  watermarks: Timestamp[] = [];
  idle: boolean[] = [];
  ended = false;
  collect(value: unknown, timestamp: Timestamp): void {
    this.records.push({ value, timestamp });
  }
  collectSide(tagId: string, value: unknown, timestamp: Timestamp): void {
    let list = this.sides.get(tagId);
    if (list === undefined) {
      list = [];
      this.sides.set(tagId, list);
    }
    list.push({ value, timestamp });
  }
  emitWatermark(watermark: Timestamp): void {
    this.watermarks.push(watermark);
  }
  emitIdle(idle: boolean): void {
    this.idle.push(idle);
  }
  endInput(): void {
    this.ended = true;
  }
}

function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/**
 * Runs ONE operator, built with the public DataStream API, outside a job: you push records,
 * watermarks and processing time in, and read its output, keyed state, timers and broadcast state.
 * It uses the same classes the runtime uses (the operator, `HeapKeyedStateBackend`,
 * `InputGate`, the mailbox and the processing-time scheduler on a `ManualClock`).
 * `@sluice/testing`'s operator harnesses wrap it with a friendlier API; use those in tests.
 *
 * @experimental The low-level hook for `@sluice/testing`; it may change between minor versions.
 *
 * @example
 * ```ts
 * const runner = TestOperatorRunner.oneInput<string, number>((input) =>
 *   input.keyBy((w) => w).process('count', countFn),
 * );
 * runner.processElement('a', 1_000);
 * runner.processWatermark(5_000);
 * runner.output; // [{ value: 1, timestamp: 1_000 }]
 * ```
 */
export class TestOperatorRunner<IN1, IN2, OUT> {
  /** The processing-time clock; move it with {@link TestOperatorRunner.setProcessingTime}. */
  readonly clock: ManualClock;
  private readonly operator: AnyOperator;
  private readonly transformation: Transformation;
  private readonly context: OperatorContext;
  private readonly out = new CapturingOutput();
  private readonly scheduler: ProcessingTimeScheduler;
  private readonly mailbox = new Mailbox();
  private readonly backend: HeapKeyedStateBackend | undefined;
  private readonly gate: InputGate;
  private readonly inputs: number;
  private readonly keyCheck: ((value: unknown) => void)[];
  private finishing: Promise<void> | undefined;
  private opened = false;
  private closed = false;

  private constructor(
    build: (env: StreamExecutionEnvironment, inputs: DataStream<unknown>[]) => DataStream<unknown>,
    inputs: 1 | 2,
    options: TestOperatorRunnerOptions,
  ) {
    this.clock = options.clock ?? new ManualClock(0);
    const parallelism = options.parallelism ?? 1;
    const maxParallelism = options.maxParallelism ?? DEFAULT_MAX_PARALLELISM;
    const subtaskIndex = options.subtaskIndex ?? 0;
    if (!Number.isInteger(subtaskIndex) || subtaskIndex < 0 || subtaskIndex >= parallelism) {
      throw new SluiceError(
        'INVALID_ARGUMENT',
        `subtaskIndex must be in [0, ${parallelism - 1}]; got ${subtaskIndex}.`,
      );
    }
    const runtimeMode = options.runtimeMode ?? 'STREAMING';
    const env = StreamExecutionEnvironment.create({ parallelism, maxParallelism, runtimeMode, clock: this.clock });
    const placeholders = Array.from({ length: inputs }, (_, i) =>
      env.fromSource(placeholderSource<unknown>(), WatermarkStrategy.noWatermarks<unknown>(), `test-input-${i + 1}`),
    );
    const result = build(env, placeholders);
    const t = result.node;
    const ids = new Set(placeholders.map((p) => p.node?.id));
    if (
      t === undefined ||
      t.createOperator === undefined ||
      result.inputs.length !== 1 ||
      result.inputs[0]?.sideOutputTag !== undefined ||
      t.inputs.some((i) => !ids.has(i.upstream.id)) ||
      t.twoInput !== (inputs === 2)
    ) {
      throw new SluiceError(
        'INVALID_ARGUMENT',
        `A TestOperatorRunner runs exactly one ${inputs === 2 ? 'two' : 'one'}-input operator: build it directly on the given ` +
          'input stream(s) (e.g. input.keyBy(k).process(name, fn)) and return its output stream, not a side output, ' +
          'union or chain of operators. Test chains with a job and a CollectSink.',
      );
    }
    this.transformation = t;
    this.inputs = inputs;
    this.keyCheck = [0, 1].map((index) => {
      const input = t.inputs.find((i) => i.inputIndex === index);
      const p = input?.partitioning;
      if (p?.kind !== 'hash') return () => {};
      return (value: unknown) => {
        const key = p.keySelector(value);
        const owner = subtaskForKeyGroup(keyGroupOf(key, maxParallelism), maxParallelism, parallelism);
        if (owner !== subtaskIndex) {
          throw new SluiceError(
            'INVALID_ARGUMENT',
            `Key ${String(key)} belongs to subtask ${owner} of ${parallelism}, not to subtask ${subtaskIndex} under test; ` +
              'send it to that subtask or test with parallelism 1.',
          );
        }
      };
    });
    this.scheduler = new ProcessingTimeScheduler(this.clock);
    this.backend =
      t.keySelector === undefined
        ? undefined
        : new HeapKeyedStateBackend({
            maxParallelism,
            range: keyGroupRangeFor(subtaskIndex, maxParallelism, parallelism),
            clock: this.clock,
          });
    this.context = {
      uid: t.uid ?? t.name,
      name: t.name,
      subtaskIndex,
      parallelism,
      maxParallelism,
      clock: this.clock,
      runtimeMode,
      keyedBackend: this.backend,
      processingTime: this.scheduler,
      mailbox: this.mailbox,
      metrics: new SubtaskMetricGroup(subtaskIndex),
    };
    this.operator = t.createOperator() as AnyOperator;
    this.operator.setup(this.context, this.out);
    this.gate = new InputGate(this.operator, inputs, () => {
      const done = this.operator.finish();
      this.finishing = (done ?? Promise.resolve()).then(() => this.out.endInput());
    });
  }

  /**
   * A runner for the one-input operator `build` applies to its input.
   * @example
   * ```ts
   * const runner = TestOperatorRunner.oneInput<number, number>((input) => input.process('double', doubler));
   * ```
   */
  static oneInput<IN, OUT>(
    build: (input: DataStream<IN>) => DataStream<OUT>,
    options: TestOperatorRunnerOptions = {},
  ): TestOperatorRunner<IN, never, OUT> {
    return new TestOperatorRunner<IN, never, OUT>(
      (_env, [a]) => build(a as DataStream<IN>) as DataStream<unknown>,
      1,
      options,
    );
  }

  /**
   * A runner for the two-input operator `build` applies to its inputs (connect, broadcast, joins).
   * @example
   * ```ts
   * const runner = TestOperatorRunner.twoInput<Order, Payment, string>((orders, payments) =>
   *   orders.connect(payments).keyBy((o) => o.id, (p) => p.orderId).process('match', matcher),
   * );
   * ```
   */
  static twoInput<IN1, IN2, OUT>(
    build: (first: DataStream<IN1>, second: DataStream<IN2>) => DataStream<OUT>,
    options: TestOperatorRunnerOptions = {},
  ): TestOperatorRunner<IN1, IN2, OUT> {
    return new TestOperatorRunner<IN1, IN2, OUT>(
      (_env, [a, b]) => build(a as DataStream<IN1>, b as DataStream<IN2>) as DataStream<unknown>,
      2,
      options,
    );
  }

  /** The operator's uid (its name unless `.uid(...)` was set). */
  get uid(): string {
    return this.context.uid;
  }

  /** Opens the operator (its function's `open`). Called automatically by the first input. */
  open(): void {
    if (this.opened) return;
    this.opened = true;
    this.operator.open();
  }

  /** Pushes a record into the (first) input; `timestamp` defaults to none. */
  processElement(value: IN1, timestamp: Timestamp = NO_TIMESTAMP): void {
    this.push(0, value, timestamp);
  }

  /** Pushes a record into the second input of a two-input operator. */
  processElement2(value: IN2, timestamp: Timestamp = NO_TIMESTAMP): void {
    if (this.inputs !== 2) throw new SluiceError('INVALID_ARGUMENT', 'processElement2() needs a two-input operator.');
    this.push(1, value, timestamp);
  }

  /** Advances the watermark of every input (the operator sees their minimum). */
  processWatermark(watermark: Timestamp): void {
    this.open();
    for (let i = 0; i < this.inputs; i++) this.gate.watermark(i, watermark);
    this.pump();
  }

  /** Advances the watermark of one input (0 or 1); the operator sees the minimum over inputs. */
  processWatermarkOf(input: 0 | 1, watermark: Timestamp): void {
    this.open();
    this.gate.watermark(this.channel(input), watermark);
    this.pump();
  }

  /** Marks one input idle (its watermark no longer holds the operator's back) or active. */
  setInputIdle(input: 0 | 1, idle: boolean): void {
    this.open();
    this.gate.idleness(this.channel(input), idle);
    this.pump();
  }

  /** Sets processing time and fires every processing-time timer and callback due by then. */
  setProcessingTime(time: number): void {
    this.open();
    this.clock.set(time);
    this.pump();
  }

  /** Moves processing time forward by `ms` (see {@link TestOperatorRunner.setProcessingTime}). */
  advanceProcessingTime(ms: number): void {
    this.setProcessingTime(this.clock.now() + ms);
  }

  /** Runs mail (async results) and due processing-time callbacks until none are left. */
  pump(): void {
    while (this.mailbox.drain() + this.scheduler.fireDue() > 0) {
      // keep going: mail may schedule callbacks and callbacks may send mail
    }
  }

  /**
   * Lets promises that are already settled deliver their results (async I/O), then pumps. Await it
   * after resolving the promises your async function returned.
   */
  async settle(): Promise<void> {
    for (let round = 0; round < 3; round++) {
      await yieldToEventLoop();
      this.pump();
    }
  }

  /**
   * Ends all inputs as the runtime does: a final `MAX_WATERMARK` (firing every event-time timer),
   * then the operator's `finish()`, awaited while mail and due processing-time callbacks run.
   */
  async endInput(): Promise<void> {
    this.open();
    for (let i = 0; i < this.inputs; i++) this.gate.end(i);
    let settled = false;
    let failure: unknown;
    const finishing = this.finishing as Promise<void>;
    finishing.then(
      () => {
        settled = true;
      },
      (e: unknown) => {
        settled = true;
        failure = e ?? new SluiceError('ILLEGAL_STATE', 'finish() failed');
      },
    );
    this.pump();
    while (!settled) {
      await yieldToEventLoop();
      this.pump();
    }
    if (failure !== undefined) throw failure;
  }

  /** Closes the operator (its function's `close`). */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.operator.close();
  }

  /** Everything emitted on the main output so far. */
  get output(): readonly TestOutputRecord<OUT>[] {
    return this.out.records as TestOutputRecord<OUT>[];
  }

  /** Everything emitted to the side output with this tag id. */
  sideOutput<S>(tagId: string): readonly TestOutputRecord<S>[] {
    return (this.out.sides.get(tagId) ?? []) as TestOutputRecord<S>[];
  }

  /** The watermarks the operator emitted, in order. */
  get watermarks(): readonly Timestamp[] {
    return this.out.watermarks;
  }

  /** Whether the operator ended its output (after {@link TestOperatorRunner.endInput}). */
  get ended(): boolean {
    return this.out.ended;
  }

  /** Forgets the output, side outputs and watermarks collected so far. */
  clearOutput(): void {
    this.out.records = [];
    this.out.sides = new Map();
    this.out.watermarks = [];
  }

  /**
   * The value of a keyed state for `key` (a copy for lists and maps), read as the function would.
   * Read states the function registered already (e.g. in `open`): the first registration of a name
   * fixes its settings (such as TTL).
   */
  keyedState<T>(key: KeyType, descriptor: ValueStateDescriptor<T>): T | undefined;
  keyedState<T>(key: KeyType, descriptor: ListStateDescriptor<T>): T[];
  keyedState<K, V>(key: KeyType, descriptor: MapStateDescriptor<K, V>): Map<K, V>;
  keyedState<T>(key: KeyType, descriptor: ReducingStateDescriptor<T>): T | undefined;
  keyedState<IN, ACC, R>(key: KeyType, descriptor: AggregatingStateDescriptor<IN, ACC, R>): R | undefined;
  keyedState(key: KeyType, descriptor: StateDescriptor<string>): unknown {
    const backend = this.requireBackend();
    this.open();
    const namespace = backend.getCurrentNamespace();
    backend.setCurrentNamespace(VOID_NAMESPACE);
    backend.setCurrentKey(key);
    try {
      switch (descriptor.kind) {
        case 'value':
          return backend.getState(descriptor as ValueStateDescriptor<unknown>).value();
        case 'list':
          return [...backend.getListState(descriptor as ListStateDescriptor<unknown>).get()];
        case 'map':
          return new Map(backend.getMapState(descriptor as MapStateDescriptor<unknown, unknown>).entries());
        case 'reducing':
          return backend.getReducingState(descriptor as ReducingStateDescriptor<unknown>).get();
        case 'aggregating':
          return backend.getAggregatingState(descriptor as AggregatingStateDescriptor<unknown, unknown, unknown>).get();
        default:
          throw new SluiceError('INVALID_ARGUMENT', `Unknown state kind '${descriptor.kind}'.`);
      }
    } finally {
      backend.setCurrentNamespace(namespace);
    }
  }

  /** The keys that hold a value of the state named `stateName` (plain keyed state, any namespace excluded). */
  keysWithState(stateName: string): KeyType[] {
    const backend = this.requireBackend();
    const table = backend.table<unknown>(stateName);
    const keys: KeyType[] = [];
    for (let group = backend.range.start; group <= backend.range.end; group++) {
      for (const [key, namespace] of table.entriesOfGroup(group)) if (namespace === VOID_NAMESPACE) keys.push(key);
    }
    return keys;
  }

  /** Number of (key, namespace) entries over all keyed states, including the operator's own (e.g. join buffers). */
  keyedStateSize(): number {
    let n = 0;
    for (const table of this.requireBackend().allTables().values()) n += table.size();
    return n;
  }

  /** Registered event-time timers (all keys). */
  numEventTimeTimers(): number {
    return this.timerServices().reduce((n, t) => n + t.numEventTimeTimers(), 0);
  }

  /** Registered processing-time timers (all keys). */
  numProcessingTimeTimers(): number {
    return this.timerServices().reduce((n, t) => n + t.numProcessingTimeTimers(), 0);
  }

  /** A copy of one broadcast state of a broadcast operator. */
  broadcastState<K, V>(descriptor: MapStateDescriptor<K, V>): Map<K, V> {
    return new Map(this.requireBroadcastStore().getReadOnly(descriptor).entries());
  }

  /** Snapshot of the broadcast state (plain data, as a checkpoint would store it). */
  snapshotBroadcastState(): BroadcastStateSnapshot {
    return this.requireBroadcastStore().snapshot();
  }

  /** Loads a broadcast-state snapshot (before any input). */
  restoreBroadcastState(snapshot: BroadcastStateSnapshot): void {
    this.requireBroadcastStore().restore(snapshot);
  }

  /** A copy of one operator list state of a non-keyed operator. */
  operatorListState<T>(descriptor: ListStateDescriptor<T>): T[] {
    const store = this.requireOperatorStore();
    return store.names().includes(descriptor.name) ? [...store.getListState(descriptor).get()] : [];
  }

  /** Snapshot of the operator list state (plain data, as a checkpoint would store it). */
  snapshotOperatorState(): OperatorStateSnapshot {
    return this.requireOperatorStore().snapshot();
  }

  /** Loads an operator-state snapshot; call before `open()` or the first input, as a restore would. */
  restoreOperatorState(snapshot: OperatorStateSnapshot): void {
    if (this.opened) {
      throw new SluiceError(
        'ILLEGAL_STATE',
        'restoreOperatorState() must run before open() and before the first input.',
      );
    }
    this.requireOperatorStore().restore(snapshot);
  }

  private push(input: 0 | 1, value: unknown, timestamp: Timestamp): void {
    this.open();
    (this.keyCheck[input] as (value: unknown) => void)(value);
    const op = this.operator;
    if (input === 1) (op.processElement2 as (v: unknown, t: Timestamp) => void).call(op, value, timestamp);
    else ((op.processElement ?? op.processElement1) as (v: unknown, t: Timestamp) => void).call(op, value, timestamp);
    this.pump();
  }

  private channel(input: 0 | 1): number {
    if (input >= this.inputs) throw new SluiceError('INVALID_ARGUMENT', `This operator has no input ${input}.`);
    return input;
  }

  private timerServices() {
    if (!hasTimerIntrospection(this.operator)) {
      throw new SluiceError('INVALID_ARGUMENT', `Operator '${this.transformation.name}' keeps no timers.`);
    }
    return this.operator.internalTimerServices();
  }

  private requireBackend(): HeapKeyedStateBackend {
    if (this.backend === undefined) {
      throw new SluiceError(
        'STATE_OUTSIDE_KEYED_CONTEXT',
        `Operator '${this.transformation.name}' is not keyed; it has no keyed state.`,
      );
    }
    return this.backend;
  }

  private requireBroadcastStore(): BroadcastStateStore {
    const store = this.operator.broadcastState;
    if (!(store instanceof BroadcastStateStore)) {
      throw new SluiceError('INVALID_ARGUMENT', `Operator '${this.transformation.name}' has no broadcast state.`);
    }
    return store;
  }

  private requireOperatorStore(): OperatorStateStore {
    const store = this.operator.operatorState;
    if (!(store instanceof OperatorStateStore)) {
      throw new SluiceError('INVALID_ARGUMENT', `Operator '${this.transformation.name}' has no operator list state.`);
    }
    return store;
  }
}
