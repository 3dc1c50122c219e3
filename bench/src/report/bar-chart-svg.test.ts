import { describe, expect, it } from 'vitest';
import { barChartSvg } from '../index.ts';

function rects(svg: string): { width: number; fill: string }[] {
  return [...svg.matchAll(/<rect x="70" y="\d+" width="([\d.]+)" height="18" fill="(#[0-9a-f]+)"\/>/g)].map((m) => ({
    width: Number(m[1]),
    fill: m[2] as string,
  }));
}

describe('barChartSvg', () => {
  it('draws one bar per value, proportional to it, coloured by its target', () => {
    const svg = barChartSvg(
      [
        { label: 'q0', value: 2_000_000, target: 1_000_000 },
        { label: 'q5', value: 250_000, target: 300_000 },
        { label: 'q12', value: 1_000_000 },
      ],
      { title: 'events/s', width: 720 },
    );
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg.trimEnd().endsWith('</svg>')).toBe(true);
    const bars = rects(svg);
    expect(bars.map((b) => b.fill)).toEqual(['#3b8f4e', '#c0504d', '#7a8ca5']); // met, not met, no target
    // Axis 0..2M over 560 px of plot (720 - 70 label - 80 value - 10).
    expect(bars.map((b) => b.width)).toEqual([560, 70, 280]);
    expect(svg.match(/stroke-width="2"/g)).toHaveLength(2); // one target tick per bar with a target
  });

  it('escapes text and rounds the axis up', () => {
    const svg = barChartSvg([{ label: '<q&1>', value: 3 }], { title: 'a "b"', format: (v) => `${v}/s` });
    expect(svg).toContain('&lt;q&amp;1&gt;');
    expect(svg).toContain('a &quot;b&quot;');
    expect(svg).toContain('>5/s</text>'); // axis max: 5, the next 1-2-5 step above 3
    expect(svg).not.toContain('<q&1>');
  });
});
