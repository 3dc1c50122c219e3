/**
 * Columnar encoding of a {@link RemoteLink} batch for the 'json' codec (runtime internal).
 *
 * A batch is a flat array of 6 slots per entry: op, edge, consumer, channel, payload, timestamp.
 * On the wire it becomes one {@link ColumnarBatch}:
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
 * is what `JSON.parse(JSON.stringify(batch))` gave, value for value: numbers that JSON would turn
 * into null (NaN, ±Infinity) are not columnar, and -0 becomes 0 as in JSON. Timestamps (and the
 * small-integer headers) are carried exactly, so a NaN or -0 timestamp survives (JSON made them
 * null and 0).
 *
 * Decoded objects are built by one generated function per shape that returns an object literal,
 * so all records of a shape share one hidden class, as they did on the sender.
 */

import { SluiceError } from '../../errors.ts';

const OP_RECORD = 0;
const SLOTS = 6;
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

  /** Per field: the expression reading it from a received row. */
  private readers(): string[] {
    let n = 0;
    let s = 0;
    let b = 0;
    return this.types.map((t) =>
      t === 'n' ? `nums[ni + ${n++}]` : t === 's' ? `strs[si + ${s++}]` : `bools[bi + ${b++}] === 1`,
    );
  }

  compileMake(): MakeFn {
    const readers = this.readers();
    const body =
      this.keys === null
        ? `return ${readers[0]};`
        : `return {${this.keys.map((k, i) => `${JSON.stringify(k)}: ${readers[i]}`).join(', ')}};`;
    return new Function('nums', 'ni', 'strs', 'si', 'bools', 'bi', `'use strict'; ${body}`) as MakeFn;
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

/** Turns flat batches into {@link ColumnarBatch}es; one per sending link (it keeps scratch space). */
export class ColumnarEncoder {
  private readonly writers = new Map<string, ShapeWriter>();
  /** Shapes of the batch being encoded, by index. */
  private active: ShapeWriter[] = [];
  private epoch = 0;
  /** Payloads that take the JSON route (reused). */
  private readonly rest: unknown[] = [];
  /** Wire op per entry of the batch being encoded (reused). */
  private ops = new Int32Array(0);

  /** Encodes `entries` (`length` slots); returns the message and the buffer to transfer. */
  encode(entries: readonly unknown[], length = entries.length): ColumnarBatch {
    const n = length / SLOTS;
    this.epoch++;
    this.active = [];
    const rest = this.rest;
    rest.length = 0;
    if (this.ops.length < n) this.ops = new Int32Array(Math.max(n, this.ops.length * 2));
    const ops = this.ops;
    let current: ShapeWriter | undefined;
    for (let e = 0, i = 0; e < n; e++, i += SLOTS) {
      const op = entries[i] as number;
      if (op !== OP_RECORD) {
        ops[e] = op;
        rest.push(entries[i + 4]);
        continue;
      }
      const v = entries[i + 4];
      let w = current;
      if (w !== undefined) {
        w.reserve();
        if (!w.write(v, w.count, w.nums, w.strs, w.bools)) w = this.writerFor(v);
      } else {
        w = this.writerFor(v);
      }
      if (w === undefined) {
        ops[e] = OP_RECORD;
        rest.push(v);
        continue;
      }
      w.count++;
      ops[e] = WIRE_SHAPE_BASE + w.index;
      current = w;
    }
    return this.assemble(entries, n, ops, rest.length === 0 ? null : JSON.stringify(rest));
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

  private assemble(entries: readonly unknown[], n: number, ops: Int32Array, json: string | null): ColumnarBatch {
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
    const headers = new Int32Array(buf, headersAt, n * 4);
    for (let e = 0, i = 0, h = 0; e < n; e++, i += SLOTS, h += 4) {
      f64[e] = entries[i + 5] as number;
      headers[h] = ops[e] as number;
      headers[h + 1] = entries[i + 1] as number;
      headers[h + 2] = entries[i + 2] as number;
      headers[h + 3] = entries[i + 3] as number;
    }
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

/** Turns {@link ColumnarBatch}es back into flat batches; one per receiving link (it caches shapes). */
export class ColumnarDecoder {
  private readonly readers = new Map<string, ShapeReader>();

  decode(batch: ColumnarBatch): unknown[] {
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
    const out = new Array<unknown>(n * SLOTS);
    let ri = 0;
    for (let e = 0, o = 0, h = 0; e < n; e++, o += SLOTS, h += 4) {
      const op = headers[h] as number;
      out[o + 1] = headers[h + 1];
      out[o + 2] = headers[h + 2];
      out[o + 3] = headers[h + 3];
      out[o + 5] = f64[e];
      if (op < WIRE_SHAPE_BASE) {
        out[o] = op;
        out[o + 4] = rest[ri++];
        continue;
      }
      out[o] = OP_RECORD;
      const k = op - WIRE_SHAPE_BASE;
      const r = readers[k] as ShapeReader;
      const a = ni[k] as number;
      const b = si[k] as number;
      const c = bi[k] as number;
      out[o + 4] = r.make(f64, a, strs, b, bools, c);
      ni[k] = a + r.numbers;
      si[k] = b + r.strings;
      bi[k] = c + r.booleans;
    }
    return out;
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
