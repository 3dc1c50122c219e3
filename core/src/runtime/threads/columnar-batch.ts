/**
 * Columnar encoding of a {@link RemoteLink} batch for the 'json' codec (runtime internal).
 *
 * A batch is a sequence of entries (op, edge, consumer, channel, payload, timestamp): records and
 * control events. The sender's {@link ColumnarEncoder} takes them one by one and writes each
 * record's fields into its shape's columns at once; on the wire the batch is one
 * {@link ColumnarBatch}:
 *
 * - one ArrayBuffer, moved with postMessage's transfer list (no copy): the timestamps (Float64,
 *   one per entry), the number fields of the records (Float64, row-major per shape), the headers
 *   (Int32, 4 per entry: wire op, edge, consumer, channel) and the boolean fields (Uint8);
 * - the string fields of the records, as one JSON array (JSON.parse makes fresh strings; a
 *   joined string cut with slice() decodes 4x faster but every slice of 13+ characters would pin
 *   its whole batch in memory for as long as an operator keeps it in state; structured clone of a
 *   string array is 1.5x slower than JSON);
 * - one JSON string with every other payload, in entry order: control payloads (watermarks,
 *   barriers, splits, triggers, ...) and the record values that fit no shape.
 *
 * A record value fits a shape when it is a plain object (prototype Object.prototype or null)
 * whose own enumerable keys are exactly the shape's keys, in the same order, each holding a finite
 * number, a string or a boolean of the shape's type; or a finite number, string or boolean itself.
 * Up to {@link MAX_SHAPES} shapes per batch; a record's shape is its wire op
 * ({@link WIRE_SHAPE_BASE} + index). Everything else takes the JSON route, so the decoded batch
 * is what `JSON.parse(JSON.stringify(entries))` gave, value for value: numbers that JSON would turn
 * into null (NaN, ±Infinity) are not columnar, and -0 becomes 0 as in JSON. Timestamps (and the
 * small-integer headers) are carried exactly, so a NaN or -0 timestamp survives (JSON made them
 * null and 0).
 *
 * The receiver's {@link ColumnarDecoder} hands the entries to a {@link BatchReceiver} one by one,
 * building each record by one generated function per shape that returns an object literal, so all
 * records of a shape share one hidden class, as they did on the sender; integral numbers come out
 * as small integers, as they were on the sender (see `Shape.makeBody`).
 */

import { SluiceError } from '../../errors.ts';

const OP_RECORD = 0;
/** Wire ops at or above this are records whose value is columnar, of shape `op - WIRE_SHAPE_BASE`. */
export const WIRE_SHAPE_BASE = 16;
/** Shapes per batch; records of further shapes take the JSON route. */
export const MAX_SHAPES = 16;
/** Objects with more keys than this take the JSON route (bounded generated code). */
const MAX_FIELDS = 64;

/** A batch as sent between threads by the 'json' codec (see the module comment). */
export interface ColumnarBatch {
  /** Number of entries. */
  readonly n: number;
  /** Timestamps, number fields, headers, boolean fields (see {@link layout}). */
  readonly buf: ArrayBuffer;
  /** Signatures of the shapes used, by index; empty when no record is columnar. */
  readonly shapes: readonly string[];
  /** Records per shape, by index. */
  readonly counts: readonly number[];
  /** JSON array of the string fields of every shape, shape by shape, row-major; null when there are none. */
  readonly strings: string | null;
  /** JSON array of the payloads of the other entries, in order; null when there are none. */
  readonly json: string | null;
}

/** True for the object form of a batch (as opposed to a flat array, a JSON string or a credit). */
export function isColumnarBatch(message: unknown): message is ColumnarBatch {
  return typeof message === 'object' && message !== null && (message as { buf?: unknown }).buf instanceof ArrayBuffer;
}

type FieldType = 'n' | 's' | 'b';

/** Checks a value against the shape and, if it fits, writes it as row `row` of the scratch columns. */
type WriteFn = (v: unknown, row: number, nums: Float64Array, strs: string[], bools: Uint8Array) => boolean;
/** Builds a value of the shape from its row in the received columns. */
type MakeFn = (
  nums: Float64Array,
  ni: number,
  strs: readonly string[],
  si: number,
  bools: Uint8Array,
  bi: number,
) => unknown;

