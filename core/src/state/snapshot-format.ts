import { DefaultSerializer, deserialize, serialize } from 'node:v8';
import { crc32 } from 'node:zlib';
import { SluiceError } from '../errors.ts';
import type { KeyType } from './key-groups.ts';
import { type EncodedColumn, packColumn, unpackColumn } from './snapshot-columns.ts';

/**
 * Version of the keyed-state snapshot format written by {@link encodeKeyGroupSnapshots}. Readers
 * accept every version up to this one; a newer one fails with `SNAPSHOT_INCOMPATIBLE`.
 * Version 1: every column a `node:v8` array. Version 2: regular columns packed (typed arrays,
 * runs of one value, dictionaries, records: snapshot-columns.ts), the same data decoded.
 */
export const KEYED_STATE_SNAPSHOT_VERSION = 2;

/**
 * The entries of one namespace of one state in one key group, as parallel columns: entry `i` is
 * `(keys[i], namespace, values[i])`. Columns instead of one tuple per entry: fewer objects to
 * build, serialize and collect.
 *
 * @example
 * ```ts
 * const ns: NamespaceSnapshot = { namespace: '0:60000', keys: ['alice'], values: [[1, 2]] };
 * ```
 */
export interface NamespaceSnapshot {
  /** '' for plain keyed state; a window id (`start:end`) for window state. */
  readonly namespace: string;
  readonly keys: readonly KeyType[];
  /** Structured-cloneable values (`node:v8` serializes them). */
  readonly values: readonly unknown[];
  /** With TTL only: when each value was last written (or read), in the injected clock's ms. */
  readonly touchedAt?: readonly number[];
}

/**
 * One named state of one key group.
 * @example
 * ```ts
 * const state: StateSnapshot = { name: 'count', ttl: false, namespaces: [{ namespace: '', keys: ['a'], values: [3] }] };
 * ```
 */
export interface StateSnapshot {
  readonly name: string;
  /** Whether the state had TTL: its namespaces then carry `touchedAt`, so expiry survives restore. */
  readonly ttl: boolean;
  readonly namespaces: readonly NamespaceSnapshot[];
}

/**
 * Timers of one domain of one key group, as parallel columns: timer `i` fires for `keys[i]` in the
 * namespace with id `namespaces[i]` at `timestamps[i]`.
 * @example
 * ```ts
 * const t: TimerEntriesSnapshot = { keys: ['a'], namespaces: ['0:60000'], timestamps: [59_999] };
 * ```
 */
export interface TimerEntriesSnapshot {
  readonly keys: readonly KeyType[];
  readonly namespaces: readonly string[];
  readonly timestamps: readonly number[];
}

/**
 * The timers of one named timer service in one key group.
 * @example
 * ```ts
 * const none = { keys: [], namespaces: [], timestamps: [] };
 * const t: TimerServiceSnapshot = { name: 'window-timers', eventTime: none, processingTime: none };
 * ```
 */
export interface TimerServiceSnapshot {
  readonly name: string;
  readonly eventTime: TimerEntriesSnapshot;
  readonly processingTime: TimerEntriesSnapshot;
}

/**
 * Everything one key group holds: the unit of keyed snapshots and of rescaling (a job restored
 * with another parallelism hands each key group to its new owner). Backend-independent plain data.
 *
 * @example
 * ```ts
 * const bytes = encodeKeyGroupSnapshots(snapshots);
 * decodeKeyGroupSnapshots(bytes); // equal to snapshots
 * ```
 */
export interface KeyGroupSnapshot {
  readonly keyGroup: number;
  /** Key groups are only meaningful for the same maxParallelism; restore checks it. */
  readonly maxParallelism: number;
  readonly states: readonly StateSnapshot[];
  readonly timers: readonly TimerServiceSnapshot[];
}

/** Runtime use: timers whose columns may be packed already (the heap snapshot builds runs). */
export interface EncodableTimerEntries {
  readonly keys: EncodedColumn;
  readonly namespaces: EncodedColumn;
  readonly timestamps: EncodedColumn;
}

