import type { SourceReader, SourceSplit, SplitEnumerator } from '../api/source.ts';
import { SluiceError } from '../errors.ts';
import { HeapKeyedStateBackend } from '../state/heap-keyed-state-backend.ts';
import { keyGroupRangeFor } from '../state/key-groups.ts';
import type { Clock } from '../time/clock.ts';
import type { Timestamp } from '../time/timestamps.ts';
import { type BackpressureSignal, downstreamSignals, isBackpressureSignal } from './backpressure.ts';
import { InputGate } from './input-gate.ts';
import { Mailbox } from './mailbox.ts';
import { type ChannelGate, ForwardOutput, PartitionedOutput, RoutingOutput, type Target } from './outputs.ts';
import type { JobVertex, PhysicalPlan } from './physical-plan.ts';
import { ProcessingTimeScheduler } from './processing-time-scheduler.ts';
import { SinkOperator } from './operators/sink-operator.ts';
import { OP_END, OP_IDLE, OP_RECORD, OP_WATERMARK, ENTRY_SLOTS, type RemoteLink } from './threads/remote-link.ts';
import { SourceOperator } from './operators/source-operator.ts';
import type { OperatorContext, Output, StreamOperator } from './stream-operator.ts';

/** Settings of one execution. */
export interface ExecutionOptions {
  readonly clock: Clock;
  readonly runtimeMode: 'STREAMING' | 'BATCH';
  /** Processing-time interval at which sources emit watermarks while waiting (ms). */
  readonly autoWatermarkIntervalMs: number;
  readonly signal: AbortSignal;
  /**
   * Multi-threaded execution: subtask `s` of every operator runs on slot `s % slots`; this
   * executor runs the subtasks of `slot` and reaches the other slots through `links[slot]`.
   */
  readonly placement?: Placement;
  /** The task mailbox, when the caller needs it before the executor exists (remote links). */
  readonly mailbox?: Mailbox;
}

/** Where this executor sits among the slots of a multi-threaded job. */
export interface Placement {
  readonly slot: number;
  readonly slots: number;
  /** One link per other slot (index = slot; this slot's own entry is unused). */
  readonly links: readonly (RemoteLink | undefined)[];
}

interface Instance {
  readonly vertex: JobVertex;
  readonly subtask: number;
  readonly operator: StreamOperator<unknown>;
  readonly context: OperatorContext;
  gate: InputGate | undefined;
  output: Output<unknown> | undefined;
}

type AnyOperator = StreamOperator<unknown> & {
  processElement?: (v: unknown, t: Timestamp) => void;
  processElement1?: (v: unknown, t: Timestamp) => void;
  processElement2?: (v: unknown, t: Timestamp) => void;
};

function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/**
 * Runs a physical plan in this thread: every subtask of every operator, wired with the same
 * partitioners, watermark valves and end-of-input protocol the multi-threaded runtime uses.
 * A mailbox-style loop polls sources (a batch at a time), fires processing-time timers, and
 * waits (without spinning) when nothing is available.
 */
export class LocalExecutor {
  private readonly plan: PhysicalPlan;
  private readonly options: ExecutionOptions;
  private readonly scheduler: ProcessingTimeScheduler;
  private readonly instances = new Map<number, Instance[]>();
  private readonly mailbox: Mailbox;
  /** Operators whose asynchronous finish has not completed yet. */
  private pendingFinishes = 0;
  /** Local operators with inputs whose input has not ended yet. */
  private unfinished = 0;
  /** Record entry points of local consumers, by edge index and consumer subtask (for inbound batches). */
  private readonly localPush: ((value: unknown, timestamp: Timestamp) => void)[][] = [];
  private readonly links: RemoteLink[];

  constructor(plan: PhysicalPlan, options: ExecutionOptions) {
    this.plan = plan;
    this.options = options;
    this.scheduler = new ProcessingTimeScheduler(options.clock);
    this.mailbox = options.mailbox ?? new Mailbox();
    this.links = (options.placement?.links ?? []).filter((l): l is RemoteLink => l !== undefined);
  }

  /** The mailbox of this executor's task loop (remote links deliver into it). */
  get taskMailbox(): Mailbox {
    return this.mailbox;
  }

  /** Local sink operators (multi-threaded runs ship collected results back to the caller). */
  localSinks(): { vertexId: number; operator: SinkOperator<unknown> }[] {
    return [...this.instances.entries()].flatMap(([vertexId, list]) =>
      list
        .filter((i) => i.operator instanceof SinkOperator)
        .map((i) => ({ vertexId, operator: i.operator as SinkOperator<unknown> })),
    );
  }

