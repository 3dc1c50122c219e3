import * as platformatic from '@platformatic/kafka';
import { describe, expect, it } from 'vitest';
import type { KafkaAdmin, PartitionOffset, TopicPartition } from '../kafka-client.ts';
import { KafkaClientError } from '../kafka-client-error.ts';
import { PlatformaticConsumer } from './platformatic-consumer.ts';
import type { PlatformaticModule } from './platformatic-options.ts';

/** Per-partition error codes of one fetch: a code, or records (offsets) for a clean answer. */
type Answer = Record<number, number | readonly number[]>;

const TOPIC = 'payments';
const TOPIC_ID = 'topic-id-1';

/** A stand-in for the library's Consumer: fixed metadata (leader 1), scripted fetch answers. */
class FakeConsumer {
  static answers: Answer[] = [];
  static forceUpdates: boolean[] = [];
  static fetchOffsets: Record<number, bigint>[] = [];
  readonly topics = { track: () => {}, untrack: () => {} };

  async metadata(options: { forceUpdate?: boolean }) {
    FakeConsumer.forceUpdates.push(options.forceUpdate === true);
    return {
      topics: new Map([[TOPIC, { id: TOPIC_ID, partitions: [0, 1].map(() => ({ leader: 1 })) }]]),
    };
  }

  /** The library's API lookup: the consumer under test wraps the Fetch API it returns. */
  [platformatic.kGetApi](name: string, callback: (error: Error | null, api?: unknown) => void): void {
    const api = (_connection: unknown, ...args: unknown[]) => {
      const done = args.pop() as (error: unknown, response?: unknown) => void;
      try {
        done(null, FakeConsumer.answer());
      } catch (error) {
        done(error);
      }
    };
    callback(
      name === 'Fetch' ? null : new Error(`unexpected API ${name}`),
      Object.assign(api, { key: 1, version: 15 }),
    );
  }

  /** As the library: the Fetch API's answer (through the wrapped API), errors rejecting. */
  async fetch(options: { topics: { partitions: { partition: number; fetchOffset: bigint }[] }[] }): Promise<unknown> {
    FakeConsumer.fetchOffsets.push(
      Object.fromEntries(options.topics.flatMap((t) => t.partitions.map((p) => [p.partition, p.fetchOffset]))),
    );
    return new Promise((resolve, reject) => {
      this[platformatic.kGetApi]('Fetch', (error, api) => {
        if (error) return reject(error);
        (api as (c: unknown, cb: (e: unknown, r?: unknown) => void) => void)(undefined, (e, response) =>
          e ? reject(e) : resolve(response),
        );
      });
    });
  }

  static answer(): unknown {
    const answer = FakeConsumer.answers.shift() ?? {};
    const partitions = Object.entries(answer).map(([index, a]) => ({
      partitionIndex: Number(index),
      errorCode: typeof a === 'number' ? a : 0,
      abortedTransactions: [],
      records:
        typeof a === 'number' || a.length === 0
          ? undefined
          : [
              {
                firstOffset: BigInt(a[0] as number),
                lastOffsetDelta: a.length - 1,
                attributes: 0,
                firstTimestamp: 1_700_000_000_000n,
                maxTimestamp: 1_700_000_000_000n,
                records: a.map((_, i) => ({
                  offsetDelta: i,
                  timestampDelta: 0n,
                  key: null,
                  value: Buffer.from('v'),
                  headers: [],
                })),
              },
            ],
    }));
    const response = { errorCode: 0, responses: [{ topicId: TOPIC_ID, partitions }] };
    // As the library: a per-partition error code rejects the fetch with the parsed response inside.
    if (partitions.some((p) => p.errorCode !== 0))
      throw Object.assign(new Error('Received response with error'), { code: 'PLT_KFK_RESPONSE', response });
    return response;
  }

  async close() {}
}

/** An admin whose partitions hold offsets `earliest` to `latest`. */
function fakeAdmin(earliest: number, latest: number): KafkaAdmin {
  return {
    listOffsets: async (partitions: readonly TopicPartition[], spec: { kind: string }): Promise<PartitionOffset[]> =>
      partitions.map((p) => ({ ...p, offset: spec.kind === 'earliest' ? earliest : latest })),
    close: async () => {},
  } as unknown as KafkaAdmin;
}

