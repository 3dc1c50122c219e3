/**
 * Packed columns of the keyed-state snapshot format (version 2): before a key group is written
 * with `node:v8`, each of its columns (keys, values, TTL times, timer keys, namespaces and
 * timestamps) that has a regular shape is replaced by a compact form, so that a million small
 * entries cost a few typed-array copies instead of a million tagged values:
 *
 * - `same`: every element is the same primitive (a window's namespace, its timers' timestamp);
 * - `i32` / `f64`: every element is a number (an `Int32Array` when they are all 32-bit integers);
 * - `dict`: strings with few distinct values, as the distinct values and an index per element;
 * - `rec`: plain objects (prototype `Object.prototype`) that all have the same own keys, in the
 *   same order, holding primitives only (`{ n: 3, sum: 1.5 }`), as one packed column per key.
 *
 * Anything else stays a plain array that `node:v8` writes element by element, as in version 1.
 * Unpacking restores arrays equal to the originals (`-0`, `NaN`, `undefined` and `null` kept).
 * Plain objects packed as records come back as equal but distinct objects: objects shared between
 * entries are not shared after a restore (version 1 kept such sharing inside one snapshot).
 */

/** A column as written: a plain array, or one of the packed forms. */
export type EncodedColumn = readonly unknown[] | PackedColumn;

/** The packed forms (see the module comment). The tag `p` tells them apart from arrays. */
export type PackedColumn =
  | { readonly p: 'same'; readonly v: unknown; readonly n: number }
  | { readonly p: 'i32'; readonly d: Int32Array }
  | { readonly p: 'f64'; readonly d: Float64Array }
  | { readonly p: 'dict'; readonly u: readonly string[]; readonly i: Uint8Array | Uint16Array | Uint32Array }
  | { readonly p: 'rec'; readonly f: readonly string[]; readonly c: readonly EncodedColumn[]; readonly n: number };

/** Below this many elements a column stays an array: packing would not pay. */
const MIN_PACKED = 8;

/**
 * The compact form of `column` when it has one, else `column` itself (also when it is packed
 * already). Reads each element once or twice; allocates the typed arrays and, for records, one
 * array per key.
 *
 * @example
 * ```ts
 * packColumn([1, 2, 3, 4, 5, 6, 7, 8]); // { p: 'i32', d: Int32Array [1 … 8] }
 * ```
 */
export function packColumn(encoded: EncodedColumn): EncodedColumn {
  if (!Array.isArray(encoded)) return encoded;
  const column: readonly unknown[] = encoded;
  const n = column.length;
  if (n < MIN_PACKED) return column;
  const first = column[0];
  switch (typeof first) {
    case 'number':
      return packNumbers(column, first);
    case 'string':
      return packStrings(column, first);
    case 'object':
      return first === null ? packSame(column, first) : packRecords(column, first);
    case 'boolean':
    case 'undefined':
    case 'bigint':
      return packSame(column, first);
    default:
      return column;
  }
}

/**
 * The array a column stands for (a new array for packed forms, `column` itself for arrays);
 * throws a `TypeError` on anything else, which the decoder reports as a corrupt snapshot.
 *
 * @example
 * ```ts
 * unpackColumn(packColumn(values)); // equal to values
 * ```
 */
export function unpackColumn(column: unknown): unknown[] {
  if (Array.isArray(column)) return column;
  const packed = column as PackedColumn;
  switch (packed?.p) {
    case 'same':
      return new Array<unknown>(checkedLength(packed.n)).fill(packed.v);
    case 'i32':
    case 'f64':
      return Array.from(packed.d as ArrayLike<number>);
    case 'dict': {
      const { u, i } = packed;
      const out = new Array<unknown>(i.length);
      for (let j = 0; j < i.length; j++) {
        const v = u[i[j] as number];
        if (v === undefined) throw new TypeError('a dictionary index is out of range');
        out[j] = v;
      }
      return out;
    }
    case 'rec':
      return unpackRecords(packed.f, packed.c, checkedLength(packed.n));
    default:
      throw new TypeError('a column is neither an array nor a packed column');
  }
}

function checkedLength(n: unknown): number {
  if (!Number.isSafeInteger(n) || (n as number) < 0 || (n as number) > 2 ** 32 - 1) {
    throw new TypeError('a packed column has an invalid length');
  }
  return n as number;
}

