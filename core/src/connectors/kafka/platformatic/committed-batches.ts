/** Attribute bit of a record batch written inside a transaction (Kafka record batch format v2). */
const TRANSACTIONAL_BIT = 1 << 4;
/** Attribute bit of a batch that holds a transaction marker instead of data. */
const CONTROL_BIT = 1 << 5;
/** Control record type of an abort marker (key bytes 2..3; 1 is a commit marker). */
const ABORT_MARKER = 0;

/** The parts of a fetched record batch that decide whether it belongs to an aborted transaction. */
export interface FetchedBatch {
  readonly firstOffset: bigint;
  readonly lastOffsetDelta: number;
  readonly producerId: bigint;
  readonly attributes: number;
  readonly records: readonly { readonly key: Buffer | null }[];
}

/** An entry of a fetch response's aborted-transactions list (read_committed fetches only). */
export interface AbortedTransaction {
  readonly producerId: bigint;
  readonly firstOffset: bigint;
}

/**
 * The data batches of one partition's fetch that a `read_committed` consumer may deliver: drops
 * transaction markers and the batches of aborted transactions. The broker returns aborted data
 * below the last stable offset together with the list of aborted transactions (producer id and
 * first offset); a producer's batches are aborted from that first offset until its abort marker.
 * Batches must be in offset order, as fetched.
 */
export function committedBatches<B extends FetchedBatch>(
  batches: readonly B[],
  abortedTransactions: readonly AbortedTransaction[] | null | undefined,
): B[] {
  const pending = [...(abortedTransactions ?? [])].sort((a, b) =>
    a.firstOffset < b.firstOffset ? -1 : a.firstOffset > b.firstOffset ? 1 : 0,
  );
  let next = 0;
  const abortedProducers = new Set<bigint>();
  const kept: B[] = [];
  for (const batch of batches) {
    const lastOffset = batch.firstOffset + BigInt(batch.lastOffsetDelta);
    for (let entry = pending[next]; entry !== undefined && entry.firstOffset <= lastOffset; entry = pending[++next]) {
      abortedProducers.add(entry.producerId);
    }
    const transactional = (batch.attributes & TRANSACTIONAL_BIT) !== 0;
    if ((batch.attributes & CONTROL_BIT) !== 0) {
      if (transactional && isAbortMarker(batch)) abortedProducers.delete(batch.producerId);
      continue;
    }
    if (transactional && abortedProducers.has(batch.producerId)) continue;
    kept.push(batch);
  }
  return kept;
}

function isAbortMarker(batch: FetchedBatch): boolean {
  const key = batch.records[0]?.key;
  return key !== null && key !== undefined && key.length >= 4 && key.readInt16BE(2) === ABORT_MARKER;
}