  private isLocal(subtask: number): boolean {
    const p = this.options.placement;
    return p === undefined || subtask % p.slots === p.slot;
  }

  /** Decodes a batch from another thread into local operators, on the task loop. */
  deliver(entries: readonly unknown[]): void {
    for (let i = 0; i < entries.length; i += ENTRY_SLOTS) {
      const op = entries[i] as number;
      const edge = entries[i + 1] as number;
      const consumer = entries[i + 2] as number;
      if (op === OP_RECORD) {
        (this.localPush[edge]?.[consumer] as (v: unknown, t: Timestamp) => void)(
          entries[i + 4],
          entries[i + 5] as number,
        );
        continue;
      }
      const gate = this.instances.get((this.plan.edges[edge] as { to: number }).to)?.[consumer]?.gate as InputGate;
      const channel = entries[i + 3] as number;
      if (op === OP_WATERMARK) gate.watermark(channel, entries[i + 4] as number);
      else if (op === OP_IDLE) gate.idleness(channel, entries[i + 4] as boolean);
      else if (op === OP_END) gate.end(channel);
    }
  }

  private flushLinks(): void {
    for (const link of this.links) link.flush();
  }

  private linksBlocked(): boolean {
    for (const link of this.links) if (link.blocked) return true;
    return false;
  }

  async run(): Promise<void> {
    this.instantiate();
    this.wire();
    const all = [...this.instances.values()].flat();
    const opened: Instance[] = [];
    try {
      for (const instance of [...all].reverse()) {
        instance.operator.open();
        opened.push(instance);
      }
      const enumerators = this.startSources();
      await this.loop();
      for (const e of enumerators) await e.close();
      const sinks = all.map((i) => i.operator).filter((op): op is SinkOperator<unknown> => op instanceof SinkOperator);
      await Promise.all(sinks.map((s) => s.flushAndClose()));
    } finally {
      for (const instance of opened) {
        try {
          instance.operator.close();
        } catch {
          // closing is best effort after a failure; the first error is what the job reports
        }
      }
      for (const source of this.sources()) await source.reader.close();
    }
  }

  private sources(): SourceOperator<unknown>[] {
    return [...this.instances.values()]
      .flat()
      .map((i) => i.operator)
      .filter((op): op is SourceOperator<unknown> => op instanceof SourceOperator);
  }

  private instantiate(): void {
    const { plan, options } = this;
    for (const vertex of plan.vertices) {
      const t = vertex.transformation;
      const list: Instance[] = [];
      for (let subtask = 0; subtask < vertex.parallelism; subtask++) {
        if (!this.isLocal(subtask)) continue;
        let operator: StreamOperator<unknown>;
        if (t.source !== undefined) {
          const reader = t.source.source.createReader({
            subtaskIndex: subtask,
            parallelism: vertex.parallelism,
            now: () => options.clock.now(),
            sleepUntil: (time) => options.clock.sleepUntil(time, options.signal),
          }) as SourceReader<unknown, SourceSplit>;
          operator = new SourceOperator<unknown>(reader, t.source.watermarks);
        } else if (t.createOperator !== undefined) {
          operator = t.createOperator();
        } else {
          throw new SluiceError('ILLEGAL_STATE', `Vertex '${vertex.name}' has neither a source nor an operator.`);
        }
        const keyedBackend =
          t.keySelector === undefined
            ? undefined
            : new HeapKeyedStateBackend({
                maxParallelism: plan.maxParallelism,
                range: keyGroupRangeFor(subtask, plan.maxParallelism, vertex.parallelism),
                clock: options.clock,
              });
        const context: OperatorContext = {
          uid: vertex.uid,
          name: vertex.name,
          subtaskIndex: subtask,
          parallelism: vertex.parallelism,
          maxParallelism: plan.maxParallelism,
          clock: options.clock,
          runtimeMode: options.runtimeMode,
          keyedBackend,
          processingTime: this.scheduler,
          mailbox: this.mailbox,
        };
        list[subtask] = { vertex, subtask, operator, context, gate: undefined, output: undefined };
      }
      this.instances.set(vertex.id, list);
    }
  }

