import { parseArgs } from 'node:util';
import { createKafkaClient, type KafkaProducer, type KafkaProducerRecord } from '@sluice/core';

/*
 * What the benchmark producer processes (kafka-bench-producer.ts, nexmark-producer.ts) share:
 * their command line, the two ways they send (a pre-load as fast as the broker takes it, or a
 * constant rate), progress over IPC and the summary on stdout.
 */

/** What to write: `count` records as fast as possible, or `rate` records/s for `seconds`. */
export type SendMode = { readonly count: number } | { readonly rate: number; readonly seconds: number };

/** The command line of a producer process. */
export interface ProducerArgs {
  readonly bootstrap: string[];
  readonly topic: string;
  readonly partitions: number;
  readonly mode: SendMode;
}

/**
 * Parses `--bootstrap host:port[,…] --topic T [--partitions P]` and either `--<countFlag> N` or
 * `--rate R --seconds S`; on a bad command line, writes `<name>: <why>` to stderr and exits 2.
 */
export function parseProducerArgs(name: string, countFlag: string): ProducerArgs {
  const { values } = parseArgs({
    options: {
      bootstrap: { type: 'string' },
      topic: { type: 'string' },
      partitions: { type: 'string', default: '1' },
      [countFlag]: { type: 'string' },
      rate: { type: 'string' },
      seconds: { type: 'string' },
    },
  });
  const fail = (message: string): never => {
    process.stderr.write(`${name}: ${message}\n`);
    process.exit(2);
  };
  const str = (key: string): string | undefined => {
    const value = values[key];
    return typeof value === 'string' ? value : undefined;
  };
  const bootstrap = (str('bootstrap') ?? '').split(',').filter((s) => s.length > 0);
  const topic = str('topic') ?? fail('--topic is required');
  const partitions = Number(str('partitions'));
  if (bootstrap.length === 0) fail('--bootstrap host:port is required');
  if (!Number.isInteger(partitions) || partitions <= 0) fail('--partitions must be a positive integer');
  const countArg = str(countFlag);
  if (countArg !== undefined) {
    const count = Number(countArg);
    if (!Number.isInteger(count) || count <= 0) fail(`--${countFlag} must be a positive integer`);
    return { bootstrap, topic, partitions, mode: { count } };
  }
  const rate = Number(str('rate'));
  const seconds = Number(str('seconds'));
  if (!(rate > 0) || !(seconds > 0)) fail(`give --${countFlag} N, or --rate R and --seconds S (both > 0)`);
  return { bootstrap, topic, partitions, mode: { rate, seconds } };
}

/** Options of {@link runProducer}. */
export interface ProducerOptions {
  readonly bootstrap: readonly string[];
  readonly clientId: string;
  readonly mode: SendMode;
  /** Records number `first` to `first + count - 1` (called in order: each number once). */
  readonly records: (first: number, count: number) => KafkaProducerRecord[];
  /** Records per send at most: a partition's share must stay below the broker's 1 MiB batch limit. */
  readonly recordsPerSend: number;
  /** Constant rate: how often it sends what is due (ms). */
  readonly tickMs: number;
  /** Constant rate: sends in flight at most (a pre-load keeps up to 4). */
  readonly maxInFlight: number;
  /**
   * Constant rate: each tick sends everything due, waiting for a free send, and for all of them
   * to be acknowledged before the next tick (true); or at most one send per tick, none while
   * `maxInFlight` are in flight (false: the load stays smooth).
   */
  readonly catchUp: boolean;
}

/** Sends numbered records, counting those the broker acknowledged. */
class Sender {
  next = 0;
  produced = 0;
  private readonly inFlight = new Set<Promise<void>>();
  private readonly producer: KafkaProducer;
  private readonly options: ProducerOptions;

  constructor(producer: KafkaProducer, options: ProducerOptions) {
    this.producer = producer;
    this.options = options;
  }

  /** Sends up to `due` of the next records, at most `maxInFlight` sends in flight (waits for a free one). */
  private async send(due: number, maxInFlight: number): Promise<number> {
    if (this.inFlight.size >= maxInFlight) await Promise.race(this.inFlight);
    const n = Math.min(due, this.options.recordsPerSend);
    const records = this.options.records(this.next, n);
    this.next += n;
    const sent: Promise<void> = this.producer.send(records).then(() => {
      this.produced += n;
      this.inFlight.delete(sent);
    });
    this.inFlight.add(sent);
    return n;
  }

  /** `count` records as fast as the broker takes them, up to 4 sends in flight. */
  async preload(count: number): Promise<void> {
    while (this.next < count) await this.send(count - this.next, 4);
    await Promise.all(this.inFlight);
  }

  /**
   * `rate` records/s for `seconds`: every `tickMs`, sends what the schedule says is due (see
   * {@link ProducerOptions.catchUp}); a schedule it cannot keep shows up as a lower produced rate.
   */
  async constantRate(rate: number, seconds: number): Promise<void> {
    const { tickMs, maxInFlight, catchUp } = this.options;
    const started = performance.now();
    const endAt = started + seconds * 1000;
    for (let now = started; now < endAt; now = performance.now()) {
      let due = Math.floor(((now - started) / 1000) * rate) - this.next;
      if (catchUp) {
        while (due > 0) due -= await this.send(due, maxInFlight);
        await Promise.all(this.inFlight);
      } else if (due > 0 && this.inFlight.size < maxInFlight) {
        await this.send(due, maxInFlight);
      }
      await new Promise((resolve) => setTimeout(resolve, tickMs));
    }
    await Promise.all(this.inFlight);
  }
}

/**
 * Writes `mode`'s records, reporting `{ produced }` to the parent process over IPC every 250 ms
 * and at the end, then `{ produced, seconds }` as the last line on stdout.
 */
export async function runProducer(options: ProducerOptions): Promise<void> {
  const client = await createKafkaClient({ bootstrapServers: options.bootstrap, clientId: options.clientId });
  const producer = client.producer();
  const sender = new Sender(producer, options);
  const started = performance.now();
  const progress = setInterval(() => process.send?.({ produced: sender.produced }), 250);
  try {
    if ('count' in options.mode) await sender.preload(options.mode.count);
    else await sender.constantRate(options.mode.rate, options.mode.seconds);
  } finally {
    clearInterval(progress);
    await producer.close();
  }
  process.send?.({ produced: sender.produced });
  process.stdout.write(
    `${JSON.stringify({ produced: sender.produced, seconds: (performance.now() - started) / 1000 })}\n`,
  );
  process.disconnect?.();
}