async function consumer(answers: Answer[], admin = fakeAdmin(0, 1_000), offsetReset?: 'earliest' | 'latest' | 'fail') {
  FakeConsumer.answers = answers;
  FakeConsumer.forceUpdates = [];
  FakeConsumer.fetchOffsets = [];
  const lib = { ...platformatic, Consumer: FakeConsumer } as unknown as PlatformaticModule;
  const resets: unknown[] = [];
  const c = new PlatformaticConsumer(lib, { bootstrapServers: ['fake:9092'] }, admin, {
    isolation: 'read_uncommitted',
    ...(offsetReset === undefined ? {} : { offsetReset }),
    onOffsetReset: (r) => resets.push(r),
  });
  await c.assign(
    [0, 1].map((partition) => ({ topic: TOPIC, partition, start: { kind: 'offset', offset: 10 } as const })),
  );
  return { c, resets };
}

const offsets = (batches: { partition: number; records: readonly { offset: number }[] }[]) =>
  batches.map((b) => [b.partition, b.records.map((r) => r.offset)]);

describe('PlatformaticConsumer per-partition fetch errors', () => {
  it('returns the other partitions and retries a moved leader on fresh metadata', async () => {
    const { c } = await consumer([
      { 0: 6, 1: [10, 11] },
      { 0: [10], 1: [] },
    ]);
    expect(offsets(await c.poll())).toEqual([[1, [10, 11]]]);
    expect(c.position({ topic: TOPIC, partition: 0 })).toBe(10);
    expect(offsets(await c.poll())).toEqual([[0, [10]]]);
    expect(FakeConsumer.forceUpdates).toEqual([false, true]);
    expect(FakeConsumer.fetchOffsets[1]).toEqual({ 0: 10n, 1: 12n });
  });

  it('gives up on a partition that keeps failing, naming the error', async () => {
    const { c } = await consumer([{ 0: 5 }, { 0: 5 }, { 0: 5 }, { 0: 5 }]);
    for (let i = 0; i < 3; i++) expect(await c.poll()).toEqual([]);
    const failure = await c.poll().catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(KafkaClientError);
    expect((failure as KafkaClientError).kind).toBe('BROKER_ERROR');
    expect((failure as Error).message).toMatch(/payments:0 .* LEADER_NOT_AVAILABLE \(error code 5\)/);
  });

  it('fails on any other error code without moving other partitions', async () => {
    const { c } = await consumer([{ 0: 2, 1: [10] }]);
    const failure = await c.poll().catch((e: unknown) => e);
    expect((failure as KafkaClientError).kind).toBe('BROKER_ERROR');
    expect((failure as Error).message).toContain(
      'payments:0 at offset 10 failed: the broker answered CORRUPT_MESSAGE (error code 2)',
    );
    expect(c.position({ topic: TOPIC, partition: 1 })).toBe(10);
  });

  it('resets an out-of-range position per offsetReset and reports it', async () => {
    const { c, resets } = await consumer(
      [
        { 0: 1, 1: [10] },
        { 0: [60], 1: [] },
      ],
      fakeAdmin(60, 100),
    );
    expect(offsets(await c.poll())).toEqual([[1, [10]]]);
    expect(resets).toEqual([{ topic: TOPIC, partition: 0, from: 10, to: 60 }]);
    expect(offsets(await c.poll())).toEqual([[0, [60]]]);
    expect(FakeConsumer.fetchOffsets[1]).toEqual({ 0: 60n, 1: 11n });
  });

  it("'latest' moves to the end; 'fail' throws OFFSET_OUT_OF_RANGE", async () => {
    const latest = await consumer([{ 0: 1 }], fakeAdmin(60, 100), 'latest');
    expect(await latest.c.poll()).toEqual([]);
    expect(latest.resets).toEqual([{ topic: TOPIC, partition: 0, from: 10, to: 100 }]);
    const fail = await consumer([{ 0: 1 }], fakeAdmin(60, 100), 'fail');
    const failure = await fail.c.poll().catch((e: unknown) => e);
    expect((failure as KafkaClientError).kind).toBe('OFFSET_OUT_OF_RANGE');
    expect((failure as KafkaClientError).retriable).toBe(false);
    expect(fail.resets).toEqual([]);
  });

  it('retries instead of resetting when the admin says the position is valid (a stale leader)', async () => {
    const { c, resets } = await consumer([{ 0: 1 }, { 0: [10] }], fakeAdmin(0, 100));
    expect(await c.poll()).toEqual([]);
    expect(resets).toEqual([]);
    expect(offsets(await c.poll())).toEqual([[0, [10]]]);
    expect(FakeConsumer.forceUpdates).toEqual([false, true]);
  });
});
