/**
 * Names a side output of a process function or window (late data, dead letters, alerts).
 *
 * @example
 * ```ts
 * const invalid = new OutputTag<string>('invalid');
 * const parsed = lines.process('parse', {
 *   processElement(line, ctx, out) {
 *     const n = Number(line);
 *     if (Number.isNaN(n)) ctx.output(invalid, line); else out.collect(n);
 *   },
 * });
 * parsed.getSideOutput(invalid).print('dead-letter');
 * ```
 */
export class OutputTag<T> {
  readonly id: string;
  declare readonly _type?: T;

  constructor(id: string) {
    this.id = id;
  }
}