function packSame(column: readonly unknown[], first: unknown): EncodedColumn {
  for (let j = 1; j < column.length; j++) if (column[j] !== first) return column;
  return { p: 'same', v: first, n: column.length };
}

function packNumbers(column: readonly unknown[], first: number): EncodedColumn {
  const n = column.length;
  // -0 equals 0 under ===: only a non-zero first value can start a `same` run.
  let same = first !== 0;
  // One pass while every value is an int32 (-0 is not: it needs a double to survive).
  const ints = new Int32Array(n);
  let j = 0;
  for (; j < n; j++) {
    const v = column[j];
    if (typeof v !== 'number') return column;
    const i = v | 0;
    if (i !== v || (v === 0 && 1 / v < 0)) break;
    ints[j] = i;
    if (same && v !== first) same = false;
  }
  if (j === n) return same ? { p: 'same', v: first, n } : { p: 'i32', d: ints };
  const d = new Float64Array(n);
  for (let k = 0; k < j; k++) d[k] = ints[k] as number;
  for (; j < n; j++) {
    const v = column[j];
    if (typeof v !== 'number') return column;
    d[j] = v;
    if (same && v !== first) same = false;
  }
  return same ? { p: 'same', v: first, n } : { p: 'f64', d };
}

function packStrings(column: readonly unknown[], first: string): EncodedColumn {
  const n = column.length;
  // Distinct values allowed before the column is written as it is (an index per element would
  // then save little).
  const limit = n >>> 2;
  const ids = new Map<string, number>([[first, 0]]);
  const distinct: string[] = [first];
  const index = new Uint32Array(n);
  let previous = first;
  let previousId = 0;
  for (let j = 1; j < n; j++) {
    const v = column[j];
    if (v === previous) {
      index[j] = previousId;
      continue;
    }
    if (typeof v !== 'string') return column;
    let id = ids.get(v);
    if (id === undefined) {
      if (distinct.length >= limit) return column;
      id = distinct.length;
      ids.set(v, id);
      distinct.push(v);
    }
    index[j] = id;
    previous = v;
    previousId = id;
  }
  if (distinct.length === 1) return { p: 'same', v: first, n };
  const i =
    distinct.length <= 0x100 ? Uint8Array.from(index) : distinct.length <= 0x10000 ? Uint16Array.from(index) : index;
  return { p: 'dict', u: distinct, i };
}

function packRecords(column: readonly unknown[], first: object): EncodedColumn {
  if (Object.getPrototypeOf(first) !== Object.prototype) return column;
  const fields: string[] = [];
  for (const k in first) fields.push(k);
  // '__proto__' as an own key cannot be restored by assignment.
  if (fields.length === 0 || fields.length > MAX_RECORD_FIELDS || fields.includes('__proto__')) return column;
  const columns = fields.map((): unknown[] => []);
  if (!recordReader(fields)(column, columns)) return column;
  return { p: 'rec', f: fields, c: columns.map(packColumn), n: column.length };
}

/**
 * Appends each field of a column of flat records with these fields to its column of `columns`
 * (one empty array per field); false when a record does not fit.
 */
type RecordReader = (column: readonly unknown[], columns: unknown[][]) => boolean;

/** Records read per chunk by a generated reader (see {@link recordReader}). */
const READ_CHUNK = 64;
/** Records with more fields stay as they are (bounded generated code). */
const MAX_RECORD_FIELDS = 64;
const recordReaders = new Map<string, RecordReader>();

/**
 * A reader per field list, generated so that each field is a named load into its own column
 * (~1.3x faster than a keyed load per for-in key in the checkpoint benchmark). A record fits when its prototype is
 * Object.prototype, its for-in keys are exactly `fields` in order (the prototype has none), and no
 * field holds an object, a function or a symbol. Columns are filled by push: packed (not holey)
 * arrays, which `node:v8` writes densely.
 */
