import { AvroEncodeProblem, badAvroData, describeValue } from './avro-errors.ts';

/** The unscaled value of big-endian two's-complement bytes. */
export function bytesToBigInt(buf: Uint8Array, start: number, end: number): bigint {
  if (end <= start) return 0n;
  let value = 0n;
  for (let i = start; i < end; i++) value = (value << 8n) | BigInt(buf[i] as number);
  const first = buf[start] as number;
  if (first >= 0x80) value -= 1n << BigInt(8 * (end - start));
  return value;
}

/** Formats an unscaled value with `scale` digits after the point: (12345n, 2) → "123.45". */
export function formatDecimal(unscaled: bigint, scale: number): string {
  if (scale === 0) return unscaled.toString();
  const negative = unscaled < 0n;
  const digits = (negative ? -unscaled : unscaled).toString().padStart(scale + 1, '0');
  const point = digits.length - scale;
  return `${negative ? '-' : ''}${digits.slice(0, point)}.${digits.slice(point)}`;
}

/** Checks a decoded unscaled value against the declared precision. */
export function checkPrecision(unscaled: bigint, precision: number): bigint {
  const magnitude = unscaled < 0n ? -unscaled : unscaled;
  if (magnitude.toString().length > precision) {
    throw badAvroData(`the decimal ${unscaled} has more than the declared ${precision} digits`);
  }
  return unscaled;
}

const DECIMAL = /^([+-]?)(\d+)(?:\.(\d*))?$/;

/**
 * The unscaled value of a decimal given as a string ("123.45") or as the unscaled bigint
 * itself. More fraction digits than `scale` is an error (no silent rounding); fewer are padded.
 */
export function parseDecimal(value: unknown, precision: number, scale: number): bigint {
  let unscaled: bigint;
  if (typeof value === 'bigint') {
    unscaled = value;
  } else if (typeof value === 'string') {
    const m = DECIMAL.exec(value.trim());
    if (m === null) throw new AvroEncodeProblem(`expected a decimal string like "123.45"; got ${describeValue(value)}`);
    const fraction = m[3] ?? '';
    if (fraction.length > scale) {
      throw new AvroEncodeProblem(
        `the decimal "${value}" has more than ${scale} digits after the point; round it first`,
      );
    }
    const digits = `${m[2] ?? ''}${fraction.padEnd(scale, '0')}`;
    unscaled = BigInt(digits) * (m[1] === '-' ? -1n : 1n);
  } else {
    throw new AvroEncodeProblem(`expected a decimal as a string or an unscaled bigint; got ${describeValue(value)}`);
  }
  const magnitude = unscaled < 0n ? -unscaled : unscaled;
  if (magnitude.toString().length > precision) {
    throw new AvroEncodeProblem(`the decimal ${String(value)} has more than the schema's ${precision} digits`);
  }
  return unscaled;
}

/** Minimal big-endian two's-complement bytes of `value`, or exactly `size` bytes when given. */
export function bigIntToBytes(value: bigint, size?: number): Buffer {
  let n = 1;
  while (value >= 1n << BigInt(8 * n - 1) || value < -(1n << BigInt(8 * n - 1))) n++;
  if (size !== undefined) {
    if (n > size) throw new AvroEncodeProblem(`the decimal does not fit in ${size} bytes`);
    n = size;
  }
  const out = Buffer.alloc(n);
  let v = BigInt.asUintN(8 * n, value);
  for (let i = n - 1; i >= 0; i--) {
    out[i] = Number(v & 0xffn);
    v >>= 8n;
  }
  return out;
}
