import { MIN_WATERMARK, type Timestamp } from './timestamps.ts';

/**
 * Combines the watermarks of several inputs (channels or splits): the output watermark is the
 * minimum over the inputs that are not idle, and it never goes backwards. When every input is
 * idle the output is idle too.
 */
export class WatermarkValve {
  private readonly watermarks: number[];
  private readonly idle: boolean[];
  private current: Timestamp = MIN_WATERMARK;
  private allIdle = false;

  constructor(inputs: number) {
    this.watermarks = new Array<number>(inputs).fill(MIN_WATERMARK);
    this.idle = new Array<boolean>(inputs).fill(false);
  }

  /** The combined watermark so far. */
  get watermark(): Timestamp {
    return this.current;
  }

  /** True when every input is idle. */
  get isIdle(): boolean {
    return this.allIdle;
  }

  /** Records input `index`'s watermark; returns the new combined watermark if it advanced, else undefined. */
  onWatermark(index: number, watermark: Timestamp): Timestamp | undefined {
    if (watermark > (this.watermarks[index] ?? MIN_WATERMARK)) this.watermarks[index] = watermark;
    this.idle[index] = false;
    this.allIdle = false;
    return this.advance();
  }

  /** Marks input `index` idle or active; returns the new combined watermark if it advanced. */
  onIdle(index: number, idle: boolean): Timestamp | undefined {
    this.idle[index] = idle;
    this.allIdle = this.idle.every(Boolean);
    return idle ? this.advance() : undefined;
  }

  private advance(): Timestamp | undefined {
    let min = Number.POSITIVE_INFINITY;
    for (let i = 0; i < this.watermarks.length; i++) {
      if (!this.idle[i]) {
        const w = this.watermarks[i] as number;
        if (w < min) min = w;
      }
    }
    if (min === Number.POSITIVE_INFINITY || min <= this.current) return undefined;
    this.current = min;
    return min;
  }
}
