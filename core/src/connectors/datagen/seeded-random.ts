/**
 * A small seeded PRNG (xorshift32 over a mixed seed). Re-seeded per record index, so the n-th
 * generated record is the same whatever the parallelism or the restart history.
 */
export class SeededRandom {
  private state = 1;

  /** Re-seeds from (seed, index). */
  reset(seed: number, index: number): void {
    let h = (seed ^ Math.imul(index | 0, 0x9e3779b1) ^ Math.imul(Math.floor(index / 0x100000000), 0x85ebca6b)) | 0;
    h ^= h >>> 16;
    h = Math.imul(h, 0x7feb352d);
    h ^= h >>> 15;
    h = Math.imul(h, 0x846ca68b);
    h ^= h >>> 16;
    this.state = h === 0 ? 0x6d2b79f5 : h;
  }

  /** A float in [0, 1). */
  next(): number {
    let x = this.state;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.state = x;
    return (x >>> 0) / 0x100000000;
  }

  /** An integer in [0, bound). */
  nextInt(bound: number): number {
    return Math.floor(this.next() * bound);
  }
}
