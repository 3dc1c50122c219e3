import type { KeyType } from '../key-groups.ts';
import type { NamespaceSnapshot, StateSnapshot } from '../snapshot-format.ts';
import { type DecodedKeySuffix, type KeyRange, decodeKeySuffix, stateRange } from './lmdb-key-codec.ts';
import { LmdbValueCodec } from './lmdb-value-codec.ts';

/** What reading one state needs, captured when the snapshot starts (the mode may change later). */
export interface StateToRead {
  readonly name: string;
  readonly nameBytes: Buffer;
  readonly ttl: boolean;
  /** TTL timestamp of values stored without one (see `LmdbStateTable.convertedAt`). */
  readonly convertedAt: number;
}

interface Columns {
  namespace: string;
  keys: KeyType[];
  values: unknown[];
  touchedAt: number[] | undefined;
}

/**
 * Reads the states of one key group from LMDB into the canonical snapshot columns
 * ({@link StateSnapshot}): one cursor range per state (`stateRange`), entries ascending by
 * (namespace, key). Values are decoded, so the result shares nothing with the live state.
 * Returns how many entries were read in `count.entries` (for yielding in asynchronous snapshots).
 *
 * @example
 * ```ts
 * const states = readKeyGroup((r) => store.range(r), 5, [{ name: 'count', nameBytes, ttl: false, convertedAt: 0 }], counter);
 * ```
 */
export function readKeyGroup(
  range: (range: KeyRange) => Iterable<{ key: Buffer; value: Buffer }>,
  keyGroup: number,
  states: readonly StateToRead[],
  count: { entries: number },
): StateSnapshot[] {
  const codec = new LmdbValueCodec();
  const decoded: DecodedKeySuffix = { namespace: '', key: '' };
  const out: StateSnapshot[] = [];
  for (const state of states) {
    const r = stateRange(keyGroup, state.nameBytes);
    const prefix = r.start.length;
    const namespaces: NamespaceSnapshot[] = [];
    let current: Columns | undefined;
    for (const { key, value } of range(r)) {
      decodeKeySuffix(key, prefix, decoded);
      const v = codec.decode(value);
      if (current === undefined || current.namespace !== decoded.namespace) {
        if (current !== undefined) namespaces.push(toSnapshot(current));
        current = { namespace: decoded.namespace, keys: [], values: [], touchedAt: state.ttl ? [] : undefined };
      }
      current.keys.push(decoded.key);
      current.values.push(v);
      current.touchedAt?.push(Number.isNaN(codec.touchedAt) ? state.convertedAt : codec.touchedAt);
      count.entries++;
    }
    if (current !== undefined) namespaces.push(toSnapshot(current));
    if (namespaces.length > 0) out.push({ name: state.name, ttl: state.ttl, namespaces });
  }
  return out;
}

function toSnapshot(c: Columns): NamespaceSnapshot {
  return c.touchedAt === undefined
    ? { namespace: c.namespace, keys: c.keys, values: c.values }
    : { namespace: c.namespace, keys: c.keys, values: c.values, touchedAt: c.touchedAt };
}
