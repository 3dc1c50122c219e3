import { type CustomMetricSample, SubtaskMetricGroup } from '../api/metrics.ts';
import type { SourceReader, SourceSplit, SplitEnumerator } from '../api/source.ts';
import { SluiceError } from '../errors.ts';
import { keyGroupRangeFor } from '../state/key-groups.ts';
import { isIncremental, type KeyedStateBackend } from '../state/keyed-state-backend.ts';
import type { StateBackendConfig } from '../state/state-backends.ts';
import type { Clock } from '../time/clock.ts';
import type { Timestamp } from '../time/timestamps.ts';
import { type BackpressureSignal, downstreamSignals, isBackpressureSignal } from './backpressure.ts';
import type { CheckpointingMode } from '../checkpoint/checkpoint-config.ts';
import type { ParticipantAck, StateFile, TriggerOptions } from '../checkpoint/checkpoint-coordinator.ts';
import type { JsonValue } from '../checkpoint/metadata.ts';
import type { OperatorMetrics } from '../api/job-client.ts';
import { InputGate } from './input-gate.ts';
import type { RestoredJobState } from './restore-loader.ts';
import { SharedKeyGroupFiles } from './shared-key-group-files.ts';
import { KeyedBackendFactory } from './state-backend-factory.ts';
import { type SubtaskSnapshotFiles, takeSubtaskSnapshot } from './subtask-state.ts';
import { Mailbox } from './mailbox.ts';
import {
  type ChannelGate,
  type EdgeOutput,
  ForwardOutput,
  PartitionedOutput,
  RoutingOutput,
  type Target,
} from './outputs.ts';
import type { JobVertex, PhysicalPlan } from './physical-plan.ts';
import { ProcessingTimeScheduler } from './processing-time-scheduler.ts';
import { SinkOperator } from './operators/sink-operator.ts';
import {
  OP_ALIGN,
  OP_BARRIER,
  OP_END,
  OP_IDLE,
  OP_SPLITS,
  OP_TRIGGER,
  OP_WATERMARK,
  type RemoteLink,
} from './threads/remote-link.ts';
import { SourceOperator } from './operators/source-operator.ts';
import { type AlignedVertex, type AlignmentReport, WatermarkAlignment } from './watermark-alignment.ts';
import type { OperatorContext, StreamOperator } from './stream-operator.ts';

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
  /** Checkpointing: how barriers are handled and where this task loop's snapshots go. */
  readonly checkpointing?: {
    readonly mode: CheckpointingMode;
    acknowledge(ack: ParticipantAck): void;
  };
  /** State to start from (matched to operators by uid). */
  readonly restored?: RestoredJobState;
  /** Where keyed state lives (default: the heap). */
  readonly stateBackend?: StateBackendConfig;
  /**
   * The directory for this task loop's LMDB working copies (worker threads: one per slot inside
   * the attempt's directory); default a fresh directory under the backend's `directory`.
   */
  readonly stateDirectory?: string;
  /**
   * Keep keyed state open after {@link LocalExecutor.run} finished normally (worker threads still
   * answer checkpoints of other slots); the caller then calls {@link LocalExecutor.disposeState}.
   * After a failure or cancellation state is always released.
   */
  readonly keepStateAfterRun?: boolean;
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
  output: RoutingOutput | undefined;
  /** All input ended (or, for a source, its input ended): snapshots are taken at trigger time. */
  finished: boolean;
  /** The last checkpoint this instance snapshotted. */
  snapshotted: number;
  /** Shared key-group files of incremental checkpoints (keyed operators on an incremental backend). */
  readonly shared: SharedKeyGroupFiles | undefined;
}

/** A checkpoint this task loop is taking: the snapshots gathered so far. */
interface LocalCheckpoint {
  /** Set by the trigger (a checkpoint first seen through a remote barrier starts as a plain checkpoint). */
  options: TriggerOptions;
  /** The coordinator's trigger reached this loop (acknowledge only after it: sources snapshot then). */
  triggered: boolean;
  acked: boolean;
  remaining: number;
  readonly files: StateFile[];
  readonly sharedFiles: StateFile[];
  readonly sharedRefs: string[];
  readonly sourcePositions: Record<string, JsonValue>;
}

