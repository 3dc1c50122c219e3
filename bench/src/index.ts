/** Benchmarks of Sluice; run them with `npm run bench`. */
export { LatencyRecorder, peakRssMb, type RunResult } from './measure.ts';
export { MICRO_QUERIES, makeEvents, runMicro } from './micro/micro-queries.ts';
export * from './nexmark/index.ts';