/**
 * Runtime use: what {@link KeyGroupSnapshotEncoder.add} takes, a {@link KeyGroupSnapshot} or one
 * whose timer columns are packed already.
 */
export interface EncodableKeyGroup {
  readonly keyGroup: number;
  readonly maxParallelism: number;
  readonly states: readonly StateSnapshot[];
  readonly timers: readonly {
    readonly name: string;
    readonly eventTime: EncodableTimerEntries;
    readonly processingTime: EncodableTimerEntries;
  }[];
}

// Header: magic 'SLKS', u16 format version, u32 CRC-32 of the payload; then the v8 payload.
const MAGIC = 0x534c4b53;
const HEADER_BYTES = 10;

/**
 * Encodes key-group snapshots to bytes: a header (magic, format version, CRC-32) and the
 * snapshots serialized with `node:v8` (bigint keys, Maps, Sets and Dates survive as they are),
 * their regular columns packed first (numbers as typed arrays, repeated strings as a dictionary,
 * flat records as a column per field: snapshot-columns.ts). The encoding is a deep copy: once
 * encoded, later state writes cannot change it.
 *
 * @example
 * ```ts
 * const bytes = encodeKeyGroupSnapshots(snapshots);
 * const again = decodeKeyGroupSnapshots(bytes);
 * ```
 */
export function encodeKeyGroupSnapshots(snapshots: readonly KeyGroupSnapshot[]): Uint8Array {
  let payload: Buffer;
  try {
    payload = serialize(snapshots.map(packGroup));
  } catch (cause) {
    throw unserializable(cause);
  }
  const out = new Uint8Array(HEADER_BYTES + payload.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, MAGIC);
  view.setUint16(4, KEYED_STATE_SNAPSHOT_VERSION);
  view.setUint32(6, crc32(payload));
  out.set(payload, HEADER_BYTES);
  return out;
}

/** The error of state that `node:v8` cannot serialize. */
export function unserializable(cause: unknown): SluiceError {
  return new SluiceError(
    'INVALID_ARGUMENT',
    `Keyed state could not be serialized: ${cause instanceof Error ? cause.message : String(cause)}. ` +
      'State values must be structured-cloneable data (no functions, class instances lose their prototype).',
    { cause },
  );
}

// The v8 wire format of the list that holds the key groups (a dense array): 'A', the length as a
// varint, the elements, then '$', the number of named properties (0) and the length again.
const BEGIN_DENSE_ARRAY = 0x41;
const END_DENSE_ARRAY = 0x24;

function varint(n: number): number[] {
  const bytes: number[] = [];
  let rest = n;
  while (rest >= 0x80) {
    bytes.push((rest & 0x7f) | 0x80);
    rest >>>= 7;
  }
  bytes.push(rest);
  return bytes;
}

let v8Header: Buffer | undefined;

/** {@link KeyGroupSnapshotEncoder.finishStep} copies and checksums this much between looks at its budget. */
const FINISH_PIECE_BYTES = 1 << 20;
const EMPTY = Buffer.alloc(0);

/**
 * Writes the same bytes as {@link encodeKeyGroupSnapshots} one key group at a time, so that a
 * large snapshot can be encoded in slices between other work (the heap backend's asynchronous
 * snapshot). One `node:v8` serializer writes every key group, so objects shared between key
 * groups are written once and referenced after, exactly as in one `serialize` of the whole list;
 * the list's own framing is written around the groups at the end, when their number is known.
 * {@link finish} copies the groups' bytes into one array and computes the CRC (about 1 ms per MB
 * in all); {@link finishStep} does the same in steps, so that a large snapshot's end does not
 * hold the thread for the whole copy. (Two-byte strings may be padded differently
 * from one `serialize` call: the bytes then differ, the decoded snapshots do not.)
 *
 * With `reserve`, the result starts with that many zero bytes for the caller to fill (a file's
 * own header), and the snapshot is `bytes.subarray(reserve)`: a file of both is written without
 * copying the snapshot again.
 *
 * @example
 * ```ts
 * const encoder = new KeyGroupSnapshotEncoder();
 * for (const group of snapshots) encoder.add(group);
 * const bytes = encoder.finish(); // equals encodeKeyGroupSnapshots(snapshots)
 * ```
 */
