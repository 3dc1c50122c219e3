/** One bar of {@link barChartSvg}. */
export interface Bar {
  readonly label: string;
  readonly value: number;
  /** Drawn as a vertical tick on the bar's row; the bar is green when `value >= target`, red below. */
  readonly target?: number;
}

/** Options of {@link barChartSvg}. */
export interface BarChartOptions {
  readonly title: string;
  /** Formats values for the axis and the labels (default: the number as is). */
  readonly format?: (value: number) => string;
  /** Width of the whole chart in px (default 720). */
  readonly width?: number;
}

const ROW = 26;
const BAR = 18;
const LABEL_WIDTH = 70;
const VALUE_WIDTH = 80;
const TOP = 40;
const BOTTOM = 46;

function escape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** A round axis maximum at or above `max`: 1, 2 or 5 times a power of ten. */
function niceMax(max: number): number {
  if (!(max > 0)) return 1;
  const power = 10 ** Math.floor(Math.log10(max));
  for (const step of [1, 2, 5, 10]) if (step * power >= max) return step * power;
  return 10 * power;
}

/**
 * A horizontal bar chart as a standalone SVG document (no dependencies, no script): one row per
 * bar with its label and value, an optional target tick per bar, and a linear axis from 0.
 *
 * @example
 * ```ts
 * const svg = barChartSvg([{ label: 'q0', value: 2.4e6, target: 1e6 }], { title: 'events/s' });
 * writeFileSync('throughput.svg', svg);
 * ```
 */
export function barChartSvg(bars: readonly Bar[], options: BarChartOptions): string {
  const format = options.format ?? String;
  const width = options.width ?? 720;
  const plotWidth = width - LABEL_WIDTH - VALUE_WIDTH - 10;
  const height = TOP + bars.length * ROW + BOTTOM;
  const max = niceMax(Math.max(0, ...bars.map((b) => Math.max(b.value, b.target ?? 0))));
  const x = (v: number): number => LABEL_WIDTH + (Math.max(0, v) / max) * plotWidth;
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="${width}" height="${height}" fill="#ffffff"/>`,
    `<text x="${width / 2}" y="22" text-anchor="middle" font-size="14" font-weight="bold">${escape(options.title)}</text>`,
  ];
  const axisY = TOP + bars.length * ROW + 4;
  for (let i = 0; i <= 5; i++) {
    const v = (max / 5) * i;
    const gx = x(v).toFixed(1);
    parts.push(`<line x1="${gx}" y1="${TOP - 4}" x2="${gx}" y2="${axisY}" stroke="#e0e0e0"/>`);
    parts.push(`<text x="${gx}" y="${axisY + 16}" text-anchor="middle" fill="#555">${escape(format(v))}</text>`);
  }
  bars.forEach((bar, i) => {
    const y = TOP + i * ROW;
    const colour = bar.target === undefined ? '#7a8ca5' : bar.value >= bar.target ? '#3b8f4e' : '#c0504d';
    const w = (x(bar.value) - LABEL_WIDTH).toFixed(1);
    parts.push(`<text x="${LABEL_WIDTH - 8}" y="${y + BAR - 5}" text-anchor="end">${escape(bar.label)}</text>`);
    parts.push(`<rect x="${LABEL_WIDTH}" y="${y}" width="${w}" height="${BAR}" fill="${colour}"/>`);
    parts.push(
      `<text x="${(x(bar.value) + 5).toFixed(1)}" y="${y + BAR - 5}" fill="#222">${escape(format(bar.value))}</text>`,
    );
    if (bar.target !== undefined) {
      const tx = x(bar.target).toFixed(1);
      parts.push(`<line x1="${tx}" y1="${y - 3}" x2="${tx}" y2="${y + BAR + 3}" stroke="#222" stroke-width="2"/>`);
    }
  });
  parts.push(
    `<text x="${LABEL_WIDTH}" y="${height - 8}" fill="#555">green: target met, red: not met, grey: no target; black tick: target</text>`,
  );
  parts.push('</svg>');
  return `${parts.join('\n')}\n`;
}
