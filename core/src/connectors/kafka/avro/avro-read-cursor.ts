import { badAvroData } from './avro-errors.ts';

/**
 * The position of a decoder in a buffer. One cursor is reused by each compiled decoder (decoding
 * is synchronous and never re-entered), so decoding allocates only the values it returns.
 */
export class AvroReadCursor {
  buf: Buffer = Buffer.alloc(0);
  pos = 0;
  end = 0;
}

const TWO_POW_28 = 2 ** 28;
const TWO_POW_27 = 2 ** 27;

/** Throws the error of a payload that ends too early. */
export function truncated(c: AvroReadCursor, needed: number, what: string): never {
  throw badAvroData(
    `the payload is truncated: ${what} at byte ${c.pos} needs ${needed} byte(s) but ${Math.max(0, c.end - c.pos)} remain`,
  );
}

/** Reads a zigzag varint `int` (32-bit). */
export function readInt(c: AvroReadCursor): number {
  const buf = c.buf;
  let pos = c.pos;
  const end = c.end;
  if (pos >= end) truncated(c, 1, 'an int');
  let b = buf[pos++] as number;
  let n = b & 0x7f;
  if (b >= 0x80) {
    let shift = 7;
    do {
      if (pos >= end) {
        c.pos = pos;
        truncated(c, 1, 'an int');
      }
      b = buf[pos++] as number;
      n |= (b & 0x7f) << shift;
      shift += 7;
    } while (b >= 0x80 && shift < 35);
    if (b >= 0x80 || (shift === 35 && b > 0x0f)) {
      c.pos = pos;
      throw badAvroData(`an int varint ending at byte ${pos} does not fit in 32 bits`);
    }
  }
  c.pos = pos;
  return (n >>> 1) ^ -(n & 1);
}

/**
 * Reads a zigzag varint `long` and returns the unsigned zigzag value split in two exact parts:
 * the low 28 bits (returned) and the rest (left in `longHigh`). Shared by both long readers.
 */
let longHigh = 0;
function readLongParts(c: AvroReadCursor): number {
  const buf = c.buf;
  let pos = c.pos;
  const end = c.end;
  let lo = 0;
  let hi = 0;
  let shift = 0;
  let b: number;
  do {
    if (pos >= end) {
      c.pos = pos;
      truncated(c, 1, 'a long');
    }
    b = buf[pos++] as number;
    if (shift < 28) lo |= (b & 0x7f) << shift;
    else hi += (b & 0x7f) * 2 ** (shift - 28);
    shift += 7;
  } while (b >= 0x80 && shift < 70);
  if (b >= 0x80 || (shift === 70 && b > 0x01)) {
    c.pos = pos;
    throw badAvroData(`a long varint ending at byte ${pos} does not fit in 64 bits`);
  }
  c.pos = pos;
  longHigh = hi;
  return lo;
}

/**
 * Reads a `long` as a JS number. Throws (a bad record) when the value is outside
 * ±(2^53 - 1), where numbers stop being exact: decode with `longs: 'bigint'` for such data.
 */
export function readLong(c: AvroReadCursor): number {
  const buf = c.buf;
  const pos = c.pos;
  // Fast path: one or two bytes (|value| < 8192), the common case for counts and lengths.
  if (pos < c.end) {
    const b0 = buf[pos] as number;
    if (b0 < 0x80) {
      c.pos = pos + 1;
      return (b0 >>> 1) ^ -(b0 & 1);
    }
    if (pos + 1 < c.end) {
      const b1 = buf[pos + 1] as number;
      if (b1 < 0x80) {
        const u = (b0 & 0x7f) | (b1 << 7);
        c.pos = pos + 2;
        return (u >>> 1) ^ -(u & 1);
      }
    }
  }
  const lo = readLongParts(c);
  const hi = longHigh;
  if (hi < 2 ** 25) {
    // Below 2^53: exact in a double.
    const half = hi * TWO_POW_27 + (lo >>> 1);
    return (lo & 1) === 0 ? half : -half - 1;
  }
  const big = decodeZigzag(hi, lo);
  if (big > BigInt(Number.MAX_SAFE_INTEGER) || big < BigInt(Number.MIN_SAFE_INTEGER)) {
    throw badAvroData(
      `the long ${big} ending at byte ${c.pos} is outside JavaScript's exact integer range ±(2^53-1); decode with the option longs: 'bigint'`,
    );
  }
  return Number(big);
}

