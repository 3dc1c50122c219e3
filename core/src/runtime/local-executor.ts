import type { SourceReader, SourceSplit, SplitEnumerator } from '../api/source.ts';
import { SluiceError } from '../errors.ts';
import { HeapKeyedStateBackend } from '../state/heap-keyed-state-backend.ts';
import { keyGroupRangeFor } from '../state/key-groups.ts';
import type { Clock } from '../time/clock.ts';
import type { Timestamp } from '../time/timestamps.ts';
import { InputGate } from './input-gate.ts';
import { Mailbox } from './mailbox.ts';
import { ForwardOutput, PartitionedOutput, RoutingOutput, type Target } from './outputs.ts';
import type { JobVertex, PhysicalPlan } from './physical-plan.ts';
import { ProcessingTimeScheduler } from './processing-time-scheduler.ts';
import { SinkOperator } from './operators/sink-operator.ts';
import { SourceOperator } from './operators/source-operator.ts';
import type { OperatorContext, Output, StreamOperator } from './stream-operator.ts';

/** Settings of one execution. */
export interface ExecutionOptions {
  readonly clock: Clock;
  readonly runtimeMode: 'STREAMING' | 'BATCH';
  /** Processing-time interval at which sources emit watermarks while waiting (ms). */
  readonly autoWatermarkIntervalMs: number;
  readonly signal: AbortSignal;
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
  private readonly mailbox = new Mailbox();
  /** Operators whose asynchronous finish has not completed yet. */
  private pendingFinishes = 0;

  constructor(plan: PhysicalPlan, options: ExecutionOptions) {
    this.plan = plan;
    this.options = options;
    this.scheduler = new ProcessingTimeScheduler(options.clock);
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
        list.push({ vertex, subtask, operator, context, gate: undefined, output: undefined });
      }
      this.instances.set(vertex.id, list);
    }
  }

  private wire(): void {
    const { plan } = this;
    // Channels of each consumer instance: one per (input edge, upstream subtask), or one for forward edges.
    const targetsOf = new Map<string, Target[]>(); // `${edgeIndex}` -> targets indexed by consumer subtask
    const channelsOf = new Map<Instance, number>();
    plan.edges.forEach((edge, edgeIndex) => {
      const upstreamParallelism = (this.instances.get(edge.from) as Instance[]).length;
      const consumers = this.instances.get(edge.to) as Instance[];
      const targets: Target[] = [];
      for (const consumer of consumers) {
        const base = channelsOf.get(consumer) ?? 0;
        channelsOf.set(consumer, base + (edge.partitioning.kind === 'forward' ? 1 : upstreamParallelism));
        const op = consumer.operator as AnyOperator;
        const fn =
          edge.inputIndex === 1 ? op.processElement2 : (op.processElement ?? op.processElement1);
        if (fn === undefined) {
          throw new SluiceError('ILLEGAL_STATE', `Operator '${consumer.vertex.name}' cannot take input ${edge.inputIndex}.`);
        }
        // Placeholder gate; replaced below once the channel count is known.
        targets.push({ push: fn.bind(op), gate: undefined as unknown as InputGate, channel: base });
      }
      targetsOf.set(String(edgeIndex), targets);
    });
    for (const list of this.instances.values()) {
      for (const instance of list) {
        const channels = channelsOf.get(instance) ?? 0;
        if (channels > 0) {
          instance.gate = new InputGate(instance.operator, channels, () => this.finishInstance(instance));
        }
      }
    }
    // Now build each producer's outputs.
    for (const list of this.instances.values()) {
      for (const producer of list) {
        const main: Output<unknown>[] = [];
        const sides = new Map<string, Output<unknown>[]>();
        plan.edges.forEach((edge, edgeIndex) => {
          if (edge.from !== producer.vertex.id) return;
          const consumers = this.instances.get(edge.to) as Instance[];
          const raw = targetsOf.get(String(edgeIndex)) as Target[];
          const targets = raw.map((t, i) => {
            const gate = (consumers[i] as Instance).gate as InputGate;
            // Non-forward edges: channel = base + producer subtask.
            const channel = edge.partitioning.kind === 'forward' ? t.channel : t.channel + producer.subtask;
            return { push: t.push, gate, channel };
          });
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

  /** End of an operator's input: finish it, then end its output (after an async finish settles). */
  private finishInstance(instance: Instance): void {
    const done = instance.operator.finish();
    if (done === undefined) {
      instance.output?.endInput();
      return;
    }
    this.pendingFinishes++;
    done.then(
      () =>
        this.mailbox.submit(() => {
          this.pendingFinishes--;
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
      for (let s = 0; s < readers.length; s++) enumerator.addReader(s);
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
    while (pending.length > 0) {
      if (signal.aborted) throw new SluiceError('JOB_CANCELLED', 'The job was cancelled.');
      let more = false;
      for (const source of pending) {
        if (source.poll() === 'more-available') more = true;
      }
      pending = pending.filter((s) => !s.isFinished);
      this.mailbox.drain();
      this.scheduler.fireDue();
      if (pending.length === 0) break;
      if (more) {
        await yieldToEventLoop();
        continue;
      }
      await this.idle(
        pending.map((s) => s.reader.isAvailable()),
        cancelled,
      );
    }
    if (signal.aborted) throw new SluiceError('JOB_CANCELLED', 'The job was cancelled.');
    if (runtimeMode === 'BATCH') this.scheduler.fireAll();
    for (const instance of sourceInstances) instance.output?.endInput();
    // Asynchronous finishes (e.g. async I/O draining its queue) complete through the mailbox.
    this.mailbox.drain();
    while (this.pendingFinishes > 0) {
      if (signal.aborted) throw new SluiceError('JOB_CANCELLED', 'The job was cancelled.');
      await this.idle([], cancelled);
      this.mailbox.drain();
      this.scheduler.fireDue();
    }
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
