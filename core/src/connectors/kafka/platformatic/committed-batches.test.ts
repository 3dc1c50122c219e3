import { describe, expect, it } from 'vitest';
import { committedBatches, type FetchedBatch } from './committed-batches.ts';

const TX = 1 << 4;
const CONTROL = 1 << 5;

function data(offset: number, producerId: number, transactional = true): FetchedBatch & { id: string } {
  return {
    id: `data@${offset}`,
    firstOffset: BigInt(offset),
    lastOffsetDelta: 0,
    producerId: BigInt(producerId),
    attributes: transactional ? TX : 0,
    records: [{ key: null }],
  };
}

function marker(offset: number, producerId: number, type: 'abort' | 'commit'): FetchedBatch & { id: string } {
  const key = Buffer.alloc(4);
  key.writeInt16BE(type === 'abort' ? 0 : 1, 2);
  return {
    id: `${type}@${offset}`,
    firstOffset: BigInt(offset),
    lastOffsetDelta: 0,
    producerId: BigInt(producerId),
    attributes: TX | CONTROL,
    records: [{ key }],
  };
}

const ids = (batches: readonly { id: string }[]) => batches.map((b) => b.id);

describe('committedBatches', () => {
  it('keeps committed data and drops markers', () => {
    const batches = [data(0, 1), data(1, 1), marker(2, 1, 'commit'), data(3, 7, false)];
    expect(ids(committedBatches(batches, []))).toEqual(['data@0', 'data@1', 'data@3']);
  });

  it('drops a producer only between its aborted first offset and its abort marker', () => {
    // Producer 1: tx1 committed, tx2 aborted, tx3 committed; producer 2 interleaved and committed.
    const batches = [
      data(0, 1),
      marker(1, 1, 'commit'),
      data(2, 1),
      data(3, 2),
      marker(4, 1, 'abort'),
      data(5, 1),
      marker(6, 2, 'commit'),
      marker(7, 1, 'commit'),
    ];
    const aborted = [{ producerId: 1n, firstOffset: 2n }];
    expect(ids(committedBatches(batches, aborted))).toEqual(['data@0', 'data@3', 'data@5']);
  });

  it('handles several aborted transactions, listed out of order', () => {
    const batches = [
      data(0, 1),
      data(1, 2),
      marker(2, 1, 'abort'),
      data(3, 1),
      marker(4, 2, 'abort'),
      marker(5, 1, 'abort'),
    ];
    const aborted = [
      { producerId: 1n, firstOffset: 3n },
      { producerId: 2n, firstOffset: 1n },
      { producerId: 1n, firstOffset: 0n },
    ];
    expect(committedBatches(batches, aborted)).toEqual([]);
  });

  it('never drops non-transactional batches, even of an aborted producer id', () => {
    const batches = [data(0, 1, false), data(1, 1), marker(2, 1, 'abort')];
    expect(ids(committedBatches(batches, [{ producerId: 1n, firstOffset: 1n }]))).toEqual(['data@0']);
  });
});
