import { type KafkaClientLibrary, KafkaSource, startJob, type CollectSink } from '@sluice/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bootstrap, describeRecord, KafkaKit, readBounded, sourceOptions } from './fixtures/kafka-source-kit.ts';

const libraries: KafkaClientLibrary[] = ['platformatic', 'kafkajs'];

describe.skipIf(bootstrap.length === 0).each(libraries)('KafkaSource bounded reads on %s', (library) => {
  let kit: KafkaKit;
  let topic: string;
  let expected: string[];

  beforeAll(async () => {
    kit = await new KafkaKit(library).open();
    topic = await kit.topic(3);
    expected = await kit.fill(topic, 3, 400);
  });
  afterAll(() => kit.close());

  it.each([1, 2])('reads every record of a 3-partition topic exactly once at parallelism %i', async (parallelism) => {
    const source = new KafkaSource(
      sourceOptions(library, { topics: [topic], deserializer: describeRecord, bounded: 'latest-at-start' }),
    );
    expect(source.boundedness).toBe('bounded');
    const { values, client } = await readBounded(source, { parallelism });
    expect(client.status()).toBe('FINISHED');
    expect(values).toEqual(expected);
  });

  it('grows a topic with admin.createPartitions (used by the discovery test)', async () => {
    const grown = await kit.topic(1);
    await kit.admin.createPartitions(grown, 3);
    await kit.admin.createPartitions(grown, 2); // already has more: a no-op
    expect(await kit.admin.partitionsOf([grown])).toEqual([0, 1, 2].map((partition) => ({ topic: grown, partition })));
  });

  it('reads in BATCH mode too', async () => {
    const source = new KafkaSource(
      sourceOptions(library, { topics: topic, deserializer: describeRecord, bounded: 'latest-at-start' }),
    );
    const { values } = await readBounded(source, { parallelism: 2, runtimeMode: 'BATCH' });
    expect(values).toEqual(expected);
  });
});

describe.skipIf(bootstrap.length === 0)('KafkaSource on worker threads', () => {
  let kit: KafkaKit;
  beforeAll(async () => {
    kit = await new KafkaKit().open();
  });
  afterAll(() => kit.close());

  it('reads every record exactly once with 2 subtasks on 2 threads', async () => {
    const topic = await kit.topic(4);
    const expected = await kit.fill(topic, 4, 250);
    const job = await startJob<{ sink: CollectSink<string> }>(
      new URL('./fixtures/kafka-read.job.ts', import.meta.url),
      {
        parallelism: 2,
        slots: 2,
        params: { bootstrap: bootstrap.join(','), topic },
      },
    );
    await job.result;
    expect(job.status()).toBe('FINISHED');
    expect([...job.built.sink.values].sort()).toEqual(expected);
  }, 60_000);
});
