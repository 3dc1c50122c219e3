import { ManualClock, MIN_WATERMARK, type WatermarkOutput, WatermarkStrategy } from '@sluice/core';
import { describe, expect, it } from 'vitest';

function recorder(): WatermarkOutput & { events: string[] } {
  const events: string[] = [];
  return {
    events,
    emitWatermark: (w) => events.push(`wm ${w}`),
    markIdle: () => events.push('idle'),
    markActive: () => events.push('active'),
  };
}

describe('WatermarkStrategy', () => {
  it('bounded out-of-orderness trails the highest timestamp by the bound + 1', () => {
    const gen = WatermarkStrategy.forBoundedOutOfOrderness<number>(100).createGenerator({ clock: new ManualClock() });
    const out = recorder();
    gen.onEvent(0, 1000, out);
    gen.onEvent(0, 900, out); // out of order: does not move the watermark back
    gen.onPeriodicEmit(out);
    gen.onEvent(0, 1500, out);
    gen.onPeriodicEmit(out);
    expect(out.events).toEqual(['wm 899', 'wm 1399']);
  });

  it('monotonous timestamps: watermark = highest - 1', () => {
    const gen = WatermarkStrategy.forMonotonousTimestamps<number>().createGenerator({ clock: new ManualClock() });
    const out = recorder();
    gen.onEvent(0, 50, out);
    gen.onPeriodicEmit(out);
    expect(out.events).toEqual(['wm 49']);
  });

  it('emits nothing before the first event', () => {
    const gen = WatermarkStrategy.forBoundedOutOfOrderness<number>(10).createGenerator({ clock: new ManualClock() });
    const out = recorder();
    gen.onPeriodicEmit(out);
    expect(out.events).toEqual([`wm ${MIN_WATERMARK}`]);
  });

  it('marks a split idle after the idle timeout of processing time, active on the next event', () => {
    const clock = new ManualClock(0);
    const gen = WatermarkStrategy.forMonotonousTimestamps<number>().withIdleness(1000).createGenerator({ clock });
    const out = recorder();
    gen.onEvent(0, 10, out);
    clock.advance(999);
    gen.onPeriodicEmit(out);
    clock.advance(1);
    gen.onPeriodicEmit(out);
    gen.onPeriodicEmit(out); // stays idle, no repeats
    gen.onEvent(0, 20, out);
    gen.onPeriodicEmit(out);
    expect(out.events).toEqual(['wm 9', 'idle', 'active', 'wm 19']);
  });

  it('rejects nonsense bounds with a classified error', () => {
    expect(() => WatermarkStrategy.forBoundedOutOfOrderness(-1)).toThrow(
      expect.objectContaining({ code: 'INVALID_ARGUMENT' }),
    );
    expect(() => WatermarkStrategy.noWatermarks().withIdleness(0)).toThrow(
      expect.objectContaining({ code: 'INVALID_ARGUMENT' }),
    );
  });
});