  private wire(): void {
    const { plan } = this;
    const parallelismOf = new Map(plan.vertices.map((v) => [v.id, v.parallelism]));
    // Channel numbering is placement-independent: every consumer subtask has one channel per
    // (input edge, upstream subtask), or one per forward edge. Both ends compute the same numbers.
    const base: number[][] = [];
    const channelCount = new Map<string, number>();
    plan.edges.forEach((edge, edgeIndex) => {
      const up = parallelismOf.get(edge.from) as number;
      const bases: number[] = [];
      for (let c = 0; c < (parallelismOf.get(edge.to) as number); c++) {
        const key = `${edge.to}:${c}`;
        const b = channelCount.get(key) ?? 0;
        bases[c] = b;
        channelCount.set(key, b + (edge.partitioning.kind === 'forward' ? 1 : up));
      }
      base[edgeIndex] = bases;
    });
    for (const list of this.instances.values()) {
      for (const instance of list.filter(Boolean)) {
        const channels = channelCount.get(`${instance.vertex.id}:${instance.subtask}`) ?? 0;
        if (channels > 0) {
          this.unfinished++;
          instance.gate = new InputGate(instance.operator, channels, () => this.finishInstance(instance));
        }
      }
    }
    plan.edges.forEach((edge, edgeIndex) => {
      const pushes: ((value: unknown, timestamp: Timestamp) => void)[] = [];
      for (const consumer of this.instances.get(edge.to) as Instance[]) {
        if (consumer === undefined) continue;
        const op = consumer.operator as AnyOperator;
        const fn = edge.inputIndex === 1 ? op.processElement2 : (op.processElement ?? op.processElement1);
        if (fn === undefined) {
          throw new SluiceError(
            'ILLEGAL_STATE',
            `Operator '${consumer.vertex.name}' cannot take input ${edge.inputIndex}.`,
          );
        }
        pushes[consumer.subtask] = fn.bind(op);
      }
      this.localPush[edgeIndex] = pushes;
    });
    for (const list of this.instances.values()) {
      for (const producer of list.filter(Boolean)) {
        const main: Output<unknown>[] = [];
        const sides = new Map<string, Output<unknown>[]>();
        plan.edges.forEach((edge, edgeIndex) => {
          if (edge.from !== producer.vertex.id) return;
          const targets: Target[] = [];
          const consumers = this.instances.get(edge.to) as Instance[];
          for (let c = 0; c < (parallelismOf.get(edge.to) as number); c++) {
            const bases = base[edgeIndex] as number[];
            const channel = (bases[c] as number) + (edge.partitioning.kind === 'forward' ? 0 : producer.subtask);
            targets[c] = this.isLocal(c)
              ? {
                  push: this.localPush[edgeIndex]?.[c] as Target['push'],
                  gate: (consumers[c] as Instance).gate as InputGate,
                  channel,
                }
              : this.remoteTarget(edgeIndex, c, channel);
          }
          const out =
            edge.partitioning.kind === 'forward'
              ? new ForwardOutput(targets[producer.subtask] as Target)
              : new PartitionedOutput(targets, edge.partitioning, plan.maxParallelism, producer.subtask);
          if (edge.sideOutputTag === undefined) main.push(out);
          else sides.set(edge.sideOutputTag, [...(sides.get(edge.sideOutputTag) ?? []), out]);
        });
        producer.output = new RoutingOutput(main, sides);
        producer.operator.setup(producer.context, producer.output);
      }
    }
  }

  /** A consumer subtask on another slot: records and control events go through that slot's link. */
  private remoteTarget(edge: number, consumer: number, channel: number): Target {
    const placement = this.options.placement as Placement;
    const link = placement.links[consumer % placement.slots];
    if (link === undefined) throw new SluiceError('ILLEGAL_STATE', `No link to the slot of subtask ${consumer}.`);
    const gate: ChannelGate = {
      watermark: (ch, wm) => link.control(OP_WATERMARK, edge, consumer, ch, wm),
      idleness: (ch, idle) => link.control(OP_IDLE, edge, consumer, ch, idle),
      end: (ch) => link.control(OP_END, edge, consumer, ch, 0),
    };
    return { push: (value, timestamp) => link.record(edge, consumer, value, timestamp), gate, channel };
  }

  /** End of an operator's input: finish it, then end its output (after an async finish settles). */
  private finishInstance(instance: Instance): void {
    const done = instance.operator.finish();
    if (done === undefined) {
      this.unfinished--;
      instance.output?.endInput();
      return;
    }
    this.pendingFinishes++;
    done.then(
      () =>
        this.mailbox.submit(() => {
          this.pendingFinishes--;
          this.unfinished--;
          instance.output?.endInput();
        }),
      (error: unknown) =>
        this.mailbox.submit(() => {
          throw error;
        }),
    );
  }

