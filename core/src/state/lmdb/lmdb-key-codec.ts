import { SluiceError } from '../../errors.ts';
import type { KeyType } from '../key-groups.ts';

/**
 * Byte layout of an LMDB key (compared bytewise by LMDB, so key groups sort first):
 *
 * ```
 * u16 BE key group | u16 BE name length | name (UTF-8) | u32 BE namespace length | namespace (UTF-8) | tag | user key
 * ```
 *
 * The user key is tagged so that `1`, `'1'`, `1n` and `true` stay distinct (as in a Map):
 * false/true (no bytes), number (f64 BE; -0 stored as 0, since a Map does not tell them
 * apart), bigint (decimal ASCII), string (UTF-8). One key group is one contiguous range
 * (`groupRange`), one state of one key group too (`stateRange`): snapshots and rescaling read
 * one cursor range each.
 */
const TAG_FALSE = 1;
const TAG_TRUE = 2;
const TAG_NUMBER = 3;
const TAG_BIGINT = 4;
const TAG_STRING = 5;

/** lmdb-js's limit on key size. */
export const MAX_LMDB_KEY_BYTES = 1978;

/** A key-group (or state) prefix range: `[start, end)`; `end` undefined means "to the end". */
export interface KeyRange {
  readonly start: Buffer;
  readonly end: Buffer | undefined;
}

/** The decoded (namespace, user key) part of a key, for a known key group and state. */
export interface DecodedKeySuffix {
  namespace: string;
  key: KeyType;
}

/** `u16 name length | name`: precomputed once per state (every key of the state repeats it). */
export function encodeStateName(name: string): Buffer {
  const bytes = Buffer.from(name, 'utf8');
  if (bytes.length > 0xffff) {
    throw new SluiceError('INVALID_ARGUMENT', `State name '${name.slice(0, 40)}…' is too long; keep it under 1 KB.`);
  }
  const out = Buffer.allocUnsafe(2 + bytes.length);
  out.writeUInt16BE(bytes.length, 0);
  bytes.copy(out, 2);
  return out;
}

/**
 * Encodes keys into one reusable scratch buffer: the returned Buffer is a view that is valid only
 * until the next `encode` (lmdb-js copies keys when it is called, so this costs no allocation
 * beyond the view).
 */
export class LmdbKeyEncoder {
  private scratch = Buffer.allocUnsafe(256);

  encode(keyGroup: number, stateName: Buffer, namespace: string, key: KeyType): Buffer {
    const stringKey = typeof key === 'string' ? key : typeof key === 'bigint' ? key.toString() : '';
    // Upper bound: 3 UTF-8 bytes per UTF-16 code unit.
    const bound = 2 + stateName.length + 4 + 3 * namespace.length + 1 + Math.max(8, 3 * stringKey.length);
    if (bound > this.scratch.length) this.scratch = Buffer.allocUnsafe(Math.max(bound, 2 * this.scratch.length));
    const buf = this.scratch;
    buf.writeUInt16BE(keyGroup, 0);
    let at = 2 + stateName.copy(buf, 2);
    const nsLength = namespace.length === 0 ? 0 : buf.write(namespace, at + 4, 'utf8');
    buf.writeUInt32BE(nsLength, at);
    at += 4 + nsLength;
    switch (typeof key) {
      case 'string':
        buf[at++] = TAG_STRING;
        at += buf.write(key, at, 'utf8');
        break;
      case 'number':
        buf[at++] = TAG_NUMBER;
        buf.writeDoubleBE(key === 0 ? 0 : key, at);
        at += 8;
        break;
      case 'bigint':
        buf[at++] = TAG_BIGINT;
        at += buf.write(stringKey, at, 'latin1');
        break;
      case 'boolean':
        buf[at++] = key ? TAG_TRUE : TAG_FALSE;
        break;
      default:
        throw new SluiceError(
          'UNHASHABLE_KEY',
          `A state key must be string, number, bigint or boolean; got ${typeof key}.`,
        );
    }
    if (at > MAX_LMDB_KEY_BYTES) {
      throw new SluiceError(
        'INVALID_ARGUMENT',
        `A state key (key + namespace + state name) is ${at} bytes; the LMDB state backend stores up to ` +
          `${MAX_LMDB_KEY_BYTES}. Use shorter keys (e.g. a hash of a long string key).`,
      );
    }
    return buf.subarray(0, at);
  }
}

/** The range of every key of one key group. */
export function groupRange(keyGroup: number): KeyRange {
  const start = Buffer.allocUnsafe(2);
  start.writeUInt16BE(keyGroup, 0);
  return { start, end: successor(start) };
}

/** The range of every key of one state in one key group. */
export function stateRange(keyGroup: number, stateName: Buffer): KeyRange {
  const start = Buffer.allocUnsafe(2 + stateName.length);
  start.writeUInt16BE(keyGroup, 0);
  stateName.copy(start, 2);
  return { start, end: successor(start) };
}

/** The smallest byte string greater than every string starting with `prefix` (undefined: none). */
function successor(prefix: Buffer): Buffer | undefined {
  let n = prefix.length;
  while (n > 0 && prefix[n - 1] === 0xff) n--;
  if (n === 0) return undefined;
  const out = Buffer.from(prefix.subarray(0, n));
  out[n - 1] = (out[n - 1] as number) + 1;
  return out;
}

/**
 * Decodes the namespace and user key of `key`, whose first `prefixLength` bytes are the key group
 * and state name (known from the range being scanned). Writes into `out` (no object per entry).
 */
export function decodeKeySuffix(key: Buffer, prefixLength: number, out: DecodedKeySuffix): void {
  const nsLength = key.readUInt32BE(prefixLength);
  let at = prefixLength + 4;
  out.namespace = nsLength === 0 ? '' : key.toString('utf8', at, at + nsLength);
  at += nsLength;
  const tag = key[at++];
  switch (tag) {
    case TAG_STRING:
      out.key = key.toString('utf8', at, key.length);
      return;
    case TAG_NUMBER:
      out.key = key.readDoubleBE(at);
      return;
    case TAG_BIGINT:
      out.key = BigInt(key.toString('latin1', at, key.length));
      return;
    case TAG_TRUE:
      out.key = true;
      return;
    case TAG_FALSE:
      out.key = false;
      return;
    default:
      throw new SluiceError(
        'CORRUPT_CHECKPOINT',
        `An LMDB state key has an unknown key tag ${String(tag)}; the state directory is damaged. Restore from a checkpoint.`,
      );
  }
}