/** A shape: keys (null for a bare number/string/boolean) and the type of each field. */
class Shape {
  readonly signature: string;
  readonly keys: readonly string[] | null;
  readonly types: readonly FieldType[];
  readonly numbers: number;
  readonly strings: number;
  readonly booleans: number;
  constructor(signature: string, keys: readonly string[] | null, types: readonly FieldType[]) {
    this.signature = signature;
    this.keys = keys;
    this.types = types;
    this.numbers = types.filter((t) => t === 'n').length;
    this.strings = types.filter((t) => t === 's').length;
    this.booleans = types.filter((t) => t === 'b').length;
  }

  static signatureOf(keys: readonly string[] | null, types: readonly FieldType[]): string {
    return keys === null ? types.join('') : `${types.join('')}|${JSON.stringify(keys)}`;
  }

  static parse(signature: string): Shape {
    const bar = signature.indexOf('|');
    const types = [...(bar < 0 ? signature : signature.slice(0, bar))] as FieldType[];
    const keys = bar < 0 ? null : (JSON.parse(signature.slice(bar + 1)) as string[]);
    if (types.some((t) => t !== 'n' && t !== 's' && t !== 'b') || (keys !== null && keys.length !== types.length)) {
      throw new SluiceError('ILLEGAL_STATE', `Bad columnar shape signature from another thread: ${signature}`);
    }
    return new Shape(signature, keys, types);
  }

  /**
   * The body of a function building a value of this shape from its row. Numbers that are small
   * integers come out as small integers: read from a Float64Array they are doubles, and a double
   * stored into a field turns that field of every object of the hidden class in this isolate
   * into a boxed number (the locally made records included), where the sender had small integers.
   * (-0 cannot arrive in a field: the encoder writes `x + 0`, as JSON makes it 0.)
   */
  private makeBody(): string {
    let n = 0;
    let s = 0;
    let b = 0;
    const lines: string[] = [];
    const values = this.types.map((t, i) => {
      if (t === 's') return `strs[si + ${s++}]`;
      if (t === 'b') return `bools[bi + ${b++}] === 1`;
      lines.push(`const v${i} = nums[ni + ${n++}];`);
      return `((v${i} | 0) === v${i} ? v${i} | 0 : v${i})`;
    });
    const result =
      this.keys === null
        ? (values[0] as string)
        : `{${this.keys.map((k, i) => `${JSON.stringify(k)}: ${values[i]}`).join(', ')}}`;
    return `${lines.join(' ')} return ${result};`;
  }

  compileMake(): MakeFn {
    return new Function('nums', 'ni', 'strs', 'si', 'bools', 'bi', `'use strict'; ${this.makeBody()}`) as MakeFn;
  }

  compileWrite(): WriteFn {
    const lines: string[] = ["'use strict';"];
    const stores: string[] = [];
    let n = 0;
    let s = 0;
    let b = 0;
    const check = (x: string, t: FieldType) =>
      t === 'n'
        ? `if (typeof ${x} !== 'number' || ${x} - ${x} !== 0) return false;`
        : t === 's'
          ? `if (typeof ${x} !== 'string') return false;`
          : `if (typeof ${x} !== 'boolean') return false;`;
    const store = (x: string, t: FieldType) =>
      t === 'n'
        ? `nums[row * ${this.numbers} + ${n++}] = ${x} + 0;` // -0 + 0 is 0, as JSON makes it
        : t === 's'
          ? `strs[row * ${this.strings} + ${s++}] = ${x};`
          : `bools[row * ${this.booleans} + ${b++}] = ${x} ? 1 : 0;`;
    if (this.keys === null) {
      lines.push(check('v', this.types[0] as FieldType), store('v', this.types[0] as FieldType), 'return true;');
    } else {
      lines.push(
        "if (typeof v !== 'object' || v === null) return false;",
        'const p = Object.getPrototypeOf(v);',
        'if (p !== Object.prototype && p !== null) return false;',
        'let k = 0;',
        // for-in is exactly the own enumerable string keys here (the prototype has none), in JSON's order
        'for (const key in v) { if (key !== K[k]) return false; k++; }',
        `if (k !== ${this.keys.length}) return false;`,
      );
      this.keys.forEach((key, i) => {
        const t = this.types[i] as FieldType;
        lines.push(`const x${i} = v[${JSON.stringify(key)}];`, check(`x${i}`, t));
        stores.push(store(`x${i}`, t));
      });
      lines.push(...stores, 'return true;');
    }
    const factory = new Function('K', `return function write(v, row, nums, strs, bools) { ${lines.join('\n')} };`);
    return factory(this.keys ?? []) as WriteFn;
  }