  private startSources(): SplitEnumerator<SourceSplit, unknown>[] {
    const enumerators: SplitEnumerator<SourceSplit, unknown>[] = [];
    for (const vertex of this.plan.vertices) {
      const source = vertex.transformation.source;
      if (source === undefined) continue;
      const readers = (this.instances.get(vertex.id) as Instance[]).map(
        (i) => (i.operator as SourceOperator<unknown>).reader,
      );
      const enumerator = source.source.createEnumerator({
        parallelism: vertex.parallelism,
        assignSplits: (subtask, splits) => readers[subtask]?.addSplits(splits),
        signalNoMoreSplits: (subtask) => readers[subtask]?.notifyNoMoreSplits(),
      });
      enumerator.start();
      for (let s = 0; s < vertex.parallelism; s++) if (readers[s] !== undefined) enumerator.addReader(s);
      enumerators.push(enumerator);
    }
    return enumerators;
  }

  private scheduleWatermarkTicks(sources: SourceOperator<unknown>[]): void {
    if (this.options.runtimeMode === 'BATCH' || sources.length === 0) return;
    const interval = this.options.autoWatermarkIntervalMs;
    const tick = (now: number): void => {
      for (const s of sources) s.emitPeriodicWatermark();
      if (sources.some((s) => !s.isFinished)) this.scheduler.schedule(now + interval, tick);
    };
    this.scheduler.schedule(this.options.clock.now() + interval, tick);
  }

  private async loop(): Promise<void> {
    const { signal, runtimeMode } = this.options;
    const sourceInstances = [...this.instances.values()].flat().filter((i) => i.operator instanceof SourceOperator);
    const active = sourceInstances.map((i) => i.operator as SourceOperator<unknown>);
    this.scheduleWatermarkTicks(active);
    const cancelled = new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
    let pending = active;
    const isBlocked = this.backpressureCheck(sourceInstances);
    while (pending.length > 0) {
      if (signal.aborted) throw new SluiceError('JOB_CANCELLED', 'The job was cancelled.');
      let more = false;
      const blocked: SourceOperator<unknown>[] = [];
      // Backpressure across threads: no credit on a link means no new input from sources.
      const linksBlocked = this.linksBlocked();
      for (const source of pending) {
        // Backpressure: a source feeding a saturated operator is not polled until it drains.
        if (linksBlocked || isBlocked(source)) blocked.push(source);
        else if (source.poll() === 'more-available') more = true;
      }
      pending = pending.filter((s) => !s.isFinished);
      this.mailbox.drain();
      this.scheduler.fireDue();
      this.flushLinks();
      if (pending.length === 0) break;
      if (linksBlocked) {
        await this.idle([], cancelled); // a returned credit arrives as mail
        continue;
      }
      if (more || blocked.some((s) => !isBlocked(s))) {
        await yieldToEventLoop();
        continue;
      }
      await this.idle(
        pending.filter((s) => !blocked.includes(s)).map((s) => s.reader.isAvailable()),
        cancelled,
      );
    }
    if (signal.aborted) throw new SluiceError('JOB_CANCELLED', 'The job was cancelled.');
    if (runtimeMode === 'BATCH') this.scheduler.fireAll();
    for (const instance of sourceInstances) instance.output?.endInput();
    // Asynchronous finishes (e.g. async I/O draining its queue) and input from other threads
    // complete through the mailbox; the task ends when every local operator's input has ended.
    this.mailbox.drain();
    this.flushLinks();
    while (this.unfinished > 0 || this.pendingFinishes > 0 || this.linksBlocked()) {
      if (signal.aborted) throw new SluiceError('JOB_CANCELLED', 'The job was cancelled.');
      await this.idle([], cancelled);
      this.mailbox.drain();
      this.scheduler.fireDue();
      this.flushLinks();
    }
  }

  /** Whether a source must not be polled now because an operator downstream of it is backpressured. */
  private backpressureCheck(sources: readonly Instance[]): (source: SourceOperator<unknown>) => boolean {
    const signals = downstreamSignals(
      sources.map((i) => i.vertex.id),
      this.plan.edges,
      (id) => (this.instances.get(id) ?? []).map((i) => i.operator).filter(isBackpressureSignal),
    );
    const bySource = new Map<SourceOperator<unknown>, BackpressureSignal[]>();
    for (const i of sources) {
      const list = signals.get(i.vertex.id) ?? [];
      if (list.length > 0) bySource.set(i.operator as SourceOperator<unknown>, list);
    }
    if (bySource.size === 0) return () => false;
    return (source) => bySource.get(source)?.some((s) => s.isBackpressured()) ?? false;
  }

  /** Waits without spinning for data, mail, the next processing-time timer or cancellation. */
  private async idle(waits: Promise<void>[], cancelled: Promise<void>): Promise<void> {
    const wake = new AbortController();
    const all = [...waits, this.mailbox.waitForMail(), cancelled];
    const next = this.scheduler.nextTime();
    if (next !== undefined) all.push(this.options.clock.sleepUntil(next, wake.signal));
    await Promise.race(all);
    wake.abort();
  }
}