/** Reads a `long` as a bigint (exact for the whole 64-bit range). */
export function readLongBigInt(c: AvroReadCursor): bigint {
  const lo = readLongParts(c);
  return decodeZigzag(longHigh, lo);
}

function decodeZigzag(hi: number, lo: number): bigint {
  const u = BigInt(hi) * BigInt(TWO_POW_28) + BigInt(lo >>> 0);
  return (u & 1n) === 0n ? u >> 1n : -(u >> 1n) - 1n;
}

/** Reads a length prefix (a long) and checks that that many bytes follow. */
export function readLength(c: AvroReadCursor, what: string): number {
  const start = c.pos;
  const len = readLong(c);
  if (len < 0) throw badAvroData(`${what} at byte ${start} has a negative length ${len}`);
  if (c.pos + len > c.end) truncated(c, len, what);
  return len;
}

/** Reads a `float` (4 bytes, little-endian IEEE 754). */
export function readFloat(c: AvroReadCursor): number {
  const pos = c.pos;
  if (pos + 4 > c.end) truncated(c, 4, 'a float');
  c.pos = pos + 4;
  return c.buf.readFloatLE(pos);
}

/** Reads a `double` (8 bytes, little-endian IEEE 754). */
export function readDouble(c: AvroReadCursor): number {
  const pos = c.pos;
  if (pos + 8 > c.end) truncated(c, 8, 'a double');
  c.pos = pos + 8;
  return c.buf.readDoubleLE(pos);
}

/** Reads a `boolean` (one byte, 0 or 1). */
export function readBoolean(c: AvroReadCursor): boolean {
  const pos = c.pos;
  if (pos >= c.end) truncated(c, 1, 'a boolean');
  const b = c.buf[pos] as number;
  if (b > 1) throw badAvroData(`the boolean at byte ${pos} is ${b}, not 0 or 1`);
  c.pos = pos + 1;
  return b === 1;
}

/** Reads a `string` (length-prefixed UTF-8). */
export function readString(c: AvroReadCursor): string {
  const len = readLength(c, 'a string');
  const start = c.pos;
  const buf = c.buf;
  c.pos = start + len;
  if (len <= 12) {
    // Short ASCII strings (ids, names, enum-like values) are faster to build by hand.
    let s = '';
    for (let i = start; i < start + len; i++) {
      const ch = buf[i] as number;
      if (ch >= 0x80) return buf.toString('utf8', start, start + len);
      s += String.fromCharCode(ch);
    }
    return s;
  }
  return buf.toString('utf8', start, start + len);
}

/** Reads `bytes` (length-prefixed) into a new Buffer (a copy: the input buffer may be reused). */
export function readBytes(c: AvroReadCursor): Buffer {
  const len = readLength(c, 'bytes');
  const start = c.pos;
  c.pos = start + len;
  return Buffer.from(c.buf.subarray(start, start + len));
}

/** Reads `size` raw bytes (a `fixed`) into a new Buffer. */
export function readFixed(c: AvroReadCursor, size: number): Buffer {
  const start = c.pos;
  if (start + size > c.end) truncated(c, size, `a fixed of ${size} bytes`);
  c.pos = start + size;
  return Buffer.from(c.buf.subarray(start, start + size));
}

/** Skips a varint (int or long) without decoding it. */
export function skipVarint(c: AvroReadCursor): void {
  const buf = c.buf;
  let pos = c.pos;
  for (let i = 0; i < 10; i++) {
    if (pos >= c.end) {
      c.pos = pos;
      truncated(c, 1, 'a varint');
    }
    if ((buf[pos++] as number) < 0x80) {
      c.pos = pos;
      return;
    }
  }
  c.pos = pos;
  throw badAvroData(`a varint ending at byte ${pos} is longer than 10 bytes`);
}

/** Skips `n` bytes. */
export function skipBytes(c: AvroReadCursor, n: number, what: string): void {
  if (c.pos + n > c.end) truncated(c, n, what);
  c.pos += n;
}
