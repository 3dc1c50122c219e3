import { writeSync } from 'node:fs';
import {
  type CheckpointStorage,
  DataGeneratorSource,
  defineJob,
  FsCheckpointStorage,
  S3CheckpointStorage,
  TumblingEventTimeWindows,
  WatermarkStrategy,
} from '@sluice/core';
import { CountingSink } from '../micro/counting-sink.ts';

/** A keyed event: key and event time (1 ms of event time per event). */
export interface KeyedEvent {
  readonly key: number;
  readonly time: number;
}

/**
 * The per-key window accumulator: a count, and `payloadBytes` of filler to scale the state. The
 * filler starts with the key, so it differs per key: identical fillers would be written once
 * (snapshot columns pack a repeated value) and the checkpoint would not grow with the state.
 */
export interface KeyAccumulator {
  n: number;
  pad: string;
}

/**
 * Params of the checkpoint benchmark job (all optional except `events`):
 * - `events`, `keys` (default 1,000,000): events cycle through the keys `0 … keys-1`.
 * - `payloadBytes` (default 0): filler per key accumulator, to scale the state (recovery run).
 * - `accumulator`: `object` (default, `{ n, pad }`) or `number` (a plain count: no records for
 *   the snapshot to check, the cheapest state to checkpoint; `payloadBytes` is then ignored).
 * - `storage`: `none` (default), `fs` with `directory`, or `s3` with `bucket` (S3_* env vars).
 * - `interval` (ms, default 1000), `restore` (`latest`), `retained` (default 1).
 * - `rate`: records per second (unlimited by default).
 * - `probeFirstRecord`: print `first-record <epoch ms>` to stderr when the window operator
 *   aggregates its first record (the recovery measurement watches for it).
 */
export type KeyedStateParams = Readonly<Record<string, string | number | boolean>>;

function storageOf(params: KeyedStateParams): CheckpointStorage | undefined {
  if (params['storage'] === 'fs') return new FsCheckpointStorage({ directory: String(params['directory']) });
  if (params['storage'] === 's3') {
    return new S3CheckpointStorage({
      bucket: String(params['bucket']),
      prefix: 'bench',
      endpoint: process.env['S3_ENDPOINT'] as string,
      region: process.env['S3_REGION'] ?? 'us-east-1',
      credentials: {
        accessKeyId: process.env['S3_ACCESS_KEY_ID'] as string,
        secretAccessKey: process.env['S3_SECRET_ACCESS_KEY'] as string,
      },
      forcePathStyle: true,
    });
  }
  return undefined;
}

/**
 * The checkpoint benchmark job: a keyed aggregate over a tumbling event-time window far longer
 * than the run (so every key's accumulator stays live and is in every checkpoint), fed by a
 * generator cycling through `keys` distinct keys. The window fires once, at end of input.
 */
export default defineJob('checkpoint-bench', (env, params: KeyedStateParams) => {
  const events = Number(params['events']);
  const keys = Number(params['keys'] ?? 1_000_000);
  const padBytes = Number(params['payloadBytes'] ?? 0);
  const storage = storageOf(params);
  if (storage !== undefined) {
    env.enableCheckpointing(Number(params['interval'] ?? 1_000), {
      storage,
      retainedCheckpoints: Number(params['retained'] ?? 1),
    });
    if (params['restore'] === 'latest') env.setRestoreFrom('latest');
  }
  // Benchmark instrumentation, not an operator pattern (it reads the wall clock): when the
  // window operator aggregates its first record, i.e. when processing resumed after a restore.
  let probe = params['probeFirstRecord'] === true;
  const probeNow = (): void => {
    probe = false;
    writeSync(2, `first-record ${Date.now()}\n`);
  };
  const sink = new CountingSink<number>();
  const rate = params['rate'];
  const windowed = env
    .fromSource(
      new DataGeneratorSource<KeyedEvent>({
        count: events,
        ...(typeof rate === 'number' ? { recordsPerSecond: rate } : {}),
        generate: (i) => ({ key: i % keys, time: i }),
      }),
      WatermarkStrategy.forMonotonousTimestamps<KeyedEvent>().withTimestampAssigner((e) => e.time),
      'events',
    )
    .keyBy((e) => e.key)
    .window(TumblingEventTimeWindows.of(Number.MAX_SAFE_INTEGER / 2));
  const counts =
    params['accumulator'] === 'number'
      ? windowed.aggregate('count-per-key', {
          createAccumulator: () => 0,
          add: (_e: KeyedEvent, acc: number) => {
            if (probe) probeNow();
            return acc + 1;
          },
          getResult: (acc: number) => acc,
        })
      : windowed.aggregate('count-per-key', {
          createAccumulator: (): KeyAccumulator => ({ n: 0, pad: '' }),
          add: (e: KeyedEvent, acc: KeyAccumulator) => {
            if (probe) probeNow();
            if (acc.n === 0 && padBytes > 0) acc.pad = `${e.key}:`.padEnd(padBytes, 'x');
            acc.n++;
            return acc;
          },
          getResult: (acc: KeyAccumulator) => acc.n,
        });
  counts.sinkTo(sink, 'count');
  return { sink };
});
