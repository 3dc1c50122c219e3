/** Benchmarks of Sluice; run them with `npm run bench`, and the Nexmark report with `npm run bench:report`. */
export { BENCH_ERROR_CODES, BenchError, type BenchErrorCode } from './errors.ts';
export { LatencyRecorder, peakRssMb, type RunResult } from './measure.ts';
export type { WindowFired } from './micro/keyed-window.job.ts';
export { MICRO_QUERIES, makeEvents, runKeyedWindow, runMicro, steadyEventsPerSecond } from './micro/micro-queries.ts';
export * from './nexmark/index.ts';
export { type Bar, type BarChartOptions, barChartSvg } from './report/bar-chart-svg.ts';
export {
  type CpuProfile,
  type CpuProfileSummary,
  type SelfTime,
  summarizeCpuProfile,
} from './report/cpu-profile-summary.ts';