  /** The shape of `v`, if it can have one. */
  static infer(v: unknown): { keys: string[] | null; types: FieldType[] } | undefined {
    const t = typeOf(v);
    if (t !== undefined) return { keys: null, types: [t] };
    if (typeof v !== 'object' || v === null) return undefined;
    const p = Object.getPrototypeOf(v);
    if (p !== Object.prototype && p !== null) return undefined;
    const keys = Object.keys(v);
    if (keys.length === 0 || keys.length > MAX_FIELDS || keys.includes('__proto__')) return undefined;
    const types: FieldType[] = [];
    for (const k of keys) {
      const ft = typeOf((v as Record<string, unknown>)[k]);
      if (ft === undefined) return undefined;
      types.push(ft);
    }
    return { keys, types };
  }
}

function typeOf(x: unknown): FieldType | undefined {
  return typeof x === 'number' ? 'n' : typeof x === 'string' ? 's' : typeof x === 'boolean' ? 'b' : undefined;
}

/** A shape's encoder state: its generated writer and reusable scratch columns. */
class ShapeWriter {
  readonly write: WriteFn;
  nums: Float64Array;
  strs: string[] = [];
  bools: Uint8Array;
  /** Rows written in the current batch. */
  count = 0;
  /** Index in the current batch's shape list, valid while `epoch` is the encoder's. */
  index = 0;
  epoch = -1;
  private capacity = 0;
  readonly shape: Shape;

  constructor(shape: Shape) {
    this.shape = shape;
    this.write = shape.compileWrite();
    this.nums = new Float64Array(0);
    this.bools = new Uint8Array(0);
  }

  /** Makes room for one more row. */
  reserve(): void {
    if (this.count < this.capacity) return;
    const capacity = Math.max(64, this.capacity * 2);
    const nums = new Float64Array(capacity * this.shape.numbers);
    nums.set(this.nums);
    const bools = new Uint8Array(capacity * this.shape.booleans);
    bools.set(this.bools);
    this.nums = nums;
    this.bools = bools;
    this.capacity = capacity;
  }
}

/**
 * Where a decoded batch goes, entry by entry, in order (the task loop's side of a link). The
 * sender's {@link ColumnarEncoder} takes the same calls.
 */
export interface BatchReceiver {
  record(edge: number, consumer: number, channel: number, value: unknown, timestamp: number): void;
  /** A control entry (watermark, idleness, end of input, barrier, ...): `op` is its opcode. */
  control(op: number, edge: number, consumer: number, channel: number, payload: unknown): void;
}

/**
 * A timestamp as a small integer when it is one, -0 excepted (timestamps travel exactly): see
 * `Shape.makeBody` for why.
 */
function smi(t: number): number {
  return (t | 0) === t && (t !== 0 || 1 / t > 0) ? t | 0 : t;
}

/**
 * Builds {@link ColumnarBatch}es entry by entry; one per sending link. A record's fields are
 * written into its shape's columns as it arrives (while the record is still in the CPU's cache),
 * so a batch is never held as an array of entries.
 */
export class ColumnarEncoder implements BatchReceiver {
  private readonly writers = new Map<string, ShapeWriter>();
  /** Shapes of the batch being built, by index. */
  private active: ShapeWriter[] = [];
  private epoch = 0;
  /** The shape of the last columnar record (tried first). */
  private current: ShapeWriter | undefined;
  /** Payloads that take the JSON route, in entry order. */
  private rest: unknown[] = [];
  private n = 0;
  private capacity = 0;
  private times = new Float64Array(0);
  /** 4 per entry: wire op, edge, consumer, channel. */
  private headers = new Int32Array(0);

  /** Entries in the batch being built. */
  get size(): number {
    return this.n;
  }

