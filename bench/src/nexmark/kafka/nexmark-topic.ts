import { fork } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createKafkaClient } from '@sluice/core';
import { BenchError } from '../../errors.ts';

/** Where the Kafka benchmarks read and write. */
export interface NexmarkKafkaTarget {
  readonly bootstrapServers: readonly string[];
  readonly topic: string;
}

/** What a producer process did. */
export interface ProducerSummary {
  readonly produced: number;
  readonly seconds: number;
}

/**
 * Creates a fresh topic for one benchmark (unique name from `prefix`) with `partitions`
 * partitions. Its data expires an hour after it was written (`retention.ms` over 64 MB segments,
 * with broker append-time record timestamps: the Nexmark event times date from 2015, so
 * create-time retention would delete segments while a run still reads them), so runs on a shared
 * broker do not fill its disk. The queries take event time from the events, not from records.
 *
 * @example
 * ```ts
 * const target = await createNexmarkTopic(['localhost:9092'], 'nexmark-2000000', 4);
 * ```
 */
export async function createNexmarkTopic(
  bootstrapServers: readonly string[],
  prefix: string,
  partitions: number,
): Promise<NexmarkKafkaTarget> {
  const topic = `${prefix}-${randomUUID().slice(0, 8)}`;
  const client = await createKafkaClient({ bootstrapServers, clientId: 'sluice-bench-admin' });
  const admin = client.admin();
  try {
    await admin.createTopics([
      {
        topic,
        partitions,
        configs: {
          'message.timestamp.type': 'LogAppendTime',
          'retention.ms': String(3_600_000),
          'segment.bytes': String(64 * 1024 * 1024),
        },
      },
    ]);
  } finally {
    await admin.close();
  }
  return { bootstrapServers, topic };
}

/** What the producer process writes: `events` as fast as possible, or `rate` events/s for `seconds`. */
export type ProducerMode = { readonly events: number } | { readonly rate: number; readonly seconds: number };

/**
 * Runs the Nexmark producer (nexmark-producer.ts) in a separate Node process writing to `target`
 * (event n to partition n mod `partitions`); `onProgress` gets the acknowledged count every 250 ms.
 * Resolves with its summary when it exits.
 *
 * @example
 * ```ts
 * await runNexmarkProducer(target, 4, { events: 2_000_000 });               // pre-load
 * await runNexmarkProducer(target, 4, { rate: 200_000, seconds: 30 }, (n) => (produced = n));
 * ```
 */
export function runNexmarkProducer(
  target: NexmarkKafkaTarget,
  partitions: number,
  mode: ProducerMode,
  onProgress?: (produced: number) => void,
): Promise<ProducerSummary> {
  // The sibling script with this file's extension: .js from bench/dist, .ts from sources (tests).
  const script = fileURLToPath(
    new URL(`./nexmark-producer${extname(fileURLToPath(import.meta.url))}`, import.meta.url),
  );
  const args = ['--bootstrap', target.bootstrapServers.join(','), '--topic', target.topic];
  args.push('--partitions', String(partitions));
  if ('events' in mode) args.push('--events', String(mode.events));
  else args.push('--rate', String(mode.rate), '--seconds', String(mode.seconds));
  const execArgv = script.endsWith('.ts') ? ['--conditions=@sluice/source'] : [];
  return new Promise((resolve, reject) => {
    const child = fork(script, args, { execArgv, stdio: ['ignore', 'pipe', 'pipe', 'ipc'] });
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.on('message', (message: { produced?: number }) => {
      if (typeof message.produced === 'number') onProgress?.(message.produced);
    });
    child.on('error', reject);
    child.on('exit', (code) => {
      const line = stdout.trim().split('\n').pop() ?? '';
      if (code !== 0) {
        reject(new BenchError('RUN_FAILED', `the Nexmark producer exited with code ${code}; its stderr:\n${stderr}`));
        return;
      }
      try {
        resolve(JSON.parse(line) as ProducerSummary);
      } catch (cause) {
        reject(
          new BenchError('BAD_OUTPUT', `the Nexmark producer printed no summary; its stdout:\n${stdout}`, { cause }),
        );
      }
    });
  });
}

/** The topics of a `--source kafka` run: a small one for the warm-up and the measured one. */
export interface PreloadedTopics {
  readonly warmUp: NexmarkKafkaTarget;
  readonly warmUpEvents: number;
  readonly main: NexmarkKafkaTarget;
  /** How long pre-loading the measured topic took (not part of any measurement). */
  readonly preloadSeconds: number;
}

/**
 * Pre-loads two fresh topics with the Nexmark events (a producer process each, before anything is
 * measured): `warmUpEvents` for the warm-up run and `events` for the measured run.
 *
 * @example
 * ```ts
 * const topics = await preloadNexmarkTopics(['localhost:9092'], 4, 2_000_000, 200_000);
 * await runNexmark('q11', 2_000_000, 1, { kafka: topics.main });
 * ```
 */
export async function preloadNexmarkTopics(
  bootstrapServers: readonly string[],
  partitions: number,
  events: number,
  warmUpEvents: number,
): Promise<PreloadedTopics> {
  const warmUp = await createNexmarkTopic(bootstrapServers, `nexmark-warmup-${warmUpEvents}`, partitions);
  await runNexmarkProducer(warmUp, partitions, { events: warmUpEvents });
  const main = await createNexmarkTopic(bootstrapServers, `nexmark-${events}`, partitions);
  const summary = await runNexmarkProducer(main, partitions, { events });
  return { warmUp, warmUpEvents, main, preloadSeconds: summary.seconds };
}
