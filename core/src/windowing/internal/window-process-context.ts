import type { OutputTag } from '../../api/output-tag.ts';
import type { Output } from '../../runtime/stream-operator.ts';
import type { Clock } from '../../time/clock.ts';
import type { Timestamp } from '../../time/timestamps.ts';
import type { ProcessWindowContext } from '../process-window-function.ts';
import type { KeyedStateStore } from '../triggers/trigger.ts';
import type { Window } from '../windows/window.ts';

/** The one {@link ProcessWindowContext} of a window operator; `window` is set before each call. */
export class WindowProcessContext<W extends Window> implements ProcessWindowContext<W> {
  window!: W;
  readonly windowState: KeyedStateStore;
  readonly globalState: KeyedStateStore;
  private readonly watermark: () => Timestamp;
  private readonly clock: Clock;
  private readonly out: Output<unknown>;

  constructor(
    windowState: KeyedStateStore,
    globalState: KeyedStateStore,
    watermark: () => Timestamp,
    clock: Clock,
    out: Output<unknown>,
  ) {
    this.windowState = windowState;
    this.globalState = globalState;
    this.watermark = watermark;
    this.clock = clock;
    this.out = out;
  }

  currentWatermark(): Timestamp {
    return this.watermark();
  }

  currentProcessingTime(): number {
    return this.clock.now();
  }

  output<S>(tag: OutputTag<S>, value: S): void {
    this.out.collectSide(tag.id, value, this.window.maxTimestamp());
  }
}
