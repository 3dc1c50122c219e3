import { hashKey, subtaskForKeyGroup } from '../state/key-groups.ts';
import type { Timestamp } from '../time/timestamps.ts';
import type { Partitioning } from './logical-graph.ts';
import type { Output } from './stream-operator.ts';

/** Where control events of a channel go: a local {@link InputGate}, or a link to another thread. */
export interface ChannelGate {
  watermark(channel: number, watermark: Timestamp): void;
  idleness(channel: number, idle: boolean): void;
  end(channel: number): void;
  /** A checkpoint barrier (in-band, after every record of the checkpoint's epoch on this channel). */
  barrier(channel: number, checkpointId: number): void;
}

/** A consumer of records: one input of one operator instance, reached through a channel of its gate. */
export interface Target {
  /** Mutable: a gate diverts it into a buffer while barrier alignment blocks the channel. */
  push: (value: unknown, timestamp: Timestamp) => void;
  readonly gate: ChannelGate;
  readonly channel: number;
}

/** Sends everything to one consumer (forward edge, or a chained operator). */
export class ForwardOutput implements Output<unknown> {
  private readonly target: Target;
  constructor(target: Target) {
    this.target = target;
  }
  collect(value: unknown, timestamp: Timestamp): void {
    this.target.push(value, timestamp);
  }
  collectSide(): void {}
  emitWatermark(watermark: Timestamp): void {
    this.target.gate.watermark(this.target.channel, watermark);
  }
  emitIdle(idle: boolean): void {
    this.target.gate.idleness(this.target.channel, idle);
  }
  endInput(): void {
    this.target.gate.end(this.target.channel);
  }
  emitBarrier(checkpointId: number): void {
    this.target.gate.barrier(this.target.channel, checkpointId);
  }
}

/** Routes records to one of several consumers (rebalance, key-group hash) or all (broadcast). */
export class PartitionedOutput implements Output<unknown> {
  private readonly targets: readonly Target[];
  private readonly partitioning: Partitioning;
  private readonly maxParallelism: number;
  private next: number;

  constructor(targets: readonly Target[], partitioning: Partitioning, maxParallelism: number, subtaskIndex: number) {
    this.targets = targets;
    this.partitioning = partitioning;
    this.maxParallelism = maxParallelism;
    this.next = subtaskIndex % targets.length;
  }

  collect(value: unknown, timestamp: Timestamp): void {
    const p = this.partitioning;
    const targets = this.targets;
    switch (p.kind) {
      case 'hash': {
        const group = hashKey(p.keySelector(value)) % this.maxParallelism;
        (targets[subtaskForKeyGroup(group, this.maxParallelism, targets.length)] as Target).push(value, timestamp);
        return;
      }
      case 'broadcast':
        for (const t of targets) t.push(value, timestamp);
        return;
      default: {
        (targets[this.next] as Target).push(value, timestamp);
        this.next = this.next + 1 === targets.length ? 0 : this.next + 1;
      }
    }
  }
  collectSide(): void {}
  emitWatermark(watermark: Timestamp): void {
    for (const t of this.targets) t.gate.watermark(t.channel, watermark);
  }
  emitIdle(idle: boolean): void {
    for (const t of this.targets) t.gate.idleness(t.channel, idle);
  }
  endInput(): void {
    for (const t of this.targets) t.gate.end(t.channel);
  }
  emitBarrier(checkpointId: number): void {
    for (const t of this.targets) t.gate.barrier(t.channel, checkpointId);
  }
}

/** Fans one operator's main output out to several edges, and routes its side outputs by tag. */
export class RoutingOutput implements Output<unknown> {
  private readonly main: readonly EdgeOutput[];
  private readonly sides: ReadonlyMap<string, readonly EdgeOutput[]>;
  private readonly all: readonly EdgeOutput[];
  private readonly single: EdgeOutput | undefined;
  /** Records emitted on the main output (engine metric; a plain counter on the hot path). */
  recordsOut = 0;
  /** Records emitted on side outputs. */
  recordsOutSide = 0;
  /** The last watermark this operator emitted. */
  watermark: Timestamp | undefined = undefined;

  constructor(main: readonly EdgeOutput[], sides: ReadonlyMap<string, readonly EdgeOutput[]>) {
    this.main = main;
    this.sides = sides;
    this.all = [...main, ...[...sides.values()].flat()];
    this.single = main.length === 1 ? main[0] : undefined;
  }

  collect(value: unknown, timestamp: Timestamp): void {
    this.recordsOut++;
    if (this.single !== undefined) {
      this.single.collect(value, timestamp);
      return;
    }
    for (const o of this.main) o.collect(value, timestamp);
  }
  collectSide(tagId: string, value: unknown, timestamp: Timestamp): void {
    const outs = this.sides.get(tagId);
    if (outs !== undefined) {
      this.recordsOutSide++;
      for (const o of outs) o.collect(value, timestamp);
    }
  }
  emitWatermark(watermark: Timestamp): void {
    this.watermark = watermark;
    for (const o of this.all) o.emitWatermark(watermark);
  }
  emitIdle(idle: boolean): void {
    for (const o of this.all) o.emitIdle(idle);
  }
  endInput(): void {
    for (const o of this.all) o.endInput();
  }
  /** Forwards a checkpoint barrier on every edge (main and side outputs). */
  emitBarrier(checkpointId: number): void {
    for (const o of this.all) o.emitBarrier(checkpointId);
  }
}

/** The output towards one edge: an operator output that also carries barriers. */
export type EdgeOutput = Output<unknown> & { emitBarrier(checkpointId: number): void };