export class KeyGroupSnapshotEncoder {
  private readonly reserve: number;
  private readonly serializer = new DefaultSerializer();
  private readonly chunks: Buffer[] = [];
  private bytes = 0;
  private count = 0;
  private finished = false;
  // While finishing in steps: the result, where the next byte goes, the chunk (index, offset) to
  // copy next, and the CRC so far.
  private out: Uint8Array | undefined;
  private at = 0;
  private chunkIndex = 0;
  private chunkOffset = 0;
  private crc = 0;

  constructor(options: { readonly reserve?: number } = {}) {
    const reserve = options.reserve ?? 0;
    if (!Number.isSafeInteger(reserve) || reserve < 0) {
      throw new SluiceError('INVALID_ARGUMENT', `reserve must be a non-negative integer; got ${reserve}`);
    }
    this.reserve = reserve;
    // The list is object #0 of the stream: give the serializer an object to number 0 (and drop
    // its bytes), so references to objects shared between key groups carry the ids the decoder
    // assigns.
    this.serializer.writeValue({});
    this.serializer.releaseBuffer();
  }

  /** Number of key groups added. */
  get size(): number {
    return this.count;
  }

  /** Appends one key group (a deep copy: later changes to its values are not seen). */
  add(snapshot: EncodableKeyGroup): void {
    if (this.finished) throw new SluiceError('ILLEGAL_STATE', 'The key-group snapshot encoder has already finished.');
    try {
      this.serializer.writeValue(packGroup(snapshot));
    } catch (cause) {
      this.finished = true; // the serializer's stream is broken now
      throw unserializable(cause);
    }
    const chunk = this.serializer.releaseBuffer();
    this.bytes += chunk.length;
    this.chunks.push(chunk);
    this.count++;
  }

  /** The encoded snapshot: header, framing and every key group added, in order. */
  finish(): Uint8Array {
    return this.finishStep(Number.POSITIVE_INFINITY) as Uint8Array;
  }

  /**
   * Writes part of the encoded snapshot (the same bytes as {@link finish}): copies the groups'
   * bytes into the result and extends its CRC, about `maxBytes` at a time (in pieces of at most
   * 1 MiB, at least one), and returns the bytes once everything is written, else
   * `undefined` (call again). No group can be added after the first call.
   *
   * @example
   * ```ts
   * let bytes: Uint8Array | undefined;
   * while ((bytes = encoder.finishStep(4 << 20)) === undefined) await setImmediate();
   * ```
   */
  finishStep(maxBytes: number): Uint8Array | undefined {
    let out = this.out;
    if (out === undefined) {
      if (this.finished) throw new SluiceError('ILLEGAL_STATE', 'The key-group snapshot encoder has already finished.');
      this.finished = true;
      if (v8Header === undefined) {
        const s = new DefaultSerializer();
        s.writeHeader();
        v8Header = s.releaseBuffer();
      }
      const prefix = Buffer.from([...v8Header, BEGIN_DENSE_ARRAY, ...varint(this.count)]);
      const suffix = Buffer.from([END_DENSE_ARRAY, 0, ...varint(this.count)]);
      this.chunks.unshift(prefix);
      this.chunks.push(suffix);
      out = new Uint8Array(this.reserve + HEADER_BYTES + prefix.length + this.bytes + suffix.length);
      this.out = out;
      this.at = this.reserve + HEADER_BYTES;
    }
    // Each piece: a copy, then the CRC over what was just copied (still in cache).
    let budget = maxBytes;
    do {
      const chunk = this.chunks[this.chunkIndex];
      if (chunk === undefined) break;
      const n = Math.min(chunk.length - this.chunkOffset, FINISH_PIECE_BYTES);
      const piece = chunk.subarray(this.chunkOffset, this.chunkOffset + n);
      out.set(piece, this.at);
      this.crc = crc32(piece, this.crc);
      this.at += n;
      this.chunkOffset += n;
      if (this.chunkOffset === chunk.length) {
        this.chunks[this.chunkIndex++] = EMPTY; // copied: its memory can go
        this.chunkOffset = 0;
      }
      budget -= n;
    } while (budget > 0);
    if (this.chunkIndex < this.chunks.length) return undefined;
    this.chunks.length = 0;
    const view = new DataView(out.buffer, this.reserve);
    view.setUint32(0, MAGIC);
    view.setUint16(4, KEYED_STATE_SNAPSHOT_VERSION);
    view.setUint32(6, this.crc);
    this.out = undefined;
    return out;
  }
}

