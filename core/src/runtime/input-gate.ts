import { WatermarkValve } from '../time/watermark-valve.ts';
import { MAX_WATERMARK, type Timestamp } from '../time/timestamps.ts';
import type { StreamOperator } from './stream-operator.ts';

/** A record entry point of one channel whose calls can be diverted while the channel is blocked. */
export interface DivertableTarget {
  push: (value: unknown, timestamp: Timestamp) => void;
}

/** How a gate treats checkpoint barriers: align (exactly-once) or just count them (at-least-once). */
export type BarrierMode = 'aligned' | 'unaligned-count';

/** What the executor learns from a gate about barriers. */
export interface BarrierHandler {
  /** Every input channel delivered barrier `checkpointId` (or ended): snapshot, then forward it. */
  onAligned(checkpointId: number): void;
  /** +1 when the gate starts holding blocked channels, -1 when it releases them (remote deliveries check then). */
  onBlockingChanged(delta: 1 | -1): void;
}

/**
 * The input side of one operator instance: combines watermarks and idleness over its channels
 * (one per upstream subtask and edge), ends the operator when every channel ended, and aligns
 * checkpoint barriers (DESIGN.md §5).
 *
 * Alignment (exactly-once): once a channel delivered barrier n it is blocked — its records and
 * control events are buffered, in order — until every other channel delivered n too (or ended).
 * Then the executor snapshots the operator and forwards the barrier, and the buffers are replayed.
 * In at-least-once mode channels are never blocked; the snapshot happens when the last barrier
 * arrives, so records after an early barrier may be in it and are replayed after a failure.
 */
export class InputGate {
  private readonly operator: StreamOperator<unknown>;
  private readonly valve: WatermarkValve;
  private readonly channels: number;
  private readonly onAllEnded: () => void;
  private readonly endedChannels: boolean[];
  private ended = 0;
  private idle = false;
  // Barriers.
  private readonly handler: BarrierHandler | undefined;
  private readonly mode: BarrierMode;
  private readonly targets: (DivertableTarget | undefined)[];
  private readonly originalPush: (((value: unknown, timestamp: Timestamp) => void) | undefined)[];
  private readonly barrierSeen: boolean[];
  private readonly buffers: ((() => void)[] | undefined)[];
  private pendingBarrier = -1;
  private barriersIn = 0;
  private lastAligned = -1;
  private blockedChannels = 0;

  constructor(
    operator: StreamOperator<unknown>,
    channels: number,
    onAllEnded: () => void,
    barriers?: { handler: BarrierHandler; mode: BarrierMode },
  ) {
    this.operator = operator;
    this.channels = channels;
    this.valve = new WatermarkValve(channels);
    this.onAllEnded = onAllEnded;
    this.endedChannels = new Array<boolean>(channels).fill(false);
    this.handler = barriers?.handler;
    this.mode = barriers?.mode ?? 'aligned';
    this.targets = new Array<DivertableTarget | undefined>(channels).fill(undefined);
    this.originalPush = new Array(channels).fill(undefined);
    this.barrierSeen = new Array<boolean>(channels).fill(false);
    this.buffers = new Array(channels).fill(undefined);
  }

  /** Registers the local record entry point of `channel`, so alignment can divert it. */
  registerTarget(channel: number, target: DivertableTarget): void {
    this.targets[channel] = target;
  }

  /** True while `channel` is blocked by an alignment (its input must go to {@link buffer}). */
  isBlocked(channel: number): boolean {
    return this.buffers[channel] !== undefined;
  }

  /** Buffers an input action of a blocked channel (remote records during alignment). */
  buffer(channel: number, action: () => void): void {
    (this.buffers[channel] as (() => void)[]).push(action);
  }

  watermark(channel: number, watermark: Timestamp): void {
    const buffer = this.buffers[channel];
    if (buffer !== undefined) {
      buffer.push(() => this.watermark(channel, watermark));
      return;
    }
    const advanced = this.valve.onWatermark(channel, watermark);
    this.updateIdle();
    if (advanced !== undefined) this.operator.processWatermark(advanced);
  }