type AnyOperator = StreamOperator<unknown> & {
  processElement?: (v: unknown, t: Timestamp) => void;
  processElement1?: (v: unknown, t: Timestamp) => void;
  processElement2?: (v: unknown, t: Timestamp) => void;
};

/** Union-state name under which source subtask 0 stores its split enumerator's state. */
const ENUMERATOR_STATE = '__sluice.enumerator';

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
  /** Gates currently holding blocked channels (barrier alignment). */
  private blockingGates = 0;
  private readonly checkpoints = new Map<number, LocalCheckpoint>();
  /** Split enumerators by source vertex id (only on the slot that owns them). */
  private readonly enumerators = new Map<number, SplitEnumerator<SourceSplit, unknown>>();
  /** Stop-with-savepoint: sources are no longer polled; the loop ends once that savepoint completed. */
  private stopRequested = false;
  private stopped = false;
  /** Asynchronous commits (notifyCheckpointComplete) still running. */
  private pendingCommits = 0;
  private readonly backendFactory: KeyedBackendFactory;
  /** Keyed backends by `<vertex id>/<subtask>`, opened before the operators are created. */
  private backends = new Map<string, KeyedStateBackend>();
  /** Watermark alignment of the local sources, once the loop started (when any source has a group). */
  private alignment: WatermarkAlignment | undefined;
  /** Snapshots still reading or encoding after their barrier (they must end before state is released). */
  private readonly asyncSnapshots = new Set<Promise<void>>();

  constructor(plan: PhysicalPlan, options: ExecutionOptions) {
    this.plan = plan;
    this.options = options;
    this.scheduler = new ProcessingTimeScheduler(options.clock);
    this.mailbox = options.mailbox ?? new Mailbox();
    this.links = (options.placement?.links ?? []).filter((l): l is RemoteLink => l !== undefined);
    for (const link of this.links) link.setCreditGate(() => this.locallyBackpressured());
    this.backendFactory = new KeyedBackendFactory(options.stateBackend ?? { kind: 'heap' }, options.stateDirectory);
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

  /** A record from another thread (a remote link's batch, on the task loop). */
  receiveRecord(edge: number, consumer: number, channel: number, value: unknown, timestamp: number): void {
    if (this.blockingGates > 0) this.deliverRecord(edge, consumer, channel, value, timestamp);
    else (this.localPush[edge]?.[consumer] as (v: unknown, t: Timestamp) => void)(value, timestamp);
  }

  /** A control entry from another thread (a remote link's batch, on the task loop): see the OP_ codes. */
  receiveControl(op: number, edge: number, consumer: number, channel: number, payload: unknown): void {
    if (op === OP_TRIGGER) {
      const t = payload as { checkpointId: number; options: TriggerOptions };
      this.triggerCheckpoint(t.checkpointId, t.options);
      return;
    }
    if (op === OP_ALIGN) {
      this.alignment?.onReport(payload as AlignmentReport);
      return;
    }
    if (op === OP_SPLITS) {
      // edge = source vertex id; payload = splits, or null for "no more splits"
      const source = this.instances.get(edge)?.[consumer]?.operator as SourceOperator<unknown>;
      const splits = payload as SourceSplit[] | null;
      if (splits === null) source.reader.notifyNoMoreSplits();
      else if (splits.length === 0)
        source.splitsAssigned(); // the end of the first assignment round
      else source.addSplits(splits);
      return;
    }
    const gate = this.instances.get((this.plan.edges[edge] as { to: number }).to)?.[consumer]?.gate as InputGate;
    if (op === OP_WATERMARK) gate.watermark(channel, payload as number);
    else if (op === OP_IDLE) gate.idleness(channel, payload as boolean);
    else if (op === OP_END) gate.end(channel);
    else if (op === OP_BARRIER) gate.barrier(channel, payload as number);
  }

  /** A record from another thread while some gate aligns barriers: buffered if its channel is blocked. */
  private deliverRecord(edge: number, consumer: number, channel: number, value: unknown, timestamp: number): void {
    const gate = this.instances.get((this.plan.edges[edge] as { to: number }).to)?.[consumer]?.gate;
    if (gate !== undefined && gate.isBlocked(channel)) {
      gate.buffer(channel, () => this.deliverRecord(edge, consumer, channel, value, timestamp));
      return;
    }
    (this.localPush[edge]?.[consumer] as (v: unknown, t: Timestamp) => void)(value, timestamp);
  }

  private flushLinks(): void {
    for (const link of this.links) {
      link.flush();
      link.releaseCredits();
    }
  }

  /** Whether any local operator reports backpressure (remote links then hold their credits). */
  private locallyBackpressured(): boolean {
    for (const list of this.instances.values()) {
      for (const i of list) {
        if (i !== undefined && isBackpressureSignal(i.operator) && i.operator.isBackpressured()) return true;
      }
    }
    return false;
  }

  private linksBlocked(): boolean {
    for (const link of this.links) if (link.blocked) return true;
    return false;
  }

  async run(): Promise<void> {
    let all: Instance[] = [];
    const opened: Instance[] = [];
    let failed = true;
    try {
      // Backends first (opening LMDB is asynchronous): operators get theirs in their context.
      const backends = this.openBackends();
      this.backends = backends instanceof Promise ? await backends : backends;
      this.instantiate();
      this.wire();
      all = [...this.instances.values()].flat().filter(Boolean);
      const restored = this.options.restored;
      for (const instance of all) {
        const state = restored?.operators.get(instance.vertex.uid);
        if (restored === undefined || state === undefined) continue;
        if (instance.context.keyedBackend !== undefined) state.restoreKeyed(instance.context.keyedBackend);
        instance.operator.initializeState?.(state.operatorStateFor(instance.subtask, instance.vertex.parallelism));
      }
      for (const instance of [...all].reverse()) {
        instance.operator.open();
        opened.push(instance);
      }
      for (const instance of all) {
        const state = restored?.operators.get(instance.vertex.uid);
        if (state === undefined || instance.context.keyedBackend === undefined) continue;
        state.restoreTimers(instance.operator);
        instance.operator.afterKeyedRestore?.();
      }
      this.startSources();
      await this.loop();
      for (const e of this.enumerators.values()) await e.close();
      if (!this.stopped) {
        const sinks = all
          .map((i) => i.operator)
          .filter((op): op is SinkOperator<unknown> => op instanceof SinkOperator);
        await Promise.all(sinks.map((s) => s.flushAndClose()));
      }
      failed = false;
    } finally {
      for (const instance of opened) {
        try {
          instance.operator.close();
        } catch {
          // closing is best effort after a failure; the first error is what the job reports
        }
      }
      try {
        for (const source of this.sources()) await source.reader.close();
      } finally {
        if (failed || this.options.keepStateAfterRun !== true) await this.disposeState();
      }
    }
  }

  /**
   * Releases keyed state: waits for snapshots still being read, then closes every backend and
   * removes its files (LMDB). Idempotent. {@link run} calls it unless `keepStateAfterRun`.
   */
  async disposeState(): Promise<void> {
    while (this.asyncSnapshots.size > 0) await Promise.allSettled([...this.asyncSnapshots]);
    await this.backendFactory.disposeAll();
  }

  /**
   * One keyed backend per local subtask of every keyed operator; synchronously when every backend
   * is created synchronously (the heap), so such a job starts in the caller's turn.
   */
  private openBackends(): Map<string, KeyedStateBackend> | Promise<Map<string, KeyedStateBackend>> {
    const { plan, options } = this;
    const backends = new Map<string, KeyedStateBackend>();
    const opening: Promise<void>[] = [];
    for (const vertex of plan.vertices) {
      if (vertex.transformation.keySelector === undefined) continue;
      for (let subtask = 0; subtask < vertex.parallelism; subtask++) {
        if (!this.isLocal(subtask)) continue;
        const key = `${vertex.id}/${subtask}`;
        const backend = this.backendFactory.create({
          uid: vertex.uid,
          subtask,
          maxParallelism: plan.maxParallelism,
          range: keyGroupRangeFor(subtask, plan.maxParallelism, vertex.parallelism),
          clock: options.clock,
        });
        if (backend instanceof Promise) opening.push(backend.then((b) => void backends.set(key, b)));
        else backends.set(key, backend);
      }
    }
    if (opening.length === 0) return backends;
    // All settle before a failure is reported, so every opened backend is released with the rest.
    return Promise.allSettled(opening).then((results) => {
      for (const r of results) if (r.status === 'rejected') throw r.reason;
      if (options.signal.aborted) throw new SluiceError('JOB_CANCELLED', 'The job was cancelled.');
      return backends;
    });
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
        const metrics = new SubtaskMetricGroup(subtask);
        if (t.source !== undefined) {
          const reader = t.source.source.createReader({
            subtaskIndex: subtask,
            parallelism: vertex.parallelism,
            now: () => options.clock.now(),
            sleepUntil: (time) => options.clock.sleepUntil(time, options.signal),
            metrics,
            checkpointing: options.checkpointing !== undefined,
          }) as SourceReader<unknown, SourceSplit>;
          operator = new SourceOperator<unknown>(reader, t.source.watermarks);
        } else if (t.createOperator !== undefined) {
          operator = t.createOperator();
        } else {
          throw new SluiceError('ILLEGAL_STATE', `Vertex '${vertex.name}' has neither a source nor an operator.`);
        }
        const keyedBackend = this.backends.get(`${vertex.id}/${subtask}`);
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
          metrics,
        };
        list[subtask] = {
          vertex,
          subtask,
          operator,
          context,
          gate: undefined,
          output: undefined,
          finished: false,
          snapshotted: -1,
          shared:
            keyedBackend !== undefined && this.backendFactory.incremental && isIncremental(keyedBackend)
              ? new SharedKeyGroupFiles(vertex.uid)
              : undefined,
        };
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
          const handler = {
            onAligned: (checkpointId: number) => this.onAligned(instance, checkpointId),
            onBlockingChanged: (delta: 1 | -1) => {
              this.blockingGates += delta;
            },
          };
          instance.gate = new InputGate(instance.operator, channels, () => this.finishInstance(instance), {
            handler,
            mode: this.options.checkpointing?.mode === 'AT_LEAST_ONCE' ? 'unaligned-count' : 'aligned',
          });
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
        const main: EdgeOutput[] = [];
        const sides = new Map<string, EdgeOutput[]>();
        plan.edges.forEach((edge, edgeIndex) => {
          if (edge.from !== producer.vertex.id) return;
          const targets: Target[] = [];
          const consumers = this.instances.get(edge.to) as Instance[];
          for (let c = 0; c < (parallelismOf.get(edge.to) as number); c++) {
            const bases = base[edgeIndex] as number[];
            const channel = (bases[c] as number) + (edge.partitioning.kind === 'forward' ? 0 : producer.subtask);
            if (this.isLocal(c)) {
              const gate = (consumers[c] as Instance).gate as InputGate;
              const target: Target = { push: this.localPush[edgeIndex]?.[c] as Target['push'], gate, channel };
              gate.registerTarget(channel, target);
              targets[c] = target;
            } else {
              targets[c] = this.remoteTarget(edgeIndex, c, channel);
            }
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
      barrier: (ch, checkpointId) => link.control(OP_BARRIER, edge, consumer, ch, checkpointId),
    };
    return { push: (value, timestamp) => link.record(edge, consumer, channel, value, timestamp), gate, channel };
  }

  // ---- Checkpoints (DESIGN.md §5) ----

  /**
   * Starts checkpoint `checkpointId` in this task loop (call on the loop, e.g. through the
   * mailbox): every local source snapshots its splits and emits the barrier; operators snapshot
   * when the barrier aligned at their input; finished operators snapshot at once. When every local
   * operator snapshotted, the files go to `checkpointing.acknowledge`.
   */
  triggerCheckpoint(checkpointId: number, options: TriggerOptions): void {
    const all = this.allInstances();
    const pending = this.localCheckpoint(checkpointId);
    pending.options = options;
    pending.triggered = true;
    const placement = this.options.placement;
    if (placement !== undefined && placement.slot === 0) {
      // Slot 0 owns the split enumerators: its trigger travels to the other slots behind every
      // split assignment it sent them, so no assigned split is missing from the checkpoint.
      for (const link of this.links) link.control(OP_TRIGGER, 0, 0, 0, { checkpointId, options });
    }
    if (options.stop !== undefined) this.stopRequested = true;
    for (const instance of all) {
      if (instance.operator instanceof SourceOperator) {
        if (!instance.finished && options.stop === 'drain') instance.operator.drainEventTime();
        this.snapshotInstance(instance, checkpointId);
        if (!instance.finished) instance.output?.emitBarrier(checkpointId);
      } else if (instance.finished || instance.gate === undefined) {
        this.snapshotInstance(instance, checkpointId);
      }
    }
    this.flushLinks();
    this.maybeAcknowledge(checkpointId);
  }

  private allInstances(): Instance[] {
    return [...this.instances.values()].flat().filter(Boolean);
  }

  /**
   * The bookkeeping of checkpoint `checkpointId` in this loop. A barrier from another thread may
   * align an operator here before this loop's trigger arrives (its inputs are all remote), so the
   * first of the two creates it.
   */
  private localCheckpoint(checkpointId: number): LocalCheckpoint {
    let pending = this.checkpoints.get(checkpointId);
    if (pending === undefined) {
      pending = {
        options: { kind: 'checkpoint' },
        remaining: this.allInstances().length,
        files: [],
        sharedFiles: [],
        sharedRefs: [],
        sourcePositions: {},
        triggered: false,
        acked: false,
      };
      this.checkpoints.set(checkpointId, pending);
    }
    return pending;
  }

  private onAligned(instance: Instance, checkpointId: number): void {
    this.localCheckpoint(checkpointId);
    this.snapshotInstance(instance, checkpointId);
    instance.output?.emitBarrier(checkpointId);
  }

  private snapshotInstance(instance: Instance, checkpointId: number): void {
    const pending = this.checkpoints.get(checkpointId);
    if (pending === undefined || instance.snapshotted >= checkpointId) return;
    instance.snapshotted = checkpointId;
    const { vertex, subtask, operator, context } = instance;
    const enumerator = subtask === 0 ? this.enumerators.get(vertex.id) : undefined;
    const target =
      enumerator === undefined
        ? operator
        : {
            restorableTimerServices: operator.restorableTimerServices?.bind(operator),
            snapshotState: (id: number) => {
              const own = operator.snapshotState?.(id) ?? {};
              return { ...own, unionState: { ...own.unionState, [ENUMERATOR_STATE]: [enumerator.snapshotState(id)] } };
            },
          };
    // Incremental only for a checkpoint known to be one: a barrier from another slot may arrive
    // before this slot's trigger, and a savepoint must be self-contained (full is always safe).
    const incremental = pending.triggered && pending.options.kind === 'checkpoint';
    const files = takeSubtaskSnapshot(
      target as StreamOperator<unknown>,
      { uid: vertex.uid, subtask, parallelism: vertex.parallelism, maxParallelism: this.plan.maxParallelism },
      context.keyedBackend,
      checkpointId,
      incremental ? instance.shared : undefined,
    );
    if (operator instanceof SourceOperator) {
      pending.sourcePositions[`${vertex.uid}/${subtask}`] = operator.positions(checkpointId);
    }
    // E.g. an at-least-once sink's acks: the checkpoint is acknowledged once they are in.
    const wait = (operator as StreamOperator<unknown>).awaitBeforeAcknowledge?.(checkpointId);
    if (wait === undefined && !(files instanceof Promise)) {
      this.addSnapshot(checkpointId, files);
      return;
    }
    // Keyed state read from an MVCC view is encoded after the barrier, while the task goes on.
    const done: Promise<void> = Promise.all([files, wait]).then(
      ([f]) => this.mailbox.submit(() => this.addSnapshot(checkpointId, f)),
      (error: unknown) =>
        this.mailbox.submit(() => {
          throw error;
        }),
    );
    this.asyncSnapshots.add(done);
    void done.finally(() => this.asyncSnapshots.delete(done));
  }

  private addSnapshot(checkpointId: number, files: SubtaskSnapshotFiles): void {
    const pending = this.checkpoints.get(checkpointId);
    if (pending === undefined) return; // aborted or subsumed meanwhile
    pending.files.push(files.state);
    pending.sharedFiles.push(...files.sharedFiles);
    pending.sharedRefs.push(...files.sharedRefs);
    pending.remaining--;
    this.maybeAcknowledge(checkpointId);
  }

  private maybeAcknowledge(checkpointId: number): void {
    const pending = this.checkpoints.get(checkpointId);
    if (pending === undefined || pending.remaining > 0 || !pending.triggered || pending.acked) return;
    pending.acked = true;
    this.options.checkpointing?.acknowledge({
      checkpointId,
      files: pending.files,
      sourcePositions: pending.sourcePositions,
      ...(pending.sharedRefs.length === 0 ? {} : { sharedFiles: pending.sharedFiles, sharedRefs: pending.sharedRefs }),
    });
  }

  /** Checkpoint `checkpointId` is durable: operators commit (sinks), a stop-with-savepoint ends the loop. */
  notifyCheckpointComplete(checkpointId: number): void {
    const pending = this.checkpoints.get(checkpointId);
    for (const id of [...this.checkpoints.keys()]) if (id <= checkpointId) this.checkpoints.delete(id);
    for (const instance of [...this.instances.values()].flat().filter(Boolean)) {
      const backend = instance.context.keyedBackend;
      if (instance.shared?.complete(checkpointId) === true && backend !== undefined && isIncremental(backend)) {
        backend.notifySnapshotComplete(checkpointId);
      }
      const done = instance.operator.notifyCheckpointComplete?.(checkpointId);
      if (done instanceof Promise) {
        this.pendingCommits++;
        done.then(
          () => this.mailbox.submit(() => this.pendingCommits--),
          (error: unknown) =>
            this.mailbox.submit(() => {
              throw error;
            }),
        );
      }
    }
    if (pending?.options.stop !== undefined) this.stopped = true;
  }

  /** Checkpoint `checkpointId` was aborted: forget its snapshots; operators may clean up. */
  notifyCheckpointAborted(checkpointId: number): void {
    const pending = this.checkpoints.get(checkpointId);
    this.checkpoints.delete(checkpointId);
    if (pending?.options.stop !== undefined) this.stopRequested = false; // the stop failed: go on
    for (const instance of [...this.instances.values()].flat().filter(Boolean)) {
      instance.operator.notifyCheckpointAborted?.(checkpointId);
    }
  }

  /** Engine metrics of the local subtasks, per operator. */
  operatorMetrics(): OperatorMetrics[] {
    const outBy = new Map<number, { main: number; side: number }>();
    for (const [id, list] of this.instances) {
      let main = 0;
      let side = 0;
      for (const i of list) {
        if (i === undefined) continue;
        main += i.output?.recordsOut ?? 0;
        side += i.output?.recordsOutSide ?? 0;
      }
      outBy.set(id, { main, side });
    }
    return this.plan.vertices.map((v) => {
      let recordsIn = 0;
      for (const e of this.plan.edges) {
        if (e.to !== v.id) continue;
        const up = outBy.get(e.from);
        recordsIn += (e.sideOutputTag === undefined ? up?.main : up?.side) ?? 0;
      }
      let watermark: number | undefined;
      const custom: CustomMetricSample[] = [];
      for (const i of this.instances.get(v.id) ?? []) {
        if (i !== undefined) custom.push(...i.context.metrics.samples());
        const wm = i?.output?.watermark;
        if (wm !== undefined && (watermark === undefined || wm < watermark)) watermark = wm;
      }
      const out = outBy.get(v.id) ?? { main: 0, side: 0 };
      return {
        uid: v.uid,
        name: v.name,
        parallelism: v.parallelism,
        recordsIn,
        recordsOut: out.main,
        recordsOutSide: out.side,
        watermarkMs: watermark,
        custom,
      };
    });
  }

  /** End of an operator's input: finish it, then end its output (after an async finish settles). */
  private finishInstance(instance: Instance): void {
    instance.finished = true;
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

  /**
   * Starts one split enumerator per source, on slot 0 (or in single-threaded mode): it assigns
   * splits to local readers directly and to readers on other slots through their links.
   */
  private startSources(): void {
    const placement = this.options.placement;
    if (placement !== undefined && placement.slot !== 0) return;
    for (const vertex of this.plan.vertices) {
      const source = vertex.transformation.source;
      if (source === undefined) continue;
      const readers = (this.instances.get(vertex.id) as Instance[]).map((i) =>
        i === undefined ? undefined : (i.operator as SourceOperator<unknown>),
      );
      const remote = (subtask: number, payload: SourceSplit[] | null): void => {
        const link = placement?.links[subtask % placement.slots];
        if (link === undefined)
          throw new SluiceError('ILLEGAL_STATE', `No link to the slot of source subtask ${subtask}.`);
        link.control(OP_SPLITS, vertex.id, subtask, 0, payload);
        link.flush();
      };
      const ctx = {
        parallelism: vertex.parallelism,
        assignSplits: (subtask: number, splits: readonly SourceSplit[]) => {
          // Nothing to hand out (an empty list on a link means "the first round is over").
          if (splits.length === 0) return;
          const reader = readers[subtask];
          if (reader !== undefined) reader.addSplits(splits);
          else remote(subtask, [...splits]);
        },
        signalNoMoreSplits: (subtask: number) => {
          const reader = readers[subtask];
          if (reader !== undefined) reader.reader.notifyNoMoreSplits();
          else remote(subtask, null);
        },
      };
      const saved = this.options.restored?.operators.get(vertex.uid)?.operatorStateFor(0, 1).unionState[
        ENUMERATOR_STATE
      ];
      const enumerator =
        saved !== undefined && saved.length > 0
          ? source.source.restoreEnumerator(ctx, saved[0])
          : source.source.createEnumerator(ctx);
      enumerator.start();
      for (let s = 0; s < vertex.parallelism; s++) enumerator.addReader(s);
      // Behind the assignments, in order on each link: the first round is over.
      for (let s = 0; s < vertex.parallelism; s++) {
        const reader = readers[s];
        if (reader !== undefined) reader.splitsAssigned();
        else remote(s, []);
      }
      this.enumerators.set(vertex.id, enumerator);
    }
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

  /**
   * Watermark alignment of this loop's sources ({@link alignment}; stays undefined when no source
   * has a group): aligns them now and every update interval, and reports to the slots that run the
   * same groups.
   */
  private startAlignment(local: readonly SourceOperator<unknown>[]): void {
    if (this.options.runtimeMode === 'BATCH') return;
    const placement = this.options.placement;
    const slots = placement?.slots ?? 1;
    const vertices: AlignedVertex[] = [];
    for (const vertex of this.plan.vertices) {
      const spec = vertex.transformation.source?.watermarks.alignment;
      if (spec === undefined) continue;
      const used = new Set<number>();
      for (let subtask = 0; subtask < vertex.parallelism; subtask++) used.add(subtask % slots);
      vertices.push({ group: spec.group, updateIntervalMs: spec.updateIntervalMs, slots: [...used] });
    }
    if (vertices.length === 0) return;
    const alignment = new WatermarkAlignment(placement?.slot ?? 0, vertices, local, (toSlot, report) =>
      placement?.links[toSlot]?.control(OP_ALIGN, 0, 0, 0, report),
    );
    this.alignment = alignment;
    const interval = alignment.updateIntervalMs;
    const tick = (now: number): void => {
      alignment.update();
      if (local.some((s) => !s.isFinished)) this.scheduler.schedule(now + interval, tick);
    };
    alignment.update();
    this.scheduler.schedule(this.options.clock.now() + interval, tick);
  }

  private async loop(): Promise<void> {
    const { signal, runtimeMode } = this.options;
    const sourceInstances = [...this.instances.values()].flat().filter((i) => i.operator instanceof SourceOperator);
    const active = sourceInstances.map((i) => i.operator as SourceOperator<unknown>);
    this.scheduleWatermarkTicks(active);
    this.startAlignment(active);
    const alignment = this.alignment;
    const cancelled = new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
    let pending = active;
    const isBlocked = this.backpressureCheck(sourceInstances);
    while (pending.length > 0) {
      if (signal.aborted) throw new SluiceError('JOB_CANCELLED', 'The job was cancelled.');
      if (this.stopRequested) {
        // Stop-with-savepoint: sources are not polled any more; wait for the savepoint to complete.
        this.mailbox.drain();
        this.scheduler.fireDue();
        this.flushLinks();
        if (this.stopped) {
          // The savepoint is durable: let its commits finish before the loop ends.
          while (this.pendingCommits > 0) {
            await this.idle([], cancelled);
            this.mailbox.drain();
          }
          return;
        }
        await this.idle([], cancelled);
        continue;
      }
      let more = false;
      const blocked: SourceOperator<unknown>[] = [];
      const held: SourceOperator<unknown>[] = [];
      // Backpressure across threads: no credit on a link means no new input from sources.
      const linksBlocked = this.linksBlocked();
      for (const source of pending) {
        // Backpressure: a source feeding a saturated operator is not polled until it drains.
        if (linksBlocked || isBlocked(source)) blocked.push(source);
        // Watermark alignment: a source too far ahead of its group waits for the others.
        else if (source.heldByAlignment) held.push(source);
        else if (source.poll() === 'more-available') more = true;
      }
      const unfinished = pending.filter((s) => !s.isFinished);
      if (alignment !== undefined && unfinished.length < pending.length) alignment.update();
      pending = unfinished;
      this.mailbox.drain();
      this.scheduler.fireDue();
      this.flushLinks();
      if (pending.length === 0) break;
      if (linksBlocked) {
        await this.idle([], cancelled); // a returned credit arrives as mail
        continue;
      }
      if (more || blocked.some((s) => !isBlocked(s)) || held.some((s) => !s.heldByAlignment)) {
        await yieldToEventLoop();
        continue;
      }
      // A held source wakes the loop through a report (mail) or the next alignment update (timer).
      await this.idle(
        pending.filter((s) => !blocked.includes(s) && !held.includes(s)).map((s) => s.reader.isAvailable()),
        cancelled,
      );
    }
    if (signal.aborted) throw new SluiceError('JOB_CANCELLED', 'The job was cancelled.');
    for (const instance of sourceInstances) instance.finished = true;
    if (alignment !== undefined) {
      // Every local source finished: tell the other slots this one holds nobody back any more.
      alignment.update();
      this.flushLinks();
    }
    if (runtimeMode === 'BATCH') this.scheduler.fireAll();
    for (const instance of sourceInstances) instance.output?.endInput();
    // Asynchronous finishes (e.g. async I/O draining its queue) and input from other threads
    // complete through the mailbox; the task ends when every local operator's input has ended.
    this.mailbox.drain();
    this.flushLinks();
    while (this.unfinished > 0 || this.pendingFinishes > 0 || this.pendingCommits > 0 || this.linksBlocked()) {
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