  record(edge: number, consumer: number, channel: number, value: unknown, timestamp: number): void {
    let w = this.current;
    if (w !== undefined) {
      w.reserve();
      if (!w.write(value, w.count, w.nums, w.strs, w.bools)) w = this.writerFor(value);
    } else {
      w = this.writerFor(value);
    }
    if (w === undefined) {
      this.rest.push(value);
      this.entry(OP_RECORD, edge, consumer, channel, timestamp);
      return;
    }
    w.count++;
    this.current = w;
    this.entry(WIRE_SHAPE_BASE + w.index, edge, consumer, channel, timestamp);
  }

  control(op: number, edge: number, consumer: number, channel: number, payload: unknown): void {
    this.rest.push(payload);
    this.entry(op, edge, consumer, channel, 0);
  }

  /**
   * The batch built so far, as one message (its buffer to be transferred); the encoder starts a
   * new batch. Throws when a payload on the JSON route is not JSON-safe (bigint, cycle); the
   * entries are dropped then too.
   */
  finish(): ColumnarBatch {
    try {
      return this.assemble(this.rest.length === 0 ? null : JSON.stringify(this.rest));
    } finally {
      this.n = 0;
      this.rest = [];
      this.active = [];
      this.current = undefined;
      this.epoch++;
    }
  }

  /** Appends an entry's header and timestamp (growing the columns). */
  private entry(op: number, edge: number, consumer: number, channel: number, timestamp: number): void {
    const e = this.n;
    if (e === this.capacity) {
      const capacity = Math.max(64, this.capacity * 2);
      const times = new Float64Array(capacity);
      times.set(this.times);
      const headers = new Int32Array(capacity * 4);
      headers.set(this.headers);
      this.times = times;
      this.headers = headers;
      this.capacity = capacity;
    }
    const h = e * 4;
    const headers = this.headers;
    headers[h] = op;
    headers[h + 1] = edge;
    headers[h + 2] = consumer;
    headers[h + 3] = channel;
    this.times[e] = timestamp;
    this.n = e + 1;
  }

  /** A writer of this batch that accepted `v` (and wrote it), or undefined: `v` takes the JSON route. */
  private writerFor(v: unknown): ShapeWriter | undefined {
    for (const w of this.active) {
      w.reserve();
      if (w.write(v, w.count, w.nums, w.strs, w.bools)) return w;
    }
    if (this.active.length >= MAX_SHAPES) return undefined;
    const inferred = Shape.infer(v);
    if (inferred === undefined) return undefined;
    const signature = Shape.signatureOf(inferred.keys, inferred.types);
    let w = this.writers.get(signature);
    if (w === undefined) {
      if (this.writers.size >= 256) this.writers.clear(); // bounded: a stream of ever new shapes
      w = new ShapeWriter(new Shape(signature, inferred.keys, inferred.types));
      this.writers.set(signature, w);
    }
    if (w.epoch === this.epoch) return undefined; // active already, and it refused `v`
    w.count = 0;
    w.strs.length = 0;
    w.reserve();
    if (!w.write(v, 0, w.nums, w.strs, w.bools)) return undefined; // e.g. a NaN field
    w.epoch = this.epoch;
    w.index = this.active.length;
    this.active.push(w);
    return w;
  }

  private assemble(json: string | null): ColumnarBatch {
    const n = this.n;
    const active = this.active;
    let numbers = 0;
    let booleans = 0;
    let strings = 0;
    for (const w of active) {
      numbers += w.count * w.shape.numbers;
      booleans += w.count * w.shape.booleans;
      strings += w.count * w.shape.strings;
    }
    const { headersAt, booleansAt, bytes } = layout(n, numbers);
    const buf = new ArrayBuffer(bytes + booleans);
    const f64 = new Float64Array(buf, 0, n + numbers);
    f64.set(this.times.subarray(0, n));
    new Int32Array(buf, headersAt, n * 4).set(this.headers.subarray(0, n * 4));
    const shapes: string[] = [];
    const counts: number[] = [];
    let strs: string[] = [];
    let ni = n;
    let bi = booleansAt;
    const u8 = booleans === 0 ? undefined : new Uint8Array(buf);
    for (const w of active) {
      shapes.push(w.shape.signature);
      counts.push(w.count);
      const nn = w.count * w.shape.numbers;
      if (nn > 0) f64.set(w.nums.subarray(0, nn), ni);
      ni += nn;
      const nb = w.count * w.shape.booleans;
      if (nb > 0) u8?.set(w.bools.subarray(0, nb), bi);
      bi += nb;
      if (w.shape.strings > 0) {
        strs =
          strs.length === 0
            ? w.strs.slice(0, w.count * w.shape.strings)
            : strs.concat(w.strs.slice(0, w.count * w.shape.strings));
      }
      w.strs.length = 0; // drop references to this batch's strings
    }
    return { n, buf, shapes, counts, strings: strings === 0 ? null : JSON.stringify(strs), json };
  }
}