  idleness(channel: number, idle: boolean): void {
    const buffer = this.buffers[channel];
    if (buffer !== undefined) {
      buffer.push(() => this.idleness(channel, idle));
      return;
    }
    const advanced = this.valve.onIdle(channel, idle);
    if (advanced !== undefined) this.operator.processWatermark(advanced);
    this.updateIdle();
  }

  end(channel: number): void {
    const buffer = this.buffers[channel];
    if (buffer !== undefined) {
      buffer.push(() => this.end(channel));
      return;
    }
    // An ended channel no longer holds the watermark back, nor a barrier alignment.
    this.watermark(channel, MAX_WATERMARK);
    this.endedChannels[channel] = true;
    this.ended++;
    if (this.pendingBarrier >= 0) this.checkAligned();
    if (this.ended === this.channels) this.onAllEnded();
  }

  /** Barrier `checkpointId` arrived on `channel`. */
  barrier(channel: number, checkpointId: number): void {
    const buffer = this.buffers[channel];
    if (buffer !== undefined) {
      buffer.push(() => this.barrier(channel, checkpointId));
      return;
    }
    if (checkpointId <= this.lastAligned) return; // a barrier of an aborted or superseded checkpoint
    if (checkpointId > this.pendingBarrier) {
      // A newer checkpoint overtakes one that never aligned (it was aborted upstream): start over.
      if (this.pendingBarrier >= 0) this.releaseAll();
      this.pendingBarrier = checkpointId;
      this.barriersIn = 0;
      this.barrierSeen.fill(false);
    } else if (checkpointId < this.pendingBarrier) {
      return;
    }
    if (this.barrierSeen[channel] === true) return;
    this.barrierSeen[channel] = true;
    this.barriersIn++;
    if (this.mode === 'aligned' && !this.alignedNow()) this.block(channel);
    this.checkAligned();
  }

  private alignedNow(): boolean {
    return this.barriersIn + this.endedNotSeen() >= this.channels;
  }

  private endedNotSeen(): number {
    let n = 0;
    for (let c = 0; c < this.channels; c++) if (this.endedChannels[c] === true && this.barrierSeen[c] !== true) n++;
    return n;
  }

  private checkAligned(): void {
    if (this.pendingBarrier < 0 || !this.alignedNow()) return;
    const id = this.pendingBarrier;
    this.pendingBarrier = -1;
    this.lastAligned = id;
    (this.handler as BarrierHandler).onAligned(id);
    this.releaseAll();
  }

  private block(channel: number): void {
    const buffer: (() => void)[] = [];
    this.buffers[channel] = buffer;
    if (this.blockedChannels++ === 0) this.handler?.onBlockingChanged(1);
    const target = this.targets[channel];
    if (target !== undefined) {
      this.originalPush[channel] = target.push;
      target.push = (value, timestamp) => {
        buffer.push(() => (target as DivertableTarget).push(value, timestamp));
      };
    }
  }

  /** Unblocks every channel and replays what they buffered, in order (a replayed barrier may block again). */
  private releaseAll(): void {
    if (this.blockedChannels === 0) return;
    const pending: (() => void)[][] = [];
    for (let c = 0; c < this.channels; c++) {
      const buffer = this.buffers[c];
      if (buffer === undefined) continue;
      this.buffers[c] = undefined;
      const target = this.targets[c];
      const original = this.originalPush[c];
      if (target !== undefined && original !== undefined) target.push = original;
      this.originalPush[c] = undefined;
      pending.push(buffer);
    }
    this.blockedChannels = 0;
    this.handler?.onBlockingChanged(-1);
    for (const buffer of pending) for (const action of buffer) action();
  }

  private updateIdle(): void {
    const idle = this.valve.isIdle;
    if (idle !== this.idle) {
      this.idle = idle;
      this.operator.processIdle(idle);
    }
  }
}
