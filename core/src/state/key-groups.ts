import { SluiceError } from '../errors.ts';

/** Keys Sluice can partition by: values with a stable identity across processes. */
export type KeyType = string | number | bigint | boolean;

/** Default number of key groups (the upper bound of parallelism), as in Flink. */
export const DEFAULT_MAX_PARALLELISM = 128;

function mix(h: number): number {
  // 32-bit avalanche (the murmur3 finaliser's published constants).
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

function hashString(s: string): number {
  let h = 0x9747b28c ^ s.length;
  for (let i = 0; i < s.length; i++) {
    h = Math.imul(h ^ s.charCodeAt(i), 0x5bd1e995);
    h ^= h >>> 15;
  }
  return mix(h);
}

/**
 * A stable 32-bit hash of a key: the same key gives the same hash in every process and version,
 * so key groups (and the state stored under them) survive restarts and rescaling.
 */
export function hashKey(key: unknown): number {
  switch (typeof key) {
    case 'string':
      return hashString(key);
    case 'number':
      if (Number.isInteger(key) && key >= -0x80000000 && key <= 0x7fffffff) return mix(key | 0);
      return hashString(`n:${key}`);
    case 'boolean':
      return key ? 0x4a5b6c7d : 0x1a2b3c4d;
    case 'bigint':
      return hashString(`b:${key}`);
    default:
      throw new SluiceError(
        'UNHASHABLE_KEY',
        `A key selector returned ${key === null ? 'null' : typeof key}; keys must be string, number, bigint or boolean. ` +
          'Return a primitive, e.g. `${a}|${b}` for a composite key.',
      );
  }
}

/** The key group of `key` among `maxParallelism` groups. */
export function keyGroupOf(key: unknown, maxParallelism: number): number {
  return hashKey(key) % maxParallelism;
}

/** The subtask (of `parallelism`) that owns `keyGroup`: contiguous ranges, as Flink assigns them. */
export function subtaskForKeyGroup(keyGroup: number, maxParallelism: number, parallelism: number): number {
  return Math.floor((keyGroup * parallelism) / maxParallelism);
}

/** The inclusive key-group range owned by `subtask`. */
export interface KeyGroupRange {
  readonly start: number;
  readonly end: number;
}

/** Key groups `[start, end]` that `subtask` of `parallelism` owns. */
export function keyGroupRangeFor(subtask: number, maxParallelism: number, parallelism: number): KeyGroupRange {
  const start = Math.ceil((subtask * maxParallelism) / parallelism);
  const end = Math.ceil(((subtask + 1) * maxParallelism) / parallelism) - 1;
  return { start, end };
}