/** Byte offsets in a batch's buffer: Float64 timestamps then number fields, Int32 headers, Uint8 booleans. */
function layout(n: number, numbers: number): { headersAt: number; booleansAt: number; bytes: number } {
  const headersAt = (n + numbers) * 8;
  const booleansAt = headersAt + n * 16;
  return { headersAt, booleansAt, bytes: booleansAt };
}

/** A decoded shape: its generated constructor and column widths. */
interface ShapeReader {
  readonly make: MakeFn;
  readonly numbers: number;
  readonly strings: number;
  readonly booleans: number;
}

/** Hands {@link ColumnarBatch}es to a {@link BatchReceiver}; one per receiving link (it caches shapes). */
export class ColumnarDecoder {
  private readonly readers = new Map<string, ShapeReader>();

  /** Calls `to` once per entry of `batch`, in order, building each columnar record as it goes. */
  decode(batch: ColumnarBatch, to: BatchReceiver): void {
    const n = batch.n;
    const shapes = batch.shapes;
    let numbers = 0;
    for (let k = 0; k < shapes.length; k++) {
      numbers += (batch.counts[k] as number) * this.reader(shapes[k] as string).numbers;
    }
    const { headersAt, booleansAt } = layout(n, numbers);
    const f64 = new Float64Array(batch.buf, 0, n + numbers);
    const headers = new Int32Array(batch.buf, headersAt, n * 4);
    const bools = new Uint8Array(batch.buf);
    const strs = batch.strings === null ? [] : (JSON.parse(batch.strings) as string[]);
    const rest = batch.json === null ? [] : (JSON.parse(batch.json) as unknown[]);
    // Cursors per shape (few): number, string and boolean row starts.
    const readers: ShapeReader[] = [];
    const ni: number[] = [];
    const si: number[] = [];
    const bi: number[] = [];
    let nAt = n;
    let sAt = 0;
    let bAt = booleansAt;
    for (let k = 0; k < shapes.length; k++) {
      const r = this.reader(shapes[k] as string);
      const count = batch.counts[k] as number;
      readers.push(r);
      ni.push(nAt);
      si.push(sAt);
      bi.push(bAt);
      nAt += count * r.numbers;
      sAt += count * r.strings;
      bAt += count * r.booleans;
    }
    let ri = 0;
    for (let e = 0, h = 0; e < n; e++, h += 4) {
      const op = headers[h] as number;
      const edge = headers[h + 1] as number;
      const consumer = headers[h + 2] as number;
      const channel = headers[h + 3] as number;
      if (op < WIRE_SHAPE_BASE) {
        if (op === OP_RECORD) to.record(edge, consumer, channel, rest[ri++], smi(f64[e] as number));
        else to.control(op, edge, consumer, channel, rest[ri++]);
        continue;
      }
      const k = op - WIRE_SHAPE_BASE;
      const r = readers[k] as ShapeReader;
      const a = ni[k] as number;
      const b = si[k] as number;
      const c = bi[k] as number;
      ni[k] = a + r.numbers;
      si[k] = b + r.strings;
      bi[k] = c + r.booleans;
      to.record(edge, consumer, channel, r.make(f64, a, strs, b, bools, c), smi(f64[e] as number));
    }
  }

  private reader(signature: string): ShapeReader {
    let r = this.readers.get(signature);
    if (r === undefined) {
      if (this.readers.size >= 256) this.readers.clear();
      const shape = Shape.parse(signature);
      r = { make: shape.compileMake(), numbers: shape.numbers, strings: shape.strings, booleans: shape.booleans };
      this.readers.set(signature, r);
    }
    return r;
  }
}
