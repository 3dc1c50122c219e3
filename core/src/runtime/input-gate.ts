import { WatermarkValve } from '../time/watermark-valve.ts';
import { MAX_WATERMARK, type Timestamp } from '../time/timestamps.ts';
import type { StreamOperator } from './stream-operator.ts';

/**
 * The input side of one operator instance: combines the watermarks, idleness and end-of-input of
 * all its channels (one per upstream subtask and input). Records bypass the gate.
 */
export class InputGate {
  private readonly operator: StreamOperator<unknown>;
  private readonly valve: WatermarkValve;
  private readonly channels: number;
  private readonly onAllEnded: () => void;
  private ended = 0;
  private idle = false;

  constructor(operator: StreamOperator<unknown>, channels: number, onAllEnded: () => void) {
    this.operator = operator;
    this.channels = channels;
    this.valve = new WatermarkValve(channels);
    this.onAllEnded = onAllEnded;
  }

  watermark(channel: number, watermark: Timestamp): void {
    const advanced = this.valve.onWatermark(channel, watermark);
    this.updateIdle();
    if (advanced !== undefined) this.operator.processWatermark(advanced);
  }

  idleness(channel: number, idle: boolean): void {
    const advanced = this.valve.onIdle(channel, idle);
    if (advanced !== undefined) this.operator.processWatermark(advanced);
    this.updateIdle();
  }

  end(channel: number): void {
    // An ended channel no longer holds the watermark back.
    this.watermark(channel, MAX_WATERMARK);
    this.ended++;
    if (this.ended === this.channels) this.onAllEnded();
  }

  private updateIdle(): void {
    const idle = this.valve.isIdle;
    if (idle !== this.idle) {
      this.idle = idle;
      this.operator.processIdle(idle);
    }
  }
}