/**
 * Decodes bytes written by {@link encodeKeyGroupSnapshots}. Damaged bytes fail with
 * `CORRUPT_CHECKPOINT`, a newer format version with `SNAPSHOT_INCOMPATIBLE`.
 *
 * @example
 * ```ts
 * const snapshots = decodeKeyGroupSnapshots(await readFile(path));
 * ```
 */
export function decodeKeyGroupSnapshots(bytes: Uint8Array): KeyGroupSnapshot[] {
  if (bytes.length < HEADER_BYTES) corrupt(`it is ${bytes.length} bytes long, shorter than the header`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (view.getUint32(0) !== MAGIC) corrupt('it does not start with the keyed-state snapshot marker');
  const version = view.getUint16(4);
  if (version > KEYED_STATE_SNAPSHOT_VERSION) {
    throw new SluiceError(
      'SNAPSHOT_INCOMPATIBLE',
      `The keyed-state snapshot has format version ${version}; this Sluice reads up to ${KEYED_STATE_SNAPSHOT_VERSION}. ` +
        'Restore it with the Sluice version that wrote it, or a newer one.',
    );
  }
  const payload = bytes.subarray(HEADER_BYTES);
  if (crc32(payload) !== view.getUint32(6)) corrupt('its checksum does not match (truncated or damaged)');
  let decoded: unknown;
  try {
    decoded = deserialize(payload);
  } catch (cause) {
    corrupt(`it cannot be deserialized (${cause instanceof Error ? cause.message : String(cause)})`, cause);
  }
  if (version >= 2) unpackGroups(decoded);
  validate(decoded);
  return decoded;
}

/** A key group with its columns packed (format version 2): what the encoder writes. */
function packGroup(group: EncodableKeyGroup): unknown {
  const packedKeys: PackedKeys[] = [];
  return {
    keyGroup: group.keyGroup,
    maxParallelism: group.maxParallelism,
    states: group.states.map((state) => ({
      name: state.name,
      ttl: state.ttl,
      namespaces: state.namespaces.map((ns) => {
        const keys = packColumn(ns.keys);
        if (keys !== ns.keys) packedKeys.push({ raw: ns.keys, packed: keys });
        const packed = { namespace: ns.namespace, keys, values: packColumn(ns.values) };
        return ns.touchedAt === undefined ? packed : { ...packed, touchedAt: packColumn(ns.touchedAt) };
      }),
    })),
    timers: group.timers.map((t) => ({
      name: t.name,
      eventTime: packTimers(t.eventTime, packedKeys),
      processingTime: packTimers(t.processingTime, packedKeys),
    })),
  };
}

/** A state's keys column of a key group, and what it was packed to. */
interface PackedKeys {
  readonly raw: readonly unknown[];
  readonly packed: EncodedColumn;
}

function packTimers(t: EncodableTimerEntries, stateKeys: readonly PackedKeys[]): unknown {
  return {
    keys: sameKeys(t.keys, stateKeys) ?? packColumn(t.keys),
    namespaces: packColumn(t.namespaces),
    timestamps: packColumn(t.timestamps),
  };
}

/**
 * The packed keys column of a state equal to `keys`, element by element, if there is one. A
 * window's cleanup timers have the same keys as its state, in the same order: the timers then
 * share the state's packed column, which `node:v8` writes once and refers to after (a third less
 * bytes for a count per key and window).
 */
function sameKeys(keys: EncodedColumn, stateKeys: readonly PackedKeys[]): EncodedColumn | undefined {
  if (!Array.isArray(keys)) return undefined;
  const column: readonly unknown[] = keys;
  search: for (const { raw, packed } of stateKeys) {
    if (raw.length !== column.length) continue;
    for (let i = 0; i < column.length; i++) if (!Object.is(raw[i], column[i])) continue search;
    return packed;
  }
  return undefined;
}

type Writable<T> = { -readonly [K in keyof T]: T[K] };

/** Unpacks the columns of decoded version-2 key groups in place; a malformed column is corruption. */
function unpackGroups(decoded: unknown): void {
  if (!Array.isArray(decoded)) corrupt('its payload is not a list of key groups');
  try {
    for (const group of decoded as KeyGroupSnapshot[]) {
      for (const state of group?.states ?? []) {
        for (const ns of (state?.namespaces ?? []) as Writable<NamespaceSnapshot>[]) {
          ns.keys = unpackColumn(ns.keys) as KeyType[];
          ns.values = unpackColumn(ns.values);
          if (ns.touchedAt !== undefined) ns.touchedAt = unpackColumn(ns.touchedAt) as number[];
        }
      }
      for (const service of group?.timers ?? []) {
        for (const t of [service?.eventTime, service?.processingTime] as Writable<TimerEntriesSnapshot>[]) {
          if (t === undefined) continue;
          t.keys = unpackColumn(t.keys) as KeyType[];
          t.namespaces = unpackColumn(t.namespaces) as string[];
          t.timestamps = unpackColumn(t.timestamps) as number[];
        }
      }
    }
  } catch (cause) {
    corrupt(`a packed column cannot be read (${cause instanceof Error ? cause.message : String(cause)})`, cause);
  }
}

function corrupt(reason: string, cause?: unknown): never {
  throw new SluiceError(
    'CORRUPT_CHECKPOINT',
    `A keyed-state snapshot is corrupt: ${reason}. Restore from an earlier checkpoint or savepoint.`,
    { cause, retriable: false },
  );
}

/** Shape checks, O(key groups + namespaces): every column must line up. */
function validate(decoded: unknown): asserts decoded is KeyGroupSnapshot[] {
  if (!Array.isArray(decoded)) corrupt('its payload is not a list of key groups');
  for (const group of decoded as Partial<KeyGroupSnapshot>[]) {
    if (
      typeof group !== 'object' ||
      group === null ||
      !Number.isInteger(group.keyGroup) ||
      !Number.isInteger(group.maxParallelism) ||
      !Array.isArray(group.states) ||
      !Array.isArray(group.timers)
    ) {
      corrupt('a key group entry lacks keyGroup, maxParallelism, states or timers');
    }
    for (const state of group.states as StateSnapshot[]) {
      if (typeof state?.name !== 'string' || typeof state.ttl !== 'boolean' || !Array.isArray(state.namespaces)) {
        corrupt('a state lacks its name, TTL flag or namespaces');
      }
      for (const ns of state.namespaces) {
        const n = ns?.keys?.length;
        const aligned =
          typeof ns?.namespace === 'string' &&
          Array.isArray(ns.keys) &&
          Array.isArray(ns.values) &&
          ns.values.length === n &&
          (state.ttl ? Array.isArray(ns.touchedAt) && ns.touchedAt.length === n : ns.touchedAt === undefined);
        if (!aligned) corrupt(`the columns of state '${state.name}' do not line up`);
      }
    }
    for (const timers of group.timers as TimerServiceSnapshot[]) {
      for (const t of [timers?.eventTime, timers?.processingTime]) {
        const n = t?.keys?.length;
        if (
          typeof timers?.name !== 'string' ||
          !Array.isArray(t?.keys) ||
          t.namespaces?.length !== n ||
          t.timestamps?.length !== n
        ) {
          corrupt(`the timer columns of '${String(timers?.name)}' do not line up`);
        }
      }
    }
  }
}
