/**
 * A growable output buffer for the Avro encoder. Each compiled encoder keeps one and copies the
 * finished bytes out, so encoding a record allocates one Buffer of the record's exact size.
 */
export class AvroWriteBuffer {
  buf: Buffer;
  pos = 0;

  constructor(initialSize = 256) {
    this.buf = Buffer.allocUnsafe(initialSize);
  }

  /** Makes room for `n` more bytes. */
  ensure(n: number): void {
    const needed = this.pos + n;
    if (needed <= this.buf.length) return;
    const grown = Buffer.allocUnsafe(Math.max(needed, this.buf.length * 2));
    this.buf.copy(grown, 0, 0, this.pos);
    this.buf = grown;
  }

  /** A copy of the bytes written so far. */
  take(): Buffer {
    return Buffer.from(this.buf.subarray(0, this.pos));
  }
}

/** Writes an unsigned varint of at most 32 bits. */
function writeUint32Varint(w: AvroWriteBuffer, u: number): void {
  w.ensure(5);
  const buf = w.buf;
  let pos = w.pos;
  while (u >= 0x80) {
    buf[pos++] = (u & 0x7f) | 0x80;
    u >>>= 7;
  }
  buf[pos++] = u;
  w.pos = pos;
}

/** Writes an `int` (zigzag varint). The caller checks the 32-bit range. */
export function writeInt(w: AvroWriteBuffer, n: number): void {
  writeUint32Varint(w, ((n << 1) ^ (n >> 31)) >>> 0);
}

/** Writes a `long` given as a safe-integer number (zigzag varint, exact over ±(2^53 - 1)). */
export function writeLong(w: AvroWriteBuffer, n: number): void {
  if (n >= -0x40000000 && n < 0x40000000) {
    writeInt(w, n);
    return;
  }
  // Zigzag over two 32-bit words: u = 2|n| for n >= 0, 2|n| - 1 for n < 0.
  const m = Math.abs(n);
  let lo = (m % 0x100000000) * 2 - (n < 0 ? 1 : 0);
  let hi = Math.floor(m / 0x100000000) * 2;
  if (lo >= 0x100000000) {
    lo -= 0x100000000;
    hi += 1;
  } else if (lo < 0) {
    lo += 0x100000000;
    hi -= 1;
  }
  writeWords(w, hi, lo);
}

/** Writes a `long` given as a bigint (must be within the signed 64-bit range). */
export function writeLongBigInt(w: AvroWriteBuffer, n: bigint): void {
  const u = BigInt.asUintN(64, (n << 1n) ^ (n >> 63n));
  writeWords(w, Number(u >> 32n), Number(u & 0xffffffffn));
}

function writeWords(w: AvroWriteBuffer, hi: number, lo: number): void {
  w.ensure(10);
  const buf = w.buf;
  let pos = w.pos;
  while (hi > 0 || lo >= 0x80) {
    buf[pos++] = (lo & 0x7f) | 0x80;
    lo = ((lo >>> 7) | (hi << 25)) >>> 0;
    hi >>>= 7;
  }
  buf[pos++] = lo;
  w.pos = pos;
}

/** Writes a `float`. */
export function writeFloat(w: AvroWriteBuffer, n: number): void {
  w.ensure(4);
  w.pos = w.buf.writeFloatLE(n, w.pos);
}

/** Writes a `double`. */
export function writeDouble(w: AvroWriteBuffer, n: number): void {
  w.ensure(8);
  w.pos = w.buf.writeDoubleLE(n, w.pos);
}

/** Writes length-prefixed bytes. */
export function writeBytes(w: AvroWriteBuffer, bytes: Uint8Array): void {
  writeLong(w, bytes.length);
  writeRaw(w, bytes);
}

/** Writes bytes as they are (a `fixed`). */
export function writeRaw(w: AvroWriteBuffer, bytes: Uint8Array): void {
  w.ensure(bytes.length);
  w.buf.set(bytes, w.pos);
  w.pos += bytes.length;
}

/** Writes a length-prefixed UTF-8 string. */
export function writeString(w: AvroWriteBuffer, s: string): void {
  const len = s.length;
  if (len < 64) {
    // ASCII fast path: one byte per char, length known up front.
    let ascii = true;
    for (let i = 0; i < len; i++) {
      if (s.charCodeAt(i) >= 0x80) {
        ascii = false;
        break;
      }
    }
    if (ascii) {
      w.ensure(1 + len);
      const buf = w.buf;
      let pos = w.pos;
      buf[pos++] = len << 1;
      for (let i = 0; i < len; i++) buf[pos++] = s.charCodeAt(i);
      w.pos = pos;
      return;
    }
  }
  const bytes = Buffer.byteLength(s, 'utf8');
  writeLong(w, bytes);
  w.ensure(bytes);
  w.pos += w.buf.write(s, w.pos, bytes, 'utf8');
}