function recordReader(fields: readonly string[]): RecordReader {
  const id = JSON.stringify(fields);
  let reader = recordReaders.get(id);
  if (reader !== undefined) return reader;
  const check = (f: number): string =>
    `if ((typeof x${f} === 'object' && x${f} !== null) || typeof x${f} === 'function' || typeof x${f} === 'symbol') return false; ` +
    `c${f}.push(x${f});`;
  const lines = fields.map((k, f) =>
    f === 0 ? `const x0 = first[j - at]; ${check(0)}` : `const x${f} = v[${JSON.stringify(k)}]; ${check(f)}`,
  );
  // The records are scattered over the heap, and each check of one waits for its cache miss. So
  // the first field of a chunk of records is read in a loop of plain loads first, which the CPU
  // overlaps (~1.7x faster in all; it is the load the check would make anyway, so the getter of a
  // record that fits runs once). Nothing after the loops needs type feedback: they are optimized
  // on stack (OSR) on the first long column, before the code after them ever ran, and an array
  // literal returned there made every optimized run deoptimize at its end.
  const body = `'use strict';
    return function read(column, columns) {
      ${fields.map((_, f) => `const c${f} = columns[${f}];`).join(' ')}
      const first = new Array(${READ_CHUNK}).fill(undefined);
      for (let at = 0; at < column.length; at += ${READ_CHUNK}) {
        const end = Math.min(column.length, at + ${READ_CHUNK});
        for (let j = at; j < end; j++) {
          const v = column[j];
          first[j - at] = typeof v === 'object' && v !== null ? v[${JSON.stringify(fields[0])}] : undefined;
        }
        for (let j = at; j < end; j++) {
          const v = column[j];
          if (typeof v !== 'object' || v === null || Object.getPrototypeOf(v) !== Object.prototype) return false;
          let f = 0;
          for (const k in v) { if (f === ${fields.length} || k !== F[f]) return false; f++; }
          if (f !== ${fields.length}) return false;
          ${lines.join('\n          ')}
        }
      }
      return true;
    };`;
  reader = new Function('F', body)([...fields]) as RecordReader;
  if (recordReaders.size >= 256) recordReaders.clear(); // bounded: a stream of ever new field lists
  recordReaders.set(id, reader);
  return reader;
}

function unpackRecords(fields: unknown, columns: unknown, n: number): unknown[] {
  if (!Array.isArray(fields) || !Array.isArray(columns) || fields.length !== columns.length) {
    throw new TypeError('a record column has mismatched fields');
  }
  const values = columns.map((c) => unpackColumn(c));
  for (const v of values) if (v.length !== n) throw new TypeError('a record column has a field of another length');
  const out = new Array<unknown>(n);
  for (let j = 0; j < n; j++) {
    const record: Record<string, unknown> = {};
    for (let f = 0; f < fields.length; f++) record[fields[f] as string] = (values[f] as unknown[])[j];
    out[j] = record;
  }
  return out;
}

/**
 * Builds a column of runs of equal values (`push` the same value many times in a row) without an
 * element per push.
 *
 * @example
 * ```ts
 * const times = new RunColumn();
 * for (let i = 0; i < 1000; i++) times.push(59_999); // a thousand timers at 59,999
 * times.encoded(); // { p: 'same', v: 59_999, n: 1000 }
 * ```
 */
export class RunColumn {
  private readonly values: unknown[] = [];
  private readonly ends: number[] = [];
  private last: unknown;
  private length = 0;

  /** Appends `value`. */
  push(value: unknown): void {
    this.pushRun(value, 1);
  }

  /** Appends `value` `count` times (`count` >= 1). */
  pushRun(value: unknown, count: number): void {
    const runs = this.values.length;
    this.length += count;
    if (runs > 0 && value === this.last && (value !== 0 || 1 / (value as number) === 1 / (this.last as number))) {
      this.ends[runs - 1] = this.length;
      return;
    }
    this.values.push(value);
    this.last = value;
    this.ends.push(this.length);
  }

  /** Number of elements. */
  get size(): number {
    return this.length;
  }

  /**
   * The column in its packed form: what {@link packColumn} makes of the same elements (so a
   * snapshot does not depend on how its columns were built), without building the elements
   * when there is one run of a string or a non-zero number.
   */
  encoded(): EncodedColumn {
    const first = this.values[0];
    if (
      this.values.length === 1 &&
      this.length >= MIN_PACKED &&
      (typeof first === 'string' || (typeof first === 'number' && first !== 0))
    ) {
      return { p: 'same', v: first, n: this.length };
    }
    const column: unknown[] = []; // by push: packed, not holey (see packRecords)
    let at = 0;
    for (let r = 0; r < this.values.length; r++) {
      const value = this.values[r];
      for (const end = this.ends[r] as number; at < end; at++) column.push(value);
    }
    return packColumn(column);
  }
}
