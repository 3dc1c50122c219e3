import { deserialize, serialize } from 'node:v8';
import { SluiceError } from '../../errors.ts';

/**
 * Byte layout of an LMDB value: `tag | [f64 BE touchedAt if tag & TTL] | payload`.
 *
 * Payload kinds: a number (f64 BE) and a string (UTF-8) are written directly, because they are
 * the common case (counters, sums, labels) and `v8.serialize` costs ~3 µs each for them;
 * everything else is `node:v8` structured clone, the same serializer as the snapshot format, so
 * any value that survives a heap savepoint survives the LMDB backend (bigint, Map, Set, Date,
 * typed arrays; class instances lose their prototype, functions are refused). msgpackr (lmdb-js's
 * default) was not taken: its Map/undefined/bigint/-0 handling differs from structured clone, so
 * a value could change between backends.
 */
const KIND_V8 = 0;
const KIND_NUMBER = 1;
const KIND_STRING = 2;
const KIND_MASK = 0x0f;
const FLAG_TTL = 0x80;

/**
 * Encodes and decodes state values. `decode` returns the value and leaves the TTL timestamp in
 * `touchedAt` (NaN when the value was stored without one), so decoding allocates nothing but
 * the value.
 */
export class LmdbValueCodec {
  /** The TTL timestamp of the last decoded value; NaN if it had none. */
  touchedAt = Number.NaN;

  /** Encodes `value` (with its TTL timestamp when `touchedAt` is a number). A fresh Buffer. */
  encode(value: unknown, touchedAt: number | undefined): Buffer {
    const head = touchedAt === undefined ? 1 : 9;
    const flag = touchedAt === undefined ? 0 : FLAG_TTL;
    let out: Buffer;
    if (typeof value === 'number') {
      out = Buffer.allocUnsafe(head + 8);
      out[0] = KIND_NUMBER | flag;
      out.writeDoubleBE(value, head);
    } else if (typeof value === 'string') {
      out = Buffer.allocUnsafe(head + Buffer.byteLength(value, 'utf8'));
      out[0] = KIND_STRING | flag;
      out.write(value, head, 'utf8');
    } else {
      let payload: Buffer;
      try {
        payload = serialize(value);
      } catch (cause) {
        throw new SluiceError(
          'INVALID_ARGUMENT',
          `A state value could not be serialized: ${cause instanceof Error ? cause.message : String(cause)}. ` +
            'State values must be structured-cloneable data (no functions, class instances lose their prototype).',
          { cause },
        );
      }
      out = Buffer.allocUnsafe(head + payload.length);
      out[0] = KIND_V8 | flag;
      payload.copy(out, head);
    }
    if (touchedAt !== undefined) out.writeDoubleBE(touchedAt, 1);
    return out;
  }

  /**
   * Decodes bytes written by {@link encode}; the bytes may be reused afterwards. Reads up to
   * `bytes.length` only: lmdb-js's fast reads return a Buffer whose `length` is the value's while
   * its underlying view is the whole shared read buffer.
   */
  decode(bytes: Buffer): unknown {
    const buf = bytes;
    const end = buf.length;
    const tag = buf[0] as number;
    let at = 1;
    if ((tag & FLAG_TTL) !== 0) {
      this.touchedAt = buf.readDoubleBE(1);
      at = 9;
    } else {
      this.touchedAt = Number.NaN;
    }
    switch (tag & KIND_MASK) {
      case KIND_NUMBER:
        return buf.readDoubleBE(at);
      case KIND_STRING:
        return buf.toString('utf8', at, end);
      case KIND_V8:
        return deserialize(buf.subarray(at, end));
      default:
        throw new SluiceError(
          'CORRUPT_CHECKPOINT',
          `An LMDB state value has an unknown tag ${tag}; the state directory is damaged. Restore from a checkpoint.`,
        );
    }
  }
}
